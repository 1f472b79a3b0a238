/**
 * Building deploys: the state the platform readers share (the deploys found so far, and the Dockerfiles,
 * Procfiles and package.json files a platform file already runs, which are then no deploys of their own), and
 * the steps every reader needs: adding the processes a start command really runs, reading a Dockerfile's
 * final stage.
 */
import { commandsFromLine, type StartCommand } from './commands-build';
import { MappedText } from './commands-text';
import { asDir, baseNameOf, classifyDeployFile, dirOf, joinPath, type SourceLocation, type Workspace } from './deploy-files';
import type { Deploy, DeployEnv } from './deploy-model';
import { finalStageChain, finalStageCommands, finalStageEntrypoint } from './dockerfile-stages';
import { ecosystemApps } from './pm2-ecosystem';
import { imageFileSource, imageSupervisordConfigs } from './image-files';
import { shellFunctionNames } from './shell-functions';
import { isSetupStep, npmScriptName, resolveInWorkspace, scriptOf } from './process-chain';

/** Runners whose own process does not count: what they run does. */
const RUNNERS = new Set(['npm', 'yarn', 'pnpm', 'bun', 'sh', 'bash', 'dash', 'source', '.', 'honcho', 'foreman', 'concurrently', 'npm-run-all', 'run-p', 'run-s', 'supervisord']);
/** Shell syntax the line splitter leaves as a word of its own (`fi` after `exec x; \n fi`), and `exec "$@"`. */
const SHELL_WORDS = new Set(['fi', 'done', 'esac', 'then', 'else', 'do', '}', '$@', '$*']);
/**
 * Launchers that stay resident while what they start runs: package managers (the script is their child, under a
 * shell), concurrently (a Node process of its own) and pm2 (its daemon) when it starts Python apps.
 */
const RESIDENT_LAUNCHERS = new Set(['npm', 'yarn', 'pnpm', 'concurrently', 'pm2', 'pm2-runtime']);
/** concurrently's options that take a value (`--names a,b`, `-k` takes none). */
const CONCURRENTLY_VALUE_OPTIONS = new Set(['-n', '--names', '-c', '--prefix-colors', '-p', '--prefix', '-l', '--prefix-length', '-t', '--timestamp-format', '--max-processes', '-m', '--restart-tries', '--restart-after', '--success', '-s', '--default-input-target', '--handle-input', '--names-separator', '--cwd']);

export class DeployBuilder {
  readonly deploys: Deploy[] = [];
  /** Files whose commands a platform file already runs. */
  readonly claimed = new Set<string>();

  constructor(
    readonly ws: Workspace,
    readonly files: readonly { relPath: string; type: string }[],
  ) {}

  add(d: Omit<Deploy, 'processes' | 'env'>): Deploy {
    const deploy: Deploy = { ...d, processes: [], env: [] };
    this.deploys.push(deploy);
    return deploy;
  }

  claim(file: string): void {
    this.claimed.add(file);
  }

  /** Environment settings of a deploy file (.env, app.json, fly.toml [env]...). */
  envOf(file: string): DeployEnv[] {
    return this.ws.env(file).map((setting) => ({ name: setting.name, value: setting.value.value, file, setting }));
  }

  scriptCommands(pkg: string, script: string): StartCommand[] {
    return this.ws.commands(pkg).filter((c) => c.name === script);
  }

  /** The final stage's CMD/ENTRYPOINT (inherited from the stage it builds on when it has none), and its ENV. */
  dockerfileProcesses(deploy: Deploy, file: string): void {
    this.dockerfileEnv(deploy, file);
    for (const c of finalStageCommands(this.ws, file)) this.addProcesses(deploy, c, file, dirOf(file), [`${file} CMD`]);
  }

  /** ENV of the final stage and of the stages it builds on. */
  dockerfileEnv(deploy: Deploy, file: string): void {
    if (!deploy.files.includes(file)) deploy.files.push(file);
    const text = this.ws.read(file);
    const dockerfile = this.ws.dockerfile(file);
    if (text === undefined || !dockerfile) return;
    const chain = finalStageChain(text, dockerfile);
    for (const setting of this.ws.env(file)) {
      if (chain.some(([s, e]) => setting.nameStart >= s && setting.nameStart < e)) deploy.env.push({ name: setting.name, value: setting.value.value, file, setting });
    }
  }

  /** Uses a Dockerfile for a deploy: its CMD when the platform file gives no command, else only its ENV. */
  useDockerfile(deploy: Deploy, file: string, hasOwnCommands: boolean): void {
    deploy.dockerfile = file;
    this.claim(file);
    if (hasOwnCommands) this.dockerfileEnv(deploy, file);
    else this.dockerfileProcesses(deploy, file);
  }

  /**
   * The image's ENTRYPOINT when it is a workspace shell script that never runs the arguments it is given (no `"$@"`,
   * `$*` or `$1`): a command given to the container (compose's `command:`) then only becomes the script's unused
   * arguments. Empty otherwise (a wrapper that ends in `exec "$@"`, `tini --`, a server taking the command as flags).
   */
  argumentlessEntrypoint(deploy: Deploy, dockerfile: string): StartCommand[] {
    const commands = finalStageEntrypoint(this.ws, dockerfile);
    return commands.length === 1 && this.ignoresArguments(deploy, commands[0], dockerfile) ? commands : [];
  }

  /** Whether the entrypoint command runs a workspace script that never reads its arguments (`$@`, `$1`, `$#`). */
  ignoresArguments(deploy: Deploy, entrypoint: StartCommand, dockerfile = deploy.dockerfile): boolean {
    const script = scriptOf(this.ws, entrypoint, deploy.dir, { dockerfile, context: deploy.dir, mounts: deploy.mounts, workingDir: deploy.workingDir });
    const text = script.file === undefined ? undefined : this.ws.read(script.file);
    return text !== undefined && !/\$(\{)?[@*1-9#]/.test(text.replace(/^\s*#[^\n]*/gm, ''));
  }

  /** Adds the processes a command starts, following npm scripts, shell scripts and Procfile runners. */
  addProcesses(deploy: Deploy, command: StartCommand, file: string, cwd: string, via: string[], depth = 0, launchers: string[] = [], root?: SourceLocation): void {
    root ??= { file, start: command.programWord.start, end: command.programWord.end };
    // `cd src && python main.py`: the command runs in the folder the line moved to, when the workspace has it.
    if (command.cd && this.ws.files().some((f) => f.startsWith(`${joinPath(cwd, command.cd!)}/`))) cwd = asDir(joinPath(cwd, command.cd));
    if (!deploy.files.includes(file) && classifyDeployFile(file)) deploy.files.push(file);
    // VAR=value prefixes apply to this command and what it runs.
    for (const word of command.env) {
      const eq = word.value.indexOf('=');
      const [nameStart] = word.text.fileRange(0, 1);
      const [, nameEnd] = word.text.fileRange(0, eq);
      const name = word.value.slice(0, eq);
      deploy.env.push({ name, value: word.value.slice(eq + 1), file, setting: { source: command.source, name, nameStart, nameEnd, value: word.text.slice(eq + 1) } });
    }
    if (isSetupStep(this.ws.read(file) ?? '', command, file) || depth > 4) return;
    const next = this.expand(deploy, command, cwd, file);
    if (next === undefined) {
      if (RUNNERS.has(command.program) || SHELL_WORDS.has(command.program)) return;
      // A call of a function the script defines: its body's commands are listed as the script's own.
      const script = !classifyDeployFile(file) && !/\.(json|ya?ml|toml|conf|ini)$/.test(file);
      if (script && shellFunctionNames(this.ws.read(file) ?? '').has(command.program)) return;
      // The same script line reached twice (both branches of an `if` exec the same script) is one process; a
      // supervisord program repeated by numprocs is several.
      if (script && deploy.processes.some((p) => p.file === file && p.command.programWord.start === command.programWord.start)) return;
      deploy.processes.push({ command, file, cwd, via, launchers, root });
      return;
    }
    if (next.length === 0) deploy.unfollowed ??= unfollowed(command, file);
    const resident = RESIDENT_LAUNCHERS.has(command.program) ? [...launchers, command.program] : launchers;
    for (const n of next) this.addProcesses(deploy, n.command, n.file, n.cwd, [...via, n.via], depth + 1, resident, root);
  }

  /** What an `npm start`, `sh start.sh` or `honcho start` runs; undefined for a command that is itself a process. */
  private expand(deploy: Deploy, command: StartCommand, cwd: string, file: string): { command: StartCommand; file: string; cwd: string; via: string }[] | undefined {
    const program = command.program;
    if (['npm', 'yarn', 'pnpm', 'bun'].includes(program)) {
      const script = npmScriptName(program, command.args.map((a) => a.value));
      if (!script) return [];
      const pkg = joinPath(cwd, 'package.json');
      this.claim(pkg);
      return this.scriptCommands(pkg, script).map((c) => ({ command: c, file: pkg, cwd, via: `${pkg} scripts.${script}` }));
    }
    if (program === 'concurrently') return concurrentlyCommands(command, file, cwd);
    if (program === 'npm-run-all' || program === 'run-p' || program === 'run-s') {
      const pkg = joinPath(cwd, 'package.json');
      const names = command.args.map((a) => a.value).filter((v) => !v.startsWith('-'));
      const scripts = this.ws.commands(pkg).filter((c) => c.name !== undefined && names.some((n) => n === c.name || (n.endsWith('*') && c.name!.startsWith(n.slice(0, -1)))));
      return scripts.map((c) => ({ command: c, file: pkg, cwd, via: `${pkg} scripts.${c.name}` }));
    }
    if (program === 'supervisord') return this.supervisordPrograms(command, cwd, deploy);
    if (program === 'pm2' || program === 'pm2-runtime') return this.ecosystemPrograms(command, cwd);
    if (program === 'honcho' || program === 'foreman') {
      const values = command.args.map((a) => a.value);
      const f = values.findIndex((v) => v === '-f' || v === '--procfile');
      const procfile = joinPath(cwd, f >= 0 && values[f + 1] ? values[f + 1] : 'Procfile');
      if (procfile !== file) this.claim(procfile);
      return this.ws.commands(procfile).filter((c) => c.name !== 'release').map((c) => ({ command: c, file: procfile, cwd, via: `${procfile} ${c.name}` }));
    }
    const script = scriptOf(this.ws, command, cwd, deploy.dockerfile || deploy.mounts?.length ? { dockerfile: deploy.dockerfile, context: deploy.dir, mounts: deploy.mounts, workingDir: deploy.workingDir } : undefined);
    if (!script.isScriptRunner) return undefined;
    if (!script.file) return [];
    if (!(deploy.scripts ??= []).includes(script.file)) deploy.scripts.push(script.file);
    const text = this.ws.read(script.file)!;
    return commandsFromLine(MappedText.of(text, 0, text.length), 'shell', 'procfile').map((c) => ({ command: c, file: script.file!, cwd, via: script.file! }));
  }

  /**
   * The Python programs of the ecosystem file `pm2 start ecosystem.config.js` loads (gunicorn with its `args`);
   * undefined (pm2 is the server) when the file is missing or runs any Node script, which pm2 runs itself.
   */
  private ecosystemPrograms(command: StartCommand, cwd: string): { command: StartCommand; file: string; cwd: string; via: string }[] | undefined {
    const name = command.args.map((a) => a.value).find((v) => !v.startsWith('-') && /(^|\/)(ecosystem|pm2)[\w.-]*\.(c|m)?js(on)?$/.test(v));
    const file = name === undefined ? undefined : resolveInWorkspace(this.ws, cwd, name);
    const text = file === undefined ? undefined : this.ws.read(file);
    if (file === undefined || text === undefined) return undefined;
    const apps = ecosystemApps(file, text);
    if (apps.length === 0 || apps.some((a) => !a.python)) return undefined;
    this.claim(file);
    return apps.flatMap((a) => a.commands.map((c) => ({ command: c, file, cwd: appDir(cwd, a.cwd), via: `${file} apps ${a.name ?? c.program}` })));
  }

  /**
   * The `[program:x]` commands of the supervisord configs a `supervisord` command loads: `-c` (a path in the image is
   * the file its Dockerfile copies there), else the files the image copies to supervisord's default places
   * (`/etc/supervisor/conf.d/*.conf`, which Debian's `/etc/supervisor/supervisord.conf` includes), else one in the app.
   */
  private supervisordPrograms(command: StartCommand, cwd: string, deploy: Deploy): { command: StartCommand; file: string; cwd: string; via: string }[] {
    const values = command.args.map((a) => a.value);
    const i = values.findIndex((v) => v === '-c' || v === '--configuration');
    const given = i >= 0 ? values[i + 1] : values.find((v) => v.startsWith('--configuration='))?.slice(16);
    const image = deploy.dockerfile ? { dockerfile: deploy.dockerfile, context: deploy.dir } : undefined;
    const copied = (path: string) => (image && path.startsWith('/') ? imageFileSource(this.ws, image.dockerfile, image.context, path) : undefined);
    const confs = given
      ? [copied(given) ?? resolveInWorkspace(this.ws, cwd, given)]
      : image && imageSupervisordConfigs(this.ws, image.dockerfile, image.context).length
        ? imageSupervisordConfigs(this.ws, image.dockerfile, image.context)
        : [this.ws.files().find((f) => f.startsWith(cwd) && /^supervisord?(\.[\w-]+)?\.conf$/.test(baseNameOf(f)))];
    return confs.flatMap((conf) => {
      const text = conf === undefined ? undefined : this.ws.read(conf);
      if (conf === undefined || text === undefined) return [];
      return supervisordCommands(text).map((c) => ({ command: c, file: conf, cwd, via: `${conf} [program:${c.name}]` }));
    });
  }

}

/** An app's `cwd` relative to the deploy's folder; an absolute one (`/home/ubuntu/app` on the VM) is the deploy's. */
export function appDir(cwd: string, appCwd: string | undefined): string {
  if (!appCwd || appCwd.startsWith('/') || appCwd.startsWith('~')) return cwd;
  const dir = joinPath(cwd, appCwd);
  return dir === '' ? '' : `${dir}/`;
}

/** The commands `concurrently "node api.js" "node worker.js"` runs (`npm:x` names are scripts, read as `npm run x`). */
function concurrentlyCommands(command: StartCommand, file: string, cwd: string): { command: StartCommand; file: string; cwd: string; via: string }[] {
  const out: { command: StartCommand; file: string; cwd: string; via: string }[] = [];
  const args = command.args;
  for (let i = 0; i < args.length; i++) {
    const v = args[i].value;
    if (v.startsWith('-')) {
      if (CONCURRENTLY_VALUE_OPTIONS.has(v)) i++;
      continue;
    }
    const text = /^(npm|yarn|pnpm|bun):/.test(v) ? undefined : args[i].text;
    const commands = text ? commandsFromLine(text, command.form, command.source, command.name) : [];
    for (const c of commands) out.push({ command: c, file, cwd, via: `concurrently "${v}"` });
  }
  return out;
}

/** `command=` lines of `[program:x]` sections, repeated `numprocs` times. */
export function supervisordCommands(text: string): StartCommand[] {
  const out: StartCommand[] = [];
  const sections = [...text.matchAll(/^\[program:([^\]]+)\]/gm)];
  sections.forEach((section, k) => {
    const start = section.index + section[0].length;
    const body = text.slice(start, k + 1 < sections.length ? sections[k + 1].index : nextSection(text, start));
    const cmd = /^command[ \t]*=[ \t]*(.*?)[ \t]*\r?$/m.exec(body);
    if (!cmd) return;
    const numprocs = Number(/^numprocs[ \t]*=[ \t]*(\d+)/m.exec(body)?.[1] ?? 1);
    const at = start + cmd.index + cmd[0].indexOf(cmd[1], cmd[0].indexOf('=') + 1);
    const commands = commandsFromLine(MappedText.of(text, at, at + cmd[1].length), 'shell', 'procfile', section[1]);
    for (let n = 0; n < Math.min(Math.max(numprocs, 1), 64); n++) out.push(...commands);
  });
  return out;
}

function nextSection(text: string, from: number): number {
  const m = /^\[/m.exec(text.slice(from));
  return m ? from + m.index : text.length;
}

/** Why a command that runs something else (an npm script, a shell script, a Procfile) gave no process. */
function unfollowed(command: StartCommand, file: string): NonNullable<Deploy['unfollowed']> {
  const words = [command.programWord.value, ...command.args.slice(0, 3).map((a) => a.value)];
  const shown = words.join(' ') + (command.args.length > 3 ? ' …' : '');
  const why = ['npm', 'yarn', 'pnpm', 'bun'].includes(command.program)
    ? 'the package.json script it runs is missing or runs nothing memlint knows'
    : command.program === 'honcho' || command.program === 'foreman'
      ? 'the Procfile it runs is missing or empty'
      : 'the script it runs is not in the workspace, so memlint cannot see what it starts';
  return { file, start: command.programWord.start, command: shown, why };
}
