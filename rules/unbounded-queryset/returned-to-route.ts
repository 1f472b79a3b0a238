/**
 * unbounded-queryset: rows a repository or CRUD helper returns (`result = await session.execute(select(User))`, then
 * `return result.scalars().all()`) that its callers hand on to a response: `return await crud.get_users(db)` in a
 * FastAPI route, or a service method that returns them to one. The callers come from the project call graph
 * (analysis/python/call-graph.ts); each caller's module is parsed only when a helper's rows are a candidate, and the
 * value is followed in the caller as in the helper (returned, assigned then returned, passed to a response call).
 * At most three helpers deep (route -> controller -> service -> repository); a caller in code that serves no requests (tests,
 * scripts) is no route, so rows only a test reads stay quiet.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { RuleContext } from '../api';
import { ancestor } from '../../analysis/python/ast';
import { calleeName, readScopeOf } from '../../analysis/python/django-querysets';
import { callSitesOf, functionRefOf, moduleTextOf, type FunctionRef } from '../../analysis/python/call-graph';
import { parseModule } from '../../analysis/python/imported-querysets';

/** How a value reaches a response, or that a helper (not a route) returns it to its callers. */
export const RETURNED_BY_HELPER = '\u0000returned by a helper';

export type ReachesResponse = (node: Node, scope: Node, fn: Node, depth: number) => string | undefined;

const MAX_HELPERS = 3;
const MAX_SITES = 12;

/**
 * How the rows returned by the function around `node` reach a response through its callers: "the route
 * get_users_endpoint() (api/endpoints.py:24)", or undefined when no caller hands them to one.
 */
export function returnedToRoute(ctx: RuleContext, tree: Tree, node: Node, reaches: ReachesResponse): string | undefined {
  const ref = functionRefOf(node, ctx.file.relPath);
  return ref ? viaCallers(ctx, tree, { file: ref.file, key: ref.key }, reaches, 0) : undefined;
}

function viaCallers(ctx: RuleContext, tree: Tree, target: FunctionRef, reaches: ReachesResponse, depth: number): string | undefined {
  const name = target.key.split('.').pop()!;
  for (const site of callSitesOf(ctx.project, tree, ctx.file.relPath, target).slice(0, MAX_SITES)) {
    if (site.from === '') continue;
    const text = site.file === ctx.file.relPath ? tree.rootNode.text : ctx.project && moduleTextOf(ctx.project, tree, ctx.file.relPath, site.file);
    const callerTree = text === undefined ? undefined : site.file === ctx.file.relPath ? tree : parseModule(tree, text);
    if (!callerTree) continue;
    const call = callOnLine(callerTree, site.line, name);
    const fn = call && ancestor(call, 'function_definition');
    if (!call || !fn) continue;
    const how = reaches(call, readScopeOf(call), fn, 0);
    if (how === RETURNED_BY_HELPER) {
      if (depth + 1 >= MAX_HELPERS) continue;
      const further = viaCallers(ctx, tree, { file: site.file, key: site.from }, reaches, depth + 1);
      if (further) return further;
    } else if (how) {
      const caller = fn.childForFieldName('name')?.text ?? 'caller';
      return `${how === 'the route' ? `the route ${caller}()` : `${how} in ${caller}()`} (${site.file}:${site.line})`;
    }
  }
  return undefined;
}

/** The call of `name` that starts on a 1-based line. */
function callOnLine(tree: Tree, line: number, name: string): Node | undefined {
  const row = line - 1;
  let found: Node | undefined;
  const visit = (n: Node) => {
    if (found || n.startPosition.row > row || n.endPosition.row < row) return;
    if (n.type === 'call' && n.startPosition.row <= row && calleeName(n) === name) {
      const fn = n.childForFieldName('function');
      if (fn && fn.endPosition.row === row) found = n;
    }
    for (const child of n.namedChildren) if (child) visit(child);
  };
  visit(tree.rootNode);
  return found;
}
