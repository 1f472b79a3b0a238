/**
 * A query built in steps through one variable: `query = Transaction.query` (or `db.query(X)`, `select(X)`), then
 * `if start: query = query.filter(...)`, `query = query.order_by(...)`, then `query.all()` or
 * `session.execute(query)`. The optional filters of a search endpoint are the usual reason for this shape: each
 * refinement inside an `if` (or a loop, an `except`) runs on some requests only, so it neither narrows nor limits the
 * rows on every path.
 */
import type { Node } from 'web-tree-sitter';
import { assignmentsBefore, unparenthesize } from './django-querysets';

export interface QueryStep {
  /** The right-hand side of the assignment. */
  value: Node;
  /** The assignment sits in a branch (`if`/`elif`/`else`, a loop, an `except`) that does not also hold the use. */
  conditional: boolean;
}

export interface QueryBuild {
  /** The assignment that starts the query (`query = select(X)`); undefined when none is seen. */
  base?: QueryStep;
  /** The steps that refine it (`query = query.where(...)`), latest first. */
  refinements: QueryStep[];
}

const BRANCHES = new Set(['if_statement', 'for_statement', 'while_statement', 'except_clause', 'try_statement', 'with_statement', 'match_statement']);
/** (A `try` body runs on every path that reaches past it; its `except` clauses do not.) */
const CONDITIONAL = new Set(['if_statement', 'for_statement', 'while_statement', 'except_clause', 'match_statement']);

/**
 * The assignments that build the query `use` names, walking back from the last one before it: each
 * `name = name.<method>(...)` is a refinement, the first other value is the base.
 */
export function queryBuild(use: Node): QueryBuild {
  const found: QueryBuild = { refinements: [] };
  if (use.type !== 'identifier') return found;
  const assignments = assignmentsBefore(use);
  for (let i = assignments.length - 1; i >= 0; i--) {
    const value = assignments[i].childForFieldName('right');
    if (!value) break;
    const step = { value: unparenthesize(value), conditional: inBranchWithout(assignments[i], use) };
    if (chainRoot(step.value)?.text === use.text) {
      found.refinements.push(step);
      continue;
    }
    found.base = step;
    break;
  }
  return found;
}

/** True when some step was taken on some paths only. */
export function refinedOnSomePaths(build: QueryBuild): boolean {
  return build.refinements.some((r) => r.conditional) || !!build.base?.conditional;
}

/** The name a method chain starts from (`query` of `query.filter(a).order_by(b)`). */
export function chainRoot(node: Node): Node | undefined {
  let current: Node | null | undefined = node;
  while (current) {
    current = unparenthesize(current);
    if (current.type === 'identifier') return current;
    if (current.type === 'await') current = current.namedChildren[0];
    else if (current.type === 'call') current = current.childForFieldName('function');
    else if (current.type === 'attribute') current = current.childForFieldName('object');
    else return undefined;
  }
  return undefined;
}

/** The statement runs under a condition (a branch, a loop body, a try) that `use` is outside of. */
function inBranchWithout(statement: Node, use: Node): boolean {
  for (let p = statement.parent; p && p.type !== 'function_definition' && p.type !== 'module'; p = p.parent) {
    if (!BRANCHES.has(p.type)) continue;
    if (use.startIndex >= p.startIndex && use.endIndex <= p.endIndex) return false;
    if (CONDITIONAL.has(p.type)) return true;
  }
  return false;
}
