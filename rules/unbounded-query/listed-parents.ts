/**
 * A batch read of listed keys is bounded by the list, unless the list is every row of an unbounded read:
 *
 *   const orders = await prisma.order.findMany({ where });           // every order, no take
 *   const ids = orders.map((o) => o.id);
 *   const items = await prisma.orderItem.findMany({ where: { orderId: { in: ids } } });
 *
 * The second read loads every child of every parent row, as unbounded as the first (more rows). Recognised for the
 * list forms the ORMs take (`{ in: ids }`, `$in`, `[Op.in]`, TypeORM `In(ids)`, a Mongoose/Sequelize array value),
 * with ids from `parents.map((p) => p.id)` (the parents' own keys; also in `new Set(...)`, `[...new Set(...)]`, `Array.from(...)`, `.filter(...)`)
 * and parents assigned from an ORM list read of the same function that the rule itself judges unbounded.
 */
import { ts } from 'ts-morph';
import type { RuleContext } from '../api';
import { declarationOf, enclosingFunction, identifiersNamed, propertyName, unwrap, unwrapAwait } from '../../analysis/typescript/ast';
import { ormCallOf, type OrmCall } from '../../analysis/typescript/orm';

/**
 * The listed keys of the where (`{ orderId: { in: ids } }` and its forms): the expressions holding them. Only a where
 * that is the list alone (besides constants): `{ shopId, coffeeId: { in: ids } }` is one shop's rows of those keys, and
 * `{ id: { in: ids } }` the listed rows themselves (the users who placed the orders), not their children.
 */
function listedValues(where: ts.ObjectLiteralExpression): ts.Expression[] {
  const out: ts.Expression[] = [];
  for (const p of where.properties) {
    if (!ts.isPropertyAssignment(p)) return [];
    if (/^_?id$/.test(propertyName(p.name) ?? '')) return [];
    const value = unwrap(p.initializer);
    if (ts.isStringLiteralLike(value) || ts.isNumericLiteral(value) || value.kind === ts.SyntaxKind.TrueKeyword || value.kind === ts.SyntaxKind.FalseKeyword || value.kind === ts.SyntaxKind.NullKeyword) continue;
    let list: ts.Expression | undefined;
    if (ts.isCallExpression(value) && value.expression.getText() === 'In') list = value.arguments[0];
    else if (ts.isIdentifier(value) || ts.isPropertyAccessExpression(value)) list = value; // Mongoose, Sequelize: an array value is $in / IN
    else if (ts.isObjectLiteralExpression(value) && value.properties.length === 1) {
      const inner = value.properties[0];
      if (ts.isPropertyAssignment(inner) && /^(in|\$in|'\$in'|"\$in"|\[Op\.in\])$/.test(inner.name.getText())) list = inner.initializer;
    }
    // any other value the code holds (`shopId`, `{ gte: since }`) scopes the read
    if (!list || !mappedFrom(list)) return [];
    out.push(list);
  }
  return out;
}

/** `parents.map(...)` inside `new Set(...)`, `[...x]`, `Array.from(x)`, `.filter(Boolean)`: the parents' identifier. */
function mappedFrom(expr: ts.Expression, depth = 0): ts.Identifier | undefined {
  if (depth > 4) return undefined;
  const e = unwrap(expr);
  if (ts.isIdentifier(e)) {
    const decl = declarationOf(e);
    return decl && ts.isVariableDeclaration(decl) && decl.initializer ? mappedFrom(decl.initializer, depth + 1) : undefined;
  }
  if (ts.isArrayLiteralExpression(e) && e.elements.length === 1 && ts.isSpreadElement(e.elements[0])) return mappedFrom(e.elements[0].expression, depth + 1);
  if (ts.isNewExpression(e) && e.expression.getText() === 'Set' && e.arguments?.[0]) return mappedFrom(e.arguments[0], depth + 1);
  if (ts.isCallExpression(e)) {
    if (e.expression.getText() === 'Array.from' && e.arguments[0]) return mappedFrom(e.arguments[0], depth + 1);
    const callee = unwrap(e.expression);
    if (!ts.isPropertyAccessExpression(callee)) return undefined;
    const receiver = unwrap(callee.expression);
    // `orders.map((o) => o.id)`, `orders.map(({ _id }) => _id)`: the rows' own keys, whose children the read loads
    if (callee.name.text === 'map') return ts.isIdentifier(receiver) && mapsToOwnKey(e.arguments[0]) ? receiver : undefined;
    if (callee.name.text === 'filter') return mappedFrom(receiver, depth + 1);
  }
  return undefined;
}

/** `(o) => o.id`, `(o) => o._id.toString()`, `({ id }) => id`. */
function mapsToOwnKey(fn: ts.Expression | undefined): boolean {
  const f = fn && unwrap(fn);
  if (!f || !(ts.isArrowFunction(f) || ts.isFunctionExpression(f)) || f.parameters.length === 0) return false;
  const body = ts.isBlock(f.body) ? undefined : unwrap(f.body);
  if (!body) return false;
  const text = body.getText().replace(/\.toString\(\)$|\.toHexString\(\)$/, '');
  const param = f.parameters[0].name;
  if (ts.isIdentifier(param)) return new RegExp(`^${param.text}\\??\\.(_?id)$`).test(text);
  return ts.isObjectBindingPattern(param) && /^_?id$/.test(text) && param.elements.some((e) => e.name.getText() === text);
}

/** Every ORM read whose result the parents variable holds: its initializer and its assignments in the function. */
function readsAssignedTo(ctx: RuleContext, parents: ts.Identifier): OrmCall[] {
  const decl = declarationOf(parents);
  if (!decl || !ts.isVariableDeclaration(decl)) return [];
  const values: ts.Expression[] = decl.initializer ? [decl.initializer] : [];
  const fn = enclosingFunction(decl);
  if (fn) {
    for (const id of identifiersNamed(fn, parents.text)) {
      const parent = id.parent;
      if (ts.isBinaryExpression(parent) && parent.left === id && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken && declarationOf(id) === decl) values.push(parent.right);
    }
  }
  const out: OrmCall[] = [];
  for (const v of values) {
    const call = unwrapAwait(v);
    if (!ts.isCallExpression(call)) continue;
    const q = ormCallOf(ctx, call);
    if (q?.list) out.push(q);
  }
  return out;
}

/** The where's listed keys are the rows of a read `unbounded` judges unbounded (see the header). */
export function keysOfUnboundedList(ctx: RuleContext, where: ts.ObjectLiteralExpression, unbounded: (parent: OrmCall) => boolean): boolean {
  for (const value of listedValues(where)) {
    const parents = mappedFrom(value);
    if (!parents) continue;
    if (readsAssignedTo(ctx, parents).some(unbounded)) return true;
  }
  return false;
}
