/**
 * Production reach for Celery and Flask (issue 13): the budget counts a heavy library in a process only when a
 * module that process loads imports it. `celery -A shop` loads shop, shop.celery and (autodiscover_tasks) each
 * app's tasks module; `flask run` loads FLASK_APP (from the deploy, `--app`, or `.flaskenv`).
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { estimateDeploys } from '../../analysis/deploy/estimate';
import { fixtureProject } from '../support/analyze';
import { FIXTURES_ROOT } from '../support/fixtures';
import { removeTempWorkspaces, tempWorkspace } from '../support/tmp';

function librariesByProcess(root: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of estimateDeploys(fixtureProject(root))) for (const p of e.processes) out[`${e.id} ${p.server}`] = p.libraries;
  return out;
}

describe('budget: what Celery -A and FLASK_APP load', () => {
  after(removeTempWorkspaces);

  it('celery-flask-reach: the worker counts the tasks module\'s pandas, the web process the views\' SciPy, neither the script\'s torch', () => {
    // Procfile: web: FLASK_APP=shop.web:create_app flask run / worker: celery -A shop worker
    // shop.web -> (create_app) shop.views: scipy; shop -> shop.celery (autodiscover_tasks) -> shop.tasks: pandas;
    // scripts/train.py (torch) is loaded by neither. Before, both processes counted torch, pandas and SciPy.
    assert.deepEqual(librariesByProcess(path.join(FIXTURES_ROOT, 'memory-budget', 'celery-flask-reach')), {
      'Procfile#web flask': ['scipy'],
      'Procfile#worker celery-worker': ['pandas'],
    });
  });

  it('reads FLASK_APP from .flaskenv and --app, as a module or a file path', () => {
    const common = {
      'requirements.txt': 'flask==3.0\npandas==2.2\n',
      'site/__init__.py': '',
      'site/app.py': 'from flask import Flask\nimport pandas as pd\napp = Flask(__name__)\n',
      'site/lean.py': 'from flask import Flask\napp = Flask(__name__)\n',
    };
    const flaskenv = tempWorkspace({ ...common, Procfile: 'web: flask run --host 0.0.0.0\n', '.flaskenv': 'FLASK_APP=site.app\n' });
    assert.deepEqual(librariesByProcess(flaskenv), { 'Procfile#web flask': ['pandas'] });
    const lean = tempWorkspace({ ...common, Procfile: 'web: flask --app site/lean.py run --host 0.0.0.0\n' });
    assert.deepEqual(librariesByProcess(lean), { 'Procfile#web flask': [] });
  });

  it('counts gensim, FAISS and spaCy (their own figures) where the served modules import them, not where only a script does', () => {
    const root = tempWorkspace({
      'requirements.txt': 'fastapi\nuvicorn\ngensim==4.3.2\nfaiss-cpu==1.8.0\nspacy==3.7.4\n',
      Procfile: 'web: uvicorn app.main:app --host 0.0.0.0 --port $PORT\n',
      'app/__init__.py': '',
      'app/main.py': 'from fastapi import FastAPI\nfrom app.search import index\n\napp = FastAPI()\n',
      'app/search.py': 'import faiss\nfrom gensim.models import KeyedVectors\n\nindex = faiss.IndexFlatL2(300)\n',
      'scripts/tag.py': 'import spacy\n',
    });
    assert.deepEqual(librariesByProcess(root), { 'Procfile#web uvicorn': ['gensim', 'faiss'] });
  });

  it('uvicorn --factory app.main:create_app loads app.main (the flag takes no value)', () => {
    const root = tempWorkspace({
      'requirements.txt': 'fastapi\nuvicorn\npandas\ntorch\n',
      Procfile: 'web: uvicorn --factory app.main:create_app --host 0.0.0.0 --port $PORT\n',
      'app/__init__.py': '',
      'app/main.py': 'from fastapi import FastAPI\nimport pandas\n\ndef create_app():\n    return FastAPI()\n',
      'app/train.py': 'import torch\n',
    });
    assert.deepEqual(librariesByProcess(root), { 'Procfile#web uvicorn': ['pandas'] });
  });

  it('follows an extensionless entrypoint script (bin/docker-entrypoint with a #! line) to the gunicorn it execs', () => {
    const files = {
      'requirements.txt': 'django\ngunicorn\n',
      Dockerfile: 'FROM python:3.12-slim\nCOPY . /app\nWORKDIR /app\nCMD ["bin/docker-entrypoint"]\n',
      'bin/docker-entrypoint': '#!/usr/bin/env bash\nset -e\npython manage.py migrate --noinput\nexec gunicorn config.wsgi:application --workers 6\n',
    };
    const workers = (f: Record<string, string>) => estimateDeploys(fixtureProject(tempWorkspace(f))).flatMap((e) => e.processes.map((p) => `${p.server} x${p.workers.n}`));
    assert.deepEqual(workers(files), ['gunicorn x6']);
    // A binary or a script without a #! line is not read as a shell script.
    assert.deepEqual(workers({ ...files, 'bin/docker-entrypoint': 'exec gunicorn config.wsgi:application --workers 6\n' }), []);
  });

  it('celery -A proj.celery:app names the module itself; an app that autodiscovers nothing loads no tasks module', () => {
    const root = tempWorkspace({
      'requirements.txt': 'celery==5.4\npandas==2.2\n',
      Procfile: 'worker: celery -A proj.worker:app worker --concurrency 2\n',
      'proj/__init__.py': '',
      'proj/worker.py': 'from celery import Celery\napp = Celery("proj", include=["proj.jobs"])\n',
      'proj/jobs.py': 'def ping():\n    return "pong"\n',
      'proj/tasks.py': 'import pandas\n',
    });
    assert.deepEqual(librariesByProcess(root), { 'Procfile#worker celery-worker': [] });
  });
});
