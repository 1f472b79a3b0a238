/**
 * `memlint lsp` as an editor other than VS Code starts it: Neovim 0.11 (`vim.lsp.config`: cmd
 * `{ 'memlint', 'lsp', '--stdio' }`, the root found from a root marker, `settings` empty so every
 * workspace/configuration item is answered with null), Helix (`args = ["lsp"]`, no --stdio).
 * The capabilities are Neovim 0.11's (runtime/lua/vim/lsp/protocol.lua, make_client_capabilities), trimmed
 * to what memlint uses: UTF-8 offered first as position encoding, code action literals with resolve
 * support, code lenses, no dynamic file watching (Neovim on Linux).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanup, fileUri, makeWorkspace, requireBuiltServer, VIEWS_PY } from './helpers';
import { LspClient, REPO_ROOT, type Diagnostic } from './lsp-client';

const BIN = path.join(REPO_ROOT, 'bin', 'memlint.js');
const FLY_APP = path.join(REPO_ROOT, 'test', 'fixtures', 'memory-budget', 'fly-fastapi');

const NEOVIM_CAPABILITIES = {
  general: { positionEncodings: ['utf-8', 'utf-16', 'utf-32'] },
  window: { workDoneProgress: true, showMessage: { messageActionItem: { additionalPropertiesSupport: true } }, showDocument: { support: true } },
  workspace: {
    applyEdit: true,
    configuration: true,
    workspaceFolders: true,
    workspaceEdit: { resourceOperations: ['rename', 'create', 'delete'] },
    didChangeWatchedFiles: { dynamicRegistration: false, relativePatternSupport: true },
    didChangeConfiguration: { dynamicRegistration: false },
    codeLens: { refreshSupport: true },
    diagnostics: { refreshSupport: true },
  },
  textDocument: {
    synchronization: { dynamicRegistration: false, willSave: true, willSaveWaitUntil: true, didSave: true },
    publishDiagnostics: { relatedInformation: true, tagSupport: { valueSet: [1, 2] }, dataSupport: true },
    codeAction: {
      dynamicRegistration: true,
      isPreferredSupport: true,
      dataSupport: true,
      resolveSupport: { properties: ['edit', 'command'] },
      codeActionLiteralSupport: {
        codeActionKind: { valueSet: ['', 'quickfix', 'refactor', 'refactor.extract', 'refactor.inline', 'refactor.rewrite', 'source', 'source.organizeImports'] },
      },
    },
    codeLens: { dynamicRegistration: false, resolveSupport: { properties: ['command'] } },
    hover: { dynamicRegistration: true, contentFormat: ['markdown', 'plaintext'] },
  },
};

/** Starts `memlint lsp <args>` in `root` (Neovim's cwd) and initializes it as Neovim 0.11 does. */
async function startLikeNeovim(root: string, args: string[]): Promise<LspClient> {
  const client = new LspClient({ command: [BIN, 'lsp', ...args], cwd: root });
  // Neovim with no `settings`: one null per requested item.
  client.onServerRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => null));
  const result = await client.request('initialize', {
    processId: process.pid,
    clientInfo: { name: 'Neovim', version: '0.11.0' },
    rootPath: root,
    rootUri: fileUri(root),
    workspaceFolders: [{ uri: fileUri(root), name: root }],
    trace: 'off',
    capabilities: NEOVIM_CAPABILITIES,
  });
  client.initializeResult = result;
  client.notify('initialized', {});
  return client;
}

describe('memlint lsp (stdio) as Neovim and Helix start it', function () {
  this.timeout(60_000);
  let root: string;
  let client: LspClient | undefined;

  before(() => {
    requireBuiltServer();
    root = makeWorkspace({ 'shop/views.py': VIEWS_PY, 'pyproject.toml': '[project]\nname = "shop"\n' });
    fs.cpSync(FLY_APP, path.join(root, 'api'), { recursive: true });
  });
  afterEach(async () => {
    await client?.shutdown();
    client = undefined;
  });
  after(() => cleanup(root));

  it('Neovim: publishes diagnostics for an opened file, offers its quick fix, and re-checks after the edit', async () => {
    client = await startLikeNeovim(root, ['--stdio']);
    const caps = client.initializeResult.capabilities;
    assert.equal(client.initializeResult.serverInfo.name, 'memlint');
    assert.ok(caps.codeActionProvider && caps.codeLensProvider && caps.hoverProvider, JSON.stringify(caps));
    // UTF-8 was offered first; the server may pick any encoding offered, and must say which one if not UTF-16.
    assert.ok([undefined, 'utf-16', 'utf-8', 'utf-32'].includes(caps.positionEncoding));

    const uri = fileUri(path.join(root, 'shop/views.py'));
    const from = client.notifications.length;
    client.open(uri, 'python', VIEWS_PY);
    const published = await client.waitForDiagnostics(uri, (p) => p.version === 1 && p.diagnostics.length > 0, 30_000, from);
    const d: Diagnostic = published.diagnostics[0];
    assert.equal(d.code, 'large-page-size');
    assert.equal(d.source, 'memlint');
    assert.deepEqual(d.range.start, { line: 4, character: 16 });
    assert.ok(fs.existsSync(new URL(d.codeDescription!.href)), `rule docs link does not resolve: ${d.codeDescription?.href}`);

    const actions = await client.request<any[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: d.range,
      context: { diagnostics: [d], triggerKind: 1 },
    });
    const fix = actions.find((a) => a.kind === 'quickfix' && /page size to 100/.test(a.title));
    assert.ok(fix, `no quick fix among ${actions.map((a) => a.title).join(' | ')}`);
    const resolved = fix.edit ? fix : await client.request('codeAction/resolve', fix);
    client.applyWorkspaceEdit(resolved.edit);
    assert.match(client.docs.get(uri)!.text, /page_size = 100\n/);
    await client.waitForDiagnostics(uri, (p) => p.version === 2 && p.diagnostics.length === 0, 30_000, from);
  });

  it('Neovim: shows the memory budget of a fly.toml (file type toml) as a code lens', async () => {
    client = await startLikeNeovim(root, ['--stdio']);
    const uri = fileUri(path.join(root, 'api/fly.toml'));
    const from = client.notifications.length;
    client.open(uri, 'toml', fs.readFileSync(path.join(root, 'api/fly.toml'), 'utf8'));
    await client.waitForDiagnostics(uri, (p) => p.version === 1, 30_000, from);
    const lenses = await client.request<any[]>('textDocument/codeLens', { textDocument: { uri } });
    const titles = lenses.map((l) => l.command?.title ?? '');
    assert.ok(titles.some((t) => /memlint: .*of 512 MB/.test(t)), titles.join(' | '));
  });

  it('Helix: `memlint lsp` without --stdio speaks stdio too, and exits 0 after shutdown/exit', async () => {
    const c = await startLikeNeovim(root, []);
    assert.equal(c.initializeResult.serverInfo.name, 'memlint');
    await c.request('shutdown');
    c.notify('exit');
    assert.equal(await c.exited, 0);
  });
});
