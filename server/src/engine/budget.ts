/**
 * The workspace's memory budgets for the report: each deploy's estimate as the files are now, and as they
 * would be after memlint's fixes (all of them, unsafe included), so the report can show what fixing buys.
 */
import type { ProjectInfo } from '../../../rules/api';
import { estimateDeploys, type DeployEstimate } from '../../../analysis/deploy/estimate';
import { unestimatedDeploys, type UnestimatedDeploy } from '../../../analysis/deploy/unestimated';
import { joinRoot } from '../../../analysis/projects';
import { fixUntilStable } from './fixes';
import { hashBytes } from './read';
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
  // Each project's deploys are estimated from that project's files only (analysis/projects.ts).
  const index = workspace.projects();
  return index.projects().flatMap(({ root, files }) => {
    const inProject = new Set(files);
    const own = results.filter((r) => inProject.has(r.relPath));
    return projectBudgets(workspace, workspace.projectAt(root), own, options).map((b) => ({ before: rebase(root, b.before), after: b.after && rebase(root, b.after) }));
  });
}

/** An estimate made in a project's view, with its paths made workspace-relative again. */
function rebase<T>(root: string, value: T): T {
  if (root === '') return value;
  const walk = (v: unknown, key?: string, depth = 0): unknown => {
    if (typeof v === 'string') {
      if (key === 'file' || key === 'dir' || key === 'files') return joinRoot(root, v);
      if (key === 'id') return `${root}/${v}`;
      // Labels name files relative to their project ("the web process of Procfile"): say which project.
      if (key === 'label' && depth === 0) return `${v} in ${root}/`;
      return v;
    }
    if (Array.isArray(v)) return v.map((x) => walk(x, key, depth + 1));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k, key === undefined ? depth : depth + 1)]));
    return v;
  };
  return walk(value) as T;
}

function projectBudgets(
  workspace: Workspace,
  project: ProjectInfo,
  results: readonly FileResult[],
  options: { hostCpus?: number; baselines?: string[] },
): DeployBudget[] {
  // The files the estimate reads: a fix elsewhere cannot change it (the same files with the same texts give
  // the same estimate), so only these are fixed for the "after" figure. Fixing every file with a fixable finding
  // re-analysed views and models for nothing (half a second on a real repository).
  const read = new Set<string>();
  const recording: ProjectInfo = { ...project, readFile: (rel) => (read.add(rel), project.readFile(rel)) };
  let before: DeployEstimate[];
  try {
    before = estimateDeploys(recording, options);
  } catch {
    return []; // the memory-budget rule reports its own failures; the report just goes without budgets
  }
  if (before.length === 0) return [];

  const fixedTexts = new Map<string, string>();
  for (const result of results) {
    const projectPath = workspace.projectOf(result.relPath).relPath;
    if (!read.has(projectPath) || !result.findings.some((f) => f.fixes.length)) continue;
    const text = workspace.project.readFile(result.relPath);
    if (text === undefined) continue;
    // The scan's findings are those of this text when its bytes are the ones analysed: no second analysis for the
    // first pass.
    // (Not with a BOM: the scan analysed the text without it, so its offsets are one less.)
    const scanned = result.contentHash !== undefined && !text.startsWith('\uFEFF') && result.contentHash === hashBytes(Buffer.from(text, 'utf8'));
    const fixed = fixUntilStable(text, (t) => (scanned && t === text ? result.findings : workspace.analyzeText(result.path, t).findings), { unsafe: true }).text;
    if (fixed !== text) fixedTexts.set(projectPath, fixed);
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
  const hostCpus = setting?.options.hostCpus as number | undefined;
  // Per project, as the budgets are (analysis/projects.ts), with paths made workspace-relative again.
  return workspace.projects().projects().flatMap(({ root }) => {
    try {
      return unestimatedDeploys(workspace.projectAt(root), { hostCpus }).map((u) => rebase(root, u));
    } catch {
      return [];
    }
  });
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
