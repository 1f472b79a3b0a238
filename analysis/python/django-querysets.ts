/**
 * Django queryset analysis shared by the ORM rules (n-plus-one, unbounded-queryset): is an expression a queryset,
 * which assignments or helper functions built it, what it already select_related/prefetch_related, whether it is
 * sliced, streamed or reduced to values, and where a call can be inserted into it.
 *
 * Everything here is a syntactic approximation (no model definitions, no types): a chain must start at a manager
 * (`Order.objects`), a related manager (`order.items.all()`), a variable assigned one of those in the same function,
 * or a function/method of the same module that returns one. Anything else is "not a queryset", so rules stay quiet.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { OffsetEdit } from '../../rules/api';
import { ancestor, captures, keywordArgument, nodesAtText, positionalArguments, stringValue, parents } from './ast';
import { importsOf } from './imports';
import { topLevelStatements } from './statements';
import { recentWindowCall } from './time-windows';

/** Manager attributes that start a queryset chain: `Order.objects.filter(...)`. */
const MANAGER_ATTRIBUTES = new Set(['objects', '_default_manager', '_base_manager']);

/** QuerySet methods that return a QuerySet (or, for `iterator`, a stream of the same rows). */
const CHAINABLE = new Set([
  'all', 'filter', 'exclude', 'order_by', 'reverse', 'distinct', 'annotate', 'alias', 'select_related',
  'prefetch_related', 'only', 'defer', 'using', 'select_for_update', 'none', 'extra', 'complex_filter',
  'values', 'values_list', 'dates', 'datetimes', 'iterator',
]);

/** Methods that start a chain on a related manager: `order.items.all()`, `customer.orders.filter(...)`. */
const RELATED_START = new Set(['all', 'filter', 'exclude', 'order_by', 'select_related', 'prefetch_related', 'annotate', 'only', 'defer', 'distinct']);

/** `x.<name>.all()` where <name> is not a related manager (SQLAlchemy's `Model.query`, DRF's `self.queryset`, request data). */
const NOT_RELATED = new Set(['objects', 'query', 'session', 'queryset', 'request', 'GET', 'POST', 'data', 'query_params', 'headers', 'cookies', 'FILES', 'META']);

/** Calls that copy an iterable into a list: the rows are still model instances, but nothing can be chained after. */
const MATERIALIZERS = new Set(['list', 'tuple', 'sorted']);

/** Keyword lookups that bound a queryset to a few known rows: `.filter(pk=...)`, `.filter(id__in=ids)`. */
const SINGLE_ROW_LOOKUPS = new Set(['pk', 'id', 'pk__in', 'id__in', 'pk__exact', 'id__exact']);

/** Recursion limit through variables and helper functions (also stops recursive helpers). */
const MAX_DEPTH = 8;

export interface QuerysetRoot {
  kind: 'manager' | 'related' | 'helper';
  /** `Order.objects`, `order.items`, or the call of a helper that returns a queryset. */
  node: Node;
  /**
   * Offset where a new `.select_related(...)` / `.prefetch_related(...)` call can be inserted, or undefined when
   * nothing can be chained there (a helper returning a list or an iterator).
   */
  insertAt?: number;
  /** For related managers: the object that owns the manager (`order`) and the relation (`items`). */
  owner?: Node;
  relation?: string;
}

export interface QuerysetInfo {
  roots: QuerysetRoot[];
  /** Model names of manager roots (`Order` for `Order.objects`). */
  models: string[];
  /** Relation paths named in select_related(...) / prefetch_related(...). */
  selected: Set<string>;
  prefetched: Set<string>;
  /** Relations prefetched with a `Prefetch(queryset=...)` or `to_attr`: everything below them counts as loaded. */
  prefetchedSubtrees: Set<string>;
  /** `select_related()` with no arguments: follows every (non-null) foreign key. */
  selectAll: boolean;
  /** select/prefetch arguments that are not string literals (`*fields`, a variable): assume everything is loaded. */
  unknownRelations: boolean;
  /** Calls with string arguments, where another relation can be added as one more argument. */
  selectCalls: Node[];
  prefetchCalls: Node[];
  methods: string[];
  /**
   * The method calls applied, per path of assignments that reaches the use (`qs = qs.filter(...)` under an `if`
   * makes two paths), in order: also the calls of a variable's later assignments that the roots' own parent chains
   * do not reach. Empty when there were too many paths to keep (MAX_CALL_PATHS).
   */
  callPaths: Node[][];
  /** `.values()` / `.values_list()`: rows are dicts or tuples, without relations. */
  values: boolean;
  /** `[:n]` somewhere in the chain. */
  sliced: boolean;
  /** `.iterator(chunk_size=n)` ('chunked') or `.iterator()` ('plain'). */
  iterator: 'none' | 'chunked' | 'plain';
  /** `.filter(pk=...)`, `.filter(id__in=...)`, `.none()`: a few known rows. */
  singleRow: boolean;
  /** Wrapped in list()/tuple()/sorted(). */
  materialized: boolean;
  /** Names of the variables the queryset flowed through in the current scope. */
  variables: string[];
  /** The chain is exactly `owner.relation.all()`: it reads the owner's prefetch cache when there is one. */
  plainRelatedAll: boolean;
  /** Some root is a related manager (rows of one parent, usually few), also behind a helper function. */
  relatedManager: boolean;
  /** Filtered to one owner's rows: a relation compared with an object or id (`filter(project=project)`, `user=request.user`, `space_id=...`, `doc_id__in=ids`). */
  scoped: boolean;
  /**
   * Grouped rows: `values(...).annotate(...)` (one row per group), `.aggregate(...)` (one row), or
   * `values("team").distinct()` (one row per distinct value, as a GROUP BY without aggregates).
   */
  compact: boolean;
  /** Only rows still to come: a time lookup from now on (`filter(start__gte=timezone.now())`, upcoming events). */
  upcoming: boolean;
  /** A window of time: `filter(created__gte=since)`, `exclude(expiration__lt=now)` (on every path that reaches the use). */
  timeWindow: boolean;
  /**
   * A short window the server's clock fixes (`date=timezone.localdate()`, `created__gte=now() - timedelta(hours=1)`):
   * a day's or a week's rows, few whatever the table holds (time-windows.ts). Not a span the client picks.
   */
  recentWindow: boolean;
  /** Names `.annotate(name=Count(...))` gives an aggregate over a relation (Count, Sum, Avg, Min, Max). */
  aggregates: Set<string>;
  /** Every name `.annotate(name=...)` sets on the rows: a value computed by the same query, never a relation. */
  annotations: Set<string>;
}

/** ORMs whose code looks like Django's (`Document.objects`, `user.orders.all()`) but whose fixes differ. */
const OTHER_ORMS = ['sqlalchemy', 'flask_sqlalchemy', 'sqlmodel', 'mongoengine', 'peewee', 'tortoise', 'pony'];

/**
 * True when the file shows a sign of Django: an import from django/DRF, or (unless it imports another ORM) an
 * import from a `models` module or an `X.objects.method(` call.
 */
export function isDjangoFile(tree: Tree, text: string): boolean {
  return mayBeDjangoText(text) && djangoSignals(tree, text);
}

/** isDjangoFile's own test, without the text prefilter (exported for the test that the prefilter never rejects it). */
export function djangoSignals(tree: Tree, text: string): boolean {
  const imports = importsOf(tree);
  if (imports.importsModule('django') || imports.importsModule('rest_framework')) return true;
  if (OTHER_ORMS.some((m) => imports.importsModule(m))) return false;
  return djangoTextPatterns(text);
}

/** djangoSignals()'s tests that read the text alone: a models import or a manager call. */
function djangoTextPatterns(text: string): boolean {
  return (
    /^[ \t]*from[ \t]+[\w.]*\bmodels[ \t]+import\b/m.test(text) ||
    /^[ \t]*from[ \t]+[\w.]*[ \t]+import[ \t(]+[^\n]*\bmodels\b/m.test(text) ||
    /^[ \t]*import[ \t]+[\w.]+\.models\b/m.test(text) ||
    MANAGER_CALL.test(text)
  );
}

/**
 * `X.objects.<method>(`, but not a list's or set's own methods: `self.objects.append(obj)` (distutils' ccompiler)
 * is a list of object files, and taking it for a Django module made the stdlib scan build a DRF model of 1,800 modules.
 */
const MANAGER_CALL = /\.objects\s*\.\s*(?!(?:append|extend|insert|pop|remove|clear|sort|reverse|add|discard|setdefault|keys|items|copy|index)\()\w+\(/;

/**
 * What every text isDjangoFile() accepts has (its imports name `django`/`rest_framework`, or its text patterns match):
 * false means not a Django module, before the file is parsed.
 */
export function mayBeDjangoText(text: string): boolean {
  // An import of django/DRF names it in the text; otherwise only djangoSignals()'s text patterns can say Django (a
  // stdlib module that mentions `models` in a docstring was parsed for nothing).
  if (/django|rest_framework/.test(text)) return true;
  return /models|\.objects/.test(text) && djangoTextPatterns(text);
}

/**
 * Cheap text check before any tree work: every queryset this module recognises starts at a manager
 * (`X.objects`) or a related manager call (`a.items.all()`), so a file with neither has nothing to analyse.
 */
export function mayContainQuerysets(text: string): boolean {
  return /\.(?:objects|_default_manager|_base_manager)\b|\.\w+\s*\.\s*(?:all|filter|exclude|order_by|select_related|prefetch_related|annotate|only|defer|distinct)\(/.test(text);
}

/**
 * Fixes are offered only for files that parse: an edit computed from an error-recovered tree may land in the
 * wrong place, and the result could not parse anyway (a fix must leave a file that parses, RULES.md).
 */
export function fixesAllowed(tree: Tree): boolean {
  return !tree.rootNode.hasError;
}

export function unparenthesize(node: Node): Node {
  let n = node;
  while (n.type === 'parenthesized_expression' && n.namedChildren.length === 1 && n.namedChildren[0]) n = n.namedChildren[0];
  return n;
}

/**
 * The function, class body or module whose local variables the node reads (a comprehension or lambda reads its
 * enclosing function's: unlike uploads.ts's scopeOf, the scope a name is bound in).
 */
export function readScopeOf(node: Node): Node {
  return ancestor(node, 'function_definition', 'class_definition') ?? node.tree.rootNode;
}

/**
 * Top-level answers per tree and node: several rules (n-plus-one, unbounded-queryset) ask about the same loops on
 * every keystroke. Callers and the chain building mutate answers, so each caller gets its own copy.
 */
const querysetCache = new WeakMap<Tree, Map<number, { info: QuerysetInfo | undefined; reads: OutsideReads }>>();

/** Describes the queryset an expression evaluates to, or undefined when it is not recognisably one. */
export function querysetOf(expression: Node | null | undefined, depth = 0): QuerysetInfo | undefined {
  if (!expression || depth > MAX_DEPTH) return undefined;
  if (depth > 0) return describeQueryset(expression, depth);
  let perTree = querysetCache.get(expression.tree);
  if (!perTree) querysetCache.set(expression.tree, (perTree = new Map()));
  let cached = perTree.get(expression.id);
  if (!cached) {
    const [info, reads] = recordingOutsideReads(() => describeQueryset(expression, 0));
    perTree.set(expression.id, (cached = { info, reads }));
  }
  // A memoised answer still tells whoever records now what it read.
  activeReads?.merge(cached.reads);
  return cached.info && copyInfo(cached.info);
}

/**
 * What a queryset answer read outside the top-level statement it was asked about, so that per-statement caches
 * (analysis/python/statements.ts) know when a cached answer still holds.
 */
export class OutsideReads {
  /** Module-level functions looked up by name -> the definition's text then (null: there was none). */
  readonly functions = new Map<string, string | null>();
  /**
   * Methods of the enclosing class looked up by name (`self.get_queryset()`) -> `column:text` of the definition then
   * (null: there was none). Inside the top-level statement, so only per-method caches need to check them.
   */
  readonly members = new Map<string, string | null>();
  /** Resolved a name in a class body's own scope (a loop in a decorator): per-method caches do not keep such answers. */
  classScope = false;
  /** Read something that cannot be named here (module-level variables, a definition with parse errors). */
  unknown = false;

  merge(other: OutsideReads): void {
    for (const [name, text] of other.functions) this.functions.set(name, text);
    for (const [name, text] of other.members) this.members.set(name, text);
    this.classScope ||= other.classScope;
    this.unknown ||= other.unknown;
  }
}

let activeReads: OutsideReads | undefined;

/** Runs `fn`, collecting what the queryset analysis it does reads outside the statement (nested calls merge up). */
export function recordingOutsideReads<T>(fn: () => T): [T, OutsideReads] {
  const outer = activeReads;
  const reads = new OutsideReads();
  activeReads = reads;
  try {
    return [fn(), reads];
  } finally {
    activeReads = outer;
    outer?.merge(reads);
  }
}

/**
 * Runs `fn` without recording: what it reads is another module's tree (a selector's definition), whose changes the
 * caller keys its answer by (the project's change count), not this module's definitions.
 */
export function outsideRecording<T>(fn: () => T): T {
  const outer = activeReads;
  activeReads = undefined;
  try {
    return fn();
  } finally {
    activeReads = outer;
  }
}

/** True when every module-level function the reads named still has the same definition in this tree. */
export function outsideReadsHold(tree: Tree, reads: OutsideReads): boolean {
  if (reads.unknown) return false;
  if (reads.functions.size === 0) return true;
  const defs = definitionsIn(tree.rootNode);
  for (const [name, text] of reads.functions) if ((defs.get(name)?.text ?? null) !== text) return false;
  return true;
}

/**
 * True when every method of `cls` the reads named (see OutsideReads.members) still has the same definition, and the
 * answer read nothing else of the class's own scope: what a per-method cache checks besides outsideReadsHold.
 */
export function classMembersHold(cls: Node, reads: OutsideReads): boolean {
  if (reads.classScope) return false;
  if (reads.members.size === 0) return true;
  const body = cls.childForFieldName('body');
  if (!body) return false;
  const defs = definitionsIn(body);
  for (const [name, text] of reads.members) if (memberRecord(defs.get(name)) !== text) return false;
  return true;
}

/**
 * Records that an answer read whether the class `cls` defines the method `name` (and its definition), for the
 * per-method caches: classMembersHold() then checks that definition (added, removed or changed) on reuse.
 */
export function readClassMember(cls: Node, name: string): void {
  const body = cls.childForFieldName('body');
  if (!activeReads || !body) return;
  const def = definitionsIn(body).get(name);
  activeReads.members.set(name, memberRecord(def));
  if (def?.hasError) activeReads.unknown = true;
}

/**
 * The module's functions named `name` (every definition, in order), recorded as read like a helper's definition: an
 * answer kept per statement is then dropped when one of them changes (several of one name: not kept).
 */
export function moduleFunctionsNamed(tree: Tree, name: string): Node[] {
  const out: Node[] = [];
  for (const statement of topLevelStatements(tree)) {
    const def = statement.type === 'decorated_definition' ? statement.node.childForFieldName('definition') : statement.node;
    if (def?.type === 'function_definition' && def.childForFieldName('name')?.text === name) out.push(def);
  }
  if (activeReads) {
    activeReads.functions.set(name, definitionsIn(tree.rootNode).get(name)?.text ?? null);
    if (out.length > 1 || out.some((def) => def.hasError)) activeReads.unknown = true;
  }
  return out;
}

/** Records that an answer read something outside its statement that cannot be named (another class of the module). */
export function readOutsideUnnamed(): void {
  if (activeReads) activeReads.unknown = true;
}

function memberRecord(def: Node | undefined): string | null {
  return def ? `${def.startPosition.column}:${def.text}` : null;
}

function readModuleScope(scope: Node): void {
  if (!activeReads) return;
  if (scope.type === 'module') activeReads.unknown = true;
  else if (scope.type === 'class_definition') activeReads.classScope = true;
}

function copyInfo(info: QuerysetInfo): QuerysetInfo {
  return {
    ...info,
    roots: info.roots.map((r) => ({ ...r })),
    models: [...info.models],
    selected: new Set(info.selected),
    prefetched: new Set(info.prefetched),
    prefetchedSubtrees: new Set(info.prefetchedSubtrees),
    aggregates: new Set(info.aggregates),
    annotations: new Set(info.annotations),
    selectCalls: [...info.selectCalls],
    prefetchCalls: [...info.prefetchCalls],
    methods: [...info.methods],
    callPaths: info.callPaths.map((p) => [...p]),
    variables: [...info.variables],
  };
}

function describeQueryset(expression: Node, depth: number): QuerysetInfo | undefined {
  const node = unparenthesize(expression);
  switch (node.type) {
    case 'identifier':
      return resolveVariable(node, depth);
    case 'subscript': {
      const inner = querysetOf(node.childForFieldName('value'), depth);
      if (!inner || inner.iterator !== 'none') return undefined;
      // `qs[0]` is one row, not something to loop over.
      if (node.childForFieldName('subscript')?.type !== 'slice') return undefined;
      inner.sliced = true;
      return inner;
    }
    case 'call':
      return callChain(node, depth);
    case 'attribute':
      return isSelfQueryset(node) ? classQueryset(node, depth) : depth > 0 ? heldManager(node) : undefined;
    default:
      return undefined;
  }
}

/**
 * `qs = Team.objects` then `qs.filter(...)` / `return qs`: a model's manager held in a variable (or returned, which
 * DRF's list serializer reads with `.all()`) gives the whole table like `Team.objects.all()`. Only behind a
 * variable or a chain: a bare `Team.objects` expression is not itself rows.
 */
function heldManager(node: Node): QuerysetInfo | undefined {
  if (!MANAGER_ATTRIBUTES.has(node.childForFieldName('attribute')?.text ?? '')) return undefined;
  const owner = node.childForFieldName('object');
  const model = owner?.type === 'attribute' ? owner.childForFieldName('attribute')?.text : owner?.type === 'identifier' ? owner.text : undefined;
  if (!model || !/^[A-Z]/.test(model)) return undefined;
  const info = emptyInfo({ kind: 'manager', node, insertAt: node.endIndex });
  info.models.push(model);
  return info;
}

/** `self.queryset`: a DRF view's rows, as its class declares them. */
function isSelfQueryset(node: Node): boolean {
  return node.childForFieldName('object')?.text === 'self' && node.childForFieldName('attribute')?.text === 'queryset';
}

/**
 * The rows of `self.queryset`, or of `self.get_queryset()` when the class does not override it (DRF's own returns
 * `self.queryset.all()`): the `queryset = Order.objects...` the enclosing class body assigns. A base class declared
 * elsewhere is not read. Nothing is chained into the class attribute (it serves every action), so no insertion point.
 */
function classQueryset(at: Node, depth: number): QuerysetInfo | undefined {
  const body = ancestor(at, 'class_definition')?.childForFieldName('body');
  if (!body) return undefined;
  // The answer depends on the class body around the method: per-method caches must not keep it.
  if (activeReads) activeReads.classScope = true;
  let value: Node | undefined;
  for (const statement of body.namedChildren) {
    const assignment = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    if (assignment?.type === 'assignment' && assignment.childForFieldName('left')?.text === 'queryset') value = assignment.childForFieldName('right') ?? undefined;
  }
  const info = value ? querysetOf(value, depth + 1) : undefined;
  if (!info || info.roots.length === 0) return undefined;
  info.roots = [{ kind: 'helper', node: at, insertAt: undefined }];
  info.selectCalls = [];
  info.prefetchCalls = [];
  info.variables = [];
  info.plainRelatedAll = false;
  return info;
}

/**
 * `super().get_queryset()` in a class view that declares only `model = Post`: the whole table (what Django's
 * MultipleObjectMixin starts from). Only the enclosing class body is read; a `queryset =` attribute is not (its
 * rows are judged where the class declares them).
 */
function inheritedQueryset(call: Node): QuerysetInfo | undefined {
  const body = ancestor(call, 'class_definition')?.childForFieldName('body');
  if (activeReads) activeReads.classScope = true;
  let model: string | undefined;
  for (const statement of body?.namedChildren ?? []) {
    const assignment = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    const left = assignment?.type === 'assignment' ? assignment.childForFieldName('left')?.text : undefined;
    const right = left === 'model' || left === 'queryset' ? assignment!.childForFieldName('right') : undefined;
    if (left === 'queryset') return undefined;
    if (right) model = right.type === 'identifier' ? right.text : right.type === 'attribute' ? right.childForFieldName('attribute')?.text : undefined;
  }
  if (!model) return undefined;
  const info = emptyInfo({ kind: 'helper', node: call, insertAt: undefined });
  info.models.push(model);
  return info;
}

function callChain(call: Node, depth: number): QuerysetInfo | undefined {
  const fn = call.childForFieldName('function');
  if (!fn) return undefined;
  if (fn.type === 'identifier') {
    if (MATERIALIZERS.has(fn.text)) {
      const inner = querysetOf(positionalArguments(call)[0], depth);
      if (inner) inner.materialized = true;
      return inner;
    }
    return helperResult(call, depth);
  }
  if (fn.type !== 'attribute') return undefined;
  const method = fn.childForFieldName('attribute')?.text ?? '';
  const objectNode = fn.childForFieldName('object');
  if (!objectNode) return undefined;
  const receiver = unparenthesize(objectNode);

  // `Order.objects.filter(...)`: the chain starts at a model manager.
  if (receiver.type === 'attribute' && MANAGER_ATTRIBUTES.has(receiver.childForFieldName('attribute')?.text ?? '')) {
    if (!CHAINABLE.has(method)) return undefined;
    const modelNode = receiver.childForFieldName('object');
    const model = modelNode?.type === 'attribute' ? modelNode.childForFieldName('attribute')?.text : modelNode?.text;
    const info = emptyInfo({ kind: 'manager', node: receiver, insertAt: insertionAfterRoot(receiver, method, call) });
    if (model) info.models.push(model);
    return applyMethod(info, method, call);
  }
  // `self.get_orders()`: a method of the enclosing class.
  if (receiver.type === 'identifier' && (receiver.text === 'self' || receiver.text === 'cls')) return helperResult(call, depth);
  // `super().get_queryset()`: the view's declared rows (`queryset = ...`, or every row of its `model = Post`).
  if (method === 'get_queryset' && receiver.type === 'call' && receiver.childForFieldName('function')?.text === 'super') return inheritedQueryset(call);

  const inner = querysetOf(receiver, depth);
  if (inner) {
    if (!CHAINABLE.has(method) || inner.iterator !== 'none' || inner.materialized) return undefined;
    inner.plainRelatedAll = false;
    // Keep loading calls together: `Order.objects.select_related("a")` + new call -> after select_related("a").
    if (method === 'select_related' || method === 'prefetch_related') {
      for (const root of inner.roots) if (root.insertAt === objectNode.endIndex) root.insertAt = call.endIndex;
    }
    return applyMethod(inner, method, call);
  }

  // `order.items.all()`: a related manager (reverse foreign key or many-to-many).
  if (receiver.type === 'attribute' && RELATED_START.has(method)) {
    const relation = receiver.childForFieldName('attribute')?.text ?? '';
    const owner = receiver.childForFieldName('object');
    if (!owner || !relation || NOT_RELATED.has(relation) || relation.startsWith('_')) return undefined;
    const info = emptyInfo({ kind: 'related', node: receiver, owner, relation, insertAt: insertionAfterRoot(receiver, method, call) });
    applyMethod(info, method, call);
    info.plainRelatedAll = method === 'all' && positionalArguments(call).length === 0;
    return info;
  }
  return undefined;
}

/**
 * Where a new select_related/prefetch_related call goes: right after the manager (`Order.objects.select_related(...)
 * .filter(...)`), or after its `.all()` (`Order.objects.all().select_related(...)`) or a loading call already there.
 * Next to the manager rather than at the end of the chain because it is valid whatever follows (a slice,
 * `.iterator()`, `.values()` must come last) and the relation sits next to the model it belongs to.
 */
function insertionAfterRoot(root: Node, firstMethod: string, firstCall: Node): number {
  return firstMethod === 'all' || firstMethod === 'select_related' || firstMethod === 'prefetch_related' ? firstCall.endIndex : root.endIndex;
}

function applyMethod(info: QuerysetInfo, method: string, call: Node): QuerysetInfo {
  info.methods.push(method);
  for (const path of info.callPaths) path.push(call);
  const args = positionalArguments(call);
  const hasSplat = !!call.childForFieldName('arguments')?.namedChildren.some((a) => a?.type === 'list_splat' || a?.type === 'dictionary_splat');
  switch (method) {
    case 'select_related':
      if (args.length === 1 && args[0].type === 'none') {
        info.selected.clear();
        info.selectAll = false;
      } else if (args.length === 0 && !hasSplat) {
        info.selectAll = true;
      } else {
        for (const a of args) {
          const s = stringValue(a);
          if (s !== undefined) info.selected.add(s);
          else info.unknownRelations = true;
        }
        if (hasSplat) info.unknownRelations = true;
        if (args.some((a) => stringValue(a) !== undefined)) info.selectCalls.push(call);
      }
      break;
    case 'prefetch_related':
      if (args.length === 1 && args[0].type === 'none') {
        info.prefetched.clear();
        info.prefetchedSubtrees.clear();
        break;
      }
      for (const a of args) {
        const s = stringValue(a);
        if (s !== undefined) info.prefetched.add(s);
        else if (!addPrefetchObject(info, a)) info.unknownRelations = true;
      }
      if (hasSplat) info.unknownRelations = true;
      if (args.length > 0) info.prefetchCalls.push(call);
      break;
    case 'values':
    case 'values_list':
    case 'dates':
    case 'datetimes':
      info.values = true;
      break;
    case 'annotate':
    case 'aggregate':
      if (info.values || method === 'aggregate') info.compact = true; // one row per group, or one row
      for (const k of call.childForFieldName('arguments')?.namedChildren ?? []) {
        const value = k?.type === 'keyword_argument' ? k.childForFieldName('value') : undefined;
        if (value && method === 'annotate') info.annotations.add(k!.childForFieldName('name')!.text);
        if (value?.type === 'call' && AGGREGATES.test(value.childForFieldName('function')?.text ?? '')) info.aggregates.add(k!.childForFieldName('name')!.text);
      }
      break;
    case 'distinct':
      if (info.values) info.compact = true; // one row per distinct value of the selected columns
      break;
    case 'iterator':
      info.iterator = args.length > 0 || keywordArgument(call, 'chunk_size') ? 'chunked' : 'plain';
      break;
    case 'filter':
      if (call.childForFieldName('arguments')?.namedChildren.some((a) => a?.type === 'keyword_argument' && SINGLE_ROW_LOOKUPS.has(a.childForFieldName('name')?.text ?? ''))) {
        info.singleRow = true;
      }
      if (scopesToOwner(call)) info.scoped = true;
      if (windowsTime(call, /__(gte?|range|date|year|month|week|day|iso_year)$/)) info.timeWindow = true;
      if (fromNow(call)) info.upcoming = true;
      if (recentWindowCall(call, false, assignmentsBefore)) info.recentWindow = true;
      break;
    case 'exclude':
      if (windowsTime(call, /__lte?$/)) info.timeWindow = true;
      if (recentWindowCall(call, true, assignmentsBefore)) info.recentWindow = true;
      break;
    case 'none':
      info.singleRow = true;
      break;
  }
  return info;
}

/** A lookup on a time (by the field's name or the value's): `created__gte=now() - timedelta(hours=24)`. */
const TIME_FIELD = /(date|time|created|start|end|expir|updated|modified|timestamp|_at$|_on$|^when$|^day$)/;
const TIME_VALUE = /now\(|timedelta|date|time|since|until|cutoff|threshold/i;

/** A keyword lookup of the call that keeps rows of a window of time (lookups matching `lookup`). */
function windowsTime(call: Node, lookup: RegExp): boolean {
  return (call.childForFieldName('arguments')?.namedChildren ?? []).some((k) => {
    if (k?.type !== 'keyword_argument') return false;
    const name = k.childForFieldName('name')?.text ?? '';
    if (!lookup.test(name)) return false;
    return TIME_FIELD.test(name.replace(lookup, '').split('__').pop() ?? '') || TIME_VALUE.test(k.childForFieldName('value')?.text ?? '');
  });
}

/** `start__gte=timezone.now()`, `date__gt=now()`: a lower bound at the present moment on a time field. */
function fromNow(call: Node): boolean {
  return (call.childForFieldName('arguments')?.namedChildren ?? []).some((k) => {
    if (k?.type !== 'keyword_argument') return false;
    const name = k.childForFieldName('name')?.text ?? '';
    const value = k.childForFieldName('value')?.text ?? '';
    return /__gte?$/.test(name) && TIME_FIELD.test(name.replace(/__gte?$/, '').split('__').pop() ?? '') && /^([\w.]+\.)?(now|today)\(\s*\)(\.date\(\s*\))?$/.test(value);
  });
}

/** Django's aggregate functions, also as `models.Count`. */
const AGGREGATES = /^([\w.]+\.)?(Count|Sum|Avg|Min|Max)$/;

/** Owner-like relations: the rows of one user, project, space, document... */
const OWNER_LOOKUP = /^(user|owner|author|creator|created_by|member|profile|account|customer|project|space|workspace|team|group|household|tenant|org|organization|organisation|company|site|document|parent|child|check|channel)(_id)?$/;
/** Lookups that compare text rather than pick a related row (Django's pattern and full-text lookups). */
const TEXT_SEARCH_LOOKUP = /__(i?contains|i?startswith|i?endswith|i?regex|search|trigram_similar|unaccent)$/;
/** Values naming one object or id: `request.user`, `self.project`, `doc`, `obj.pk`, `user_id`. */
const OWNER_VALUE = /(^|\.)(user|owner|author|profile|account|customer|project|space|workspace|team|group|household|tenant|org|organization|company|site|doc|document|parent|child|check|channel|instance|obj|object)(_id)?$|\.(id|pk)$|_id$/i;

/**
 * True when a filter narrows the rows to one owner: an owner-like relation compared with a variable
 * (`filter(project=project)`, `filter(user=request.user)`), any `<relation>_id=`/`__in=` lookup given a variable, or
 * a variable naming an owner (`filter(owner=self.request.user)`). `status=status` does not scope: a status keeps most rows.
 */
function scopesToOwner(call: Node): boolean {
  const args = call.childForFieldName('arguments')?.namedChildren ?? [];
  const keywords = args.flatMap((a) => {
    if (a?.type === 'keyword_argument') return [a];
    // Q(project=project) & Q(...)
    return a ? a.descendantsOfType('keyword_argument').filter((k): k is Node => k !== null) : [];
  });
  return keywords.some((k) => {
    const name = k.childForFieldName('name')?.text ?? '';
    const value = k.childForFieldName('value');
    if (!value || !['identifier', 'attribute'].includes(value.type)) return false;
    if (/^(True|False|None)$/.test(value.text)) return false;
    // `author__icontains=q`: a text search over the column matches many owners' rows (all of them for `q=""`).
    if (TEXT_SEARCH_LOOKUP.test(name)) return false;
    const field = name.split('__')[0];
    return OWNER_LOOKUP.test(field) || /_id$/.test(field) || /__(id|pk|in)$/.test(name) || OWNER_VALUE.test(value.text) || namesOneObject(value);
  });
}

/** `get_object_or_404(...)`, `X.objects.get(...)`, `self.get_object()`, `.first()`: an expression that yields one model instance. */
const ONE_OBJECT = /^(get_object_or_404\(|[\w.]+\.objects\.get\(|self\.get_object\(\s*\)$|[\s\S]*\.(first|last|earliest|latest)\(\s*\)$)/;

/**
 * `filter(enrollment=self)` in a model method, or `filter(enrollment=enrollment)` where `enrollment` was bound to one
 * fetched instance (`get_object_or_404(...)`, `.get(...)`): the rows of that one parent, like a related manager's.
 */
function namesOneObject(value: Node): boolean {
  if (value.type !== 'identifier') return false;
  if (value.text === 'self') return true;
  const assignments = assignmentsBefore(value);
  return assignments.length > 0 && assignments.every((a) => ONE_OBJECT.test(unparenthesize(a.childForFieldName('right') ?? a).text));
}

/** `Prefetch("items", queryset=..., to_attr="paid_items")`: returns false for anything else. */
function addPrefetchObject(info: QuerysetInfo, arg: Node): boolean {
  if (arg.type !== 'call') return false;
  const fn = arg.childForFieldName('function');
  const name = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : fn?.text;
  if (name !== 'Prefetch') return false;
  const lookup = stringValue(positionalArguments(arg)[0] ?? keywordArgument(arg, 'lookup'));
  if (lookup === undefined) return false;
  const toAttr = stringValue(keywordArgument(arg, 'to_attr'));
  if (toAttr !== undefined) info.prefetchedSubtrees.add(toAttr);
  // A custom queryset may select or prefetch anything below the lookup: we cannot see it, so count it all as loaded.
  if (keywordArgument(arg, 'queryset')) info.prefetchedSubtrees.add(lookup);
  else info.prefetched.add(lookup);
  return true;
}

/** A variable: the assignments in its scope that reach the use (the dominating one and any later ones). */
function resolveVariable(use: Node, depth: number): QuerysetInfo | undefined {
  const scope = readScopeOf(use);
  readModuleScope(scope);
  const index = scopeIndex(scope);
  const name = use.text;
  const before = (n: Node) => n.endIndex <= use.startIndex;
  // `qs += ...`, `qs |= other`, a walrus: we do not follow those.
  if ((index.otherBindings.get(name) ?? []).some(before)) return undefined;
  const assignments = assignmentsBefore(use);
  if (assignments.length === 0) return undefined;

  const reaching: Node[] = [];
  // The assignments whose value the use can see directly: up to the last one that runs on every path to it (a
  // refinement `qs = qs.filter(...)` there already holds what came before).
  let direct = 0;
  let coveringIf: Node | undefined;
  for (let i = assignments.length - 1; i >= 0; i--) {
    const a = assignments[i];
    reaching.push(a);
    const value = a.childForFieldName('right')!;
    const refinesItself = new RegExp(`\\b${name}\\b`).test(value.text);
    const dominating = dominates(a, use);
    if (coveringIf && direct > 0 && a.startIndex >= coveringIf.startIndex && a.endIndex <= coveringIf.endIndex) direct = reaching.length;
    if (direct === 0) {
      coveringIf = dominating ? undefined : ifAssigningOnEveryBranch(a, name, use);
      if (dominating || coveringIf) direct = reaching.length;
    }
    if (!refinesItself && dominating) break;
  }
  const infos: QuerysetInfo[] = [];
  for (const a of reaching) {
    const info = querysetOf(a.childForFieldName('right'), depth + 1);
    if (!info) return undefined;
    infos.push(info);
  }
  const merged = mergeInfos(infos);
  if (infos.length > 1) merged.callPaths = mergedPaths(direct > 0 ? infos.slice(0, direct) : infos);
  if (!merged.variables.includes(name)) merged.variables.push(name);
  return merged;
}

/** True when the assignment runs on every path to the use: it sits directly in a block that contains the use. */
function dominates(assignment: Node, use: Node): boolean {
  const block = assignment.parent?.parent;
  if (!block) return false;
  for (const p of parents(use)) if (p.id === block.id) return true;
  return false;
}

/**
 * `if doctor: qs = qs.filter(doctor=d)` / `else: qs = qs.filter(patient=u)`: the assignment sits directly in a branch
 * of an `if` that has an `else`, every branch of it assigns the name directly, and the `if` runs on every path to
 * the use: that `if`. What came before it then never reaches the use unchanged.
 */
function ifAssigningOnEveryBranch(assignment: Node, name: string, use: Node): Node | undefined {
  const branchBlock = assignment.parent?.parent;
  const branch = branchBlock?.parent;
  const ifStatement = branch?.type === 'if_statement' ? branch : branch?.type === 'elif_clause' || branch?.type === 'else_clause' ? branch.parent : undefined;
  if (!ifStatement || ifStatement.type !== 'if_statement' || !ifStatement.namedChildren.some((c) => c?.type === 'else_clause')) return undefined;
  const blocks = [ifStatement.childForFieldName('consequence'), ...ifStatement.namedChildren.filter((c) => c?.type === 'elif_clause' || c?.type === 'else_clause').map((c) => c!.childForFieldName('consequence') ?? c!.childForFieldName('body'))];
  const assigns = (block: Node | null | undefined) =>
    !!block?.namedChildren.some((st) => {
      const expr = st?.type === 'expression_statement' ? st.namedChildren[0] : undefined;
      return expr?.type === 'assignment' && expr.childForFieldName('left')?.text === name;
    });
  if (!blocks.every(assigns)) return undefined;
  const container = ifStatement.parent;
  return container && parents(use).some((p) => p.id === container.id) ? ifStatement : undefined;
}

/** `recent_orders(user)` / `self.get_queryset()`: what the function of this module returns, if it is a queryset. */
function helperResult(call: Node, depth: number): QuerysetInfo | undefined {
  const def = helperDefinition(call);
  if (!def) return defaultGetQueryset(call) ? classQueryset(call, depth) : undefined;
  const body = def.childForFieldName('body');
  if (!body) return undefined;
  const returns = captures(call.tree, '(return_statement) @r', body)
    .map((c) => c.node)
    .filter((r) => ancestor(r, 'function_definition')?.id === def.id);
  if (returns.length === 0) return undefined;
  const infos: QuerysetInfo[] = [];
  for (const r of returns) {
    const info = querysetOf(r.namedChildren[0], depth + 1);
    if (!info) return undefined;
    infos.push(info);
  }
  const merged = mergeInfos(infos);
  // The helper serves other callers too: new calls go at this call site, never into the helper's body.
  const chainable = merged.iterator === 'none' && !merged.materialized && !merged.values;
  merged.roots = [{ kind: 'helper', node: call, insertAt: chainable ? call.endIndex : undefined }];
  merged.selectCalls = [];
  merged.prefetchCalls = [];
  merged.variables = [];
  merged.plainRelatedAll = false;
  return merged;
}

/** `self.get_queryset()` with no arguments in a class that does not define it. */
function defaultGetQueryset(call: Node): boolean {
  const fn = call.childForFieldName('function');
  return fn?.type === 'attribute' && fn.childForFieldName('object')?.text === 'self' && fn.childForFieldName('attribute')?.text === 'get_queryset' && positionalArguments(call).length === 0 && !!ancestor(call, 'class_definition');
}

function helperDefinition(call: Node): Node | undefined {
  const fn = call.childForFieldName('function');
  if (!fn) return undefined;
  if (fn.type === 'identifier') {
    const def = definitionsIn(call.tree.rootNode).get(fn.text);
    if (activeReads) {
      activeReads.functions.set(fn.text, def ? def.text : null);
      if (def && (def.hasError || def.startPosition.column !== 0)) activeReads.unknown = true;
    }
    return def;
  }
  if (fn.type === 'attribute') {
    const cls = ancestor(call, 'class_definition');
    const body = cls?.childForFieldName('body');
    const name = fn.childForFieldName('attribute')?.text;
    const def = body && name ? definitionsIn(body).get(name) : undefined;
    if (activeReads && body && name) {
      activeReads.members.set(name, memberRecord(def));
      if (def?.hasError) activeReads.unknown = true;
    }
    return def;
  }
  return undefined;
}

const definitionsCache = new WeakMap<Tree, Map<number, Map<string, Node>>>();

/** Function definitions directly in a module or class body (decorated ones included), by name; once per tree. */
function definitionsIn(container: Node): Map<string, Node> {
  let byContainer = definitionsCache.get(container.tree);
  if (!byContainer) definitionsCache.set(container.tree, (byContainer = new Map()));
  const cached = byContainer.get(container.id);
  if (cached) return cached;
  const defs = new Map<string, Node>();
  byContainer.set(container.id, defs);
  // The module's statements (and their types) are already listed once per tree.
  const children = container.type === 'module' ? topLevelStatements(container.tree).map((s) => (s.type === 'decorated_definition' || s.type === 'function_definition' ? s.node : null)) : container.namedChildren;
  for (const child of children) {
    const def = child?.type === 'decorated_definition' ? child.childForFieldName('definition') : child;
    if (def?.type === 'function_definition') {
      const name = def.childForFieldName('name')?.text;
      if (name) defs.set(name, def);
    }
  }
  return defs;
}

/** Paths of assignments kept per queryset (`if`s in a row double them); beyond, the paths are dropped as unknown. */
const MAX_CALL_PATHS = 16;

/** Every path of each info; none (unknown) when one is unknown or there are more than MAX_CALL_PATHS. */
function mergedPaths(infos: QuerysetInfo[]): Node[][] {
  const paths = infos.flatMap((i) => i.callPaths.map((p) => [...p]));
  return infos.some((i) => i.callPaths.length === 0) || paths.length > MAX_CALL_PATHS ? [] : paths;
}

/** A queryset of one root with nothing applied yet (also for readers that follow project methods). */
export function emptyInfo(root: QuerysetRoot): QuerysetInfo {
  return {
    roots: [root],
    models: [],
    selected: new Set(),
    prefetched: new Set(),
    prefetchedSubtrees: new Set(),
    selectAll: false,
    unknownRelations: false,
    selectCalls: [],
    prefetchCalls: [],
    methods: [],
    callPaths: [[]],
    values: false,
    sliced: false,
    iterator: 'none',
    singleRow: false,
    materialized: false,
    variables: [],
    plainRelatedAll: false,
    relatedManager: root.kind === 'related',
    scoped: false,
    compact: false,
    upcoming: false,
    timeWindow: false,
    recentWindow: false,
    aggregates: new Set(),
    annotations: new Set(),
  };
}

/** Several assignments may reach a use (if/else): flags combine with "any", so rules err towards silence. */
function mergeInfos(infos: QuerysetInfo[]): QuerysetInfo {
  if (infos.length === 1) return infos[0];
  const byId = <T extends { id: number }>(items: T[]) => [...new Map(items.map((i) => [i.id, i])).values()];
  const roots = [...new Map(infos.flatMap((i) => i.roots).map((r) => [r.node.id, r])).values()];
  const union = (pick: (i: QuerysetInfo) => Iterable<string>) => new Set(infos.flatMap((i) => [...pick(i)]));
  const any = (pick: (i: QuerysetInfo) => boolean) => infos.some(pick);
  return {
    roots,
    models: [...union((i) => i.models)],
    selected: union((i) => i.selected),
    prefetched: union((i) => i.prefetched),
    prefetchedSubtrees: union((i) => i.prefetchedSubtrees),
    selectAll: any((i) => i.selectAll),
    unknownRelations: any((i) => i.unknownRelations),
    selectCalls: byId(infos.flatMap((i) => i.selectCalls)),
    prefetchCalls: byId(infos.flatMap((i) => i.prefetchCalls)),
    methods: infos.flatMap((i) => i.methods),
    callPaths: mergedPaths(infos),
    values: any((i) => i.values),
    sliced: any((i) => i.sliced),
    iterator: any((i) => i.iterator === 'plain') ? 'plain' : any((i) => i.iterator === 'chunked') ? 'chunked' : 'none',
    singleRow: any((i) => i.singleRow),
    materialized: any((i) => i.materialized),
    variables: [...union((i) => i.variables)],
    plainRelatedAll: infos.every((i) => i.plainRelatedAll),
    relatedManager: any((i) => i.relatedManager),
    scoped: any((i) => i.scoped),
    compact: any((i) => i.compact),
    upcoming: infos.every((i) => i.upcoming),
    // Silence needs the window on every path: `qs = qs.filter(created__gte=...)` under an `if` may not run.
    timeWindow: infos.every((i) => i.timeWindow),
    recentWindow: infos.every((i) => i.recentWindow),
    aggregates: union((i) => i.aggregates),
    annotations: union((i) => i.annotations),
  };
}

/**
 * True when the queryset already loads the relation path (`customer__company`): named exactly or as the start of a
 * longer path, below a `Prefetch(queryset=...)`, or by `select_related()` with no arguments (foreign keys only).
 */
export function loadsRelation(info: QuerysetInfo, path: string, foreignKeysOnly: boolean): boolean {
  if (info.unknownRelations) return true;
  if (info.selectAll && foreignKeysOnly) return true;
  const covers = (loaded: string) => loaded === path || loaded.startsWith(`${path}__`);
  if ([...info.selected].some(covers) || [...info.prefetched].some(covers)) return true;
  return [...info.prefetchedSubtrees].some((sub) => path === sub || path.startsWith(`${sub}__`));
}

/**
 * Edits that make the queryset `select_related`/`prefetch_related` one more relation: in an existing call with
 * arguments, lengthen the argument the path extends (`"customer"` -> `"customer__company"`, which loads both) or add
 * one more argument; else a new call after each root. Undefined when some root cannot take a call.
 */
export function addRelationEdits(info: QuerysetInfo, method: 'select_related' | 'prefetch_related', path: string): OffsetEdit[] | undefined {
  const existing = method === 'select_related' ? info.selectCalls : info.prefetchCalls;
  if (existing.length > 0) {
    return existing.map((call) => {
      const args = positionalArguments(call);
      const shorter = args.find((a) => {
        const s = stringValue(a);
        return s !== undefined && path.startsWith(`${s}__`) && a.namedChildren.some((c) => c?.type === 'string_content');
      });
      const content = shorter?.namedChildren.find((c) => c?.type === 'string_content');
      if (content) return { start: content.startIndex, end: content.endIndex, newText: path };
      const last = args[args.length - 1];
      const quote = args.map((a) => /^[rbuRBU]*(['"])/.exec(a.text)?.[1]).find((q) => q) ?? '"';
      return { start: last.endIndex, end: last.endIndex, newText: `, ${quote}${path}${quote}` };
    });
  }
  if (info.roots.some((r) => r.insertAt === undefined)) return undefined;
  const positions = [...new Set(info.roots.map((r) => r.insertAt!))];
  return positions.map((at) => ({ start: at, end: at, newText: `.${method}("${path}")` }));
}

/** One pass of a `for` loop or comprehension clause: the name bound to each row, what it iterates, what runs per row. */
export interface Iteration {
  /** The `for_statement` or `for_in_clause`. */
  readonly node: Node;
  /** The identifier bound to each row (`o` in `for o in ...` and in `for i, o in enumerate(...)`). */
  readonly target: Node;
  /** The expression iterated (inside `enumerate(...)` when wrapped). */
  readonly iterable: Node;
  /** Nodes evaluated once per row: the loop body, or the comprehension's element and later clauses. */
  readonly body: readonly Node[];
}

/** False when the name is rebound between the loop and the read (a nested loop, a nested function). */
export function readsLoopVariable(read: Node, iteration: Iteration): boolean {
  const name = iteration.target.text;
  const bindsName = (left: Node | null) => !!left && new RegExp(`\\b${name}\\b`).test(left.text);
  // A loop's reads sit in its body; a comprehension clause's reads sit in its comprehension.
  const owner = iteration.node.type === 'for_statement' ? iteration.node : iteration.node.parent;
  for (const p of parents(read)) {
    if (p.id === owner?.id) break;
    if (p.type === 'function_definition' || p.type === 'class_definition' || p.type === 'lambda') return false;
    if (p.type === 'for_statement' && bindsName(p.childForFieldName('left'))) {
      const body = p.childForFieldName('body');
      if (body && read.startIndex >= body.startIndex) return false;
    }
    if (/comprehension$|^generator_expression$/.test(p.type)) {
      if (p.namedChildren.some((c) => c?.type === 'for_in_clause' && bindsName(c.childForFieldName('left')))) return false;
    }
  }
  return true;
}

const iterationsCache = new WeakMap<Tree, readonly Iteration[]>();

/** Every loop and comprehension clause of the file, once per tree (several rules walk the same list). */
export function iterationsOf(tree: Tree): readonly Iteration[] {
  let out = iterationsCache.get(tree);
  if (!out) iterationsCache.set(tree, (out = findIterations(tree)));
  return out;
}

/** The loops and comprehension clauses inside one top-level statement (its text starts at `start`). */
export function iterationsIn(tree: Tree, text: string, start: number): Iteration[] {
  return findIterations(tree, text, start);
}

function findIterations(tree: Tree, text = tree.rootNode.text, offset = tree.rootNode.startIndex): Iteration[] {
  const out: Iteration[] = [];
  // `for` keywords in the text lead to every loop and comprehension clause without a whole-tree query.
  const seen = new Set<number>();
  for (const keyword of nodesAtText(tree, text, /\bfor\b/g, offset)) {
    const node = keyword.parent;
    if (keyword.type !== 'for' || !node || (node.type !== 'for_statement' && node.type !== 'for_in_clause') || seen.has(node.id)) continue;
    seen.add(node.id);
    const iteration = iterationOf(node);
    if (iteration) out.push(iteration);
  }
  return out;
}

export function iterationOf(node: Node): Iteration | undefined {
  const left = node.childForFieldName('left');
  let iterable = node.childForFieldName('right');
  if (!left || !iterable) return undefined;
  let target: Node | undefined;
  if (left.type === 'identifier') {
    target = left;
  } else if ((left.type === 'pattern_list' || left.type === 'tuple_pattern') && iterable.type === 'call' && iterable.childForFieldName('function')?.text === 'enumerate') {
    const names = left.namedChildren;
    const arg = positionalArguments(iterable)[0];
    if (names.length !== 2 || names[1]?.type !== 'identifier' || !arg) return undefined;
    target = names[1];
    iterable = arg;
  }
  if (!target) return undefined;
  let body: Node[];
  if (node.type === 'for_statement') {
    const block = node.childForFieldName('body');
    body = block ? [block] : [];
  } else {
    const comprehension = node.parent;
    if (!comprehension) return undefined;
    const element = comprehension.childForFieldName('body');
    const later = comprehension.namedChildren.filter((c): c is Node => c !== null && c.startIndex >= node.endIndex);
    body = element ? [element, ...later] : later;
  }
  return { node, target, iterable, body };
}

/** Uses of the variable `name` in the scope (not in nested functions or classes, not `x.name` or `f(name=...)`). */
export function referencesInScope(scope: Node, name: string): Node[] {
  readModuleScope(scope);
  const index = scopeIndex(scope);
  if (!index.references) {
    index.references = new Map();
    for (const { node } of captures(scope.tree, '(identifier) @id', scope)) {
      if (isMemberOrKeywordName(node) || readScopeOf(node).id !== scope.id) continue;
      pushTo(index.references, node.text, node);
    }
  }
  return index.references.get(name) ?? [];
}

/** `name = ...` assignments in the use's scope that end before the use, in source order. */
export function assignmentsBefore(use: Node): Node[] {
  const scope = readScopeOf(use);
  readModuleScope(scope);
  return (scopeIndex(scope).assignments.get(use.text) ?? []).filter((a) => a.endIndex <= use.startIndex);
}

/** What a name stands for when one assignment before it binds it (`qs = X.objects.all(); return qs`): the
 * unparenthesised right-hand side; the expression itself when it is not a name; undefined when the name is bound
 * more than once or not at all. */
export function soleValueOf(expression: Node): Node | undefined {
  const node = unparenthesize(expression);
  if (node.type !== 'identifier') return node;
  const assignments = assignmentsBefore(node);
  if (assignments.length !== 1) return undefined;
  const right = assignments[0].childForFieldName('right');
  return right ? unparenthesize(right) : undefined;
}

/**
 * Per-scope facts, computed once per tree version: rules look up many variables in the same function, and a
 * query over a large function per lookup is what makes linting slow.
 */
interface ScopeIndex {
  assignments: Map<string, Node[]>;
  otherBindings: Map<string, Node[]>;
  references?: Map<string, Node[]>;
}

const scopeIndexes = new WeakMap<Tree, Map<number, ScopeIndex>>();

function scopeIndex(scope: Node): ScopeIndex {
  let byScope = scopeIndexes.get(scope.tree);
  if (!byScope) scopeIndexes.set(scope.tree, (byScope = new Map()));
  let index = byScope.get(scope.id);
  if (!index) {
    index = { assignments: new Map(), otherBindings: new Map() };
    for (const { name, node } of captures(scope.tree, '(assignment left: (identifier) right: (_)) @a', scope)) {
      if (name === 'a' && readScopeOf(node).id === scope.id) pushTo(index.assignments, node.childForFieldName('left')!.text, node);
    }
    const rebinding = '[(augmented_assignment left: (identifier) @n) (named_expression name: (identifier) @n)]';
    for (const { node } of captures(scope.tree, rebinding, scope)) {
      if (readScopeOf(node).id === scope.id) pushTo(index.otherBindings, node.text, node);
    }
    byScope.set(scope.id, index);
  }
  return index;
}

function pushTo(map: Map<string, Node[]>, key: string, node: Node): void {
  const list = map.get(key);
  if (list) list.push(node);
  else map.set(key, [node]);
}

function isMemberOrKeywordName(id: Node): boolean {
  const parent = id.parent;
  if (parent?.type === 'attribute') return parent.childForFieldName('attribute')?.id === id.id;
  if (parent?.type === 'keyword_argument') return parent.childForFieldName('name')?.id === id.id;
  return false;
}

/** The name a call is known by: `writerow` for `writer.writerow(...)`, `JsonResponse` for `JsonResponse(...)`. */
/**
 * A queryset narrowed by chain calls read apart from it (`super().get_queryset().filter(user=...)` over a view's
 * `queryset =` attribute): `info` with each call applied in order, or undefined when one of them does not chain.
 */
export function refinedBy(info: QuerysetInfo, calls: readonly Node[]): QuerysetInfo | undefined {
  for (const call of calls) {
    const method = calleeName(call) ?? '';
    if (!CHAINABLE.has(method) || info.iterator !== 'none' || info.materialized) return undefined;
    applyMethod(info, method, call);
  }
  return info;
}

export function calleeName(call: Node): string | undefined {
  const fn = call.childForFieldName('function');
  if (!fn) return undefined;
  if (fn.type === 'identifier') return fn.text;
  if (fn.type === 'attribute') return fn.childForFieldName('attribute')?.text;
  return undefined;
}
