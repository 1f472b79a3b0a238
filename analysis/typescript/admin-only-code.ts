/**
 * Code only a site's administrators or staff reach, judged from the module it stands in (the TypeScript side of
 * analysis/python/admin-only-code.ts). The corpus sets label uploads only operators can send (a brand image in an
 * admin form) as bounded. Proofs, each in the code:
 * - a Nest method guarded for administrators (nest-admin-only.ts: `@UseGuards(AdminGuard)`, `@Roles('admin')`);
 * - an Express/Fastify-style registration whose middleware before the handler admits only privileged roles:
 *   `router.post('/', protect, restrictTo('admin', 'manager'), upload.single('image'), handler)`, `isAdmin`,
 *   `adminOnly`, `verifyAdmin()`, `authorize(Role.ADMIN)`, `checkRole(['admin'])`, also through `router.route('/x')
 *   .post(...)`, or a `router.use(isAdmin)` registered earlier on the same router;
 * - the handler refusing everyone else first (upload-size-guards.ts's guardedBefore): `if (req.user.role !== 'admin')
 *   return res.status(403)...`, `if (!session?.user?.isAdmin) return NextResponse.json(..., { status: 403 })`,
 *   `if (!['admin', 'staff'].includes(user.role)) throw new ForbiddenException()`.
 * A gate that also admits ordinary roles (`authorize('admin', 'user')`), one registered after the route, a role
 * check after the code or in another branch proves nothing.
 */
import { ts } from 'ts-morph';
import { enclosingFunction, stringValue, unwrap } from './ast';
import { adminOnlyNestMethod } from './nest-admin-only';
import { guardedBefore } from './upload-size-guards';

/** Roles of the people who run a site: not its customers, not an owner of one record. */
const PRIVILEGED = /^(admins?|administrators?|super_?admins?|super_?users?|staff|managers?|moderators?|root)$/i;
/** A middleware or flag named for administrators: `isAdmin`, `adminOnly`, `verifyAdmin`, `requireSuperAdmin`, `auth.admin`, `isStaff`. */
const ADMIN_NAME = /^(is|has|check|require|requires|verify|ensure|only|must_?be)?_?(super_?)?(admin|administrator|staff|superuser)(_?(only|required|guard|auth|middleware|access|user|role))*$/i;
/** Middleware factories taking the roles they admit: `restrictTo('admin')`, `authorize(Role.ADMIN)`, `checkRole(['admin'])`. */
const ROLE_FACTORY = /^(restrict_?to|allowed_?to|allow_?roles?|authori[sz]e(_?roles?)?|permit|check_?roles?|require_?roles?|has_?roles?|roles?|roles?_?required|verify_?roles?|validate_?roles?|only_?roles?|grant_?access|access_?control)$/i;
const ROUTE_VERBS = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'all']);
const ROLE_FIELD = /^(role|roles|userRole|user_role|userType|user_type|accountType|type)$/;

/** Whether `node` sits in a handler only administrators or staff reach. */
export function adminOnlyCode(node: ts.Node): boolean {
  const fn = enclosingFunction(node);
  if (!fn) return false;
  if (ts.isMethodDeclaration(fn) && adminOnlyNestMethod(fn)) return true;
  if (guardedBefore(node, refusesNonAdmins, admitsOnlyAdmins)) return true;
  return registeredBehindAdminGate(fn);
}

/** `router.post('/x', isAdmin, upload.single('f'), (req, res) => ...)`, `asyncHandler(fn)` as the handler too. */
function registeredBehindAdminGate(fn: ts.Node): boolean {
  let arg: ts.Node = fn;
  // `asyncHandler(async (req, res) => ...)`, `catchAsync(...)`: the wrapper's call is the argument.
  while (arg.parent && ts.isCallExpression(arg.parent) && !registration(arg.parent) && arg.parent.arguments.includes(arg as ts.Expression)) arg = arg.parent;
  while (arg.parent && ts.isParenthesizedExpression(arg.parent)) arg = arg.parent;
  const call = arg.parent;
  if (!call || !ts.isCallExpression(call)) return false;
  const reg = registration(call);
  if (!reg) return false;
  const at = call.arguments.indexOf(arg as ts.Expression);
  if (at < 0) return false;
  if (call.arguments.slice(0, at).some(isAdminGate)) return true;
  return reg.router !== undefined && routerGatedBefore(reg.router, call);
}

/** A route registration: `router.post(...)`, `app.put(...)`, `router.route('/x').post(...)`; with its router's name. */
function registration(call: ts.CallExpression): { router?: string } | undefined {
  const callee = unwrap(call.expression);
  if (!ts.isPropertyAccessExpression(callee) || !ROUTE_VERBS.has(callee.name.text) || call.arguments.length === 0) return undefined;
  let target = unwrap(callee.expression);
  // `router.route('/x').get(...).post(...)`: down to the router.
  while (ts.isCallExpression(target) && ts.isPropertyAccessExpression(unwrap(target.expression))) target = unwrap((unwrap(target.expression) as ts.PropertyAccessExpression).expression);
  return { router: ts.isIdentifier(target) ? target.text : undefined };
}

/** `router.use(isAdmin)` / `router.use(protect, restrictTo('admin'))` as a statement before the registration. */
function routerGatedBefore(router: string, registrationCall: ts.CallExpression): boolean {
  const sf = registrationCall.getSourceFile();
  for (const statement of sf.statements) {
    if (statement.getStart() >= registrationCall.getStart()) break;
    if (!ts.isExpressionStatement(statement)) continue;
    const e = unwrap(statement.expression);
    if (!ts.isCallExpression(e)) continue;
    const callee = unwrap(e.expression);
    if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== 'use' || !ts.isIdentifier(callee.expression) || callee.expression.text !== router) continue;
    if (stringValue(e.arguments[0]) !== undefined) continue; // `router.use('/admin', gate)`: another path
    if (e.arguments.some(isAdminGate)) return true;
  }
  return false;
}

/** A middleware admitting only privileged roles: `isAdmin`, `auth.admin`, `verifyAdmin()`, `restrictTo('admin', 'manager')`. */
function isAdminGate(arg: ts.Expression): boolean {
  const e = unwrap(arg);
  if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) return false;
  if (ts.isIdentifier(e) || ts.isPropertyAccessExpression(e)) return ADMIN_NAME.test(lastName(e) ?? '');
  if (!ts.isCallExpression(e)) return false;
  const name = lastName(unwrap(e.expression)) ?? '';
  if (ADMIN_NAME.test(name)) return e.arguments.length === 0 || onlyPrivileged(e.arguments);
  return ROLE_FACTORY.test(name) && onlyPrivileged(e.arguments);
}

/** `'admin'`, `Role.ADMIN`, `['admin', 'staff']`: at least one role, every one privileged. */
function onlyPrivileged(args: readonly ts.Expression[]): boolean {
  const roles: ts.Expression[] = [];
  for (const a of args) {
    const e = unwrap(a);
    if (ts.isArrayLiteralExpression(e)) roles.push(...e.elements.map((x) => unwrap(x as ts.Expression)));
    else roles.push(e);
  }
  return roles.length > 0 && roles.every((r) => PRIVILEGED.test(stringValue(r) ?? (ts.isPropertyAccessExpression(r) ? r.name.text : '')));
}

/**
 * A condition true for anyone but administrators: `req.user.role !== 'admin'`, `!user.isAdmin`, `!isAdmin(user)`,
 * `!['admin', 'staff'].includes(user.role)`, `!session || session.user.role !== Role.ADMIN`.
 */
function refusesNonAdmins(condition: ts.Expression): boolean {
  const e = unwrap(condition);
  if (ts.isBinaryExpression(e)) {
    const op = e.operatorToken.kind;
    if (op === ts.SyntaxKind.BarBarToken) return refusesNonAdmins(e.left) || refusesNonAdmins(e.right);
    if (op === ts.SyntaxKind.ExclamationEqualsEqualsToken || op === ts.SyntaxKind.ExclamationEqualsToken) return (roleOf(e.left) && onlyPrivileged([e.right])) || (roleOf(e.right) && onlyPrivileged([e.left]));
    return false;
  }
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.ExclamationToken) return admitsOnlyAdmins(e.operand);
  return false;
}

/** A condition true only for administrators: `user.isAdmin`, `isAdmin(user)`, `user.role === 'admin'`, `a && b` of one. */
function admitsOnlyAdmins(condition: ts.Expression): boolean {
  const e = unwrap(condition);
  if (ts.isBinaryExpression(e)) {
    const op = e.operatorToken.kind;
    if (op === ts.SyntaxKind.AmpersandAmpersandToken) return admitsOnlyAdmins(e.left) || admitsOnlyAdmins(e.right);
    if (op === ts.SyntaxKind.EqualsEqualsEqualsToken || op === ts.SyntaxKind.EqualsEqualsToken) return (roleOf(e.left) && onlyPrivileged([e.right])) || (roleOf(e.right) && onlyPrivileged([e.left]));
    return false;
  }
  if (ts.isPropertyAccessExpression(e) || ts.isIdentifier(e)) return /^(is|has)_?/i.test(lastName(e) ?? '') && ADMIN_NAME.test(lastName(e) ?? '');
  if (ts.isCallExpression(e)) {
    const callee = unwrap(e.expression);
    const name = lastName(callee) ?? '';
    if (ADMIN_NAME.test(name) && /^(is|has|check)_?/i.test(name)) return true;
    // `['admin', 'staff'].includes(user.role)`, `user.roles.includes('admin')`, `hasRole(user, 'admin')`.
    if (name === 'includes' && ts.isPropertyAccessExpression(callee)) {
      const list = unwrap(callee.expression);
      if (ts.isArrayLiteralExpression(list)) return e.arguments.length === 1 && roleOf(e.arguments[0]) && onlyPrivileged([list]);
      return roleOf(list) && onlyPrivileged(e.arguments);
    }
    if (/^(hasRole|hasAnyRole|isRole|inRole)$/.test(name)) return onlyPrivileged(e.arguments.filter((a) => stringValue(a) !== undefined || ts.isArrayLiteralExpression(unwrap(a)) || ts.isPropertyAccessExpression(unwrap(a)) && /^[A-Z]/.test(unwrap(a).getText())));
  }
  return false;
}

/** `req.user.role`, `session?.user?.role`, `user.roles`, `payload['role']`. */
function roleOf(expr: ts.Expression): boolean {
  const e = unwrap(expr);
  if (ts.isPropertyAccessExpression(e)) return ROLE_FIELD.test(e.name.text) && !/^[A-Z]/.test(e.expression.getText());
  if (ts.isElementAccessExpression(e)) return ROLE_FIELD.test(stringValue(e.argumentExpression) ?? '');
  return false;
}

function lastName(e: ts.Expression): string | undefined {
  const x = unwrap(e);
  if (ts.isIdentifier(x)) return x.text;
  if (ts.isPropertyAccessExpression(x)) return x.name.text;
  if (ts.isCallExpression(x)) return lastName(x.expression);
  return undefined;
}

