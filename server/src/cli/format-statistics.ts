/**
 * `--statistics`: one line per rule with its count, as `ruff check --statistics` prints them
 * (`count  rule-id  [*]`, `[*]` when some of its findings have a fix, `[ ]` when none has); with `--format json`, a list of
 * `{ ruleId, count, fixable, severity }`.
 */
import type { WorkspaceReport } from '../engine/report';

export function formatStatistics(report: WorkspaceReport, format: 'text' | 'json'): string {
  if (format === 'json') {
    const rows = report.byRule.map((r) => ({ ruleId: r.ruleId, count: r.count, fixable: r.fixable, severity: r.severity }));
    return JSON.stringify(rows, null, 2) + '\n';
  }
  if (report.byRule.length === 0) return '';
  const countWidth = Math.max(...report.byRule.map((r) => String(r.count).length));
  const idWidth = Math.max(...report.byRule.map((r) => r.ruleId.length));
  return report.byRule.map((r) => `${String(r.count).padStart(countWidth)}  ${r.ruleId.padEnd(idWidth)}  ${r.fixable ? '[*]' : '[ ]'}`).join('\n') + '\n';
}
