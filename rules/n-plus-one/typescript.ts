/**
 * n-plus-one (TypeScript/JavaScript): an ORM query run once per row of another query's results, inside
 * `for`/`for...of`/`while` loops and `.forEach`/`.map(async ...)` callbacks (incl. `Promise.all(rows.map(...))`).
 */
import { clip } from '../shared/format';
import { defineRule, type RuleContext } from '../api';
import { nPlusOneMeta } from './meta';
import { SMALL_TABLES_NOTE, tableOfLoopRows } from '../shared/table-names';
import { batchedForm, ORM_READ_WORD, ormCalls, ORM_LABEL } from '../../analysis/typescript/orm';
import { enclosingQueryLoop, firstLine } from '../../analysis/typescript/query-loops';
import { checkRelationLoops } from './typescript-relations';
import { callsOfHelper, namedFunctionOf } from '../../analysis/typescript/helper-calls';
import type { ts } from 'ts-morph';
import type { OrmCall } from '../../analysis/typescript/orm';

export default defineRule({
  meta: {
    ...nPlusOneMeta,
    kinds: ['typescript', 'javascript'],
    fix: 'unsafe',
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
        "project's models module), not from variable names.\n\n" +
        'Also reported in the same loops: TypeORM lazy relations (entity properties typed `Promise<Customer>` or ' +
        'declared `lazy: true`) awaited on each row when the `find` that produced the rows has no `relations` for them, ' +
        'and Sequelize association getters and counters (`await order.getCustomer()`, `order.countItems()`) on each row ' +
        'of a `findAll`, when the project declares the association (`Order.belongsTo(Customer)`, `hasMany(Item, { as: ... })`).',
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
      fixSafety:
        'No automatic fix for per-row queries: the batched query (and how its rows are matched back) depends on the ' +
        'relation. For a TypeORM lazy relation the fix adds it to the `relations` of the `find` (into an existing ' +
        '`relations` array or object, else a new `relations: { customer: true }`), only when the options are an object ' +
        'literal; it is unsafe because a lazy relation loaded this way is serialised by `JSON.stringify` as ' +
        '`__customer__`, which can change API responses. Sequelize getters always query, even when the association was ' +
        'included, so adding `include` alone would not help: the message says to include it and read the property.',
      notes:
        SMALL_TABLES_NOTE +
        'The message names the batched form for the ORM: Prisma `findMany({ where: { id: { in: ids } } })` or `include`; ' +
        'TypeORM `findBy({ id: In(ids) })` or `relations`; Sequelize `findAll({ where: { id: { [Op.in]: ids } } })` or ' +
        '`include`; Mongoose `find({ _id: { $in: ids } })` or `.populate()`. Loops over literal arrays, request data ' +
        'or streaming cursors (`for await (const doc of Model.find().cursor())`), loops over at most 10 rows written in the query (`take: 3`, `limit: 5`), are not reported. A query in a method of the same class ' +
        '(`this.indexRecipe(r.id)`) or a top-level function of the same file that the loop calls once per row is ' +
        'reported on the call in the loop; helpers in other modules are not followed. Prisma and non-lazy TypeORM relations read without ' +
        '`include`/`relations` are `undefined`, not a query, so they are not N+1.',
    },
  },
  check(ctx) {
    checkRelationLoops(ctx);
    const viaHelper = new Set<ts.CallExpression>();
    for (const q of ormCalls(ctx)) {
      const loop = enclosingQueryLoop(ctx, q.call);
      if (!loop) {
        reportHelperCalls(ctx, q, viaHelper);
        continue;
      }
      const iterable = firstLine(loop.iterable.getText());
      const inFlight = loop.concurrent ? ', all in flight at once' : '';
      ctx.report({
        start: q.call.getStart(),
        end: q.call.getEnd(),
        messageId: 'query-per-row',
        table: tableOfLoopRows(loop.iterable, loop.rows),
        data: { call: clip(`${q.target}.${q.method}`, 40) },
        detail:
          `${ORM_LABEL[q.orm]} ${q.target}.${q.method}() runs once per row of ${iterable} ` +
          `(from ${loop.rows.target}.${loop.rows.method}()), 1 + N queries per request${inFlight}. ` +
          `Load them in one query with ${batchedForm(q)}.`,
      });
    }
  },
});

/**
 * A query in a method or function of this file that a loop over another query's rows calls once per row
 * (`for (const r of recipes) await this.indexRecipe(r.id)`, where indexRecipe runs `findUnique`): reported on the
 * call in the loop, once per call site.
 */
function reportHelperCalls(ctx: RuleContext, q: OrmCall, reported: Set<ts.CallExpression>): void {
  const helper = namedFunctionOf(q.call);
  if (!helper) return;
  for (const site of callsOfHelper(helper)) {
    if (reported.has(site)) continue;
    const loop = enclosingQueryLoop(ctx, site);
    if (!loop) continue;
    reported.add(site);
    const line = q.call.getSourceFile().getLineAndCharacterOfPosition(q.call.getStart()).line + 1;
    ctx.report({
      start: site.getStart(),
      end: site.getEnd(),
      messageId: 'query-per-row',
      table: tableOfLoopRows(loop.iterable, loop.rows),
      data: { call: clip(site.expression.getText(), 40) },
      detail:
        `${site.expression.getText()}() runs ${q.target}.${q.method}() (line ${line}) and is called once per row of ` +
        `${firstLine(loop.iterable.getText())} (from ${loop.rows.target}.${loop.rows.method}()), 1 + N queries. ` +
        `Load what it needs for all rows in one query before the loop with ${batchedForm(q)}.`,
    });
  }
}
