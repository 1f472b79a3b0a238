/**
 * One fetched parent's children through a reverse foreign key: `product = get_object_or_404(Product, pk=pk)` then
 * `product.comments.filter(active=True)`. A related manager's rows are usually few (an order's lines, a user's
 * folders), but not when many users keep adding them to the one parent: a product's comments, a post's replies, a
 * room's messages. The child model decides (ModelIndex.growthTimestamp with a shared parent: stamped when created,
 * tied to a user who writes them).
 */
import type { Node } from 'web-tree-sitter';
import { assignmentsBefore, unparenthesize, type QuerysetInfo } from '../../analysis/python/django-querysets';
import { importsOf } from '../../analysis/python/imports';
import type { ModelIndex } from '../../analysis/python/django-models';

/** `get_object_or_404(Product, ...)`, `Product.objects.get(...)`: one row of a named model. */
const ONE_FETCHED = /^(?:get_object_or_404\(\s*([\w.]+)\s*[,)]|([\w.]+)\.objects\.get\()/;

/** The child model when every root is a growing reverse relation of one fetched parent, else undefined. */
export function growingChildren(info: QuerysetInfo, models: ModelIndex): string | undefined {
  if (info.roots.length === 0) return undefined;
  let child: string | undefined;
  for (const root of info.roots) {
    if (root.kind !== 'related' || !root.owner || !root.relation) return undefined;
    const parent = fetchedModel(root.owner);
    const relation = parent ? models.relationsOf(parent)?.get(root.relation) : undefined;
    if (relation?.kind !== 'reverse-fk' || !relation.target) return undefined;
    if (!models.growthTimestamp(relation.target, true)) return undefined;
    child = relation.target;
  }
  return child;
}

/** The model of a variable bound once to one fetched row. */
function fetchedModel(owner: Node): string | undefined {
  const n = unparenthesize(owner);
  if (n.type !== 'identifier') return undefined;
  const assignments = assignmentsBefore(n);
  if (assignments.length !== 1) return undefined;
  const m = ONE_FETCHED.exec(unparenthesize(assignments[0].childForFieldName('right') ?? assignments[0]).text);
  const written = (m?.[1] ?? m?.[2])?.split('.').pop();
  return written ? importsOf(owner.tree).origins.get(written)?.name ?? written : undefined;
}
