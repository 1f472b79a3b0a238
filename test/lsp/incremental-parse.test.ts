/**
 * The analysis worker's incremental reparse (TrackedDocument: text + edited tree) gives exactly the tree and the
 * findings of a fresh parse of the same text, keystroke after keystroke: typing and deleting at line ends, line
 * starts, blank lines and mid-line, inserting and joining lines, CRLF text, whole-range replacements. For
 * TypeScript, also the rules' node index and the nesting guard (kept per top-level statement and per member of a
 * top-level class across ts.updateSourceFile).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import type { Tree } from 'web-tree-sitter';
import { Workspace } from '../../server/src/engine/workspace';
import { parsePython } from '../../server/src/engine/parsers';
import { TrackedDocument } from '../../server/src/lsp/documents';
import { indexOf, indexSubtree, type FileIndex } from '../../analysis/typescript/ast';

const SOURCE = [
  'from django.db import models',
  'from rest_framework.pagination import PageNumberPagination',
  '',
  '',
  'class Pagination(PageNumberPagination):',
  '    page_size = 50',
  '',
  '',
  'class Order(models.Model):',
  '    number = models.CharField(max_length=20)',
  '',
  '    class Meta:',
  '        ordering = ["number"]',
  '',
  '',
  'def export(request):',
  '    for order in Order.objects.all():',
  '        if order.number:',
  '            print(order.number)',
  '    return None',
  '',
  'LIMIT = 10',
  '',
].join('\n');

/** Every node with its type, field, range and error flags, in document order. */
function shape(tree: Tree): string {
  const out: string[] = [];
  const cursor = tree.walk();
  const visit = (): void => {
    const n = cursor.currentNode;
    out.push(`${cursor.currentFieldName ?? ''}:${n.type}@${n.startIndex}-${n.endIndex}/${n.startPosition.row}.${n.startPosition.column}-${n.endPosition.row}.${n.endPosition.column}${n.isMissing ? '!' : ''}${n.isError ? 'E' : ''}`);
    if (cursor.gotoFirstChild()) {
      do visit();
      while (cursor.gotoNextSibling());
      cursor.gotoParent();
    }
  };
  visit();
  cursor.delete();
  return out.join('\n');
}

/** A deterministic pseudo-random sequence (the test must not depend on chance). */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}

describe('language server: incremental Python reparse', function () {
  let dir: string;
  let ws: Workspace;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-incremental-'));
    ws = await Workspace.open({ root: dir });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function check(doc: TrackedDocument, step: string): void {
    const parsed = doc.parsedFile();
    const incremental = ws.analyzeText(doc.path, doc.text, { parsed });
    const tree = parsed.python();
    const fresh = parsePython(doc.text);
    try {
      assert.equal(shape(tree), shape(fresh), `tree after ${step}`);
    } finally {
      fresh.delete();
    }
    doc.adopt(parsed);
    assert.deepEqual(incremental.findings, ws.analyzeText(doc.path, doc.text).findings, `findings after ${step}`);
  }

  function run(text: string, edits: (doc: TrackedDocument, next: () => number) => TextDocumentContentChangeEvent, count: number): void {
    const file = path.join(dir, 'views.py').split(path.sep).join('/');
    const doc = new TrackedDocument(`file://${file}`, file, 'python', 1, text, undefined);
    check(doc, 'open');
    const next = random(42);
    for (let i = 0; i < count; i++) {
      const change = edits(doc, next);
      doc.update([change], i + 2);
      check(doc, `edit ${i + 1} ${JSON.stringify(change)}`);
    }
    doc.dropTree();
  }

  /** Types one character at a line end, line start or mid-line, or deletes one; sometimes a line break. */
  function keystroke(doc: TrackedDocument, next: () => number): TextDocumentContentChangeEvent {
    const lines = doc.text.split(/\r?\n/);
    const line = Math.floor(next() * lines.length);
    const length = lines[line].length;
    const where = next();
    const character = where < 0.4 ? length : where < 0.6 ? 0 : Math.floor(next() * (length + 1));
    if (next() < 0.35 && character > 0) return { range: { start: { line, character: character - 1 }, end: { line, character } }, text: '' };
    if (next() < 0.05 && line + 1 < lines.length) return { range: { start: { line, character: length }, end: { line: line + 1, character: 0 } }, text: '' };
    const typed = ['0', 'x', '_', ' ', ':', '\n', '\n    ', '(', ')', '"', '#'][Math.floor(next() * 11)];
    return { range: { start: { line, character }, end: { line, character } }, text: typed };
  }

  it('matches a fresh parse after each of 150 keystrokes (LF)', () => {
    run(SOURCE, keystroke, 150);
  });

  it('matches a fresh parse after each of 60 keystrokes (CRLF)', () => {
    run(SOURCE.replace(/\n/g, '\r\n'), keystroke, 60);
  });

  it('matches a fresh parse when typing and deleting at the end of a block and on blank lines', () => {
    const at = (line: number, character: number, text: string, endCharacter = character): TextDocumentContentChangeEvent => ({
      range: { start: { line, character }, end: { line, character: endCharacter } },
      text,
    });
    const script = [at(5, 18, '0'), at(5, 19, '0'), at(5, 19, '', 20), at(5, 18, '', 19), at(6, 0, 'x'), at(6, 0, '', 1), at(19, 15, 'x'), at(19, 15, '', 16), at(12, 29, ','), at(12, 29, '', 30), at(20, 0, '    '), at(20, 0, '', 4)];
    let i = 0;
    run(SOURCE, () => script[i++], script.length);
  });

  it('matches a fresh parse after replacing whole ranges of lines', () => {
    run(SOURCE, (doc, next) => {
      const lines = doc.text.split('\n');
      const a = Math.floor(next() * lines.length);
      const b = Math.min(lines.length - 1, a + Math.floor(next() * 4));
      return { range: { start: { line: a, character: 0 }, end: { line: b, character: lines[b].length } }, text: next() < 0.5 ? '' : 'def f():\n    return 1' };
    }, 30);
  });
});

const EXPRESS_TS = [
  "import express from 'express';",
  "import { PrismaClient } from '@prisma/client';",
  '',
  'const prisma = new PrismaClient();',
  'const app = express();',
  'const seen = new Map<string, number>();',
  '',
  "app.get('/orders', async (req, res) => {",
  '  const orders = await prisma.order.findMany();',
  '  for (const o of orders) {',
  '    const items = await prisma.item.findMany({ where: { orderId: o.id } });',
  '    seen.set(String(o.id), items.length);',
  '  }',
  '  res.json(orders);',
  '});',
  '',
  'export function total(values: number[]): number {',
  '  let sum = 0;',
  '  for (const v of values) sum += v;',
  '  return sum;',
  '}',
  '',
].join('\n');

/** A module that is one class (as mikro-orm's drivers are): the node index and the depth guard are kept per member. */
const CLASS_TS = [
  "import { Sequelize } from 'sequelize';",
  "import { Order, Customer } from './models';",
  '',
  'Order.belongsTo(Customer);',
  '',
  'export class OrderService {',
  '  private readonly cache = new Map<string, number>();',
  '',
  '  constructor(private readonly db: Sequelize) {}',
  '',
  '  async report(): Promise<number> {',
  '    const orders = await Order.findAll();',
  '    let total = 0;',
  '    for (const order of orders) {',
  '      const customer = await order.getCustomer();',
  '      total += customer ? 1 : 0;',
  '    }',
  '    return total;',
  '  }',
  '',
  '  get size(): number {',
  '    return this.cache.size;',
  '  }',
  '',
  '  remember(key: string, value: number): void {',
  '    this.cache.set(key, value);',
  '    delete (this as any).stale;',
  '  }',
  '',
  '  static {',
  '    console.log(new Date().toISOString());',
  '  }',
  '}',
  '',
].join('\n');

/**
 * A Nest service: what is kept per method node across keystrokes (a method's DTO page-size reads) and a helper's
 * callers found through the file's call index, against a fresh parse.
 */
const SERVICE_TS = [
  "import { Injectable } from '@nestjs/common';",
  "import { InjectRepository } from '@nestjs/typeorm';",
  "import { IsInt, Min } from 'class-validator';",
  "import { Repository } from 'typeorm';",
  "import { PrismaClient } from '@prisma/client';",
  "import { User } from './user.entity';",
  '',
  'const prisma = new PrismaClient();',
  '',
  'export class PageDto {',
  '  @IsInt()',
  '  @Min(1)',
  '  limit: number;',
  '}',
  '',
  '@Injectable()',
  'export class UserService {',
  '  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}',
  '',
  '  async list(dto: PageDto) {',
  '    const { limit } = dto;',
  '    return this.users.find({ take: limit });',
  '  }',
  '',
  '  async names() {',
  '    const users = await prisma.user.findMany({ where: { active: true } });',
  '    const out = [];',
  '    for (const u of users) {',
  '      out.push(await this.one(u.id));',
  '    }',
  '    return out;',
  '  }',
  '',
  '  async one(id: number) {',
  '    return prisma.user.findUnique({ where: { id } });',
  '  }',
  '}',
  '',
].join('\n');

/** The same nodes (identity) in the same order, list by list. */
function sameIndex(a: FileIndex, b: FileIndex): boolean {
  const same = (x: readonly unknown[], y: readonly unknown[]) => x.length === y.length && x.every((n, i) => n === y[i]);
  return (
    same(a.calls, b.calls) && same(a.news, b.news) && same(a.assignments, b.assignments) && same(a.deletes, b.deletes) &&
    same(a.variables, b.variables) && same(a.functions, b.functions) && same(a.classes, b.classes) &&
    a.accesses.size === b.accesses.size && [...b.accesses].every(([k, v]) => same(a.accesses.get(k) ?? [], v))
  );
}

describe('language server: incremental TypeScript reparse', function () {
  let dir: string;
  let ws: Workspace;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-incremental-ts-'));
    fs.writeFileSync(path.join(dir, 'package.json'), '{"dependencies": {"express": "^4", "@prisma/client": "^5"}}');
    ws = await Workspace.open({ root: dir });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const [name, original] of [['server.ts', EXPRESS_TS], ['order-service.ts', CLASS_TS], ['user-service.ts', SERVICE_TS]] as const)
  it(`gives the findings and node index of a fresh parse after each of 200 random edits (${name})`, () => {
    const file = path.join(dir, name).split(path.sep).join('/');
    const doc = new TrackedDocument(`file://${file}`, file, 'typescript', 1, original, undefined);
    const next = random(7);
    const pieces = ['x', ' ', '(', ')', '{', '}', ';', '\n', 'foo()', '.bar', "'", '/*', '*/', '`', ''];
    for (let i = 0; i <= 200; i++) {
      if (i > 0) {
        const text = doc.text;
        const at = Math.floor(next() * text.length);
        const removed = next() < 0.4 ? Math.floor(next() * 5) : 0;
        const start = doc.doc.positionAt(at);
        const end = doc.doc.positionAt(Math.min(text.length, at + removed));
        doc.update([{ range: { start, end }, text: pieces[Math.floor(next() * pieces.length)] }], i + 1);
        // Now and then back to the original text, as a revert does.
        if (i % 50 === 0) doc.update([{ text: original }], i + 1);
      }
      const parsed = doc.parsedFile();
      const incremental = ws.analyzeText(doc.path, doc.text, { parsed });
      const sf = parsed.typescript();
      doc.adopt(parsed);
      if (i === 0) assert.ok(incremental.findings.length >= (original === CLASS_TS ? 1 : 2), `findings expected in the original text: ${JSON.stringify(incremental.findings.map((f) => f.ruleId))}`);
      assert.ok(sameIndex(indexOf(sf), indexSubtree(sf)), `node index after edit ${i}`);
      const fresh = ws.analyzeText(doc.path, doc.text);
      assert.deepEqual(incremental.findings, fresh.findings, `findings after edit ${i}`);
      assert.deepEqual(incremental.notes, fresh.notes, `notes after edit ${i}`);
    }
  });

  it('notices nesting too deep typed into one member of a class, and analyses again once it is gone', () => {
    const file = path.join(dir, 'deep-service.ts').split(path.sep).join('/');
    const doc = new TrackedDocument(`file://${file}`, file, 'typescript', 1, CLASS_TS, undefined);
    const analyze = () => {
      const parsed = doc.parsedFile();
      const r = ws.analyzeText(doc.path, doc.text, { parsed });
      doc.adopt(parsed);
      return r;
    };
    const before = analyze();
    assert.ok(before.findings.some((f) => f.ruleId === 'n-plus-one'), JSON.stringify(before.findings.map((f) => f.ruleId)));
    // Inside `remember` (line 25): a concatenation of 1,100 terms, a tree 1,100 levels deep.
    const deep = `    const x = ${Array(1100).fill("'a'").join(' + ')};\n`;
    doc.update([{ range: { start: { line: 25, character: 0 }, end: { line: 25, character: 0 } }, text: deep }], 2);
    const tooDeep = analyze();
    assert.deepEqual(tooDeep.notes.map((n) => n.message), ['not analysed: nesting too deep (a syntax tree over 1000 levels deep)']);
    assert.deepEqual(tooDeep.findings, []);
    doc.update([{ range: { start: { line: 25, character: 0 }, end: { line: 26, character: 0 } }, text: '' }], 3);
    const again = analyze();
    assert.deepEqual(again.notes, []);
    assert.deepEqual(again.findings, before.findings);
  });
});
