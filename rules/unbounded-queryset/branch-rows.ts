/**
 * Alternative querysets bound to one name in the branches of an `if`:
 *
 *     if user_id:
 *         avatars = Avatar.objects.filter(user_id=user_id)
 *     else:
 *         avatars = Avatar.objects.all()
 *     AvatarSerializer(avatars, many=True)
 *
 * The shared queryset reader merges the branches and keeps the owner filter of one as if it held on every path
 * (quiet by design: it also reads refinements). When each branch binds a fresh queryset (none refines the name
 * itself), the request picks one of them, and the branch that binds a whole, unfiltered table is the view's worst
 * case: a request that leaves the optional parameter out gets every row.
 */
import type { Node } from 'web-tree-sitter';
import { assignmentsBefore, querysetOf, readScopeOf, unparenthesize, type QuerysetInfo } from '../../analysis/python/django-querysets';

const BRANCHES = new Set(['if_statement', 'elif_clause', 'else_clause', 'try_statement', 'except_clause']);

/** The one branch's whole-table queryset behind a name bound differently per branch, or undefined. */
export function wholeTableAlternative(expression: Node): { node: Node; info: QuerysetInfo } | undefined {
  const use = unparenthesize(expression);
  if (use.type !== 'identifier') return undefined;
  const assignments = assignmentsBefore(use);
  if (assignments.length < 2) return undefined;
  const scope = readScopeOf(use);
  const name = use.text;
  const bound: { node: Node; info: QuerysetInfo }[] = [];
  for (const assignment of assignments) {
    const right = assignment.childForFieldName('right');
    // A refinement (`qs = qs.filter(...)`) or anything not a fresh queryset: the shared reader decides.
    if (!right || new RegExp(`\\b${name}\\b`).test(right.text) || !inBranch(assignment, scope)) return undefined;
    const info = querysetOf(right);
    if (!info || info.roots.length === 0) return undefined;
    bound.push({ node: right, info });
  }
  const whole = bound.filter(({ info }) => wholeTable(info));
  if (whole.length !== 1 || whole.length === bound.length) return undefined;
  const info = whole[0].info;
  if (!info.variables.includes(name)) info.variables.push(name);
  return { node: whole[0].node, info };
}

/** `Model.objects.all()` and the like: a manager chain with no filter, slice, owner, group or single row. */
function wholeTable(info: QuerysetInfo): boolean {
  return (
    info.roots.every((r) => r.kind === 'manager') &&
    !info.methods.some((m) => m === 'filter' || m === 'exclude' || m === 'none') &&
    !info.scoped && !info.sliced && !info.singleRow && !info.relatedManager && !info.compact && !info.materialized && info.iterator === 'none'
  );
}

/** The assignment sits in a branch of a conditional (or try) inside the function that uses the name. */
function inBranch(assignment: Node, scope: Node): boolean {
  for (let p = assignment.parent; p && p.id !== scope.id; p = p.parent) if (BRANCHES.has(p.type)) return true;
  return false;
}
