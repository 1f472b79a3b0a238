/**
 * The Python rules' per-statement caches (analysis/python/statements.ts: n-plus-one, unbounded-queryset, and the
 * module-state declarations unbounded-cache reads, n-plus-one's getattr exports, whole-file-read's reads per definition, temp-file-leak's creations) give exactly the findings of an analysis without them, keystroke
 * after keystroke: random edits anywhere (helper functions other statements call, imports, class bodies, module-level
 * loops), edits that rename a helper or an import, and reverts to texts seen before.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Workspace } from '../../server/src/engine/workspace';
import { TrackedDocument } from '../../server/src/lsp/documents';
import { withoutStatementCaches } from '../../analysis/python/statements';

const SOURCE = [
  'import collections',
  'from collections import deque',
  '',
  'from django.db import models',
  'from django.http import JsonResponse',
  '',
  '_seen = {}',
  'HISTORY = deque(maxlen=100)',
  '_log = []',
  '',
  '',
  'class Registry:',
  '    _items = {}',
  '    _recent = collections.deque(maxlen=10)',
  '',
  '    def add(self, key, value):',
  '        self._items[key] = value',
  '        self._recent.append(key)',
  '',
  '',
  'def recent_orders(user):',
  '    return Order.objects.filter(user=user)',
  '',
  '',
  'def remember(key, value):',
  '    _seen[key] = value',
  '    _log.append(key)',
  '    HISTORY.append(key)',
  '',
  '',
  'def export(request):',
  '    rows = []',
  '    for order in recent_orders(request.user):',
  '        rows.append(order.customer.name)',
  '    for o in Order.objects.all():',
  '        print(o.customer.email)',
  '    qs = Order.objects.filter(paid=True)',
  '    return JsonResponse({"rows": rows, "n": len(qs), "all": list(Order.objects.all())})',
  '',
  '',
  'def load_dump():',
'    return _dump.read()',
'',
'',
'def upload(request):',
'    data = request.FILES["doc"].read()',
'    return JsonResponse({"n": len(data)})',
'',
'',
'def store(doc):',
'    content = doc.read()',
'    return len(content)',
'',
'',
'def receive(request):',
'    return JsonResponse({"n": store(request.FILES["doc"])})',
'',
'',
'for item in Order.objects.all():',
  '    print(item.customer.name)',
  '',
].join('\n');

/** Whole-line replacements that change what other statements depend on (a helper's name or body, an import). */
const LINE_EDITS: [string, string][] = [
  ['def recent_orders(user):', 'def recent_orderz(user):'],
  ['    return Order.objects.filter(user=user)', '    return list(Order.objects.filter(user=user))'],
  ['    return Order.objects.filter(user=user)', '    return Order.objects.select_related("customer")'],
  ['from collections import deque', 'from collections import dequex'],
  ['from collections import deque', 'from collections import defaultdict as deque'],
  ['import collections', 'import collectionz'],
  ['    _items = {}', '    _items = collections.deque(maxlen=5)'],
  ['_seen = {}', '_seen = collections.OrderedDict()'],
  ['_dump = open("dump.bin", "rb")', '_dump = open("settings.json")'],
  ['_dump = open("dump.bin", "rb")', '_dump = None'],
  ['    data = request.FILES["doc"].read()', '    data = request.FILES["doc"].read(1024)'],
  // store()'s read is judged from its caller: an upload there, nothing once the caller passes something else.
  ['    return JsonResponse({"n": store(request.FILES["doc"])})', '    return JsonResponse({"n": store(None)})'],
];

/** A deterministic pseudo-random sequence (the test must not depend on chance). */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}

describe('Python per-statement caches', function () {
  // 300 analyses twice over (cached and fresh): seconds on an idle machine, more on a loaded one.
  this.timeout(180000);
  let dir: string;
  let ws: Workspace;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-statement-caches-'));
    ws = await Workspace.open({ root: dir });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('give the findings of an uncached analysis after each of 300 random edits and reverts', () => {
    const file = path.join(dir, 'views.py').split(path.sep).join('/');
    const doc = new TrackedDocument(`file://${file}`, file, 'python', 1, SOURCE, undefined);
    const next = random(11);
    const pieces = ['x', '_', ' ', '\n', '\n    ', ':', '(', ')', '"', '#', '.all()', 'for ', ''];
    for (let i = 0; i <= 300; i++) {
      if (i > 0) {
        const text = doc.text;
        const swap = LINE_EDITS[Math.floor(next() * LINE_EDITS.length)];
        if (next() < 0.25 && text.includes(swap[0])) {
          doc.update([{ text: text.replace(swap[0], swap[1]) }], i + 1);
        } else if (next() < 0.2 && text.includes(swap[1])) {
          doc.update([{ text: text.replace(swap[1], swap[0]) }], i + 1);
        } else {
          const at = Math.floor(next() * text.length);
          const removed = next() < 0.4 ? Math.floor(next() * 4) : 0;
          const start = doc.doc.positionAt(at);
          const end = doc.doc.positionAt(Math.min(text.length, at + removed));
          doc.update([{ range: { start, end }, text: pieces[Math.floor(next() * pieces.length)] }], i + 1);
        }
        // Back to the original now and then: every cached statement is seen again.
        if (i % 40 === 0) doc.update([{ text: SOURCE }], i + 1);
      }
      const parsed = doc.parsedFile();
      const cached = ws.analyzeText(doc.path, doc.text, { parsed });
      doc.adopt(parsed);
      const fresh = withoutStatementCaches(() => ws.analyzeText(doc.path, doc.text));
      if (i === 0) {
        const rules = new Set(fresh.findings.map((f) => f.ruleId));
        for (const id of ['n-plus-one', 'unbounded-queryset', 'unbounded-cache', 'whole-file-read']) assert.ok(rules.has(id), `${id} expected in the original text: ${[...rules]}`);
      }
      assert.deepEqual(cached.findings, fresh.findings, `findings after edit ${i}:\n${doc.text}`);
    }
    doc.dropTree();
  });

  it('give the findings of an uncached analysis after each whole-line edit and its revert, in turn', () => {
    const file = path.join(dir, 'views.py').split(path.sep).join('/');
    // A read judged by what a module-level name holds: the definition's text never changes, its finding does.
    const reads = ['import io', '_dump = open("dump.bin", "rb")', '', '', 'def load_dump():', '    return _dump.read()', ''].join('\n');
    const temps = ['import os', 'import tempfile', '', '', 'def cleanup(path):', '    os.remove(path)', '', '', 'def transcode(path):', '    os.unlink(path)', '', '',
      'def convert(request):', '    fd, path = tempfile.mkstemp()', '    cleanup(path)', '    return 1', '', '', 'def queue(request):', '    d = tempfile.mkdtemp()', '    transcode.delay(d)', '    return 1', ''].join('\n');
    // Exports reading fields by name: judged by the module's models (n-plus-one's getattr findings per statement).
    const getattrs = ['from django.db import models', 'from django.http import HttpResponse', '', '',
      'class Customer(models.Model):', '    name = models.CharField(max_length=50)', '', '',
      'class Order(models.Model):', '    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)', '    status = models.CharField(max_length=20)', '', '',
      'def export_orders(request, writer):', '    for order in Order.objects.filter(status="paid"):', '        writer.writerow([getattr(order, f.name) for f in Order._meta.fields])', '    return HttpResponse()', ''].join('\n');
    const cases: [string, [string, string][]][] = [
      [SOURCE, LINE_EDITS],
      [reads, [['_dump = open("dump.bin", "rb")', '_dump = open("settings.json")'], ['_dump = open("dump.bin", "rb")', '_dump = io.BytesIO()'], ['import io', 'import io as _dump']]],
      // Temp files judged by what a same-module helper and a queued task's body delete.
      [getattrs, [['    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)', '    customer = models.CharField(max_length=50)'], ['class Order(models.Model):', 'class Order(models.Model):\n    owner = models.ForeignKey(Customer, on_delete=models.CASCADE)\n    customer = None']]],
      [temps, [['    os.remove(path)', '    print(path)'], ['    os.unlink(path)', '    print(path)'], ['def cleanup(path):', 'def cleanup_later(path):'], ['import tempfile', 'import tempfile as tf']]],
    ];
    for (const [source, edits] of cases) {
      const doc = new TrackedDocument(`file://${file}`, file, 'python', 1, source, undefined);
      let version = 1;
      const check = (text: string, what: string) => {
        doc.update([{ text }], ++version);
        const parsed = doc.parsedFile();
        const cached = ws.analyzeText(doc.path, doc.text, { parsed });
        doc.adopt(parsed);
        const fresh = withoutStatementCaches(() => ws.analyzeText(doc.path, doc.text));
        assert.deepEqual(cached.findings, fresh.findings, what);
        return fresh.findings;
      };
      check(source, 'the original');
      let changed = 0;
      for (const [from, to] of edits) {
        if (check(source.replace(from, to), `${from} -> ${to}`).length !== check(source, `${to} -> ${from}`).length) changed++;
      }
      // The edits change findings of statements they do not touch: what the caches must notice.
      assert.ok(changed > 0, 'no edit changed the findings');
      doc.dropTree();
    }
  });
});
