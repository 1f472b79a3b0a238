/**
 * Knex query builder reads that return every matching row: `await db('appointments').select('*')`,
 * `return knex('orders').where({ customer_id: id })`, where `db` is a Knex instance (`knex(config)` in the file, or a
 * relative module that creates one and is imported/required here), and nothing in the chain bounds the rows
 * (`.limit()`, `.first()`, an aggregate such as `.count()`) or makes it a write (`.insert()`, `.update()`, `.del()`).
 */
import { ts } from 'ts-morph';
import { declarationOf, stringValue, unwrap } from '../../analysis/typescript/ast';
import { importSource, isLocalSpecifier } from '../../analysis/typescript/imports';
import { joinPath } from '../../analysis/deploy/deploy-files';
import { isOfflineFile } from '../../analysis/typescript/handlers';
import type { RuleContext } from '../api';
import { isWordChar } from '../../analysis/char-codes';

export interface KnexRead {
  /** The `db('table')` call. */
  table: ts.CallExpression;
  /** The whole chain, awaited or returned. */
  chain: ts.Expression;
  /** The `.where({ ... })` call, when the filter is an object literal. */
  where?: ts.CallExpression;
  tableName: string;
  /** `.whereIn('id', ids)`: rows of the keys a list the code holds names, bounded by it. */
  listed: boolean;
  /** `db('appointments').where()`, as written up to the first call's name. */
  text: string;
}

/** Builder methods that keep a read whole: filters, ordering, joins, column choices. */
const WHOLE_READ = new Set([
  'select', 'columns', 'column', 'distinct', 'where', 'andWhere', 'orWhere', 'whereIn', 'whereNot', 'whereNotIn', 'whereNull',
  'whereNotNull', 'whereBetween', 'whereLike', 'whereILike', 'orderBy', 'join', 'innerJoin', 'leftJoin', 'rightJoin', 'as',
]);

/** A table name in parentheses, then a builder method: `('users').where(`. */
const TABLE_THEN_BUILDER = /\(\s*['"`][\w.]+['"`]\s*\)\s*\.\s*(select|where|orderBy|columns|distinct|join|innerJoin|leftJoin)\s*\(/g;

/**
 * Text that may hold a Knex read: a call of a function with a table name, then a builder method
 * (`/\b\w+\s*\(\s*['"`][\w.]+['"`]\s*\)\s*\.\s*(select|...)\s*\(/`). Searched from the parenthesis, then a word
 * character looked for before it: the pattern led by `\b\w+` was tried at every word of the file, ~2 ms a
 * keystroke on a 3,600-line module, ten times this search.
 */
export function mayReadKnex(text: string): boolean {
  TABLE_THEN_BUILDER.lastIndex = 0;
  for (let m = TABLE_THEN_BUILDER.exec(text); m; m = TABLE_THEN_BUILDER.exec(text)) {
    let i = m.index - 1;
    while (i >= 0 && /\s/.test(text[i]!)) i--;
    if (i >= 0 && isWordChar(text.charCodeAt(i))) return true;
    TABLE_THEN_BUILDER.lastIndex = m.index + 1; // every parenthesis a match can start at, overlapping ones too
  }
  return false;
}

export function knexReads(ctx: RuleContext, calls: readonly ts.CallExpression[]): KnexRead[] {
  const out: KnexRead[] = [];
  const instances = new Map<string, boolean>();
  for (const call of calls) {
    const callee = unwrap(call.expression);
    if (!ts.isIdentifier(callee) || call.arguments.length !== 1) continue;
    const tableName = stringValue(unwrap(call.arguments[0]!));
    if (!tableName) continue;
    let chain: ts.Expression = call;
    let where: ts.CallExpression | undefined;
    let whole = true;
    let methods = 0;
    let listed = false;
    while (ts.isPropertyAccessExpression(chain.parent) && ts.isCallExpression(chain.parent.parent) && chain.parent.parent.expression === chain.parent) {
      const name = chain.parent.name.text;
      if (!WHOLE_READ.has(name)) whole = false;
      if (name === 'whereIn' && listsKeys(chain.parent.parent)) listed = true;
      if (name === 'where' && chain.parent.parent.arguments.length === 1 && ts.isObjectLiteralExpression(unwrap(chain.parent.parent.arguments[0]!))) where = chain.parent.parent;
      methods++;
      chain = chain.parent.parent;
    }
    if (!whole || methods === 0) continue;
    // Awaited or returned: the rows are materialised here (not a subquery or a builder handed on).
    const holder = chain.parent;
    if (!ts.isAwaitExpression(holder) && !ts.isReturnStatement(holder) && !(ts.isArrowFunction(holder) && holder.body === chain)) continue;
    let isKnex = instances.get(callee.text);
    if (isKnex === undefined) instances.set(callee.text, (isKnex = knexInstance(ctx, callee)));
    if (!isKnex) continue;
    const first = (call.parent as ts.PropertyAccessExpression).name.text;
    out.push({ table: call, chain, where, listed, tableName, text: `${call.getText()}.${first}()` });
  }
  return out;
}

/** `whereIn('id', ids)`, `whereIn('orders.id', order.ids)`: the primary keys of a list held, not a literal of one. */
function listsKeys(call: ts.CallExpression): boolean {
  const column = call.arguments[0] && stringValue(unwrap(call.arguments[0]));
  const list = call.arguments[1] && unwrap(call.arguments[1]);
  if (!column || !list || !/^(\w+\.)?_?id$/.test(column)) return false;
  return !(ts.isArrayLiteralExpression(list) && list.elements.length <= 1) && !ts.isArrowFunction(list) && !ts.isFunctionExpression(list);
}

/** `const db = knex(config)` / `require('knex')(config)` in the file, or imported from a relative module that creates one. */
function knexInstance(ctx: RuleContext, id: ts.Identifier): boolean {
  const source = importSource(id);
  if (source) return isLocalSpecifier(source.specifier) && /^\.\.?\//.test(source.specifier) && moduleCreatesKnex(ctx, source.specifier);
  const decl = declarationOf(id);
  if (!decl || !ts.isVariableDeclaration(decl) || !decl.initializer) return false;
  return CREATES_KNEX.test(decl.initializer.getText());
}

const CREATES_KNEX = /^(require\s*\(\s*['"]knex['"]\s*\)|knex|Knex)\s*\(/;

function moduleCreatesKnex(ctx: RuleContext, specifier: string): boolean {
  const dir = ctx.file.relPath.replace(/[^/]*$/, '');
  const base = joinPath(dir, specifier).replace(/\.(js|mjs|cjs|ts)$/, '');
  for (const ext of ['.js', '.ts', '.mjs', '.cjs', '/index.js', '/index.ts']) {
    const text = ctx.project.readFile(`${base}${ext}`);
    if (text !== undefined) return /\brequire\s*\(\s*['"]knex['"]\s*\)|\bfrom\s+['"]knex['"]/.test(text) && /\b(knex|Knex)\s*\(\s*[\w{]/.test(text);
  }
  return false;
}

/**
 * A table whose rows only setup code inserts: every file with a Knex `x('table').insert(...)` (or a raw `INSERT INTO
 * table`) is a seed, migration or script, or also creates the table (`createTable('table', ...)`: an init script that
 * creates and fills it). Such a table holds what was seeded (two demo doctors), not rows users add.
 */
export function seededKnexTable(ctx: RuleContext, table: string): boolean {
  const name = table.replace(/[^\w]/g, '');
  const insert = new RegExp(`\\(\\s*['"\`]${name}['"\`]\\s*\\)\\s*\\.\\s*(insert|upsert)\\s*\\(|INSERT\\s+INTO\\s+["\`]?${name}\\b`, 'i');
  const creates = new RegExp(`createTable(IfNotExists)?\\s*\\(\\s*['"\`]${name}['"\`]`);
  let writers = 0;
  for (const file of ctx.project.files()) {
    if (!/\.[cm]?[jt]s$/.test(file) || /(^|\/)node_modules\//.test(file)) continue;
    const text = ctx.project.readFile(file);
    if (!text || !text.includes(name) || !insert.test(text)) continue;
    writers++;
    if (!isOfflineFile(file) && !creates.test(text)) return false;
  }
  return writers > 0;
}
