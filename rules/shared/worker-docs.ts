/**
 * Documentation of cpu-derived-workers and missing-worker-recycling, one object per implementation (Python
 * config, deploy files, Node), sharing the summary and the explanation of the cost.
 */
import type { RuleDocs } from '../api';

// ---------------------------------------------------------------------------------------------------------------
// cpu-derived-workers

const CPU_SUMMARY = 'Worker counts derived from the CPU count, or set high, which multiply the app\'s memory on a small instance.';

const CPU_WHY =
  'Every worker process is a full copy of the application: ~100-150 MB for a Django or Flask app, ~50-150 MB for a ' +
  'Node app, more with pandas or ML libraries. In a container, `multiprocessing.cpu_count()`, `nproc` and `os.cpus()` ' +
  'report the CPUs of the host machine, not the share of CPU the plan gives you (cgroup CPU quotas are invisible to them): ' +
  'a 512 MB Render, Railway, Heroku or Fly instance commonly reports 8 or more CPUs, so the classic ' +
  '`cpu_count() * 2 + 1` starts 17 workers (about 2 GB) and the instance is killed for running out of memory at boot or ' +
  'under the first load. A worker count has to come from the memory you have: read `WEB_CONCURRENCY` (which gunicorn, ' +
  'uvicorn and Heroku already use) with a small default, and raise it only as far as the plan\'s memory allows.';

const CPU_FIX_SAFETY =
  'Unsafe: the fix changes how many workers start (to `WEB_CONCURRENCY`, default 2), which changes how many requests ' +
  'are served at once. Set `WEB_CONCURRENCY` on the platform to the count the plan\'s memory allows. Where a command ' +
  'runs without a shell (Dockerfile exec-form `CMD`, docker-compose `command`, fly.toml processes) `${WEB_CONCURRENCY:-2}` ' +
  'would not expand, so no fix is offered there: drop `--workers` (gunicorn and uvicorn read `WEB_CONCURRENCY` ' +
  'themselves) or use the shell form. For a Celery worker with no concurrency the fix adds `--concurrency=2` ' +
  '(`suggestedWorkers`) after `worker`, also unsafe: fewer pool processes run fewer tasks at once.';

const CPU_NOTES =
  'Not reported: counts read from the environment with a small default (`int(os.getenv("WEB_CONCURRENCY", 2))`, ' +
  '`$WEB_CONCURRENCY`, `${WEB_CONCURRENCY:-2}`), CPU counts capped by a small number (`min(cpu_count(), 2)`), literal ' +
  'counts up to `maxWorkers`, celery workers on the gevent/eventlet/threads pools (their concurrency is greenlets or ' +
  'threads), and `--workers` of other programs. `memory-budget` adds the workers up against the platform\'s limit.';

export const cpuDerivedWorkersPythonDocs: RuleDocs = {
  summary: CPU_SUMMARY,
  whatItDoes:
    'Finds gunicorn configs whose `workers` comes from the CPU count — `multiprocessing.cpu_count() * 2 + 1` and every ' +
    'spelling of it (`os.cpu_count()`, `mp.cpu_count()`, `from multiprocessing import cpu_count`, `psutil.cpu_count()`, ' +
    '`len(os.sched_getaffinity(0))`), also through variables and helper functions and as the default of an environment ' +
    'lookup — or is a literal above `maxWorkers` (default 4). The same for `uvicorn.run(..., workers=...)`, gunicorn\'s ' +
    'programmatic `{"workers": ...}` options and celery\'s `worker_concurrency`.',
  whyIsThisBad: CPU_WHY,
  example: {
    fileName: 'gunicorn.conf.py',
    code: `import multiprocessing

bind = "0.0.0.0:8000"
workers = multiprocessing.cpu_count() * 2 + 1
max_requests = 1000
max_requests_jitter = 100
`,
  },
  useInstead: {
    fileName: 'gunicorn.conf.py',
    code: `import os

bind = "0.0.0.0:8000"
workers = int(os.getenv("WEB_CONCURRENCY", "2"))
max_requests = 1000
max_requests_jitter = 100
`,
  },
  fixSafety: CPU_FIX_SAFETY + ' The Python fix adds `import os` when the file lacks it.',
  notes: CPU_NOTES,
};

export const cpuDerivedWorkersDeployDocs: RuleDocs = {
  summary: CPU_SUMMARY,
  whatItDoes:
    'Finds gunicorn/uvicorn/hypercorn `-w`/`--workers`, celery `-c`/`--concurrency` (prefork pool) and pm2 `-i` taken ' +
    'from the CPU count (`$(nproc)`, `` `nproc` ``, `$(( $(nproc) * 2 + 1 ))`, pm2 `max`/`0`/`-1`) or set to a literal ' +
    'above `maxWorkers` (default 4), in every place a deploy starts them: Procfile, Dockerfile `CMD`/`ENTRYPOINT` (shell ' +
    'and exec forms), docker-compose `command`, render.yaml `startCommand`, railway.json/railway.toml, fly.toml ' +
    '`[processes]`, heroku.yml, app.json and package.json scripts. Also `WEB_CONCURRENCY` and `GUNICORN_CMD_ARGS ' +
    '--workers` above the threshold in .env files, Dockerfile `ENV`, render.yaml `envVars`, docker-compose `environment`, ' +
    'fly.toml `[env]` and app.json `env`, and pm2 `instances` in ecosystem.config.json. Celery workers (prefork, the ' +
    'default pool) started with no concurrency at all — no `-c`/`--concurrency`, no `--autoscale`, no ' +
    '`CELERY_WORKER_CONCURRENCY` in the deploy\'s environment and no `worker_concurrency` / `CELERY_WORKER_CONCURRENCY` ' +
    'in the app\'s Python config (celeryconfig, `app.conf`, Django settings) — are reported on the `worker` word, in ' +
    'every format memory-budget reads (also Kubernetes `command`/`args`, `honcho start` and supervisord programs): ' +
    'Celery then forks one pool process per CPU the container reports. `--autoscale` maxima above `maxWorkers` are ' +
    'reported too. `--pool solo` (one process), `threads` (threads, not processes) and `gevent`/`eventlet` are not. ' +
    'The same evaluator gives memory-budget its Celery counts, so the two always agree.',
  whyIsThisBad: CPU_WHY,
  example: {
    fileName: 'Procfile',
    code: `web: gunicorn myproject.wsgi --workers $(( $(nproc) * 2 + 1 )) --max-requests 1000 --max-requests-jitter 100
`,
  },
  useInstead: {
    fileName: 'Procfile',
    code: `web: gunicorn myproject.wsgi --workers \${WEB_CONCURRENCY:-2} --max-requests 1000 --max-requests-jitter 100
`,
  },
  fixSafety: CPU_FIX_SAFETY,
  notes: CPU_NOTES,
};

export const cpuDerivedWorkersNodeDocs: RuleDocs = {
  summary: CPU_SUMMARY,
  whatItDoes:
    'Finds Node `cluster.fork()` run once per CPU — loops bounded by `os.cpus().length` or `os.availableParallelism()` ' +
    '(directly or through a variable), `for (const _ of os.cpus())`, `os.cpus().forEach(() => cluster.fork())` — or a ' +
    'literal count above `maxWorkers`, and pm2 ecosystem files with `instances: "max"`, `0`, `-1` or a large number.',
  whyIsThisBad: CPU_WHY,
  example: {
    fileName: 'server.js',
    code: `const cluster = require("node:cluster");
const os = require("node:os");

if (cluster.isPrimary) {
  for (let i = 0; i < os.cpus().length; i++) cluster.fork();
} else {
  require("./app").listen(process.env.PORT);
}
`,
  },
  useInstead: {
    fileName: 'server.js',
    code: `const cluster = require("node:cluster");

const workers = Number(process.env.WEB_CONCURRENCY) || 2;

if (cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
} else {
  require("./app").listen(process.env.PORT);
}
`,
  },
  fixSafety: 'Unsafe: the fix changes how many processes start (to `WEB_CONCURRENCY`, default 2). Iterating `os.cpus()` itself has no count to replace, so no fix is offered there.',
  notes: CPU_NOTES,
};

// ---------------------------------------------------------------------------------------------------------------
// missing-worker-recycling

const RECYCLING_SUMMARY = 'gunicorn and celery workers that are never recycled, so leaked or fragmented memory only grows.';

const RECYCLING_WHY =
  'A long-lived Python worker\'s memory only goes up: small leaks (caches keyed by request data, library bugs, ' +
  'reference cycles holding large objects) and heap fragmentation (CPython and glibc rarely return freed memory to the ' +
  'operating system) add a few MB per thousand requests. Over days each worker grows from ~120 MB to several hundred, ' +
  'and a 512 MB instance is killed for running out of memory, usually at peak traffic. gunicorn\'s `max_requests` ' +
  'restarts a worker after that many requests (the `max_requests_jitter` randomises it so the workers do not all ' +
  'restart at once), and celery\'s `--max-tasks-per-child` replaces a pool process after that many tasks, which ' +
  'returns all of its memory; the cost is one process start every few thousand requests.';

const RECYCLING_NOTES =
  'A gunicorn command is not reported when `--max-requests` is in its flags, in `GUNICORN_CMD_ARGS` (in the same file ' +
  'or any .env/deploy file of the workspace) or in the config file it loads (`-c`, `--config`, `python:module`, or ' +
  '`./gunicorn.conf.py` by default); when that config file lacks it, the finding is on the config file. A config file ' +
  'is not reported when a deploy file passes `--max-requests`. Celery workers are not reported when a workspace ' +
  'Python file sets `worker_max_tasks_per_child`/`worker_max_memory_per_child` (any spelling), or on the ' +
  'gevent/eventlet/threads/solo pools, where the option does nothing. uvicorn without gunicorn is not covered.';

export const missingWorkerRecyclingPythonDocs: RuleDocs = {
  summary: RECYCLING_SUMMARY,
  whatItDoes:
    'Finds gunicorn config files (`gunicorn.conf.py`, or any Python file that reads as a gunicorn config) that set no ' +
    '`max_requests`, or set it to 0, when no deploy file passes `--max-requests` either.',
  whyIsThisBad: RECYCLING_WHY,
  example: {
    fileName: 'gunicorn.conf.py',
    code: `bind = "0.0.0.0:8000"
workers = 2
timeout = 30
`,
  },
  useInstead: {
    fileName: 'gunicorn.conf.py',
    code: `bind = "0.0.0.0:8000"
workers = 2
max_requests = 1000
max_requests_jitter = 100
timeout = 30
`,
  },
  fixSafety:
    'Unsafe: adds `max_requests = 1000` and `max_requests_jitter = 100` after the `workers` line. Workers then restart ' +
    'between requests: a stateless app answers the same, but memlint cannot prove the app keeps no state in its ' +
    'processes (an in-memory cache, session or rate limiter starts empty again, a thread started in a worker restarts, ' +
    'long-lived connections of async workers are closed after `graceful_timeout`). Apply it after checking that.',
  notes: RECYCLING_NOTES,
};

export const missingWorkerRecyclingDeployDocs: RuleDocs = {
  summary: RECYCLING_SUMMARY,
  whatItDoes:
    'Finds gunicorn started without `--max-requests` (and no config file or `GUNICORN_CMD_ARGS` that sets it), and ' +
    'celery prefork workers started without `--max-tasks-per-child`/`--max-memory-per-child` (and no ' +
    '`worker_max_tasks_per_child` setting), in Procfile, Dockerfile `CMD`/`ENTRYPOINT`, docker-compose `command`, ' +
    'render.yaml `startCommand`, railway.json/railway.toml, fly.toml, heroku.yml and app.json scripts, and in the shell ' +
    'scripts these run (`ENTRYPOINT ["./boot.sh"]` whose last line is `exec gunicorn ...`, a Procfile `web: bash start.sh`).',
  whyIsThisBad: RECYCLING_WHY,
  example: {
    fileName: 'Procfile',
    code: `web: gunicorn myproject.wsgi --workers 2
`,
  },
  useInstead: {
    fileName: 'Procfile',
    code: `web: gunicorn myproject.wsgi --max-requests 1000 --max-requests-jitter 100 --workers 2
`,
  },
  fixSafety:
    'Unsafe: inserts `--max-requests 1000 --max-requests-jitter 100` after `gunicorn` (as separate elements in exec-form ' +
    'lists), or `--max-tasks-per-child=100` after celery\'s `worker`. Processes then restart between requests or tasks: a ' +
    'stateless app answers the same, but memlint cannot prove the app keeps no state in its processes (in-memory caches, ' +
    'sessions or rate limiters start empty again, threads started in a worker restart, long-lived connections are closed).',
  notes: RECYCLING_NOTES,
};

export const missingWorkerRecyclingIniDocs: RuleDocs = {
  summary: RECYCLING_SUMMARY,
  whatItDoes:
    'Finds uWSGI app servers (an `[uwsgi]` section with `module`, `wsgi-file`, `http-socket`...) with none of ' +
    '`max-requests`, `reload-on-rss`, `reload-on-as`, `evil-reload-on-rss`, `max-worker-lifetime` (in the file, on a uWSGI ' +
    'command line of a deploy, or as `UWSGI_MAX_REQUESTS`-style variables in a deploy\'s environment), and gunicorn or ' +
    'celery commands of supervisord `[program:x]` sections that the deploy-file checks would report.',
  whyIsThisBad: RECYCLING_WHY,
  example: {
    fileName: 'uwsgi.ini',
    code: `[uwsgi]
module = myproject.wsgi:application
http-socket = :8000
processes = 2
threads = 2
`,
  },
  useInstead: {
    fileName: 'uwsgi.ini',
    code: `[uwsgi]
max-requests = 1000
module = myproject.wsgi:application
http-socket = :8000
processes = 2
threads = 2
`,
  },
  fixSafety:
    'Unsafe: adds `max-requests = 1000` right after the `[uwsgi]` header (outside any `if-env` block), so every worker is ' +
    'replaced after that many requests. A stateless app answers the same, but memlint cannot prove the app keeps no ' +
    'state in its processes (in-memory caches, sessions, threads started in a worker start again). supervisord commands ' +
    'get the deploy-file fix (`--max-requests 1000 --max-requests-jitter 100` after `gunicorn`).',
  notes:
    '`harakiri` is not recycling: it kills a request that runs too long, not a worker that has grown. uWSGI configs in ' +
    'YAML, JSON or XML are not read.',
};
