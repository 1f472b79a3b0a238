/**
 * The serializer a DRF view method reaches through the view itself: `self.get_serializer(rows, many=True)`,
 * `self.get_serializer_class()(rows, many=True)` and `self.serializer_class(rows, many=True)` (a custom `list()`, an
 * `@action` that lists rows). DRF's `get_serializer()` builds `get_serializer_class()`, which returns the
 * `serializer_class` the view sets, or the one the action's `@action(serializer_class=X)` sets for that action (the
 * router passes the decorator's keywords to the view as attributes). A view that overrides `get_serializer_class()`
 * or maps actions to serializers may pick another: not followed.
 */
import type { Node } from 'web-tree-sitter';
import { ancestor, keywordArgument } from '../../analysis/python/ast';

const SELF_SERIALIZER = /^self\.(get_serializer|serializer_class|get_serializer_class\(\s*\))$/;

/**
 * The serializer class reference (an identifier or dotted name) for a call of `fn`, or undefined when `fn` is not the
 * view's own serializer or the class cannot be told. `member` looks a name up on the view class and its bases.
 */
export function selfSerializerClass(fn: Node, call: Node, member: (name: string) => Node | undefined, mapsActions: boolean): Node | undefined {
  if (!SELF_SERIALIZER.test(fn.text.replace(/\s+/g, ''))) return undefined;
  const fromAction = actionSerializer(call);
  if (fromAction) return fromAction;
  // `self.serializer_class` is the attribute itself; the others go through get_serializer_class().
  if (!fn.text.startsWith('self.serializer_class') && (member('get_serializer_class') || mapsActions)) return undefined;
  const assignment = member('serializer_class');
  const value = assignment?.type === 'assignment' ? assignment.childForFieldName('right') : undefined;
  return value && (value.type === 'identifier' || value.type === 'attribute') ? value : undefined;
}

/** `@action(..., serializer_class=X)` on the method the call is in. */
function actionSerializer(call: Node): Node | undefined {
  const def = ancestor(call, 'function_definition');
  const decorated = def?.parent?.type === 'decorated_definition' ? def.parent : undefined;
  for (const decorator of decorated?.namedChildren ?? []) {
    const expr = decorator?.type === 'decorator' ? decorator.namedChildren[0] : undefined;
    if (expr?.type !== 'call' || !/(^|\.)action$/.test(expr.childForFieldName('function')?.text ?? '')) continue;
    const value = keywordArgument(expr, 'serializer_class');
    if (value && (value.type === 'identifier' || value.type === 'attribute')) return value;
  }
  return undefined;
}
