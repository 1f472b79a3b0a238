// `npm run measure-baselines` (node scripts/measure-baselines.mjs [--only key,key]): the "measured here" per-worker
// figures of analysis/deploy/baselines.ts, by framework x worker class, with the fork structure in them.
//
// Each case is a small app (a view that answers /health; the Flask and FastAPI apps import nothing else unless the
// case says so) started the way a deploy starts it, on loopback, once with 1 worker and once with 3. After every
// worker served requests (or, for Celery, ran tasks) and memory settled, the process group's distinct resident
// memory (each physical page once: /proc/<pid>/pagemap, as validate-budget measures) gives:
//   per worker = (distinct(3) - distinct(1)) / 2     what one more worker adds (its private part)
//   fixed      = distinct(1) - per worker           the parent (master / supervisor / Celery main process)
// With --preload (gunicorn) the app is imported in the master before fork: "fixed" holds the app once and "per
// worker" is what each worker writes to (copy-on-write) or builds after fork.
//
// Installs Debian's packages when missing (needs root, like validate-budget): gunicorn, python3-django,
// python3-flask, python3-fastapi, python3-uvicorn, python3-sqlalchemy, python3-gevent, python3-celery,
// python3-redis, redis-server.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { request } from './validate-budget/http.mjs';
import { MB, delay, freePort, processTree, startGroup, stopAllGroups, stopGroup, uniqueResident, waitForPort, waitSettled } from './validate-budget/proc.mjs';

const PYTHON = '/usr/bin/python3';
const PACKAGES = ['gunicorn', 'python3-django', 'python3-flask', 'python3-fastapi', 'python3-uvicorn', 'python3-sqlalchemy', 'python3-gevent', 'python3-celery', 'python3-redis', 'redis-server'];
const COUNTS = [1, 3];
const argv = process.argv.slice(2);
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1].split(',') : undefined;

const FLASK = `from flask import Flask, jsonify
app = Flask(__name__)
@app.get("/health")
def health():
    return jsonify(ok=True)
`;
const SQLA = `import sqlalchemy, sqlalchemy.orm
engine = sqlalchemy.create_engine("sqlite://")
Base = sqlalchemy.orm.declarative_base()
class Row(Base):
    __tablename__ = "rows"
    id = sqlalchemy.Column(sqlalchemy.Integer, primary_key=True)
Base.metadata.create_all(engine)
`;
// A view that queries through the ORM, as a served app does: the mappers are configured, the dialect initialised and
// the statement cached on the first query, in the process that runs it (with --preload: in each worker, after fork).
const SQLA_QUERY = `import sqlalchemy, sqlalchemy.orm
from flask import Flask, jsonify
engine = sqlalchemy.create_engine("sqlite:///rows.db")
Base = sqlalchemy.orm.declarative_base()
class Row(Base):
    __tablename__ = "rows"
    id = sqlalchemy.Column(sqlalchemy.Integer, primary_key=True)
    name = sqlalchemy.Column(sqlalchemy.String(50))
Base.metadata.create_all(engine)
app = Flask(__name__)
@app.get("/health")
def health():
    with sqlalchemy.orm.Session(engine) as session:
        return jsonify(ok=True, rows=session.query(Row).filter(Row.id > 0).count())
`;
const FASTAPI = `from fastapi import FastAPI
from pydantic import BaseModel
app = FastAPI()
class Item(BaseModel):
    name: str
@app.get("/health")
def health():
    return {"ok": True}
`;
const DJANGO = {
  'site_settings.py': `SECRET_KEY = "x"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "site_urls"
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles", "django.contrib.admin"]
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware", "django.contrib.sessions.middleware.SessionMiddleware", "django.middleware.common.CommonMiddleware", "django.middleware.csrf.CsrfViewMiddleware", "django.contrib.auth.middleware.AuthenticationMiddleware", "django.contrib.messages.middleware.MessageMiddleware"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}}
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True, "OPTIONS": {"context_processors": ["django.template.context_processors.request", "django.contrib.auth.context_processors.auth", "django.contrib.messages.context_processors.messages"]}}]
STATIC_URL = "/static/"
`,
  'site_urls.py': `from django.contrib import admin
from django.http import JsonResponse
from django.urls import path
urlpatterns = [path("admin/", admin.site.urls), path("health", lambda r: JsonResponse({"ok": True}))]
`,
  'site_wsgi.py': `import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_settings")
from django.core.wsgi import get_wsgi_application
application = get_wsgi_application()
`,
  'site_asgi.py': `import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_settings")
from django.core.asgi import get_asgi_application
application = get_asgi_application()
`,
};
const CELERY = `import os
from celery import Celery
app = Celery("tasks", broker=os.environ["CELERY_BROKER_URL"])
@app.task
def add(x, y):
    return x + y
`;
const NODE_CLUSTER = `const cluster = require("node:cluster");
const http = require("node:http");
const n = Number(process.env.WORKERS || 1);
if (cluster.isPrimary) {
  for (let i = 0; i < n; i++) cluster.fork();
} else {
  http.createServer((req, res) => res.end('{"ok":true}')).listen(Number(process.env.PORT));
}
`;

const gunicorn = (app, extra = []) => (n, port) => [PYTHON, ['-m', 'gunicorn', app, ...extra, '--workers', String(n), '--bind', `127.0.0.1:${port}`]];
const celery = (pool) => (n) => [PYTHON, ['-m', 'celery', '--app', 'tasks', 'worker', '--loglevel', 'warning', '--pool', pool, ...(pool === 'solo' ? [] : ['--concurrency', String(n)])]];

/** key: the figure it measures; files: the app; start(n, port): [command, args]. */
const CASES = [
  { key: 'flask sync', files: { 'app.py': FLASK }, start: gunicorn('app:app') },
  { key: 'flask sync --preload', files: { 'app.py': FLASK }, start: gunicorn('app:app', ['--preload']) },
  { key: 'flask gthread (4 threads)', files: { 'app.py': FLASK }, start: gunicorn('app:app', ['-k', 'gthread', '--threads', '4']) },
  { key: 'flask gevent', files: { 'app.py': FLASK }, start: gunicorn('app:app', ['-k', 'gevent']) },
  { key: 'flask + celery client sync', files: { 'app.py': 'import tasks\n' + FLASK, 'tasks.py': CELERY }, start: gunicorn('app:app'), broker: true },
  { key: 'flask + SQLAlchemy sync', files: { 'app.py': SQLA + FLASK }, start: gunicorn('app:app') },
  { key: 'flask + SQLAlchemy query sync', files: { 'app.py': SQLA_QUERY }, start: gunicorn('app:app') },
  { key: 'flask + SQLAlchemy query sync --preload', files: { 'app.py': SQLA_QUERY }, start: gunicorn('app:app', ['--preload']) },
  { key: 'fastapi UvicornWorker', files: { 'app.py': FASTAPI }, start: gunicorn('app:app', ['-k', 'uvicorn.workers.UvicornWorker']) },
  { key: 'fastapi uvicorn --workers', files: { 'app.py': FASTAPI }, start: (n, port) => [PYTHON, ['-m', 'uvicorn', 'app:app', '--workers', String(n), '--host', '127.0.0.1', '--port', String(port)]] },
  { key: 'django sync', files: DJANGO, start: gunicorn('site_wsgi') },
  { key: 'django sync --preload', files: DJANGO, start: gunicorn('site_wsgi', ['--preload']) },
  { key: 'django gthread (4 threads)', files: DJANGO, start: gunicorn('site_wsgi', ['-k', 'gthread', '--threads', '4']) },
  { key: 'django UvicornWorker', files: DJANGO, start: gunicorn('site_asgi', ['-k', 'uvicorn.workers.UvicornWorker']) },
  { key: 'celery prefork', files: { 'tasks.py': CELERY }, start: celery('prefork'), tasks: true },
  { key: 'celery threads', files: { 'tasks.py': CELERY }, start: celery('threads'), tasks: true },
  { key: 'celery solo', files: { 'tasks.py': CELERY }, start: celery('solo'), tasks: true, counts: [1] },
  { key: 'node cluster', files: { 'server.js': NODE_CLUSTER }, start: (n, port) => [process.execPath, ['server.js']], env: (n) => ({ WORKERS: String(n) }) },
];

function importsOk() {
  return spawnSync(PYTHON, ['-c', 'import flask, fastapi, uvicorn, sqlalchemy, gunicorn, django, gevent, celery, redis'], { encoding: 'utf8' }).status === 0 && fs.existsSync('/usr/bin/redis-server');
}

function ensurePackages() {
  if (importsOk()) return;
  if (process.getuid?.() !== 0) throw new Error(`install first: sudo apt-get install ${PACKAGES.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...PACKAGES], { env, stdio: 'inherit' });
  if (!importsOk()) throw new Error('apt-get install did not make the packages importable');
}

/** A redis-server on a free loopback port, in its own group (not measured). */
export async function startRedis(dir) {
  const port = await freePort();
  const group = startGroup('redis', '/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { cwd: dir, env: { PATH: process.env.PATH }, log: path.join(dir, 'redis.log') });
  if (!(await waitForPort(port, 20000, () => group.exit === undefined))) throw new Error('redis-server did not start');
  return { group, url: `redis://127.0.0.1:${port}/0` };
}

/** Sends `n` tasks through the app's own `add` task from a Python process outside the measured group. */
export function sendTasks(dir, broker, n, taskModule = 'tasks', task = 'add') {
  const code = `import ${taskModule} as t\nfor i in range(${n}): t.${task}.delay(i, i)`;
  const r = spawnSync(PYTHON, ['-c', code], { cwd: dir, env: { PATH: process.env.PATH, CELERY_BROKER_URL: broker }, encoding: 'utf8', timeout: 60000 });
  if (r.status !== 0) throw new Error(`sending tasks failed: ${r.stderr.slice(-500)}`);
}

async function measureOnce(c, dir, n, broker) {
  const port = await freePort();
  const [cmd, args] = c.start(n, port);
  const env = { PATH: process.env.PATH, PORT: String(port), ...(broker ? { CELERY_BROKER_URL: broker } : {}), ...(c.env?.(n) ?? {}) };
  const group = startGroup(c.key, cmd, args, { cwd: dir, env, log: path.join(dir, `run-${n}.log`) });
  try {
    const procs = c.key.startsWith('celery') ? (c.key === 'celery prefork' ? n + 1 : 1) : c.key.startsWith('fastapi uvicorn') && n === 1 ? 1 : n + 1;
    if (c.tasks) {
      await waitSettled(group.pgid, { minProcs: procs, timeoutMs: 60000 });
      sendTasks(dir, broker, 20 * n);
      await delay(3000);
    } else {
      if (!(await waitForPort(port, 60000, () => group.exit === undefined))) throw new Error(`${c.key} did not start: see ${dir}/run-${n}.log`);
      await waitSettled(group.pgid, { minProcs: procs });
      // Concurrent rounds so that every worker serves some.
      for (let round = 0; round < 10; round++) {
        const rs = await Promise.all(Array.from({ length: n * 4 }, () => request(port, { path: '/health', timeoutMs: 20000 })));
        const bad = rs.find((r) => r.status !== 200);
        if (bad) throw new Error(`${c.key}: GET /health answered ${bad.status} ${bad.error ?? ''}`);
      }
    }
    const settled = await waitSettled(group.pgid, { minProcs: procs, timeoutMs: 60000 });
    const pids = processTree(group.pgid);
    const distinct = uniqueResident(pids);
    if (distinct === undefined) throw new Error('/proc/<pid>/pagemap gives no frame numbers here (run as root)');
    return { n, procs: pids.length, distinct: distinct / MB, settled: settled.settled };
  } finally {
    await stopGroup(group);
  }
}

export async function measureCase(c, root) {
  const dir = fs.mkdtempSync(path.join(root, 'case-'));
  for (const [f, text] of Object.entries(c.files)) fs.writeFileSync(path.join(dir, f), text);
  if (c.files['site_settings.py']) spawnSync(PYTHON, ['-c', 'import os,django;os.environ["DJANGO_SETTINGS_MODULE"]="site_settings";django.setup();from django.core.management import call_command;call_command("migrate",verbosity=0)'], { cwd: dir });
  const redis = c.tasks || c.broker ? await startRedis(dir) : undefined;
  try {
    const runs = [];
    for (const n of c.counts ?? COUNTS) runs.push(await measureOnce(c, dir, n, redis?.url));
    const [one, three] = runs;
    const perWorker = three ? (three.distinct - one.distinct) / (three.n - one.n) : undefined;
    return { key: c.key, runs, perWorker, fixed: perWorker === undefined ? one.distinct : one.distinct - perWorker };
  } finally {
    if (redis) await stopGroup(redis.group);
  }
}

function versions() {
  const code = 'import sys, flask, fastapi, uvicorn, pydantic, sqlalchemy, gunicorn, django, gevent, celery; print(f"Python {sys.version.split()[0]}, Flask {flask.__version__}, FastAPI {fastapi.__version__}, uvicorn {uvicorn.__version__}, pydantic {pydantic.VERSION}, SQLAlchemy {sqlalchemy.__version__}, gunicorn {gunicorn.__version__}, Django {django.get_version()}, gevent {gevent.__version__}, Celery {celery.__version__}")';
  return `${spawnSync(PYTHON, ['-c', code], { encoding: 'utf8' }).stdout.trim()}, Node ${process.versions.node}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    ensurePackages();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-baselines-'));
    console.log(`${versions()}; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    console.log('| case | distinct MB at 1 / 3 workers | parent (fixed) MB | per worker MB |\n|---|---|---|---|');
    for (const c of CASES) {
      if (only && !only.includes(c.key)) continue;
      try {
        const m = await measureCase(c, root);
        console.log(`| ${m.key} | ${m.runs.map((r) => `${r.distinct.toFixed(1)}${r.settled ? '' : ' (not settled)'}`).join(' / ')} | ${m.fixed.toFixed(1)} | ${m.perWorker === undefined ? '—' : `**${m.perWorker.toFixed(1)}**`} |`);
      } catch (e) {
        console.log(`| ${c.key} | failed: ${e.message} | | |`);
      }
    }
    fs.rmSync(root, { recursive: true, force: true });
  } catch (e) {
    console.error(`measure-baselines: ${e.message}`);
    process.exitCode = 1;
  } finally {
    await stopAllGroups();
  }
}
