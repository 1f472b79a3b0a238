/**
 * The language server over stdio, as an editor drives it: open -> diagnostics, quick fixes applied through the
 * returned edits -> diagnostics gone, suppression, docs action, fix-all, incremental edits, superseded versions,
 * bad input. Drives the bundled dist/server.js (`npm run build`).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './lsp-client';
import { CLEAN_PY, VIEWS_PY, cleanup, fileUri, makeWorkspace, requireBuiltServer, startServer } from './helpers';
import { ResponseError, type Diagnostic, type LspClient } from './lsp-client';

describe('language server: open documents', function () {
  let root: string;
  let client: LspClient;

  before(async () => {
    requireBuiltServer();
    root = makeWorkspace({ 'shop/views.py': VIEWS_PY, 'shop/clean.py': CLEAN_PY });
    client = await startServer(root);
  });
  after(async () => {
    await client?.shutdown();
    cleanup(root);
  });

  const uriOf = (rel: string) => fileUri(path.join(root, rel));

  async function openAndWait(rel: string, text: string, languageId = 'python') {
    const uri = uriOf(rel);
    const from = client.notifications.length;
    client.open(uri, languageId, text);
    const published = await client.waitForDiagnostics(uri, (p) => p.version === 1, 15000, from);
    return { uri, diagnostics: published.diagnostics };
  }

  async function actionsFor(uri: string, diagnostic: Diagnostic, only?: string[]) {
    return client.request<any[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: diagnostic.range,
      context: { diagnostics: [diagnostic], only, triggerKind: 1 },
    });
  }

  it('answers initialize with incremental sync, save notifications and code action kinds', () => {
    const caps = client.initializeResult.capabilities;
    assert.deepEqual(caps.textDocumentSync, { openClose: true, change: 2, save: { includeText: false } });
    assert.deepEqual(caps.codeActionProvider.codeActionKinds, ['quickfix', 'source.fixAll', 'source.fixAll.memlint']);
    assert.equal(client.initializeResult.serverInfo.name, 'memlint');
  });

  it('registers file watchers and configuration changes with the client', async () => {
    const registered = () =>
      client.serverRequests
        .filter((r) => r.method === 'client/registerCapability')
        .flatMap((r) => r.params.registrations.map((x: { method: string }) => x.method));
    await client.waitFor(() => (registered().includes('workspace/didChangeWatchedFiles') ? true : undefined), 'watcher registration');
    assert.ok(registered().includes('workspace/didChangeConfiguration'), registered().join());
  });

  it('publishes a diagnostic with code, docs link, source, severity, precise range and fixes in data', async () => {
    const { diagnostics } = await openAndWait('shop/views.py', VIEWS_PY);
    assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
    const d = diagnostics[0];
    assert.equal(d.code, 'large-page-size');
    assert.equal(d.source, 'memlint');
    assert.equal(d.severity, 2);
    assert.match(d.codeDescription!.href, /docs\/rules\/large-page-size\.md$/);
    assert.deepEqual(d.range, { start: { line: 4, character: 16 }, end: { line: 4, character: 21 } });
    assert.equal(d.data.version, 1);
    assert.equal(d.data.fixes.length, 1);
    assert.equal(d.data.fixes[0].edits[0].newText, '100');
  });

  it('publishes an empty list for a clean file', async () => {
    const { diagnostics } = await openAndWait('shop/clean.py', CLEAN_PY);
    assert.deepEqual(diagnostics, []);
  });

  it('offers the fix, ignore and documentation actions; applying the fix clears the diagnostic', async () => {
    const uri = uriOf('shop/views.py');
    const d = client.lastDiagnostics(uri)!.diagnostics[0];
    const actions = await actionsFor(uri, d);
    const titles = actions.map((a) => a.title);
    assert.deepEqual(titles, ['Set the page size to 100 (unsafe)', 'Ignore large-page-size on this line', 'Show documentation for large-page-size']);
    const fix = actions[0];
    assert.equal(fix.kind, 'quickfix');
    assert.equal(fix.isPreferred, true);
    const docs = actions[2];
    assert.equal(docs.command.command, 'memlint.showDocumentation');
    assert.deepEqual(docs.command.arguments, ['large-page-size', d.codeDescription!.href]);

    const from = client.notifications.length;
    client.applyWorkspaceEdit(fix.edit);
    const version = client.docs.get(uri)!.version;
    const after = await client.waitForDiagnostics(uri, (p) => p.version === version, 15000, from);
    assert.deepEqual(after.diagnostics, []);
    assert.match(client.docs.get(uri)!.text, /page_size = 100\n/);
  });

  it('the ignore action inserts the suppression comment above, indented, and the diagnostic goes', async () => {
    const { uri, diagnostics } = await openAndWait('shop/ignored.py', VIEWS_PY);
    const ignore = (await actionsFor(uri, diagnostics[0])).find((a) => a.title.startsWith('Ignore'));
    const from = client.notifications.length;
    client.applyWorkspaceEdit(ignore.edit);
    const version = client.docs.get(uri)!.version;
    const after = await client.waitForDiagnostics(uri, (p) => p.version === version, 15000, from);
    assert.deepEqual(after.diagnostics, []);
    assert.match(client.docs.get(uri)!.text, /\n {4}# memlint: ignore\[large-page-size\]\n {4}page_size = 10000\n/);
  });

  it('uses // comments in TypeScript and offers no ignore action in JSON', async () => {
    const ts = await client.request('textDocument/codeAction', {
      textDocument: { uri: uriOf('shop/views.py') },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [] },
    });
    assert.deepEqual(ts, []);
    // A TypeScript buffer with a synthetic memlint diagnostic: the ignore edit uses `//`.
    const tsUri = uriOf('src/app.ts');
    client.open(tsUri, 'typescript', 'function f() {\n  const x = 1;\n}\n');
    await client.waitForDiagnostics(tsUri, (p) => p.version === 1);
    const fake: Diagnostic = {
      range: { start: { line: 1, character: 8 }, end: { line: 1, character: 9 } },
      code: 'unbounded-query',
      source: 'memlint',
      message: 'x',
      data: { version: 1, fixes: [] },
    };
    const actions = await actionsFor(tsUri, fake);
    const ignore = actions.find((a) => a.title === 'Ignore unbounded-query on this line');
    assert.deepEqual(ignore.edit.documentChanges[0].edits[0], {
      range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } },
      newText: '  // memlint: ignore[unbounded-query]\n',
    });
    const jsonUri = uriOf('app.json');
    client.open(jsonUri, 'json', '{\n  "a": 1\n}\n');
    await client.waitForDiagnostics(jsonUri, (p) => p.version === 1);
    const jsonActions = await actionsFor(jsonUri, { ...fake, range: { start: { line: 1, character: 2 }, end: { line: 1, character: 5 } } });
    assert.deepEqual(jsonActions.map((a) => a.title), ['Show documentation for unbounded-query']);
  });

  it('recomputes fixes from the current text when the diagnostic is from an older version', async () => {
    const { uri, diagnostics } = await openAndWait('shop/stale.py', VIEWS_PY);
    // Insert two lines at the top: the old diagnostic's data is stale, the editor moved its range.
    const from = client.notifications.length;
    const version = client.change(uri, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: '# a\n# b\n' }]);
    await client.waitForDiagnostics(uri, (p) => p.version === version, 15000, from);
    const moved = { ...diagnostics[0], range: { start: { line: 6, character: 16 }, end: { line: 6, character: 21 } } };
    const fix = (await actionsFor(uri, moved))[0];
    assert.equal(fix.title, 'Set the page size to 100 (unsafe)');
    assert.deepEqual(fix.edit.documentChanges[0].edits[0].range, moved.range);
    assert.equal(fix.edit.documentChanges[0].textDocument.version, version);
  });

  it('keeps diagnostics right through many incremental edits (incremental reparse)', async () => {
    const { uri } = await openAndWait('shop/typing.py', CLEAN_PY);
    // Type "0000" after "50" one character at a time, then delete it again.
    let from = client.notifications.length;
    let version = 0;
    for (let i = 0; i < 4; i++) {
      version = client.change(uri, [{ range: { start: { line: 4, character: 18 + i }, end: { line: 4, character: 18 + i } }, newText: '0' }]);
    }
    let last = await client.waitForDiagnostics(uri, (p) => p.version === version, 15000, from);
    assert.equal(last.diagnostics.length, 1);
    assert.deepEqual(last.diagnostics[0].range, { start: { line: 4, character: 16 }, end: { line: 4, character: 22 } });
    from = client.notifications.length;
    version = client.change(uri, [{ range: { start: { line: 4, character: 18 }, end: { line: 4, character: 22 } }, newText: '' }]);
    last = await client.waitForDiagnostics(uri, (p) => p.version === version, 15000, from);
    assert.deepEqual(last.diagnostics, []);
  });

  for (const [name, languageId, sample] of [
    ['views.py', 'python', path.join(REPO_ROOT, 'examples/django-app/shop/views.py')],
    ['server.js', 'javascript', path.join(REPO_ROOT, 'examples/express-app/src/server.js')],
  ] as const) {
    it(`after many incremental edits, ${name} has the same diagnostics as a fresh open of its final text (incremental reparse)`, async function () {
      if (!fs.existsSync(sample)) this.skip();
      const text = fs.readFileSync(sample, 'utf8');
      const { uri } = await openAndWait(`edited/${name}`, text, languageId);
      // Edits all over the file: insert lines at the top, type inside lines, delete characters, join lines.
      const lines = () => client.docs.get(uri)!.text.split('\n');
      const edits: ((n: number) => { range: any; newText: string })[] = [
        () => ({ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: languageId === 'python' ? '# header\n' : '// header\n' }),
        (n) => ({ range: { start: { line: n, character: 0 }, end: { line: n, character: 0 } }, newText: ' ' }),
        (n) => ({ range: { start: { line: n, character: 0 }, end: { line: n, character: 1 } }, newText: '' }),
        (n) => ({ range: { start: { line: n, character: lines()[n].length }, end: { line: n, character: lines()[n].length } }, newText: '0' }),
        (n) => ({ range: { start: { line: n, character: lines()[n].length }, end: { line: n + 1, character: 0 } }, newText: '\n\n' }),
      ];
      let version = 1;
      const from = client.notifications.length;
      for (let i = 0; i < 40; i++) {
        const n = (i * 7) % Math.max(1, lines().length - 2);
        version = client.change(uri, [edits[i % edits.length](n)]);
        // Now and then let an analysis run (and reparse from the kept tree) between edits.
        if (i % 8 === 7) {
          const v = version;
          await client.waitForDiagnostics(uri, (p) => p.version === v, 15000, from);
        }
      }
      const edited = await client.waitForDiagnostics(uri, (p) => p.version === version, 15000, from);
      const fresh = await openAndWait(`fresh/${name}`, client.docs.get(uri)!.text, languageId);
      const shape = (ds: Diagnostic[]) => ds.map((d) => [d.code, d.range, d.message]);
      assert.deepEqual(shape(edited.diagnostics), shape(fresh.diagnostics));
    });
  }

  it('never publishes an older version after a newer one (superseded analyses are dropped)', async () => {
    const { uri } = await openAndWait('shop/burst.py', CLEAN_PY);
    const from = client.notifications.length;
    let version = 1;
    for (let i = 0; i < 50; i++) {
      version = client.change(uri, [{ range: { start: { line: 5, character: 0 }, end: { line: 5, character: 0 } }, newText: `x${i} = ${i}\n` }]);
    }
    await client.waitForDiagnostics(uri, (p) => p.version === version, 15000, from);
    const versions = client.notifications
      .slice(from)
      .filter((n) => n.method === 'textDocument/publishDiagnostics' && n.params.uri === uri)
      .map((n) => n.params.version as number);
    assert.deepEqual(versions, [...versions].sort((a, b) => a - b), `published out of order: ${versions}`);
    assert.ok(versions.length < 50, `expected superseded versions to be skipped, got ${versions.length} publishes`);
  });

  it('honours memlint.run = onSave', async () => {
    const c = await startServer(root, { run: 'onSave' });
    try {
      const uri = uriOf('shop/onsave.py');
      c.open(uri, 'python', CLEAN_PY);
      await c.waitForDiagnostics(uri, (p) => p.version === 1);
      const from = c.notifications.length;
      const version = c.change(uri, [{ range: { start: { line: 4, character: 18 }, end: { line: 4, character: 18 } }, newText: '000' }]);
      c.save(uri);
      const p = await c.waitForDiagnostics(uri, () => true, 15000, from);
      assert.equal(p.version, version);
      assert.equal(p.diagnostics.length, 1);
    } finally {
      await c.shutdown();
    }
  });

  it('survives malformed input: bad JSON, bad params, unknown methods', async () => {
    client.writeRaw('{"jsonrpc":"2.0","id":999,"method":"textDocument/codeAction","params":{');
    client.writeRaw('{"jsonrpc":"2.0","id":1000,"method":"textDocument/codeAction","params":null}');
    client.notify('textDocument/didChange', { textDocument: { uri: 'file:///nowhere.py', version: 3 }, contentChanges: [{ range: null, text: 5 }] });
    client.notify('textDocument/didOpen', { textDocument: null });
    client.notify('textDocument/didOpen', { textDocument: { uri: 'file:///tmp/binary.py', languageId: 'python', version: 1, text: '\u0000\u0001def (' } });
    const unknown = await client.request('memlint/noSuchThing', {}).catch((e: ResponseError) => e);
    assert.ok(unknown instanceof ResponseError);
    assert.equal(unknown.code, -32601);
    const bad = await client.request('textDocument/codeAction', { textDocument: { uri: 42 }, range: 'x', context: { diagnostics: 'nope' } });
    assert.deepEqual(bad, []);
    const badFix = await client.request('memlint/applyFix', { uri: 5 });
    assert.equal(badFix.applied, false);
    // Still serving:
    const { diagnostics } = await openAndWait('shop/after-bad-input.py', VIEWS_PY);
    assert.equal(diagnostics.length, 1);
    assert.equal(client.proc.exitCode, null);
  });

  it('source.fixAll.memlint applies every safe fix (for codeActionsOnSave), and only safe ones', async () => {
    // A gunicorn config without worker recycling (a safe fix) and a view with len(queryset) (a safe fix) and a
    // large page size (an unsafe fix, which fix-all must leave alone).
    const gunicorn = ['bind = "0.0.0.0:8000"', 'workers = 2', 'timeout = 30', ''].join('\n');
    const g = await openAndWait('gunicorn.conf.py', gunicorn);
    const view = [
      'from rest_framework.pagination import PageNumberPagination',
      'from shop.models import Order',
      '',
      '',
      'class ExportPagination(PageNumberPagination):',
      '    page_size = 10000',
      '',
      '',
      'def count_orders(request):',
      '    return len(Order.objects.all())',
      '',
    ].join('\n');
    const v = await openAndWait('shop/fixall.py', view);
    for (const { uri, diagnostics } of [g, v]) {
      const safe = diagnostics.filter((d) => d.data.fixes.some((f: { safety: string }) => f.safety === 'safe'));
      const unsafeOnly = diagnostics.filter((d) => d.data.fixes.length && d.data.fixes.every((f: { safety: string }) => f.safety === 'unsafe'));
      const actions = await client.request<any[]>('textDocument/codeAction', {
        textDocument: { uri },
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
        context: { diagnostics: [], only: ['source.fixAll'], triggerKind: 2 },
      });
      if (safe.length === 0) {
        assert.deepEqual(actions, [], 'no safe fix, no fix-all action');
        continue;
      }
      assert.equal(actions.length, 1, JSON.stringify(actions));
      assert.equal(actions[0].kind, 'source.fixAll.memlint');
      const from = client.notifications.length;
      client.applyWorkspaceEdit(actions[0].edit);
      const version = client.docs.get(uri)!.version;
      const after = await client.waitForDiagnostics(uri, (p) => p.version === version, 15000, from);
      const stillSafe = after.diagnostics.filter((d) => d.data.fixes.some((f: { safety: string }) => f.safety === 'safe'));
      assert.deepEqual(stillSafe.map((d) => d.code), [], 'safe fixes left after fix-all');
      for (const u of unsafeOnly) assert.ok(after.diagnostics.some((d) => d.code === u.code), `fix-all applied the unsafe fix of ${u.code}`);
    }
    assert.ok(
      [g, v].some(({ diagnostics }) => diagnostics.some((d) => d.data.fixes.some((f: { safety: string }) => f.safety === 'safe'))),
      'the samples produced no safe fix at all: the test needs a rule with a safe fix',
    );
  });

  it('applies a fix by request (the report view\'s fix button) through workspace/applyEdit', async () => {
    const { uri, diagnostics } = await openAndWait('shop/report-fix.py', VIEWS_PY);
    const from = client.notifications.length;
    const answer = await client.request('memlint/applyFix', { uri, ruleId: 'large-page-size', range: diagnostics[0].range });
    assert.deepEqual(answer, { applied: true });
    const version = client.docs.get(uri)!.version;
    const after = await client.waitForDiagnostics(uri, (p) => p.version === version, 15000, from);
    assert.deepEqual(after.diagnostics, []);
  });
});
