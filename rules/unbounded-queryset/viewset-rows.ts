/**
 * `queryset = self.filter_queryset(self.get_queryset())` in an action of a DRF viewset whose rows are its
 * `queryset = Contribution.objects.all()` attribute: the rows the view's own class declares. Read from the enclosing
 * class only (its `queryset` attribute, when the class defines no `get_queryset`); what DRF's filter backends do to
 * them depends on the request and keeps the table by default.
 */
import type { Node } from 'web-tree-sitter';
import { positionalArguments } from '../../analysis/python/ast';
import { calleeName, querysetOf, readClassMember, soleValueOf, unparenthesize, type QuerysetInfo } from '../../analysis/python/django-querysets';

/** The class attribute's rows behind `self.get_queryset()` / `self.filter_queryset(self.get_queryset())`, or undefined. */
export function viewsetRows(expression: Node): QuerysetInfo | undefined {
  let node = soleValueOf(expression);
  if (!node) return undefined;
  if (isSelfCall(node, 'filter_queryset')) {
    const inner = positionalArguments(node)[0];
    if (!inner) return undefined;
    node = unparenthesize(inner);
  }
  if (!isSelfCall(node, 'get_queryset') || positionalArguments(node).length > 0) return undefined;
  const cls = enclosingClass(node);
  const body = cls?.childForFieldName('body');
  if (!body) return undefined;
  // (An action's findings are kept per method: whether the class defines get_queryset is a read of another method.)
  readClassMember(cls!, 'get_queryset');
  let value: Node | undefined;
  for (const statement of body.namedChildren) {
    const def = statement?.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
    if (def?.type === 'function_definition' && def.childForFieldName('name')?.text === 'get_queryset') return undefined;
    const assignment = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    if (assignment?.type === 'assignment' && assignment.childForFieldName('left')?.text === 'queryset') value = assignment.childForFieldName('right') ?? undefined;
  }
  const info = value ? querysetOf(value) : undefined;
  return info && info.roots.length > 0 ? info : undefined;
}

function isSelfCall(node: Node, method: string): boolean {
  const fn = node.type === 'call' ? node.childForFieldName('function') : undefined;
  return fn?.type === 'attribute' && fn.childForFieldName('object')?.text === 'self' && calleeName(node) === method;
}

function enclosingClass(node: Node): Node | undefined {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === 'class_definition') return p;
  }
  return undefined;
}
