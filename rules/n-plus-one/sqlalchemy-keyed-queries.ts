/**
 * n-plus-one, SQLAlchemy: a query the loop body runs with the row as a filter value. `for user in
 * db.query(User).all(): db.query(Post).filter(Post.user_id == user.id).count()` runs one SELECT per user (also
 * `X.query.filter_by(user_id=user.id)`, `select(X).where(X.owner == user)`), and the primary-key lookups of a
 * row's foreign key, in every form SQLAlchemy and Flask-SQLAlchemy offer: `session.get(Expense, payment.expense_id)`,
 * `db.session.get(...)`, `db.get_or_404(...)`, legacy `Expense.query.get(payment.expense_id)` / `.get_or_404(...)`,
 * `session.query(Expense).get(...)`. The relationship reads are python-sqlalchemy.ts's; this file finds the
 * queries the body starts itself.
 */
import type { Node } from 'web-tree-sitter';
import type { ReportSpec } from '../api';
import { clip } from '../shared/format';
import { captures } from '../../analysis/python/ast';
import { readsLoopVariable, unparenthesize, type Iteration } from '../../analysis/python/django-querysets';

export const SQLALCHEMY_KEYED_NOTES =
  'SQLAlchemy: a query the loop body runs with the row as a filter value (`filter(Post.user_id == user.id)`, ' +
  '`filter_by(user=user)`, `select(Post).where(Post.owner == user)`), or looks a row up by the row\'s foreign key ' +
  '(`session.get(Expense, payment.expense_id)`, `Expense.query.get(payment.expense_id)`), is one SELECT per row, reported (without a fix) ' +
  'unless the loop\'s own query is pinned to one parent (`filter(Item.order_id == order.id)`, `filter_by(order_id=...)`, ' +
  '`with_parent(...)`) or the chain ends in `.update()`/`.delete()`. ';

const FILTERS = new Set(['filter', 'filter_by', 'where']);
/** Something in the receiver chain makes it a query: `session.query(X)`, `X.query`, `select(X)`. */
const QUERY_CHAIN = /(^|[.\s(])query\b|\bselect\(/;
const WRITES = /\.(update|delete)\(/;
/** Primary-key lookups: `Query.get(pk)` / Flask-SQLAlchemy's `get_or_404(pk)` on a query, `Session.get(Model, pk)`. */
const PK_LOOKUPS = new Set(['get', 'get_or_404']);
/** A session (`session`, `db.session`, `self.session`, `db` for Flask-SQLAlchemy 3's `db.get_or_404`). */
const SESSION_RECEIVER = /(^|\.)(\w*session|db|sess)$/;
/** `payment.expense_id`: the row's foreign key value. */
const FOREIGN_KEY_ATTRIBUTE = /^\w+_id$/;

/** `user`, `user.id`, `user.pk`: the value names the row or its key. */
function namesRow(node: Node | null | undefined, row: string): boolean {
  const v = node && unparenthesize(node);
  if (!v) return false;
  if (v.type === 'identifier') return v.text === row;
  return v.type === 'attribute' && v.childForFieldName('object')?.text === row && /^(id|pk|uuid)$/.test(v.childForFieldName('attribute')?.text ?? '');
}

/** The argument of a filter call that compares a column with the row: `X.user_id == user.id`, `user=user`. */
function rowArgument(call: Node, row: string): Node | undefined {
  for (const arg of call.childForFieldName('arguments')?.namedChildren ?? []) {
    if (arg?.type === 'keyword_argument' && namesRow(arg.childForFieldName('value'), row)) return arg.childForFieldName('value') ?? undefined;
    if (arg?.type === 'comparison_operator' && arg.namedChildren.length === 2 && /^\s*==/.test(arg.text.slice((arg.namedChildren[0]?.endIndex ?? 0) - arg.startIndex))) {
      const side = arg.namedChildren.find((c) => namesRow(c, row));
      if (side) return side;
    }
  }
  return undefined;
}

/** The loop's own query compares a foreign key with one value: one parent's children, a handful. */
export function pinnedToOneParent(filters: readonly Node[]): boolean {
  return filters.some((f) => {
    const args = f.childForFieldName('arguments')?.text ?? '';
    return f.childForFieldName('function')?.childForFieldName('attribute')?.text === 'with_parent' || /\b\w+_id\s*==\s*[A-Za-z_]|\b\w+_id\s*=(?!=)\s*[A-Za-z_]/.test(args);
  });
}

/**
 * The key a primary-key lookup is given when it is the row or the row's foreign key: `Expense.query.get(p.expense_id)`,
 * `session.get(Expense, p.expense_id)`. A `.get(...)` on anything that is not a query or a session (a dict) is not one.
 */
function pkLookupKey(call: Node, fn: Node, row: string): Node | undefined {
  if (!PK_LOOKUPS.has(fn.childForFieldName('attribute')?.text ?? '')) return undefined;
  const receiver = fn.childForFieldName('object')?.text ?? '';
  const args = (call.childForFieldName('arguments')?.namedChildren ?? []).filter((a): a is Node => !!a && a.type !== 'keyword_argument' && a.type !== 'comment');
  let key: Node | undefined;
  if (QUERY_CHAIN.test(receiver) && args.length === 1) key = args[0];
  else if (SESSION_RECEIVER.test(receiver) && args.length === 2 && /^[A-Z][\w.]*$/.test(args[0].text.split('.').pop() ?? '')) key = args[1];
  if (!key) return undefined;
  const v = unparenthesize(key);
  const foreignKey = v.type === 'attribute' && v.childForFieldName('object')?.text === row && FOREIGN_KEY_ATTRIBUTE.test(v.childForFieldName('attribute')?.text ?? '');
  return foreignKey || namesRow(v, row) ? v : undefined;
}

/** The per-row queries of one loop over SQLAlchemy rows, one finding per filter call or key lookup keyed by the row. */
export function sqlalchemyKeyedQueries(iteration: Iteration, rowsText: string, report: (spec: ReportSpec) => void): void {
  const row = iteration.target.text;
  for (const bodyNode of iteration.body) {
    for (const { node: call } of captures(iteration.node.tree, '(call function: (attribute) @f) @c', bodyNode)) {
      if (call.type !== 'call') continue;
      const fn = call.childForFieldName('function')!;
      const lookedUp = pkLookupKey(call, fn, row);
      if (!lookedUp && (!FILTERS.has(fn.childForFieldName('attribute')?.text ?? '') || !QUERY_CHAIN.test(fn.childForFieldName('object')?.text ?? ''))) continue;
      const value = lookedUp ?? rowArgument(call, row);
      if (!value || !readsLoopVariable(value, iteration)) continue;
      let top = call;
      while (top.parent?.type === 'attribute' && top.parent.parent?.type === 'call') top = top.parent.parent;
      if (WRITES.test(top.text.slice(call.endIndex - top.startIndex))) continue;
      report({
        start: call.startIndex,
        end: call.endIndex,
        messageId: 'keyed-query',
        data: { call: clip(fn.text, 40), row: clip(row, 16) },
        detail:
          `N+1 queries: this query runs once for each ${row} of ${clip(rowsText, 60)}, one SELECT per row. Load the related ` +
          `rows for all of them at once (a relationship with selectinload, or one query with IN (...) grouped in Python, ` +
          `or a GROUP BY for counts).`,
        fixes: [],
      });
    }
  }
}
