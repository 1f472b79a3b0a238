/** `--format text`: `path:line:col: rule-id message`, notes, then a summary by rule. */
import type { WorkspaceReport } from '../engine/report';
import type { DisplayPath } from './display';
import { budgetText } from './format-budget';

const SEVERITY_COLORS: Record<string, string> = { error: '31', warning: '33', info: '36', hint: '90' };

export function formatText(report: WorkspaceReport, display: DisplayPath, color: boolean): string {
  const paint = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const lines: string[] = [];
  for (const f of report.findings) {
    const where = `${display(f.path)}:${f.range.start.line + 1}:${f.range.start.character + 1}`;
    const fixable = f.fixes.length ? paint('90', ' [fix]') : '';
    lines.push(`${paint('1', where)}: ${paint(SEVERITY_COLORS[f.severity], f.ruleId)} ${f.message}${fixable}`);
  }
  // Files no deploy runs get one summary line, not a note each (`--format json` lists them).
  const notRun = report.notes.filter((n) => n.kind === 'not-run-by-deploy').length;
  for (const n of report.notes) if (n.kind !== 'not-run-by-deploy') lines.push(`${display(n.path)}: ${paint('90', 'note:')} ${n.message}`);
  if (notRun) lines.push(`${paint('90', 'note:')} ${notRun} Python ${notRun === 1 ? 'file' : 'files'} no deploy's process loads ${notRun === 1 ? 'was' : 'were'} not checked (listed by --format json; checkOfflineCode = true checks them).`);
  if (lines.length) lines.push('');
  lines.push(...budgetText(report.budgets, report.unestimated));

  const t = report.totals;
  if (t.findings === 0) {
    // A file that was not analysed (nesting too deep, over the time limit) may hold problems: say so, not "none".
    const unanalysed = report.notes.filter((n) => n.kind === 'not-analysed').length;
    lines.push(
      unanalysed
        ? `No memory problems found in ${report.filesAnalyzed} files; ${unanalysed} ${unanalysed === 1 ? 'file was' : 'files were'} not analysed (see the notes above).`
        : `No memory problems found in ${report.filesAnalyzed} files.`,
    );
  } else {
    const width = Math.max(...report.byRule.map((r) => r.ruleId.length));
    for (const r of report.byRule) {
      lines.push(`${String(r.count).padStart(5)}  ${r.ruleId.padEnd(width)}${r.fixable ? `  (${r.fixable} fixable)` : ''}`);
    }
    lines.push('');
    lines.push(
      `Found ${t.findings} problem${t.findings === 1 ? '' : 's'} in ${t.files} file${t.files === 1 ? '' : 's'} ` +
        `(${report.filesAnalyzed} analysed).` +
        (t.fixable ? ` ${t.fixable} fixable: safe ones with --fix, the rest with --fix --unsafe-fixes.` : ''),
    );
  }
  return lines.join('\n') + '\n';
}
