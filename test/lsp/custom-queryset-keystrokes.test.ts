/**
 * A keystroke in a QuerySet class of the module being edited: the list views that read rows through it are judged
 * again (their per-statement answers are keyed by the module's custom QuerySet/Manager classes,
 * analysis/python/module-queryset-stamp.ts), and every step matches an analysis without the caches.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Workspace } from '../../server/src/engine/workspace';
import { TrackedDocument } from '../../server/src/lsp/documents';
import { withoutStatementCaches } from '../../analysis/python/statements';

const SOURCE = [
  'from django.db import models',
  'from django.db.models import Q',
  'from django.views.generic import ListView',
  '',
  '',
  'class ProductQuerySet(models.QuerySet):',
  '    def featured(self):',
  '        return self.filter(featured=True)',
  '',
  '    def search(self, query):',
  '        return self.filter(Q(title__icontains=query))',
  '',
  '',
  'class Product(models.Model):',
  '    title = models.CharField(max_length=200)',
  '    featured = models.BooleanField(default=False)',
  '    added = models.DateTimeField(auto_now_add=True)',
  '',
  '    objects = ProductQuerySet.as_manager()',
  '',
  '',
  'class SearchProductView(ListView):',
  '    template_name = "shop/search.html"',
  '',
  '    def get_queryset(self):',
  '        return Product.objects.search(self.request.GET.get("q"))',
  '',
].join('\n');

describe('Keystrokes in a custom QuerySet class of the edited module', function () {
  let dir: string;
  let ws: Workspace;
  let file: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-custom-qs-keys-'));
    file = path.join(dir, 'views.py').split(path.sep).join('/');
    ws = await Workspace.open({ root: dir });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function rulesOf(doc: TrackedDocument): string[] {
    const parsed = doc.parsedFile();
    const result = ws.analyzeText(doc.path, doc.text, { parsed });
    doc.adopt(parsed);
    const fresh = withoutStatementCaches(() => ws.analyzeText(doc.path, doc.text));
    assert.deepEqual(result.findings, fresh.findings, `cached and fresh findings differ for:\n${doc.text}`);
    return result.findings.filter((f) => f.ruleId === 'unbounded-queryset').map((f) => `${f.range.start.line}`);
  }

  function replace(doc: TrackedDocument, from: string, to: string, version: number): void {
    const at = doc.text.indexOf(from);
    assert.ok(at >= 0, from);
    doc.update([{ range: { start: doc.doc.positionAt(at), end: doc.doc.positionAt(at + from.length) }, text: to }], version);
  }

  it('judges the view again when the QuerySet method it calls changes, and again when it changes back', () => {
    const doc = new TrackedDocument(`file://${file}`, file, 'python', 1, SOURCE, undefined);
    const before = rulesOf(doc);
    assert.deepEqual(before, ['25'], 'a text search lists every row when the query is empty');
    // The search becomes one row by key: the view is bounded.
    replace(doc, 'Q(title__icontains=query)', 'pk=query', 2);
    assert.deepEqual(rulesOf(doc), []);
    // And back: the finding returns.
    replace(doc, 'pk=query', 'Q(title__icontains=query)', 3);
    assert.deepEqual(rulesOf(doc), before);
    // The class's header no longer names a QuerySet: the same answers as a fresh analysis.
    replace(doc, '(models.QuerySet)', '(object)', 4);
    rulesOf(doc);
    doc.dropTree();
  });
});
