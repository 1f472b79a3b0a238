/**
 * The workspace's memory budgets for the report: each deploy's estimate as the files are now, and as they
 * would be after memlint's fixes (all of them, unsafe included), so the report can show what fixing buys.
 */
import type { ProjectInfo } from '../../../rules/api';
import { estimateDeploys, type DeployEstimate } from '../../../rules/budget/estimate';
import { unestimatedDeploys, type UnestimatedDeploy } from '../../../rules/budget/unestimated';
import { fixUntilStable } from './fixes';
import type { FileResult } from './types';
import type { Workspace } from './workspace';

export interface DeployBudget {
  before: DeployEstimate;
  /** The same deploy after applying every fix; undefined when no fix changes it. */
  after?: DeployEstimate;
}

export function workspaceBudgets(workspace: Workspace, results: readonly FileResult[]): DeployBudget[] {
  const setting = workspace.config.rules.get('memory-budget');
  if (setting?.severity === 'off') return [];
  const options = { hostCpus: setting?.options.hostCpus as number | undefined, baselines: setting?.options.baselines as string[] | undefined };
  const project = workspace.project;
  let before: DeployEstimate[];
  try {
    before = estimateDeploys(project, options);
  } catch {
    return []; // the memory-budget rule reports its own failures; the report just goes without budgets
  }
  if (before.length === 0) return [];

  const fixedTexts = new Map<string, string>();
  for (const result of results) {
    if (!result.findings.some((f) => f.fixes.length)) continue;
    const text = project.readFile(result.relPath);
    if (text === undefined) continue;
    const fixed = fixUntilStable(text, (t) => workspace.analyzeText(result.path, t).findings, { unsafe: true }).text;
    if (fixed !== text) fixedTexts.set(result.relPath, fixed);
  }
  let after: DeployEstimate[] = [];
  if (fixedTexts.size) {
    const fixedProject: ProjectInfo = { ...project, readFile: (rel) => fixedTexts.get(rel) ?? project.readFile(rel) };
    try {
      after = estimateDeploys(fixedProject, options);
    } catch {
      after = [];
    }
  }
  return before.map((b) => {
    const a = after.find((x) => x.id === b.id);
    return { before: b, after: a && a.totalMb !== b.totalMb ? a : undefined };
  });
}

/** Deploys whose budget cannot be computed, with the file and the reason (listed in the reports, never dropped). */
export function workspaceUnestimated(workspace: Workspace): UnestimatedDeploy[] {
  const setting = workspace.config.rules.get('memory-budget');
  if (setting?.severity === 'off') return [];
  try {
    return unestimatedDeploys(workspace.project, { hostCpus: setting?.options.hostCpus as number | undefined });
  } catch {
    return [];
  }
}

/** The files whose fixes can change a deploy's estimate: its deploy files and where its processes start. */
export function budgetFiles(estimates: readonly DeployEstimate[]): string[] {
  const files = new Set<string>();
  for (const e of estimates) {
    for (const f of e.files) files.add(f);
    for (const p of e.processes) files.add(p.at.file);
    for (const i of e.items) if (i.at) files.add(i.at.file);
  }
  return [...files];
}
