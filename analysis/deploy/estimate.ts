/**
 * Steady-state memory estimates of a workspace's deploys, compared with their platform limits.
 *
 * API
 *
 *   estimateDeploys(project: ProjectInfo, options?: EstimateOptions): DeployEstimate[]
 *
 * One DeployEstimate per deploy target that starts at least one process: a render.yaml service (with its
 * rootDir), a Heroku dyno type (app.json + Procfile), a fly.toml process group, a compose service, a Kubernetes
 * container, a Railway service, and Dockerfiles / Procfile processes / package.json start scripts that no
 * platform file claims (those get the configured `memoryLimitMb`, if any). Everything returned is plain
 * JSON-serialisable data (no functions, no parser nodes), for the CLI report and the editor:
 *
 *   DeployEstimate {
 *     id          stable id: `render.yaml#shop-api`, `Procfile#web`, `docker-compose.yml#api`, `Dockerfile`
 *     label       `Render service "shop-api"`, `Heroku web dyno`, `Compose service "api"`
 *     platform    render | heroku | fly | docker-compose | kubernetes | railway | dockerfile | procfile | package-json
 *     dir         the app's directory (render rootDir, build context), `` or `api/`
 *     definedAt?  { file, start, end } of the service entry
 *     files       deploy files it reads
 *     processes   ProcessEstimate[]: program, server kind, framework baseline, workers/threads with where
 *                 they are set ({ n, at?, how, cpuDerived }), worker class, preload, libraries, via (command chain),
 *                 fork: { model: preload | fork | spawn | single, parentMb, childMb, children, shared }
 *     items       BudgetItem[]: the breakdown, one line each: { label, count, eachMb, mb, key, source, at?,
 *                 perWorker, process, phase: idle | peak, role: parent | child | process } — `key` names the figure
 *                 in baselines.ts (and in the `baselines` option), `source` says where the figure comes from
 *     idleMb      the idle items: at rest, every worker having served a request (fork-model.ts)
 *     peakMb      idle + the peak items (threads, DB connections, requests in flight)
 *     totalMb     = peakMb, the figure the verdict compares with the limit
 *     notes       copy-on-write erosion / preload notes (gc.freeze())
 *     cpusFrom    where hostCpus comes from (a Fly Machine's vCPUs, a Heroku dyno's, else the option)
 *     limit?      { mb, label, at? }: plan / dyno / VM / container limit, or configuration's memoryLimitMb
 *     over        totalMb > limit.mb
 *     anchor?     { file, start, end, what }: where a finding belongs (the worker count that pushes it over,
 *                 else the start command, else the limit), always in a deploy file memlint analyses
 *     summary     "17 gunicorn workers (Django + DRF) x ~47.4 MB + gunicorn master ~28.9 MB = ~834.7 MB > 512 MB (Render starter)"
 *     advice?     what to change when over: "use at most 3 workers, or an instance with at least 1 GB"
 *     hostCpus    the CPU count assumed for cpu_count()/nproc-derived counts: the platform's when its files say
 *   }
 *
 * Offsets are UTF-16 offsets into the file's text as the rule saw it (the analysed file's editor text).
 * Options: `hostCpus` (default 8: containers report the host's CPUs, not the plan's share) and `baselines`
 * (`["django-drf=180", "thread=4"]`, overriding figures of baselines.ts).
 */
import type { ProjectInfo } from '../../rules/api';
import { dockerfilePipInstalls, librariesInstalled, librariesLoaded, modelLoads, nodeAppFacts, nodeRequestFacts, pythonPackages, pythonRequestFacts, pythonSourceFacts, type NodeAppFacts, type PythonSourceFacts } from './app-facts';
import { Figures, LIBRARY_INCLUDES, type FigureKey, type LibraryKey, type WorkerBaselineKey } from './baselines';
import { classifyDeployFile, dirOf, joinPath, Workspace, type SourceLocation } from './deploy-files';
import { findDeploys, type Deploy, type Platform } from './deploys';
import { formatMb, type MemoryLimit } from './platform-limits';
import { modulesLoadedBy } from './python-reach';
import { pythonModules, topLevelNames } from '../python/module-graph';
import { processItems, type ForkShape, type Phase, type ForkRole } from './fork-model';
import { DEFAULT_HOST_CPUS } from './counts';
import { serverOf, type Server, type ServerKind, type Setting } from './servers';

export type { ForkShape, Phase, ForkRole };

export type { SourceLocation, MemoryLimit, Platform, Setting, ServerKind };

export interface EstimateOptions {
  /** CPUs a container reports (the host's). Default 8. */
  hostCpus?: number;
  /** `key=MB` overrides of baselines.ts figures. */
  baselines?: readonly string[];
  /** The analysed file's current text, which replaces what is on disk. */
  overlay?: { relPath: string; text: string };
}

export interface BudgetItem {
  label: string;
  count: number;
  eachMb: number;
  mb: number;
  key: FigureKey;
  source: string;
  at?: SourceLocation;
  /** Grows with the worker count of its process. */
  perWorker: boolean;
  /** Index into DeployEstimate.processes. */
  process: number;
  /** idle: resident at rest; peak: only while requests run (threads, connections, request working sets). */
  phase: Phase;
  /** parent: held once by the process that forks (shared by its children); child: per worker; process: on its own. */
  role: ForkRole;
}

export interface ProcessEstimate {
  name?: string;
  program: string;
  server: ServerKind;
  framework: WorkerBaselineKey;
  frameworkLabel: string;
  at: SourceLocation;
  via: string[];
  workers: Setting;
  threads: Setting;
  workerClass?: string;
  preload: boolean;
  libraries: LibraryKey[];
  /** Idle + peak items of this process. */
  mb: number;
  /** The fork tree: parent, children, what they share. */
  fork: ForkShape;
}

export interface DeployEstimate {
  id: string;
  label: string;
  platform: Platform;
  dir: string;
  definedAt?: SourceLocation;
  files: string[];
  processes: ProcessEstimate[];
  items: BudgetItem[];
  /** At rest, every worker having served a request: what the platform's memory graph shows between requests. */
  idleMb: number;
  /** Under the deploy's own concurrency: idle + threads, connections and each request in flight. */
  peakMb: number;
  /** The figure the verdict uses: the peak. */
  totalMb: number;
  limit?: MemoryLimit;
  over: boolean;
  anchor?: SourceLocation & { what: string };
  summary: string;
  advice?: string;
  /** Copy-on-write erosion and preload notes (gc.freeze()). */
  notes: string[];
  /** The CPU count cpu_count()/nproc-derived counts used. */
  hostCpus: number;
  /** Where that CPU count comes from. */
  cpusFrom: string;
}

export { DEFAULT_HOST_CPUS };

export function estimateDeploys(project: ProjectInfo, options: EstimateOptions = {}): DeployEstimate[] {
  return estimateWorkspace(new Workspace(project, options.overlay), options);
}

export function estimateWorkspace(ws: Workspace, options: EstimateOptions = {}): DeployEstimate[] {
  const hostCpus = options.hostCpus && options.hostCpus > 0 ? Math.floor(options.hostCpus) : DEFAULT_HOST_CPUS;
  const figures = new Figures(options.baselines);
  const apps: AppFactsMemo = { python: new Map(), node: new Map() };
  return findDeploys(ws)
    .map((deploy) => estimateDeploy(ws, deploy, hostCpus, figures, apps))
    .filter((e): e is DeployEstimate => e !== undefined);
}

/** Facts of each app directory, shared by the deploys of one estimate run. */
interface AppFactsMemo {
  python: Map<string, PythonApp>;
  node: Map<string, NodeAppFacts>;
}

interface PythonApp {
  packages: Set<string>;
  facts: PythonSourceFacts;
  codeSeen: boolean;
  /** The app's Python files (the fallback when the served modules cannot be followed). */
  files: string[];
}

/** Top-level names imported by a set of project modules. */
function importedNames(ws: Workspace, files: ReadonlySet<string>): Set<string> {
  const modules = pythonModules(ws.project, ws.files());
  const read = (f: string) => ws.read(f);
  const out = new Set<string>();
  for (const file of files) for (const name of topLevelNames(modules.factsOf(file, read)?.imports ?? [])) out.add(name);
  return out;
}

function estimateDeploy(ws: Workspace, deploy: Deploy, fallbackCpus: number, figures: Figures, apps: AppFactsMemo): DeployEstimate | undefined {
  // The CPUs the platform gives this deploy when its files say (a Fly Machine's vCPUs, a Heroku dyno's), else hostCpus.
  const hostCpus = deploy.cpus?.n ?? fallbackCpus;
  const processes: ProcessEstimate[] = [];
  const items: BudgetItem[] = [];
  const launchersCounted = new Set<string>();
  const notes: string[] = [];

  for (const proc of deploy.processes) {
    const server = serverOf(proc, { ws, deploy, hostCpus });
    if (!server) continue;
    const index = processes.length;
    let framework: WorkerBaselineKey;
    let libraries: LibraryKey[] = [];
    let python: PythonApp | undefined;
    let node: NodeAppFacts | undefined;
    let requests: ReturnType<typeof pythonRequestFacts>;
    let models: ReturnType<typeof modelLoads> = [];
    if (server.runtime === 'python') {
      const key = `${deploy.dir}\u0000${deploy.dockerfile ?? ''}`;
      python = apps.python.get(key) ?? apps.python.set(key, pythonApp(ws, deploy)).get(key)!;
      framework = pythonFramework(server, python.packages, scriptText(ws, proc.cwd, server));
      const roots = uniq([proc.cwd, deploy.dir]);
      const loaded = modulesLoadedBy(ws, server, roots);
      const reached = loaded ? importedNames(ws, loaded) : undefined;
      libraries = withoutIncluded(librariesLoaded(librariesInstalled(python.packages), reached ?? python.facts.imports, python.codeSeen))
        // A Celery worker's own figure includes Celery; a Django project's figure includes its ORM.
        .filter((l) => !(l === 'celery-client' && server.kind.startsWith('celery')) && !(l === 'sqlalchemy' && framework.startsWith('django')));
      const served = loaded ?? python.files;
      requests = pythonRequestFacts(ws, python.files);
      models = modelLoads(ws, served, server.kind === 'celery-worker' ? 'celery-pool-process' : WEB_SERVERS.has(server.kind) ? 'web-worker' : undefined);
      // Unpickling a model imports the library that pickled it (joblib.load of a scikit-learn estimator imports sklearn).
      const installed = librariesInstalled(python.packages);
      for (const m of models) {
        const lib = /pickle|joblib/.test(m.loader) ? 'scikit-learn' : /torch/.test(m.loader) ? 'torch' : /InferenceSession/.test(m.loader) ? 'onnxruntime' : undefined;
        if (lib && installed.includes(lib) && !libraries.includes(lib)) libraries = withoutIncluded([...libraries, lib]);
      }
    } else {
      node = apps.node.get(deploy.dir) ?? apps.node.set(deploy.dir, nodeAppFacts(ws, deploy.dir)).get(deploy.dir)!;
      framework = nodeFramework(server, node.dependencies);
      requests = nodeRequestFacts(ws, ws.files().filter((f) => f.startsWith(deploy.dir) && /\.(m|c)?[jt]s$/.test(f) && !/(^|\/)node_modules\//.test(f)));
    }
    const base = figures.get(framework);
    // A launcher that starts several processes (`concurrently a b`, `npm start` -> `node a & node b`) is one process.
    const launchers = proc.launchers.filter((l, i) => {
      const key = `${proc.root?.file}:${proc.root?.start}:${i}:${l}`;
      return !launchersCounted.has(key) && !!launchersCounted.add(key);
    });
    // Body limits and page sizes are what a web request holds; a task worker's or a script's work is its own.
    if (!WEB_SERVERS.has(server.kind)) requests = undefined;
    const built = processItems({ server, framework, libraries, python, node, requests, models, launchers }, figures);
    for (const item of built.items) {
      if (item.count > 0 && item.eachMb > 0) items.push({ ...item, mb: round1(item.count * item.eachMb), process: index });
    }
    for (const n of built.notes) if (!notes.includes(n)) notes.push(n);
    processes.push({
      name: proc.command.name,
      program: proc.command.program,
      server: server.kind,
      framework,
      frameworkLabel: base.label,
      at: server.at,
      via: proc.via,
      workers: server.workers,
      threads: server.threads,
      workerClass: server.workerClass,
      preload: server.preload,
      libraries,
      mb: round1(items.filter((i) => i.process === index).reduce((s, i) => s + i.mb, 0)),
      fork: built.shape,
    });
  }
  if (processes.length === 0) return undefined;

  const idleMb = round1(items.filter((i) => i.phase === 'idle').reduce((s, i) => s + i.mb, 0));
  const totalMb = round1(items.reduce((s, i) => s + i.mb, 0));
  const over = deploy.limit !== undefined && totalMb > deploy.limit.mb;
  const anchor = anchorOf(ws, deploy, processes, items);
  const estimate: DeployEstimate = {
    id: deploy.id,
    label: deploy.label,
    platform: deploy.platform,
    dir: deploy.dir,
    definedAt: deploy.definedAt,
    files: deploy.files,
    processes,
    items,
    idleMb,
    peakMb: totalMb,
    totalMb,
    limit: deploy.limit,
    over,
    anchor,
    summary: summaryOf(items, idleMb, totalMb, deploy.limit),
    notes,
    hostCpus,
    cpusFrom: deploy.cpus ? `${deploy.cpus.label} (${deploy.cpus.source})` : `the hostCpus option (${fallbackCpus}): the platform's files do not say, and a container reports the host's CPUs`,
  };
  if (over) estimate.advice = adviceOf(estimate, hostCpus);
  // Plain data only: no undefined members, so a JSON round trip gives the same object.
  return JSON.parse(JSON.stringify(estimate)) as DeployEstimate;
}

const WEB_SERVERS: ReadonlySet<ServerKind> = new Set(['gunicorn', 'uvicorn', 'hypercorn', 'daphne', 'waitress', 'django-runserver', 'flask', 'node', 'pm2', 'next']);

function uniq<T>(items: T[]): T[] {
  return [...new Set(items)];
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function pythonApp(ws: Workspace, deploy: Deploy): PythonApp {
  const extraFiles: string[] = [];
  const inline: string[] = [];
  if (deploy.dockerfile) {
    const text = ws.read(deploy.dockerfile) ?? '';
    const pip = dockerfilePipInstalls(text, dirOf(deploy.dockerfile));
    extraFiles.push(...pip.requirementFiles);
    inline.push(...pip.packages);
  }
  const packages = pythonPackages(ws, deploy.dir, extraFiles);
  for (const p of inline) packages.add(p);
  const files = ws.files().filter((f) => f.endsWith('.py') && f.startsWith(deploy.dir) && !/(^|\/)(tests?|migrations|node_modules|\.?venv)\//.test(f.slice(deploy.dir.length)));
  const codeSeen = files.some((f) => !/gunicorn/i.test(f));
  return { packages, facts: pythonSourceFacts(ws, deploy.dir), codeSeen, files: files.slice(0, 3000) };
}

/** The text of the script a `python app.py` process runs, when it is in the workspace. */
function scriptText(ws: Workspace, cwd: string, server: Server): string | undefined {
  return server.kind === 'python' && server.app ? ws.read(joinPath(cwd, server.app)) : undefined;
}

function pythonFramework(server: Server, packages: ReadonlySet<string>, script?: string): WorkerBaselineKey {
  if (server.kind === 'streamlit') return 'streamlit';
  if (server.kind === 'python') {
    // A script: its own imports say what it serves (a worker loop is a plain Python process).
    if (script === undefined || !server.app) return 'python';
    if (/^\s*(from|import)\s+fastapi\b/m.test(script)) return 'fastapi';
    if (/^\s*(from|import)\s+flask\b/m.test(script)) return 'flask';
    if (/^\s*(from|import)\s+django\b/m.test(script)) return packages.has('djangorestframework') ? 'django-drf' : 'django';
    return 'python';
  }
  const django: WorkerBaselineKey = packages.has('djangorestframework') ? 'django-drf' : 'django';
  const app = server.app ?? '';
  const hasDjango = packages.has('django');
  if (server.kind === 'django-runserver' || server.kind === 'daphne') return hasDjango || server.kind === 'django-runserver' ? django : 'python';
  if (server.kind === 'celery-worker' || server.kind === 'celery-beat') return hasDjango ? django : 'celery';
  if (hasDjango && (/\.(w|a)sgi(:|$)/.test(app) || !(packages.has('flask') || packages.has('fastapi')))) return django;
  const asgi = server.kind === 'uvicorn' || server.kind === 'hypercorn' || /uvicorn|asgi/i.test(server.workerClass ?? '');
  if (packages.has('fastapi') && (asgi || !packages.has('flask'))) return 'fastapi';
  if (packages.has('flask')) return 'flask';
  return 'python';
}

function nodeFramework(server: Server, deps: ReadonlySet<string>): WorkerBaselineKey {
  if (server.kind === 'next' || deps.has('next')) return 'nextjs';
  if (deps.has('@nestjs/core')) return 'nestjs';
  if (deps.has('fastify')) return 'fastify';
  if (deps.has('koa')) return 'koa';
  if (deps.has('express')) return 'express';
  return 'node';
}

function withoutIncluded(libs: LibraryKey[]): LibraryKey[] {
  const included = new Set(libs.flatMap((l) => LIBRARY_INCLUDES[l] ?? []));
  return libs.filter((l) => !included.has(l));
}

/** Whether a location is in a file memory-budget runs on (a deploy file, a gunicorn config, a pm2 ecosystem file). */
function analysable(ws: Workspace, loc: SourceLocation | undefined): boolean {
  return loc !== undefined && classifyDeployFile(loc.file, ws.read(loc.file)) !== undefined;
}

/** The worker count of the process that weighs most, else its start command, else the limit. */
function anchorOf(ws: Workspace, deploy: Deploy, processes: ProcessEstimate[], items: BudgetItem[]): (SourceLocation & { what: string }) | undefined {
  const weight = (i: number) => items.filter((it) => it.process === i && it.perWorker).reduce((s, it) => s + it.mb, 0);
  const order = processes.map((_, i) => i).sort((a, b) => processes[b].mb - processes[a].mb);
  const byWorkers = processes
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => p.workers.n > 1 && analysable(ws, p.workers.at))
    .sort((a, b) => weight(b.i) - weight(a.i))[0];
  if (byWorkers) return { ...byWorkers.p.workers.at!, what: 'worker count' };
  for (const i of order) if (analysable(ws, processes[i].at)) return { ...processes[i].at, what: 'start command' };
  if (analysable(ws, deploy.limit?.at)) return { ...deploy.limit!.at!, what: 'memory limit' };
  if (analysable(ws, deploy.definedAt)) return { ...deploy.definedAt!, what: 'service' };
  return undefined;
}

function mbText(mb: number): string {
  return mb >= 10 ? `${Math.round(mb)} MB` : `${mb} MB`;
}

function summaryOf(items: BudgetItem[], idleMb: number, totalMb: number, limit: MemoryLimit | undefined): string {
  const part = (i: BudgetItem) => (i.count === 1 ? `${i.label} ~${mbText(i.eachMb)}` : `${i.count} ${i.label} x ~${mbText(i.eachMb)}`);
  const idle = items.filter((i) => i.phase === 'idle').map(part);
  const peak = items.filter((i) => i.phase === 'peak').map(part);
  const comparison = limit ? ` ${totalMb > limit.mb ? '>' : '<='} ${formatMb(limit.mb)} (${limit.label})` : '';
  const idleText = `${idle.join(' + ')} = ~${formatMb(idleMb)} idle`;
  return peak.length ? `${idleText}; + ${peak.join(' + ')} = ~${formatMb(totalMb)} at peak${comparison}` : `${idleText}${comparison}`;
}

function adviceOf(e: DeployEstimate, hostCpus: number): string {
  const limit = e.limit!.mb;
  const advice: string[] = [];
  const heaviest = e.processes
    .map((p, i) => ({ p, i, perWorker: e.items.filter((it) => it.process === i && it.perWorker).reduce((s, it) => s + it.mb, 0) }))
    .filter((x) => x.p.workers.n > 1)
    .sort((a, b) => b.perWorker - a.perWorker)[0];
  if (heaviest) {
    const each = heaviest.perWorker / heaviest.p.workers.n;
    const fixed = e.totalMb - heaviest.perWorker;
    const fit = Math.floor((limit - fixed) / each);
    const unit = heaviest.p.server === 'celery-worker' ? 'pool process' : heaviest.p.server === 'pm2' ? 'instance' : 'worker';
    if (fit >= 1 && fit < heaviest.p.workers.n) advice.push(`use at most ${fit} ${unit}${fit === 1 ? '' : unit.endsWith('s') ? 'es' : 's'}`);
    if (heaviest.p.workers.cpuDerived) advice.push(`set the count explicitly (the container reports the host's ${hostCpus} CPUs, not the plan's share; option hostCpus)`);
  }
  advice.push(`${advice.length ? 'or ' : ''}move to an instance with at least ${formatMb(Math.ceil(e.totalMb / 256) * 256)}`);
  return advice.join(', ');
}
