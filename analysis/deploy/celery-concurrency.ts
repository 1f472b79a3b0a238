/**
 * How many processes (and threads) a `celery worker` command starts, read the way Celery reads it: the pool
 * (`-P`), then `-c/--concurrency`, `--autoscale` (its maximum), CELERY_WORKER_CONCURRENCY in the deploy's
 * environment, `worker_concurrency` in the app's config (celeryconfig, `app.conf`, Django
 * `CELERY_WORKER_CONCURRENCY`), else Celery's default: one pool process per CPU the container reports.
 *
 * The one evaluator of Celery concurrency: memory-budget counts what it returns, and cpu-derived-workers
 * reports the `default` case, so the two always agree.
 */
import { celeryPool, celeryWorkerWord, optionValues, valueRange, type StartCommand } from './commands';
import { pythonCount, shellCount, type Count, type CountContext } from './counts';
import type { SourceLocation, Workspace } from './deploy-files';
import type { DeployEnv } from './deploy-model';

export interface CeleryCount {
  n: number;
  /** Where the number is written; for the default, the `worker` word. */
  at?: SourceLocation;
  how: string;
  cpuDerived: boolean;
}

export type ConcurrencySource = 'flag' | 'autoscale' | 'env' | 'config' | 'default';

export interface CeleryWorkers {
  /** `prefork` (also spelt `processes`), `solo`, `threads`, `gevent`, `eventlet`, `custom`... */
  pool: string;
  /** Pool processes forked (prefork); 1 for the other pools, which run in the main process. */
  processes: CeleryCount;
  /** Threads of the `threads` pool (its concurrency); 1 otherwise. */
  threads: CeleryCount;
  /** Where the concurrency comes from (for prefork and threads). */
  source: ConcurrencySource;
}

export interface CeleryLookup {
  ws: Workspace;
  /** The deploy's environment variable, last setting wins. */
  env(name: string): DeployEnv | undefined;
  /** Directory of the app's code (workspace-relative, `a/b/` form): where its config is looked for. */
  dir: string;
  hostCpus: number;
}

/** The pools whose concurrency is processes. */
export function isPreforkPool(pool: string): boolean {
  return pool === 'prefork' || pool === 'processes';
}

/** What a celery worker command starts, or undefined when the command is not `celery ... worker`. */
export function celeryWorkers(command: StartCommand, file: string, lookup: CeleryLookup): CeleryWorkers | undefined {
  const worker = celeryWorkerWord(command);
  if (!worker) return undefined;
  const pool = celeryPool(command);
  const one = (how: string): CeleryCount => ({ n: 1, how, cpuDerived: false });
  if (!isPreforkPool(pool) && pool !== 'threads') {
    // solo runs tasks in the main process; gevent/eventlet concurrency is greenlets in it.
    return { pool, processes: one(`--pool ${pool}: one process`), threads: one('default'), source: 'flag' };
  }
  const { count, source } = concurrency(command, file, lookup, worker);
  return isPreforkPool(pool)
    ? { pool: 'prefork', processes: count, threads: one('default'), source }
    : { pool, processes: one('--pool threads: one process'), threads: { ...count, how: `${count.how} (threads)` }, source };
}

function concurrency(command: StartCommand, file: string, lookup: CeleryLookup, worker: { start: number; end: number }): { count: CeleryCount; source: ConcurrencySource } {
  const ctx: CountContext = { env: (name) => lookup.env(name)?.value, hostCpus: lookup.hostCpus };
  const flag = optionValues(command.args, ['-c', '--concurrency']).pop();
  if (flag) {
    const count = shellCount(flag.value, ctx);
    const [start, end] = valueRange(flag);
    // A value that cannot be evaluated (`$CONCURRENCY` unset here) is still the user's choice: count one.
    return {
      count: count
        ? { n: count.n, at: { file, start, end }, how: describe(`${flag.flag.value.replace(/=.*/, '')} ${flag.value}`, count, ctx), cpuDerived: count.cpuDerived }
        : { n: 1, at: { file, start, end }, how: `${flag.flag.value.replace(/=.*/, '')} ${flag.value} (not known here: counted as 1)`, cpuDerived: false },
      source: 'flag',
    };
  }
  const autoscale = optionValues(command.args, ['--autoscale']).pop();
  const max = autoscale && /^(\d+)/.exec(autoscale.value);
  if (autoscale && max) {
    const [start] = autoscale.word.text.fileRange(autoscale.offset, autoscale.offset + max[1].length);
    return {
      count: { n: Number(max[1]), at: { file, start, end: start + max[1].length }, how: `--autoscale ${autoscale.value} (its maximum)`, cpuDerived: false },
      source: 'autoscale',
    };
  }
  for (const name of ['CELERY_WORKER_CONCURRENCY', 'CELERYD_CONCURRENCY']) {
    const e = lookup.env(name);
    const count = e && shellCount(e.value, ctx);
    if (e && count) {
      const [start, end] = e.setting.value.fileRange();
      return { count: { n: count.n, at: { file: e.file, start, end }, how: describe(`${name}=${e.value}`, count, ctx), cpuDerived: count.cpuDerived }, source: 'env' };
    }
  }
  const config = configConcurrency(lookup);
  if (config) {
    const count = pythonCount(config.expr, ctx);
    const at = { file: config.file, start: config.start, end: config.end };
    return {
      count: count
        ? { n: count.n, at, how: describe(`${config.name} = ${config.expr} in ${config.file}`, count, ctx), cpuDerived: count.cpuDerived }
        : { n: 1, at, how: `${config.name} = ${config.expr} in ${config.file} (not known here: counted as 1)`, cpuDerived: false },
      source: 'config',
    };
  }
  return {
    count: {
      n: lookup.hostCpus,
      at: { file, start: worker.start, end: worker.end },
      how: `celery's default concurrency, the CPU count: ${lookup.hostCpus} on a host reporting ${lookup.hostCpus} CPUs`,
      cpuDerived: true,
    },
    source: 'default',
  };
}

function describe(how: string, count: Count, ctx: CountContext): string {
  const parts = [how];
  if (count.cpuDerived) parts.push(`= ${count.n} on a host reporting ${ctx.hostCpus} CPUs`);
  if (count.envUsed.length) parts.push(`with ${count.envUsed.map((e) => `${e}=${ctx.env(e)}`).join(', ')}`);
  return parts.join(' ');
}

// ---------------------------------------------------------------------------------------------------------------
// worker_concurrency in the app's Python config

interface ConfigSetting {
  file: string;
  name: string;
  expr: string;
  start: number;
  end: number;
}

/**
 * `worker_concurrency = 4` (celeryconfig, `app.conf.worker_concurrency = 4`), `CELERY_WORKER_CONCURRENCY = 4`
 * (Django settings with the CELERY namespace), `CELERYD_CONCURRENCY = 4` (old name), `worker_concurrency=4` in
 * `app.conf.update(...)` / `Celery(...)`, `"worker_concurrency": 4` in a dict.
 */
const SETTING = /\b(worker_concurrency|CELERY_WORKER_CONCURRENCY|CELERYD_CONCURRENCY)\b["']?[ \t]*[:=][ \t]*(?!=)/g;
const SKIP = /(^|\/)(node_modules|\.git|\.venv|venv|env|site-packages|__pycache__|migrations|tests?|docs?)\/|(^|\/)(test_[^/]*|[^/]*_test|conftest)\.py$/;
const MAX_FILES = 3000;

/** The first `worker_concurrency` setting in the app's Python files under `lookup.dir`. */
export function configConcurrency(lookup: CeleryLookup): ConfigSetting | undefined {
  let read = 0;
  for (const file of lookup.ws.files()) {
    if (!file.endsWith('.py') || !file.startsWith(lookup.dir) || SKIP.test(file.slice(lookup.dir.length))) continue;
    if (++read > MAX_FILES) break;
    const found = lookup.ws.derived(file, 'celery-concurrency', settingIn);
    if (found) return { file, ...found };
  }
  return undefined;
}

function settingIn(text: string): Omit<ConfigSetting, 'file'> | undefined {
  if (!/concurrency/i.test(text)) return undefined;
  for (const m of text.matchAll(SETTING)) {
    const lineStart = text.lastIndexOf('\n', m.index) + 1;
    if (text.slice(lineStart, m.index).includes('#')) continue; // commented out
    const start = m.index + m[0].length;
    const end = expressionEnd(text, start);
    const expr = text.slice(start, end).trim();
    if (expr) return { name: m[1], expr, start, end: start + text.slice(start, end).trimEnd().length };
  }
  return undefined;
}

/** Where a Python expression that starts at `start` ends: a newline, `,`, `)` or `}` outside brackets, or `#`. */
function expressionEnd(text: string, start: number): number {
  let depth = 0;
  let quote = '';
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = '';
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') {
      if (depth === 0) return i;
      depth--;
    } else if ((ch === ',' || ch === '#' || ch === '\n') && depth === 0) return i;
  }
  return text.length;
}
