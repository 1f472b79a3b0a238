/**
 * Whole-workspace behaviour over stdio: the startup scan with work-done progress, closed files keeping their
 * workspace diagnostics, files changed/created/deleted/renamed outside the editor, configuration edits,
 * cancelling a scan, and the report request.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLEAN_PY, VIEWS_PY, cleanup, fileUri, makeWorkspace, requireBuiltServer, startServer, writeFile } from './helpers';
import type { LspClient, Message } from './lsp-client';

const CREATED = 1;
const CHANGED = 2;
const DELETED = 3;

function progressOf(client: LspClient, token: unknown): Message[] {
  return client.notifications.filter((n) => n.method === '$/progress' && n.params.token === token);
}

describe('language server: workspace', function () {
  let root: string;
  let client: LspClient;
  const uriOf = (rel: string) => fileUri(path.join(root, rel));
  const changed = (changes: [string, number][]) =>
    client.notify('workspace/didChangeWatchedFiles', { changes: changes.map(([rel, type]) => ({ uri: uriOf(rel), type })) });

  before(async () => {
    requireBuiltServer();
    root = makeWorkspace({
      'shop/views.py': VIEWS_PY,
      'shop/clean.py': CLEAN_PY,
      'shop/api/more.py': VIEWS_PY.replace('10000', '20000'),
      'node_modules/pkg/views.py': VIEWS_PY, // excluded by default
      'README.md': '# not analysed\n',
    });
    client = await startServer(root, { scanWorkspaceOnStartup: true });
  });
  after(async () => {
    await client?.shutdown();
    cleanup(root);
  });

  it('scans the workspace at startup with work-done progress and publishes closed files', async () => {
    const views = await client.waitForDiagnostics(uriOf('shop/views.py'), (p) => p.diagnostics.length > 0);
    assert.equal(views.diagnostics[0].code, 'large-page-size');
    assert.equal(views.diagnostics[0].data.version, null);
    await client.waitForDiagnostics(uriOf('shop/api/more.py'), (p) => p.diagnostics.length > 0);
    const create = client.serverRequests.find((r) => r.method === 'window/workDoneProgress/create');
    assert.ok(create, 'no window/workDoneProgress/create request');
    const token = create.params.token;
    await client.waitForNotification('$/progress', (p: any) => p.token === token && p.value.kind === 'end');
    const kinds = progressOf(client, token).map((n) => n.params.value.kind);
    assert.equal(kinds[0], 'begin');
    assert.equal(kinds.at(-1), 'end');
    assert.equal(progressOf(client, token)[0].params.value.cancellable, true);
    assert.equal(client.lastDiagnostics(uriOf('node_modules/pkg/views.py')), undefined, 'excluded folder was published');
    assert.equal(client.lastDiagnostics(uriOf('shop/clean.py')), undefined, 'clean closed files need no publish');
  });

  it('returns the workspace report: totals, by rule, by file', async () => {
    const report = await client.request('memlint/report');
    assert.equal(report.scan.state, 'done');
    assert.equal(report.totals.findings, 2);
    assert.equal(report.totals.filesWithFindings, 2);
    assert.ok(report.totals.files >= 3, `files: ${report.totals.files}`);
    assert.deepEqual(report.byRule.map((r: any) => [r.ruleId, r.count, r.files, r.fixable]), [['large-page-size', 2, 2, 2]]);
    assert.deepEqual(report.byFile.map((f: any) => f.relPath).sort(), ['shop/api/more.py', 'shop/views.py']);
    assert.equal(report.byFile[0].findings[0].fixes[0].title, 'Set the page size to 100');
    assert.deepEqual(report.budget, []);
  });

  it('sends the status bar totals', async () => {
    const status = await client.waitForNotification('memlint/status', (p: any) => p.findings === 2 && !p.scanning);
    assert.equal(status.files, 2);
  });

  it('keeps the workspace diagnostics of a file when it is closed (re-read from disk)', async () => {
    const uri = uriOf('shop/views.py');
    let from = client.notifications.length;
    client.open(uri, 'python', CLEAN_PY); // unsaved buffer without the problem
    const open = await client.waitForDiagnostics(uri, (p) => p.version === 1, 15000, from);
    assert.deepEqual(open.diagnostics, []);
    from = client.notifications.length;
    client.close(uri);
    const closed = await client.waitForDiagnostics(uri, (p) => p.diagnostics.length === 1, 15000, from);
    assert.equal(closed.version, undefined);
  });

  it('re-analyses a file changed on disk', async () => {
    const from = client.notifications.length;
    writeFile(root, 'shop/clean.py', VIEWS_PY);
    changed([['shop/clean.py', CHANGED]]);
    const p = await client.waitForDiagnostics(uriOf('shop/clean.py'), (x) => x.diagnostics.length === 1, 15000, from);
    assert.equal(p.diagnostics[0].code, 'large-page-size');
  });

  it('clears a file deleted on disk', async () => {
    const from = client.notifications.length;
    fs.rmSync(path.join(root, 'shop/clean.py'));
    changed([['shop/clean.py', DELETED]]);
    await client.waitForDiagnostics(uriOf('shop/clean.py'), (x) => x.diagnostics.length === 0, 15000, from);
  });

  it('follows a file created on disk, and a rename (delete + create)', async () => {
    let from = client.notifications.length;
    writeFile(root, 'shop/new.py', VIEWS_PY);
    changed([['shop/new.py', CREATED]]);
    await client.waitForDiagnostics(uriOf('shop/new.py'), (x) => x.diagnostics.length === 1, 15000, from);
    from = client.notifications.length;
    fs.renameSync(path.join(root, 'shop/new.py'), path.join(root, 'shop/renamed.py'));
    changed([['shop/new.py', DELETED], ['shop/renamed.py', CREATED]]);
    await client.waitForDiagnostics(uriOf('shop/new.py'), (x) => x.diagnostics.length === 0, 15000, from);
    await client.waitForDiagnostics(uriOf('shop/renamed.py'), (x) => x.diagnostics.length === 1, 15000, from);
  });

  it('clears everything under a folder deleted or renamed on disk', async () => {
    const from = client.notifications.length;
    fs.renameSync(path.join(root, 'shop/api'), path.join(root, 'shop/api2'));
    changed([['shop/api', DELETED], ['shop/api2', CREATED]]);
    await client.waitForDiagnostics(uriOf('shop/api/more.py'), (x) => x.diagnostics.length === 0, 15000, from);
    await client.waitForDiagnostics(uriOf('shop/api2/more.py'), (x) => x.diagnostics.length === 1, 15000, from);
  });

  it('re-runs the folder when the config file changes, and reports config errors on the config file', async () => {
    const openUri = uriOf('shop/open.py');
    client.open(openUri, 'python', VIEWS_PY);
    await client.waitForDiagnostics(openUri, (p) => p.version === 1 && p.diagnostics.length === 1);

    // Each config change re-runs the folder's scan once. A re-run's publishes can arrive after the test has seen
    // what it waited for (the config error on memlint.toml comes first), so every step waits for its own re-run
    // to end: the next step then sees only its own publishes, and the last publish of a file is its final state.
    const rerun = async (requestsFrom: number, from: number) => {
      const create = await client.waitFor(() => client.serverRequests.slice(requestsFrom).find((r) => r.method === 'window/workDoneProgress/create'), 'the re-run\'s progress');
      await client.waitForNotification('$/progress', (p: any) => p.token === create.params.token && p.value.kind === 'end', 15000, from);
    };

    let from = client.notifications.length;
    let requestsFrom = client.serverRequests.length;
    writeFile(root, 'memlint.toml', '[rules]\nlarge-page-size = "off"\n');
    changed([['memlint.toml', CREATED]]);
    await client.waitForDiagnostics(uriOf('shop/views.py'), (x) => x.diagnostics.length === 0, 15000, from);
    await client.waitForDiagnostics(openUri, (x) => x.diagnostics.length === 0, 15000, from);
    await rerun(requestsFrom, from);

    from = client.notifications.length;
    requestsFrom = client.serverRequests.length;
    writeFile(root, 'memlint.toml', '[rules]\nlarge-page-size = "loud"\n');
    changed([['memlint.toml', CHANGED]]);
    const bad = await client.waitForDiagnostics(uriOf('memlint.toml'), (x) => x.diagnostics.length === 1, 15000, from);
    assert.equal(bad.diagnostics[0].code, 'config');
    assert.equal(bad.diagnostics[0].range.start.line, 1);
    assert.match(bad.diagnostics[0].message, /large-page-size/);
    await rerun(requestsFrom, from);

    from = client.notifications.length;
    requestsFrom = client.serverRequests.length;
    writeFile(root, 'memlint.toml', '[rules]\nlarge-page-size = "error"\n');
    changed([['memlint.toml', CHANGED]]);
    await client.waitForDiagnostics(uriOf('memlint.toml'), (x) => x.diagnostics.length === 0, 15000, from);
    await client.waitForDiagnostics(openUri, (x) => x.diagnostics.length === 1 && x.diagnostics[0].severity === 1, 15000, from);
    await rerun(requestsFrom, from);
    for (const uri of [uriOf('shop/views.py'), openUri]) {
      const last = client.lastDiagnostics(uri);
      assert.deepEqual(last?.diagnostics.map((d) => [d.code, d.severity]), [['large-page-size', 1]], uri);
    }
    client.close(openUri);
  });
});

describe('language server: cancelling a workspace scan', function () {
  let root: string;
  let client: LspClient;

  before(async () => {
    requireBuiltServer();
    const files: Record<string, string> = {};
    // Enough files that the scan is still running when the cancel arrives.
    const big = Array.from({ length: 60 }, (_, i) => `class P${i}(PageNumberPagination):\n    page_size = ${i + 10}\n`).join('\n');
    for (let i = 0; i < 300; i++) files[`pkg${i % 10}/mod${i}.py`] = `from rest_framework.pagination import PageNumberPagination\n\n${big}`;
    root = makeWorkspace(files);
    client = await startServer(root, { scanWorkspaceOnStartup: false });
  });
  after(async () => {
    await client?.shutdown();
    cleanup(root);
  });

  it('stops when the user cancels the progress, and ends the progress', async () => {
    const scan = client.request('memlint/scanWorkspace');
    const create = await client.waitFor(() => client.serverRequests.find((r) => r.method === 'window/workDoneProgress/create'), 'progress create');
    const token = create.params.token;
    await client.waitForNotification('$/progress', (p: any) => p.token === token && p.value.kind === 'report');
    client.notify('window/workDoneProgress/cancel', { token });
    const result = await scan;
    assert.equal(result.cancelled, true);
    assert.ok(result.files < 300, `scanned ${result.files} files after cancel`);
    await client.waitForNotification('$/progress', (p: any) => p.token === token && p.value.kind === 'end');
    const report = await client.request('memlint/report');
    assert.equal(report.scan.state, 'cancelled');
  });

  it('stops when the request is cancelled ($/cancelRequest), and a new scan completes', async () => {
    const { id, result } = client.requestWithId('memlint/scanWorkspace');
    const before = client.notifications.length;
    await client.waitForNotification('$/progress', (p: any) => p.value.kind === 'report', 15000, before);
    client.notify('$/cancelRequest', { id });
    const answer = await result.catch((e: Error) => e);
    // Either the cancelled summary or the standard RequestCancelled error.
    if (answer instanceof Error) assert.match(String((answer as any).code), /-32800/);
    else assert.equal(answer.cancelled, true);
    const full = await client.request('memlint/scanWorkspace');
    assert.equal(full.cancelled, false);
    assert.equal(full.files, 300);
  });
});

describe('language server: analyses that take too long', function () {
  let root: string;
  before(() => {
    requireBuiltServer();
    const files: Record<string, string> = {};
    for (let i = 0; i < 6; i++) files[`app/views${i}.py`] = VIEWS_PY;
    // ~1 MB of views: its parse alone takes far longer than the 1 ms limit below, however fast the machine.
    files['app/big.py'] = VIEWS_PY.repeat(Math.floor(1_000_000 / VIEWS_PY.length));
    root = makeWorkspace(files);
  });
  after(() => cleanup(root));

  it('a scan skips a file whose analysis exceeds the time limit and finishes the rest', async () => {
    // A 1 ms limit per file: files are cut off (their worker is replaced) and the scan still ends.
    const client = await startServer(root, {}, { initializationOptions: { fileTimeoutMs: 1 } });
    try {
      const result = await client.request('memlint/scanWorkspace');
      assert.equal(result.cancelled, false);
      assert.equal(result.files, 7);
      assert.ok(client.logs().some((l) => /skipped .*took longer than/.test(l)), client.logs().join('\n'));
      const report = await client.request('memlint/report');
      assert.equal(report.scan.state, 'done');
    } finally {
      await client.shutdown();
    }
  });

  it('an open document whose analysis exceeds the time limit gets empty diagnostics, and the server goes on', async () => {
    const client = await startServer(root, {}, { initializationOptions: { lintTimeoutMs: 1 } });
    try {
      const uri = fileUri(path.join(root, 'app/views0.py'));
      client.open(uri, 'python', VIEWS_PY);
      const p = await client.waitForDiagnostics(uri, (x) => x.version === 1);
      assert.deepEqual(p.diagnostics, []);
      await client.waitFor(() => (client.logs().some((l) => /took longer than/.test(l)) ? true : undefined), 'timeout log');
      const report = await client.request('memlint/report');
      assert.equal(report.totals.findings, 0);
      assert.equal(client.proc.exitCode, null);
    } finally {
      await client.shutdown();
    }
  });
});
