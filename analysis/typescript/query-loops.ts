/**
 * Loops over the rows of an ORM query in TS/JS: `for`/`for...of`/`while` loops and `.forEach`/`.map(async ...)`
 * callbacks (incl. `Promise.all(rows.map(...))`) whose iterable holds a query's results.
 */
import { ts } from 'ts-morph';
import type { RuleContext } from '../../rules/api';
import { isFunctionNode, methodCall, unwrap } from './ast';
import { queryResultSource, type OrmCall } from './orm';

const ITERATION_METHODS = new Set(['map', 'forEach', 'flatMap', 'filter', 'reduce', 'some', 'every', 'find', 'findIndex']);

export interface QueryLoop {
  /** The expression the loop walks (`posts`, `users.map`'s `users`). */
  iterable: ts.Expression;
  /** The query that produced those rows. */
  rows: OrmCall;
  /** `Promise.all(rows.map(async ...))`: every per-row query is in flight at once. */
  concurrent: boolean;
  /** The loop statement or the iteration callback. */
  node: ts.Node;
}

/** The innermost loop around a call (within its function, or through iteration callbacks) that walks a query's rows. */
export function enclosingQueryLoop(ctx: RuleContext, call: ts.Node): QueryLoop | undefined {
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
      // A loop over a handful of rows (`take: 3`) runs a handful of queries: an outer loop may still count.
      if (rows && rows.call !== call && !fewRows(rows)) return { iterable, rows, concurrent, node: n };
    }
  }
  return undefined;
}

/** A top-N list (`take: 3`, `limit: 5`); a page of 20 rows already makes 21 queries worth batching. */
const FEW_ROWS = 10;

/** `findMany({ take: 3 })`, `findAll({ limit: 5 })`, `find({ take: 10 })`: at most a few rows, written in the call. */
function fewRows(rows: OrmCall): boolean {
  const options = rows.call.arguments[rows.optionsIndex];
  const object = options && unwrap(options);
  if (!object || !ts.isObjectLiteralExpression(object)) return false;
  return object.properties.some((p) => {
    if (!ts.isPropertyAssignment(p) || !(ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) || !/^(take|limit)$/.test(p.name.text)) return false;
    const value = unwrap(p.initializer);
    return ts.isNumericLiteral(value) && Number(value.text) <= FEW_ROWS;
  });
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

export function firstLine(text: string): string {
  const line = text.split('\n')[0].trim();
  return line.length > 40 ? `${line.slice(0, 37)}...` : line;
}
