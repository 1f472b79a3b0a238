/**
 * cpu-derived-workers' meta, owned once by its folder: the id, severity, options and message ids that its
 * implementations share (python.ts, deploy.ts with celery.ts, node.ts), and the docs of each.
 */
import type { RuleDocs, RuleMeta, RuleOption } from '../api';

export const WORKER_OPTIONS: Record<string, RuleOption> = {
  maxWorkers: { type: 'number', default: 4, description: 'Literal worker counts above this are reported.' },
  suggestedWorkers: { type: 'number', default: 2, description: 'The worker count the fixes use (as the default of `WEB_CONCURRENCY`).' },
};

/** What every implementation's meta shares; each adds its file kinds, trigger and docs. */
export const cpuDerivedWorkersMeta = {
  id: 'cpu-derived-workers',
  defaultSeverity: 'warning',
  fix: 'unsafe',
  options: WORKER_OPTIONS,
  messages: {
    'cpu-count': 'Sets {{what}} from host CPUs{{estimate}}: {{advice}}',
    count: 'Starts {{n}} {{what}}, {{cost}}: {{advice}}',
    'default-count': 'Starts {{n}} {{what}} by default, {{cost}}: default to {{suggested}}',
    'web-concurrency': 'WEB_CONCURRENCY={{n}} starts {{n}} workers, {{cost}}: use {{suggested}}',
    'gunicorn-cmd-args': 'Starts {{n}} gunicorn workers (GUNICORN_CMD_ARGS), {{cost}}: use {{suggested}}',
    'celery-autoscale': 'Lets celery grow to {{n}} worker processes, {{cost}}: lower the maximum to {{suggested}}',
    'celery-per-cpu': 'Celery forks a pool process per host CPU ({{cpus}} CPUs → {{n}}, {{size}}): add {{flag}}',
    'dramatiq-per-cpu': 'Dramatiq forks a worker process per host CPU ({{cpus}} CPUs → {{n}}, {{size}}): add {{flag}}',
    'pm2-per-cpu': 'Starts {{processes}}, each a full app copy: {{advice}}',
    'pm2-count': 'Starts {{n}} Node processes, {{cost}}: {{advice}}',
    'cluster-per-cpu': 'Forks a cluster worker per host CPU{{estimate}}: {{advice}}',
    'cluster-count': 'Forks {{n}} cluster workers, {{cost}}: {{advice}}',
  },
} satisfies Pick<RuleMeta, 'id' | 'defaultSeverity' | 'fix' | 'options' | 'messages'>;

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

const pythonDocs: RuleDocs = {
  summary: CPU_SUMMARY,
  whatItDoes:
    'Finds gunicorn configs whose `workers` comes from the CPU count — `multiprocessing.cpu_count() * 2 + 1` and every ' +
    'spelling of it (`os.cpu_count()`, `mp.cpu_count()`, `from multiprocessing import cpu_count`, `psutil.cpu_count()`, ' +
    '`len(os.sched_getaffinity(0))`), also through variables and helper functions and as the default of an environment ' +
    'lookup — or is a literal above `maxWorkers` (default 4). The same for `uvicorn.run(..., workers=...)`, gunicorn\'s ' +
    'programmatic `{"workers": ...}` options and celery\'s `worker_concurrency`. A gunicorn config no deploy loads ' +
    '(the deploys memlint follows start gunicorn without `-c` naming it, it is not `./gunicorn.conf.py`, and no other ' +
    'file names it) is left alone: its `workers` never applies.',
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

const deployDocs: RuleDocs = {
  summary: CPU_SUMMARY,
  whatItDoes:
    'Finds gunicorn/uvicorn/hypercorn `-w`/`--workers`, celery `-c`/`--concurrency` (prefork pool) and pm2 `-i` taken ' +
    'from the CPU count (`$(nproc)`, `` `nproc` ``, `$(( $(nproc) * 2 + 1 ))`, pm2 `max`/`0`/`-1`) or set to a literal ' +
    'above `maxWorkers` (default 4), in every place a deploy starts them: Procfile, Dockerfile `CMD`/`ENTRYPOINT` (shell ' +
    'and exec forms), docker-compose `command`, render.yaml `startCommand`, railway.json/railway.toml, fly.toml ' +
    '`[processes]`, heroku.yml, app.json and package.json scripts, and the shell scripts a deploy runs (`start.sh` started ' +
    'by a Procfile or a boot script, cookiecutter-django\'s `compose/production/django/celery/worker/start` that the image ' +
    'copies to `/start-celeryworker` for compose to run; scripts only a development compose file runs are left alone). A command whose app names a package the repository does not have (a Procfile copied ' +
    'from a template) is skipped: that process exits at start. Also `WEB_CONCURRENCY` and `GUNICORN_CMD_ARGS ' +
    '--workers` above the threshold in .env files, Dockerfile `ENV`, render.yaml `envVars`, docker-compose `environment`, ' +
    'fly.toml `[env]` and app.json `env`, and pm2 `instances` in ecosystem.config.json and pm2 process files ' +
    '(`process.yml`, `process.json`: an `apps` list naming scripts). Celery workers (prefork, the ' +
    'default pool) started with no concurrency at all — no `-c`/`--concurrency`, no `--autoscale`, no ' +
    '`CELERY_WORKER_CONCURRENCY` in the deploy\'s environment and no `worker_concurrency` / `CELERY_WORKER_CONCURRENCY` ' +
    'in the app\'s Python config (celeryconfig, `app.conf`, Django settings) — are reported on the `worker` word (in the ' +
    'start script or supervisord config when a deploy runs one), in every format memory-budget reads (also Kubernetes ' +
    '`command`/`args`, `honcho start`, and supervisord configs memlint does not analyse, reported on the command that starts them): ' +
    'Celery then forks one pool process per CPU the container reports. `--autoscale` maxima above `maxWorkers` are ' +
    'reported too. `--pool solo` (one process), `threads` (threads, not processes) and `gevent`/`eventlet` are not. ' +
    'The same evaluator gives memory-budget its Celery counts, so the two always agree. A Dramatiq worker (`dramatiq ' +
    'broker actors`) started without `-p`/`--processes` is reported on `dramatiq` the same way: it forks one worker ' +
    'process per CPU the container reports, 8 threads each.',
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

const nodeDocs: RuleDocs = {
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

export const cpuDerivedWorkersDocs = { python: pythonDocs, deploy: deployDocs, node: nodeDocs };
