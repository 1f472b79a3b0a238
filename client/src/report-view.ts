/**
 * The report view: a webview with the workspace report from the server (`memlint/report`): totals, the memory
 * budget, tables by rule and by file; locations open the file, fix buttons apply a fix through the server
 * (`memlint/applyFix`, which re-checks the current text first). Refreshes when the results change.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { esc } from '../../rules/shared/html-escape';
import { BUDGET_CHART_CSS, budgetChartSvg, budgetLegendHtml, chartSummary } from '../../server/src/report/budget-chart';
import {
  ApplyFixRequest,
  ReportRequest,
  ShowDocumentationCommand,
  type ApplyFixResult,
  type ReportFinding,
  type WorkspaceReport,
} from '../../server/src/lsp/protocol';

const MAX_FILES = 300;
const MAX_FINDINGS_PER_FILE = 50;

type FromWebview =
  | { type: 'open'; uri: string; line: number; character: number }
  | { type: 'fix'; uri: string; ruleId: string; range: ReportFinding['range']; fixIndex: number }
  | { type: 'docs'; ruleId: string; href: string }
  | { type: 'refresh' }
  | { type: 'scan' };

export class ReportPanel {
  private panel: vscode.WebviewPanel | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  /** The last report shown (tests read it). */
  lastReport: WorkspaceReport | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly client: () => LanguageClient,
  ) {}

  async show(): Promise<void> {
    if (this.panel) {
      this.panel.reveal();
    } else {
      this.panel = vscode.window.createWebviewPanel('memlint.report', 'memlint report', vscode.ViewColumn.Active, {
        enableScripts: true,
        localResourceRoots: [],
        retainContextWhenHidden: false,
      });
      this.panel.iconPath = vscode.Uri.joinPath(this.context.extensionUri, 'images', 'icon.png');
      this.panel.onDidDispose(() => (this.panel = undefined), undefined, this.context.subscriptions);
      this.panel.webview.onDidReceiveMessage((m: FromWebview) => void this.onMessage(m), undefined, this.context.subscriptions);
      this.panel.onDidChangeViewState(() => this.panel?.visible && this.onStatus());
    }
    await this.refresh();
  }

  /** Results changed: refresh soon if the view is visible. */
  onStatus(): void {
    if (!this.panel?.visible || this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refresh();
    }, 300);
  }

  async refresh(): Promise<void> {
    if (!this.panel) return;
    let report: WorkspaceReport | undefined;
    let error: string | undefined;
    try {
      report = await this.client().sendRequest<WorkspaceReport>(ReportRequest);
    } catch (e) {
      error = String((e as Error)?.message ?? e);
    }
    this.lastReport = report;
    if (this.panel) this.panel.webview.html = render(report, error, nonce());
  }

  private async onMessage(m: FromWebview): Promise<void> {
    switch (m?.type) {
      case 'open': {
        const uri = vscode.Uri.parse(m.uri);
        const pos = new vscode.Position(m.line, m.character);
        await vscode.window.showTextDocument(uri, { selection: new vscode.Range(pos, pos), viewColumn: vscode.ViewColumn.One });
        break;
      }
      case 'fix': {
        const answer = await this.client().sendRequest<ApplyFixResult>(ApplyFixRequest, { uri: m.uri, ruleId: m.ruleId, range: m.range, fixIndex: m.fixIndex });
        if (!answer.applied) void vscode.window.showWarningMessage(`memlint: the fix was not applied: ${answer.reason ?? 'unknown reason'}.`);
        else {
          // A fix on a closed file edits it in the background; save it so the workspace results follow.
          const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === vscode.Uri.parse(m.uri).toString());
          if (doc?.isDirty) await doc.save();
        }
        await this.refresh();
        break;
      }
      case 'docs':
        await vscode.commands.executeCommand(ShowDocumentationCommand, m.ruleId, m.href);
        break;
      case 'refresh':
        await this.refresh();
        break;
      case 'scan':
        await vscode.commands.executeCommand('memlint.scanWorkspace');
        break;
    }
  }
}

function nonce(): string {
  let s = '';
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  for (let i = 0; i < 32; i++) s += chars[Math.floor(Math.random() * chars.length)];
  return s;
}

const attr = (v: unknown) => esc(JSON.stringify(v));
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The report page. Exported for tests. */
export function render(report: WorkspaceReport | undefined, error: string | undefined, n: string): string {
  const body = report ? renderReport(report) : `<p class="error">The report is not available: ${esc(error ?? 'no answer from the language server')}.</p>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${n}'; script-src 'nonce-${n}';">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>memlint report</title>
<style nonce="${n}">
  body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 16px 24px; }
  h1 { font-size: 1.5em; margin: 16px 0 4px; } h2 { font-size: 1.15em; margin: 22px 0 6px; }
  table { border-collapse: collapse; width: 100%; margin: 4px 0 8px; }
  th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--vscode-editorWidget-border, #8884); vertical-align: top; }
  th { font-weight: 600; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  tr.file td { background: var(--vscode-editor-inactiveSelectionBackground, #8882); font-weight: 600; }
  a { color: var(--vscode-textLink-foreground); cursor: pointer; text-decoration: none; } a:hover { text-decoration: underline; }
  button { background: var(--vscode-button-secondaryBackground, #555); color: var(--vscode-button-secondaryForeground, #fff); border: none; padding: 2px 8px; margin: 1px 4px 1px 0; cursor: pointer; border-radius: 2px; font-size: 0.92em; }
  button.primary { background: var(--vscode-button-background); color: var(--vscode-button-foreground); }
  button:hover { filter: brightness(1.15); }
  .sev { display: inline-block; min-width: 4.5em; font-size: 0.85em; padding: 0 4px; border-radius: 3px; }
  .sev-error { background: var(--vscode-inputValidation-errorBackground, #a003); } .sev-warning { background: var(--vscode-inputValidation-warningBackground, #a803); }
  .sev-info, .sev-hint { background: var(--vscode-inputValidation-infoBackground, #08a3); }
  .muted { opacity: 0.75; } .error { color: var(--vscode-errorForeground); }
  .box { border: 1px solid var(--vscode-editorWidget-border, #8884); padding: 6px 10px; margin: 8px 0; border-radius: 3px; }
  .toolbar { margin: 8px 0 4px; }
  .budget { border: 1px solid var(--vscode-editorWidget-border, #8884); padding: 6px 10px; margin: 8px 0; border-radius: 3px; }
  ${BUDGET_CHART_CSS}
</style></head>
<body>
${body}
<script nonce="${n}">
  const vscode = acquireVsCodeApi();
  document.addEventListener('click', (event) => {
    const el = event.target.closest('[data-msg]');
    if (!el) return;
    event.preventDefault();
    if (el.tagName === 'BUTTON') el.disabled = true;
    vscode.postMessage(JSON.parse(el.getAttribute('data-msg')));
  });
</script>
</body></html>`;
}

function renderReport(r: WorkspaceReport): string {
  const t = r.totals;
  const parts: string[] = [];
  const scan =
    r.scan.state === 'running' ? 'scan running…'
    : r.scan.state === 'done' ? `workspace scanned: ${plural(r.scan.files, 'file')} in ${(r.scan.durationMs / 1000).toFixed(1)} s`
    : r.scan.state === 'cancelled' ? 'scan cancelled; results are partial'
    : 'workspace not scanned yet: only open files are included';
  parts.push(`<h1>memlint report</h1>
<p class="muted">${esc(r.folders.join(', ') || 'no workspace folder')} · ${esc(scan)} · ${esc(new Date(r.generatedAt).toLocaleString())}</p>
<div class="toolbar"><button class="primary" data-msg="${attr({ type: 'scan' })}">Scan workspace</button><button data-msg="${attr({ type: 'refresh' })}">Refresh</button></div>
<p><strong>${plural(t.findings, 'problem')}</strong> in ${plural(t.filesWithFindings, 'file')} (${plural(t.files, 'file')} analysed) ·
${t.bySeverity.error} errors · ${t.bySeverity.warning} warnings · ${t.bySeverity.info + t.bySeverity.hint} infos · ${t.fixable} with a quick fix</p>`);

  if (r.configErrors.length) {
    parts.push(`<div class="box error"><strong>Configuration errors</strong> (those folders are not analysed):<ul>${r.configErrors.map((e) => `<li>${esc(e)}</li>`).join('')}</ul></div>`);
  }
  const charts = r.budgetCharts ?? [];
  const unestimated = r.unestimated ?? [];
  if (r.budget.length || charts.length || unestimated.length) parts.push('<h2>Memory budget</h2>');
  charts.forEach((c, i) => {
    const over = c.limitMb !== undefined && c.now.totalMb > c.limitMb;
    parts.push(`<div class="budget"><strong>${esc(c.label)}</strong> <span class="${over ? 'error' : 'muted'}">${esc(chartSummary(c).slice(c.label.length + 2))}</span>`);
    parts.push(budgetChartSvg(c, `budget-${i}`), budgetLegendHtml(c), '</div>');
  });
  for (const u of unestimated) {
    const where = u.uri && u.relPath ? location(u.uri, `${u.relPath}${u.line ? `:${u.line}` : ''}`, { range: { start: { line: Math.max(0, (u.line ?? 1) - 1), character: 0 }, end: { line: Math.max(0, (u.line ?? 1) - 1), character: 0 } } }) : '';
    parts.push(`<div class="budget"><strong>${esc(u.label)}</strong> <span class="muted">not estimated</span><br>${where}${where ? ': ' : ''}${esc(u.reason)}</div>`);
  }
  if (r.budget.length) {
    parts.push('<table><tr><th>Where</th><th>Over budget</th></tr>');
    for (const b of r.budget) parts.push(`<tr><td>${location(b.uri, b.relPath, b)}</td><td>${esc(b.message)}</td></tr>`);
    parts.push('</table>');
  }
  parts.push('<h2>By rule</h2>');
  if (r.byRule.length === 0) parts.push('<p class="muted">No problems found.</p>');
  else {
    parts.push('<table><tr><th>Rule</th><th>Severity</th><th class="num">Problems</th><th class="num">Files</th><th class="num">Fixable</th></tr>');
    for (const rule of r.byRule) {
      parts.push(`<tr><td><a title="Show documentation" data-msg="${attr({ type: 'docs', ruleId: rule.ruleId, href: rule.docsUrl })}">${esc(rule.ruleId)}</a></td><td>${severity(rule.severity)}</td><td class="num">${rule.count}</td><td class="num">${rule.files}</td><td class="num">${rule.fixable}</td></tr>`);
    }
    parts.push('</table>');
  }
  if (r.byFile.length) {
    parts.push('<h2>By file</h2><table><tr><th>Location</th><th>Rule</th><th>Problem</th><th>Fix</th></tr>');
    for (const file of r.byFile.slice(0, MAX_FILES)) {
      parts.push(`<tr class="file"><td colspan="4"><a data-msg="${attr({ type: 'open', uri: file.uri, line: 0, character: 0 })}">${esc(file.relPath)}</a> <span class="muted">· ${plural(file.findings.length, 'problem')}${file.source === 'open' ? ' · open in the editor' : ''}</span></td></tr>`);
      for (const f of file.findings.slice(0, MAX_FINDINGS_PER_FILE)) {
        const fixes = f.fixes
          .map((x, i) => `<button title="${x.safety === 'unsafe' ? 'Changes behaviour: review the result' : 'Safe fix'}" data-msg="${attr({ type: 'fix', uri: file.uri, ruleId: f.ruleId, range: f.range, fixIndex: i })}">${esc(x.title)}${x.safety === 'unsafe' ? ' ⚠' : ''}</button>`)
          .join('');
        parts.push(`<tr><td>${location(file.uri, `${f.range.start.line + 1}:${f.range.start.character + 1}`, f)}</td><td>${severity(f.severity)} ${esc(f.ruleId)}</td><td>${f.detail ? `<details><summary>${esc(f.message)}</summary><span class="muted">${esc(f.detail)}</span></details>` : esc(f.message)}</td><td>${fixes}</td></tr>`);
      }
      if (file.findings.length > MAX_FINDINGS_PER_FILE) parts.push(`<tr><td colspan="4" class="muted">… ${file.findings.length - MAX_FINDINGS_PER_FILE} more in this file (see the Problems panel)</td></tr>`);
    }
    parts.push('</table>');
    if (r.byFile.length > MAX_FILES) parts.push(`<p class="muted">… ${r.byFile.length - MAX_FILES} more files (see the Problems panel).</p>`);
  }
  if (r.notes.length) {
    parts.push(`<details><summary>${plural(r.notes.length, 'note')} (files skipped, rules that failed)</summary><ul>${r.notes.map((x) => `<li>${esc(x)}</li>`).join('')}</ul></details>`);
  }
  return parts.join('\n');
}

function location(uri: string, label: string, f: { range: ReportFinding['range'] }): string {
  return `<a data-msg="${attr({ type: 'open', uri, line: f.range.start.line, character: f.range.start.character })}">${esc(label)}</a>`;
}

function severity(s: ReportFinding['severity']): string {
  return `<span class="sev sev-${s}">${s}</span>`;
}
