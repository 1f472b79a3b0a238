/**
 * Which rows of a Django queryset belong to one owner, read from its filters: one parent's rows through a relation
 * the model declares (`filter(post=pk)`), whether that parent is a user or a row many users add to (a post's
 * comments), and whether the query reads them newest first (a history). Shared by unbounded-queryset (owner-scoped
 * lists) and n-plus-one (loops over one record's children, analysis/python/row-count.ts).
 */
import type { Node } from 'web-tree-sitter';
import { calleeName, type QuerysetInfo } from './django-querysets';
import type { ModelIndex } from './django-models';
import { stringValue } from './ast';
import { historyStamp, oneRowPerOwner, personKey } from './owner-history';
import { keptFewByApp, NO_LIMITS, type AppLimits } from './owner-limits';

/** Django lookups that compare rather than follow a relation (`__icontains`, `__gte`): a search, not one parent. */
const LOOKUP_OPERATORS = new Set(['in', 'gt', 'gte', 'lt', 'lte', 'range', 'contains', 'icontains', 'startswith', 'istartswith', 'endswith', 'iendswith', 'iexact', 'regex', 'iregex', 'isnull', 'search', 'year', 'month', 'day', 'date', 'week_day', 'ne']);
const LITERALS = new Set(['true', 'false', 'none', 'string', 'integer', 'float', 'concatenated_string']);

/** One keyword of a `filter(...)` that follows a relation to one row: `post=pk` -> key `post`, value `object`. */
export interface ParentFilter {
  /** The first step of the lookup, without `_id`. */
  key: string;
  /** `object`: a variable, attribute or call; `string`: a string literal; `literal`: another literal. */
  value: 'object' | 'string' | 'literal';
  /** Steps of the lookup path (`child__parent` is 2). */
  steps: number;
}

/**
 * The filters a queryset's `filter(...)` / `get_queryset(...)` calls apply through a path of relations (no lookup
 * operator such as `__icontains`, `__in`). Read from the code alone; which keys are relations is for the models.
 */
export function parentFilters(info: QuerysetInfo): ParentFilter[] {
  return filtersOfCalls(rootChainCalls(info));
}

function filtersOfCalls(calls: readonly Node[]): ParentFilter[] {
  const out: ParentFilter[] = [];
  for (const n of calls) {
    if (!['filter', 'get_queryset'].includes(calleeName(n) ?? '')) continue;
    for (const arg of n.childForFieldName('arguments')?.namedChildren ?? []) {
      if (arg?.type !== 'keyword_argument') continue;
      // `post=pk`, `post_id=pk`, `form__event=event`: through a relation to one row; not `author__name__icontains=q`.
      const path = (arg.childForFieldName('name')?.text ?? '').replace(/(__id|__pk|__exact)$/, '').split('__');
      const value = arg.childForFieldName('value');
      if (!value || path.some((step) => LOOKUP_OPERATORS.has(step))) continue;
      out.push({ key: path[0].replace(/_id$/, ''), value: !LITERALS.has(value.type) ? 'object' : value.type === 'string' ? 'string' : 'literal', steps: path.length });
    }
  }
  return out;
}

/**
 * The calls a queryset's rows went through: those chained on each root, and those applied to a variable holding it
 * later (`qs = qs.filter(patient=user)`, `return qs.order_by("-date")`), each once.
 */
export function chainCalls(info: QuerysetInfo): Node[] {
  const out = new Map<number, Node>();
  for (const call of rootChainCalls(info)) out.set(call.id, call);
  for (const path of info.callPaths) for (const call of path) out.set(call.id, call);
  return [...out.values()];
}

/** The calls chained on the roots themselves (`Visit.objects.filter(...)`): on every path. */
export function rootChainCalls(info: QuerysetInfo): Node[] {
  const out: Node[] = [];
  for (const root of info.roots) {
    for (let n: Node | null = root.node.parent; n && (n.type === 'call' || n.type === 'attribute'); n = n.parent) if (n.type === 'call') out.push(n);
  }
  return out;
}

/**
 * `filter(gym=self.gym)`, `filter(post=pk)`, `filter(bookmarks=pk)`: one parent's rows, through a relation the model
 * declares, inherits or receives (a reverse relation), compared with a value that names one row. Also the children
 * of a node the code names in a tree of the model itself (`filter(child__parent="DISH CATEGORY")`): options under a
 * category written in the code are rows an admin curates.
 */
export function filteredToParent(info: QuerysetInfo, names: string[], models: ModelIndex): boolean {
  if (filtersToParent(parentFilters(info), names, models)) return true;
  // Every path to the rows filters to a parent: `if doctor: qs = qs.filter(doctor=d) else: qs = qs.filter(patient=u)`
  // does, `if student: qs = qs.filter(student=student)` alone (an optional filter) does not.
  return info.callPaths.length > 0 && info.callPaths.every((path) => filtersToParent(filtersOfCalls(path), names, models));
}

/** filteredToParent over filters already read from the code. */
export function filtersToParent(filters: readonly ParentFilter[], names: string[], models: ModelIndex): boolean {
  const relations = names.map((m) => ({ model: m, relations: models.relationsOf(m) }));
  if (relations.every((r) => !r.relations || r.relations.size === 0)) return false;
  return filters.some((f) =>
    relations.some(({ model, relations: rels }) => {
      const rel = rels?.get(f.key);
      if (!rel) return false;
      if (f.value === 'object') return true;
      // Django resolves a lazy reference's model name case-insensitively (`ForeignKey('DropDown')` is Dropdown).
      return f.value === 'string' && f.steps === 2 && rel.target?.toLowerCase() === model.toLowerCase() && rel.kind === 'fk';
    }),
  );
}

/** `request.user.student.level`, not `request.user.profile.id`: two steps past the user to a row others share. */
const GROUP_OF_USER = /\brequest\.user\.\w+\.(?!(id|pk)\b)\w+\s*$/;

/** A state of work still waiting on someone: `status='pending'`, `state="open"`. */
const OPEN_WORK_VALUE = /^["'](pending|queued|waiting|unread|unprocessed|in[_ ]?progress|processing|requested|open|new|draft|active|unpaid|cart)["']$/i;
/** A flag of finished work: `completed=False`, `is_paid=False` keep the open rows (a cart, a queue). */
const DONE_FLAG = /(^|_)(complete|completed|done|finished|closed|paid|processed|resolved|read|seen|delivered|ordered|checked_out|handled)$/;

/** What a queryset's `filter(...)` calls say about whose rows they pick (see sharedParentOf). */
interface OwnerFilters {
  /** Some `filter(...)` keyword (also inside `Q(...)`). */
  filtered: boolean;
  /** A value names the signed-in user (not a group reached through them), or a key takes a batch (`__in`). */
  userOrBatch: boolean;
  /** The first step of every keyword, without `_id`. */
  keys: string[];
  /**
   * Keys whose value names the signed-in user themself, not a batch: `user=request.user` directly (one step), or
   * through the key's row (`patient__user=self.request.user`, `post__author=request.user`: two or more steps).
   */
  signedIn: { key: string; direct: boolean }[];
  /** Some keyword keeps only open work (`status='pending'`, `completed=False`): a queue, not a history. */
  openWork: boolean;
}

function ownerFilters(info: QuerysetInfo): OwnerFilters {
  const out: OwnerFilters = { filtered: false, userOrBatch: false, keys: [], signedIn: [], openWork: false };
  for (const n of chainCalls(info)) {
    if (calleeName(n) !== 'filter') continue;
    for (const arg of n.childForFieldName('arguments')?.descendantsOfType('keyword_argument') ?? []) {
      if (!arg) continue;
      const name = arg.childForFieldName('name')?.text ?? '';
      const value = arg.childForFieldName('value')?.text ?? '';
      out.filtered = true;
      // A batch of keys (`tags__in=merge_tags`) is rows the code already picked, not one parent's history.
      // `level=self.request.user.student.level`: a group reached through the user's profile is shared by many.
      if ((/\brequest\.user\b/.test(value) && !GROUP_OF_USER.test(value)) || name.endsWith('__in')) out.userOrBatch = true;
      const key = name.split('__')[0].replace(/_id$/, '');
      out.keys.push(key);
      if (/\brequest\.user\b/.test(value) && !GROUP_OF_USER.test(value) && !name.endsWith('__in')) out.signedIn.push({ key, direct: !name.replace(/__(id|pk)$/, '').includes('__') });
      if (OPEN_WORK_VALUE.test(value) || (value === 'False' && DONE_FLAG.test(name))) out.openWork = true;
    }
  }
  return out;
}

/**
 * The filter picks the rows of a parent other than one user: no lookup through the model's user keys to one
 * value, no `request.user` and no batch of keys. `filter(post=pk)` of comments is; `filter(author=request.user)`
 * and `filter(tags__in=picked)` are not.
 */
function sharedParentOf(filters: OwnerFilters, userRelations: string[]): boolean {
  return filters.filtered && !filters.userOrBatch && !filters.keys.some((k) => userRelations.includes(k));
}

/** The fields a queryset's own `order_by('-id', ...)` sorts descending: newest first, the way a history is read. */
export function newestFirst(info: QuerysetInfo): string[] {
  const out: string[] = [];
  for (const n of chainCalls(info)) {
    if (calleeName(n) !== 'order_by') continue;
    for (const arg of n.childForFieldName('arguments')?.namedChildren ?? []) {
      const field = arg?.type === 'string' ? stringValue(arg) : undefined;
      if (field?.startsWith('-') && /^-\w+$/.test(field)) out.push(field.slice(1));
    }
  }
  return out;
}


/**
 * The models of a queryset whose rows grow with time for the owner the filters pick (a check's pings, a user's
 * orders read newest first, a post's stamped comments), with the timestamp they grow by (model-growth.ts).
 */
export function growingModels(info: QuerysetInfo, models: ModelIndex, limits: AppLimits = NO_LIMITS): { model: string; timestamp: string }[] {
  return growingOf(info.models, ownerFilters(info), newestFirst(info), models, limits);
}

/** growingModels over facts already read from the code. */
function growingOf(names: readonly string[], filters: OwnerFilters, newest: string[], models: ModelIndex, limits: AppLimits): { model: string; timestamp: string }[] {
  const out: { model: string; timestamp: string }[] = [];
  for (const model of names) {
    // The app refuses one more row once an owner has a few, or deletes each row when its time has passed.
    if (keptFewByApp(limits, model, filters.keys)) continue;
    const timestamp = models.growthTimestamp(model, sharedParentOf(filters, models.userRelations(model)), newest) ?? personalHistory(model, filters, models);
    if (timestamp) out.push({ model, timestamp });
  }
  return out;
}

/**
 * One person's rows of a per-event record (a customer's orders, a patient's visits: owner-history.ts), picked through
 * a key to that person and not narrowed to open work: their all-time history. The field it grows by, or undefined.
 */
function personalHistory(model: string, filters: OwnerFilters, models: ModelIndex): string | undefined {
  if (filters.openWork) return undefined;
  // `post__author=request.user` picks the comments on the user's posts, not the user's own records: through a row
  // the key must still lead to a person (`patient__user=request.user`).
  const signedIn = filters.signedIn.filter((s) => s.direct).map((s) => s.key);
  const keys = [...new Set([...signedIn, ...filters.keys.filter((k) => personKey(models, model, k))])];
  if (keys.length === 0 || keys.some((k) => oneRowPerOwner(models, model, k))) return undefined;
  return historyStamp(models, model);
}

/** Some `filter(...)` of the queryset keeps only open work (`status='pending'`, `completed=False`): a queue. */
export function keepsOpenWork(info: QuerysetInfo): boolean {
  return ownerFilters(info).openWork;
}
