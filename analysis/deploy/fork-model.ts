/**
 * The fork structure of one server process, for the budget: a parent's resident set, what its children share with
 * it, each child's private part, and what only counts at peak.
 *
 * - gunicorn without --preload: the master (arbiter) does not import the app; each worker imports it after fork,
 *   so the app is private to every worker.
 * - gunicorn with --preload / preload_app: the master imports the app once; workers share those pages copy-on-write
 *   and hold privately only what they write to (CPython's reference counts and the cyclic GC write to the objects
 *   they touch, so shared pages erode into private ones as requests run) plus what they build after fork.
 * - Celery prefork: the main process imports the app and the task modules; pool children are forked from it and
 *   share its pages the same way. threads / solo / gevent pools are one process.
 * - uvicorn --workers, hypercorn -w: the supervisor spawns fresh interpreters (multiprocessing spawn): nothing of
 *   the app is shared. pm2 cluster mode and Node's cluster module fork separate Node processes: V8 heaps are not
 *   shared.
 *
 * Idle items are what the platform shows at rest once every worker served a request; peak items (threads, DB
 * connections, each concurrent request's working set, the request sizes the app allows) count only under load.
 */
import type { NodeAppFacts, PythonSourceFacts, RequestFacts } from './app-facts';
import { PYTHON_HEAP_LIBRARIES, type FigureKey, type Figures, type LibraryKey, type WorkerBaselineKey } from './baselines';
import type { SourceLocation } from './deploy-files';
import type { Server, ServerKind } from './servers';

export type Phase = 'idle' | 'peak';
/** parent: held once by the process that forks; child: per worker / pool process; process: a process on its own. */
export type ForkRole = 'parent' | 'child' | 'process';

export interface ItemSpec {
  label: string;
  count: number;
  eachMb: number;
  key: FigureKey;
  source: string;
  at?: SourceLocation;
  /** Grows with the worker count of its process. */
  perWorker: boolean;
  phase: Phase;
  role: ForkRole;
}

/** How a process's workers relate to its parent, for the detail shown with the budget. */
export interface ForkShape {
  /** preload: the app is imported before fork and shared; fork: workers import it after fork; spawn: separate
   *  interpreters / Node processes; single: one process. */
  model: 'preload' | 'fork' | 'spawn' | 'single';
  parentMb: number;
  childMb: number;
  children: number;
  /** What the children share with the parent, in words. */
  shared: string;
}

/** A model file loaded at import, or in a start hook each worker runs after fork: its size and where it is loaded. */
export interface ModelLoad {
  file: string;
  mb: number;
  loader: string;
  at: SourceLocation;
  /** The per-process start hook that loads it (after fork, so never shared with the parent). */
  hook?: string;
}

export interface ProcessInput {
  server: Server;
  framework: WorkerBaselineKey;
  libraries: LibraryKey[];
  python?: { facts: PythonSourceFacts };
  node?: NodeAppFacts;
  requests?: RequestFacts;
  models?: ModelLoad[];
  launchers: readonly string[];
}

export const SERVER_LABEL: Record<ServerKind, string> = {
  gunicorn: 'gunicorn workers',
  uvicorn: 'uvicorn workers',
  hypercorn: 'hypercorn workers',
  daphne: 'daphne server',
  'celery-worker': 'celery pool processes',
  'celery-beat': 'celery beat',
  streamlit: 'Streamlit server',
  'django-runserver': 'Django runserver',
  flask: 'flask run server',
  waitress: 'waitress server',
  python: 'Python process',
  node: 'node process',
  pm2: 'pm2 instances',
  next: 'next start server',
};

const MULTI_PROCESS_KINDS: ReadonlySet<ServerKind> = new Set(['gunicorn', 'uvicorn', 'hypercorn', 'celery-worker', 'pm2']);
/** Servers that start worker processes (a node script that forks with the cluster module counts too). */
const isMultiProcess = (server: Server) => MULTI_PROCESS_KINDS.has(server.kind) || (server.kind === 'node' && server.workerClass === 'cluster');
/** Python servers that run the app in the one process they start (uvicorn/hypercorn with one worker). */
const SINGLE_PROCESS_SERVERS: ReadonlySet<ServerKind> = new Set(['uvicorn', 'hypercorn', 'daphne', 'waitress']);

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** The worker class's extra figure per worker, if any. */
function workerClassKey(server: Server): FigureKey | undefined {
  const wc = server.workerClass ?? '';
  if (/gevent|eventlet/i.test(wc)) return 'gevent';
  if (server.kind === 'gunicorn' && /uvicorn/i.test(wc)) return 'uvicorn-worker';
  return undefined;
}

/** Whether the framework figure already includes an ASGI server (FastAPI's was measured under UvicornWorker). */
function frameworkIncludesAsgi(framework: WorkerBaselineKey): boolean {
  return framework === 'fastapi';
}

/** The breakdown lines of one process and the shape of its fork tree. */
export function processItems(input: ProcessInput, figures: Figures): { items: ItemSpec[]; shape: ForkShape; notes: string[] } {
  const { server, framework, libraries, python, node, launchers } = input;
  const out: ItemSpec[] = [];
  const notes: string[] = [];
  const item = (key: FigureKey, label: string, count: number, extra: Partial<ItemSpec> = {}) => {
    const f = figures.get(key);
    out.push({ label, count, eachMb: f.mb, key, source: f.source, perWorker: false, phase: 'idle', role: 'process', ...extra });
  };
  const base = figures.get(framework);
  const n = server.workers.n;
  const multi = isMultiProcess(server);
  const gunicornPreload = server.kind === 'gunicorn' && server.preload;
  const celeryPrefork = server.kind === 'celery-worker' && server.preload;
  const forks = gunicornPreload || celeryPrefork;
  const childRole: ForkRole = multi ? 'child' : 'process';
  const workerClass = server.workerClass && server.kind === 'gunicorn' ? `, ${server.workerClass}` : '';
  const privatePct = figures.get('preload-private').mb;
  const cow = (mb: number) => round1((mb * privatePct) / 100);

  // The app in each worker: whole without preload, its private part with preload (the rest is in the parent).
  if (celeryPrefork) {
    const child = figures.get('celery-child');
    const appPart = framework === 'celery' ? 0 : cow(base.mb);
    out.push({
      label: `${SERVER_LABEL[server.kind]} (forked from the main process${appPart ? `, ${base.label} pages they write to` : ''})`,
      count: n,
      eachMb: round1(child.mb + appPart),
      key: 'celery-child',
      source: appPart ? `${child.source}; plus ${privatePct}% of the ${base.label} figure (preload-private)` : child.source,
      at: server.workers.at,
      perWorker: true,
      phase: 'idle',
      role: 'child',
    });
  } else if (gunicornPreload) {
    item(framework, `${SERVER_LABEL[server.kind]} (${base.label}${workerClass}; private part of the preloaded app)`, n, {
      eachMb: cow(base.mb),
      source: `${privatePct}% of the ${base.label} figure (preload-private: ${figures.get('preload-private').source}); ${base.label}: ${base.source}`,
      at: server.workers.at,
      perWorker: true,
      role: 'child',
    });
  } else {
    item(framework, `${SERVER_LABEL[server.kind]} (${base.label}${workerClass})`, n, { at: server.workers.at, perWorker: multi, role: childRole });
  }

  // Supervisor / parent processes.
  if (server.kind === 'gunicorn') {
    item('gunicorn-master', figures.get('gunicorn-master').label, 1, { role: 'parent' });
    if (gunicornPreload) item(framework, `${base.label} app imported once in the master (shared by the workers)`, 1, { eachMb: round1(base.mb - cow(base.mb)), role: 'parent' });
  } else if ((server.kind === 'uvicorn' || server.kind === 'hypercorn') && n > 1) {
    item('uvicorn-supervisor', figures.get('uvicorn-supervisor').label, 1, { role: 'parent' });
  } else if (SINGLE_PROCESS_SERVERS.has(server.kind) && framework !== 'python') {
    // One process: no master holds the interpreter for it; the framework figures are per-worker (what a worker adds).
    item('python-interpreter', figures.get('python-interpreter').label, 1);
  } else if (celeryPrefork) {
    item('celery', `celery main process (${figures.get('celery').label})`, 1, { role: 'parent' });
    if (framework !== 'celery') item(framework, `${base.label} app imported in the main process (shared by the pool)`, 1, { role: 'parent' });
  } else if (server.kind === 'celery-worker') {
    // threads / solo / gevent pools: one process with the app, running the tasks itself.
    out.shift();
    item('celery', `celery worker (${server.workerClass ?? 'prefork'} pool, one process)`, 1);
    item('celery-inline', figures.get('celery-inline').label, 1);
    if (framework !== 'celery') item(framework, `${base.label} app`, 1);
  } else if ((server.kind === 'pm2' || multi) && server.runtime === 'node' && n > 1) {
    // Separate Node processes: each has its own heap; the node binary's pages are shared by all of them.
    const shared = figures.get('node-shared');
    out[0] = { ...out[0], label: `${out[0].label}, less the node binary they share`, eachMb: round1(Math.max(base.mb - shared.mb, 1)) };
    item('node-shared', shared.label, 1, { role: 'parent' });
  }
  if (server.kind === 'pm2') item('pm2-daemon', figures.get('pm2-daemon').label, 1, { role: 'parent' });
  else if (server.kind === 'node' && multi) item('node-primary', figures.get('node-primary').label, 1, { role: 'parent' });

  // `npm start` and the like: the package manager and its shell wait as the server's parents.
  for (const launcher of launchers) {
    if (launcher === 'concurrently') item('node', 'concurrently (a Node process)', 1);
    else if (launcher === 'pm2' || launcher === 'pm2-runtime') item('pm2-daemon', figures.get('pm2-daemon').label, 1, { role: 'parent' });
    else item('npm-launcher', `${launcher} and its shell`, 1);
  }

  // Worker class extras (an ASGI worker's event loop and server, gevent's hub): per worker, idle.
  const wc = workerClassKey(server);
  if (wc && !(wc === 'uvicorn-worker' && frameworkIncludesAsgi(framework))) item(wc, `${figures.get(wc).label} per worker`, n, { perWorker: true, role: childRole });

  // Heavy libraries: once in the parent when imported before fork, else in every worker. A library that is mostly
  // Python objects erodes after fork like the app: each worker keeps the preload-private share of it.
  for (const lib of libraries) {
    const { label, mb } = figures.get(lib);
    if (forks && PYTHON_HEAP_LIBRARIES.has(lib)) {
      const own = cow(mb);
      item(lib, `${label}, loaded once before fork (shared part)`, 1, { eachMb: round1(mb - own), role: 'parent' });
      item(lib, `${multi ? 'workers' : 'processes'}' own pages of ${label} (objects they use, state built on first use)`, n, {
        eachMb: own,
        source: `${privatePct}% of the ${label} figure (preload-private: ${figures.get('preload-private').source}); ${label}: ${figures.get(lib).source}`,
        perWorker: true,
        role: childRole,
      });
    } else if (forks) item(lib, `${label}, loaded once before fork`, 1, { role: 'parent' });
    else item(lib, n === 1 ? label : `${multi ? 'workers' : 'processes'} importing ${label}`, n, { perWorker: true, role: childRole });
  }

  // Model files loaded at import: their size times the loader's overhead, once before fork with preload.
  const overhead = figures.get('model-overhead');
  for (const m of input.models ?? []) {
    const each = round1((m.mb * overhead.mb) / 100);
    const label = `model ${m.file} (${m.loader}, ${round1(m.mb)} MB file)`;
    const source = `the file's size x ${overhead.mb}% (model-overhead: ${overhead.source})`;
    if (forks && !m.hook) out.push({ label: `${label}, loaded once before fork`, count: 1, eachMb: each, key: 'model-overhead', source, at: m.at, perWorker: false, phase: 'idle', role: 'parent' });
    else out.push({ label: m.hook ? `${label}, loaded in ${m.hook} of each ${server.kind === 'celery-worker' ? 'pool process' : 'worker'}` : label, count: n, eachMb: each, key: 'model-overhead', source, at: m.at, perWorker: multi, phase: 'idle', role: childRole });
  }

  // Bounded caches fill as requests run: per worker process, idle (they stay full).
  const caches = python?.facts ?? node;
  if (caches && caches.cacheEntries > 0) {
    const entryKb = figures.get('cache-entry').mb;
    item('cache-entry', `bounded caches (${caches.cacheCount}, ${caches.cacheEntries} entries x ${entryKb} KB)`, n, {
      eachMb: round1((caches.cacheEntries * entryKb) / 1024),
      perWorker: true,
      role: childRole,
    });
  }

  // Peak: threads, DB connections and each concurrent request's working set.
  const threads = server.threads.n;
  if (threads > 1) item('thread', `threads at peak (${n} x ${threads})`, n * threads, { at: server.threads.at, perWorker: true, phase: 'peak', role: childRole });
  const connections = python
    ? python.facts.sqlalchemyPool ?? (framework.startsWith('django') && python.facts.djangoDatabases ? threads : 0)
    : node?.pool ?? 0;
  item('db-connection', python ? 'DB connections at peak' : 'DB pool connections at peak', n * connections, { perWorker: true, phase: 'peak', role: childRole });
  // A busy Node process grows V8's young generation from a few MB to its maximum: per process, at peak.
  if (server.runtime === 'node') {
    item('v8-young-generation', n === 1 ? 'V8 young generation grown under load' : `V8 young generation grown under load (${n} processes)`, n, { perWorker: true, phase: 'peak', role: childRole });
  }
  const concurrent = n * threads;
  const request = figures.get('request');
  const raised = input.requests?.perRequestMb ?? 0;
  if (raised > request.mb && input.requests) {
    out.push({
      label: `requests in flight at peak (${concurrent}), each up to ${input.requests.why}`,
      count: concurrent,
      eachMb: round1(raised),
      key: 'request',
      source: input.requests.source,
      at: input.requests.at,
      perWorker: true,
      phase: 'peak',
      role: childRole,
    });
  } else if (server.kind !== 'celery-beat') {
    const what = server.kind === 'celery-worker' ? 'tasks' : 'requests';
    item('request', `${what} in flight at peak (${concurrent}), working set each`, concurrent, { perWorker: true, phase: 'peak', role: childRole });
  }

  // Copy-on-write erosion: what the docs of the runtime say, and what to do.
  if (server.runtime === 'python' && forks) {
    notes.push(
      `${server.kind === 'gunicorn' ? 'gunicorn --preload' : 'Celery prefork'}: the workers share the parent's pages copy-on-write, but CPython writes ` +
        'reference counts and GC headers into every object it touches, so shared pages become private over time ' +
        '(the estimate counts the part measured after requests). Calling gc.freeze() once the app is loaded, before ' +
        'fork, moves the loaded objects out of the collector\'s reach and keeps more pages shared: ' +
        'https://docs.python.org/3/library/gc.html#gc.freeze',
    );
  } else if (server.runtime === 'python' && server.kind === 'gunicorn' && n > 1 && !server.preload) {
    notes.push('Each gunicorn worker imports the app after fork, so the app is in memory once per worker; --preload (preload_app = True) imports it once in the master and the workers share it.');
  }

  const sum = (role: ForkRole) => out.filter((i) => i.phase === 'idle' && i.role === role).reduce((s, i) => s + i.count * i.eachMb, 0);
  const children = multi ? n : 0;
  const shape: ForkShape = {
    model: forks ? 'preload' : !multi || n <= 1 ? 'single' : server.kind === 'gunicorn' || server.kind === 'celery-worker' ? 'fork' : 'spawn',
    parentMb: round1(sum('parent') + sum('process')),
    childMb: children ? round1(sum('child') / children) : 0,
    children,
    shared: forks
      ? 'the app and its libraries, imported before fork (copy-on-write)'
      : server.kind === 'gunicorn' || server.kind === 'celery-worker'
        ? 'the interpreter and the server, not the app (imported after fork)'
        : multi
          ? 'nothing of the app (separate interpreters / Node processes)'
          : 'one process',
  };
  return { items: out, shape, notes };
}
