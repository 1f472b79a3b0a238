/**
 * The browser-per-request fix for async Playwright: the handler's `async with async_playwright() as p:` /
 * `browser = await p.chromium.launch(...)` / `page = await browser.new_page()` becomes a module-level browser
 * started on first use (one per process, shared by every request) and a page closed in `finally`.
 * Only that shape: sync Playwright and Selenium objects belong to the thread that made them.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { FixSpec, OffsetEdit } from '../api';
import { indentOf } from '../../analysis/python/ast';
import { addImport, localIndentUnit } from '../shared/python-edits';
import { argumentsAreModuleLevel, assignedTarget } from '../../analysis/python/load-hoisting';

const HELPER = 'get_browser';
const LAUNCHER = '_launch_browser';
const SHARED = '_shared_browser';

export function sharedBrowserFix(tree: Tree, text: string, call: Node): FixSpec[] | undefined {
  const fn = call.childForFieldName('function');
  const engine = fn?.childForFieldName('object');
  const playwright = engine?.childForFieldName('object');
  const method = fn?.childForFieldName('attribute')?.text;
  if (fn?.type !== 'attribute' || engine?.type !== 'attribute' || playwright?.type !== 'identifier' || method !== 'launch') return undefined;
  if (call.parent?.type !== 'await') return undefined;
  const browser = assignedTarget(call);
  const launchStatement = call.parent.parent?.parent;
  if (browser?.type !== 'identifier' || launchStatement?.type !== 'expression_statement') return undefined;
  const body = launchStatement.parent;
  const withStatement = body?.parent;
  if (body?.type !== 'block' || withStatement?.type !== 'with_statement' || !withStatement.text.startsWith('async')) return undefined;
  const items = withStatement.namedChildren.find((c) => c?.type === 'with_clause')?.namedChildren ?? [];
  if (items.length !== 1 || !new RegExp(`^async_playwright\\(\\)\\s+as\\s+${playwright.text}$`).test(items[0]?.text ?? '')) return undefined;
  const statements = body.namedChildren.filter((n): n is Node => n !== null && n.type !== 'comment');
  if (statements[0]?.id !== launchStatement.id) return undefined;
  const pageStatement = statements[1];
  const page = pageStatement ? newPageTarget(pageStatement, browser.text) : undefined;
  const rest = statements.slice(2);
  if (!page || rest.length === 0 || !argumentsAreModuleLevel(tree, call)) return undefined;
  const handler = enclosingAsyncFunction(withStatement);
  if (!handler) return undefined;

  // The playwright object only launches; the browser only opens the page and is closed.
  const closes: Node[] = [];
  for (const st of rest) {
    if (mentions(st, playwright.text)) return undefined;
    if (new RegExp(`^await\\s+${browser.text}\\.close\\(\\)$`).test(st.text)) closes.push(st);
    else if (mentions(st, browser.text)) return undefined;
  }

  const indent = indentOf(text, withStatement.startIndex);
  const unit = localIndentUnit(text, statements[0]);
  const edits: OffsetEdit[] = [];
  // Comments between the `async with` line and the page line stay, above the new lines.
  const comments = withStatement.descendantsOfType('comment').filter((n): n is Node => n !== null && n.startIndex < pageStatement.startIndex).map((c) => `${c.text}\n${indent}`);
  edits.push({
    start: withStatement.startIndex,
    end: pageStatement.endIndex,
    newText: `${comments.join('')}${browser.text} = await ${HELPER}()\n${indent}${page} = await ${browser.text}.new_page()\n${indent}try:`,
  });
  for (const st of closes) edits.push(removeLine(text, st));
  const kept = rest.filter((st) => !closes.includes(st));
  const last = kept[kept.length - 1];
  if (!last) return undefined;
  edits.push({ start: last.endIndex, end: last.endIndex, newText: `\n${indent}finally:\n${indent}${unit}await ${page}.close()` });

  const launchText = `playwright.${engine.childForFieldName('attribute')!.text}.launch${call.childForFieldName('arguments')!.text}`;
  const existing = new RegExp(`return await playwright\\.\\w+\\.launch\\(.*\\)`).exec(text);
  if (existing) {
    if (existing[0] !== `return await ${launchText}`) return undefined;
  } else {
    if (new RegExp(`\\b(${HELPER}|${LAUNCHER}|${SHARED})\\b`).test(text)) return undefined;
    const top = topLevelStatement(withStatement);
    if (!top) return undefined;
    const at = text.lastIndexOf('\n', top.startIndex - 1) + 1;
    const u = '    ';
    const helper = [
      `${SHARED} = None`,
      '',
      '',
      `async def ${LAUNCHER}():`,
      `${u}playwright = await async_playwright().start()`,
      `${u}return await ${launchText}`,
      '',
      '',
      `async def ${HELPER}():`,
      `${u}"""One browser per process, started on first use and shared by every request; each request opens and closes its own page."""`,
      `${u}global ${SHARED}`,
      `${u}if ${SHARED} is None:`,
      `${u}${u}${SHARED} = asyncio.ensure_future(${LAUNCHER}())`,
      `${u}try:`,
      `${u}${u}return await ${SHARED}`,
      `${u}except Exception:`,
      `${u}${u}${SHARED} = None  # a failed launch is retried by the next request`,
      `${u}${u}raise`,
      '',
      '',
      '',
    ].join('\n');
    edits.push({ start: at, end: at, newText: helper });
    const imp = addImport(tree, text, 'asyncio');
    if (imp) edits.push(imp);
  }
  return [{ title: 'Share one lazily-started browser; close the page in finally', edits }];
}

/** `page = await browser.new_page()` -> `page`. */
function newPageTarget(statement: Node, browser: string): string | undefined {
  const assignment = statement.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
  if (assignment?.type !== 'assignment') return undefined;
  const left = assignment.childForFieldName('left');
  const right = assignment.childForFieldName('right');
  if (left?.type !== 'identifier' || right?.type !== 'await') return undefined;
  return new RegExp(`^await\\s+${browser}\\.new_page\\(\\)$`).test(right.text) ? left.text : undefined;
}

function mentions(node: Node, name: string): boolean {
  return new RegExp(`(^|[^\\w.])${name}\\b`).test(node.text);
}

function enclosingAsyncFunction(node: Node): Node | undefined {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === 'function_definition') return p.text.startsWith('async') ? p : undefined;
  }
  return undefined;
}

function topLevelStatement(node: Node): Node | undefined {
  let n: Node | null = node;
  while (n && n.parent && n.parent.type !== 'module') n = n.parent;
  return n?.parent?.type === 'module' ? n : undefined;
}

function removeLine(text: string, st: Node): OffsetEdit {
  const start = text.lastIndexOf('\n', st.startIndex - 1) + 1;
  const eol = text.indexOf('\n', st.endIndex);
  const end = eol === -1 ? text.length : eol + 1;
  return { start, end, newText: '' };
}
