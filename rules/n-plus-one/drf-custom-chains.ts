/**
 * A DRF list view's rows built through the project's own QuerySet/Manager methods (Django's documented custom
 * managers: `Invoice.objects.filter().search(query=q).get_status(status=s)` with `objects = InvoiceQuerySet
 * .as_manager()`). The shared queryset reader stops at a method Django does not define; the unbounded-queryset
 * rule's chain reader (custom-chain-rows.ts) reads each such step from the project's class for what it does to the
 * rows. For the N+1 what matters is what the steps load: a chain is followed only when no class the manager offers
 * selects or prefetches anything (then the rows load only what the chain's plain Django calls name), and never when
 * the chain itself names a loading, `values` or `only` call past what the shared reader saw.
 */
import type { Node } from 'web-tree-sitter';
import type { RuleContext } from '../api';
import { assignmentsBefore, unparenthesize, type QuerysetInfo } from '../../analysis/python/django-querysets';
import { managerClasses, type ClassTexts } from '../../analysis/python/custom-querysets';
import type { DrfProject } from '../../analysis/python/drf';
import { classTextsFor, readCustomChain } from '../unbounded-queryset/custom-chain-rows';

/** Calls that load relations or change the rows' shape: a chain naming one is not read here. */
const SHAPES_ROWS = /\b(select_related|prefetch_related|Prefetch|values|values_list|only|defer|raw|extra|annotate|aggregate)\s*\(/;

export interface CustomChainRows {
  /** The chain as written (a returned name's one assigned value): where a finding on the view's rows goes. */
  expr: Node;
  info: QuerysetInfo;
}

/** Reads custom chains of one file's views (class texts are looked up once per file check). */
export function customChainReader(ctx: RuleContext, drf: DrfProject): (expression: Node) => CustomChainRows | undefined {
  let classText: ClassTexts | undefined;
  return (expression) => {
    const chain = boundChain(expression);
    if (!chain || SHAPES_ROWS.test(chain.text)) return undefined;
    const texts = (classText ??= classTextsFor(ctx));
    const info = readCustomChain(chain, drf.models, texts);
    if (!info || info.singleRow || info.values || info.unknownRelations || info.roots.length !== 1 || info.models.length !== 1) return undefined;
    const root = info.roots[0];
    if (root.kind !== 'manager' || root.node.type !== 'attribute') return undefined;
    const manager = root.node.childForFieldName('attribute')?.text ?? '';
    const managerClass = drf.models.managerOf(info.models[0], manager);
    if (!managerClass) return undefined;
    const classes = managerClasses(managerClass, texts);
    if (classes.length === 0 || classes.some((c) => SHAPES_ROWS.test(texts(c) ?? 'select_related('))) return undefined;
    return { expr: chain, info };
  };
}

/** The chain itself, or the one value a returned name was bound to (`queryset = (...)`; `return queryset`). */
function boundChain(expression: Node): Node | undefined {
  const value = unparenthesize(expression);
  if (value.type !== 'identifier') return value.type === 'call' ? value : undefined;
  const bound = assignmentsBefore(value);
  const right = bound.length === 1 ? bound[0].childForFieldName('right') : undefined;
  return right && unparenthesize(right).type === 'call' ? right : undefined;
}
