/**
 * whole-file-read (TypeScript/JavaScript): the body of a caller-chosen URL held whole. `fetch(url)` (global, node-fetch,
 * undici, cross-fetch) followed by `.arrayBuffer()` / `.text()` / `.blob()` / node-fetch's `.buffer()` (also in a
 * `.then((r) => r.buffer())` chain), and axios with `responseType: 'arraybuffer'`, where the URL is the request's own
 * (`req.query.url`, `new URL(req.url).searchParams.get('url')`, `req.nextUrl.searchParams.get('src')`). Streaming the
 * body (`Readable.fromWeb(res.body)`, `pipeline(res.body, ...)`, `responseType: 'stream'`) is never reported.
 */
import { ts } from 'ts-morph';
import { asObjectLiteral, declarationOf, methodCall, objectPropertyValue, stringValue, unwrap, unwrapAwait, bindingRoot } from '../../analysis/typescript/ast';
import { isRequestObject, requestSource } from '../../analysis/typescript/handlers';
import { resolveImport } from '../../analysis/typescript/imports';

const FETCH_MODULES = new Set(['node-fetch', 'cross-fetch', 'isomorphic-fetch', 'undici.fetch', 'node-fetch.default']);
export const FETCH_BODY_METHODS = new Set(['arrayBuffer', 'text', 'blob', 'buffer']);
const AXIOS_METHODS = new Set(['get', 'post', 'request']);

/** The URL expression of the fetch whose whole body `call` (`res.arrayBuffer()`) reads, when the client chose it. */
export function chosenFetchBody(call: ts.CallExpression): ts.Expression | undefined {
  const m = methodCall(call);
  if (!m || call.arguments.length > 0 || !FETCH_BODY_METHODS.has(m.name)) return undefined;
  const fetchCall = responseOf(m.object, 0);
  const url = fetchCall?.arguments[0];
  if (!url || checksSize(call)) return undefined;
  return chosenUrl(url) ? url : undefined;
}

/** `axios.get(url, { responseType: 'arraybuffer' })`, `axios({ url, responseType: 'arraybuffer' })` of a chosen URL. */
export function chosenAxiosBuffer(call: ts.CallExpression): ts.Expression | undefined {
  const callee = unwrap(call.expression);
  const qualified = resolveImport(callee);
  let url: ts.Expression | undefined;
  let options: ts.ObjectLiteralExpression | undefined;
  if (qualified === 'axios' || qualified === 'axios.default') {
    options = asObjectLiteral(call.arguments[0]);
    url = options && objectPropertyValue(options, 'url');
  } else {
    const m = methodCall(call);
    if (!m || !AXIOS_METHODS.has(m.name) || !/^axios(\.default)?$/.test(resolveImport(m.object) ?? '')) return undefined;
    url = call.arguments[0];
    options = asObjectLiteral(call.arguments[m.name === 'post' ? 2 : 1]);
  }
  const responseType = options && stringValue(objectPropertyValue(options, 'responseType'));
  if (responseType !== 'arraybuffer' && responseType !== 'blob' && responseType !== 'text') return undefined;
  return url && chosenUrl(url) ? url : undefined;
}

/** The fetch call a response expression comes from: `await fetch(u)`, a name bound to it, a `.then((r) => ...)` parameter. */
function responseOf(expr: ts.Expression, depth: number): ts.CallExpression | undefined {
  if (depth > 4) return undefined;
  const e = unwrapAwait(expr);
  if (ts.isCallExpression(e)) return isFetch(e) ? e : undefined;
  if (!ts.isIdentifier(e)) return undefined;
  const decl = declarationOf(e);
  if (!decl) return undefined;
  if (ts.isVariableDeclaration(decl)) return decl.initializer ? responseOf(decl.initializer, depth + 1) : undefined;
  // fetch(u).then((x) => x.buffer())
  if (ts.isParameter(decl)) {
    const fn = decl.parent;
    const then = fn.parent;
    if ((ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && fn.parameters[0] === decl && ts.isCallExpression(then) && then.arguments[0] === fn) {
      const m = methodCall(then);
      if (m?.name === 'then') return responseOf(m.object, depth + 1);
    }
  }
  return undefined;
}

function isFetch(call: ts.CallExpression): boolean {
  const callee = unwrap(call.expression);
  const qualified = resolveImport(callee);
  if (qualified !== undefined) return FETCH_MODULES.has(qualified);
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text === 'fetch' && /^(globalThis|global|window|self)$/.test(callee.expression.getText());
  return ts.isIdentifier(callee) && callee.text === 'fetch' && declarationOf(callee) === undefined;
}

/** A URL the request supplies whole: a request field, or a search parameter of the request's own URL. */
export function chosenUrl(url: ts.Expression, depth = 0): boolean {
  if (depth > 4) return false;
  const e = unwrapAwait(url);
  // A template or concatenation fixes the host: the URL is the app's, only a part of it is the client's.
  if (ts.isTemplateExpression(e) || ts.isBinaryExpression(e)) return false;
  if (ts.isIdentifier(e)) {
    const decl = declarationOf(e);
    if (decl && ts.isVariableDeclaration(decl) && decl.initializer) return chosenUrl(decl.initializer, depth + 1);
  }
  if (ts.isCallExpression(e)) {
    const m = methodCall(e);
    if (m?.name === 'get' && searchParamsOfRequest(m.object)) return true;
    if (m && /^(toString|trim|decodeURIComponent)$/.test(m.name)) return chosenUrl(m.object, depth + 1);
    const callee = unwrap(e.expression);
    if (ts.isIdentifier(callee) && /^(decodeURIComponent|decodeURI|String)$/.test(callee.text) && e.arguments[0]) return chosenUrl(e.arguments[0], depth + 1);
  }
  return requestSource(e) !== undefined;
}

/** `new URL(req.url).searchParams`, `req.nextUrl.searchParams`, or `searchParams` destructured from one of those. */
function searchParamsOfRequest(expr: ts.Expression): boolean {
  const e = unwrap(expr);
  if (ts.isPropertyAccessExpression(e) && e.name.text === 'searchParams') return requestUrl(e.expression);
  if (!ts.isIdentifier(e)) return false;
  const decl = declarationOf(e);
  if (decl && ts.isVariableDeclaration(decl) && decl.initializer) return searchParamsOfRequest(decl.initializer);
  if (decl && ts.isBindingElement(decl)) {
    const key = decl.propertyName && ts.isIdentifier(decl.propertyName) ? decl.propertyName.text : ts.isIdentifier(decl.name) ? decl.name.text : undefined;
    const root = bindingRoot(decl);
    return key === 'searchParams' && !!root?.initializer && requestUrl(root.initializer);
  }
  return false;
}

/** `new URL(req.url)`, `new URL(request.url, base)`, `req.nextUrl`, or a name bound to one. */
function requestUrl(expr: ts.Expression): boolean {
  const e = unwrap(expr);
  if (ts.isPropertyAccessExpression(e)) return e.name.text === 'nextUrl' && isRequestObject(e.expression);
  if (ts.isNewExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'URL') {
    const first = e.arguments?.[0] && unwrap(e.arguments[0]);
    return !!first && ts.isPropertyAccessExpression(first) && /^(url|originalUrl)$/.test(first.name.text) && isRequestObject(first.expression);
  }
  if (ts.isIdentifier(e)) {
    const decl = declarationOf(e);
    return !!decl && ts.isVariableDeclaration(decl) && !!decl.initializer && requestUrl(decl.initializer);
  }
  return false;
}

/** The enclosing function reads the announced size first (`res.headers.get('content-length')`): a capped download. */
function checksSize(node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (ts.isFunctionLike(n)) return /content-length/i.test(n.getText());
  }
  return false;
}
