/**
 * large-page-size: DRF/Django pagination that loads thousands of rows per request.
 */
import { clip } from '../shared/format';
import type { Node } from 'web-tree-sitter';
import { defineRule, type FixSpec, type RuleContext } from '../api';
import { ancestor, indentOf, intValue, keywordArgument, positionalArguments, stringValue } from '../../analysis/python/ast';
import { fileMatches, nodesAtStatementText } from '../../analysis/python/statements';
import { mayConfigurePageSize } from '../../analysis/python/prefilters';
import { importsOf } from '../../analysis/python/imports';
import { checkFastapiPageSizes } from './python-fastapi';
import { queryParamOf } from './query-param';
import { checkDjangoRequestPageSizes, checkDirectPaginatorSize } from './django-request-page-size';
import { checkDefaultLimitOffset, checkLimitOffsetViews, checkPageSizeOverrides } from './drf-client-page-size';
import { checkFlaskPaginate } from './python-flask';
import { checkLimitOffsetCaps } from './drf-limit-offset';
import { largePageSizeMeta } from './meta';

const FASTAPI = /fastapi/;
const PAGINATE_CALL = /\bpaginate\s*\(/;
const FLASK = /flask/;

const SIZE_ATTRIBUTES = new Set(['page_size', 'max_page_size', 'max_limit', 'default_limit']);

export default defineRule({
  meta: {
    ...largePageSizeMeta,
    kinds: ['python'],
    fix: 'unsafe',
    trigger: /page_size|PAGE_SIZE|Paginator|_limit|limit|per_page|paginate|\bsize\b/,
    docs: {
      summary: 'Pagination that loads thousands of rows into memory per request.',
      whatItDoes:
        'Finds Django REST framework and Django pagination whose page size is above `threshold` (default 1000, the cap of the StandardResultsSetPagination example in the DRF docs): ' +
        '`page_size = N` / `max_page_size = N` / `default_limit` / `max_limit` on a pagination class, ' +
        '`self.paginator.page_size = N`, `PAGE_SIZE` in the `REST_FRAMEWORK` setting, and `Paginator(queryset, N)`. ' +
        'It also finds `page_size_query_param` without a `max_page_size`, which lets any client ask for every row at once, ' +
        'a subclass of DRF\'s `LimitOffsetPagination` without `max_limit` (it always reads `?limit=`, and DRF leaves the cap ' +
        'at None), ' +
        '`self.paginator.page_size` set from the query string (`int(request.query_params.get("num", 9))`) with no cap (it ' +
        'bypasses `max_page_size`), a `get_page_size(self, request)` override that returns the query string\'s value as ' +
        'is, DRF\'s own `LimitOffsetPagination` used as the settings\' `DEFAULT_PAGINATION_CLASS` or a view\'s ' +
        '`pagination_class` (DRF has no setting for its `max_limit`), a Django view that reads `?limit=`/`?per_page=` ' +
        'uncapped into a queryset slice (`qs[offset:offset + limit]`, `qs[(page - 1) * n:page * n]`) or a `Paginator(rows, per_page)`, ' +
        'read from the query string, `request.POST`/`request.data` or the parsed JSON body, directly or through a project getter ' +
        '(`require(req.GET, "num_per_page", "int")`), in the view or in the project function it hands the value to ' +
        '(`ProductRepository.get_all_products(page, per_page)`), and ' +
        'FastAPI page sizes the client picks with no upper bound: a `limit`/`page_size`/`per_page` parameter of a route ' +
        '(`limit: int = 100`, or a required `limit: int`) or of a dependency (`limit: int = Query(20, ge=1)`), or one named otherwise whose `alias=` says ' +
        'it (`size: int = Query(10, alias="page[size]")`) or a `size` beside a `page`/`offset` parameter, without `le=`/`lt=`, passed on to a query or ' +
        'a call, and not capped in the body (`min(limit, 100)`); and Flask-SQLAlchemy `query.paginate()` / `db.paginate()` ' +
        'in a request with `per_page` from the query string (`request.args.get("per_page", type=int)`) or not given ' +
        '(then Flask-SQLAlchemy reads `?per_page=` itself) and no `max_per_page`: `query.paginate()` passes ' +
        '`max_per_page=None` on, so nothing caps it.',
      whyIsThisBad:
        'Each page is materialised in the worker: every row becomes a model instance and then a serialized dict, ' +
        'often 2-10 KB each. A page of 10000 rows can take 50-100 MB per request, per worker; on a 512 MB instance ' +
        'two concurrent exports are enough for an out-of-memory restart.',
      example: {
        fileName: 'pagination.py',
        code: `from rest_framework.pagination import PageNumberPagination


class ExportPagination(PageNumberPagination):
    page_size = 10000
`,
      },
      useInstead: {
        fileName: 'pagination.py',
        code: `from rest_framework.pagination import PageNumberPagination


class ExportPagination(PageNumberPagination):
    page_size = 100
`,
      },
      fixSafety:
        'Unsafe: clients that relied on large pages get fewer rows per page and must follow `next` links. ' +
        'For bulk exports prefer streaming: `StreamingHttpResponse` over `queryset.iterator(chunk_size=2000)`.',
    },
  },
  check(ctx) {
    // Words a module may lack, tested per statement in the language server (a whole-text search per keystroke costs).
    if (fileMatches(ctx, FASTAPI)) {
      const tree = ctx.python();
      checkFastapiPageSizes(ctx, tree, importsOf(tree), ctx.options.suggestedMaxPageSize as number);
    }
    if (fileMatches(ctx, PAGINATE_CALL) && fileMatches(ctx, FLASK)) {
      const tree = ctx.python();
      checkFlaskPaginate(ctx, tree, importsOf(tree), ctx.options.suggestedMaxPageSize as number);
    }
    if (!mayConfigurePageSize(ctx.file)) return; // before parsing: most files the trigger lets through are not Django
    const tree = ctx.python();
    const text = ctx.file.text;
    const imports = importsOf(tree);
    const threshold = ctx.options.threshold as number;
    const suggested = ctx.options.suggestedPageSize as number;
    const suggestedMax = ctx.options.suggestedMaxPageSize as number;
    const isDjangoCode =
      imports.importsModule('rest_framework') || imports.importsModule('django') || ctx.file.roles.has('django-settings');

    // Candidates are found by name in the text; a whole-tree query would cost more than the rule's logic.
    // page_size = N, max_page_size = N, self.paginator.page_size = N
    for (const name of nodesAtStatementText(tree, /\b(?:page_size|max_page_size|max_limit|default_limit)\b(?=\s*=[^=])/g)) {
      const target = name.parent?.type === 'attribute' && name.parent.childForFieldName('attribute')?.id === name.id ? name.parent : name;
      const node = target.parent;
      if (name.type !== 'identifier' || node?.type !== 'assignment' || node.childForFieldName('left')?.id !== target.id) continue;
      const value = node.childForFieldName('right');
      if (!value) continue;
      const cls = ancestor(node, 'class_definition');
      const inPaginationClass = cls !== undefined && /Pagination|Paginator/.test(cls.childForFieldName('superclasses')?.text ?? '');
      if (!isDjangoCode && !inPaginationClass) continue;
      if (name.text.endsWith('limit') && !inPaginationClass) continue; // `default_limit` means nothing outside LimitOffsetPagination
      const isPaginatorSize = name.text === 'page_size' && target.type === 'attribute' && /\bpaginator$/.test(target.childForFieldName('object')?.text ?? '');
      if (isPaginatorSize && intValue(value) === undefined) {
        const param = queryParamOf(value, ancestor(node, 'function_definition'));
        if (param !== undefined) reportClientSize(ctx, value, param, suggestedMax);
        continue;
      }
      const n = intValue(value);
      if (n === undefined || n <= threshold) continue;
      if (name.text.startsWith('max_')) reportCap(ctx, value, n, `${name.text} = ${n}`, suggestedMax);
      else reportSize(ctx, value, n, `${name.text} = ${n}`, suggested);
    }

    // REST_FRAMEWORK = {"PAGE_SIZE": N}
    for (const node of nodesAtStatementText(tree, /["']PAGE_SIZE["']\s*:/g)) {
      const key = node.type === 'string' ? node : node.parent;
      const pair = key?.parent;
      if (key?.type !== 'string' || pair?.type !== 'pair' || pair.childForFieldName('key')?.id !== key.id) continue;
      const value = pair.childForFieldName('value')!;
      const n = intValue(value);
      if (n === undefined || n <= threshold) continue;
      reportSize(ctx, value, n, `REST_FRAMEWORK["PAGE_SIZE"] = ${n}`, suggested);
    }

    // Paginator(queryset, N) / Paginator(queryset, per_page=N)
    for (const name of nodesAtStatementText(tree, /\bPaginator\b(?=\s*\()/g)) {
      const fn = name.parent?.type === 'attribute' ? name.parent : name;
      const node = fn.parent;
      if (node?.type !== 'call' || node.childForFieldName('function')?.id !== fn.id) continue;
      const qualified = imports.resolve(fn);
      if (qualified !== 'django.core.paginator.Paginator' && !(qualified === undefined && fn.text === 'Paginator' && isDjangoCode)) continue;
      const perPage = keywordArgument(node, 'per_page') ?? positionalArguments(node)[1];
      const n = intValue(perPage);
      if (perPage && n === undefined) checkDirectPaginatorSize(ctx, perPage, suggestedMax);
      if (!perPage || n === undefined || n <= threshold) continue;
      reportSize(ctx, perPage, n, `Paginator(..., ${n})`, suggested);
    }

    // page_size_query_param without max_page_size: any client can ask for every row.
    for (const node of nodesAtStatementText(tree, /\bpage_size_query_param\b(?=\s*=[^=])/g)) {
      const assignment = node.parent!;
      if (node.type !== 'identifier' || assignment?.type !== 'assignment' || assignment.parent?.type !== 'expression_statement') continue;
      if (assignment.parent.parent?.type !== 'block' || assignment.parent.parent.parent?.type !== 'class_definition') continue;
      const value = assignment.childForFieldName('right');
      if (!value || value.type === 'none') continue;
      const body = assignment.parent!.parent!;
      const hasMax = body.namedChildren.some(
        (stmt) => stmt?.type === 'expression_statement' && /^max_page_size\s*=/.test(stmt.text),
      );
      if (hasMax) continue;
      const cls = body.parent!;
      if (!isDjangoCode && !/Pagination/.test(cls.childForFieldName('superclasses')?.text ?? '')) continue;
      const statement = assignment.parent!;
      const indent = indentOf(ctx.file.text, statement.startIndex);
      const eol = ctx.file.text.indexOf('\n', statement.endIndex);
      const insertAt = eol === -1 ? ctx.file.text.length : eol + 1;
      const prefix = eol === -1 ? '\n' : '';
      ctx.report({
        start: assignment.startIndex,
        end: assignment.endIndex,
        messageId: 'client-chosen-drf',
        data: { param: clip(stringValue(value) ?? 'page_size', 20) },
        detail: `Without max_page_size, DRF serves whatever ?${stringValue(value) ?? 'page_size'}= a client sends, so one request can load and serialize every row in memory. Add max_page_size = ${suggestedMax}.`,
        fixes: [
          {
            title: `Add max_page_size = ${suggestedMax}`,
            safety: 'unsafe',
            edits: [{ start: insertAt, end: insertAt, newText: `${prefix}${indent}max_page_size = ${suggestedMax}\n` }],
          },
        ],
      });
    }

    if (imports.importsModule('rest_framework')) {
      checkLimitOffsetCaps(ctx, tree, imports, suggestedMax);
      checkLimitOffsetViews(ctx, tree, imports, suggestedMax);
      checkPageSizeOverrides(ctx, tree, suggestedMax);
    }
    if (isDjangoCode) checkDjangoRequestPageSizes(ctx, tree, suggestedMax);
    checkDefaultLimitOffset(ctx, tree, suggestedMax);
  },
});

function reportClientSize(ctx: RuleContext, value: Node, param: string, max: number): void {
  ctx.report({
    start: value.startIndex,
    end: value.endIndex,
    messageId: 'client-chosen-page-size',
    data: { param: clip(param, 20), max },
    detail:
      `The page size is ?${param}= as the client sends it: setting paginator.page_size directly bypasses max_page_size, so ` +
      `?${param}=1000000 makes the worker load and serialize every row at once. Cap it: min(int(...), ${max}).`,
  });
}

function reportSize(ctx: RuleContext, value: Node, n: number, what: string, replacement: number): void {
  const fixes: FixSpec[] = [{ title: `Set the page size to ${replacement}`, edits: [{ start: value.startIndex, end: value.endIndex, newText: String(replacement) }] }];
  ctx.report({
    start: value.startIndex,
    end: value.endIndex,
    messageId: 'page-size',
    data: { rows: n, suggested: replacement },
    detail: `${what}: every row of a page is loaded and serialized in memory at once, with a copy in the response. Use pages of ${replacement}, and stream exports with .iterator(chunk_size=2000).`,
    fixes,
  });
}

function reportCap(ctx: RuleContext, value: Node, n: number, what: string, replacement: number): void {
  ctx.report({
    start: value.startIndex,
    end: value.endIndex,
    messageId: 'max-page-size',
    data: { rows: n, suggested: replacement },
    detail: `${what}: a client that asks for the largest page makes the process load and serialize that many rows in memory at once. Cap it at ${replacement}.`,
    fixes: [{ title: `Cap the page size at ${replacement}`, edits: [{ start: value.startIndex, end: value.endIndex, newText: String(replacement) }] }],
  });
}
