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
import { assignmentsBefore, querysetOf, unparenthesize, type QuerysetInfo } from './django-querysets';
import { ancestor } from './ast';

let parser: Parser | undefined;
/** Defining modules parsed lately, by text (a view file asks about the same selectors module again). */
const parsed = new Map<string, Tree>();

export interface ImportedQueryset {
  info: QuerysetInfo;
  /** `list_user() in users/selectors.py`, for details. */
  where: string;
}

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
  const target = calleeDefinition(project, tree, relPath, callee);
  if (!target || target.file === relPath) return undefined;
  const text = moduleTextOf(project, tree, relPath, target.file);
  const other = text === undefined ? undefined : parseModule(tree, text);
  const def = other && definitionOf(other, target);
  if (!def) return undefined;
  const info = returnedQueryset(def);
  return info && { info, where: `${target.key}() in ${target.file}` };
}

/** What every return of `def` evaluates to, when each is a queryset (merged as one: the union of their facts). */
function returnedQueryset(def: Node): QuerysetInfo | undefined {
  const body = def.childForFieldName('body');
  if (!body) return undefined;
  const returns = body.descendantsOfType('return_statement').filter((r): r is Node => !!r && ancestor(r, 'function_definition')?.id === def.id);
  if (returns.length !== 1) return undefined;
  return querysetOf(returns[0].namedChildren[0]);
}

/** The module-level `def name` or the method `Cls.name` of a module-level class. */
function definitionOf(tree: Tree, target: FunctionRef): Node | undefined {
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

function parseModule(like: Tree, text: string): Tree | undefined {
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
