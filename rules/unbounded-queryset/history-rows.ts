/**
 * django-simple-history's audit trail read whole: a model declaring `history = HistoricalRecords()` gains one
 * historical row per save (and per create and delete), so `self.history.all()` is every version the object ever had.
 * A model method or property that turns them all into a list (a comprehension, a loop, `list(...)`, or returning the
 * queryset) answers with a list that grows with every save. A slice (`[:20]`), `.first()`/`.latest()`, a count, a
 * time window or `.iterator()` bounds or streams it.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { RuleContext } from '../api';
import { captures, classFieldCalls } from '../../analysis/python/ast';
import { calleeName, querysetOf } from '../../analysis/python/django-querysets';
import { clip } from '../shared/format';

/** `history = HistoricalRecords(...)`, `audit = simple_history.models.HistoricalRecords()`. */
const DECLARES_HISTORY = /HistoricalRecords\s*\(/;
const EVALUATING_CALLS = new Set(['list', 'tuple', 'sorted']);

export function checkHistoryRecords(ctx: RuleContext, tree: Tree): void {
  if (!DECLARES_HISTORY.test(ctx.file.text)) return;
  for (const cls of tree.rootNode.namedChildren) {
    const def = cls?.type === 'decorated_definition' ? cls.childForFieldName('definition') : cls;
    if (def?.type !== 'class_definition') continue;
    const fields = historyFields(def);
    if (fields.size === 0) continue;
    for (const method of methodsOf(def)) {
      if (!captures(tree, '(return_statement) @r', method).some((r) => r.node.namedChildren.length > 0)) continue;
      for (const { node: call } of captures(tree, '(call) @c', method)) checkChain(ctx, def, method, call, fields);
    }
  }
}

function checkChain(ctx: RuleContext, cls: Node, method: Node, call: Node, fields: Set<string>): void {
  // The outermost call of a chain only (`self.history.all().order_by(...)` once).
  const outer = call.parent?.type === 'attribute' && call.parent.parent?.type === 'call' ? call.parent.parent : undefined;
  if (outer && querysetOf(outer)) return;
  const info = querysetOf(call);
  if (!info || info.roots.length !== 1) return;
  const root = info.roots[0];
  if (root.kind !== 'related' || root.owner?.text !== 'self' || !fields.has(root.relation ?? '')) return;
  if (info.sliced || info.singleRow || info.compact || info.values || info.timeWindow || info.iterator !== 'none') return;
  if (!evaluated(call)) return;
  const model = cls.childForFieldName('name')?.text ?? 'model';
  const name = method.childForFieldName('name')?.text ?? 'method';
  ctx.report({
    start: call.startIndex,
    end: call.endIndex,
    messageId: 'all-history',
    data: { model: clip(model, 30), method: clip(`${name}()`, 40) },
    detail:
      `${model}.${root.relation} is django-simple-history's HistoricalRecords: one row per save of each ${model}, kept forever. ` +
      `${name}() loads every historical record of the object into one list, a list that grows with every save. ` +
      'Slice it (`[:50]`), read only the newest (`.latest()`), or page it in the view that serves it.',
  });
}

/** The rows are loaded: looped over, copied into a list, or returned as they are. */
function evaluated(call: Node): boolean {
  const parent = call.parent;
  if (!parent) return false;
  if ((parent.type === 'for_in_clause' || parent.type === 'for_statement') && parent.childForFieldName('right')?.id === call.id) return true;
  if (parent.type === 'return_statement') return true;
  const outer = parent.type === 'argument_list' ? parent.parent : undefined;
  return outer?.type === 'call' && EVALUATING_CALLS.has(calleeName(outer) ?? '') && outer.childForFieldName('function')?.type === 'identifier';
}

/** The class attributes assigned a HistoricalRecords manager. */
function historyFields(cls: Node): Set<string> {
  return new Set(classFieldCalls(cls, /^HistoricalRecords$/).map((f) => f.name));
}

function methodsOf(cls: Node): Node[] {
  return (cls.childForFieldName('body')?.namedChildren ?? []).flatMap((s) => {
    const def = s?.type === 'decorated_definition' ? s.childForFieldName('definition') : s;
    return def?.type === 'function_definition' ? [def] : [];
  });
}

/** The message of these findings (python.ts spreads it into the rule's meta). */
export const HISTORY_MESSAGES = {
  'all-history': 'Loads every historical record of {{model}} into one list: {{method}} has no slice or page',
};
