/**
 * Does this TS/JS code run once per request? The handlers of handlers.ts (Express/Fastify/Koa/Hono routes,
 * Nest controllers and services, Next.js route handlers, resolvers), plus Next.js server actions
 * (`'use server'`), minus Nest lifecycle hooks and pool factories (`createPool({ create: () => ... })`), which
 * run at startup or a bounded number of times. One question, so it can later move onto a project model.
 */
import { ts } from 'ts-morph';
import { isFunctionNode, type FunctionNode } from './ast';
import { inRequestHandler, isOfflineFile } from './handlers';

const LIFECYCLE = new Set(['constructor', 'onModuleInit', 'onApplicationBootstrap', 'onModuleDestroy', 'beforeApplicationShutdown', 'onApplicationShutdown']);

export function runsPerRequest(node: ts.Node, relPath: string): boolean {
  if (isOfflineFile(relPath)) return false;
  let fn: FunctionNode | undefined;
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (!isFunctionNode(n)) continue;
    fn ??= n;
    if (ts.isConstructorDeclaration(n) || (ts.isMethodDeclaration(n) && LIFECYCLE.has(n.name.getText()))) return false;
    if (isPoolFactory(n)) return false;
    if (ts.isMethodDeclaration(n) && onlyCalledAtStartup(n)) return false;
    if (hasUseServer(n.body)) return true;
  }
  if (!fn) return false;
  const sf = node.getSourceFile();
  if (hasUseServer(sf)) return true;
  return inRequestHandler(node, relPath);
}

/** Inside a Next.js server action: a function whose body, or whose file, starts with `'use server'`. */
export function inServerAction(node: ts.Node): boolean {
  let inFunction = false;
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (!isFunctionNode(n)) continue;
    inFunction = true;
    if (hasUseServer(n.body)) return true;
  }
  return inFunction && hasUseServer(node.getSourceFile());
}

/** `{ create: () => puppeteer.launch() }` given to generic-pool and the like: runs up to the pool's max times. */
function isPoolFactory(fn: FunctionNode): boolean {
  const holder = ts.isMethodDeclaration(fn) ? fn : fn.parent;
  return (ts.isPropertyAssignment(holder) || ts.isMethodDeclaration(holder)) && ts.isObjectLiteralExpression(holder.parent) && holder.name.getText() === 'create';
}

/** A `'use server'` directive at the start of a file or function body (Next.js server actions). */
function hasUseServer(body: ts.Node | undefined): boolean {
  if (!body || !(ts.isSourceFile(body) || ts.isBlock(body))) return false;
  for (const st of body.statements) {
    if (!ts.isExpressionStatement(st) || !ts.isStringLiteral(st.expression)) return false;
    if (st.expression.text === 'use server') return true;
  }
  return false;
}

/** A method that its class calls only from lifecycle hooks (`onModuleInit() { await this.init(); }`). */
function onlyCalledAtStartup(method: ts.MethodDeclaration): boolean {
  const cls = method.parent;
  if (!ts.isClassLike(cls)) return false;
  const name = method.name.getText();
  let calls = 0;
  let fromStartup = 0;
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.expression.kind === ts.SyntaxKind.ThisKeyword && n.expression.name.text === name) {
      calls++;
      let owner: ts.Node | undefined = n.parent;
      while (owner && owner !== cls && !(ts.isMethodDeclaration(owner) || ts.isConstructorDeclaration(owner))) owner = owner.parent;
      if (owner && (ts.isConstructorDeclaration(owner) || (ts.isMethodDeclaration(owner) && LIFECYCLE.has(owner.name.getText())))) fromStartup++;
    }
    ts.forEachChild(n, visit);
  };
  visit(cls);
  return calls > 0 && calls === fromStartup;
}
