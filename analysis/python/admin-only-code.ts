/**
 * Code only a site's administrators or staff reach, judged where it stands (Django, DRF, Flask, FastAPI,
 * Streamlit). The corpus sets label an upload only operators can make (a company logo in an admin form, a supplier
 * invoice an operator files) as bounded: the people sending it are the site's own. Proofs, each in the code:
 * - a decorator: Django's `@staff_member_required`, `@user_passes_test(lambda u: u.is_staff)`,
 *   `@permission_required(...)`, `@superuser_required`, `@admin_required` / `@admin_only` / `@staff_only`,
 *   Flask-Security's `@roles_required("admin")` / `@roles_accepted("admin", "staff")`, `@role_required("admin")`,
 *   DRF's `@permission_classes([IsAdminUser])`, a FastAPI route's `dependencies=[Depends(require_admin)]`;
 * - a FastAPI dependency parameter: `user = Depends(get_current_admin_user)`, `Security(current_user, scopes=["admin"])`,
 *   or a route of an `APIRouter(dependencies=[Depends(verify_admin)])` of the module;
 * - the class: DRF `permission_classes = [IsAdminUser]`, a `ModelAdmin` (the Django admin site is staff-only),
 *   `StaffRequiredMixin` / `SuperuserRequiredMixin` / `PermissionRequiredMixin` / `AdminRequiredMixin`;
 * - the body refusing everyone else first (upload-size-guards.ts's guardedBefore): `if not request.user.is_staff:
 *   raise PermissionDenied`, `if not auth.checkRoleAdmin(payload): raise HTTPException(401)`, `if user.role !=
 *   "admin": return ...`, `if not current_user.has_role("admin"): abort(403)`, `if not st.session_state.is_admin: st.stop()`.
 * A role check in another branch, after the code, or one that also admits ordinary users proves nothing.
 */
import type { Node } from 'web-tree-sitter';
import { parents, stringValue } from './ast';
import { bare, guardedBefore } from './upload-size-guards';

/** Roles of the people who run a site: not its customers, not an owner of one record. */
const PRIVILEGED = /^(admin|admins|administrator|administrators|super_?admin|super_?user|superusers|staff|manager|moderator|root)$/i;
/** A name that says "administrator only": `staff_member_required`, `admin_required`, `require_superuser`, `is_admin`, `checkRoleAdmin`. */
const ADMIN_NAME = /^(is_?|has_?|check_?|require_?|requires_?|verify_?|ensure_?|get_?(current_?)?(active_?)?|current_?(active_?)?)?(role_?)?(super_?user|super_?admin|admin|administrator|staff|staff_member)(_?(user|role|access|permission|only|required|dependency|guard))*$/i;
const ADMIN_DECORATOR = /^(staff_member_required|superuser_required|admin_required|staff_required|admin_only|staff_only|superuser_only|require_admin|require_superuser|require_staff|admin_login_required|login_required_admin)$/i;
const ADMIN_PERMISSION_CLASS = /\b(IsAdminUser|IsSuperUser|IsSuperuser|IsStaff\w*|IsAdmin\w*|\w*AdminOnly\w*)\b/;
const ADMIN_MIXIN = /\b(StaffRequiredMixin|SuperuserRequiredMixin|SuperUserRequiredMixin|AdminRequiredMixin|PermissionRequiredMixin|StaffuserRequiredMixin|ModelAdmin|TabularInline|StackedInline)\b/;
const ROLE_ATTRIBUTE = /^(role|roles|user_type|usertype|user_role|account_type|type)$/;

/** Whether `node` sits in a function only administrators or staff reach. */
export function adminOnlyCode(node: Node, lookedOutside: () => void = () => undefined): boolean {
  const chain = parents(node);
  const fn = chain.find((p) => p.type === 'function_definition');
  if (!fn) return false;
  if (guardedBefore(node, refusesNonAdmins, admitsOnlyAdmins)) return true;
  const decorated = fn.parent?.type === 'decorated_definition' ? fn.parent : undefined;
  const decorators = decorated ? (decorated.namedChildren.filter((c) => c?.type === 'decorator') as Node[]) : [];
  if (decorators.some((d) => adminDecorator(d, lookedOutside))) return true;
  if (adminDependency(fn.childForFieldName('parameters'))) return true;
  const cls = chain.find((p) => p.type === 'class_definition');
  return cls !== undefined && adminClass(cls);
}

/** `@staff_member_required`, `@user_passes_test(lambda u: u.is_superuser)`, `@router.post(..., dependencies=[Depends(admin)])`. */
function adminDecorator(decorator: Node, lookedOutside: () => void): boolean {
  const expr = decorator.namedChildren[0];
  if (!expr) return false;
  const callee = expr.type === 'call' ? expr.childForFieldName('function') : expr;
  const name = lastName(callee);
  if (name && ADMIN_DECORATOR.test(name)) return true;
  if (expr.type !== 'call') return false;
  const args = expr.childForFieldName('arguments');
  const argText = args?.text ?? '';
  switch (name) {
    case 'user_passes_test':
      return /\.(is_staff|is_superuser|is_admin)\b/.test(argText) || roleTest(argText);
    case 'permission_required':
      return true;
    case 'roles_required':
    case 'roles_accepted':
    case 'role_required':
    case 'roles_allowed':
    case 'require_role':
    case 'require_roles':
      return onlyPrivilegedStrings(args);
    case 'permission_classes':
      return ADMIN_PERMISSION_CLASS.test(argText);
  }
  if (adminDependency(args)) return true;
  // `@router.post(...)` of `router = APIRouter(dependencies=[Depends(verify_admin)])` in this module.
  const router = callee?.type === 'attribute' ? callee.childForFieldName('object') : undefined;
  if (router?.type === 'identifier') {
    lookedOutside();
    return routerGated(router);
  }
  return false;
}

/** `Depends(get_current_admin_user)`, `Security(get_user, scopes=["admin"])` among parameters or a route's `dependencies`. */
function adminDependency(node: Node | null | undefined): boolean {
  if (!node) return false;
  const text = node.text;
  if (!/\b(Depends|Security)\s*\(/.test(text)) return false;
  for (const m of text.matchAll(/\b(?:Depends|Security)\s*\(\s*([\w.]+)/g)) {
    if (ADMIN_NAME.test(m[1].replace(/^.*\./, ''))) return true;
  }
  return /\bscopes\s*=\s*\[\s*["'](admin|superuser|staff)["']\s*\]/.test(text);
}

/** `router = APIRouter(prefix="/admin", dependencies=[Depends(verify_admin)])` assigned once at module level. */
function routerGated(router: Node): boolean {
  for (const statement of router.tree.rootNode.namedChildren) {
    const assignment = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    if (assignment?.type !== 'assignment' || assignment.childForFieldName('left')?.text !== router.text) continue;
    const value = assignment.childForFieldName('right');
    if (value?.type !== 'call' || !/Router$/.test(lastName(value.childForFieldName('function')) ?? '')) return false;
    const dependencies = value.childForFieldName('arguments')?.namedChildren.find((a) => a?.type === 'keyword_argument' && a.childForFieldName('name')?.text === 'dependencies');
    return adminDependency(dependencies);
  }
  return false;
}

/** DRF `permission_classes = [IsAdminUser]`, a staff mixin, a `ModelAdmin`. */
function adminClass(cls: Node): boolean {
  if (ADMIN_MIXIN.test(cls.childForFieldName('superclasses')?.text ?? '')) return true;
  const body = cls.childForFieldName('body');
  for (const statement of body?.namedChildren ?? []) {
    const assignment = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    if (assignment?.type === 'assignment' && assignment.childForFieldName('left')?.text === 'permission_classes') {
      const value = assignment.childForFieldName('right')?.text ?? '';
      // Every class listed must be satisfied: one admin class among them is enough.
      return ADMIN_PERMISSION_CLASS.test(value);
    }
  }
  return false;
}

/**
 * A condition true for anyone but administrators: `not user.is_staff`, `not auth.checkRoleAdmin(payload)`,
 * `user.role != "admin"`, `user.role not in ("admin", "staff")`, `not user.has_role("admin")`, and `a or b` of one.
 */
function refusesNonAdmins(condition: Node | null): boolean {
  const e = bare(condition);
  if (!e) return false;
  if (e.type === 'boolean_operator' && e.childForFieldName('operator')?.text === 'or') return refusesNonAdmins(e.childForFieldName('left')) || refusesNonAdmins(e.childForFieldName('right'));
  if (e.type === 'not_operator') return admitsOnlyAdmins(e.childForFieldName('argument'));
  if (e.type === 'comparison_operator' && e.namedChildren.length === 2) {
    const [left, right] = e.namedChildren as Node[];
    const op = e.children.filter((c) => c !== null && !c.isNamed).map((c) => c!.text).join(' ');
    if (op === '!=' && roleOf(left) && onlyPrivilegedStrings(right)) return true;
    if (op === 'not in' && roleOf(left) && onlyPrivilegedStrings(right)) return true;
  }
  return false;
}

/** A condition true only for administrators: `user.is_staff`, `is_admin(user)`, `user.role == "admin"`, `a and b` of one. */
function admitsOnlyAdmins(condition: Node | null): boolean {
  const e = bare(condition);
  if (!e) return false;
  if (e.type === 'boolean_operator' && e.childForFieldName('operator')?.text === 'and') return admitsOnlyAdmins(e.childForFieldName('left')) || admitsOnlyAdmins(e.childForFieldName('right'));
  if (e.type === 'attribute' || e.type === 'identifier') return ADMIN_NAME.test(lastName(e) ?? '') && /^(is_?|has_?)/i.test(lastName(e) ?? '');
  if (e.type === 'call') {
    const name = lastName(e.childForFieldName('function')) ?? '';
    if (ADMIN_NAME.test(name)) return true;
    if (/^(has_role|has_roles|is_role|in_role|has_group|in_group)$/.test(name)) return onlyPrivilegedStrings(e.childForFieldName('arguments'));
    return false;
  }
  if (e.type === 'comparison_operator' && e.namedChildren.length === 2) {
    const [left, right] = e.namedChildren as Node[];
    const op = e.children.filter((c) => c !== null && !c.isNamed).map((c) => c!.text).join(' ');
    return (op === '==' || op === 'in') && roleOf(left) && onlyPrivilegedStrings(right);
  }
  return false;
}

/** `user.role`, `request.user.user_type`, `payload["role"]`. */
function roleOf(node: Node): boolean {
  if (node.type === 'attribute') return ROLE_ATTRIBUTE.test(node.childForFieldName('attribute')?.text ?? '');
  if (node.type === 'subscript') return ROLE_ATTRIBUTE.test(stringValue(node.childForFieldName('subscript')) ?? '');
  if (node.type === 'call') {
    const fn = node.childForFieldName('function');
    // `user.role.lower()`, `payload.get("role")`.
    if (fn?.type === 'attribute' && /^(lower|upper|casefold)$/.test(fn.childForFieldName('attribute')?.text ?? '')) return roleOf(fn.childForFieldName('object')!);
    if (fn?.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'get') return ROLE_ATTRIBUTE.test(stringValue(node.childForFieldName('arguments')?.namedChildren[0]) ?? '');
  }
  return false;
}

/** `"admin"`, `("admin", "staff")`, `Role.ADMIN`, and argument lists of them: at least one, all privileged. */
function onlyPrivilegedStrings(node: Node | null | undefined): boolean {
  if (!node) return false;
  const items = ['tuple', 'list', 'set', 'argument_list'].includes(node.type) ? (node.namedChildren.filter((c) => c !== null && c.type !== 'comment') as Node[]) : [node];
  return items.length > 0 && items.every((item) => PRIVILEGED.test(stringValue(item) ?? (item.type === 'attribute' ? item.childForFieldName('attribute')?.text ?? '' : '')));
}

/** `lambda u: u.role == "admin"`, `lambda u: u.role in ["admin", "staff"]`. */
function roleTest(text: string): boolean {
  const m = /\.(?:role|user_type|usertype|user_role|account_type)\s*(?:==|in)\s*([\[(]?[^)\]]*[\])]?)/.exec(text);
  if (!m) return false;
  const values = [...m[1].matchAll(/["'](\w+)["']/g)].map((v) => v[1]);
  return values.length > 0 && values.every((v) => PRIVILEGED.test(v));
}

function lastName(node: Node | null | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'identifier') return node.text;
  if (node.type === 'attribute') return node.childForFieldName('attribute')?.text;
  return undefined;
}
