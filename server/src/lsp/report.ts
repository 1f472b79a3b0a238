/**
 * The workspace report (`memlint/report`) from the current results (open buffers win over disk), built on the
 * engine's report model (the CLI's formats use the same one) plus what the editor view needs: URIs, where
 * each result came from, per-rule file counts, the memory budget, notes and configuration errors.
 */
import { buildReport as buildEngineReport } from '../engine/report';
import type { FileResult, Finding } from '../engine/types';
import type { Folders } from './folders';
import type { ReportFile, ReportFinding, WorkspaceReport } from './protocol';
import type { Results } from './results';

const MAX_NOTES = 200;

export function buildReport(results: Results, folders: Folders, scan: WorkspaceReport['scan']): WorkspaceReport {
  const current: { uri: string; source: 'open' | 'disk'; relPath: string; result: FileResult }[] = [];
  for (const e of results.entries()) {
    const result = e.open?.result ?? e.disk;
    if (!result) continue;
    const folder = folders.forPath(e.path);
    const relPath = folder.isWorkspaceFolder && e.path.startsWith(folder.root + '/') ? e.path.slice(folder.root.length + 1) : e.path;
    current.push({ uri: e.uri, source: e.open ? 'open' : 'disk', relPath, result });
  }
  const engine = buildEngineReport(folders.workspaceFolders()[0]?.root ?? '', current.map((c) => c.result), scan.durationMs);

  const filesPerRule = new Map<string, Set<string>>();
  const byFile: ReportFile[] = [];
  const budget: WorkspaceReport['budget'] = [];
  for (const c of current) {
    if (c.result.findings.length === 0) continue;
    byFile.push({ uri: c.uri, relPath: c.relPath, source: c.source, findings: c.result.findings.map(toReportFinding) });
    for (const f of c.result.findings) {
      let set = filesPerRule.get(f.ruleId);
      if (!set) filesPerRule.set(f.ruleId, (set = new Set()));
      set.add(c.result.path);
      if (f.ruleId === 'memory-budget') budget.push({ ...toReportFinding(f), uri: c.uri, relPath: c.relPath });
    }
  }
  byFile.sort((a, b) => b.findings.length - a.findings.length || a.relPath.localeCompare(b.relPath));
  return {
    generatedAt: new Date().toISOString(),
    folders: folders.workspaceFolders().map((f) => f.root),
    scan,
    totals: {
      files: engine.filesAnalyzed,
      filesWithFindings: engine.totals.files,
      findings: engine.totals.findings,
      fixable: engine.totals.fixable,
      bySeverity: engine.totals.bySeverity,
    },
    byRule: engine.byRule.map((r) => ({ ...r, files: filesPerRule.get(r.ruleId)?.size ?? 0 })),
    byFile,
    budget,
    notes: engine.notes
      .filter((n) => n.kind !== 'syntax-error')
      .slice(0, MAX_NOTES)
      .map((n) => `${n.relPath}: ${n.message}`),
    configErrors: results.configErrorMessages(),
  };
}

export function toReportFinding(f: Finding): ReportFinding {
  return {
    ruleId: f.ruleId,
    severity: f.severity,
    message: f.message,
    ...(f.detail ? { detail: f.detail } : {}),
    range: f.range,
    docsUrl: f.docsUrl,
    fixes: f.fixes.map((x) => ({ title: x.title, safety: x.safety })),
  };
}
