/**
 * Deploy-graph reach (analysis/deploy/project-reach.ts): in a project whose deploys all resolve to project
 * entries, Python that no deploy's process loads gets no findings (a patch script or an earlier version of the
 * app beside the served modules); a project with an entry memlint cannot resolve, or one that loads modules by
 * computed names, keeps today's layout rule. Root start scripts (start.sh, startup.sh, boot scripts) are deploys.
 */
import * as assert from 'node:assert/strict';
import { deployReach } from '../../analysis/deploy/project-reach';
import { Workspace as DeployWorkspace } from '../../analysis/deploy/deploy-files';
import { findDeploys } from '../../analysis/deploy/deploys';
import { serverOf } from '../../analysis/deploy/servers';
import { Workspace } from '../../server/src/engine/workspace';
import { BIG_PAGE, removeTempWorkspaces } from '../support/tmp';
import { filesReportedBy, openTempWorkspace } from '../support/scans';

const open = openTempWorkspace;
const reported = filesReportedBy;

/** A Flask app in one flat folder: the served module imports a helper; a patch script and an old version sit beside them. */
const FLAT = {
  'requirements.txt': 'flask==3.0\ngunicorn==22.0\n',
  Procfile: 'web: gunicorn app:app --max-requests 1000\n',
  'app.py': 'from flask import Flask\nfrom pagination import ExportPagination\n\napp = Flask(__name__)\n',
  'pagination.py': BIG_PAGE,
  'apply_phase2_patch.py': BIG_PAGE,
  'app_old.py': BIG_PAGE,
};

describe('deploy-graph reach', function () {
  this.timeout(60_000);
  after(removeTempWorkspaces);

  it('silences Python no deploy loads in a flat repository, and still reports the served module', async () => {
    assert.deepEqual(await reported(FLAT), ['pagination.py']);
  });

  it('reports everywhere again with checkOfflineCode = true', async () => {
    assert.deepEqual(await reported({ ...FLAT, 'memlint.toml': 'checkOfflineCode = true\n' }), ['app_old.py', 'apply_phase2_patch.py', 'pagination.py']);
  });

  it('notes each file it leaves unchecked, naming the processes and the setting', async () => {
    const ws = await open(FLAT);
    const notes = ws.scan().files.flatMap((r) => r.notes.filter((n) => n.kind === 'not-run-by-deploy').map((n) => `${r.relPath}: ${n.message}`));
    assert.equal(notes.length, 2);
    assert.match(notes.join('\n'), /^app_old\.py: not checked: no process of this project's deploys loads it \(processes: gunicorn app:app .*\(Procfile\)\); checkOfflineCode = true checks it$/m);
    assert.match(notes.join('\n'), /^apply_phase2_patch\.py: /m);
  });

  it('says which processes it starts from', async () => {
    const ws = await open(FLAT);
    const reach = deployReach(ws.projectAt(''));
    assert.ok(reach.judged);
    assert.deepEqual([...reach.reached].sort(), ['app.py', 'pagination.py']);
    assert.match(reach.entries.join('\n'), /gunicorn app:app .*\(Procfile\)/);
  });

  it('suppresses nothing when a process entry does not resolve to a project module', async () => {
    const files = { ...FLAT, Procfile: 'web: gunicorn missing.wsgi --max-requests 1000\nworker: python worker.py\n', 'worker.py': 'print(1)\n' };
    assert.deepEqual(await reported(files), ['app_old.py', 'apply_phase2_patch.py', 'pagination.py']);
    const ws = await open(files);
    const reach = deployReach(ws.projectAt(''));
    assert.equal(reach.judged, false);
    assert.match(!reach.judged ? reach.why : '', /missing\.wsgi/);
  });

  it('suppresses nothing when a reached module imports modules by computed names', async () => {
    const files = { ...FLAT, 'app.py': `${FLAT['app.py']}import importlib\nplugins = [importlib.import_module(name) for name in PLUGINS]\n` };
    assert.deepEqual(await reported(files), ['app_old.py', 'apply_phase2_patch.py', 'pagination.py']);
  });

  it('reaches every module of the package a computed name is built in, and judges the rest', async () => {
    const files = {
      ...FLAT,
      'app.py': `${FLAT['app.py']}import importlib\nplugins = [importlib.import_module(f"exporters.{name}") for name in ENABLED]\n`,
      'exporters/__init__.py': '',
      'exporters/csv_pages.py': BIG_PAGE,
    };
    assert.deepEqual(await reported(files), ['exporters/csv_pages.py', 'pagination.py']);
    const concatenated = { ...files, 'app.py': `${FLAT['app.py']}from importlib import import_module\nplugin = import_module("exporters." + NAME)\n` };
    assert.deepEqual(await reported(concatenated), ['exporters/csv_pages.py', 'pagination.py']);
  });

  it('suppresses nothing when a deploy runs a program it does not know', async () => {
    const files = { ...FLAT, Procfile: 'web: gunicorn app:app --max-requests 1000\nbot: ./bin/run-bot --fast\n' };
    assert.deepEqual(await reported(files), ['app_old.py', 'apply_phase2_patch.py', 'pagination.py']);
  });

  it('counts a script a reached module starts by path, and one a cron shell script runs, as reached', async () => {
    const files = {
      ...FLAT,
      'app.py': `${FLAT['app.py']}import subprocess\n\ndef rebuild():\n    subprocess.run(["python", "app_old.py"])\n`,
      'ops/nightly.sh': '#!/bin/sh\ncd /srv/app && python apply_phase2_patch.py\n',
    };
    assert.deepEqual(await reported(files), ['app_old.py', 'apply_phase2_patch.py', 'pagination.py']);
  });

  it('reaches the modules of a Django project: settings, installed apps, urls and views, admin, template tags, Celery tasks', async () => {
    const files = {
      'requirements.txt': 'Django==4.2\ndjangorestframework==3.15\ncelery==5.3\n',
      Procfile: 'web: gunicorn config.wsgi --max-requests 1000\nworker: celery -A config worker --max-tasks-per-child 100\n',
      'manage.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")\n',
      'config/__init__.py': 'from .celery import app as celery_app\n',
      'config/celery.py': 'from celery import Celery\napp = Celery("config")\napp.config_from_object("django.conf:settings", namespace="CELERY")\napp.autodiscover_tasks()\n',
      'config/wsgi.py': 'import os\nfrom django.core.wsgi import get_wsgi_application\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")\napplication = get_wsgi_application()\n',
      'config/settings.py': 'INSTALLED_APPS = ["django.contrib.admin", "shop"]\nROOT_URLCONF = "config.urls"\n',
      'config/urls.py': 'from django.urls import include, path\nurlpatterns = [path("shop/", include("shop.urls"))]\n',
      'shop/__init__.py': '',
      'shop/urls.py': 'from django.urls import path\nfrom . import views\nurlpatterns = [path("", views.index)]\n',
      'shop/views.py': 'from .pagination import ExportPagination\n\ndef index(request):\n    pass\n',
      'shop/pagination.py': BIG_PAGE,
      'shop/admin.py': BIG_PAGE,
      'shop/tasks.py': BIG_PAGE,
      'shop/templatetags/__init__.py': '',
      'shop/templatetags/shop_tags.py': BIG_PAGE,
      'shop/tests.py': BIG_PAGE,
      'fix_prices_once.py': BIG_PAGE,
    };
    assert.deepEqual(await reported(files), ['shop/admin.py', 'shop/pagination.py', 'shop/tasks.py', 'shop/templatetags/shop_tags.py']);
  });

  it('leaves a local runner beside a Dockerfile out: its start script, its dynamic loading, the scripts that restart it', async () => {
    const files = {
      'requirements.txt': 'flask==3.0\ngunicorn==22.0\n',
      Dockerfile: 'FROM python:3.12\nWORKDIR /app\nCOPY . /app\nCMD ["/bin/sh", "-lc", "exec gunicorn wsgi:application --max-requests 1000"]\n',
      'wsgi.py': 'from backend import create_app\napplication = create_app()\n',
      'backend/__init__.py': 'from .pagination import ExportPagination\n\ndef create_app():\n    pass\n',
      'backend/pagination.py': BIG_PAGE,
      // serve.sh runs the app another way by hand, through a module that imports the app named by $APP_MODULE.
      'serve.sh': '#!/bin/sh\nexec gunicorn -c gunicorn_conf.py patched_app:app\n',
      'patched_app.py': `import os\nfrom importlib import import_module\napp = import_module(os.environ.get("APP_MODULE", "app")).app\n${BIG_PAGE}`,
      'fix_styles.sh': '#!/bin/sh\nsed -i s/a/b/ backend/static/app.css\npython run.py &\n',
      'run.py': `from backend import create_app\n${BIG_PAGE}\nif __name__ == "__main__":\n    app = create_app()\n    app.run(port=8000)\n`,
      'contract_shim.py': BIG_PAGE,
    };
    assert.deepEqual(await reported(files), ['backend/pagination.py']);
    const ws = await open(files);
    const reach = deployReach(ws.projectAt(''));
    assert.ok(reach.judged);
    assert.deepEqual(reach.entries.map((e) => e.replace(/ .*\(/, ' (')), ['gunicorn (Dockerfile)']);
  });

  it('never takes a VM start script for a local runner because of a development-only image beside it', async () => {
    const files = {
      'requirements.txt': 'fastapi==0.110\nuvicorn==0.29\ngunicorn==22.0\n',
      // The image is for development only (its name, and --reload): its command is no process of a deploy, so it cannot
      // make the VM's start.sh a way of serving by hand; the image without a followed command leaves reach unjudged.
      'Dockerfile.dev': 'FROM python:3.12\nWORKDIR /app\nCOPY . /app\nCMD ["uvicorn", "dev_app:app", "--reload", "--host", "0.0.0.0"]\n',
      'dev_app.py': 'from fastapi import FastAPI\napp = FastAPI()\n',
      'start.sh': '#!/bin/sh\nexec gunicorn -k uvicorn.workers.UvicornWorker --max-requests 1000 main:app\n',
      'main.py': 'from fastapi import FastAPI\nfrom pagination import ExportPagination\napp = FastAPI()\n',
      'pagination.py': BIG_PAGE,
      'old_patch.py': BIG_PAGE,
    };
    assert.deepEqual(await reported(files), ['old_patch.py', 'pagination.py']);
    const ws = await open(files);
    const deploys = findDeploys(new DeployWorkspace(ws.projectAt('')));
    assert.deepEqual(deploys.map((d) => `${d.platform} ${d.processes.map((p) => p.command.program).join(' ')}`), ['start-script gunicorn']);
  });

  it('follows serve.sh and its dynamic loading when it is the only deploy, and a cron script that runs a job', async () => {
    const files = {
      'requirements.txt': 'flask==3.0\ngunicorn==22.0\n',
      'serve.sh': '#!/bin/sh\nexec gunicorn -c gunicorn_conf.py patched_app:app\n',
      'patched_app.py': `import os\nfrom importlib import import_module\napp = import_module(os.environ.get("APP_MODULE", "app")).app\n`,
      'contract_shim.py': BIG_PAGE,
    };
    assert.deepEqual(await reported(files), ['contract_shim.py']);
    const beside = {
      'requirements.txt': 'flask==3.0\ngunicorn==22.0\n',
      Dockerfile: 'FROM python:3.12\nCOPY . /app\nCMD ["gunicorn", "wsgi:application", "--max-requests", "1000"]\n',
      'wsgi.py': 'application = 1\n',
      // Not a web server: a job a loose script runs is reached as before.
      'sync.sh': '#!/bin/sh\npython sync_prices.py\n',
      'sync_prices.py': BIG_PAGE,
    };
    assert.deepEqual(await reported(beside), ['sync_prices.py']);
  });

  it('resolves a start script copied into the image with its folder, and a script named by its path in the image', async () => {
    const files = {
      'requirements/prod.txt': 'Django==4.2\ndjangorestframework==3.15\ngunicorn==22.0\n',
      Dockerfile: 'FROM python:3.12 AS base\nWORKDIR /app\nCOPY app /app\n',
      'app/compose.yaml': [
        'services:',
        '  app:',
        '    build:',
        '      context: ..',
        '    command: ["./start_app.sh"]',
        '  mock:',
        '    build:',
        '      context: ..',
        '    command: ["python3", "mock/server.py"]',
        '',
      ].join('\n'),
      'app/start_app.sh': '#!/bin/bash\nset -e\nexec gunicorn config.wsgi:application --max-requests 1000\n',
      'app/config/__init__.py': '',
      'app/config/wsgi.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")\nfrom django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n',
      'app/config/settings.py': 'INSTALLED_APPS = ["core"]\nROOT_URLCONF = "config.urls"\n',
      'app/config/urls.py': 'from core.views import index\n',
      'app/core/__init__.py': '',
      'app/core/views.py': 'from .pagination import ExportPagination\n',
      'app/core/pagination.py': BIG_PAGE,
      'app/legacy_views.py': BIG_PAGE,
      'mock/server.py': BIG_PAGE,
    };
    assert.deepEqual(await reported(files), ['app/core/pagination.py']);
    const image = {
      'requirements.txt': 'flask==3.0\ndjangorestframework==3.15\n',
      Dockerfile: 'FROM python:3.12\nWORKDIR /workdir\nCOPY . /workdir\nCMD ["sh", "entry-point.sh"]\n',
      'entry-point.sh': '#!/bin/sh\npython3 /workdir/wsgi.py\n',
      'wsgi.py': 'from app import create_app\n',
      'app/__init__.py': 'from .pagination import ExportPagination\n\ndef create_app():\n    pass\n',
      'app/pagination.py': BIG_PAGE,
      'app/read/Pipeline.py': BIG_PAGE,
    };
    assert.deepEqual(await reported(image), ['app/pagination.py']);
  });

  it('leaves a project without deploy files to the layout rule', async () => {
    const files = { 'requirements.txt': 'flask==3.0\n', 'app.py': 'print(1)\n', 'pagination.py': BIG_PAGE, 'apply_phase2_patch.py': BIG_PAGE, 'tests/test_x.py': BIG_PAGE };
    assert.deepEqual(await reported(files), ['apply_phase2_patch.py', 'pagination.py']);
  });
});

describe('root start scripts as deploys', function () {
  this.timeout(60_000);
  after(removeTempWorkspaces);

  function servers(ws: Workspace): string[] {
    const dws = new DeployWorkspace(ws.projectAt(''));
    return findDeploys(dws).flatMap((deploy) =>
      deploy.processes.map((proc) => {
        const s = serverOf(proc, { ws: dws, deploy, hostCpus: 8 });
        return `${deploy.platform} ${proc.file}: ${s?.kind} ${s?.app} x${s?.workers.n}`;
      }),
    );
  }

  it('finds the gunicorn workers of a project whose only deploy file is start.sh', async () => {
    const ws = await open({ 'requirements.txt': 'flask\ngunicorn\n', 'start.sh': '#!/bin/sh\nexport FLASK_ENV=production\nexec gunicorn --workers 3 app:app\n', 'app.py': 'app = 1\n' });
    assert.deepEqual(servers(ws), ['start-script start.sh: gunicorn app:app x3']);
    const files = ws.scan().files;
    assert.deepEqual(files.filter((r) => r.findings.some((f) => f.ruleId === 'missing-worker-recycling')).map((r) => r.relPath), ['start.sh']);
  });

  it('follows an EC2 boot script into the start script it runs, as one deploy', async () => {
    const ws = await open({
      'ec2_boot.sh': '#!/bin/bash\ncd /home/ubuntu/app\nsource venv/bin/activate\n./start.sh &\n',
      'start.sh': './venv/bin/gunicorn --bind 0.0.0.0:5000 --workers=8 --worker-class gevent app:app\n',
      'app.py': 'app = 1\n',
    });
    assert.deepEqual(servers(ws), ['start-script start.sh: gunicorn app:app x8']);
  });

  it('reads an App Service startup.sh, and leaves development and build scripts alone', async () => {
    const ws = await open({
      'startup.sh': '#!/bin/sh\nGUNICORN_CMD_ARGS="--timeout 600 -k uvicorn.workers.UvicornWorker" gunicorn app:app\n',
      'start_dev.sh': 'uvicorn app:app --reload\n',
      'build.sh': 'pip install -r requirements.txt\npython app.py\n',
      'run.sh': 'echo hello\n',
      'app.py': 'app = 1\n',
    });
    assert.deepEqual(servers(ws), ['start-script startup.sh: gunicorn app:app x1']);
  });

  it('does not add a script a deploy file already runs', async () => {
    const ws = await open({ Dockerfile: 'FROM python:3.12\nCOPY . .\nCMD ["./start.sh"]\n', 'start.sh': 'exec gunicorn -w 2 app:app\n', 'app.py': 'app = 1\n' });
    assert.deepEqual(servers(ws), ['dockerfile start.sh: gunicorn app:app x2']);
  });

  it('reads a here-document as the input of its program, not as commands of the start script', async () => {
    const script = [
      'set -e',
      "python - <<'PY'",
      'import importlib.util, subprocess, sys',
      'missing = [p for p in ["waitress"] if importlib.util.find_spec(p) is None]',
      'if missing:',
      '    print("installing:", " ".join(missing))',
      '    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", *missing])',
      'else:',
      '    print("all installed")',
      'PY',
      'cat > gunicorn_conf.py <<-EOF',
      '\tworkers = 2',
      '\tEOF',
      'exec gunicorn -w 2 app:app',
      '',
    ].join('\n');
    const { Procfile: _procfile, ...rest } = FLAT;
    const files: Record<string, string> = { ...rest, 'start.sh': script };
    const ws = await open(files);
    assert.deepEqual(servers(ws), ['start-script start.sh: gunicorn app:app x2']);
    // The deploy is followed, so the patch script and the old version beside the app are judged offline.
    assert.deepEqual(await reported(files), ['pagination.py']);
  });

  it('counts `celery multi start` before the server as a Celery worker process', async () => {
    const ws = await open({
      'start.sh': '#!/bin/sh\ncelery multi start w1 -A proj --loglevel=info\nexec gunicorn -w 2 --max-requests 1000 proj.wsgi\n',
      'proj/__init__.py': '',
      'proj/wsgi.py': 'application = 1\n',
    });
    assert.deepEqual(servers(ws).map((s) => s.replace(/ x\d+$/, '')), ['start-script start.sh: celery-worker proj', 'start-script start.sh: gunicorn proj.wsgi']);
    const recycling = ws.scan().files.find((r) => r.relPath === 'start.sh')!.findings.filter((f) => f.ruleId === 'missing-worker-recycling');
    assert.deepEqual(recycling.map((f) => f.range.start.line), [1]);
  });

  it('reaches the modules of a folder the image copies into its WORKDIR, and no code from a Flower monitor', async () => {
    // The layout of Just-Night/FastAPI-MRC-Boilerplate: `COPY service ${APP_DIR}` then `WORKDIR ${APP_DIR}`, and the
    // compose command runs an entrypoint script with `uvicorn "_main_:app"` there.
    const files = {
      'docker-compose.yml': [
        'services:',
        '  app:',
        '    build:',
        '      context: ./app',
        "    command: ['sh', '/home/appuser/project/entrypoint.sh']",
        '  worker:',
        '    build:',
        '      context: ./app',
        "    command: ['celery', '-A', 'core.celery', 'worker', '--max-tasks-per-child', '100']",
        '  flower:',
        '    image: mher/flower',
        '    command: ["celery", "--broker=redis://redis:6379", "flower", "--port=5555"]',
        '',
      ].join('\n'),
      'app/Dockerfile': [
        'FROM python:3.11',
        'ARG APP_USER=appuser',
        'ARG APP_DIR=/home/${APP_USER}/project/',
        'COPY ./requirements.txt ${APP_DIR}',
        'RUN pip install -r ${APP_DIR}requirements.txt',
        'COPY service ${APP_DIR}',
        'COPY ./entrypoint.sh ${APP_DIR}',
        'WORKDIR ${APP_DIR}',
        '',
      ].join('\n'),
      'app/requirements.txt': 'fastapi\nuvicorn\ncelery\n',
      'app/entrypoint.sh': '#!/bin/sh\nuvicorn "_main_:app" --host 0.0.0.0 --port 8000\n',
      'app/service/__init__.py': '',
      'app/service/_main_.py': 'from fastapi import FastAPI\nfrom core.logs import setup\napp = FastAPI()\nsetup()\n',
      'app/service/core/__init__.py': '',
      'app/service/core/logs.py': 'def setup():\n    pass\n',
      'app/service/core/celery.py': 'from celery import Celery\napp = Celery("core")\n',
      'app/service/tools/patch_db.py': BIG_PAGE,
    };
    const ws = await open(files);
    const reach = deployReach(ws.projectAt(''));
    assert.ok(reach.judged, reach.judged ? '' : reach.why);
    assert.deepEqual([...reach.reached].filter((f) => !f.endsWith('__init__.py')).sort(), ['app/service/_main_.py', 'app/service/core/celery.py', 'app/service/core/logs.py']);
    // Without the COPY into the WORKDIR the app module is not found and nothing is judged.
    const elsewhere = await open({ ...files, 'app/Dockerfile': files['app/Dockerfile'].replace('WORKDIR ${APP_DIR}', 'WORKDIR /srv') });
    assert.equal(deployReach(elsewhere.projectAt('')).judged, false);
  });

  it('follows a project whose front end is a package.json Node tool (`expo start`), but not a runner that may start Python', async () => {
    const { Procfile: _procfile, ...rest } = FLAT;
    const app = {
      'docker-compose.yml': 'services:\n  backend:\n    build: ./backend\n  mobile:\n    build: ./mobile\n',
      'mobile/Dockerfile': 'FROM node:20\nWORKDIR /app\nCOPY . .\nCMD ["npm", "run", "start"]\n',
      'mobile/package.json': '{"scripts": {"start": "expo start"}}\n',
      ...Object.fromEntries(Object.entries(rest).map(([f, t]) => [`backend/${f}`, t])),
      'backend/Procfile': 'web: gunicorn app:app --max-requests 1000\n',
    };
    const files = { ...app, 'backend/Dockerfile': 'FROM python:3.12\nCOPY . .\nCMD ["gunicorn", "app:app", "--max-requests", "1000"]\n' };
    assert.deepEqual(await reported(files), ['backend/pagination.py']);
    // `concurrently "python seed.py" "expo start"` may run any of the project's Python: left to the layout.
    const runner = { ...files, 'mobile/package.json': '{"scripts": {"start": "concurrently \\"python ../backend/apply_phase2_patch.py\\" \\"expo start\\""}}\n' };
    const reach = deployReach((await open(runner)).projectAt(''));
    assert.equal(reach.judged, false);
  });
});

describe('deploy-graph reach: service images and Django scripts', function () {
  this.timeout(60_000);
  after(removeTempWorkspaces);

  const DJANGO = {
    'requirements.txt': 'Django==4.2\ngunicorn==22.0\n',
    'manage.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")\n',
    'config/__init__.py': '',
    'config/wsgi.py': 'import os\nfrom django.core.wsgi import get_wsgi_application\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")\napplication = get_wsgi_application()\n',
    'config/settings.py': 'INSTALLED_APPS = ["django.contrib.admin", "shop"]\nROOT_URLCONF = "config.urls"\n',
    'config/urls.py': 'from django.urls import include, path\nurlpatterns = [path("shop/", include("shop.urls"))]\n',
    'shop/__init__.py': '',
    'shop/urls.py': 'from django.urls import path\nfrom . import views\nurlpatterns = [path("", views.index)]\n',
    'shop/views.py': 'from .pagination import ExportPagination\n\ndef index(request):\n    pass\n',
    'shop/pagination.py': BIG_PAGE,
    'shop/helpers.py': BIG_PAGE,
    // Boots Django itself: run by hand (`python shop/utils/load_seats.py`), never loaded by the app.
    'shop/utils/__init__.py': '',
    'shop/utils/load_seats.py': `import os, django\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")\ndjango.setup()\n${BIG_PAGE}`,
    'Dockerfile': 'FROM python:3.12\nWORKDIR /app\nCOPY . /app\n',
    // The proxy's image only copies its config: it runs nginx, no project code.
    'nginx/Dockerfile': 'FROM nginx:1.27-alpine\nCOPY nginx.conf /etc/nginx/conf.d/default.conf\n',
    'docker-compose.yml': 'services:\n  nginx:\n    build: ./nginx\n  web:\n    build: .\n    command: gunicorn config.wsgi --max-requests 1000\n',
  };

  it('judges a compose project beside a proxy built on the nginx image, and leaves out a module that calls django.setup()', async () => {
    const reach = deployReach((await open(DJANGO)).projectAt(''));
    assert.ok(reach.judged, reach.judged ? '' : reach.why);
    assert.ok(reach.reached.has('shop/helpers.py'));
    assert.ok(!reach.reached.has('shop/utils/load_seats.py'));
  });

  it('does not judge a project whose own image has no command it can follow', async () => {
    const reach = deployReach((await open({ ...DJANGO, 'nginx/Dockerfile': 'FROM python:3.12\nCOPY . /app\n' })).projectAt(''));
    assert.equal(reach.judged, false);
  });

  it('reaches a script that boots Django when a reached module imports it', async () => {
    const reach = deployReach((await open({ ...DJANGO, 'shop/views.py': 'from .pagination import ExportPagination\nfrom .utils.load_seats import run\n\ndef index(request):\n    pass\n' })).projectAt(''));
    assert.ok(reach.judged, reach.judged ? '' : reach.why);
    assert.ok(reach.reached.has('shop/utils/load_seats.py'));
  });
});

describe('deploy-graph reach: shell functions and stale copies of the deployed Django project', function () {
  this.timeout(60_000);
  after(removeTempWorkspaces);

  const SITE = {
    'manage.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")\n',
    'backend/__init__.py': '',
    'backend/wsgi.py': 'import os\nfrom django.core.wsgi import get_wsgi_application\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")\napplication = get_wsgi_application()\n',
    'backend/settings.py': 'INSTALLED_APPS = ["django.contrib.admin", "core"]\nROOT_URLCONF = "backend.urls"\n',
    'backend/urls.py': 'from django.urls import include, path\nurlpatterns = [path("", include("core.urls"))]\n',
    'core/__init__.py': '',
    'core/urls.py': 'from django.urls import path\nfrom . import views\nurlpatterns = [path("", views.index)]\n',
    'core/views.py': 'from .pagination import ExportPagination\n\ndef index(request):\n    pass\n',
    'core/pagination.py': BIG_PAGE,
  };
  /** The deployed project: its start script picks one of two gunicorn commands through shell functions. */
  const DEPLOYED = {
    ...SITE,
    'requirements.txt': 'Django==4.2\ngunicorn==22.0\n',
    Dockerfile: 'FROM python:3.12\nWORKDIR /app\nCOPY . .\nCMD ["./start.sh"]\n',
    'start.sh':
      '#!/bin/bash\nstart_with_db() {\n    python manage.py migrate --noinput\n    exec gunicorn backend.wsgi:application --workers 1 --max-requests 1000\n}\n' +
      'function start_without_db {\n    exec gunicorn backend.wsgi:application --workers 1 --max-requests 1000\n}\n' +
      'if python manage.py check; then\n    start_with_db\nelse\n    start_without_db\nfi\n',
    'fix_prices_once.py': BIG_PAGE,
  };
  /** A copy of the whole project kept in a folder, whose Dockerfile names a start script the folder does not hold. */
  const copy = (folder: string) => ({
    ...Object.fromEntries(Object.entries(SITE).map(([f, text]) => [`${folder}/${f}`, text])),
    [`${folder}/requirements.txt`]: 'Django==4.2\ngunicorn==22.0\n',
    [`${folder}/Dockerfile`]: 'FROM python:3.12\nWORKDIR /app\nCOPY . .\nCOPY start.sh .\nCMD ["./start.sh"]\n',
  });

  it('reads a call of a function the start script defines as the commands of its body', async () => {
    const reach = deployReach((await open(DEPLOYED)).projectAt(''));
    assert.ok(reach.judged, reach.judged ? '' : reach.why);
    assert.deepEqual(await reported(DEPLOYED), ['core/pagination.py']);
  });

  it('leaves out a stale copy of the deployed Django project that no deploy of its own starts, and says why', async () => {
    const files = { ...DEPLOYED, ...copy('production_deployment') };
    assert.deepEqual(await reported(files), ['core/pagination.py']);
    const ws = await open(files);
    const notes = ws.scan().files.flatMap((r) => r.notes.filter((n) => n.kind === 'not-run-by-deploy' && r.relPath.startsWith('production_deployment/')).map((n) => n.message));
    assert.match(notes[0] ?? '', /a copy of the Django project the enclosing folder deploys/);
  });

  it('keeps a nested project that runs a deploy of its own, holds a package the deployed project lacks, or sits beside an unjudged deploy', async () => {
    const ownProcfile = { ...DEPLOYED, ...copy('v2'), 'v2/Procfile': 'web: gunicorn backend.wsgi --max-requests 1000\n' };
    assert.deepEqual(await reported(ownProcfile), ['core/pagination.py', 'v2/core/pagination.py']);
    const ownPackage = { ...DEPLOYED, ...copy('v2'), 'v2/billing/__init__.py': '', 'v2/billing/pagination.py': BIG_PAGE };
    assert.deepEqual(await reported(ownPackage), ['core/pagination.py', 'v2/billing/pagination.py', 'v2/core/pagination.py']);
    const unjudged = { ...DEPLOYED, ...copy('v2'), 'start.sh': '#!/bin/bash\nexec "$SERVER_COMMAND"\n' };
    assert.ok((await reported(unjudged)).includes('v2/core/pagination.py'));
  });
});
