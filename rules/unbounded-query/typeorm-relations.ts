/**
 * A bounded TypeORM read (`findOne`, `findOneOrFail`, `find` with `take`) whose `relations` load a to-many relation
 * of rows that pile up: `findOne({ where: { id }, relations: { messages: true } })` or `relations: ['messages']` on
 * an entity declaring `@OneToMany(() => Message, ...) messages`, where Message is stamped (model-growth.ts) and named
 * for rows that pile up (messages, comments, orders, logs), or searched in memory after the load (`car.availabilities.find(...)`:
 * every dated row of the parent loaded to pick one). TypeORM has no take for a relation: every row of it comes.
 */
import { ts } from 'ts-morph';
import type { RuleContext } from '../api';
import { asObjectLiteral, objectProperty, objectPropertyValue, propertyName, stringValue, unwrap } from '../../analysis/typescript/ast';
import { modelShape } from '../../analysis/typescript/model-growth';
import type { OrmCall } from '../../analysis/typescript/orm';
import { searchedInMemory } from './searched-relation';

const BOUNDED = /^(findOne|findOneOrFail)$/;
const LIST = /^(find|findAndCount)$/;

export function unboundedTypeormRelation(ctx: RuleContext, q: OrmCall, grows: (name: string) => boolean): { path: string; model: string } | undefined {
  if (q.builder || !(BOUNDED.test(q.method) || LIST.test(q.method))) return undefined;
  const options = asObjectLiteral(q.call.arguments[q.optionsIndex]);
  const relations = options && objectPropertyValue(options, 'relations');
  if (!options || !relations || (LIST.test(q.method) && !objectProperty(options, 'take'))) return undefined;
  const shape = modelShape(ctx, 'typeorm', q.model ?? q.target.split('.').pop() ?? '');
  if (!shape || shape.toMany.size === 0) return undefined;
  for (const name of relationNames(unwrap(relations))) {
    const target = shape.toMany.get(name);
    const related = target ? modelShape(ctx, 'typeorm', target) : undefined;
    // rows that pile up, or dated rows loaded whole to pick one in memory (`car.availabilities.find(...)`)
    if (target && related?.stamped && (grows(target) || searchedInMemory(q.call, name))) return { path: name, model: target };
  }
  return undefined;
}

/** `{ messages: true, sender: { profile: true } }` or `['messages', 'messages.sender']`: the first-level relations. */
function relationNames(relations: ts.Expression): string[] {
  if (ts.isArrayLiteralExpression(relations)) return relations.elements.map((e) => stringValue(e)?.split('.')[0] ?? '').filter(Boolean);
  const o = asObjectLiteral(relations);
  if (!o) return [];
  return o.properties.flatMap((p) => {
    if (!ts.isPropertyAssignment(p)) return [];
    const v = unwrap(p.initializer);
    return v.kind === ts.SyntaxKind.TrueKeyword || ts.isObjectLiteralExpression(v) ? [propertyName(p.name) ?? ''] : [];
  });
}
