/**
 * Regression: after "Ignore <rule> on this line" and a revert to the original text, the diagnostics come back
 * (seen in the e2e suite with unbounded-cache on an Express file).
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { cleanup, fileUri, makeWorkspace, requireBuiltServer, startServer } from './helpers';
import type { LspClient } from './lsp-client';

const SERVER_JS = [
  "const express = require('express');",
  '',
  'const app = express();',
  'const events = [];',
  '',
  "app.post('/events', (req, res) => {",
  '  events.push(req.body);',
  '  res.status(202).end();',
  '});',
  '',
].join('\n');

describe('language server: revert after an ignore action', () => {
  let client: LspClient;
  let root: string;
  before(async () => {
    requireBuiltServer();
    root = makeWorkspace({ 'package.json': '{"name": "x", "dependencies": {"express": "^4"}}' });
    client = await startServer(root);
  });
  after(async () => {
    await client?.shutdown();
    cleanup(root);
  });

  it('publishes the diagnostics again when the text goes back to what it was', async () => {
    const uri = fileUri(path.join(root, 'server.js'));
    let from = client.notifications.length;
    client.open(uri, 'javascript', SERVER_JS);
    const first = await client.waitForDiagnostics(uri, (p) => p.version === 1, 15000, from);
    const cache = first.diagnostics.find((d) => d.code === 'unbounded-cache');
    assert.ok(cache, `unbounded-cache expected, got ${first.diagnostics.map((d) => d.code).join(', ')}`);

    const actions = await client.request<any[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: cache.range,
      context: { diagnostics: [cache], triggerKind: 1 },
    });
    const ignore = actions.find((a) => a.title.startsWith('Ignore'));
    from = client.notifications.length;
    client.applyWorkspaceEdit(ignore.edit);
    const ignoredVersion = client.docs.get(uri)!.version;
    const ignored = await client.waitForDiagnostics(uri, (p) => p.version === ignoredVersion, 15000, from);
    assert.ok(!ignored.diagnostics.some((d) => d.code === 'unbounded-cache'));

    // Revert: replace the whole text with the original, as the editor does.
    from = client.notifications.length;
    const lines = client.docs.get(uri)!.text.split('\n');
    const version = client.change(uri, [{ range: { start: { line: 0, character: 0 }, end: { line: lines.length - 1, character: lines[lines.length - 1].length } }, newText: SERVER_JS }]);
    const reverted = await client.waitForDiagnostics(uri, (p) => p.version === version, 15000, from);
    assert.deepEqual(reverted.diagnostics.map((d) => d.code).sort(), first.diagnostics.map((d) => d.code).sort());
  });
});
