/**
 * One reader per deploy platform: each turns a platform file into deploys (with their limit, environment and
 * start commands) through a DeployBuilder.
 * - render.yaml: each service (top-level and in `projects[].environments[]`), `rootDir`, `plan`, `envVars`
 *   (and `fromGroup` env groups), `startCommand`, `dockerCommand`, or the Dockerfile of a Docker service;
 * - app.json + Procfile / heroku.yml: one deploy per process type, sized by `formation.<type>.size`;
 * - fly.toml: one deploy per process group, sized by the `[[vm]]` that applies to it;
 * - docker-compose: each service, its `command` or its build's Dockerfile, `environment` and `env_file`;
 * - Kubernetes manifests: each container of a workload, `command` + `args`, `env`, `resources.limits.memory`;
 * - railway.json/toml: `startCommand`, or the Dockerfile / Procfile / package.json it builds;
 * - Dockerfiles, Procfiles and package.json start scripts no platform file runs: deploys of their own.
 */
import { findNodeAtLocation } from 'jsonc-parser';
import { isScalar, type Scalar } from 'yaml';
import { arrayElementWord, commandsFromLine, commandsFromWords, type StartCommand } from './commands-build';
import { yamlScalarText } from './commands-text';
import { appDir, type DeployBuilder } from './deploy-builder';
import { bindMount, type BindMount } from './container-paths';
import { ecosystemApps } from './pm2-ecosystem';
import { asDir, dirOf, joinPath, type SourceLocation } from './deploy-files';
import type { Deploy } from './deploy-model';
import { composeServiceLimit, flyCpus, flyVms, herokuCpus, herokuDyno, kubernetesContainerLimit, renderServiceLimit } from './platform-limits';
import { readersOf, type YamlReader, type YAMLMap } from './yaml-read';
import { composeWrapperEntrypoints } from './commands-yaml';

export function readRender(b: DeployBuilder, file: string): void {
  const text = b.ws.read(file)!;
  const base = dirOf(file);
  for (const { reader, root } of readersOf(b.ws.yaml(file))) {
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
      const deploy = b.add({
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
          for (const g of reader.items(reader.get(groups.get(group), 'envVars'))) renderEnv(deploy, file, text, reader, reader.map(g));
        } else renderEnv(deploy, file, text, reader, entry);
      }
      const start = reader.get(service, 'startCommand');
      const dockerCommand = reader.get(service, 'dockerCommand');
      const commands = [...yamlCommands(text, reader, start, 'shell', name), ...yamlCommands(text, reader, dockerCommand, 'exec', name)];
      for (const c of commands) b.addProcesses(deploy, c, file, dir, [`${file} ${c.form === 'shell' ? 'startCommand' : 'dockerCommand'}`]);
      if (runtime === 'docker' || runtime === 'image' || reader.get(service, 'dockerfilePath')) {
        const path = reader.text(reader.get(service, 'dockerfilePath')) ?? 'Dockerfile';
        const dockerfile = [joinPath(dir, path), joinPath(base, path)].find((p) => b.ws.exists(p));
        if (dockerfile) b.useDockerfile(deploy, dockerfile, commands.length > 0);
      }
    }
  }
}

function renderEnv(deploy: Deploy, file: string, text: string, reader: YamlReader, entry: YAMLMap | undefined): void {
  const key = reader.resolve(reader.get(entry, 'key'));
  const value = reader.resolve(reader.get(entry, 'value'));
  const name = reader.text(key);
  const mapped = isScalar(value) ? yamlScalarText(text, value as Scalar) : undefined;
  const range = reader.range(key);
  if (!name || !mapped || !range) return;
  deploy.env.push({ name, value: mapped.value, file, setting: { source: 'render', scope: deploy.label, name, nameStart: range[0], nameEnd: range[1], value: mapped } });
}

function yamlCommands(text: string, reader: YamlReader, node: unknown, form: 'shell' | 'exec', name: string): StartCommand[] {
  const scalar = reader.resolve(node);
  if (!isScalar(scalar)) return [];
  const mapped = yamlScalarText(text, scalar as Scalar);
  return mapped ? commandsFromLine(mapped, form, 'render', name) : [];
}

/** app.json (+ Procfile / heroku.yml next to it): one deploy per process type, sized by `formation`. */
export function readHeroku(b: DeployBuilder, file: string): void {
  const dir = dirOf(file);
  const root = b.ws.json(file);
  const procfile = joinPath(dir, 'Procfile');
  const herokuYml = ['heroku.yml', 'heroku.yaml'].map((n) => joinPath(dir, n)).find((p) => b.ws.exists(p));
  const source = herokuYml ?? (b.ws.exists(procfile) ? procfile : undefined);
  if (!root || !source) return;
  b.claim(source);
  const formation = findNodeAtLocation(root, ['formation']);
  const appEnv = b.envOf(file);
  const byType = new Map<string, StartCommand[]>();
  for (const c of b.ws.commands(source)) {
    const type = c.name ?? 'web';
    if (type === 'release') continue;
    byType.set(type, [...(byType.get(type) ?? []), c]);
  }
  for (const [type, commands] of byType) {
    const sizeNode = formation?.type === 'object' ? findNodeAtLocation(formation, [type, 'size']) : undefined;
    const dyno = typeof sizeNode?.value === 'string' ? herokuDyno(sizeNode.value) : undefined;
    const deploy = b.add({
      id: `${file}#${type}`,
      label: `Heroku ${type} dyno`,
      platform: 'heroku',
      dir,
      definedAt: at(source, [commands[0].programWord.start, commands[0].programWord.end]),
      limit: dyno && sizeNode ? { mb: dyno.mb, label: `Heroku ${dyno.name}`, at: { file, start: sizeNode.offset + 1, end: sizeNode.offset + sizeNode.length - 1 } } : undefined,
      files: [file, source],
      herokuDyno: dyno ? { mb: dyno.mb, cores: dyno.cores } : undefined,
      cpus: dyno ? herokuCpus(dyno) : undefined,
    });
    deploy.env.push(...appEnv);
    for (const c of commands) b.addProcesses(deploy, c, source, dir, [`${source} ${type}`]);
  }
}

export function readFly(b: DeployBuilder, file: string): void {
  const dir = dirOf(file);
  const program = b.ws.toml(file);
  if (!program) return;
  const vms = flyVms(file, program);
  const env = b.envOf(file);
  const text = b.ws.read(file)!;
  const buildDockerfile = /^\s*dockerfile\s*=\s*["']([^"']+)["']/m.exec(text)?.[1];
  const dockerfile = joinPath(dir, buildDockerfile ?? 'Dockerfile');
  const hasDockerfile = b.ws.exists(dockerfile);
  const commands = b.ws.commands(file);
  const groups = new Map<string, StartCommand[]>();
  for (const c of commands) {
    const group = c.name ?? 'app';
    groups.set(group, [...(groups.get(group) ?? []), c]);
  }
  if (groups.size === 0) groups.set('app', []);
  const appName = /^\s*app\s*=\s*["']([^"']+)["']/m.exec(text)?.[1];
  for (const [group, cmds] of groups) {
    const vm = vms.find((v) => v.processes?.includes(group)) ?? vms.find((v) => !v.processes || v.processes.length === 0);
    const deploy = b.add({
      id: `${file}#${group}`,
      label: `Fly app${appName ? ` "${appName}"` : ''}${groups.size > 1 || group !== 'app' ? ` process "${group}"` : ''}`,
      platform: 'fly',
      dir,
      limit: vm?.limit,
      files: [file],
      dockerfile: hasDockerfile ? dockerfile : undefined,
      cpus: flyCpus(vm),
    });
    deploy.env.push(...env);
    for (const c of cmds) b.addProcesses(deploy, c, file, dir, [`${file} ${group}`]);
    if (hasDockerfile) b.useDockerfile(deploy, dockerfile, cmds.length > 0);
    else if (cmds.length === 0 && b.ws.exists(joinPath(dir, 'Procfile'))) {
      // Buildpack builds run the Procfile's web process.
      const procfile = joinPath(dir, 'Procfile');
      b.claim(procfile);
      for (const c of b.ws.commands(procfile).filter((c) => (c.name ?? 'web') === 'web')) b.addProcesses(deploy, c, procfile, dir, [`${procfile} web`]);
    }
  }
}

export function readCompose(b: DeployBuilder, file: string): void {
  const base = dirOf(file);
  const commands = b.ws.commands(file);
  const env = b.ws.env(file);
  const wrappers = composeWrapperEntrypoints(b.ws.read(file) ?? '', b.ws.yaml(file) ?? []);
  const documents = readersOf(b.ws.yaml(file));
  for (const [index, { reader, root }] of documents.entries()) {
    // commands.ts reads every document of the file: keep this document's.
    const [docStart, docEnd] = reader.range(root) ?? [0, Infinity];
    const inDoc = (offset: number) => offset >= docStart && offset < docEnd;
    for (const [name, node, pair] of reader.entries(reader.map(reader.get(root, 'services')))) {
      const service = reader.map(node);
      if (!service) continue;
      const build = reader.get(service, 'build');
      const context = reader.text(build) ?? reader.text(reader.get(reader.map(build), 'context'));
      const dockerfileName = reader.text(reader.get(reader.map(build), 'dockerfile')) ?? 'Dockerfile';
      const dir = build ? asDir(joinPath(base, context ?? '.')) : base;
      const dockerfile = build ? joinPath(dir, dockerfileName) : undefined;
      const deploy = b.add({
        id: `${file}${documents.length > 1 ? `[${index + 1}]` : ''}#${name}`,
        label: `Compose service "${name}"`,
        platform: 'docker-compose',
        dir,
        definedAt: at(file, reader.range(pair.key)),
        limit: composeServiceLimit(file, reader, service),
        files: [file],
        dockerfile: dockerfile && b.ws.exists(dockerfile) ? dockerfile : undefined,
        ...composeContainerFiles(file, reader, service),
      });
      for (const envFile of [reader.get(service, 'env_file')].flatMap((n) => (reader.seq(n) ? reader.items(n) : n ? [n] : []))) {
        const path = reader.text(envFile) ?? reader.text(reader.get(reader.map(envFile), 'path'));
        if (path) deploy.env.push(...b.envOf(joinPath(base, path)));
      }
      deploy.env.push(...env.filter((e) => e.scope === name && inDoc(e.nameStart)).map((setting) => ({ name: setting.name, value: setting.value.value, file, setting })));
      const own = commands.filter((c) => c.name === name && inDoc(c.programWord.start));
      // compose's `command` replaces only the CMD: an ENTRYPOINT script that never runs its arguments starts what it starts.
      const entrypoint = own.length && deploy.dockerfile && !reader.get(service, 'entrypoint') ? b.argumentlessEntrypoint(deploy, deploy.dockerfile) : [];
      // So does the service's own `entrypoint:` script when it also has a `command:` it never runs.
      const wrapper = own.length ? wrappers.filter((c) => c.name === name && inDoc(c.programWord.start)) : [];
      if (entrypoint.length) {
        for (const c of entrypoint) b.addProcesses(deploy, c, deploy.dockerfile!, dir, [`${deploy.dockerfile} ENTRYPOINT`]);
      } else if (wrapper.length === 1 && b.ignoresArguments(deploy, wrapper[0])) {
        b.addProcesses(deploy, wrapper[0], file, dir, [`${file} ${name} entrypoint`]);
      } else for (const c of own) b.addProcesses(deploy, c, file, dir, [`${file} ${name} command`]);
      if (deploy.dockerfile) b.useDockerfile(deploy, deploy.dockerfile, own.length > 0);
    }
  }
}

/** A compose service's bind mounts of workspace folders and its `working_dir` (container-paths.ts). */
function composeContainerFiles(file: string, reader: YamlReader, service: YAMLMap): Pick<Deploy, 'mounts' | 'workingDir'> {
  const mounts: BindMount[] = [];
  for (const node of reader.items(reader.get(service, 'volumes'))) {
    const long = reader.map(node);
    const spec = long ? { type: reader.text(reader.get(long, 'type')), source: reader.text(reader.get(long, 'source')), target: reader.text(reader.get(long, 'target')) } : reader.text(node);
    const mount = spec === undefined ? undefined : bindMount(file, spec);
    if (mount) mounts.push(mount);
  }
  const workingDir = reader.text(reader.get(service, 'working_dir'));
  return {
    ...(mounts.length ? { mounts } : {}),
    ...(workingDir?.startsWith('/') && !/[$`]/.test(workingDir) ? { workingDir: workingDir.replace(/(.)\/+$/, '$1') } : {}),
  };
}

export function readKubernetes(b: DeployBuilder, file: string): void {
  const text = b.ws.read(file)!;
  const dockerfiles = b.files.filter((f) => f.type === 'dockerfile');
  for (const { reader, root } of readersOf(b.ws.yaml(file))) {
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
      const deploy = b.add({
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
        return mapped && range ? arrayElementWord(mapped, range[0], range[1], { kind: 'none' }) : undefined;
      });
      if (words.length > 0 && words.every((w) => w !== undefined)) {
        for (const c of commandsFromWords(words as NonNullable<(typeof words)[number]>[], 'exec', 'docker-compose', name)) {
          b.addProcesses(deploy, c, file, deploy.dir, [`${file} ${name} command`]);
        }
      } else if (words.length === 0 && dockerfiles.length === 1) {
        // The image's own CMD: the workspace's only Dockerfile builds it.
        deploy.dir = dirOf(dockerfiles[0].relPath);
        b.useDockerfile(deploy, dockerfiles[0].relPath, false);
      }
    }
  }
}

export function readRailway(b: DeployBuilder, file: string): void {
  const dir = dirOf(file);
  const deploy = b.add({ id: file, label: `Railway service (${file})`, platform: 'railway', dir, files: [file] });
  const commands = b.ws.commands(file);
  for (const c of commands) b.addProcesses(deploy, c, file, dir, [`${file} startCommand`]);
  const dockerfile = joinPath(dir, /"?dockerfilePath"?\s*[=:]\s*["']([^"']+)["']/.exec(b.ws.read(file) ?? '')?.[1] ?? 'Dockerfile');
  if (b.ws.exists(dockerfile)) {
    b.useDockerfile(deploy, dockerfile, commands.length > 0);
    return;
  }
  if (commands.length > 0) return;
  const procfile = joinPath(dir, 'Procfile');
  if (b.ws.exists(procfile)) {
    b.claim(procfile);
    for (const c of b.ws.commands(procfile).filter((c) => (c.name ?? 'web') === 'web')) b.addProcesses(deploy, c, procfile, dir, [`${procfile} web`]);
    return;
  }
  const pkg = joinPath(dir, 'package.json');
  if (b.ws.exists(pkg)) {
    b.claim(pkg);
    for (const c of b.scriptCommands(pkg, 'start')) b.addProcesses(deploy, c, pkg, dir, [`${pkg} scripts.start`]);
  }
}

export function readStandaloneDockerfile(b: DeployBuilder, file: string): void {
  const deploy = b.add({ id: file, label: `the image built by ${file}`, platform: 'dockerfile', dir: dirOf(file), files: [file], dockerfile: file });
  b.useDockerfile(deploy, file, false);
}

export function readStandaloneProcfile(b: DeployBuilder, file: string): void {
  const byType = new Map<string, StartCommand[]>();
  for (const c of b.ws.commands(file)) {
    const type = c.name ?? 'web';
    if (type !== 'release') byType.set(type, [...(byType.get(type) ?? []), c]);
  }
  for (const [type, commands] of byType) {
    const deploy = b.add({ id: `${file}#${type}`, label: `the ${type} process of ${file}`, platform: 'procfile', dir: dirOf(file), files: [file] });
    for (const c of commands) b.addProcesses(deploy, c, file, dirOf(file), [`${file} ${type}`]);
  }
}

/**
 * An ecosystem file no other deploy file runs (`pm2 start ecosystem.config.js` typed on a VM) that starts Python
 * programs (gunicorn, celery): a deploy of its own. One that runs Node scripts is read by the Node rules.
 */
export function readStandaloneEcosystem(b: DeployBuilder, file: string): void {
  const text = b.ws.read(file);
  const apps = text === undefined ? [] : ecosystemApps(file, text);
  if (apps.length === 0 || apps.some((a) => !a.python)) return;
  const dir = dirOf(file);
  const deploy = b.add({ id: file, label: `the pm2 deploy of ${file}`, platform: 'pm2', dir, files: [file] });
  // One pm2 daemon for every app: they share the root the budget counts launchers by.
  const first = apps.flatMap((a) => a.commands)[0];
  const root = first ? { file, start: first.programWord.start, end: first.programWord.end } : undefined;
  for (const a of apps) for (const c of a.commands) b.addProcesses(deploy, c, file, appDir(dir, a.cwd), [`${file} apps ${a.name ?? c.program}`], 0, ['pm2'], root);
}

export function readStandalonePackage(b: DeployBuilder, file: string): void {
  const commands = b.scriptCommands(file, 'start');
  if (commands.length === 0) return;
  const deploy = b.add({ id: file, label: `npm start in ${file}`, platform: 'package-json', dir: dirOf(file), files: [file] });
  for (const c of commands) b.addProcesses(deploy, c, file, dirOf(file), [`${file} scripts.start`]);
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
