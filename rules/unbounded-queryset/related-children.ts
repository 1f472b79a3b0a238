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
import { historyStamp, personModel } from '../../analysis/python/owner-history';
import { keepsOpenWork } from '../../analysis/python/owner-rows';

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
    if (relation?.kind === 'reverse-fk' && relation.target && models.growthTimestamp(relation.target, true)) {
      child = relation.target;
      continue;
    }
    // One person's own records through their reverse relation: `request.user.orders.all()`, a fetched customer's
    // `customer.order_set.all()`: their all-time history (owner-history.ts), unless kept to open work.
    const personal = personalChildren(root.owner, root.relation, parent, models);
    if (!personal || keepsOpenWork(info)) return undefined;
    child = personal;
  }
  return child;
}

/** `request.user`, `self.request.user`: the signed-in user's row. */
const SIGNED_IN = /^(self\.)?request\.user$/;

/**
 * The per-event record model a person's reverse relation `relation` leads to (`orders` of a user or a customer
 * profile), when one person's rows of it are an all-time history; undefined otherwise.
 */
function personalChildren(owner: Node, relation: string, parent: string | undefined, models: ModelIndex): string | undefined {
  let target: string | undefined;
  if (parent) {
    const rel = models.relationsOf(parent)?.get(relation);
    if (rel?.kind !== 'reverse-fk' || !rel.target || !personModel(models, parent)) return undefined;
    target = rel.target;
  } else if (SIGNED_IN.test(unparenthesize(owner).text)) {
    // The signed-in user's class is the project's user model (or Django's): the relation's one model with a user key.
    const targets = [...models.accessorTargets(relation)].filter((m) => models.userRelations(m).length > 0);
    if (targets.length !== 1) return undefined;
    target = targets[0];
  }
  return target && historyStamp(models, target) ? target : undefined;
}

/** The model of one fetched row: a variable bound once to it, or the fetch itself. */
function fetchedModel(owner: Node): string | undefined {
  let n = unparenthesize(owner);
  if (n.type === 'identifier') {
    const assignments = assignmentsBefore(n);
    const right = assignments.length === 1 ? assignments[0].childForFieldName('right') : undefined;
    if (!right) return undefined;
    n = unparenthesize(right);
  }
  // `self.get_object()` in a DRF view (an `@action(detail=True)`), `self.object` in a Django DetailView's
  // get_context_data: a row of the class's `queryset`/`model`.
  const written = SELF_OBJECT.test(n.text) ? viewModel(n) : ((m) => (m?.[1] ?? m?.[2])?.split('.').pop())(ONE_FETCHED.exec(n.text));
  return written ? importsOf(owner.tree).origins.get(written)?.name ?? written : undefined;
}

const SELF_OBJECT = /^self\.(get_object\(\s*\)|object)$/;

/** `queryset = Post.objects...` or `model = Post` of the enclosing class. */
function viewModel(at: Node): string | undefined {
  let cls: Node | null = at.parent;
  while (cls && cls.type !== 'class_definition') cls = cls.parent;
  for (const statement of cls?.childForFieldName('body')?.namedChildren ?? []) {
    const assignment = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    if (assignment?.type !== 'assignment') continue;
    const left = assignment.childForFieldName('left')?.text;
    const right = assignment.childForFieldName('right')?.text ?? '';
    const m = left === 'queryset' ? /^([\w.]+)\.objects\b/.exec(right) : left === 'model' ? /^([\w.]+)$/.exec(right) : null;
    if (m) return m[1].split('.').pop();
  }
  return undefined;
}

/** Growing children still read whole: no slice, stream, single row, group or time window. */
export function childRowsUnbounded(info: QuerysetInfo): boolean {
  return !info.sliced && info.iterator === 'none' && !info.singleRow && !info.upcoming && !info.compact && !info.timeWindow && !info.recentWindow;
}
