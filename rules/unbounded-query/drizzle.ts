/**
 * Drizzle ORM reads, in both of its query styles:
 * - relational queries, `db.query.events.findMany({ where, with, orderBy })` with no `limit`, and a bounded read
 *   (`findFirst`, `findMany` with `limit`) whose `with: { payments: true }` loads a to-many relation with no `limit`
 *   of its own (Drizzle takes `with: { payments: { limit: 20 } }`);
 * - SQL-like selects, `await db.select().from(events).where(...)` (also `selectDistinct`, joins, `orderBy`) awaited or
 *   returned with no `.limit()`; not a subquery (`.as()`), a `$dynamic()` builder handed on, a `groupBy`, or a select
 *   of aggregates (`count()`, `sum()`).
 * The where (`eq(t.userId, id)`, `and(...)`, `inArray(t.id, ids)`, the callback form `(t, { eq }) => eq(t.id, id)`)
 * is read into its column comparisons for the rule's scope checks; a where the code builds elsewhere or writes in
 * SQL (`sql\`...\``, v2's object filters) is `opaque` and judged as bounded.
 */
import { ts } from 'ts-morph';
import { asObjectLiteral, declarationOf, hasSpread, objectProperty, objectPropertyValue, propertyName, unwrap } from '../../analysis/typescript/ast';
import { drizzleRelation, drizzleTable, type DrizzleSchema } from '../../analysis/typescript/drizzle-schema';

export interface DrizzleCondition {
  /** `eq`, `inArray`, `gte`, ...; `or` for a disjunction, whose branches are `branches`. */
  op: string;
  /** The compared column's name (`userId` of `payments.userId`). */
  column?: string;
  value?: ts.Expression;
  branches?: DrizzleCondition[][];
}

export interface DrizzleWhere {
  conditions: DrizzleCondition[];
  /** Part of the where cannot be read (SQL text, a variable built elsewhere, an object filter). */
  opaque: boolean;
}

export interface DrizzleRead {
  /** `findMany(...)` / `findFirst(...)`, or the outermost call of a select chain. */
  call: ts.CallExpression;
  style: 'query' | 'select';
  method: string;
  /** The table as the query names it (`db.query.<table>`, `.from(<table>)`). */
  table: string;
  /** The query's options (relational style). */
  options?: ts.ObjectLiteralExpression;
  limited: boolean;
  where?: DrizzleWhere;
}

export interface DrizzleInclude {
  path: string;
  /** The related table's variable. */
  table: string;
}

/** Text that may hold a Drizzle read: a relational query or a select's `from`. */
export function mayReadDrizzle(text: string): boolean {
  return /\.query\s*\.\s*\w+\s*\.\s*find(Many|First)\s*\(|\bselect(Distinct(On)?)?\s*\(\s*(\{[^()]*\})?\s*\)\s*\.\s*from\s*\(/.test(text);
}

const SELECT_CHAIN = new Set(['where', 'orderBy', 'innerJoin', 'leftJoin', 'rightJoin', 'fullJoin', 'crossJoin', 'execute', 'all']);
const ENDS_WHOLE_READ = new Set(['groupBy', 'having', 'as', '$dynamic', 'prepare', 'toSQL', 'getSQL', 'get', 'then']);
const AGGREGATE = /\b(count|countDistinct|sum|sumDistinct|avg|avgDistinct|min|max)\s*\(|\$count\b/;

export function drizzleReads(calls: readonly ts.CallExpression[]): DrizzleRead[] {
  const out: DrizzleRead[] = [];
  for (const call of calls) {
    const callee = unwrap(call.expression);
    if (!ts.isPropertyAccessExpression(callee)) continue;
    const name = callee.name.text;
    if (name === 'findMany' || name === 'findFirst') {
      const read = relationalRead(call, callee, name);
      if (read) out.push(read);
    } else if (name === 'from') {
      const read = selectRead(call, callee);
      if (read) out.push(read);
    }
  }
  return out;
}

/** `<client>.query.<table>.findMany(options)`. */
function relationalRead(call: ts.CallExpression, callee: ts.PropertyAccessExpression, method: string): DrizzleRead | undefined {
  const tableAccess = unwrap(callee.expression);
  if (!ts.isPropertyAccessExpression(tableAccess)) return undefined;
  const query = unwrap(tableAccess.expression);
  if (!ts.isPropertyAccessExpression(query) || query.name.text !== 'query') return undefined;
  const arg = call.arguments[0];
  const options = arg ? asObjectLiteral(arg) : undefined;
  if (arg && (!options || hasSpread(options))) return undefined; // options built elsewhere may hold the limit
  const whereValue = options && objectPropertyValue(options, 'where');
  return {
    call,
    style: 'query',
    method,
    table: tableAccess.name.text,
    options,
    limited: options !== undefined && objectProperty(options, 'limit') !== undefined,
    where: whereValue ? readWhere(whereValue, 0) : undefined,
  };
}

/** `await <client>.select(...).from(<table>).where(...).orderBy(...)`, awaited or returned whole. */
function selectRead(from: ts.CallExpression, callee: ts.PropertyAccessExpression): DrizzleRead | undefined {
  const select = unwrap(callee.expression);
  if (!ts.isCallExpression(select)) return undefined;
  const selectCallee = unwrap(select.expression);
  if (!ts.isPropertyAccessExpression(selectCallee) || !/^select(Distinct(On)?)?$/.test(selectCallee.name.text)) return undefined;
  if (from.arguments.length !== 1) return undefined;
  const tableExpr = unwrap(from.arguments[0]!);
  const table = ts.isIdentifier(tableExpr) ? tableExpr.text : ts.isPropertyAccessExpression(tableExpr) ? tableExpr.name.text : undefined;
  if (!table) return undefined;
  if (select.arguments.some((a) => AGGREGATE.test(a.getText()))) return undefined;
  let chain: ts.Expression = from;
  let limited = false;
  let where: DrizzleWhere | undefined;
  while (ts.isPropertyAccessExpression(chain.parent) && chain.parent.expression === chain && ts.isCallExpression(chain.parent.parent) && chain.parent.parent.expression === chain.parent) {
    const name = chain.parent.name.text;
    const next = chain.parent.parent;
    if (ENDS_WHOLE_READ.has(name)) return undefined;
    if (name === 'limit') limited = true;
    else if (name === 'where' && next.arguments[0]) where = readWhere(next.arguments[0], 0);
    else if (!SELECT_CHAIN.has(name) && name !== 'offset') return undefined;
    chain = next;
  }
  // Awaited or returned: the rows are materialised here (not a builder handed on).
  const holder = chain.parent;
  if (!holder || (!ts.isAwaitExpression(holder) && !ts.isReturnStatement(holder) && !(ts.isArrowFunction(holder) && holder.body === chain))) return undefined;
  return { call: chain as ts.CallExpression, style: 'select', method: selectCallee.name.text, table, limited, where };
}

const COMPARISONS = /^(eq|ne|gt|gte|lt|lte|inArray|notInArray|isNull|isNotNull|like|ilike|notLike|notIlike|between|notBetween|arrayContains|arrayContained|arrayOverlaps)$/;

function readWhere(expr: ts.Expression, depth: number): DrizzleWhere {
  const out: DrizzleWhere = { conditions: [], opaque: false };
  collect(expr, out, depth);
  return out;
}

function collect(expr: ts.Expression, into: DrizzleWhere, depth: number): void {
  const e = unwrap(expr);
  if (depth > 4) {
    into.opaque = true;
    return;
  }
  // an optional filter (`search ? ilike(...) : undefined`) narrows some requests only: it bounds nothing
  if (ts.isConditionalExpression(e) || e.kind === ts.SyntaxKind.UndefinedKeyword || (ts.isIdentifier(e) && e.text === 'undefined')) return;
  if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) {
    const body = ts.isArrowFunction(e) && !ts.isBlock(e.body) ? e.body : returnedExpression(e.body);
    if (body) collect(body, into, depth + 1);
    else into.opaque = true;
    return;
  }
  if (ts.isIdentifier(e)) {
    const decl = declarationOf(e);
    if (decl && ts.isVariableDeclaration(decl) && decl.initializer && ts.isCallExpression(unwrap(decl.initializer))) collect(decl.initializer, into, depth + 1);
    else into.opaque = true;
    return;
  }
  if (!ts.isCallExpression(e)) {
    into.opaque = true;
    return;
  }
  const fn = unwrap(e.expression);
  const name = ts.isIdentifier(fn) ? fn.text : ts.isPropertyAccessExpression(fn) ? fn.name.text : '';
  if (name === 'and') {
    for (const a of e.arguments) collect(a, into, depth + 1);
    return;
  }
  if (name === 'or') {
    const branches = e.arguments.map((a) => readWhere(a, depth + 1));
    if (branches.some((b) => b.opaque)) into.opaque = true;
    else into.conditions.push({ op: 'or', branches: branches.map((b) => b.conditions) });
    return;
  }
  if (!COMPARISONS.test(name)) {
    into.opaque = true;
    return;
  }
  const column = e.arguments[0] && unwrap(e.arguments[0]);
  into.conditions.push({
    op: name,
    column: column && ts.isPropertyAccessExpression(column) ? column.name.text : undefined,
    value: e.arguments[1] && unwrap(e.arguments[1]),
  });
}

function returnedExpression(body: ts.Node | undefined): ts.Expression | undefined {
  if (!body || !ts.isBlock(body)) return undefined;
  const last = body.statements[body.statements.length - 1];
  return last && ts.isReturnStatement(last) && body.statements.length === 1 ? last.expression : undefined;
}

/**
 * The first to-many relation a relational query's `with` loads whole: no `limit` of its own, of a related table whose
 * rows pile up (`grows`: a creation stamp and a name of such rows, the table's or the relation's).
 */
export function unboundedWith(schema: DrizzleSchema, table: string, options: ts.ObjectLiteralExpression, grows: (name: string) => boolean, path = '', depth = 0): DrizzleInclude | undefined {
  if (depth > 3) return undefined;
  const selection = asObjectLiteral(objectPropertyValue(options, 'with'));
  if (!selection || hasSpread(selection)) return undefined;
  for (const p of selection.properties) {
    if (!ts.isPropertyAssignment(p)) continue;
    const key = propertyName(p.name);
    const relation = key ? drizzleRelation(schema, table, key) : undefined;
    if (!key || !relation) continue;
    const value = unwrap(p.initializer);
    const nested = asObjectLiteral(value);
    if (value.kind !== ts.SyntaxKind.TrueKeyword && !nested) continue;
    if (nested && hasSpread(nested)) continue;
    const here = path ? `${path}.${key}` : key;
    const related = drizzleTable(schema, relation.to);
    const paged = nested !== undefined && (objectProperty(nested, 'limit') !== undefined || objectProperty(nested, 'where') !== undefined);
    if (relation.many && !paged && related?.stamped && (grows(key) || grows(related.name) || grows(related.sqlName))) return { path: here, table: related.name };
    const deeper = nested && unboundedWith(schema, relation.to, nested, grows, here, depth + 1);
    if (deeper) return deeper;
  }
  return undefined;
}
