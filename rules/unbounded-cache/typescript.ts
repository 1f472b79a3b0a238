/**
 * unbounded-cache (TypeScript/JavaScript): a module-level Map/Set/object/array that code running per request
 * grows (`.set`/`.add`/`.push`/`[k] =`) while nothing deletes, clears or caps it.
 */
import { clip } from '../shared/format';
import { ts } from 'ts-morph';
import { defineRule, type RuleContext } from '../api';
import { unboundedCacheMeta } from './meta';
import { declarationOf, enclosingFunction, indexOf, isFunctionNode, methodCall, propertyName, unwrap, type FunctionNode } from '../../analysis/typescript/ast';
import { isBrowserCode } from '../../analysis/typescript/browser-code';
import { requestFunctions } from '../../analysis/typescript/handlers';

type ContainerKind = 'Map' | 'Set' | 'object' | 'array';

const GROW: Record<ContainerKind, ReadonlySet<string>> = {
  Map: new Set(['set']),
  Set: new Set(['add']),
  object: new Set(),
  array: new Set(['push', 'unshift']),
};
const SHRINK = new Set(['delete', 'clear', 'pop', 'shift', 'splice']);
const RELATIONAL = new Set([ts.SyntaxKind.GreaterThanToken, ts.SyntaxKind.GreaterThanEqualsToken, ts.SyntaxKind.LessThanToken, ts.SyntaxKind.LessThanEqualsToken]);

interface Container {
  decl: ts.VariableDeclaration;
  name: string;
  kind: ContainerKind;
  init: ts.Expression;
}

export default defineRule({
  meta: {
    ...unboundedCacheMeta,
    kinds: ['typescript', 'javascript'],
    fix: 'none',
    trigger: /new (Map|Set)\b|=\s*(\{\s*\}|\[\s*\])|Object\.create\(null\)/,
    docs: {
      summary: 'A module-level Map, Set, object or array that grows per request and is never trimmed (TypeScript/JavaScript).',
      whatItDoes:
        'Finds module-level `Map`s, `Set`s, objects and arrays that functions running at request time grow ' +
        '(`cache.set(k, v)`, `seen.add(id)`, `log.push(entry)`, `hits[ip] = n`) while nothing in the file deletes, ' +
        'clears or caps them: no `.delete`/`.clear`/`.pop`/`.shift`/`.splice`, no `delete obj[k]`, no reassignment, ' +
        'and no size check (`cache.size > MAX`, `list.length >= N`). Browser code is skipped: files under static/, ' +
        'public/ or assets/ folders (served to browsers as they are), and files whose package ' +
        '(nearest package.json) depends on a UI framework (React, Vue, Angular, Svelte, ...) and on no server or ' +
        'server-rendering framework (Express, Fastify, Nest, Next.js, Nuxt, ...), such as the React client of a Django app; ' +
        'and, with no package.json above them, scripts in a templates/ folder and vendored bundles (`*.esm.js`, ' +
        '`*.umd.js`, `*.bundle.js`, `*.min.js`).',
      whyIsThisBad:
        'A module-level container lives as long as the process. Keyed by user, URL, IP or request id it gains an ' +
        'entry for every new key and never gives one back: the heap grows by the size of every value ever cached ' +
        'until the instance hits its memory limit and restarts, usually days after the deploy that introduced it.',
      example: {
        fileName: 'routes/users.ts',
        code: `import express from 'express';
import { PrismaClient, type User } from '@prisma/client';

const prisma = new PrismaClient();
const router = express.Router();
const userCache = new Map<string, User>();

router.get('/users/:id', async (req, res) => {
  let user = userCache.get(req.params.id);
  if (!user) {
    user = (await prisma.user.findUniqueOrThrow({ where: { id: req.params.id } })) as User;
    userCache.set(req.params.id, user);
  }
  res.json(user);
});

export default router;
`,
      },
      useInstead: {
        fileName: 'routes/users.ts',
        code: `import express from 'express';
import { LRUCache } from 'lru-cache';
import { PrismaClient, type User } from '@prisma/client';

const prisma = new PrismaClient();
const router = express.Router();
const userCache = new LRUCache<string, User>({ max: 500, ttl: 5 * 60_000 });

router.get('/users/:id', async (req, res) => {
  let user = userCache.get(req.params.id);
  if (!user) {
    user = (await prisma.user.findUniqueOrThrow({ where: { id: req.params.id } })) as User;
    userCache.set(req.params.id, user);
  }
  res.json(user);
});

export default router;
`,
      },
      fixSafety: 'No automatic fix: choose a `max` (and a `ttl`) that fits the values cached, then use `new LRUCache({ max })` from lru-cache.',
      notes:
        'Not reported: containers filled only at startup (at module level, or by functions called only from module ' +
        'level), fixed keys (`config["db"] = ...`, `obj.name = ...`), keys the same function looks up in `process.env` ' +
        '(`cache[key] = process.env[key]`: one entry per environment variable), `WeakMap`/`WeakSet`, lru-cache instances, ' +
        'containers declared inside functions, and exported containers (other modules may trim them). A registry ' +
        'filled by an exported function that other modules call at startup looks like runtime growth from inside the ' +
        'file; suppress it with `// memlint: ignore[unbounded-cache]`.',
    },
  },
  check(ctx) {
    if (isBrowserCode(ctx)) return; // before the parse: a React/Angular front end's files are never parsed for this
    const sf = ctx.typescript();
    const containers = moduleContainers(sf);
    if (containers.length === 0) return;
    const touches = touchesByName(ctx, new Set(containers.map((c) => c.name)));
    for (const c of containers) {
      const { growth, bounded } = usage(ctx, c, touches.get(c.name));
      if (bounded || growth.length === 0) continue;
      const first = growth[0];
      const where = functionLabel(ctx, enclosingFunction(first)!);
      const kindLabel = c.kind === 'object' ? 'object' : c.kind === 'array' ? 'array' : c.kind;
      ctx.report({
        start: c.init.getStart(),
        end: c.init.getEnd(),
        messageId: 'module-container',
        data: { kind: kindLabel, name: clip(c.name, 24), where: clip(where, 24) },
        detail:
          `${c.name} grows in ${where} (${firstLine(first.getText())}) and nothing deletes, clears or caps it, ` +
          `so memory grows with every new entry until the process restarts. Use an LRUCache from lru-cache with a max.`,
      });
    }
  },
});

/** Non-exported `const`/`let` containers declared at module level. */
function moduleContainers(sf: ts.SourceFile): Container[] {
  const out: Container[] = [];
  for (const st of sf.statements) {
    if (!ts.isVariableStatement(st)) continue;
    if ((ts.getModifiers(st) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword || m.kind === ts.SyntaxKind.DeclareKeyword)) continue;
    for (const decl of st.declarationList.declarations) {
      if (!ts.isIdentifier(decl.name) || !decl.initializer) continue;
      const init = unwrap(decl.initializer);
      const kind = containerKind(init);
      if (kind && !isExportedLater(sf, decl.name.text)) out.push({ decl, name: decl.name.text, kind, init: decl.initializer });
    }
  }
  return out;
}

function containerKind(init: ts.Expression): ContainerKind | undefined {
  if (ts.isNewExpression(init) && ts.isIdentifier(init.expression) && !declarationOf(init.expression)) {
    if (init.expression.text === 'Map') return 'Map';
    if (init.expression.text === 'Set') return 'Set';
    return undefined;
  }
  if (ts.isObjectLiteralExpression(init)) return 'object';
  if (ts.isArrayLiteralExpression(init)) return 'array';
  if (ts.isCallExpression(init) && init.expression.getText() === 'Object.create' && init.arguments[0]?.kind === ts.SyntaxKind.NullKeyword) return 'object';
  return undefined;
}

/** `export { cache }` / `module.exports = { cache }` / `exports.cache = cache`. */
function isExportedLater(sf: ts.SourceFile, name: string): boolean {
  for (const st of sf.statements) {
    if (ts.isExportDeclaration(st) && st.exportClause && ts.isNamedExports(st.exportClause) && st.exportClause.elements.some((e) => (e.propertyName ?? e.name).getText() === name)) return true;
    if (ts.isExpressionStatement(st) && ts.isBinaryExpression(st.expression) && st.expression.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const left = st.expression.left.getText();
      if (!/^(module\.)?exports\b/.test(left)) continue;
      const right = unwrap(st.expression.right);
      if (ts.isIdentifier(right) && right.text === name) return true;
      if (ts.isObjectLiteralExpression(right) && right.properties.some((p) => propertyName(p.name) === name)) return true;
    }
  }
  return false;
}

/** The places a file touches its module-level containers, grouped by the container's name (one pass per file). */
interface Touches {
  calls: { call: ts.CallExpression; method: string }[];
  assignments: ts.BinaryExpression[];
  deletes: ts.DeleteExpression[];
  sizeReads: ts.PropertyAccessExpression[];
}

function touchesByName(ctx: RuleContext, names: ReadonlySet<string>): Map<string, Touches> {
  const index = indexOf(ctx.typescript());
  const out = new Map<string, Touches>();
  const entry = (e: ts.Expression): Touches | undefined => {
    const u = unwrap(e);
    if (!ts.isIdentifier(u) || !names.has(u.text)) return undefined;
    let t = out.get(u.text);
    if (!t) out.set(u.text, (t = { calls: [], assignments: [], deletes: [], sizeReads: [] }));
    return t;
  };
  for (const call of index.calls) {
    const m = methodCall(call);
    if (m) entry(m.object)?.calls.push({ call, method: m.name });
  }
  for (const a of index.assignments) {
    const left = unwrap(a.left);
    const target = ts.isPropertyAccessExpression(left) || ts.isElementAccessExpression(left) ? left.expression : left;
    entry(target)?.assignments.push(a);
  }
  for (const d of index.deletes) {
    const target = unwrap(d.expression);
    if (ts.isElementAccessExpression(target) || ts.isPropertyAccessExpression(target)) entry(target.expression)?.deletes.push(d);
  }
  for (const name of ['size', 'length']) for (const access of index.accesses.get(name) ?? []) entry(access.expression)?.sizeReads.push(access);
  return out;
}

/** Growth sites at request time, and whether anything trims or caps the container. */
function usage(ctx: RuleContext, c: Container, touches: Touches | undefined): { growth: ts.Node[]; bounded: boolean } {
  const growth: ts.Node[] = [];
  if (!touches) return { growth, bounded: false };
  const refers = (e: ts.Expression): boolean => {
    const u = unwrap(e);
    return ts.isIdentifier(u) && u.text === c.name && declarationOf(u) === c.decl;
  };
  for (const { call, method } of touches.calls) {
    if (!refers(methodCall(call)!.object)) continue;
    if (SHRINK.has(method)) return { growth, bounded: true };
    const key = call.arguments[0];
    if (GROW[c.kind].has(method) && !hasConstantKey(c.kind, key) && !(key && isEnvironmentName(key, call)) && isRuntime(ctx, call)) growth.push(call);
  }
  for (const a of touches.assignments) {
    const left = unwrap(a.left);
    if (refers(left)) return { growth, bounded: true }; // `cache = new Map()` resets it
    if (ts.isPropertyAccessExpression(left) && left.name.text === 'length' && refers(left.expression)) return { growth, bounded: true };
    if (ts.isElementAccessExpression(left) && refers(left.expression) && (c.kind === 'object' || c.kind === 'array')) {
      const key = left.argumentExpression;
      if (!isConstantKey(key) && !isEnvironmentName(key, a) && isRuntime(ctx, a)) growth.push(a);
    }
  }
  for (const d of touches.deletes) {
    const target = unwrap(d.expression) as ts.ElementAccessExpression | ts.PropertyAccessExpression;
    if (refers(target.expression)) return { growth, bounded: true };
  }
  for (const access of touches.sizeReads) {
    if (!refers(access.expression)) continue;
    let p: ts.Node = access.parent;
    while (ts.isParenthesizedExpression(p)) p = p.parent;
    if (ts.isBinaryExpression(p) && RELATIONAL.has(p.operatorToken.kind)) return { growth, bounded: true };
  }
  growth.sort((a, b) => a.pos - b.pos);
  return { growth, bounded: false };
}

/** `registry.set('json', parser)`: a fixed key set cannot grow without bound. */
function hasConstantKey(kind: ContainerKind, key: ts.Expression | undefined): boolean {
  return (kind === 'Map' || kind === 'Set') && key !== undefined && isConstantKey(key);
}

function isConstantKey(key: ts.Expression): boolean {
  const k = unwrap(key);
  return ts.isStringLiteral(k) || ts.isNumericLiteral(k) || ts.isNoSubstitutionTemplateLiteral(k);
}

/**
 * `cache[key] = process.env[key]`: a key the same function also looks up in `process.env` names an environment
 * variable, so the memo holds at most one entry per variable the process was started with.
 */
function isEnvironmentName(key: ts.Expression, site: ts.Node): boolean {
  const k = unwrap(key);
  const fn = enclosingFunction(site);
  if (!ts.isIdentifier(k) || !fn) return false;
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isElementAccessExpression(n) && isProcessEnv(n.expression)) {
      const index = unwrap(n.argumentExpression);
      if (ts.isIdentifier(index) && index.text === k.text && declarationOf(index) === declarationOf(k)) found = true;
    }
    ts.forEachChild(n, visit);
  };
  visit(fn);
  return found;
}

function isProcessEnv(e: ts.Expression): boolean {
  const u = unwrap(e);
  return ts.isPropertyAccessExpression(u) && u.name.text === 'env' && ts.isIdentifier(u.expression) && u.expression.text === 'process';
}

/**
 * True when code runs after startup: inside a function that is not only ever called from module level
 * (an exported function, a callback, a handler, a method).
 */
function isRuntime(ctx: RuleContext, node: ts.Node): boolean {
  const fn = enclosingFunction(node);
  if (!fn) return false; // module level: startup
  return !isStartupOnly(ctx, fn, 0);
}

function isStartupOnly(ctx: RuleContext, fn: FunctionNode, depth: number): boolean {
  if (depth > 3) return false;
  // (() => { ... })() at module level
  const parent = fn.parent && ts.isParenthesizedExpression(fn.parent) ? fn.parent.parent : fn.parent;
  if (parent && ts.isCallExpression(parent) && unwrap(parent.expression) === fn) {
    const outer = enclosingFunction(parent);
    return !outer || isStartupOnly(ctx, outer, depth + 1);
  }
  const nameNode = functionName(fn);
  if (!nameNode || isExported(fn)) return false;
  const decl = ts.isFunctionDeclaration(fn) ? fn : fn.parent;
  let called = false;
  for (const call of indexOf(ctx.typescript()).calls) {
    const callee = unwrap(call.expression);
    if (!ts.isIdentifier(callee) || callee.text !== nameNode.text || declarationOf(callee) !== decl) continue;
    called = true;
    const caller = enclosingFunction(call);
    if (caller && !isStartupOnly(ctx, caller, depth + 1)) return false;
  }
  // Passed around by name (`app.get('/x', handler)`) rather than called: it runs later.
  if (!called) return false;
  return !requestFunctions(ctx.typescript(), ctx.file.relPath).has(fn);
}

function functionName(fn: FunctionNode): ts.Identifier | undefined {
  if (ts.isFunctionDeclaration(fn)) return fn.name;
  if ((ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && ts.isVariableDeclaration(fn.parent) && ts.isIdentifier(fn.parent.name)) return fn.parent.name;
  return undefined;
}

function isExported(fn: FunctionNode): boolean {
  const holder = ts.isFunctionDeclaration(fn) ? fn : fn.parent?.parent?.parent;
  if (holder && ts.canHaveModifiers(holder) && (ts.getModifiers(holder) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) return true;
  const name = functionName(fn);
  return name !== undefined && isExportedLater(fn.getSourceFile(), name.text);
}

/** How a message names the function where the container grows. */
function functionLabel(ctx: RuleContext, fn: FunctionNode): string {
  for (let f: ts.Node | undefined = fn; f; f = f.parent) {
    if (!isFunctionNode(f)) continue;
    const name = functionName(f as FunctionNode) ?? (ts.isMethodDeclaration(f) ? f.name : undefined);
    if (name) return `${name.getText()}()`;
    if (requestFunctions(ctx.typescript(), ctx.file.relPath).has(f as FunctionNode)) return 'a request handler';
  }
  return 'a callback';
}

function firstLine(text: string): string {
  const line = text.split('\n')[0].trim();
  return line.length > 50 ? `${line.slice(0, 47)}...` : line;
}
