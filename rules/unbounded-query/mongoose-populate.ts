/**
 * unbounded-query (Mongoose): a bounded read (`findById`, `findOne`, `find().limit(n)`) whose `.populate('comments')`
 * loads every document of a to-many reference that grows with use (the model's schema holds `comments: [{ type:
 * ObjectId, ref: 'Comment' }]`): each result brings all of its history. A populate with its own `limit` or
 * `perDocumentLimit` is bounded.
 */
import { ts } from 'ts-morph';
import type { RuleContext } from '../api';
import { asObjectLiteral, objectProperty, objectPropertyValue, stringValue, unwrap } from '../../analysis/typescript/ast';
import { chainMethods, type OrmCall } from '../../analysis/typescript/orm';
import { toManyRefs } from '../../analysis/typescript/mongoose-refs';

export interface UnboundedPopulate {
  /** The populated path: `comments`. */
  path: string;
  /** The model it references: `Comment`. */
  model: string;
}

const ONE_DOCUMENT = new Set(['findById', 'findOne']);
/** People's lists that grow with use, named by the field: followers, likes, members, subscribers. */
const GROWING_FIELD = /follow|like|member|subscri|friend/i;

/** The first to-many, growing reference populated whole by a bounded Mongoose read. */
export function unboundedPopulate(ctx: RuleContext, q: OrmCall, grows: (name: string) => boolean): UnboundedPopulate | undefined {
  if (q.orm !== 'mongoose' || q.builder) return undefined;
  const populates = populateCalls(q.call);
  if (populates.length === 0) return undefined;
  if (!ONE_DOCUMENT.has(q.method) && !(q.method === 'find' && chainMethods(ctx, q.call).has('limit'))) return undefined;
  const callee = unwrap(q.call.expression);
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const refs = toManyRefs(ctx, callee.expression);
  if (!refs || refs.size === 0) return undefined;
  for (const call of populates) {
    for (const path of unlimitedPaths(call.arguments.slice(0, 1))) {
      const model = refs.get(path);
      if (model && (grows(model) || grows(path) || GROWING_FIELD.test(path))) return { path, model };
    }
  }
  return undefined;
}

/** The `.populate(...)` calls chained on a read: `Post.findById(id).populate('comments').lean()`. */
function populateCalls(read: ts.CallExpression): ts.CallExpression[] {
  const out: ts.CallExpression[] = [];
  let e: ts.Node = read;
  for (;;) {
    const access = e.parent;
    if (!access || !ts.isPropertyAccessExpression(access) || access.expression !== e || !ts.isCallExpression(access.parent)) break;
    if (access.name.text === 'populate') out.push(access.parent);
    e = access.parent;
  }
  return out;
}

/** Paths populated without a limit: `'comments author'`, `{ path: 'comments' }`, `['comments', 'likes']`. */
function unlimitedPaths(args: readonly ts.Expression[]): string[] {
  const out: string[] = [];
  for (const raw of args) {
    const a = unwrap(raw);
    const s = stringValue(a);
    if (s !== undefined) {
      out.push(...s.split(/\s+/).filter(Boolean).map((p) => p.split('.')[0]));
      continue;
    }
    if (ts.isArrayLiteralExpression(a)) {
      out.push(...unlimitedPaths(a.elements));
      continue;
    }
    const options = asObjectLiteral(a);
    if (!options || objectProperty(options, 'perDocumentLimit')) continue;
    const nested = asObjectLiteral(objectPropertyValue(options, 'options'));
    if (nested && objectProperty(nested, 'limit')) continue;
    const path = stringValue(objectPropertyValue(options, 'path'));
    if (path) out.push(...path.split(/\s+/).filter(Boolean));
  }
  return out;
}
