/**
 * The Python module graph: which project modules a process loads from its entry, through absolute and relative
 * imports, submodules named in `from x import y`, `import a.b as c`, package `__init__` files, src layouts and the
 * dotted strings Django loads; updated per changed module.
 */
import * as assert from 'node:assert/strict';
import { PythonModules } from '../../analysis/python/module-graph';

function project(files: Record<string, string>) {
  const texts = new Map(Object.entries(files));
  const modules = new PythonModules([...texts.keys()]);
  const read = (f: string) => texts.get(f);
  return { texts, modules, read };
}

describe('Python module graph', () => {
  it('reaches every module of a package an f-string picks one of at run time (DJANGO_SETTINGS_MODULE by environment)', () => {
    const { modules, read } = project({
      'shop/__init__.py': '',
      'shop/wsgi.py': "import os\nenv = os.environ.get('DJANGO_ENV', 'dev')\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', f'shop.settings.{env}')\n",
      'shop/settings/__init__.py': '',
      'shop/settings/base.py': '',
      'shop/settings/dev.py': 'from .base import *\n',
      'shop/settings/prod.py': 'from .base import *\n',
      'shop/settings/extra/__init__.py': '',
      'shop/legacy_settings.py': '',
    });
    const reached = [...modules.reachedFrom('shop/wsgi.py', [''], read)].sort();
    assert.deepEqual(reached, ['shop/__init__.py', 'shop/settings/__init__.py', 'shop/settings/base.py', 'shop/settings/dev.py', 'shop/settings/prod.py', 'shop/wsgi.py']);
  });

  it('follows absolute, relative, submodule and aliased imports, with parent packages', () => {
    const { modules, read } = project({
      'app/__init__.py': '',
      'app/main.py': 'from fastapi import FastAPI\nfrom app.core import scheduler\nfrom .api import routes as r\nimport app.db.session as session\n',
      'app/core/__init__.py': 'from .config import settings\n',
      'app/core/config.py': 'settings = {}\n',
      'app/core/scheduler.py': 'from .jobs import *\n',
      'app/core/jobs.py': 'def job():\n    pass\n',
      'app/api/__init__.py': '',
      'app/api/routes.py': 'from ..core.config import settings\n',
      'app/db/__init__.py': '',
      'app/db/session.py': '',
      'app/unused.py': 'import app.main\n',
      'scripts/backfill.py': 'from app.core import jobs\n',
    });
    const reached = [...modules.reachedFrom('app/main.py', [''], read)].sort();
    assert.deepEqual(reached, [
      'app/__init__.py',
      'app/api/__init__.py',
      'app/api/routes.py',
      'app/core/__init__.py',
      'app/core/config.py',
      'app/core/jobs.py',
      'app/core/scheduler.py',
      'app/db/__init__.py',
      'app/db/session.py',
      'app/main.py',
    ]);
  });

  it('resolves a src layout and the dotted strings Django loads (settings, INSTALLED_APPS, ROOT_URLCONF)', () => {
    const { modules, read } = project({
      'src/config/__init__.py': '',
      'src/config/wsgi.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")\n',
      'src/config/settings/__init__.py': '',
      'src/config/settings/base.py': 'INSTALLED_APPS = ["shop"]\nROOT_URLCONF = "config.urls"\n',
      'src/config/settings/production.py': 'from .base import *  # noqa\n',
      'src/config/urls.py': 'from django.urls import include, path\nurlpatterns = [path("", include("shop.urls"))]\n',
      'src/shop/__init__.py': '',
      'src/shop/apps.py': '',
      'src/shop/models.py': '',
      'src/shop/urls.py': 'from . import views\n',
      'src/shop/views.py': '',
      'src/shop/management/commands/report.py': '',
    });
    const index = modules.index(['']);
    assert.equal(index.resolve('config.wsgi')?.file, 'src/config/wsgi.py');
    const reached = modules.reachedFrom('src/config/wsgi.py', [''], read);
    for (const f of ['src/config/settings/production.py', 'src/config/settings/base.py', 'src/shop/apps.py', 'src/shop/models.py', 'src/config/urls.py', 'src/shop/views.py']) {
      assert.ok(reached.has(f), `${f} not reached: ${[...reached].join(', ')}`);
    }
    assert.ok(!reached.has('src/shop/management/commands/report.py'));
  });

  it('updates a reached set when one module changes, reusing the facts of the others', () => {
    const { texts, modules, read } = project({
      'main.py': 'import a\n',
      'a.py': '',
      'b.py': '',
    });
    const first = modules.reachedFrom('main.py', [''], read);
    assert.deepEqual([...first].sort(), ['a.py', 'main.py']);
    assert.equal(modules.reachedFrom('main.py', [''], read), first, 'recomputed without a change');
    const factsOfMain = modules.factsOf('main.py', read);
    texts.set('a.py', 'import b\n');
    const second = modules.reachedFrom('main.py', [''], read);
    assert.deepEqual([...second].sort(), ['a.py', 'b.py', 'main.py']);
    assert.equal(modules.factsOf('main.py', read), factsOfMain, 'an unchanged module was scanned again');
  });
  it('resolves a package over a module of the same name beside it (app/ over app.py), as Python does', () => {
    const { modules, read } = project({
      'app.py': 'from app import socketio\n',
      'app/__init__.py': 'socketio = None\nfrom app import routes\n',
      'app/routes.py': '',
    });
    assert.deepEqual(modules.index(['']).resolve('app'), { file: 'app/__init__.py', isPackage: true });
    assert.deepEqual([...modules.reachedFrom('app/__init__.py', [''], read)].sort(), ['app/__init__.py', 'app/routes.py']);
  });
});
