/**
 * unbounded-queryset, a view listing the queryset a selector, service or repository of another module returns:
 * `users = list_user()` then `UserOutputSerializer(users, many=True)` (HackSoft's styleguide layout: selectors.py,
 * services.py), `OrderSerializer(OrderService.for_shop(shop), many=True)`, `list(selectors.active_users())` in a view.
 * The checks of python.ts read helpers of the view's own module; this one follows the call into the module that
 * defines it (analysis/python/imported-querysets.ts) and judges the rows as python.ts does: unsliced, unstreamed, not a
 * few keys, not grouped, not one owner's rows of a table that stays small, not a curated lookup table.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { RuleContext } from '../api';
import { callsNamed, keywordArgument, positionalArguments } from '../../analysis/python/ast';
import { calleeName, querysetOf, type QuerysetInfo } from '../../analysis/python/django-querysets';
import { importedQuerysetOf } from '../../analysis/python/imported-querysets';
import { boundedByOwner, growthNote, type OwnerGrowth } from './owner-growth';
import { rowsOf } from './rows-of';

/** A serializer class (`UserOutputSerializer`) or a view's own (`self.get_serializer`), and list()/tuple(). */
const LIST_CALLS = /\b(?:\w*Serializer\w*|get_serializer|list|tuple)\b/g;
const SERIALIZER_CLASS = /^[A-Z]\w*Serializer\w*$/;

export function checkSelectorLists(ctx: RuleContext, tree: Tree, growth: OwnerGrowth, requestPath: (node: Node) => boolean): void {
  for (const call of callsNamed(tree, ctx.file.text, LIST_CALLS)) {
    const name = calleeName(call) ?? '';
    const builtin = call.childForFieldName('function')?.type === 'identifier' && (name === 'list' || name === 'tuple');
    const serializer = SERIALIZER_CLASS.test(name) || name === 'get_serializer';
    if (!builtin && !serializer) continue;
    if (serializer && keywordArgument(call, 'many')?.text !== 'True') continue;
    const data = serializer ? positionalArguments(call)[0] ?? keywordArgument(call, 'instance') : positionalArguments(call).length === 1 ? positionalArguments(call)[0] : undefined;
    // What the module's own helpers return is python.ts' to judge.
    if (!data || !requestPath(call)) continue;
    // (The import is asked first: reading the argument as a queryset of this module costs far more, per keystroke.)
    const imported = importedQuerysetOf(ctx.project, tree, ctx.file.relPath, data);
    if (!imported || imported.fromTime || !wholeList(imported.info, growth)) continue;
    if (querysetOf(data)) continue;
    ctx.report({
      start: data.startIndex,
      end: data.endIndex,
      messageId: serializer ? 'many-serializer' : 'list',
      data: { rows: rowsOf(imported.info) },
      detail: `${imported.where} returns an unpaginated queryset, and this view ${serializer ? 'serializes every row of it into one response' : 'loads every row of it into one list'}. Paginate it (self.paginate_queryset(queryset)), or slice it.${growthNote(imported.info, growth)}`,
    });
  }
}

/** Every row of the table, as python.ts judges a serializer's queryset. */
function wholeList(info: QuerysetInfo, growth: OwnerGrowth): boolean {
  if (info.sliced || info.iterator !== 'none' || info.singleRow || info.relatedManager || info.upcoming || info.materialized || info.compact) return false;
  return info.models.length > 0 && !boundedByOwner(info, growth) && !growth.curated(info);
}
