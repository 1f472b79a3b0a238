/**
 * moduleDefEnd (analysis/python/module-def.ts) answers exactly what the multiline regex it replaces answered:
 * `/^(?:async\s+)?def\s+NAME\s*\(/m`'s match end, on the texts a user writes and on the odd ones (async and def on
 * different lines, other line terminators, nested or indented defs, a call before the def).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { moduleDefEnd } from '../../analysis/python/module-def';

function byRegex(text: string, name: string): number | undefined {
  const m = new RegExp(`^(?:async\\s+)?def\\s+${name}\\s*\\(`, 'm').exec(text);
  return m ? m.index + m[0].length : undefined;
}

describe('moduleDefEnd: the module-level def of a name', () => {
  it('finds module-level defs and async defs, not nested ones, calls or other names', () => {
    const text = [
      'from .tasks import consume_file',
      'def view(request):',
      '    consume_file.delay(1)',
      '    def consume_file(x):',
      '        pass',
      'async  def   consume_file (a):',
      '    return 1',
      'def consume_file(b): pass',
    ].join('\n');
    const end = moduleDefEnd(text, 'consume_file');
    assert.equal(end, byRegex(text, 'consume_file'));
    assert.equal(text.slice(end!).split('\n')[0], 'a):');
    assert.equal(moduleDefEnd(text, 'view'), byRegex(text, 'view'));
    assert.equal(moduleDefEnd(text, 'consume'), undefined);
    assert.equal(moduleDefEnd('x = 1\n    def f():\n', 'f'), undefined);
    assert.equal(moduleDefEnd('defined = 1\nundef f()\n', 'f'), undefined);
  });

  it('agrees with the regex on odd layouts', () => {
    const cases = [
      'def f(): pass',
      'async\ndef f(): pass',
      'async \n  def\n f\n (',
      'x = 1\r\ndef f(',
      'x = 1\rdef f(',
      'x = 1\u2028def f(',
      'x = 1\u2029async def f(',
      'xasync def f(',
      ' async def f(',
      'async def f(',
      'asyncdef f(',
      'def def f(\ndef f(',
      '# def f(\n\tdef f(\ndef  f  (',
      'def f\n(',
      'def ff(\ndef f(',
      '',
    ];
    for (const text of cases) assert.equal(moduleDefEnd(text, 'f'), byRegex(text, 'f'), JSON.stringify(text));
  });

  it('answers each new text afresh (the answers of the last text are kept for it only)', () => {
    const before = 'from .tasks import f\n\ndef view():\n    f.delay(1)\n';
    const after = before + 'def f(x):\n    pass\n';
    assert.equal(moduleDefEnd(before, 'f'), undefined);
    assert.equal(moduleDefEnd(after, 'f'), byRegex(after, 'f'));
    assert.notEqual(moduleDefEnd(after, 'f'), undefined);
    assert.equal(moduleDefEnd(before, 'f'), undefined);
    assert.equal(moduleDefEnd(before, 'view'), byRegex(before, 'view'));
    // A keystroke: the same module with one character more, asked the same names in turn.
    let text = after;
    for (let i = 0; i < 20; i++) {
      text = i % 3 === 0 ? text.replace('def f(', 'def fx(') : text.replace('def fx(', 'def f(') + ' ';
      for (const name of ['f', 'fx', 'view']) assert.equal(moduleDefEnd(text, name), byRegex(text, name), `${i} ${name}`);
    }
  });

  it('agrees with the regex for every def name of real modules', () => {
    const dir = '/tmp/memlint-real/files';
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.py')) : [];
    // Without the bench files: this repository's Python fixtures.
    const texts = files.length
      ? files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
      : fs.readdirSync('test/fixtures', { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.py')).slice(0, 200).map((e) => fs.readFileSync(path.join(e.parentPath, e.name), 'utf8'));
    let checked = 0;
    for (const text of texts) {
      const names = new Set([...text.matchAll(/\b(\w+)\s*\(/g)].map((m) => m[1]).slice(0, 400));
      for (const name of names) {
        assert.equal(moduleDefEnd(text, name), byRegex(text, name), name);
        checked++;
      }
    }
    assert.ok(checked > 100, `only ${checked} names checked`);
  });
});
