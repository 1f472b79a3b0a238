/**
 * The files and keystrokes of the language-server bench (scripts/bench-lsp.mjs), shared with the in-process
 * profiler (scripts/profile-keystrokes.ts) so both measure the same work.
 */
/** A realistic Django module: models, serializers, views, exports; about 3,000 lines with a few findings. */
export function pythonFile(lines) {
  const head = [
    'import csv',
    'import functools',
    'import hashlib',
    'import logging',
    'from concurrent.futures import ThreadPoolExecutor',
    '',
    'import pandas as pd',
    'from django.db import models',
    'from django.http import HttpResponse, JsonResponse',
    'from rest_framework import generics, serializers',
    'from rest_framework.pagination import PageNumberPagination',
    '',
    'logger = logging.getLogger(__name__)',
    '',
  ];
  const block = (i) => [
    '',
    `class Customer${i}(models.Model):`,
    '    name = models.CharField(max_length=200)',
    '    email = models.EmailField()',
    '',
    '',
    `class Order${i}(models.Model):`,
    `    customer = models.ForeignKey(Customer${i}, on_delete=models.CASCADE, related_name="orders")`,
    '    number = models.CharField(max_length=20)',
    '    total = models.DecimalField(max_digits=10, decimal_places=2)',
    '',
    '',
    `class Pagination${i}(PageNumberPagination):`,
    `    page_size = ${i % 7 === 0 ? 5000 : 50}`,
    '',
    '',
    `class OrderSerializer${i}(serializers.ModelSerializer):`,
    '    class Meta:',
    `        model = Order${i}`,
    '        fields = ["number", "total"]',
    '',
    '',
    `class OrderList${i}(generics.ListAPIView):`,
    `    queryset = Order${i}.objects.order_by("-id")[:100]`,
    `    serializer_class = OrderSerializer${i}`,
    `    pagination_class = Pagination${i}`,
    '',
    '',
    `def export_orders_${i}(request):`,
    '    response = HttpResponse(content_type="text/csv")',
    '    writer = csv.writer(response)',
    `    for order in Order${i}.objects.filter(total__gt=0).iterator(chunk_size=2000):`,
    '        writer.writerow([order.number, order.total])',
    '    return response',
    '',
    '',
    `def checksum_${i}(path):`,
    '    digest = hashlib.sha256()',
    '    with open(path, "rb") as f:',
    '        for chunk in iter(lambda: f.read(65536), b""):',
    '            digest.update(chunk)',
    '    return digest.hexdigest()',
    '',
    '',
    `@functools.lru_cache(maxsize=${i % 11 === 0 ? 'None' : '128'})`,
    `def rate_${i}(code):`,
    '    return {"code": code, "rate": 1.0}',
    '',
    '',
    `def load_prices_${i}():`,
    `    frame = pd.read_csv("prices_${i}.csv", usecols=["sku", "price"])`,
    '    return frame.set_index("sku")',
    '',
    '',
    `def summary_${i}(request):`,
    `    count = Order${i}.objects.count()`,
    '    logger.info("orders: %s", count)',
    '    return JsonResponse({"count": count})',
    '',
  ];
  const out = [...head];
  for (let i = 0; out.length < lines; i++) out.push(...block(i));
  return out.slice(0, lines).join('\n') + '\n';
}

/** A realistic Express + Prisma service: routes, handlers, helpers; about 3,000 lines with a few findings. */
export function typescriptFile(lines) {
  const head = [
    "import express, { type Request, type Response } from 'express';",
    "import { PrismaClient } from '@prisma/client';",
    "import * as fs from 'node:fs';",
    "import { pipeline } from 'node:stream/promises';",
    '',
    'const prisma = new PrismaClient();',
    'const app = express();',
    "app.use(express.json({ limit: '1mb' }));",
    '',
  ];
  const block = (i) => [
    '',
    `interface Order${i} {`,
    '  id: number;',
    '  number: string;',
    '  total: number;',
    '}',
    '',
    `app.get('/orders/${i}', async (req: Request, res: Response) => {`,
    `  const orders = await prisma.order.findMany({ take: 100, where: { shop: ${i} } });`,
    '  res.json(orders);',
    '});',
    '',
    `app.get('/customers/${i}', async (req: Request, res: Response) => {`,
    i % 9 === 0 ? '  const customers = await prisma.customer.findMany();' : '  const customers = await prisma.customer.findMany({ take: 50 });',
    '  const result = [];',
    '  for (const c of customers) {',
    '    result.push({ id: c.id, name: c.name });',
    '  }',
    '  res.json(result);',
    '});',
    '',
    `export async function download${i}(req: Request, res: Response): Promise<void> {`,
    `  const file = fs.createReadStream('/srv/exports/${i}.csv');`,
    '  await pipeline(file, res);',
    '}',
    '',
    `export function total${i}(orders: Order${i}[]): number {`,
    '  let sum = 0;',
    '  for (const o of orders) sum += o.total;',
    '  return sum;',
    '}',
    '',
  ];
  const out = [...head];
  for (let i = 0; out.length < lines; i++) out.push(...block(i));
  return out.slice(0, lines).join('\n') + '\n';
}

/**
 * The bench's keystrokes: a run of characters typed at the end of a line rules look at, then backspaced over,
 * at spots spread through the file. Returns `edits` incremental changes (LSP TextDocumentContentChangeEvent).
 */
export function keystrokeChanges(text, languageId, edits) {
  const lines = text.split('\n');
  const spots = [];
  for (let i = 0; i < lines.length; i++) {
    if (languageId === 'python' ? /page_size = \d+$/.test(lines[i]) : /findMany\(/.test(lines[i])) spots.push(i);
  }
  const typed = languageId === 'python' ? '000' : ' // x';
  const changes = [];
  for (let s = 0; changes.length < edits; s++) {
    const line = spots[(s * 7) % spots.length];
    const col = lines[line].length;
    for (let k = 0; k < typed.length; k++) changes.push({ range: pos(line, col + k, line, col + k), text: typed[k] });
    for (let k = typed.length; k > 0; k--) changes.push({ range: pos(line, col + k - 1, line, col + k), text: '' });
  }
  return changes.slice(0, edits);
}

function pos(l1, c1, l2, c2) {
  return { start: { line: l1, character: c1 }, end: { line: l2, character: c2 } };
}

/**
 * Keystrokes in a real file, in one of two ways:
 *  - `line`: a whole line inserted in the middle of the file (a statement with the indentation of the line it
 *    goes before), then deleted again, alternately: every keystroke shifts the position of everything after it;
 *  - `type`: characters typed one at a time at the end of a statement inside a function body near the middle
 *    of the file (` or 0`, then backspaced over), as a user edits code.
 * Spots are statement lines inside a function (Python: indented 8 spaces or more; TS/JS: an indented const/let/return/await), taken from the middle third of the file. Returns `edits` LSP content changes.
 */
export function realKeystrokes(text, languageId, mode, edits) {
  const lines = text.split('\n');
  const python = languageId === 'python';
  const inBody = (l) => (python ? /^ {8,}[A-Za-z_][\w.]* = [^\n]*[\w)\]]$/.test(l) : /^[ \t]{2,}(const|let|return|await) [^\n]*[\w)\]'"`;]$/.test(l));
  const spots = [];
  for (let i = Math.floor(lines.length / 3); i < Math.floor((2 * lines.length) / 3); i++) if (inBody(lines[i])) spots.push(i);
  if (spots.length === 0) throw new Error('no statement inside a function in the middle third of the file');
  const changes = [];
  if (mode === 'line') {
    for (let s = 0; changes.length < edits; s++) {
      const line = spots[(s * 7) % spots.length];
      const indent = /^\s*/.exec(lines[line])[0];
      const inserted = `${indent}${python ? 'checked = True' : 'const checked = true;'}\n`;
      changes.push({ range: pos(line, 0, line, 0), text: inserted });
      changes.push({ range: pos(line, 0, line + 1, 0), text: '' });
    }
  } else {
    const typed = python ? ' or 0' : ' ?? 0';
    for (let s = 0; changes.length < edits; s++) {
      const line = spots[(s * 7) % spots.length];
      // before a `;` that ends the line, else at the line end
      const col = lines[line].endsWith(';') ? lines[line].length - 1 : lines[line].length;
      for (let k = 0; k < typed.length; k++) changes.push({ range: pos(line, col + k, line, col + k), text: typed[k] });
      for (let k = typed.length; k > 0; k--) changes.push({ range: pos(line, col + k - 1, line, col + k), text: '' });
    }
  }
  return changes.slice(0, edits);
}

/**
 * A Python module with `findings` findings, one per function (an lru_cache without a bound: unbounded-cache),
 * for the target "1,000 findings in the file cost nothing when one statement changes". Six lines a function.
 */
export function manyFindingsPythonFile(findings) {
  const out = ['import functools', '', ''];
  for (let i = 0; i < findings; i++) {
    out.push('@functools.lru_cache(maxsize=None)', `def rate_${i}(code):`, '    if code:', `        value = dict(code=code, rate=${i})`, '    return value', '');
  }
  return out.join('\n');
}
