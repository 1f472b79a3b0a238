/**
 * A SQLAlchemy relationship an earlier pass over the same rows already loaded for every row: once `order.items` has
 * been read, the collection (or the many-to-one object) stays on the instance, so a second loop over the same list
 * reading it again runs no query (`total = sum(len(o.items) for o in orders)` then `for o in orders: o.items`). Only
 * the first pass is an N+1. A commit, rollback, expire or refresh between the passes expires the loaded attributes
 * (expire_on_commit), and rebinding the rows' variable gives new rows: then the later pass queries again.
 */
import type { Node, Tree } from 'web-tree-sitter';
import { ancestor } from '../../analysis/python/ast';
import { iterationsIn, readsLoopVariable, unparenthesize, type Iteration } from '../../analysis/python/django-querysets';

/** Calls that expire or replace loaded attributes between two passes. */
const EXPIRES = /\.(commit|rollback|expire|expire_all|refresh|close|reset)\s*\(/;
/** Nodes under which a read may not run for every row. */
const CONDITIONAL = new Set(['if_statement', 'conditional_expression', 'boolean_operator', 'try_statement', 'while_statement', 'match_statement', 'if_clause']);

/** The rows variable a loop iterates: `orders`, `sorted(orders, ...)`, `reversed(orders)`, `list(orders)`. */
function rowsVariable(iterable: Node): string | undefined {
  let n = unparenthesize(iterable);
  if (n.type === 'call' && /^(sorted|reversed|list|tuple)$/.test(n.childForFieldName('function')?.text ?? '')) {
    n = n.childForFieldName('arguments')?.namedChildren[0] ?? n;
  }
  return n.type === 'identifier' ? n.text : undefined;
}

/** `row.<relation>` is read in the iteration's body on every pass (not under a test). */
function readsOnEveryPass(iteration: Iteration, relation: string): boolean {
  const row = iteration.target.text;
  for (const body of iteration.body) {
    for (const attr of body.descendantsOfType('attribute')) {
      if (!attr || attr.childForFieldName('object')?.text !== row || attr.childForFieldName('attribute')?.text !== relation) continue;
      if (!readsLoopVariable(attr, iteration)) continue;
      let conditional = false;
      for (let p = attr.parent; p && p.id !== iteration.node.id; p = p.parent) if (CONDITIONAL.has(p.type)) conditional = true;
      if (!conditional) return true;
    }
  }
  return false;
}

/**
 * True when an earlier loop of the same function over the same rows variable read `<row>.<relation>` for every row,
 * with nothing in between that expires it or rebinds the variable.
 */
export function loadedByEarlierPass(tree: Tree, iteration: Iteration, relation: string): boolean {
  const rows = rowsVariable(iteration.iterable);
  const fn = ancestor(iteration.node, 'function_definition');
  if (!rows || !fn) return false;
  // The outermost loop or comprehension of this pass: an earlier pass must end before it starts.
  let start = iteration.node.startIndex;
  for (let p = iteration.node.parent; p && p.id !== fn.id; p = p.parent) {
    if (/^(for_statement|list_comprehension|generator_expression|set_comprehension|dictionary_comprehension)$/.test(p.type)) start = p.startIndex;
  }
  const text = tree.rootNode.text;
  for (const earlier of iterationsIn(tree, fn.text, fn.startIndex)) {
    if (earlier.node.endIndex > start || rowsVariable(earlier.iterable) !== rows) continue;
    if (ancestor(earlier.node, 'function_definition')?.id !== fn.id || !readsOnEveryPass(earlier, relation)) continue;
    // Only when the earlier pass itself runs unconditionally in the function body.
    let guarded = false;
    for (let p = earlier.node.parent; p && p.id !== fn.id; p = p.parent) if (CONDITIONAL.has(p.type) || p.type === 'for_statement') guarded = true;
    if (guarded) continue;
    const between = text.slice(earlier.node.endIndex, start);
    if (EXPIRES.test(between) || new RegExp(`(?<![\\w.])${rows}\\s*(=|\\+=)(?!=)`).test(between)) continue;
    return true;
  }
  return false;
}
