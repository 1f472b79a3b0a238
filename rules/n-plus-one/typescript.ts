/**
 * n-plus-one (TypeScript/JavaScript): an ORM query run once per row of another query's results, inside
 * `for`/`for...of`/`while` loops and `.forEach`/`.map(async ...)` callbacks (incl. `Promise.all(rows.map(...))`).
 */
import { clip } from '../shared/format';
import { ts } from 'ts-morph';
import { defineRule, type RuleContext } from '../api';
import { isFunctionNode, methodCall, unwrap } from '../../analysis/typescript/ast';
import { batchedForm, ORM_READ_WORD, ormCalls, queryResultSource, ORM_LABEL, type OrmCall } from '../../analysis/typescript/orm';

const ITERATION_METHODS = new Set(['map', 'forEach', 'flatMap', 'filter', 'reduce', 'some', 'every', 'find', 'findIndex']);

interface QueryLoop {
  /** The expression the loop walks (`posts`, `users.map`'s `users`). */
  iterable: ts.Expression;
  /** The query that produced those rows. */
  rows: OrmCall;
  /** `Promise.all(rows.map(async ...))`: every per-row query is in flight at once. */
  concurrent: boolean;
}

export default defineRule({
  meta: {
    id: 'n-plus-one',
    kinds: ['typescript', 'javascript'],
    defaultSeverity: 'warning',
    fix: 'none',
    // A loop and an ORM read method by name (ormCalls recognises nothing else): most TS/JS files have a loop.
    trigger: { test: (text) => /\bfor\b|while|forEach|\.map\(|flatMap|reduce/.test(text) && ORM_READ_WORD.test(text) },
    docs: {
      summary: 'A database query run once per row of another query (N+1), in TypeScript/JavaScript.',
      whatItDoes:
        'Finds Prisma, TypeORM, Sequelize and Mongoose reads (`prisma.x.findUnique/findFirst/findMany`, TypeORM ' +
        '`findOne*`/`find*` and query builders, Sequelize `findByPk/findOne/findAll`, Mongoose `findById/findOne/find`) ' +
        'inside a `for`, `for...of`, `while`, `.forEach` or `.map(async ...)` (including `Promise.all(rows.map(...))`) ' +
        "that walks the results of another query. ORM clients are recognised from the file's imports and bindings " +
        '(`new PrismaClient()`, `getRepository(User)`, `@InjectRepository`, `mongoose.model`, models imported from the ' +
        "project's models module), not from variable names.",
      whyIsThisBad:
        'One page of 500 orders becomes 501 queries: each round trip waits on the database, holds a pooled connection, ' +
        'and allocates its own result objects. With `Promise.all(rows.map(...))` all of them are in flight at once, so ' +
        'the connection pool queues, request latency grows with the table, and every per-row result set sits in the ' +
        'heap until the slowest one returns.',
      example: {
        fileName: 'routes/posts.ts',
        code: `import express from 'express';
import { PrismaClient } from '@prisma/client';

const prisma = new PrismaClient();
const router = express.Router();

router.get('/posts', async (req, res) => {
  const posts = await prisma.post.findMany({ take: 50 });
  const withAuthors = await Promise.all(
    posts.map(async (post) => ({
      ...post,
      author: await prisma.user.findUnique({ where: { id: post.authorId } }),
    })),
  );
  res.json(withAuthors);
});

export default router;
`,
      },
      useInstead: {
        fileName: 'routes/posts.ts',
        code: `import express from 'express';
import { PrismaClient } from '@prisma/client';

const prisma = new PrismaClient();
const router = express.Router();

router.get('/posts', async (req, res) => {
  const posts = await prisma.post.findMany({ take: 50, include: { author: true } });
  res.json(posts);
});

export default router;
`,
      },
      fixSafety: 'No automatic fix: the batched query (and how its rows are matched back) depends on the relation.',
      notes:
        'The message names the batched form for the ORM: Prisma `findMany({ where: { id: { in: ids } } })` or `include`; ' +
        'TypeORM `findBy({ id: In(ids) })` or `relations`; Sequelize `findAll({ where: { id: { [Op.in]: ids } } })` or ' +
        '`include`; Mongoose `find({ _id: { $in: ids } })` or `.populate()`. Loops over literal arrays, request data ' +
        'or streaming cursors (`for await (const doc of Model.find().cursor())`) are not reported, nor are queries ' +
        'made by helper functions called from the loop.',
    },
  },
  check(ctx) {
    for (const q of ormCalls(ctx)) {
      const loop = enclosingQueryLoop(ctx, q.call);
      if (!loop) continue;
      const iterable = firstLine(loop.iterable.getText());
      const inFlight = loop.concurrent ? ', all in flight at once' : '';
      ctx.report({
        start: q.call.getStart(),
        end: q.call.getEnd(),
        message: `${clip(`${q.target}.${q.method}`, 40)}() runs once per row, 1 + N queries per request: batch it into one`,
        detail:
          `${ORM_LABEL[q.orm]} ${q.target}.${q.method}() runs once per row of ${iterable} ` +
          `(from ${loop.rows.target}.${loop.rows.method}()), 1 + N queries per request${inFlight}. ` +
          `Load them in one query with ${batchedForm(q)}.`,
      });
    }
  },
});

/** The innermost loop around a call (within its function, or through iteration callbacks) that walks a query's rows. */
function enclosingQueryLoop(ctx: RuleContext, call: ts.CallExpression): QueryLoop | undefined {
  let child: ts.Node = call;
  for (let n = call.parent; n; child = n, n = n.parent) {
    let iterables: ts.Expression[] = [];
    let concurrent = false;
    if ((ts.isForOfStatement(n) || ts.isForInStatement(n)) && child === n.statement) iterables = [n.expression];
    else if (ts.isForStatement(n) && child === n.statement) iterables = lengthReads(n.condition);
    else if ((ts.isWhileStatement(n) || ts.isDoStatement(n)) && child === n.statement) iterables = lengthReads(n.expression);
    else if (isFunctionNode(n)) {
      const iteration = iterationCallOf(n);
      if (!iteration) return undefined; // a function of its own: not this loop's body
      iterables = [iteration.object];
      concurrent = iteration.name === 'map' || iteration.name === 'flatMap';
      if (concurrent && !isAwaitedTogether(iteration.call)) concurrent = false;
    }
    for (const iterable of iterables) {
      const rows = queryResultSource(ctx, iterable);
      if (rows && rows.call !== call) return { iterable, rows, concurrent };
    }
  }
  return undefined;
}

/** `rows.map(fn)` / `rows.forEach(fn)` for a callback `fn`. */
function iterationCallOf(fn: ts.Node): { call: ts.CallExpression; object: ts.Expression; name: string } | undefined {
  const call = fn.parent;
  if (!call || !ts.isCallExpression(call) || !call.arguments.some((a) => unwrap(a) === fn)) return undefined;
  const m = methodCall(call);
  if (!m || !ITERATION_METHODS.has(m.name)) return undefined;
  return { call, object: m.object, name: m.name };
}

/** `Promise.all(rows.map(...))` (or `allSettled`). */
function isAwaitedTogether(mapCall: ts.CallExpression): boolean {
  let p: ts.Node = mapCall.parent;
  while (p && ts.isParenthesizedExpression(p)) p = p.parent;
  if (!p || !ts.isCallExpression(p)) return false;
  const m = methodCall(p);
  return m !== undefined && /^(all|allSettled)$/.test(m.name) && ts.isIdentifier(m.object) && m.object.text === 'Promise';
}

/** The `x` of every `x.length` in a loop condition (`i < rows.length`, `while (queue.length)`). */
function lengthReads(condition: ts.Expression | undefined): ts.Expression[] {
  const out: ts.Expression[] = [];
  if (!condition) return out;
  const visit = (n: ts.Node): void => {
    if (ts.isPropertyAccessExpression(n) && n.name.text === 'length') out.push(n.expression);
    ts.forEachChild(n, visit);
  };
  visit(condition);
  return out;
}

function firstLine(text: string): string {
  const line = text.split('\n')[0].trim();
  return line.length > 40 ? `${line.slice(0, 37)}...` : line;
}
