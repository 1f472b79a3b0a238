/**
 * Headlines in the editor: a diagnostic's message is the finding's one-line headline, and hovering the
 * flagged range shows the finding's detail (why, figures, alternatives) with a link to the rule's docs.
 * The expected texts come from the engine's own finding on the same text.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { analyzerFor, analyzeWith, initParsers } from '../support/analyze';
import { VIEWS_PY, cleanup, fileUri, makeWorkspace, requireBuiltServer, startServer } from './helpers';
import type { LspClient } from './lsp-client';

describe('language server: finding headlines and detail hovers', function () {
  let root: string;
  let client: LspClient;

  before(async () => {
    requireBuiltServer();
    await initParsers();
    root = makeWorkspace({ 'shop/views.py': VIEWS_PY });
    client = await startServer(root);
  });
  after(async () => {
    await client?.shutdown();
    cleanup(root);
  });

  const hover = (uri: string, line: number, character: number) =>
    client.request<{ contents: { kind: string; value: string } } | null>('textDocument/hover', { textDocument: { uri }, position: { line, character } });

  it('publishes the headline as the message and shows the detail in the hover', async () => {
    const abs = path.join(root, 'shop/views.py');
    const [expected] = analyzeWith(analyzerFor('large-page-size', root), root, abs, VIEWS_PY).findings;
    assert.ok(expected.detail, 'the engine finding has a detail');
    const uri = fileUri(abs);
    client.open(uri, 'python', VIEWS_PY);
    const { diagnostics } = await client.waitForDiagnostics(uri, (p) => p.version === 1);
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0].message, expected.message);
    assert.ok(diagnostics[0].message.length <= 100);

    const { start } = diagnostics[0].range;
    const shown = await hover(uri, start.line, start.character + 1);
    assert.ok(shown, 'no hover on the flagged range');
    assert.equal(shown.contents.kind, 'markdown');
    // Rendered Markdown: the detail's `_` and `*` are escaped so they show as written.
    assert.ok(shown.contents.value.includes('page\\_size = 10000'), shown.contents.value);
    assert.ok(shown.contents.value.replace(/\\(.)/g, '$1').includes(expected.detail), shown.contents.value);
    assert.match(shown.contents.value, /\[rule docs\]\(.*large-page-size\.md\)/);

    const away = await hover(uri, 0, 2);
    assert.ok(!away || !away.contents.value.includes(expected.detail), 'the detail shows away from the finding');
  });
});
