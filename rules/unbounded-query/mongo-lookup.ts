/**
 * unbounded-query (MongoDB, Mongoose or the native driver): an aggregate whose `$lookup` joins, to each document, every
 * document of another collection that points at it (`localField: '_id', foreignField: 'productId'`) with no `$limit`
 * in the lookup's own pipeline: each result brings all of that collection's matching rows, which grow with use
 * (reviews, comments, orders). A to-one join (`foreignField: '_id'`), a later stage that drops or slices the joined
 * array, and a cursor that is iterated are not reported.
 */
import { ts } from 'ts-morph';
import { asObjectLiteral, objectPropertyValue, propertyName, stringValue, unwrap } from '../../analysis/typescript/ast';
import { pipelineStages } from './mongodb-native';

export interface UnboundedLookup {
  /** The `aggregate(...)` call. */
  call: ts.CallExpression;
  /** The `$lookup` property of its stage. */
  stage: ts.PropertyAssignment;
  /** The joined collection: `reviews`. */
  from: string;
}

/** A text that can hold a `$lookup`: the file is not parsed for it otherwise. */
export function mayLookUp(text: string): boolean {
  return /\$lookup\b/.test(text) && /\.aggregate\s*[(<]/.test(text);
}

/** Stages inside a lookup's pipeline that bound or reduce what it joins. */
const BOUNDED_JOIN = /^['"]?\$(limit|group|count|sample|bucket|bucketAuto|sortByCount)['"]?$/;
/** Array operators that keep a few of the joined documents: `$slice`, `$first`, `$arrayElemAt`. */
const SHRINKS_ARRAY = /\$(slice|first|last|arrayElemAt)\b/;

export function unboundedLookups(calls: readonly ts.CallExpression[], grows: (name: string) => boolean): UnboundedLookup[] {
  const out: UnboundedLookup[] = [];
  for (const call of calls) {
    const callee = unwrap(call.expression);
    if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== 'aggregate' || streamed(call)) continue;
    const stages = pipelineStages(call.arguments[0]);
    if (!stages) continue;
    stages.forEach((stage, i) => {
      const property = stage.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && propertyName(p.name) === '$lookup');
      const lookup = property && asObjectLiteral(property.initializer);
      if (!property || !lookup) return;
      const from = stringValue(objectPropertyValue(lookup, 'from'));
      const foreign = stringValue(objectPropertyValue(lookup, 'foreignField'));
      const as = stringValue(objectPropertyValue(lookup, 'as'));
      if (!from || !as || !grows(from)) return;
      // `foreignField: '_id'`: each document's one referenced row; a join with only a `pipeline` is judged by it.
      if (foreign === undefined ? objectPropertyValue(lookup, 'pipeline') === undefined : /^_?id$/.test(foreign)) return;
      const inner = pipelineStages(objectPropertyValue(lookup, 'pipeline'));
      if (objectPropertyValue(lookup, 'pipeline') && (!inner || inner.some((s) => s.properties.some((p) => BOUNDED_JOIN.test(p.name?.getText() ?? ''))))) return;
      if (stages.slice(i + 1).some((later) => dropsOrShrinks(later, as))) return;
      out.push({ call, stage: property, from });
    });
  }
  return out;
}

/** A later stage that removes the joined array, groups the rows, or keeps a few of its elements. */
function dropsOrShrinks(stage: ts.ObjectLiteralExpression, as: string): boolean {
  const text = stage.getText();
  if (/^\s*\{\s*['"]?\$(group|count|unset|project|limit)\b/.test(text) && text.includes(as)) return true;
  return SHRINKS_ARRAY.test(text) && new RegExp(`['"\`]\\$${as}\\b`).test(text);
}

/** `aggregate(p).cursor()`, `for await (... of Model.aggregate(p))`: one batch at a time. */
function streamed(call: ts.CallExpression): boolean {
  const parent = call.parent;
  if (ts.isPropertyAccessExpression(parent) && /^(cursor|stream)$/.test(parent.name.text)) return true;
  return ts.isForOfStatement(parent) && parent.awaitModifier !== undefined;
}
