/**
 * State that outlives a request in Python code, and what changes it: module-level and class-level
 * dicts/lists/sets, entries of Streamlit's `st.session_state`, and module-level size-limit constants.
 * Also the small scope analysis those answers need (is this `cache` the module's, or a local?).
 * Used by unbounded-cache (containers) and dataframe-full-load (scopes, session state).
 */
import type { Node, Tree } from 'web-tree-sitter';
import { ancestor, captures, intValue, keywordArgument, positionalArguments, stringValue, walk } from './ast';
import { importsOf, type ImportMap } from './imports';

// ---------------------------------------------------------------------------------------------
// Scopes

interface FunctionScope {
  /** Names the function binds itself (parameters, assignments, loop targets, imports, nested defs). */
  locals: Set<string>;
  /** Names declared `global` or `nonlocal`. */
  declared: Set<string>;
}

const scopeCache = new WeakMap<Tree, Map<number, FunctionScope>>();

/** The names a function (or lambda) binds locally, computed once per function node. */
export function functionScope(fn: Node): FunctionScope {
  let perTree = scopeCache.get(fn.tree);
  if (!perTree) scopeCache.set(fn.tree, (perTree = new Map()));
  let scope = perTree.get(fn.id);
  if (!scope) perTree.set(fn.id, (scope = computeScope(fn)));
  return scope;
}

function computeScope(fn: Node): FunctionScope {
  const locals = new Set<string>();
  const declared = new Set<string>();
  const params = fn.childForFieldName('parameters');
  if (params) for (const p of params.namedChildren) if (p) addParameter(p, locals);
  const body = fn.childForFieldName('body');
  if (body) {
    walk(body, (n) => {
      switch (n.type) {
        case 'function_definition':
        case 'class_definition': {
          const name = n.childForFieldName('name');
          if (name) locals.add(name.text);
          return false; // their bodies are scopes of their own
        }
        case 'lambda':
        case 'list_comprehension':
        case 'set_comprehension':
        case 'dictionary_comprehension':
        case 'generator_expression':
          return false;
        case 'assignment':
        case 'for_statement':
          addTargets(n.childForFieldName('left'), locals);
          return;
        case 'augmented_assignment': {
          const left = n.childForFieldName('left');
          if (left?.type === 'identifier') locals.add(left.text);
          return;
        }
        case 'as_pattern_target':
          addTargets(n.namedChildren[0], locals);
          return;
        case 'named_expression': {
          const name = n.childForFieldName('name');
          if (name) locals.add(name.text);
          return;
        }
        case 'import_statement':
        case 'import_from_statement':
          for (const item of n.childrenForFieldName('name')) {
            if (!item) continue;
            const alias = item.type === 'aliased_import' ? item.childForFieldName('alias') : undefined;
            locals.add(alias ? alias.text : item.text.split('.')[0]);
          }
          return false;
        case 'global_statement':
        case 'nonlocal_statement':
          for (const id of n.namedChildren) if (id?.type === 'identifier') declared.add(id.text);
          return false;
      }
    });
  }
  for (const name of declared) locals.delete(name);
  return { locals, declared };
}

function addParameter(p: Node, out: Set<string>): void {
  if (p.type === 'identifier') out.add(p.text);
  else if (p.type === 'default_parameter' || p.type === 'typed_default_parameter') {
    const name = p.childForFieldName('name');
    if (name) out.add(name.text);
  } else if (p.type === 'typed_parameter' || p.type === 'list_splat_pattern' || p.type === 'dictionary_splat_pattern') {
    const id = p.namedChildren.find((c) => c?.type === 'identifier');
    if (id) out.add(id.text);
  }
}

function addTargets(target: Node | null | undefined, out: Set<string>): void {
  if (!target) return;
  switch (target.type) {
    case 'identifier':
      out.add(target.text);
      return;
    case 'pattern_list':
    case 'tuple_pattern':
    case 'list_pattern':
    case 'tuple':
    case 'list':
    case 'parenthesized_expression':
    case 'list_splat_pattern':
      for (const c of target.namedChildren) addTargets(c, out);
      return;
  }
}

/** Functions and lambdas that enclose the node, innermost first. */
export function enclosingFunctions(node: Node): Node[] {
  const out: Node[] = [];
  for (let p = node.parent; p; p = p.parent) if (p.type === 'function_definition' || p.type === 'lambda') out.push(p);
  return out;
}

/**
 * True when `name` at `ref` means a local of some function between `ref` and `scopeRoot`
 * (exclusive), i.e. not the variable bound in `scopeRoot` (a function, or the module when omitted).
 */
export function shadowedBetween(ref: Node, name: string, scopeRoot?: Node): boolean {
  for (const fn of enclosingFunctions(ref)) {
    if (scopeRoot && fn.id === scopeRoot.id) return false;
    if (functionScope(fn).locals.has(name)) return true;
  }
  return false;
}

/** True when the function declares `global name`. */
export function declaresGlobal(fn: Node, name: string): boolean {
  return functionScope(fn).declared.has(name);
}

// ---------------------------------------------------------------------------------------------
// Streamlit session state

/** Resolves `st.session_state` (any import spelling, or a module-level alias `ss = st.session_state`). */
export interface SessionState {
  /** True when the expression is the session-state object itself. */
  isSessionState(node: Node | null | undefined): boolean;
  /** The key of `st.session_state.key` / `st.session_state["key"]`, else undefined. */
  keyOf(node: Node | null | undefined): string | undefined;
  /** True when the node sits in a block that only runs when `key` is not yet in the session. */
  insideInitGuard(node: Node, key: string): boolean;
}

const sessionCache = new WeakMap<Tree, SessionState>();

export function sessionStateOf(tree: Tree): SessionState {
  let s = sessionCache.get(tree);
  if (!s) sessionCache.set(tree, (s = buildSessionState(tree, importsOf(tree))));
  return s;
}

function buildSessionState(tree: Tree, imports: ImportMap): SessionState {
  const direct = (n: Node | null | undefined) => imports.resolve(n) === 'streamlit.session_state';
  const aliases = new Set<string>();
  if (imports.importsModule('streamlit')) {
    for (const stmt of tree.rootNode.namedChildren) {
      const a = stmt?.type === 'expression_statement' ? stmt.namedChildren[0] : undefined;
      if (a?.type !== 'assignment') continue;
      const left = a.childForFieldName('left');
      if (left?.type === 'identifier' && direct(a.childForFieldName('right'))) aliases.add(left.text);
    }
  }
  const isSessionState = (n: Node | null | undefined): boolean =>
    !!n && (direct(n) || (n.type === 'identifier' && aliases.has(n.text) && !shadowedBetween(n, n.text)));
  const keyOf = (n: Node | null | undefined): string | undefined => {
    if (!n) return undefined;
    if (n.type === 'attribute' && isSessionState(n.childForFieldName('object'))) return n.childForFieldName('attribute')?.text;
    if (n.type === 'subscript' && isSessionState(n.childForFieldName('value'))) {
      const keys = n.childrenForFieldName('subscript');
      return keys.length === 1 ? stringValue(keys[0]) : undefined;
    }
    return undefined;
  };
  const insideInitGuard = (node: Node, key: string): boolean => {
    for (let p = node.parent; p; p = p.parent) {
      if (p.type !== 'if_statement') continue;
      const condition = p.childForFieldName('condition');
      const consequence = p.childForFieldName('consequence');
      if (!condition || !consequence || node.startIndex < consequence.startIndex || node.endIndex > consequence.endIndex) continue;
      const cond = condition.text;
      const mentionsKey = cond.includes(`"${key}"`) || cond.includes(`'${key}'`) || cond.includes(`.${key}`);
      if (mentionsKey && /\bnot\b|\bis None\b|==\s*None|\blen\(/.test(cond)) return true;
    }
    return false;
  };
  return { isSessionState, keyOf, insideInitGuard };
}

// ---------------------------------------------------------------------------------------------
// Containers that outlive a request

export type ContainerType = 'dict' | 'list' | 'set' | 'deque' | 'unknown';

export interface Mutation {
  /** The mutating expression (the call, the subscript written, the augmented assignment). */
  node: Node;
  /** A short spelling of the operation for messages: `[key] = ...`, `.append()`, `|=`. */
  how: string;
}

export interface Container {
  /** Stable key: `module:_cache`, `class:Registry._items`, `session:messages`. */
  id: string;
  /** How the code spells it: `_cache`, `Registry._items`, `st.session_state.messages`. */
  label: string;
  scope: 'module' | 'class' | 'session';
  type: ContainerType;
  /** Declared with a bound that evicts by itself: deque(maxlen=...), cachetools caches, weak references. */
  bounded: boolean;
  /** The initial value, when the declaration is visible. */
  declaration?: Node;
  /** Additions that run after import (inside functions; for session state, on any run). */
  growths: Mutation[];
  /** Anything that removes, clears, trims, reassigns or size-checks it. */
  evictions: Mutation[];
  /** Places where it is handed to other code that might evict (passed to calls, returned, aliased). */
  escapes: Node[];
}

export interface ModuleState {
  readonly containers: readonly Container[];
  containerOf(node: Node | null | undefined): Container | undefined;
}

const GROW_METHODS = new Set(['append', 'extend', 'insert', 'add', 'setdefault', 'update', 'appendleft', 'extendleft']);
const EVICT_METHODS = new Set(['pop', 'popitem', 'popleft', 'remove', 'discard', 'clear', 'difference_update', 'intersection_update']);
/** Calls that only read a container they are given. */
const READ_ONLY_CALLEES = new Set([
  'len', 'list', 'tuple', 'set', 'frozenset', 'dict', 'sorted', 'reversed', 'sum', 'min', 'max', 'any', 'all', 'iter',
  'enumerate', 'zip', 'map', 'filter', 'print', 'repr', 'str', 'bool', 'isinstance', 'id', 'hash', 'format', 'next',
  'json.dumps', 'copy.copy', 'copy.deepcopy', 'random.choice', 'random.sample', 'pprint.pprint',
]);
const LOG_METHODS = new Set(['debug', 'info', 'warning', 'warn', 'error', 'exception', 'critical', 'log', 'join', 'write', 'json', 'dataframe', 'table']);
const SELF_EVICTING = /^(cachetools\.(\w+Cache|Cache)|weakref\.(WeakValueDictionary|WeakKeyDictionary|WeakSet)|expiringdict\.ExpiringDict|pylru\.lrucache|boltons\.cacheutils\.(LRU|LRI))$/;
/** Methods that run at import or class-creation time, not per request. */
const IMPORT_TIME_METHODS = new Set(['__init_subclass__', '__set_name__', '__class_getitem__']);

const stateCache = new WeakMap<Tree, ModuleState>();

export function moduleStateOf(tree: Tree): ModuleState {
  let s = stateCache.get(tree);
  if (!s) stateCache.set(tree, (s = new ModuleStateBuilder(tree).build()));
  return s;
}

/** What kind of container a value expression creates, or undefined when it is not one. */
export function describeContainer(value: Node | null | undefined, imports: ImportMap): { type: ContainerType; bounded: boolean; autoVivify: boolean } | undefined {
  if (!value) return undefined;
  switch (value.type) {
    case 'dictionary':
    case 'dictionary_comprehension':
      return { type: 'dict', bounded: false, autoVivify: false };
    case 'list':
    case 'list_comprehension':
      return { type: 'list', bounded: false, autoVivify: false };
    case 'set':
    case 'set_comprehension':
      return { type: 'set', bounded: false, autoVivify: false };
    case 'call': {
      const fn = value.childForFieldName('function');
      const q = imports.resolve(fn) ?? (fn?.type === 'identifier' ? `builtins.${fn.text}` : undefined);
      if (!q) return undefined;
      if (q === 'builtins.dict' || q === 'collections.OrderedDict') return { type: 'dict', bounded: false, autoVivify: false };
      if (q === 'collections.defaultdict') return { type: 'dict', bounded: false, autoVivify: true };
      if (q === 'collections.Counter') return { type: 'dict', bounded: false, autoVivify: false };
      if (q === 'builtins.list') return { type: 'list', bounded: false, autoVivify: false };
      if (q === 'builtins.set') return { type: 'set', bounded: false, autoVivify: false };
      if (q === 'collections.deque') {
        const maxlen = keywordArgument(value, 'maxlen') ?? positionalArguments(value)[1];
        return { type: 'deque', bounded: !!maxlen && maxlen.type !== 'none', autoVivify: false };
      }
      if (SELF_EVICTING.test(q)) return { type: 'dict', bounded: true, autoVivify: false };
      return undefined;
    }
    default:
      return undefined;
  }
}

interface ClassInfo {
  node: Node;
  name: string;
}

class ModuleStateBuilder {
  private readonly imports: ImportMap;
  private readonly session: SessionState;
  private readonly byId = new Map<string, Container>();
  private readonly autoVivify = new Set<string>();
  private readonly classes = new Map<string, ClassInfo>();
  private importTime?: Set<number>;

  constructor(private readonly tree: Tree) {
    this.imports = importsOf(tree);
    this.session = sessionStateOf(tree);
  }

  build(): ModuleState {
    this.collectDeclarations();
    const usesSession = this.imports.importsModule('streamlit');
    if (this.byId.size > 0 || usesSession) this.collectMutations();
    return { containers: [...this.byId.values()], containerOf: (n) => this.containerOf(n) };
  }

  // -- declarations ---------------------------------------------------------------------------

  private collectDeclarations(): void {
    for (const stmt of this.tree.rootNode.namedChildren) {
      if (!stmt) continue;
      const def = stmt.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
      if (def?.type === 'class_definition') {
        this.collectClass(def);
        continue;
      }
      const assignment = assignmentOf(stmt);
      const left = assignment?.childForFieldName('left');
      if (left?.type !== 'identifier' || this.byId.has(`module:${left.text}`)) continue;
      this.declare(`module:${left.text}`, left.text, 'module', assignment!.childForFieldName('right'));
    }
  }

  private collectClass(cls: Node): void {
    const name = cls.childForFieldName('name')?.text;
    const body = cls.childForFieldName('body');
    if (!name || !body) return;
    this.classes.set(name, { node: cls, name });
    for (const stmt of body.namedChildren) {
      const assignment = stmt ? assignmentOf(stmt) : undefined;
      const left = assignment?.childForFieldName('left');
      if (left?.type !== 'identifier') continue;
      this.declare(`class:${name}.${left.text}`, `${name}.${left.text}`, 'class', assignment!.childForFieldName('right'));
    }
  }

  private declare(id: string, label: string, scope: Container['scope'], value: Node | null): void {
    const kind = describeContainer(value, this.imports);
    if (!kind) return;
    if (kind.autoVivify) this.autoVivify.add(id);
    this.byId.set(id, { id, label, scope, type: kind.type, bounded: kind.bounded, declaration: value ?? undefined, growths: [], evictions: [], escapes: [] });
  }

  // -- references -----------------------------------------------------------------------------

  /** The container an expression names: `_cache`, `self._items`, `Registry._items`, `st.session_state["log"]`. */
  private containerOf(node: Node | null | undefined): Container | undefined {
    while (node?.type === 'parenthesized_expression') node = node.namedChildren[0];
    if (!node) return undefined;
    if (node.type === 'identifier') {
      const c = this.byId.get(`module:${node.text}`);
      return c && !shadowedBetween(node, node.text) ? c : undefined;
    }
    if (node.type !== 'attribute' && node.type !== 'subscript') return undefined;
    const key = this.session.keyOf(node);
    if (key !== undefined) return this.sessionContainer(key);
    if (node.type !== 'attribute') return undefined;
    const object = node.childForFieldName('object');
    const attr = node.childForFieldName('attribute')?.text;
    if (object?.type !== 'identifier' || !attr) return undefined;
    const cls = this.classes.get(object.text) ?? this.classOfReceiver(object);
    return cls ? this.byId.get(`class:${cls.name}.${attr}`) : undefined;
  }

  /** The class whose method's first parameter (`self`/`cls`) the identifier is. */
  private classOfReceiver(id: Node): ClassInfo | undefined {
    const method = ancestor(id, 'function_definition');
    const cls = method && method.parent?.type === 'block' ? ancestor(method, 'class_definition') : undefined;
    if (!method || !cls) return undefined;
    const first = method.childForFieldName('parameters')?.namedChildren[0];
    const firstName = first?.type === 'identifier' ? first.text : first?.type === 'typed_parameter' ? first.namedChildren[0]?.text : undefined;
    if (firstName !== id.text) return undefined;
    const info = this.classes.get(cls.childForFieldName('name')?.text ?? '');
    return info && info.node.id === cls.id ? info : undefined;
  }

  private sessionContainer(key: string): Container {
    const id = `session:${key}`;
    let c = this.byId.get(id);
    if (!c) {
      c = { id, label: `st.session_state.${key}`, scope: 'session', type: 'unknown', bounded: false, growths: [], evictions: [], escapes: [] };
      this.byId.set(id, c);
    }
    return c;
  }

  // -- mutations ------------------------------------------------------------------------------

  private collectMutations(): void {
    const q = (source: string) => captures(this.tree, source);

    for (const { node, name } of q('(call function: (attribute object: (_) @object attribute: (identifier) @method)) @call')) {
      if (name !== 'call') continue;
      this.methodCall(node);
    }
    for (const { node } of q('(assignment left: (_) @left) @assign')) {
      if (node.type === 'assignment') this.assignment(node);
    }
    for (const { node } of q('(augmented_assignment) @aug')) this.augmented(node);
    for (const { node } of q('(delete_statement) @del')) {
      for (const target of node.namedChildren.flatMap((c) => (c?.type === 'expression_list' ? c.namedChildren : [c]))) {
        if (!target) continue;
        const inner = target.type === 'subscript' ? this.containerOf(target.childForFieldName('value')) : undefined;
        const whole = this.containerOf(target);
        const c = inner ?? whole;
        if (c) c.evictions.push({ node: target, how: 'del' });
      }
    }
    for (const { node, name } of q('(comparison_operator (call function: (identifier) @len arguments: (argument_list . (_) @sized .)) (#eq? @len "len"))')) {
      if (name !== 'sized' || node.parent?.parent?.type !== 'call') continue;
      const c = this.containerOf(node);
      if (c && node.parent.parent.childForFieldName('function')?.text === 'len') c.evictions.push({ node: node.parent.parent, how: 'len() check' });
    }
    if (this.autoVivify.size > 0) {
      // defaultdict: reading a missing key inserts it (`_index[k].append(v)`).
      for (const { node } of q('(subscript value: (_) @value) @sub')) {
        if (node.type !== 'subscript') continue;
        const c = this.containerOf(node.childForFieldName('value'));
        if (c && this.autoVivify.has(c.id) && !isFixedKey(node.childrenForFieldName('subscript')) && node.parent?.type !== 'delete_statement') {
          this.grow(c, node, '[key] on a defaultdict');
        }
      }
    }
    this.collectEscapes();
  }

  private methodCall(call: Node): void {
    const fn = call.childForFieldName('function')!;
    const object = fn.childForFieldName('object');
    const method = fn.childForFieldName('attribute')?.text ?? '';
    if (this.session.isSessionState(object)) {
      // st.session_state.pop("log") / .clear() / .setdefault("log", [])
      const key = stringValue(positionalArguments(call)[0]);
      if (method === 'clear') for (const c of this.byId.values()) if (c.scope === 'session') c.evictions.push({ node: call, how: '.clear()' });
      if (key === undefined) return;
      if (method === 'pop') this.sessionContainer(key).evictions.push({ node: call, how: '.pop()' });
      if (method === 'setdefault') this.initSession(this.sessionContainer(key), positionalArguments(call)[1]);
      return;
    }
    const c = this.containerOf(object);
    if (!c) return;
    if (GROW_METHODS.has(method)) {
      const args = positionalArguments(call);
      const fixed =
        (method === 'setdefault' && isFixedKey(args.slice(0, 1))) ||
        (method === 'update' && args.length <= 1 && (args.length === 0 || isLiteralKeyDict(args[0])));
      if (!fixed) this.grow(c, call, `.${method}()`);
    } else if (EVICT_METHODS.has(method)) {
      c.evictions.push({ node: call, how: `.${method}()` });
    }
  }

  private assignment(assign: Node): void {
    const left = assign.childForFieldName('left');
    const right = assign.childForFieldName('right');
    if (!left) return;
    if (left.type === 'subscript') {
      const c = this.containerOf(left.childForFieldName('value'));
      const keys = left.childrenForFieldName('subscript');
      if (c) {
        if (keys.some((k) => k.type === 'slice')) c.evictions.push({ node: left, how: '[:] =' });
        else if (c.type !== 'list' && c.type !== 'deque' && !isFixedKey(keys)) this.grow(c, left, '[key] = ...');
        return;
      }
    }
    const c = this.containerOf(left);
    if (!c) return;
    const fn = ancestor(assign, 'function_definition');
    if (c.scope === 'module') {
      // Only a function that declares `global` rebinds the module's container.
      if (!fn || !declaresGlobal(fn, left.text)) return;
    } else if (c.scope === 'class') {
      if (!fn) return;
    } else if (this.session.insideInitGuard(assign, c.id.slice('session:'.length))) {
      this.initSession(c, right);
      return;
    }
    if (right && this.refersTo(right, c)) {
      // `log = log[-50:]` trims; `log = log + [x]` / `{**cache, k: v}` grows.
      if (right.type === 'subscript' && right.childrenForFieldName('subscript').some((k) => k.type === 'slice')) c.evictions.push({ node: assign, how: 'slice' });
      else this.grow(c, assign, 'reassignment with the old contents');
      return;
    }
    c.evictions.push({ node: assign, how: 'reassignment' });
  }

  private augmented(aug: Node): void {
    const left = aug.childForFieldName('left');
    const op = aug.childForFieldName('operator')?.text ?? '';
    if (left?.type === 'subscript') {
      // Counter / defaultdict: `hits[k] += 1` inserts k.
      const c = this.containerOf(left.childForFieldName('value'));
      if (c && c.type === 'dict' && !isFixedKey(left.childrenForFieldName('subscript'))) {
        const decl = c.declaration?.type === 'call' ? this.imports.resolve(c.declaration.childForFieldName('function')) : undefined;
        if (decl === 'collections.Counter' || decl === 'collections.defaultdict') this.grow(c, aug, `[key] ${op}`);
      }
      return;
    }
    const c = this.containerOf(left);
    if (!c) return;
    if (op === '|=' || op === '+=') {
      const right = aug.childForFieldName('right');
      if (!(op === '|=' && right && isLiteralKeyDict(right))) this.grow(c, aug, op);
    } else if (op === '-=' || op === '&=') {
      c.evictions.push({ node: aug, how: op });
    }
  }

  private initSession(c: Container, value: Node | null | undefined): void {
    const kind = describeContainer(value, this.imports);
    if (!kind) return;
    c.type = kind.type;
    c.bounded ||= kind.bounded;
    c.declaration ??= value ?? undefined;
  }

  private grow(c: Container, node: Node, how: string): void {
    if (c.scope === 'session') {
      if (!this.session.insideInitGuard(node, c.id.slice('session:'.length))) c.growths.push({ node, how });
      return;
    }
    // Module/class containers filled while the module is imported are registries, not caches.
    const fn = ancestor(node, 'function_definition');
    if (!fn || this.importTimeFunctions().has(fn.id)) return;
    c.growths.push({ node, how });
  }

  private refersTo(expr: Node, c: Container): boolean {
    if (this.containerOf(expr)?.id === c.id) return true;
    for (const t of expr.descendantsOfType(['identifier', 'attribute', 'subscript'])) {
      if (t && this.containerOf(t)?.id === c.id) return true;
    }
    return false;
  }

  /** Module and class containers handed to other code: that code may evict, so we cannot tell. */
  private collectEscapes(): void {
    const source = `
      (argument_list [(identifier) (attribute)] @arg)
      (keyword_argument value: [(identifier) (attribute)] @arg)
      (return_statement [(identifier) (attribute)] @arg)
      (yield [(identifier) (attribute)] @arg)
      (assignment right: [(identifier) (attribute)] @arg)
    `;
    for (const { node } of captures(this.tree, source)) {
      const c = this.containerOf(node);
      if (!c || c.scope === 'session') continue;
      const parent = node.parent;
      const call = parent?.type === 'argument_list' ? parent.parent : parent?.type === 'keyword_argument' ? parent.parent?.parent : undefined;
      if (call?.type === 'call' && this.isReadOnlyCall(call)) continue;
      c.escapes.push(node);
    }
  }

  private isReadOnlyCall(call: Node): boolean {
    const fn = call.childForFieldName('function');
    if (!fn) return false;
    const q = this.imports.resolve(fn) ?? fn.text;
    if (READ_ONLY_CALLEES.has(q) || q.startsWith('streamlit.')) return true;
    return fn.type === 'attribute' && LOG_METHODS.has(fn.childForFieldName('attribute')?.text ?? '');
  }

  /**
   * Functions whose bodies run while the module is imported: used as decorators (`@register`,
   * `@register("x")` and the inner decorator it returns, `@Registry.register`), called at module level,
   * or class-creation hooks (`__init_subclass__`).
   */
  private importTimeFunctions(): Set<number> {
    if (this.importTime) return this.importTime;
    const set = new Set<number>();
    const markRun = (expr: Node | null | undefined, factory: boolean) => {
      for (const fn of this.functionsNamed(expr)) {
        set.add(fn.id);
        if (!factory) continue;
        // A decorator factory returns the decorator it defines: that one is applied at import too.
        const returned = new Set(fn.descendantsOfType('return_statement').map((r) => r?.namedChildren[0]?.text));
        for (const inner of fn.childForFieldName('body')?.namedChildren ?? []) {
          if (inner?.type === 'function_definition' && returned.has(inner.childForFieldName('name')?.text ?? '')) set.add(inner.id);
        }
      }
    };
    for (const { node } of captures(this.tree, '(decorator) @d')) {
      const expr = node.namedChildren.find((c) => c?.type !== 'comment');
      if (expr?.type === 'call') markRun(expr.childForFieldName('function'), true);
      else markRun(expr, false);
    }
    for (const { node } of captures(this.tree, '(call function: [(identifier) (attribute)] @f)')) {
      if (!ancestor(node, 'function_definition', 'lambda')) markRun(node, false);
    }
    for (const { node } of captures(this.tree, '(function_definition name: (identifier) @n)')) {
      if (IMPORT_TIME_METHODS.has(node.text)) set.add(node.parent!.id);
    }
    return (this.importTime = set);
  }

  /** The module's own functions an expression names: `register`, `Registry.register`, `registry.add` (an instance). */
  private functionsNamed(expr: Node | null | undefined): Node[] {
    if (!expr) return [];
    const top = this.tree.rootNode.namedChildren;
    const defs = (body: readonly (Node | null)[], name: string) =>
      body
        .map((s) => (s?.type === 'decorated_definition' ? s.childForFieldName('definition') : s))
        .filter((d): d is Node => d?.type === 'function_definition' && d.childForFieldName('name')?.text === name);
    if (expr.type === 'identifier') return defs(top, expr.text);
    if (expr.type !== 'attribute') return [];
    const object = expr.childForFieldName('object');
    const method = expr.childForFieldName('attribute')?.text;
    if (object?.type !== 'identifier' || !method) return [];
    let cls = this.classes.get(object.text);
    if (!cls) {
      // `registry = Registry()` at module level, then `@registry.register`.
      const decl = top.map((s) => (s ? assignmentOf(s) : undefined)).find((a) => a?.childForFieldName('left')?.text === object.text);
      const ctor = decl?.childForFieldName('right');
      if (ctor?.type === 'call') cls = this.classes.get(ctor.childForFieldName('function')?.text ?? '');
    }
    return cls ? defs(cls.node.childForFieldName('body')?.namedChildren ?? [], method) : [];
  }
}

function assignmentOf(stmt: Node): Node | undefined {
  if (stmt.type !== 'expression_statement') return undefined;
  const a = stmt.namedChildren[0];
  return a?.type === 'assignment' ? a : undefined;
}

/** A key that names one fixed slot: a literal or an ALL_CAPS constant (`_state["client"] = ...`). */
function isFixedKey(keys: readonly (Node | null)[]): boolean {
  if (keys.length !== 1 || !keys[0]) return false;
  const k = keys[0];
  if (k.type === 'string') return stringValue(k) !== undefined;
  if (k.type === 'integer' || k.type === 'true' || k.type === 'false' || k.type === 'none') return true;
  if (k.type === 'identifier') return /^[A-Z][A-Z0-9_]*$/.test(k.text);
  if (k.type === 'attribute') return /^[A-Z][A-Z0-9_]*$/.test(k.childForFieldName('attribute')?.text ?? '');
  return false;
}

function isLiteralKeyDict(n: Node): boolean {
  return n.type === 'dictionary' && n.namedChildren.every((p) => p?.type === 'pair' && isFixedKey([p.childForFieldName('key')]));
}

// ---------------------------------------------------------------------------------------------
// Declared size limits

export interface SizeLimit {
  name: string;
  /** The assignment target. */
  target: Node;
  value: Node;
  n: number;
}

const LIMIT_WORDS = new Set(['MAX', 'MAXSIZE', 'MAXLEN', 'SIZE', 'LIMIT', 'CAPACITY', 'LEN', 'LENGTH']);
const STORE_WORDS = new Set(['CACHE', 'CACHED', 'MEMO', 'LRU', 'HISTORY', 'ENTRIES', 'ITEMS', 'MESSAGES', 'BUFFER', 'RESULTS', 'SESSIONS', 'KEYS']);

/** `MAX_CACHE = 2000` / `CACHE_SIZE: int = 500`: module-level integer constants that name a container's size limit. */
export function sizeLimitDeclarations(tree: Tree): SizeLimit[] {
  const out: SizeLimit[] = [];
  for (const stmt of tree.rootNode.namedChildren) {
    const a = stmt ? assignmentOf(stmt) : undefined;
    const left = a?.childForFieldName('left');
    const right = a?.childForFieldName('right');
    if (left?.type !== 'identifier' || !right || !/^_?[A-Z][A-Z0-9_]*$/.test(left.text)) continue;
    const words = left.text.split('_').filter(Boolean);
    if (!words.some((w) => LIMIT_WORDS.has(w)) || !words.some((w) => STORE_WORDS.has(w))) continue;
    const n = intValue(right);
    if (n === undefined || n <= 0) continue;
    out.push({ name: left.text, target: left, value: right, n });
  }
  return out;
}
