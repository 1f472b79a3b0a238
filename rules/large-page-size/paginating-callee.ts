/**
 * One hop through the project's call graph: a view hands the client's page size to a project function
 * (`ProductRepository.get_all_products(page, per_page)`, `paginate_rows(qs, limit=limit)`, a service or repository
 * method) whose parameter sizes a Django Paginator or a queryset slice there, uncapped. The callee is resolved by
 * call-graph.ts (its definitions are a project fact, built once per project state) and its module parsed once per text.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { RuleContext } from '../api';
import { captures, parameterNames, positionalArguments } from '../../analysis/python/ast';
import { calleeDefinition, moduleTextOf } from '../../analysis/python/call-graph';
import { definitionOf, parseModule } from '../../analysis/python/imported-querysets';
import { importsOf } from '../../analysis/python/imports';
import { moduleText } from '../../analysis/python/statements';

/**
 * The `Cls.method` / `function` the name is passed to in `fn` whose matching parameter sizes rows there with nothing
 * capping it (`sizesRows`, `capped` as the view's own check reads them); undefined when none does.
 */
export function paginatingCallee(
  ctx: RuleContext,
  tree: Tree,
  fn: Node,
  name: string,
  sizesRows: (fn: Node, name: string) => boolean,
  capped: (body: string, name: string) => boolean,
): string | undefined {
  if (!ctx.project) return undefined;
  for (const { node: call } of captures(tree, '(call) @c', fn)) {
    const callee = call.childForFieldName('function');
    if (!callee || (callee.type !== 'identifier' && callee.type !== 'attribute')) continue;
    const index = positionalArguments(call).findIndex((a) => a.type === 'identifier' && a.text === name);
    const keyword = call.childForFieldName('arguments')?.namedChildren.find(
      (a) => a?.type === 'keyword_argument' && a.childForFieldName('value')?.text === name,
    );
    if (index < 0 && !keyword) continue;
    // Only a name the project may define (`self.x`, an import, a def or class of this module) is looked up: the call
    // graph builds the edited module's facts for `int(limit)` otherwise.
    if (!mayBeProjectCallee(tree, callee)) continue;
    const target = calleeDefinition(ctx.project, tree, ctx.file.relPath, callee);
    if (!target) continue;
    const text = moduleTextOf(ctx.project, tree, ctx.file.relPath, target.file);
    const other = text === undefined ? undefined : target.file === ctx.file.relPath ? tree : parseModule(tree, text);
    const def = other && definitionOf(other, target);
    if (!def) continue;
    const params = parameterNames(def);
    const decorators = def.parent?.type === 'decorated_definition' ? def.parent.text.slice(0, def.startIndex - def.parent.startIndex) : '';
    // A method's `self`/`cls` is bound, not passed (a staticmethod's first parameter is passed).
    if (target.key.includes('.') && !/@staticmethod\b/.test(decorators)) params.shift();
    const param = keyword ? keyword.childForFieldName('name')?.text : params[index];
    if (!param || !params.includes(param)) continue;
    if (sizesRows(def, param) && !capped(def.text, param)) return target.key;
  }
  return undefined;
}

function mayBeProjectCallee(tree: Tree, callee: Node): boolean {
  const root = /^\w+/.exec(callee.text)?.[0];
  if (!root) return false;
  if (root === 'self' || root === 'cls' || importsOf(tree).origins.has(root)) return true;
  return new RegExp(`^(?:async[ \\t]+)?(?:def|class)[ \\t]+${root}\\b`, 'm').test(moduleText(tree));
}
