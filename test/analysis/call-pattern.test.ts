/**
 * The text test a batch scan's call graph runs before it parses a module for the callers of a name: it may let a
 * module through that does not call the name, never stop one that does (the module's calls would go unread).
 */
import * as assert from 'node:assert/strict';
import { callPattern } from '../../analysis/python/call-graph';

describe('call graph: the call test before a parse', () => {
  const calls = callPattern('get_model');

  it('finds every spelling of a call a callee may have', () => {
    for (const text of [
      'get_model()',
      'model = services.get_model(x)',
      'get_model (x)',
      'y = (get_model  # the cached model\n     (x))',
      'get_model \\\n    (x)',
      'return await ml.get_model(\n    x,\n)',
    ]) {
      assert.ok(calls.test(text), text);
    }
  });

  it('stops a module that names it without calling it', () => {
    for (const text of ['from services import get_model', 'handler = get_model', 'x = my_get_model()', 'register(get_model)']) {
      assert.equal(calls.test(text), false, text);
    }
  });

  it('stays linear on a comment of many #', () => {
    const text = `get_model  #${'#'.repeat(20000)} no call`;
    const start = process.hrtime.bigint();
    assert.equal(calls.test(text), false);
    assert.ok(process.hrtime.bigint() - start < 100_000_000n);
  });
});
