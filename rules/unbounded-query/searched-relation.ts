/**
 * A relation loaded whole only to be searched in memory: `const car = await repo.findOne({ relations: ['availabilities'] })`
 * then `car.availabilities.find((a) => a.date === day)` (or `.filter`, `.some`, `.findIndex`). The code wants one or a
 * few related rows and loads every one the parent has; when those rows are dated (one per day, per event) they grow
 * with time, so each call loads the parent's whole history to pick one.
 */
import { ts } from 'ts-morph';
import { declarationOf, enclosingFunction, identifiersNamed } from '../../analysis/typescript/ast';

const SEARCH = /^(find|filter|some|every|findIndex|findLast)$/;

/** The result of `read` (a bounded read of one parent) has its `relation` searched with an array method in the same function. */
export function searchedInMemory(read: ts.CallExpression, relation: string): boolean {
  let node: ts.Node = read;
  while (node.parent && (ts.isAwaitExpression(node.parent) || ts.isParenthesizedExpression(node.parent) || ts.isAsExpression(node.parent))) node = node.parent;
  const holder = node.parent;
  if (!holder || !ts.isVariableDeclaration(holder) || !ts.isIdentifier(holder.name)) return false;
  const fn = enclosingFunction(holder);
  if (!fn) return false;
  const name = holder.name;
  return identifiersNamed(fn, name.text).some((id) => {
    if (id === name || declarationOf(id) !== holder) return false;
    // `car.availabilities.find(...)`, also `car?.availabilities?.find(...)` and `car!.availabilities.find(...)`
    let access: ts.Node = id;
    while (ts.isNonNullExpression(access.parent)) access = access.parent;
    const rel = access.parent;
    if (!rel || !ts.isPropertyAccessExpression(rel) || rel.name.text !== relation) return false;
    let target: ts.Node = rel;
    while (ts.isNonNullExpression(target.parent)) target = target.parent;
    const method = target.parent;
    return method !== undefined && ts.isPropertyAccessExpression(method) && SEARCH.test(method.name.text) && ts.isCallExpression(method.parent) && method.parent.expression === method;
  });
}
