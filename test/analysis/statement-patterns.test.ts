/**
 * The engine-owned caches the keystroke path leans on (analysis/cache.ts, analysis/python/statements.ts): a module
 * pattern answered per statement text gives the answer of the pattern over the whole text, also after an edit adds
 * or removes the only match and in a file with syntax errors; a statement slot stays within its bound and keeps what
 * was used last; a project slot holds one value per project.
 */
import * as assert from 'node:assert/strict';
import { initParsers } from '../support/analyze';
import { parsePython } from '../../server/src/engine/parsers';
import { callsNamedInModule, moduleMatches, statementMatches, topLevelStatements } from '../../analysis/python/statements';
import { callsNamed } from '../../analysis/python/ast';
import { MatchWitnesses, PiecesByPlace, ProjectSlot, StatementSlot } from '../../analysis/cache';

const VIEWS = [
  'from django.shortcuts import render',
  'from .models import Order',
  '',
  '',
  'class OrderList:',
  '    def get(self, request):',
  '        orders = Order.objects.all()',
  '        return {"orders": orders}',
  '',
  '',
  '# a comment between statements',
  'def helper(x):',
  '    return x + 1',
  '',
].join('\n');

const PATTERNS = [/\brender\s*\(/, /\bDIRS\b/, /models\.Model\b|\(\s*Model\s*\)/, /\bfor\b/, /Order/, /comment between/];

function expectSameAnswers(text: string): void {
  const tree = parsePython(text);
  try {
    for (const pattern of PATTERNS) assert.equal(moduleMatches(tree, text, pattern), pattern.test(text), `${pattern} on:\n${text}`);
  } finally {
    tree.delete();
  }
}

describe('module patterns answered per statement', () => {
  before(initParsers);

  it('answer as the pattern over the whole text, across edits that add and remove the only match', () => {
    expectSameAnswers(VIEWS);
    // The only render( appears inside one method, then goes again.
    const withRender = VIEWS.replace('return {"orders": orders}', 'return render(request, "orders.html", {"orders": orders})');
    expectSameAnswers(withRender);
    expectSameAnswers(VIEWS);
    // A loop and a settings-like assignment added in another statement.
    expectSameAnswers(VIEWS.replace('return x + 1', 'return [y for y in x]') + 'TEMPLATES = [{"DIRS": []}]\n');
    // A model class declared in the middle.
    expectSameAnswers(VIEWS.replace('class OrderList:', 'class Line(Model):\n    pass\n\n\nclass OrderList:'));
  });

  it('answer as the pattern over the whole text in a file with syntax errors', () => {
    expectSameAnswers(VIEWS.replace('def helper(x):', 'def helper(x:'));
    expectSameAnswers(VIEWS.replace('        orders = Order.objects.all()', '        orders = Order.objects.all(\n  render ('));
  });

  it('callsNamedInModule finds the calls callsNamed finds over the whole text, across edits and syntax errors', () => {
    const names = [/\b(?:render|helper)\b/, /\b(?:all|Order)\b/g, /\b(?:launch|Chrome)\b/];
    const texts = [
      VIEWS,
      VIEWS.replace('return x + 1', 'return helper (x) + render(\n  x)'),
      // A name at the end of one statement, `(` opening the next: no call either way.
      VIEWS.replace('def helper(x):', 'y = helper\n(a, b) = (1, 2)\n\n\ndef helper(x):'),
      VIEWS.replace('def helper(x):', 'def helper(x:'),
      '\n\n  ' + VIEWS,
      VIEWS + 'browser = p.chromium.launch()\nx = 1; d = Chrome()\n',
    ];
    let found = 0;
    for (const text of texts) {
      const tree = parsePython(text);
      try {
        for (const pattern of names) {
          const expected = callsNamed(tree, text, pattern).map((c) => c.startIndex);
          found += expected.length;
          assert.deepEqual(callsNamedInModule(tree, text, pattern).map((c) => c.startIndex), expected, `${pattern} on:\n${text}`);
        }
      } finally {
        tree.delete();
      }
    }
    assert.ok(found >= 10, `calls found: ${found}`);
  });

  it('statementMatches tests one statement text', () => {
    const tree = parsePython(VIEWS);
    try {
      const statements = topLevelStatements(tree);
      const matching = statements.filter((s) => statementMatches(s, /\bOrder\.objects\b/)).map((s) => s.type);
      assert.deepEqual(matching, ['class_definition']);
    } finally {
      tree.delete();
    }
  });
});

describe('statement and project slots', () => {
  it('a statement slot keeps at most its limit, and the entries used last', () => {
    const slot = new StatementSlot<number>('test: bounded', 8);
    const statement = (id: number) => ({ type: 'expression_statement', textId: 1_000_000 + id, cacheable: true });
    for (let i = 0; i < 8; i++) slot.set(slot.key(statement(i)), i);
    // Entry 0 is used again: the eviction then drops the oldest others first.
    assert.equal(slot.get(slot.key(statement(0))), 0);
    slot.set(slot.key(statement(8)), 8);
    assert.ok(slot.size <= 8, `size ${slot.size}`);
    assert.equal(slot.get(slot.key(statement(1))), undefined, 'the least recently used entry is dropped');
    assert.equal(slot.get(slot.key(statement(0))), 0, 'the entry used last is kept');
    for (let i = 9; i < 20; i++) slot.set(slot.key(statement(i)), i);
    assert.ok(slot.size <= 8, `size ${slot.size}`);
    assert.equal(slot.get(slot.key(statement(19))), 19);
    assert.equal(slot.get(slot.key(statement(1))), undefined);
    // Another context is another answer for the same statement.
    slot.set(slot.key(statement(19), 'other'), -19);
    assert.equal(slot.get(slot.key(statement(19), 'other')), -19);
    assert.equal(slot.get(slot.key(statement(19))), 19);
    // Not cacheable: never stored.
    assert.equal(slot.key({ type: 'x', textId: 5, cacheable: false }), undefined);
  });

  it('pieces by place: a piece is found again where it was or moved by the length change, only with the same text', () => {
    const pieces = new PiecesByPlace<string>(2);
    const version = (text: string, cuts: number[], value: (piece: string) => string) => {
      pieces.begin(text.length);
      const found: (string | undefined)[] = [];
      cuts.forEach((start, i) => {
        const piece = text.slice(start, cuts[i + 1] ?? text.length);
        const old = pieces.find(start, piece);
        found.push(old);
        pieces.record(start, piece, old ?? value(piece));
      });
      pieces.end();
      return found;
    };
    // a = 1 | b = 2 | c = 3
    assert.deepEqual(version('a = 1\nb = 2\nc = 3\n', [0, 6, 12], (p) => `v1 ${p.trim()}`), [undefined, undefined, undefined]);
    // Typed into the second piece: the first keeps its place, the third moves by 2.
    assert.deepEqual(version('a = 1\nb = 2xy\nc = 3\n', [0, 6, 14], (p) => `v2 ${p.trim()}`), ['v1 a = 1', undefined, 'v1 c = 3']);
    // Same length, other text at the same place: not found.
    assert.deepEqual(version('a = 9\nb = 2xy\nc = 3\n', [0, 6, 14], (p) => `v3 ${p.trim()}`), [undefined, 'v2 b = 2xy', 'v1 c = 3']);
    // Another text in between (generation 2 kept): the last versions are still found.
    version('zzz', [0], () => 'other');
    assert.deepEqual(version('a = 9\nb = 2xy\nc = 3\n', [0, 6, 14], () => 'new'), ['v3 a = 9', 'v2 b = 2xy', 'v1 c = 3']);
  });

  it('match witnesses: a match is confirmed where it was or moved by the length change, and not once edited', () => {
    const witnesses = new MatchWitnesses();
    const word = /\bcache\b/;
    const text = 'import x\n@cache\ndef f(): ...\n';
    assert.ok(witnesses.recording(text)(word));
    assert.ok(witnesses.confirms(word, text));
    assert.ok(witnesses.confirms(word, 'import xyz\n@cache\ndef f(): ...\n'), 'moved by an edit before it');
    assert.ok(witnesses.confirms(word, 'import x\n@cache\ndef f(): pass\n'), 'an edit after it');
    assert.ok(!witnesses.confirms(word, 'import x\n@caches\ndef f(): ...\n'), 'the word boundary after it is gone');
    assert.ok(!witnesses.confirms(/other/, text), 'a pattern never recorded');
    // A match at the very start has no character before it: never a witness, so the caller searches again.
    assert.ok(witnesses.recording('cache = 1')(word));
    assert.ok(!witnesses.confirms(word, 'cache = 1'));
  });

  it('a project slot holds one value per project, created once', () => {
    let created = 0;
    const slot = new ProjectSlot('test: per project', () => ({ n: ++created }));
    const a = {};
    const b = {};
    assert.equal(slot.get(a), slot.get(a));
    assert.notEqual(slot.get(a), slot.get(b));
    assert.equal(created, 2);
    slot.set(a, { n: 10 });
    assert.equal(slot.get(a).n, 10);
  });
});
