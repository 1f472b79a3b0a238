/**
 * `--format html`: one self-contained page (inline CSS, no scripts or network): totals, by rule, by file,
 * and every finding with its code excerpt and the change its fix makes.
 */
import { esc } from '../../../rules/shared/html-escape';
import type { WorkspaceReport } from '../engine/report';
import type { Finding, Fix } from '../engine/types';
import { LineIndex } from '../engine/text';
import type { DisplayPath } from './display';
import { BUDGET_CSS, budgetHtml } from './format-budget';


const CSS = `
body{font:14px/1.5 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px}
.sub{color:#59636e}
.cards{display:flex;gap:12px;margin:16px 0;flex-wrap:wrap}
.card{background:#fff;border:1px solid #d1d9e0;border-radius:8px;padding:12px 16px;min-width:120px}
.card b{display:block;font-size:26px}
table{border-collapse:collapse;background:#fff;width:100%;border:1px solid #d1d9e0}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #eef1f4}th{background:#f0f3f6}
.finding{background:#fff;border:1px solid #d1d9e0;border-radius:8px;margin:12px 0;overflow:hidden}
.finding header{padding:8px 12px;border-bottom:1px solid #eef1f4}
.finding .detail{margin:0;padding:6px 12px;color:#59636e;font-size:13px;border-bottom:1px solid #eef1f4}
.sev{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;color:#fff;margin-right:6px}
.error{background:#cf222e}.warning{background:#9a6700}.info{background:#0969da}.hint{background:#59636e}
pre{margin:0;padding:8px 12px;overflow:auto;font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,monospace}
.ln{color:#8c959f;user-select:none;display:inline-block;width:4em}
.hit{background:#fff8c5}.del{background:#ffebe9}.add{background:#dafbe1}
.fix{border-top:1px dashed #d1d9e0}.fix h4{margin:0;padding:6px 12px 0;font-size:13px}
a{color:#0969da}.note{color:#59636e}
`;

export function formatHtml(report: WorkspaceReport, display: DisplayPath, readText: (abs: string) => string | undefined, toolVersion: string): string {
  const t = report.totals;
  const parts: string[] = [];
  parts.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">`);
  parts.push(`<title>memlint report</title><style>${CSS}${BUDGET_CSS}</style></head><body><main>`);
  parts.push(`<h1>memlint report</h1><div class="sub">${esc(display(report.root) || '.')} · ${report.filesAnalyzed} files analysed · memlint ${esc(toolVersion)}</div>`);
  parts.push(`<div class="cards">`);
  parts.push(card('problems', t.findings), card('files with problems', t.files), card('fixable', t.fixable));
  for (const s of ['error', 'warning', 'info'] as const) if (t.bySeverity[s]) parts.push(card(`${s}s`, t.bySeverity[s]));
  parts.push(`</div>`);
  parts.push(budgetHtml(report.budgets, report.unestimated));

  if (t.findings === 0) parts.push(`<p>No memory problems found.</p>`);
  else {
    parts.push(`<h2>By rule</h2><table><tr><th>rule</th><th>problems</th><th>fixable</th></tr>`);
    for (const r of report.byRule) {
      parts.push(`<tr><td><a href="${esc(r.docsUrl)}">${esc(r.ruleId)}</a></td><td>${r.count}</td><td>${r.fixable}</td></tr>`);
    }
    parts.push(`</table><h2>By file</h2><table><tr><th>file</th><th>problems</th></tr>`);
    for (const f of report.byFile) {
      parts.push(`<tr><td><a href="#${anchor(f.relPath)}">${esc(display(pathOfRel(report, f.relPath)))}</a></td><td>${f.count}</td></tr>`);
    }
    parts.push(`</table><h2>Problems</h2>`);
    let currentFile = '';
    for (const f of report.findings) {
      if (f.relPath !== currentFile) {
        currentFile = f.relPath;
        parts.push(`<h3 id="${anchor(f.relPath)}">${esc(display(f.path))}</h3>`);
      }
      parts.push(findingHtml(f, display, readText(f.path)));
    }
  }
  if (report.notes.length) {
    parts.push(`<h2>Notes</h2><ul>`);
    for (const n of report.notes) parts.push(`<li class="note">${esc(display(n.path))}: ${esc(n.message)}</li>`);
    parts.push(`</ul>`);
  }
  parts.push(`</main></body></html>\n`);
  return parts.join('');
}

function card(label: string, value: number): string {
  return `<div class="card"><b>${value}</b>${esc(label)}</div>`;
}

function anchor(relPath: string): string {
  return 'f-' + relPath.replace(/[^\w-]/g, '_');
}

function pathOfRel(report: WorkspaceReport, relPath: string): string {
  return report.findings.find((f) => f.relPath === relPath)?.path ?? relPath;
}

function findingHtml(f: Finding, display: DisplayPath, text: string | undefined): string {
  const where = `${display(f.path)}:${f.range.start.line + 1}:${f.range.start.character + 1}`;
  const out = [`<section class="finding"><header><span class="sev ${f.severity}">${f.severity}</span>`];
  out.push(`<a href="${esc(f.docsUrl)}"><b>${esc(f.ruleId)}</b></a> <code>${esc(where)}</code><br>${esc(f.message)}</header>`);
  if (f.detail) out.push(`<p class="detail">${esc(f.detail)}</p>`);
  if (text !== undefined) {
    const lines = text.split(/\r?\n/);
    const from = Math.max(0, f.range.start.line - 2);
    const to = Math.min(lines.length - 1, f.range.end.line + 2);
    const rows: string[] = [];
    for (let i = from; i <= to; i++) {
      const hit = i >= f.range.start.line && i <= f.range.end.line;
      rows.push(`<span class="${hit ? 'hit' : ''}"><span class="ln">${i + 1}</span>${esc(lines[i])}</span>`);
    }
    out.push(`<pre>${rows.join('\n')}</pre>`);
    for (const fix of f.fixes) out.push(fixHtml(fix, text));
  }
  out.push(`</section>`);
  return out.join('');
}

/** The lines a fix touches, before (red) and after (green). */
function fixHtml(fix: Fix, text: string): string {
  if (!fix.edits.length) return '';
  const startLine = Math.min(...fix.edits.map((e) => e.range.start.line));
  const endLine = Math.max(...fix.edits.map((e) => e.range.end.line));
  const index = new LineIndex(text);
  const lines = text.split(/\r?\n/);
  const regionStart = index.lineStart(startLine);
  const regionEnd = index.lineEnd(endLine);
  let after = text.slice(regionStart, regionEnd);
  for (const e of [...fix.edits].sort((a, b) => b.start - a.start)) {
    after = after.slice(0, e.start - regionStart) + e.newText + after.slice(e.end - regionStart);
  }
  const { removed, added } = changedLines(lines.slice(startLine, endLine + 1), after.split(/\r?\n/));
  const rows = [...removed.map((l) => `<span class="del">- ${esc(l)}</span>`), ...added.map((l) => `<span class="add">+ ${esc(l)}</span>`)];
  return `<div class="fix"><h4>Fix (${fix.safety}): ${esc(fix.title)}</h4><pre>${rows.join('\n')}</pre></div>`;
}

/** Drops the lines a fix leaves as they were at the top and bottom of its region. */
function changedLines(before: string[], after: string[]): { removed: string[]; added: string[] } {
  let head = 0;
  while (head < before.length && head < after.length && before[head] === after[head]) head++;
  let tail = 0;
  while (tail < before.length - head && tail < after.length - head && before[before.length - 1 - tail] === after[after.length - 1 - tail]) tail++;
  return { removed: before.slice(head, before.length - tail), added: after.slice(head, after.length - tail) };
}
