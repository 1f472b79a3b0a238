/**
 * unbounded-queryset's generic model helpers (rules/unbounded-queryset/model-helper-rows.ts) skip a call whose shape
 * cannot be a helper call before following its rows to a response (analysis/python/model-row-helpers.ts
 * `mayBeModelRowHelperCall`): from the call alone where answers are kept per statement (the language server), and
 * with the module's bindings in a batch scan. What a user checks: the same findings either way, on every Python fixture
 * of the rule; and the shapes a helper is called in are let through.
 */
import * as assert from 'node:assert/strict';
import type { Node } from 'web-tree-sitter';
import { withoutStatementCaches } from '../../analysis/cache';
import { mayBeModelRowHelperCall } from '../../analysis/python/model-row-helpers';
import { parsePython } from '../../server/src/engine/parsers';
import { listFixtures } from '../support/fixtures';
import { analyzerFor, analyzeWith, describeFinding, initParsers } from '../support/analyze';
import * as fs from 'node:fs';

before(() => initParsers());

const MODULE = [
  'repo = OrderRepo(db)',
  'Model = Book',
  '',
  'def view(db, request):',
  '    a = fetch_all(db, Order)',
  '    b = Book.fetch_all()',
  '    c = OrderRepo(db).get_all()',
  '    d = repo.get_all()',
  '    local = BookRepo(db)',
  '    e = local.get_all()',
  '    f = Model.fetch_all()',
  '    g = logger.info("x")',
  '    h = self.repo.get_all()',
  '    i = db.session.query(Book).all()',
  '    j = Book.get(1)',
  '    k = request.args.get("q")',
  '',
].join('\n');

/** Each call of `view` by the variable it is assigned to. */
function callsOf(tree: ReturnType<typeof parsePython>): Map<string, Node> {
  const out = new Map<string, Node>();
  const visit = (n: Node): void => {
    if (n.type === 'assignment' && n.childForFieldName('right')?.type === 'call') out.set(n.childForFieldName('left')!.text, n.childForFieldName('right')!);
    for (const c of n.namedChildren) if (c) visit(c);
  };
  visit(tree.rootNode);
  return out;
}

describe('unbounded-queryset model helper pre-filter', () => {
  it('lets through the shapes a helper is called in, with and without the module', () => {
    const tree = parsePython(MODULE);
    try {
      const calls = callsOf(tree);
      for (const name of ['a', 'b', 'c', 'd', 'e', 'f']) {
        assert.equal(mayBeModelRowHelperCall(calls.get(name)!), true, name);
        assert.equal(mayBeModelRowHelperCall(calls.get(name)!, tree), true, name);
      }
      // `logger` may be bound anywhere in the module: only the module says it is not an instance.
      assert.equal(mayBeModelRowHelperCall(calls.get('g')!), true);
      assert.equal(mayBeModelRowHelperCall(calls.get('g')!, tree), false);
      for (const name of ['h', 'j', 'k']) {
        assert.equal(mayBeModelRowHelperCall(calls.get(name)!), false, name);
        assert.equal(mayBeModelRowHelperCall(calls.get(name)!, tree), false, name);
      }
      // (`query(Book)` passes a model: let through, judged by the project)
      assert.equal(mayBeModelRowHelperCall(calls.get('i')!.childForFieldName('function')!.childForFieldName('object')!, tree), true);
    } finally {
      tree.delete();
    }
  });

  it('gives the same findings per statement and in a batch scan on every Python fixture', () => {
    let files = 0;
    for (const f of listFixtures('unbounded-queryset').filter((x) => x.abs.endsWith('.py'))) {
      const text = fs.readFileSync(f.abs, 'utf8');
      const kept = analyzeWith(analyzerFor('unbounded-queryset', f.root), f.root, f.abs, text).findings.map(describeFinding);
      const batch = withoutStatementCaches(() => analyzeWith(analyzerFor('unbounded-queryset', f.root), f.root, f.abs, text).findings.map(describeFinding));
      assert.deepEqual(batch, kept, f.label);
      files++;
    }
    assert.ok(files > 50, `${files} fixture files`);
  });
});
