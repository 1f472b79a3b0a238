/**
 * The text pre-filters that decide whether unbounded-cache parses a file: they may let through files the
 * rule has nothing to say about, never one it reports in (the fixtures test checks the reports themselves).
 */
import * as assert from 'node:assert/strict';
import { classBodyLineStarts } from '../../analysis/python/class-body-lines';
import { unboundedCacheTrigger, wholeTextTest } from '../../rules/unbounded-cache/python-trigger';
import { withoutStatementCaches } from '../../analysis/cache';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The source lines (trimmed) that classBodyLineStarts keeps. */
function classBodyLines(source: string): string[] {
  const starts = classBodyLineStarts(source);
  const out: string[] = [];
  let offset = 0;
  for (const line of source.split('\n')) {
    if (starts.has(offset) && line.trim() !== '') out.push(line.trim());
    offset += line.length + 1;
  }
  return out;
}

describe('class body lines (unbounded-cache trigger)', () => {
  it('keeps class attributes and module statements, not function bodies or nested blocks', () => {
    const source = [
      'import os',
      'class Registry(',
      '    Base,',
      '):',
      '    """Docs.',
      'def looks_like_a_header():',
      '    """',
      '    _items = []',
      '    def add(self, item):',
      '        local = []',
      '        self._items.append(item)',
      '    if os.name == "nt":',
      '        _windows = {}',
      '    _table = dict(',
      '  a=1,',
      '    )',
      '    _seen = set()',
      'def helper():',
      '    cache = {}',
    ].join('\n');
    const kept = classBodyLines(source);
    for (const line of ['import os', '_items = []', 'def add(self, item):', '_table = dict(', '_seen = set()']) assert.ok(kept.includes(line), `${line} should be kept`);
    for (const line of ['local = []', 'self._items.append(item)', '_windows = {}', 'cache = {}']) assert.ok(!kept.includes(line), `${line} should be left out`);
  });
});

describe('unboundedCacheTrigger', () => {
  const passes = (source: string) => unboundedCacheTrigger.test(source);

  it('lets through what the rule can report', () => {
    assert.ok(passes('from functools import lru_cache\n@lru_cache(maxsize=None)\ndef f(x): ...\n'));
    assert.ok(passes('import functools as ft\n@ft.cache\ndef f(x): ...\n'));
    assert.ok(passes('_seen = {}\ndef visit(url):\n    _seen[url] = True\n'));
    assert.ok(passes('class Parser:\n    tokenTypeMapCache = dict()\n    def get(self, key):\n        self.tokenTypeMapCache[key] = 1\n'));
    assert.ok(passes('import streamlit as st\nst.session_state.log.append(1)\n'));
    assert.ok(passes('MAX_CACHE_SIZE = 500\n'));
    // Names imported with no blank after `import` (`import(` is valid Python; `import[` parses with an error).
    for (const spelling of ['import(sessions)', 'import[ sessions']) {
      const text = `from app.state ${spelling}\ndef f(sid):\n    sessions.setdefault(sid, []).append(1)\n`;
      assert.ok(passes(text), spelling);
      assert.ok(withoutStatementCaches(() => wholeTextTest(text)), `${spelling} (whole text)`);
    }
  });

  it('skips modules whose containers nothing grows, and locals', () => {
    assert.ok(!passes('__all__ = ["a", "b"]\nTABLE = {"x": 1}\ndef f():\n    return TABLE["x"]\n'));
    assert.ok(!passes('def f(items):\n    out = []\n    for i in items:\n        out.append(i)\n    return out\n'));
    assert.ok(!passes('_state = {}\ndef f():\n    _state["client"] = 1\n'));
    assert.ok(!passes('from functools import lru_cache\n@lru_cache(maxsize=128)\ndef f(x): ...\n'));
  });

  it('answers per segment (keystrokes) as over the whole text (scans), edit after edit', () => {
    // Python fixtures of every rule, edited at random with the spellings that may join two segments (`x.` + `append(`,
    // `x =` + `dict(`, an open `(`, a comment between `maxsize=` and `None`, a defaultdict...).
    const fixtures = path.join(__dirname, '..', 'fixtures');
    const files = fs.readdirSync(fixtures, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.py'));
    const pieces = ['\n', '.', '=', ' = ', '(', ')', '[', ']', '\\\n', '# c\n', 'None', 'cache', 'as ', 'append(', '[k] = 1', ' |= ', 'defaultdict', 'from m import (', '_seen', ' = {}', '\n_seen', '\nNone', '\ncache', 'maxsize=', 'functools', 'x', '    ', ''];
    let s = 11;
    const next = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const seen = { true: 0, false: 0 };
    for (const file of files) {
      let text = fs.readFileSync(path.join(fixtures, file), 'utf8');
      for (let i = 0; i < 12; i++) {
        if (i > 0) {
          const at = Math.floor(next() * (text.length + 1));
          const removed = next() < 0.4 ? Math.floor(next() * 12) : 0;
          text = text.slice(0, at) + pieces[Math.floor(next() * pieces.length)] + text.slice(at + removed);
        }
        const whole = withoutStatementCaches(() => wholeTextTest(text));
        assert.equal(unboundedCacheTrigger.test(text), whole, `${file} after ${i} edits:\n${text}`);
        seen[String(whole) as 'true' | 'false']++;
      }
    }
    assert.ok(seen.true > 100 && seen.false > 100, JSON.stringify(seen));
  });

  it('keeps answering as the whole text does while a module with an unbounded cache decorator is edited around it and in it', () => {
    // The decorator's matches are remembered with their place: edits before them move them, edits in them break them.
    const body = Array.from({ length: 40 }, (_, i) => `def f${i}(x):\n    return x + ${i}\n`).join('\n');
    const original = `import functools\n\n${body}\n@functools.lru_cache(maxsize=None)\ndef rate(code):\n    return code\n\n${body}`;
    const decorator = original.indexOf('@functools');
    const edits: [at: number, removed: number, inserted: string][] = [
      [original.length, 0, '\n'], // after it
      [40, 0, '    y = 1\n'], // before it: the match moves
      [40, 10, ''],
      [decorator + 'functools.lru_cache(maxsize='.length + 1, 4, '128'], // maxsize=None -> maxsize=128
      [decorator + 'functools.lru_cache(maxsize='.length + 1, 3, 'None'],
      [0, 'import functools'.length, 'import os'], // the functools import gone: no decorator
      [0, 'import os'.length, 'import functools'],
      [decorator + 1, 0, 'x'], // @xfunctools...: the `.cache`-like spellings read no word boundary change
      [decorator + 1, 1, ''],
    ];
    let text = original;
    for (const [i, [at, removed, inserted]] of edits.entries()) {
      text = text.slice(0, at) + inserted + text.slice(at + removed);
      assert.equal(unboundedCacheTrigger.test(text), withoutStatementCaches(() => wholeTextTest(text)), `edit ${i}:\n${text.slice(0, 200)}`);
    }
  });

  it('answers as the whole text does where a pattern spans two segments', () => {
    const spanning = [
      'x = []\ndef f():\n    y = x.\nappend(1)\n', // `x.` + `append(`
      '_seen = \\\ndict()\ndef f(k):\n    _seen[k] = 1\n', // `_seen = \` + `dict()`
      'from m import (a,\n_seen)\n_seen[k] = 1\n', // an open `(`
      'import functools as ft\n@ft. # c\ncache\ndef f(): ...\n', // `ft.` + a comment + `cache`
    ];
    for (const text of spanning) {
      assert.equal(withoutStatementCaches(() => wholeTextTest(text)), true, text);
      assert.equal(unboundedCacheTrigger.test(text), true, text);
    }
  });
});
