/**
 * estimateDeploys on the memory-budget fixture workspaces: totals and breakdown items computed by hand from
 * the figures in analysis/deploy/baselines.ts (measured: django-drf 47.4, express 56, gunicorn master 28.9, npm 15.2;
 * measured here: django 30.9, flask 15.3, fastapi 20.7, Celery main process 37.6, pool process 18.5, solo/threads
 * +7.6, node binary shared by Node processes 33.2, scikit-learn 66, preload-private 30%; estimates: python 40,
 * node 50 MB per worker; pm2 daemon 50; torch 300, SciPy 85, pandas 60, onnxruntime 50). At peak only: 0.2 MB per
 * thread, 0.5 MB per DB connection, 0.5 MB per request in flight. totalMb is the peak (the verdict's figure).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allRules } from '../../rules/index';
import { pythonCount, shellCount } from '../../analysis/deploy/counts';
import { estimateDeploys, type DeployEstimate, type EstimateOptions } from '../../analysis/deploy/estimate';
import { dockerSizeMb, flyMemoryMb, herokuDyno, kubernetesQuantityMb, renderPlanMb } from '../../analysis/deploy/platform-limits';
import { loadConfig } from '../../server/src/engine/config';
import { analyzeWith, analyzerFor, fixtureProject } from '../support/analyze';
import { FIXTURES_ROOT } from '../support/fixtures';

function estimates(workspace: string, options: EstimateOptions = {}): DeployEstimate[] {
  const root = path.join(FIXTURES_ROOT, 'memory-budget', workspace);
  const limit = fs.existsSync(path.join(root, 'memlint.toml')) ? loadConfig(root, allRules).memoryLimitMb : undefined;
  return estimateDeploys(fixtureProject(root, limit), options);
}

function byId(list: DeployEstimate[], id: string): DeployEstimate {
  const e = list.find((x) => x.id === id);
  assert.ok(e, `no estimate ${id}; have ${list.map((x) => x.id).join(', ')}`);
  return e!;
}

/** [count, eachMb, key] of each breakdown line. */
function lines(e: DeployEstimate): [number, number, string][] {
  return e.items.map((i) => [i.count, i.eachMb, i.key]);
}

describe('memory budget estimates (analysis/deploy/estimate.ts)', () => {
  it('render-starter-django: 17 workers from cpu_count() * 2 + 1 on 8 host CPUs', () => {
    const list = estimates('render-starter-django');
    assert.deepEqual(list.map((e) => e.id), ['render.yaml#shop-api']);
    const e = list[0];
    // idle: 17 x 47.4 (Django + DRF) + gunicorn master 28.9 = 805.8 + 28.9 = 834.7
    // peak: + 17 DB connections x 0.5 + 17 requests in flight x 0.5 = 851.7
    assert.deepEqual(lines(e), [
      [17, 47.4, 'django-drf'],
      [1, 28.9, 'gunicorn-master'],
      [17, 0.5, 'db-connection'],
      [17, 0.5, 'request'],
    ]);
    assert.equal(e.idleMb, 834.7);
    assert.equal(e.peakMb, 851.7);
    assert.equal(e.totalMb, 851.7);
    assert.deepEqual(e.limit?.mb, 512);
    assert.equal(e.limit?.label, 'Render starter');
    assert.equal(e.over, true);
    assert.equal(e.anchor?.file, 'gunicorn.conf.py');
    assert.equal(e.anchor?.what, 'worker count');
    assert.equal(e.processes[0].workers.cpuDerived, true);
    assert.match(e.processes[0].workers.how, /= 17 on a host reporting 8 CPUs/);
    // 512 - 28.9 = 483.1 left; each worker costs 47.4 + 0.5 + 0.5 = 48.4 MB at peak -> 9 fit
    assert.match(e.advice ?? '', /use at most 9 workers/);
  });

  it('uses the hostCpus option for CPU-derived counts', () => {
    const e = estimates('render-starter-django', { hostCpus: 2 })[0];
    // 2 * 2 + 1 = 5 workers: 5 x 47.4 + 28.9 = 265.9 idle; + 5 x 0.5 (DB) + 5 x 0.5 (requests) = 270.9 at peak
    assert.equal(e.idleMb, 265.9);
    assert.equal(e.processes[0].workers.n, 5);
    assert.equal(e.totalMb, 270.9);
  });

  it('lets configuration override a baseline, and says so in the source', () => {
    const e = estimates('render-starter-django', { baselines: ['django-drf=150', 'not-a-key=1', 'garbage'] })[0];
    // 17 x 150 + 28.9 + 17 x 0.5 + 17 x 0.5 = 2595.9
    assert.equal(e.totalMb, 2595.9);
    assert.match(e.items[0].source, /configuration/);
    assert.match(e.items[1].source, /measured: docs\/PERFORMANCE\.md/);
  });

  it('fly-fastapi: one estimate per process group, sized by [[vm]] memory', () => {
    const list = estimates('fly-fastapi');
    const web = byId(list, 'fly.toml#web');
    // 6 x 20.7 (FastAPI) + master 28.9 + 6 x 60 (pandas, imported by main.py, in every worker) = 124.2 + 28.9 + 360
    // = 513.1 idle; + 6 requests in flight x 0.5 = 516.1 at peak > 512
    assert.deepEqual(lines(web), [
      [6, 20.7, 'fastapi'],
      [1, 28.9, 'gunicorn-master'],
      [6, 60, 'pandas'],
      [6, 0.5, 'request'],
    ]);
    assert.equal(web.idleMb, 513.1);
    assert.equal(web.totalMb, 516.1);
    assert.equal(web.limit?.mb, 512);
    assert.equal(web.over, true);
    // `python worker.py`: one generic Python process 40 (+ 0.5 at peak); main.py's pandas is not loaded by worker.py
    const worker = byId(list, 'fly.toml#worker');
    assert.equal(worker.idleMb, 40);
    assert.equal(worker.totalMb, 40.5);
    assert.deepEqual(worker.processes[0].libraries, []);
    assert.equal(worker.over, false);
  });

  it('fly-inline-vm: `vm = [{ memory = "1gb" }]` reads like [[vm]]', () => {
    const [e] = estimates('fly-inline-vm');
    // uvicorn --workers 4: 4 x 20.7 + supervisor 25 = 107.8 idle; + 4 x 0.5 = 109.8 at peak <= 1024
    assert.equal(e.limit?.mb, 1024);
    assert.equal(e.idleMb, 107.8);
    assert.equal(e.totalMb, 109.8);
    assert.equal(e.over, false);
  });

  it('celery-pools: the default concurrency is the CPU count; solo and threads are one process', () => {
    const list = estimates('celery-pools');
    // no -c, no config: 8 pool processes x 18.5, forked from the main process 37.6 = 185.6 idle; + 8 tasks x 0.5 = 189.6
    const def = byId(list, 'Procfile#default');
    assert.deepEqual(lines(def), [[8, 18.5, 'celery-child'], [1, 37.6, 'celery'], [8, 0.5, 'request']]);
    assert.equal(def.idleMb, 185.6);
    assert.equal(def.totalMb, 189.6);
    assert.equal(def.processes[0].workers.cpuDerived, true);
    // --pool=solo: the main process runs the tasks: 37.6 + 7.6 = 45.2 (+ 0.5 for a task at peak)
    assert.deepEqual(lines(byId(list, 'Procfile#solo')), [[1, 37.6, 'celery'], [1, 7.6, 'celery-inline'], [1, 0.5, 'request']]);
    // -P threads: one process (45.2) + at peak 8 threads (the CPU count) x 0.2 + 8 tasks x 0.5 = 50.8; with -c 4: 48
    assert.equal(byId(list, 'Procfile#threads').idleMb, 45.2);
    assert.equal(byId(list, 'Procfile#threads').totalMb, 50.8);
    assert.deepEqual(lines(byId(list, 'Procfile#threads4')), [[1, 37.6, 'celery'], [1, 7.6, 'celery-inline'], [4, 0.2, 'thread'], [4, 0.5, 'request']]);
    // --autoscale=6,2: its maximum, 6 x 18.5 + 37.6 = 148.6 idle, 151.6 at peak
    assert.equal(byId(list, 'Procfile#autoscale').totalMb, 151.6);
  });

  it('celery-over: the advice names the pool processes whole in the headline', () => {
    const root = path.join(FIXTURES_ROOT, 'memory-budget', 'celery-over');
    const file = path.join(root, 'render.yaml');
    const findings = analyzeWith(analyzerFor('memory-budget', root), root, file, fs.readFileSync(file, 'utf8')).findings;
    assert.deepEqual(
      findings.map((f) => f.message),
      ['Render service "reports" needs ~706 MB, over its 512 MB limit: use at most 21 pool processes'],
    );
  });

  it('celery-over: cpu-derived-workers prices the pool processes as the budget does', () => {
    const root = path.join(FIXTURES_ROOT, 'memory-budget', 'celery-over');
    const file = path.join(root, 'render.yaml');
    const [finding] = analyzeWith(analyzerFor('cpu-derived-workers', root), root, file, fs.readFileSync(file, 'utf8')).findings;
    const pool = byId(estimates('celery-over'), 'render.yaml#reports').items.find((i) => i.key === 'celery-child');
    assert.ok(pool, 'no pool process line in the budget');
    assert.equal(finding?.message, `Starts 32 celery worker processes, ~${Math.round(32 * pool!.eachMb)} MB of app copies: use \${CELERY_CONCURRENCY:-2}`);
  });

  it('celery-config: worker_concurrency in app.conf.update(...) sets the pool size', () => {
    const [e] = estimates('celery-config');
    // 3 x 18.5 + main process 37.6 = 93.1 idle; + 3 tasks x 0.5 = 94.6 at peak
    assert.deepEqual(lines(e), [[3, 18.5, 'celery-child'], [1, 37.6, 'celery'], [3, 0.5, 'request']]);
    assert.equal(e.totalMb, 94.6);
    assert.match(e.processes[0].workers.how, /worker_concurrency = 3 in proj\/celery\.py/);
  });

  it('multi-process: every process concurrently, supervisord and honcho start is counted', () => {
    const list = estimates('multi-process');
    assert.deepEqual(list.map((e) => e.id).sort(), ['Dockerfile', 'honcho/Procfile#web', 'package.json']);
    // supervisord: gunicorn 2 x 40 (Python) + master 28.9, and celery -c 2 twice (numprocs=2): 2 x (2 x 18.5 + 37.6)
    // = 80 + 28.9 + 149.2 = 258.1 idle; + 2 requests and 2 x 2 tasks in flight x 0.5 = 261.1 at peak
    assert.equal(byId(list, 'Dockerfile').idleMb, 258.1);
    assert.equal(byId(list, 'Dockerfile').totalMb, 261.1);
    assert.equal(byId(list, 'Dockerfile').processes.length, 3);
    // concurrently "node api.js" "node jobs.js": 2 x 50 (node) + concurrently itself, one Node process, 50 = 150 idle;
    // + in each app its V8 young generation grown under load (48) and a request in flight (0.5) = 247 at peak
    const npm = byId(list, 'package.json');
    assert.deepEqual(lines(npm), [
      [1, 50, 'node'],
      [1, 50, 'node'],
      [1, 48, 'v8-young-generation'],
      [1, 0.5, 'request'],
      [1, 50, 'node'],
      [1, 48, 'v8-young-generation'],
      [1, 0.5, 'request'],
    ]);
    assert.equal(npm.idleMb, 150);
    assert.equal(npm.totalMb, 247);
    // honcho start -f Procfile.dev: its two node processes, 100 idle (Procfile.dev is no deploy of its own)
    assert.equal(byId(list, 'honcho/Procfile#web').idleMb, 100);
  });

  it('compose-limits: merge keys, mem_limit and deploy.resources.limits.memory', () => {
    const list = estimates('compose-limits');
    assert.deepEqual(list.map((e) => e.id).sort(), ['docker-compose.yml#api', 'docker-compose.yml#worker']);
    const api = byId(list, 'docker-compose.yml#api');
    // 12 x 15.3 (Flask) + master 28.9 = 212.5 idle; at peak + 12 workers x 2 threads x (0.2 MB a thread + 0.5 MB a
    // request in flight) = 229.3 > 192 (mem_limit 192m)
    assert.deepEqual(lines(api), [
      [12, 15.3, 'flask'],
      [1, 28.9, 'gunicorn-master'],
      [24, 0.2, 'thread'],
      [24, 0.5, 'request'],
    ]);
    assert.equal(api.idleMb, 212.5);
    assert.equal(api.totalMb, 229.3);
    assert.equal(api.over, true);
    assert.equal(api.processes[0].workerClass, 'gthread');
    const worker = byId(list, 'docker-compose.yml#worker');
    // celery prefork -c 2: 2 x 18.5 + main process 37.6 = 74.6 idle, + 2 tasks in flight x 0.5 = 75.6 <= 1024
    assert.equal(worker.totalMb, 75.6);
    assert.equal(worker.limit?.mb, 1024);
    assert.equal(worker.over, false);
  });

  it('heroku-app: dyno sizes from app.json, WEB_CONCURRENCY from the Python buildpack, torch shared by --preload', () => {
    const list = estimates('heroku-app');
    const web = byId(list, 'app.json#web');
    // standard-1x: WEB_CONCURRENCY = min(8 * 2 + 1, 512 / 256) = 2
    // shop.wsgi -> "shop.settings" -> ROOT_URLCONF "shop.urls" -> shop/views.py (torch, scikit-learn) ->
    // shop/tagger.py (pandas). Preloaded: 2 workers x 30% of 30.9 (Django) = 2 x 9.3 private; the master 28.9 + the
    // app's shared 21.6 + torch, pandas and scikit-learn once (300 + 60 + 66) = 495.1 idle; + 2 DB connections and
    // 2 requests in flight x 0.5 = 497.1 <= 512 (without --preload each worker would hold the libraries: 2 x 456.9 + 28.9)
    assert.deepEqual(lines(web), [
      [2, 9.3, 'django'],
      [1, 28.9, 'gunicorn-master'],
      [1, 21.6, 'django'],
      [1, 300, 'torch'],
      [1, 60, 'pandas'],
      [1, 66, 'scikit-learn'],
      [2, 0.5, 'db-connection'],
      [2, 0.5, 'request'],
    ]);
    assert.equal(web.idleMb, 495.1);
    assert.equal(web.totalMb, 497.1);
    assert.equal(web.over, false);
    assert.equal(web.limit?.label, 'Heroku standard-1x');
    assert.equal(web.anchor?.file, 'Procfile');
    assert.equal(web.anchor?.what, 'start command');
    const worker = byId(list, 'app.json#worker');
    // standard-2x (1 GB): 4 pool processes x (18.5 + 30% of 30.9 = 27.8) + main 37.6 + Django 30.9 + torch, scikit-learn
    // and pandas once 426 = 605.7 idle; + 4 DB connections + 4 tasks in flight x 0.5 = 609.7 <= 1024
    // (celery's -A app is not followed: every module under the app counts)
    assert.equal(worker.totalMb, 609.7);
    assert.equal(worker.limit?.mb, 1024);
    assert.equal(worker.over, false);
    assert.ok(!list.some((e) => e.id.includes('release')), 'the release phase is not a process');
  });

  it('django-reach: counts the libraries the served app loads, not those of scripts and management commands', () => {
    const [e] = estimates('django-reach');
    // config.wsgi -> "config.settings" -> INSTALLED_APPS "shop.apps.ShopConfig" (shop/admin.py: scipy) and
    // ROOT_URLCONF "config.urls" -> include("shop.urls") -> shop/views.py (numpy, imported in the view).
    // Not loaded: pandas (a management command) and torch (scripts/train.py).
    // SciPy's figure includes numpy: 2 x 30.9 (Django) + master 28.9 + 2 x 85 (SciPy) = 260.7 idle; + 2 DB connections
    // + 2 requests in flight, x 0.5 each = 262.7 at peak
    assert.deepEqual(e.processes[0].libraries, ['scipy']);
    assert.deepEqual(lines(e), [
      [2, 30.9, 'django'],
      [1, 28.9, 'gunicorn-master'],
      [2, 85, 'scipy'],
      [2, 0.5, 'db-connection'],
      [2, 0.5, 'request'],
    ]);
    assert.equal(e.idleMb, 260.7);
    assert.equal(e.totalMb, 262.7);
  });

  it('k8s: per-container limits in a multi-document manifest', () => {
    const list = estimates('k8s');
    const api = list.find((e) => e.id.endsWith('/api'))!;
    // 4 x 20.7 (FastAPI, measured under UvicornWorker) + master 28.9 + 4 x 50 (onnxruntime in each worker) = 311.7 idle;
    // + 4 requests in flight x 0.5 = 313.7 > 256 (256Mi)
    assert.equal(api.totalMb, 313.7);
    assert.equal(api.limit?.mb, 256);
    assert.equal(api.anchor?.file, 'deployment.yaml');
    const metrics = list.find((e) => e.id.endsWith('/metrics'))!;
    // node sidecar.js: one Node process, 50 (+ 48 for V8's young generation under load and 0.5 for a request in flight) <= 128
    assert.equal(metrics.totalMb, 98.5);
    assert.equal(metrics.over, false);
  });

  it('preload-shared: --preload loads torch once, under the limit', () => {
    const [e] = estimates('preload-shared');
    // 3 x 4.6 (30% of Flask's 15.3, private) + master 28.9 + the app's shared 10.7 + torch 300 once = 353.4 idle; + 3
    // requests in flight x 0.5 = 354.9 <= 512 (without --preload: 3 x (15.3 + 300) + 28.9 + 1.5 = 976.3)
    assert.equal(e.idleMb, 353.4);
    assert.equal(e.totalMb, 354.9);
    assert.equal(e.over, false);
    assert.equal(e.advice, undefined);
  });

  it('pm2-cluster: instances "max" from the ecosystem file, memoryLimitMb from configuration', () => {
    const [e] = estimates('pm2-cluster');
    // 8 separate Node processes: each 56 (Express) less the node binary's 33.2 they share = 8 x 22.8, + the shared 33.2
    // once + pm2 daemon 50 = 265.6 idle; + 8 young generations grown under load x 48 + 8 requests in flight x 0.5
    // = 653.6 > 256
    assert.deepEqual(lines(e), [
      [8, 22.8, 'express'],
      [1, 33.2, 'node-shared'],
      [1, 50, 'pm2-daemon'],
      [8, 48, 'v8-young-generation'],
      [8, 0.5, 'request'],
    ]);
    assert.equal(e.totalMb, 653.6);
    assert.equal(e.limit?.label, 'memoryLimitMb = 256 in configuration');
    assert.equal(e.anchor?.file, 'ecosystem.config.js');
  });

  it('npm-start: `npm start` keeps npm and its shell resident beside the app; `node server.js` does not', () => {
    const list = estimates('npm-start');
    // node (Express) 56 + npm and its shell 15.2 = 71.2 idle (+ 48 for V8's young generation and 0.5 for a request
    // in flight at peak)
    assert.deepEqual(lines(byId(list, 'render.yaml#via-npm')), [
      [1, 56, 'express'],
      [1, 15.2, 'npm-launcher'],
      [1, 48, 'v8-young-generation'],
      [1, 0.5, 'request'],
    ]);
    assert.equal(byId(list, 'render.yaml#via-npm').idleMb, 71.2);
    assert.deepEqual(lines(byId(list, 'render.yaml#direct')), [[1, 56, 'express'], [1, 48, 'v8-young-generation'], [1, 0.5, 'request']]);
  });

  it('no-limit: estimates without a limit are never over', () => {
    const [e] = estimates('no-limit');
    assert.equal(e.limit, undefined);
    assert.equal(e.over, false);
    // 16 x 30.9 (Django) + 28.9 = 523.3 idle; + 16 requests in flight x 0.5 = 531.3 at peak
    assert.equal(e.idleMb, 523.3);
    assert.equal(e.totalMb, 531.3);
  });

  it('reads a worker count the gunicorn config imports from a settings module, through its names', () => {
    const files: Record<string, string> = {
      Procfile: 'web: gunicorn app.main:app -c gunicorn.conf.py\n',
      'requirements.txt': 'flask\ngunicorn\n',
      'gunicorn.conf.py': 'from app.settings import WEB_WORKERS as workers_setting\n\nworkers = workers_setting\n',
      'app/__init__.py': '',
      'app/main.py': 'from flask import Flask\napp = Flask(__name__)\n',
      'app/settings.py': 'import multiprocessing\nimport os\n\nfrom .defaults import PER_CORE\n\nCORES = multiprocessing.cpu_count()\nWEB_WORKERS = int(os.getenv("WEB_WORKERS", PER_CORE * CORES + 1))\n',
      'app/defaults.py': 'PER_CORE = 2\n',
    };
    const project = { files: () => Object.keys(files), readFile: (rel: string) => files[rel] };
    const [web] = estimateDeploys(project);
    assert.equal(web.processes[0].workers.n, 17, web.processes[0].workers.how);
    assert.equal(web.processes[0].workers.cpuDerived, true);
  });

  it('returns plain serialisable data', () => {
    for (const ws of ['render-starter-django', 'heroku-app', 'compose-limits', 'k8s']) {
      for (const e of estimates(ws)) assert.deepEqual(JSON.parse(JSON.stringify(e)), e);
    }
  });
});

describe('memory budget building blocks', () => {
  it('reads memory quantities the way each platform writes them', () => {
    assert.equal(kubernetesQuantityMb('512Mi'), 512);
    assert.equal(kubernetesQuantityMb('1Gi'), 1024);
    assert.equal(kubernetesQuantityMb('1G'), 954); // 1e9 bytes
    assert.equal(kubernetesQuantityMb('536870912'), 512);
    assert.equal(kubernetesQuantityMb('lots'), undefined);
    assert.equal(dockerSizeMb('512m'), 512);
    assert.equal(dockerSizeMb('1.5g'), 1536);
    assert.equal(dockerSizeMb('2048MB'), 2048);
    assert.equal(dockerSizeMb(536870912), 512);
    assert.equal(flyMemoryMb('1gb'), 1024);
    assert.equal(flyMemoryMb('512mb'), 512);
    assert.equal(flyMemoryMb(2048), 2048);
    assert.equal(renderPlanMb('starter'), 512);
    assert.equal(renderPlanMb('pro_plus'), 8192);
    assert.equal(renderPlanMb('Pro Max'), 16384);
    assert.equal(renderPlanMb('pro ultra'), 32768);
    assert.equal(herokuDyno('Performance-M')?.mb, 2560);
    assert.equal(herokuDyno('performance-l')?.mb, 14336);
    assert.equal(herokuDyno('basic')?.mb, 512);
  });

  it('evaluates worker counts written as Python and as shell', () => {
    const env = (vars: Record<string, string>) => ({ env: (n: string) => vars[n], hostCpus: 8 });
    assert.deepEqual(pythonCount('multiprocessing.cpu_count() * 2 + 1', env({})), { n: 17, cpuDerived: true, envUsed: [] });
    assert.equal(pythonCount('int(os.environ.get("WEB_CONCURRENCY", 3))', env({}))?.n, 3);
    assert.deepEqual(pythonCount('int(os.environ.get("WEB_CONCURRENCY", 3))', env({ WEB_CONCURRENCY: '5' })), { n: 5, cpuDerived: false, envUsed: ['WEB_CONCURRENCY'] });
    assert.equal(pythonCount('max(2, os.cpu_count() // 2)', env({}))?.n, 4);
    assert.equal(pythonCount('int(os.getenv("WORKERS") or 2)', env({}))?.n, 2);
    assert.equal(pythonCount('workers_from_somewhere()', env({})), undefined);
    assert.equal(shellCount('4', env({}))?.n, 4);
    assert.equal(shellCount('${WEB_CONCURRENCY:-4}', env({}))?.n, 4);
    assert.equal(shellCount('${WEB_CONCURRENCY:-4}', env({ WEB_CONCURRENCY: '2' }))?.n, 2);
    assert.deepEqual(shellCount('$(( $(nproc) * 2 + 1 ))', env({})), { n: 17, cpuDerived: true, envUsed: [] });
    assert.equal(shellCount('$WORKERS', env({})), undefined);
  });
});
