/** The workspace report model shared by the CLI formats and the editor's report view. */
import type { Severity } from '../../../rules/api';
import type { UnestimatedDeploy } from '../../../analysis/deploy/unestimated';
import type { DeployBudget } from './budget';
import type { FileResult, Finding, Note } from './types';

export interface RuleSummary {
  ruleId: string;
  count: number;
  fixable: number;
  severity: Severity;
  docsUrl: string;
}

export interface FileSummary {
  relPath: string;
  count: number;
}

export interface WorkspaceReport {
  root: string;
  filesAnalyzed: number;
  findings: Finding[];
  notes: Note[];
  totals: { findings: number; fixable: number; files: number; bySeverity: Record<Severity, number> };
  byRule: RuleSummary[];
  byFile: FileSummary[];
  /** Memory budget per deploy target, before and after memlint's fixes. */
  budgets: DeployBudget[];
  /** Deploys whose budget cannot be computed, and why. */
  unestimated?: UnestimatedDeploy[];
  durationMs: number;
}

export function buildReport(root: string, files: readonly FileResult[], durationMs: number, budgets: DeployBudget[] = []): WorkspaceReport {
  const findings = files.flatMap((f) => f.findings);
  const notes = files.flatMap((f) => f.notes);
  const bySeverity: Record<Severity, number> = { error: 0, warning: 0, info: 0, hint: 0 };
  const rules = new Map<string, RuleSummary>();
  const perFile = new Map<string, number>();
  let fixable = 0;
  for (const f of findings) {
    bySeverity[f.severity]++;
    const isFixable = f.fixes.length > 0;
    if (isFixable) fixable++;
    const r = rules.get(f.ruleId) ?? { ruleId: f.ruleId, count: 0, fixable: 0, severity: f.severity, docsUrl: f.docsUrl };
    r.count++;
    if (isFixable) r.fixable++;
    rules.set(f.ruleId, r);
    perFile.set(f.relPath, (perFile.get(f.relPath) ?? 0) + 1);
  }
  return {
    root,
    filesAnalyzed: files.length,
    findings,
    notes,
    totals: { findings: findings.length, fixable, files: perFile.size, bySeverity },
    byRule: [...rules.values()].sort((a, b) => b.count - a.count || a.ruleId.localeCompare(b.ruleId)),
    byFile: [...perFile].map(([relPath, count]) => ({ relPath, count })).sort((a, b) => b.count - a.count || a.relPath.localeCompare(b.relPath)),
    budgets,
    durationMs,
  };
}
