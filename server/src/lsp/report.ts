/** The workspace report (`memlint/report`): totals, by rule, by file and the memory budget, from current results. */
import type { Finding } from '../engine/types';
import type { Folders } from './folders';
import type { ReportFile, ReportFinding, ReportRule, WorkspaceReport } from './protocol';
import type { Results } from './results';

const MAX_NOTES = 200;

export function buildReport(results: Results, folders: Folders, scan: WorkspaceReport['scan']): WorkspaceReport {
  const byFile: ReportFile[] = [];
  const rules = new Map<string, ReportRule & { fileSet: Set<string> }>();
  const bySeverity = { error: 0, warning: 0, info: 0, hint: 0 };
  const budget: WorkspaceReport['budget'] = [];
  const notes: string[] = [];
  let files = 0;
  let findingsTotal = 0;
  let fixable = 0;

  for (const e of results.entries()) {
    const result = e.open?.result ?? e.disk;
    if (!result) continue;
    files++;
    for (const n of result.notes) if (n.kind !== 'syntax-error' && notes.length < MAX_NOTES) notes.push(`${n.relPath}: ${n.message}`);
    if (result.findings.length === 0) continue;
    const folder = folders.forPath(e.path);
    const relPath = folder.isWorkspaceFolder ? rel(e.path, folder.root) : e.path;
    const findings = result.findings.map(toReportFinding);
    byFile.push({ uri: e.uri, relPath, source: e.open ? 'open' : 'disk', findings });
    for (const f of result.findings) {
      findingsTotal++;
      bySeverity[f.severity]++;
      if (f.fixes.length) fixable++;
      let r = rules.get(f.ruleId);
      if (!r) {
        r = { ruleId: f.ruleId, count: 0, files: 0, fixable: 0, severity: f.severity, docsUrl: f.docsUrl, fileSet: new Set() };
        rules.set(f.ruleId, r);
      }
      r.count++;
      if (f.fixes.length) r.fixable++;
      r.fileSet.add(e.path);
      if (f.ruleId === 'memory-budget') budget.push({ ...toReportFinding(f), uri: e.uri, relPath });
    }
  }
  byFile.sort((a, b) => b.findings.length - a.findings.length || a.relPath.localeCompare(b.relPath));
  const byRule = [...rules.values()]
    .map(({ fileSet, ...r }) => ({ ...r, files: fileSet.size }))
    .sort((a, b) => b.count - a.count || a.ruleId.localeCompare(b.ruleId));
  return {
    generatedAt: new Date().toISOString(),
    folders: folders.workspaceFolders().map((f) => f.root),
    scan,
    totals: { files, filesWithFindings: byFile.length, findings: findingsTotal, fixable, bySeverity },
    byRule,
    byFile,
    budget,
    notes,
    configErrors: results.configErrorMessages(),
  };
}

export function toReportFinding(f: Finding): ReportFinding {
  return {
    ruleId: f.ruleId,
    severity: f.severity,
    message: f.message,
    range: f.range,
    docsUrl: f.docsUrl,
    fixes: f.fixes.map((x) => ({ title: x.title, safety: x.safety })),
  };
}

function rel(p: string, root: string): string {
  return p.startsWith(root + '/') ? p.slice(root.length + 1) : p;
}
