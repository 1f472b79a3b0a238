/**
 * Reads through the native MongoDB driver that materialise a whole result: `db.collection('items').find(q).toArray()`
 * or a `Collection` variable's `find()` ending in `.toArray()` with no `.limit()` (nor a `limit` option), and
 * `aggregate(pipeline).toArray()` whose pipeline has no `$limit` and does not reduce the rows (`$group`, `$count`,
 * `$facet`, `$sample`, `$bucket`, `$sortByCount`). A cursor that is iterated (`for await`, `.next()`, `.stream()`)
 * holds one batch at a time and is not a whole read; neither is `findOne`.
 */
import { ts } from 'ts-morph';
import { asObjectLiteral, declarationOf, objectProperty, stringValue, thisMember, typeName, unwrap, unwrapAwait } from '../../analysis/typescript/ast';
import { importsModule } from '../../analysis/typescript/imports';

export interface NativeRead {
  /** The `find(...)` or `aggregate(...)` call. */
  call: ts.CallExpression;
  /** The `.toArray()` that loads every document. */
  toArray: ts.CallExpression;
  method: 'find' | 'aggregate';
  /** The collection as the code names it: `items` for `collection('items')`, else the receiver's text. */
  collection: string;
  /** The collection's name when the code writes it as a string (`collection('items')`), for the `smallTables` setting. */
  table?: string;
  /** The receiver of the read, as written (`db.collection('items')`, `this.users`). */
  target: string;
  /** For aggregate: the first `$match` stage (the filter the rule's scope checks judge). */
  match?: ts.ObjectLiteralExpression;
}

/** Chain methods between the read and `.toArray()` that bound it. */
const BOUNDING = new Set(['limit', 'next', 'hasNext', 'stream', 'batchSize']);
/** Pipeline stages that bound or reduce the rows an aggregate returns. */
const REDUCING_STAGE = /^['"]?\$(limit|group|count|facet|sample|bucket|bucketAuto|sortByCount)['"]?$/;

/**
 * False when the text can hold no native read, so the file need not be parsed: every read ends in `.toArray()` and
 * names its collection through `.collection(...)` or a `Collection` of an imported `mongodb` (an Angular/RxJS
 * `.toArray()` alone loaded the TypeScript compiler into a scan worker for nothing).
 */
export function mayReadNative(text: string): boolean {
  return /\.toArray\s*\(/.test(text) && /\.collection\s*[(<]|\bmongodb\b/.test(text);
}

export function nativeMongoReads(sf: ts.SourceFile, calls: readonly ts.CallExpression[]): NativeRead[] {
  const out: NativeRead[] = [];
  let typedEvidence: boolean | undefined;
  for (const toArray of calls) {
    const callee = unwrap(toArray.expression);
    if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== 'toArray' || toArray.arguments.length !== 0) continue;
    // Walk the chain down from `.toArray()` to the read: `coll.find(q).sort(s).skip(n).toArray()`.
    let e = unwrap(callee.expression);
    let bounded = false;
    let read: ts.CallExpression | undefined;
    while (ts.isCallExpression(e) && ts.isPropertyAccessExpression(unwrap(e.expression))) {
      const access = unwrap(e.expression) as ts.PropertyAccessExpression;
      const name = access.name.text;
      if (name === 'find' || name === 'aggregate') {
        read = e;
        break;
      }
      if (BOUNDING.has(name)) bounded = true;
      e = unwrap(access.expression);
    }
    if (!read || bounded) continue;
    const access = unwrap(read.expression) as ts.PropertyAccessExpression;
    const receiver = unwrap(access.expression);
    const named = collectionName(receiver);
    if (named === undefined) {
      if (!typedCollection(receiver)) continue;
      typedEvidence ??= importsModule(sf, 'mongodb');
      if (!typedEvidence) continue;
    }
    const method = access.name.text as 'find' | 'aggregate';
    if (method === 'find' && hasLimitOption(read)) continue;
    let match: ts.ObjectLiteralExpression | undefined;
    if (method === 'aggregate') {
      const stages = pipelineStages(read.arguments[0]);
      if (!stages || stages.some((s) => s.properties.some((p) => p.name !== undefined && REDUCING_STAGE.test(p.name.getText())))) continue;
      for (const stage of stages) {
        const p = objectProperty(stage, '$match');
        if (p && ts.isPropertyAssignment(p)) {
          match = asObjectLiteral(p.initializer);
          break;
        }
      }
    }
    out.push({ call: read, toArray, method, collection: named ?? receiver.getText(), table: collectionName(receiver, true), target: receiver.getText(), match });
  }
  return out;
}

/**
 * `x.collection('items')`, or a name bound to one (`const items = db.collection('items')`): the collection's name
 * (`literal`: only a name written as a string, not a constant's or expression's text).
 */
function collectionName(receiver: ts.Expression, literal = false): string | undefined {
  const e = unwrapAwait(receiver);
  if (ts.isCallExpression(e)) {
    const callee = unwrap(e.expression);
    if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'collection' && e.arguments.length >= 1) return stringValue(e.arguments[0]) ?? (literal ? undefined : e.arguments[0].getText());
    return undefined;
  }
  if (ts.isIdentifier(e)) {
    const decl = declarationOf(e);
    if (decl && ts.isVariableDeclaration(decl) && decl.initializer && ts.isIdentifier(decl.name)) {
      const init = unwrapAwait(decl.initializer);
      return ts.isCallExpression(init) ? collectionName(init, literal) : undefined;
    }
    return undefined;
  }
  if (ts.isPropertyAccessExpression(e)) {
    const member = thisMember(e);
    if (member && ts.isPropertyDeclaration(member) && member.initializer) {
      const init = unwrapAwait(member.initializer);
      return ts.isCallExpression(init) ? collectionName(init, literal) : undefined;
    }
  }
  return undefined;
}

/** A parameter, variable or member typed `Collection` / `Collection<T>` (the driver's class). */
function typedCollection(receiver: ts.Expression): boolean {
  const e = unwrap(receiver);
  let type: ts.TypeNode | undefined;
  if (ts.isIdentifier(e)) {
    const decl = declarationOf(e);
    if (decl && (ts.isParameter(decl) || ts.isVariableDeclaration(decl))) type = decl.type;
  } else if (ts.isPropertyAccessExpression(e)) type = thisMember(e)?.type;
  return typeName(type) === 'Collection';
}

/** `find(q, { limit: 20 })`, `find(q).limit(n)` is the chain's: an options object with a limit. */
function hasLimitOption(read: ts.CallExpression): boolean {
  const options = asObjectLiteral(read.arguments[1]);
  return options !== undefined && objectProperty(options, 'limit') !== undefined;
}

/** A stage that bounds or reduces the rows (`$limit`, `$group`, `$count`, `$facet`, ...). */
export function reducesRows(stages: readonly ts.ObjectLiteralExpression[]): boolean {
  return stages.some((s) => s.properties.some((p) => p.name !== undefined && REDUCING_STAGE.test(p.name.getText())));
}

/** The stages of an aggregate's pipeline when they are written here (a literal, or a `const pipeline = [...]`). */
export function pipelineStages(arg: ts.Expression | undefined): ts.ObjectLiteralExpression[] | undefined {
  if (!arg) return undefined;
  let e = unwrap(arg);
  if (ts.isIdentifier(e)) {
    const decl = declarationOf(e);
    if (!decl || !ts.isVariableDeclaration(decl) || !decl.initializer) return undefined;
    // `pipeline.push({ $limit: n })` under a condition: the bound may be added later.
    if (new RegExp(`\\b${e.text}\\s*\\.\\s*(push|unshift|splice|concat)\\b`).test(e.getSourceFile().text)) return undefined;
    e = unwrap(decl.initializer);
  }
  if (!ts.isArrayLiteralExpression(e)) return undefined;
  const stages: ts.ObjectLiteralExpression[] = [];
  for (const el of e.elements) {
    const o = asObjectLiteral(el);
    if (!o) return undefined; // a spread or a computed stage: the bound may be in it
    stages.push(o);
  }
  return stages;
}
