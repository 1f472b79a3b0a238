/**
 * Nest routes only an administrator can call (large-request-body-limit's uploads, large-page-size's page
 * arguments): the method (or its controller) has `@UseGuards(AdminGuard)` (a guard named for administrators), or
 * `@Roles('admin')` / `@Roles(Role.Admin)` naming only administrator roles next to a `@UseGuards(...)` that enforces
 * them. Guards run before interceptors and handlers, so an anonymous or ordinary user's request is refused first:
 * a large upload or page would have to come from the operators themselves (a company logo in an admin form).
 */
import { ts } from 'ts-morph';

/** Guard class names for administrators: AdminGuard, AdminAuthGuard, SuperAdminGuard, StaffGuard, IsAdminGuard. */
const ADMIN_GUARD = /^(Is)?(Super)?(Admin|Administrator|Staff)[A-Za-z]*Guard$/;
/** Decorators that list the roles a route allows. */
const ROLES_DECORATOR = /^(Roles|HasRoles|RequireRoles|Role|AllowedRoles)$/;
/** One administrator role: 'admin', Role.Admin, UserRole.SUPER_ADMIN, 'staff', Role.Super / 'superuser'. */
export const ADMIN_ROLE = /^(super_?)?(admin|administrator|staff)$|^super(_?user)?$/i;

/** Whether `node` (an interceptor call, a parameter) sits in a method only administrators can call. */
export function inAdminOnlyNestRoute(node: ts.Node): boolean {
  let decorator: ts.Node | undefined = node;
  while (decorator && !ts.isDecorator(decorator)) decorator = decorator.parent;
  const method = decorator?.parent;
  return method !== undefined && ts.isMethodDeclaration(method) && adminOnlyNestMethod(method);
}

/**
 * Whether a Nest controller method (or every method of its controller) is guarded for administrators only.
 * `staff: false` leaves out staff guards and roles (a shop's staff adding products is use, not curation).
 */
export function adminOnlyNestMethod(method: ts.MethodDeclaration, staff = true): boolean {
  const cls = method.parent;
  const holders = [method, ...(cls && ts.isClassDeclaration(cls) ? [cls] : [])];
  const decorators = holders.flatMap((h) => [...(ts.getDecorators(h) ?? [])]);
  const calls = decorators.map((d) => d.expression).filter(ts.isCallExpression);
  const named = (call: ts.CallExpression) => (ts.isIdentifier(call.expression) ? call.expression.text : '');
  const guards = calls.filter((c) => named(c) === 'UseGuards').flatMap((c) => c.arguments.map(guardName));
  if (guards.some((g) => g !== undefined && ADMIN_GUARD.test(g) && (staff || !/Staff/.test(g)))) return true;
  if (guards.length === 0) return false;
  // @Roles on the method wins over the controller's (Nest's reflector reads the handler's first).
  const roles = [method, cls].map((h) => (h ? (ts.getDecorators(h as ts.HasDecorators) ?? []).map((d) => d.expression).filter(ts.isCallExpression).find((c) => ROLES_DECORATOR.test(named(c))) : undefined)).find((c) => c !== undefined);
  return roles !== undefined && roles.arguments.length > 0 && roles.arguments.every(isAdminRole) && (staff || !/staff/i.test(roles.getText()));
}

/** `AdminGuard`, `new AdminGuard()`, `AdminGuard(...)` as a guard argument. */
function guardName(arg: ts.Expression): string | undefined {
  if (ts.isIdentifier(arg)) return arg.text;
  if ((ts.isNewExpression(arg) || ts.isCallExpression(arg)) && ts.isIdentifier(arg.expression)) return arg.expression.text;
  return undefined;
}

/** 'admin', Role.Admin, `Role.SUPER_ADMIN`, and arrays of them. */
function isAdminRole(arg: ts.Expression): boolean {
  if (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg)) return ADMIN_ROLE.test(arg.text);
  if (ts.isPropertyAccessExpression(arg)) return ADMIN_ROLE.test(arg.name.text);
  if (ts.isArrayLiteralExpression(arg)) return arg.elements.length > 0 && arg.elements.every((e) => isAdminRole(e as ts.Expression));
  return false;
}
