/**
 * State that outlives a request in Python code, and what changes it: module-level and class-level
 * dicts/lists/sets, entries of Streamlit's `st.session_state`, and module-level size-limit constants.
 * Also the small scope analysis those answers need (is this `cache` the module's, or a local?).
 * Used by unbounded-cache (containers) and dataframe-full-load (scopes, session state).
 */
import type { Node, Tree } from 'web-tree-sitter';
import { ancestor, captures, intValue, keywordArgument, positionalArguments, stringValue, walk, parents } from './ast';
import { importsOf, type ImportMap } from './imports';
import { topLevelStatements, type TopLevelStatement } from './statements';
import { StatementSlot } from '../cache';
import { boundedKey } from './bounded-keys';

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

/** Adds the names an assignment or loop target binds (`a, (b, *c) = ...`); `x[k] = ...` binds none. */
export function addTargets(target: Node | null | undefined, out: Set<string>): void {
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
export function* enclosingFunctions(node: Node): Generator<Node> {
  for (const p of parents(node)) if (p.type === 'function_definition' || p.type === 'lambda') yield p;
}

/** The innermost function or lambda around the node. */
export function nearestFunction(node: Node): Node | undefined {
  return enclosingFunctions(node).next().value ?? undefined;
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
  const body = fn.childForFieldName('body');
  if (!body || !/\b(global|nonlocal)\b/.test(body.text)) return false; // most functions: no walk needed
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
  /** Module-level names bound to `st.session_state`. */
  readonly aliases: ReadonlySet<string>;
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
    for (const p of parents(node)) {
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
  return { isSessionState, keyOf, insideInitGuard, aliases };
}

// ---------------------------------------------------------------------------------------------
// Containers that outlive a request

export type ContainerType = 'dict' | 'list' | 'set' | 'deque' | 'unknown';

export interface Mutation {
  /** The mutating expression (the call, the subscript written, the augmented assignment). */
  node: Node;
  /** A short spelling of the operation for messages: `[key] = ...`, `.append()`, `|=`. */
  how: string;
  /**
   * Set when the key is bounded provided these public functions have no callers in other modules (bounded-keys.ts
   * proved it from this module's call sites only): the rule checks the project before reporting.
   */
  boundedIfOnlyCalledHere?: readonly string[];
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
/** Calls and methods whose result is a number, flag or string however large their argument: the contents stay behind. */
const SCALAR_CALLEES = new Set(['len', 'bool', 'int', 'float', 'hash', 'id', 'isinstance', 'hasattr', 'any', 'all', 'sum', 'min', 'max']);
const SCALAR_METHODS = new Set(['index', 'count', 'startswith', 'endswith', 'isdigit']);
const LOG_METHODS = new Set(['debug', 'info', 'warning', 'warn', 'error', 'exception', 'critical', 'log', 'join', 'write', 'json', 'dataframe', 'table']);
const SELF_EVICTING = /^(cachetools\.(\w+Cache|Cache)|weakref\.(WeakValueDictionary|WeakKeyDictionary|WeakSet)|expiringdict\.ExpiringDict|pylru\.lrucache|boltons\.cacheutils\.(LRU|LRI))$/;
/** Functions that register things (called at start-up by convention): `register_handler`, `registerDOMImplementation`, `setup`. */
const REGISTRATION_FUNCTION = /^_*(register|install|setup|set_up|configure|init|initiali[sz]e)([_A-Z]|$)/;
/** ALL_CAPS names that still read as caches or logs rather than constant tables. */
const CACHE_WORDS = /CACHE|MEMO|SEEN|RESULT|HISTORY|BUFFER|QUEUE|PENDING|EVENT|LOG|REQUEST|SESSION|HITS|COUNTS|STATS|RECENT|VISITED/;
/** Methods that run at import or class-creation time, not per request. */
const IMPORT_TIME_METHODS = new Set(['__init_subclass__', '__set_name__', '__class_getitem__']);

/**
 * A decorator that stores the function it decorates: `def decorator(func): registry.append({"func": func, ...})`
 * returned by the factory around it (`@dispatcher.add(name="x")`), or `def register(self, func): ...; return func`.
 * It runs once per decorated function, when the module defining that function is imported, wherever that is.
 */
const DECORATED_PARAM = /^_*(f|fn|func|function|handler|callback|cb|view|task|method|wrapped|decorated|klass|cls_|target|hook|listener|command)$/;

function registersDecoratedFunction(fn: Node, growth: Node): boolean {
  const params = (fn.childForFieldName('parameters')?.namedChildren ?? []).filter((p): p is Node => p !== null && p.type === 'identifier' && p.text !== 'self' && p.text !== 'cls');
  if (params.length !== 1 || fn.childForFieldName('parameters')!.namedChildren.length > params.length + 1) return false;
  const param = params[0].text;
  if (!growth.descendantsOfType('identifier').some((id) => id?.text === param)) return false;
  const name = fn.childForFieldName('name')?.text;
  const returnsOf = (def: Node) => def.descendantsOfType('return_statement').filter((r) => r !== null && ancestor(r, 'function_definition')?.equals(def)).map((r) => r!.namedChildren[0]?.text);
  if (DECORATED_PARAM.test(param) && returnsOf(fn).includes(param)) return true;
  const outer = fn.parent?.type === 'block' ? fn.parent.parent : undefined;
  return outer?.type === 'function_definition' && name !== undefined && returnsOf(outer).includes(name);
}

const stateCache = new WeakMap<Tree, ModuleState>();

export function moduleStateOf(tree: Tree): ModuleState {
  let s = stateCache.get(tree);
  if (!s) stateCache.set(tree, (s = new ModuleStateBuilder(tree).build()));
  return s;
}

/** A module-level container of another module that this one imports (`from app.state import sessions`). */
export interface ImportedContainer {
  /** The name it is bound to here. */
  local: string;
  /** For messages: `sessions (declared in app/state.py)`. */
  label: string;
  type: ContainerType;
  bounded: boolean;
  autoVivify: boolean;
}

const importedStateCache = new WeakMap<Tree, { key: string; state: ModuleState }>();

/** How this module grows, evicts or hands on the imported containers (their declarations live elsewhere). */
export function importedStateOf(tree: Tree, imported: readonly ImportedContainer[]): ModuleState {
  const key = JSON.stringify(imported);
  const cached = importedStateCache.get(tree);
  if (cached?.key === key) return cached.state;
  const state = new ModuleStateBuilder(tree, imported).build();
  importedStateCache.set(tree, { key, state });
  return state;
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
  readonly node: Node;
  readonly name: string;
}

/** The class's node is only needed when a method's `self` is resolved: found on first use. */
function lazyClassInfo(name: string, statement: Node): ClassInfo {
  let node: Node | undefined;
  return {
    name,
    get node() {
      return (node ??= classDefinition(statement)!);
    },
  };
}

function classDefinition(statement: Node): Node | undefined {
  const def = statement.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
  return def?.type === 'class_definition' ? def : undefined;
}

/** The value of `name = value` (the statement is an expression statement holding the assignment). */
function assignedValue(statement: Node): Node | null {
  return assignmentOf(statement)?.childForFieldName('right') ?? null;
}

type ContainerKind = NonNullable<ReturnType<typeof describeContainer>>;

/** A container one top-level statement declares; `member` is its index in the class body (-1: the statement itself). */
interface DeclaredContainer {
  readonly member: number;
  readonly name: string;
  readonly kind: ContainerKind;
}

/** What one top-level statement declares: a function of its text and the file's imports only. */
interface StatementDeclarations {
  readonly importsKey: string;
  /** Set for a class with a name and a body (it then resolves `ClassName.attr` and its methods' `self.attr`). */
  readonly className?: string;
  readonly containers: readonly DeclaredContainer[];
}

/** Kept across keystrokes: a keystroke re-reads only the statement it changed (walking every class body costs ms). */
const declarationsCache = new StatementSlot<StatementDeclarations>('module state: declarations');

function declarationsOf(statement: TopLevelStatement, imports: ImportMap, importsKey: string): StatementDeclarations {
  const key = declarationsCache.key(statement);
  const cached = declarationsCache.get(key);
  if (cached && cached.importsKey === importsKey) return cached;
  const facts = readDeclarations(statement.node, imports, importsKey);
  declarationsCache.set(key, facts);
  return facts;
}

function readDeclarations(statement: Node, imports: ImportMap, importsKey: string): StatementDeclarations {
  const containers: DeclaredContainer[] = [];
  const declared = (member: number, assignment: Node | undefined) => {
    const left = assignment?.childForFieldName('left');
    if (left?.type !== 'identifier') return;
    const kind = describeContainer(assignment!.childForFieldName('right'), imports);
    if (kind) containers.push({ member, name: left.text, kind });
  };
  const def = statement.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
  if (def?.type === 'class_definition') {
    const className = def.childForFieldName('name')?.text;
    const body = def.childForFieldName('body');
    if (!className || !body) return { importsKey, containers };
    body.namedChildren.forEach((member, i) => declared(i, member ? assignmentOf(member) : undefined));
    return { importsKey, className, containers };
  }
  declared(-1, assignmentOf(statement));
  return { importsKey, containers };
}

const importsKeys = new WeakMap<Tree, string>();

/** The file's imports as one string: declarations read through them (`collections.deque` spelled `deque`). */
function importsKeyOf(tree: Tree): string {
  let key = importsKeys.get(tree);
  if (key === undefined) {
    key = JSON.stringify([...importsOf(tree).names]);
    // The last tree's string when equal (the usual keystroke): declarationsOf() compares it with every statement's
    // cached key, by identity then instead of through a module's kilobytes of imports.
    if (key === lastImportsKey) key = lastImportsKey;
    else lastImportsKey = key;
    importsKeys.set(tree, key);
  }
  return key;
}

let lastImportsKey = '';

/** Names followed by growth syntax in a statement's text (`name[...] =`, `name.append(`, `name |=`, ...). */
const GROWN_NAMES = new StatementSlot<readonly string[]>('module state: grown names');

function grownNamesIn(text: string): string[] {
  // `\b` first: the same matches (a name's suffix matches only where the whole name does, and the whole name is
  // tried first), without retrying from every character inside every word (3x slower on a 3,000-line module).
  const patterns = [
    /\b(\w+)\s*\[[^\]\n]*\]\s*[-+|&]?=(?!=)/g,
    /\b(\w+)\s*\.\s*(?:append|extend|insert|add|setdefault|update|appendleft|extendleft)\s*\(/g,
    /\b(\w+)\s*(?:\|=|\+=)/g,
    /\b(\w+)\s*=\s*(?:\1\s*[+|]|\{\s*\*\*\s*\1\b|\[\s*\*\s*\1\b)/g,
  ];
  const out = new Set<string>();
  for (const re of patterns) for (const m of text.matchAll(re)) out.add(m[1]);
  return [...out];
}

class ModuleStateBuilder {
  private readonly imports: ImportMap;
  private readonly session: SessionState;
  private readonly byId = new Map<string, Container>();
  private readonly autoVivify = new Set<string>();
  private readonly classes = new Map<string, ClassInfo>();
  private importTime?: Set<number>;

  constructor(
    private readonly tree: Tree,
    /** When set, only these containers (declared in other modules) are followed, not this module's own. */
    private readonly imported?: readonly ImportedContainer[],
  ) {
    this.imports = importsOf(tree);
    this.session = sessionStateOf(tree);
  }

  build(): ModuleState {
    if (this.imported) {
      for (const c of this.imported) this.declare(`module:${c.local}`, c.label, 'module', c, null);
    } else this.collectDeclarations();
    this.dropNeverGrown();
    const usesSession = !this.imported && this.imports.importsModule('streamlit');
    if (this.byId.size > 0 || usesSession) this.collectMutations();
    for (const call of this.sessionCleared) for (const c of this.byId.values()) if (c.scope === 'session') c.evictions.push({ node: call, how: '.clear()' });
    return { containers: [...this.byId.values()], containerOf: (n) => this.containerOf(n) };
  }

  // -- declarations ---------------------------------------------------------------------------

  /**
   * Containers declared at module level and in top-level class bodies, from per-statement facts. Only those that
   * dropNeverGrown() would keep are looked up in the tree: a DRF module declares hundreds of class-level lists
   * (`permission_classes = [...]`) that nothing grows, and finding each one's node cost a keystroke milliseconds.
   */
  private collectDeclarations(): void {
    const importsKey = importsKeyOf(this.tree);
    const pending: { id: string; statement: TopLevelStatement; className?: string; container: DeclaredContainer }[] = [];
    const vivifying = new Set<string>();
    const moduleIds = new Set<string>();
    for (const statement of topLevelStatements(this.tree)) {
      const facts = declarationsOf(statement, this.imports, importsKey);
      const className = facts.className;
      if (className !== undefined) this.classes.set(className, lazyClassInfo(className, statement.node));
      for (const c of facts.containers) {
        const id = c.member < 0 ? `module:${c.name}` : `class:${className}.${c.name}`;
        // The first declaration of a module name is the one kept; a class attribute's last one (as declare() does).
        if (c.member < 0) {
          if (moduleIds.has(id)) continue;
          moduleIds.add(id);
        }
        if (c.kind.autoVivify) vivifying.add(id);
        pending.push({ id, statement, className, container: c });
      }
    }
    const kept = new Map<string, boolean>();
    for (const { id, statement, className, container: c } of pending) {
      let keep = kept.get(id);
      if (keep === undefined) kept.set(id, (keep = this.mayGrow(c.name, vivifying.has(id))));
      if (!keep) continue;
      if (c.member < 0) this.declare(id, c.name, 'module', c.kind, assignedValue(statement.node));
      else {
        const member = classDefinition(statement.node)?.childForFieldName('body')?.namedChild(c.member);
        this.declare(id, `${className}.${c.name}`, 'class', c.kind, member ? assignedValue(member) : null);
      }
    }
  }

  private declare(id: string, label: string, scope: Container['scope'], kind: ContainerKind, value: Node | null): void {
    if (kind.autoVivify) this.autoVivify.add(id);
    this.byId.set(id, { id, label, scope, type: kind.type, bounded: kind.bounded, declaration: value ?? undefined, growths: [], evictions: [], escapes: [] });
  }

  /**
   * Cheap text pre-filter: a container whose name is never followed by growth syntax (`name[...] =`, `name.append(`,
   * `name |=`, ...) cannot grow, so its references need not be classified (most modules then skip that entirely).
   */
  private dropNeverGrown(): void {
    if (this.byId.size === 0) return;
    for (const [id, c] of this.byId) {
      if (!this.mayGrow(c.label.slice(c.label.lastIndexOf('.') + 1), this.autoVivify.has(id))) this.byId.delete(id);
    }
  }

  private grown?: Set<string>;

  /** False when nothing in the text can grow the container: its name is never followed by growth syntax. */
  private mayGrow(name: string, autoVivify: boolean): boolean {
    // Any `name[key]` read grows a defaultdict.
    return this.grownNames().has(name) || (autoVivify && new RegExp(`\\b${name}\\s*\\[`).test(sourceOf(this.tree)));
  }

  /** Names followed by growth syntax anywhere in the module. */
  private grownNames(): Set<string> {
    if (this.grown) return this.grown;
    const grown = new Set<string>();
    const text = sourceOf(this.tree);
    // Per top-level statement, kept across keystrokes: the patterns over a 3,000-line module cost milliseconds.
    // (The root read once: each rootNode read crosses into the parser's memory.)
    const root = this.tree.rootNode;
    const base = root.startIndex;
    // The text between statements is mostly blank lines, where no pattern can match.
    const gap = (from: number, to?: number) => {
      const between = text.slice(from - base, to === undefined ? undefined : to - base);
      if (/\S/.test(between)) for (const name of grownNamesIn(between)) grown.add(name);
    };
    let covered = base;
    for (const statement of topLevelStatements(this.tree)) {
      if (statement.start > covered) gap(covered, statement.start);
      for (const name of GROWN_NAMES.answer(statement, '', () => grownNamesIn(statement.text))) grown.add(name);
      covered = statement.end;
    }
    if (covered < root.endIndex) gap(covered);
    return (this.grown = grown);
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

  /** The class whose method's first parameter (`self`/`cls`) the identifier is, also from functions nested in the method. */
  private classOfReceiver(id: Node): ClassInfo | undefined {
    for (const fn of enclosingFunctions(id)) {
      const cls = fn.parent?.type === 'block' ? fn.parent.parent : fn.parent?.parent?.type === 'block' ? fn.parent.parent.parent : undefined;
      if (cls?.type !== 'class_definition') {
        if (functionScope(fn).locals.has(id.text)) return undefined; // a nested function's own `self`
        continue;
      }
      const first = fn.childForFieldName('parameters')?.namedChildren[0];
      const firstName = first?.type === 'identifier' ? first.text : first?.type === 'typed_parameter' ? first.namedChildren[0]?.text : undefined;
      if (firstName !== id.text) return undefined;
      const info = this.classes.get(cls.childForFieldName('name')?.text ?? '');
      return info && info.node.id === cls.id ? info : undefined;
    }
    return undefined;
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

  // -- mutations ------------------------------------------------------------------------------

  /**
   * Classifies every reference to a candidate container. References are found from the text (the names are
   * known), so the cost follows the number of references rather than the size of the file.
   */
  private collectMutations(): void {
    const names = new Set([...this.byId.values()].map((c) => c.label.slice(c.label.lastIndexOf('.') + 1)));
    names.add('session_state');
    for (const alias of this.session.aliases) names.add(alias);
    for (const id of identifiersNamed(this.tree, names)) {
      const expr = this.containerExpression(id);
      const c = expr && this.containerOf(expr);
      if (expr && c) this.reference(expr, c);
    }
  }

  /** The expression a name occurrence is part of that may denote a container: `x`, `self.x`, `st.session_state["x"]`. */
  private containerExpression(id: Node): Node | undefined {
    const parent = id.parent;
    const expr = parent?.type === 'attribute' && parent.childForFieldName('attribute')?.id === id.id ? parent : id;
    if (!this.session.isSessionState(expr)) return expr;
    // st.session_state.key / st.session_state["key"], or a call on the session state itself.
    const outer = expr.parent;
    if (outer?.type === 'attribute' && outer.parent?.type === 'call' && outer.parent.childForFieldName('function')?.id === outer.id) {
      const method = outer.childForFieldName('attribute')?.text ?? '';
      if (['pop', 'clear', 'setdefault'].includes(method)) {
        this.sessionCall(outer.parent, method);
        return undefined;
      }
    }
    return outer && this.session.keyOf(outer) !== undefined ? outer : undefined;
  }

  /** What the code around one reference does to the container. */
  private reference(expr: Node, c: Container): void {
    let parent = expr.parent;
    while (parent?.type === 'parenthesized_expression') {
      expr = parent;
      parent = parent.parent;
    }
    if (!parent) return;
    const isField = (field: string) => parent!.childForFieldName(field)?.id === expr.id;
    switch (parent.type) {
      case 'attribute': {
        const call = parent.parent;
        const method = parent.childForFieldName('attribute')?.text ?? '';
        if (call?.type === 'call' && call.childForFieldName('function')?.id === parent.id) this.methodCall(c, call, method);
        // `task.add_done_callback(_tasks.discard)`: an evicting method handed out as a callback.
        else if (EVICT_METHODS.has(method)) c.evictions.push({ node: parent, how: `.${method}` });
        return;
      }
      case 'subscript':
        if (isField('value')) this.subscriptUse(c, parent);
        return;
      case 'assignment':
        if (isField('left')) this.reassignment(c, parent);
        else if (isField('right')) this.escape(c, expr);
        return;
      case 'augmented_assignment':
        if (isField('left')) this.augmented(c, parent);
        return;
      case 'delete_statement':
      case 'expression_list':
        if (parent.type === 'delete_statement' || parent.parent?.type === 'delete_statement') c.evictions.push({ node: expr, how: 'del' });
        else this.escape(c, expr); // `a, b = x, y` / `return x, y`
        return;
      case 'argument_list': {
        const call = parent.parent;
        if (call?.type !== 'call') return;
        // `len(x) > N` anywhere means the code checks its size.
        if (call.childForFieldName('function')?.text === 'len' && call.parent?.type === 'comparison_operator') c.evictions.push({ node: call, how: 'len() check' });
        else if (!this.isReadOnlyCall(call)) this.escape(c, expr);
        return;
      }
      case 'keyword_argument':
        if (isField('value') && !(parent.parent?.parent?.type === 'call' && this.isReadOnlyCall(parent.parent.parent))) this.escape(c, expr);
        return;
      case 'return_statement':
      case 'yield':
      case 'default_parameter':
      case 'typed_default_parameter':
      case 'list':
      case 'tuple':
      case 'set':
      case 'pair':
      case 'conditional_expression':
      case 'named_expression':
      case 'lambda':
        // Handed to other code (returned, aliased, stored elsewhere): that code may evict it.
        this.escape(c, expr);
        return;
    }
  }

  private escape(c: Container, node: Node): void {
    if (c.scope !== 'session') c.escapes.push(node);
  }

  /** `st.session_state.pop("log")` / `.clear()` / `.setdefault("log", [])`. */
  private sessionCall(call: Node, method: string): void {
    if (method === 'clear') {
      this.sessionCleared.push(call);
      return;
    }
    const key = stringValue(positionalArguments(call)[0]);
    if (key === undefined) return;
    if (method === 'pop') this.sessionContainer(key).evictions.push({ node: call, how: '.pop()' });
    else this.initSession(this.sessionContainer(key), positionalArguments(call)[1]);
  }

  private readonly sessionCleared: Node[] = [];

  private methodCall(c: Container, call: Node, method: string): void {
    if (GROW_METHODS.has(method)) {
      const args = positionalArguments(call);
      const fixed = method === 'update' && args.length <= 1 && (args.length === 0 || isLiteralKeyDict(args[0]));
      // A set's `.add(k)` and `.setdefault(k)` add one entry per distinct key: bounded keys add a bounded number.
      if (method === 'setdefault' || (method === 'add' && c.type === 'set')) this.keyedGrowth(c, call, `.${method}()`, args.slice(0, 1));
      else if (!fixed) this.grow(c, call, `.${method}()`);
    } else if (EVICT_METHODS.has(method)) {
      c.evictions.push({ node: call, how: `.${method}()` });
    }
  }

  /** `x[k] = v`, `x[:] = ...`, `x[k] += 1`, `del x[k]`, and defaultdict reads `x[k].append(v)`. */
  private subscriptUse(c: Container, sub: Node): void {
    const keys = sub.childrenForFieldName('subscript');
    const parent = sub.parent;
    const deleted = parent?.type === 'delete_statement' || (parent?.type === 'expression_list' && parent.parent?.type === 'delete_statement');
    if (deleted) {
      c.evictions.push({ node: sub, how: 'del' });
    } else if (parent?.type === 'assignment' && parent.childForFieldName('left')?.id === sub.id) {
      if (keys.some((k) => k.type === 'slice')) c.evictions.push({ node: sub, how: '[:] =' });
      else if (c.type !== 'list' && c.type !== 'deque') this.keyedGrowth(c, sub, '[key] = ...', keys);
    } else if (parent?.type === 'augmented_assignment' && parent.childForFieldName('left')?.id === sub.id) {
      // Counter / defaultdict: `hits[k] += 1` inserts k.
      const decl = c.declaration?.type === 'call' ? this.imports.resolve(c.declaration.childForFieldName('function')) : undefined;
      if (decl === 'collections.Counter' || decl === 'collections.defaultdict') this.keyedGrowth(c, parent, `[key] ${parent.childForFieldName('operator')?.text ?? '+='}`, keys);
    } else if (this.autoVivify.has(c.id) && !isFixedKey(keys)) {
      // defaultdict: reading a missing key inserts it.
      this.grow(c, sub, '[key] on a defaultdict');
    }
  }

  private reassignment(c: Container, assign: Node): void {
    const left = assign.childForFieldName('left')!;
    const right = assign.childForFieldName('right');
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
    if (right && this.carriesContents(right, c)) {
      // `log = log[-50:]` trims; `log = log + [x]` / `{**cache, k: v}` grows.
      if (right.type === 'subscript' && right.childrenForFieldName('subscript').some((k) => k.type === 'slice')) c.evictions.push({ node: assign, how: 'slice' });
      else this.grow(c, assign, 'reassignment with the old contents');
      return;
    }
    c.evictions.push({ node: assign, how: 'reassignment' });
  }

  private augmented(c: Container, aug: Node): void {
    const op = aug.childForFieldName('operator')?.text ?? '';
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

  /** A write that adds one entry per distinct key: none when the keys are fixed or bounded by the code (bounded-keys.ts). */
  private keyedGrowth(c: Container, node: Node, how: string, keys: readonly (Node | null)[]): void {
    // What grow() drops whatever the key is asked first: the key's bounds (boundedKey) cost the most.
    if (c.scope !== 'session' && !this.growsAfterImport(c, node, true)) return;
    if (isFixedKey(keys)) return;
    if (c.scope !== 'session' && !this.growsAfterImport(c, node, false)) return;
    const publicFunctions = boundedKey(keys);
    if (publicFunctions?.length === 0) return;
    this.grow(c, node, how, publicFunctions);
  }

  private grow(c: Container, node: Node, how: string, boundedIfOnlyCalledHere?: readonly string[]): void {
    if (c.scope === 'session') {
      if (!this.session.insideInitGuard(node, c.id.slice('session:'.length))) c.growths.push({ node, how });
      return;
    }
    if (!this.growsAfterImport(c, node, true) || !this.growsAfterImport(c, node, false)) return;
    c.growths.push(boundedIfOnlyCalledHere ? { node, how, boundedIfOnlyCalledHere } : { node, how });
  }

  /**
   * False for a growth of a module/class container that is no cache's: module/class containers filled while the
   * module is imported are registries; so are ALL_CAPS tables and containers filled by registration functions
   * (`register_*`, `setup`). `cheap`: only the tests that walk nothing (outside any function, an ALL_CAPS name).
   */
  private growsAfterImport(c: Container, node: Node, cheap: boolean): boolean {
    const fn = ancestor(node, 'function_definition');
    if (!fn) return false;
    if (cheap) {
      const name = c.label.slice(c.label.lastIndexOf('.') + 1);
      return !(/^_*[A-Z][A-Z0-9_]*$/.test(name) && !CACHE_WORDS.test(name));
    }
    if (this.importTimeFunctions().has(fn.id)) return false;
    return !(REGISTRATION_FUNCTION.test(fn.childForFieldName('name')?.text ?? '') || registersDecoratedFunction(fn, node));
  }

  /**
   * Whether the old contents of the container flow into a value (`log + [x]`, `[*log, x]`, `{**cache, k: v}`,
   * `pd.concat([df, row])`). A mention that only yields a scalar does not carry them: a comparison or condition
   * (`"k" in st.session_state`), a size or position (`len(log)`, `options.index(st.session_state["k"])`), or a
   * Streamlit widget's return value (`st.session_state.k = st.selectbox(..., index=...)` holds the one option picked).
   */
  private carriesContents(expr: Node, c: Container): boolean {
    if (this.containerOf(expr)?.id === c.id) return true;
    switch (expr.type) {
      case 'comparison_operator':
      case 'not_operator':
      case 'integer':
      case 'float':
      case 'string':
        return false;
      case 'conditional_expression': {
        const [consequence, , alternative] = expr.namedChildren;
        return [consequence, alternative].some((n) => n && this.carriesContents(n, c));
      }
      case 'call': {
        const fn = expr.childForFieldName('function');
        const q = fn ? this.imports.resolve(fn) ?? fn.text : '';
        if (q.startsWith('streamlit.') || SCALAR_CALLEES.has(q)) return false;
        const method = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text ?? '' : '';
        if (SCALAR_METHODS.has(method)) return false;
        break;
      }
    }
    return expr.namedChildren.some((n) => n !== null && this.carriesContents(n, c));
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
    for (const node of moduleDecorators(this.tree)) {
      const expr = node.namedChildren.find((c) => c?.type !== 'comment');
      if (expr?.type === 'call') markRun(expr.childForFieldName('function'), true);
      else markRun(expr, false);
    }
    // Calls in module-level statements and class bodies (not inside functions) run at import.
    const scan = (statements: readonly (Node | null)[]) => {
      for (const stmt of statements) {
        const def = stmt?.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
        if (!def || def.type === 'function_definition') continue;
        if (def.type === 'class_definition') {
          scan(def.childForFieldName('body')?.namedChildren ?? []);
          continue;
        }
        for (const { node } of captures(this.tree, '(call function: [(identifier) (attribute)] @f)', def)) {
          if (!ancestor(node, 'function_definition', 'lambda')) markRun(node, false);
        }
        // `del helper` at module level: the helper could only ever run during import.
        if (def.type === 'delete_statement') for (const id of def.descendantsOfType('identifier')) markRun(id, false);
      }
    };
    scan(this.tree.rootNode.namedChildren);
    for (const methods of (this.functionIndex ??= this.buildFunctionIndex()).methods.values()) {
      for (const name of IMPORT_TIME_METHODS) for (const def of methods.get(name) ?? []) set.add(def.id);
    }
    return (this.importTime = set);
  }

  private functionIndex?: { top: Map<string, Node[]>; methods: Map<string, Map<string, Node[]>>; instances: Map<string, string> };

  /** The module's own functions an expression names: `register`, `Registry.register`, `registry.add` (an instance). */
  private functionsNamed(expr: Node | null | undefined): Node[] {
    if (!expr) return [];
    const index = (this.functionIndex ??= this.buildFunctionIndex());
    if (expr.type === 'identifier') return index.top.get(expr.text) ?? [];
    if (expr.type !== 'attribute') return [];
    const object = expr.childForFieldName('object');
    const method = expr.childForFieldName('attribute')?.text;
    if (object?.type !== 'identifier' || !method) return [];
    const cls = index.methods.has(object.text) ? object.text : index.instances.get(object.text);
    return (cls && index.methods.get(cls)?.get(method)) || [];
  }

  private buildFunctionIndex() {
    const top = new Map<string, Node[]>();
    const methods = new Map<string, Map<string, Node[]>>();
    const instances = new Map<string, string>();
    const add = (map: Map<string, Node[]>, def: Node) => {
      const name = def.childForFieldName('name')?.text ?? '';
      map.set(name, [...(map.get(name) ?? []), def]);
    };
    const definitions = (body: readonly (Node | null)[]) =>
      body.map((s) => (s?.type === 'decorated_definition' ? s.childForFieldName('definition') : s)).filter((d): d is Node => !!d);
    for (const def of definitions(this.tree.rootNode.namedChildren)) {
      if (def.type === 'function_definition') add(top, def);
      if (def.type === 'class_definition') {
        const own = new Map<string, Node[]>();
        for (const m of definitions(def.childForFieldName('body')?.namedChildren ?? [])) if (m.type === 'function_definition') add(own, m);
        methods.set(def.childForFieldName('name')?.text ?? '', own);
      }
      // `registry = Registry()` at module level, then `@registry.register`.
      const a = assignmentOf(def);
      const ctor = a?.childForFieldName('right');
      const left = a?.childForFieldName('left');
      if (left?.type === 'identifier' && ctor?.type === 'call' && ctor.childForFieldName('function')?.type === 'identifier') {
        instances.set(left.text, ctor.childForFieldName('function')!.text);
      }
    }
    return { top, methods, instances };
  }
}

const textCache = new WeakMap<Tree, string>();

/** The module's source text (copied out of the parser once per tree). */
export function sourceOf(tree: Tree): string {
  let text = textCache.get(tree);
  if (text === undefined) textCache.set(tree, (text = tree.rootNode.text));
  return text;
}

const decoratorCache = new WeakMap<Tree, Node[]>();

/** Every decorator of the module, found from lines that start with `@` (no walk over the whole tree). */
function moduleDecorators(tree: Tree): Node[] {
  let out = decoratorCache.get(tree);
  if (out) return out;
  out = decoratorsIn(tree, sourceOf(tree), tree.rootNode.startIndex);
  decoratorCache.set(tree, out);
  return out;
}

/** The decorators of a slice of the text that starts at `offset` at a line start (a top-level statement's). */
export function decoratorsIn(tree: Tree, text: string, offset: number): Node[] {
  const out: Node[] = [];
  const root = tree.rootNode;
  for (const m of text.matchAll(/^[ \t]*@/gm)) {
    const at = offset + m.index! + m[0].length - 1;
    const node = root.descendantForIndex(at, at + 1);
    const decorator = node?.type === 'decorator' ? node : node?.parent?.type === 'decorator' ? node.parent : undefined;
    if (decorator) out.push(decorator);
  }
  return out;
}

/**
 * Identifier nodes whose text is one of the names, optionally only inside one node, found from the source
 * text: no walk over the tree, and only the matching nodes are materialised.
 */
export function identifiersNamed(tree: Tree, names: ReadonlySet<string>, within?: Node): Node[] {
  if (names.size === 0) return [];
  const out: Node[] = [];
  const root = tree.rootNode;
  const text = sourceOf(tree);
  const from = (within?.startIndex ?? root.startIndex) - root.startIndex;
  const to = (within?.endIndex ?? root.endIndex) - root.startIndex;
  const pattern = new RegExp(`\\b(?:${[...names].join('|')})\\b`, 'g');
  pattern.lastIndex = from;
  for (let m = pattern.exec(text); m && m.index < to; m = pattern.exec(text)) {
    const start = root.startIndex + m.index;
    const node = root.descendantForIndex(start, start + m[0].length);
    if (node?.type === 'identifier' && node.text === m[0]) out.push(node);
  }
  return out;
}

function assignmentOf(stmt: Node): Node | undefined {
  if (stmt.type !== 'expression_statement') return undefined;
  const a = stmt.namedChildren[0];
  return a?.type === 'assignment' ? a : undefined;
}

/**
 * A key that names one fixed slot, or one of a set the code defines: a literal, an ALL_CAPS constant
 * (`_state["client"] = ...`), or a class (`cls._instances[cls]` in a singleton metaclass, `type(self)`,
 * `model.__tablename__`): there are only as many classes as the code declares.
 */
function isFixedKey(keys: readonly (Node | null)[]): boolean {
  if (keys.length !== 1 || !keys[0]) return false;
  const k = keys[0];
  if (k.type === 'string') return stringValue(k) !== undefined;
  if (k.type === 'integer' || k.type === 'true' || k.type === 'false' || k.type === 'none') return true;
  if (k.type === 'identifier') return /^[A-Z][A-Z0-9_]*$/.test(k.text) || CLASS_NAMES.has(k.text) || literalOnlyParameter(k);
  if (k.type === 'attribute') {
    const attribute = k.childForFieldName('attribute')?.text ?? '';
    return /^[A-Z][A-Z0-9_]*$/.test(attribute) || CLASS_ATTRIBUTES.has(attribute);
  }
  if (k.type === 'call') return k.childForFieldName('function')?.text === 'type' && k.childForFieldName('arguments')?.namedChildren.length === 1;
  return false;
}

/**
 * A parameter of a private function (`_update_cache(self, model, kind)`) that every call in the module passes a
 * literal: `self._update_cache(Unit, "unit")`. The keys are the literals the code writes, however many calls run.
 */
function literalOnlyParameter(k: Node): boolean {
  const def = ancestor(k, 'function_definition');
  const name = def?.childForFieldName('name')?.text ?? '';
  if (!def || !/^_[^_]/.test(name)) return false;
  const params = (def.childForFieldName('parameters')?.namedChildren ?? []).filter((p): p is Node => p !== null);
  const nameOf = (p: Node) => (p.type === 'identifier' ? p.text : ['typed_parameter', 'default_parameter', 'typed_default_parameter'].includes(p.type) ? (p.childForFieldName('name') ?? p.namedChildren[0])?.text : undefined);
  const index = params.findIndex((p) => nameOf(p) === k.text);
  if (index < 0) return false;
  const method = params[0]?.text === 'self' || params[0]?.text === 'cls';
  const position = method ? index - 1 : index;
  if (position < 0) return false;
  let calls = 0;
  for (const { node: call } of captures(k.tree, '(call function: [(identifier) (attribute)] @f) @c')) {
    if (call.type !== 'call') continue;
    const fn = call.childForFieldName('function')!;
    const callee = fn.type === 'identifier' ? fn.text : fn.childForFieldName('attribute')?.text;
    if (callee !== name) continue;
    const arg = positionalArguments(call)[position];
    if (!arg || !['string', 'integer'].includes(arg.type) || (arg.type === 'string' && stringValue(arg) === undefined)) return false;
    calls++;
  }
  return calls > 0;
}

/** Names that hold a class by convention (metaclass `__call__`, class methods). */
const CLASS_NAMES = new Set(['cls', 'mcs', 'metacls', 'klass']);
/** Attributes that identify a class, not an instance: `x.__class__`, `cls.__name__`, `Model.__tablename__`. */
const CLASS_ATTRIBUTES = new Set(['__class__', '__name__', '__qualname__', '__tablename__', '__module__']);

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
