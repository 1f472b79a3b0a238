/** `--format json`: stable, documented shape with 1-based positions. */
import type { WorkspaceReport } from '../engine/report';
import type { Range } from '../engine/text';
import type { DisplayPath } from './display';

export const JSON_FORMAT_VERSION = 1;

const oneBased = (r: Range) => ({
  start: { line: r.start.line + 1, column: r.start.character + 1 },
  end: { line: r.end.line + 1, column: r.end.character + 1 },
});

export function formatJson(report: WorkspaceReport, display: DisplayPath, toolVersion: string): string {
  return (
    JSON.stringify(
      {
        version: JSON_FORMAT_VERSION,
        tool: { name: 'memlint', version: toolVersion },
        findings: report.findings.map((f) => ({
          ruleId: f.ruleId,
          ...(f.messageId ? { messageId: f.messageId } : {}),
          severity: f.severity,
          message: f.message,
          detail: f.detail,
          file: display(f.path),
          range: oneBased(f.range),
          docsUrl: f.docsUrl,
          fixes: f.fixes.map((x) => ({
            title: x.title,
            safety: x.safety,
            edits: x.edits.map((e) => ({ range: oneBased(e.range), newText: e.newText })),
          })),
          ...(f.related ? { related: f.related.map((r) => ({ file: display(r.path), range: oneBased(r.range), message: r.message })) } : {}),
          ...(f.table ? { table: f.table } : {}),
        })),
        budgets: report.budgets.map((b) => ({
          deploy: b.before.label,
          id: b.before.id,
          totalMb: b.before.totalMb,
          idleMb: b.before.idleMb,
          peakMb: b.before.peakMb,
          limitMb: b.before.limit?.mb,
          limit: b.before.limit?.label,
          over: b.before.over,
          items: b.before.items.map((i) => ({ label: i.label, count: i.count, eachMb: i.eachMb, mb: i.mb, phase: i.phase, role: i.role, perWorker: i.perWorker, source: i.source })),
          processes: b.before.processes.map((p) => ({ program: p.program, server: p.server, workers: p.workers.n, threads: p.threads.n, workerClass: p.workerClass, preload: p.preload, fork: p.fork })),
          summary: b.before.summary,
          notes: b.before.notes,
          afterFixes: b.after ? { totalMb: b.after.totalMb, idleMb: b.after.idleMb, peakMb: b.after.peakMb, over: b.after.over } : undefined,
        })),
        unestimated: (report.unestimated ?? []).map((u) => ({ deploy: u.label, id: u.id, file: u.file, line: u.line, reason: u.reason })),
        notes: report.notes.map((n) => ({ kind: n.kind, file: display(n.path), message: n.message })),
        summary: {
          filesAnalyzed: report.filesAnalyzed,
          findings: report.totals.findings,
          fixable: report.totals.fixable,
          filesWithFindings: report.totals.files,
          bySeverity: report.totals.bySeverity,
          byRule: Object.fromEntries(report.byRule.map((r) => [r.ruleId, r.count])),
        },
      },
      null,
      2,
    ) + '\n'
  );
}
