/**
 * Reads stay inside the workspace (issue 10, item 3): `gunicorn -c outside/gunicorn.conf.py` through a
 * symlinked `outside -> ../outside` once fed another project's 17 workers into this one's memory budget.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isInside } from '../../server/src/engine/safe-read';
import { Workspace } from '../../server/src/engine/workspace';
import { removeTempWorkspaces, tempWorkspace } from '../support/tmp';
import { BIG_PAGE, BUILT, memlint } from './io-helpers';

after(removeTempWorkspaces);

/** A project whose Procfile names a gunicorn config in a folder that is a symlink to a sibling project. */
function projectWithSymlinkedConfig(): { root: string; sibling: string } {
  const parent = tempWorkspace({
    'sibling/gunicorn.conf.py': 'workers = 17\n',
    'sibling/views.py': BIG_PAGE,
    'project/Procfile': 'web: gunicorn -c outside/gunicorn.conf.py app.wsgi\n',
    'project/requirements.txt': 'django\ngunicorn\n',
    'project/app/wsgi.py': 'application = None\n',
  });
  const root = path.join(parent, 'project');
  fs.symlinkSync('../sibling', path.join(root, 'outside'));
  return { root, sibling: path.join(parent, 'sibling') };
}

describe('reliability: reads stay inside the workspace', () => {
  it('judges a path by where its symlinks lead, also for files that do not exist yet', () => {
    const { root } = projectWithSymlinkedConfig();
    assert.equal(isInside(root, 'app/wsgi.py'), true);
    assert.equal(isInside(root, 'outside/gunicorn.conf.py'), false);
    assert.equal(isInside(root, 'outside/not-there.py'), false);
    assert.equal(isInside(root, '../sibling/views.py'), false);
    assert.equal(isInside(root, 'app/not-there.py'), true);
  });

  it('rules cannot read a file through a symlinked folder or a ../ path', async () => {
    const { root } = projectWithSymlinkedConfig();
    const ws = await Workspace.open({ root });
    assert.equal(ws.project.readFile('outside/gunicorn.conf.py'), undefined);
    assert.equal(ws.project.readFile('../sibling/gunicorn.conf.py'), undefined);
    assert.equal(ws.project.readFile('Procfile'), 'web: gunicorn -c outside/gunicorn.conf.py app.wsgi\n');
  });

  describe('the CLI', () => {
    before(function () {
      if (!BUILT) this.skip();
    });

    it("the budget does not count the sibling project's workers", () => {
      const { root } = projectWithSymlinkedConfig();
      const r = memlint(root, ['--format', 'json']);
      assert.equal(r.code, 0, r.stderr);
      const budget = JSON.parse(r.stdout).budgets.find((b: { id: string }) => b.id === 'Procfile#web');
      const workers = budget.items.find((i: { label: string }) => /gunicorn workers/.test(i.label));
      // gunicorn's default (one worker), not the 17 of the file outside.
      assert.equal(workers.count, 1);
    });

    it('a file named through a symlinked folder is noted, not analysed; the run goes on', () => {
      const { root } = projectWithSymlinkedConfig();
      fs.writeFileSync(path.join(root, 'app/pagination.py'), BIG_PAGE);
      // Served: the app the Procfile starts imports it (a module no deploy loads would not be checked).
      fs.writeFileSync(path.join(root, 'app/wsgi.py'), 'from app.pagination import ExportPagination\napplication = None\n');
      const r = memlint(root, ['outside/views.py', 'app/pagination.py']);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /^outside\/views\.py: note: skipped: resolves \(through a symlink\) outside the workspace /m);
      assert.match(r.stdout, /^app\/pagination\.py:5:17: large-page-size /m);
      assert.doesNotMatch(r.stdout, /^outside\/views\.py:\d+/m);
    });
  });
});
