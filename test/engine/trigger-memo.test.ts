/**
 * Rule triggers answered per chunk of lines on the keystroke path (server/src/engine/trigger-memo.ts) give the
 * answer of the trigger over the whole text, for every rule's trigger, on every fixture file, after random
 * keystrokes (including line breaks, indentation and edits that join or split chunks).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allRules } from '../../rules/index';
import { lineChunks, TriggerMemo } from '../../server/src/engine/trigger-memo';

const FIXTURES = path.join(__dirname, '..', 'fixtures');

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}

describe('Trigger answers per chunk of lines', function () {
  const triggers = allRules.map((r) => r.meta.trigger).filter((t) => t !== undefined);

  it('cuts the text into chunks that join back to it, each starting at a column-0 line', () => {
    const text = 'import os\n\n\ndef f():\n    x = 1\n\n    return x\n# c\n@d\nclass A:\n  pass\n';
    const chunks = lineChunks(text);
    assert.equal(chunks.join(''), text);
    assert.deepEqual(chunks, ['import os\n\n\n', 'def f():\n    x = 1\n\n    return x\n', '# c\n', '@d\n', 'class A:\n  pass\n']);
    assert.deepEqual(lineChunks(''), ['']);
  });

  it('answers every rule trigger as the whole text does, on every fixture, keystroke after keystroke', () => {
    const next = random(7);
    const pieces = ['\n', 'x', ' ', '\n\n', '    ', 'objects', 'page_size', 'workers', '.read(', 'import django\n', '#', '$', ''];
    let compared = 0;
    for (const file of filesUnder(FIXTURES).filter((f) => /\.(py|ts|js|toml|ya?ml|json|ini|html|txt|cfg)$|Dockerfile|Procfile/.test(f))) {
      let text = fs.readFileSync(file, 'utf8');
      const memo = new TriggerMemo();
      for (let i = 0; i < 6; i++) {
        if (i > 0) {
          const at = Math.floor(next() * (text.length + 1));
          const removed = next() < 0.4 ? Math.floor(next() * 12) : 0;
          text = text.slice(0, at) + pieces[Math.floor(next() * pieces.length)] + text.slice(at + removed);
        }
        memo.update(text);
        for (const trigger of triggers) {
          assert.equal(memo.test(trigger, text), trigger.test(text), `${String(trigger)} on ${path.relative(FIXTURES, file)} after ${i} edits`);
          compared++;
        }
      }
    }
    assert.ok(compared > 1000, `only ${compared} comparisons`);
  });

  it('reuses the answers of unchanged chunks and tries the changed chunk only', () => {
    let tried: string[] = [];
    // A real line-local regex, wrapped to record the texts it is tried on.
    const re = /\.objects\b/;
    const recording = new Proxy(re, {
      get(target, key) {
        if (key === 'test') return (s: string) => (tried.push(s), target.test(s));
        const v = Reflect.get(target, key, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
      getPrototypeOf: () => RegExp.prototype,
    });
    const text = 'import os\n\n\ndef a():\n    return 1\n\n\ndef b():\n    return 2\n';
    const memo = new TriggerMemo();
    memo.update(text);
    assert.equal(memo.test(recording, text), false);
    assert.equal(tried.length, 3);
    tried = [];
    const edited = text.replace('return 2', 'return Order.objects.all()');
    memo.update(edited);
    assert.equal(memo.test(recording, edited), true);
    assert.deepEqual(tried, ['def b():\n    return Order.objects.all()\n']);
    // The chunk that matched is still there: another chunk's edit costs this trigger no test at all.
    tried = [];
    const again = edited.replace('return 1', 'return 11');
    memo.update(again);
    assert.equal(memo.test(recording, again), true);
    assert.deepEqual(tried, []);
    // It is gone: every chunk is looked at again, those tried before from their remembered answers.
    tried = [];
    const gone = again.replace('Order.objects.all()', '2');
    memo.update(gone);
    assert.equal(memo.test(recording, gone), false);
    assert.deepEqual(tried, ['def a():\n    return 11\n\n\n', 'def b():\n    return 2\n']);
  });
});
