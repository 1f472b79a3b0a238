/**
 * Django and DRF function views under decorators that only wrap them (`@login_required`, `@require_POST`,
 * `@api_view(["GET"])`): such a decorator registers nothing, so the view still runs only when a URLconf names it, as
 * an undecorated one does. A decorator of the project or of another library (`@receiver`, `@shared_task`,
 * `@register.simple_tag`, a project's `@role_required`) may register the function, and keeps it reached.
 */
import type { Node } from 'web-tree-sitter';

/** Decorators of django.contrib.auth, django.views.decorators, django.contrib.admin.views and rest_framework.decorators. */
const WRAPPERS = new Set([
  'login_required', 'permission_required', 'user_passes_test', 'staff_member_required', 'require_http_methods', 'require_GET',
  'require_POST', 'require_safe', 'csrf_exempt', 'csrf_protect', 'ensure_csrf_cookie', 'requires_csrf_token', 'never_cache',
  'cache_page', 'cache_control', 'vary_on_headers', 'vary_on_cookie', 'gzip_page', 'etag', 'last_modified',
  'xframe_options_exempt', 'xframe_options_deny', 'xframe_options_sameorigin', 'sensitive_post_parameters',
  'sensitive_variables', 'atomic', 'api_view', 'permission_classes', 'authentication_classes', 'throttle_classes',
  'renderer_classes', 'parser_classes', 'schema',
]);

/** `@login_required`, `@login_required(login_url="/")`, `@decorators.api_view(["GET"])`: the decorator's own name. */
const DECORATOR = /^@\s*(?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*)\s*(?:\([^]*\))?\s*$/;
/** The first parameter of a Django view (or a handler taking the request). */
export const VIEW_SIGNATURE = /^\(\s*(request|req)\b/;

/** The view function a top-level decorated definition holds when every decorator only wraps it, else undefined. */
export function wrappedViewFunction(decorated: Node): Node | undefined {
  if (decorated.type !== 'decorated_definition') return undefined;
  const def = decorated.childForFieldName('definition');
  if (def?.type !== 'function_definition' || !VIEW_SIGNATURE.test(def.childForFieldName('parameters')?.text ?? '')) return undefined;
  const decorators = decorated.namedChildren.filter((c) => c?.type === 'decorator');
  return decorators.every((d) => WRAPPERS.has(DECORATOR.exec(d!.text)?.[1] ?? '')) ? def : undefined;
}
