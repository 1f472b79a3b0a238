/**
 * UI check of the extension in a real VS Code (code-server's workbench in chromium, see host.ts): opens a copy
 * of examples/, waits for memlint's squiggle, the Problems panel (including files that are not open, from the
 * workspace scan), the quick-fix menu, the text after the fix, the report view and its memory budget chart, the
 * memory-budget code lens and hover on gunicorn.conf.py, the lens on a fly.toml that opens as Plain Text, and the
 * message shown when
 * the server crashed and was restarted. Screenshots of each step go to test-results/ui/.
 *
 *   npm run build && npx tsx test/e2e/ui-check.ts [--extension <root>] [--out test-results/ui]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { openWorkbench } from './host';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { extension: { type: 'string', default: REPO_ROOT }, out: { type: 'string', default: path.join(REPO_ROOT, 'test-results', 'ui') } },
  });
  const out = path.resolve(values.out!);
  fs.mkdirSync(out, { recursive: true });
  const extension = path.resolve(values.extension!);
  for (const f of ['dist/client.js', 'dist/server.js', 'dist/server-worker.js']) {
    if (!fs.existsSync(path.join(extension, f))) throw new Error(`${path.join(extension, f)} missing: run npm run build`);
  }
  // A copy: the quick fix edits the file.
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-ui-'));
  fs.cpSync(path.join(REPO_ROOT, 'examples'), ws, { recursive: true });
  // A Fly.io app: fly.toml opens as Plain Text in this bare VS Code (no TOML extension), memlint claims it by name.
  fs.cpSync(path.join(REPO_ROOT, 'test/fixtures/memory-budget/fly-fastapi'), path.join(ws, 'fly-api'), { recursive: true });
  const viewsRel = 'django-app/shop/views.py';
  const viewsText = fs.readFileSync(path.join(ws, viewsRel), 'utf8');
  const targetLine = viewsText.split('\n').findIndex((l) => /page_size = \d{4,}/.test(l)) + 1;
  if (targetLine < 1) throw new Error(`${viewsRel} has no large page_size to fix`);
  const workersLine = fs.readFileSync(path.join(ws, 'django-app/gunicorn.conf.py'), 'utf8').split('\n').findIndex((l) => /^workers\s*=/.test(l)) + 1;
  if (workersLine < 1) throw new Error('django-app/gunicorn.conf.py has no workers line');

  const started = Date.now();
  const step = (name: string) => console.log(`[ui] ${((Date.now() - started) / 1000).toFixed(1)} s  ${name}`);
  const wb = await openWorkbench({ extensionDevelopmentPath: extension, workspaceFolder: ws });
  const { page } = wb;
  const shot = (name: string) => page.screenshot({ path: path.join(out, `${name}.png`) });
  try {
    step('workbench open');
    // Open views.py with Quick Open.
    await page.keyboard.press('Control+P');
    await page.keyboard.type('shop/views.py');
    await page.locator('.quick-input-widget .monaco-list-row').first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.monaco-editor .squiggly-warning, .monaco-editor .squiggly-error').first().waitFor({ timeout: 60_000 });
    step('squiggle shown');
    await shot('1-squiggle');

    await page.keyboard.press('Control+Shift+M');
    const rows = page.locator('.markers-panel .monaco-list-row');
    await rows.first().waitFor();
    // Files that are not open (settings.py, gunicorn.conf.py, Procfile...) are listed from the workspace scan.
    await page.locator('.markers-panel .monaco-list-row', { hasText: /settings\.py|gunicorn\.conf\.py|Procfile|render\.yaml/ }).first().waitFor({ timeout: 60_000 });
    step(`Problems panel: ${await rows.count()} rows`);
    await shot('2-problems');

    // Go to the finding's line, open the quick-fix menu.
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+G');
    await page.keyboard.type(String(targetLine));
    await page.keyboard.press('Enter');
    await page.keyboard.press('End');
    await page.keyboard.press('Control+.');
    const fixRow = page.locator('.action-widget .monaco-list-row', { hasText: 'Set the page size' });
    await fixRow.first().waitFor();
    await page.locator('.action-widget .monaco-list-row.focused').first().waitFor();
    step('quick-fix menu open');
    await shot('3-quickfix-menu');
    // Move focus to the fix (it is the preferred one, usually first) and apply it with Enter.
    for (let i = 0; i < 10 && !(await page.locator('.action-widget .monaco-list-row.focused', { hasText: 'Set the page size' }).count()); i++) {
      await page.keyboard.press('ArrowDown');
    }
    await page.keyboard.press('Enter');
    // The editor renders spaces as no-break spaces (\s matches both).
    await page.locator('.monaco-editor .view-line', { hasText: /page_size\s=\s100(?!\d)/ }).first().waitFor();
    await page.waitForFunction(
      (line) => !Array.from(document.querySelectorAll('.markers-panel .monaco-list-row')).some((r) => r.textContent?.includes('large-page-size') && r.textContent.includes(`[Ln ${line},`)),
      targetLine,
    );
    step('fix applied, marker gone');
    await shot('4-after-fix');

    await page.keyboard.press('F1');
    await page.keyboard.type('memlint: Show Report');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Show Report' }).first().waitFor();
    await page.keyboard.press('Enter');
    const report = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
    await report.locator('h1', { hasText: 'memlint report' }).waitFor({ timeout: 60_000 });
    await report.locator('table').first().waitFor();
    step('report view shown');
    await shot('5-report');
    // The memory budget as a chart: one per deploy, an accessible image, with the limit line.
    // The report re-renders when the workspace scan it started finishes, replacing the webview's document: a step
    // caught in between fails with "Cannot find context" (or "Unable to adopt element handle from a different
    // document"), so the chart is located again from scratch then.
    let chartName: string | null = null;
    for (let attempt = 1; ; attempt++) {
      try {
        const chart = report.locator('svg.budget-chart').first();
        await chart.waitFor({ timeout: 60_000 });
        chartName = await chart.locator('title').first().textContent();
        if (!/Memory budget of /.test(chartName ?? '')) throw new Error(`budget chart without a title: ${chartName}`);
        if ((await chart.locator('rect.segment').count()) === 0) throw new Error('budget chart without bars');
        await chart.scrollIntoViewIfNeeded();
        break;
      } catch (e) {
        // A chart caught while the report re-renders can also be an empty placeholder for a moment: asked again.
        if (attempt >= 5 || !/context|detached|Target closed|Execution context|different document|without bars/i.test(String(e))) throw e;
        await page.waitForTimeout(500);
      }
    }
    step(`budget chart shown: ${chartName}`);
    await shot('5a-budget-chart');

    // The memory budget above gunicorn.conf.py's workers line, and its breakdown in the hover.
    await page.keyboard.press('Control+P');
    await page.keyboard.type('django-app/gunicorn.conf.py');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'gunicorn.conf.py' }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.monaco-editor .codelens-decoration', { hasText: 'memlint:' }).first().waitFor({ timeout: 60_000 });
    step('budget code lens shown');
    await shot('5b-budget-codelens');
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+G');
    await page.keyboard.type(String(workersLine));
    await page.keyboard.press('Enter');
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+I');
    await page.locator('.monaco-hover', { hasText: 'memory budget of' }).first().waitFor({ timeout: 30_000 });
    step('budget hover shown');
    await shot('5c-budget-hover');
    await page.keyboard.press('Escape');

    // fly.toml in the bare editor (Plain Text): its budget lens against the VM's 512 MB.
    await page.keyboard.press('Control+P');
    await page.keyboard.type('fly-api/fly.toml');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'fly.toml' }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.statusbar-item', { hasText: /^Plain Text$/ }).first().waitFor({ timeout: 30_000 });
    await page.locator('.monaco-editor .codelens-decoration', { hasText: /memlint:.*of 512 MB/ }).first().waitFor({ timeout: 60_000 });
    step('fly.toml (Plain Text) budget code lens shown');
    await shot('5d-fly-toml-codelens');

    // A crash of the server: the client restarts it and says so.
    const server = findServerProcess(extension);
    if (!server) throw new Error('no memlint language server process found');
    process.kill(server, 'SIGKILL');
    await page.locator('.notification-toast', { hasText: 'stopped unexpectedly and was restarted' }).first().waitFor({ timeout: 60_000 });
    step('restart notification shown');
    await shot('6-crash-restarted');
    console.log(`[ui] passed; screenshots in ${path.relative(process.cwd(), out)}`);
  } catch (e) {
    await shot('failure').catch(() => undefined);
    throw e;
  } finally {
    await wb.close();
    fs.rmSync(ws, { recursive: true, force: true });
  }
}

/** The pid of the language server started from this extension (cmdline `<ext>/dist/server.js --node-ipc`). */
function findServerProcess(extension: string): number | undefined {
  const script = path.join(extension, 'dist', 'server.js');
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmd.includes(script) && cmd.some((a) => a.startsWith('--node-ipc'))) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(`[ui] failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    process.exit(1);
  },
);
