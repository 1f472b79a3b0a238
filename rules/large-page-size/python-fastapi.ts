/**
 * large-page-size for FastAPI: a page size the client picks (`limit: int = Query(20, ge=1)`, `limit: int = 100` on a
 * route) with no upper bound (`le=`/`lt=`), used to size a query or a call. `?limit=1000000` then loads and
 * serializes every row in one response.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { FixSpec, RuleContext } from '../api';
import { captures, keywordArgument, positionalArguments, stringValue } from '../../analysis/python/ast';
import type { ImportMap } from '../../analysis/python/imports';

/** Parameter names that size a page. */
const PAGE_SIZE_NAMES = /^(limit|page_size|per_page|pagesize|page_limit|max_results)$/;
/** Query-string names (`alias=`) that size a page: `page[size]` (JSON:API), `per_page`, `pageSize`. */
const PAGE_SIZE_ALIASES = /^(page\[size\]|page\[limit\]|limit|page_size|pageSize|per_page|perPage|size)$/;
/** Parameters that number the page: a `size` beside one of them is the page's size. */
const PAGE_NUMBER_NAMES = /^(page|page_number|page_num|offset|skip|from_|start)$/;
const INT_ANNOTATION = /^(int|Optional\[int\]|int\s*\|\s*None|None\s*\|\s*int|Annotated\[\s*(int|Optional\[int\]|int\s*\|\s*None)\s*,[\s\S]*\])$/;
const ROUTE_DECORATOR = /^@\s*[\w.]+\.(get|post|put|patch|delete|api_route)\s*\(/;

export function checkFastapiPageSizes(ctx: RuleContext, tree: Tree, imports: ImportMap, suggestedMax: number): void {
  if (!imports.importsModule('fastapi')) return;
  const isQuery = (node: Node | null | undefined): node is Node =>
    node?.type === 'call' && ['fastapi.Query', 'fastapi.params.Query'].includes(imports.resolve(node.childForFieldName('function')) ?? '');
  const bounded = (call: Node) => ['le', 'lt'].some((k) => keywordArgument(call, k) !== undefined);

  for (const { node: fn } of captures(tree, '(function_definition) @fn')) {
    const body = fn.childForFieldName('body');
    const params = fn.childForFieldName('parameters');
    if (!body || !params) continue;
    const decorated = fn.parent?.type === 'decorated_definition' ? fn.parent : undefined;
    const isRoute = decorated?.namedChildren.some((d) => d?.type === 'decorator' && ROUTE_DECORATOR.test(d.text)) ?? false;
    const paramNames = params.namedChildren.map((p) => (p?.childForFieldName('name') ?? p)?.text ?? '');
    const numbersPages = paramNames.some((n) => PAGE_NUMBER_NAMES.test(n));
    for (const param of params.namedChildren) {
      // `limit: int = 100`, or a required `limit: int` (a route's query parameter all the same).
      if (param?.type !== 'typed_default_parameter' && param?.type !== 'typed_parameter') continue;
      const name = (param.childForFieldName('name') ?? param.namedChildren.find((c) => c?.type === 'identifier'))?.text ?? '';
      const type = param.childForFieldName('type');
      const value = param.childForFieldName('value');
      if (!type || !INT_ANNOTATION.test(type.text.replace(/\s+/g, ' ').trim())) continue;
      // The Query of the default or of an Annotated[int, Query(...)] annotation.
      const annotatedQuery = captures(tree, '(call) @c', type).map((c) => c.node).find(isQuery);
      const query = isQuery(value) ? value : annotatedQuery;
      // `size: int = Query(10, alias="page[size]")`, or a `size` beside `page`: the page's size under another name.
      const alias = query ? stringValue(keywordArgument(query, 'alias')) : undefined;
      const sizesPage = PAGE_SIZE_NAMES.test(name) || (alias !== undefined ? PAGE_SIZE_ALIASES.test(alias) : name === 'size' && numbersPages);
      if (!sizesPage) continue;
      if (query && bounded(query)) continue;
      // A plain `limit: int = 100` is a query parameter on a route; a dependency says so with Query.
      if (!query && (!isRoute || (value !== null && value.type !== 'integer'))) continue;
      if (!sizesSomething(body.text, name) || clamped(body.text, name)) continue;
      const fixes: FixSpec[] = [];
      if (isQuery(value)) {
        const args = value.childForFieldName('arguments');
        if (args) {
          const close = args.endIndex - 1;
          const empty = positionalArguments(value).length === 0 && args.namedChildren.length === 0;
          fixes.push({ title: `Cap it with le=${suggestedMax}`, edits: [{ start: close, end: close, newText: `${empty ? '' : ', '}le=${suggestedMax}` }] });
        }
      }
      ctx.report({
        start: param.startIndex,
        end: param.endIndex,
        messageId: 'client-chosen-fastapi',
        data: { param: alias ?? name, max: suggestedMax },
        detail:
          `The client picks ${alias ?? name} and nothing caps it: ?${alias ?? name}=1000000 makes the worker load and serialize every row in ` +
          `memory at once. Bound it with Query(..., le=${suggestedMax}) (FastAPI then answers 422 above it).`,
        fixes,
      });
    }
  }
}

/** The parameter is passed on: `.limit(limit)`, `limit=limit`, `get_items(skip, limit)`, `[offset:offset + limit]`. */
function sizesSomething(body: string, name: string): boolean {
  return new RegExp(`[(,]\\s*(\\w+\\s*=\\s*)?${name}\\s*[,)]|[:+]\\s*${name}\\s*\\]`).test(body);
}

/** The body caps it itself: `min(limit, 100)`, `if limit > 100`. */
export function clamped(body: string, name: string): boolean {
  return new RegExp(`min\\([^)]*\\b${name}\\b|\\b${name}\\s*(>=?|<=?)\\s*\\w|\\b\\w+\\s*(>=?|<=?)\\s*${name}\\b`).test(body);
}
