/**
 * Per-keystroke cost of the TypeScript rules: generates a ~3,000-line Express + Prisma file in memory, applies
 * 200 single-character edits (each to the original text, as an editor sends one version per keystroke) and
 * times one full analysis per edit through `Analyzer.analyzeText`: parse + every rule that runs on TypeScript.
 * Also shows the parse and the rules separately. Numbers depend on the machine and its load (printed).
 *
 *   npx tsx scripts/bench-ts.ts [--edits 200] [--lines 3000]
 */
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import { ts } from 'ts-morph';
import { allRules } from '../rules/index';
import { Analyzer, ParsedFile } from '../server/src/engine/analyzer';
import { defaultConfig } from '../server/src/engine/config';
import { initParsers } from '../server/src/engine/parsers';

const RESOURCES = ['user', 'order', 'product', 'invoice', 'customer', 'review', 'shipment', 'coupon', 'category', 'supplier'];

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** One resource's routes: list, show, create, update, delete, a related-rows endpoint, an export, helpers. */
function resourceBlock(name: string, n: number): string {
  const model = `${name}${n}`;
  const Type = model[0].toUpperCase() + model.slice(1);
  // Every fourth block carries a real problem, as a real codebase would.
  const nPlusOne = n % 4 === 0;
  const cached = n % 7 === 0;
  return `
// ---- ${model} ---------------------------------------------------------------------------------------

type ${Type}Input = { name: string; description?: string; ownerId: string; tags?: string[] };
${cached ? `const ${model}Cache = new Map<string, unknown>();\n` : ''}
function serialize${Type}(row: { id: string; name: string; createdAt: Date; ownerId: string }) {
  return { id: row.id, name: row.name, owner: row.ownerId, created: row.createdAt.toISOString() };
}

function parse${Type}(body: unknown): ${Type}Input {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b.name !== 'string' || b.name.length === 0) throw new HttpError(400, 'name is required');
  if (typeof b.ownerId !== 'string') throw new HttpError(400, 'ownerId is required');
  return { name: b.name, description: typeof b.description === 'string' ? b.description : undefined, ownerId: b.ownerId };
}

router.get('/${model}s', async (req: Request, res: Response) => {
  const page = Math.max(0, Number(req.query.page ?? 0));
  const rows = await prisma.${model}.findMany({
    where: { deletedAt: null, name: req.query.q ? { contains: String(req.query.q) } : undefined },
    orderBy: { createdAt: 'desc' },
    take: PAGE_SIZE,
    skip: page * PAGE_SIZE,
  });
  res.json({ page, rows: rows.map(serialize${Type}) });
});

router.get('/${model}s/:id', async (req, res, next) => {
  try {${cached ? `
    const hit = ${model}Cache.get(req.params.id);
    if (hit) return res.json(hit);` : ''}
    const row = await prisma.${model}.findUnique({ where: { id: req.params.id } });
    if (!row) return res.sendStatus(404);${cached ? `
    ${model}Cache.set(req.params.id, serialize${Type}(row));` : ''}
    res.json(serialize${Type}(row));
  } catch (err) {
    next(err);
  }
});

router.post('/${model}s', requireUser, async (req, res) => {
  const input = parse${Type}(req.body);
  const created = await prisma.${model}.create({ data: { ...input, createdById: req.user!.id } });
  res.status(201).json(serialize${Type}(created));
});

router.put('/${model}s/:id', requireUser, async (req, res) => {
  const input = parse${Type}(req.body);
  const updated = await prisma.${model}.update({ where: { id: req.params.id }, data: input });
  res.json(serialize${Type}(updated));
});

router.delete('/${model}s/:id', requireUser, async (req, res) => {
  await prisma.${model}.update({ where: { id: req.params.id }, data: { deletedAt: new Date() } });
  res.sendStatus(204);
});

router.get('/${model}s/:id/owners', async (req, res) => {
  const rows = await prisma.${model}.findMany({ where: { parentId: req.params.id }, take: 20 });${nPlusOne ? `
  const owners = [];
  for (const row of rows) {
    owners.push(await prisma.user.findUnique({ where: { id: row.ownerId } }));
  }` : `
  const owners = await prisma.user.findMany({ where: { id: { in: rows.map((r) => r.ownerId) } } });`}
  res.json(owners.filter(Boolean).map((o) => ({ id: o!.id, email: o!.email })));
});

router.get('/${model}s/export.csv', requireAdmin, async (req, res) => {
  res.type('text/csv');
  res.write('id,name,created\\n');
  let cursor: string | undefined;
  for (;;) {
    const batch = await prisma.${model}.findMany({ take: 500, ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}), orderBy: { id: 'asc' } });
    if (batch.length === 0) break;
    for (const row of batch) res.write(\`\${row.id},\${JSON.stringify(row.name)},\${row.createdAt.toISOString()}\\n\`);
    cursor = batch[batch.length - 1].id;
  }
  res.end();
});
`;
}

function generate(targetLines: number): string {
  const header = `import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import multer from 'multer';
import { LRUCache } from 'lru-cache';
import { PrismaClient } from '@prisma/client';

const prisma = new PrismaClient();
const app = express();
const router = express.Router();
const PAGE_SIZE = 50;
const UPLOAD_DIR = process.env.UPLOAD_DIR ?? '/var/data/uploads';
const upload = multer({ dest: UPLOAD_DIR, limits: { fileSize: 5 * 1024 * 1024 } });
const sessions = new LRUCache<string, { userId: string }>({ max: 10_000, ttl: 3_600_000 });

app.use(express.json({ limit: '1mb' }));
app.use(express.urlencoded({ extended: true, limit: '1mb' }));

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

declare global {
  namespace Express {
    interface Request {
      user?: { id: string; role: string };
    }
  }
}

function requireUser(req: Request, res: Response, next: NextFunction) {
  const token = req.header('authorization')?.replace(/^Bearer /, '');
  const session = token ? sessions.get(token) : undefined;
  if (!session) return res.sendStatus(401);
  req.user = { id: session.userId, role: 'user' };
  next();
}

function requireAdmin(req: Request, res: Response, next: NextFunction) {
  requireUser(req, res, () => (req.user?.role === 'admin' ? next() : res.sendStatus(403)));
}

router.post('/uploads', upload.single('file'), async (req, res) => {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(req.file!.path)) hash.update(chunk);
  res.json({ sha256: hash.digest('hex'), name: path.basename(req.file!.originalname) });
});
`;
  const footer = `
app.use('/api', router);
app.use((err: Error, req: Request, res: Response, _next: NextFunction) => {
  res.status(err instanceof HttpError ? err.status : 500).json({ error: err.message });
});

app.listen(Number(process.env.PORT ?? 3000));
`;
  const blocks: string[] = [];
  let lines = header.split('\n').length + footer.split('\n').length;
  for (let n = 0; lines < targetLines; n++) {
    const block = resourceBlock(RESOURCES[n % RESOURCES.length], n);
    blocks.push(block);
    lines += block.split('\n').length;
  }
  return header + blocks.join('') + footer;
}

/** Deterministic pseudo-random numbers, so runs are comparable. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

/** One keystroke: insert a letter or delete a character at a random offset. */
function singleCharEdit(text: string, rnd: () => number): string {
  const at = Math.floor(rnd() * text.length);
  if (rnd() < 0.5) return text.slice(0, at) + 'abcdefghijklmnopqrstuvwxyz'[Math.floor(rnd() * 26)] + text.slice(at);
  return text.slice(0, at) + text.slice(at + 1);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const edits = arg('edits', 200);
  const text = generate(arg('lines', 3000));
  await initParsers();
  const analyzer = new Analyzer(allRules, defaultConfig(), { files: () => [], readFile: () => undefined });
  const filePath = '/bench/src/routes/api.ts';
  const relPath = 'src/routes/api.ts';
  const tsRules = [...new Set(allRules.filter((r) => r.meta.kinds.includes('typescript')).map((r) => r.meta.id))];

  const baseline = analyzer.analyzeText(filePath, relPath, text);
  for (let i = 0; i < 10; i++) analyzer.analyzeText(filePath, relPath, singleCharEdit(text, random(1000 + i))); // warm up the JIT

  const rnd = random(7);
  const total: number[] = [];
  const parseOnly: number[] = [];
  const rulesOnly: number[] = [];
  let findings = 0;
  for (let i = 0; i < edits; i++) {
    const edited = singleCharEdit(text, rnd);
    // The number asked for: one full analysis, as the editor runs it per keystroke.
    const t0 = performance.now();
    const result = analyzer.analyzeText(filePath, relPath, edited);
    const t1 = performance.now();
    total.push(t1 - t0);
    findings += result.findings.length;
    // The same edit split into its two parts, to see where the time goes.
    const parsed = new ParsedFile(filePath, edited);
    const t2 = performance.now();
    parsed.typescript();
    const t3 = performance.now();
    analyzer.analyzeText(filePath, relPath, edited, { parsed });
    const t4 = performance.now();
    parseOnly.push(t3 - t2);
    rulesOnly.push(t4 - t3);
  }
  for (const list of [total, parseOnly, rulesOnly]) list.sort((a, b) => a - b);
  const fmt = (n: number) => n.toFixed(1);
  console.log(`file: ${text.split('\n').length} lines, ${text.length} chars; ${baseline.findings.length} findings unedited (${[...new Set(baseline.findings.map((f) => f.ruleId))].join(', ') || 'none'})`);
  console.log(`TS rules: ${tsRules.join(', ')}`);
  console.log(`${edits} single-character edits, one full analysis (parse + all TS rules) each, ${(findings / edits).toFixed(1)} findings on average`);
  console.log(`analysis  p50 ${fmt(percentile(total, 50))} ms  p95 ${fmt(percentile(total, 95))} ms  max ${fmt(total[total.length - 1])} ms`);
  console.log(`  parse   p50 ${fmt(percentile(parseOnly, 50))} ms  p95 ${fmt(percentile(parseOnly, 95))} ms  (TypeScript ${ts.version} createSourceFile)`);
  console.log(`  rules   p50 ${fmt(percentile(rulesOnly, 50))} ms  p95 ${fmt(percentile(rulesOnly, 95))} ms  (all TS rules on an already parsed file)`);
  console.log(`machine: ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
