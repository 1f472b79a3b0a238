/**
 * unbounded-queryset: a `.values()`/`.values_list()` queryset handed as is to DRF's `Response(...)`, alone or inside
 * the dict or list it returns (`return Response(Client.objects.values())`, `Response({"items": qs.values("id")})`).
 * DRF's JSON encoder turns a queryset into `tuple(queryset)`: every row is fetched and held, then rendered into one
 * body. (Model instances cannot be rendered that way, so only value rows are read; `list(...)` of one is checkList's.)
 */
import type { Node } from 'web-tree-sitter';
import { keywordArgument, positionalArguments } from '../../analysis/python/ast';
import { assignmentsBefore, querysetOf, unparenthesize, type QuerysetInfo } from '../../analysis/python/django-querysets';

/** Nodes a value passes through unchanged into the response data. */
const CONTAINERS = new Set(['dictionary', 'pair', 'list', 'tuple', 'parenthesized_expression']);

/** The value-row querysets `Response(data)` renders whole, with their place, or none. */
export function renderedValueRows(call: Node): Array<{ node: Node; info: QuerysetInfo }> {
  const data = keywordArgument(call, 'data') ?? positionalArguments(call)[0];
  if (!data) return [];
  const out: Array<{ node: Node; info: QuerysetInfo }> = [];
  const visit = (node: Node, depth: number) => {
    const value = unparenthesize(node);
    if (depth > 3) return;
    if (CONTAINERS.has(value.type)) {
      for (const child of value.namedChildren) {
        // A dict's values, not its keys.
        if (child && !(value.type === 'pair' && child.id === value.childForFieldName('key')?.id)) visit(child, depth + 1);
      }
      return;
    }
    if (value.type !== 'identifier' && value.type !== 'call') return;
    const info = querysetOf(value);
    if (!info || !info.values || info.roots.length === 0) return;
    // `clients = Client.objects.values()` then `Response(clients)`: the query is where the rows are chosen.
    const assigned = value.type === 'identifier' ? assignmentsBefore(value).pop()?.childForFieldName('right') : undefined;
    out.push({ node: assigned && querysetOf(assigned)?.values ? assigned : value, info });
  };
  visit(data, 0);
  return out;
}
