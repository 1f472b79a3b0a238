/**
 * The text pre-filters that keep big scans from parsing modules for unbounded-cache, whole-file-read,
 * dataframe-full-load, model-load-per-request, thread-per-request and oversized-pool: a module they skip must be one the rule reports nothing in. What a user checks: the same
 * findings with and without the pre-filter, on every Python fixture of every rule and on random edits of them, as a
 * batch scan runs them; and the shapes the rule reports are let through.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Rule } from '../../rules/api';
import { withoutStatementCaches } from '../../analysis/cache';
import { wholeTextPasses } from '../../server/src/engine/analyzer';
import { Analyzer } from '../../server/src/engine/analyzer';
import { defaultConfig } from '../../server/src/engine/config';
import unboundedCache from '../../rules/unbounded-cache/python';
import wholeFileRead from '../../rules/whole-file-read/python';
import dataframeFullLoad from '../../rules/dataframe-full-load/python';
import modelLoadPerRequest from '../../rules/model-load-per-request/python';
import threadPerRequest from '../../rules/thread-per-request/python';
import oversizedPool from '../../rules/oversized-pool/python';
import { dataframeRegex } from '../../rules/dataframe-full-load/python-trigger';
import { mayReadWhole, wholeReadRegex } from '../../rules/whole-file-read/python-trigger';
import { listFixtures } from '../support/fixtures';
import { analyzeWith, describeFinding, fixtureProject, initParsers, ruleIds } from '../support/analyze';

before(() => initParsers());

const withoutTrigger = (rule: Rule): Rule => ({ ...rule, meta: { ...rule.meta, trigger: undefined } });
/**
 * unbounded-cache's check() reads the batch test's answer for the text it was last asked about; asked about another
 * text, check() parses as a rule without a pre-filter does (the reference the pre-filters are compared with).
 */
const forgetBatchAnswer = (rule: Rule) => withoutStatementCaches(() => rule.meta.trigger && wholeTextPasses(rule.meta.trigger, ''));

/** The rule's findings in batch-scan mode (statement caches off, as the CLI's workers run). */
function findings(rule: Rule, root: string, abs: string, text: string): string[] {
  return withoutStatementCaches(() => {
    const analyzer = new Analyzer([rule], defaultConfig(), fixtureProject(root));
    const result = analyzeWith(analyzer, root, abs, text);
    return [...result.findings.map(describeFinding), ...result.notes.filter((n) => n.kind === 'rule-error').map((n) => JSON.stringify(n))];
  });
}

/** Edits that make and break the shapes the pre-filters look at. */
const PIECES = ['\n', '.', '=', ' = ', '(', ')', '[', ']', '\\\n', '# c\n', 'None', '-1', '8192', 'size=', '.read(', '.read()', '.readlines()', '.getvalue()', 'self.fp', '.file', '.stream', 'hashlib', 'update(', 'writestr(', 'file_uploader', 'open(p)', 'cache', 'append(', '[k] = 1', '_seen', ' = {}', '\n_seen', 'def f(x):\n    ', 'x', '    ', ''];

function* fixtureVersions(): Generator<{ root: string; abs: string; label: string; text: string }> {
  let s = 7;
  const next = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (const id of ruleIds()) {
    for (const f of listFixtures(id).filter((x) => x.abs.endsWith('.py'))) {
      let text = fs.readFileSync(f.abs, 'utf8');
      for (let i = 0; i < 4; i++) {
        if (i > 0) {
          const at = Math.floor(next() * (text.length + 1));
          const removed = next() < 0.4 ? Math.floor(next() * 12) : 0;
          text = text.slice(0, at) + PIECES[Math.floor(next() * PIECES.length)] + text.slice(at + removed);
        }
        yield { ...f, label: `${f.label} (${i} edits)`, text };
      }
    }
  }
}

describe('parse pre-filters (batch scans)', () => {
  // The fewest texts each pre-filter must skip, and the fewest the rule must report in, for the comparison to count.
  const least = new Map<Rule, { skipped: number; reported: number }>([
    [wholeFileRead, { skipped: 200, reported: 50 }],
    [unboundedCache, { skipped: 200, reported: 50 }],
    [dataframeFullLoad, { skipped: 200, reported: 20 }],
    [modelLoadPerRequest, { skipped: 1500, reported: 20 }],
    [threadPerRequest, { skipped: 1500, reported: 3 }],
    // The random edits follow the fixture set: adding fixtures moves a few texts across these floors.
    [oversizedPool, { skipped: 1500, reported: 15 }],
  ]);
  for (const [rule, floor] of least) {
    it(`${rule.meta.id}: the same findings with and without the pre-filter, on every Python fixture and random edits`, function () {
      this.timeout(600000);
      let skipped = 0;
      let reported = 0;
      for (const v of fixtureVersions()) {
        const passes = withoutStatementCaches(() => wholeTextPasses(rule.meta.trigger!, v.text));
        // unbounded-cache's check() may still decide not to parse (names imported from modules that declare no container).
        const withPrefilter = passes && rule === unboundedCache ? findings(rule, v.root, v.abs, v.text) : undefined;
        forgetBatchAnswer(rule);
        const without = findings(withoutTrigger(rule), v.root, v.abs, v.text);
        if (without.length > 0) reported++;
        if (withPrefilter) assert.deepEqual(withPrefilter, without, `${v.label}: the import pre-check changed the findings:\n${v.text}`);
        if (passes) continue; // the same rule runs: nothing to compare
        skipped++;
        assert.deepEqual([], without, `${v.label}: skipped by the pre-filter, but the rule reports:\n${v.text}`);
      }
      // Not vacuous: the pre-filter skips texts, and the rule reports in many others.
      assert.ok(skipped > floor.skipped && reported > floor.reported, JSON.stringify({ skipped, reported }));
    });
  }

  it('dataframe-full-load: the stricter test skips texts the regex lets through (an append without pandas)', () => {
    let stricter = 0;
    for (const v of fixtureVersions()) if (dataframeRegex.test(v.text) && !wholeTextPasses(dataframeFullLoad.meta.trigger!, v.text)) stricter++;
    assert.ok(stricter > 50, String(stricter));
  });

  it('model-load-per-request, thread-per-request, oversized-pool: the stricter test skips texts that name the library but call nothing it checks', () => {
    for (const [rule, floor] of [
      [modelLoadPerRequest, 15],
      [threadPerRequest, 15],
      [oversizedPool, 2],
    ] as const) {
      const trigger = rule.meta.trigger as RegExp & { strictTest(text: string): boolean };
      let stricter = 0;
      for (const v of fixtureVersions()) if (new RegExp(trigger.source).test(v.text) && !trigger.strictTest(v.text)) stricter++;
      assert.ok(stricter > floor, `${rule.meta.id}: ${stricter}`);
    }
  });

  it('whole-file-read: the stricter test skips texts the regex lets through', () => {
    let stricter = 0;
    for (const v of fixtureVersions()) if (wholeReadRegex.test(v.text) && !mayReadWhole(v.text)) stricter++;
    assert.ok(stricter > 20, String(stricter));
  });
});

describe('whole-file-read pre-filter: shapes the rule reports are let through', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-prefilter-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  const reportsAndPasses = (text: string) => {
    const found = findings(wholeFileRead, root, `${root}/views.py`, text);
    assert.ok(mayReadWhole(text), `the pre-filter skips:\n${text}`);
    assert.ok(found.some((f) => f.startsWith('whole-file-read')), `the rule reports nothing in:\n${text}`);
  };

  it('reads of a name, a call, a subscript, `upload.file`, with no size, None or -1', () => {
    reportsAndPasses('def view(request):\n    with open(request.GET["p"], "rb") as f:\n        return f.read()\n');
    reportsAndPasses('def view(request):\n    return open(request.GET["p"], "rb").read(None)\n');
    reportsAndPasses('def view(request):\n    return request.FILES["doc"].read( -1 )\n');
    reportsAndPasses('def view(request):\n    upload = request.FILES["doc"]\n    return upload.file.read()\n');
    reportsAndPasses('def view(request):\n    with open(request.GET["p"]) as f:\n        return f.readlines()\n');
  });

  it('an attribute read fed to a hasher or a zip, and a Streamlit upload copied', () => {
    reportsAndPasses('import hashlib\n\nclass Store:\n    def digest(self):\n        return hashlib.sha256(self.fp.read()).hexdigest()\n');
    reportsAndPasses('class Store:\n    def add(self, zf, name):\n        zf.writestr(name, self.fp.read())\n');
    reportsAndPasses('import streamlit as st\n\nf = st.file_uploader("CSV")\nif f:\n    data = f.getvalue()\n');
  });

  it('skips bounded reads, plain attribute reads and getvalue() without a Streamlit upload', () => {
    for (const text of [
      'def f(fp):\n    return fp.read(8192)\n',
      'def f(fp, n):\n    return fp.read(n)\n',
      'class Conn:\n    def recv(self):\n        return self.sock.read()\n',
      'import io\nbuf = io.BytesIO()\nout = buf.getvalue()\n',
    ]) {
      assert.ok(wholeReadRegex.test(text), text);
      assert.ok(!mayReadWhole(text), `should be skipped:\n${text}`);
      assert.deepEqual(findings(withoutTrigger(wholeFileRead), root, `${root}/views.py`, text), [], text);
    }
  });
});

describe('unbounded-cache pre-filter: growth outside functions', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-prefilter-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  const batchPasses = (text: string) => withoutStatementCaches(() => wholeTextPasses(unboundedCache.meta.trigger!, text));
  const reported = (text: string) => findings(withoutTrigger(unboundedCache), root, `${root}/registry.py`, text).filter((f) => f.startsWith('unbounded-cache'));

  it('lets through growth inside a def, also on a column-0 line of it or a one-line def', () => {
    for (const text of [
      '_seen = {}\n\ndef visit(url):\n    _seen[url] = True\n',
      '_seen = {}\n\ndef visit(url): _seen[url] = True\n',
      '_seen = {}\n\ndef visit(url):\n    return print(\n_seen.update({url: 1}))\n',
      '_seen = {}\n\ndef visit(url):\n    return url + \\\n_seen.update({url: 1})\n',
      '_seen = {}\n\ndef visit(url):\n    """Doc (\n"""\n    _seen[url] = True\n',
    ]) {
      assert.ok(reported(text).length > 0, `the rule reports nothing in:\n${text}`);
      assert.ok(batchPasses(text), `the pre-filter skips:\n${text}`);
    }
  });

  it('skips containers grown only by module-level code', () => {
    for (const text of [
      'decoding_map = {}\ndecoding_map.update({0x80: 0x00c7})\n\ndef lookup(b):\n    return decoding_map.get(b)\n',
      '_handlers = []\nif True:\n    pass\n_handlers.append(print)\n',
    ]) {
      assert.deepEqual(reported(text), [], text);
      assert.ok(!batchPasses(text), `should be skipped:\n${text}`);
    }
  });
});

describe('unbounded-cache pre-filter: module-level blocks', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-prefilter-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  const batchPasses = (text: string) => withoutStatementCaches(() => wholeTextPasses(unboundedCache.meta.trigger!, text));
  const reported = (text: string) => findings(withoutTrigger(unboundedCache), root, `${root}/registry.py`, text).filter((f) => f.startsWith('unbounded-cache'));

  it('lets through growth in a def nested in a module-level if, a method, or a decorated function', () => {
    for (const text of [
      '_seen = {}\nif True:\n    def visit(url):\n        _seen[url] = True\n',
      '_seen = {}\n\nclass Crawler:\n    def visit(self, url):\n        if url:\n            _seen[url] = True\n',
      'import functools\n_seen = {}\n\n@functools.wraps(print)\ndef visit(url):\n    for u in [url]:\n        _seen[u] = True\n',
    ]) {
      assert.ok(reported(text).length > 0, `the rule reports nothing in:\n${text}`);
      assert.ok(batchPasses(text), `the pre-filter skips:\n${text}`);
    }
  });

  it('skips containers grown only in module-level if/try blocks and class bodies', () => {
    const text = '__all__ = ["a"]\n_seen = {}\ntry:\n    import os\nexcept ImportError:\n    pass\nelse:\n    __all__.append("os")\nif True:\n    for k in range(3):\n        _seen[k] = k\n\nclass A:\n    _seen[4] = 4\n\ndef lookup(k):\n    return _seen.get(k)\n';
    assert.deepEqual(reported(text), [], text);
    assert.ok(!batchPasses(text), `should be skipped:\n${text}`);
  });
});

describe('unbounded-cache pre-check: containers imported from other modules', () => {
  // The deciding fact lives in the imported module: the check reads it before parsing the importing one.
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-prefilter-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };
  write('requirements.txt', 'fastapi\n');
  write('app/__init__.py', '');
  write('app/api/__init__.py', '');
  write('app/state.py', 'from app.loaders import make_loader\n\nsessions: dict[str, list] = {}\nrecent = []\nloader = make_loader()\n');
  write('app/registry.py', 'from app.plugins import Registry\n\nhandlers = Registry()\nvisits = {}\nvisits = {}\n');
  const route = (imports: string, grown: string) => `${imports}\n\ndef view(key, value):\n    ${grown}[key] = value\n    return value\n`;
  /** The findings with the pre-check and whether it parsed, and the findings of a full analysis. */
  const run = (text: string) => {
    const abs = path.join(root, 'app/api/routes.py');
    write('app/api/routes.py', text);
    let parsed = false;
    const watched: Rule = { meta: unboundedCache.meta, check: (ctx) => unboundedCache.check({ ...ctx, python: () => ((parsed = true), ctx.python()) }) };
    const withPrecheck = findings(watched, root, abs, text);
    forgetBatchAnswer(unboundedCache);
    return { withPrecheck, parsed, full: findings(withoutTrigger(unboundedCache), root, abs, text) };
  };

  it('parses and reports a grown container its module declares: plain, aliased, relative and parenthesised imports', () => {
    for (const text of [
      route('from app.state import sessions', 'sessions'),
      route('from app.state import sessions as chat', 'chat'),
      route('from ..state import sessions', 'sessions'),
      route('from app.state import (  # shared\n    recent,\n    sessions,\n)', 'sessions'),
    ]) {
      const r = run(text);
      assert.ok(r.parsed, `not parsed:\n${text}`);
      assert.equal(r.full.length, 1, `a full analysis reports nothing in:\n${text}`);
      assert.deepEqual(r.withPrecheck, r.full, text);
    }
  });

  it('skips the parse when the module declares no such container: an object, a name bound twice, an unresolved or other name', () => {
    for (const text of [
      route('from app.registry import handlers', 'handlers'),
      route('from app.registry import visits', 'visits'),
      route('from requests.structures import CaseInsensitiveDict as seen', 'seen'),
      route('from app.state import loader as sessions', 'sessions'),
      route('from app.state import missing  # sessions', 'missing'),
    ]) {
      const r = run(text);
      assert.ok(!r.parsed, `parsed:\n${text}`);
      assert.deepEqual(r.full, [], `a full analysis reports in:\n${text}`);
      assert.deepEqual(r.withPrecheck, [], text);
    }
  });
});

describe('unbounded-cache pre-filter: values that cannot be containers, and functools spelled through an alias', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-prefilter-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  const batchPasses = (text: string) => withoutStatementCaches(() => wholeTextPasses(unboundedCache.meta.trigger!, text));
  const reported = (text: string) => findings(withoutTrigger(unboundedCache), root, `${root}/views.py`, text).filter((f) => f.startsWith('unbounded-cache'));

  it('lets through containers built by a constructor however it is spelled, annotated ones, and functools.cache through an alias', () => {
    for (const text of [
      'import collections\n\n_seen = collections.defaultdict(list)\n\ndef visit(url):\n    _seen[url].append(1)\n',
      'from collections import OrderedDict as OD\n\n_seen = OD()\n\ndef visit(url):\n    _seen[url] = True\n',
      'from collections import (\n    OrderedDict as\n    OD,\n)\n\n_seen = OD()\n\ndef visit(url):\n    _seen[url] = True\n',
      '_seen: dict[str, bool] = {}\n\ndef visit(url):\n    _seen[url] = True\n',
      '_seen: "dict[str, bool]" = dict()\n\ndef visit(url):\n    _seen[url] = True\n',
      'class Crawler:\n    seen: list = []\n\n    def visit(self, url):\n        self.seen.append(url)\n',
      'import functools as ft\n\n@ft.cache\ndef geocode(address):\n    return address\n',
      'import functools\n\n@functools \\\n    .cache\ndef geocode(address):\n    return address\n',
    ]) {
      assert.ok(reported(text).length > 0, `the rule reports nothing in:\n${text}`);
      assert.ok(batchPasses(text), `the pre-filter skips:\n${text}`);
    }
  });

  it('skips names bound to calls of other things, bare annotations, non-container values and `.cache` of other objects', () => {
    for (const text of [
      'import re\n\n_seen = re.compile("x")\n\ndef visit(url):\n    _seen[url] = True\n',
      'class Crawler:\n    seen: list\n\n    def visit(self, url):\n        self.seen.append(url)\n',
      'from dataclasses import dataclass, field\n\n@dataclass\nclass Crawler:\n    seen: list = field(default_factory=list)\n\n    def visit(self, url):\n        self.seen.append(url)\n',
      '_seen: int = 0\n\ndef visit(url):\n    _seen[url] = True\n',
      'import functools\n\nclass Store:\n    def get(self, key):\n        return self.cache.get(key, functools.partial(print))\n',
    ]) {
      assert.deepEqual(reported(text), [], text);
      assert.ok(!batchPasses(text), `should be skipped:\n${text}`);
    }
  });
});
