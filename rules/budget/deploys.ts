/**
 * The deploy targets of a workspace: each thing that runs in one memory limit (a render.yaml service, a
 * Heroku dyno type, a fly.toml process group, a compose service, a Kubernetes container, a Railway service,
 * and Dockerfiles / Procfiles / package.json start scripts that no platform file claims), with the processes
 * it starts (commands followed through `npm start`, `npm run x`, shell scripts and Dockerfile CMDs), the
 * environment it sets and its memory limit.
 */
import { findNodeAtLocation } from 'jsonc-parser';
import { isScalar, type Scalar } from 'yaml';
import type { Dockerfile } from 'dockerfile-ast';
import { arrayElementWord, commandsFromLine, commandsFromWords, type EnvSetting, type StartCommand } from '../config/commands-build';
import { MappedText, yamlScalarText } from '../config/commands-text';
import { asDir, classifyDeployFile, dirOf, joinPath, lineStarts, offsetAt, type SourceLocation, type Workspace } from './deploy-files';
import {
  composeServiceLimit, configuredLimit, flyVms, herokuDyno, kubernetesContainerLimit, renderServiceLimit, type MemoryLimit,
} from './platform-limits';
import { readersOf, type YamlReader, type YAMLMap } from './yaml-read';

export type Platform = 'render' | 'heroku' | 'fly' | 'docker-compose' | 'kubernetes' | 'railway' | 'dockerfile' | 'procfile' | 'package-json';

/** A process a deploy starts, with the command as written and where. */
export interface DeployProcess {
  command: StartCommand;
  /** File holding the command. */
  file: string;
  /** Directory the command runs in (workspace-relative, `dirOf` form). */
  cwd: string;
  /** How it was reached: `render.yaml startCommand`, `package.json scripts.start`. */
  via: string[];
}

export interface DeployEnv {
  name: string;
  value: string;
  file: string;
  setting: EnvSetting;
}

export interface Deploy {
  id: string;
  label: string;
  platform: Platform;
  /** Directory of the app's code and requirement files. */
  dir: string;
  /** The service/process entry in its deploy file. */
  definedAt?: SourceLocation;
  limit?: MemoryLimit;
  processes: DeployProcess[];
  env: DeployEnv[];
  /** The Dockerfile that builds its image, if any. */
  dockerfile?: string;
  /** Deploy files it reads. */
  files: string[];
  /** Heroku dyno CPU count and memory (for the Python buildpack's default WEB_CONCURRENCY). */
  herokuDyno?: { mb: number; cores: number };
  /** The platform's runtime, when its file says (render.yaml `runtime`: python, node, docker...). */
  runtime?: string;
}

/** Every deploy of the workspace, cached per workspace state (all deploy files' texts). */
export function findDeploys(ws: Workspace): Deploy[] {
  const files = ws.deployFiles();
  const key = files.map((f) => `${f.relPath}\u0000${ws.read(f.relPath)?.length}:${hash(ws.read(f.relPath) ?? '')}`).join('\u0001') + `|${ws.memoryLimitMb}`;
  const hit = deployCache.get(key);
  if (hit) return hit;
  const deploys = new DeployFinder(ws, files).find();
  deployCache.set(key, deploys);
  if (deployCache.size > 20) deployCache.delete(deployCache.keys().next().value!);
  return deploys;
}

const deployCache = new Map<string, Deploy[]>();

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return h;
}

const PROGRAMS_THAT_ARE_NOT_PROCESSES = new Set(['npm', 'yarn', 'pnpm', 'bun', 'sh', 'bash', 'dash', 'honcho', 'foreman']);

class DeployFinder {
  private readonly deploys: Deploy[] = [];
  /** Files whose commands a platform file already runs. */
  private readonly claimed = new Set<string>();

  constructor(
    private readonly ws: Workspace,
    private readonly files: { relPath: string; type: string }[],
  ) {}

  find(): Deploy[] {
    const of = (type: string) => this.files.filter((f) => f.type === type).map((f) => f.relPath);
    for (const f of of('render')) this.render(f);
    for (const f of of('app-json')) this.heroku(f);
    for (const f of of('fly')) this.fly(f);
    for (const f of of('docker-compose')) this.compose(f);
    for (const f of of('kubernetes')) this.kubernetes(f);
    for (const f of of('railway')) this.railway(f);
    for (const f of of('dockerfile')) if (!this.claimed.has(f)) this.standaloneDockerfile(f);
    for (const f of of('procfile')) if (!this.claimed.has(f)) this.standaloneProcfile(f);
    for (const f of of('package-json')) if (!this.claimed.has(f)) this.standalonePackage(f);
    const fallback = configuredLimit(this.ws.memoryLimitMb);
    for (const d of this.deploys) d.limit ??= fallback;
    return this.deploys.filter((d) => d.processes.length > 0);
  }

  // -- platforms

  private render(file: string): void {
    const text = this.ws.read(file)!;
    const base = dirOf(file);
    for (const { reader, root } of readersOf(this.ws.yaml(file))) {
      const groups = new Map<string, YAMLMap>();
      for (const group of reader.items(reader.get(root, 'envVarGroups'))) {
        const name = reader.text(reader.get(reader.map(group), 'name'));
        const map = reader.map(group);
        if (name && map) groups.set(name, map);
      }
      for (const service of renderServices(reader, root)) {
        const type = reader.text(reader.get(service, 'type')) ?? 'web';
        const runtime = reader.text(reader.get(service, 'runtime')) ?? reader.text(reader.get(service, 'env')) ?? '';
        if (['redis', 'keyvalue', 'static'].includes(type) || runtime === 'static') continue;
        const name = reader.text(reader.get(service, 'name')) ?? type;
        const rootDir = reader.text(reader.get(service, 'rootDir'));
        const dir = asDir(joinPath(base, rootDir ?? ''));
        const deploy = this.add({
          id: `${file}#${name}`,
          label: `Render service "${name}"`,
          platform: 'render',
          dir,
          definedAt: at(file, reader.range(reader.get(service, 'name')) ?? reader.range(service)),
          limit: renderServiceLimit(file, reader, service),
          files: [file],
          runtime: runtime || undefined,
        });
        for (const e of reader.items(reader.get(service, 'envVars'))) {
          const entry = reader.map(e);
          const group = reader.text(reader.get(entry, 'fromGroup'));
          if (group && groups.has(group)) {
            for (const g of reader.items(reader.get(groups.get(group), 'envVars'))) this.renderEnv(deploy, file, text, reader, reader.map(g));
          } else this.renderEnv(deploy, file, text, reader, entry);
        }
        const start = reader.get(service, 'startCommand');
        const dockerCommand = reader.get(service, 'dockerCommand');
        const commands = [...this.yamlCommands(text, reader, start, 'shell', name), ...this.yamlCommands(text, reader, dockerCommand, 'exec', name)];
        for (const c of commands) this.addProcesses(deploy, c, file, dir, [`${file} ${c.form === 'shell' ? 'startCommand' : 'dockerCommand'}`]);
        if (runtime === 'docker' || runtime === 'image' || reader.get(service, 'dockerfilePath')) {
          const path = reader.text(reader.get(service, 'dockerfilePath')) ?? 'Dockerfile';
          const dockerfile = [joinPath(dir, path), joinPath(base, path)].find((p) => this.ws.exists(p));
          if (dockerfile) {
            deploy.dockerfile = dockerfile;
            this.claimed.add(dockerfile);
            if (commands.length === 0) this.dockerfileProcesses(deploy, dockerfile);
            else this.dockerfileEnv(deploy, dockerfile);
          }
        }
      }
    }
  }

  private renderEnv(deploy: Deploy, file: string, text: string, reader: YamlReader, entry: YAMLMap | undefined): void {
    const key = reader.resolve(reader.get(entry, 'key'));
    const value = reader.resolve(reader.get(entry, 'value'));
    const name = reader.text(key);
    const mapped = isScalar(value) ? yamlScalarText(text, value as Scalar) : undefined;
    const range = reader.range(key);
    if (!name || !mapped || !range) return;
    deploy.env.push({ name, value: mapped.value, file, setting: { source: 'render', scope: deploy.label, name, nameStart: range[0], nameEnd: range[1], value: mapped } });
  }

  private yamlCommands(text: string, reader: YamlReader, node: unknown, form: 'shell' | 'exec', name: string): StartCommand[] {
    const scalar = reader.resolve(node);
    if (!isScalar(scalar)) return [];
    const mapped = yamlScalarText(text, scalar as Scalar);
    return mapped ? commandsFromLine(mapped, form, 'render', name) : [];
  }

  /** app.json (+ Procfile / heroku.yml next to it): one deploy per process type, sized by `formation`. */
  private heroku(file: string): void {
    const dir = dirOf(file);
    const root = this.ws.json(file);
    const procfile = joinPath(dir, 'Procfile');
    const herokuYml = ['heroku.yml', 'heroku.yaml'].map((n) => joinPath(dir, n)).find((p) => this.ws.exists(p));
    const source = herokuYml ?? (this.ws.exists(procfile) ? procfile : undefined);
    if (!root || !source) return;
    this.claimed.add(source);
    const formation = findNodeAtLocation(root, ['formation']);
    const appEnv = this.envOf(file);
    const byType = new Map<string, StartCommand[]>();
    for (const c of this.ws.commands(source)) {
      const type = c.name ?? 'web';
      if (type === 'release') continue;
      byType.set(type, [...(byType.get(type) ?? []), c]);
    }
    for (const [type, commands] of byType) {
      const sizeNode = formation?.type === 'object' ? findNodeAtLocation(formation, [type, 'size']) : undefined;
      const dyno = typeof sizeNode?.value === 'string' ? herokuDyno(sizeNode.value) : undefined;
      const deploy = this.add({
        id: `${file}#${type}`,
        label: `Heroku ${type} dyno`,
        platform: 'heroku',
        dir,
        definedAt: at(source, [commands[0].programWord.start, commands[0].programWord.end]),
        limit: dyno && sizeNode ? { mb: dyno.mb, label: `Heroku ${dyno.name}`, at: { file, start: sizeNode.offset + 1, end: sizeNode.offset + sizeNode.length - 1 } } : undefined,
        files: [file, source],
        herokuDyno: dyno ? { mb: dyno.mb, cores: dyno.cores } : undefined,
      });
      deploy.env.push(...appEnv);
      for (const c of commands) this.addProcesses(deploy, c, source, dir, [`${source} ${type}`]);
    }
  }

  private fly(file: string): void {
    const dir = dirOf(file);
    const program = this.ws.toml(file);
    if (!program) return;
    const vms = flyVms(file, program);
    const env = this.envOf(file);
    const text = this.ws.read(file)!;
    const buildDockerfile = /^\s*dockerfile\s*=\s*["']([^"']+)["']/m.exec(text)?.[1];
    const dockerfile = joinPath(dir, buildDockerfile ?? 'Dockerfile');
    const hasDockerfile = this.ws.exists(dockerfile);
    if (hasDockerfile) this.claimed.add(dockerfile);
    const commands = this.ws.commands(file);
    const groups = new Map<string, StartCommand[]>();
    for (const c of commands) {
      const group = c.name ?? 'app';
      groups.set(group, [...(groups.get(group) ?? []), c]);
    }
    if (groups.size === 0) groups.set('app', []);
    const appName = /^\s*app\s*=\s*["']([^"']+)["']/m.exec(text)?.[1];
    for (const [group, cmds] of groups) {
      const vm = vms.find((v) => v.processes?.includes(group)) ?? vms.find((v) => !v.processes || v.processes.length === 0);
      const deploy = this.add({
        id: `${file}#${group}`,
        label: `Fly app${appName ? ` "${appName}"` : ''}${groups.size > 1 || group !== 'app' ? ` process "${group}"` : ''}`,
        platform: 'fly',
        dir,
        limit: vm?.limit,
        files: [file],
        dockerfile: hasDockerfile ? dockerfile : undefined,
      });
      deploy.env.push(...env);
      for (const c of cmds) this.addProcesses(deploy, c, file, dir, [`${file} ${group}`]);
      if (hasDockerfile) {
        if (cmds.length === 0) this.dockerfileProcesses(deploy, dockerfile);
        else this.dockerfileEnv(deploy, dockerfile);
      } else if (cmds.length === 0 && this.ws.exists(joinPath(dir, 'Procfile'))) {
        // Buildpack builds run the Procfile's web process.
        const procfile = joinPath(dir, 'Procfile');
        this.claimed.add(procfile);
        for (const c of this.ws.commands(procfile).filter((c) => (c.name ?? 'web') === 'web')) this.addProcesses(deploy, c, procfile, dir, [`${procfile} web`]);
      }
    }
  }

  private compose(file: string): void {
    const base = dirOf(file);
    const commands = this.ws.commands(file);
    const env = this.ws.env(file);
    for (const { reader, root } of readersOf(this.ws.yaml(file))) {
      for (const [name, node, pair] of reader.entries(reader.map(reader.get(root, 'services')))) {
        const service = reader.map(node);
        if (!service) continue;
        const build = reader.get(service, 'build');
        const context = reader.text(build) ?? reader.text(reader.get(reader.map(build), 'context'));
        const dockerfileName = reader.text(reader.get(reader.map(build), 'dockerfile')) ?? 'Dockerfile';
        const dir = build ? asDir(joinPath(base, context ?? '.')) : base;
        const dockerfile = build ? joinPath(dir, dockerfileName) : undefined;
        const deploy = this.add({
          id: `${file}#${name}`,
          label: `Compose service "${name}"`,
          platform: 'docker-compose',
          dir,
          definedAt: at(file, reader.range(pair.key)),
          limit: composeServiceLimit(file, reader, service),
          files: [file],
          dockerfile: dockerfile && this.ws.exists(dockerfile) ? dockerfile : undefined,
        });
        for (const envFile of [reader.get(service, 'env_file')].flatMap((n) => (reader.seq(n) ? reader.items(n) : n ? [n] : []))) {
          const path = reader.text(envFile) ?? reader.text(reader.get(reader.map(envFile), 'path'));
          if (path) deploy.env.push(...this.envOf(joinPath(base, path)));
        }
        deploy.env.push(...env.filter((e) => e.scope === name).map((setting) => ({ name: setting.name, value: setting.value.value, file, setting })));
        const own = commands.filter((c) => c.name === name);
        for (const c of own) this.addProcesses(deploy, c, file, dir, [`${file} ${name} command`]);
        if (deploy.dockerfile) {
          this.claimed.add(deploy.dockerfile);
          if (own.length === 0) this.dockerfileProcesses(deploy, deploy.dockerfile);
          else this.dockerfileEnv(deploy, deploy.dockerfile);
        }
      }
    }
  }

  private kubernetes(file: string): void {
    const text = this.ws.read(file)!;
    const dockerfiles = this.files.filter((f) => f.type === 'dockerfile');
    for (const { reader, root } of readersOf(this.ws.yaml(file))) {
      const kind = reader.text(reader.get(root, 'kind')) ?? '';
      const podSpec =
        kind === 'Pod' ? reader.get(root, 'spec')
        : kind === 'CronJob' ? reader.path(root, 'spec', 'jobTemplate', 'spec', 'template', 'spec')
        : ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'ReplicationController'].includes(kind) ? reader.path(root, 'spec', 'template', 'spec')
        : undefined;
      const workload = reader.text(reader.path(root, 'metadata', 'name')) ?? kind;
      for (const node of reader.items(reader.get(reader.map(podSpec), 'containers'))) {
        const container = reader.map(node);
        if (!container) continue;
        const name = reader.text(reader.get(container, 'name')) ?? 'container';
        const deploy = this.add({
          id: `${file}#${workload}/${name}`,
          label: `Kubernetes ${kind} "${workload}" container "${name}"`,
          platform: 'kubernetes',
          dir: dirOf(file),
          definedAt: at(file, reader.range(reader.get(container, 'name'))),
          limit: kubernetesContainerLimit(file, reader, container),
          files: [file],
        });
        for (const e of reader.items(reader.get(container, 'env'))) {
          const entry = reader.map(e);
          const key = reader.resolve(reader.get(entry, 'name'));
          const value = reader.resolve(reader.get(entry, 'value'));
          const envName = reader.text(key);
          const mapped = isScalar(value) ? yamlScalarText(text, value as Scalar) : undefined;
          const range = reader.range(key);
          if (envName && mapped && range) {
            deploy.env.push({ name: envName, value: mapped.value, file, setting: { source: 'docker-compose', scope: name, name: envName, nameStart: range[0], nameEnd: range[1], value: mapped } });
          }
        }
        const words = [...reader.items(reader.get(container, 'command')), ...reader.items(reader.get(container, 'args'))].map((n) => {
          const mapped = isScalar(n) ? yamlScalarText(text, n as Scalar) : undefined;
          const range = reader.range(n);
          return mapped && range ? arrayElementWord(mapped, range[0], range[1], () => undefined) : undefined;
        });
        if (words.length > 0 && words.every((w) => w !== undefined)) {
          for (const c of commandsFromWords(words as NonNullable<(typeof words)[number]>[], 'exec', 'docker-compose', name)) {
            this.addProcesses(deploy, c, file, deploy.dir, [`${file} ${name} command`]);
          }
        } else if (words.length === 0 && dockerfiles.length === 1) {
          // The image's own CMD: the workspace's only Dockerfile builds it.
          deploy.dockerfile = dockerfiles[0].relPath;
          deploy.dir = dirOf(deploy.dockerfile);
          this.claimed.add(deploy.dockerfile);
          this.dockerfileProcesses(deploy, deploy.dockerfile);
        }
      }
    }
  }

  private railway(file: string): void {
    const dir = dirOf(file);
    const deploy = this.add({ id: file, label: `Railway service (${file})`, platform: 'railway', dir, files: [file] });
    const commands = this.ws.commands(file);
    for (const c of commands) this.addProcesses(deploy, c, file, dir, [`${file} startCommand`]);
    const dockerfile = joinPath(dir, /"?dockerfilePath"?\s*[=:]\s*["']([^"']+)["']/.exec(this.ws.read(file) ?? '')?.[1] ?? 'Dockerfile');
    if (this.ws.exists(dockerfile)) {
      deploy.dockerfile = dockerfile;
      this.claimed.add(dockerfile);
      if (commands.length === 0) this.dockerfileProcesses(deploy, dockerfile);
      else this.dockerfileEnv(deploy, dockerfile);
      return;
    }
    if (commands.length > 0) return;
    const procfile = joinPath(dir, 'Procfile');
    if (this.ws.exists(procfile)) {
      this.claimed.add(procfile);
      for (const c of this.ws.commands(procfile).filter((c) => (c.name ?? 'web') === 'web')) this.addProcesses(deploy, c, procfile, dir, [`${procfile} web`]);
      return;
    }
    const pkg = joinPath(dir, 'package.json');
    if (this.ws.exists(pkg)) {
      this.claimed.add(pkg);
      for (const c of this.scriptCommands(pkg, 'start')) this.addProcesses(deploy, c, pkg, dir, [`${pkg} scripts.start`]);
    }
  }

  private standaloneDockerfile(file: string): void {
    const deploy = this.add({ id: file, label: `the image built by ${file}`, platform: 'dockerfile', dir: dirOf(file), files: [file], dockerfile: file });
    this.dockerfileProcesses(deploy, file);
  }

  private standaloneProcfile(file: string): void {
    const byType = new Map<string, StartCommand[]>();
    for (const c of this.ws.commands(file)) {
      const type = c.name ?? 'web';
      if (type !== 'release') byType.set(type, [...(byType.get(type) ?? []), c]);
    }
    for (const [type, commands] of byType) {
      const deploy = this.add({ id: `${file}#${type}`, label: `the ${type} process of ${file}`, platform: 'procfile', dir: dirOf(file), files: [file] });
      for (const c of commands) this.addProcesses(deploy, c, file, dirOf(file), [`${file} ${type}`]);
    }
  }

  private standalonePackage(file: string): void {
    const commands = this.scriptCommands(file, 'start');
    if (commands.length === 0) return;
    const deploy = this.add({ id: file, label: `npm start in ${file}`, platform: 'package-json', dir: dirOf(file), files: [file] });
    for (const c of commands) this.addProcesses(deploy, c, file, dirOf(file), [`${file} scripts.start`]);
  }

  // -- building blocks

  private add(d: Omit<Deploy, 'processes' | 'env'>): Deploy {
    const deploy: Deploy = { ...d, processes: [], env: [] };
    this.deploys.push(deploy);
    return deploy;
  }

  private envOf(file: string): DeployEnv[] {
    return this.ws.env(file).map((setting) => ({ name: setting.name, value: setting.value.value, file, setting }));
  }

  private scriptCommands(pkg: string, script: string): StartCommand[] {
    return this.ws.commands(pkg).filter((c) => c.name === script);
  }

  /** The final stage's CMD/ENTRYPOINT (inherited from the stage it builds on when it has none), and its ENV. */
  private dockerfileProcesses(deploy: Deploy, file: string): void {
    if (!deploy.files.includes(file)) deploy.files.push(file);
    this.dockerfileEnv(deploy, file);
    for (const c of finalStageCommands(this.ws, file)) this.addProcesses(deploy, c, file, dirOf(file), [`${file} CMD`]);
  }

  private dockerfileEnv(deploy: Deploy, file: string): void {
    if (!deploy.files.includes(file)) deploy.files.push(file);
    const text = this.ws.read(file);
    const dockerfile = this.ws.dockerfile(file);
    if (text === undefined || !dockerfile) return;
    const chain = finalStageChain(text, dockerfile);
    for (const setting of this.ws.env(file)) {
      if (chain.some(([s, e]) => setting.nameStart >= s && setting.nameStart < e)) deploy.env.push({ name: setting.name, value: setting.value.value, file, setting });
    }
  }

  /** Adds the processes a command starts, following npm scripts, shell scripts and Procfile runners. */
  private addProcesses(deploy: Deploy, command: StartCommand, file: string, cwd: string, via: string[], depth = 0): void {
    if (!deploy.files.includes(file) && classifyDeployFile(file)) deploy.files.push(file);
    // VAR=value prefixes apply to this command and what it runs.
    for (const word of command.env) {
      const eq = word.value.indexOf('=');
      const [nameStart] = word.text.fileRange(0, 1);
      const [, nameEnd] = word.text.fileRange(0, eq);
      deploy.env.push({ name: word.value.slice(0, eq), value: word.value.slice(eq + 1), file, setting: { source: command.source, name: word.value.slice(0, eq), nameStart, nameEnd, value: word.text.slice(eq + 1) } });
    }
    if (isSetupStep(this.ws.read(file) ?? '', command, file)) return;
    if (depth > 4) return;
    const expanded = this.expand(command, cwd);
    if (expanded === undefined) {
      if (!PROGRAMS_THAT_ARE_NOT_PROCESSES.has(command.program)) deploy.processes.push({ command, file, cwd, via });
      return;
    }
    for (const next of expanded) this.addProcesses(deploy, next.command, next.file, next.cwd, [...via, next.via], depth + 1);
  }

  /** What an `npm start`, `sh start.sh` or `honcho start` runs; undefined for a command that is itself a process. */
  private expand(command: StartCommand, cwd: string): { command: StartCommand; file: string; cwd: string; via: string }[] | undefined {
    const args = command.args.map((a) => a.value);
    const program = command.program;
    if (['npm', 'yarn', 'pnpm', 'bun'].includes(program)) {
      const script = npmScriptName(program, args);
      if (!script) return [];
      const pkg = joinPath(cwd, 'package.json');
      this.claimed.add(pkg);
      return this.scriptCommands(pkg, script).map((c) => ({ command: c, file: pkg, cwd, via: `${pkg} scripts.${script}` }));
    }
    if (program === 'honcho' || program === 'foreman') {
      const procfile = joinPath(cwd, 'Procfile');
      return this.ws.commands(procfile).filter((c) => c.name !== 'release').map((c) => ({ command: c, file: procfile, cwd, via: `${procfile} ${c.name}` }));
    }
    const scriptPath = /^(ba|da)?sh$/.test(program) ? args.find((a) => !a.startsWith('-')) : /\.sh$/.test(program) ? command.programWord.value : undefined;
    if (/^(ba|da)?sh$/.test(program) && !scriptPath) return [];
    if (scriptPath) {
      const script = resolveInWorkspace(this.ws, cwd, scriptPath);
      if (!script) return [];
      const text = this.ws.read(script)!;
      const commands = commandsFromLine(MappedText.of(text, 0, text.length), 'shell', 'procfile');
      return commands.map((c) => ({ command: c, file: script, cwd, via: script }));
    }
    return undefined;
  }
}

/** render.yaml services: top-level `services` and those of `projects[].environments[]`. */
export function renderServices(reader: YamlReader, root: YAMLMap): YAMLMap[] {
  const services = [...reader.items(reader.get(root, 'services'))];
  for (const project of reader.items(reader.get(root, 'projects'))) {
    for (const environment of reader.items(reader.get(reader.map(project), 'environments'))) {
      services.push(...reader.items(reader.get(reader.map(environment), 'services')));
    }
  }
  return services.map((n) => reader.map(n)).filter((m): m is YAMLMap => m !== undefined);
}

function at(file: string, range: [number, number] | undefined): SourceLocation | undefined {
  return range ? { file, start: range[0], end: range[1] } : undefined;
}

/** `npm start` -> start, `npm run web -- --port 3000` -> web, `yarn serve` -> serve; undefined for install/ci/build steps. */
function npmScriptName(program: string, args: string[]): string | undefined {
  const words = args.filter((a, i) => !a.startsWith('-') && !(i > 0 && args[i - 1] === '--prefix'));
  const [first, second] = words;
  if (!first) return program === 'yarn' ? 'start' : undefined;
  if (first === 'start' || first === 'run' || first === 'run-script') return first === 'start' ? 'start' : second;
  if ((program === 'yarn' || program === 'pnpm' || program === 'bun') && !['install', 'add', 'ci', 'build', 'test', 'exec', 'dlx', 'x'].includes(first)) return first;
  return undefined;
}

/** `/app/start.sh` in a container: the workspace file with leading directories dropped until one exists. */
function resolveInWorkspace(ws: Workspace, cwd: string, path: string): string | undefined {
  if (/[$`]/.test(path)) return undefined;
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  for (let i = 0; i < parts.length; i++) {
    for (const candidate of [joinPath(cwd, parts.slice(i).join('/')), parts.slice(i).join('/')]) if (ws.exists(candidate)) return candidate;
  }
  return undefined;
}

/**
 * A command that finishes before the next one starts (`migrate && gunicorn`, `npm ci; node app.js`, a line of
 * a shell script that is not the last): a setup step, not a process of the deploy.
 */
function isSetupStep(text: string, command: StartCommand, file: string): boolean {
  const last = command.args.length ? command.args[command.args.length - 1] : command.programWord;
  let i = last.end;
  while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '"' || text[i] === "'" || text[i] === ']' || text[i] === ',')) i++;
  if (text.startsWith('&&', i) || text.startsWith('||', i) || text[i] === ';') return true;
  if (text[i] === '&') return false;
  // In a shell script each line runs after the previous one finished: only `exec` and the last command stay.
  if (/\.sh$/.test(file) || (!classifyDeployFile(file) && !/\.(json|ya?ml|toml)$/.test(file))) {
    const lineStart = text.lastIndexOf('\n', command.programWord.start - 1) + 1;
    if (/\bexec\s/.test(text.slice(lineStart, command.programWord.start))) return false;
    const lineEnd = text.indexOf('\n', i);
    const later = lineEnd === -1 ? [] : text.slice(lineEnd + 1).split('\n').map((l) => l.trim());
    return later.some((l) => l !== '' && !l.startsWith('#') && !/^(wait|exit|fi|done|esac|\}|;;)\b/.test(l));
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------------
// Dockerfile stages

/** [start, end) offsets of the final stage and of the stages it builds on (`FROM base AS app` ... `FROM app`). */
export function finalStageChain(text: string, dockerfile: Dockerfile): [number, number][] {
  const starts = lineStarts(text);
  const froms = dockerfile.getFROMs();
  if (froms.length === 0) return [[0, text.length]];
  const stages = froms.map((from, i) => ({
    start: offsetAt(starts, text, from.getRange().start),
    end: i + 1 < froms.length ? offsetAt(starts, text, froms[i + 1].getRange().start) : text.length,
    alias: from.getBuildStage()?.toLowerCase(),
    image: from.getImageName()?.toLowerCase(),
  }));
  const chain: [number, number][] = [];
  let current: (typeof stages)[number] | undefined = stages[stages.length - 1];
  const seen = new Set<number>();
  while (current && !seen.has(current.start)) {
    seen.add(current.start);
    chain.push([current.start, current.end]);
    const image: string | undefined = current.image;
    const before = stages.filter((s) => s.start < current!.start);
    current = image ? [...before].reverse().find((s) => s.alias === image) : undefined;
  }
  return chain;
}

/** Start commands of the final stage, or of the nearest stage it builds on that has one. */
export function finalStageCommands(ws: Workspace, file: string): StartCommand[] {
  const text = ws.read(file);
  const dockerfile = ws.dockerfile(file);
  if (text === undefined || !dockerfile) return [];
  const commands = ws.commands(file);
  for (const [start, end] of finalStageChain(text, dockerfile)) {
    const own = commands.filter((c) => c.programWord.start >= start && c.programWord.start < end);
    if (own.length) return own;
  }
  return [];
}

