/**
 * cpu-derived-workers in deploy files: worker counts of gunicorn/uvicorn/hypercorn/celery/pm2 commands
 * (Procfile, Dockerfile, render.yaml, docker-compose, heroku.yml, fly.toml, railway, app.json, package.json)
 * taken from `$(nproc)` or set to a large literal, and large `WEB_CONCURRENCY` / `GUNICORN_CMD_ARGS --workers`
 * in environment lists and .env files, and pm2 `instances` in ecosystem.config.json and pm2 process files (process.yml).
 */
import { findNodeAtLocation, type Node as JsonNode } from 'jsonc-parser';
import { defineRule, type FixSpec, type RuleContext } from '../api';
import {
  celeryPool, celeryWorkerWord, envSettings, optionValues, startCommands, valueRange, wordsOf,
  type CommandSource, type EnvSetting, type OptionMatch, type StartCommand,
} from '../../analysis/deploy/commands';
import { scriptProcesses } from '../../analysis/deploy/script-processes';
import { missingAppPackage } from '../../analysis/deploy/missing-app';
import { Workspace } from '../../analysis/deploy/deploy-files';
import { readersOf } from '../../analysis/deploy/yaml-read';
import { checkCeleryDefaultConcurrency, checkScriptCeleryDefaultConcurrency, processesIn } from './celery';
import { checkDramatiqDefaultProcesses } from './dramatiq';
import { CPU_COUNT_WHY, copiesCost, cpuEstimate, CPU_PROBE, estimatePhrase, estimateShellCount, perWorkerCost, pm2PerCpuPhrase, totalCost, type Runtime } from './common';
import { clip, sentence } from '../shared/format';
import { cpuDerivedWorkersDocs, cpuDerivedWorkersMeta } from './meta';

interface WorkerSetting {
  /** Option spellings that set the count. */
  names: string[];
  /** "gunicorn workers" */
  what: string;
  /** The environment variable the fix reads. */
  envVar: string;
  runtime: Runtime;
  /** gunicorn and uvicorn read WEB_CONCURRENCY themselves when the option is absent. */
  readsWebConcurrency: boolean;
}

function workerSetting(command: StartCommand): WorkerSetting | undefined {
  switch (command.program) {
    case 'gunicorn':
      return { names: ['-w', '--workers'], what: 'gunicorn workers', envVar: 'WEB_CONCURRENCY', runtime: 'python', readsWebConcurrency: true };
    case 'uvicorn':
      return { names: ['--workers'], what: 'uvicorn workers', envVar: 'WEB_CONCURRENCY', runtime: 'python', readsWebConcurrency: true };
    case 'hypercorn':
      return { names: ['-w', '--workers'], what: 'hypercorn workers', envVar: 'WEB_CONCURRENCY', runtime: 'python', readsWebConcurrency: false };
    case 'celery':
      // Only the prefork pool forks processes; gevent/eventlet/threads concurrency is cheap greenlets or threads.
      if (!celeryWorkerWord(command) || celeryPool(command) !== 'prefork') return undefined;
      return { names: ['-c', '--concurrency'], what: 'celery worker processes', envVar: 'CELERY_CONCURRENCY', runtime: 'celery', readsWebConcurrency: false };
    case 'pm2':
    case 'pm2-runtime':
      return { names: ['-i', '--instances'], what: 'Node processes', envVar: 'WEB_CONCURRENCY', runtime: 'node', readsWebConcurrency: false };
    default:
      return undefined;
  }
}

/** Why `${VAR:-2}` cannot be used, per place that runs a command without a shell. */
const NO_SHELL: Partial<Record<CommandSource, string>> = {
  dockerfile: 'an exec-form CMD runs without a shell',
  'docker-compose': 'compose runs `command` without a shell',
  fly: 'Fly runs processes without a shell',
  railway: "Railway runs a Dockerfile service's start command without a shell",
  render: 'Render runs dockerCommand without a shell',
  'heroku-yml': 'an exec-form command runs without a shell',
};

export default defineRule({
  meta: {
    ...cpuDerivedWorkersMeta,
    kinds: ['procfile', 'dockerfile', 'yaml', 'toml', 'json', 'env', 'shell', 'ini'],
    trigger: /gunicorn|uvicorn|hypercorn|celery|dramatiq|pm2|WEB_CONCURRENCY|GUNICORN_CMD_ARGS|instances|supervisord|honcho|foreman|\.sh\b/,
    docs: cpuDerivedWorkersDocs.deploy,
  },
  check(ctx) {
    if (ctx.file.kind === 'ini') {
      // A supervisord config a deploy's `supervisord` loads: its programs' counts and Celery workers, reported where the fix goes.
      if (!ctx.file.roles.has('supervisord')) return;
      for (const { command } of scriptProcesses(ctx)) checkCommand(ctx, command);
      checkScriptCeleryDefaultConcurrency(ctx);
      checkDramatiqDefaultProcesses(ctx);
      return;
    }
    if (ctx.file.kind === 'shell') {
      // A start script's counts, when a deploy runs it (`start.sh` from a Procfile, an EC2 boot script, compose's command),
      // and its Celery workers without --concurrency (celery.ts).
      for (const { command } of scriptProcesses(ctx)) checkCommand(ctx, command);
      checkScriptCeleryDefaultConcurrency(ctx);
      checkDramatiqDefaultProcesses(ctx);
      return;
    }
    for (const command of startCommands(ctx)) checkCommand(ctx, command);
    // Kubernetes manifests: the commands the budget reads from each container's command + args.
    if (ctx.file.roles.has('kubernetes')) for (const { proc } of processesIn(ctx)) checkCommand(ctx, proc.command);
    // A setting merged into several compose services (`<<: *defaults`) is reported once.
    const seen = new Set<number>();
    for (const setting of envSettings(ctx)) {
      const [start] = setting.value.fileRange(0, 0);
      if (seen.has(start)) continue;
      seen.add(start);
      checkEnv(ctx, setting);
    }
    if (ctx.file.kind === 'json' && ctx.file.roles.has('pm2')) checkPm2Json(ctx);
    if (ctx.file.kind === 'yaml' && ctx.file.roles.has('pm2')) checkPm2Yaml(ctx);
    checkCeleryDefaultConcurrency(ctx);
    checkDramatiqDefaultProcesses(ctx);
  },
});

function checkCommand(ctx: RuleContext, command: StartCommand): void {
  const setting = workerSetting(command);
  if (!setting) return;
  // A process whose app the repository does not have exits at start (a Procfile copied from a template).
  if (missingAppPackage(Workspace.of(ctx), command, ctx.file.relPath)) return;
  const max = ctx.options.maxWorkers as number;
  for (const match of optionValues(command.args, setting.names)) {
    const value = match.value;
    const perCpuByPm2 = setting.runtime === 'node' && (value === 'max' || (/^-?\d+$/.test(value) && Number(value) <= 0));
    if (perCpuByPm2 || (command.form === 'shell' && CPU_PROBE.test(value))) {
      reportCpuCount(ctx, command, setting, match, perCpuByPm2);
      continue;
    }
    const literal = literalCount(match);
    if (literal && literal.n > max) reportLiteralCount(ctx, command, setting, literal);
  }
  if (command.program === 'celery') {
    for (const match of optionValues(command.args, ['--autoscale'])) reportAutoscale(ctx, match, max);
  }
}

/** The shell form of reading WEB_CONCURRENCY (or CELERY_CONCURRENCY) with the suggested default. */
function envReference(ctx: RuleContext, command: StartCommand, setting: WorkerSetting): string {
  // Compose interpolates `${...}` itself when it reads the file; `$$` leaves one `$` for the shell.
  const dollar = command.source === 'docker-compose' ? '$$' : '$';
  return `${dollar}{${setting.envVar}:-${ctx.options.suggestedWorkers as number}}`;
}

/** `--workers $(nproc)`, `-i max`. */
function reportCpuCount(ctx: RuleContext, command: StartCommand, setting: WorkerSetting, match: OptionMatch, perCpuByPm2: boolean): void {
  const [start, end] = valueRange(match);
  if (end <= start) return;
  const shell = command.form === 'shell';
  const replacement = envReference(ctx, command, setting);
  const what = perCpuByPm2
    ? `Starts ${pm2PerCpuPhrase(match.value)} (${match.flag.value} ${match.value})`
    : `Sets the number of ${setting.what} from the CPU count (${match.value})`;
  const estimate = perCpuByPm2 ? undefined : estimateShellCount(match.value);
  const advice = shell ? `use ${clip(replacement, 28)}` : `lower it to ${ctx.options.suggestedWorkers as number}`;
  ctx.report({
    start,
    end,
    ...(perCpuByPm2
      ? { messageId: 'pm2-per-cpu', data: { processes: pm2PerCpuPhrase(match.value), advice } }
      : { messageId: 'cpu-count', data: { what: clip(setting.what, 28), estimate: cpuEstimate(estimate, setting.runtime), advice } }),
    detail:
      `${what}: in a container that is the host's CPU count, not the plan's share${estimatePhrase(estimate, setting.runtime === 'node' ? 'processes' : 'workers')}, ` +
      `and each is a full copy of the app (${perWorkerCost(setting.runtime)}). ${sentence(shell ? `use ${replacement}` : noShellAdvice(ctx, command, setting))}`,
    fixes: shell ? [{ title: `Use ${replacement}`, edits: [{ start, end, newText: replacement }] }] : [],
  });
}

/** `-w 9`, `${WEB_CONCURRENCY:-12}`. */
function reportLiteralCount(ctx: RuleContext, command: StartCommand, setting: WorkerSetting, literal: LiteralCount): void {
  const suggested = ctx.options.suggestedWorkers as number;
  const replacement = envReference(ctx, command, setting);
  const shell = command.form === 'shell';
  const fixes: FixSpec[] = [];
  // Lowering the default of `${VAR:-12}` is right wherever it is written (a shell or compose expands it).
  if (literal.inDefault) fixes.push({ title: `Default to ${suggested}`, edits: [{ start: literal.start, end: literal.end, newText: String(suggested) }] });
  else if (shell) fixes.push({ title: `Use ${replacement}`, edits: [{ start: literal.start, end: literal.end, newText: replacement }] });
  const advice = literal.inDefault || shell
    ? `${literal.inDefault ? `default to ${suggested}` : `use ${replacement}`} and raise it only as far as the plan's memory allows`
    : noShellAdvice(ctx, command, setting);
  ctx.report({
    start: literal.start,
    end: literal.end,
    ...(literal.inDefault
      ? { messageId: 'default-count', data: { n: literal.n, what: clip(setting.what, 28), cost: copiesCost(literal.n, setting.runtime), suggested } }
      : { messageId: 'count', data: { n: literal.n, what: clip(setting.what, 28), cost: copiesCost(literal.n, setting.runtime), advice: shell ? `use ${clip(replacement, 28)}` : `lower it to ${suggested}` } }),
    detail: `Each is a full copy of the app (${perWorkerCost(setting.runtime)}, ${totalCost(literal.n, setting.runtime)}). ${sentence(advice)}`,
    fixes,
  });
}

/** celery `--autoscale=10,3`: up to 10 processes. No fix: the minimum may need lowering too. */
function reportAutoscale(ctx: RuleContext, match: OptionMatch, max: number): void {
  const m = /^(\d+)/.exec(match.value);
  if (!m || Number(m[1]) <= max) return;
  const [start, end] = match.word.text.fileRange(match.offset, match.offset + m[1].length);
  if (end <= start) return;
  const n = Number(m[1]);
  ctx.report({
    start,
    end,
    messageId: 'celery-autoscale',
    data: { n, cost: copiesCost(n, 'celery'), suggested: ctx.options.suggestedWorkers as number },
    detail: `--autoscale: each pool process grows its own copy of what the tasks load (${perWorkerCost('celery')}, ${totalCost(n, 'celery')}). Lower the maximum to ${ctx.options.suggestedWorkers as number}.`,
  });
}

interface LiteralCount {
  n: number;
  start: number;
  end: number;
  /** The default of `${VAR:-n}` rather than a plain number. */
  inDefault: boolean;
}

/** `8`, or the default of `${WEB_CONCURRENCY:-8}`, with its file range. */
function literalCount(match: OptionMatch): LiteralCount | undefined {
  const value = match.value;
  if (/^\d+$/.test(value)) {
    const [start, end] = valueRange(match);
    return { n: Number(value), start, end, inDefault: false };
  }
  const m = /^\$?\$\{[A-Za-z_][A-Za-z0-9_]*:?-(\d+)\}$/.exec(value);
  if (!m) return undefined;
  const at = match.offset + value.length - 1 - m[1].length;
  const [start, end] = match.word.text.fileRange(at, at + m[1].length);
  return { n: Number(m[1]), start, end, inDefault: true };
}

function noShellAdvice(ctx: RuleContext, command: StartCommand, setting: WorkerSetting): string {
  const suggested = ctx.options.suggestedWorkers as number;
  const why = NO_SHELL[command.source] ?? 'this command runs without a shell';
  return setting.readsWebConcurrency
    ? `lower it to ${suggested}, or drop the option and set WEB_CONCURRENCY, which ${command.program} reads itself (${why}, so \${WEB_CONCURRENCY:-${suggested}} would not expand)`
    : `lower it to ${suggested} (${why}, so \${${setting.envVar}:-${suggested}} would not expand)`;
}

function checkEnv(ctx: RuleContext, setting: EnvSetting): void {
  const max = ctx.options.maxWorkers as number;
  const suggested = String(ctx.options.suggestedWorkers);
  if (setting.name === 'WEB_CONCURRENCY') {
    const m = /^(\s*)(\d+)\s*$/.exec(setting.value.value);
    if (!m || Number(m[2]) <= max) return;
    const [start, end] = setting.value.fileRange(m[1].length, m[1].length + m[2].length);
    const n = Number(m[2]);
    ctx.report({
      start,
      end,
      messageId: 'web-concurrency',
      data: { n, cost: copiesCost(n, 'python'), suggested },
      detail: `gunicorn and uvicorn read WEB_CONCURRENCY as their worker count: ${n} full copies of the app (${perWorkerCost('python')}, ${totalCost(n, 'python')}). Use ${suggested} and raise it only as far as the plan's memory allows.`,
      fixes: [{ title: `Set WEB_CONCURRENCY to ${suggested}`, edits: [{ start, end, newText: suggested }] }],
    });
  } else if (setting.name === 'GUNICORN_CMD_ARGS') {
    for (const match of optionValues(wordsOf(setting.value), ['-w', '--workers'])) {
      if (!/^\d+$/.test(match.value) || Number(match.value) <= max) continue;
      const [start, end] = valueRange(match);
      const n = Number(match.value);
      ctx.report({
        start,
        end,
        messageId: 'gunicorn-cmd-args',
        data: { n, cost: copiesCost(n, 'python'), suggested },
        detail: `Each worker is a full copy of the app (${perWorkerCost('python')}, ${totalCost(n, 'python')}). Use ${suggested} and raise it only as far as the plan's memory allows.`,
        fixes: [{ title: `Use ${suggested} workers`, edits: [{ start, end, newText: suggested }] }],
      });
    }
  }
}

/** ecosystem.config.json, process.json: `"instances": "max"` / `0` / `-1` / a large number. */
function checkPm2Json(ctx: RuleContext): void {
  const root = ctx.json();
  const apps = root && findNodeAtLocation(root, ['apps']);
  for (const app of apps?.type === 'array' ? (apps.children ?? []) : []) {
    const instances: JsonNode | undefined = app.type === 'object' ? findNodeAtLocation(app, ['instances']) : undefined;
    if (instances) checkPm2Instances(ctx, instances.value, instances.offset, instances.offset + instances.length);
  }
}

/** A pm2 process file in YAML (`pm2 start process.yml`): `instances: max` / `0` / `-1` / a large number. */
function checkPm2Yaml(ctx: RuleContext): void {
  for (const { reader, root } of readersOf(ctx.yaml())) {
    for (const app of reader.items(reader.get(root, 'apps'))) {
      const instances = reader.get(reader.map(app), 'instances');
      const value = reader.text(instances);
      const range = reader.range(instances);
      if (value === undefined || !range) continue;
      checkPm2Instances(ctx, /^-?\d+$/.test(value) ? Number(value) : value, range[0], range[1]);
    }
  }
}

/** One app's `instances` value, at [start, end) of the file: reported when it is per CPU or above maxWorkers. */
function checkPm2Instances(ctx: RuleContext, v: unknown, start: number, end: number): void {
  const max = ctx.options.maxWorkers as number;
  const suggested = String(ctx.options.suggestedWorkers);
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : undefined;
  const perCpu = v === 'max' || (n !== undefined && n <= 0);
  if (!perCpu && (n === undefined || n <= max)) return;
  ctx.report({
    start,
    end,
    ...(perCpu
      ? { messageId: 'pm2-per-cpu', data: { processes: pm2PerCpuPhrase(v === 'max' ? 'max' : n!), advice: `use ${suggested}` } }
      : { messageId: 'pm2-count', data: { n: n!, cost: copiesCost(n!, 'node'), advice: `use ${suggested}` } }),
    detail: perCpu
      ? `instances: ${JSON.stringify(v)}. ${CPU_COUNT_WHY} (${perWorkerCost('node')}). Use ${suggested}.`
      : `Each is a full copy of the app (${perWorkerCost('node')}, ${totalCost(n!, 'node')}). Use ${suggested} and raise it only as far as the plan's memory allows.`,
    fixes: [{ title: `Start ${suggested} instances`, edits: [{ start, end, newText: suggested }] }],
  });
}
