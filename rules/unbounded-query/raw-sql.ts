/**
 * unbounded-query, raw SQL: `pool.query('SELECT ... FROM messages WHERE "channelId" = $1')`, TypeORM
 * `manager.query(...)`, `this.db.query(...)` in request-handling code, a SELECT with no LIMIT of a table that grows
 * with time (messages, history, events, logs, orders...), named in the FROM clause or, for
 * `FROM ${this.tableName}`, by the repository class; or a whole read of any table request code adds rows to
 * (mysql2's `SELECT * FROM Auction` beside an `INSERT INTO Auction` a route runs), with no WHERE or one that compares
 * columns with constants only (`WHERE status = 'ongoing'`). Counts and other aggregates, grouped rows and a lookup of
 * one row by `id`, a login key or a column the project declares unique are bounded; so is code nothing calls (uncalled.ts).
 * The SQL is a literal passed to `query`/`execute` (pg, mysql2, TypeORM's manager), to better-sqlite3's `prepare`
 * whose statement's `.all()` runs, or to a project helper that forwards it to one of those (sql-helpers.ts:
 * `executeQuery(this.pool, query)`); or a `const` holding one, or a `let` built up by `+=` (`WHERE 1=1` then optional
 * `AND ...` filters: the filters an `if` adds may be absent, so only unconditional appends narrow the read).
 */
import { ts } from 'ts-morph';
import type { RuleContext } from '../api';
import { clip } from '../shared/format';
import { declarationOf, enclosingFunction, indexOf, unwrap } from '../../analysis/typescript/ast';
import { inRequestHandler } from '../../analysis/typescript/handlers';
import { reachedFromRequests } from '../../analysis/typescript/request-reach';
import { neverCalled } from '../../analysis/typescript/uncalled';
import { uniqueKeysOf } from '../../analysis/typescript/unique-keys';
import { addedByAnyUser, addedOutsideAdmins } from '../../analysis/typescript/table-writers';
import { fewByName } from '../../analysis/few-by-name';
import { readsAll, sqlHelpers } from '../../analysis/typescript/sql-helpers';
import { isWordChar } from '../../analysis/char-codes';

/** Cheap tests of a file before the parse. */
const SELECT_CALL = /\.(query|execute)\s*(<[^>]*>)?\s*\(\s*[`'"]\s*select\b/i;
const SELECT_TEXT = /[`'"]\s*select\b[^`'"]*\bfrom\b/i;

/** A member named as a driver method that runs SQL (`db.query`, `pool\n  .execute`, `db.prepare`): any call rawSelects follows without the project's helpers. */
const DRIVER_MEMBER = /\.\s*(query|execute|prepare)\b/;

/**
 * The file may run a raw SELECT: a `.query('select ...')` call, or a SELECT ... FROM spelt in a string (SQL kept in a
 * variable, or handed to a project helper) in a file that names a driver method or one of the project's SQL helpers,
 * which the parse then matches with a call that runs it. A React component whose placeholder text reads
 * `SELECT ... FROM` names neither: parsing it would load the TypeScript compiler in a scan that needs it nowhere else.
 */
export function mayRunRawSelect(ctx: RuleContext): boolean {
  const text = ctx.file.text;
  if (SELECT_CALL.test(text)) return true;
  if (!SELECT_TEXT.test(text)) return false;
  if (DRIVER_MEMBER.test(text)) return true;
  for (const name of sqlHelpers(ctx).keys()) if (namesWord(text, name)) return true;
  return false;
}

/** `name` in the text with no identifier character (`\w`, `$`) on either side. */
function namesWord(text: string, name: string): boolean {
  const inName = (c: number) => isWordChar(c) || c === 36;
  for (let at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + 1)) {
    if (!inName(text.charCodeAt(at - 1)) && !inName(text.charCodeAt(at + name.length))) return true;
  }
  return false;
}

/** Tables whose rows pile up with use (the same words the ORM check reads as append-only). */
const GROWING_WORD = /^(audit|audits|logs?|events?|histor(y|ies)|messages?|notifications?|entr(y|ies)|visits?|clicks?|pageviews?|metrics?|tracking|orders?|expenses?|transactions?|bookings?|comments?|posts?|activit(y|ies)|payments?|invoices?)$/;

/** `direct_messages`, `UserEvents`, `History`: a word of the table's name names rows that pile up (not `postal_codes`). */
function growingTable(table: string): boolean {
  return table.split(/[_\-]+|(?<=[a-z])(?=[A-Z])/).some((w) => GROWING_WORD.test(w.toLowerCase()));
}
const BOUNDED_SQL = /\b(limit|fetch\s+first|fetch\s+next|top\s*\(?\d|group\s+by)\b|\b(count|sum|avg|min|max|exists|array_agg|json_agg|string_agg)\s*\(/i;
/** `WHERE id = $1`, `u."id" = ?`: one row by its primary key. */
const ONE_ROW = /\bwhere\b[\s\S]*?(^|[\s.(])"?id"?\s*=\s*(\$\d+|\?|:\w+|@\w+)/i;

/** `WHERE email = $1`, `u.slug = ?`, `"token" = ${token}`: a column compared with one parameter. */
const EQUALS_PARAMETER = /(?:^|[\s.(])"?(\w+)"?\s*=\s*(?:\$\d+|\?|:\w+|@\w+|\$\{[^}]*\})/g;
/** Columns that name one row in most schemas: keys, a login's email or username, a slug, a token. */
const ONE_ROW_COLUMN = /^(_?id|uuid|e_?mail|username|user_?name|login|slug|token)$/i;

/**
 * A WHERE (with no OR) that compares a column naming one row with one parameter: a login key, or a column the
 * project's models declare unique for the table (unique-keys.ts).
 */
function byUniqueColumn(ctx: RuleContext, sql: string, table: string): boolean {
  const where = /\bwhere\b([\s\S]*)/i.exec(sql)?.[1];
  if (!where || /\bor\b/i.test(where)) return false;
  const keys = uniqueKeysOf(ctx, 'sql', table);
  for (const m of where.matchAll(EQUALS_PARAMETER)) if (ONE_ROW_COLUMN.test(m[1]) || keys?.unique.has(m[1])) return true;
  return false;
}

export interface RawSelect {
  call: ts.CallExpression;
  table: string;
  /** Where the SQL's text starts when a variable before the call holds it: the report spans both. */
  start: number;
}

/** Unbounded raw SELECTs of growing tables in the file's request-handling code. */
export function rawSelects(ctx: RuleContext): RawSelect[] {
  const found: RawSelect[] = [];
  const sf = ctx.typescript();
  let helpers: ReadonlyMap<string, number> | undefined;
  for (const call of indexOf(sf).calls) {
    const callee = unwrap(call.expression);
    const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : undefined;
    if (!name) continue;
    let at: number | undefined;
    if (ts.isPropertyAccessExpression(callee) && (name === 'query' || name === 'execute')) at = 0;
    else if (ts.isPropertyAccessExpression(callee) && name === 'prepare') at = readsAll(call) ? 0 : undefined;
    else at = (helpers ??= sqlHelpers(ctx)).get(name);
    const held = at === undefined ? undefined : sqlOf(call.arguments[at], call);
    if (!held) continue;
    const sql = held.text;
    if (!/^\s*select\b/i.test(sql) || BOUNDED_SQL.test(sql) || ONE_ROW.test(sql)) continue;
    const table = mainTable(sql, call);
    if (!table || byUniqueColumn(ctx, sql, table)) continue;
    const growing = growingTable(table);
    if (!growing && !wholeTableRead(sql)) continue;
    if (!inRequestHandler(call, ctx.file.relPath) && !reachedFromRequests(ctx, call)) continue;
    // Last: who writes the table is a project-wide question (every module's writes).
    if (!growing && !addedOutsideAdmins(ctx, table)) continue;
    // Reference data named as such (specialties, categories, roles) is a few rows unless any signed-in user adds them.
    if (!growing && fewByName(table) && !addedByAnyUser(ctx, table)) continue;
    if (neverCalled(ctx, call)) continue;
    found.push({ call, table, start: Math.min(held.start, call.getStart()) });
  }
  return found;
}

/**
 * Every row of the table, or every row matching constants only: no WHERE, or a WHERE with no parameter (`?`, `$1`,
 * `:name`, `${...}`): nothing of the request narrows it to one user's or one parent's rows.
 */
function wholeTableRead(sql: string): boolean {
  const where = /\bwhere\b([\s\S]*)/i.exec(sql)?.[1];
  return where === undefined || !/\?|\$\d|\$\{|[\s=(]:\w|@\w/.test(where);
}

/**
 * The SQL a call runs: a string literal or template (substitutions as `${}`), a `const` initialised with one, or a
 * `let`/`var` of the same function built up by `+=` before the call (sqlBuiltUp); with where its text starts.
 */
function sqlOf(arg: ts.Expression | undefined, call: ts.CallExpression): { text: string; start: number } | undefined {
  if (!arg) return undefined;
  const e = unwrap(arg);
  if (!ts.isIdentifier(e)) {
    const text = literalSql(e);
    return text === undefined ? undefined : { text, start: e.getStart() };
  }
  const decl = declarationOf(e);
  if (!decl || !ts.isVariableDeclaration(decl) || !decl.initializer) return undefined;
  const init = unwrap(decl.initializer);
  const text = decl.parent.flags & ts.NodeFlags.Const ? literalSql(init) : sqlBuiltUp(decl, init, call);
  if (text === undefined) return undefined;
  // The variable's text counts as the finding's start only when it sits in the same function, before the call.
  const near = enclosingFunction(decl) === enclosingFunction(call) && init.getStart() < call.getStart();
  return { text, start: near ? init.getStart() : call.getStart() };
}

function literalSql(e: ts.Expression): string | undefined {
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return e.text;
  if (ts.isTemplateExpression(e)) return e.getText().slice(1, -1);
  return undefined;
}

/**
 * `let query = 'SELECT ... WHERE 1=1'; if (type) query += ' AND type = ?'; query += ' ORDER BY date';`: the text the
 * read runs when no optional filter applies. Appends in the same block as the declaration always run; an append under
 * an `if` with no `else` may not, so its filter is left out (its LIMIT, though, is kept: stay quiet then); an append
 * under an `if`/`else` or a loop is kept. Any other assignment, or an append that is not a literal, gives up.
 */
function sqlBuiltUp(decl: ts.VariableDeclaration, init: ts.Expression, call: ts.CallExpression): string | undefined {
  let text = literalSql(init);
  const name = ts.isIdentifier(decl.name) ? decl.name.text : undefined;
  const fn = enclosingFunction(decl);
  if (text === undefined || !name || !fn || enclosingFunction(call) !== fn) return undefined;
  for (const assignment of indexOf(call.getSourceFile()).assignments) {
    const left = unwrap(assignment.left);
    if (!ts.isIdentifier(left) || left.text !== name || assignment.getStart() > call.getStart() || declarationOf(left) !== decl) continue;
    if (assignment.operatorToken.kind !== ts.SyntaxKind.PlusEqualsToken) return undefined;
    const added = literalSql(unwrap(assignment.right));
    if (added === undefined) return undefined;
    if (!optionalAppend(assignment, decl) || BOUNDED_SQL.test(added)) text += added;
  }
  return text;
}

/** An append under an `if` with no `else` between it and the declaration's block. */
function optionalAppend(assignment: ts.Node, decl: ts.VariableDeclaration): boolean {
  const home = decl.parent.parent.parent;
  for (let n: ts.Node | undefined = assignment.parent; n && n !== home; n = n.parent) {
    if (ts.isIfStatement(n) && !n.elseStatement) return true;
    if (ts.isConditionalExpression(n) || ts.isSwitchStatement(n)) return true;
  }
  return false;
}

/**
 * The first table of the FROM clause (`messages` in `from messages mes inner join ...`); for `FROM ${this.tableName}`
 * the enclosing class's name without its role (`HistoryRepository` -> `History`).
 */
function mainTable(sql: string, call: ts.CallExpression): string | undefined {
  const from = /\bfrom\s+("?[\w.]+"?|\$\{[^}]*\})/i.exec(sql);
  if (!from) return undefined;
  if (!from[1].startsWith('${')) return from[1].replace(/"/g, '').split('.').pop();
  if (!/^\$\{\s*this\.\w*table\w*\s*\}$/i.test(from[1])) return undefined;
  for (let n: ts.Node | undefined = call.parent; n; n = n.parent) {
    if (ts.isClassDeclaration(n) && n.name) return n.name.text.replace(/(Repository|Repo|Service|Dao|Store)$/, '');
  }
  return undefined;
}

export function describeRawSelect(found: RawSelect): { what: string; detail: string } {
  const what = `Raw SQL SELECT from ${clip(found.table, 24)} without LIMIT`;
  return {
    what,
    detail:
      `${what}: the driver reads every matching row into one array before the handler continues, and ${found.table} ` +
      `grows with use, so the response and the worker's memory grow with it. Page it with LIMIT/OFFSET (or a keyset ` +
      `WHERE ... < $n ORDER BY ... LIMIT $m).`,
  };
}
