/**
 * memlint in a real VS Code, on a copy of examples/ (memlint.scanWorkspaceOnStartup off, see run.mjs):
 * - the scan command fills the Problems panel for files that are not open, with exactly the CLI's findings;
 * - an opened file's diagnostics match the CLI's;
 * - every quick fix (and "Ignore ... on this line") applies through vscode.executeCodeActionProvider and
 *   clears its diagnostic;
 * - the memory budget shows as a code lens and a hover on the example gunicorn config, with the CLI's estimate;
 * - the documentation, report and restart commands work.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

interface CliFinding {
  ruleId: string;
  file: string;
  range: { start: { line: number; column: number } };
}

const EXTENSION_ID = 'memlint.memlint';
const root = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const rel = (uri: vscode.Uri) => path.relative(root(), uri.fsPath).split(path.sep).join('/');
const codeOf = (d: vscode.Diagnostic) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code));
const key = (file: string, ruleId: string, line: number, col: number) => `${file}:${line}:${col} ${ruleId}`;

function memlintDiagnostics(): [vscode.Uri, vscode.Diagnostic[]][] {
  return vscode.languages
    .getDiagnostics()
    .map(([uri, ds]) => [uri, ds.filter((d) => d.source === 'memlint')] as [vscode.Uri, vscode.Diagnostic[]])
    .filter(([, ds]) => ds.length > 0);
}

function diagnosticKeys(filter?: (file: string) => boolean): string[] {
  return memlintDiagnostics()
    .filter(([uri]) => !filter || filter(rel(uri)))
    .flatMap(([uri, ds]) => ds.map((d) => key(rel(uri), codeOf(d), d.range.start.line + 1, d.range.start.character + 1)))
    .sort();
}

/** Waits (on diagnostics change events) until `probe` holds. */
function waitFor(probe: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (probe()) return resolve();
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const sub = vscode.languages.onDidChangeDiagnostics(() => {
      if (!probe()) return;
      clearTimeout(timer);
      sub.dispose();
      resolve();
    });
  });
}

/** The CLI's JSON report of the workspace (the engine's own answer). */
function cliReport(): { findings: CliFinding[]; budgets: CliBudget[] } {
  const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
  const cli = process.env.MEMLINT_CLI ?? path.join(ext.extensionPath, 'dist', 'cli.js');
  let out: string;
  try {
    out = execFileSync(process.execPath, [cli, '.', '--format', 'json'], { cwd: root(), encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
  } catch (e) {
    // Exit code 1 means "findings found"; the JSON is on stdout either way.
    out = String((e as { stdout?: string }).stdout ?? '');
  }
  return JSON.parse(out) as { findings: CliFinding[]; budgets: CliBudget[] };
}

/** The CLI's findings on the workspace, as keys. */
function cliKeys(filter?: (file: string) => boolean): string[] {
  return cliReport()
    .findings.map((f) => ({ ...f, file: f.file.replace(/^\.\//, '') }))
    .filter((f) => !filter || filter(f.file))
    .map((f) => key(f.file, f.ruleId, f.range.start.line, f.range.start.column))
    .sort();
}

interface CliBudget {
  id: string;
  deploy: string;
  totalMb: number;
  idleMb: number;
  peakMb: number;
  limitMb?: number;
  limit?: string;
  items: { label: string; count: number; eachMb: number; mb: number }[];
}

/** The CLI's memory budgets of the workspace (the estimate the editor should show). */
function cliBudgets(): CliBudget[] {
  return cliReport().budgets;
}

/** Asks a provider command until `found` accepts its answer (the server may still be opening the folder). */
async function poll<T>(ask: () => Thenable<T>, found: (v: T) => boolean, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await ask();
    if (found(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last answer: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const hoverText = (hovers: vscode.Hover[]) =>
  hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');

/** Quick fixes at a range; retried when VS Code cancels the request (it does when a document changes meanwhile). */
async function codeActionsAt(uri: vscode.Uri, range: vscode.Range): Promise<vscode.CodeAction[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await vscode.commands.executeCommand('vscode.executeCodeActionProvider', uri, range, vscode.CodeActionKind.QuickFix.value)) as vscode.CodeAction[];
    } catch (e) {
      if (attempt >= 3 || !/Canceled/i.test(String(e))) throw e;
      console.log(`    (code actions for ${rel(uri)} were cancelled; asking again)`);
    }
  }
}

const isOpen = (file: string) => vscode.workspace.textDocuments.some((d) => d.uri.scheme === 'file' && rel(d.uri) === file);

describe('memlint in VS Code', function () {
  before(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed`);
    await ext.activate();
  });

  it('the scan command fills the Problems panel for closed files, exactly as the CLI reports', async () => {
    assert.deepEqual(diagnosticKeys((f) => !isOpen(f)), [], 'closed files have diagnostics before any scan (startup scan should be off)');
    const expected = cliKeys();
    assert.ok(expected.length > 0, 'the CLI finds nothing in the example workspace');
    const result = (await vscode.commands.executeCommand('memlint.scanWorkspace')) as { files: number; findings: number; cancelled: boolean };
    assert.equal(result.cancelled, false);
    await waitFor(() => diagnosticKeys().length >= expected.length, `${expected.length} diagnostics`);
    assert.deepEqual(diagnosticKeys(), expected);
  });

  it('an opened file has the same diagnostics as the CLI reports for it', async () => {
    const file = 'django-app/shop/views.py';
    const doc = await vscode.workspace.openTextDocument(path.join(root(), file));
    await vscode.window.showTextDocument(doc);
    const expected = cliKeys((f) => f === file);
    await waitFor(() => diagnosticKeys((f) => f === file).length === expected.length, `diagnostics of ${file}`);
    assert.deepEqual(diagnosticKeys((f) => f === file), expected);
  });

  it('shows the memory budget as a code lens and a hover on the gunicorn config\'s workers line', async () => {
    const file = 'django-app/gunicorn.conf.py';
    const uri = vscode.Uri.file(path.join(root(), file));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const line = doc.getText().split('\n').findIndex((l) => /^workers\s*=/.test(l));
    assert.ok(line >= 0, `no workers line in ${file}`);
    const budget = cliBudgets().find((b) => b.id === 'render.yaml#shop-api');
    assert.ok(budget && budget.limitMb, 'the CLI reports no budget for the shop-api service');
    // The lens gives the idle and peak figures the CLI reports, the verdict against the plan at peak.
    const expected = `${budget.deploy}: ~${Math.round(budget.idleMb)} MB idle, ~${Math.round(budget.peakMb)} MB at peak of ${budget.limitMb} MB (${budget.limit})`;

    const lenses = await poll(
      () => vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri),
      (ls) => (ls ?? []).some((l) => l.command?.title.includes(expected)),
      `a code lens "${expected}"`,
    );
    const lens = lenses.find((l) => l.command?.title.includes(expected))!;
    assert.equal(lens.range.start.line, line);
    assert.equal(lens.command!.command, 'memlint.showBudgetBreakdown');
    console.log(`    lens: ${lens.command!.title}`);

    const hovers = await poll(
      () => vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(line, 2)),
      (hs) => hoverText(hs ?? []).includes('memory budget of'),
      'the memory budget hover',
    );
    const text = hoverText(hovers);
    for (const item of budget.items) {
      assert.ok(text.includes(`| ${item.count} | ~${Math.round(item.eachMb)} MB | ${Math.round(item.mb)} MB |`), `no row for ${item.label} in the hover:\n${text}`);
    }
    assert.ok(text.includes(`| **idle** | | | **~${Math.round(budget.idleMb)} MB** |`), text);
    assert.ok(text.includes(`| **peak** | | | **~${Math.round(budget.peakMb)} MB** |`), text);

    // The lens's command shows that hover at the line.
    await vscode.commands.executeCommand(lens.command!.command, ...(lens.command!.arguments ?? []));
    assert.equal(vscode.window.activeTextEditor?.selection.active.line, line);
  });

  it('every quick fix and every "Ignore" action applies through the code action provider and clears its diagnostic', async () => {
    const applied: string[] = [];
    for (const [uri, initial] of memlintDiagnostics()) {
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc);
      for (let i = 0; i < initial.length; i++) {
        const current = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'memlint');
        const diagnostic = current[i];
        const code = codeOf(diagnostic);
        const all = await codeActionsAt(uri, diagnostic.range);
        // The API's actions carry no `diagnostics`: take those offered at the diagnostic's range. "Treat `X` as a
        // small table" edits the workspace's settings file, which takes effect once saved: test/lsp/small-tables.test.ts.
        const actions = all.filter((a) => a.edit && !a.title.startsWith('Fix all ') && !/ as a small table \(/.test(a.title));
        assert.ok(
          actions.some((a) => a.title === `Ignore ${code} on this line`) || doc.languageId === 'json',
          `no ignore action for ${code} in ${rel(uri)} (language ${doc.languageId}); actions: ${all.map((a) => a.title).join(' | ')}`,
        );
        for (const action of actions) {
          const count = () => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'memlint').length;
          const before = count();
          assert.ok(await vscode.workspace.applyEdit(action.edit!), `${action.title} did not apply`);
          await waitFor(() => count() < before, `"${action.title}" to clear a diagnostic in ${rel(uri)}`, 30_000);
          applied.push(`${rel(uri)}: ${action.title}`);
          console.log(`    applied ${rel(uri)}: ${action.title}`);
          // Back to the original text for the next action.
          await vscode.window.showTextDocument(doc);
          await vscode.commands.executeCommand('workbench.action.files.revert');
          await waitFor(() => count() === before, `the diagnostics of ${rel(uri)} back after revert`, 30_000);
        }
      }
    }
    assert.ok(applied.some((a) => !a.includes(': Ignore ')), `no quick fix was applied: ${applied.join('; ')}`);
    console.log(`    applied ${applied.length} actions`);
  });

  it('shows a rule\'s documentation from the bundled docs', async () => {
    const ruleId = 'large-page-size';
    assert.ok(fs.existsSync(path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'docs', 'rules', `${ruleId}.md`)));
    await vscode.commands.executeCommand('memlint.showDocumentation', ruleId, `https://example.invalid/${ruleId}.md`);
    const labels = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => t.label));
    for (let i = 0; i < 50 && !labels().some((l) => l.includes(ruleId)); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(labels().some((l) => l.includes(ruleId)), `no tab for ${ruleId}: ${labels().join(', ')}`);
  });

  it('opens the report view', async () => {
    await vscode.commands.executeCommand('memlint.showReport');
    const labels = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => t.label));
    for (let i = 0; i < 50 && !labels().includes('memlint report'); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(labels().includes('memlint report'), labels().join(', '));
  });

  it('restarts a crashed server by itself and gets the open file\'s diagnostics back', async () => {
    const file = 'django-app/shop/views.py';
    const before = diagnosticKeys((f) => f === file);
    assert.ok(before.length > 0);
    // The language server is a child of this extension host, started with --node-ipc.
    const children = fs.readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
    const server = children.find((pid) => {
      try {
        return /dist\/server\.js.*--node-ipc/.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
      } catch {
        return false;
      }
    });
    assert.ok(server, 'no memlint server process found');
    process.kill(server, 'SIGKILL');
    await waitFor(() => diagnosticKeys((f) => f === file).length === 0, 'the client to drop the dead server\'s diagnostics', 30_000);
    await waitFor(() => diagnosticKeys((f) => f === file).length === before.length, 'diagnostics from the restarted server', 60_000);
    assert.deepEqual(diagnosticKeys((f) => f === file), before);
  });

  it('restarts the server and gets the open file\'s diagnostics back', async () => {
    const file = 'django-app/shop/views.py';
    const before = diagnosticKeys((f) => f === file);
    await vscode.commands.executeCommand('memlint.restartServer');
    await waitFor(() => diagnosticKeys((f) => f === file).length === before.length, 'diagnostics after restart');
    assert.deepEqual(diagnosticKeys((f) => f === file), before);
  });
});
