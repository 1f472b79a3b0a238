/**
 * Page sizes read straight from the request in Express/Fastify/Koa handlers: `Number(req.query.per_page) || 10`,
 * `parseInt(req.query.limit)`, `const { limit = 20 } = req.query`, `parseInt(req.params.count)`, that size a database
 * read (`.limit(n)`, `take: n`, `limit: n`, `LIMIT $2` with `n` in the values) with no cap (`Math.min(n, 100)`,
 * `if (n > 100)`), in the handler or returned by a helper of the same file whose caller reads with it
 * (`const { per_page } = getPaginationParams(req)`), or in a function of another module it is handed to
 * (`getTelemetryForDevice(id, limit)` whose SQL says `LIMIT $2`). Also the Fetch API's query of Next.js route handlers
 * and Remix/SvelteKit loaders (`parseInt(searchParams.get('limit') || '20')`), and a request value put straight into a
 * read (`.limit(req.body.limit)`, `take: Number(req.query.take)`).
 */
import { ts } from 'ts-morph';
import { bindingRoot, declarationOf, enclosingFunction, isFunctionNode, stringValue, unwrap, type FunctionNode } from '../../analysis/typescript/ast';
import { inRequestHandler, isOfflineFile, isRequestObject } from '../../analysis/typescript/handlers';
import type { RuleContext } from '../api';
import { constructedMethod } from '../../analysis/typescript/injected-methods';
import { ORM_READ_WORD } from '../../analysis/typescript/orm';
import { capped, sizesReadText } from './nest-page-args';
import { importedClass, importedFunction } from '../../analysis/typescript/imported-functions';
import { isRequestQueryParameter } from '../../analysis/typescript/request-query-params';

/** Query-string and path keys that size a page. */
const PAGE_SIZE_KEYS = /^(limit|per_page|perPage|perpage|page_size|pageSize|pagesize|size|take|count|first|itemsPerPage|items_per_page|pageLimit|page_limit)$/;
/** The read methods of Prisma, TypeORM, Sequelize and Mongoose whose options take a page size. */
const READ_METHOD = new RegExp(`^${ORM_READ_WORD.source}$`);
/** Conversions that keep the client's number: `Number(x)`, `parseInt(x, 10)`, `parseFloat(x)`, `String(x)`. */
const CONVERSIONS = new Set(['Number', 'parseInt', 'parseFloat', 'String']);

export interface RequestPageSize {
  /** The declaration that takes the value from the request. */
  node: ts.Node;
  /** `?per_page=` or `:count`. */
  param: string;
  /** The function that reads the rows with it. */
  readIn: string;
}

export function uncappedRequestPageSizes(ctx: RuleContext, sf: ts.SourceFile): RequestPageSize[] {
  const relPath = ctx.file.relPath;
  const out: RequestPageSize[] = [];
  const visit = (n: ts.Node): void => {
    const inline = inlineSize(n);
    if (inline && !validatedWithMax(sf.text, inline.param.replace(/^[?:]|=$|^body\./g, '')) && inRequestHandler(n, relPath)) {
      out.push({ node: inline.node, param: inline.param, readIn: 'the handler' });
    }
    const handed = handedSize(ctx, n);
    if (handed && !validatedWithMax(sf.text, handed.param.replace(/^[?:]|=$|^body\./g, '')) && inRequestHandler(n, relPath)) {
      out.push(handed);
    }
    const taken = ts.isVariableDeclaration(n) ? fromInitializer(ctx, n) : ts.isBindingElement(n) ? fromDestructuring(ctx, n) : undefined;
    if (taken && !validatedWithMax(sf.text, taken.param.replace(/^[?:]|=$/g, ''))) {
      const fn = enclosingFunction(n);
      if (fn?.body && (taken.viaMember || taken.viaCaller || inRequestHandler(n, relPath))) {
        const readIn = readWith(ctx, sf, fn, taken.local);
        if (readIn) out.push({ node: n, param: taken.param, readIn });
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/**
 * A request value that sizes a read where it is written: `.limit(req.body.limit)`, `.take(+req.query.take)`, or
 * `take:`/`limit:` in the options of an ORM read (`findMany({ take: Number(req.query.take) })`).
 */
function inlineSize(n: ts.Node): { node: ts.Node; param: string } | undefined {
  let value: ts.Expression | undefined;
  if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && /^(limit|take)$/.test(n.expression.name.text) && n.arguments.length === 1) value = n.arguments[0];
  else if (ts.isPropertyAssignment(n) && /^(limit|take)$/.test(n.name.getText()) && ts.isObjectLiteralExpression(n.parent)) {
    const call = n.parent.parent;
    if (ts.isCallExpression(call) && ts.isPropertyAccessExpression(call.expression) && READ_METHOD.test(call.expression.name.text)) value = n.initializer;
  }
  const param = value && requestKey(value);
  return value && param ? { node: value, param } : undefined;
}

/**
 * A request value handed straight to a function of the project that sizes a read with it uncapped:
 * `userPaginate(req.query.page, req.query.limit, q)` whose module runs `LIMIT $1` with `limit` among the values.
 */
function handedSize(ctx: RuleContext, n: ts.Node): RequestPageSize | undefined {
  if (!ts.isCallExpression(n)) return undefined;
  for (let index = 0; index < n.arguments.length; index++) {
    const param = requestKey(n.arguments[index]);
    const readIn = param && calleeReading(ctx, n, index);
    if (param && readIn) return { node: n.arguments[index], param, readIn };
  }
  return undefined;
}

/**
 * A schema of the file that bounds the key: `limit: Joi.number().max(100)`, `per_page: z.coerce.number().max(100)`,
 * `query('limit').isInt({ min: 1, max: 100 })` (validation middleware that answers 400 above it).
 */
function validatedWithMax(text: string, key: string): boolean {
  return new RegExp(`\\b${key}\\b['"]?\\s*[:),][^\\n;]*?(\\.(max|lte)\\s*\\(|\\bmax\\s*:)`).test(text);
}

interface Taken {
  local: string;
  param: string;
  /** Read from a class member that request code constructs the class with (`new ApiFeatures(q, req.query)`). */
  viaMember?: boolean;
  /** Read from a parameter every caller fills with the request's query (`getAll(req.query)`). */
  viaCaller?: boolean;
}

/** `const perPage = Number(req.query.per_page) || 10`, `let limit = req.query.limit`, `this.queryString.limit * 1 || 50`. */
function fromInitializer(ctx: RuleContext, decl: ts.VariableDeclaration): Taken | undefined {
  if (!ts.isIdentifier(decl.name) || !decl.initializer) return undefined;
  const param = requestKey(decl.initializer);
  if (param) return { local: decl.name.text, param };
  const passed = queryParameterKey(ctx, decl.initializer);
  if (passed) return { local: decl.name.text, param: passed, viaCaller: true };
  const paged = pageObjectField(ctx, decl.name.text, decl.initializer);
  if (paged) return paged;
  const member = memberQueryKey(ctx, decl.initializer);
  return member ? { local: decl.name.text, param: member, viaMember: true } : undefined;
}

/**
 * A page object built from the request (`new PageRequest(req.query.page, req.query.size, sort)`, JHipster's Nest
 * template) whose constructor keeps the size as given (`this.size = +size || this.size`, no `Math.min`): the size is
 * then read as `pageRequest.size`. `local` is the member access as a pattern (`pageRequest\.size`).
 */
function pageObjectField(ctx: RuleContext, local: string, init: ts.Expression): Taken | undefined {
  const e = unwrap(init);
  if (!ts.isNewExpression(e) || !ts.isIdentifier(e.expression) || !e.arguments) return undefined;
  const index = e.arguments.findIndex((a) => requestKey(a) !== undefined);
  if (index < 0) return undefined;
  const cls = importedClass(ctx, e.expression);
  const ctor = cls?.members.find(ts.isConstructorDeclaration);
  const param = ctor?.parameters[index];
  if (!ctor?.body || !param || !ts.isIdentifier(param.name) || capped(ctor.body, param.name.text)) return undefined;
  const kept = new RegExp(`\\bthis\\.(\\w+)\\s*=\\s*[^;\\n]*\\b${param.name.text}\\b`).exec(ctor.body.getText());
  return kept ? { local: `${local}\\.${kept[1]}`, param: requestKey(e.arguments[index])! } : undefined;
}

/**
 * `this.queryString.limit * 1`: a page-size key of a member the constructor stores from its parameter, in a class
 * that request code of the project constructs with the request's query there (`new ApiFeatures(Model.find(), req.query)`,
 * the query-features helper class shared by Express handlers).
 */
function memberQueryKey(ctx: RuleContext, init: ts.Expression): string | undefined {
  let e = unwrap(init);
  if (ts.isBinaryExpression(e) && [ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken].includes(e.operatorToken.kind)) e = unwrap(e.left);
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.AsteriskToken && e.right.getText() === '1') e = unwrap(e.left);
  else if (ts.isCallExpression(e) && ts.isIdentifier(e.expression) && CONVERSIONS.has(e.expression.text) && e.arguments[0]) e = unwrap(e.arguments[0]);
  else if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.PlusToken) e = unwrap(e.operand);
  if (!ts.isPropertyAccessExpression(e) || !PAGE_SIZE_KEYS.test(e.name.text)) return undefined;
  const holder = e.expression;
  if (!ts.isPropertyAccessExpression(holder) || holder.expression.kind !== ts.SyntaxKind.ThisKeyword) return undefined;
  let cls: ts.Node | undefined = holder.parent;
  while (cls && !ts.isClassDeclaration(cls)) cls = cls.parent;
  if (!cls || !(cls as ts.ClassDeclaration).name) return undefined;
  const ctor = (cls as ts.ClassDeclaration).members.find(ts.isConstructorDeclaration);
  // `constructor(query, queryString) { this.queryString = queryString }`: the member's constructor parameter
  const index = ctor?.parameters.findIndex((p) => ts.isIdentifier(p.name) && new RegExp(`\\bthis\\.${holder.name.text}\\s*=\\s*${p.name.text}\\s*;?\\s*$`, 'm').test(ctor.body?.getText() ?? ''));
  if (index === undefined || index < 0) return undefined;
  return constructedWithRequestQuery(ctx, (cls as ts.ClassDeclaration).name!.text, index) ? `?${e.name.text}=` : undefined;
}

/** A file of the project (outside scripts and tests) runs `new Name(..., req.query)` with the query at `index`. */
function constructedWithRequestQuery(ctx: RuleContext, name: string, index: number): boolean {
  const construct = new RegExp(`\\bnew\\s+${name}\\s*\\(`, 'g');
  for (const file of ctx.project.files()) {
    if (!/\.[cm]?[jt]s$/.test(file) || /(^|\/)node_modules\//.test(file) || isOfflineFile(file)) continue;
    const text = ctx.project.readFile(file);
    if (!text || !text.includes(name)) continue;
    for (const m of text.matchAll(construct)) {
      if (topLevelArguments(text, m.index! + m[0].length)[index]?.trim().match(/^(req|request|ctx\.request|ctx)\.query$/)) return true;
    }
  }
  return false;
}

/** The comma-separated arguments of the call whose `(` ends at `from`, split at depth zero. */
function topLevelArguments(text: string, from: string | number): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = Number(from);
  for (let i = start; i < text.length && i < start + 2000; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) {
        out.push(text.slice(start, i));
        return out;
      }
      depth--;
    } else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  return out;
}

/** `const { limit = 20 } = req.query`, or `= query` where every caller passes the function `req.query`. */
function fromDestructuring(ctx: RuleContext, el: ts.BindingElement): Taken | undefined {
  if (!ts.isIdentifier(el.name) || el.parent.parent !== bindingRoot(el)) return undefined;
  const root = bindingRoot(el);
  const init = root && ts.isVariableDeclaration(root) && root.initializer ? unwrap(root.initializer) : undefined;
  const key = el.propertyName ? stringValue(el.propertyName as ts.Expression) ?? el.propertyName.getText() : el.name.text;
  if (!init || !PAGE_SIZE_KEYS.test(key)) return undefined;
  if (ts.isIdentifier(init) && isRequestQueryParameter(ctx, init)) return { local: el.name.text, param: `?${key}=`, viaCaller: true };
  if (!ts.isPropertyAccessExpression(init) || !isRequestObject(init.expression)) return undefined;
  const field = init.name.text;
  const param = requestParam(field, key);
  return param ? { local: el.name.text, param } : undefined;
}

/**
 * `?per_page=` for `Number(req.query.per_page) || 10`, `parseInt(req.query['limit'], 10)`, `+req.query.limit ?? 20`;
 * undefined when anything else (`Math.min(...)`, a ternary) shapes the value.
 */
function requestKey(expr: ts.Expression): string | undefined {
  const e = keptValue(expr);
  const searched = searchParamKey(e);
  if (searched) return searched;
  if (!ts.isPropertyAccessExpression(e) && !ts.isElementAccessExpression(e)) return undefined;
  const key = ts.isPropertyAccessExpression(e) ? e.name.text : stringValue(e.argumentExpression);
  const source = unwrap(e.expression);
  if (!key || !PAGE_SIZE_KEYS.test(key) || !ts.isPropertyAccessExpression(source) || !isRequestObject(source.expression)) return undefined;
  return requestParam(source.name.text, key);
}

/** What a conversion or default keeps of the client's number: `Number(x) || 10`, `+x ?? 20`, `parseInt(x, 10)`, `x * 1`. */
function keptValue(expr: ts.Expression): ts.Expression {
  let e = unwrap(expr);
  for (let depth = 0; depth < 6; depth++) {
    if (ts.isBinaryExpression(e) && [ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken].includes(e.operatorToken.kind)) e = unwrap(e.left);
    else if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.AsteriskToken && e.right.getText() === '1') e = unwrap(e.left);
    else if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.PlusToken) e = unwrap(e.operand);
    else if (ts.isCallExpression(e) && ts.isIdentifier(e.expression) && CONVERSIONS.has(e.expression.text) && e.arguments[0]) e = unwrap(e.arguments[0]);
    else if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && e.expression.name.text === 'toString') e = unwrap(e.expression.expression);
    else break;
  }
  return e;
}

/** `?limit=` for `Number(query.limit) || 10` where `query` is a parameter every caller fills with `req.query`. */
function queryParameterKey(ctx: RuleContext, expr: ts.Expression): string | undefined {
  const e = keptValue(expr);
  if (!ts.isPropertyAccessExpression(e) && !ts.isElementAccessExpression(e)) return undefined;
  const key = ts.isPropertyAccessExpression(e) ? e.name.text : stringValue(e.argumentExpression);
  const holder = unwrap(e.expression);
  if (!key || !PAGE_SIZE_KEYS.test(key) || !ts.isIdentifier(holder)) return undefined;
  return isRequestQueryParameter(ctx, holder) ? `?${key}=` : undefined;
}

/**
 * The Fetch API's query string: `searchParams.get('limit')` where `searchParams` is a URL's (`new URL(request.url)`,
 * `request.nextUrl.searchParams`, `url.searchParams`) or a `new URLSearchParams(...)`.
 */
function searchParamKey(e: ts.Expression): string | undefined {
  if (!ts.isCallExpression(e) || !ts.isPropertyAccessExpression(e.expression) || e.expression.name.text !== 'get') return undefined;
  const key = stringValue(e.arguments[0]);
  if (!key || !PAGE_SIZE_KEYS.test(key)) return undefined;
  const receiver = unwrap(e.expression.expression);
  if (ts.isPropertyAccessExpression(receiver) && receiver.name.text === 'searchParams') return `?${key}=`;
  if (!ts.isIdentifier(receiver)) return undefined;
  const decl = declarationOf(receiver);
  const root = decl && ts.isBindingElement(decl) ? bindingRoot(decl) : decl;
  const init = root && ts.isVariableDeclaration(root) && root.initializer ? unwrap(root.initializer).getText() : '';
  if (decl && ts.isBindingElement(decl) && decl.name.getText() === 'searchParams' && /^new\s+URL\s*\(/.test(init)) return `?${key}=`;
  return /\.searchParams$|^new\s+URLSearchParams\s*\(/.test(init) ? `?${key}=` : undefined;
}

/** How the message names the value: `?limit=` (query), `:limit` (path), `body.limit` (a POST search's JSON body). */
function requestParam(field: string, key: string): string | undefined {
  if (field === 'query') return `?${key}=`;
  if (field === 'params') return `:${key}`;
  return field === 'body' ? `body.${key}` : undefined;
}

/**
 * Where `local` sizes a read uncapped: in `fn` itself ('the handler'), or in a function of the file that calls `fn`
 * (a helper that returns `{ page, per_page, offset }`) and reads with the destructured value.
 */
function readWith(ctx: RuleContext, sf: ts.SourceFile, fn: FunctionNode, local: string): string | undefined {
  const body = fn.body!;
  if (capped(body, local)) return undefined;
  if (sizesRead(body, local)) return 'the handler';
  const method = calleeSizedBy(ctx, body, local);
  if (method) return method;
  const name = functionName(fn);
  if (!name || !returnsValue(body, local)) return undefined;
  let found: string | undefined;
  const visit = (n: ts.Node): void => {
    if (found) return;
    // `const { page, per_page } = getPaginationParams(req)` in another function of the file
    if (ts.isVariableDeclaration(n) && n.initializer && ts.isObjectBindingPattern(n.name)) {
      const init = unwrap(n.initializer);
      if (ts.isCallExpression(init) && ts.isIdentifier(init.expression) && init.expression.text === name) {
        const caller = enclosingFunction(n);
        for (const el of n.name.elements) {
          const field = el.propertyName ? el.propertyName.getText() : el.name.getText();
          if (field !== local || !ts.isIdentifier(el.name) || !caller?.body) continue;
          if (!capped(caller.body, el.name.text) && sizesRead(caller.body, el.name.text)) found = functionName(caller) ?? 'its caller';
        }
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

/**
 * The function of the project the value is passed to, which reads with it uncapped: the method of a model class
 * (`const Profile = new ProfileModel(); Profile.find({}, count)` where BaseModel's `find(query, limiter)` does
 * `.limit(limiter)`), or a function imported from another module or declared in this file (`getLeaderboard(limit)`
 * whose body is `prisma.user.findMany({ take: limit })`).
 */
function calleeSizedBy(ctx: RuleContext, body: ts.Node, local: string): string | undefined {
  let found: string | undefined;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isCallExpression(n)) {
      const index = n.arguments.findIndex((a) => ts.isIdentifier(unwrap(a)) && unwrap(a).getText() === local);
      found = index < 0 ? undefined : calleeReading(ctx, n, index);
      if (found) return;
    }
    ts.forEachChild(n, visit);
  };
  visit(body);
  return found;
}

/** The name of the project function `call` runs when it sizes a read, uncapped, with its argument at `index`. */
function calleeReading(ctx: RuleContext, call: ts.CallExpression, index: number): string | undefined {
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee) && !ts.isIdentifier(callee)) return undefined;
  const fn = ts.isIdentifier(callee) ? importedFunction(ctx, callee) : constructedMethod(ctx, callee);
  const param = fn?.parameters[index];
  if (!fn?.body || !param || !ts.isIdentifier(param.name) || capped(fn.body, param.name.text) || !sizesRead(fn.body, param.name.text)) return undefined;
  return ts.isIdentifier(callee) ? callee.text : callee.name.text;
}

/** `.limit(n)` / `.take(n)`, `take: n` / `limit: n` in a read's options, or an SQL `LIMIT` whose values hold `n`. */
function sizesRead(body: ts.Node, local: string): boolean {
  const value = `(?:(?:Number|parseInt)\\s*\\(\\s*|\\+\\s*)?${local}\\b(?!\\s*\\.)`;
  const text = body.getText();
  if (new RegExp(`\\.\\s*(limit|take)\\s*\\(\\s*${value}`).test(text)) return true;
  // SQL built into a variable is read back only where some SQL says LIMIT.
  const saysLimit = /\bLIMIT\b/i.test(text);
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    // `Book.findAll({ where, limit })`, `prisma.book.findMany({ take: limit })`: not `res.json({ limit })`.
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && READ_METHOD.test(n.expression.name.text)) {
      found = n.arguments.some((a) => ts.isObjectLiteralExpression(unwrap(a)) && sizesReadText(unwrap(a).getText(), local));
      if (found) return;
    }
    if (saysLimit && ts.isCallExpression(n) && n.arguments.some((a) => /\bLIMIT\b/i.test(sqlText(a, body)))) {
      const sql = n.arguments.map((a) => sqlText(a, body)).join(' ');
      const inTemplate = new RegExp(`\\bLIMIT\\s+\\$\\{\\s*${local}\\s*\\}`, 'i').test(sql);
      const inValues = /\bLIMIT\s+(\$\d+|\?|:\w+)/i.test(sql) && n.arguments.some((a) => ts.isArrayLiteralExpression(a) && a.elements.some((x) => ts.isIdentifier(unwrap(x)) && unwrap(x).getText() === local));
      if (inTemplate || inValues) found = true;
    }
    ts.forEachChild(n, visit);
  };
  visit(body);
  return found;
}

/** The SQL text of a query argument: a literal, or a variable of `body` built from literals (`query += ' LIMIT $1'`). */
function sqlText(arg: ts.Expression, body: ts.Node): string {
  const e = unwrap(arg);
  return ts.isIdentifier(e) ? builtSql(body, e.text) : literalSql(e);
}

function literalSql(arg: ts.Expression): string {
  const e = unwrap(arg);
  return ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e) || ts.isTemplateExpression(e) ? e.getText() : '';
}

/** The literals `body` puts into the variable `name`: its initializer and every `name += '...'`. */
function builtSql(body: ts.Node, name: string): string {
  const parts: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === name && n.initializer) parts.push(literalSql(n.initializer));
    else if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.PlusEqualsToken && ts.isIdentifier(n.left) && n.left.text === name) parts.push(literalSql(n.right));
    ts.forEachChild(n, visit);
  };
  visit(body);
  return parts.join(' ');
}

/** `function getPaginationParams(req)`, `const getPaginationParams = (req) => ...`. */
function functionName(fn: FunctionNode): string | undefined {
  if ((ts.isFunctionDeclaration(fn) || ts.isMethodDeclaration(fn)) && fn.name && ts.isIdentifier(fn.name)) return fn.name.text;
  if (ts.isVariableDeclaration(fn.parent) && ts.isIdentifier(fn.parent.name)) return fn.parent.name.text;
  return undefined;
}

/** The function returns `{ ..., local }` or `{ ..., local: local }`. */
function returnsValue(body: ts.Node, local: string): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || (n !== body && isFunctionNode(n))) return;
    if (ts.isReturnStatement(n) && n.expression) {
      const e = unwrap(n.expression);
      if (ts.isObjectLiteralExpression(e)) {
        found = e.properties.some(
          (p) => (ts.isShorthandPropertyAssignment(p) && p.name.text === local) || (ts.isPropertyAssignment(p) && p.name.getText() === local && unwrap(p.initializer).getText() === local),
        );
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(body);
  return found;
}
