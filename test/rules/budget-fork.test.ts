/**
 * The fork model (analysis/deploy/fork-model.ts): what a parent holds once, what its children share with it and what
 * each child holds privately, and what only counts at peak. Figures computed by hand from analysis/deploy/baselines.ts:
 * Flask 15.3 MB per worker, gunicorn master 28.9, preload-private 30%, Celery main process 37.6, pool process 18.5,
 * SQLAlchemy 20.1, scikit-learn 66, 0.5 MB per request in flight and per DB connection.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { estimateDeploys, type DeployEstimate } from '../../analysis/deploy/estimate';
import { fixtureProject } from '../support/analyze';
import { FIXTURES_ROOT } from '../support/fixtures';

function only(workspace: string): DeployEstimate {
  const list = estimateDeploys(fixtureProject(path.join(FIXTURES_ROOT, 'memory-budget', workspace)));
  assert.equal(list.length, 1, list.map((e) => e.id).join(', '));
  return list[0];
}

/** A fixture's files with its Procfile replaced. */
function withProcfile(workspace: string, procfile: string) {
  const root = path.join(FIXTURES_ROOT, 'memory-budget', workspace);
  const files = fs.readdirSync(root);
  const read = (rel: string) => (files.includes(rel) ? fs.readFileSync(path.join(root, rel), 'utf8') : undefined);
  return { files: () => files, readFile: (rel: string) => (rel === 'Procfile' ? procfile : read(rel)), fileSize: (rel: string) => (files.includes(rel) ? fs.statSync(path.join(root, rel)).size : undefined) };
}

const lines = (e: DeployEstimate) => e.items.map((i) => [i.count, i.eachMb, i.key, i.role, i.phase]);

describe('memory budget fork model', () => {
  it('a preloaded app is imported once in the master and shared; each worker keeps its private part', () => {
    const e = only('fork-preload');
    // workers: 3 x 30% of 15.3 = 3 x 4.6; master 28.9 + the app's shared 70% (15.3 - 4.6 = 10.7) once
    assert.deepEqual(lines(e), [
      [3, 4.6, 'flask', 'child', 'idle'],
      [1, 28.9, 'gunicorn-master', 'parent', 'idle'],
      [1, 10.7, 'flask', 'parent', 'idle'],
      [3, 0.5, 'request', 'child', 'peak'],
    ]);
    assert.equal(e.idleMb, 53.4); // 13.8 + 28.9 + 10.7
    assert.equal(e.peakMb, 54.9); // + 3 requests in flight x 0.5
    assert.equal(e.totalMb, e.peakMb);
    assert.deepEqual(e.processes[0].fork, { model: 'preload', parentMb: 39.6, childMb: 4.6, children: 3, shared: 'the app and its libraries, imported before fork (copy-on-write)' });
    assert.ok(e.notes.some((n) => n.includes('gc.freeze()') && n.includes('docs.python.org/3/library/gc.html#gc.freeze')), e.notes.join('\n'));
  });

  it('a non-preloaded app is copied into every worker; the master holds none of it', () => {
    const e = only('fork-copied');
    // 3 x 15.3 + master 28.9 = 74.8 idle; + 3 x 0.5 = 76.3 at peak
    assert.deepEqual(lines(e), [
      [3, 15.3, 'flask', 'child', 'idle'],
      [1, 28.9, 'gunicorn-master', 'parent', 'idle'],
      [3, 0.5, 'request', 'child', 'peak'],
    ]);
    assert.equal(e.idleMb, 74.8);
    assert.equal(e.peakMb, 76.3);
    assert.equal(e.processes[0].fork.model, 'fork');
    assert.ok(e.notes.some((n) => n.includes('--preload')), 'suggests --preload');
    assert.ok(only('fork-preload').idleMb < e.idleMb, 'preloading saves memory');
  });

  it('a Python-heavy library imported before fork is shared in part: each worker keeps the preload-private share of it', () => {
    // Measured: jusba/Muistilista (Flask + Flask-SQLAlchemy, --preload) each worker 13 MB of its own after a query,
    // where Flask alone keeps 5: SQLAlchemy configures its mappers and caches statements in the worker.
    const e = only('fork-preload-sqlalchemy');
    // SQLAlchemy: 30% of 20.1 = 6.0 per worker, 20.1 - 6.0 = 14.1 once in the master
    assert.deepEqual(lines(e), [
      [3, 4.6, 'flask', 'child', 'idle'],
      [1, 28.9, 'gunicorn-master', 'parent', 'idle'],
      [1, 10.7, 'flask', 'parent', 'idle'],
      [1, 14.1, 'sqlalchemy', 'parent', 'idle'],
      [3, 6, 'sqlalchemy', 'child', 'idle'],
      [15, 0.5, 'db-connection', 'child', 'peak'],
      [3, 0.5, 'request', 'child', 'peak'],
    ]);
    assert.equal(e.idleMb, 85.5); // 3 x 4.6 + 28.9 + 10.7 + 14.1 + 3 x 6.0
    assert.equal(e.peakMb, 94.5); // + 3 workers x 5 pooled connections x 0.5 + 3 requests x 0.5
    assert.deepEqual(e.processes[0].fork, { model: 'preload', parentMb: 53.7, childMb: 10.6, children: 3, shared: 'the app and its libraries, imported before fork (copy-on-write)' });
    // Without --preload every worker imports all of it: 3 x (15.3 + 20.1) + 28.9 = 135.1 idle.
    const copied = estimateDeploys(withProcfile('fork-preload-sqlalchemy', 'web: gunicorn app:app --workers 3\n'))[0];
    assert.deepEqual(copied.items.filter((i) => i.phase === 'idle').map((i) => [i.count, i.eachMb, i.key, i.role]), [
      [3, 15.3, 'flask', 'child'],
      [1, 28.9, 'gunicorn-master', 'parent'],
      [3, 20.1, 'sqlalchemy', 'child'],
    ]);
    assert.equal(copied.idleMb, 135.1);
  });

  it('a native library imported before fork stays shared: scikit-learn once in the master, nothing of it per worker', () => {
    const files = { 'requirements.txt': 'flask\ngunicorn\nscikit-learn\n', 'app.py': 'import sklearn.ensemble\nfrom flask import Flask\napp = Flask(__name__)\n', Procfile: 'web: gunicorn app:app --workers 3 --preload\n' };
    const [e] = estimateDeploys({ files: () => Object.keys(files), readFile: (rel: string) => files[rel as keyof typeof files], fileSize: () => undefined });
    assert.deepEqual(e.items.filter((i) => i.key === 'scikit-learn').map((i) => [i.count, i.eachMb, i.role]), [[1, 66, 'parent']]);
    assert.equal(e.idleMb, 119.4); // 3 x 4.6 + 28.9 + 10.7 + 66
  });

  it('Celery prefork: the main process holds the imports, the pool processes are forked from it', () => {
    const e = only('fork-celery');
    // main 37.6 + 4 pool processes x 18.5 = 111.6 idle; + 4 tasks in flight x 0.5 = 113.6 at peak
    assert.deepEqual(lines(e), [
      [4, 18.5, 'celery-child', 'child', 'idle'],
      [1, 37.6, 'celery', 'parent', 'idle'],
      [4, 0.5, 'request', 'child', 'peak'],
    ]);
    assert.equal(e.idleMb, 111.6);
    assert.equal(e.peakMb, 113.6);
    assert.deepEqual(e.processes[0].fork, { model: 'preload', parentMb: 37.6, childMb: 18.5, children: 4, shared: 'the app and its libraries, imported before fork (copy-on-write)' });
  });
});

describe('memory budget: the CPU count each platform gives a deploy', () => {
  const project = (files: Record<string, string>) => ({ files: () => Object.keys(files), readFile: (rel: string) => files[rel] });
  const base = {
    'requirements.txt': 'flask\ngunicorn\n',
    'app.py': 'from flask import Flask\napp = Flask(__name__)\n',
    'gunicorn.conf.py': 'import multiprocessing\nworkers = multiprocessing.cpu_count() * 2 + 1\n',
  };

  it('a Fly Machine reports its vCPUs: [[vm]] size shared-cpu-2x -> 2, so cpu_count() * 2 + 1 = 5 workers', () => {
    const [e] = estimateDeploys(project({ ...base, 'fly.toml': 'app = "a"\n[processes]\napp = "gunicorn app:app -c gunicorn.conf.py"\n[[vm]]\nsize = "shared-cpu-2x"\n' }));
    assert.equal(e.hostCpus, 2);
    assert.equal(e.processes[0].workers.n, 5);
    assert.match(e.cpusFrom, /Fly Machine with 2 vCPUs/);
  });

  it('a Fly app without [[vm]] runs on the default shared-cpu-1x: 1 CPU, 3 workers', () => {
    const [e] = estimateDeploys(project({ ...base, 'fly.toml': 'app = "a"\n[processes]\napp = "gunicorn app:app -c gunicorn.conf.py"\n' }));
    assert.equal(e.hostCpus, 1);
    assert.equal(e.processes[0].workers.n, 3);
  });

  it('[[vm]] cpus = 4 wins over the preset; a Render service falls back to hostCpus (containers report the host\'s CPUs)', () => {
    const [fly] = estimateDeploys(project({ ...base, 'fly.toml': 'app = "a"\n[processes]\napp = "gunicorn app:app -c gunicorn.conf.py"\n[[vm]]\ncpus = 4\nmemory = "1gb"\n' }));
    assert.equal(fly.processes[0].workers.n, 9);
    assert.equal(fly.limit?.mb, 1024);
    const [render] = estimateDeploys(project({ ...base, 'render.yaml': 'services:\n  - type: web\n    name: a\n    runtime: python\n    startCommand: gunicorn app:app -c gunicorn.conf.py\n' }), { hostCpus: 6 });
    assert.equal(render.processes[0].workers.n, 13);
    assert.match(render.cpusFrom, /hostCpus option \(6\)/);
  });
});

describe('memory budget: Node processes', () => {
  it('a script that forks one cluster worker per CPU: separate heaps, the node binary shared once', () => {
    const files: Record<string, string> = {
      'package.json': '{"name":"a","scripts":{"start":"node server.js"},"dependencies":{"express":"^4.19.0"}}',
      'server.js':
        'const cluster = require("node:cluster");\nconst os = require("node:os");\nif (cluster.isPrimary) {\n  for (let i = 0; i < os.cpus().length; i++) cluster.fork();\n} else {\n  require("./app");\n}\n',
      'render.yaml': 'services:\n  - type: web\n    name: a\n    runtime: node\n    startCommand: node server.js\n',
    };
    const [e] = estimateDeploys({ files: () => Object.keys(files), readFile: (rel: string) => files[rel] }, { hostCpus: 2 });
    // 2 workers x (56 Express - 33.2 node binary shared) + the binary once 33.2 + the primary 8.4 = 87.2 idle;
    // + each worker's V8 young generation grown under load, 2 x 48, + 2 requests in flight x 0.5 = 184.2 at peak
    assert.deepEqual(e.items.map((i) => [i.count, i.eachMb, i.key]), [
      [2, 22.8, 'express'],
      [1, 33.2, 'node-shared'],
      [1, 8.4, 'node-primary'],
      [2, 48, 'v8-young-generation'],
      [2, 0.5, 'request'],
    ]);
    assert.equal(e.idleMb, 87.2);
    assert.equal(e.peakMb, 184.2);
    assert.equal(e.processes[0].workers.cpuDerived, true);
  });
});
