/**
 * unbounded-query (Mongoose): the page size of a model's own pagination helper taken from its caller's options with no
 * maximum, the node-express-boilerplate shape: `schema.statics.paginate = async function (filter, options) { const limit
 * = options.limit && parseInt(options.limit, 10) > 0 ? parseInt(options.limit, 10) : 10; ... this.find(filter).limit(limit) }`
 * called with `pick(req.query, ['limit', 'page'])`. A helper named for paging exists to serve list requests, so its
 * reads run per request wherever the file lives.
 */
import { ts } from 'ts-morph';
import { declarationOf, unwrap } from '../../analysis/typescript/ast';

/** `options.limit`, `opts.pageSize`, `query.perPage`: a size read from the options the helper was given. */
const OPTIONS_SIZE = /\b(options|opts|query|params|pagination|paginationOptions)\s*\??\.\s*(limit|pageSize|perPage|per_page|page_size)\b/;
/** An upper cap: `Math.min(...)`, `limit > 100 ? 100 : limit`, `x <= 50`. A lower bound (`> 0`) is not one. */
const UPPER_CAP = /Math\.min|clamp|<=?\s*[1-9]\d*|>=?\s*[1-9]\d*/;

/** The `.limit(x)` value of a Mongoose chain when it is the caller's choice, uncapped; undefined otherwise. */
export function callerChosenLimit(read: ts.CallExpression): ts.Expression | undefined {
  let e: ts.Node = read;
  for (;;) {
    const access = e.parent;
    if (!access || !ts.isPropertyAccessExpression(access) || access.expression !== e || !ts.isCallExpression(access.parent)) return undefined;
    if (access.name.text === 'limit') return uncappedOptionsSize(access.parent.arguments[0]) ? access.parent.arguments[0] : undefined;
    e = access.parent;
  }
}

function uncappedOptionsSize(arg: ts.Expression | undefined): boolean {
  if (!arg) return false;
  let e = unwrap(arg);
  if (ts.isIdentifier(e)) {
    const decl = declarationOf(e);
    if (!decl || !ts.isVariableDeclaration(decl) || !decl.initializer || !(ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const)) return false;
    e = decl.initializer;
  }
  const text = e.getText();
  return OPTIONS_SIZE.test(text) && !UPPER_CAP.test(text);
}

/** Inside a function installed as a model's paging helper: `schema.statics.paginate = function`, `schema.static('paginate', fn)`. */
export function inPaginateStatic(node: ts.Node): boolean {
  for (let p: ts.Node | undefined = node.parent; p; p = p.parent) {
    if (!ts.isFunctionExpression(p) && !ts.isArrowFunction(p)) continue;
    const parent = p.parent;
    if (ts.isBinaryExpression(parent) && parent.right === p && ts.isPropertyAccessExpression(parent.left)) {
      const target = parent.left;
      if (/paginat/i.test(target.name.text) && ts.isPropertyAccessExpression(target.expression) && /^(statics|methods|query)$/.test(target.expression.name.text)) return true;
    }
    if (ts.isCallExpression(parent) && ts.isPropertyAccessExpression(parent.expression) && parent.expression.name.text === 'static') {
      const name = parent.arguments[0];
      if (name && ts.isStringLiteralLike(name) && /paginat/i.test(name.text)) return true;
    }
    return false;
  }
  return false;
}
