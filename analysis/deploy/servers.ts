/**
 * What a start command runs, for the budget: the server (gunicorn, uvicorn, celery, Streamlit, node, pm2...),
 * how many worker processes and threads it starts and where that number is set (a flag, GUNICORN_CMD_ARGS,
 * the gunicorn config file, WEB_CONCURRENCY, a pm2 ecosystem file, or the server's default), its worker
 * class and whether it preloads the app before forking.
 */
import type { RuleContext } from '../../rules/api';
import { optionValues, valueRange, wordsOf, type OptionMatch, type Word } from './commands';
import { gunicornConfigOf } from './gunicorn-config';
import { celeryWorkers, isPreforkPool } from './celery-concurrency';
import { pythonCount, shellCount, type Count, type CountContext } from './counts';
import { classifyDeployFile, dirOf, joinPath, type SourceLocation, type Workspace } from './deploy-files';
import { pythonModules } from '../python/module-graph';
import { importedExpression } from '../python/imported-values';
import type { Deploy, DeployProcess } from './deploys';

export type ServerKind =
  | 'gunicorn' | 'uvicorn' | 'hypercorn' | 'daphne' | 'celery-worker' | 'celery-beat' | 'streamlit' | 'django-runserver'
  | 'flask' | 'waitress' | 'python' | 'node' | 'pm2' | 'next';

export interface Setting {
  n: number;
  /** Where the number is written; absent for defaults. */
  at?: SourceLocation;
  /** How it was read: "-w 4", "workers = multiprocessing.cpu_count() * 2 + 1 in gunicorn.conf.py", "default". */
  how: string;
  cpuDerived: boolean;
}

export interface Server {
  kind: ServerKind;
  runtime: 'python' | 'node';
  /** Worker processes (celery: pool processes; pm2: instances). */
  workers: Setting;
  threads: Setting;
  workerClass?: string;
  /** The app is imported before forking (gunicorn --preload, celery prefork): native libraries are shared. */
  preload: boolean;
  /** The WSGI/ASGI app or script (`config.wsgi`, `main:app`, `server.js`). */
  app?: string;
  /** pm2: the apps of its ecosystem file, when it starts several. */
  apps?: number;
  /** The program word. */
  at: SourceLocation;
}

export interface ServerContext {
  ws: Workspace;
  deploy: Deploy;
  hostCpus: number;
}

const GUNICORN_BOOLEAN_FLAGS = new Set([
  '--preload', '--reload', '-D', '--daemon', '--check-config', '--print-config', '--spew', '--capture-output',
  '--enable-stdio-inheritance', '--no-sendfile', '--reuse-port', '--strip-header-spaces', '--suppress-ragged-eofs',
  '--log-syslog', '-R', '--proxy-protocol', '--paste', '--paste-global',
]);

/**
 * Workers a Node script forks with the cluster module: `for (...; i < os.cpus().length / availableParallelism(); ...)
 * cluster.fork()` is one per CPU; a literal bound is that many. Undefined when the script does not fork.
 */
export function nodeClusterWorkers(text: string | undefined, hostCpus: number, cwd: string, script: string): Setting | undefined {
  if (!text || !/\bcluster\.fork\s*\(/.test(text)) return undefined;
  const loop = /for\s*\([^;]*;\s*\w+\s*<\s*([^;]+);[^)]*\)\s*\{?\s*cluster\.fork\s*\(/.exec(text);
  const file = joinPath(cwd, script);
  const bound = loop?.[1].trim() ?? '';
  const at = loop ? { file, start: loop.index + loop[0].indexOf(bound), end: loop.index + loop[0].indexOf(bound) + bound.length } : undefined;
  if (/^\d+$/.test(bound)) return { n: Number(bound), at, how: `cluster.fork() x ${bound} in ${script}`, cpuDerived: false };
  if (/cpus\(\)\.length|availableParallelism\(\)|numCPUs|cpuCount/i.test(bound) || /os\.cpus\(\)\.length|availableParallelism\(\)/.test(text))
    return { n: hostCpus, at, how: `cluster.fork() per CPU in ${script}: ${hostCpus} on a host reporting ${hostCpus} CPUs`, cpuDerived: true };
  return undefined;
}

/** The server a process runs, or undefined for programs that are not app servers. */
export function serverOf(proc: DeployProcess, sc: ServerContext): Server | undefined {
  const c = proc.command;
  const args = c.args;
  const values = args.map((a) => a.value);
  const at = { file: proc.file, start: c.programWord.start, end: c.programWord.end };
  const one = (how = 'one process'): Setting => ({ n: 1, how, cpuDerived: false });
  const envCtx = countContext(sc);
  switch (c.program) {
    case 'gunicorn':
      return gunicorn(proc, sc, at);
    case 'uvicorn': {
      const workers = flagCount(proc, ['--workers'], envCtx) ?? envCount(sc, 'WEB_CONCURRENCY', envCtx) ?? one('uvicorn default');
      return { kind: 'uvicorn', runtime: 'python', workers, threads: one(), preload: false, app: positional(args, new Set(['--factory', '--reload', '--proxy-headers', '--no-access-log', '--use-colors', '--no-use-colors', '--no-server-header', '--no-date-header'])), at };
    }
    case 'hypercorn': {
      const workers = flagCount(proc, ['-w', '--workers'], envCtx) ?? one('hypercorn default');
      return { kind: 'hypercorn', runtime: 'python', workers, threads: one(), preload: false, app: positional(args, new Set()), at };
    }
    case 'daphne':
      return { kind: 'daphne', runtime: 'python', workers: one(), threads: one(), preload: false, app: positional(args, new Set()), at };
    case 'celery':
      return celery(proc, sc, at);
    case 'streamlit':
      return values[0] === 'run' ? { kind: 'streamlit', runtime: 'python', workers: one(), threads: one(), preload: false, app: values[1], at } : undefined;
    case 'flask':
      return values.includes('run') ? { kind: 'flask', runtime: 'python', workers: one(), threads: one(), preload: false, app: flaskApp(proc, sc), at } : undefined;
    case 'waitress-serve': {
      const threads = flagCount(proc, ['--threads'], envCtx) ?? { n: 4, how: 'waitress default of 4 threads', cpuDerived: false };
      return { kind: 'waitress', runtime: 'python', workers: one(), threads, preload: false, app: positional(args, new Set()), at };
    }
    case 'node':
    case 'nodejs':
    case 'ts-node':
    case 'tsx': {
      if (values.some((v) => ['-e', '--eval', '-p', '--print', '-v', '--version', '-c', '--check', '--test', '-h', '--help'].includes(v))) return undefined;
      const script = values.find((v) => !v.startsWith('-'));
      if (!script) return undefined;
      const cluster = nodeClusterWorkers(sc.ws.read(joinPath(proc.cwd, script)), sc.hostCpus, proc.cwd, script);
      return { kind: 'node', runtime: 'node', workers: cluster ?? one(), threads: one(), preload: false, app: script, at, ...(cluster ? { workerClass: 'cluster' } : {}) };
    }
    case 'next':
      return values[0] === 'start' ? { kind: 'next', runtime: 'node', workers: one(), threads: one(), preload: false, at } : undefined;
    case 'pm2':
    case 'pm2-runtime':
      return pm2(proc, sc, at);
    default:
      if (/^python(\d+(\.\d+)?)?$/.test(c.program)) return python(values, at);
      return undefined;
  }
}

/**
 * The app `flask run` loads: `--app` (or `-A`, before `run`), else FLASK_APP from the deploy or the `.flaskenv`
 * python-dotenv reads in the working directory (`hello`, `hello:create_app()`, `src/app.py`); undefined when unset
 * (Flask then tries `wsgi` and `app`).
 */
function flaskApp(proc: DeployProcess, sc: ServerContext): string | undefined {
  const flag = optionValues(proc.command.args, ['--app', '-A']).pop()?.value;
  if (flag) return flag;
  const set = envSetting(sc.deploy, 'FLASK_APP')?.value;
  if (set) return set;
  const flaskenv = sc.ws.read(joinPath(proc.cwd, '.flaskenv'));
  return flaskenv ? /^\s*(?:export\s+)?FLASK_APP\s*=\s*["']?([^"'\s#]+)/m.exec(flaskenv)?.[1] : undefined;
}

/**
 * Management commands that serve or consume until stopped: the queue workers (`rqworker`, `qcluster`, `run_huey`,
 * `process_tasks`, Channels' `runworker`) and any command named for a server, worker, consumer, listener, scheduler
 * or bot (`grpcrunserver`, `run_consumer`, `runapscheduler`, `startbot`). `runserver` is Django's own, read above.
 */
const LONG_RUNNING_MANAGEMENT_COMMAND = /^(rqworker|qcluster|run_huey|process_tasks|\w*(server|worker|consumer|listener|scheduler|bot))$/;

function python(values: string[], at: SourceLocation): Server | undefined {
  const script = values.find((v) => !v.startsWith('-'));
  if (!script || !/\.py$/.test(script)) return undefined;
  const one: Setting = { n: 1, how: 'one process', cpuDerived: false };
  if (/(^|\/)manage\.py$/.test(script)) {
    const sub = values[values.indexOf(script) + 1];
    if (sub === 'runserver' || sub === 'runserver_plus') return { kind: 'django-runserver', runtime: 'python', workers: one, threads: one, preload: false, at };
    // Queue workers and other servers run as Django management commands (`rqworker`, `grpcrunserver`, a project's
    // `runbot`): manage.py's Django import makes them Django processes.
    if (LONG_RUNNING_MANAGEMENT_COMMAND.test(sub ?? '')) return { kind: 'python', runtime: 'python', workers: one, threads: one, preload: false, app: script, at };
    return undefined; // migrate, collectstatic, shell...
  }
  return { kind: 'python', runtime: 'python', workers: one, threads: one, preload: false, app: script, at };
}

function countContext(sc: ServerContext): CountContext {
  return { env: (name) => envValue(sc.deploy, name), hostCpus: sc.hostCpus };
}

/** The deploy's value of an environment variable (the last setting wins). */
export function envValue(deploy: Deploy, name: string): string | undefined {
  for (let i = deploy.env.length - 1; i >= 0; i--) if (deploy.env[i].name === name) return deploy.env[i].value;
  return undefined;
}

function envSetting(deploy: Deploy, name: string) {
  for (let i = deploy.env.length - 1; i >= 0; i--) if (deploy.env[i].name === name) return deploy.env[i];
  return undefined;
}

/** A count set by a flag of the process's own command. */
function flagCount(proc: DeployProcess, names: string[], ctx: CountContext): Setting | undefined {
  const match = optionValues(proc.command.args, names).pop();
  return match ? settingFromMatch(match, proc.file, ctx, `${match.flag.value.replace(/=.*/, '')} ${match.value}`) : undefined;
}

function settingFromMatch(match: OptionMatch, file: string, ctx: CountContext, how: string): Setting | undefined {
  const count = shellCount(match.value, ctx);
  if (!count) return undefined;
  const [start, end] = valueRange(match);
  return { n: count.n, at: { file, start, end }, how: describe(how, count, ctx), cpuDerived: count.cpuDerived };
}

function describe(how: string, count: Count, ctx: CountContext): string {
  const parts = [how];
  if (count.cpuDerived) parts.push(`= ${count.n} on a host reporting ${ctx.hostCpus} CPUs`);
  if (count.envUsed.length) parts.push(`with ${count.envUsed.map((e) => `${e}=${ctx.env(e)}`).join(', ')}`);
  return parts.join(' ');
}

/** WEB_CONCURRENCY and friends from the deploy's environment. */
function envCount(sc: ServerContext, name: string, ctx: CountContext): Setting | undefined {
  const e = envSetting(sc.deploy, name);
  if (!e) return undefined;
  const count = shellCount(e.value, ctx);
  if (!count) return undefined;
  const m = /^(\s*)(\d+)\s*$/.exec(e.setting.value.value);
  const [start, end] = m ? e.setting.value.fileRange(m[1].length, m[1].length + m[2].length) : e.setting.value.fileRange();
  return { n: count.n, at: { file: e.file, start, end }, how: describe(`${name}=${e.value}`, count, ctx), cpuDerived: count.cpuDerived };
}

/** The first argument that is not an option or an option's value. */
function positional(args: readonly Word[], booleanFlags: ReadonlySet<string>): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const v = args[i].value;
    if (v.startsWith('-')) {
      if (!v.includes('=') && !booleanFlags.has(v)) i++;
      continue;
    }
    return v;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// gunicorn

interface ConfigValue {
  expr: string;
  start: number;
  end: number;
}

/** Module-level `name = value` lines of a gunicorn config (line-based: other files cannot be parsed here). */
export function configValues(text: string): Map<string, ConfigValue> {
  const out = new Map<string, ConfigValue>();
  const re = /^([A-Za-z_]\w*)[ \t]*(?::[^=\n]*)?=[ \t]*(?!=)/gm;
  for (const m of text.matchAll(re)) {
    const start = m.index + m[0].length;
    let end = start;
    let depth = 0;
    let quote = '';
    for (; end < text.length; end++) {
      const ch = text[end];
      if (quote) {
        if (ch === '\\') end++;
        else if (ch === quote) quote = '';
        continue;
      }
      if (ch === '"' || ch === "'") quote = ch;
      else if (ch === '(' || ch === '[' || ch === '{') depth++;
      else if (ch === ')' || ch === ']' || ch === '}') depth--;
      else if (ch === '#' && depth <= 0) break;
      else if (ch === '\n' && depth <= 0) break;
    }
    let e = end;
    while (e > start && /\s/.test(text[e - 1])) e--;
    out.set(m[1], { expr: text.slice(start, e), start, end: e });
  }
  return out;
}

/**
 * `preload_app = True` inside a module-level if/else whose other branch is the development one (heroku's
 * python-getting-started: `if ENVIRONMENT == "development": reload = True / else: preload_app = True`): a
 * deploy runs the production branch.
 */
export function preloadInProductionBranch(text: string): boolean {
  const lines = text.split('\n');
  const dev = /develop|debug|local|reload/i;
  for (let i = 0; i < lines.length; i++) {
    if (!/^[ \t]+preload_app\s*=\s*(True|1)\s*(#.*)?$/.test(lines[i])) continue;
    let header = -1;
    for (let j = i - 1; j >= 0; j--) {
      if (/^\S/.test(lines[j]) && !lines[j].startsWith('#')) {
        header = j;
        break;
      }
    }
    if (header < 0) continue;
    const h = lines[header];
    if (/^else\s*:/.test(h)) {
      let cond = header - 1;
      while (cond >= 0 && !/^(if|elif)\b/.test(lines[cond])) {
        if (/^(def|class|async)\b/.test(lines[cond])) break;
        cond--;
      }
      if (cond >= 0 && /^(if|elif)\b/.test(lines[cond]) && dev.test(lines[cond]) && /==|\bis\b|^if\s+\w*(debug|develop)/i.test(lines[cond])) return true;
    } else if (/^if\b/.test(h) && !dev.test(h.replace(/!=\s*["'][^"']*["']/, ''))) {
      continue; // an unknown condition: not assumed
    }
  }
  return false;
}

function gunicorn(proc: DeployProcess, sc: ServerContext, at: SourceLocation): Server {
  const ctx = countContext(sc);
  const args = proc.command.args;
  const cmdArgsEnv = envSetting(sc.deploy, 'GUNICORN_CMD_ARGS');
  const cmdArgs = cmdArgsEnv ? wordsOf(cmdArgsEnv.setting.value) : [];
  const config = configOf(proc, sc);
  const values = config ? configValues(config.text) : new Map<string, ConfigValue>();
  // A name the config imports from a project module (`from app.config import WORKERS`) has that module's value.
  const imported = (id: string) => (config ? importedConfigValue(sc, proc, config, id) : undefined);
  const pyCtx: CountContext = { ...ctx, name: (id) => values.get(id)?.expr ?? imported(id) };
  const fromConfig = (name: string): Setting | undefined => {
    const v = values.get(name);
    if (!v || !config) return undefined;
    const count = pythonCount(v.expr, pyCtx);
    if (!count) return undefined;
    return { n: count.n, at: { file: config.relPath, start: v.start, end: v.end }, how: describe(`${name} = ${v.expr} in ${config.relPath}`, count, ctx), cpuDerived: count.cpuDerived };
  };
  const fromCmdArgs = (names: string[]): Setting | undefined => {
    const match = optionValues(cmdArgs, names).pop();
    return match && cmdArgsEnv ? settingFromMatch(match, cmdArgsEnv.file, ctx, `GUNICORN_CMD_ARGS ${match.flag.value.replace(/=.*/, '')} ${match.value}`) : undefined;
  };
  // Precedence: command line, GUNICORN_CMD_ARGS, config file, WEB_CONCURRENCY (gunicorn's default for workers).
  const workers =
    flagCount(proc, ['-w', '--workers'], ctx) ??
    fromCmdArgs(['-w', '--workers']) ??
    fromConfig('workers') ??
    envCount(sc, 'WEB_CONCURRENCY', ctx) ??
    herokuDefault(sc) ?? { n: 1, how: 'gunicorn default of 1 worker', cpuDerived: false };
  const threads = flagCount(proc, ['--threads'], ctx) ?? fromCmdArgs(['--threads']) ?? fromConfig('threads') ?? { n: 1, how: 'default', cpuDerived: false };
  const classFlag = optionValues(args, ['-k', '--worker-class']).pop() ?? optionValues(cmdArgs, ['-k', '--worker-class']).pop();
  const classConfig = pythonString(values.get('worker_class')?.expr, ctx);
  let workerClass = classFlag?.value ?? classConfig ?? 'sync';
  workerClass = workerClass.replace(/^egg:gunicorn#/, '').split('.').pop() ?? workerClass;
  if (/^(sync|SyncWorker)$/.test(workerClass) && threads.n > 1) workerClass = 'gthread';
  const preload =
    args.some((a) => a.value === '--preload') ||
    cmdArgs.some((a) => a.value === '--preload') ||
    /^(True|1)$/.test(values.get('preload_app')?.expr ?? '') ||
    (config !== undefined && !values.has('preload_app') && preloadInProductionBranch(config.text));
  const app = positional(args, GUNICORN_BOOLEAN_FLAGS) ?? values.get('wsgi_app')?.expr.replace(/^["']|["']$/g, '');
  return { kind: 'gunicorn', runtime: 'python', workers, threads, workerClass, preload, app, at };
}

/** A string setting: `"gthread"`, or `os.environ.get("WORKER_CLASS", "gthread")` (the variable when the deploy sets it). */
function pythonString(expr: string | undefined, ctx: CountContext): string | undefined {
  if (expr === undefined) return undefined;
  const literal = /^[rbuRBU]?(["'])(.*)\1$/.exec(expr.trim());
  if (literal) return literal[2];
  const env = /^(?:os\.environ\.get|os\.getenv|environ\.get|getenv)\(\s*(["'])(\w+)\1\s*(?:,\s*(["'])(.*?)\3\s*)?\)$/.exec(expr.trim());
  if (env) return ctx.env(env[2]) ?? env[4];
  return undefined;
}

/** The gunicorn config a command loads, read through gunicorn-config.ts from the command's working directory. */
/** The expression a gunicorn config's imported name has in the project module it comes from. */
function importedConfigValue(sc: ServerContext, proc: DeployProcess, config: { relPath: string; text: string }, id: string): string | undefined {
  if (!config.text.includes('import')) return undefined;
  const roots = [...new Set([dirOf(config.relPath), proc.cwd, sc.deploy.dir])];
  const index = pythonModules(sc.ws.project, sc.ws.files()).index(roots);
  return importedExpression(index, config.relPath, config.text, id, (f) => sc.ws.read(f));
}

function configOf(proc: DeployProcess, sc: ServerContext): { relPath: string; text: string } | undefined {
  // gunicornConfigOf reads ctx.file.relPath (for the directory) and ctx.project.readFile only.
  const view = { file: { relPath: `${proc.cwd}.memlint-cwd` }, project: { readFile: (p: string) => sc.ws.read(p), files: () => sc.ws.files() } } as unknown as RuleContext;
  const found = gunicornConfigOf(view, proc.command);
  return found.kind === 'found' ? { relPath: found.relPath, text: found.text } : undefined;
}

/** On Heroku the Python buildpack sets WEB_CONCURRENCY from the dyno size when the app does not. */
function herokuDefault(sc: ServerContext): Setting | undefined {
  const dyno = sc.deploy.herokuDyno;
  if (sc.deploy.platform !== 'heroku' || !dyno) return undefined;
  const n = Math.max(1, Math.min(dyno.cores * 2 + 1, Math.floor(dyno.mb / 256)));
  return { n, how: `WEB_CONCURRENCY=${n}, set by Heroku's Python buildpack for this dyno size`, cpuDerived: false };
}

// ---------------------------------------------------------------------------------------------------------------
// celery, pm2

function celery(proc: DeployProcess, sc: ServerContext, at: SourceLocation): Server | undefined {
  const c = proc.command;
  const app = optionValues(c.args, ['-A', '--app']).pop()?.value;
  const workers = celeryWorkers(c, proc.file, { ws: sc.ws, env: (name) => envSetting(sc.deploy, name), dir: sc.deploy.dir, hostCpus: sc.hostCpus });
  if (!workers) {
    return c.args.some((a) => a.value === 'beat')
      ? { kind: 'celery-beat', runtime: 'python', workers: { n: 1, how: 'one process', cpuDerived: false }, threads: { n: 1, how: 'default', cpuDerived: false }, preload: false, app, at }
      : undefined;
  }
  const prefork = isPreforkPool(workers.pool);
  return { kind: 'celery-worker', runtime: 'python', workers: workers.processes, threads: workers.threads, workerClass: workers.pool, preload: prefork, app, at };
}

function pm2(proc: DeployProcess, sc: ServerContext, at: SourceLocation): Server | undefined {
  const c = proc.command;
  const ctx = countContext(sc);
  const values = c.args.map((a) => a.value);
  const i = optionValues(c.args, ['-i', '--instances']).pop();
  let workers: Setting | undefined;
  if (i) {
    const [start, end] = valueRange(i);
    workers = /^(max|0|-\d+)$/.test(i.value)
      ? { n: i.value.startsWith('-') ? Math.max(1, sc.hostCpus + Number(i.value)) : sc.hostCpus, at: { file: proc.file, start, end }, how: `-i ${i.value}: one process per CPU, ${sc.hostCpus} on a host reporting ${sc.hostCpus} CPUs`, cpuDerived: true }
      : settingFromMatch(i, proc.file, ctx, `-i ${i.value}`);
  }
  const configName = values.find((v) => /ecosystem|pm2|\.config\.(c|m)?js$|\.json$/.test(v) && !v.startsWith('-'));
  const ecosystem = configName ? ecosystemInstances(sc, joinPath(proc.cwd, configName)) : undefined;
  if (!workers && ecosystem) workers = ecosystem;
  const script = values.find((v, idx) => !v.startsWith('-') && v !== 'start' && (idx === 0 || !values[idx - 1].startsWith('-')));
  return {
    kind: 'pm2',
    runtime: 'node',
    workers: workers ?? { n: 1, how: 'one instance', cpuDerived: false },
    threads: { n: 1, how: 'default', cpuDerived: false },
    preload: false,
    app: script,
    apps: ecosystem?.apps,
    at,
  };
}

/** `instances` in an ecosystem file, summed over its apps (an app without `instances` runs one). */
function ecosystemInstances(sc: ServerContext, file: string): (Setting & { apps?: number }) | undefined {
  const text = sc.ws.read(file);
  if (text === undefined) return undefined;
  let best: Setting | undefined;
  let total = 0;
  let counted = 0;
  let cpuDerived = false;
  for (const m of text.matchAll(/["']?instances["']?\s*:\s*(["']?)(max|-?\d+)\1/g)) {
    const value = m[2];
    const start = m.index + m[0].lastIndexOf(value);
    const cpu = value === 'max' || Number(value) <= 0;
    const n = cpu ? (value.startsWith('-') ? Math.max(1, sc.hostCpus + Number(value)) : sc.hostCpus) : Number(value);
    const located = classifyDeployFile(file) ? { file, start, end: start + value.length } : undefined;
    const setting: Setting = { n, at: located, how: cpu ? `instances: ${value} in ${file}: one process per CPU, ${sc.hostCpus} on a host reporting ${sc.hostCpus} CPUs` : `instances: ${value} in ${file}`, cpuDerived: cpu };
    if (!best || setting.n > best.n) best = setting;
    total += n;
    counted++;
    cpuDerived ||= cpu;
  }
  const apps = [...text.matchAll(/["']?script["']?\s*:/g)].length;
  if (apps <= 1) return best;
  const n = total + Math.max(0, apps - counted);
  return { n, at: best?.at, how: `${apps} apps in ${file}: ${n} processes${best ? ` (${best.how})` : ''}`, cpuDerived, apps };
}
