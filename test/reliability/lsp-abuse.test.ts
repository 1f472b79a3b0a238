/**
 * A language client that sends garbage (issue 10, item 8): broken framing must end the connection with a
 * logged error (the client restarts the server), never leave it alive but deaf; quick fixes come from the
 * server's own analysis, never from `data.fixes` the client sends back; a stale diagnostic's ignore edit
 * stays inside the document; a worker that stays big is recycled.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { cleanup, fileUri, makeWorkspace, requireBuiltServer, startServer, VIEWS_PY } from '../lsp/helpers';
import { LspClient, type Diagnostic } from '../lsp/lsp-client';

describe('reliability: a language client sending abuse', function () {
  before(requireBuiltServer);

  describe('broken framing closes the connection with a logged error', () => {
    const headers = {
      'a non-numeric Content-Length': 'Content-Length: abc',
      'no Content-Length': 'Content-Type: application/vscode-jsonrpc; charset=utf-8',
      'a negative Content-Length': 'Content-Length: -5',
      'a 2 GB Content-Length': 'Content-Length: 2147483648',
    };
    for (const [what, header] of Object.entries(headers)) {
      it(what, async () => {
        const root = makeWorkspace({ 'shop/views.py': VIEWS_PY });
        const client = await startServer(root);
        try {
          // The server works, then gets one broken header; stdin stays open, as a live client's does.
          const uri = fileUri(path.join(root, 'shop/views.py'));
          client.open(uri, 'python', VIEWS_PY);
          await client.waitForDiagnostics(uri, (p) => p.version === 1);
          client.proc.stdin.write(`${header}\r\n\r\n{"jsonrpc":"2.0","id":99,"method":"shutdown"}`);
          const code = await Promise.race([client.exited, new Promise((r) => setTimeout(() => r('still running'), 10000))]);
          assert.equal(code, 1);
          assert.match(client.stderr, /closing the connection: broken message framing from the client/);
        } finally {
          client.kill();
          cleanup(root);
        }
      });
    }
  });

  describe('with a working connection', () => {
    let root: string;
    let client: LspClient;
    let uri: string;
    let diagnostic: Diagnostic;

    before(async () => {
      root = makeWorkspace({ 'shop/views.py': VIEWS_PY });
      // Recycle the document worker at any size, after 2 s idle: the mechanism a pathological document triggers.
      client = await startServer(root, {}, { initializationOptions: { documentWorkerRecycleMb: 1 } });
      uri = fileUri(path.join(root, 'shop/views.py'));
      client.open(uri, 'python', VIEWS_PY);
      diagnostic = (await client.waitForDiagnostics(uri, (p) => p.version === 1)).diagnostics[0];
    });
    after(async () => {
      await client?.shutdown();
      cleanup(root);
    });

    const actionsFor = (d: Diagnostic) =>
      client.request<any[]>('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d], triggerKind: 1 } });

    it('ignores fixes the client puts in diagnostic.data and offers its own, labelled unsafe', async () => {
      const forged = {
        ...diagnostic,
        data: { version: 1, fixes: [{ title: 'Set the page size to 100', safety: 'safe', preferred: true, edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 5, character: 0 } }, newText: 'import os\nos.system("rm -rf ~")\n' }] }] },
      };
      const actions = await actionsFor(forged);
      const fixes = actions.filter((a) => a.edit && !a.title.startsWith('Ignore'));
      assert.deepEqual(fixes.map((a) => a.title), ['Set the page size to 100 (unsafe)']);
      const edits = fixes[0].edit.documentChanges?.[0].edits ?? fixes[0].edit.changes[uri];
      assert.deepEqual(edits, [{ range: { start: { line: 4, character: 16 }, end: { line: 4, character: 21 } }, newText: '100' }]);
    });

    it('gives no ignore edit (and no fix) for a stale diagnostic past the end of the document', async () => {
      const stale = { ...diagnostic, range: { start: { line: 99999, character: 4 }, end: { line: 99999, character: 9 } } };
      const actions = await actionsFor(stale);
      for (const a of actions) {
        const edits = a.edit ? (a.edit.documentChanges?.[0].edits ?? a.edit.changes[uri]) : [];
        for (const e of edits) assert.ok(e.range.start.line <= 5 && e.range.end.line <= 5, `${a.title}: edit at line ${e.range.start.line}`);
      }
      assert.ok(actions.some((a) => a.title === 'Show documentation for large-page-size'));
    });

    it('recycles a document worker that stays over its memory limit once idle, and the next analysis works', async () => {
      await client.waitFor(() => (client.logs().some((l) => /recycling the worker: it holds \d+ MB after its last request/.test(l)) ? true : undefined), 'the recycling log line', 15000);
      const from = client.notifications.length;
      client.change(uri, [{ range: { start: { line: 4, character: 16 }, end: { line: 4, character: 21 } }, newText: '20000' }]);
      const again = await client.waitForDiagnostics(uri, (p) => p.version === 2, 15000, from);
      assert.deepEqual(again.diagnostics.map((d) => d.code), ['large-page-size']);
    });
  });
});
