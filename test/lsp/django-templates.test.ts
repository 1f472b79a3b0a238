/**
 * Django templates in the editor: a template opened as `django-html` gets the n-plus-one diagnostic of the read
 * in its loop, the view gets the twin with the fix, and fixing the view clears the template's diagnostic.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { cleanup, fileUri, makeWorkspace, requireBuiltServer, startServer } from './helpers';
import type { LspClient } from './lsp-client';

const MODELS = [
  'from django.db import models',
  '',
  '',
  'class Customer(models.Model):',
  '    name = models.CharField(max_length=100)',
  '',
  '',
  'class Order(models.Model):',
  '    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)',
  '',
].join('\n');

const VIEWS = [
  'from django.shortcuts import render',
  '',
  'from .models import Order',
  '',
  '',
  'def order_list(request):',
  '    orders = Order.objects.all()',
  '    return render(request, "shop/orders.html", {"orders": orders})',
  '',
].join('\n');

const TEMPLATE = ['<ul>', '{% for o in orders %}', '  <li>{{ o.customer.name }}</li>', '{% endfor %}', '</ul>', ''].join('\n');

describe('language server: Django templates', function () {
  let root: string;
  let client: LspClient;

  before(async () => {
    requireBuiltServer();
    root = makeWorkspace({
      'requirements.txt': 'django\n',
      'shop/__init__.py': '',
      'shop/models.py': MODELS,
      'shop/views.py': VIEWS,
      'shop/templates/shop/orders.html': TEMPLATE,
    });
    client = await startServer(root);
  });
  after(async () => {
    await client?.shutdown();
    cleanup(root);
  });

  it('reports the per-row read in the template and the fix on the view; the fixed view clears both', async () => {
    const templateUri = fileUri(path.join(root, 'shop/templates/shop/orders.html'));
    const viewsUri = fileUri(path.join(root, 'shop/views.py'));
    let from = client.notifications.length;
    client.open(templateUri, 'django-html', TEMPLATE);
    const inTemplate = await client.waitForDiagnostics(templateUri, (p) => p.version === 1, 15000, from);
    assert.equal(inTemplate.diagnostics.length, 1, JSON.stringify(inTemplate.diagnostics));
    assert.equal(inTemplate.diagnostics[0].code, 'n-plus-one');
    assert.deepEqual(inTemplate.diagnostics[0].range, { start: { line: 2, character: 9 }, end: { line: 2, character: 19 } });
    assert.match(inTemplate.diagnostics[0].message, /select_related\("customer"\) in order_list/);

    from = client.notifications.length;
    client.open(viewsUri, 'python', VIEWS);
    const inViews = await client.waitForDiagnostics(viewsUri, (p) => p.version === 1, 15000, from);
    const twin = inViews.diagnostics.find((d) => d.code === 'n-plus-one');
    assert.ok(twin, JSON.stringify(inViews.diagnostics));
    assert.equal(twin.range.start.line, 6);
    assert.equal(twin.data.fixes[0].edits[0].newText, '.select_related("customer")');

    // The view's fix applied in the editor: the open template is re-linted and its diagnostic goes away.
    from = client.notifications.length;
    client.change(viewsUri, twin.data.fixes[0].edits);
    const cleared = await client.waitForDiagnostics(templateUri, (p) => p.diagnostics.length === 0, 15000, from);
    assert.deepEqual(cleared.diagnostics, []);
  });
});

describe('language server: ignoring a finding in a Django template', function () {
  let root: string;
  let client: LspClient;

  before(async () => {
    requireBuiltServer();
    root = makeWorkspace({
      'requirements.txt': 'django\n',
      'shop/__init__.py': '',
      'shop/models.py': MODELS,
      'shop/views.py': VIEWS,
      'shop/templates/shop/orders.html': TEMPLATE,
    });
    client = await startServer(root);
  });
  after(async () => {
    await client?.shutdown();
    cleanup(root);
  });

  it('writes a template comment, {# memlint: ignore[...] #}, which the page does not render, and the diagnostic goes', async () => {
    const uri = fileUri(path.join(root, 'shop/templates/shop/orders.html'));
    let from = client.notifications.length;
    client.open(uri, 'django-html', TEMPLATE);
    const { diagnostics } = await client.waitForDiagnostics(uri, (p) => p.version === 1 && p.diagnostics.length === 1, 15000, from);
    const actions = await client.request('textDocument/codeAction', {
      textDocument: { uri },
      range: diagnostics[0].range,
      context: { diagnostics, only: ['quickfix'] },
    });
    const ignore = actions.find((a: { title: string }) => a.title === 'Ignore n-plus-one on this line');
    assert.ok(ignore, JSON.stringify(actions.map((a: { title: string }) => a.title)));
    from = client.notifications.length;
    client.applyWorkspaceEdit(ignore.edit);
    const version = client.docs.get(uri)!.version;
    const after = await client.waitForDiagnostics(uri, (p) => p.version === version, 15000, from);
    assert.deepEqual(after.diagnostics, []);
    assert.match(client.docs.get(uri)!.text, /\{% for o in orders %\}\n {2}\{# memlint: ignore\[n-plus-one\] #\}\n {2}<li>\{\{ o\.customer\.name \}\}<\/li>/);
  });
});
