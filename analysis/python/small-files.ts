/**
 * Whole reads that are harmless because the file is small and fixed by design, judged from where its path comes
 * from and from what the code does with the content:
 * - a path taken from an environment variable named for a small file (`os.getenv("GOOGLE_CREDENTIALS_PATH")`,
 *   `os.environ["TLS_KEY_FILE"]`): the operator points it at one credentials/key/config file;
 * - content used as one value: compared whole (`f.read().strip() == today`) or converted to a number
 *   (`int(f.read())`): a pid, a date, a version, a marker, never rows of data;
 * - content parsed whole later (`raw = obj["Body"].read().decode()` ... `json.loads(raw)`, or a function returning
 *   `f.read()` whose callers all `json.loads` it): the parser needs the whole document anyway.
 * Uploads are never judged here: their size is the client's.
 */
import type { Node } from 'web-tree-sitter';
import { positionalArguments, stringValue } from './ast';
import type { Binding } from './uploads';

type Lookup = (id: Node) => Binding | undefined;

/** `os.getenv(NAME)`, `os.environ.get(NAME)`, `os.environ[NAME]`, with string methods around them looked through. */
function envNames(node: Node | null | undefined, lookup: Lookup, depth = 0): string[] | undefined {
  if (!node || depth > 4) return undefined;
  switch (node.type) {
    case 'identifier': {
      const b = lookup(node);
      return b?.kind === 'assign' || b?.kind === 'walrus' ? envNames(b.value, lookup, depth + 1) : undefined;
    }
    case 'subscript': {
      const object = node.childForFieldName('value');
      return object?.text === 'os.environ' ? nameValues(node.childForFieldName('subscript'), lookup) : undefined;
    }
    case 'call': {
      const fn = node.childForFieldName('function');
      if (fn?.type !== 'attribute') return fn?.text === 'getenv' ? nameValues(positionalArguments(node)[0], lookup) : undefined;
      const method = fn.childForFieldName('attribute')?.text ?? '';
      const object = fn.childForFieldName('object');
      if (method === 'getenv' && object?.text === 'os') return nameValues(positionalArguments(node)[0], lookup);
      if (method === 'get' && object?.text === 'os.environ') return nameValues(positionalArguments(node)[0], lookup);
      if (STRING_METHODS.has(method)) return envNames(object, lookup, depth + 1);
      return undefined;
    }
    default:
      return undefined;
  }
}

const STRING_METHODS = new Set(['strip', 'rstrip', 'lstrip', 'expanduser']);

/** A string literal, or a loop variable over a literal tuple/list of strings (`for key in ("A_PATH", "B_PATH")`). */
function nameValues(node: Node | null | undefined, lookup: Lookup): string[] | undefined {
  const literal = stringValue(node);
  if (literal !== undefined) return [literal];
  if (node?.type !== 'identifier') return undefined;
  const b = lookup(node);
  const items = b?.kind === 'for' && b.index === undefined && (b.value?.type === 'tuple' || b.value?.type === 'list') ? b.value.namedChildren : undefined;
  if (!items?.length) return undefined;
  const values = items.map((i) => stringValue(i));
  return values.every((v): v is string => v !== undefined) ? values : undefined;
}

/** The path comes from environment variables that all name a small file (credentials, key, config...). */
export function pathFromSmallFileEnv(path: Node | null | undefined, lookup: Lookup, namesSmallFile: (name: string) => boolean): boolean {
  const names = envNames(path, lookup);
  return !!names?.length && names.every(namesSmallFile);
}

/** Wrappers the content passes through on its way to a comparison or a number. */
const VALUE_METHODS = new Set(['strip', 'rstrip', 'lstrip', 'decode', 'lower', 'upper']);

/** The content is used as one value: compared whole, or converted to a number. */
export function usedAsOneValue(readExpr: Node): boolean {
  let value = readExpr;
  for (let i = 0; i < 4; i++) {
    const attr = value.parent;
    if (attr?.type === 'attribute' && attr.childForFieldName('object')?.equals(value) && VALUE_METHODS.has(attr.childForFieldName('attribute')?.text ?? '') && attr.parent?.type === 'call') {
      value = attr.parent;
      continue;
    }
    const owner = conversionOf(value, 'str');
    if (owner) {
      value = owner;
      continue;
    }
    break;
  }
  if (value.parent?.type === 'comparison_operator' && value.parent.children.some((c) => c?.type === '==' || c?.type === '!=')) return true;
  return conversionOf(value, 'int') !== undefined || conversionOf(value, 'float') !== undefined;
}

/** `name(value)` with `value` its only argument. */
function conversionOf(value: Node, name: string): Node | undefined {
  const args = value.parent;
  const call = args?.type === 'argument_list' ? args.parent : undefined;
  const fn = call?.childForFieldName('function');
  return call?.type === 'call' && fn?.type === 'identifier' && fn.text === name && args!.namedChildren.length === 1 ? call : undefined;
}

/**
 * The content reaches a whole-document parser later: through the one name it is assigned to (its next use is the
 * parser's argument, `data = json.loads(data)` included), or through a `return` of a module-level function whose
 * callers in the module all assign the result and parse it.
 */
export function parsedLater(
  readExpr: Node,
  usesOf: (target: Node) => Node[],
  isParserInput: (value: Node) => boolean,
  depth = 0,
): boolean {
  if (depth > 1) return false;
  const value = decoded(readExpr);
  const parent = value.parent;
  if (parent?.type === 'assignment' && parent.childForFieldName('right')?.equals(value)) {
    const target = parent.childForFieldName('left');
    if (target?.type !== 'identifier') return false;
    // `if not raw: return` before the parse only looks at it; any other use could keep or send the text.
    const later = usesOf(target).filter((n) => n.startIndex > value.endIndex && !isAssignedTo(n));
    const parsed = later.filter((n) => isParserInput(decoded(n)));
    return parsed.length > 0 && later.every((n) => parsed.includes(n) || onlyTested(n));
  }
  if (parent?.type === 'return_statement') {
    const fn = enclosingFunction(parent);
    const name = fn?.childForFieldName('name')?.text;
    if (!fn || !name || fn.parent?.type !== 'module') return false;
    const calls = callsOf(fn, name);
    return calls.length > 0 && calls.every((call) => isParserInput(call) || parsedLater(call, usesOf, isParserInput, depth + 1));
  }
  return false;
}

/** A use that only tests the value: `if raw:`, `not raw`, `raw and ...`, `raw is None`. */
function onlyTested(use: Node): boolean {
  const parent = use.parent;
  if (!parent) return false;
  if (parent.type === 'not_operator' || parent.type === 'boolean_operator') return true;
  if (parent.type === 'conditional_expression') return parent.namedChildren[1]?.equals(use) === true;
  if (parent.type === 'if_statement' || parent.type === 'elif_clause' || parent.type === 'while_statement') return parent.childForFieldName('condition')?.equals(use) === true;
  return parent.type === 'comparison_operator' && parent.children.some((c) => c?.type === 'is' || c?.type === 'is not');
}

/** The name being rebound (`data = json.loads(data)`): not a use of the earlier value. */
function isAssignedTo(n: Node): boolean {
  return n.parent?.type === 'assignment' && n.parent.childForFieldName('left')?.equals(n) === true;
}

/** `x.decode(...)` around `x`, else `x`. */
function decoded(value: Node): Node {
  const attr = value.parent;
  if (attr?.type === 'attribute' && attr.childForFieldName('object')?.equals(value) && attr.childForFieldName('attribute')?.text === 'decode' && attr.parent?.type === 'call') return attr.parent;
  return value;
}

function enclosingFunction(node: Node): Node | undefined {
  let n: Node | null = node.parent;
  while (n && n.type !== 'function_definition') n = n.parent;
  return n ?? undefined;
}

/** The calls of a module-level function by name in its module, outside its own body. */
function callsOf(fn: Node, name: string): Node[] {
  const out: Node[] = [];
  const text = fn.tree.rootNode.text;
  const pattern = new RegExp(`(?<![\\w.])${name}\\s*\\(`, 'g');
  for (let m = pattern.exec(text); m && out.length < 20; m = pattern.exec(text)) {
    if (m.index >= fn.startIndex && m.index < fn.endIndex) continue;
    const id = fn.tree.rootNode.descendantForIndex(m.index);
    const call = id?.parent;
    if (id?.type === 'identifier' && call?.type === 'call' && call.childForFieldName('function')?.equals(id)) out.push(call);
  }
  return out;
}
