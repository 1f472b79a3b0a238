/**
 * Keys the code bounds, not the requests: the values a container key can take when each one is spelled in the
 * module itself. A log-once set keyed by fixed messages (`_log_once("cache disabled")`), a warn throttle keyed by
 * the wrapped function's name (`f"backoff:{fn.__name__}"`), a dict keyed by the tabs of a literal tuple the code
 * loops over: however many requests run, they hold as many entries as the code names. A key that comes from a
 * parameter some caller passes other data to, a DB id, or request input is not bounded.
 *
 * The answer is a proof or nothing. `boundedKey` returns undefined when it cannot show the key is bounded, else the
 * names of public functions the proof read the call sites of: callers in other modules could pass anything, so the
 * rule keeps the key bounded only when no other module mentions them.
 */
import type { Node, Tree } from 'web-tree-sitter';
import { ancestor, captures, positionalArguments, stringValue } from './ast';
import { addTargets, enclosingFunctions, functionScope } from './module-state';

/** Names that hold a class by convention (metaclass `__call__`, class methods). */
const CLASS_NAMES = new Set(['cls', 'mcs', 'metacls', 'klass']);
/** Attributes that identify a class or function, not an instance: `x.__class__`, `fn.__name__`, `Model.__tablename__`. */
const CLASS_ATTRIBUTES = new Set(['__class__', '__name__', '__qualname__', '__tablename__', '__module__']);
/** String methods whose result is determined by the receiver (and literal arguments). */
const STRING_METHODS = new Set(['upper', 'lower', 'strip', 'lstrip', 'rstrip', 'title', 'casefold', 'capitalize', 'replace', 'format']);
/** Builtins whose result is determined by their arguments. */
const PURE_CONVERSIONS = new Set(['str', 'int', 'repr', 'tuple', 'frozenset']);
const CONSTANT = /^_*[A-Z][A-Z0-9_]*$/;
/** How many call-site and assignment hops a proof may follow. */
const MAX_DEPTH = 6;

interface Proof {
  /** Public functions whose callers the proof read (only this module's). */
  readonly publicFunctions: Set<string>;
  /** Nodes being proven, to stop on recursion (a function passing its own parameter on). */
  readonly active: Set<number>;
}

/**
 * Undefined unless every key can only be a value the module spells out; else the public functions whose call sites
 * the proof relied on (empty when the keys are literals, constants or class names).
 */
export function boundedKey(keys: readonly (Node | null)[]): string[] | undefined {
  if (keys.length === 0) return undefined;
  const proof: Proof = { publicFunctions: new Set(), active: new Set() };
  for (const k of keys) if (!k || !bounded(k, proof, 0)) return undefined;
  return [...proof.publicFunctions];
}

function bounded(n: Node, proof: Proof, depth: number): boolean {
  if (depth > MAX_DEPTH || proof.active.has(n.id)) return false;
  proof.active.add(n.id);
  try {
    return boundedNode(n, proof, depth);
  } finally {
    proof.active.delete(n.id);
  }
}

function boundedNode(n: Node, proof: Proof, depth: number): boolean {
  const all = (nodes: readonly (Node | null)[]) => nodes.every((c) => !c || c.type === 'comment' || bounded(c, proof, depth));
  switch (n.type) {
    case 'integer':
    case 'float':
    case 'true':
    case 'false':
    case 'none':
      return true;
    case 'string':
      // A literal, or an f-string whose every interpolation is bounded: `f"backoff:{fn.__name__}"`.
      return stringValue(n) !== undefined || n.namedChildren.every((c) => c?.type !== 'interpolation' || bounded(c.namedChildren[0]!, proof, depth));
    case 'concatenated_string':
    case 'tuple':
    case 'parenthesized_expression':
      return all(n.namedChildren);
    case 'boolean_operator':
    case 'binary_operator':
      return all([n.childForFieldName('left'), n.childForFieldName('right')]);
    case 'conditional_expression':
      // `a if cond else b`: the condition picks, the values are the branches.
      return all([n.namedChildren[0], n.namedChildren[2]]);
    case 'attribute': {
      const attribute = n.childForFieldName('attribute')?.text ?? '';
      return CONSTANT.test(attribute) || CLASS_ATTRIBUTES.has(attribute);
    }
    case 'identifier':
      return CONSTANT.test(n.text) || CLASS_NAMES.has(n.text) || boundedName(n, proof, depth);
    case 'call':
      return boundedCall(n, proof, depth);
  }
  return false;
}

function boundedCall(call: Node, proof: Proof, depth: number): boolean {
  const fn = call.childForFieldName('function');
  const args = call.childForFieldName('arguments')?.namedChildren.filter((a): a is Node => a !== null && a.type !== 'comment') ?? [];
  if (!fn || args.some((a) => a.type === 'list_splat' || a.type === 'dictionary_splat' || a.type === 'keyword_argument')) return false;
  if (fn.type === 'identifier') {
    if (fn.text === 'type' && args.length === 1) return true; // a class: as many as the code declares
    if (PURE_CONVERSIONS.has(fn.text)) return args.every((a) => bounded(a, proof, depth + 1));
    if ((fn.text === 'max' || fn.text === 'min') && isClamp(call)) return true;
    return returnsBounded(fn, proof, depth);
  }
  if (fn.type === 'attribute' && STRING_METHODS.has(fn.childForFieldName('attribute')?.text ?? '')) {
    const receiver = fn.childForFieldName('object');
    return !!receiver && bounded(receiver, proof, depth + 1) && args.every((a) => bounded(a, proof, depth + 1));
  }
  return false;
}

/** A constant number, or arithmetic over constant numbers (`6 * 3600`). */
function constantNumber(n: Node | null | undefined): boolean {
  if (!n) return false;
  if (n.type === 'integer' || n.type === 'float') return true;
  if (n.type === 'unary_operator') return constantNumber(n.childForFieldName('argument'));
  if (n.type === 'parenthesized_expression') return constantNumber(n.namedChildren[0]);
  return n.type === 'binary_operator' && constantNumber(n.childForFieldName('left')) && constantNumber(n.childForFieldName('right'));
}

/** `max(60, min(v, 3600))` / `min(100, max(1, v))`: an integer setting clamped between two constants. */
function isClamp(call: Node): boolean {
  const outer = call.childForFieldName('function')!.text;
  const args = positionalArguments(call);
  if (args.length !== 2) return false;
  const inner = args.find((a) => a.type === 'call');
  if (!args.some((a) => constantNumber(a)) || !inner) return false;
  const innerName = inner.childForFieldName('function')?.text;
  const innerArgs = positionalArguments(inner);
  return innerName === (outer === 'max' ? 'min' : 'max') && innerArgs.length === 2 && innerArgs.some((a) => constantNumber(a));
}

/** A call of a module-level function of this module whose every `return` gives a bounded value (parameters ignored). */
function returnsBounded(name: Node, proof: Proof, depth: number): boolean {
  const def = moduleFunctions(name.tree).get(name.text);
  if (!def || enclosingFunctions(name).next().value?.id === def.id) return false;
  const returns = captures(name.tree, '(return_statement) @r', def).map((c) => c.node).filter((r) => ancestor(r, 'function_definition')?.id === def.id);
  if (returns.length === 0) return false;
  return returns.every((r) => {
    const value = r.namedChildren.find((c) => c?.type !== 'comment');
    return !!value && boundedWithoutParameters(value, def, proof, depth + 1);
  });
}

/** A function's return value, proven bounded without reading its parameters (they differ per call). */
function boundedWithoutParameters(value: Node, def: Node, proof: Proof, depth: number): boolean {
  const params = new Set<string>();
  for (const p of def.childForFieldName('parameters')?.namedChildren ?? []) if (p) params.add(parameterName(p) ?? '');
  const mentions = captures(value.tree, '(identifier) @id', value).some((c) => params.has(c.node.text));
  return !mentions && bounded(value, proof, depth);
}

// ---------------------------------------------------------------------------------------------
// Names: parameters, locals, loop variables, module globals

function boundedName(id: Node, proof: Proof, depth: number): boolean {
  for (const fn of enclosingFunctions(id)) {
    if (fn.type !== 'function_definition') {
      if (functionScope(fn).locals.has(id.text)) return false; // a lambda parameter
      continue;
    }
    const scope = functionScope(fn);
    if (scope.declared.has(id.text)) return !/\bnonlocal\b/.test(fn.text) && boundedGlobal(id, proof, depth);
    if (!scope.locals.has(id.text)) continue; // a free variable: bound by an enclosing function or the module
    const index = parameterIndex(fn, id.text);
    if (index !== undefined) return readsEnvironmentBy(fn, id.text) || boundedParameter(fn, id.text, index, proof, depth);
    return boundedLocal(fn, id.text, proof, depth);
  }
  return boundedGlobal(id, proof, depth);
}

/**
 * `def env(name): ... os.environ.get(name)`: a parameter the function also looks up in the environment is the name
 * of an environment variable, which callers spell in code; a memo keyed by it holds one entry per variable.
 */
function readsEnvironmentBy(fn: Node, name: string): boolean {
  const escaped = name.replace(/[^\w]/g, '');
  return new RegExp(String.raw`\b(environ\s*\[\s*${escaped}\s*\]|environ\.get\(\s*${escaped}\b|getenv\(\s*${escaped}\b)`).test(fn.text);
}

/** Every binding of a function local is a bounded value: `key = (venue.upper(), quote.upper())`, `for tab in TABS:`. */
function boundedLocal(fn: Node, name: string, proof: Proof, depth: number): boolean {
  const body = fn.childForFieldName('body');
  if (!body) return false;
  let bindings = 0;
  let ok = true;
  const visit = (n: Node): void => {
    if (!ok) return;
    if (n.type === 'function_definition' || n.type === 'class_definition' || n.type === 'lambda' || n.type.endsWith('comprehension') || n.type === 'generator_expression') {
      if (n.childForFieldName('name')?.text === name) ok = false;
      return;
    }
    if (n.type === 'assignment' && n.childForFieldName('left')?.text === name && n.childForFieldName('left')?.type === 'identifier') {
      bindings++;
      const right = n.childForFieldName('right');
      ok = !!right && bounded(right, proof, depth + 1);
      return;
    }
    if (n.type === 'for_statement' && n.childForFieldName('left')?.type === 'identifier' && n.childForFieldName('left')?.text === name) {
      bindings++;
      ok = boundedCollection(n.childForFieldName('right'), proof, depth + 1);
    } else if (n.type === 'for_statement' && keyOfItems(n, name)) {
      // `for model, config in MODELS_CONFIG.items():` binds the keys of a constant mapping.
      bindings++;
      ok = boundedCollection(keyOfItems(n, name)!, proof, depth + 1);
    } else if (bindsOtherwise(n, name)) {
      ok = false;
      return;
    }
    for (const c of n.namedChildren) if (c) visit(c);
  };
  visit(body);
  return ok && bindings > 0;
}

/**
 * The mapping of `for name, value in MAPPING.items():` when `name` is the first of two plain names: each pass binds
 * one of its keys. Undefined for any other loop.
 */
function keyOfItems(loop: Node, name: string): Node | undefined {
  const left = loop.childForFieldName('left');
  const right = loop.childForFieldName('right');
  if ((left?.type !== 'pattern_list' && left?.type !== 'tuple_pattern') || right?.type !== 'call') return undefined;
  const targets = left.namedChildren;
  if (targets.length !== 2 || targets[0]?.type !== 'identifier' || targets[0].text !== name || targets[1]?.type !== 'identifier') return undefined;
  const fn = right.childForFieldName('function');
  if (fn?.type !== 'attribute' || fn.childForFieldName('attribute')?.text !== 'items' || positionalArguments(right).length > 0) return undefined;
  return fn.childForFieldName('object') ?? undefined;
}

/** Bindings the proof does not read: augmented assignment, tuple unpacking, walrus, `as`, imports. */
function bindsOtherwise(n: Node, name: string): boolean {
  switch (n.type) {
    case 'augmented_assignment':
      return n.childForFieldName('left')?.text === name;
    case 'assignment':
    case 'for_statement': {
      const left = n.childForFieldName('left');
      return !!left && left.type !== 'identifier' && bindsName(left, name);
    }
    case 'named_expression':
      return n.childForFieldName('name')?.text === name;
    case 'as_pattern_target':
    case 'import_statement':
    case 'import_from_statement':
      return captures(n.tree, '(identifier) @id', n).some((c) => c.node.text === name);
  }
  return false;
}

/** True when the unpacking target binds the name (`a, name = ...`, `for (k, name) in ...`); `x[name] = ...` does not. */
function bindsName(target: Node, name: string): boolean {
  const names = new Set<string>();
  addTargets(target, names);
  return names.has(name);
}

/** A literal collection of bounded values, or a constant (`TABS`, `settings.SHEET_TABS`). */
function boundedCollection(n: Node | null, proof: Proof, depth: number): boolean {
  if (!n) return false;
  if (n.type === 'list' || n.type === 'tuple' || n.type === 'set') return n.namedChildren.every((c) => !c || c.type === 'comment' || bounded(c, proof, depth));
  if (n.type === 'parenthesized_expression') return boundedCollection(n.namedChildren[0], proof, depth);
  if (n.type === 'identifier' || n.type === 'attribute') {
    const name = n.type === 'identifier' ? n.text : n.childForFieldName('attribute')?.text ?? '';
    return CONSTANT.test(name);
  }
  return false;
}

/** A module global assigned only at module level, each time a bounded value, and never rebound by a function. */
function boundedGlobal(id: Node, proof: Proof, depth: number): boolean {
  let bindings = 0;
  for (const stmt of id.tree.rootNode.namedChildren) {
    const a = stmt?.type === 'expression_statement' ? stmt.namedChildren[0] : undefined;
    if (a?.type !== 'assignment') continue;
    const left = a.childForFieldName('left');
    if (left?.type !== 'identifier' || left.text !== id.text) continue;
    const right = a.childForFieldName('right');
    if (!right || !bounded(right, proof, depth + 1)) return false;
    bindings++;
  }
  if (bindings === 0) return false;
  // `global name` in any function may rebind it to anything.
  return !captures(id.tree, '(global_statement (identifier) @id)').some((c) => c.node.text === id.text);
}

// ---------------------------------------------------------------------------------------------
// Parameters: every call in the module passes a bounded value

function parameterName(p: Node): string | undefined {
  if (p.type === 'identifier') return p.text;
  if (p.type === 'typed_parameter') return p.namedChildren.find((c) => c?.type === 'identifier')?.text;
  if (p.type === 'default_parameter' || p.type === 'typed_default_parameter') return p.childForFieldName('name')?.text;
  return undefined;
}

function parameterIndex(fn: Node, name: string): number | undefined {
  const params = (fn.childForFieldName('parameters')?.namedChildren ?? []).filter((p): p is Node => p !== null && p.type !== 'comment');
  const index = params.findIndex((p) => parameterName(p) === name);
  if (index >= 0) return index;
  // `*args` / `**kwargs` / a keyword-only marker: not a parameter we can match to call sites.
  return params.some((p) => p.namedChildren.some((c) => c?.text === name)) ? -1 : undefined;
}

/**
 * `_log_once(msg)` where every `_log_once(...)` in the module passes a literal: the keys are the messages the code
 * writes. The function must only be called (never decorated, passed on or stored), and a public one adds its name to
 * the proof so the rule can check that no other module calls it.
 */
function boundedParameter(fn: Node, name: string, index: number, proof: Proof, depth: number): boolean {
  if (index < 0) return false;
  const fnName = fn.childForFieldName('name')?.text ?? '';
  if (!fnName || fnName.startsWith('__') || fn.parent?.type === 'decorated_definition') return false;
  const params = (fn.childForFieldName('parameters')?.namedChildren ?? []).filter((p): p is Node => p !== null && p.type !== 'comment');
  const method = fn.parent?.parent?.type === 'class_definition' || ancestor(fn, 'class_definition') !== undefined;
  const isMethod = method && (params[0]?.text === 'self' || params[0]?.text === 'cls');
  const position = isMethod ? index - 1 : index;
  if (position < 0) return false;
  // A framework may call a public method of a class the code hands it (`get(self, request, key)` of a view).
  if (method && !/^_[^_]/.test(fnName)) return false;
  const declared = params[index];
  let calls = 0;
  for (const ref of references(fn.tree, fnName)) {
    const parent = ref.parent;
    if (ref.id === fn.childForFieldName('name')?.id) continue;
    // The name as the callee: `f(...)`, `self.f(...)`, `obj.f(...)`.
    const callee = parent?.type === 'attribute' && parent.childForFieldName('attribute')?.id === ref.id ? parent : ref;
    const call = callee.parent;
    if (call?.type !== 'call' || call.childForFieldName('function')?.id !== callee.id) return false; // passed on or stored
    const argNodes = call.childForFieldName('arguments')?.namedChildren.filter((a): a is Node => a !== null && a.type !== 'comment') ?? [];
    if (argNodes.some((a) => a.type === 'list_splat' || a.type === 'dictionary_splat')) return false;
    const keyword = argNodes.find((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === name)?.childForFieldName('value');
    const value = keyword ?? positionalArguments(call)[position] ?? (declared?.type.endsWith('default_parameter') ? declared.childForFieldName('value') : null);
    if (!value || !bounded(value, proof, depth + 1)) return false;
    calls++;
  }
  if (calls === 0) return false;
  if (!/^_[^_]/.test(fnName)) proof.publicFunctions.add(fnName);
  return true;
}

const referenceCache = new WeakMap<Tree, Map<string, Node[]>>();

/** Identifiers spelling the name (as a variable or as an attribute), cached per tree. */
function references(tree: Tree, name: string): Node[] {
  let byName = referenceCache.get(tree);
  if (!byName) {
    byName = new Map();
    for (const { node } of captures(tree, '(identifier) @id')) {
      const list = byName.get(node.text);
      if (list) list.push(node);
      else byName.set(node.text, [node]);
    }
    referenceCache.set(tree, byName);
  }
  return byName.get(name) ?? [];
}

const functionCache = new WeakMap<Tree, Map<string, Node>>();

/** Module-level `def`s by name (the last one wins, as at run time). */
function moduleFunctions(tree: Tree): Map<string, Node> {
  let out = functionCache.get(tree);
  if (!out) {
    out = new Map();
    for (const stmt of tree.rootNode.namedChildren) {
      const def = stmt?.type === 'decorated_definition' ? undefined : stmt;
      if (def?.type === 'function_definition') out.set(def.childForFieldName('name')!.text, def);
    }
    functionCache.set(tree, out);
  }
  return out;
}
