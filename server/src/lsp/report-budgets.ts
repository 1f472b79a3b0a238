/**
 * The memory budget of a folder for the editor's report view, computed in the analysis worker: each deploy's
 * estimate now and after memlint's fixes (as chart data) and the deploys it cannot estimate. Only the files
 * that feed the estimates are analysed for fixes (deploy files, where processes start), not the whole folder.
 */
import * as path from 'node:path';
import { budgetFiles, workspaceBudgets, workspaceUnestimated } from '../engine/budget';
import type { Workspace } from '../engine/workspace';
import { chartOf } from '../report/chart-data';
import type { ReportBudgets } from './protocol';
import { pathToUri } from './uri';

export function reportBudgets(ws: Workspace): ReportBudgets {
  const setting = ws.config.rules.get('memory-budget');
  if (setting?.severity === 'off') return { charts: [], unestimated: [] };
  // The estimates as they are name the files whose fixes can change them; only those are analysed.
  const files = budgetFiles(workspaceBudgets(ws, []).map((b) => b.before));
  const results = files.map((rel) => ws.analyzeFile(path.join(ws.root, rel)));
  const abs = (rel: string) => path.join(ws.root, rel).split(path.sep).join('/');
  return {
    charts: workspaceBudgets(ws, results).map((b) => ({ ...chartOf(b), id: b.before.id })),
    unestimated: workspaceUnestimated(ws).map((u) => ({
      label: u.label,
      relPath: u.file,
      uri: u.file ? pathToUri(abs(u.file)) : undefined,
      line: u.line,
      reason: u.reason,
    })),
  };
}
