/**
 * The language server's nesting guard (pythonNestingProblemBySegments: pieces of the text remembered across
 * keystrokes) answers exactly as the whole-text scan (pythonNestingProblem) on every Python fixture, on texts at
 * and past CPython's limits, and on random edits that open brackets and strings, continue lines and cut CRLF pairs.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MAX_PYTHON_BRACKET_DEPTH, MAX_PYTHON_INDENT_LEVELS, pythonNestingProblem, pythonNestingProblemBySegments } from '../../server/src/engine/nesting';

const FIXTURES = path.join(__dirname, '..', 'fixtures');

function pythonFixtures(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? pythonFixtures(p) : e.name.endsWith('.py') ? [p] : [];
  });
}

/** A small deterministic generator (the same edits on every run). */
function random(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
}

const deepIfs = (n: number) => Array.from({ length: n + 1 }, (_, i) => ' '.repeat(i) + (i < n ? 'if x:' : 'pass')).join('\n') + '\n';
const deepBrackets = (n: number) => `x = ${'('.repeat(n)}1${')'.repeat(n)}\n`;

/** Pieces an edit inserts: brackets and strings left open, continuations, column-0 names, deep blocks. */
const INSERTS = [
  '(', ')', '[', ']', '{', '}', '"', "'", '"""', "'''", '\\\n', '\\\r\n', '\n', '\r\n', '\r', '\nx = 1\n', '\n@decorator\n',
  '\nclass A:\n    pass\n', '#', '# (((\n', '\n    ', '\t', 'f"{', deepIfs(MAX_PYTHON_INDENT_LEVELS + 1), deepBrackets(MAX_PYTHON_BRACKET_DEPTH + 1),
  deepIfs(MAX_PYTHON_INDENT_LEVELS), '\ndef f(\n', 's = "a\\\nb"\n',
];

function assertSame(text: string, what: string): void {
  const expected = pythonNestingProblem(text);
  assert.equal(pythonNestingProblemBySegments(text), expected, what);
  // Again, with every piece now remembered.
  assert.equal(pythonNestingProblemBySegments(text), expected, `${what} (remembered pieces)`);
}

describe('reliability: the nesting guard per piece of text answers as the whole-text scan', function () {
  this.timeout(120_000);

  it('on every Python fixture', () => {
    const files = pythonFixtures(FIXTURES);
    assert.ok(files.length > 50);
    for (const f of files) assertSame(fs.readFileSync(f, 'utf8'), path.relative(FIXTURES, f));
  });

  it('at and past the limits, between ordinary statements', () => {
    const around = (middle: string) => `import os\n\n\ndef f():\n    return 1\n\n${middle}\nclass B:\n    x = [\n1]\n`;
    const cases = [deepIfs(MAX_PYTHON_INDENT_LEVELS), deepIfs(MAX_PYTHON_INDENT_LEVELS + 1), deepBrackets(MAX_PYTHON_BRACKET_DEPTH), deepBrackets(MAX_PYTHON_BRACKET_DEPTH + 1)];
    let problems = 0;
    for (const c of cases) {
      for (const text of [c, around(c), around(`t = """\n${c}"""\n`), around(`y = (\n${c})\n`)]) {
        if (pythonNestingProblem(text)) problems++;
        assertSame(text, JSON.stringify(text.slice(0, 80)));
      }
    }
    assert.ok(problems >= 4, 'some cases are too deep');
  });

  it('on random edits of real-looking modules', () => {
    const files = pythonFixtures(FIXTURES).filter((f) => fs.statSync(f).size > 1500).slice(0, 30);
    const next = random(11);
    let problems = 0;
    for (const f of files) {
      let text = fs.readFileSync(f, 'utf8');
      for (let k = 0; k < 25; k++) {
        const at = Math.floor(next() * (text.length + 1));
        if (next() < 0.25 && text.length > 10) {
          text = text.slice(0, at) + text.slice(Math.min(text.length, at + 1 + Math.floor(next() * 40)));
        } else {
          text = text.slice(0, at) + INSERTS[Math.floor(next() * INSERTS.length)] + text.slice(at);
        }
        if (pythonNestingProblem(text)) problems++;
        assertSame(text, `${path.relative(FIXTURES, f)} after edit ${k}`);
      }
    }
    assert.ok(problems > 0, 'the edits reach a problem sometimes');
  });
});
