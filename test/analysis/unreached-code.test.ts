/**
 * Statements after an unconditional exit of their block (analysis/python/unreached-code.ts): code a view never gets
 * to because it always returns, raises, continues or breaks first; a conditional exit leaves the rest reached.
 */
import * as assert from 'node:assert/strict';
import { initParsers } from '../support/analyze';
import { parsePython } from '../../server/src/engine/parsers';
import { afterUnconditionalExit } from '../../analysis/python/unreached-code';

function deadAt(text: string, marker: string): boolean {
  const tree = parsePython(text);
  const at = text.indexOf(marker);
  return afterUnconditionalExit(tree.rootNode.descendantForIndex(at, at)!);
}

describe('afterUnconditionalExit', () => {
  before(async () => {
    await initParsers();
  });

  it('finds code after an unconditional return, raise, continue or break', () => {
    assert.equal(deadAt('def v(r):\n    return redirect("x")\n    rows = Book.objects.all()\n', 'Book'), true);
    assert.equal(deadAt('def v(r):\n    raise Http404\n    rows = Book.objects.all()\n', 'Book'), true);
    assert.equal(deadAt('def v(r):\n    for b in bs:\n        continue\n        b.author.name\n', 'author'), true);
    assert.equal(deadAt('def v(r):\n    while True:\n        break\n        b.author.name\n', 'author'), true);
    assert.equal(deadAt('def v(r):\n    if r.user:\n        return 1\n        x = Book.objects.all()\n', 'Book'), true);
  });

  it('keeps code a conditional exit leaves reached, and code before the exit', () => {
    assert.equal(deadAt('def v(r):\n    if not r.user:\n        return redirect("x")\n    rows = Book.objects.all()\n', 'Book'), false);
    assert.equal(deadAt('def v(r):\n    rows = Book.objects.all()\n    return rows\n', 'Book'), false);
    assert.equal(deadAt('def v(r):\n    try:\n        return f()\n    except E:\n        pass\n    rows = Book.objects.all()\n', 'Book'), false);
    assert.equal(deadAt('return 1\ndef v(r):\n    rows = Book.objects.all()\n', 'Book'), false);
    assert.equal(deadAt('def v(r):\n    def inner():\n        return 1\n    rows = Book.objects.all()\n', 'Book'), false);
  });
});
