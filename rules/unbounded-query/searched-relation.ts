/**
 * A relation loaded whole only to be searched in memory: `const car = await repo.findOne({ relations: ['availabilities'] })`
 * then `car.availabilities.find((a) => a.date === day)` (or `.filter`, `.some`, `.findIndex`) by a date. The code wants
 * one row of a day and loads every one the parent has; dated rows (one per day) grow with time, so each call loads the
 * parent's whole calendar to pick one.
 */
import { ts } from 'ts-morph';
import { declarationOf, enclosingFunction, identifiersNamed } from '../../analysis/typescript/ast';

const SEARCH = /^(find|filter|some|every|findIndex|findLast)$/;
const DATE_FIELD = /\.\s*(date|day|\w+(At|Date|Day|Time|On))\b/;

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
    if (method === undefined || !ts.isPropertyAccessExpression(method) || !SEARCH.test(method.name.text) || !ts.isCallExpression(method.parent) || method.parent.expression !== method) return false;
    // searched by a date (`a.date === day`): one row per day in a calendar that grows; a search by a person
    // (`r.student.id === studentId`) looks for a member among a group's rows, as many as the group has
    const predicate = method.parent.arguments[0];
    return predicate !== undefined && DATE_FIELD.test(predicate.getText());
  });
}
