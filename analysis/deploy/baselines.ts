/**
 * The figures memory-budget multiplies: resident memory (RSS, MB) of one worker process per framework, of the
 * supervisor processes servers add, of heavy libraries per process that imports them, and per-unit costs
 * (threads, DB connections, cache entries). Every figure says where it comes from.
 *
 * Three kinds of source, from weakest to strongest:
 * - "estimate": reasoned from public reports and the measurements below; replace when measured.
 * - "measured here": Python 3.11.7 / Node 20.20 on Linux x86-64, RSS read from /proc/self/status (VmRSS) right
 *   after the import or server start, no requests served (steady state after warm-up is higher).
 * - MEASURED (at the end): figures measured by running the example workspace's real servers (`npm run
 *   validate-budget`, recorded in docs/PERFORMANCE.md). A MEASURED entry replaces the default of the same key.
 *
 * Users override any figure with the memory-budget option `baselines`, e.g. `baselines = ["django-drf=180",
 * "torch=450", "thread=4"]` in memlint.toml; an override wins over everything.
 */

const MEASURED_HERE =
  'measured here (scripts/measure-baselines.mjs, 2026-12-06; Debian 12, Python 3.11.2, gunicorn 20.1.0): what one more worker adds to the group\'s distinct memory, (distinct at 3 workers - at 1) / 2, after every worker served requests';

/** How the import figures of heavy libraries were taken (`import X` in a fresh interpreter, VmRSS before and after). */
const IMPORT_MEASURED =
  'measured here (scripts/measure-library-imports.mjs, 2026-12-06; Debian 12 packages, /usr/bin/python3 3.11.2, numpy 1.24.2; three runs each, within 0.5 MB): VmRSS of a fresh interpreter before and after the import';

export interface Figure {
  /** Megabytes (for `cache-entry` the unit is KB per entry). */
  mb: number;
  label: string;
  source: string;
}

/** Per-worker baselines: one warmed-up worker process of a typical small app on this stack. */
export const WORKER_BASELINES = {
  'django-drf': {
    mb: 120,
    label: 'Django + DRF',
    source:
      'estimate: a Python 3.11 interpreter is 13.5 MB (measured here); Django, DRF, the app registry, URLconf, ' +
      'serializers and a DB driver add ~100 MB per worker once warm (Heroku\'s Python buildpack budgets 256 MB ' +
      'per process: heroku-buildpack-python vendor/WEB_CONCURRENCY.sh; opentech.fund#659 reports ~350 MB for ' +
      'two Wagtail/Django workers); replace with the measurement in docs/PERFORMANCE.md',
  },
  django: {
    mb: 30.9,
    label: 'Django',
    source: `${MEASURED_HERE}: a Django 3.2 project with the admin, auth, sessions and messages apps under gunicorn sync workers: 30.9 MB (gthread with 4 threads: 31.1 MB)`,
  },
  flask: {
    mb: 15.3,
    label: 'Flask',
    source: `${MEASURED_HERE}: a Flask 2.2 app under gunicorn sync workers: 15.3 MB (gthread with 4 threads: 15.8 MB); SQLAlchemy is counted as a library when the served code imports it`,
  },
  fastapi: {
    mb: 20.7,
    label: 'FastAPI',
    source: `${MEASURED_HERE}: a FastAPI 0.92 / pydantic 1.10 app under gunicorn UvicornWorker (uvicorn 0.17.6 included): 20.7 MB; pydantic v2's compiled core adds a few MB`,
  },
  streamlit: {
    mb: 150,
    label: 'Streamlit',
    source:
      'estimate: the Streamlit server imports tornado, pandas, numpy and pyarrow at start (numpy alone is +14 MB, ' +
      'measured here); Streamlit Community Cloud gives an app 1 GB (streamlit/streamlit#3384)',
  },
  celery: {
    mb: 37.6,
    label: 'Celery worker',
    source: `${MEASURED_HERE.replace('what one more worker adds', 'the main process: distinct memory at --concurrency 1 less one pool child')}: Celery 5.2.6 with a Redis broker and one task module, 37.6 MB; a Django project's worker adds the Django figure`,
  },
  python: {
    mb: 40,
    label: 'Python app',
    source: 'estimate: interpreter 13.5 MB (measured here) + a server and a small app of unknown framework',
  },
  express: {
    mb: 60,
    label: 'Express',
    source: 'measured here: Node 20 with an http server listening is 42 MB RSS; +~20 MB estimate for Express, middleware and app modules',
  },
  fastify: {
    mb: 60,
    label: 'Fastify',
    source: 'measured here: Node 20 with an http server listening is 42 MB RSS; +~20 MB estimate for Fastify and app modules',
  },
  koa: {
    mb: 55,
    label: 'Koa',
    source: 'measured here: Node 20 with an http server listening is 42 MB RSS; +~15 MB estimate for Koa and app modules',
  },
  nestjs: {
    mb: 100,
    label: 'NestJS',
    source: 'estimate: Node 20 http server 42 MB (measured here) + Nest core, reflect-metadata, an ORM client and the module graph',
  },
  nextjs: {
    mb: 180,
    label: 'Next.js server',
    source: 'estimate: `next start` loads the Next server, React and the compiled pages/route handlers on top of Node (42 MB measured here)',
  },
  node: {
    mb: 50,
    label: 'Node app',
    source: 'measured here: a bare Node 20 process is 39 MB RSS, 42 MB with an http server; +~8 MB estimate for app modules',
  },
} satisfies Record<string, Figure>;

export type WorkerBaselineKey = keyof typeof WORKER_BASELINES;

/** Processes a server adds besides its workers. */
export const SUPERVISORS = {
  'gunicorn-master': {
    mb: 25,
    label: 'gunicorn master',
    source: 'estimate: interpreter 13.5 MB (measured here) + gunicorn\'s arbiter; without --preload it does not import the app',
  },
  'uvicorn-supervisor': {
    mb: 25,
    label: 'uvicorn supervisor',
    source: 'estimate: interpreter 13.5 MB (measured here) + uvicorn; with --workers the parent process spawns workers and does not import the app',
  },
  'python-interpreter': {
    mb: 12.5,
    label: 'Python interpreter and server (a process of its own)',
    source: `${MEASURED_HERE.replace('what one more worker adds', 'a single process')}: FastAPI under plain \`uvicorn app:app\` is 33.2 MB, 12.5 MB over what a gunicorn UvicornWorker adds (20.7 MB; there the interpreter's pages are shared with the master)`,
  },
  'celery-child': {
    mb: 18.5,
    label: 'celery pool process',
    source: `${MEASURED_HERE.replace('what one more worker adds', 'what one more prefork pool process adds')}: Celery 5.2.6, --pool prefork, after running tasks: 18.5 MB (forked from the main process, sharing its imports)`,
  },
  'celery-inline': {
    mb: 7.6,
    label: 'tasks run in the main process',
    source: `${MEASURED_HERE.replace('what one more worker adds', 'one process')}: Celery 5.2.6 with --pool solo or --pool threads is 45.2-45.5 MB after running tasks, 7.6 MB over the prefork main process (37.6 MB) that runs none`,
  },
  'node-shared': {
    mb: 33.2,
    label: 'node binary pages shared by the deploy\'s Node processes',
    source: `${MEASURED_HERE.replace('what one more worker adds', 'Node\'s cluster module')}: a bare http server with its cluster primary is 50.0 MB at 1 worker and 66.7 MB at 3 (8.4 MB per worker): of a Node process's ~41.6 MB, ~33 MB (the binary and its libraries) is shared by every Node process of the deploy`,
  },
  'node-primary': {
    mb: 8.4,
    label: 'cluster primary process (beside the shared node binary)',
    source: `${MEASURED_HERE.replace('what one more worker adds', 'Node\'s cluster module')}: a bare http server's primary holds no app; like a worker it adds ~8.4 MB beside the node binary's pages all Node processes share`,
  },
  'npm-launcher': {
    mb: 15,
    label: 'npm and its shell',
    source: 'estimate: npm is a Node process (39 MB bare, measured here) that shares node\'s binary and libraries with the app it starts',
  },
  'pm2-daemon': {
    mb: 50,
    label: 'pm2 daemon',
    source: 'estimate: pm2\'s God daemon is a Node process (39 MB bare, measured here) with pm2\'s modules',
  },
} satisfies Record<string, Figure>;

export type SupervisorKey = keyof typeof SUPERVISORS;

/** What a worker class adds to each worker on top of the framework baseline (threads are counted separately). */
export const WORKER_CLASSES = {
  gevent: {
    mb: 7.9,
    label: 'gevent hub',
    source: `${MEASURED_HERE}: a Flask app under -k gevent (gevent 22.10.2) 23.2 MB per worker, under sync 15.3 MB: gevent, greenlet and the monkey-patched standard library`,
  },
  'uvicorn-worker': {
    mb: 2.8,
    label: 'uvicorn event loop and server',
    source: `${MEASURED_HERE}: a Django project under -k uvicorn.workers.UvicornWorker (uvicorn 0.17.6) 33.7 MB per worker, under sync 30.9 MB`,
  },
} satisfies Record<string, Figure>;

export type WorkerClassKey = keyof typeof WORKER_CLASSES;

/** Heavy libraries: resident memory each process that imports them adds. */
export const LIBRARIES = {
  torch: {
    mb: 300,
    label: 'PyTorch',
    source:
      'pytorch/pytorch#63555: `import torch` uses ~165 MB (CPU/cu102 wheel) to ~976 MB (CUDA 11 wheel, the default ' +
      'Linux wheel bundles CUDA); 300 MB is a low figure for torch 2.x before any model is loaded',
  },
  'face-recognition': {
    mb: 150,
    label: 'face_recognition models',
    source:
      'face_recognition loads dlib\'s models at import (ageitgey/face_recognition#899): the 68-point shape predictor ' +
      '(99.7 MB file), the ResNet face encoder (22.5 MB), the 5-point predictor (9.2 MB) and the CNN detector, plus dlib itself',
  },
  dlib: {
    mb: 30,
    label: 'dlib',
    source: 'estimate: the dlib extension module alone; models the app loads come on top (use face-recognition when it loads them at import)',
  },
  onnxruntime: {
    mb: 50,
    label: 'onnxruntime',
    source: 'estimate: the CPU runtime library and its session arenas before a model; the model\'s weights come on top (microsoft/onnxruntime#13662 shows ~940 MB with a CUDA provider)',
  },
  pandas: {
    mb: 60,
    label: 'pandas',
    source: 'estimate: pandas and its numpy, dateutil and pytz imports (numpy alone is +14 MB, measured here)',
  },
  numpy: {
    mb: 15,
    label: 'numpy',
    source: 'measured here: `import numpy` (2.4) takes RSS from 13.5 MB to 27.5 MB',
  },
  scipy: {
    mb: 85,
    label: 'SciPy',
    source: 'measured here: `import numpy, scipy.stats` (SciPy 1.17) takes RSS from 13.5 MB to 100.8 MB',
  },
  'scikit-learn': {
    mb: 66,
    label: 'scikit-learn',
    source:
      'measured by npm run validate-budget on examples/model-api (scikit-learn 1.2.1, Debian 12): 3 gunicorn workers without --preload that ' +
      'unpickle a RandomForest hold 320.7 MB distinct, 97 MB per worker of which Flask is 15.3 and the model 15.7; its shared objects\' code ' +
      'pages are shared between workers, so one more importing process adds less than the ~80 MB a first import takes',
  },
  sqlalchemy: {
    mb: 20.1,
    label: 'SQLAlchemy',
    source: `${MEASURED_HERE}: a Flask app with a SQLAlchemy 1.4 engine and one model, 35.4 MB per worker, without 15.3 MB`,
  },
  'celery-client': {
    mb: 6.9,
    label: 'Celery (task client)',
    source: `${MEASURED_HERE}: a Flask app that imports its Celery tasks module (Celery 5.2.6, Redis broker) 22.2 MB per worker, without 15.3 MB`,
  },
  opencv: {
    mb: 50,
    label: 'OpenCV',
    source: 'estimate: the cv2 extension module and the OpenCV libraries it maps (~40-60 MB resident)',
  },
  tensorflow: {
    mb: 300,
    label: 'TensorFlow',
    source:
      'Cornerstone-OnDemand/modelkit#199: importing tensorflow only when its model is used took a process\'s max RSS ' +
      'from 455 MB to 158 MB; 300 MB is the import alone, before any model',
  },
  gensim: {
    mb: 109,
    label: 'gensim',
    source:
      `${IMPORT_MEASURED}: \`import gensim\` (gensim 4.2.0, Debian python3-gensim) takes VmRSS from 8.9 MB to 117.8 MB, numpy ` +
      '(+23.1 MB here) and the SciPy modules it imports included; word vectors or a model the app loads come on top',
  },
  faiss: {
    mb: 48,
    label: 'FAISS',
    source:
      `${IMPORT_MEASURED}: \`import faiss\` (faiss 1.7.3 CPU, Debian python3-faiss) takes VmRSS from 8.9 MB to 56.5 MB, numpy ` +
      '(+23.1 MB here) included; the index the app loads or builds comes on top (a flat float32 index is 4 bytes x dimensions x vectors)',
  },
  spacy: {
    mb: 250,
    label: 'spaCy pipeline',
    source:
      'estimate (Debian 12 has no python3-spacy, so not measured here): spaCy, thinc and a small or medium pipeline loaded ' +
      'at import; explosion/spaCy#13190 reports ~500 MB for a process with en_core_web_md loaded, and thinc imports torch ' +
      'when it is installed (then add torch); a large model (en_core_web_lg, vectors) is several hundred MB more',
  },
} satisfies Record<string, Figure>;

export type LibraryKey = keyof typeof LIBRARIES;

/** A library whose figure already includes others (pandas includes numpy). */
export const LIBRARY_INCLUDES: Partial<Record<LibraryKey, LibraryKey[]>> = {
  pandas: ['numpy'],
  scipy: ['numpy'],
  'scikit-learn': ['scipy', 'numpy'],
  'face-recognition': ['dlib', 'numpy'],
  torch: ['numpy'],
  tensorflow: ['numpy'],
  gensim: ['scipy', 'numpy'],
  faiss: ['numpy'],
  spacy: ['numpy'],
};

/**
 * Libraries whose import is mostly Python objects (classes, functions, dicts), not native code: imported before fork
 * they erode like the app (the preload-private share becomes each worker's), because a worker that uses them writes
 * reference counts into those objects and builds their lazy state (SQLAlchemy configures mappers, initialises the
 * dialect and caches statements on the first query). Measured here (scripts/measure-baselines.mjs): a Flask app
 * with SQLAlchemy that queries, under --preload, adds 12.8 MB per worker against Flask alone's 5.0: 7.8 of
 * SQLAlchemy's 20.1 MB (39%). The native libraries (numpy, SciPy, scikit-learn, torch, ...) stay shared: their
 * pages are shared objects' code and array buffers reference counts do not touch (examples/model-api with --preload,
 * scikit-learn and a model imported before fork: each worker's own pages 5.6 MB, Flask alone's 5.0).
 */
export const PYTHON_HEAP_LIBRARIES: ReadonlySet<LibraryKey> = new Set<LibraryKey>(['sqlalchemy', 'celery-client']);

/** Costs per unit. */
export const UNIT_COSTS = {
  thread: {
    mb: 0.2,
    label: 'thread',
    source:
      'measured here, charged at peak only: a gthread worker with 4 threads adds 0.5 MB over a sync worker (Flask 15.8 vs 15.3 MB), ' +
      '0.12 MB a thread; a busy thread touches a little more of its stack and a malloc arena (capped with MALLOC_ARENA_MAX)',
  },
  request: {
    mb: 0.5,
    label: 'MB per request in flight',
    source:
      'measured by npm run validate-budget\'s bursts (docs/PERFORMANCE.md): 15 light requests at once raised a preloaded Django app\'s tree by 3.2 MB, ' +
      '4 at once a Django ASGI app\'s by 1.8 MB: 0.2-0.5 MB each; the app\'s body limit or page size replaces it when larger',
  },
  'v8-young-generation': {
    mb: 48,
    label: 'V8 young generation grown under load',
    source:
      'V8\'s default on 64-bit: semi-spaces grow from 1 MB to --max-semi-space-size (16 MB) under allocation pressure, and the ' +
      'young generation is three of them (https://v8.dev/blog/orinoco-parallel-scavenger); measured here by npm run ' +
      'validate-budget on an idle machine: a burst of requests took express-hello-world from 54.4 to 102.7 MB (+48.3), ' +
      'and it stays grown until the heap shrinks',
  },
  'preload-private': {
    mb: 30,
    label: '% of the app private per worker after preload',
    source:
      `${MEASURED_HERE.replace('what one more worker adds', 'what one more worker adds with --preload')}: Django 7.5 of 30.9 MB (24%), Flask 5.0 of 15.3 MB (33%), ` +
      'SQLAlchemy with a query per request 7.8 of 20.1 MB (39%, applied to the Python-heavy libraries imported before fork); ' +
      'the rest stays shared with the master copy-on-write (CPython\'s reference counts dirty the pages of objects a worker touches)',
  },
  'model-overhead': {
    mb: 210,
    label: '% of a model file\'s size resident once loaded',
    source:
      'measured here: joblib.load of a 7.5 MB scikit-learn 1.2 RandomForest pickle took RSS up 16.0 MB (213%): the trees\' arrays plus ' +
      'the Python objects around them; torch.load and onnxruntime.InferenceSession hold at least the weights (the file size) too',
  },
  'db-connection': {
    mb: 0.5,
    label: 'DB connection',
    source: 'estimate, charged at peak only: client side of one open connection with small result sets (libpq/driver buffers, TLS state, the ORM\'s statement cache); Django opens them lazily, on a request\'s first query',
  },
  'cache-entry': {
    mb: 10,
    label: 'KB per cache entry',
    source: 'estimate: 10 KB per entry of a bounded in-process cache whose entry size is unknown (a rendered fragment, a serialized object)',
  },
} satisfies Record<string, Figure>;

export type UnitKey = keyof typeof UNIT_COSTS;

export type FigureKey = WorkerBaselineKey | SupervisorKey | WorkerClassKey | LibraryKey | UnitKey;

/**
 * Figures measured by running the example workspace's servers (`npm run validate-budget`, recorded in
 * docs/PERFORMANCE.md): each replaces the default of its key. Distinct memory (physical pages counted once) of
 * the process group at idle after every worker loaded the app and served a light request.
 */
const VALIDATED = 'measured: docs/PERFORMANCE.md (npm run validate-budget: Debian 12, Python 3.11, Django 3.2 + DRF 3.14, gunicorn 20.1; Node 20 + Express 4)';
export const MEASURED: Partial<Record<FigureKey, Figure>> = {
  'django-drf': {
    mb: 47.4,
    label: 'Django + DRF',
    source: `${VALIDATED}: what one more gunicorn sync worker of the example DRF app adds once it served a request (29 MB right after start); bigger apps import more`,
  },
  'gunicorn-master': {
    mb: 28.9,
    label: 'gunicorn master',
    source: `${VALIDATED}: the gunicorn arbiter without --preload (RSS)`,
  },
  express: {
    mb: 56,
    label: 'Express',
    source: `${VALIDATED}: node running the example Express app after a request (RSS)`,
  },
  'npm-launcher': {
    mb: 15.2,
    label: 'npm and its shell',
    source: `${VALIDATED}: what \`npm start\` (npm 11 and sh) adds to the process group's distinct memory beside the node app`,
  },
};

const ALL: Record<FigureKey, Figure> = { ...WORKER_BASELINES, ...SUPERVISORS, ...WORKER_CLASSES, ...LIBRARIES, ...UNIT_COSTS };

export function isFigureKey(key: string): key is FigureKey {
  return Object.prototype.hasOwnProperty.call(ALL, key);
}

/** Figures with configuration overrides applied: `figures.get('torch')`. */
export class Figures {
  private readonly overrides = new Map<FigureKey, number>();

  /** `entries` are `key=MB` strings from the `baselines` option; malformed or unknown ones are ignored. */
  constructor(entries: readonly string[] = []) {
    for (const entry of entries) {
      const m = /^\s*([\w-]+)\s*[=:]\s*(\d+(?:\.\d+)?)\s*(?:mb)?\s*$/i.exec(entry);
      if (m && isFigureKey(m[1])) this.overrides.set(m[1], Number(m[2]));
    }
  }

  get(key: FigureKey): Figure {
    const base = MEASURED[key] ?? ALL[key];
    const override = this.overrides.get(key);
    return override === undefined ? base : { ...base, mb: override, source: `configuration (memory-budget option baselines: ${key}=${override})` };
  }
}
