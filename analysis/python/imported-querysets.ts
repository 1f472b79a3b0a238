/**
 * The queryset a function of another module returns: a selector (`users = list_user()` with `def list_user(): return
 * User.objects.all()` in selectors.py), a service's class method (`OrderService.list_orders(...)`), a module's function
 * (`selectors.active_users()`). querysetOf (django-querysets.ts) reads helpers of the analysed module only; this
 * follows the call through the project call graph's import resolution (call-graph.ts), parses the defining module
 * once per text, and reads the definition's return values there. The answer's roots point into that module's tree:
 * nothing may be inserted at them (no fixes), only judged.
 */
import { Parser, type Node, type Tree } from 'web-tree-sitter';
import type { ProjectInfo } from '../../rules/api';
import { calleeDefinition, moduleTextOf, type FunctionRef } from './call-graph';
import { assignmentsBefore, outsideRecording, querysetOf, readOutsideUnnamed, unparenthesize, type QuerysetInfo } from './django-querysets';
import { ancestor } from './ast';
import { importsOf } from './imports';

let parser: Parser | undefined;
/** Defining modules parsed lately, by text (a view file asks about the same selectors module again). */
const parsed = new Map<string, Tree>();
/** Manager methods' chains read as the model's (`Post.objects.filter(...)`), kept apart so they never evict a module in use. */
const snippets = new Map<string, Tree>();

export interface ImportedQueryset {
  info: QuerysetInfo;
  /** `list_user() in users/selectors.py`, for details. */
  where: string;
  /**
   * The definition filters from a point in time on (`dt_start__gt=dt`, also inside `Q(...)`): rows still to come,
   * which querysetOf only sees when the value is written as `now()` in the keyword itself.
   */
  fromTime: boolean;
}

const FROM_TIME = /\w*(start|date|dt|time|_at|_on|begin|when)\w*__gte?\s*=/;

/**
 * The queryset `expression` evaluates to when it is (or a variable of the same function was last assigned) a call of
 * a function another module of the project defines and every return of that function is a queryset.
 */
export function importedQuerysetOf(project: ProjectInfo | undefined, tree: Tree, relPath: string, expression: Node): ImportedQueryset | undefined {
  if (!project) return undefined;
  let value = unparenthesize(expression);
  if (value.type === 'identifier') {
    const assigned = assignmentsBefore(value).pop()?.childForFieldName('right');
    if (!assigned) return undefined;
    value = unparenthesize(assigned);
  }
  if (value.type === 'await') value = value.namedChildren[0] ?? value;
  if (value.type !== 'call') return undefined;
  const callee = value.childForFieldName('function');
  if (!callee || (callee.type !== 'identifier' && callee.type !== 'attribute')) return undefined;
  // `Post.objects.published()`: a method of the model's custom manager or `QuerySet.as_manager()`.
  const model = managerCallModel(callee);
  // Only a name imported from another module can lead there, and Django's own queryset methods never do: asked
  // before the call graph, whose facts for the analysed module would otherwise be rebuilt on every keystroke.
  const imports = importsOf(tree);
  const root = rootName(callee) ?? '';
  if (!imports.names.has(root) && !imports.origins.has(root)) return undefined;
  if (model && BUILTIN_QUERYSET_METHODS.has(callee.childForFieldName('attribute')?.text ?? '')) return undefined;
  const target = calleeDefinition(project, tree, relPath, callee);
  // A function of the analysed module itself is python.ts' to judge (querysetOf reads it); a manager's method is not.
  if (!target || (target.file === relPath && !model)) return undefined;
  const text = moduleTextOf(project, tree, relPath, target.file);
  // A manager method of the analysed module is read from its tree: not a read a per-statement cache can name.
  if (target.file === relPath) readOutsideUnnamed();
  const other = text === undefined ? undefined : target.file === relPath ? tree : parseModule(tree, text);
  const def = other && definitionOf(other, target);
  if (!def) return undefined;
  const info = target.file === relPath ? returnedQueryset(def, model) : outsideRecording(() => returnedQueryset(def, model));
  return info && { info, where: `${target.key}() in ${target.file}`, fromTime: FROM_TIME.test(def.text) };
}

/** The leftmost name of a dotted callee: `selectors` of `selectors.active_users`, `Post` of `Post.objects.published`. */
export function rootName(callee: Node): string | undefined {
  let node: Node | null = callee;
  while (node?.type === 'attribute') node = node.childForFieldName('object');
  return node?.type === 'identifier' ? node.text : undefined;
}

/** Methods every Django manager has: `Post.objects.filter(...)` is the model's rows, never a project method. */
const BUILTIN_QUERYSET_METHODS = new Set([
  'all', 'filter', 'exclude', 'get', 'order_by', 'select_related', 'prefetch_related', 'annotate', 'alias', 'values',
  'values_list', 'distinct', 'only', 'defer', 'none', 'first', 'last', 'count', 'exists', 'aggregate', 'create',
  'get_or_create', 'update_or_create', 'bulk_create', 'bulk_update', 'in_bulk', 'iterator', 'latest', 'earliest',
  'union', 'intersection', 'difference', 'select_for_update', 'raw', 'using', 'extra', 'reverse', 'dates',
  'datetimes', 'update', 'delete', 'get_queryset',
]);

/** The model of `Post.objects.published` (a manager attribute's method), or undefined. */
function managerCallModel(callee: Node): string | undefined {
  if (callee.type !== 'attribute') return undefined;
  const manager = callee.childForFieldName('object');
  if (manager?.type !== 'attribute' || !MANAGER_NAMES.test(manager.childForFieldName('attribute')?.text ?? '')) return undefined;
  const model = manager.childForFieldName('object');
  const name = model?.type === 'identifier' ? model.text : model?.type === 'attribute' ? model.childForFieldName('attribute')?.text : undefined;
  return name && /^[A-Z]/.test(name) ? name : undefined;
}

/** A manager attribute (`objects`, `published`): the call graph resolves it only when the class body holds an instance there. */
const MANAGER_NAMES = /^[a-z_]\w*$/;
/** `self`, `self.all()`, `self.get_queryset()`, `super().get_queryset()`: the manager's own rows, at the start of a chain. */
const OWN_ROWS = /^(?:self|self\.(?:all|get_queryset)\(\)|super\([^)]*\)\.get_queryset\(\))(?=\.|$)/;

/**
 * What the one return of `def` evaluates to when it is a queryset. In a manager's or queryset's method the chain
 * starts at the manager itself (`return self.filter(published=True)`): read as `Post.objects.filter(published=True)`.
 */
function returnedQueryset(def: Node, model: string | undefined): QuerysetInfo | undefined {
  const body = def.childForFieldName('body');
  if (!body) return undefined;
  const returns = body.descendantsOfType('return_statement').filter((r): r is Node => !!r && ancestor(r, 'function_definition')?.id === def.id);
  if (returns.length !== 1 || !returns[0].namedChildren[0]) return undefined;
  const value = unparenthesize(returns[0].namedChildren[0]);
  if (!model) return querysetOf(value);
  // `super()\n    .get_queryset()\n    .filter(...)`: a chain continued on the next lines reads the same.
  const chain = value.text.replace(/\s+\./g, '.');
  const own = OWN_ROWS.exec(chain);
  // A class attribute that is not a manager (`Service.repo.list_all()`): its method's own return, as for a function.
  if (!own) return def.tree === value.tree && !/^(self|super)\b/.test(value.text) ? querysetOf(value) : undefined;
  // Parenthesised, so that a chain continued on the next line still parses.
  const snippet = parseText(def.tree, snippets, `(${model}.objects${chain.slice(own[0].length) || '.all()'})\n`);
  const expression = snippet?.rootNode.namedChildren[0]?.namedChildren[0];
  return expression && !snippet!.rootNode.hasError ? querysetOf(expression) : undefined;
}

/** The module-level `def name` or the method `Cls.name` of a module-level class. */
export function definitionOf(tree: Tree, target: FunctionRef): Node | undefined {
  const [first, second] = target.key.split('.');
  const inBody = (container: Node | null | undefined, name: string, type: string): Node | undefined => {
    for (const child of container?.namedChildren ?? []) {
      const def = child?.type === 'decorated_definition' ? child.childForFieldName('definition') : child;
      if (def?.type === type && def.childForFieldName('name')?.text === name) return def;
    }
    return undefined;
  };
  if (second === undefined) return inBody(tree.rootNode, first, 'function_definition');
  return inBody(inBody(tree.rootNode, first, 'class_definition')?.childForFieldName('body'), second, 'function_definition');
}

/** Another module of the project parsed for a question about it (the last few kept, by text). */
export function parseModule(like: Tree, text: string): Tree | undefined {
  return parseText(like, parsed, text);
}

function parseText(like: Tree, parsed: Map<string, Tree>, text: string): Tree | undefined {
  const known = parsed.get(text);
  if (known) return known;
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(like.language);
  }
  const tree = parser.parse(text) ?? undefined;
  if (!tree) return undefined;
  if (parsed.size >= 8) {
    for (const old of parsed.values()) old.delete();
    parsed.clear();
  }
  parsed.set(text, tree);
  return tree;
}
