/**
 * node-heap-limit: `node` started on an instance with a known memory limit without `--max-old-space-size`, or
 * with a value at or above the limit (flags, and NODE_OPTIONS in .env, Dockerfile ENV and platform env lists).
 */
import { defineRule, type FixSpec, type RuleContext } from '../api';
import { insertAfter, optionValues, valueRange, wordsOf, type StartCommand, type Word } from '../../analysis/deploy/commands';
import { classifyDeployFile, dirOf, Workspace } from '../../analysis/deploy/deploy-files';
import { findDeploys, type Deploy, type DeployEnv } from '../../analysis/deploy/deploys';
import { configuredLimit, formatMb, type MemoryLimit } from '../../analysis/deploy/platform-limits';

const HEAP_FLAGS = ['--max-old-space-size', '--max_old_space_size'];
/** Node flags that take their value as the next word (so that word is not the script). */
const NODE_FLAGS_WITH_VALUE = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '--env-file', '--inspect-port', '--title', '--conditions', '-C']);

export default defineRule({
  meta: {
    id: 'node-heap-limit',
    kinds: ['json', 'procfile', 'dockerfile', 'yaml', 'toml', 'env', 'shell'],
    defaultSeverity: 'warning',
    fix: 'unsafe',
    messages: {
      'not-capped': 'V8 heap not capped for the {{limit}} instance, so the platform kills it: add --max-old-space-size={{heap}}',
      'above-limit': 'Lets the V8 heap grow to {{size}} MB on a {{limit}} instance, so the platform kills it: use {{heap}}',
    },
    trigger: /node|NODE_OPTIONS|npm|yarn|pnpm/,
    options: {
      heapFraction: {
        type: 'number',
        default: 0.75,
        description: 'The share of the memory limit the fix gives the V8 old space (`--max-old-space-size`).',
      },
    },
    docs: {
      summary: 'Node started on a memory-limited instance without a V8 heap limit that fits it.',
      whatItDoes:
        'Finds `node` processes started from package.json scripts (following `npm start` / `npm run x` chains from the deploy ' +
        'file), Procfiles, Dockerfile CMD/ENTRYPOINT, the shell scripts these run (`docker-entrypoint.sh`), render.yaml start ' +
        'commands and other deploy files, on deploys whose ' +
        'memory limit is known (render.yaml `plan`, app.json dyno size, fly.toml `[[vm]]`, compose and Kubernetes limits, or ' +
        '`memoryLimitMb` in configuration). It reports a `node` without `--max-old-space-size` (neither as a flag nor in ' +
        '`NODE_OPTIONS`), and a `--max-old-space-size` at or above the limit, as a flag or in `NODE_OPTIONS` (.env, Dockerfile ' +
        '`ENV`, render.yaml `envVars`).',
      whyIsThisBad:
        'V8 collects old-space garbage lazily, as the heap nears its limit. That default limit is not derived from the ' +
        'plan\'s memory (it depends on the Node version and on the memory of the host the container runs on), so on a 512 MB ' +
        'instance the heap keeps growing past what the container allows and the platform kills the process (OOM, Heroku R14/R15) ' +
        'instead of V8 running a full collection. A limit at ~75% of the instance leaves room for buffers, native memory and the ' +
        'code, and makes V8 collect in time.',
      example: {
        fileName: 'render.yaml',
        code: `services:
  - type: web
    name: web
    runtime: node
    plan: starter
    startCommand: node server.js
`,
      },
      useInstead: {
        fileName: 'render.yaml',
        code: `services:
  - type: web
    name: web
    runtime: node
    plan: starter
    startCommand: node --max-old-space-size=384 server.js
`,
      },
      fixSafety:
        'Unsafe: inserts `--max-old-space-size=<75% of the limit in MB>` after `node`, or lowers a value that is at or above the ' +
        'limit to it. V8 then collects garbage sooner, but a process whose live heap really needs more stops with a JavaScript ' +
        'heap out-of-memory error where it may have run before (its heap fitting under the platform limit with little room ' +
        'for the rest): the intent, but a change of behaviour memlint cannot rule out.',
      notes:
        'Values under the limit are never reported, and nothing is reported when no memory limit is known for the deploy. ' +
        '`NODE_OPTIONS` in a .env file counts only for deploys in its directory (Node itself does not read .env files: make sure ' +
        'your platform or compose `env_file` does). pm2 `node_args` are not read.',
    },
  },
  check(ctx) {
    // A shell script counts when a deploy runs it (an entrypoint script that starts `node server.js`): its processes are the deploy's.
    const type = ctx.file.kind === 'shell' ? 'shell' : classifyDeployFile(ctx.file.relPath, ctx.file.text);
    if (!type || type === 'kubernetes') return;
    const ws = Workspace.of(ctx);
    const deploys = findDeploys(ws).filter((d) => d.limit);
    const fraction = ctx.options.heapFraction as number;
    checkNodeCommands(ctx, ws, deploys, fraction);
    checkNodeOptions(ctx, ws, deploys, fraction);
  },
});

function heapMb(limit: MemoryLimit, fraction: number): number {
  const f = fraction > 0 && fraction < 1 ? fraction : 0.75;
  return Math.floor(limit.mb * f);
}

function smallest(limits: MemoryLimit[]): MemoryLimit {
  return limits.reduce((a, b) => (b.mb < a.mb ? b : a));
}

function limitText(limit: MemoryLimit): string {
  return `${formatMb(limit.mb)} instance (${limit.label})`;
}

/** The node options before the script: `node --inspect --max-old-space-size=512 server.js --port 3000`. */
function nodeOptionWords(command: StartCommand): Word[] | undefined {
  const out: Word[] = [];
  for (let i = 0; i < command.args.length; i++) {
    const v = command.args[i].value;
    if (['-e', '--eval', '-p', '--print', '-v', '--version', '-c', '--check', '--test', '-h', '--help'].includes(v)) return undefined;
    if (!v.startsWith('-')) return out;
    out.push(command.args[i]);
    const takesValue = NODE_FLAGS_WITH_VALUE.has(v) || (HEAP_FLAGS.includes(v) && /^\d+$/.test(command.args[i + 1]?.value ?? ''));
    if (takesValue && i + 1 < command.args.length) out.push(command.args[++i]);
  }
  return undefined; // no script: a REPL or `node -` is not a server
}

/** Whether the deploy's environment (or the command's own `NODE_OPTIONS=` prefix) sets a heap limit. */
function heapSetInEnv(ws: Workspace, deploy: Deploy): boolean {
  const sets = (value: string) => HEAP_FLAGS.some((f) => value.includes(f));
  if (deploy.env.some((e) => e.name === 'NODE_OPTIONS' && sets(e.value))) return true;
  // .env next to the app (compose env_file, dotenv-cli, platforms that load it).
  return ws.files().some((f) => dirOf(f) === deploy.dir && classifyDeployFile(f) === 'env' && ws.env(f).some((e) => e.name === 'NODE_OPTIONS' && sets(e.value.value)));
}

function checkNodeCommands(ctx: RuleContext, ws: Workspace, deploys: Deploy[], fraction: number): void {
  const byCommand = new Map<number, { command: StartCommand; deploys: Deploy[] }>();
  for (const d of deploys) {
    for (const p of d.processes) {
      if (p.file !== ctx.file.relPath || (p.command.program !== 'node' && p.command.program !== 'nodejs')) continue;
      const entry = byCommand.get(p.command.programWord.start) ?? { command: p.command, deploys: [] };
      entry.deploys.push(d);
      byCommand.set(p.command.programWord.start, entry);
    }
  }
  for (const { command, deploys: owners } of byCommand.values()) {
    const options = nodeOptionWords(command);
    if (!options) continue;
    const limit = smallest(owners.map((d) => d.limit!));
    const heap = heapMb(limit, fraction);
    const flag = optionValues(options, HEAP_FLAGS).pop();
    if (flag) {
      reportTooLarge(ctx, flag.value, valueRange(flag), limit, heap, flag.flag.value.replace(/=.*/, ''));
      continue;
    }
    if (owners.some((d) => heapSetInEnv(ws, d))) continue;
    const edit = insertAfter(command.programWord, [`--max-old-space-size=${heap}`]);
    const fixes: FixSpec[] = edit ? [{ title: `Add --max-old-space-size=${heap}`, edits: [edit] }] : [];
    ctx.report({
      start: command.programWord.start,
      end: command.programWord.end,
      messageId: 'not-capped',
      data: { limit: formatMb(limit.mb), heap },
      detail:
        `Starts node on a ${limitText(limit)} without --max-old-space-size, so V8's heap limit does not follow the instance's ` +
        `memory and the platform kills the process before V8 collects garbage. Add --max-old-space-size=${heap} (${Math.round((heap / limit.mb) * 100)}% of the limit).`,
      fixes,
    });
  }
}

function reportTooLarge(ctx: RuleContext, value: string, [start, end]: [number, number], limit: MemoryLimit, heap: number, what: string): void {
  const m = /^\s*(\d+)/.exec(value);
  if (!m || Number(m[1]) < limit.mb || end <= start) return;
  const numberEnd = start + m[0].length;
  ctx.report({
    start,
    end: numberEnd,
    messageId: 'above-limit',
    data: { size: m[1], limit: formatMb(limit.mb), heap },
    detail:
      `${what} ${m[1]} on a ${limitText(limit)}: the platform kills the process before V8 ` +
      `collects garbage. Use ${heap} (${Math.round((heap / limit.mb) * 100)}% of the limit).`,
    fixes: [{ title: `Set ${what} to ${heap}`, edits: [{ start, end: numberEnd, newText: String(heap) }] }],
  });
}

/** NODE_OPTIONS written in this file (.env, Dockerfile ENV, render/compose/fly/app.json env lists, `VAR=` prefixes). */
function checkNodeOptions(ctx: RuleContext, ws: Workspace, deploys: Deploy[], fraction: number): void {
  const file = ctx.file.relPath;
  const settings = new Map<number, { env: DeployEnv; limits: MemoryLimit[] }>();
  for (const d of deploys) {
    for (const e of d.env) {
      if (e.file !== file || e.name !== 'NODE_OPTIONS') continue;
      const entry = settings.get(e.setting.nameStart) ?? { env: e, limits: [] };
      entry.limits.push(d.limit!);
      settings.set(e.setting.nameStart, entry);
    }
  }
  // A .env no deploy reads through compose: the deploys of its directory, or the configured limit.
  if (classifyDeployFile(file) === 'env') {
    for (const setting of ws.env(file)) {
      if (setting.name !== 'NODE_OPTIONS' || settings.has(setting.nameStart)) continue;
      const limits = deploys.filter((d) => d.dir === dirOf(file)).map((d) => d.limit!);
      const fallback = configuredLimit(ctx.project.memoryLimitMb);
      if (limits.length === 0 && fallback) limits.push(fallback);
      if (limits.length) settings.set(setting.nameStart, { env: { name: setting.name, value: setting.value.value, file, setting }, limits });
    }
  }
  for (const { env, limits } of settings.values()) {
    const limit = smallest(limits);
    const heap = heapMb(limit, fraction);
    for (const match of optionValues(wordsOf(env.setting.value), HEAP_FLAGS)) {
      reportTooLarge(ctx, match.value, valueRange(match), limit, heap, `NODE_OPTIONS ${match.flag.value.replace(/=.*/, '')}`);
    }
  }
}
