/**
 * Class-based views whose rows are never listed (issue 13, production reach). A Django generic view evaluates its
 * queryset, `get_context_data` and template only from `get()` (ListView/DetailView: `BaseListView.get` calls
 * `get_queryset`, then `render_to_response`); a DRF viewset or generic view lists its class queryset only from
 * `list()` (`ListModelMixin.list` calls `self.filter_queryset(self.get_queryset())`; `ListAPIView.get` calls
 * `self.list`). When the class overrides that entry and it never reaches the class rows, they are not what a
 * request reads:
 *
 * - Django: `get()` or `dispatch()` returns or raises before any `super()`/render/queryset call (an unconditional
 *   `redirect(...)`, `HttpResponseRedirect`, `raise Http404`), a `RedirectView` subclass, or `http_method_names`
 *   without "get". A view that can still render on POST (a form view's invalid form, an own `post`) keeps its
 *   template and context; permission mixins only refuse some requests, so they change nothing here.
 * - DRF: `list()` (or a generic view's `get()`) overridden without `get_queryset()`, `self.queryset`,
 *   `filter_queryset`, `super()` or `self.list`: its own queryset is what it serialises, and is judged where it is.
 *
 * Asked only when a request-path rule is about to report in the class (a cheap walk over its body).
 */
import type { Node } from 'web-tree-sitter';

/** Members that only serve rendering a GET (Django) or listing (their results feed `get()`/`list()`). */
const RENDERING_METHODS = new Set([
  'get_queryset', 'get_context_data', 'get_template_names', 'get_paginate_by', 'get_ordering', 'paginate_queryset',
  'get_context_object_name', 'get_allow_empty',
]);

/** Bases whose POST renders the template again (an invalid form) or whose handlers are not known. */
const POST_RENDERS = /(?:Create|Update|Delete|Form|Wizard)View$|FormMixin$|ProcessFormView$/;
/** Bases known to add no handler: Django's display views and views, and mixins (permission checks, context). */
const PLAIN_BASE = /(?:^|\.)(?:ListView|DetailView|TemplateView|View|RedirectView|ArchiveIndexView|(?:Year|Month|Week|Day|Today|Date)ArchiveView|FilterView|SingleTableView|\w*Mixin)$/;
/** Handlers that run on other methods than GET, and hooks they call. */
const OTHER_HANDLERS = new Set(['post', 'put', 'patch', 'delete', 'form_valid', 'form_invalid']);

/** DRF bases that list the class queryset through `ListModelMixin.list`. */
const DRF_LIST_BASE = /(?:^|\.)(?:ModelViewSet|ReadOnlyModelViewSet|GenericViewSet|ListAPIView|ListCreateAPIView|ListModelMixin|GenericAPIView)$/;
/** DRF bases whose handlers are known (the list base above plus DRF's other mixins and viewsets). */
const DRF_KNOWN_BASE = /(?:^|\.)(?:\w*ViewSet|\w*APIView|\w*Mixin)$/;

/** What reaches the class's own rows or its rendering (Django and DRF). */
const REACHES_ROWS = /\bsuper\s*\(|\b(?:get_queryset|filter_queryset|paginate_queryset|get_context_data|get_object|render_to_response|render|get_template_names|as_view)\s*\(|\bself\.(?:queryset|object_list|object|list|retrieve|model)\b|\bTemplateResponse\b|\b\w+View\.\w+\s*\(/;
/** Responses that render nothing of the view: redirects and plain or JSON responses built in place. */
const PLAIN_RESPONSE = /^(?:redirect|(?:\w+\.)*(?:HttpResponse\w*|JsonResponse|StreamingHttpResponse|FileResponse|Response))\s*\(/;

/**
 * The offset sits in the header or a class-level statement of a view (its `queryset`, `model`, `template_name`,
 * serializer) or a member that only feeds its GET rendering, while the view never gets to them.
 */
export function unrenderedViewPart(cls: Node, offset: number): boolean {
  const body = cls.childForFieldName('body');
  if (!body) return false;
  // A finding on the `class` line (a view with only `model = X`) is about the class's rows too.
  const member = offset < body.startIndex ? undefined : body.namedChildren.find((c) => c && c.startIndex <= offset && offset < c.endIndex);
  if (!member && offset >= body.startIndex) return false;
  const def = member?.type === 'decorated_definition' ? member.childForFieldName('definition') : member;
  const name = def?.type === 'function_definition' ? def.childForFieldName('name')?.text ?? '' : undefined;
  const bases = baseTexts(cls);
  const methods = methodsOf(body);
  if (bases.some((b) => DRF_LIST_BASE.test(b))) {
    return name === undefined && bases.every((b) => DRF_KNOWN_BASE.test(b)) && (refusesGet(body) || listsOwnRows(bases, methods));
  }
  if (name !== undefined && !RENDERING_METHODS.has(name)) return false;
  return neverRendersGet(bases, methods, body);
}

/** A Django class-based view that never renders its template (its GET leaves first and nothing else renders). */
export function neverRendersTemplate(cls: Node): boolean {
  const body = cls.childForFieldName('body');
  if (!body) return false;
  return neverRendersGet(baseTexts(cls), methodsOf(body), body);
}

function baseTexts(cls: Node): string[] {
  return (cls.childForFieldName('superclasses')?.namedChildren ?? []).filter((b): b is Node => !!b && b.type !== 'keyword_argument').map((b) => b.text);
}

/** The Django view's GET never renders: its `get`/`dispatch` leaves first, it redirects, or it refuses GET. */
function neverRendersGet(bases: string[], methods: Map<string, Node>, body: Node): boolean {
  if (bases.length === 0 || !bases.every((b) => PLAIN_BASE.test(b))) return false;
  const dispatch = methods.get('dispatch');
  if (dispatch && leavesFirst(dispatch)) return true;
  // Other methods may still render the template (an own `post`, a form view's invalid form).
  if (bases.some((b) => POST_RENDERS.test(b)) || [...methods.keys()].some((m) => OTHER_HANDLERS.has(m))) return false;
  const get = methods.get('get');
  if (get) return leavesFirst(get);
  if (bases.some((b) => /(?:^|\.)RedirectView$/.test(b))) return true;
  return refusesGet(body);
}

/** The DRF class lists through an overridden `list()`/`get()` that never reads the class rows, and nothing else lists them. */
function listsOwnRows(bases: string[], methods: Map<string, Node>): boolean {
  // A viewset lists from `list`; a generic list view from `get`, which calls `list`.
  const entries = ['list', 'get'].filter((m) => methods.has(m));
  const generic = bases.some((b) => /(?:^|\.)List(?:Create)?APIView$/.test(b));
  if (!methods.has('list') && !(generic && methods.has('get'))) return false;
  if (entries.some((m) => REACHES_ROWS.test(bodyText(methods.get(m)!)))) return false;
  // An own action listing `self.get_queryset()` still lists them.
  for (const [name, method] of methods) {
    if (name === 'list' || name === 'get' || name === 'get_queryset' || name === 'get_object') continue;
    if (/\b(?:get_queryset|filter_queryset|paginate_queryset)\s*\(|\bself\.(?:queryset|list)\b|\.list\s*\(/.test(method.text)) return false;
  }
  return true;
}

/**
 * The method's own statements reach an unconditional `return` of a plain response (a redirect, a JSON or empty
 * response) or a `raise` before anything that could reach the view's rows or its rendering.
 */
function leavesFirst(method: Node): boolean {
  const block = method.childForFieldName('body');
  for (const statement of block?.namedChildren ?? []) {
    if (!statement || statement.type === 'comment') continue;
    if (REACHES_ROWS.test(statement.text)) return false;
    if (statement.type === 'raise_statement') return true;
    if (statement.type === 'return_statement') {
      const value = statement.namedChildren[0];
      return !!value && PLAIN_RESPONSE.test(value.text);
    }
  }
  return false;
}

/** `http_method_names = ["post"]`: a list or tuple of strings without "get". */
function refusesGet(body: Node): boolean {
  for (const statement of body.namedChildren) {
    const assignment = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    if (assignment?.type !== 'assignment' || assignment.childForFieldName('left')?.text !== 'http_method_names') continue;
    const right = assignment.childForFieldName('right');
    if (right?.type !== 'list' && right?.type !== 'tuple') return false;
    const items = right.namedChildren.filter((c): c is Node => !!c);
    if (!items.every((c) => c.type === 'string')) return false;
    return !items.some((c) => /^[rbuRBU]*["']get["']$/.test(c.text));
  }
  return false;
}

function methodsOf(body: Node): Map<string, Node> {
  const out = new Map<string, Node>();
  for (const stmt of body.namedChildren) {
    const def = stmt?.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
    if (def?.type === 'function_definition') out.set(def.childForFieldName('name')?.text ?? '', def);
  }
  return out;
}

function bodyText(method: Node): string {
  return method.childForFieldName('body')?.text ?? '';
}
