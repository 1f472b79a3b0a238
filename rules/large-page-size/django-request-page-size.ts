/**
 * large-page-size in Django/DRF views: a page size read from the query string (`limit = int(request.GET.get("limit",
 * 10))`, `per_page = request.query_params.get("per_page")`) with no cap in the function, that sizes a Django
 * `Paginator(rows, per_page)` or a queryset slice (`qs[offset:offset + limit]`). `?limit=1000000` then loads and
 * serializes every row in one response. Reported where the value is read, or at the Paginator argument that reads it.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { ReportSpec, RuleContext } from '../api';
import { captures, enclosingFunction, keywordArgument, positionalArguments } from '../../analysis/python/ast';
import { calleesStamp } from '../../analysis/python/call-graph';
import { nodesInStatementText, StatementFindingsCache, statementMatches, topLevelStatements, type TopLevelStatement } from '../../analysis/python/statements';
import { escapeRegExp } from '../../analysis/python/web-context';
import { queryParamOf } from './query-param';
import { paginatingCallee } from './paginating-callee';
import { REQUEST_READ_TEXT, requestFieldRead, requestMappings } from './django-request-fields';

/** Query-string names that size a page. */
const PAGE_SIZE_PARAM = /^(limit|per_page|perpage|page_size|pagesize|size|page_limit|max_results|count|num|n)$|^\w*_?(per_?page|page_?size|page_?limit)$/i;
/** Methods of DRF's GenericAPIView whose result the view's paginator pages afterwards. */
const QUERYSET_HOOKS = /^(get_queryset|filter_queryset)$/;
/** A queryset expression: `Model.objects...`, `.filter(`/`.order_by(`/`.all()` chains. */
const QUERYSET_TEXT = /\.objects\b|\.(filter|exclude|order_by|all|select_related|prefetch_related|annotate|values)\s*\(/;

/** Findings per top-level statement: a keystroke re-checks the statement it changed, not every view of the module. */
const statementFindings = new StatementFindingsCache<true>('large-page-size: client page sizes per statement');
/** REQUEST_READ_TEXT without the `g` flag, for a yes/no test (a global pattern's test() resumes where it last matched). */
const READS_REQUEST = new RegExp(REQUEST_READ_TEXT.source);

export function checkDjangoRequestPageSizes(ctx: RuleContext, tree: Tree, suggestedMax: number): void {
  // What a statement's answer reads outside its text: the project functions a view hands the value to (calleesStamp).
  const stamp = calleesStamp(ctx.project, ctx.file.relPath, tree);
  const context = stamp === undefined ? undefined : `${ctx.file.relPath}\u0000${suggestedMax}\u0000${stamp}`;
  for (const statement of topLevelStatements(tree)) {
    if (!statementMatches(statement, READS_REQUEST)) continue;
    const analyse = (report: (spec: ReportSpec) => void): true => {
      checkStatement(ctx, tree, statement, suggestedMax, report);
      return true;
    };
    if (context === undefined) analyse(ctx.report);
    else statementFindings.check(ctx, statement, context, () => true, analyse);
  }
}

function checkStatement(ctx: RuleContext, tree: Tree, statement: TopLevelStatement, suggestedMax: number, report: (spec: ReportSpec) => void): void {
  const seen = new Set<number>();
  for (const node of nodesInStatementText(tree, statement, REQUEST_READ_TEXT)) {
    const fn = enclosingFunction(node);
    if (!fn || seen.has(fn.id)) continue;
    seen.add(fn.id);
    // A DRF view's queryset hook: the view's pagination class pages what it returns, so a slice there only trims it.
    if (QUERYSET_HOOKS.test(fn.childForFieldName('name')?.text ?? '')) continue;
    // A client page size is read by a quoted key (requestFieldRead): a function that quotes none is skipped before
    // its assignments are walked.
    if (!quotesPageSizeKey(fn.text)) continue;
    const mappings = requestMappings(fn.text);
    for (const { node: assignment } of captures(tree, '(assignment left: (identifier) right: (_)) @a', fn)) {
      if (enclosingFunction(assignment)?.id !== fn.id) continue;
      const left = assignment.childForFieldName('left');
      const value = assignment.childForFieldName('right');
      if (!left || !value || /\bmin\s*\(/.test(value.text)) continue;
      const param = requestFieldRead(value.text, mappings);
      if (param === undefined || !PAGE_SIZE_PARAM.test(param) || capped(fn.text, left.text)) continue;
      const sized = sizesRows(fn, left.text) || paginatingCallee(ctx, tree, fn, left.text, sizesRows, capped);
      if (!sized) continue;
      reportClientSize(report, value, param, suggestedMax);
    }
  }
}

function quotesPageSizeKey(text: string): boolean {
  for (const m of text.matchAll(/["']([A-Za-z_]\w*)["']/g)) if (PAGE_SIZE_PARAM.test(m[1])) return true;
  return false;
}

/** `Paginator(rows, int(request.GET.get("per_page", 20)))`: the argument reads the query string itself. */
export function checkDirectPaginatorSize(ctx: RuleContext, perPage: Node, suggestedMax: number): void {
  if (perPage.type === 'identifier') return; // a name is judged where it is read (checkDjangoRequestPageSizes)
  const param = queryParamOf(perPage, enclosingFunction(perPage));
  if (param !== undefined) reportClientSize(ctx.report, perPage, param, suggestedMax);
}

/**
 * The function caps the value: `min(limit, 100)`, `if limit > 100`, `limit <= MAX_LIMIT`, `100 < limit`. A comparison
 * with another runtime value (`offset + limit < total`, for a next link) or a floor (`limit < 1`) caps nothing.
 */
function capped(body: string, name: string): boolean {
  const n = escapeRegExp(name);
  if (new RegExp(`\\bmin\\s*\\([^)]*\\b${n}\\b`).test(body)) return true;
  const bound = '(?:[2-9]|\\d{2,})\\d*|[A-Z][A-Z0-9_]*|[\\w.]*(?:max|MAX|Max)\\w*';
  return new RegExp(`\\b${n}\\s*(?:>=?|<=?)\\s*(?:${bound})\\b|(?:${bound})\\s*(?:>=?|<=?)\\s*${n}\\b`).test(body);
}

/** The name sizes a Django Paginator or the end of a queryset slice in the function. */
function sizesRows(fn: Node, name: string): boolean {
  const word = new RegExp(`\\b${escapeRegExp(name)}\\b`);
  for (const { node: call } of captures(fn.tree, '(call) @c', fn)) {
    if (!/(^|\.)Paginator$/.test(call.childForFieldName('function')?.text ?? '')) continue;
    const perPage = keywordArgument(call, 'per_page') ?? positionalArguments(call)[1];
    if (perPage && word.test(perPage.text)) return true;
  }
  for (const { node: slice } of captures(fn.tree, '(subscript (slice) @s)', fn)) {
    const parts = slice.text.split(':');
    if (parts.length < 2 || !word.test(parts[1])) continue;
    const receiver = slice.parent?.childForFieldName('value');
    if (receiver && isQueryset(receiver, fn)) return true;
  }
  return false;
}

/** A queryset: its text, or the text assigned to the name in the function, reads like one. */
function isQueryset(receiver: Node, fn: Node): boolean {
  if (QUERYSET_TEXT.test(receiver.text)) return true;
  if (receiver.type !== 'identifier') return false;
  const assigned = new RegExp(`^\\s*${escapeRegExp(receiver.text)}\\s*=\\s*(.+)$`, 'gm');
  return [...fn.text.matchAll(assigned)].some((m) => QUERYSET_TEXT.test(m[1] ?? ''));
}

function reportClientSize(report: (spec: ReportSpec) => void, value: Node, param: string, max: number): void {
  report({
    start: value.startIndex,
    end: value.endIndex,
    messageId: 'client-chosen-page-size',
    data: { param, max },
    detail:
      `The page size is ?${param}= as the client sends it, and nothing caps it before it sizes the query: ?${param}=1000000 ` +
      `makes the worker load and serialize every row at once. Cap it: min(int(...), ${max}).`,
  });
}
