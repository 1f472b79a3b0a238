/**
 * The text pre-filters that decide whether unbounded-cache parses a file: they may let through files the
 * rule has nothing to say about, never one it reports in (the fixtures test checks the reports themselves).
 */
import * as assert from 'node:assert/strict';
import { classBodyLineStarts } from '../../analysis/python/class-body-lines';
import { unboundedCacheTrigger } from '../../rules/unbounded-cache/python-trigger';

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
  });

  it('skips modules whose containers nothing grows, and locals', () => {
    assert.ok(!passes('__all__ = ["a", "b"]\nTABLE = {"x": 1}\ndef f():\n    return TABLE["x"]\n'));
    assert.ok(!passes('def f(items):\n    out = []\n    for i in items:\n        out.append(i)\n    return out\n'));
    assert.ok(!passes('_state = {}\ndef f():\n    _state["client"] = 1\n'));
    assert.ok(!passes('from functools import lru_cache\n@lru_cache(maxsize=128)\ndef f(x): ...\n'));
  });
});
