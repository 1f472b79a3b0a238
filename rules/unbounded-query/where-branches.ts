/**
 * A list read's where written as alternatives: TypeORM's `find({ where: [{ userOneId: id }, { userTwoId: id }] })`
 * (an array of wheres, OR-ed), or a where that holds only `OR: [...]` (Prisma) / `$or: [...]` (Mongo). Each
 * alternative can be judged as a where of its own: the read returns the union of what they match.
 */
import { ts } from 'ts-morph';
import { asObjectLiteral, objectPropertyValue, propertyName, unwrap } from '../../analysis/typescript/ast';
import type { OrmCall } from '../../analysis/typescript/orm';

/** The alternatives, each an object literal, or undefined when the where is not written as alternatives. */
export function whereBranches(q: OrmCall, where: ts.ObjectLiteralExpression | undefined): ts.ObjectLiteralExpression[] | undefined {
  const list = where ? onlyAlternatives(where) : typeormWhereList(q);
  if (!list || list.elements.length === 0) return undefined;
  const branches = list.elements.map((e) => asObjectLiteral(e));
  return branches.every((b): b is ts.ObjectLiteralExpression => b !== undefined && b.properties.length > 0 && !b.properties.some(ts.isSpreadAssignment)) ? branches : undefined;
}

/** `{ OR: [...] }` / `{ $or: [...] }` with nothing beside it. */
function onlyAlternatives(where: ts.ObjectLiteralExpression): ts.ArrayLiteralExpression | undefined {
  if (where.properties.length !== 1) return undefined;
  const p = where.properties[0];
  if (!ts.isPropertyAssignment(p) || !/^(OR|\$or)$/.test(propertyName(p.name) ?? '')) return undefined;
  const value = unwrap(p.initializer);
  return ts.isArrayLiteralExpression(value) ? value : undefined;
}

/** TypeORM `find({ where: [...] })`. */
function typeormWhereList(q: OrmCall): ts.ArrayLiteralExpression | undefined {
  if (q.orm !== 'typeorm' || q.builder) return undefined;
  const options = asObjectLiteral(q.call.arguments[q.optionsIndex]);
  const where = options && objectPropertyValue(options, 'where');
  const value = where && unwrap(where);
  return value && ts.isArrayLiteralExpression(value) ? value : undefined;
}
