// Real public apps for `npm run validate-budget`: each deploy brought from its public repository at a pinned commit
// (only the reference is kept here, never the code), installed from Debian's packages, started exactly as its deploy
// file says with only the bind address overridden, and measured idle (every worker served a light request, memory
// settled) and at peak (a burst of the deploy's own concurrency: workers x threads requests at once, repeated).
// Memory is the distinct resident memory of the process tree (each physical page once, /proc/<pid>/pagemap).
//
// The repositories come from a git mirror when one exists (`--mirrors DIR`, default /work/.mirror, laid out as
// DIR/<owner>+<name>/repo), else from `git clone` of github.com; `git archive <commit>` unpacks them.
// scripts/validate-budget/real-apps-setup.sh installs the Debian packages.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { request } from './http.mjs';
import { MB, delay, freePort, processTree, startGroup, startSamplerThread, stopGroup, uniqueResident, waitForPort, waitSettled } from './proc.mjs';

const PYTHON = '/usr/bin/python3';

/** The apps: repository, commit, deploy as memlint names it, and how its deploy file starts it. */
export const REAL_APPS = [
  {
    key: 'django-asgi',
    repo: 'render-examples/django',
    commit: 'fbc60fcb44eebd63cfd45566e6973183e6f75aa4',
    deploy: 'render.yaml#mysite',
    shape: 'Django ASGI: gunicorn + UvicornWorker, WEB_CONCURRENCY=4 (render.yaml)',
    // build.sh: pip install (Debian's packages instead), collectstatic, migrate (SQLite instead of the Render database)
    build: [[PYTHON, ['manage.py', 'collectstatic', '--no-input']], [PYTHON, ['manage.py', 'migrate', '--no-input']]],
    env: { WEB_CONCURRENCY: '4', SECRET_KEY: 'validate-budget', RENDER: 'true', RENDER_EXTERNAL_HOSTNAME: '127.0.0.1', DATABASE_URL: 'sqlite:///db.sqlite3' },
    start: (port) => [PYTHON, ['-m', 'gunicorn', 'mysite.asgi:application', '-k', 'uvicorn.workers.UvicornWorker', '--bind', `127.0.0.1:${port}`]],
    path: '/',
  },
  {
    key: 'django-gthread-preload',
    repo: 'heroku/python-getting-started',
    commit: 'f7c8d9929a782e90bc0bb9320f2cb43a3d62958d',
    deploy: 'app.json#web',
    shape: 'Django WSGI: gunicorn gthread, 5 threads, preload_app (gunicorn.conf.py), workers from WEB_CONCURRENCY',
    build: [[PYTHON, ['manage.py', 'collectstatic', '--no-input']]],
    // Without DYNO the settings use SQLite instead of Heroku Postgres (DEBUG stays off: it follows ENVIRONMENT).
    env: { DJANGO_SECRET_KEY: 'validate-budget' },
    // The Procfile: `gunicorn --config gunicorn.conf.py gettingstarted.wsgi`; the config binds [::]:$PORT.
    start: (port) => [PYTHON, ['-m', 'gunicorn', '--config', 'gunicorn.conf.py', 'gettingstarted.wsgi', '--bind', `127.0.0.1:${port}`]],
    path: '/',
  },
  {
    key: 'django-gthread-preload (WEB_CONCURRENCY=3)',
    repo: 'heroku/python-getting-started',
    commit: 'f7c8d9929a782e90bc0bb9320f2cb43a3d62958d',
    deploy: 'app.json#web',
    shape: 'the same with WEB_CONCURRENCY=3 (a config var on Heroku: no file says it; memlint\'s per-worker items at 3 workers)',
    build: [[PYTHON, ['manage.py', 'collectstatic', '--no-input']]],
    env: { DJANGO_SECRET_KEY: 'validate-budget', WEB_CONCURRENCY: '3' },
    workers: 3,
    start: (port) => [PYTHON, ['-m', 'gunicorn', '--config', 'gunicorn.conf.py', 'gettingstarted.wsgi', '--bind', `127.0.0.1:${port}`]],
    path: '/',
  },
  {
    key: 'celery-worker',
    repo: 'render-examples/celery',
    commit: 'ec6cac1ecd99b5adcd95e1061eb40c07507e366e',
    deploy: 'render.yaml#celery-worker',
    shape: 'Celery prefork worker, --concurrency 4 (render.yaml)',
    redis: true,
    start: () => [PYTHON, ['-m', 'celery', '--app', 'tasks', 'worker', '--loglevel', 'info', '--concurrency', '4']],
    tasks: { module: 'tasks', task: 'add' },
  },
  {
    key: 'celery-web',
    repo: 'render-examples/celery',
    commit: 'ec6cac1ecd99b5adcd95e1061eb40c07507e366e',
    deploy: 'render.yaml#app',
    shape: 'Flask WSGI: `gunicorn app:app` (render.yaml), the app imports its Celery tasks',
    redis: true,
    start: (port) => [PYTHON, ['-m', 'gunicorn', 'app:app', '--bind', `127.0.0.1:${port}`]],
    path: '/',
  },
  {
    key: 'express',
    repo: 'render-examples/express-hello-world',
    commit: '59bb07278c918ac8798e2532b4251f7c34e365f5',
    deploy: 'package.json',
    shape: 'Express 5: `node app.js` (package.json start)',
    npm: true,
    start: (port) => [process.execPath, ['app.js']],
    path: '/',
  },
  {
    key: 'fastapi-uvicorn',
    repo: 'render-examples/fastapi',
    commit: 'f829276c68503f7afae195c3e3f778f085242cb0',
    deploy: 'render.yaml#fastapi-example',
    shape: 'FastAPI: `uvicorn main:app` (render.yaml), one process',
    start: (port) => [PYTHON, ['-m', 'uvicorn', 'main:app', '--host', '127.0.0.1', '--port', String(port)]],
    path: '/',
  },
  {
    key: 'flask-preload',
    repo: 'jusba/Muistilista',
    commit: 'c3b015925f10ad44cbe4698bd8a5172b9cc5a188',
    deploy: 'Procfile#web',
    shape: 'Flask + Flask-SQLAlchemy/Login/WTF: `gunicorn --preload --workers 1 application:app` (Procfile)',
    // Its Heroku setup (documentation/Asennusohje.md): `heroku config:set HEROKU=1` makes the app read DATABASE_URL;
    // SQLite instead of the Postgres add-on, on the database file the repository carries (its tables exist).
    env: { HEROKU: '1' },
    envAt: (dir) => ({ DATABASE_URL: `sqlite:///${path.join(dir, 'application', 'things.db')}` }),
    start: (port) => [PYTHON, ['-m', 'gunicorn', '--preload', '--workers', '1', 'application:app', '--bind', `127.0.0.1:${port}`]],
    path: '/',
  },
  {
    key: 'model-api (--preload)',
    local: 'examples/model-api',
    deploy: 'Procfile#web',
    shape: 'Flask + a scikit-learn model loaded at import (joblib), 3 gunicorn workers, --preload (examples/)',
    build: [[PYTHON, ['train.py']]],
    start: (port) => [PYTHON, ['-m', 'gunicorn', 'app:app', '--workers', '3', '--preload', '--bind', `127.0.0.1:${port}`]],
    path: '/health',
  },
  {
    key: 'model-api (no preload)',
    local: 'examples/model-api',
    deploy: 'Procfile#web-copied',
    shape: 'the same, without --preload: the model and scikit-learn in each worker (examples/)',
    build: [[PYTHON, ['train.py']]],
    start: (port) => [PYTHON, ['-m', 'gunicorn', 'app:app', '--workers', '3', '--bind', `127.0.0.1:${port}`]],
    path: '/health',
  },
];

/** Debian packages the apps run on (scripts/validate-budget/real-apps-setup.sh installs them). */
export const REAL_APP_PACKAGES = ['python3-fastapi', 'gunicorn', 'python3-django', 'python3-dj-database-url', 'python3-whitenoise', 'python3-psycopg2', 'python3-uvicorn', 'python3-flask', 'python3-celery', 'python3-redis', 'redis-server', 'python3-sklearn', 'python3-joblib', 'python3-flask-sqlalchemy', 'python3-flask-login', 'python3-flaskext.wtf'];

export const IDLE_TARGET = 0.2;
export const PEAK_TARGET = 0.3;

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * MB, timeout: options.timeoutMs ?? 600000, ...options });
  return { ok: r.status === 0, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

/** Unpacks `repo` at `commit` into `dest`: from a mirror's git dir when there is one, else a clone. */
export function unpack(repo, commit, dest, mirrors) {
  fs.mkdirSync(dest, { recursive: true });
  let gitDir = path.join(mirrors, repo.replace('/', '+'), 'repo');
  if (!fs.existsSync(gitDir)) {
    gitDir = path.join(path.dirname(dest), `${repo.replace('/', '+')}.git`);
    if (!fs.existsSync(gitDir)) {
      const c = run('git', ['clone', '--bare', '--quiet', `https://github.com/${repo}.git`, gitDir]);
      if (!c.ok) throw new Error(`cannot get ${repo}: ${c.stderr.slice(-400)}`);
    }
  }
  const archive = spawnSync('git', ['--git-dir', gitDir, 'archive', '--format=tar', commit], { maxBuffer: 512 * MB });
  if (archive.status !== 0) throw new Error(`git archive ${repo}@${commit}: ${String(archive.stderr).slice(-400)}`);
  const tar = spawnSync('tar', ['-x', '-C', dest], { input: archive.stdout });
  if (tar.status !== 0) throw new Error(`tar: ${String(tar.stderr).slice(-400)}`);
}

async function startRedis(dir, log) {
  const port = await freePort();
  const group = startGroup('redis', '/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { cwd: dir, env: { PATH: process.env.PATH }, log });
  if (!(await waitForPort(port, 20000, () => group.exit === undefined))) throw new Error('redis-server did not start');
  return { group, url: `redis://127.0.0.1:${port}/0` };
}

function sendTasks(dir, env, tasks, n) {
  const code = `import ${tasks.module} as t\nfor i in range(${n}): t.${tasks.task}.delay(i, i)`;
  const r = run(PYTHON, ['-c', code], { cwd: dir, env, timeoutMs: 120000 });
  if (!r.ok) throw new Error(`sending tasks failed: ${r.stderr.slice(-500)}`);
}

/** Runs one deploy: returns { idle, peak, procs, workers, threads } in bytes. */
export async function measureRealApp(app, dir, { concurrency, env: extraEnv = {}, log }) {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8', ...(app.env ?? {}), ...(app.envAt?.(dir) ?? {}), ...extraEnv };
  let redis;
  if (app.redis) {
    redis = await startRedis(dir, path.join(dir, 'redis.log'));
    env.CELERY_BROKER_URL = redis.url;
  }
  const port = await freePort();
  env.PORT = String(port);
  const [cmd, args] = app.start(port);
  const group = startGroup(app.key, cmd, args, { cwd: dir, env, log: path.join(dir, 'server.log') });
  try {
    if (app.tasks) {
      await waitSettled(group.pgid, { minProcs: concurrency + 1, timeoutMs: 90000 });
      sendTasks(dir, env, app.tasks, concurrency * 5);
      await delay(5000);
    } else {
      if (!(await waitForPort(port, 90000, () => group.exit === undefined))) throw new Error(`${app.key} did not start (see ${dir}/server.log)`);
      await waitSettled(group.pgid, { timeoutMs: 60000 });
      // A light request per worker: rounds of as many concurrent requests as the deploy serves at once.
      for (let round = 0; round < 5; round++) {
        const rs = await Promise.all(Array.from({ length: concurrency }, () => request(app.port ?? port, { path: app.path, timeoutMs: 30000 })));
        const bad = rs.find((r) => r.status === 0 || r.status >= 500);
        if (bad) throw new Error(`${app.key}: GET ${app.path} answered ${bad.status} ${bad.error ?? ''}`);
      }
    }
    const idle = await waitSettled(group.pgid, { timeoutMs: 90000 });
    const idlePids = processTree(group.pgid);
    const idleDistinct = uniqueResident(idlePids);
    // Peak: a burst of the deploy's own concurrency, repeated for a few seconds, sampled from worker threads.
    const sampler = await startSamplerThread(group.pgid, 20, 120000);
    const until = Date.now() + 6000;
    if (app.tasks) {
      while (Date.now() < until) {
        sendTasks(dir, env, app.tasks, concurrency * 10);
        await delay(500);
      }
    } else {
      while (Date.now() < until) await Promise.all(Array.from({ length: concurrency }, () => request(port, { path: app.path, timeoutMs: 30000 })));
    }
    const peak = await sampler.stop();
    return { idle: idleDistinct, settled: idle.settled, peak: Math.max(peak.unique, idleDistinct), procs: idlePids.length };
  } finally {
    await stopGroup(group);
    if (redis) await stopGroup(redis.group);
  }
}

/**
 * memlint's estimate of a one-process deploy at `n` workers (a count set where memlint cannot read it, a platform
 * config var): every per-worker item scaled, the rest as estimated, as memlint itself computes a count it reads.
 */
export function atWorkers(est, n) {
  const from = est.processes[0].workers;
  const items = est.items.map((i) => (i.perWorker ? { ...i, count: (i.count / from) * n, mb: (i.count / from) * n * i.eachMb } : i));
  const sum = (phase) => Math.round(items.filter((i) => phase === undefined || i.phase === phase).reduce((s, i) => s + i.mb, 0) * 10) / 10;
  return { ...est, items, idleMb: sum('idle'), peakMb: sum(), totalMb: sum(), processes: est.processes.map((p, k) => (k === 0 ? { ...p, workers: n } : p)), summary: `${est.summary} (per-worker items scaled from ${from} to ${n} workers)` };
}

/** Prepares an app's copy: unpack, build steps, npm install. */
export function prepareRealApp(app, dir, mirrors, root) {
  if (app.local) fs.cpSync(path.join(root, app.local), dir, { recursive: true, filter: (src) => !/(__pycache__|model\.joblib)$/.test(src) });
  else unpack(app.repo, app.commit, dir, mirrors);
  for (const [cmd, args] of app.build ?? []) {
    const r = run(cmd, args, { cwd: dir, env: { PATH: process.env.PATH, HOME: process.env.HOME ?? '/root', ...(app.env ?? {}) } });
    if (!r.ok) throw new Error(`${app.key}: ${cmd} ${args.join(' ')} failed: ${r.stderr.slice(-600)}`);
  }
  if (app.npm) {
    const r = run('npm', ['install', '--no-audit', '--no-fund', '--omit=dev', '--no-package-lock'], { cwd: dir, env: { PATH: process.env.PATH, HOME: process.env.HOME ?? '/root' } });
    if (!r.ok) throw new Error(`${app.key}: npm install failed: ${r.stderr.slice(-600)}`);
  }
}

function versionsOf() {
  // Each module on its own: one package missing leaves out its version, not the line.
  const mods = [['Django', 'django', 'get_version()'], ['Flask', 'flask', '__version__'], ['Flask-SQLAlchemy', 'flask_sqlalchemy', '__version__'], ['Flask-Login', 'flask_login', '__version__'], ['Flask-WTF', 'flask_wtf', '__version__'], ['SQLAlchemy', 'sqlalchemy', '__version__'], ['Celery', 'celery', '__version__'], ['gunicorn', 'gunicorn', '__version__'], ['uvicorn', 'uvicorn', '__version__'], ['scikit-learn', 'sklearn', '__version__']];
  const code = ['import sys, importlib', 'out = ["Python " + sys.version.split()[0]]', ...mods.map(([name, mod, attr]) => `try: out.append("${name} " + str(importlib.import_module("${mod}").${attr}))\nexcept Exception: pass`), 'print(", ".join(out))'].join('\n');
  return run(PYTHON, ['-c', code]).stdout.trim() + `, Node ${process.versions.node}`;
}

const f1 = (b) => (b === undefined ? '—' : (b / MB).toFixed(1));
const pct = (x) => (x === undefined || Number.isNaN(x) ? '—' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)}%`);

/**
 * Runs every real app: `estimateOf(dir)` gives memlint's budgets (the CLI's JSON) for a prepared copy. Returns the
 * markdown section, the text lines and whether every deploy met the targets.
 */
export async function runRealApps({ root, work, mirrors, estimateOf, log, only }) {
  const rows = [];
  const loadStart = run('uptime', []).stdout.trim();
  for (const app of REAL_APPS) {
    if (only && !only.some((o) => app.key.startsWith(o))) continue;
    const dir = path.join(work, 'real', app.key.replace(/[^\w.-]+/g, '_'));
    log(`\n== real app ${app.key} (${app.repo ?? app.local})`);
    try {
      prepareRealApp(app, dir, mirrors, root);
      const budgets = estimateOf(dir);
      const found = budgets.find((b) => b.id === app.deploy);
      if (!found) throw new Error(`memlint estimates no deploy ${app.deploy} (it has ${budgets.map((b) => b.id).join(', ') || 'none'})`);
      const est = app.workers ? atWorkers(found, app.workers) : found;
      const concurrency = Math.max(1, est.processes.reduce((s, p) => s + p.workers * p.threads, 0));
      const m = await measureRealApp(app, dir, { concurrency: app.tasks ? est.processes[0].workers : concurrency, log });
      const row = { app, est, m, concurrency, idleErr: est.idleMb * MB / m.idle - 1, peakErr: est.peakMb * MB / m.peak - 1 };
      rows.push(row);
      log(`  memlint idle ${est.idleMb} MB / peak ${est.peakMb} MB; measured idle ${f1(m.idle)} MB / peak ${f1(m.peak)} MB (${m.procs} processes): ${pct(row.idleErr)} / ${pct(row.peakErr)}`);
    } catch (e) {
      rows.push({ app, error: String(e.message ?? e) });
      log(`  FAILED: ${e.message ?? e}`);
    }
  }
  const loadEnd = run('uptime', []).stdout.trim();
  const ok = rows.length > 0 && rows.every((r) => !r.error && Math.abs(r.idleErr) <= IDLE_TARGET && Math.abs(r.peakErr) <= PEAK_TARGET);
  const when = `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; ${versionsOf()} (Debian 12 packages). \`uptime\` at the start: \`${loadStart}\`; at the end: \`${loadEnd}\`.`;
  const runLine = only ? `${PARTIAL_RUN} ${only.join(',')}\` on ${when}` : `Measured by \`npm run validate-budget\` (scripts/validate-budget/real-apps.mjs) on ${when}`;
  const fresh = new Map(rows.map((r) => [r.app.key, { row: rowLine(r), breakdown: breakdownLine(r) }]));
  return { markdown: sectionMarkdown([runLine], REAL_APPS.filter((a) => fresh.has(a.key)).map((a) => fresh.get(a.key)), []), ok, rows, runLine, fresh };
}

const SECTION_TITLE = '## Memory budget on real public apps';
const SECTION_END = '<!-- end of the section npm run validate-budget --write-docs writes -->';
const PARTIAL_RUN = 'Rows re-measured by `npm run validate-budget -- --apps';
const HOW = 'Each app is brought from its public repository at the commit shown (only the reference is kept here), started as its deploy file says with only the bind address overridden (Debian\'s packages instead of `pip install`; SQLite instead of the platform\'s Postgres; a local redis-server as the Celery broker), and measured as the distinct resident memory of its process tree (each physical page once). Idle: after rounds of light requests (Celery: tasks) as many at once as the deploy serves, once memory settled. Peak: the highest distinct memory sampled while bursts of the deploy\'s own concurrency (workers x threads requests at once; Celery: batches of tasks) ran for 6 s. memlint\'s estimate: `memlint <copy> --format json` with hostCpus = 2. Targets: within 20% idle, 30% peak.';
const TABLE_HEAD = ['| app (public) | commit | deploy | processes | memlint idle / peak | measured idle / peak | error idle / peak |', '|---|---|---|---|---|---|---|'];

/** The start of an app's table row: its repository, commit and deploy, which name the row across runs. */
function rowPrefix(app) {
  const ref = app.repo ? `[${app.repo}](https://github.com/${app.repo})` : app.local;
  const commit = app.commit ? `\`${app.commit.slice(0, 10)}\`` : '—';
  return `| ${ref} | ${commit} | ${app.shape} |`;
}

function rowLine(r) {
  if (r.error) return `${rowPrefix(r.app)} — | — | failed: ${r.error.slice(0, 200).replace(/\|/g, '/')} | ✗ |`;
  const mark = Math.abs(r.idleErr) <= IDLE_TARGET && Math.abs(r.peakErr) <= PEAK_TARGET ? '✓' : '✗';
  return `${rowPrefix(r.app)} ${r.m.procs} | ${r.est.idleMb} / ${r.est.peakMb} MB | ${f1(r.m.idle)} / ${f1(r.m.peak)} MB | ${pct(r.idleErr)} / ${pct(r.peakErr)} ${mark} |`;
}

function breakdownLine(r) {
  return r.est ? `- ${r.app.key}: ${r.est.summary ?? r.est.items.map((i) => `${i.count} x ${i.eachMb} ${i.label}`).join(' + ')}` : undefined;
}

function sectionMarkdown(runLines, entries, strayRows) {
  const md = [SECTION_TITLE, ''];
  for (const l of runLines) md.push(l, '');
  md.push(HOW, '', ...TABLE_HEAD, ...entries.map((e) => e.row), ...strayRows);
  md.push('', 'memlint\'s breakdown of each deploy:', '');
  for (const e of entries) if (e.breakdown) md.push(e.breakdown);
  md.push('', SECTION_END, '');
  return md.join('\n');
}

/**
 * The section after a run of some apps (`--apps`) over the section `old` of an earlier run: the apps run get their
 * fresh row and breakdown, every other app keeps its old ones (in REAL_APPS order), and the run's line joins the
 * earlier runs' lines (replacing an earlier run of the same apps). Old rows no app names any more are kept at the
 * end, so nothing measured disappears unnoticed. `old` undefined: the fresh rows alone.
 */
export function mergeSection(old, { runLine, fresh }) {
  const lines = old ? old.split('\n') : [];
  const runPrefix = (l) => (l.startsWith(PARTIAL_RUN) ? l.slice(0, l.indexOf(' on ')) : undefined);
  const runLines = lines.filter((l) => l.startsWith('Measured by ') || (l.startsWith(PARTIAL_RUN) && runPrefix(l) !== runPrefix(runLine)));
  runLines.push(runLine);
  const tableRows = lines.filter((l) => l.startsWith('| ') && !TABLE_HEAD.includes(l));
  const used = new Set();
  const entries = [];
  for (const app of REAL_APPS) {
    if (fresh.has(app.key)) {
      entries.push(fresh.get(app.key));
      used.add(tableRows.find((l) => l.startsWith(rowPrefix(app) + ' ')));
      continue;
    }
    const row = tableRows.find((l) => l.startsWith(rowPrefix(app) + ' '));
    if (!row) continue;
    used.add(row);
    entries.push({ row, breakdown: lines.find((l) => l.startsWith(`- ${app.key}: `)) });
  }
  return sectionMarkdown(runLines, entries, tableRows.filter((l) => !used.has(l)));
}

/** The section as docs/PERFORMANCE.md has it (title to end marker), or undefined. */
export function sectionOf(text) {
  const start = text.indexOf(SECTION_TITLE + '\n');
  const end = text.indexOf(SECTION_END, start);
  return start >= 0 && end > start ? text.slice(start, end + SECTION_END.length) + '\n' : undefined;
}
