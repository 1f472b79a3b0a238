/**
 * The workspace's memory budgets for the report: each deploy's estimate as the files are now, and as they
 * would be after memlint's fixes (all of them, unsafe included), so the report can show what fixing buys.
 */
import { estimateDeploys, type DeployEstimate } from '../../../analysis/deploy/estimate';
import { unestimatedDeploys, type UnestimatedDeploy } from '../../../analysis/deploy/unestimated';
import { joinRoot } from '../../../analysis/projects';
import { textView } from '../../../analysis/project-views';
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
  const reads: BudgetReads = [];
  const budgets = index.projects().flatMap(({ root, files }) => {
    const inProject = new Set(files);
    const own = results.filter((r) => inProject.has(r.relPath));
    return projectBudgets(workspace, root, own, options, reads).map((b) => ({ before: rebase(root, b.before), after: b.after && rebase(root, b.after) }));
  });
  lastReads.set(workspace, reads);
  return budgets;
}

/** Per project with deploys: its root and the project files its estimates read (the files whose fixes count). */
export type BudgetReads = [root: string, files: string[]][];

const lastReads = new WeakMap<Workspace, BudgetReads>();

/** The exchange topic (analysis/shared-facts.ts) under which the main thread hands the reads to its scan workers. */
export const BUDGET_READS_TOPIC = 'budget-reads';

/** What the last workspaceBudgets() call read, for scan workers to fix those files as they analyse them. */
export function budgetReads(workspace: Workspace): BudgetReads | undefined {
  return lastReads.get(workspace);
}

/** Fixed texts a scan worker computed for the budgets (fixedForBudget), by the result they belong to. */
const fixedByWorkers = new WeakMap<FileResult, string | undefined>();

export function rememberBudgetFix(result: FileResult, fixed: string | undefined): void {
  fixedByWorkers.set(result, fixed);
}

/**
 * A scan worker's part of the budgets: the text of an analysed file after every fix, when the estimates read it
 * (`reads`, from the main thread's budgets) and a fix applies; `null` when the file is not one to fix here. The
 * worker has the analysis of the file's project warm (the main thread would analyse it from cold).
 */
export function fixedForBudgetIn(workspace: Workspace, result: FileResult, reads: BudgetReads): string | undefined | null {
  const { root, relPath } = workspace.projectOf(result.relPath);
  const read = reads.find(([r]) => r === root)?.[1];
  if (!read?.includes(relPath)) return null;
  return fixedForBudget(workspace, result, relPath, new Set(read));
}

/** The text of `result`'s file after every fix, or undefined when it is not read by an estimate, has no fix or no text. */
function fixedForBudget(workspace: Workspace, result: FileResult, projectPath: string, read: ReadonlySet<string>): string | undefined {
  if (!read.has(projectPath) || !result.findings.some((f) => f.fixes.length)) return undefined;
  const text = workspace.project.readFile(result.relPath);
  if (text === undefined) return undefined;
  // The scan's findings are those of this text when its bytes are the ones analysed: no second analysis for the
  // first pass.
  // (Not with a BOM: the scan analysed the text without it, so its offsets are one less.)
  const scanned = result.contentHash !== undefined && !text.startsWith('\uFEFF') && result.contentHash === hashBytes(Buffer.from(text, 'utf8'));
  return fixUntilStable(text, (t) => (scanned && t === text ? result.findings : workspace.analyzeText(result.path, t).findings), { unsafe: true }).text;
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
  root: string,
  results: readonly FileResult[],
  options: { hostCpus?: number; baselines?: string[] },
  reads: BudgetReads,
): DeployBudget[] {
  // The files the estimate reads: a fix elsewhere cannot change it (the same files with the same texts give
  // the same estimate), so only these are fixed for the "after" figure. Fixing every file with a fixable finding
  // re-analysed views and models for nothing (half a second on a real repository).
  const project = workspace.projectAt(root);
  const read = new Set<string>();
  const recording = textView(project, (rel) => (read.add(rel), project.readFile(rel)));
  let before: DeployEstimate[];
  try {
    before = estimateDeploys(recording, options);
  } catch {
    return []; // the memory-budget rule reports its own failures; the report just goes without budgets
  }
  if (before.length === 0) return [];
  reads.push([root, [...read]]);

  const fixedTexts = new Map<string, string>();
  for (const result of results) {
    const projectPath = workspace.projectOf(result.relPath).relPath;
    // (a scan worker may have fixed it already: the same function on the same text and findings)
    const fixed = fixedByWorkers.has(result) ? fixedByWorkers.get(result) : fixedForBudget(workspace, result, projectPath, read);
    if (fixed !== undefined && fixed !== workspace.project.readFile(result.relPath)) fixedTexts.set(projectPath, fixed);
  }
  let after: DeployEstimate[] = [];
  if (fixedTexts.size) {
    const fixedProject = textView(project, (rel) => fixedTexts.get(rel) ?? project.readFile(rel));
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
