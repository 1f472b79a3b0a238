/**
 * Memory-budget code lenses and hovers over stdio, on a copy of examples/: a lens with the estimate against
 * the limit on gunicorn.conf.py's `workers` line and render.yaml's `plan` line, updated after an edit of the
 * worker count (and a workspace/codeLens/refresh for the other editors), the breakdown in the hover, nothing
 * on an unrelated file, nothing with `memlint.budget.codeLens` off, and no failure on a broken file.
 * Expected numbers come from the estimate's own items (count x each), not from copied output: the baselines
 * may be recalibrated.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { estimateDeploys, type DeployEstimate } from '../../analysis/deploy/estimate';
import { Workspace } from '../../server/src/engine/workspace';
import { cleanup, fileUri, requireBuiltServer, startServer } from './helpers';
import { REPO_ROOT, fullCapabilities, type LspClient, type Position } from './lsp-client';

interface Lens {
  range: { start: Position; end: Position };
  command: { title: string; command: string; arguments: unknown[] };
}

const GUNICORN = 'django-app/gunicorn.conf.py';
const RENDER = 'render.yaml';
const VIEWS = 'django-app/shop/views.py';

/** The lens/hover wording: "~I MB idle, ~P MB at peak of L MB (label) — over by D MB at peak" / "— D MB to spare at peak". */
function verdict(idleMb: number, peakMb: number, limitMb: number, label: string): string {
  const diff = Math.round(peakMb - limitMb);
  return `~${Math.round(idleMb)} MB idle, ~${Math.round(peakMb)} MB at peak of ${limitMb} MB (${label}) — ${diff > 0 ? `over by ${diff} MB at peak` : `${-diff} MB to spare at peak`}`;
}

describe('language server: memory budget lenses and hovers', function () {
  this.timeout(60_000);
  let root: string;
  let client: LspClient;
  let shopApi: DeployEstimate;
  let procfileWeb: DeployEstimate;
  const uriOf = (rel: string) => fileUri(path.join(root, rel));
  const lenses = (rel: string) => client.request<Lens[] | null>('textDocument/codeLens', { textDocument: { uri: uriOf(rel) } });
  const hover = (rel: string, position: Position) => client.request<{ contents: { kind: string; value: string } } | null>('textDocument/hover', { textDocument: { uri: uriOf(rel) }, position });
  const lineOf = (rel: string, re: RegExp) => {
    const line = client.docs.get(uriOf(rel))!.text.split('\n').findIndex((l) => re.test(l));
    assert.ok(line >= 0, `${re} not found in ${rel}`);
    return line;
  };
  const open = async (rel: string, languageId: string) => {
    const uri = uriOf(rel);
    const from = client.notifications.length;
    client.open(uri, languageId, fs.readFileSync(path.join(root, rel), 'utf8'));
    await client.waitForDiagnostics(uri, (p) => p.version === 1, 30_000, from);
  };

  before(async () => {
    requireBuiltServer();
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-lens-')));
    fs.cpSync(path.join(REPO_ROOT, 'examples'), root, { recursive: true });
    const ws = await Workspace.open({ root });
    ws.discover();
    const estimates = estimateDeploys(ws.project);
    shopApi = estimates.find((e) => e.id === 'render.yaml#shop-api')!;
    procfileWeb = estimates.find((e) => e.id === 'django-app/Procfile#web')!;
    assert.ok(procfileWeb && !procfileWeb.limit, 'the example Procfile\'s web process (no limit) is not estimated');
    assert.ok(shopApi && shopApi.limit, 'the example render.yaml has no shop-api service with a plan');
    const capabilities = fullCapabilities();
    capabilities.workspace.codeLens = { refreshSupport: true };
    capabilities.textDocument.hover = { contentFormat: ['markdown', 'plaintext'] };
    client = await startServer(root, {}, { capabilities });
    await open(GUNICORN, 'python');
    await open(RENDER, 'yaml');
    await open(VIEWS, 'python');
  });
  after(async () => {
    await client?.shutdown();
    cleanup(root);
  });

  it('declares code lens and hover providers', () => {
    assert.deepEqual(client.initializeResult.capabilities.codeLensProvider, { resolveProvider: false });
    assert.equal(client.initializeResult.capabilities.hoverProvider, true);
  });

  it('the estimate used for the expectations is the hand-computed one: 2 x 8 CPUs + 1 workers, each item count x each', () => {
    const workers = shopApi.processes[0].workers;
    assert.equal(workers.n, 2 * 8 + 1, workers.how);
    for (const item of shopApi.items) {
      assert.equal(item.mb, item.count * item.eachMb, item.label);
      if (item.perWorker) assert.equal(item.count % workers.n, 0, `${item.label}: ${item.count} is not a multiple of ${workers.n}`);
    }
    // The estimate rounds its total to 0.1 MB (figures such as 47.4 MB are not exact binary fractions).
    assert.equal(shopApi.totalMb, Math.round(shopApi.items.reduce((s, i) => s + i.count * i.eachMb, 0) * 10) / 10);
    assert.equal(shopApi.limit!.mb, 512); // Render starter
  });

  it('puts a lens with the estimate against the limit on the gunicorn.conf.py workers line, naming each deploy', async () => {
    const line = lineOf(GUNICORN, /^workers\s*=/);
    const got = (await lenses(GUNICORN)) ?? [];
    const onLine = got.filter((l) => l.range.start.line === line);
    assert.ok(onLine.length >= 1, JSON.stringify(got));
    assert.equal(onLine.length, got.length, 'lenses on other lines of gunicorn.conf.py');
    const expected = `Render service "shop-api": ${verdict(shopApi.idleMb, shopApi.peakMb, 512, 'Render starter')}`;
    assert.ok(onLine.some((l) => l.command.title.endsWith(expected)), `no lens "${expected}": ${onLine.map((l) => l.command.title).join(' | ')}`);
    assert.ok(onLine[0].command.title.startsWith('memlint: '), onLine[0].command.title);
    // The example's Procfile and Dockerfile start the same gunicorn (no limit known): named on a lens of their own.
    assert.ok(onLine.some((l) => /Procfile/.test(l.command.title) && l.command.title.includes('no memory limit known')), onLine.map((l) => l.command.title).join(' | '));
    assert.equal(onLine[0].command.command, 'memlint.showBudgetBreakdown');
    assert.deepEqual(onLine[0].command.arguments, [uriOf(GUNICORN), onLine[0].range.start]);
  });

  it('puts a lens on render.yaml\'s plan line of each service', async () => {
    const got = (await lenses(RENDER)) ?? [];
    const planLine = lineOf(RENDER, /^\s*plan:\s*starter/);
    const lens = got.find((l) => l.range.start.line === planLine);
    assert.ok(lens, `no lens on line ${planLine}: ${JSON.stringify(got)}`);
    assert.equal(lens.command.title, `memlint: ${verdict(shopApi.idleMb, shopApi.peakMb, 512, 'Render starter')}`);
    assert.equal(got.length, 2, 'one lens per service (shop-api, shop-events)');
  });

  it('puts the lens on the start command in a file that only starts the process (the Procfile)', async () => {
    await open('django-app/Procfile', 'procfile');
    const got = (await lenses('django-app/Procfile')) ?? [];
    // One lens per process type: web and worker.
    assert.equal(got.length, 2, JSON.stringify(got));
    const web = got.find((l) => l.range.start.line === lineOf('django-app/Procfile', /^web:/));
    assert.ok(web, JSON.stringify(got));
    assert.equal(web.command.title, `memlint: ~${Math.round(procfileWeb.idleMb)} MB idle, ~${Math.round(procfileWeb.peakMb)} MB at peak (no memory limit known)`);
  });

  it('hovering the workers line shows the breakdown, the limit and where it is set, the sources and the advice', async () => {
    const line = lineOf(GUNICORN, /^workers\s*=/);
    const h = await hover(GUNICORN, { line, character: 2 });
    assert.ok(h, 'no hover');
    assert.equal(h.contents.kind, 'markdown');
    const md = h.contents.value;
    assert.match(md, /memory budget of Render service "shop-api"/);
    for (const item of shopApi.items) {
      assert.ok(md.includes(`| ${item.count} | ~${Math.round(item.eachMb)} MB | ${Math.round(item.count * item.eachMb)} MB |`), `item ${item.label} missing:\n${md}`);
      assert.ok(md.includes(`\`${item.key}\``), `source of ${item.key} missing`);
    }
    assert.ok(md.includes(`| **idle** | | | **~${Math.round(shopApi.idleMb)} MB** |`), 'idle total missing');
    assert.ok(md.includes(`| **peak** | | | **~${Math.round(shopApi.peakMb)} MB** |`), 'peak total missing');
    const planLine = lineOf(RENDER, /^\s*plan:\s*starter/) + 1;
    assert.ok(md.includes(`Limit: 512 MB (Render starter), set in \`render.yaml:${planLine}\``), md);
    assert.match(md, /\*\*To fit\*\*: use at most \d+ workers/);
    // Links to the rule page installed with memlint (it exists), and to its notes on where the figures come from.
    const rulePage = /\[memory-budget rule\]\((file:[^)]+memory-budget\.md)\)/.exec(md);
    assert.ok(rulePage && fs.existsSync(new URL(rulePage[1])), md);
    assert.ok(md.includes(`[baselines](${rulePage[1]}#notes)`), md);
    // Off the line: no budget hover.
    assert.equal(await hover(GUNICORN, { line: line + 1, character: 0 }), null);
  });

  it('shows nothing on an unrelated file', async () => {
    assert.deepEqual(await lenses(VIEWS), []);
    assert.equal(await hover(VIEWS, { line: 0, character: 0 }), null);
  });

  it('follows an edit of the worker count: the lenses in both files show the new estimate, and the client is asked to refresh', async () => {
    const line = lineOf(GUNICORN, /^workers\s*=/);
    const text = client.docs.get(uriOf(GUNICORN))!.text.split('\n')[line];
    const refreshes = () => client.serverRequests.filter((r) => r.method === 'workspace/codeLens/refresh').length;
    const before = refreshes();
    client.change(uriOf(GUNICORN), [{ range: { start: { line, character: 0 }, end: { line, character: text.length } }, newText: 'workers = 2' }]);
    // By hand: every per-worker item at 2 workers, the rest as they were.
    const at2 = (i: DeployEstimate['items'][number]) => (i.perWorker ? (i.count / shopApi.processes[0].workers.n) * 2 : i.count) * i.eachMb;
    const total = shopApi.items.reduce((s, i) => s + at2(i), 0);
    const idle = shopApi.items.filter((i) => i.phase === 'idle').reduce((s, i) => s + at2(i), 0);
    const expected = verdict(idle, total, 512, 'Render starter');
    const planLine = lineOf(RENDER, /^\s*plan:\s*starter/);
    await client.waitFor(() => (refreshes() > before ? true : undefined), 'workspace/codeLens/refresh');
    const render = (await lenses(RENDER))!.find((l) => l.range.start.line === planLine);
    assert.equal(render?.command.title, `memlint: ${expected}`);
    const gunicorn = (await lenses(GUNICORN))!.filter((l) => l.range.start.line === line);
    assert.ok(gunicorn.some((l) => l.command.title.endsWith(`Render service "shop-api": ${expected}`)), gunicorn.map((l) => l.command.title).join(' | '));
    const h = await hover(GUNICORN, { line, character: 0 });
    assert.ok(h?.contents.value.includes(`Workers: 2, from workers = 2`), h?.contents.value);
    assert.ok(!h?.contents.value.includes('To fit'));
  });

  it('answers without failing on a broken deploy file', async () => {
    const uri = uriOf('broken/render.yaml');
    client.open(uri, 'yaml', 'services:\n  - type: web\n    plan: [starter\n    startCommand: gunicorn app:app -w 4\n  - {{\n');
    const got = await lenses('broken/render.yaml');
    assert.ok(Array.isArray(got));
    await hover('broken/render.yaml', { line: 2, character: 6 });
    client.close(uri);
    assert.ok((await lenses(RENDER))!.length > 0, 'the server stopped answering');
  });

  it('with memlint.budget.codeLens off there are no lenses (the hover stays); memlint.enable off: neither', async () => {
    const line = lineOf(GUNICORN, /^workers\s*=/);
    const refreshes = () => client.serverRequests.filter((r) => r.method === 'workspace/codeLens/refresh').length;
    let before = refreshes();
    client.settings = { ...client.settings, budget: { codeLens: false } };
    client.notify('workspace/didChangeConfiguration', { settings: null });
    await client.waitFor(() => (refreshes() > before ? true : undefined), 'workspace/codeLens/refresh after the setting changed');
    assert.deepEqual(await lenses(GUNICORN), []);
    assert.deepEqual(await lenses(RENDER), []);
    assert.ok(await hover(GUNICORN, { line, character: 0 }));

    before = refreshes();
    client.settings = { ...client.settings, enable: false, budget: { codeLens: true } };
    client.notify('workspace/didChangeConfiguration', { settings: null });
    await client.waitFor(() => (refreshes() > before ? true : undefined), 'workspace/codeLens/refresh after memlint.enable changed');
    assert.deepEqual(await lenses(GUNICORN), []);
    assert.equal(await hover(GUNICORN, { line, character: 0 }), null);

    before = refreshes();
    client.settings = { ...client.settings, enable: true };
    client.notify('workspace/didChangeConfiguration', { settings: null });
    await client.waitFor(() => (refreshes() > before ? true : undefined), 'workspace/codeLens/refresh after memlint.enable changed back');
    assert.ok((await lenses(GUNICORN))!.length > 0);
  });
});
