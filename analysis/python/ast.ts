/** Small helpers over tree-sitter-python trees, shared by the Python rules. */
import { Query, type Node, type Tree, type QueryCapture } from 'web-tree-sitter';

const queryCache = new Map<string, Query>();

/** Compiles a tree-sitter query once per process (queries run inside the wasm: fast). */
export function query(tree: Tree, source: string): Query {
  let q = queryCache.get(source);
  if (!q) {
    q = new Query(tree.language, source);
    queryCache.set(source, q);
  }
  return q;
}

export function captures(tree: Tree, source: string, node: Node = tree.rootNode): QueryCapture[] {
  return query(tree, source).captures(node);
}

/**
 * The nodes captured under one name, once each. Prefer this to filtering `captures()` by node type: a
 * wildcard capture like `(_) @value` can have the same type as the node you want (`Path(x).resolve()`'s
 * object is a call too).
 */
export function capturesNamed(tree: Tree, source: string, name: string, node: Node = tree.rootNode): Node[] {
  const seen = new Set<number>();
  const out: Node[] = [];
  for (const c of query(tree, source).captures(node)) {
    if (c.name !== name || seen.has(c.node.id)) continue;
    seen.add(c.node.id);
    out.push(c.node);
  }
  return out;
}

/**
 * The smallest node at the start of each match of `pattern` in the file's text. Finding candidates by text
 * and climbing from there costs microseconds, where a query walks the whole tree (several ms on big files):
 * use it when a rule looks for a few distinctive names. `pattern` must have the `g` flag. `text` may be a slice
 * of the file's text that starts at `offset`.
 */
export function nodesAtText(tree: Tree, text: string, pattern: RegExp, offset = 0): Node[] {
  const out: Node[] = [];
  for (const m of text.matchAll(pattern)) {
    const at = offset + (m.index ?? 0) + (m[0].length - m[0].trimStart().length);
    const node = tree.rootNode.descendantForIndex(at, at);
    if (node) out.push(node);
  }
  return out;
}

const KEYWORDS = { class: /\bclass\b/g, def: /\bdef\b/g } as const;
const DEFINITION_OF = { class: 'class_definition', def: 'function_definition' } as const;

/**
 * Every class (`class`) or function (`def`) definition of the tree, in document order: what the query
 * `(class_definition) @c` captures, found from the keyword in the text instead of a walk of the whole tree (a
 * keyword in a string or comment, or in code a parse error swallowed, has no such parent and is left out).
 */
export function definitionsOf(tree: Tree, keyword: 'class' | 'def'): Node[] {
  const root = tree.rootNode;
  const text = root.text;
  if (!text.includes(keyword)) return [];
  const out: Node[] = [];
  for (const m of text.matchAll(KEYWORDS[keyword])) {
    // (the root starts at its first token, after leading blank lines)
    const at = root.startIndex + m.index!;
    const token = root.descendantForIndex(at, at + keyword.length);
    const definition = token?.type === keyword ? token.parent : null;
    if (definition?.type === DEFINITION_OF[keyword]) out.push(definition);
  }
  return out;
}

/**
 * Calls whose callee's last name matches `names` (a `g` regex of the bare name, e.g. /\b(?:len|list)\b/g),
 * found by text: `len(x)`, `futures.ThreadPoolExecutor(...)`. The callee is an identifier or an attribute.
 * `text` may be a slice of the file's text that starts at `offset`.
 */
export function callsNamed(tree: Tree, text: string, names: RegExp, offset = 0): Node[] {
  return callsOfNames(nodesAtText(tree, text, callNamePattern(names), offset));
}

/** callsNamed's text pattern for `names`: the name followed by `(` (the same RegExp object for the same source). */
export function callNamePattern(names: RegExp): RegExp {
  let pattern = callNamePatterns.get(names.source);
  if (!pattern) {
    if (callNamePatterns.size > 500) callNamePatterns.clear(); // names built from a file's imports: bounded anyway
    callNamePatterns.set(names.source, (pattern = new RegExp(`(?:${names.source})(?=\\s*\\()`, 'g')));
  }
  return pattern;
}

const callNamePatterns = new Map<string, RegExp>();

/**
 * Whether the text has a name callsNamed(tree, text, names) would look at (one followed by `(`): without one it finds
 * no call, so a rule whose findings all start from those calls can skip the parse (a batch scan's strictTest).
 */
export function mayCallNamed(text: string, names: RegExp): boolean {
  return text.search(callNamePattern(names)) !== -1; // search() starts at 0 whatever the g pattern's lastIndex
}

/** The calls (once each, in order) whose callee is one of these identifiers or an attribute ending in one. */
export function callsOfNames(nameNodes: readonly Node[]): Node[] {
  const calls: Node[] = [];
  const seen = new Set<number>();
  for (const name of nameNodes) {
    if (name.type !== 'identifier') continue;
    const callee = name.parent?.type === 'attribute' && name.parent.childForFieldName('attribute')?.id === name.id ? name.parent : name;
    const call = callee.parent;
    if (call?.type !== 'call' || call.childForFieldName('function')?.id !== callee.id || seen.has(call.id)) continue;
    seen.add(call.id);
    calls.push(call);
  }
  return calls;
}

/** Each match as a map from capture name to node. */
export function matches(tree: Tree, source: string, node: Node = tree.rootNode): Map<string, Node>[] {
  return query(tree, source)
    .matches(node)
    .map((m) => new Map(m.captures.map((c) => [c.name, c.node])));
}

/** The value of an integer literal (`10_000`, `0x10`), or a simple product like `10 * 1024 * 1024`. */
export function intValue(node: Node | null | undefined): number | undefined {
  if (!node) return undefined;
  switch (node.type) {
    case 'integer': {
      const n = Number(node.text.replace(/_/g, '').replace(/[lL]$/, ''));
      return Number.isFinite(n) ? n : undefined;
    }
    case 'float': {
      const n = Number(node.text.replace(/_/g, ''));
      return Number.isFinite(n) ? n : undefined;
    }
    case 'parenthesized_expression':
      return intValue(node.namedChildren[0]);
    case 'binary_operator': {
      const left = intValue(node.childForFieldName('left'));
      const right = intValue(node.childForFieldName('right'));
      const op = node.childForFieldName('operator')?.text;
      if (left === undefined || right === undefined) return undefined;
      if (op === '*') return left * right;
      if (op === '+') return left + right;
      if (op === '-') return left - right;
      if (op === '**') return left ** right;
      if (op === '<<') return left * 2 ** right;
      if (op === '//' && right !== 0) return Math.floor(left / right);
      return undefined;
    }
    case 'unary_operator': {
      const v = intValue(node.childForFieldName('argument'));
      return v === undefined ? undefined : node.child(0)?.text === '-' ? -v : v;
    }
    default:
      return undefined;
  }
}

/** The value of a plain string literal (no f-string interpolation), or undefined. */
export function stringValue(node: Node | null | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'concatenated_string') {
    const parts = node.namedChildren.map(stringValue);
    return parts.every((p) => p !== undefined) ? parts.join('') : undefined;
  }
  if (node.type !== 'string') return undefined;
  if (node.namedChildren.some((c) => c?.type === 'interpolation')) return undefined;
  return node.namedChildren
    .filter((c): c is Node => c !== null && (c.type === 'string_content' || c.type === 'escape_sequence'))
    .map((c) => c.text)
    .join('');
}

/** Keyword argument `name=` of a call's argument list. */
export function keywordArgument(call: Node, name: string): Node | undefined {
  const args = call.childForFieldName('arguments');
  if (!args) return undefined;
  for (const arg of args.namedChildren) {
    if (arg?.type === 'keyword_argument' && arg.childForFieldName('name')?.text === name) {
      return arg.childForFieldName('value') ?? undefined;
    }
  }
  return undefined;
}

/** Positional arguments of a call (excluding keyword, *args and **kwargs). */
export function positionalArguments(call: Node): Node[] {
  const args = call.childForFieldName('arguments');
  if (!args || args.type !== 'argument_list') return [];
  return args.namedChildren.filter(
    (a): a is Node => a !== null && !['keyword_argument', 'list_splat', 'dictionary_splat', 'comment'].includes(a.type),
  );
}

export function hasSplat(call: Node): boolean {
  const args = call.childForFieldName('arguments');
  return !!args?.namedChildren.some((a) => a?.type === 'list_splat' || a?.type === 'dictionary_splat');
}

/** Nearest ancestor of one of the given types. */
export function ancestor(node: Node, ...types: string[]): Node | undefined {
  for (const p of parents(node)) if (types.includes(p.type)) return p;
  return undefined;
}

/**
 * The node's ancestors, innermost first. Tree-sitter finds a node's parent by descending from the root, so a walk
 * up with `.parent` costs depth² (minutes on a 2,000-term expression); this descends once, costing depth.
 */
export function parents(node: Node): Node[] {
  const chain: Node[] = [];
  let current: Node | null = node.tree.rootNode;
  while (current && current.id !== node.id) {
    chain.push(current);
    current = current.childWithDescendant(node);
  }
  if (!current) {
    // Not reached from the root (should not happen): the plain walk up.
    chain.length = 0;
    for (let p = node.parent; p; p = p.parent) chain.push(p);
    return chain;
  }
  return chain.reverse();
}

/** The function definition that contains the node, if any. */
export function enclosingFunction(node: Node): Node | undefined {
  return ancestor(node, 'function_definition', 'lambda');
}

/** The values a function's own `return` statements give (not those of functions nested in it); bare returns left out. */
export function ownReturnValues(fn: Node): Node[] {
  return captures(fn.tree, '(return_statement) @r', fn)
    .map((c) => c.node)
    .filter((r) => enclosingFunction(r)?.id === fn.id)
    .map((r) => r.namedChildren[0])
    .filter((e): e is Node => !!e);
}

/** The class definition that contains the node directly or through methods. */
export function enclosingClass(node: Node): Node | undefined {
  return ancestor(node, 'class_definition');
}

/** Leading whitespace of the line a node starts on. */
export function indentOf(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/** Calls `visit` for the node and every descendant (depth-first, pre-order); return false to skip children. */
export function walk(node: Node, visit: (n: Node) => boolean | void): void {
  const cursor = node.walk();
  let depth = 0;
  try {
    outer: for (;;) {
      if (visit(cursor.currentNode) !== false && cursor.gotoFirstChild()) {
        depth++;
        continue;
      }
      for (;;) {
        if (depth === 0) break outer;
        if (cursor.gotoNextSibling()) continue outer;
        cursor.gotoParent();
        depth--;
      }
    }
  } finally {
    cursor.delete();
  }
}

/** The names of a function's parameters, in order (`*args`, `**kw` and the bare `*` left out). */
export function parameterNames(fn: Node): string[] {
  const out: string[] = [];
  for (const p of fn.childForFieldName('parameters')?.namedChildren ?? []) {
    if (!p) continue;
    if (p.type === 'identifier') out.push(p.text);
    else if (p.type === 'typed_parameter') {
      const id = p.namedChildren.find((c) => c?.type === 'identifier');
      if (id) out.push(id.text);
    } else if (p.type === 'default_parameter' || p.type === 'typed_default_parameter') {
      const id = p.childForFieldName('name');
      if (id) out.push(id.text);
    }
  }
  return out;
}

/**
 * The plain `name = Callee(...)` assignments of a class body whose callee (dotted or not) ends in a name the pattern
 * matches: model fields, serializer fields, managers (`history = HistoricalRecords()`).
 */
export function classFieldCalls(cls: Node, callee: RegExp): { name: string; call: Node }[] {
  const out: { name: string; call: Node }[] = [];
  for (const statement of cls.childForFieldName('body')?.namedChildren ?? []) {
    const assignment = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    if (assignment?.type !== 'assignment') continue;
    const left = assignment.childForFieldName('left');
    const right = assignment.childForFieldName('right');
    if (left?.type !== 'identifier' || right?.type !== 'call') continue;
    const name = (right.childForFieldName('function')?.text ?? '').replace(/[()\s]/g, '').split('.').pop() ?? '';
    if (callee.test(name)) out.push({ name: left.text, call: right });
  }
  return out;
}
