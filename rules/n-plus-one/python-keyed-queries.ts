/**
 * n-plus-one, Django: a query keyed by the loop's row. `for tenant in Tenant.objects.all(): FeatureUsage.objects
 * .filter(tenant=tenant)` runs one query per tenant, the reverse relation written as a manager query instead of
 * `tenant.featureusage_set.all()`; `get_object_or_404(Product, pk=product_id)` per line of a session cart likewise.
 * The relation reads (`row.customer.name`, `row.items.all()`) are python.ts's; this file finds the queries the loop
 * body starts itself on a model's manager with the row (or its key) as a lookup value.
 */
import type { Node } from 'web-tree-sitter';
import type { ReportSpec } from '../api';
import { clip } from '../shared/format';
import { captures, positionalArguments } from '../../analysis/python/ast';
import { assignmentsBefore, calleeName, readsLoopVariable, unparenthesize, type Iteration } from '../../analysis/python/django-querysets';

export const KEYED_QUERY_NOTES =
  'A query the loop body runs on a model manager with the row as a lookup value (`Usage.objects.filter(tenant=tenant)`, ' +
  '`.get(order_id=order.pk)`, `get_object_or_404(Product, pk=product_id)`) is one query per row: reported in loops over ' +
  "a queryset of many rows (not over one object's related manager or a queryset filtered to one owner, not over a " +
  'slice of at most 20, not over rows claimed with `select_for_update()`) and in loops over the keys of a session cart (`request.session[...]`), without a fix; manager ' +
  'writes (`create`, `get_or_create`, `.update()`, `.delete()`) are not reads and are not reported. ';

/** Manager methods that read rows. */
const READS = new Set(['filter', 'exclude', 'get', 'first', 'last', 'count', 'exists', 'aggregate', 'latest', 'earliest', 'values', 'values_list', 'all', 'order_by', 'select_related', 'prefetch_related', 'annotate', 'only', 'defer', 'distinct']);
/** Methods that, later in the chain, make the statement a write (a query per row that nothing can batch into a read). */
export const WRITES = new Set(['update', 'delete', 'create', 'get_or_create', 'update_or_create', 'bulk_create', 'bulk_update']);
const SHORTCUTS = new Set(['get_object_or_404', 'get_list_or_404']);

/** `Model.objects` / `Model._default_manager` (a class name: capitalised). */
function isModelManager(node: Node | null): boolean {
  if (node?.type !== 'attribute') return false;
  const owner = node.childForFieldName('object');
  const manager = node.childForFieldName('attribute')?.text ?? '';
  return !!owner && /^[A-Z]\w*$/.test(owner.type === 'attribute' ? owner.childForFieldName('attribute')?.text ?? '' : owner.text) && (manager === 'objects' || manager === '_default_manager');
}

/** The first call of a manager chain (`Model.objects.filter(...)`), or a shortcut (`get_object_or_404(Model, ...)`). */
function isManagerRead(call: Node): boolean {
  const fn = call.childForFieldName('function');
  if (fn?.type === 'identifier') return SHORTCUTS.has(fn.text) && /^[A-Z]/.test(positionalArguments(call)[0]?.text ?? '');
  if (fn?.type !== 'attribute' || !READS.has(calleeName(call) ?? '')) return false;
  return isModelManager(fn.childForFieldName('object'));
}

/** The chain built on `call` ends in a write (`.filter(...).update(...)`, `.delete()`). */
function chainWrites(call: Node): boolean {
  for (let n: Node | null = call.parent; n && (n.type === 'attribute' || n.type === 'call'); n = n.parent) {
    if (n.type === 'attribute' && WRITES.has(n.childForFieldName('attribute')?.text ?? '')) return true;
  }
  return false;
}

/** `row`, `row.pk`, `row.id`: a lookup value naming the row (or its primary key). */
function namesRow(value: Node, row: string): boolean {
  const v = unparenthesize(value);
  if (v.type === 'identifier') return v.text === row;
  return v.type === 'attribute' && v.childForFieldName('object')?.text === row && /^(pk|id)$/.test(v.childForFieldName('attribute')?.text ?? '');
}

/** The lookup keyword whose value is the row: `tenant=tenant` -> `tenant`. */
function rowKeyword(call: Node, rows: readonly string[]): { keyword: string; value: Node; row: string } | undefined {
  for (const arg of call.childForFieldName('arguments')?.namedChildren ?? []) {
    if (arg?.type !== 'keyword_argument') continue;
    const value = arg.childForFieldName('value');
    const row = value ? rows.find((r) => namesRow(value, r)) : undefined;
    if (value && row) return { keyword: arg.childForFieldName('name')?.text ?? '', value, row };
  }
  return undefined;
}

/** A name bound per pass besides the loop's own (`order = log.order` in the body), from where it is bound. */
export interface RowAlias {
  name: string;
  from: number;
}

/**
 * The per-row manager queries a loop's body runs with the row (or an alias of its related object, or for a session
 * cart one of the names the loop binds) as a lookup value, one finding per call.
 */
export function keyedQueries(iteration: Iteration, rowsText: string, report: (spec: ReportSpec) => void, aliases: readonly RowAlias[] = [], bound?: readonly string[]): void {
  const target = iteration.target.text;
  const names = bound ?? [target, ...aliases.map((a) => a.name)];
  for (const bodyNode of iteration.body) {
    for (const { node: call } of captures(iteration.node.tree, '(call) @c', bodyNode)) {
      if (!isManagerRead(call) || chainWrites(call)) continue;
      const key = rowKeyword(call, names);
      if (!key) continue;
      const alias = aliases.find((a) => a.name === key.row);
      if (alias ? key.value.startIndex < alias.from : !bound && !readsLoopVariable(key.value, iteration)) continue;
      report(finding(call, key.keyword, key.row, rowsText));
    }
  }
}

function finding(call: Node, keyword: string, row: string, rowsText: string): ReportSpec {
  const fn = call.childForFieldName('function')!;
  // `get_object_or_404(Product, pk=...)` is shown by its name; the model is in the detail.
  const shown = fn.text;
  const model = fn.type === 'identifier' ? ` of ${positionalArguments(call)[0]?.text ?? ''}` : '';
  return {
    start: call.startIndex,
    end: call.endIndex,
    messageId: 'keyed-query',
    data: { call: clip(shown, 40), row: clip(row, 16) },
    detail:
      `N+1 queries: ${shown}(${keyword}=...)${model} runs once for each ${row} of ${clip(rowsText, 60)}, one query per row. ` +
      `Query them all at once (${keyword.replace(/(_id)?(__\w+)?$/, '')}__in=... on the rows, grouped in Python), or ` +
      `prefetch the reverse relation on the loop's queryset with prefetch_related(...).`,
    fixes: [],
  };
}

/** `request.session[...]` / `request.session.get(...)`, directly or through a variable assigned from it. */
function isSessionValue(node: Node, depth = 0): boolean {
  const n = unparenthesize(node);
  if (/^(self\.)?request\.session\b/.test(n.text)) return true;
  if (n.type === 'identifier' && depth < 3) {
    const value = assignmentsBefore(n).pop()?.childForFieldName('right');
    return !!value && isSessionValue(value, depth + 1);
  }
  return false;
}

/**
 * `for product_id, quantity in cart.items()` over a session cart (`cart = request.session.get("cart", {})`): the
 * loop's names bound per line, or undefined when the loop is not over a session value's keys, values or items.
 */
export function sessionCartRows(loop: Node): string[] | undefined {
  if (loop.type !== 'for_statement') return undefined;
  let iterable = loop.childForFieldName('right');
  const left = loop.childForFieldName('left');
  if (!iterable || !left) return undefined;
  if (iterable.type === 'call' && /^(items|keys|values)$/.test(calleeName(iterable) ?? '') && iterable.childForFieldName('function')?.type === 'attribute') {
    iterable = iterable.childForFieldName('function')!.childForFieldName('object');
  }
  if (!iterable || !isSessionValue(iterable)) return undefined;
  const names = left.type === 'identifier' ? [left] : left.namedChildren.filter((c): c is Node => c?.type === 'identifier');
  return names.length > 0 ? names.map((n) => n.text) : undefined;
}
