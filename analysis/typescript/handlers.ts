/**
 * Request-handling code in TS/JS files: which functions serve requests (Express/Fastify/Koa/Hono route
 * callbacks, Nest controllers/resolvers/services, Next.js route handlers, GraphQL resolver maps, tRPC
 * procedures, and the functions of the same file they call), and which values come from the request
 * (`req.params`, `req.query`, `req.body`, `req.file(s)`, Nest `@Param()`/`@Body()`/`@UploadedFile()`).
 */
import { ts } from 'ts-morph';
import {
  bindingRoot,
  declarationOf,
  decoratorNames,
  functionValue,
  indexOf,
  isFunctionNode,
  propertyName,
  stringValue,
  typeName,
  unwrap,
  unwrapAwait,
  type FunctionNode,
} from './ast';
import { resolveImport } from './imports';

const ROUTE_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'all', 'use', 'options', 'head', 'any', 'on']);
/** Nest's request classes; type-graphql's `@Resolver`, tsoa's `@Route('users')` and routing-controllers' `@JsonController` mark theirs the same way. */
const NEST_CLASS_DECORATORS = new Set(['Controller', 'Resolver', 'Injectable', 'WebSocketGateway', 'Route', 'JsonController']);
/** Methods of Nest classes that run on a schedule, a queue or at startup, not per request. */
const NEST_OFFLINE_DECORATORS = new Set(['Cron', 'Interval', 'Timeout', 'OnEvent', 'Process', 'OnQueueActive', 'OnQueueCompleted', 'EventPattern', 'MessagePattern']);
const NEST_LIFECYCLE = new Set(['constructor', 'onModuleInit', 'onApplicationBootstrap', 'onModuleDestroy', 'beforeApplicationShutdown', 'onApplicationShutdown']);
/** `Request`, `NextRequest`, `FastifyRequest`, `AuthenticatedRequest`, `RequestWithUser`, `IncomingMessage`. */
const REQUEST_TYPES = /^\w*Request$|^Request[A-Z]\w*$|^IncomingMessage$/;
const REQUEST_NAMES = /^(req|request)$/;
const NEXT_ROUTE_EXPORTS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'loader', 'action']);
/**
 * Folders and names of code that serves requests even when no route is registered in the file (repositories and DAOs
 * too, `dao/Users.dao.js`: the data access the services of a layered app call per request; and GraphQL data sources,
 * `datasources/users.ts`, `CheckInDataSource.ts`, `user.datasource.ts`, which resolvers call per query).
 */
const REQUEST_PATH = /(^|\/)(routes?|controllers?|services?|handlers?|resolvers?|api|graphql|trpc|endpoints?|middlewares?|repositor(y|ies)|daos?|data-?sources)\/|\.(controller|service|resolver|routes?|router|handler|gateway|repository|dao|datasource)\.[cm]?[jt]sx?$|[a-z]DataSource\.[cm]?[jt]sx?$|(^|\/)app\/(.+\/)?(page|layout|route)\.[cm]?[jt]sx?$|(^|\/)app\/(.+\/)?actions?\/|(^|\/)pages\/api\//i;
/** Folders and names of code that never serves requests: one-off scripts, migrations, seeds, tests. */
const OFFLINE_PATH =
  /(^|\/)(scripts?|migrations?|seeds?|seeders?|__tests__|tests?|spec|e2e|cypress|playwright|bin|cli|commands|jobs|cron)\/|(^|\/)[^/]*\.(test|spec|e2e-spec|seed|migration)\.[cm]?[jt]sx?$|(^|\/)(seed|migrate)\.[cm]?[jt]sx?$|(^|\/)\d{10,}[-_][^/]*$/i;

/**
 * A Next.js route handler or API route under a `cron/` or `jobs/` folder (`app/api/cron/digest/route.ts`): an HTTP
 * endpoint a scheduler calls (Vercel Cron), served by the app like any other route.
 */
const SCHEDULED_ROUTE = /(^|\/)(app\/(.+\/)?(cron|jobs)\/(.+\/)?route|pages\/api\/(.+\/)?(cron|jobs)\/[^/]+)\.[cm]?[jt]sx?$/i;

/** Scripts, migrations, seeds and tests: code that does not run per request. */
export function isOfflineFile(relPath: string): boolean {
  return OFFLINE_PATH.test(relPath) && !(SCHEDULED_ROUTE.test(relPath) && !OFFLINE_PATH.test(relPath.replace(/(^|\/)(cron|jobs)\//gi, '$1')));
}

interface HandlerInfo {
  functions: Set<FunctionNode>;
  /** The file lives where request code lives (routes/, controllers/, *.service.ts ...): every function counts. */
  wholeFile: boolean;
}

const handlerCache = new WeakMap<ts.SourceFile, HandlerInfo>();

/** True when a node runs while serving a request (inside a handler or a function a handler calls). */
export function inRequestHandler(node: ts.Node, relPath: string): boolean {
  const info = handlerInfo(node.getSourceFile(), relPath);
  let sawFunction = false;
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (!isFunctionNode(n)) continue;
    if (info.functions.has(n)) return true;
    if (isOfflineMethod(n)) return false;
    sawFunction = true;
  }
  return info.wholeFile && sawFunction;
}

/** The functions of a file that serve requests. */
export function requestFunctions(sf: ts.SourceFile, relPath: string): ReadonlySet<FunctionNode> {
  return handlerInfo(sf, relPath).functions;
}

function handlerInfo(sf: ts.SourceFile, relPath: string): HandlerInfo {
  let info = handlerCache.get(sf);
  if (!info) {
    info = { functions: findHandlers(sf), wholeFile: REQUEST_PATH.test(relPath) && !isOfflineFile(relPath) };
    handlerCache.set(sf, info);
  }
  return info;
}

function findHandlers(sf: ts.SourceFile): Set<FunctionNode> {
  const found = new Set<FunctionNode>();
  const index = indexOf(sf);

  // Route registrations: app.get('/x', fn), router.post('/x', auth, fn), fastify.route({ handler }), tRPC .query(fn).
  for (const call of index.calls) {
    const callee = unwrap(call.expression);
    if (!ts.isPropertyAccessExpression(callee)) continue;
    const method = callee.name.text;
    if (method === 'on' && isConnectionEvent(call)) {
      // Socket.IO / ws: `io.on('connection', (socket) => { socket.on('load', ...) })` runs per client, its events per message
      const fn = functionValue(call.arguments[1]);
      if (fn) found.add(fn);
    } else if (ROUTE_METHODS.has(method.toLowerCase())) {
      const first = call.arguments[0];
      const routed = first !== undefined && (isPathLiteral(first) || method === 'use');
      for (const arg of call.arguments) {
        const fn = functionValue(arg);
        if (fn && (routed || looksLikeHandler(fn))) found.add(fn);
      }
    } else if (method === 'route' && call.arguments.length === 1 && ts.isObjectLiteralExpression(unwrap(call.arguments[0]))) {
      for (const p of (unwrap(call.arguments[0]) as ts.ObjectLiteralExpression).properties) {
        if (ts.isPropertyAssignment(p) && /^(handler|preHandler|onRequest|preValidation)$/.test(p.name.getText())) {
          const fn = functionValue(p.initializer);
          if (fn) found.add(fn);
        } else if (ts.isMethodDeclaration(p) && p.name.getText() === 'handler') found.add(p);
      }
    } else if ((method === 'query' || method === 'mutation' || method === 'subscription') && /procedure/i.test(callee.expression.getText())) {
      const fn = functionValue(call.arguments[0]);
      if (fn) found.add(fn);
    } else if (method === 'handler' && isOrpcProcedure(callee.expression)) {
      // oRPC: `os.input(schema).handler(async ({ input, context }) => ...)`, a procedure a client or an OpenAPI route calls
      const fn = functionValue(call.arguments[0]);
      const first = fn?.parameters[0];
      if (fn && (!first || (ts.isObjectBindingPattern(first.name) && first.name.elements.some((el) => /^(input|context|errors)$/.test(propertyName(el.propertyName) ?? el.name.getText()))))) found.add(fn);
    }
  }

  collectDeclaredHandlers(index.classes, index.functions, found);

  // Functions of this file that handlers call, transitively: none when the file has no handler (a driver, a
  // service), whose calls are then not resolved at all.
  if (found.size === 0) return found;
  const localCalls: { call: ts.CallExpression; target: FunctionNode }[] = [];
  const methodsOf = new Map<ts.ClassLikeDeclaration, Map<string, ts.MethodDeclaration>>();
  for (const call of index.calls) {
    const target = calledFunction(call, methodsOf);
    if (target) localCalls.push({ call, target });
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const { call, target } of localCalls) {
      if (!found.has(target) && insideAny(call, found)) {
        found.add(target);
        changed = true;
      }
    }
  }
  return found;
}

/** An oRPC builder: rooted at `os`, or built with `.input()` / `.output()` / `.route()` / `.use()` (`authed.input(z).handler`). */
function isOrpcProcedure(builder: ts.Expression): boolean {
  let e = unwrap(builder);
  while (ts.isCallExpression(e) && ts.isPropertyAccessExpression(unwrap(e.expression))) {
    const access = unwrap(e.expression) as ts.PropertyAccessExpression;
    if (/^(input|output|route|errors|use|\$context|\$meta)$/.test(access.name.text)) return true;
    e = unwrap(access.expression);
  }
  return ts.isIdentifier(e) && (e.text === 'os' || /procedure$/i.test(e.text));
}

/** `x.on('connection', (socket) => ...)`: a socket server's per-client callback (the parameter names a socket, not a pool's connection). */
function isConnectionEvent(call: ts.CallExpression): boolean {
  const [event, handler] = call.arguments;
  if (!event || !handler || !ts.isStringLiteralLike(event) || !/^(connection|connect)$/.test(event.text)) return false;
  const fn = functionValue(handler);
  const param = fn?.parameters[0];
  return param !== undefined && ts.isIdentifier(param.name) && /^(socket|sock|ws|websocket|client)$/i.test(param.name.text);
}

/** Methods of Nest classes, Next.js route exports, GraphQL resolver maps and `(req, res)` functions. */
function collectDeclaredHandlers(classes: readonly ts.ClassLikeDeclaration[], functions: readonly FunctionNode[], found: Set<FunctionNode>): void {
  for (const cls of classes) {
    if (!decoratorNames(cls).some((d) => NEST_CLASS_DECORATORS.has(d))) continue;
    for (const m of cls.members) {
      if (ts.isMethodDeclaration(m) && !isOfflineMethod(m) && !NEST_LIFECYCLE.has(m.name.getText())) found.add(m);
    }
  }
  for (const fn of functions) {
    if (looksLikeHandler(fn) || isRouteExport(fn) || isResolverMapMember(fn)) found.add(fn);
  }
}

function isOfflineMethod(fn: FunctionNode): boolean {
  return ts.isMethodDeclaration(fn) && decoratorNames(fn).some((d) => NEST_OFFLINE_DECORATORS.has(d));
}

function isPathLiteral(arg: ts.Expression): boolean {
  const e = unwrap(arg);
  if (ts.isRegularExpressionLiteral(e) || ts.isTemplateExpression(e)) return true;
  if (ts.isArrayLiteralExpression(e)) return e.elements.length > 0 && e.elements.every((x) => isPathLiteral(x));
  const s = stringValue(e);
  return s !== undefined && (s.startsWith('/') || s === '*');
}

/** `(req, res)`, `(req, res, next)`, `(request: FastifyRequest, reply)`, `(request: Request)`, `(req: NextApiRequest, res)`. */
function looksLikeHandler(fn: FunctionNode): boolean {
  const first = fn.parameters[0];
  if (!first) return false;
  const t = typeName(first.type);
  if (t && REQUEST_TYPES.test(t)) return true;
  if (!ts.isIdentifier(first.name) || !REQUEST_NAMES.test(first.name.text)) return false;
  const second = fn.parameters[1];
  return (second !== undefined && ts.isIdentifier(second.name) && /^(res|response|reply|h)$/.test(second.name.text)) || t !== undefined;
}

/** `export async function GET(request)` in a Next.js route file, Remix `loader`/`action`. */
function isRouteExport(fn: FunctionNode): boolean {
  let name: string | undefined;
  let holder: ts.Node = fn;
  if (ts.isFunctionDeclaration(fn)) name = fn.name?.text;
  else if ((ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && ts.isVariableDeclaration(fn.parent) && ts.isIdentifier(fn.parent.name)) {
    name = fn.parent.name.text;
    holder = fn.parent.parent.parent;
  }
  if (!name || !NEXT_ROUTE_EXPORTS.has(name)) return false;
  return ts.canHaveModifiers(holder) && (ts.getModifiers(holder) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

/** `const resolvers = { Query: { users: async (_, args, ctx) => ... } }`. */
function isResolverMapMember(fn: FunctionNode): boolean {
  const prop = ts.isMethodDeclaration(fn) ? fn : fn.parent;
  if (!prop || !(ts.isPropertyAssignment(prop) || ts.isMethodDeclaration(prop)) || !ts.isObjectLiteralExpression(prop.parent)) return false;
  const holder = prop.parent.parent;
  return ts.isPropertyAssignment(holder) && /^(Query|Mutation|Subscription)$/.test(holder.name.getText());
}

/**
 * The function declared in this file that a call invokes by name (`helper()`, `this.helper()`). `methodsOf`: each
 * class's methods with a body by name (the first of a name), listed once per file version instead of per call.
 */
function calledFunction(call: ts.CallExpression, methodsOf: Map<ts.ClassLikeDeclaration, Map<string, ts.MethodDeclaration>>): FunctionNode | undefined {
  const callee = unwrap(call.expression);
  if (ts.isIdentifier(callee)) return callee.text === 'require' ? undefined : functionValue(callee);
  if (ts.isPropertyAccessExpression(callee) && callee.expression.kind === ts.SyntaxKind.ThisKeyword) {
    let cls: ts.Node | undefined = call.parent;
    while (cls && !ts.isClassLike(cls)) cls = cls.parent;
    if (!cls) return undefined;
    let methods = methodsOf.get(cls as ts.ClassLikeDeclaration);
    if (!methods) {
      methods = new Map();
      for (const m of (cls as ts.ClassLikeDeclaration).members) {
        if (ts.isMethodDeclaration(m) && m.body && !methods.has(m.name.getText())) methods.set(m.name.getText(), m);
      }
      methodsOf.set(cls as ts.ClassLikeDeclaration, methods);
    }
    return methods.get(callee.name.text);
  }
  return undefined;
}

function insideAny(node: ts.Node, fns: ReadonlySet<FunctionNode>): boolean {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) if (isFunctionNode(n) && fns.has(n)) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------------
// Values that come from the request.

const REQUEST_FIELDS = new Set(['params', 'query', 'body', 'file', 'files', 'cookies']);
const NEST_PARAM_DECORATORS = new Set(['Param', 'Query', 'Body', 'UploadedFile', 'UploadedFiles']);
/** Functions that keep a request value request-controlled: path building and string conversions. */
const PASS_THROUGH = /^(path(\.posix|\.win32)?\.(join|resolve|normalize|basename|format)|url\.fileURLToPath)$/;
const PASS_THROUGH_GLOBALS = new Set(['decodeURIComponent', 'decodeURI', 'String', 'join', 'resolve', 'normalize']);

/** True for the request object itself: a `req`/`request` parameter, a parameter typed `Request`, Nest `@Req()`, Hono `c.req`, Koa `ctx.request`. */
export function isRequestObject(expr: ts.Expression): boolean {
  const e = unwrap(expr);
  if (ts.isPropertyAccessExpression(e)) {
    // Fastify `request.raw` (the Node request stream)
    if (e.name.text === 'raw') return isRequestObject(e.expression);
    // Hono `c.req`, Koa `ctx.request`, Nuxt/h3 `event.node.req`
    return (e.name.text === 'req' || e.name.text === 'request') && ts.isIdentifier(unwrap(e.expression));
  }
  if (!ts.isIdentifier(e)) return false;
  const decl = declarationOf(e);
  if (!decl || !ts.isParameter(decl) || !ts.isIdentifier(decl.name)) return false;
  if (decoratorNames(decl).includes('Req')) return true;
  const t = typeName(decl.type);
  if (t && REQUEST_TYPES.test(t)) return true;
  return t === undefined && REQUEST_NAMES.test(decl.name.text);
}

/**
 * The request field a value derives from (`req.params` for `path.join(DIR, name)` where
 * `const { name } = req.params`; the parameter itself for Nest `@Param()`/`@UploadedFile()`), or undefined
 * when the value is not request-supplied.
 */
export function requestSource(expr: ts.Expression, depth = 0): ts.Expression | undefined {
  if (depth > 8) return undefined;
  const e = unwrapAwait(expr);
  if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) {
    if (isRequestObject(e.expression)) {
      const field = ts.isPropertyAccessExpression(e) ? e.name.text : stringValue(e.argumentExpression);
      return field && REQUEST_FIELDS.has(field) ? e : undefined;
    }
    if (isRequestObject(e)) return undefined;
    return requestSource(e.expression, depth + 1);
  }
  if (ts.isIdentifier(e)) return identifierSource(e, depth);
  if (ts.isTemplateExpression(e)) return firstSource(e.templateSpans.map((s) => s.expression), depth);
  if (ts.isBinaryExpression(e)) {
    const op = e.operatorToken.kind;
    if (op === ts.SyntaxKind.PlusToken || op === ts.SyntaxKind.BarBarToken || op === ts.SyntaxKind.QuestionQuestionToken) return firstSource([e.left, e.right], depth);
    return undefined;
  }
  if (ts.isConditionalExpression(e)) return firstSource([e.whenTrue, e.whenFalse], depth);
  if (ts.isCallExpression(e)) {
    const callee = unwrap(e.expression);
    // `req.body.name.trim()`, `req.query.file.toString()`
    if (ts.isPropertyAccessExpression(callee) && /^(toString|trim|replace|replaceAll|toLowerCase|slice|substring|normalize)$/.test(callee.name.text)) {
      return requestSource(callee.expression, depth + 1);
    }
    const qualified = resolveImport(callee);
    const passes = (qualified !== undefined && PASS_THROUGH.test(qualified)) || (ts.isIdentifier(callee) && PASS_THROUGH_GLOBALS.has(callee.text) && (qualified === undefined || PASS_THROUGH.test(qualified)));
    if (passes) return firstSource(e.arguments, depth);
  }
  return undefined;
}

function firstSource(exprs: readonly ts.Expression[], depth: number): ts.Expression | undefined {
  for (const x of exprs) {
    const found = requestSource(x, depth + 1);
    if (found) return found;
  }
  return undefined;
}

function identifierSource(id: ts.Identifier, depth: number): ts.Expression | undefined {
  const decl = declarationOf(id);
  if (!decl) return undefined;
  if (ts.isParameter(decl)) {
    if (decoratorNames(decl).some((d) => NEST_PARAM_DECORATORS.has(d))) return id;
    // `req.files.map((f) => ...)`: a callback parameter over request data
    const fn = decl.parent;
    const call = fn.parent;
    if (ts.isCallExpression(call) && call.arguments.includes(fn as ts.Expression)) {
      const callee = unwrap(call.expression);
      if (ts.isPropertyAccessExpression(callee) && fn.parameters[0] === decl) return requestSource(callee.expression, depth + 1);
    }
    return undefined;
  }
  if (ts.isVariableDeclaration(decl)) {
    const list = decl.parent;
    if (ts.isVariableDeclarationList(list) && ts.isForOfStatement(list.parent)) return requestSource(list.parent.expression, depth + 1);
    return decl.initializer ? requestSource(decl.initializer, depth + 1) : undefined;
  }
  if (ts.isBindingElement(decl)) {
    const root = bindingRoot(decl);
    if (!root) return undefined;
    if (ts.isParameter(root)) return decoratorNames(root).some((d) => NEST_PARAM_DECORATORS.has(d)) ? id : undefined;
    // `const { name } = req.params` / `const { body } = req`
    const init = root.initializer;
    if (!init) return undefined;
    if (isRequestObject(init)) {
      const path = bindingPathOf(decl);
      return path.length > 0 && REQUEST_FIELDS.has(path[0]) ? id : undefined;
    }
    return requestSource(init, depth + 1);
  }
  return undefined;
}

/** True when a request-derived value is an uploaded file (`req.file`, `req.files[...]`, Nest `@UploadedFile()`). */
export function isUploadSource(source: ts.Expression): boolean {
  if (ts.isIdentifier(source)) {
    const decl = declarationOf(source);
    if (decl && ts.isParameter(decl)) return decoratorNames(decl).some((d) => d === 'UploadedFile' || d === 'UploadedFiles');
    if (decl && ts.isBindingElement(decl)) return bindingPathOf(decl)[0] === 'file' || bindingPathOf(decl)[0] === 'files';
    return false;
  }
  const name = ts.isPropertyAccessExpression(source) ? source.name.text : ts.isElementAccessExpression(source) ? stringValue(source.argumentExpression) : undefined;
  return name === 'file' || name === 'files';
}

function bindingPathOf(el: ts.BindingElement): string[] {
  const path: string[] = [];
  let n: ts.Node = el;
  while (ts.isBindingElement(n)) {
    const name = n.propertyName ?? n.name;
    path.unshift(ts.isIdentifier(name) ? name.text : name.getText());
    n = n.parent.parent;
  }
  return path;
}

/**
 * The framework of a response object (`res` of Express `(req, res)`, Nest `@Res()`, Fastify `reply`), from
 * the root of a chain like `res.status(200).type('pdf')`, or undefined.
 */
export function responseKind(expr: ts.Expression): 'express' | 'fastify' | undefined {
  let e = unwrap(expr);
  while (ts.isCallExpression(e) || ts.isPropertyAccessExpression(e)) e = unwrap(e.expression);
  if (!ts.isIdentifier(e)) return undefined;
  const decl = declarationOf(e);
  if (!decl || !ts.isParameter(decl) || !ts.isIdentifier(decl.name)) return undefined;
  const t = typeName(decl.type);
  if (decoratorNames(decl).includes('Res')) return 'express';
  if (t === 'FastifyReply' || (t === undefined && decl.name.text === 'reply')) return 'fastify';
  const fn = decl.parent;
  if (!isFunctionNode(fn) || fn.parameters[1] !== decl) return undefined;
  if (t === 'Response' || (t === undefined && /^(res|response)$/.test(decl.name.text))) return 'express';
  return undefined;
}
