/**
 * How many rows a Django queryset a loop walks can hold, as far as the code shows: the rows of one record's children
 * (`release.files.all()`, `self.role_points.all()`, `Note.objects.filter(member_id=self.kwargs["pk"])`,
 * `filter(user=request.user)`), or anything else (a whole table, a filtered list). One record's children are a
 * handful unless the child model grows with use (a post's comments, a room's messages, a user's orders read newest
 * first: model-growth.ts), so a query per child is a few queries, not an N+1 worth reporting.
 *
 * Bounded-by-construction shapes (slices `[:5]`, unique lookups, `pk__in`) are read by the rules themselves
 * (QuerysetInfo.sliced / singleRow); this module answers the one-record question.
 */
import type { Node } from 'web-tree-sitter';
import type { QuerysetInfo } from './django-querysets';
import type { ModelIndex } from './django-models';
import { importsOf } from './imports';
import { filteredToParent, growingModels, newestFirst } from './owner-rows';

/** The children of one record, and their models (empty when a model cannot be told). */
export interface OneRecordChildren {
  models: string[];
  /** The owner is a user (`request.user.memberships`): their own rows, not a parent many users add to. */
  ofUser: boolean;
}

/** `request.user`, `self.request.user`, `user`, `member.user`: an owner that is a user. */
const USER_OWNER = /(^|\.)(user|request\.user|current_user|member|profile)$/i;
/** Calls that hand back one object: `self.get_object()`, `get_object_or_404(...)`, `X.objects.get(...)`, `.first()`. */
const ONE_OBJECT_CALL = /(^|\.)(get_object|get_object_or_404|get|first|last|latest|earliest|get_or_create)$/;

/**
 * The loop's rows are one record's children: every root is a related manager of one object (not a row of an
 * enclosing loop), or a manager filtered to one parent through a relation of its model. Undefined otherwise, also
 * when the loop sits inside another loop of the same function (the "one" record may change per outer pass).
 */
export function oneRecordChildren(info: QuerysetInfo, loop: Node, models: ModelIndex): OneRecordChildren | undefined {
  if (info.roots.length === 0 || insideAnotherLoop(loop)) return undefined;
  if (info.roots.every((r) => r.kind === 'related')) {
    const out: OneRecordChildren = { models: [], ofUser: true };
    for (const root of info.roots) {
      if (!root.owner || !root.relation || !oneObject(root.owner)) return undefined;
      if (!USER_OWNER.test(root.owner.text)) out.ofUser = false;
      const targets = childModels(root.owner, root.relation, models);
      if (targets.length === 0) return undefined;
      out.models.push(...targets);
    }
    return out;
  }
  if (!info.roots.every((r) => r.kind === 'manager') || info.models.length === 0) return undefined;
  const imported = importsOf(info.roots[0].node.tree).origins;
  const names = info.models.map((m) => imported.get(m)?.name ?? m);
  if (!names.every((m) => models.has(m))) return undefined;
  // Not `scoped` alone: it also counts batches of keys (`doc_id__in=ids`), rows of many parents.
  if (!filteredToParent(info, names, models)) return undefined;
  return { models: names, ofUser: false };
}

/**
 * One record's children of models that do not grow with use: a few rows, so a few queries. Rows of a window of time
 * (`created__gte=since`) are few again even when the model grows.
 */
export function fewChildRows(info: QuerysetInfo, loop: Node, models: ModelIndex): boolean {
  const children = oneRecordChildren(info, loop, models);
  if (!children) return false;
  if (info.timeWindow) return true;
  const roots = info.roots.every((r) => r.kind === 'related');
  if (!roots) return growingModels({ ...info, models: children.models }, models).length === 0;
  // A related manager's rows: a user's own rows grow when they record an event; a shared parent's stamped rows do.
  const newest = newestFirst(info);
  return children.models.every((m) => !models.growthTimestamp(m, !children.ofUser, newest));
}

/** The models `owner.relation` leads to: from the owner's class when it is `self` of a model, else by the accessor. */
function childModels(owner: Node, relation: string, models: ModelIndex): string[] {
  if (owner.type === 'identifier' && owner.text === 'self') {
    const cls = enclosingClass(owner);
    const own = cls && models.relationsOf(cls)?.get(relation)?.target;
    if (own) return models.has(own) ? [own] : [];
  }
  const targets = [...models.accessorTargets(relation)];
  return targets.every((t) => models.has(t)) ? targets : [];
}

function enclosingClass(node: Node): string | undefined {
  for (let n = node.parent; n; n = n.parent) if (n.type === 'class_definition') return n.childForFieldName('name')?.text;
  return undefined;
}

/**
 * An expression that names one object: `self`, `request.user`, `self.object`, a variable or parameter, a subscript
 * of one, `self.get_object()`, `get_object_or_404(...)`; not a row bound by an enclosing loop or comprehension.
 */
function oneObject(owner: Node): boolean {
  let root: Node | null = owner;
  for (;;) {
    if (root?.type === 'attribute') root = root.childForFieldName('object');
    else if (root?.type === 'subscript') root = root.childForFieldName('value');
    else if (root?.type === 'call') {
      const fn = root.childForFieldName('function');
      if (!ONE_OBJECT_CALL.test(fn?.text ?? '')) return false;
      if (fn?.type !== 'attribute') return true;
      root = fn.childForFieldName('object');
    } else break;
  }
  return root?.type === 'identifier' && !boundByLoop(root);
}

/** The name is the target of an enclosing `for` or comprehension clause (within the same function). */
function boundByLoop(name: Node): boolean {
  for (let n = name.parent; n && n.type !== 'function_definition' && n.type !== 'class_definition'; n = n.parent) {
    if (n.type === 'for_statement' && new RegExp(`\\b${name.text}\\b`).test(n.childForFieldName('left')?.text ?? '')) return true;
    if (/comprehension$|^generator_expression$/.test(n.type)) {
      for (const c of n.namedChildren) {
        if (c?.type === 'for_in_clause' && new RegExp(`\\b${name.text}\\b`).test(c.childForFieldName('left')?.text ?? '')) return true;
      }
    }
  }
  return false;
}

/** The loop is nested in another loop or comprehension of the same function. */
function insideAnotherLoop(loop: Node): boolean {
  const clause = loop.type === 'for_in_clause' ? loop.parent : undefined;
  if (clause?.namedChildren.some((c) => c?.type === 'for_in_clause' && c.startIndex < loop.startIndex)) return true;
  for (let n = (clause ?? loop).parent; n && n.type !== 'function_definition' && n.type !== 'class_definition'; n = n.parent) {
    if (n.type === 'for_statement' || n.type === 'while_statement' || /comprehension$|^generator_expression$/.test(n.type)) return true;
  }
  return false;
}
