import * as assert from 'node:assert/strict';
import { Suppressions } from '../../server/src/engine/suppress';
import { LineIndex } from '../../server/src/engine/text';
import { Workspace } from '../../server/src/engine/workspace';
import { BIG_PAGE, removeTempWorkspaces, tempWorkspace } from '../support/tmp';

after(removeTempWorkspaces);

const suppressions = (text: string) => new Suppressions(text, new LineIndex(text));

describe('suppression comments', () => {
  it('silences the named rule on a trailing comment, and only that rule', () => {
    const s = suppressions('x = f.read()  # memlint: ignore[whole-file-read]\ny = 1\n');
    assert.ok(s.isSuppressed('whole-file-read', 0));
    assert.ok(!s.isSuppressed('n-plus-one', 0));
    assert.ok(!s.isSuppressed('whole-file-read', 1));
  });

  it('covers the next line when alone on its line', () => {
    const s = suppressions('    # memlint: ignore[n-plus-one, unbounded-queryset]\n    for o in qs:\n        pass\n');
    assert.ok(s.isSuppressed('n-plus-one', 1));
    assert.ok(s.isSuppressed('unbounded-queryset', 1));
    assert.ok(!s.isSuppressed('n-plus-one', 2));
  });

  it('silences every rule without ids, in // and /* */ comments too', () => {
    const s = suppressions('app.use(json({ limit: "50mb" })); // memlint: ignore\n/* memlint: ignore[unbounded-cache] */\ncache.set(k, v);\n');
    assert.ok(s.isSuppressed('large-request-body-limit', 0));
    assert.ok(s.isSuppressed('unbounded-cache', 2));
    assert.ok(!s.isSuppressed('n-plus-one', 2));
  });

  it('ignore-file applies near the top of a file only', () => {
    assert.ok(suppressions('# memlint: ignore-file[n-plus-one]\nimport x\n').isSuppressed('n-plus-one', 500));
    const late = '\n'.repeat(30) + '# memlint: ignore-file[n-plus-one]\n';
    assert.ok(!suppressions(late).isSuppressed('n-plus-one', 0));
  });

  it('does not treat the words outside a comment as a directive', () => {
    assert.ok(!suppressions('msg = "memlint: ignore[n-plus-one]"\n').isSuppressed('n-plus-one', 0));
    assert.ok(!suppressions('memlint: ignore[n-plus-one]\n').isSuppressed('n-plus-one', 0));
  });

  it('removes suppressed findings from the engine results', async () => {
    const root = tempWorkspace({
      'a.py': BIG_PAGE.replace('page_size = 10000', 'page_size = 10000  # memlint: ignore[large-page-size]'),
      'b.py': BIG_PAGE.replace('    page_size = 10000', '    # memlint: ignore[large-page-size]\n    page_size = 10000'),
      'c.py': '# memlint: ignore-file[large-page-size]\n' + BIG_PAGE,
      'd.py': BIG_PAGE.replace('page_size = 10000', 'page_size = 10000  # memlint: ignore[n-plus-one]'),
    });
    const ws = await Workspace.open({ root });
    const flagged = ws.scan().files.filter((f) => f.findings.length).map((f) => f.relPath);
    assert.deepEqual(flagged, ['d.py']);
  });
});
