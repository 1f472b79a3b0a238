/**
 * large-page-size: the other DRF surfaces where the client picks the page size with no cap.
 *
 * - DRF's own `LimitOffsetPagination` used as is, as the settings' `DEFAULT_PAGINATION_CLASS` or a view's
 *   `pagination_class`: it always reads `?limit=` and its `max_limit` is None (DRF has no setting for it), so every
 *   list it pages serves whatever limit a client sends. Subclasses are judged in drf-limit-offset.ts.
 * - A pagination class's `get_page_size(self, request)` override that returns the query string's value as is: the
 *   base method is what applies `max_page_size`, so the override serves `?page_size=1000000`.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { RuleContext } from '../api';
import type { ImportMap } from '../../analysis/python/imports';
import { captures, ownReturnValues, positionalArguments, stringValue } from '../../analysis/python/ast';
import { nodesAtStatementText } from '../../analysis/python/statements';
import { queryParamOf } from './query-param';
import { declaresDrfListViews } from '../../analysis/python/drf-list-views';

const DRF_LIMIT_OFFSET = 'rest_framework.pagination.LimitOffsetPagination';
const DRF_LIMIT_OFFSET_PATH = /^rest_framework\.pagination\.LimitOffsetPagination$/;

/** `"DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination"` in a settings dict. */
export function checkDefaultLimitOffset(ctx: RuleContext, tree: Tree, suggestedMax: number): void {
  for (const node of nodesAtStatementText(tree, /["']DEFAULT_PAGINATION_CLASS["']\s*:/g)) {
    const key = node.type === 'string' ? node : node.parent;
    const pair = key?.parent;
    if (key?.type !== 'string' || pair?.type !== 'pair' || pair.childForFieldName('key')?.id !== key.id) continue;
    const value = pair.childForFieldName('value');
    if (!value || !DRF_LIMIT_OFFSET_PATH.test(stringValue(value) ?? '')) continue;
    // Only generic list views page with the default: a project whose views build their own paginator never uses it.
    if (!declaresDrfListViews(ctx.project, { relPath: ctx.file.relPath, text: ctx.file.text })) continue;
    reportUncappedLimitOffset(ctx, value, 'the default pagination class of every DRF list view', suggestedMax);
  }
}

/** `pagination_class = LimitOffsetPagination` (DRF's own class) in a view's body. */
export function checkLimitOffsetViews(ctx: RuleContext, tree: Tree, imports: ImportMap, suggestedMax: number): void {
  for (const name of nodesAtStatementText(tree, /\bpagination_class\b(?=\s*=[^=])/g)) {
    const assignment = name.parent;
    if (name.type !== 'identifier' || assignment?.type !== 'assignment' || assignment.childForFieldName('left')?.id !== name.id) continue;
    if (assignment.parent?.parent?.parent?.type !== 'class_definition') continue;
    const value = assignment.childForFieldName('right');
    if (!value || (value.type !== 'identifier' && value.type !== 'attribute') || imports.resolve(value) !== DRF_LIMIT_OFFSET) continue;
    reportUncappedLimitOffset(ctx, value, "this view's pagination class", suggestedMax);
  }
}

function reportUncappedLimitOffset(ctx: RuleContext, value: Node, what: string, suggestedMax: number): void {
  ctx.report({
    start: value.startIndex,
    end: value.endIndex,
    messageId: 'client-chosen-limit',
    data: { param: 'limit' },
    detail:
      `DRF's LimitOffsetPagination is ${what} and its max_limit is None, so it serves whatever ?limit= a client sends: ` +
      `one request can load and serialize every row in memory. Use a subclass with max_limit = ${suggestedMax}.`,
  });
}

/** `def get_page_size(self, request): return int(request.query_params.get("page_size"))` in a pagination class. */
export function checkPageSizeOverrides(ctx: RuleContext, tree: Tree, suggestedMax: number): void {
  for (const name of nodesAtStatementText(tree, /(?<=\bdef\s+)get_page_size\b/g)) {
    const fn = name.parent;
    if (name.type !== 'identifier' || fn?.type !== 'function_definition' || fn.childForFieldName('name')?.id !== name.id) continue;
    const cls = fn.parent?.parent?.type === 'class_definition' ? fn.parent.parent : fn.parent?.parent?.parent;
    if (cls?.type !== 'class_definition' || !/Pagination|Paginator/.test(cls.childForFieldName('superclasses')?.text ?? '')) continue;
    for (const value of ownReturnValues(fn)) {
      const param = queryParamOf(value, fn);
      if (param === undefined) continue;
      const at = readOf(value, fn) ?? value;
      ctx.report({
        start: at.startIndex,
        end: at.endIndex,
        messageId: 'client-chosen-page-size',
        data: { param, max: suggestedMax },
        detail:
          `get_page_size returns ?${param}= as the client sends it: the base method is what applies max_page_size, so ` +
          `?${param}=1000000 makes the worker load and serialize every row at once. Cap it: min(int(...), ${suggestedMax}).`,
      });
      break;
    }
  }
}

/** Where a returned name (`return int(page_size)`) took the query string's value: `page_size = request.query_params.get(...)`. */
function readOf(value: Node, fn: Node): Node | undefined {
  const inner = value.type === 'call' && value.childForFieldName('function')?.text === 'int' ? positionalArguments(value)[0] : value;
  if (inner?.type !== 'identifier') return undefined;
  return captures(fn.tree, '(assignment) @a', fn)
    .map((c) => c.node)
    .find((a) => a.childForFieldName('left')?.text === inner.text && /\brequest\.(query_params|GET)\b/.test(a.childForFieldName('right')?.text ?? ''))
    ?.childForFieldName('right') ?? undefined;
}
