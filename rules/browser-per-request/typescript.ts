/**
 * browser-per-request (TypeScript/JavaScript): `puppeteer.launch()` / Playwright `chromium.launch()` inside
 * code that runs per request (route handlers, Nest controllers and services, Next.js route handlers and server
 * actions). Fix: one lazily-started shared browser per process, a page per request closed in `finally`.
 */
import { ts } from 'ts-morph';
import { defineRule, type FixSpec, type OffsetEdit, type ReportSpec, type RuleContext } from '../api';
import { BROWSER_MESSAGE_IDS, browserPerRequestMeta, type Closing } from './meta';
import { contains, declarationOf, enclosingFunction, hasSyntaxErrors, indentAt, indexOf, isFunctionNode, unwrap, unwrapAwait, type FunctionNode } from '../../analysis/typescript/ast';
import { resolveImport } from '../../analysis/typescript/imports';
import { runsPerRequest } from '../../analysis/typescript/per-request';

const LAUNCHERS =
  /^(puppeteer|puppeteer-core|puppeteer-extra)\.launch$|^(playwright|playwright-core|playwright-chromium|playwright-firefox|playwright-webkit|@playwright\/test)\.(chromium|firefox|webkit)\.(launch|launchPersistentContext)$/;
const HELPER = 'getBrowser';
const SHARED = 'sharedBrowser';

export default defineRule({
  meta: {
    ...browserPerRequestMeta,
    kinds: ['typescript', 'javascript'],
    // Every launcher ends in `launch`/`launchPersistentContext` (LAUNCHERS): a Playwright test config has none.
    trigger: { test: (text) => /puppeteer|playwright/.test(text) && /launch/.test(text) },
    docs: {
      summary: 'A headless browser launched inside code that runs per request (TypeScript/JavaScript).',
      whatItDoes:
        'Finds `puppeteer.launch()` (puppeteer, puppeteer-core, puppeteer-extra) and Playwright `chromium.launch()` / ' +
        '`firefox.launch()` / `webkit.launch()` / `launchPersistentContext()` called in code that runs per request: ' +
        'Express/Fastify/Koa/Hono route handlers and the functions of the same file they call, files under routes/, ' +
        'controllers/, services/, api/ and `*.controller.ts`/`*.service.ts`, Nest controllers and services, Next.js route ' +
        'handlers and API routes, and server actions (`\'use server\'`). The message says when the browser is also not closed ' +
        'on every path (no `browser.close()` in a `finally`). Not reported: a browser launched at module level or in a Nest ' +
        'lifecycle hook (`onModuleInit`), a lazily-started shared browser (`browser ??= puppeteer.launch()`, ' +
        '`if (!this.browser) this.browser = await puppeteer.launch()`), a pool factory (`createPool({ create: () => ' +
        'puppeteer.launch() }, { max: 2 })`, puppeteer-cluster), `puppeteer.connect()` to a browser that runs elsewhere, and ' +
        'scripts, tests and seeds.',
      whyIsThisBad:
        'A browser is a process tree, not an object: Chromium starts a browser process, a GPU process, a network service and a ' +
        'renderer per page, 100-300 MB together before the page loads anything. Launched per request, every concurrent request ' +
        'holds its own tree, so a handful of PDF downloads at once exhausts a 512 MB instance. When an error skips ' +
        '`browser.close()`, the processes outlive the request and pile up until the instance restarts.',
      example: {
        fileName: 'routes/invoices.js',
        code: `const express = require('express');
const puppeteer = require('puppeteer');

const router = express.Router();

router.get('/invoices/:id.pdf', async (req, res) => {
  const browser = await puppeteer.launch({ args: ['--no-sandbox'] });
  const page = await browser.newPage();
  await page.goto(\`http://localhost:3000/invoices/\${req.params.id}/print\`);
  const pdf = await page.pdf({ format: 'A4' });
  await browser.close();
  res.type('application/pdf').send(pdf);
});

module.exports = router;
`,
      },
      useInstead: {
        fileName: 'routes/invoices.js',
        code: `const express = require('express');
const puppeteer = require('puppeteer');

const router = express.Router();

let sharedBrowser;

/** One browser per process, started on first use and shared by every request; each request opens and closes its own page. */
function getBrowser() {
  sharedBrowser ??= puppeteer.launch({ args: ['--no-sandbox'] });
  return sharedBrowser;
}

router.get('/invoices/:id.pdf', async (req, res) => {
  const browser = await getBrowser();
  const page = await browser.newPage();
  try {
    await page.goto(\`http://localhost:3000/invoices/\${req.params.id}/print\`);
    const pdf = await page.pdf({ format: 'A4' });
    res.type('application/pdf').send(pdf);
  } finally {
    await page.close();
  }
});

module.exports = router;
`,
      },
      fixSafety:
        'Unsafe: the fix adds a module-level `getBrowser()` that launches the browser on first use with the same options and ' +
        'shares it with every later request, replaces the launch with `await getBrowser()`, removes the `browser.close()` calls ' +
        'and closes the page in a `finally` instead. Requests now share one browser: cookies, cache and localStorage of the ' +
        'default context are shared (use `browser.createBrowserContext()` / `newContext()` per request when that matters), a ' +
        'crashed browser is not restarted (restart the process, or reset `sharedBrowser` on the `disconnected` event), and the ' +
        'browser keeps running between requests (about 100 MB idle instead of 0). Offered only when the launch is ' +
        '`const browser = await ...launch(options)` whose options use nothing local to the handler, and the browser is used only ' +
        'for one `browser.newPage()` and `browser.close()`.',
    },
  },
  check(ctx) {
    const sf = ctx.typescript();
    const rel = ctx.file.relPath;
    for (const call of indexOf(sf).calls) {
      const api = launcherOf(call);
      if (!api) continue;
      if (!runsPerRequest(call, rel) || memoised(call)) continue;
      const factory = factoryOf(call);
      if (factory && !factoryCalledPerRequest(factory, rel)) continue;
      const closed = factory ? 'always' : closing(call);
      ctx.report({
        start: call.getStart(),
        end: call.getEnd(),
        ...message(api, closed),
        fixes: factory || hasSyntaxErrors(sf) ? undefined : sharedBrowserFix(ctx, call),
      });
    }
  },
});

function launcherOf(call: ts.CallExpression): string | undefined {
  const q = resolveImport(call.expression);
  if (!q || !LAUNCHERS.test(q)) return undefined;
  return q.startsWith('puppeteer') ? 'puppeteer.launch()' : `${q.split('.').slice(-2).join('.')}()`;
}

function message(api: string, closed: Closing): Pick<ReportSpec, 'messageId' | 'data' | 'detail'> {
  const leak =
    closed === 'never'
      ? ', and nothing closes it, so its processes outlive the request'
      : closed === 'not-on-errors'
        ? ', and it is not closed on every path: an error before browser.close() leaves its processes running'
        : '';
  return {
    messageId: BROWSER_MESSAGE_IDS[closed],
    data: { per: 'request' },
    detail:
      `Launches a whole browser (${api}: a process tree of 100-300 MB) on every request, one per concurrent request${leak}. ` +
      'Launch one shared browser lazily at module level and open a page per request, closed in finally.',
  };
}

/** The assignment a launch's value goes to: `x = await launch()`, `x ??= launch()`, `x = x || await launch()`. */
function assignmentOf(call: ts.CallExpression): ts.BinaryExpression | undefined {
  let e: ts.Node = call;
  while (e.parent && (ts.isAwaitExpression(e.parent) || ts.isParenthesizedExpression(e.parent) || (ts.isBinaryExpression(e.parent) && e.parent.operatorToken.kind === ts.SyntaxKind.BarBarToken))) e = e.parent;
  const p = e.parent;
  return p && ts.isBinaryExpression(p) && p.right === e ? p : undefined;
}

/** A lazily-started singleton: the browser goes to module state or `this.x`, under `??=`/`||=` or after an `if`. */
function memoised(call: ts.CallExpression): boolean {
  const assignment = assignmentOf(call);
  const fn = enclosingFunction(call);
  if (!assignment || !fn) return false;
  const target = unwrap(assignment.left);
  const outlivesCall = ts.isPropertyAccessExpression(target) || (ts.isIdentifier(target) && !insideFunction(declarationOf(target), fn));
  if (!outlivesCall) return false;
  const op = assignment.operatorToken.kind;
  if (op === ts.SyntaxKind.QuestionQuestionEqualsToken || op === ts.SyntaxKind.BarBarEqualsToken) return true;
  if (ts.isBinaryExpression(unwrapAwait(assignment.right))) return true; // `x = x || await launch()`
  let guarded = false;
  const visit = (n: ts.Node): void => {
    if (guarded || n.getStart() > call.getStart()) return;
    if (ts.isIfStatement(n) || ts.isConditionalExpression(n)) guarded = true;
    else if (!isFunctionNode(n)) ts.forEachChild(n, visit);
  };
  ts.forEachChild(fn, visit);
  return guarded;
}

function insideFunction(decl: ts.Node | undefined, fn: FunctionNode): boolean {
  return decl !== undefined && contains(fn, decl);
}

/** `return puppeteer.launch()` / `() => puppeteer.launch()`: a factory; whoever calls it decides. */
function factoryOf(call: ts.CallExpression): FunctionNode | undefined {
  let e: ts.Node = call;
  while (e.parent && (ts.isAwaitExpression(e.parent) || ts.isParenthesizedExpression(e.parent))) e = e.parent;
  const fn = enclosingFunction(call);
  if (!fn) return undefined;
  if (ts.isReturnStatement(e.parent) || (ts.isArrowFunction(fn) && fn.body === e)) return fn;
  return undefined;
}

/** Some call of the factory in this file runs per request and does not keep its browser. */
function factoryCalledPerRequest(factory: FunctionNode, rel: string): boolean {
  const name = ts.isFunctionDeclaration(factory) || ts.isMethodDeclaration(factory) ? factory.name?.getText() : ts.isVariableDeclaration(factory.parent) ? factory.parent.name.getText() : undefined;
  if (!name) return false;
  for (const call of indexOf(factory.getSourceFile()).calls) {
    const callee = unwrap(call.expression);
    const calledName = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) && callee.expression.kind === ts.SyntaxKind.ThisKeyword ? callee.name.text : undefined;
    if (calledName !== name || contains(factory, call)) continue;
    if (runsPerRequest(call, rel) && !memoised(call)) return true;
  }
  return false;
}

/** The local variable holding the browser: `const browser = await puppeteer.launch()`. */
function browserVariable(call: ts.CallExpression): ts.VariableDeclaration | undefined {
  let e: ts.Node = call;
  while (e.parent && (ts.isAwaitExpression(e.parent) || ts.isParenthesizedExpression(e.parent))) e = e.parent;
  const p = e.parent;
  return p && ts.isVariableDeclaration(p) && p.initializer === e && ts.isIdentifier(p.name) ? p : undefined;
}

function closing(call: ts.CallExpression): 'always' | 'not-on-errors' | 'never' {
  const fn = enclosingFunction(call);
  const decl = browserVariable(call);
  const assignment = assignmentOf(call);
  const name = decl ? decl.name.getText() : assignment && ts.isIdentifier(unwrap(assignment.left)) ? unwrap(assignment.left).getText() : undefined;
  if (!fn || !name) return 'never';
  const closes = (n: ts.Node) => new RegExp(`(^|[^\\w.$])${name.replace(/\$/g, '\\$')}\\??\\.close\\s*\\(`).test(n.getText());
  let inFinally = false;
  const visit = (n: ts.Node): void => {
    if (ts.isTryStatement(n) && n.finallyBlock && closes(n.finallyBlock)) inFinally = true;
    if (!inFinally) ts.forEachChild(n, visit);
  };
  ts.forEachChild(fn, visit);
  if (inFinally) return 'always';
  return closes(fn) ? 'not-on-errors' : 'never';
}

// ---------------------------------------------------------------------------------------------------
// The fix: a module-level lazily-started browser, a page per request closed in `finally`.

function sharedBrowserFix(ctx: RuleContext, call: ts.CallExpression): FixSpec[] | undefined {
  const sf = call.getSourceFile();
  const text = ctx.file.text;
  const decl = browserVariable(call);
  const fn = enclosingFunction(call);
  if (!decl || !fn || !fn.body || !ts.isBlock(fn.body)) return undefined;
  const list = decl.parent;
  const launchStatement = list.parent;
  if (!ts.isVariableDeclarationList(list) || list.declarations.length !== 1 || !ts.isVariableStatement(launchStatement) || !ts.isBlock(launchStatement.parent)) return undefined;
  if (!optionsAreModuleLevel(call, fn)) return undefined;
  const block = launchStatement.parent;
  const name = decl.name.getText();

  // Every use of the browser: one `const page = await browser.newPage()` in the same block, and close() statements.
  let pageStatement: ts.VariableStatement | undefined;
  const closeStatements: ts.ExpressionStatement[] = [];
  let unsupported = false;
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n) && n.text === name && n !== decl.name && declarationOf(n) === decl) {
      const access = n.parent;
      const member = ts.isPropertyAccessExpression(access) && access.expression === n ? access : undefined;
      const use = member?.name.text;
      const statement = member ? statementOf(member) : undefined;
      if (member && use === 'newPage' && !pageStatement && statement && ts.isVariableStatement(statement) && statement.parent === block && isPageDeclaration(statement, member)) pageStatement = statement;
      else if (use === 'close' && statement && ts.isExpressionStatement(statement) && /^(await\s+)?[\w$]+\.close\(\);?$/.test(statement.getText())) closeStatements.push(statement);
      else unsupported = true;
    }
    ts.forEachChild(n, visit);
  };
  visit(fn.body);
  if (unsupported || !pageStatement) return undefined;
  const pageName = (pageStatement.declarationList.declarations[0].name as ts.Identifier).text;

  const nl = text.includes('\r\n') ? '\r\n' : '\n';
  const unit = indentUnitOf(text, block, fn);
  const edits: OffsetEdit[] = [];
  // 1. The helper, before the top-level statement that holds the handler (unless an earlier fix added the same one).
  const launchText = call.getText();
  const existing = new RegExp(`\\b${SHARED}\\s*\\?\\?=\\s*([^;]*);`).exec(text);
  if (existing) {
    if (existing[1].trim() !== launchText) return undefined;
  } else {
    if (new RegExp(`\\b(${HELPER}|${SHARED})\\b`).test(text)) return undefined;
    const top = topLevelStatement(call);
    if (!top) return undefined;
    const at = lineStart(text, leadingCommentStart(text, top));
    const isTs = /\.(ts|tsx|mts|cts)$/.test(ctx.file.relPath);
    const type = isTs ? `: ReturnType<typeof ${(call.expression as ts.Expression).getText()}> | undefined` : '';
    // Continuation lines of a multi-line launch keep their indentation relative to the statement.
    const statementIndent = indentAt(text, launchStatement.getStart());
    const rebased = launchText
      .split(/\r?\n/)
      .map((line, i) => (i > 0 && line.startsWith(statementIndent) ? `${unit}${line.slice(statementIndent.length)}` : line))
      .join(nl);
    const blankBefore = at > 0 && !/\n[ \t]*\r?\n$/.test(text.slice(0, at)) ? nl : '';
    const helper = blankBefore + [
      `let ${SHARED}${type};`,
      '',
      '/** One browser per process, started on first use and shared by every request; each request opens and closes its own page. */',
      `function ${HELPER}() {`,
      `${unit}${SHARED} ??= ${rebased};`,
      `${unit}return ${SHARED};`,
      '}',
      '',
      '',
    ].join(nl);
    edits.push({ start: at, end: at, newText: helper });
  }
  // 2. The launch becomes the shared browser.
  edits.push({ start: call.getStart(), end: call.getEnd(), newText: `${HELPER}()` });
  // 3. browser.close() statements go; one alone in a finally block closes the page instead.
  let pageClosedInFinally = false;
  for (const st of closeStatements) {
    const parent = st.parent;
    const soleInFinally = ts.isBlock(parent) && parent.statements.length === 1 && ts.isTryStatement(parent.parent) && parent.parent.finallyBlock === parent && contains(parent.parent.tryBlock, pageStatement) === false && parent.parent.getStart() > pageStatement.getStart();
    if (soleInFinally) {
      edits.push({ start: st.getStart(), end: st.getEnd(), newText: `await ${pageName}.close();` });
      pageClosedInFinally = true;
    } else {
      edits.push(removeLine(text, st));
    }
  }
  // 4. The rest of the block runs in try { } finally { await page.close(); }.
  if (!pageClosedInFinally) {
    const rest = block.statements.slice(block.statements.indexOf(pageStatement) + 1);
    if (rest.length === 0) return undefined;
    const from = lineStart(text, rest[0].getStart());
    const lastEnd = rest[rest.length - 1].getEnd();
    const to = lineEnd(text, lastEnd);
    // `return page.pdf()` must finish before the page closes: `return await page.pdf()`.
    const visitReturns = (n: ts.Node): void => {
      if (isFunctionNode(n)) return;
      if (ts.isReturnStatement(n) && n.expression && ts.isCallExpression(unwrap(n.expression))) edits.push({ start: n.expression.getStart(), end: n.expression.getStart(), newText: 'await ' });
      ts.forEachChild(n, visitReturns);
    };
    rest.forEach(visitReturns);
    // Edits inside the range (the close() removals, the awaits) are applied to the copy that gets re-indented.
    const inside = edits.filter((e) => e.start >= from && e.end <= to + 1);
    if (edits.some((e) => !inside.includes(e) && e.end > from && e.start < to)) return undefined;
    let body = text.slice(from, Math.min(to + 1, text.length));
    for (const e of [...inside].sort((a, b) => b.start - a.start)) body = body.slice(0, e.start - from) + e.newText + body.slice(e.end - from);
    for (const e of inside) edits.splice(edits.indexOf(e), 1);
    body = body.replace(/\r?\n$/, '');
    if (/`[^`]*\n[^`]*`/.test(body)) return undefined; // re-indenting would change a multi-line template literal
    const indent = indentAt(text, rest[0].getStart());
    const lines = body.split('\n').map((line) => (line.trim() === '' ? line : `${unit}${line}`));
    const wrapped = `${indent}try {${nl}${lines.join('\n')}${nl}${indent}} finally {${nl}${indent}${unit}await ${pageName}.close();${nl}${indent}}`;
    edits.push({ start: from, end: to, newText: wrapped });
  }
  return [{ title: 'Share one lazily-started browser; close the page in finally', edits }];
}

function isPageDeclaration(statement: ts.VariableStatement, access: ts.PropertyAccessExpression): boolean {
  const [d] = statement.declarationList.declarations;
  if (statement.declarationList.declarations.length !== 1 || !ts.isIdentifier(d.name) || !d.initializer) return false;
  const init = unwrapAwait(d.initializer);
  return ts.isCallExpression(init) && init.expression === access && init.arguments.length === 0;
}

function statementOf(node: ts.Node): ts.Statement | undefined {
  for (let n: ts.Node | undefined = node; n; n = n.parent) if (n.parent && (ts.isBlock(n.parent) || ts.isSourceFile(n.parent))) return n as ts.Statement;
  return undefined;
}

/** Every name the launch options read is declared outside the handler (imports, module constants). */
function optionsAreModuleLevel(call: ts.CallExpression, fn: FunctionNode): boolean {
  let ok = true;
  const visit = (n: ts.Node): void => {
    if (!ok) return;
    if (ts.isAwaitExpression(n) || n.kind === ts.SyntaxKind.ThisKeyword || isFunctionNode(n)) ok = false;
    else if (ts.isIdentifier(n) && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n) && !(ts.isPropertyAssignment(n.parent) && n.parent.name === n)) {
      const decl = declarationOf(n);
      if (decl && contains(fn, decl)) ok = false;
      if (ts.isShorthandPropertyAssignment(n.parent)) ok = false;
    }
    ts.forEachChild(n, visit);
  };
  call.arguments.forEach(visit);
  return ok;
}

function topLevelStatement(node: ts.Node): ts.Statement | undefined {
  for (let n: ts.Node | undefined = node; n; n = n.parent) if (n.parent && ts.isSourceFile(n.parent)) return n as ts.Statement;
  return undefined;
}

function leadingCommentStart(text: string, statement: ts.Statement): number {
  const ranges = ts.getLeadingCommentRanges(text, statement.getFullStart());
  return ranges && ranges.length ? ranges[0].pos : statement.getStart();
}

function lineStart(text: string, pos: number): number {
  return text.lastIndexOf('\n', pos - 1) + 1;
}

function lineEnd(text: string, pos: number): number {
  const i = text.indexOf('\n', pos);
  return i === -1 ? text.length : i;
}

function removeLine(text: string, st: ts.Statement): OffsetEdit {
  const start = lineStart(text, st.getStart());
  const end = lineEnd(text, st.getEnd());
  if (/^[ \t]*$/.test(text.slice(start, st.getStart())) && /^[ \t]*$/.test(text.slice(st.getEnd(), end))) return { start, end: Math.min(end + 1, text.length), newText: '' };
  return { start: st.getStart(), end: st.getEnd(), newText: '' };
}

/** One indentation step of the handler's body. */
function indentUnitOf(text: string, block: ts.Block, fn: FunctionNode): string {
  const inner = block.statements.length ? indentAt(text, block.statements[0].getStart()) : '';
  const outer = indentAt(text, block.getStart());
  if (inner.startsWith(outer) && inner.length > outer.length) return inner.slice(outer.length);
  void fn;
  return '  ';
}
