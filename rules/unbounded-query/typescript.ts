/**
 * unbounded-query: ORM list queries in request-handling code that load every matching row
 * (Prisma `findMany()` without `take`, TypeORM `find()`/`getMany()` without `take`, Sequelize `findAll()`
 * without `limit`, Mongoose `find()` without `.limit()`/`.cursor()`).
 */
import { clip } from '../shared/format';
import { ts } from 'ts-morph';
import { defineRule, type FixSpec, type OffsetEdit, type RuleContext } from '../api';
import { asObjectLiteral, declarationOf, eol, hasSpread, hasSyntaxErrors, indentAt, objectProperty, objectPropertyValue, propertyName, unwrap } from '../../analysis/typescript/ast';
import { prismaModelNeverWritten } from '../../analysis/typescript/prisma-writes';
import { addedByAnyUser, writtenOnlyByCurators } from '../../analysis/typescript/table-writers';
import { FEW_TABLES_DOC, fewByName } from '../../analysis/few-by-name';
import { modelNamed, oneRowPerDay, prismaSchemaFor, type PrismaModel, type PrismaSchema } from '../../analysis/typescript/prisma-schema';
import { insertIntoArguments, insertObjectProperty } from '../shared/typescript-edits';
import { inRequestHandler, isOfflineFile } from '../../analysis/typescript/handlers';
import { inServerAction } from '../../analysis/typescript/per-request';
import { reachedFromRequests } from '../../analysis/typescript/request-reach';
import { neverCalled } from '../../analysis/typescript/uncalled';
import type { RequestCaller } from '../../analysis/typescript/import-graph';
import { chainMethods, mongooseCallback, ormCalls, ORM_LABEL, type OrmCall } from '../../analysis/typescript/orm';
import { optionalBound, type OptionalBound } from '../../analysis/typescript/optional-bound';
import { describeRawSelect, mayRunRawSelect, rawSelects } from './raw-sql';
import { unboundedPopulate, type UnboundedPopulate } from './mongoose-populate';
import { callerChosenLimit, inPaginateStatic } from './mongoose-paginate';
import { DATE_NAME, recentRowsOfOneParent, withinFixedWindow } from './time-window';
import { mayReadNative, nativeMongoReads, pipelineStages, reducesRows } from './mongodb-native';
import { knexReads, mayReadKnex, seededKnexTable } from './knex';
import { indexOf } from '../../analysis/typescript/ast';
import { builderMatchesOneRow, looksUpByKey, matchesOneRow, onePerGroupMember, readAsOneRow } from './few-rows';
import { childrenOfOneParent, namedCatalogue, selectsAdministrators } from './one-parent';
import { childOfTransaction, ownName } from '../../analysis/typescript/child-rows';
import { unboundedTypeormRelation } from './typeorm-relations';
import { openItemsOfOneParty } from './open-work';
import { keysOfUnboundedList } from './listed-parents';
import { cappedByCount } from './count-cap';
import { whereBranches } from './where-branches';
import { keptAsOneRow } from './singleton-table';
import { searchedInMemory } from './searched-relation';
import { mayLookUp, unboundedLookups } from './mongo-lookup';
import { drizzleReads, mayReadDrizzle, unboundedWith, type DrizzleCondition, type DrizzleRead } from './drizzle';
import { drizzleSchemaFor, drizzleTable } from '../../analysis/typescript/drizzle-schema';
import { SMALL_TABLES_NOTE, tableOfOrmCall } from '../shared/table-names';

/** Chain calls that bound or stream a Mongoose query / TypeORM query builder. */
const BOUNDING_CHAIN = new Set(['limit', 'take', 'cursor', 'stream', 'eachAsync', 'paginate', 'countDocuments', 'count', 'distinct', 'findOne']);

export default defineRule({
  meta: {
    id: 'unbounded-query',
    messages: {
      unbounded: '{{what}} loads every matching row per request: page it',
      'client-chosen-size': '{{what}} lets the client pick {{key}} with no maximum: cap it at {{limit}}',
      'optional-bound': '{{what}} loads all rows unless {{condition}}',
      'unbounded-include': '{{what}} includes every row of {{relation}}: give the relation a take',
      'unbounded-populate': '{{what}} populates every {{relation}} document: give it a perDocumentLimit',
      'unbounded-lookup': '{{what}} joins every {{relation}} document with $lookup: limit it in its pipeline',
    },
    kinds: ['typescript', 'javascript'],
    defaultSeverity: 'warning',
    fix: 'unsafe',
    trigger: /\.populate\s*\(|\$lookup\b|\.aggregate\s*[(<]|\brelations\s*:|\.(query|execute)\s*(<[^>]*>)?\s*\(\s*[`'"]\s*[sS][eE][lL][eE][cC][tT]\b|[`'"]\s*[sS][eE][lL][eE][cC][tT]\s[^`'"]*\b(from|FROM)\b|findMany|findUnique|findFirst|\bfind(By|AndCount|AndCountBy|All|AndCountAll)?\s*[(<]|getMany|getRawMany|\.toArray\s*\(|\w\s*\(\s*['"`][\w.]+['"`]\s*\)\s*\.\s*(select|where|orderBy)\b|\bselect(Distinct(On)?)?\s*\(\s*(\{[^()]*\})?\s*\)\s*\.\s*from\s*\(/,
    options: {
      suggestedLimit: { type: 'number', default: 100, description: 'The page size the fix adds (`take: N` / `limit: N`).' },
    },
    docs: {
      summary: 'ORM list queries in request handlers with no row limit.',
      whatItDoes:
        'Finds list queries in request-handling code (Express/Fastify/Koa/Hono route callbacks, Nest controllers, ' +
        'resolvers and services, type-graphql resolvers, tsoa `@Route` and routing-controllers `@JsonController` classes, repositories and DAOs (`dao/Users.dao.js`), GraphQL data sources (`datasources/`, `CheckInDataSource.ts`), Next.js route handlers (also a scheduler\'s `app/api/cron/**/route.ts`), pages and server actions (`\'use server\'` modules and functions, an app-router `action/` folder), tRPC and oRPC procedures (`os.input(schema).handler(...)`), Socket.IO/ws connection callbacks and the socket events they register, and the functions they call, ' +
        'also in other modules: a server-only helper (`lib/server/responses.ts`, `services/items.js`, `models/item.js`) that a route, page or ' +
        'handler imports and calls (also a method of an imported class the caller holds an instance of: `const repo = FormRepo.of()` or `new FormRepo()`, then `repo.getForms()`), directly or through up to three modules; imports are followed through relative paths, tsconfig ' +
        '`paths`/`baseUrl` aliases (`@/lib/...`), index files, re-exports and `require`) that return every matching row: ' +
        'Prisma `findMany()` without `take`, TypeORM `find()`/`findBy()`/`findAndCount()` without `take` and query ' +
        'builders ending in `getMany()`/`getRawMany()` without `.take()`/`.limit()`, Sequelize `findAll()`/' +
        '`findAndCountAll()` without `limit`, Mongoose `find()` without `.limit()` or `.cursor()` (also the Mongoose 5 callback form `Model.find(filter, (err, docs) => ...)`, reported without a fix), Knex builder reads awaited or returned without `.limit()`/`.first()` (`await db(\'appointments\').select(\'*\')`, `db(\'orders\').where({ status })`, where `db` is a `knex(config)` of the file or of a relative module it imports; a table only seeds or the init script that creates it insert into is not reported), and the native MongoDB driver\'s `collection(\'x\').find(q).toArray()` ' +
        '(or a `Collection` variable\'s) without `.limit()` or a `limit` option, and `aggregate(pipeline).toArray()` whose pipeline has no ' +
        '`$limit` and no reducing stage (`$group`, `$count`, `$facet`); `findOne` and a cursor iterated with `for await` are not whole reads. ' +
        'An aggregate (Mongoose or native) whose `$lookup` joins to each result every document of a growing collection (reviews, comments, orders) that points at it ' +
        "(`foreignField: 'productId'`), with no `$limit` in the lookup's own pipeline and no later stage that drops or slices the joined array, is reported too; a to-one join (`foreignField: '_id'`) is not. " +
        'Drizzle ORM too, in a project that declares Drizzle tables: a relational `db.query.events.findMany()` with no `limit`, a select `await db.select().from(events).where(...)` with no `.limit()` ' +
        '(not a subquery, a `$dynamic()` builder, a `groupBy` or a select of aggregates), judged by the same scope checks read off the where (`eq(t.userId, id)`, `inArray(t.id, ids)`, ' +
        '`eq(t.id, id)`; a where the code builds elsewhere or writes in SQL is taken as bounded), and a bounded read (`findFirst`, a `findMany` with `limit`) whose ' +
        '`with: { payments: true }` loads a to-many relation (`many(payments)` in the schema\'s `relations()`) of stamped rows named for what piles up, with no `limit` of its own (`unbounded-include`). ' +
        'Clients are recognised from their imports (`@prisma/client`, `typeorm`, `sequelize`, `mongoose`, the ' +
        "project's models module, also `./sequelize/CheckInModel` and sequelize-cli's `require('../models/video')(sequelize, DataTypes)`), not from variable names; a Prisma client also when a repository method takes it as a " +
        'parameter (`findAll(tx: PrismaTransaction = this.db)`, a transaction\'s client or the class\'s own), and the `ctx.prisma` / ' +
        '`ctx.db` of a resolver\'s or tRPC procedure\'s context in a project that depends on @prisma/client (create-t3-app; not with Drizzle). TypeORM custom ' +
        'repositories too: `this.find()` (or `super.findAndCount(query)`) inside `class X extends Repository<E>` or `getRepository(E).extend({...})`, and a ' +
        "service's member typed `typeof UserRepository` / `UserRepository` when the module it is imported from declares it so. " +
        'Scripts, migrations, seeds and tests are not request code. A Prisma model only a seed fills is not reported: no ' +
        'file of the project outside scripts and seeds creates or upserts it, no other model relates to it, raw writes are absent, ' +
        'and the project does write other models (a seeded catalogue holds what was seeded). Nor, for every ORM, is a table whose ' +
        'rows only seeds, seeders and scripts add (Sequelize `queryInterface.bulkInsert`, `Model.create` in a seed), or only ' +
        'administrators: every writer (Prisma `create`/`upsert`, Mongoose `create`/`insertMany`/`new Model(...)`, Sequelize ' +
        '`create`/`bulkCreate`/`findOrCreate`, TypeORM `save`/`insert`, raw `INSERT INTO`) is reached only from a Nest route ' +
        'guarded for administrators (`@UseGuards(AdminGuard)`, `@Roles(Role.Admin)`), an Express route behind an admin middleware ' +
        '(`router.post(\'/\', authenticate.admin, controller.add)`, `validateRole([Role.ADMIN])`), a tRPC `adminProcedure`, or a ' +
        'handler that refuses non-admins first, followed from repository to service to controller; and the model is a catalogue: no ' +
        'date field of its own (gift codes valid until a day pile up) and not one row per account (`userId @unique`, `@OneToOne`). ' +
        'A write the code does not name a model for (`models[name].create`, `this.model.create` in a generic base, ' +
        '`INSERT INTO ${table}`, a stored procedure) counts as a write of every table. ' +
        'It also finds a bound the client picks with no maximum: `take: Number(query.limit) || 10` (Prisma, TypeORM, ' +
        'Sequelize `limit`), or a GraphQL resolver\'s `args.first`, read from the request without `Math.min`, so ' +
        '`?limit=1000000` loads every row; or a take the code may leave out: one branch drops (`take: fetchAll ? undefined : 5`) or the function\'s own signature makes optional (`take: options.limit` of `options: { limit?: number } = {}`, `take: limit` of `limit?: number`); so does a Mongoose model\'s own paging helper (`schema.statics.paginate = function ' +
        '(filter, options)`) whose `.limit()` is `options.limit` parsed with no upper cap. A bounded Prisma read (`findUnique`, `findFirst`, `findMany` with `take`) whose ' +
        '`include`/`select` loads a to-many relation with no take of its own (`include: { posts: true }`) is reported when the ' +
        "project's `schema.prisma` says the relation is a list of rows that pile up with time (a model with a " +
        '`@default(now())` timestamp, or keyed by its parent and a day, `@@unique([habitId, date])`: a daily record, named for posts, comments, reviews, ratings, orders, messages, logs, payments, or for what each user adds to a shared row: votes, likes, follows...), or when the include orders it newest first by a date of its own ' +
        "(`targetRates: { orderBy: { effectiveDate: 'desc' } }`: a history per row); so is an include of dated rows (or a TypeORM `relations` entry) loaded only to be searched in memory " +
        '(`car.availabilities.find((a) => a.date === day)`: every row the parent has, to pick one); so is a ' +
        "bounded Mongoose read (`findById`, `findOne`, `find().limit(n)`) whose `.populate('comments')` loads a to-many " +
        "reference of the model's schema (`comments: [{ type: ObjectId, ref: 'Comment' }]`, or an array of subdocuments each holding one, `followers: [{ user: { type: ObjectId, ref: 'User' } }]`) named for such rows or for " +
        'followers, likes, members, with no `perDocumentLimit` or `options.limit` (`unbounded-populate`). So is a bounded TypeORM read (`findOne`, `findOneOrFail`, `find` with take) whose `relations` (`{ messages: true }`, `[\'messages\']`) load a to-many relation (`@OneToMany(() => Message, ...)`) of an entity with a creation stamp or date named for such rows: TypeORM has no take for a relation (`unbounded-include`). And options ' +
        'built in a variable whose bound is set under one condition only (`const query = {}; if (page) { query.limit = ' +
        '20; } Model.find(filter, null, query)`): a request without a page, or with page 0, loads every row. ' +
        'Raw SQL too: a SELECT literal passed to `pool.query(...)`, `client.query(...)`, TypeORM `manager.query(...)` or a ' +
        'repository\'s `this.db.query(...)` with no LIMIT/FETCH FIRST, aggregate, GROUP BY or lookup by `id`, when its FROM ' +
        'table names rows that pile up with use (messages, history, events, logs, notifications, orders, comments, posts...) or, ' +
        'for `FROM ${this.tableName}`, the repository class does (`HistoryRepository`); also mysql2\'s `execute(...)`, better-sqlite3\'s ' +
        '`prepare(sql).all()`, a project helper that hands its SQL parameter to one of those (`executeQuery(this.pool, query)`), ' +
        'SQL held in a `const`, and SQL built up in a `let` (`WHERE 1=1` then `if (type) query += \' AND type = ?\'`: ' +
        'filters added under an `if` may be absent, so they do not narrow the read). ' +
        'A SELECT of any other table is reported when it reads the whole table (no WHERE, or one comparing columns with constants ' +
        'only, `WHERE status = \'ongoing\'`) and request code any user reaches inserts into it (`INSERT INTO Auction` in a create ' +
        'route): it grows with use. A lookup table (`SELECT * FROM countries`), or one only seeds and administrators fill, is not reported.',
      whyIsThisBad:
        'Every row becomes an object in the Node heap, and then again as JSON in the response. A table that held ' +
        '2,000 rows at launch holds 500,000 a year later: one request then allocates hundreds of megabytes, blocks ' +
        'the event loop while serialising, and a few concurrent requests push a 512 MB instance into an ' +
        'out-of-memory restart.',
      example: {
        fileName: 'routes/orders.ts',
        code: `import express from 'express';
import { PrismaClient } from '@prisma/client';

const prisma = new PrismaClient();
const router = express.Router();

router.get('/orders', async (req, res) => {
  const orders = await prisma.order.findMany({ where: { status: 'paid' } });
  res.json(orders);
});

export default router;
`,
      },
      useInstead: {
        fileName: 'routes/orders.ts',
        code: `import express from 'express';
import { PrismaClient } from '@prisma/client';

const prisma = new PrismaClient();
const router = express.Router();

router.get('/orders', async (req, res) => {
  const cursor = typeof req.query.cursor === 'string' ? { id: req.query.cursor } : undefined;
  const orders = await prisma.order.findMany({
    where: { status: 'paid' },
    take: 100,
    ...(cursor && { cursor, skip: 1 }),
    orderBy: { id: 'asc' },
  });
  res.json({ orders, next: orders.at(-1)?.id });
});

export default router;
`,
      },
      fixSafety:
        'Unsafe: the fix adds `take: 100` (Prisma, TypeORM), `limit: 100` (Sequelize), `.limit(100)` (Mongoose, and the MongoDB driver\'s `find()` before `.toArray()`) or ' +
        '`.take(100)` (TypeORM query builders; TypeORM 0.2\'s `find(conditions)` becomes `find({ where: conditions, take: 100 })`, ' +
        'since a take beside the conditions would make TypeORM drop them), so clients that expected every row get the first page only and must ' +
        'page through the rest. Add an `orderBy` and a cursor or offset parameter; for exports, stream instead ' +
        '(Mongoose `.cursor()`, TypeORM `.stream()`, Prisma batches of `take`/`cursor`).',
      notes:
        SMALL_TABLES_NOTE +
        'A repository whose class comes from a package that is not an ORM (a commerce or CMS platform SDK\'s ' +
        '`CustomObjectsRepository`, injected with a look-alike `@InjectRepository`) calls that platform\'s API, which pages ' +
        'for itself: its `find` is not read as a query of the app\'s database. ' +
        'Queries scoped to one owner are not reported: an owner key (`userId`, `ownerId`, `accountId`, `customerId`, ' +
        '`tenantId`, ... also nested, as in `some: { userId }`, or an owner relation matched by its key, ' +
        '`createdBy: { id: userId }`, also in an `AND` branch; a class\'s key, `classId`, counts too) compared with a value the code holds, as the Python rule ' +
        'judges `filter(user=request.user)`; unless the value may be undefined (`x ?? undefined`, an optional parameter: ' +
        'the ORM then drops the filter) or the table grows per owner with time (audit logs, events, sessions, messages, ' +
        'history, and what one user does: orders, expenses, transactions, bookings, readings, rides and trips); also one ' +
        'owner\'s rows together with the shared ones (`OR: [{ userId }, { userId: null }]`). Neither are ' +
        '`distinct` queries selecting the one column they group by, nor one alternative per key the code holds ' +
        '(`OR: ids.map((id) => ({ id }))`), nor a lookup by a key that names one account or row (`email`, `username`, `login`, `slug`, `token`, in every branch of an OR: a sign-in read as a list), nor a workflow queue or a curated selection picked by a flag ' +
        '(`approved: false`, `verified: false`; `pinned: true`, `featured: true`; `approved: true` is still reported), ' +
        'nor one user\'s rows under a key naming their role, matched with a user\'s id (`followerId: userId`, ' +
        '`assigneeId: req.user.id`), ' +
        'nor one party\'s open work items: a status equal to a state rows leave as the work completes (`PENDING`, `OPEN`, `ACTIVE`, `IN_PROGRESS`, `ASSIGNED`, `RESERVED`, ' +
        'also `{ in: [...] }`, `$in`, `In([...])` of such states) with a key naming one party the code holds (`{ driverId, status: \'PENDING\' }`, `{ user: { id }, status: \'ACTIVE\' }`: a rider\'s pending ' +
        'bookings; an open state of every party, or a lasting one such as `COMPLETED` or `CONFIRMED`, is still reported), ' +
        'nor one parent\'s rows overlapping one period (`property: { id }, checkIn: LessThanOrEqual(end), ' +
        'checkOut: MoreThanOrEqual(start)`: the reservations of one resource around a date; one field between two ' +
        'dates, a report over any range, is still reported), ' +
        'nor the rows of one fixed stretch of time: a time column (also a related row\'s, `slot: { startTime: { gte, lt } }`) bounded on both sides by values computed from one date ' +
        '(`gte: startOfWeek(d), lte: endOfWeek(d)`, `new Date(y, m, 1)` to `new Date(y, m + 1, 0)` or their `Date.UTC` spelling, `gte: d, lt: addDays(d, 7)`, a copy of the start moved once, `end.setUTCDate(end.getUTCDate() + 7)`, ' +
        '`new Date(d.setHours(0, 0, 0, 0))` to `new Date(d.setHours(23, 59, 59, 999))`, at most a calendar year) or equal to one date (`date: menu.date`); an open range (`gte: since`) or two dates or years ' +
        'the client picks are still reported. ' +
        'Nor a read that can match one row by construction: a where on a column the project declares unique or on the primary ' +
        'key (`schema.prisma` `@id`/`@unique`/`@@unique`, TypeORM `@PrimaryColumn`/`@Column({ unique: true })`/`@Unique`/`@Index({ unique: true })`, ' +
        'Sequelize `primaryKey`/`unique`/unique `indexes`, Mongoose `unique: true`, `schema.index(..., { unique: true })` and `_id`), every column of a unique ' +
        'compound, a sign-in\'s login and password, a query builder\'s `where(\'u.email = :email\')` on such a column, or a lookup by a column of the row ' +
        'read as its first row (`users[0]`, `const [user] = ...`); nor one parent\'s rows a Prisma unique compound makes one per person when the parent ' +
        'belongs to a class, course, team or group (`@@unique([quizId, studentId])`: bounded by the group); nor the children of one parent row ' +
        '(its foreign key, `{ classId }`, a Mongoose `ref` `{ film: id }`, a relation matched by its key or unique compound, `{ class: { id } }`, or ' +
        'membership, `{ students: { some: { id: userId } } }`; in every branch of a spread conditional) when they are what a person or a workflow makes ' +
        'a handful at a time for that parent, not a stream of activity on it: the children of one transaction (an order\'s vouchers and status steps, a ' +
        'booking\'s payments, an invoice\'s lines; not its messages or tracking points), or a child whose own name (without the parent\'s words: ' +
        '`EventTodo` of an event is a todo list) is not of rows that pile up (messages, comments, likes, votes, orders, uploads, readings) and that either ' +
        'has no time in it (no creation stamp such as `@default(now())`, `@CreateDateColumn`, Sequelize\'s default timestamps, Mongoose `timestamps: true`; ' +
        'a class\'s timetable, a film\'s episodes) or has only a creation stamp, under a parent that is no person or account (named so, or a model ' +
        'with an email or password: one user\'s stamped rows are their history) and no space people post into or container made to fill up (a channel\'s videos, a room\'s messages, an album\'s photos), with no key ' +
        'naming who added each row (`userId`, `authorId`, `senderId`; not the `createdBy` audit column) and not read in time order (`orderBy: { createdAt: ' +
        '\'desc\' }`, `.sort({ createdAt: -1 })`): a product\'s images, a tour\'s time slots, a title\'s copies. The same line holds for a bounded Prisma ' +
        'read\'s include (`include: { todos: true }` of one event is not reported, `include: { logs: true }` is); nor a Prisma model that is a named catalogue (a unique `name`/`title`/`key` per row, no DateTime, not people: subjects, ' +
        'settings; not when any signed-in user may add names through an open create route); nor the administrators among the accounts (`role: Role.ADMIN`, `isAdmin: true`); ' +
        'nor the tickets, bookings, seats, registrations or attendance of one parent that declares its places (`totalSeats`, `capacity`, `maxParticipants`, a Mongoose `tickets` object of quantities): at most that many; ' +
        'nor a where written as alternatives (TypeORM `where: [{ userOneId: id }, { userTwoId: id }]`, a where of only `OR`/`$or`) whose every alternative names one owner, one row or the rows\' own ids; ' +
        'nor a table the code keeps as one row (its only insert runs when a whole read of it comes back empty, its other writes save back what was read). Code nothing runs is not reported: an exported ' +
        'function no module names while its siblings are used (a controller function no router mounts), or a method of a class the project holds ' +
        'through an interface whose callers never call it; a server action counts as an endpoint even when no component calls it. ' +
        'Reference data and a business\'s own set-up are not reported (a few dozen rows): ' + FEW_TABLES_DOC + ' ' +
        'Queries whose options are not an object literal (`findMany(args)`, or an object with a spread) are not ' +
        'reported: the limit may be inside, unless the options are a literal of the same function whose bound is ' +
        'written only under one `if` (not both branches, not handed to another function). ' +
        'Nor a batch load of keys the code holds in a query builder (`.where(\'ticket.id IN (:...ids)\', { ids })`, `.whereInIds(ids)`, Knex `.whereIn(\'id\', ids)`; a list read of keys, `{ orderId: { in: ids } }`, is ' +
        'reported when `ids` maps the rows of an unbounded read of the same function, `orders.map((o) => o.id)`: every child of every row), nor a read after a ' +
        'count of the same model that refuses the request above a bound (`if (await db.x.count({ where }) > LIMIT) return 422`), nor a whole-table read with no filter or order used ' +
        'only for its first row (`favorites[0]`: a table the code keeps as one row). One user\'s rows matched through their reservations, orders or bookings ' +
        '(`reservations: { some: { userId } }`) are a history of theirs and stay reported, as do one user\'s payments, receipts and purchases. The page size the fix uses is the `suggestedLimit` option (default 100).',
    },
  },
  check(ctx) {
    if (isOfflineFile(ctx.file.relPath)) return;
    const limit = ctx.options.suggestedLimit as number;
    if (mayRunRawSelect(ctx)) {
      for (const found of rawSelects(ctx)) {
        const { what, detail } = describeRawSelect(found);
        ctx.report({ start: found.start, end: found.call.getEnd(), messageId: 'unbounded', data: { what: clip(what, 56) }, detail, table: found.table });
      }
    }
    const calls = ormCalls(ctx); // before the parse: a file with no possible ORM read is not parsed
    if (mayReadNative(ctx.file.text)) reportNativeReads(ctx, calls, limit);
    if (mayReadKnex(ctx.file.text)) reportKnexReads(ctx, limit);
    if (mayLookUp(ctx.file.text)) reportLookups(ctx);
    if (mayReadDrizzle(ctx.file.text)) reportDrizzleReads(ctx, limit);
    if (calls.length === 0) return;
    const fixable = !hasSyntaxErrors(ctx.typescript());
    for (const q of calls) {
      const include = q.orm === 'prisma' ? unboundedInclude(ctx, q) : undefined;
      if (include) {
        if (servesRequests(ctx, q.call)) reportInclude(ctx, q, include);
        continue;
      }
      const relation = q.orm === 'typeorm' ? unboundedTypeormRelation(ctx, q, growsWithUse) : undefined;
      if (relation) {
        if (servesRequests(ctx, q.call)) reportInclude(ctx, q, relation);
        continue;
      }
      const populate = q.orm === 'mongoose' ? unboundedPopulate(ctx, q, growsWithUse) : undefined;
      if (populate) {
        if (servesRequests(ctx, q.call)) reportPopulate(ctx, q, populate);
        continue;
      }
      if (q.orm === 'mongoose' && q.method === 'aggregate') {
        reportMongooseAggregate(ctx, q);
        continue;
      }
      if (!q.list) continue;
      const problem = unboundedQuery(ctx, q, limit);
      if (!problem || judgedBounded(ctx, q, limit)) continue;
      const served = servesRequests(ctx, q.call);
      if (!served && !inPaginateStatic(q.call)) continue;
      const callee = unwrap(q.call.expression) as ts.PropertyAccessExpression;
      const start = q.builder ? callee.name.getStart() : q.call.getStart();
      ctx.report({
        start,
        end: q.call.getEnd(),
        table: tableOfOrmCall(q),
        ...(problem.clientChosen
          ? { messageId: 'client-chosen-size', data: { what: clip(problem.what, 40), ...problem.clientChosen } }
          : problem.optional
            ? { messageId: 'optional-bound', data: { what: clip(problem.what, 36), condition: clip(problem.optional.condition, 40) } }
            : { messageId: 'unbounded', data: { what: clip(problem.what, 56) } }),
        detail:
          (problem.detail ?? `${problem.what} loads every matching row into memory at once, on each request. ${problem.advice.charAt(0).toUpperCase()}${problem.advice.slice(1)}.`) +
          (typeof served === 'object' ? ` ${viaText(served)}` : ''),
        fixes: problem.fix && fixable ? [problem.fix] : [],
      });
    }
  },
});

/**
 * A list read the scope checks judge bounded. Listed keys bound a read unless they are the rows of a read of the same
 * function that is itself unbounded (listed-parents.ts: every child of every row); that parent is judged one level deep.
 */
function judgedBounded(ctx: RuleContext, q: OrmCall, limit: number, nested = false): boolean {
  const listed = loadsListedKeys(q) && (nested || !keysOfUnboundedParents(ctx, q, limit));
  return listed || findsByUniqueKey(q) || matchesFewRows(ctx, q) || scopedToOneOwner(q) || groupedByOneColumn(q) || isReferenceData(ctx, q) || selectsFewByFlag(q) || openWorkOfOneParty(q) || overlapsOnePeriod(q) || inTimeWindow(ctx, q) || boundedByItsModel(ctx, q) || seededOnly(ctx, q) || cappedByCount(q) || readsSingletonTable(ctx, q) || keptAsOneRow(q) || (!nested && everyBranchBounded(ctx, q, limit));
}

/**
 * A where of alternatives, each judged as a where of its own (where-branches.ts): TypeORM's `where: [{ userOneId: user.id },
 * { userTwoId: user.id }]`, a where that is only `OR`/`$or`; bounded when every alternative is.
 */
function everyBranchBounded(ctx: RuleContext, q: OrmCall, limit: number): boolean {
  const branches = whereBranches(q, whereOf(q));
  return branches !== undefined && branches.every((branch) => {
    const alternative: OrmCall = { ...q };
    MATCH_STAGE.set(alternative, branch);
    // what the branch's own keys say (the model-wide judgements were asked of the read already); listed keys only as
    // the rows' own ids (`{ id: In(ids) }`): a list of parents (`{ user: { $in: following } }`) is a feed
    return (
      findsByUniqueKey(alternative) || scopedToOneOwner(alternative) || (loadsListedKeys(alternative) && listsOwnIds(branch)) || selectsFewByFlag(alternative) ||
      openWorkOfOneParty(alternative) || overlapsOnePeriod(alternative) || inTimeWindow(ctx, alternative)
    );
  });
}

/** Every key of the where is the rows' own id: `{ id: In(ids) }`, `{ _id: { $in: ids } }`. */
function listsOwnIds(where: ts.ObjectLiteralExpression): boolean {
  return where.properties.every((p) => /^_?id$/.test(p.name ? propertyName(p.name) ?? '' : ''));
}

function keysOfUnboundedParents(ctx: RuleContext, q: OrmCall, limit: number): boolean {
  const where = whereOf(q);
  return where !== undefined && keysOfUnboundedList(ctx, where, (parent) => parent !== q && unboundedQuery(ctx, parent, limit) !== undefined && !judgedBounded(ctx, parent, limit, true));
}

/**
 * Request code: handlers and what they call (handlers.ts), also Nest startup hooks that load a whole table at each
 * start; Next.js server actions; and functions that request code in another module imports and calls (the import
 * graph: `lib/server/*.ts` helpers of a page or route handler), answered with the caller found; not a function nothing
 * in the project calls (uncalled.ts).
 */
function servesRequests(ctx: RuleContext, node: ts.Node): boolean | RequestCaller {
  // a server action is a POST endpoint once a component imports it; Next.js drops the ones nothing imports at build
  if (inServerAction(node)) return !neverCalled(ctx, node);
  const served = inRequestHandler(node, ctx.file.relPath) ? true : reachedFromRequests(ctx, node) ?? false;
  // a method or exported function nothing in the project calls (a handler no router mounts) runs in no deploy
  return served && !neverCalled(ctx, node) ? served : false;
}

/**
 * Native MongoDB driver reads (mongodb-native.ts) that load a whole collection per request, judged by the same scope
 * checks as the ORMs' reads (an owner's documents, listed keys, reference data, a queue flag, a fixed time window).
 */
function reportNativeReads(ctx: RuleContext, ormReads: readonly OrmCall[], limit: number): void {
  const sf = ctx.typescript();
  const known = new Set(ormReads.map((q) => q.call));
  for (const read of nativeMongoReads(sf, indexOf(sf).calls)) {
    if (known.has(read.call)) continue;
    const q: OrmCall = { orm: 'mongoose', call: read.call, method: read.method, target: read.target, model: read.collection, optionsIndex: 0, builder: false, list: true };
    if (read.match) MATCH_STAGE.set(q, read.match);
    if ((read.method === 'find' || read.match) && (loadsListedKeys(q) || findsByUniqueKey(q) || matchesFewRows(ctx, q) || scopedToOneOwner(q) || selectsFewByFlag(q) || openWorkOfOneParty(q) || overlapsOnePeriod(q) || inTimeWindow(ctx, q))) continue;
    if (isReferenceData(ctx, q)) continue;
    const served = servesRequests(ctx, read.call);
    if (!served) continue;
    const what = `MongoDB ${read.collection}.${read.method}()${read.method === 'find' ? ' without limit' : ' without $limit'}`;
    const before = (unwrap(read.toArray.expression) as ts.PropertyAccessExpression).expression;
    const fix: FixSpec | undefined =
      read.method === 'find' && !hasSyntaxErrors(sf) ? { title: `Add .limit(${limit})`, edits: [{ start: before.getEnd(), end: before.getEnd(), newText: `.limit(${limit})` }] } : undefined;
    ctx.report({
      start: read.call.getStart(),
      end: read.toArray.getEnd(),
      messageId: 'unbounded',
      table: read.table,
      data: { what: clip(what, 56) },
      detail:
        `${what} reads every matching document into an array at once, on each request (.toArray() holds them all). ` +
        (read.method === 'find' ? `Page it: .sort({ _id: 1 }).limit(${limit}) with a cursor or skip, or iterate the cursor (for await) to stream.` : `Add a { $limit: ${limit} } stage, or iterate the cursor (for await) to stream.`) +
        (typeof served === 'object' ? ` ${viaText(served)}` : ''),
      fixes: fix ? [fix] : [],
    });
  }
}

/**
 * A Mongoose `Model.aggregate([...])` whose pipeline, written here, neither limits nor reduces the documents (no
 * `$limit`, `$group`, `$count`, `$facet`; no `.limit()`, `.cursor()` or `for await`): every document its `$match`
 * selects comes back in one array, judged by the same scope checks as a `find` (its first `$match` is the filter).
 */
function reportMongooseAggregate(ctx: RuleContext, q: OrmCall): void {
  const stages = pipelineStages(q.call.arguments[0]);
  if (!stages || reducesRows(stages)) return;
  if ([...chainMethods(ctx, q.call)].some((m) => BOUNDING_CHAIN.has(m) || m === 'option') || isCursorLoop(q.call)) return;
  const read: OrmCall = { ...q, list: true };
  const matchStage = stages.map((s) => objectProperty(s, '$match')).find((p) => p !== undefined);
  const match = matchStage && ts.isPropertyAssignment(matchStage) ? asObjectLiteral(matchStage.initializer) : undefined;
  if (matchStage && !match) return; // a filter built elsewhere: not judged
  if (match) {
    MATCH_STAGE.set(read, match);
    if (loadsListedKeys(read) || findsByUniqueKey(read) || matchesFewRows(ctx, read) || scopedToOneOwner(read) || selectsFewByFlag(read) || openWorkOfOneParty(read) || overlapsOnePeriod(read) || inTimeWindow(ctx, read)) return;
  }
  if (isReferenceData(ctx, read)) return;
  const served = servesRequests(ctx, q.call);
  if (!served) return;
  const what = `Mongoose ${q.target}.aggregate() without $limit`;
  ctx.report({
    start: q.call.getStart(),
    end: q.call.getEnd(),
    messageId: 'unbounded',
    table: tableOfOrmCall(q),
    data: { what: clip(what, 56) },
    detail:
      `${what} returns every document its pipeline keeps in one array, on each request. Add a { $limit: N } stage after the ` +
      '$sort (with a cursor or skip to page), or iterate .cursor() to stream.' +
      (typeof served === 'object' ? ` ${viaText(served)}` : ''),
    fixes: [],
  });
}

/** An aggregate's `$lookup` joining every growing document that points at each result (mongo-lookup.ts). */
function reportLookups(ctx: RuleContext): void {
  const sf = ctx.typescript();
  for (const found of unboundedLookups(indexOf(sf).calls, growsWithUse)) {
    const served = servesRequests(ctx, found.call);
    if (!served) continue;
    const what = `${(unwrap(found.call.expression) as ts.PropertyAccessExpression).expression.getText()}.aggregate()`;
    ctx.report({
      // the whole `{ $lookup: ... }` stage of the pipeline
      start: found.stage.parent.getStart(),
      end: found.stage.parent.getEnd(),
      messageId: 'unbounded-lookup',
      table: found.from,
      data: { what: clip(what, 40), relation: clip(found.from, 17) },
      detail:
        `${what} joins to each result, with $lookup, every ${found.from} document that refers to it, and those grow with use: ` +
        'each request loads all of them. Give the lookup a pipeline with $sort and $limit, or serve them from their own paged endpoint.' +
        (typeof served === 'object' ? ` ${viaText(served)}` : ''),
      fixes: [],
    });
  }
}

/**
 * Knex builder reads (knex.ts) that return a whole table per request, judged by the same scope checks as the ORMs'
 * (`.where({ user_id })` an owner's rows, a unique key, reference data, a fixed time window).
 */
function reportKnexReads(ctx: RuleContext, limit: number): void {
  const sf = ctx.typescript();
  if (hasSyntaxErrors(sf)) return;
  const seeded = new Map<string, boolean>();
  for (const read of knexReads(ctx, indexOf(sf).calls)) {
    if (read.listed) continue;
    const q: OrmCall = { orm: 'mongoose', call: read.where ?? read.table, method: 'find', target: read.tableName, model: read.tableName, optionsIndex: 0, builder: false, list: true };
    if (read.where && (loadsListedKeys(q) || findsByUniqueKey(q) || matchesFewRows(ctx, q) || scopedToOneOwner(q) || selectsFewByFlag(q) || openWorkOfOneParty(q) || overlapsOnePeriod(q) || inTimeWindow(ctx, q))) continue;
    if (isReferenceData(ctx, q)) continue;
    if (!seeded.has(read.tableName)) seeded.set(read.tableName, seededKnexTable(ctx, read.tableName));
    if (seeded.get(read.tableName)) continue;
    const served = servesRequests(ctx, read.table);
    if (!served) continue;
    const what = `Knex ${read.text} without limit`;
    ctx.report({
      start: read.table.getStart(),
      end: read.chain.getEnd(),
      messageId: 'unbounded',
      table: read.tableName,
      data: { what: clip(what, 56) },
      detail:
        `${what} reads every matching row into an array at once, on each request. Page it: .orderBy('id').limit(${limit}).offset(...) ` +
        `or a keyset (.where('id', '>', after).limit(${limit})).` +
        (typeof served === 'object' ? ` ${viaText(served)}` : ''),
      fixes: [{ title: `Add .limit(${limit})`, edits: [{ start: read.chain.getEnd(), end: read.chain.getEnd(), newText: `.limit(${limit})` }] }],
    });
  }
}

/**
 * Drizzle reads (drizzle.ts) in a project that declares Drizzle tables: a relational `findMany` or a select with no
 * limit, judged by the same scope checks as the ORMs' reads, read off the where's comparisons (`eq(t.userId, id)` an
 * owner's rows, `inArray(t.id, ids)` listed keys, `eq(t.id, id)` one row, a foreign key of an unstamped table one
 * parent's few children); and a bounded relational read whose `with` loads a growing to-many relation whole.
 */
function reportDrizzleReads(ctx: RuleContext, limit: number): void {
  const schema = drizzleSchemaFor(ctx);
  if (schema.tables.size === 0) return;
  const sf = ctx.typescript();
  const fixable = !hasSyntaxErrors(sf);
  for (const read of drizzleReads(indexOf(sf).calls)) {
    const table = drizzleTable(schema, read.table);
    if (!table) continue;
    const bounded = read.limited || read.method === 'findFirst' || (read.where !== undefined && drizzleWhereBounds(read, table.stamped));
    if (bounded) {
      const include = read.options && unboundedWith(schema, table.name, read.options, growsWithUse);
      if (!include) continue;
      const served = servesRequests(ctx, read.call);
      if (!served) continue;
      const what = `Drizzle ${read.table}.${read.method}()`;
      ctx.report({
        start: read.call.getStart(),
        end: read.call.getEnd(),
        messageId: 'unbounded-include',
        table: include.table,
        data: { what: clip(what, 51 - Math.min(include.path.length, 17)), relation: clip(include.path, 17) },
        detail:
          `${what} returns ${read.method === 'findFirst' ? 'one row' : 'a page of rows'}, but \`with: { ${include.path.split('.').pop()} }\` loads a to-many relation ` +
          `(many(${include.table})) of rows that pile up with time, with no limit of its own: every related row is loaded on each request. ` +
          'Give the relation its own limit and orderBy (`{ limit: 20, orderBy: ... }`), or load it from its own paged endpoint.' +
          (typeof served === 'object' ? ` ${viaText(served)}` : ''),
        fixes: [],
      });
      continue;
    }
    const name = table.name.replace(/(Schema|Table)$/, '');
    if ((fewByName(name) || fewByName(table.sqlName)) && !addedByAnyUser(ctx, name)) continue;
    if (readAsOneRow({ call: read.call } as OrmCall)) continue;
    const served = servesRequests(ctx, read.call);
    if (!served) continue;
    const what = read.style === 'query' ? `Drizzle ${read.table}.${read.method}() without limit` : `Drizzle ${read.method}().from(${read.table}) without limit`;
    const edit =
      read.style === 'select'
        ? { start: read.call.getEnd(), end: read.call.getEnd(), newText: `.limit(${limit})` }
        : read.options
          ? insertObjectProperty(ctx.file.text, read.options, `limit: ${limit}`)
          : insertIntoArguments(read.call, `{ limit: ${limit} }`);
    ctx.report({
      start: read.call.getStart(),
      end: read.call.getEnd(),
      messageId: 'unbounded',
      table: table.name,
      data: { what: clip(what, 56) },
      detail:
        `${what} reads every matching row into an array at once, on each request. Page it: ` +
        (read.style === 'query' ? `\`limit: ${limit}\` with \`offset\` or a keyset where (\`gt(t.id, after)\`) and an orderBy.` : `.orderBy(t.id).limit(${limit}) with .offset(...) or a keyset where.`) +
        (typeof served === 'object' ? ` ${viaText(served)}` : ''),
      fixes: edit && fixable ? [{ title: `Add ${read.style === 'select' ? `.limit(${limit})` : `limit: ${limit}`}`, edits: [edit] }] : [],
    });
  }
}

/**
 * A Drizzle where whose comparisons bound the rows, or that cannot be read (judged bounded: the rule stays quiet):
 * listed keys, one row by a key that names it, one owner's rows of a table that does not grow per owner, one parent's
 * children in an unstamped table, a column bounded on both sides, an OR of such lookups.
 */
function drizzleWhereBounds(read: DrizzleRead, stamped: boolean): boolean {
  const where = read.where!;
  if (where.opaque) return true;
  const held = (v: ts.Expression | undefined) => v !== undefined && !isLiteral(v) && (!ts.isIdentifier(v) || alwaysDefined(v));
  const oneRow = (c: DrizzleCondition) => c.op === 'eq' && c.column !== undefined && (/^_?id$/i.test(c.column) || UNIQUE_KEY.test(c.column)) && held(c.value);
  const bounds = (c: DrizzleCondition): boolean => {
    if (c.op === 'or') return (c.branches ?? []).length > 0 && c.branches!.every((b) => b.some(oneRow));
    if (c.op === 'inArray') return held(c.value) && !(c.value && ts.isArrayLiteralExpression(c.value) && c.value.elements.length === 1);
    if (oneRow(c)) return true;
    if (c.op !== 'eq' || !c.column || !held(c.value)) return false;
    const owner = OWNER_KEY.test(c.column) || (/(Id|_id|ID)$/.test(c.column) && USER_ID_VALUE.test(c.value!.getText()));
    if (owner) return !APPEND_ONLY.test(read.table);
    // one parent's children (child-rows.ts): one transaction's, or in a table whose rows are not stamped nor named,
    // without the parent's words (`orderLines` of one order), for what piles up
    if (!/.(Id|_id|ID)$/.test(c.column)) return false;
    const parent = c.column.replace(/(Id|_id|ID)$/, '');
    return childOfTransaction(parent, read.table) || (!stamped && !growsWithUse(ownName(read.table, parent)));
  };
  if (where.conditions.some(bounds)) return true;
  const below = new Set(where.conditions.filter((c) => /^(lt|lte)$/.test(c.op)).map((c) => c.column));
  return where.conditions.some((c) => c.op === 'between' || (/^(gt|gte)$/.test(c.op) && below.has(c.column)));
}

/** An aggregate's `$match` stage, judged as the where clause of its read. */
const MATCH_STAGE = new WeakMap<OrmCall, ts.ObjectLiteralExpression>();

function viaText(caller: RequestCaller): string {
  return caller.hops === 1 ? `Request code calls it: ${caller.file}:${caller.line}.` : `Request code reaches it through ${caller.hops} modules: ${caller.file}:${caller.line}.`;
}

/** A bounded read that includes every row of a to-many relation: Prisma `include`/`select`, TypeORM `relations`. */
function reportInclude(ctx: RuleContext, q: OrmCall, include: UnboundedInclude): void {
  const prisma = q.orm === 'prisma';
  const what = `${prisma ? 'Prisma' : 'TypeORM'} ${q.target}.${q.method}()`;
  ctx.report({
    start: q.call.getStart(),
    end: q.call.getEnd(),
    messageId: 'unbounded-include',
    table: include.model,
    // The headline stays within 100 characters: 49 are the message's own, the relation takes what it needs first.
    data: { what: clip(what, 51 - Math.min(include.path.length, 17)), relation: clip(include.path, 17) },
    detail: prisma
      ? `${what} returns ${q.method === 'findMany' ? 'a page of rows' : 'one row'}, but \`${include.path}\` is a to-many relation ` +
        `(${include.model}[] in the Prisma schema) included with no take: every ${include.model} row each result has, which ` +
        'grows with time, is loaded on each request. Give the relation its own take (and orderBy), or load it from its own paged endpoint.'
      : `${what} loads \`${include.path}\`, a to-many relation (@OneToMany ${include.model}) of rows that pile up with time, and ` +
        'TypeORM has no take for a relation: every related row is loaded on each request. Load them from their own query ' +
        `(${include.model} repository find with where, order and take) or a paged endpoint.`,
    fixes: [],
  });
}

function reportPopulate(ctx: RuleContext, q: OrmCall, populate: UnboundedPopulate): void {
  const what = `Mongoose ${q.target}.${q.method}()`;
  ctx.report({
    start: q.call.getStart(),
    end: q.call.getEnd(),
    messageId: 'unbounded-populate',
    table: populate.model,
    data: { what: clip(what, 50 - Math.min(populate.path.length, 17)), relation: clip(populate.path, 17) },
    detail:
      `${what} is bounded, but .populate('${populate.path}') loads every ${populate.model} document the array of ids ` +
      `in the schema refers to, and it grows with use: each request loads all of them. Populate with ` +
      `{ path: '${populate.path}', perDocumentLimit: N, options: { sort } }, or serve the list from its own paged endpoint.`,
    fixes: [],
  });
}

/** Rows named for what piles up with use (see GROWING_RELATION and APPEND_ONLY). */
function growsWithUse(name: string): boolean {
  return GROWING_RELATION.test(name) || APPEND_ONLY.test(name);
}

interface UnboundedInclude {
  /** The relation as the query names it: `posts`, `posts.comments`. */
  path: string;
  /** The related model, as the schema names it. */
  model: string;
}

/**
 * Related rows that pile up with time: what each owner does (APPEND_ONLY), what people post and write, and what each
 * user adds to a shared row (votes, likes, follows: one per user, as many as the row has users).
 */
const GROWING_RELATION = /post|comment|review|rating|repl(y|ies)|answer|reaction|payment|invoice|purchas|vote|like(?!l)|follow/i;

/**
 * A model of rows that pile up (GROWING_RELATION, APPEND_ONLY). "Session" alone names one only for a login session (a
 * token or an expiry among its fields, one row per sign-in): a `PromptSession` or `ClassSession` is one assignment or
 * meeting of its parent, as many as the parent is used for.
 */
function growingModel(model: PrismaModel): boolean {
  if (GROWING_RELATION.test(model.name)) return true;
  if (!APPEND_ONLY.test(model.name)) return false;
  if (APPEND_ONLY.test(model.name.replace(/sessions?/gi, ''))) return true;
  return [...model.fields.keys()].some((f) => LOGIN_SESSION_FIELD.test(f));
}

/**
 * A related list that grows, judged by the child's own name (`EventTodo` of an event is a todo list; child-rows.ts):
 * one transaction's lines, payments and status steps do not.
 */
function growingChild(parent: PrismaModel, child: PrismaModel): boolean {
  if (childOfTransaction(parent.name, child.name)) return false;
  return growingModel({ ...child, name: ownName(child.name, parent.name) });
}

const LOGIN_SESSION_FIELD = /token|expires?(At)?$|expiry|expiration|lastSeen|userAgent|ipAddress/i;

/**
 * A Prisma read bounded at its top (`findUnique`, `findFirst`, `findMany` with take or scoped to one owner) whose `include`/`select` loads a
 * to-many relation with no take of its own (`include: { posts: true }`), when the project's schema says the relation
 * is a list of a model that grows with time (a creation timestamp and a name of such rows: posts, comments, orders,
 * messages, logs): each returned row then brings all of its history. A relation scoped to a key the code holds
 * (`where: { userId }`) or given a take is bounded; so is a model without a creation timestamp (a recipe's steps).
 */
function unboundedInclude(ctx: RuleContext, q: OrmCall): UnboundedInclude | undefined {
  if (!/^(findMany|find(Unique|First)(OrThrow)?)$/.test(q.method)) return undefined;
  const options = asObjectLiteral(q.call.arguments[0]);
  if (!options || hasSpread(options)) return undefined;
  // judged as a whole read, unless scoped to one owner: one user's rows are bounded, what each of them includes may not be
  if (q.method === 'findMany' && !objectProperty(options, 'take') && !scopedToOneOwner(q)) return undefined;
  if (!/\b(include|select)\b/.test(options.getText())) return undefined;
  const schema = prismaSchemaFor(ctx);
  const model = schema && q.model ? modelNamed(schema, q.model) : undefined;
  return schema && model && unboundedRelation(q, schema, model, options, '', 0);
}

function unboundedRelation(q: OrmCall, schema: PrismaSchema, model: PrismaModel, options: ts.ObjectLiteralExpression, path: string, depth: number): UnboundedInclude | undefined {
  if (depth > 4) return undefined;
  for (const key of ['include', 'select']) {
    const selection = asObjectLiteral(objectPropertyValue(options, key));
    if (!selection || hasSpread(selection)) continue;
    for (const p of selection.properties) {
      if (!ts.isPropertyAssignment(p)) continue;
      const name = propertyName(p.name);
      if (!name || name.startsWith('_')) continue; // `_count: { select: { posts: true } }` counts, loads no rows
      const field = model.fields.get(name);
      const related = field && schema.models.get(field.type);
      if (!field || !related) continue;
      const value = unwrap(p.initializer);
      const nested = asObjectLiteral(value);
      if (value.kind !== ts.SyntaxKind.TrueKeyword && !nested) continue;
      if (nested && hasSpread(nested)) continue;
      const here = path ? `${path}.${name}` : name;
      const taken = nested !== undefined && objectProperty(nested, 'take') !== undefined;
      const paged = taken || (nested !== undefined && keyedWhere(nested));
      if (field.list && !paged && (related.timestamped || oneRowPerDay(related)) && growingChild(model, related)) return { path: here, model: related.name };
      // dated rows loaded whole to pick one in memory: `car.availabilities.find((a) => a.date === day)`
      if (field.list && !taken && depth === 0 && datedModel(related) && searchedInMemory(q.call, name)) return { path: here, model: related.name };
      // newest first by a date of its own: the code reads the relation as a history (rates by effectiveDate, readings by takenAt)
      if (field.list && !taken && nested && newestFirst(nested, related) && !ownerWhere(nested)) return { path: here, model: related.name };
      const deeper = nested && unboundedRelation(q, schema, related, nested, here, depth + 1);
      if (deeper) return deeper;
    }
  }
  return undefined;
}

/** Rows with a time in them: a creation stamp or a DateTime of their own (one availability per day). */
function datedModel(model: PrismaModel): boolean {
  return model.timestamped || [...model.fields.values()].some((f) => f.type === 'DateTime');
}

/** `orderBy: { effectiveDate: 'desc' }` (or a list of such) on a DateTime field of the related model. */
function newestFirst(options: ts.ObjectLiteralExpression, model: PrismaModel): boolean {
  const order = objectPropertyValue(options, 'orderBy');
  if (!order) return false;
  const value = unwrap(order);
  const orders = ts.isArrayLiteralExpression(value) ? value.elements.map((e) => asObjectLiteral(e)) : [asObjectLiteral(value)];
  const first = orders[0];
  const p = first?.properties[0];
  if (!p || !ts.isPropertyAssignment(p)) return false;
  const field = model.fields.get(propertyName(p.name) ?? '');
  const direction = unwrap(p.initializer);
  return field?.type === 'DateTime' && !field.list && ts.isStringLiteralLike(direction) && direction.text === 'desc';
}

/** `where: { userId }`: one owner's rows of the relation, bounded by what one user has. */
function ownerWhere(options: ts.ObjectLiteralExpression): boolean {
  const where = asObjectLiteral(objectPropertyValue(options, 'where'));
  return (
    where !== undefined &&
    where.properties.some((p) => (ts.isShorthandPropertyAssignment(p) || ts.isPropertyAssignment(p)) && OWNER_KEY.test(propertyName(p.name) ?? ''))
  );
}

/** `posts: { where: { userId } }`: the relation's rows of one key the code holds. */
function keyedWhere(options: ts.ObjectLiteralExpression): boolean {
  const where = asObjectLiteral(objectPropertyValue(options, 'where'));
  return (
    where !== undefined &&
    where.properties.some((p) => {
      if (ts.isShorthandPropertyAssignment(p)) return /(Id|_id)$/.test(p.name.text) || OWNER_KEY.test(p.name.text);
      if (!ts.isPropertyAssignment(p)) return false;
      const key = propertyName(p.name) ?? '';
      return (/(Id|_id)$/.test(key) || OWNER_KEY.test(key)) && !isLiteral(unwrap(p.initializer)) && !ts.isObjectLiteralExpression(unwrap(p.initializer));
    })
  );
}

interface Problem {
  what: string;
  advice: string;
  fix?: FixSpec;
  /** For a bound the client picks: the option and its cap, for the headline, and its own detail. */
  clientChosen?: { key: string; limit: number };
  /** A bound the code sets on some paths only (`if (page) query.limit = n`). */
  optional?: OptionalBound & { key: string };
  detail?: string;
}

/**
 * A page size read from the request (`Number(query.limit) || 10`, `req.query.take`, `params.pageSize`, a GraphQL
 * resolver's `args.first`).
 */
const CLIENT_SIZE = /\b(req\.query|query|params|searchParams|args|filters?)\s*(\??\.\s*(limit|take|pageSize|page_size|perPage|per_page)\b|\.get\(\s*['"](limit|take|pageSize|page_size|perPage|per_page)['"])|\bargs\s*\??\.\s*(first|last)\b/;

/** `take: Number(query.limit) || 10` with no `Math.min`: any client can ask for every row. */
function clientChosenBound(value: ts.Expression, what: string, key: string, limit: number): Problem | undefined {
  const text = value.getText();
  if (!CLIENT_SIZE.test(text) || /Math\.min|clamp|\bmin\(/.test(text)) return undefined;
  return {
    what,
    advice: `cap it: ${key}: Math.min(..., ${limit})`,
    clientChosen: { key, limit },
    detail:
      `${what}: ${key} is ${clip(text, 60)}, which the client picks, and nothing caps it, so ?limit=1000000 loads every ` +
      `matching row into memory in one request. Cap it (${key}: Math.min(..., ${limit})) or reject larger values.`,
  };
}

function unboundedQuery(ctx: RuleContext, q: OrmCall, limit: number): Problem | undefined {
  const call = `${q.target}.${q.method}()`;
  const text = ctx.file.text;
  switch (q.orm) {
    case 'prisma':
      return optionsProblem(text, q, 'take', limit, `${ORM_LABEL.prisma} ${call} without take`, `page it with take: ${limit} and a cursor`);
    case 'sequelize':
      return optionsProblem(text, q, 'limit', limit, `${ORM_LABEL.sequelize} ${call} without limit`, `page it with limit: ${limit} and offset`);
    case 'typeorm': {
      if (q.builder) {
        const chain = chainMethods(ctx, q.call);
        if (['take', 'limit', 'stream'].some((m) => chain.has(m))) return undefined;
        const method = q.method === 'getRawMany' ? 'limit' : 'take';
        const callee = unwrap(q.call.expression) as ts.PropertyAccessExpression;
        const at = callee.expression.getEnd();
        // A chain written one call per line gets the new call on a line of its own.
        const ownLine = text.slice(at, callee.name.getStart()).includes('\n');
        const newText = ownLine ? `${eol(text)}${indentAt(text, callee.name.getStart())}.${method}(${limit})` : `.${method}(${limit})`;
        return {
          what: `TypeORM query builder ${q.method}() without .${method}()`,
          advice: `page it with .${method}(${limit}), or stream exports with .stream()`,
          fix: { title: `Add .${method}(${limit})`, edits: [{ start: at, end: at, newText }] },
        };
      }
      if (q.method === 'findBy' || q.method === 'findAndCountBy') return findByProblem(q, limit);
      const conditions = asObjectLiteral(q.call.arguments[q.optionsIndex]);
      if (conditions && isTypeormConditions(conditions)) return conditionsProblem(q, conditions, limit);
      return optionsProblem(text, q, 'take', limit, `${ORM_LABEL.typeorm} ${call} without take`, `page it with take: ${limit} and skip`);
    }
    case 'mongoose': {
      const chosen = inPaginateStatic(q.call) ? callerChosenLimit(q.call) : undefined;
      if (chosen) {
        const what = `Mongoose ${call}`;
        return {
          what,
          advice: `cap it: .limit(Math.min(..., ${limit}))`,
          clientChosen: { key: 'limit', limit },
          detail:
            `${what}: the paging helper takes its limit (${clip(chosen.getText(), 40)}) from the options its callers pass, ` +
            `usually the request's query string, and nothing caps it, so ?limit=1000000 loads every matching document in one ` +
            `request. Cap it (Math.min(limit, ${limit})) or reject larger values.`,
        };
      }
      const chain = chainMethods(ctx, q.call);
      if ([...chain].some((m) => BOUNDING_CHAIN.has(m))) return undefined;
      if (isCursorLoop(q.call)) return undefined;
      // `find(filter, projection, options, (err, docs) => ...)`: the callback is not an option
      const callback = mongooseCallback(q.call);
      const args = callback ? q.call.arguments.slice(0, -1) : q.call.arguments;
      const options = asObjectLiteral(args[2]);
      const optional = optionalBound(args[2], ['limit']);
      if (optional) return optionalProblem(`Mongoose ${call}`, 'limit', optional, limit);
      if (args.length > 2 && (!options || hasSpread(options) || objectProperty(options, 'limit'))) return undefined;
      // the callback already ran the query: a `.limit()` after it would not bound it
      if (callback) return { what: `Mongoose ${call} without a limit`, advice: `pass { limit: ${limit} } as its options, or page it with .limit(${limit}).exec()` };
      const end = q.call.getEnd();
      // A chain that continues one call per line gets `.limit()` on a line of its own.
      const next = q.call.parent;
      const ownLine = ts.isPropertyAccessExpression(next) && next.expression === q.call && text.slice(end, next.name.getStart()).includes('\n');
      const newText = ownLine ? `${eol(text)}${indentAt(text, (next as ts.PropertyAccessExpression).name.getStart())}.limit(${limit})` : `.limit(${limit})`;
      return {
        what: `Mongoose ${call} without .limit()`,
        advice: `page it with .limit(${limit}), or stream exports with .cursor()`,
        fix: { title: `Add .limit(${limit})`, edits: [{ start: end, end, newText }] },
      };
    }
  }
}

/** Options built in a variable whose bound is set under one condition only: no fix, the default is the code's choice. */
function optionalProblem(what: string, key: string, optional: OptionalBound, limit: number): Problem {
  const condition = clip(optional.condition, 60);
  return {
    what,
    advice: `give the options a default ${key} (${key}: ${limit}) that the branch may change`,
    optional: { ...optional, key },
    detail:
      `${what} gets its ${key} only when \`${condition}\` holds, so a request without it (no page, or page 0) loads ` +
      `every matching row into memory at once. Give the options a default ${key} (${key}: ${limit}) that the branch ` +
      'may change, or reject requests without a page.',
  };
}

/** Prisma/TypeORM/Sequelize: the bound is a key of the options object. */
function optionsProblem(text: string, q: OrmCall, key: string, limit: number, what: string, advice: string): Problem | undefined {
  const arg = q.call.arguments[q.optionsIndex];
  const title = `Add ${key}: ${limit}`;
  if (arg === undefined) {
    if (q.call.arguments.length !== q.optionsIndex) return undefined;
    return { what, advice, fix: { title, edits: [insertIntoArguments(q.call, `{ ${key}: ${limit} }`)] } };
  }
  const options = asObjectLiteral(arg);
  const optional = optionalBound(arg, q.orm === 'typeorm' ? [key, 'limit'] : [key]);
  if (optional) return optionalProblem(what.replace(/ without \w+$/, ''), key, optional, limit);
  if (!options || hasSpread(options)) return undefined; // `findMany(args)`: the bound may be inside
  const bound = objectPropertyValue(options, key) ?? (q.orm === 'typeorm' ? objectPropertyValue(options, 'limit') : undefined);
  if (bound) return clientChosenBound(bound, `${what.replace(/ without \w+$/, '')}`, key, limit);
  if (objectProperty(options, key) || (q.orm === 'typeorm' && objectProperty(options, 'limit'))) return undefined;
  const edit = insertObjectProperty(text, options, `${key}: ${limit}`);
  return { what, advice, fix: edit && { title, edits: [edit] } };
}

/**
 * TypeORM 0.2's `find(conditions)`: a `take` written beside the conditions would make TypeORM read the object as
 * options and drop them, so the fix moves them under `where`.
 */
function conditionsProblem(q: OrmCall, conditions: ts.ObjectLiteralExpression, limit: number): Problem {
  return {
    what: `${ORM_LABEL.typeorm} ${q.target}.${q.method}() without take`,
    advice: `use ${q.method}({ where, take: ${limit} }) and page with skip`,
    fix: {
      title: `Use ${q.method}({ where, take: ${limit} })`,
      edits: [
        { start: conditions.getStart(), end: conditions.getStart(), newText: '{ where: ' },
        { start: conditions.getEnd(), end: conditions.getEnd(), newText: `, take: ${limit} }` },
      ],
    },
  };
}

/** TypeORM `findBy(where)`: rewrite to `find({ where, take })`, keeping the where object as written. */
function findByProblem(q: OrmCall, limit: number): Problem | undefined {
  const where = q.call.arguments[q.optionsIndex];
  if (!where || q.optionsIndex !== 0 || q.call.arguments.length !== 1) return undefined;
  const callee = unwrap(q.call.expression) as ts.PropertyAccessExpression;
  const replacement = q.method === 'findBy' ? 'find' : 'findAndCount';
  const edits: OffsetEdit[] = [
    { start: callee.name.getStart(), end: callee.name.getEnd(), newText: replacement },
    { start: where.getStart(), end: where.getStart(), newText: '{ where: ' },
    { start: where.getEnd(), end: where.getEnd(), newText: `, take: ${limit} }` },
  ];
  return {
    what: `${ORM_LABEL.typeorm} ${q.target}.${q.method}() without take`,
    advice: `use ${replacement}({ where, take: ${limit} }) and page with skip`,
    fix: { title: `Use ${replacement}({ where, take: ${limit} })`, edits },
  };
}

/**
 * `findMany({ where: { id: { in: ids } } })`, `findBy({ id: In(ids) })`, `{ [Op.in]: ids }`, `{ $in: ids }`:
 * a batch load of keys the code already holds (the fix for an N+1), bounded by that list.
 */
function loadsListedKeys(q: OrmCall): boolean {
  const where = whereOf(q);
  if (!where) return false;
  return where.properties.some((p) => {
    if (!ts.isPropertyAssignment(p)) return false;
    const value = unwrap(p.initializer);
    // Prisma `OR: ids.map((id) => ({ id }))`: one alternative per key the code holds (also built in a const first:
    // `const conditions = rows.map(...)`, one per row of an upload).
    if (p.name.getText() === 'OR') {
      const built = ts.isIdentifier(value) ? constInitializer(value) : value;
      return built !== undefined && ts.isCallExpression(built) && ts.isPropertyAccessExpression(built.expression) && built.expression.name.text === 'map';
    }
    if (ts.isCallExpression(value)) return /^In$/.test(value.expression.getText());
    // Mongoose and Sequelize read an array value as $in / IN: `find({ _id: course.required_book_ids })`
    if ((q.orm === 'mongoose' || q.orm === 'sequelize') && (ts.isPropertyAccessExpression(value) || ts.isIdentifier(value))) {
      return LISTED_IDS.test(ts.isIdentifier(value) ? value.text : value.name.text);
    }
    if (!ts.isObjectLiteralExpression(value)) return false;
    return value.properties.some((inner) => inner.name !== undefined && /^(in|\$in|'\$in'|"\$in"|\[Op\.in\])$/.test(inner.name.getText()) && !oneElementList(inner));
  });
}

/** `{ participants: { $in: [userId] } }`: a list of one value is an equality (rows holding that value), not a batch of keys. */
function oneElementList(property: ts.ObjectLiteralElementLike): boolean {
  if (!ts.isPropertyAssignment(property)) return false;
  const list = unwrap(property.initializer);
  return ts.isArrayLiteralExpression(list) && list.elements.length === 1 && !ts.isSpreadElement(list.elements[0]);
}

/** A list of ids a document or the code holds: `required_book_ids`, `memberIds`, `tagIDs`. */
const LISTED_IDS = /(_ids|Ids|IDs)$/;

/** Keys that identify one account or row: a login's email or username, a slug, a token. */
const UNIQUE_KEY = /^(e_?mail|username|user_?name|login|nick_?name|handle|slug|token|uuid)$/i;

/**
 * A read that can match one row, or a few, by construction (few-rows.ts): a unique column or compound the project
 * declares, the primary key, a sign-in's login and password, a query builder's `where` on such a column, or a list
 * read used as a one-row read (`users[0]`) of a lookup by a key; one parent's rows, one per member of the group the parent
 * belongs to (`@@unique([quizId, studentId])`, a quiz of one class).
 */
function matchesFewRows(ctx: RuleContext, q: OrmCall): boolean {
  if (q.builder) return builderMatchesOneRow(ctx, q, UNIQUE_KEY);
  // TypeORM's `where: [{ email }, { username }]`: the branches of an OR, each matching one row
  const options = asObjectLiteral(q.call.arguments[q.optionsIndex]);
  const branches = options && objectPropertyValue(options, 'where');
  if (branches && ts.isArrayLiteralExpression(unwrap(branches))) {
    const list = (unwrap(branches) as ts.ArrayLiteralExpression).elements.map((e) => asObjectLiteral(e));
    return list.length > 0 && list.every((b) => b !== undefined && matchesOneRow(ctx, q, b, alwaysDefined));
  }
  const where = whereOf(q);
  if (!where) return false;
  return matchesOneRow(ctx, q, where, alwaysDefined) || onePerGroupMember(ctx, q, where, alwaysDefined) || (readAsOneRow(q) && looksUpByKey(where, alwaysDefined));
}

/**
 * `findAll({ where: { [Op.or]: [{ username: login }, { email: login }], password } })`: a sign-in lookup by a key that
 * identifies one account (or one row), compared with a value the code holds; every branch of an OR must be such a
 * key. A list read by its result's first row, not a whole table.
 */
function findsByUniqueKey(q: OrmCall): boolean {
  const where = whereOf(q);
  if (!where) return false;
  const unique = (o: ts.ObjectLiteralExpression): boolean =>
    o.properties.some((p) => {
      if (ts.isShorthandPropertyAssignment(p)) return UNIQUE_KEY.test(p.name.text) && alwaysDefined(p.name);
      if (!ts.isPropertyAssignment(p)) return false;
      const key = p.name.getText().replace(/^['"]|['"]$/g, '');
      const value = unwrap(p.initializer);
      if (/^(OR|\$or|\[Op\.or\])$/.test(key) && ts.isArrayLiteralExpression(value)) {
        return value.elements.length > 0 && value.elements.every((e) => { const b = asObjectLiteral(e); return b !== undefined && unique(b); });
      }
      return UNIQUE_KEY.test(key) && !isLiteral(value) && !ts.isObjectLiteralExpression(value) && (!ts.isIdentifier(value) || alwaysDefined(value));
    });
  return unique(where);
}

/**
 * `const favorites = await repo.find({ relations })` used only as `favorites[0]`: a whole-table read with no filter
 * and no order whose first row is the only one used, a table the code treats as holding one row (a settings or
 * favourites singleton); with an order it would be "load all to take the newest", which stays reported.
 */
function readsSingletonTable(ctx: RuleContext, q: OrmCall): boolean {
  if (q.builder) return false;
  const arg = q.call.arguments[q.optionsIndex];
  const options = arg && asObjectLiteral(arg);
  if (arg && !options) return false;
  if (options && (q.orm === 'mongoose' ? options.properties.length > 0 : options.properties.some((p) => /^(where|order|orderBy)$/.test(propertyName(p.name) ?? '') || ts.isSpreadAssignment(p)))) return false;
  if ([...chainMethods(ctx, q.call)].some((m) => /^(sort|order|orderBy|where|find)$/.test(m))) return false;
  if (!readAsOneRow(q)) return false;
  // a first row taken, not only `.length` read (a count of every row is still a whole load)
  const holder = outermostHolder(q.call);
  return ts.isArrayBindingPattern(holder.name) || new RegExp(`\\b${holder.name.getText()}\\s*\\[\\s*0\\s*\\]`).test(enclosingStatementsText(holder));
}

function outermostHolder(call: ts.CallExpression): ts.VariableDeclaration {
  let node: ts.Node = call;
  while (node.parent && (ts.isAwaitExpression(node.parent) || ts.isParenthesizedExpression(node.parent) || ts.isAsExpression(node.parent))) node = node.parent;
  return node.parent as ts.VariableDeclaration;
}

function enclosingStatementsText(decl: ts.VariableDeclaration): string {
  let n: ts.Node = decl;
  while (n.parent && !ts.isBlock(n.parent) && !ts.isSourceFile(n.parent)) n = n.parent;
  return n.parent ? n.parent.getText() : decl.getText();
}

/** `for await (const doc of Model.find())` iterates a cursor. */
function isCursorLoop(call: ts.CallExpression): boolean {
  let e: ts.Node = call;
  while (e.parent && (ts.isPropertyAccessExpression(e.parent) || ts.isCallExpression(e.parent)) && (e.parent as ts.PropertyAccessExpression | ts.CallExpression).expression === e) e = e.parent;
  const p = e.parent;
  return p !== undefined && ts.isForOfStatement(p) && p.expression === e && p.awaitModifier !== undefined;
}

/**
 * Keys that name the owner of a row, with or without an id suffix: `userId`, `granteeUserId`, `ownerId`,
 * `account_id`, `tenant`, `classId` (a class's students), ... (the owners the Python rule's OWNER_LOOKUP names). `productId` or `postId` are not
 * owners: one product's reviews or one post's comments can be any number of rows.
 */
const OWNER_KEY = /^(\w*User|user|owner|author|creator|createdBy|member|profile|account|customer|teacher|instructor|project|space|workspace|team|group|class|classroom|household|tenant|org|organization|organisation|company)(Id|_id|ID)?$/;

/**
 * The where clause of a list query, as an object literal: the options' `where` (or, for Mongoose and TypeORM's
 * `*By` methods, the argument), also through a `const where = { ... }` of the same function.
 */
function whereOf(q: OrmCall): ts.ObjectLiteralExpression | undefined {
  const match = MATCH_STAGE.get(q);
  if (match) return match;
  const arg = q.call.arguments[q.optionsIndex];
  const options = asObjectLiteral(arg);
  const whereIsArgument = q.orm === 'mongoose' || q.method.endsWith('By') || (q.orm === 'typeorm' && options !== undefined && isTypeormConditions(options));
  return literalOf(whereIsArgument ? arg : options && objectPropertyValue(options, 'where'));
}

/** TypeORM keys of find options; an object with none of them is TypeORM 0.2's `find(conditions)` (`find({ followerId })`). */
const TYPEORM_FIND_OPTIONS = /^(where|take|skip|order|relations|select|join|cache|lock|withDeleted|loadRelationIds|loadEagerRelations|relationLoadStrategy|transaction|comment)$/;

function isTypeormConditions(options: ts.ObjectLiteralExpression): boolean {
  return options.properties.length > 0 && options.properties.every((p) => (ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p)) && !TYPEORM_FIND_OPTIONS.test(propertyName(p.name) ?? ''));
}

/** The initializer of a `const` the identifier names. */
function constInitializer(id: ts.Identifier): ts.Expression | undefined {
  const declaration = declarationOf(id);
  if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer || !ts.isVariableDeclarationList(declaration.parent)) return undefined;
  return declaration.parent.flags & ts.NodeFlags.Const ? unwrap(declaration.initializer) : undefined;
}

function literalOf(expr: ts.Expression | undefined): ts.ObjectLiteralExpression | undefined {
  if (!expr) return undefined;
  const e = unwrap(expr);
  if (ts.isObjectLiteralExpression(e)) return e;
  if (!ts.isIdentifier(e)) return undefined;
  const declaration = declarationOf(e);
  return declaration && ts.isVariableDeclaration(declaration) ? asObjectLiteral(declaration.initializer) : undefined;
}

/**
 * `findMany({ where: { userId } })`, `{ where: { account: { ownerId: user.id } } }`: one owner's rows (an owner
 * key compared with a value the code holds, not a literal), bounded by what one user or tenant has, as the Python
 * rule judges `filter(user=request.user)`. Looked for in nested relation filters too (`some: { userId }`).
 */
function scopedToOneOwner(q: OrmCall): boolean {
  // Per-owner rows that pile up with time (an audit trail, sessions, events) are not bounded by their owner,
  // unless the filter also narrows them to one item (`userId, SymbolProfile: { symbol }`: one user's orders of one symbol).
  if (APPEND_ONLY.test(q.target.split('.').pop() ?? '') && !narrowedToOneItem(q)) return false;
  // `inAnd`: a branch of an `AND` list. There an owner's rows OR the shared ones (`OR: [{ userId }, { userId: null }]`)
  // do not bound the read: the other branches (a free-text match) may select every shared row.
  const visit = (where: ts.ObjectLiteralExpression, depth: number, inAnd = false): boolean =>
    where.properties.some((p) => {
      if (ts.isShorthandPropertyAssignment(p)) return OWNER_KEY.test(p.name.text) && alwaysDefined(p.name);
      if (!ts.isPropertyAssignment(p)) return false;
      const key = p.name.getText().replace(/^['"]|['"]$/g, '');
      const value = unwrap(p.initializer);
      if (ts.isObjectLiteralExpression(value)) {
        // `createdBy: { id: userId }`, `user: { id: user.id }`: the owner relation matched by its key.
        if (OWNER_KEY.test(key) && identifiesOneRow(value)) return true;
        // `reservations: { some: { userId } }`: the rows one user ever reserved, ordered or booked, a history of theirs
        if (depth === 0 && APPEND_ONLY.test(key)) return false;
        return depth < 3 && visit(value, depth + 1);
      }
      // `AND: [{ userId }, { status }]`: every branch applies, so one owner key bounds the whole.
      if (key === 'AND' && ts.isArrayLiteralExpression(value)) return depth < 3 && value.elements.some((e) => { const b = asObjectLiteral(e); return b !== undefined && visit(b, depth + 1, true); });
      // `OR: [{ userId }, { userId: null }]`: the owner's rows and the shared ones no owner has.
      if (key === 'OR' && ts.isArrayLiteralExpression(value)) {
        if (inAnd) return false;
        const branches = value.elements.map((e) => asObjectLiteral(e));
        return depth < 3 && branches.length > 0 && branches.every((b) => b !== undefined && (visit(b, depth + 1) || sharedRows(b))) && branches.some((b) => visit(b!, depth + 1));
      }
      // `followerId: userId`: a key of any role (follower, assignee, recipient) matched with a user's id.
      const owner = OWNER_KEY.test(key) || (/(Id|_id|ID)$/.test(key) && USER_ID_VALUE.test(value.getText()));
      return owner && !isLiteral(value) && (!ts.isIdentifier(value) || alwaysDefined(value));
    });
  const where = whereOf(q);
  return where !== undefined && visit(where, 0);
}

/** A user's id as the code holds it: `userId`, `currentUserId`, `user.id`, `req.user.sub`, `session.user._id`. */
const USER_ID_VALUE = /(^|\.)\w*(user|User)(Id|_id|ID|\??\.(id|_id|sub))$/;

/** `{ id: userId }`, `{ _id: owner._id }`: a relation filter matching one row by its key, a value the code holds. */
function identifiesOneRow(where: ts.ObjectLiteralExpression): boolean {
  return where.properties.some((p) => {
    if (ts.isShorthandPropertyAssignment(p)) return /^(_?id)$/.test(p.name.text) && alwaysDefined(p.name);
    if (!ts.isPropertyAssignment(p) || !/^(_?id)$/.test(p.name.getText())) return false;
    const value = unwrap(p.initializer);
    return !isLiteral(value) && !ts.isObjectLiteralExpression(value) && (!ts.isIdentifier(value) || alwaysDefined(value));
  });
}

/**
 * Flags whose one value picks a few rows out of a table: a workflow queue (`approved: false`, awaiting review, kept
 * short by the people who work it) or a curated selection (`pinned: true`, `featured: true`). The other value
 * (`approved: true`, the published catalogue) is most of the table and stays reported.
 */
const QUEUE_FLAG = /^(is_?)?(approved|verified|reviewed|moderated|processed|handled|accepted|confirmed)$/i;
const CURATED_FLAG = /^(is_?)?(pinned|featured|highlighted|promoted|sticky)$/i;

function selectsFewByFlag(q: OrmCall): boolean {
  const where = whereOf(q);
  if (!where) return false;
  return where.properties.some((p) => {
    if (!ts.isPropertyAssignment(p)) return false;
    const key = p.name.getText().replace(/^['"]|['"]$/g, '');
    const kind = unwrap(p.initializer).kind;
    return (QUEUE_FLAG.test(key) && kind === ts.SyntaxKind.FalseKeyword) || (CURATED_FLAG.test(key) && kind === ts.SyntaxKind.TrueKeyword);
  });
}

/** A party's open work items (open-work.ts): `{ driverId, status: 'PENDING' }`. */
function openWorkOfOneParty(q: OrmCall): boolean {
  const where = whereOf(q);
  return where !== undefined && openItemsOfOneParty(where, alwaysDefined);
}

/** Upper-bound and lower-bound comparisons: TypeORM's operators, Mongo's and Prisma's keys. */
const BELOW = /^(LessThan|LessThanOrEqual)\(|^\{\s*['"]?\$?(lt|lte)['"]?\s*:/;
const ABOVE = /^(MoreThan|MoreThanOrEqual)\(|^\{\s*['"]?\$?(gt|gte)['"]?\s*:/;

/**
 * One parent's rows that overlap one period (`property: { id }`, `checkIn <= checkOut`, `checkOut >= checkIn`): the
 * reservations of one resource around a date, which cannot overlap each other much. Two different fields compared
 * crosswise; one field between two dates (`createdAt: { $gt: from, $lt: to }`, a report over any range) is not it.
 */
function overlapsOnePeriod(q: OrmCall): boolean {
  const where = whereOf(q);
  if (!where) return false;
  let below: string | undefined;
  let above: string | undefined;
  let parent = false;
  for (const p of where.properties) {
    if (ts.isShorthandPropertyAssignment(p)) {
      parent ||= /Id$|_id$/.test(p.name.text) && alwaysDefined(p.name);
      continue;
    }
    if (!ts.isPropertyAssignment(p)) continue;
    const key = p.name.getText().replace(/^['"]|['"]$/g, '');
    const value = unwrap(p.initializer);
    const text = value.getText();
    if (BELOW.test(text) && !ABOVE.test(text)) below = key;
    else if (ABOVE.test(text) && !BELOW.test(text)) above = key;
    else if (ts.isObjectLiteralExpression(value) ? identifiesOneRow(value) : /(Id|_id)$/.test(key) && !isLiteral(value)) parent = true;
  }
  return parent && below !== undefined && above !== undefined && below !== above;
}

/**
 * The rows of one day, week, month or calendar year (see time-window.ts): a time column bounded on both sides by
 * values computed from one date, or equal to one date. Prisma's schema says which columns are DateTime.
 */
function inTimeWindow(ctx: RuleContext, q: OrmCall): boolean {
  const where = whereOf(q);
  if (!where) return false;
  const schema = q.orm === 'prisma' ? prismaSchemaFor(ctx) : undefined;
  const model = schema && modelNamed(schema, q.model ?? q.target.split('.').pop() ?? '');
  const isDateColumn = (key: string): boolean => {
    const field = model?.fields.get(key);
    return field ? field.type === 'DateTime' && !field.list : DATE_NAME.test(key);
  };
  return withinFixedWindow(where, isDateColumn, alwaysDefined) || recentRowsOfOneParent(where, isDateColumn, alwaysDefined);
}

/**
 * A curated table: no code of the project adds its rows (a Prisma model only seeds fill, prisma-writes.ts), or only
 * seeds, scripts and administrators do (table-writers.ts): it holds what its curators put there.
 */
function seededOnly(ctx: RuleContext, q: OrmCall): boolean {
  if (q.orm === 'prisma') {
    if (q.model === undefined) return false;
    if (prismaModelNeverWritten(ctx, q.model)) return true;
    const schema = prismaSchemaFor(ctx);
    const model = schema && modelNamed(schema, q.model);
    if (!schema || !model) return false;
    const related = [...schema.models.values()].flatMap((m) => [...m.fields.entries()].filter(([, f]) => f.type === model.name && m !== model).map(([name]) => name));
    return writtenOnlyByCurators(ctx, model.name, related, model.body);
  }
  return writtenOnlyByCurators(ctx, q.model ?? q.target);
}

/**
 * A read the data model bounds (one-parent.ts): a named catalogue, one parent's children of a model whose rows do not
 * pile up with use, or the administrators among the accounts.
 */
function boundedByItsModel(ctx: RuleContext, q: OrmCall): boolean {
  if (q.builder) return false;
  const model = q.model ?? q.target.split('.').pop() ?? '';
  if (namedCatalogue(ctx, q, model, growsWithUse)) return true;
  const where = whereOf(q);
  if (!where) return false;
  return selectsAdministrators(ctx, where) || childrenOfOneParent(ctx, q, model, where, alwaysDefined, growsWithUse);
}

/** Besides its owner key, the where compares another key (also nested) with a value the code holds. */
function narrowedToOneItem(q: OrmCall): boolean {
  const where = whereOf(q);
  const visit = (o: ts.ObjectLiteralExpression, depth: number): boolean =>
    o.properties.some((p) => {
      if (ts.isShorthandPropertyAssignment(p)) return !OWNER_KEY.test(p.name.text) && alwaysDefined(p.name);
      if (!ts.isPropertyAssignment(p)) return false;
      const key = p.name.getText().replace(/^['"]|['"]$/g, '');
      const value = unwrap(p.initializer);
      // `user: { id: userId }`: the owner relation matched by its key, not an item
      if (ts.isObjectLiteralExpression(value)) return !OWNER_KEY.test(key) && depth < 2 && visit(value, depth + 1);
      if (OWNER_KEY.test(key) || key === 'OR' || USER_ID_VALUE.test(value.getText())) return false; // the owner, not an item
      return ts.isIdentifier(value) ? alwaysDefined(value) : ts.isPropertyAccessExpression(value);
    });
  return where !== undefined && visit(where, 0);
}

/** `{ userId: null }`: the rows no owner has (shared defaults), as many as the app defines. */
function sharedRows(branch: ts.ObjectLiteralExpression): boolean {
  return branch.properties.length > 0 && branch.properties.every((p) => ts.isPropertyAssignment(p) && OWNER_KEY.test(p.name.getText()) && unwrap(p.initializer).kind === ts.SyntaxKind.NullKeyword);
}

/**
 * Reference data and a business's own set-up, told by the model's name (analysis/few-by-name.ts: categories, branches,
 * a clinic's doctors, a café's toppings, currencies, roles, statuses, pricing plans, payment methods): a whole read of
 * one is a few dozen rows, unless request code any signed-in user reaches adds its rows (then it grows with users).
 * (Not tags or products: in many apps users create them.)
 */
function isReferenceData(ctx: RuleContext, q: OrmCall): boolean {
  const name = q.model ?? q.target.split('.').pop() ?? '';
  return fewByName(name) && !addedByAnyUser(ctx, name);
}

/**
 * Tables that grow with time for each owner: logs, audit trails, events, sessions, messages, history, and the
 * records of what one user does (orders, expenses, transactions, bookings, appointments, payments, purchases, readings, rides and trips,
 * the games and matches they play).
 */
const APPEND_ONLY = /(audit|log|event|histor|message|notification|session|entr(y|ies)|visit|click|pageview|metric|tracking|order|expense|transaction|booking|reservation|appointment|payment|receipt|purchase|reading|(?<!over|b|p)ride(?!r(?!e))|(?<!s)trip|game(?!rs?$)|(?<!s)match(?!ing))/i;

/**
 * False for a value that may be undefined: `x ?? undefined`, an optional parameter. ORMs drop an undefined filter
 * (Prisma, TypeORM), so `where: { authorId }` then matches every row.
 */
function alwaysDefined(id: ts.Identifier): boolean {
  const declaration = declarationOf(id);
  if (!declaration) return true;
  if (ts.isParameter(declaration)) return !declaration.questionToken && !declaration.initializer;
  if (ts.isVariableDeclaration(declaration) && declaration.initializer) {
    return !/(\?\?|\|\|)\s*(undefined|null)\s*$/.test(declaration.initializer.getText()) && !ts.isConditionalExpression(unwrap(declaration.initializer));
  }
  return true;
}

function isLiteral(e: ts.Expression): boolean {
  return ts.isStringLiteralLike(e) || ts.isNumericLiteral(e) || e.kind === ts.SyntaxKind.NullKeyword || e.kind === ts.SyntaxKind.TrueKeyword || e.kind === ts.SyntaxKind.FalseKeyword;
}

/** Prisma `findMany({ distinct: ['currency'], select: { currency: true } })`: one row per distinct value of one column. */
function groupedByOneColumn(q: OrmCall): boolean {
  const options = asObjectLiteral(q.call.arguments[q.optionsIndex]);
  const distinct = options && objectPropertyValue(options, 'distinct');
  const select = options && asObjectLiteral(objectPropertyValue(options, 'select'));
  return !!distinct && !!select && select.properties.length === 1;
}
