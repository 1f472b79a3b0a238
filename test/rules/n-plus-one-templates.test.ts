/**
 * n-plus-one in Django templates across edits: the views of unchanged statements are kept between analyses and
 * shifted, so findings and fixes after an edit elsewhere in the file must be those of a fresh analysis.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyFixes } from '../../server/src/engine/fixes';
import { withoutStatementCaches } from '../../analysis/python/statements';
import { analyzerFor, analyzeWith, initParsers } from '../support/analyze';
import { FIXTURES_ROOT } from '../support/fixtures';

before(() => initParsers());

describe('n-plus-one in Django templates across edits', () => {
  const root = path.join(FIXTURES_ROOT, 'n-plus-one', 'templates');
  const views = path.join(root, 'shop', 'views.py');
  const text = fs.readFileSync(views, 'utf8');

  it('an edit above the views shifts their findings and fixes, as a fresh analysis finds them', () => {
    const analyzer = analyzerFor('n-plus-one', root);
    const before = analyzeWith(analyzer, root, views, text).findings;
    assert.ok(before.length >= 5, 'the fixture has view-side findings');
    const edited = text.replace('from .models import', '# the models\nfrom .models import');
    const after = analyzeWith(analyzer, root, views, edited).findings;
    const fresh = withoutStatementCaches(() => analyzeWith(analyzerFor('n-plus-one', root), root, views, edited).findings);
    const describe = (fs: typeof after) => fs.map((f) => `${f.range.start.line}:${f.range.start.character} ${f.message} ${JSON.stringify(f.fixes.map((x) => x.edits.map((e) => [e.start, e.end, e.newText])))}`);
    assert.deepEqual(describe(after), describe(fresh));
    assert.deepEqual(after.map((f) => f.range.start.line), before.map((f) => f.range.start.line + 1));
    const fixedOnce = applyFixes(edited, after, { unsafe: true }).text;
    assert.match(fixedOnce, /orders = Order\.objects\.select_related\("customer__company"\)\.filter\(total__gt=0\)/);
  });
});
