/**
 * `--format github`: GitHub Actions workflow commands, one annotation per finding
 *   ::warning file=app/views.py,line=3,endLine=3,col=5,endColumn=21,title=memlint (large-page-size)::message
 * escaped as GitHub's runner expects (actions/toolkit, packages/core/src/command.ts): in the message
 * `%`, CR and LF; in property values also `:` and `,`. Notes about files (unreadable, syntax errors)
 * become `::notice`. Lines and columns are 1-based; columns count UTF-16 code units, like the editor.
 */
import type { Severity } from '../../../rules/api';
import type { WorkspaceReport } from '../engine/report';
import type { DisplayPath } from './display';

const LEVELS: Record<Severity, 'error' | 'warning' | 'notice'> = { error: 'error', warning: 'warning', info: 'notice', hint: 'notice' };

export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function command(level: string, properties: Record<string, string | number>, message: string): string {
  const props = Object.entries(properties)
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
    .join(',');
  return `::${level} ${props}::${escapeData(message)}`;
}

export function formatGithub(report: WorkspaceReport, display: DisplayPath): string {
  const lines: string[] = [];
  for (const f of report.findings) {
    const { start, end } = f.range;
    // The runner drops col/endColumn when line and endLine differ (actions/runner, ValidateLinesAndColumns).
    const columns: Record<string, number> = start.line === end.line ? { col: start.character + 1, endColumn: Math.max(end.character, start.character) + 1 } : {};
    const properties = { file: display(f.path), line: start.line + 1, endLine: end.line + 1, ...columns, title: `memlint (${f.ruleId})` };
    const fix = f.fixes.some((x) => x.safety === 'safe') ? ' (fix: memlint --fix)' : f.fixes.length ? ' (fix: memlint --fix --unsafe-fixes)' : '';
    // A link helps only where the reader can open it: the runner's file: URLs cannot be (see --docs-url).
    const docs = /^https?:/.test(f.docsUrl) ? `\n${f.docsUrl}` : '';
    lines.push(command(LEVELS[f.severity], properties, `${f.message}${fix}${docs}`));
  }
  for (const n of report.notes) if (n.kind !== 'not-run-by-deploy') lines.push(command('notice', { file: display(n.path), title: 'memlint' }, n.message));
  const t = report.totals;
  lines.push(
    t.findings === 0
      ? `memlint: no memory problems found in ${report.filesAnalyzed} files.`
      : `memlint: ${t.findings} problem${t.findings === 1 ? '' : 's'} in ${t.files} file${t.files === 1 ? '' : 's'} (${report.filesAnalyzed} analysed).`,
  );
  return lines.join('\n') + '\n';
}
