/**
 * For rules about expensive objects built per request (a model, a browser): is this construction already
 * memoised (a lazily-initialised global or attribute), and the edits that move it into a module-level
 * cached loader.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { OffsetEdit } from '../../rules/api';
import { ancestor, captures, indentOf } from './ast';
import { importsOf } from './imports';
import { declaresGlobal } from './module-state';
import type { RequestScope } from './per-request';

const BUILTINS = new Set(['str', 'int', 'float', 'bool', 'dict', 'list', 'tuple', 'len', 'print']);
const BINDING_PARENTS = new Set(['parameters', 'typed_parameter', 'default_parameter', 'typed_default_parameter', 'pattern_list', 'tuple_pattern', 'as_pattern_target', 'for_statement', 'for_in_clause', 'list_splat_pattern']);

/**
 * `x = [await] call` -> the assignment's left side, else undefined. With `throughCalls`, also when the call is an
 * argument of the assigned value (`_browser = asyncio.ensure_future(launch())`).
 */
export function assignedTarget(call: Node, throughCalls = false): Node | undefined {
  let expr = call.parent?.type === 'await' ? call.parent : call;
  while (throughCalls && expr.parent && ['argument_list', 'await', 'parenthesized_expression'].includes(expr.parent.type)) {
    expr = expr.parent.type === 'argument_list' ? expr.parent.parent! : expr.parent;
  }
  const assignment = expr.parent;
  if (assignment?.type !== 'assignment' || assignment.childForFieldName('right')?.id !== expr.id) return undefined;
  return assignment.childForFieldName('left') ?? undefined;
}

/**
 * A lazily-initialised singleton: the value goes to a global (`global _model`), an attribute of an object that
 * outlives the request (`self.model` on a Celery task, `app.state.model`) or a module-level dict entry, under an
 * `if` that tests it first (`if _model is None:`, `if not self.model:`, `if name not in _models:`).
 */
export function memoisedAssignment(call: Node, scope: RequestScope, throughCalls = false): boolean {
  const target = assignedTarget(call, throughCalls);
  const fn = ancestor(call, 'function_definition');
  if (!target || !fn) return false;
  let key: string;
  if (target.type === 'identifier') {
    if (!declaresGlobal(fn, target.text)) return false;
    key = target.text;
  } else if (target.type === 'attribute') {
    const object = target.childForFieldName('object')?.text;
    if (object === 'self' && scope.instancePerRequest) return false;
    key = target.text;
  } else if (target.type === 'subscript') {
    key = target.childForFieldName('value')!.text;
  } else {
    return false;
  }
  const mentions = new RegExp(`(^|[^\\w.])${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w])`);
  for (const { node } of captures(fn.tree, '(if_statement condition: (_) @c)', fn)) {
    if (node.startIndex < call.startIndex && mentions.test(node.text)) return true;
  }
  return false;
}

/** Names bound by top-level statements: imports, assignments, functions and classes. */
function moduleNames(tree: Tree): Set<string> {
  const names = new Set(importsOf(tree).names.keys());
  for (const statement of tree.rootNode.namedChildren) {
    if (!statement) continue;
    const def = statement.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
    if (def?.type === 'function_definition' || def?.type === 'class_definition') names.add(def.childForFieldName('name')!.text);
    if (statement.type === 'expression_statement') {
      const assignment = statement.namedChildren[0];
      const left = assignment?.type === 'assignment' ? assignment.childForFieldName('left') : undefined;
      if (left?.type === 'identifier') names.add(left.text);
    }
  }
  return names;
}

/** True when every name the call's arguments read is bound at module level and not rebound in an enclosing function. */
export function argumentsAreModuleLevel(tree: Tree, call: Node): boolean {
  const args = call.childForFieldName('arguments');
  if (!args) return false;
  if (/\bawait\b|\blambda\b/.test(args.text)) return false;
  const module = moduleNames(tree);
  const functions: Node[] = [];
  for (let p: Node | null = call.parent; p; p = p.parent) if (p.type === 'function_definition' || p.type === 'lambda') functions.push(p);
  for (const { node } of captures(tree, '(identifier) @id', args)) {
    const parent = node.parent;
    if (parent?.type === 'keyword_argument' && parent.childForFieldName('name')?.id === node.id) continue;
    if (parent?.type === 'attribute' && parent.childForFieldName('attribute')?.id === node.id) continue;
    if (BUILTINS.has(node.text)) continue;
    if (!module.has(node.text)) return false;
    if (functions.some((fn) => boundIn(fn, node.text))) return false;
  }
  return true;
}

function boundIn(fn: Node, name: string): boolean {
  for (const { node } of captures(fn.tree, '(identifier) @id', fn)) {
    if (node.text !== name) continue;
    const parent = node.parent;
    if (!parent) continue;
    if (parent.type === 'assignment' && parent.childForFieldName('left')?.id === node.id) return true;
    if (BINDING_PARENTS.has(parent.type)) return true;
  }
  return false;
}

/** The statement at module level that contains the node. */
function topLevelStatement(node: Node): Node | undefined {
  let n: Node | null = node;
  while (n && n.parent && n.parent.type !== 'module') n = n.parent;
  return n?.parent?.type === 'module' ? n : undefined;
}

function uniqueName(text: string, base: string): string {
  let name = base;
  for (let i = 2; new RegExp(`\\b${name}\\b`).test(text); i++) name = `${base}_${i}`;
  return name;
}

/**
 * Edits that define `<decorator>\ndef get_<thing>():\n    return <call>` before the module-level statement holding
 * the call, and call it where the call was. Undefined when the call reads local names (then a no-argument
 * loader cannot build the same object) or the layout makes a clean edit impossible.
 */
export function loaderFix(tree: Tree, text: string, call: Node, decorator: string, prefix: string): { name: string; edits: OffsetEdit[] } | undefined {
  if (!argumentsAreModuleLevel(tree, call)) return undefined;
  const top = topLevelStatement(call);
  if (!top) return undefined;
  // `def get_encoder(): return SentenceTransformer(...)`: cache the function itself.
  const own = ancestor(call, 'function_definition');
  if (own && isOnlyReturn(own, call) && own.parent?.type !== 'block' && (own.childForFieldName('parameters')?.namedChildCount ?? 1) === 0) {
    const name = own.childForFieldName('name')!.text;
    const holder = own.parent?.type === 'decorated_definition' ? own.parent : own;
    const at = holder.startIndex;
    return { name, edits: [{ start: at, end: at, newText: `${decorator}\n` }] };
  }
  // A loader an earlier fix (or the author) wrote for the same call.
  const existing = existingLoader(tree, call, decorator);
  if (existing) return { name: existing, edits: [{ start: call.startIndex, end: call.endIndex, newText: `${existing}()` }] };
  const target = assignedTarget(call);
  const thing = target?.type === 'identifier' ? target.text : target?.type === 'attribute' ? target.childForFieldName('attribute')!.text : undefined;
  const fromLiteral = literalStem(call);
  let name = `${prefix}_${(thing ?? fromLiteral ?? 'model').replace(/^_+/, '') || 'model'}`;
  if (new RegExp(`\\b${name}\\b`).test(text) && fromLiteral) name = `${prefix}_${fromLiteral}`;
  name = uniqueName(text, name);
  const indent = indentOf(text, call.startIndex);
  const body = call.text
    .split('\n')
    .map((line, i) => (i === 0 ? line : line.startsWith(indent) ? `    ${line.slice(indent.length)}` : line))
    .join('\n');
  // Keep comments that sit right above the statement with it.
  let at = text.lastIndexOf('\n', top.startIndex - 1) + 1;
  for (;;) {
    const prev = text.lastIndexOf('\n', at - 2) + 1;
    if (at === 0 || !/^[ \t]*#/.test(text.slice(prev, at))) break;
    at = prev;
  }
  if (!/^[ \t]*$/.test(text.slice(at, top.startIndex)) && !/^[ \t]*#/.test(text.slice(at, top.startIndex))) return undefined;
  const before = text.slice(0, at);
  const blank = at === 0 ? 2 : (/\n*$/.exec(before)![0].length - 1);
  const lead = at === 0 ? '' : '\n'.repeat(Math.max(0, 2 - blank));
  const loader = `${lead}${decorator}\ndef ${name}():\n    return ${body}\n\n\n`;
  return {
    name,
    edits: [
      { start: at, end: at, newText: loader },
      { start: call.startIndex, end: call.endIndex, newText: `${name}()` },
    ],
  };
}

function isOnlyReturn(fn: Node, call: Node): boolean {
  const statements = (fn.childForFieldName('body')?.namedChildren ?? []).filter((n): n is Node => n !== null && n.type !== 'comment');
  const last = statements[statements.length - 1];
  const docstringOnly = statements.slice(0, -1).every((st) => st.type === 'expression_statement' && st.namedChildren[0]?.type === 'string');
  return docstringOnly && last?.type === 'return_statement' && last.namedChildren[0]?.id === call.id;
}

/** A module-level `@<decorator> def name(): return <same call>`. */
function existingLoader(tree: Tree, call: Node, decorator: string): string | undefined {
  for (const statement of tree.rootNode.namedChildren) {
    if (statement?.type !== 'decorated_definition') continue;
    const def = statement.childForFieldName('definition');
    if (def?.type !== 'function_definition' || !statement.text.startsWith(decorator)) continue;
    const body = (def.childForFieldName('body')?.namedChildren ?? []).filter((n) => n?.type !== 'comment');
    const ret = body.length === 1 && body[0]?.type === 'return_statement' ? body[0].namedChildren[0] : undefined;
    if (ret && ret.text === call.text) return def.childForFieldName('name')!.text;
  }
  return undefined;
}

/** `"weights/net.pt"` -> `net`, `"all-MiniLM-L6-v2"` -> `all_minilm_l6_v2`. */
function literalStem(call: Node): string | undefined {
  const first = call.childForFieldName('arguments')?.namedChildren.find((a) => a?.type === 'string');
  const value = first?.namedChildren.filter((c) => c?.type === 'string_content').map((c) => c!.text).join('');
  if (!value) return undefined;
  const stem = value.split(/[\\/]/).pop()!.replace(/\.\w+$/, '').toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  return stem && /^[a-z]/.test(stem) && stem.length <= 30 ? stem : undefined;
}
