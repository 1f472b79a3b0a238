/**
 * The per-process hooks read from text (analysis/python/worker-hooks.ts), as the budget reads them: which function
 * bodies run once in every Celery pool process or web worker, and the look-alikes that do not.
 *
 * Checked on real code (no finding before or after, as expected): paperless-ngx/paperless-ngx src/paperless/celery.py:69
 * and src/documents/signals/handlers.py:1343 (worker_process_init handlers that register parsers / close connections);
 * nuclearthinking/unspoken@c780b06 unspoken/services/queue/worker.py:16 (a worker_process_init handler that downloads
 * models, loads none); trencho/air-quality-rest-api@e9ff77f docker/gunicorn.conf.py:11 (scheduler started in on_starting,
 * once in the master); PedroPLCode/StefanCryptoTradingBot@3c36bef gunicorn_config.py:10 (started in when_ready).
 */
import * as assert from 'node:assert/strict';
import { perProcessHookAt } from '../../analysis/python/worker-hooks';

/** The hook around the line holding `marker`. */
function hookAround(text: string, marker = 'LOAD') {
  return perProcessHookAt(text, text.indexOf(marker));
}

describe('per-process hooks from text', () => {
  it('finds Celery worker_process_init handlers, decorated or connected, under each import form', () => {
    const forms = [
      'from celery.signals import worker_process_init\n\n@worker_process_init.connect\ndef boot(**kw):\n    LOAD()\n',
      'from celery.signals import (\n    worker_init,\n    worker_process_init,\n)\n\n@worker_process_init.connect(weak=False)\ndef boot(**kw):\n    LOAD()\n',
      'from celery import Celery, signals\n\n@signals.worker_process_init.connect\ndef boot(**kw):\n    LOAD()\n',
      'from celery.signals import worker_process_init\n\ndef boot(**kw):\n    if True:\n        LOAD()\n\nworker_process_init.connect(boot)\n',
    ];
    for (const text of forms) assert.deepEqual(hookAround(text)?.process, 'celery-pool-process', text);
  });

  it('finds FastAPI startup handlers, lifespans and Flask before_first_request as per web worker', () => {
    assert.equal(hookAround('app = FastAPI()\n\n@app.on_event("startup")\nasync def boot():\n    LOAD()\n')?.process, 'web-worker');
    assert.equal(hookAround('@asynccontextmanager\nasync def lifespan(app):\n    LOAD()\n    yield\n\napp = FastAPI(lifespan=lifespan)\n')?.process, 'web-worker');
    assert.equal(hookAround('def boot():\n    LOAD()\n\napp = Starlette(on_startup=[boot])\n')?.process, 'web-worker');
    assert.equal(hookAround('app = Flask(__name__)\n\n@app.before_first_request\ndef warm():\n    LOAD()\n')?.label, '@before_first_request');
  });

  it('does not take the look-alikes for per-process hooks', () => {
    const lookAlikes = [
      // Sent once by the worker's main process.
      'from celery.signals import worker_init\n\n@worker_init.connect\ndef boot(**kw):\n    LOAD()\n',
      'from celery.signals import celeryd_init\n\n@celeryd_init.connect\ndef boot(**kw):\n    LOAD()\n',
      // Not Celery's signal.
      'from blinker import signal\nworker_process_init = signal("x")\n\n@worker_process_init.connect\ndef boot(sender):\n    LOAD()\n',
      // Another function below a hook, a shutdown handler, a plain function.
      'from celery.signals import worker_process_init\n\n@worker_process_init.connect\ndef boot(**kw):\n    pass\n\ndef predict():\n    LOAD()\n',
      '@app.on_event("shutdown")\ndef stop():\n    LOAD()\n',
      'def handler(request):\n    LOAD()\n',
      // At module level: not inside a hook.
      'from celery.signals import worker_process_init\nLOAD()\n',
      'from celery.signals import worker_process_init\n\n@worker_process_init.connect\ndef boot(**kw):\n    pass\nLOAD()\n',
    ];
    for (const text of lookAlikes) assert.equal(hookAround(text), undefined, text);
  });
});
