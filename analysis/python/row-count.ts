/**
 * How many rows a Django queryset a loop walks can hold, as far as the code shows: one record's children, or anything
 * else (a whole table, a filtered list, an object's children the code cannot size). One record is `self` in a model
 * method whose children a unique constraint caps (`self.role_points.all()`, one per role), the signed-in user (`request.user.memberships.all()`, `filter(user=request.user)`,
 * `filter(member_id=self.kwargs["pk"])` through a foreign key to a user). Its children are a handful when their
 * model carries no date or time at all (ModelIndex.isStamped): memberships, role points, devices. Dated children are
 * a history that grows with use (a post's comments, a user's borrows, a routine's sessions). Then a query per child
 * is a few queries, not an N+1 worth reporting.
 *
 * Bounded-by-construction shapes (slices `[:5]`, unique lookups, `pk__in`) are read by the rules themselves
 * (QuerysetInfo.sliced / singleRow); this module answers the one-record question.
 */
import type { Node } from 'web-tree-sitter';
import { soleValueOf, type QuerysetInfo } from './django-querysets';
import type { ModelIndex } from './django-models';
import { importsOf } from './imports';
import { filtersToParent, parentFilters, type ParentFilter } from './owner-rows';
import { keptFewByApp, NO_LIMITS, type AppLimits } from './owner-limits';
import { purchaseModel } from './purchase-lines';

/**
 * What the code shows of a queryset that may be one record's children (JSON-friendly: template views keep it as a
 * per-file fact and judge it against the project's models later).
 */
export interface ChildScope {
  /** Every root is a related manager of one object: `release.files`, `self.role_points`, `request.user.memberships`. */
  related?: { relation: string; ownerClass?: string; owner: OwnerKind; ownerModel?: string }[];
  /** Manager roots: their filters through a relation path (which of them are relations is for the models). */
  parents: ParentFilter[];
  /** A window of time (`created__gte=since`): few rows again even of a growing model. */
  timeWindow: boolean;
}

/**
 * Owners whose children are few by what they are: `self` in a model method (the record's own parts), the signed-in
 * user (`request.user.memberships`: one person's own rows). Other single objects are not judged: one teacher's
 * pupils, an author's books or a genre's books (a detail view's object) are a class or a shelf, not a handful.
 */
export type OwnerKind = 'self' | 'user' | 'other';
const USER_OWNER = /^(self\.)?request\.user$/;
/** Calls that hand back one object: `self.get_object()`, `get_object_or_404(...)`, `X.objects.get(...)`, `.first()`. */
const ONE_OBJECT_CALL = /(^|\.)(get_object|get_object_or_404|get|first|last|latest|earliest)$/;

/**
 * The scope of a queryset that may be one record's children: every root a related manager of one object (not a row
 * of an enclosing loop), or every root a manager with some filter. Undefined otherwise, also when `loop` (the loop
 * walking the rows) sits inside another loop of the same function: the "one" record may change per outer pass.
 */
export function childScope(info: QuerysetInfo, loop?: Node): ChildScope | undefined {
  if (info.roots.length === 0 || (loop && insideAnotherLoop(loop))) return undefined;
  const scope: ChildScope = { parents: [], timeWindow: info.timeWindow };
  if (info.roots.every((r) => r.kind === 'related')) {
    scope.related = [];
    for (const root of info.roots) {
      if (!root.owner || !root.relation || !oneObject(root.owner)) return undefined;
      const owner = ownerKind(root.owner);
      const ownerClass = owner === 'self' ? enclosingClass(root.owner)?.childForFieldName('name')?.text : undefined;
      const entry: NonNullable<ChildScope['related']>[number] = ownerClass ? { relation: root.relation, ownerClass, owner } : { relation: root.relation, owner };
      const ownerModel = fetchedModel(root.owner);
      if (ownerModel) entry.ownerModel = ownerModel;
      scope.related.push(entry);
    }
    return scope;
  }
  if (!info.roots.every((r) => r.kind === 'manager')) return undefined;
  // Not `info.scoped` alone: it also counts batches of keys (`doc_id__in=ids`), rows of many parents.
  scope.parents = parentFilters(info);
  return scope.parents.length > 0 ? scope : undefined;
}

/**
 * One record's children of models that do not grow with use: a few rows, so a few queries. `names` are the models of
 * manager roots. False when a model cannot be told (not a unique project class) or a filter is no relation of it.
 */
export function fewChildren(scope: ChildScope, names: readonly string[], models: ModelIndex, limits: () => AppLimits = () => NO_LIMITS): boolean {
  let children: string[];
  if (scope.related) {
    // The lines of one order or cart the view fetched (purchase-lines.ts): a handful, however they are stamped.
    if (scope.related.every((r) => r.owner === 'other' && r.ownerModel && purchaseModel(r.ownerModel) && !!models.relationsOf(r.ownerModel)?.has(r.relation))) return true;
    children = [];
    for (const { relation, ownerClass, owner } of scope.related) {
      // `self` of a class that is not a project model (a view, a form) says nothing of whose rows these are.
      if (owner === 'other' || (owner === 'self' && !(ownerClass && models.has(ownerClass)))) return false;
      const targets = childModels(relation, ownerClass, models);
      if (targets.length === 0) return false;
      // A record's own parts are few when a unique constraint caps them (one role point per role); a cart's items
      // or a teacher's pupils are not capped, and are not judged.
      if (owner === 'self' && !targets.every((t) => models.cappedPerOwner(t))) return false;
      children.push(...targets);
    }
  } else {
    if (names.length === 0 || !names.every((m) => models.has(m)) || !filtersToParent(scope.parents, [...names], models)) return false;
    // One user's own rows (`filter(user=user)`, `filter(owner=request.user)`): a foreign key of the model to a user,
    // compared with one object. Other parents (a conference's reviewers, a section's proposals) are not judged.
    if (!names.every((m) => scope.parents.some((f) => f.value === 'object' && f.steps === 1 && models.userRelations(m).includes(f.key)))) return false;
    children = [...names];
  }
  if (scope.timeWindow) return true;
  // Dated rows are a history (a user's borrows, a routine's sessions, a post's comments), whatever stamps them: few
  // only when the model carries no date or time at all (memberships, role points, devices, settings), or when the
  // app itself keeps one user's rows few (a cap before creating, a delete once their time passes: owner-limits.ts).
  if (children.every((m) => !models.isStamped(m))) return true;
  if (scope.related) return false;
  const keys = scope.parents.map((f) => f.key);
  return children.every((m) => !models.isStamped(m) || keptFewByApp(limits(), m, keys));
}

/** A loop's rows are one record's few children (childScope, then fewChildren with the models as imported). */
export function fewChildRows(info: QuerysetInfo, loop: Node, models: ModelIndex, limits: () => AppLimits = () => NO_LIMITS): boolean {
  const scope = childScope(info, loop);
  if (!scope) return false;
  const imported = importsOf(info.roots[0].node.tree).origins;
  return fewChildren(scope, info.models.map((m) => imported.get(m)?.name ?? m), models, limits);
}

/** The models `owner.relation` leads to: from the owner's class when it is `self` of a model, else by the accessor. */
function childModels(relation: string, ownerClass: string | undefined, models: ModelIndex): string[] {
  const own = ownerClass && models.relationsOf(ownerClass)?.get(relation)?.target;
  if (own) return models.has(own) ? [own] : [];
  const targets = [...models.accessorTargets(relation)];
  return targets.every((t) => models.has(t)) ? targets : [];
}

function enclosingClass(node: Node): Node | undefined {
  for (let n = node.parent; n; n = n.parent) if (n.type === 'class_definition') return n;
  return undefined;
}

function ownerKind(owner: Node): OwnerKind {
  if (USER_OWNER.test(owner.text)) return 'user';
  if (owner.type === 'identifier' && owner.text === 'self') return 'self';
  return 'other';
}

/**
 * An expression that names one object: `self`, `request.user`, `self.object`, a variable or parameter, a subscript
 * of one, `self.get_object()`, `get_object_or_404(...)`; not a row bound by an enclosing loop or comprehension.
 */
/** `X.objects.get(...)`, `get_object_or_404(X, ...)`: the model of one fetched object. */
const FETCHED_MODEL = /^(?:(\w+)\.objects\.get\(|get_object_or_404\(\s*(\w+)\s*[,)])/;

/** The model class a variable was fetched from when one assignment binds it (`patient = Patient.objects.get(pk=pk)`). */
function fetchedModel(owner: Node): string | undefined {
  if (owner.type !== 'identifier') return undefined;
  const m = FETCHED_MODEL.exec(soleValueOf(owner)?.text ?? '');
  return m ? (m[1] ?? m[2]) : undefined;
}

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
