/**
 * Start commands and environment settings of a deploy file, with exact offsets, from every format memlint
 * reads: Procfile lines, Dockerfile CMD/ENTRYPOINT (shell and exec forms) and ENV, render.yaml, docker-compose,
 * heroku.yml, fly.toml, railway.json/.toml, app.json, package.json scripts, and .env files.
 *
 *   for (const cmd of startCommands(ctx)) if (cmd.program === 'gunicorn') optionValues(cmd.args, ['-w', '--workers'])
 *
 * A command line holding several commands (`migrate && gunicorn ...`, `sh -c "..."`) gives one StartCommand
 * per simple command; wrappers (`exec`, `env X=1`, `poetry run`, `python -m`, `newrelic-admin run-program`)
 * are looked through.
 */
import { developmentFile, developmentOnly } from './development-deploys';
import type { RuleContext, SourceInfo } from '../../rules/api';
import { assignmentSettings, commandsFromLine, type EnvSetting, type StartCommand } from './commands-build';
import { dockerfileCommands, dockerfileEnv } from './commands-docker';
import { appJsonDeploy, packageJsonCommands, railwayJsonCommands } from './commands-json';
import { shellSplit, type Word } from './commands-shell';
import { dotenvValueText, MappedText } from './commands-text';
import { flyDeploy, railwayTomlCommands } from './commands-toml';
import { yamlDeploy } from './commands-yaml';
import { celeryDefaultsCommands } from './celeryd-defaults';

export type { CommandForm, CommandSource, EnvSetting, StartCommand } from './commands-build';
export { insertAfter } from './commands-build';
export type { Word } from './commands-shell';
export { MappedText } from './commands-text';

interface Deploy {
  commands: StartCommand[];
  /** Environment settings of the file, including `VAR=value` prefixes of its commands. */
  env: EnvSetting[];
}

/** One extraction per analysed file version, shared by every rule that asks. */
const cache = new WeakMap<SourceInfo, Deploy>();

/**
 * The start commands written in the current file (empty for files that hold none). A server started with `--reload`
 * is taken for a developer's (developmentOnly) unless `keepReloading`: then only the file decides (development-deploys.ts).
 */
export function startCommands(ctx: RuleContext, options: { keepReloading?: boolean } = {}): StartCommand[] {
  const deploy = deployOf(ctx);
  const development = options.keepReloading ? developmentFile : developmentOnly;
  return deploy.commands.filter((command) => !development(ctx, command, deploy.env));
}

/**
 * The environment settings written in the current file (.env lines, ENV, compose/render/fly/app.json env lists,
 * `VAR=value` command prefixes). One written through a compose anchor into several services appears once per
 * service (same offsets, each with its `scope`).
 */
export function envSettings(ctx: RuleContext): EnvSetting[] {
  return deployOf(ctx).env;
}

function deployOf(ctx: RuleContext): Deploy {
  let deploy = cache.get(ctx.file);
  if (!deploy) {
    deploy = dedupe(read(ctx));
    deploy.env.push(...deploy.commands.flatMap(assignmentSettings));
    cache.set(ctx.file, deploy);
  }
  return deploy;
}

/** Which reader a file needs, by kind, role and name. */
export function deployFileType(file: Pick<SourceInfo, 'kind' | 'roles' | 'relPath'>): string | undefined {
  const name = file.relPath.slice(file.relPath.lastIndexOf('/') + 1).toLowerCase();
  switch (file.kind) {
    case 'procfile':
    case 'dockerfile':
    case 'env':
      return file.kind;
    case 'yaml':
      if (file.roles.has('render')) return 'render';
      if (file.roles.has('docker-compose')) return 'docker-compose';
      return name === 'heroku.yml' || name === 'heroku.yaml' ? 'heroku-yml' : undefined;
    case 'toml':
      return file.roles.has('fly') ? 'fly' : file.roles.has('railway') ? 'railway' : undefined;
    case 'json':
      return file.roles.has('railway') ? 'railway' : file.roles.has('app-json') ? 'app-json' : file.roles.has('package-json') ? 'package-json' : undefined;
    default:
      return undefined;
  }
}

function read(ctx: RuleContext): Deploy {
  const text = ctx.file.text;
  const type = deployFileType(ctx.file);
  switch (type) {
    case 'procfile':
      return { commands: procfileCommands(text), env: [] };
    case 'dockerfile': {
      const dockerfile = ctx.dockerfile();
      return { commands: dockerfileCommands(text, dockerfile), env: dockerfileEnv(text, dockerfile) };
    }
    case 'env': {
      const env = dotenvSettings(text);
      return { commands: ctx.file.roles.has('celeryd-defaults') ? celeryDefaultsCommands(text, env) : [], env };
    }
    case 'render':
    case 'docker-compose':
    case 'heroku-yml':
      return yamlDeploy(text, ctx.yaml(), type);
    case 'fly':
      return flyDeploy(text, ctx.toml());
    case 'railway': {
      const dockerfileNextToIt = ctx.project.readFile(siblingPath(ctx.file.relPath, 'Dockerfile')) !== undefined;
      if (ctx.file.kind === 'toml') return { commands: railwayTomlCommands(text, ctx.toml(), dockerfileNextToIt), env: [] };
      const root = ctx.json();
      return { commands: root ? railwayJsonCommands(text, root, dockerfileNextToIt) : [], env: [] };
    }
    case 'app-json': {
      const root = ctx.json();
      return root ? appJsonDeploy(text, root) : { commands: [], env: [] };
    }
    case 'package-json': {
      const root = ctx.json();
      return { commands: root ? packageJsonCommands(text, root) : [], env: [] };
    }
    default:
      return { commands: [], env: [] };
  }
}

/** The same node reached through several aliases (compose `<<: *defaults`) is one command. */
function dedupe(deploy: Deploy): Deploy {
  const seen = new Set<string>();
  const commands = deploy.commands.filter((c) => {
    const key = `${c.programWord.start}:${c.programWord.end}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  // Settings stay one per service they reach (same node, different scopes): rules scope them to a command.
  const seenEnv = new Set<string>();
  const env = deploy.env.filter((e) => {
    const key = `${e.nameStart}:${e.scope ?? ''}`;
    if (seenEnv.has(key)) return false;
    seenEnv.add(key);
    return true;
  });
  return { commands, env };
}

/**
 * Process types read from one Procfile. Real ones have a handful; each becomes a deploy with its own budget, so a
 * generated megabyte of lines would cost minutes and gigabytes for nothing.
 */
const MAX_PROCFILE_PROCESSES = 200;

/** `web: gunicorn app.wsgi` lines; `#` lines are comments. */
function procfileCommands(text: string): StartCommand[] {
  const out: StartCommand[] = [];
  const line = /^[ \t]*([A-Za-z0-9_.-]+)[ \t]*:[ \t]*(.*?)\r?$/gm;
  let count = 0;
  for (const m of text.matchAll(line)) {
    if (++count > MAX_PROCFILE_PROCESSES) break;
    const start = m.index + m[0].length - (m[0].endsWith('\r') ? 1 : 0) - m[2].length;
    out.push(...commandsFromLine(MappedText.of(text, start, start + m[2].length), 'shell', 'procfile', m[1]));
  }
  return out;
}

/** `KEY=value` / `export KEY="value"` lines of a .env file. */
function dotenvSettings(text: string): EnvSetting[] {
  const out: EnvSetting[] = [];
  const assignment = /^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.]*)[ \t]*=/gm;
  let resumeAt = 0;
  for (const m of text.matchAll(assignment)) {
    if (m.index < resumeAt) continue; // inside a multi-line quoted value
    const nameStart = m.index + m[0].indexOf(m[1]);
    const { text: value, end } = dotenvValueText(text, m.index + m[0].length);
    resumeAt = end;
    out.push({ source: 'env-file', name: m[1], nameStart, nameEnd: nameStart + m[1].length, value });
  }
  return out;
}

function siblingPath(relPath: string, name: string): string {
  const slash = relPath.lastIndexOf('/');
  return slash === -1 ? name : `${relPath.slice(0, slash + 1)}${name}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading options

export interface OptionMatch {
  /** The word holding the option name. */
  flag: Word;
  /** The word holding the value: the next word, or the flag itself for `--workers=4` / `-w4`. */
  word: Word;
  /** Where the value starts in `word.value`. */
  offset: number;
  /** The value as the program receives it. */
  value: string;
}

/**
 * Values of an option in a command's arguments: `-w 4`, `-w4`, `--workers 4`, `--workers=4`. `names` lists
 * the spellings (`['-w', '--workers']`).
 */
export function optionValues(args: readonly Word[], names: readonly string[]): OptionMatch[] {
  const out: OptionMatch[] = [];
  for (let i = 0; i < args.length; i++) {
    const v = args[i].value;
    for (const name of names) {
      const long = name.startsWith('--');
      if (v === name) {
        if (i + 1 < args.length) out.push({ flag: args[i], word: args[i + 1], offset: 0, value: args[i + 1].value });
      } else if (long && v.startsWith(`${name}=`)) {
        out.push({ flag: args[i], word: args[i], offset: name.length + 1, value: v.slice(name.length + 1) });
      } else if (!long && !v.startsWith('--') && v.startsWith(name) && v.length > name.length) {
        out.push({ flag: args[i], word: args[i], offset: name.length, value: v.slice(name.length) });
      }
    }
  }
  return out;
}

/** True when any spelling of a flag occurs (`--max-requests`, `--max-requests=1000`). */
export function hasOption(args: readonly Word[], names: readonly string[]): boolean {
  return args.some((a) => names.some((n) => a.value === n || a.value.startsWith(`${n}=`)));
}

/** File range of an option's value. */
export function valueRange(match: OptionMatch): [number, number] {
  return match.word.text.fileRange(match.offset, match.word.value.length);
}

/** Celery's options that come before the subcommand and take a value. */
const CELERY_GLOBAL_OPTIONS = new Set(['-A', '--app', '-b', '--broker', '--result-backend', '--loader', '--config', '--workdir']);

/** The `worker` word of `celery -A proj worker ...`, or undefined for other celery subcommands. */
export function celeryWorkerWord(command: StartCommand): Word | undefined {
  if (command.program !== 'celery') return undefined;
  for (let i = 0; i < command.args.length; i++) {
    const v = command.args[i].value;
    if (v.startsWith('-')) {
      if (CELERY_GLOBAL_OPTIONS.has(v)) i++;
      continue;
    }
    // `celery multi start w1 w2 -A proj` starts worker nodes (daemonised) with the options given.
    if (v === 'multi') return ['start', 'restart'].includes(command.args[i + 1]?.value ?? '') ? command.args[i] : undefined;
    return v === 'worker' ? command.args[i] : undefined;
  }
  return undefined;
}

/** The celery worker pool (`-P`/`--pool`), `prefork` by default. */
export function celeryPool(command: StartCommand): string {
  const pools = optionValues(command.args, ['-P', '--pool']);
  return pools.length ? pools[pools.length - 1].value : 'prefork';
}

/** Reads a command line written somewhere else (GUNICORN_CMD_ARGS, an env value) as words with offsets. */
export function wordsOf(text: MappedText): Word[] {
  return shellSplit(text).flat();
}
