/**
 * Reach beside other deploys (analysis/reach.ts, analysis/deploy/project-reach.ts): code in a project with no deploy or
 * dependency file of its own, beside nested projects whose deploys the graph judges, is run by no deploy (course
 * exercises beside the deployed `final/` app); a development compose file (`docker-compose.local.yml`) does not keep the
 * production compose file's graph from being judged; a compose service running a prebuilt image resolves its app in
 * the folder a Dockerfile of the project builds. When the nested deploy cannot be judged, or the outer project has a
 * dependency file, everything is reported as before.
 */
import * as assert from 'node:assert/strict';
import { deployReach } from '../../analysis/deploy/project-reach';
import { BIG_PAGE, removeTempWorkspaces } from '../support/tmp';
import { filesReportedBy, openTempWorkspace } from '../support/scans';

const open = openTempWorkspace;
const reported = filesReportedBy;

/** A repository of course work: exercises at the top, the deployed app in `final/` with its own Dockerfile. */
const COURSE = {
  'exercises/tp1/tp1.py': BIG_PAGE,
  'exercises/server.py': BIG_PAGE,
  'final/requirements.txt': 'flask==3.0\ngunicorn==22.0\n',
  'final/Dockerfile': 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD ["gunicorn", "app:app"]\n',
  'final/app.py': 'from flask import Flask\nfrom pagination import ExportPagination\n\napp = Flask(__name__)\n',
  'final/pagination.py': BIG_PAGE,
};

describe('reach beside other deploys', function () {
  this.timeout(60_000);
  after(removeTempWorkspaces);

  it('leaves code of a project without deploy or dependency files beside a judged deployed project unchecked', async () => {
    assert.deepEqual(await reported(COURSE), ['final/pagination.py']);
  });

  it('notes which deploys run their own code instead', async () => {
    const ws = await open(COURSE);
    const notes = ws.scan().files.flatMap((r) => r.notes.filter((n) => n.kind === 'not-run-by-deploy').map((n) => `${r.relPath}: ${n.message}`));
    assert.match(notes.join('\n'), /^exercises\/tp1\/tp1\.py: not checked: no deploy runs it \(its project has no dependency file and no deploy that runs its code; the deploys of final\/ run their own code\); checkOfflineCode = true checks it$/m);
  });

  it('reports the outer code when it has a dependency file of its own', async () => {
    assert.deepEqual(await reported({ ...COURSE, 'requirements.txt': 'flask==3.0\n' }), ['exercises/server.py', 'exercises/tp1/tp1.py', 'final/pagination.py']);
  });

  it('reports the outer code when the nested deploy cannot be judged', async () => {
    const unresolved = { ...COURSE, 'final/Dockerfile': 'FROM python:3.12-slim\nCOPY . .\nCMD ["gunicorn", "missing:app"]\n' };
    assert.deepEqual(await reported(unresolved), ['exercises/server.py', 'exercises/tp1/tp1.py', 'final/pagination.py']);
  });

  it('reports the outer code with checkOfflineCode = true', async () => {
    assert.deepEqual(await reported({ ...COURSE, 'memlint.toml': 'checkOfflineCode = true\n' }), ['exercises/server.py', 'exercises/tp1/tp1.py', 'final/pagination.py']);
  });

  it('leaves the templates of such a project unchecked too, and reports them with a dependency file', async () => {
    const template = {
      'templates/orders.html': '{% for o in orders %}\n  {{ o.notes.count }}\n{% endfor %}\n',
      'exercises/views.py': 'from django.shortcuts import render\nfrom billing.models import Order\n\n\ndef order_list(request):\n    return render(request, "orders.html", {"orders": Order.objects.all()})\n',
    };
    assert.deepEqual(await reported({ ...COURSE, ...template }, 'n-plus-one'), []);
    assert.deepEqual(await reported({ ...COURSE, ...template, 'requirements.txt': 'django==5.0\n' }, 'n-plus-one'), ['exercises/views.py', 'templates/orders.html']);
  });

  /** The lessons keep a compose file that only runs their database (an image, no build, no command). */
  const LESSONS_DB = 'services:\n  postgres:\n    image: postgres:15-alpine\n    volumes:\n      - ./init.sql:/docker-entrypoint-initdb.d/01.sql\n';

  it('leaves the code beside a compose file that only runs prebuilt images unchecked', async () => {
    assert.deepEqual(await reported({ ...COURSE, 'sql_lessons/docker-compose.yml': LESSONS_DB }), ['final/pagination.py']);
  });

  it('reports the outer code when its compose file builds or starts code of the folder', async () => {
    const built = 'services:\n  api:\n    build: ./exercises\n  postgres:\n    image: postgres:15-alpine\n';
    const started = 'services:\n  api:\n    image: python:3.12\n    command: python exercises/server.py\n';
    // The compose file's own graph decides what it runs (server.py, the command's script); the neighbours' does not.
    assert.ok((await reported({ ...COURSE, 'docker-compose.yml': built })).includes('exercises/server.py'));
    assert.ok((await reported({ ...COURSE, 'docker-compose.yml': started })).includes('exercises/server.py'));
  });

  /** A Django-like app built in `svc/`, deployed by `ops/docker-compose.yml` from its prebuilt image; a local compose builds it. */
  const IMAGE = {
    'svc/requirements.txt': 'gunicorn==22.0\n',
    'svc/Dockerfile': 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n',
    'svc/core/__init__.py': '',
    'svc/core/wsgi.py': 'from core.views import application\n',
    'svc/core/views.py': 'from core.pagination import ExportPagination\n\napplication = None\n',
    'svc/core/pagination.py': BIG_PAGE,
    'svc/analytics/train.py': BIG_PAGE,
    'ops/docker-compose.yml': 'services:\n  web:\n    image: me/svc:v1\n    command: gunicorn core.wsgi:application --bind 0:8000\n',
    'ops/docker-compose.local.yml': 'services:\n  web:\n    build:\n      context: ../svc\n    command: gunicorn core.wsgi:application --bind 0:8000 --reload\n',
  };

  it('judges a prebuilt image from the folder its Dockerfile builds, beside a development compose file', async () => {
    const ws = await open(IMAGE);
    const { project, relPath } = ws.projectOf('svc/analytics/train.py');
    const reach = deployReach(project);
    assert.ok(reach.judged, reach.judged ? '' : reach.why);
    assert.equal(reach.reached.has(relPath), false);
    assert.equal(reach.reached.has(ws.projectOf('svc/core/pagination.py').relPath), true);
    assert.deepEqual(await reported(IMAGE), ['svc/core/pagination.py']);
  });

  it('still leaves a project unjudged when a production compose service builds an image with no start command', async () => {
    const silent = { ...IMAGE, 'ops/docker-compose.yml': 'services:\n  web:\n    build:\n      context: ../svc\n' };
    const ws = await open(silent);
    assert.equal(deployReach(ws.projectOf('svc/analytics/train.py').project).judged, false);
    assert.deepEqual(await reported(silent), ['svc/analytics/train.py', 'svc/core/pagination.py']);
  });
});
