/**
 * Project boundaries: a folder holding several services gives exactly the findings of scanning each service
 * alone; a setting of one service (a --max-requests in its Procfile, an app.json's GUNICORN_CMD_ARGS, its
 * requirements) never silences or feeds a finding in another.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { ProjectIndex } from '../../analysis/projects';
import { workspaceBudgets } from '../../server/src/engine/budget';
import type { FileResult } from '../../server/src/engine/types';
import { Workspace } from '../../server/src/engine/workspace';
import { removeTempWorkspaces, tempWorkspace } from '../support/tmp';

/** The Render FastAPI service of the issue: gunicorn started from a Dockerfile with a config that never recycles. */
const API = {
  'api/requirements.txt': 'fastapi==0.110.0\ngunicorn==21.2.0\nuvicorn==0.29.0\napscheduler==3.10.4\n',
  'api/Dockerfile': 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nCMD gunicorn app.main:app -c gunicorn_conf.py\n',
  'api/gunicorn_conf.py': 'bind = "0.0.0.0:10000"\nworkers = 2\nworker_class = "uvicorn.workers.UvicornWorker"\ntimeout = 120\n',
  'api/app/__init__.py': '',
  'api/app/main.py': 'from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get("/health")\ndef health():\n    return {"ok": True}\n',
};

/** A Django service next to it that recycles its workers on the command line and sets GUNICORN_CMD_ARGS. */
const BILLING = {
  'billing/requirements.txt': 'Django==4.2\ngunicorn==21.2.0\ncelery==5.3.0\n',
  'billing/Procfile': 'web: gunicorn billing.wsgi --max-requests 1000 --max-requests-jitter 100\nworker: celery -A billing worker --max-tasks-per-child=100\n',
  'billing/app.json': '{"name": "billing", "env": {"GUNICORN_CMD_ARGS": {"value": "--max-requests 500"}}}\n',
  'billing/billing/__init__.py': '',
  'billing/billing/settings.py': 'DEBUG = False\nCELERY_WORKER_MAX_TASKS_PER_CHILD = 100\n',
  'billing/billing/wsgi.py': 'from django.core.wsgi import get_wsgi_application\n\napplication = get_wsgi_application()\n',
};

/** A worker service without any recycling: its celery worker is reported whatever the other services set. */
const JOBS = {
  'jobs/pyproject.toml': '[project]\nname = "jobs"\ndependencies = ["celery"]\n',
  'jobs/Procfile': 'worker: celery -A jobs worker --concurrency 2\n',
  'jobs/jobs/__init__.py': '',
  'jobs/jobs/tasks.py': 'from celery import Celery\n\napp = Celery("jobs")\n',
};

/** A Node service: its own package.json, and a deploy folder of Dockerfiles only that stays part of it. */
const WEB = {
  'web/package.json': '{"name": "web", "scripts": {"start": "node server.js"}, "dependencies": {"express": "4.18.0"}}\n',
  'web/server.js': 'const express = require("express");\nconst app = express();\napp.use(express.json({ limit: "50mb" }));\napp.listen(3000);\n',
  'web/deploy/Dockerfile': 'FROM node:20\nCOPY . .\nCMD ["node", "server.js"]\n',
};

const SERVICES: Record<string, Record<string, string>> = { api: API, billing: BILLING, jobs: JOBS, web: WEB };

function keyed(results: readonly FileResult[], prefix = ''): string[] {
  return results
    .flatMap((r) => r.findings.map((f) => `${prefix}${r.relPath}:${f.start}-${f.end} ${f.ruleId} ${f.message} ${JSON.stringify(f.fixes.map((x) => [x.title, x.edits.map((e) => [e.start, e.end, e.newText])]))}`))
    .sort();
}

async function scan(root: string): Promise<FileResult[]> {
  const ws = await Workspace.open({ root });
  return ws.scan().files;
}

describe('project boundaries', function () {
  this.timeout(120_000);
  after(removeTempWorkspaces);

  it('scanning a folder of services gives exactly the findings of scanning each service alone', async () => {
    const all = tempWorkspace(Object.assign({}, ...Object.values(SERVICES)));
    const together = keyed(await scan(all));
    const alone: string[] = [];
    for (const [name, files] of Object.entries(SERVICES)) {
      const strip = Object.fromEntries(Object.entries(files).map(([rel, text]) => [rel.slice(name.length + 1), text]));
      alone.push(...keyed(await scan(tempWorkspace(strip)), `${name}/`));
    }
    assert.deepEqual(together, alone.sort());
    // The comparison is not vacuous: the services have findings of their own.
    assert.ok(together.some((k) => k.startsWith('api/gunicorn_conf.py:') && k.includes(' missing-worker-recycling ')), together.join('\n'));
    assert.ok(together.some((k) => k.startsWith('jobs/Procfile:') && k.includes(' missing-worker-recycling ')), together.join('\n'));
  });

  it('reports a gunicorn config without max_requests though a neighbouring service recycles its workers', async () => {
    // The case: reported when its folder is scanned alone, silenced when the folder around it was scanned.
    const all = tempWorkspace({ ...API, ...BILLING });
    const findings = (await scan(all)).flatMap((r) => r.findings.map((f) => `${r.relPath} ${f.ruleId}`));
    assert.ok(findings.includes('api/gunicorn_conf.py missing-worker-recycling'), findings.join('\n'));
  });

  it('estimates each project\'s deploys from its own files, named with their folder in the report', async () => {
    const root = tempWorkspace({ ...API, ...BILLING });
    const ws = await Workspace.open({ root });
    const budgets = workspaceBudgets(ws, ws.scan().files);
    const api = budgets.find((b) => b.before.id === 'api/Dockerfile');
    assert.ok(api, budgets.map((b) => b.before.id).join(', '));
    assert.equal(api.before.label, 'the image built by Dockerfile in api/');
    assert.equal(api.before.processes[0].workers.n, 2, 'the api gunicorn_conf.py sets 2 workers');
    assert.equal(api.before.processes[0].at.file, 'api/Dockerfile');
    assert.ok(budgets.some((b) => b.before.id === 'billing/app.json#web'), budgets.map((b) => b.before.id).join(', '));
  });

  it('a single-project workspace still reads all its files (a Render rootDir folder stays in the deploy\'s project)', async () => {
    const root = tempWorkspace({
      'render.yaml': 'services:\n  - type: web\n    name: api\n    runtime: python\n    plan: starter\n    rootDir: backend\n    startCommand: gunicorn app.main:app -c gunicorn_conf.py --max-requests 1000\n',
      'backend/requirements.txt': 'fastapi\ngunicorn\n',
      'backend/gunicorn_conf.py': 'workers = 2\nworker_class = "uvicorn.workers.UvicornWorker"\n',
      'backend/app/main.py': 'from fastapi import FastAPI\napp = FastAPI()\n',
    });
    const findings = (await scan(root)).flatMap((r) => r.findings.map((f) => `${r.relPath} ${f.ruleId}`));
    // render.yaml recycles the workers of the gunicorn it starts in backend/: nothing to report on the config.
    assert.ok(!findings.includes('backend/gunicorn_conf.py missing-worker-recycling'), findings.join('\n'));
  });
});

describe('ProjectIndex', () => {
  const files = [
    'README.md',
    'api/requirements.txt',
    'api/app/main.py',
    'api/deploy/Dockerfile',
    'billing/Procfile',
    'billing/billing/wsgi.py',
    'requirements/base.txt',
    'compose/production/django/Dockerfile',
    'compose/production/django/start',
    'docs/conf.py',
  ];
  const index = new ProjectIndex(files);

  it('roots a project at the nearest folder with a dependency file, or a deploy file and code of its own', () => {
    assert.equal(index.rootOf('api/app/main.py'), 'api');
    assert.equal(index.rootOf('billing/billing/wsgi.py'), 'billing');
    assert.equal(index.rootOf('docs/conf.py'), '');
  });

  it('keeps folders of deploy files only, and requirements/ folders, in the project around them', () => {
    assert.equal(index.rootOf('api/deploy/Dockerfile'), 'api');
    assert.equal(index.rootOf('compose/production/django/Dockerfile'), '');
    assert.equal(index.rootOf('requirements/base.txt'), '');
  });

  it('lists each file in exactly one project', () => {
    const listed = index.projects().flatMap((p) => p.files);
    assert.deepEqual([...listed].sort(), [...files].sort());
    assert.deepEqual(index.projects().map((p) => p.root), ['', 'api', 'billing']);
  });

  it('never roots a project at a Python package (a module named setup.py is not a packaging script)', () => {
    const index = new ProjectIndex(['pyproject.toml', 'test/__init__.py', 'test/libregrtest/__init__.py', 'test/libregrtest/setup.py', 'test/libregrtest/main.py']);
    assert.equal(index.rootOf('test/libregrtest/main.py'), '');
  });

  it('keeps a folder a compose file builds in the compose file\'s project', () => {
    const read = (rel: string) => (rel === 'docker-compose.yml' ? 'services:\n  api:\n    build: ./api\n  web:\n    build:\n      context: ./web\n' : undefined);
    const composed = new ProjectIndex(['docker-compose.yml', 'api/requirements.txt', 'api/main.py', 'web/package.json', 'web/index.js', 'other/requirements.txt'], read);
    assert.equal(composed.rootOf('api/main.py'), '');
    assert.equal(composed.rootOf('web/index.js'), '');
    assert.equal(composed.rootOf(path.posix.join('other', 'x.py')), 'other');
  });

  it('keeps a docker/ folder whose compose file builds the folder above it in that project (healthchecks\' uwsgi.ini)', () => {
    const read = (rel: string) => (rel === 'docker/docker-compose.yml' ? 'services:\n  web:\n    build:\n      context: ..\n      dockerfile: docker/Dockerfile\n' : undefined);
    const files = ['requirements.txt', 'manage.py', 'docker/docker-compose.yml', 'docker/Dockerfile', 'docker/uwsgi.ini', 'docker/fetchstatus.py'];
    assert.equal(new ProjectIndex(files, read).rootOf('docker/uwsgi.ini'), '');
    // Without the compose file's context the folder, with a Dockerfile and code of its own, is a project.
    assert.equal(new ProjectIndex(files, () => undefined).rootOf('docker/uwsgi.ini'), 'docker');
  });
});
