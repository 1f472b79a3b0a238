/**
 * What the budget reads from an app besides its deploy files: model files loaded at import (their size, once per
 * process that loads them), the request sizes its settings allow (for the peak), and preload_app in a config's
 * production branch.
 */
import * as assert from 'node:assert/strict';
import { estimateDeploys } from '../../analysis/deploy/estimate';
import { preloadInProductionBranch } from '../../analysis/deploy/servers';

const MB = 1048576;

function project(files: Record<string, string>, sizes: Record<string, number> = {}) {
  return { files: () => Object.keys(files), readFile: (rel: string) => files[rel], fileSize: (rel: string) => sizes[rel] };
}

const PROCFILE = (flags: string) => `web: gunicorn app:app --workers 2 ${flags}\n`;

describe('memory budget: app facts', () => {
  it('counts a model file loaded at import by its size x 210%, per worker, and once with --preload', () => {
    const app = 'import joblib\nfrom flask import Flask\nmodel = joblib.load("model.joblib")\napp = Flask(__name__)\n';
    const files = { 'requirements.txt': 'flask\ngunicorn\nscikit-learn\n', 'app.py': app };
    const copied = estimateDeploys(project({ ...files, Procfile: PROCFILE('') }, { 'model.joblib': 10 * MB }))[0];
    const model = copied.items.find((i) => i.key === 'model-overhead')!;
    // 10 MB file x 210% = 21 MB in each of the 2 workers; unpickling imports scikit-learn in each too
    assert.deepEqual([model.count, model.eachMb], [2, 21]);
    assert.match(model.label, /model\.joblib \(joblib\.load, 10 MB file\)/);
    assert.deepEqual(copied.items.filter((i) => i.key === 'scikit-learn').map((i) => i.count), [2]);
    const preloaded = estimateDeploys(project({ ...files, Procfile: PROCFILE('--preload') }, { 'model.joblib': 10 * MB }))[0];
    const once = preloaded.items.find((i) => i.key === 'model-overhead')!;
    assert.deepEqual([once.count, once.eachMb, once.role], [1, 21, 'parent']);
  });

  it('does not count a model loaded inside a function, or a path that is not a file of the workspace', () => {
    const app = 'import joblib\nfrom flask import Flask\napp = Flask(__name__)\n\ndef predict():\n    model = joblib.load("model.joblib")\n    return model\n\nother = joblib.load("missing.joblib")\n';
    const [e] = estimateDeploys(project({ 'requirements.txt': 'flask\ngunicorn\n', 'app.py': app, Procfile: PROCFILE('') }, { 'model.joblib': 10 * MB }));
    assert.ok(!e.items.some((i) => i.key === 'model-overhead'), JSON.stringify(e.items));
  });

  it('counts a model loaded in a Celery worker_process_init handler once per pool process, never shared before fork', () => {
    const tasks = (decorator: string) =>
      `import joblib\nfrom celery import Celery\nfrom celery.signals import worker_init, worker_process_init\n\napp = Celery("tasks")\nmodel = None\n\n\n${decorator}\ndef load_model(**kwargs):\n    global model\n    model = joblib.load("model.joblib")\n`;
    const files = { 'requirements.txt': 'celery\nscikit-learn\n', Procfile: 'worker: celery -A tasks worker --concurrency 3\n' };
    const [e] = estimateDeploys(project({ ...files, 'tasks.py': tasks('@worker_process_init.connect') }, { 'model.joblib': 10 * MB }));
    const model = e.items.find((i) => i.key === 'model-overhead')!;
    // Prefork imports tasks.py before fork, but the handler runs in each of the 3 pool processes after it.
    assert.deepEqual([model.count, model.eachMb, model.role], [3, 21, 'child']);
    assert.match(model.label, /worker_process_init handler of each pool process/);
    // A module-level load in the same worker is loaded once in the main process and shared.
    const atImport = 'import joblib\nfrom celery import Celery\napp = Celery("tasks")\nmodel = joblib.load("model.joblib")\n';
    const [shared] = estimateDeploys(project({ ...files, 'tasks.py': atImport }, { 'model.joblib': 10 * MB }));
    assert.deepEqual(shared.items.filter((i) => i.key === 'model-overhead').map((i) => [i.count, i.role]), [[1, 'parent']]);
    // worker_init is sent once by the main process, not per pool process: not a per-process load.
    const [main] = estimateDeploys(project({ ...files, 'tasks.py': tasks('@worker_init.connect') }, { 'model.joblib': 10 * MB }));
    assert.ok(!main.items.some((i) => i.key === 'model-overhead'), JSON.stringify(main.items));
  });

  it('counts a model loaded in a FastAPI startup handler per web worker, even with --preload; not a Celery handler the web app imports', () => {
    const app =
      'import joblib\nfrom celery.signals import worker_process_init\nfrom fastapi import FastAPI\n\napp = FastAPI()\nstate = {}\n\n\n' +
      '@app.on_event("startup")\ndef load_model():\n    state["model"] = joblib.load("model.joblib")\n\n\n' +
      '@worker_process_init.connect\ndef load_encoder(**kwargs):\n    state["encoder"] = joblib.load("encoder.joblib")\n';
    const files = { 'requirements.txt': 'fastapi\ngunicorn\nuvicorn\nscikit-learn\n', 'main.py': app };
    const sizes = { 'model.joblib': 10 * MB, 'encoder.joblib': 20 * MB };
    for (const flags of ['', '--preload']) {
      const [e] = estimateDeploys(project({ ...files, Procfile: `web: gunicorn main:app -k uvicorn.workers.UvicornWorker --workers 2 ${flags}\n` }, sizes));
      const models = e.items.filter((i) => i.key === 'model-overhead');
      assert.deepEqual(models.map((i) => [i.count, i.eachMb]), [[2, 21]], `${flags}: ${JSON.stringify(models)}`);
      assert.match(models[0].label, /model\.joblib .*startup handler of each worker/);
    }
  });

  it('raises the peak by the request body a Django setting allows, per request in flight, not the idle figure', () => {
    const files = {
      'requirements.txt': 'django\ngunicorn\n',
      'config/__init__.py': '',
      'config/wsgi.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")\nfrom django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n',
      'config/settings.py': 'DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024\n',
      Procfile: 'web: gunicorn config.wsgi --workers 2\n',
    };
    const [e] = estimateDeploys(project(files));
    const request = e.items.find((i) => i.key === 'request')!;
    // 2 requests in flight, each up to the 50 MB body Django buffers
    assert.deepEqual([request.count, request.eachMb, request.phase], [2, 50, 'peak']);
    assert.match(request.label, /50 MB request body \(DATA_UPLOAD_MAX_MEMORY_SIZE\)/);
    assert.equal(Math.round((e.peakMb - e.idleMb) * 10) / 10, 100);
  });

  it('reads preload_app = True in the production branch of a gunicorn config, not in an unknown condition', () => {
    assert.equal(preloadInProductionBranch('import os\nif os.environ.get("ENVIRONMENT") == "development":\n    reload = True\nelse:\n    preload_app = True\n'), true);
    assert.equal(preloadInProductionBranch('import os\nif os.environ.get("FAST"):\n    preload_app = True\n'), false);
    assert.equal(preloadInProductionBranch('def on_starting(server):\n    preload_app = True\n'), false);
  });
});
