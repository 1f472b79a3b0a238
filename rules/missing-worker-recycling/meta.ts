/**
 * missing-worker-recycling's meta, owned once by its folder: the id, severity, options and message ids that its
 * implementations share (python.ts for gunicorn config files, deploy.ts for start commands, ini.ts for uWSGI and
 * supervisord), and the docs of each.
 */
import type { RuleDocs, RuleMeta, RuleOption } from '../api';

export const RECYCLING_OPTIONS: Record<string, RuleOption> = {
  maxRequests: { type: 'number', default: 1000, description: 'The `max_requests` the fix sets for gunicorn.' },
  maxRequestsJitter: { type: 'number', default: 100, description: 'The `max_requests_jitter` the fix sets for gunicorn.' },
  maxTasksPerChild: { type: 'number', default: 100, description: 'The `--max-tasks-per-child` the fix sets for celery workers.' },
};

/** What every implementation's meta shares; each adds its file kinds, trigger and docs. */
export const missingWorkerRecyclingMeta = {
  id: 'missing-worker-recycling',
  defaultSeverity: 'warning',
  fix: 'unsafe',
  options: RECYCLING_OPTIONS,
  messages: {
    'gunicorn-config': 'Never recycles gunicorn workers, so leaked memory builds up until OOM: add max_requests',
    'gunicorn-command': 'Never recycles gunicorn workers, so leaked memory builds up until OOM: add --max-requests',
    'disabled-config': 'Turns worker recycling off, so leaked memory builds up until OOM: set max_requests = {{maxRequests}}',
    'disabled-command': 'Turns worker recycling off, so leaked memory builds up until OOM: use --max-requests {{maxRequests}}',
    celery: 'Never replaces celery pool processes, so leaked memory grows until OOM: add --max-tasks-per-child',
    uwsgi: 'Never recycles uWSGI workers, so leaked memory builds up until OOM: add max-requests',
  },
} satisfies Pick<RuleMeta, 'id' | 'defaultSeverity' | 'fix' | 'options' | 'messages'>;

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
  'is not reported when a deploy file passes `--max-requests`, nor when the deploys memlint follows start gunicorn ' +
  'without loading it (no `-c` naming it, and it is not the `./gunicorn.conf.py` gunicorn reads by itself) and no other ' +
  'file of the project (a systemd unit, a Makefile, a script, the README) names it: its settings never apply. Celery workers are not reported when a workspace ' +
  'Python file sets `worker_max_tasks_per_child`/`worker_max_memory_per_child` (any spelling), or on the ' +
  'gevent/eventlet/threads/solo pools, where the option does nothing. uvicorn without gunicorn is not covered.';

const pythonDocs: RuleDocs = {
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

const deployDocs: RuleDocs = {
  summary: RECYCLING_SUMMARY,
  whatItDoes:
    'Finds gunicorn started without `--max-requests` (and no config file or `GUNICORN_CMD_ARGS` that sets it), and ' +
    'celery prefork workers started without `--max-tasks-per-child`/`--max-memory-per-child` (and no ' +
    '`worker_max_tasks_per_child` setting), in Procfile, Dockerfile `CMD`/`ENTRYPOINT`, docker-compose `command`, ' +
    'render.yaml `startCommand`, railway.json/railway.toml, fly.toml, heroku.yml and app.json scripts, and in the shell ' +
    'scripts these run (`ENTRYPOINT ["./boot.sh"]` whose last line is `exec gunicorn ...`, a Procfile `web: bash start.sh`, ' +
    'cookiecutter-django\'s compose `command: /start` that runs the script its Dockerfile copies there with ' +
    '`COPY ./compose/production/django/start /start`, also from the `production.yml` compose file older cookiecutter-django ' +
    'projects have; a script only a development compose file such as `local.yml` runs is left alone). ' +
    'A development compose file is judged per service: a service a production override (`docker-compose.prod.yml`, ' +
    'used as `-f docker-compose.yml -f docker-compose.prod.yml`) keeps without a command of its own runs the base file\'s ' +
    'command in production, and beside a Procfile or render.yaml a compose worker whose program the platform file never ' +
    'starts (or a service declaring production settings) is where that process runs. ' +
    'Also the config of celery\'s generic init script (`/etc/default/celeryd`, or an Ansible template `celeryd.j2`): its ' +
    '`CELERYD_OPTS` are the worker\'s options, and the fix adds `--max-tasks-per-child` to a quoted value. ' +
    'A uWSGI server set up on its command line (`uwsgi --socket :9000 --workers 4 --module app.wsgi`, loading no ' +
    '`--ini`/`--yaml` config) is reported when it has no `--max-requests`/`--reload-on-rss`/`--max-worker-lifetime` and no ' +
    '`UWSGI_MAX_REQUESTS`-style variable; the fix adds `--max-requests 1000`. A bare script name (`CMD ["run.sh"]`) is ' +
    'found through the image\'s `ENV PATH` (`COPY ./scripts /scripts` + `ENV PATH="/scripts:$PATH"`). ' +
    'A command whose app names a package the repository does not have (`gunicorn dtb.asgi:application` in a Procfile ' +
    'copied from a template, with no `dtb` folder or requirement) is skipped: that process exits at start.',
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

const iniDocs: RuleDocs = {
  summary: RECYCLING_SUMMARY,
  whatItDoes:
    'Finds uWSGI app servers (an `[uwsgi]` section with `module`, `wsgi-file`, `http-socket`...) with none of ' +
    '`max-requests`, `reload-on-rss`, `reload-on-as`, `evil-reload-on-rss`, `max-worker-lifetime` (in the file, on a uWSGI ' +
    'command line of a deploy, or as `UWSGI_MAX_REQUESTS`-style variables in a deploy\'s environment), and gunicorn or ' +
    'celery commands of supervisord `[program:x]` sections that the deploy-file checks would report. Ansible/Jinja templates of ' +
    'these files (`uwsgi.ini.j2`, `supervisor/app.conf.j2`) are read as the file they render; a `{{ var }}` value is unknown. ' +
    'A section that opens no socket and only hosts `attach-daemon` commands (a Celery worker beside the app) serves no request.',
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

export const missingWorkerRecyclingDocs = { python: pythonDocs, deploy: deployDocs, ini: iniDocs };
