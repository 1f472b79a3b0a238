/**
 * The findings of an open document travel from the analysis worker to the server as a delta (findings-delta.ts):
 * what the client sees must not show it. After edits above, inside and below findings, the published
 * diagnostics (ranges, messages, fixes in `data`) equal those of a fresh open of the same text; code actions,
 * the ignore action and hovers still answer for findings the edits moved or left alone; a reopened document
 * starts from a full list. The second part checks the delta itself on real analyses: it rebuilds the worker's
 * list exactly, keeps the unchanged findings' objects and sends only what changed.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { analyzerFor, analyzeWith, initParsers } from '../support/analyze';
import { applyFindingsDelta, findingsDelta } from '../../server/src/lsp/findings-delta';
import { cleanup, fileUri, makeWorkspace, requireBuiltServer, startServer } from './helpers';
import type { Diagnostic, LspClient, TextEdit } from './lsp-client';

/** A module with `n` unbounded caches (a finding with an unsafe fix each) and a DRF pagination class. */
function manyFindings(n: number): string {
  const out = ['import functools', 'from rest_framework.pagination import PageNumberPagination', '', ''];
  for (let i = 0; i < n; i++) {
    out.push('@functools.lru_cache(maxsize=None)', `def rate_${i}(code):`, '    if code:', `        value = dict(code=code, rate=${i})`, '    return value', '');
  }
  out.push('', 'class ExportPagination(PageNumberPagination):', '    page_size = 10000', '');
  return out.join('\n');
}

const at = (line: number, character: number) => ({ line, character });
const insert = (line: number, character: number, newText: string): TextEdit => ({ range: { start: at(line, character), end: at(line, character) }, newText });
const remove = (fromLine: number, toLine: number): TextEdit => ({ range: { start: at(fromLine, 0), end: at(toLine, 0) }, newText: '' });

describe('language server: findings sent as a delta', function () {
  let root: string;
  let client: LspClient;
  let fresh = 0;

  before(async () => {
    requireBuiltServer();
    root = makeWorkspace({});
    client = await startServer(root);
  });
  after(async () => {
    await client?.shutdown();
    cleanup(root);
  });

  const uriOf = (rel: string) => fileUri(path.join(root, rel));

  async function openAndWait(rel: string, text: string): Promise<{ uri: string; diagnostics: Diagnostic[] }> {
    const uri = uriOf(rel);
    const from = client.notifications.length;
    client.open(uri, 'python', text);
    const published = await client.waitForDiagnostics(uri, (p) => p.version === 1, 15000, from);
    return { uri, diagnostics: published.diagnostics };
  }

  async function edit(uri: string, edits: TextEdit[]): Promise<Diagnostic[]> {
    const from = client.notifications.length;
    const version = client.change(uri, edits);
    return (await client.waitForDiagnostics(uri, (p) => p.version === version, 15000, from)).diagnostics;
  }

  /** The diagnostics a fresh open of the same text publishes (their data.version is 1: compared without it). */
  async function recomputed(text: string): Promise<Diagnostic[]> {
    const { uri, diagnostics } = await openAndWait(`fresh/recomputed-${fresh++}.py`, text);
    client.close(uri);
    return diagnostics;
  }

  const withoutVersion = (ds: Diagnostic[]) => ds.map((d) => ({ ...d, data: { ...d.data, version: undefined } }));

  async function assertSameAsRecomputed(uri: string, shown: Diagnostic[], what: string): Promise<void> {
    const doc = client.docs.get(uri)!;
    for (const d of shown) assert.equal(d.data.version, doc.version, `${what}: data.version is the published version`);
    assert.deepEqual(withoutVersion(shown), withoutVersion(await recomputed(doc.text)), what);
  }

  it('after edits above, inside and below findings, publishes what a full analysis of the text publishes', async () => {
    const { uri, diagnostics } = await openAndWait('shop/rates.py', manyFindings(30));
    assert.equal(diagnostics.length, 31);
    // Each step: an edit, then the published list against a fresh analysis of the same text.
    const steps: [string, TextEdit[]][] = [
      ['a line inserted above every finding', [insert(2, 0, '# rates\n')]],
      ['characters typed inside a function in the middle', [insert(5 + 6 * 15 + 3, 44, ' or 0')]],
      ['a line inserted in the middle (the findings below move)', [insert(5 + 6 * 15, 0, 'LIMIT = 3\n')]],
      ['a finding removed (its decorator bounded)', [{ range: { start: at(5 + 6 * 20, 30), end: at(5 + 6 * 20, 34) }, newText: '256' }]],
      ['a finding added in the middle', [insert(5 + 6 * 12, 0, '@functools.lru_cache(maxsize=None)\ndef extra(code):\n    return code\n\n')]],
      ['lines deleted near the top', [remove(2, 4)]],
      ['two edits in one change, far apart', [insert(1, 0, 'import os\n'), insert(150, 0, '# note\n')]],
      ['the pagination class at the end changed', [{ range: { start: at(client.docs.get(uri)!.text.split('\n').length - 2, 16), end: at(client.docs.get(uri)!.text.split('\n').length - 2, 21) }, newText: '20000' }]],
      ['a syntax error typed in the middle', [insert(5 + 6 * 10 + 1, 0, 'def (:\n')]],
      ['the syntax error removed', [remove(5 + 6 * 10 + 1, 5 + 6 * 10 + 2)]],
    ];
    for (const [what, edits] of steps) {
      const shown = await edit(uri, edits);
      await assertSameAsRecomputed(uri, shown, what);
    }
  });

  it('keeps diagnostics right through a burst of keystrokes published only in part (superseded versions)', async () => {
    const { uri } = await openAndWait('shop/burst.py', manyFindings(20));
    let version = 1;
    const from = client.notifications.length;
    for (let i = 0; i < 30; i++) {
      version = client.change(uri, [i % 3 === 2 ? remove(4 + i, 5 + i) : insert(4 + 2 * i, 0, `x${i} = ${i}\n`)]);
      if (i % 7 === 6) {
        const v = version;
        await client.waitForDiagnostics(uri, (p) => p.version === v, 15000, from);
      }
    }
    const last = await client.waitForDiagnostics(uri, (p) => p.version === version, 15000, from);
    await assertSameAsRecomputed(uri, last.diagnostics, 'after the burst');
  });

  it('offers the fix and the ignore action for a finding the edits moved, and for one they left alone', async () => {
    const { uri } = await openAndWait('shop/actions.py', manyFindings(10));
    await edit(uri, [insert(2, 0, '# one\n# two\n')]); // every cache finding moves down two lines
    const shown = await edit(uri, [insert(30, 0, 'LIMIT = 3\n')]); // the findings above line 30 stay, those below move again
    const doc = client.docs.get(uri)!;
    const lines = doc.text.split('\n');
    const unchanged = shown.find((d) => d.code === 'unbounded-cache' && d.range.start.line < 30)!;
    const moved = shown.find((d) => d.code === 'unbounded-cache' && d.range.start.line > 30)!;
    for (const [what, d] of [['unchanged', unchanged], ['moved', moved]] as const) {
      assert.ok(d, `a ${what} finding`);
      assert.match(lines[d.range.start.line].slice(d.range.start.character, d.range.end.character), /maxsize=None/, `${what}: the range is on the decorator`);
      const actions = await client.request<any[]>('textDocument/codeAction', {
        textDocument: { uri },
        range: d.range,
        context: { diagnostics: [d], triggerKind: 1 },
      });
      const titles = actions.map((a) => a.title);
      assert.ok(titles.some((t) => /\(unsafe\)$/.test(t)), `${what}: the fix is offered: ${titles}`);
      assert.ok(titles.includes('Ignore unbounded-cache on this line'), `${what}: ${titles}`);
      const fix = actions.find((a) => /\(unsafe\)$/.test(a.title));
      assert.equal(fix.edit.documentChanges[0].textDocument.version, doc.version);
      const fixEdit = fix.edit.documentChanges[0].edits[0];
      assert.equal(fixEdit.range.start.line, d.range.start.line, `${what}: the fix edits the flagged line`);
      assert.deepEqual(fixEdit, d.data.fixes[0].edits[0], `${what}: the action's edit is the one in data`);
    }
    // Applying the moved finding's fix removes exactly that diagnostic.
    const actions = await client.request<any[]>('textDocument/codeAction', { textDocument: { uri }, range: moved.range, context: { diagnostics: [moved], triggerKind: 1 } });
    const from = client.notifications.length;
    client.applyWorkspaceEdit(actions.find((a) => /\(unsafe\)$/.test(a.title)).edit);
    const version = client.docs.get(uri)!.version;
    const after = await client.waitForDiagnostics(uri, (p) => p.version === version, 15000, from);
    assert.equal(after.diagnostics.length, shown.length - 1);
    assert.ok(!after.diagnostics.some((d) => d.code === 'unbounded-cache' && d.range.start.line === moved.range.start.line));
    await assertSameAsRecomputed(uri, after.diagnostics, 'after the fix');
  });

  it('shows the hover of a finding the edits moved', async () => {
    const { uri } = await openAndWait('shop/hover.py', manyFindings(5));
    const shown = await edit(uri, [insert(0, 0, '# header\n# more\n# more\n')]);
    const page = shown.find((d) => d.code === 'large-page-size')!;
    const hover = await client.request<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri }, position: { line: page.range.start.line, character: page.range.start.character + 1 } });
    assert.ok(hover?.contents.value.includes('**large-page-size**'), JSON.stringify(hover));
    const none = await client.request<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri }, position: { line: page.range.start.line - 3, character: page.range.start.character + 1 } });
    assert.ok(!none?.contents.value.includes('**large-page-size**'), 'the hover stays at the old place');
  });

  it('starts from a full list when a document is closed and reopened with other text', async () => {
    const { uri } = await openAndWait('shop/reopen.py', manyFindings(8));
    await edit(uri, [insert(2, 0, '# x\n')]);
    client.close(uri);
    const other = manyFindings(3);
    const from = client.notifications.length;
    client.open(uri, 'python', other);
    const reopened = await client.waitForDiagnostics(uri, (p) => p.version === 1 && p.diagnostics.length > 0, 15000, from);
    assert.equal(reopened.diagnostics.length, 4);
    const shown = await edit(uri, [insert(2, 0, '# y\n')]);
    await assertSameAsRecomputed(uri, shown, 'after reopening');
  });
});

describe('findings delta (worker -> server)', function () {
  before(initParsers);

  it('rebuilds the worker\'s list exactly, keeps unchanged findings and sends only the changed ones', () => {
    const root = makeWorkspace({});
    try {
      const analyzer = analyzerFor('unbounded-cache', root);
      const file = path.join(root, 'rates.py');
      const text = manyFindings(40);
      const base = analyzeWith(analyzer, root, file, text).findings;
      const lines = text.split('\n');
      const mid = 4 + 6 * 20;
      const cases: [string, string, number][] = [
        ['a line inserted mid-file', [...lines.slice(0, mid), 'LIMIT = 3', ...lines.slice(mid)].join('\n'), 0],
        ['characters typed mid-file', [...lines.slice(0, mid + 3), lines[mid + 3] + ' or 0', ...lines.slice(mid + 4)].join('\n'), 0],
        ['a finding added mid-file', [...lines.slice(0, mid), '@functools.lru_cache(maxsize=None)', 'def extra(c):', '    return c', '', ...lines.slice(mid)].join('\n'), 1],
        ['a finding bounded mid-file', [...lines.slice(0, mid), lines[mid].replace('None', '64'), ...lines.slice(mid + 1)].join('\n'), 0],
      ];
      for (const [what, edited, sent] of cases) {
        const next = analyzeWith(analyzer, root, file, edited).findings;
        const delta = findingsDelta('base', base, next, { offset: edited.length - text.length, lines: edited.split('\n').length - lines.length });
        const received = structuredClone(delta);
        const rebuilt = applyFindingsDelta(base, received);
        assert.deepEqual(rebuilt, next, what);
        assert.equal(delta.middle.length, sent, `${what}: findings sent in full`);
        assert.ok(delta.head >= 19, `${what}: the findings above the edit are kept (${delta.head})`);
        for (let i = 0; i < delta.head; i++) assert.equal(rebuilt[i], base[i], `${what}: finding ${i} is the same object`);
      }
      // Edits all through the file move each finding by a different amount: nothing is a shift, all is sent, still exact.
      const renamed = text.replace(/rate_(\d+)/g, 'r_$1');
      const next = analyzeWith(analyzer, root, file, renamed).findings;
      const delta = findingsDelta('base', base, next, { offset: renamed.length - text.length, lines: 0 });
      assert.deepEqual(applyFindingsDelta(base, structuredClone(delta)), next);
    } finally {
      cleanup(root);
    }
  });
});
