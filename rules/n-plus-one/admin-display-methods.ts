/**
 * A display method of a Django admin class (`def services_list(self, obj)` on a `ModelAdmin` or an inline, named in
 * `list_display`/`readonly_fields`): it renders a cell of the staff-only admin site, one object at a time. Its loops
 * run on admin pages, not on the requests the deploy serves its users, and are not reported as N+1 of the app.
 */
import type { Node } from 'web-tree-sitter';
import { ancestor } from '../../analysis/python/ast';

/**
 * Bases of Django admin classes, as written: `admin.ModelAdmin`, `ModelAdmin`, `admin.TabularInline`, and the admin
 * classes of packages and projects named for them (`ImportExportModelAdmin`, `BaseInline`).
 */
const ADMIN_BASE = /(^|[\s(,.])\w*(ModelAdmin|Inline|OSMGeoAdmin)\s*[,)]/;
/** `(self, obj)`: the one object a display method renders. */
const DISPLAY_PARAMETERS = /^\(\s*self\s*,\s*(obj|instance|object|item|record|row)\s*(:[^,)]*)?\)$/;

/** The node is inside a display method of an admin class. */
export function inAdminDisplayMethod(node: Node): boolean {
  const method = ancestor(node, 'function_definition');
  const cls = method ? ancestor(method, 'class_definition') : undefined;
  if (!method || !cls || ancestor(cls, 'function_definition')) return false;
  // The method is a member of the class itself (not a function nested in another method).
  if (ancestor(method, 'function_definition', 'class_definition')?.id !== cls.id) return false;
  return ADMIN_BASE.test(cls.childForFieldName('superclasses')?.text ?? '') && DISPLAY_PARAMETERS.test(method.childForFieldName('parameters')?.text.replace(/\s+/g, ' ') ?? '');
}
