/**
 * browser-per-request (Python): a headless browser (Playwright, pyppeteer, Selenium) launched inside code
 * that runs per request or per task.
 */
import type { Node } from 'web-tree-sitter';
import { defineRule, type ReportSpec } from '../api';
import { BROWSER_MESSAGE_IDS, browserPerRequestMeta, type Closing } from './meta';
import { ancestor, captures } from '../../analysis/python/ast';
import { callsNamedInModule } from '../../analysis/python/statements';
import { importsOf, type ImportMap } from '../../analysis/python/imports';
import { assignedTarget, memoisedAssignment } from '../../analysis/python/load-hoisting';
import { perRequestScope, type RequestScope } from '../../analysis/python/per-request';
import { sharedBrowserFix } from './python-fix';

const CANDIDATES = /\b(?:launch|launch_persistent_context|Chrome|Firefox|Edge|Safari|ChromiumEdge)\b/g;
const SELENIUM = /^(selenium\.webdriver|seleniumwire\.webdriver|seleniumwire\.undetected_chromedriver)\.(Chrome|Firefox|Edge|Safari|ChromiumEdge)$|^undetected_chromedriver\.Chrome$/;
/** Context managers whose exit closes the browsers started inside them. */
const CLOSING_CONTEXTS = /\b(sync_playwright|async_playwright)\s*\(/;

export default defineRule({
  meta: {
    ...browserPerRequestMeta,
    kinds: ['python'],
    trigger: /playwright|pyppeteer|selenium|undetected_chromedriver/,
    docs: {
      summary: 'A headless browser launched inside code that runs per request or per task.',
      whatItDoes:
        'Finds Playwright `p.chromium.launch()` / `firefox.launch()` / `webkit.launch()` / `launch_persistent_context()` (sync and ' +
        'async API), `pyppeteer.launch()` and Selenium `webdriver.Chrome()` / `Firefox()` / `Edge()` / `Safari()` (also ' +
        'seleniumwire and undetected-chromedriver) called in code that runs per request or per task: Flask/FastAPI/Starlette ' +
        'routes, FastAPI dependencies, Django and DRF views (function views, view classes), Celery/Dramatiq tasks, and the functions ' +
        'of the same file they call. The message says when the browser is also not closed on every path: not closed in a ' +
        '`finally`, not opened with `with webdriver.Chrome() as driver`, and not inside `with sync_playwright()` / ' +
        '`async with async_playwright()` (whose exit closes it). Not reported: connecting to a browser that runs elsewhere ' +
        '(`chromium.connect(...)`, `connect_over_cdp`, `webdriver.Remote`), a browser launched at startup or lazily once ' +
        '(`if _browser is None: _browser = ...` with a global), tests, scripts and management commands.',
      whyIsThisBad:
        'A browser is not an object but a process tree: Chromium starts a browser process, a GPU process, a network service ' +
        'and a renderer per page, 100-300 MB together before the page loads anything. Launched per request, every concurrent ' +
        'request holds its own tree, so four PDF downloads at once can use a gigabyte on an instance that has 512 MB. When an ' +
        'exception skips `browser.close()` / `driver.quit()`, the processes outlive the request and pile up until the instance ' +
        'is restarted.',
      example: {
        fileName: 'main.py',
        code: `from fastapi import FastAPI, Response
from playwright.async_api import async_playwright

app = FastAPI()


@app.get("/invoices/{number}.pdf")
async def invoice_pdf(number: int):
    async with async_playwright() as p:
        browser = await p.chromium.launch()
        page = await browser.new_page()
        await page.goto(f"http://localhost:8000/invoices/{number}/print")
        return Response(await page.pdf(), media_type="application/pdf")
`,
      },
      useInstead: {
        fileName: 'main.py',
        code: `import asyncio

from fastapi import FastAPI, Response
from playwright.async_api import async_playwright

app = FastAPI()

_shared_browser = None


async def _launch_browser():
    playwright = await async_playwright().start()
    return await playwright.chromium.launch()


async def get_browser():
    """One browser per process, started on first use and shared by every request; each request opens and closes its own page."""
    global _shared_browser
    if _shared_browser is None:
        _shared_browser = asyncio.ensure_future(_launch_browser())
    try:
        return await _shared_browser
    except Exception:
        _shared_browser = None  # a failed launch is retried by the next request
        raise


@app.get("/invoices/{number}.pdf")
async def invoice_pdf(number: int):
    browser = await get_browser()
    page = await browser.new_page()
    try:
        await page.goto(f"http://localhost:8000/invoices/{number}/print")
        return Response(await page.pdf(), media_type="application/pdf")
    finally:
        await page.close()
`,
      },
      fixSafety:
        'Unsafe, and offered only for async Playwright in the shape `async with async_playwright() as p:` / `browser = await ' +
        'p.chromium.launch(options)` / `page = await browser.new_page()` with options that use nothing local to the handler: the ' +
        'fix adds a module-level `get_browser()` that starts Playwright and the browser on first use (one per worker process, ' +
        'shared by every request; a failed launch is retried by the next request), replaces the `async with` block with ' +
        '`browser = await get_browser()`, removes `await browser.close()` and closes the page in a `finally`. Requests then share ' +
        'one browser: the default context\'s cookies and cache are shared (use `browser.new_context()` per request when that ' +
        'matters), a crashed browser is not restarted, and about 100 MB stays in use between requests. Sync Playwright objects and ' +
        'Selenium drivers belong to the thread that created them, and a Selenium driver is one session that concurrent requests ' +
        'cannot share: those get no fix (start an async browser in the lifespan, use a pool with a maximum, or a render service ' +
        'such as Browserless or Gotenberg).',
      notes:
        'Launches in a helper of another module count when the project\'s call graph reaches the helper from a view or route ' +
        '(imports, module aliases, instance and class methods, up to four calls); views routed from urls.py to a method of a ' +
        'plain class are not followed yet.',
    },
  },
  check(ctx) {
    const tree = ctx.python();
    const imports = importsOf(tree);
    for (const call of callsNamedInModule(tree, ctx.file.text, CANDIDATES)) {
      const api = launchName(call, imports);
      if (!api) continue;
      const scope = perRequestScope(ctx, call);
      if (!scope || memoisedAssignment(call, scope)) continue;
      ctx.report({ start: call.startIndex, end: call.endIndex, ...message(api, scope, closing(call)), fixes: sharedBrowserFix(tree, ctx.file.text, call) });
    }
  },
});

function launchName(call: Node, imports: ImportMap): string | undefined {
  const fn = call.childForFieldName('function');
  const q = imports.resolve(fn) ?? '';
  if (q === 'pyppeteer.launch' || q === 'pyppeteer.launcher.launch') return 'pyppeteer.launch()';
  if (SELENIUM.test(q)) return `webdriver.${q.split('.').pop()}()`;
  if (fn?.type !== 'attribute' || !imports.importsModule('playwright')) return undefined;
  const method = fn.childForFieldName('attribute')?.text;
  const engine = fn.childForFieldName('object');
  const engineName = engine?.type === 'attribute' ? engine.childForFieldName('attribute')?.text : undefined;
  if ((method === 'launch' || method === 'launch_persistent_context') && engineName && /^(chromium|firefox|webkit)$/.test(engineName)) return `${engineName}.${method}()`;
  return undefined;
}


/** Whether the browser is closed however the request ends. */
function closing(call: Node): Closing {
  // `with webdriver.Chrome() as driver:` / `async with await p.chromium.launch() as browser:`
  const expr = call.parent?.type === 'await' ? call.parent : call;
  if (expr.parent?.type === 'as_pattern' || expr.parent?.type === 'with_item') return 'always';
  for (let p: Node | null = call.parent; p; p = p.parent) {
    if (p.type === 'function_definition') break;
    if (p.type === 'with_statement' && CLOSING_CONTEXTS.test(p.namedChildren.find((c) => c?.type === 'with_clause')?.text ?? '')) return 'always';
  }
  const target = assignedTarget(call);
  const fn = ancestor(call, 'function_definition');
  if (!target || !fn) return 'never';
  const closes = new RegExp(`(^|[^\\w.])${target.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\.\\s*(close|quit)\\s*\\(`);
  for (const { node } of captures(fn.tree, '(finally_clause) @f', fn)) if (closes.test(node.text)) return 'always';
  return closes.test(fn.text) ? 'not-on-errors' : 'never';
}

function message(api: string, scope: RequestScope, closed: Closing): Pick<ReportSpec, 'messageId' | 'data' | 'detail'> {
  const per = scope.kind === 'task' ? 'task run' : 'request';
  const leak =
    closed === 'never'
      ? ', and nothing closes it, so its processes outlive the ' + per
      : closed === 'not-on-errors'
        ? ', and it is not closed on every path: an exception before the close leaves its processes running'
        : '';
  return {
    messageId: BROWSER_MESSAGE_IDS[closed],
    data: { per },
    detail:
      `Launches a whole browser (${api}: a process tree of 100-300 MB) on every ${per} in ${scope.label}, one per concurrent ${per}${leak}. ` +
      `Start one shared browser per process (or use a pool with a maximum) and open a page per ${per}, closed in finally.`,
  };
}
