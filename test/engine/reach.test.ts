/**
 * Production reach: code no deploy runs (tests, conftest, migrations, scripts, management commands, docs) gets no
 * findings by default; a script or command a deploy file starts by name does; `checkOfflineCode = true` checks all.
 */
import * as assert from 'node:assert/strict';
import { offlineByLayout, offlineCode } from '../../analysis/reach';
import { Workspace } from '../../server/src/engine/workspace';
import { BIG_PAGE, removeTempWorkspaces, tempWorkspace } from '../support/tmp';

const OFFLINE = [
  'tests/test_api.py',
  'shop/tests.py',
  'shop/tests/helpers.py',
  'conftest.py',
  'shop/test_views.py',
  'shop/views_test.py',
  'shop/migrations/0002_pages.py',
  'db/revisions/versions/2021_11_18_ce5c4ac967d8.py',
  'docs/conf.py',
  'scripts/backfill.py',
  'shop/management/commands/export_all.py',
  'notebooks/explore.py',
  'seed_all_data.py',
  'shop/populate_demo.py',
  'validate_seed_script.py',
  'dev/code-generation/gen_routes.py',
  'shop/cli.py',
  'shop/cli/main.py',
  'shop/commands.py',
];
const PRODUCTION = ['shop/views.py', 'shop/pagination.py', 'scripts/worker.py', 'shop/management/commands/runworker.py', 'shop/testimonials.py', 'shop/seeding.py', 'shop/client.py', 'shop/commands_api.py'];

const DEPLOY = {
  'requirements.txt': 'Django==4.2\ndjangorestframework==3.15\ngunicorn==21.2.0\n',
  Procfile: 'web: gunicorn shop.wsgi --max-requests 1000\nworker: python scripts/worker.py\nclock: python manage.py runworker\n',
};

async function reported(files: Record<string, string>): Promise<string[]> {
  const ws = await Workspace.open({ root: tempWorkspace(files) });
  return ws.scan().files.filter((r) => r.findings.some((f) => f.ruleId === 'large-page-size')).map((r) => r.relPath).sort();
}

describe('production reach', function () {
  this.timeout(60_000);
  after(removeTempWorkspaces);

  it('reports nothing in tests, migrations, docs, scripts and commands no deploy starts', async () => {
    const files: Record<string, string> = { ...DEPLOY };
    for (const rel of [...OFFLINE, ...PRODUCTION]) files[rel] = BIG_PAGE;
    assert.deepEqual(await reported(files), [...PRODUCTION].sort());
  });

  it('checks every file with checkOfflineCode = true', async () => {
    const files: Record<string, string> = { ...DEPLOY, 'memlint.toml': 'checkOfflineCode = true\n' };
    for (const rel of [...OFFLINE, ...PRODUCTION]) files[rel] = BIG_PAGE;
    assert.deepEqual(await reported(files), [...OFFLINE, ...PRODUCTION].sort());
  });

  it('rejects a checkOfflineCode that is not a boolean, naming the key', async () => {
    await assert.rejects(Workspace.open({ root: tempWorkspace({ 'memlint.toml': 'checkOfflineCode = "yes"\n' }) }), /checkOfflineCode`: must be true or false/);
  });

  it('judges paths relative to the project, not to the folder scanned around it', async () => {
    // A service kept under a folder named tests/ of a bigger workspace is still production code.
    const files = { 'tests/shop/requirements.txt': 'Django==4.2\n', 'tests/shop/shop/pagination.py': BIG_PAGE, 'tests/shop/shop/tests.py': BIG_PAGE };
    assert.deepEqual(await reported(files), ['tests/shop/shop/pagination.py']);
  });

  it('knows the usual test layouts', () => {
    for (const rel of ['tests/x.py', 'app/test_models.py', 'app/models_test.py', 'conftest.py', 'src/__tests__/a.ts', 'src/a.spec.ts', 'src/a.test.js']) {
      assert.equal(offlineByLayout(rel), 'test', rel);
    }
    for (const rel of ['app/testimonials.py', 'app/contest.py', 'app/latest.py', 'src/attestation.ts']) assert.equal(offlineByLayout(rel), undefined, rel);
  });

  it('takes a project root setup.py for the packaging script it is, not a module named setup inside the app', () => {
    assert.equal(offlineByLayout('setup.py'), 'script');
    assert.equal(offlineByLayout('app/setup.py'), undefined);
  });

  it('counts a command a uWSGI attach-daemon starts as production, and a seed script a build script runs as offline', () => {
    const texts: Record<string, string> = {
      'docker/uwsgi.ini': '[uwsgi]\nmodule = hc.wsgi:application\nattach-daemon = ./manage.py sendalerts --skip-checks\n',
      'build.sh': '#!/bin/sh\npip install -r requirements.txt\npython seed_all_data.py\n',
      'start.sh': '#!/bin/sh\nexec python scripts/worker.py\n',
    };
    const project = { files: () => Object.keys(texts), readFile: (rel: string) => texts[rel] };
    assert.equal(offlineCode('hc/api/management/commands/sendalerts.py', project), undefined);
    assert.equal(offlineCode('hc/api/management/commands/prunedata.py', project), 'management command');
    assert.equal(offlineCode('seed_all_data.py', project), 'script');
    assert.equal(offlineCode('scripts/worker.py', project), undefined);
  });

  it('counts the app a Celery worker (-A) or flask run (FLASK_APP) loads as production, wherever it is', () => {
    const texts: Record<string, string> = {
      Procfile: 'worker: celery -A scripts.tasks_app worker --concurrency 2\nweb: FLASK_APP=cli.server flask run\n',
    };
    const project = { files: () => Object.keys(texts), readFile: (rel: string) => texts[rel] };
    assert.equal(offlineCode('scripts/tasks_app.py', project), undefined);
    assert.equal(offlineCode('cli/server.py', project), undefined);
    // Look-alikes: a module whose name only starts the same, and one no command names.
    assert.equal(offlineCode('scripts/tasks_app_backfill.py', project), 'script');
    assert.equal(offlineCode('scripts/tasks.py', project), 'script');
  });

  it('counts tools/ as scripts and mock servers as test code, but not a tools/ module the app imports', async () => {
    const files: Record<string, string> = {
      ...DEPLOY,
      'tools/audit_clones.py': BIG_PAGE,
      'tools/run_audit.sh': '#!/bin/sh\npython tools/audit_clones.py --all\n',
      'mock/server.py': BIG_PAGE,
      'shop/__mocks__/payments.py': BIG_PAGE,
      // Look-alikes: a tools/ module the served views import, and folders that only start with the same words.
      'tools/pager.py': BIG_PAGE,
      'shop/views.py': 'from tools.pager import ExportPagination\n',
      'shop/toolsets.py': BIG_PAGE,
      'shop/mockups.py': BIG_PAGE,
      // A server kept among the tools runs as a process of its own.
      'tools/preview_server.py': `from http.server import HTTPServer\n${BIG_PAGE}`,
    };
    assert.deepEqual(await reported(files), ['shop/mockups.py', 'shop/toolsets.py', 'tools/pager.py', 'tools/preview_server.py']);
  });

  it('counts a script in scripts/ started by a start script the Dockerfile runs as production', () => {
    const texts: Record<string, string> = {
      Dockerfile: 'FROM python:3.12\nCOPY . .\nCMD ["scripts/start.sh"]\n',
      'scripts/start.sh': '#!/bin/sh\nexec python scripts/worker.py\n',
      'scripts/dev.sh': '#!/bin/sh\npython scripts/backfill.py\n',
    };
    const project = { files: () => Object.keys(texts), readFile: (rel: string) => texts[rel] };
    assert.equal(offlineCode('scripts/worker.py', project), undefined);
    assert.equal(offlineCode('scripts/backfill.py', project), 'script');
  });

  it('counts a module that imports pytest and defines tests as test code, wherever it is; not a module that only names pytest', async () => {
    const withTests = `import os\n\nimport pytest\n\n${BIG_PAGE}\n\n@pytest.mark.parametrize("n", range(3))\ndef test_merge(tmpdir_factory, n):\n    assert n >= 0\n`;
    const files: Record<string, string> = {
      ...DEPLOY,
      'merge_production_dotenvs_in_dotenv.py': withTests,
      'shop/views.py': BIG_PAGE,
      // Names pytest in a string and defines a test_ helper, but does not import it: serving code.
      'shop/health.py': `${BIG_PAGE}\nRUNNER = "pytest"\n\ndef test_connection():\n    return True\n`,
    };
    assert.deepEqual(await reported(files), ['shop/health.py', 'shop/views.py']);
  });

  describe('root scripts run by hand, in a project without deploy files', () => {
    const argparseScript = (body: string) => `import argparse\n\n${body}\n\ndef main():\n    parser = argparse.ArgumentParser()\n    parser.parse_args()\n\n\nif __name__ == "__main__":\n    main()\n`;
    const NO_DEPLOY = {
      'requirements.txt': 'flask==3.0\ndjangorestframework==3.15\n',
      'update_test_docs.py': argparseScript(BIG_PAGE),
      'compare_exports.py': argparseScript(`import click\n${BIG_PAGE}`),
      'update_docs.sh': '#!/bin/sh\npython update_test_docs.py --run-tests\n',
    };

    it('reports nothing in a root script with a command line under a __main__ guard that nothing imports', async () => {
      assert.deepEqual(await reported(NO_DEPLOY), []);
    });

    it('still reports the app run as a script, a bot, a loop, a module the app imports, and a script below the root', async () => {
      const files = {
        ...NO_DEPLOY,
        'app.py': `from flask import Flask\nfrom helpers import ExportPagination\napp = Flask(__name__)\n${BIG_PAGE}\nif __name__ == "__main__":\n    app.run()\n`,
        'helpers.py': `${BIG_PAGE}\nif __name__ == "__main__":\n    print(1)\n`,
        'bot.py': `from telegram.ext import Application\n${BIG_PAGE}\nif __name__ == "__main__":\n    main()\n`,
        'poller.py': `${BIG_PAGE}\nif __name__ == "__main__":\n    while True:\n        poll()\n`,
        'run.py': `from app import app\n${BIG_PAGE}\nif __name__ == "__main__":\n    app.run(port=8000)\n`,
        'shop/export_all.py': argparseScript(BIG_PAGE),
        // A bare `__main__` guard: a batch job a cron line may run, not a command run by hand.
        'nightly_etl.py': `${BIG_PAGE}\nif __name__ == "__main__":\n    print(1)\n`,
      };
      assert.deepEqual(await reported(files), ['app.py', 'bot.py', 'helpers.py', 'nightly_etl.py', 'poller.py', 'run.py', 'shop/export_all.py']);
    });
  });

  describe('archived folders', () => {
    it('reports nothing in archived, legacy and backup folders nothing online names; still reports an archive app, an imported backup module, look-alike names', async () => {
      const files: Record<string, string> = {
        ...DEPLOY,
        'archive/legacy-code/convert_service.py': BIG_PAGE,
        'legacy/pager.py': BIG_PAGE,
        'ml/archive/archive_training/train.py': BIG_PAGE,
        'shop/views_old/pager.py': BIG_PAGE,
        'deprecated/api.py': BIG_PAGE,
        // A test importing archived code does not make it run.
        'tests/test_legacy.py': 'from legacy.pager import ExportPagination\n',
        // Look-alikes: a Django app named archive (INSTALLED_APPS), a backup module the views import, names that only look alike.
        'config/settings.py': "INSTALLED_APPS = [\n    'django.contrib.admin',\n    'archives',\n]\n",
        'archives/pagination.py': BIG_PAGE,
        'backup/pager.py': BIG_PAGE,
        'shop/views.py': 'from backup.pager import ExportPagination\n',
        'shop/archive_views.py': BIG_PAGE,
        'archiver/pager.py': BIG_PAGE,
        'oldies/pager.py': BIG_PAGE,
      };
      assert.deepEqual(await reported(files), ['archiver/pager.py', 'archives/pagination.py', 'backup/pager.py', 'oldies/pager.py', 'shop/archive_views.py']);
    });

    it('judges TypeScript and JavaScript folders by their imports and the start files', () => {
      const texts: Record<string, string> = {
        'package.json': '{"scripts": {"start": "node dist/main.js"}}',
        'src/app.module.ts': "import { ArchiveModule } from './archive/archive.module';\n",
        'src/archive/archive.service.ts': 'export class ArchiveService {}\n',
        'src/legacy/orders.service.ts': 'export class OrdersService {}\n',
        'src/legacy/index.ts': "export * from './orders.service';\n",
        'test/legacy.spec.ts': "import { OrdersService } from '../src/legacy';\n",
        'old/server.js': "require('express')().listen(3000);\n",
        'backup/worker.js': 'module.exports = {};\n',
        Dockerfile: 'FROM node:20\nCOPY backup/ /app/backup/\nCMD ["npm", "start"]\n',
      };
      const project = { files: () => Object.keys(texts), readFile: (rel: string) => texts[rel] };
      assert.equal(offlineCode('src/legacy/orders.service.ts', project), 'archived code');
      assert.equal(offlineCode('old/server.js', project), 'archived code');
      assert.equal(offlineCode('src/archive/archive.service.ts', project), undefined);
      assert.equal(offlineCode('backup/worker.js', project), undefined);
    });
  });

  describe('root scripts run by hand, in a project whose start is known', () => {
    const texts: Record<string, string> = {
      'package.json': '{"main": "bootstrap.js", "scripts": {"start": "next start", "start:server": "node server.js", "backfill": "node backfill-orders.js"}}',
      Procfile: 'worker: node queue-consumer.js\n',
      'fix-deployment-issues.js': "const { PrismaClient } = require('@prisma/client');\nmain();\n",
      'update-test-shop-users.mjs': 'await run();\n',
      'test-fixed-calculation.js': 'const cache = {};\n',
      // Look-alikes: files a framework loads by name, an entry point, files package.json, a Procfile or a module names, a loop.
      'server.js': "require('./db-init');\n",
      'next.config.js': 'module.exports = {};\n',
      'middleware.ts': 'export function middleware() {}\n',
      'bootstrap.js': 'module.exports = {};\n',
      'backfill-orders.js': 'main();\n',
      'queue-consumer.js': 'consume();\n',
      'db-init.js': 'module.exports = {};\n',
      'lib/prisma.ts': "import { helper } from '../shared-helper';\n",
      'shared-helper.ts': 'export const helper = 1;\n',
      'poll-prices.js': 'setInterval(poll, 60000);\n',
      'src/fix-orders.js': 'main();\n',
    };
    const project = { files: () => Object.keys(texts), readFile: (rel: string) => texts[rel] };

    it('counts a root script nothing starts or imports as a script', () => {
      for (const rel of ['fix-deployment-issues.js', 'update-test-shop-users.mjs', 'test-fixed-calculation.js']) assert.equal(offlineCode(rel, project), 'script', rel);
    });

    it('keeps entry points, config files, started, imported and looping scripts, and files below the root', () => {
      for (const rel of ['server.js', 'next.config.js', 'middleware.ts', 'bootstrap.js', 'backfill-orders.js', 'queue-consumer.js', 'db-init.js', 'shared-helper.ts', 'poll-prices.js', 'src/fix-orders.js']) {
        assert.equal(offlineCode(rel, project), undefined, rel);
      }
    });

    it('judges nothing in a project that does not show how it starts', () => {
      const bare: Record<string, string> = { 'package.json': '{"scripts": {"build": "tsc"}}', 'fix-data.js': 'main();\n' };
      assert.equal(offlineCode('fix-data.js', { files: () => Object.keys(bare), readFile: (rel: string) => bare[rel] }), undefined);
    });
  });

  describe('root Python scripts that set Django up themselves', () => {
    const bootstrap = (extra: string) =>
      `import os\nimport django\n${extra}\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'tracker.settings')\ndjango.setup()\n\nfrom core.models import User\nfor u in User.objects.all():\n    print(u.team.name)\n`;
    const texts: Record<string, string> = {
      'requirements.txt': 'Django==4.2\n',
      'create_exact_data_script.py': bootstrap(''),
      'rq_worker.py': bootstrap('from rq import Worker'),
      'poller.py': `${bootstrap('')}\nwhile True:\n    poll()\n`,
      'shared_setup.py': bootstrap(''),
      'core/views.py': 'import shared_setup\n',
      'nightly.py': 'from core.models import User\nUser.objects.all().delete()\n',
    };
    const project = { files: () => Object.keys(texts), readFile: (rel: string) => texts[rel] };

    it('counts a root script that calls django.setup() and that nothing imports or starts as a script', () => {
      assert.equal(offlineCode('create_exact_data_script.py', project), 'script');
    });

    it('keeps a worker, a loop, an imported module and a script without the setup', () => {
      for (const rel of ['rq_worker.py', 'poller.py', 'shared_setup.py', 'nightly.py']) assert.equal(offlineCode(rel, project), undefined, rel);
    });
  });

  describe('desktop clients', () => {
    const client = (main: string, extra: Record<string, string> = {}) => {
      const texts: Record<string, string> = {
        'requirements.txt': 'flet==0.24\nrequests==2.32\n',
        'main.py': main,
        'service/reports.py': 'import tempfile\n\ndef export():\n    return tempfile.mkstemp()\n',
        'tests/test_app.py': 'from flask import Flask\n',
        ...extra,
      };
      return { files: () => Object.keys(texts), readFile: (rel: string) => texts[rel] };
    };
    const FLET = 'import flet as ft\n\ndef main(page: ft.Page):\n    page.add(ft.Text("hi"))\n\nft.app(target=main, assets_dir="assets")\n';

    it('counts the modules of a Flet, Tkinter or Qt client that nothing serves as a desktop client', () => {
      assert.equal(offlineCode('service/reports.py', client(FLET)), 'desktop client');
      assert.equal(offlineCode('main.py', client('import tkinter as tk\nroot = tk.Tk()\nroot.mainloop()\n')), 'desktop client');
      assert.equal(offlineCode('main.py', client('from PySide6.QtWidgets import QApplication\napp = QApplication([])\napp.exec()\n')), 'desktop client');
    });

    it('keeps a Flet app served to browsers, a GUI beside a web server, one a deploy starts, and a GUI import without its window', () => {
      assert.equal(offlineCode('service/reports.py', client('import flet as ft\nft.app(target=main, view=ft.AppView.WEB_BROWSER)\n')), undefined);
      assert.equal(offlineCode('service/reports.py', client(FLET, { 'api.py': 'from fastapi import FastAPI\napp = FastAPI()\n' })), undefined);
      assert.equal(offlineCode('service/reports.py', client(FLET, { Dockerfile: 'FROM python:3.12\nCMD ["flet", "run", "main.py"]\n' })), undefined);
      assert.equal(offlineCode('service/reports.py', client('import tkinter as tk\n')), undefined);
    });
  });
});
