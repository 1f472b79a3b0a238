/**
 * The "Treat `Order` as a small table" quick fix over stdio: offered on findings that name their table, never
 * preferred nor in fix-all; its WorkspaceEdit creates memlint.toml (or edits the settings file in place, keeping its
 * other keys and line endings), and once the file is saved the findings about that table are gone.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanup, fileUri, makeWorkspace, requireBuiltServer, startServer } from './helpers';
import { applyEdits, fullCapabilities, type LspClient } from './lsp-client';

/** Views with unbounded-queryset and n-plus-one findings, all about Order rows. */
const VIEWS_PY = [
  'import csv',
  '',
  'from django.http import HttpResponse, JsonResponse',
  '',
  'from .models import Order',
  '',
  '',
  'def export_orders(request):',
  '    response = HttpResponse(content_type="text/csv")',
  '    writer = csv.writer(response)',
  '    for order in Order.objects.filter(status="paid"):',
  '        writer.writerow([order.id, order.total])',
  '    return response',
  '',
  '',
  'def order_list(request):',
  '    orders = Order.objects.filter(status="paid")',
  '    rows = [{"id": o.id, "customer": o.customer.name} for o in orders]',
  '    return JsonResponse({"orders": rows})',
  '',
].join('\n');

const CREATED = 1;
const CHANGED = 2;
const TABLE_RULES = new Set(['unbounded-queryset', 'n-plus-one']);

function capabilities(): any {
  const caps = fullCapabilities();
  caps.workspace.workspaceEdit = { documentChanges: true, resourceOperations: ['create'] };
  return caps;
}

/** Applies the action's WorkspaceEdit to disk as an editor would on save: a created file, then its text edits. */
function applyToDisk(edit: any): string[] {
  const written: string[] = [];
  for (const change of edit.documentChanges ?? []) {
    const file = new URL(change.kind === 'create' ? change.uri : change.textDocument.uri).pathname;
    if (change.kind === 'create') {
      if (!fs.existsSync(file)) fs.writeFileSync(file, '');
      continue;
    }
    fs.writeFileSync(file, applyEdits(fs.readFileSync(file, 'utf8'), change.edits));
    written.push(file);
  }
  return written;
}

describe('language server: small tables quick fix', function () {
  let root: string | undefined;
  let client: LspClient | undefined;
  afterEach(async () => {
    await client?.shutdown();
    cleanup(root);
    client = root = undefined;
  });

  async function openViews(files: Record<string, string>): Promise<{ uri: string; diagnostics: any[] }> {
    root = makeWorkspace({ 'shop/views.py': VIEWS_PY, ...files });
    client = await startServer(root, {}, { capabilities: capabilities() });
    const uri = fileUri(path.join(root, 'shop/views.py'));
    client.open(uri, 'python', VIEWS_PY);
    const published = await client.waitForDiagnostics(uri, (p) => p.diagnostics.filter((d) => TABLE_RULES.has(String(d.code))).length >= 2);
    const diagnostics = published.diagnostics.filter((d) => TABLE_RULES.has(String(d.code)));
    assert.deepEqual([...new Set(diagnostics.map((d) => d.code))].sort(), ['n-plus-one', 'unbounded-queryset'], JSON.stringify(diagnostics.map((d) => d.message)));
    return { uri, diagnostics };
  }

  async function smallTableActions(uri: string, diagnostics: any[]): Promise<any[]> {
    const actions = await client!.request<any[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: diagnostics[0].range,
      context: { diagnostics, triggerKind: 1 },
    });
    return actions.filter((a) => /as a small table/.test(a.title));
  }

  it('creates memlint.toml with the table, and the findings about it go', async () => {
    requireBuiltServer();
    const { uri, diagnostics } = await openViews({});
    const actions = await smallTableActions(uri, diagnostics);
    // One action per table, though both findings are about Order.
    assert.deepEqual(actions.map((a) => a.title), ['Treat `Order` as a small table (memlint.toml)']);
    assert.equal(actions[0].isPreferred, false);
    assert.equal(actions[0].edit.documentChanges[0].kind, 'create');
    applyToDisk(actions[0].edit);
    assert.equal(fs.readFileSync(path.join(root!, 'memlint.toml'), 'utf8'), 'smallTables = ["Order"]\n');
    const from = client!.notifications.length;
    client!.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: fileUri(path.join(root!, 'memlint.toml')), type: CREATED }] });
    await client!.waitForDiagnostics(uri, (p) => !p.diagnostics.some((d) => TABLE_RULES.has(String(d.code))), 15000, from);
  });

  it('edits pyproject.toml in place, keeping its other keys and line endings', async () => {
    requireBuiltServer();
    const pyproject = '[project]\r\nname = "shop"\r\n\r\n[tool.memlint]\r\nsmallTables = ["Banner"]\r\n\r\n[tool.memlint.rules]\r\nlarge-page-size = "error"\r\n';
    const { uri, diagnostics } = await openViews({ 'pyproject.toml': pyproject });
    const actions = await smallTableActions(uri, diagnostics);
    assert.deepEqual(actions.map((a) => a.title), ['Treat `Order` as a small table (pyproject.toml)']);
    applyToDisk(actions[0].edit);
    assert.equal(fs.readFileSync(path.join(root!, 'pyproject.toml'), 'utf8'), pyproject.replace('["Banner"]', '["Banner", "Order"]'));
    const from = client!.notifications.length;
    client!.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: fileUri(path.join(root!, 'pyproject.toml')), type: CHANGED }] });
    await client!.waitForDiagnostics(uri, (p) => !p.diagnostics.some((d) => TABLE_RULES.has(String(d.code))), 15000, from);
  });

  it('is not part of fix-all', async () => {
    requireBuiltServer();
    const { uri } = await openViews({});
    const actions = await client!.request<any[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [], only: ['source.fixAll.memlint'] },
    });
    for (const a of actions) assert.ok(!JSON.stringify(a.edit ?? {}).includes('memlint.toml'), `fix-all edits memlint.toml: ${a.title}`);
  });
});
