/**
 * definitionsOf (analysis/python/ast.ts) finds class and function definitions from their keyword in the text: it
 * must give what the tree query gives, in the same order, also where the word sits in a string, a comment or an
 * attribute name, after leading blank lines (the root starts at its first token), in async and nested defs, and
 * in code a parse error swallowed.
 */
import * as assert from 'node:assert/strict';
import { initParsers } from '../support/analyze';
import { parsePython } from '../../server/src/engine/parsers';
import { captures, definitionsOf } from '../../analysis/python/ast';

const TEXTS = [
  ['', '', '# class A: def f(): pass', 'class A(Base):', '    """class B: def g()"""', '    async def get(self):', '        def inner(): return "def x"', '        class Local: pass', '        return inner', '', '@decorator', 'def top(): pass'].join('\n'),
  '\ufeff\nclass A:\n    def f(self):\n        x.klass.define = 1\n        return f"class {self.def_}"\n',
  'def broken(:\n    class X(\n\ndef ok(): pass\nclass Y: pass\n',
  'x = 1\n',
];

describe('definitionsOf: class and def nodes found from their keyword', () => {
  before(() => initParsers());

  for (const [i, text] of TEXTS.entries()) {
    it(`gives the query's nodes in its order (text ${i + 1})`, () => {
      const tree = parsePython(text);
      try {
        for (const [keyword, query] of [['def', '(function_definition) @fn'], ['class', '(class_definition) @cls']] as const) {
          const expected = captures(tree, query).map((c) => c.node.id);
          assert.deepEqual(definitionsOf(tree, keyword).map((n) => n.id), expected, keyword);
        }
      } finally {
        tree.delete();
      }
    });
  }
});
