/**
 * Parameters the request's query object fills: a service function or method that every caller in the project hands
 * the whole query string (`studentService.getAllStudents(req.query)`, Koa's `ctx.query`), so `Number(query.limit)`
 * in it is the client's `?limit=`. Answered from call-arguments.ts's project-wide call texts (once per project state
 * and name); false when no call is found or any caller passes something else.
 */
import { ts } from 'ts-morph';
import type { RuleContext } from '../../rules/api';
import { declarationOf, enclosingFunction, type FunctionNode } from './ast';
import { argumentsPassedTo } from './call-arguments';

/** The query object of Express/Fastify (`req.query`, `request.query`), Koa (`ctx.query`, `ctx.request.query`), Hono (`c.req.query`). */
const REQUEST_QUERY_TEXT = /^(req|request|ctx|ctx\.request|context\.request|c\.req)\.query$/;

/** `query` in `Number(query.limit)` is a parameter of its function that every caller fills with the request's query. */
export function isRequestQueryParameter(ctx: RuleContext, id: ts.Identifier): boolean {
  const decl = declarationOf(id);
  if (!decl || !ts.isParameter(decl) || !ts.isIdentifier(decl.name)) return false;
  const fn = decl.parent;
  if (!fn || enclosingFunction(id) !== fn) return false;
  const name = calledName(fn as FunctionNode);
  if (!name) return false;
  const args = argumentsPassedTo(ctx, name, (fn as FunctionNode).parameters.indexOf(decl));
  return args !== undefined && args.every((a) => REQUEST_QUERY_TEXT.test(a));
}

/** The name callers call it by: `getAll(query) {}`, `function getAll(query)`, `const getAll = (query) =>`, `getAll: async (query) =>`. */
function calledName(fn: FunctionNode): string | undefined {
  if ((ts.isFunctionDeclaration(fn) || ts.isMethodDeclaration(fn)) && fn.name && ts.isIdentifier(fn.name)) return fn.name.text;
  const holder = fn.parent;
  if ((ts.isVariableDeclaration(holder) || ts.isPropertyAssignment(holder)) && ts.isIdentifier(holder.name)) return holder.name.text;
  return undefined;
}
