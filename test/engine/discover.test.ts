import * as assert from 'node:assert/strict';
import { Workspace } from '../../server/src/engine/workspace';
import { classify } from '../../server/src/engine/classify';
import { removeTempWorkspaces, tempWorkspace } from '../support/tmp';

after(removeTempWorkspaces);

async function discovered(files: Record<string, string>, targets?: string[]): Promise<string[]> {
  const ws = await Workspace.open({ root: tempWorkspace(files) });
  return ws.discover(targets).map((f) => f.relPath);
}

describe('file discovery', () => {
  it('skips default excludes: node_modules, .git, virtualenvs, build output, caches', async () => {
    const files = await discovered({
      'app/views.py': '',
      'node_modules/x/index.py': '',
      '.git/hooks/x.py': '',
      '.venv/lib/site.py': '',
      'venv/lib/a.py': '',
      'dist/a.py': '',
      'build/a.py': '',
      'app/__pycache__/a.py': '',
      'lib/python3.11/site-packages/django/db.py': '',
    });
    assert.deepEqual(files, ['app/views.py']);
  });

  it('honours .gitignore files, nested ones included', async () => {
    const files = await discovered({
      '.gitignore': 'generated/\n*.local.py\n',
      'generated/a.py': '',
      'settings.local.py': '',
      'app/.gitignore': 'legacy.py\n',
      'app/legacy.py': '',
      'app/views.py': '',
    });
    assert.deepEqual(files, ['app/views.py']);
  });

  it('lists only files some rule can analyse', async () => {
    const files = await discovered({ 'README.md': '', 'logo.png': '', 'views.py': '', 'notes.txt': '' });
    assert.deepEqual(files, ['views.py']);
  });

  it('accepts explicit files and sub-folders as targets', async () => {
    const files = { 'a/views.py': '', 'b/views.py': '', 'c.py': '' };
    assert.deepEqual(await discovered(files, ['b']), ['b/views.py']);
    assert.deepEqual(await discovered(files, ['c.py']), ['c.py']);
  });

  it('fails clearly on a missing target', async () => {
    const ws = await Workspace.open({ root: tempWorkspace({}) });
    assert.throws(() => ws.discover(['nope']), /nope: no such file or directory/);
  });
});

describe('file classification', () => {
  const cases: [string, string | undefined, string[]][] = [
    ['app/views.py', 'python', []],
    ['gunicorn.conf.py', 'python', ['gunicorn-config']],
    ['deploy/gunicorn_config.py', 'python', ['gunicorn-config']],
    ['proj/settings.py', 'python', ['django-settings']],
    ['proj/settings/production.py', 'python', ['django-settings']],
    ['Procfile', 'procfile', []],
    ['Dockerfile', 'dockerfile', []],
    ['docker/Dockerfile.prod', 'dockerfile', []],
    ['render.yaml', 'yaml', ['render']],
    ['docker-compose.yml', 'yaml', ['docker-compose']],
    ['compose.prod.yaml', 'yaml', ['docker-compose']],
    ['fly.toml', 'toml', ['fly']],
    ['railway.json', 'json', ['railway']],
    ['railway.toml', 'toml', ['railway']],
    ['app.json', 'json', ['app-json']],
    ['package.json', 'json', ['package-json']],
    ['.env', 'env', []],
    ['.env.production', 'env', []],
    ['.streamlit/config.toml', 'toml', ['streamlit-config']],
    ['requirements-prod.txt', 'requirements', []],
    ['src/server.tsx', 'typescript', ['tsx']],
    ['src/server.mjs', 'javascript', []],
    ['ecosystem.config.js', 'javascript', ['pm2']],
    ['boot.sh', 'shell', []],
    ['Procfile.sh', 'shell', []],
    ['bin/docker-entrypoint', 'shell', []],
    ['bin/start', 'shell', []],
    ['src/start', undefined, []],
    ['etc/uwsgi.ini', 'ini', ['uwsgi']],
    ['tox.ini', 'ini', []],
    ['deployment/supervisor/app.conf', 'ini', ['supervisord']],
    ['supervisord.conf', 'ini', ['supervisord']],
    ['supervisor-config/task_gunicorn.conf', 'ini', ['supervisord']],
    ['docker/supervisor_conf/celery.conf', 'ini', ['supervisord']],
    ['nginx/nginx.conf', undefined, []],
    ['nginx-config/default.conf', undefined, []],
    ['supervisors/roster.conf', undefined, []],
    ['README.md', undefined, []],
  ];
  for (const [path, kind, roles] of cases) {
    it(`${path} -> ${kind ?? 'not analysed'} ${roles.join(',')}`, () => {
      const c = classify(path);
      assert.equal(c?.kind, kind);
      if (c) assert.deepEqual([...c.roles], roles);
    });
  }

  it('recognises pm2 process files in YAML and JSON by name and an apps list naming scripts', () => {
    assert.ok(classify('process.yml', "apps:\n  - script: './app.js'\n    instances: max\n")!.roles.has('pm2'));
    assert.ok(classify('ecosystem.json', '{ "apps": [{ "script": "server.js", "instances": 0 }] }')!.roles.has('pm2'));
    assert.ok(classify('ecosystem.config.json')!.roles.has('pm2'));
    assert.ok(!classify('process.yml', 'steps:\n  - run: make\n')!.roles.has('pm2'));
    assert.ok(!classify('deploy.yml', "apps:\n  - script: './app.js'\n")!.roles.has('pm2'));
  });

  it('recognises a gunicorn config passed with -c and Kubernetes manifests by content', () => {
    assert.ok(classify('deploy/web.py', 'bind = "0.0.0.0:8000"\nworkers = 4\n')!.roles.has('gunicorn-config'));
    assert.ok(!classify('app/jobs.py', 'workers = 4\n')!.roles.has('gunicorn-config'));
    assert.ok(classify('k8s/web.yaml', 'apiVersion: apps/v1\nkind: Deployment\n')!.roles.has('kubernetes'));
    // Templates of deploy configs are read as the file they render; celery's init-script config as an env file.
    assert.equal(classify('ansible/roles/uwsgi/templates/site.ini.j2', '[uwsgi]\nmodule = app.wsgi\n')?.kind, 'ini');
    assert.ok(classify('ansible/roles/uwsgi/templates/site.ini.j2', '[uwsgi]\nmodule = app.wsgi\n')!.roles.has('uwsgi'));
    assert.ok(classify('roles/celeryd/templates/celeryd.j2', 'CELERYD_OPTS="--concurrency=2"\n')!.roles.has('celeryd-defaults'));
    assert.ok(!classify('deploy/celeryd', 'CELERY_APP=app\n')!.roles.has('celeryd-defaults'));
    assert.equal(classify('templates/page.j2'), undefined);
  });

  it('takes a module assigning workers at column 0 next to another gunicorn setting for a gunicorn config, as the multi-line regexes did', () => {
    const regexes = (text: string) => /^workers\s*=/m.test(text) && /^(bind|worker_class|timeout|max_requests|threads|preload_app)\s*=/m.test(text);
    const texts = [
      'bind = "0.0.0.0:8000"\nworkers = 4\n',
      'workers=2\r\ntimeout = 30\r\n',
      'x = 1\u2029workers = 2\nthreads = 2\n',
      'bind = "x"\n    workers = 4\n',
      'bind = "x"\nmax_workers = 4\n',
      'bind = "x"\nn_workers = 4\nworkers = 1\n',
      'timeout = 3\n# workers = 4\n',
      'workers = 4\n',
      'bind = "x"\nworkers\n= 4\n',
    ];
    const matching = texts.filter(regexes).length;
    assert.ok(matching >= 3 && matching < texts.length, 'the cases hold both answers');
    for (const text of texts) assert.equal(classify('deploy/web.py', text)!.roles.has('gunicorn-config'), regexes(text), JSON.stringify(text));
  });

  it('takes a module assigning INSTALLED_APPS/MIDDLEWARE/DATABASES at a line start for Django settings, as the multi-line regex did', () => {
    const regex = /^\s*(INSTALLED_APPS|MIDDLEWARE|DATABASES)\s*=/m;
    const texts = [
      'INSTALLED_APPS = ["a"]\n',
      'import os\n\nDATABASES = {}\n',
      'if DEBUG:\n    MIDDLEWARE += ["x"]\n',
      '\t MIDDLEWARE=[]',
      'x = 1\r\nDATABASES = {}\r\n',
      'x = 1\u2028DATABASES = {}',
      'x = settings.DATABASES\n',
      'MIDDLEWARE_CLASSES = []\n',
      'XMIDDLEWARE = []\nMY_DATABASES = {}\n',
      'y = 2  # DATABASES = {}\n',
      '"""\nDATABASES == 1\n"""',
      'DATABASES\n    = {}\n',
      'a = 1; INSTALLED_APPS = []\n',
      '',
    ];
    const matching = texts.filter((text) => regex.test(text)).length;
    assert.ok(matching >= 6 && matching < texts.length, 'the cases hold both answers');
    for (const text of texts) {
      assert.equal(classify('app/conf.py', text)!.roles.has('django-settings'), regex.test(text), JSON.stringify(text));
    }
  });
});
