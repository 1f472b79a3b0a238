/**
 * The memory budget as one open document sees it, for the editor's code lenses and hovers: the deploys the
 * document takes part in and the places in it that set their figures (worker and thread counts, the plan or
 * memory limit, else the start command). Runs in the analysis worker, where the workspace lives; returns plain
 * data with LSP positions. The estimate reads several files, so it is cached per workspace state: reused while
 * every file it read still has the same text and the file list and options are unchanged.
 */
import { docsUrl, type ProjectInfo } from '../../../rules/api';
import { classifyDeployFile, Workspace as DeployWorkspace } from '../../../analysis/deploy/deploy-files';
import { estimateWorkspace, type DeployEstimate, type SourceLocation } from '../../../analysis/deploy/estimate';
import { classify } from '../engine/classify';
import type { Workspace } from '../engine/workspace';
import type { BudgetMark, BudgetMarkKind, DocumentBudget } from './worker-protocol';
import { sameList } from '../../../analysis/cache';

interface DocumentText {
  path: string;
  text: string;
  positionAt(offset: number): { line: number; character: number };
}

type Reader = (relPath: string) => string | undefined;

interface CachedEstimate {
  key: string;
  files: readonly string[];
  /** Each file the estimate read, with the text it saw. */
  reads: Map<string, string | undefined>;
  estimates: DeployEstimate[];
}

const EMPTY: DocumentBudget = { marks: [], deploys: [], lines: {}, docs: { rule: '', baselines: '' } };

/** Roles of files that can hold a worker count or a limit besides the deploy files themselves. */
const SETTING_ROLES = ['gunicorn-config', 'celery-config', 'pm2'] as const;

export class BudgetViews {
  private readonly cache = new WeakMap<Workspace, CachedEstimate>();

  /** The budget marks of a document; empty when it holds none or the memory-budget rule is off. */
  forDocument(ws: Workspace, doc: DocumentText): DocumentBudget {
    // The deploys of the document's own project (analysis/projects.ts), in paths relative to its root.
    const scoped = ws.projectOf(ws.relPath(doc.path));
    const relPath = scoped.relPath;
    if (!mayHoldSettings(relPath, doc.text)) return EMPTY;
    const setting = ws.config.rules.get('memory-budget');
    if (setting?.severity === 'off') return EMPTY;
    try {
      const { estimates, read } = this.estimates(ws, scoped, doc.text, setting?.options ?? {});
      return marksIn(relPath, estimates, doc.positionAt, read);
    } catch {
      return EMPTY; // a file the estimate cannot read: no lens rather than a failed request
    }
  }

  private estimates(
    ws: Workspace,
    { project, relPath, root }: { project: ProjectInfo; relPath: string; root: string },
    text: string,
    options: Record<string, unknown>,
  ): { estimates: DeployEstimate[]; read: Reader } {
    const files = project.files();
    // The document's own text overrides the disk only when the file list does not have it (a new file).
    const overlay = files.includes(relPath) ? undefined : { relPath, text };
    const key = JSON.stringify([root, options.hostCpus, options.baselines, overlay?.relPath]);
    const deployWs = new DeployWorkspace(project, overlay);
    const cached = this.cache.get(ws);
    if (cached && cached.key === key && sameList(cached.files, files) && stillReads(cached.reads, deployWs)) return { estimates: cached.estimates, read: (f) => deployWs.read(f) };
    const opts = { hostCpus: options.hostCpus as number | undefined, baselines: options.baselines as string[] | undefined };
    const { value, reads } = deployWs.recordReads(() => estimateWorkspace(deployWs, opts));
    const texts = new Map<string, string | undefined>();
    for (const r of reads) texts.set(r, deployWs.read(r));
    this.cache.set(ws, { key, files, reads: texts, estimates: value });
    return { estimates: value, read: (f) => deployWs.read(f) };
  }
}

function mayHoldSettings(relPath: string, text: string): boolean {
  if (classifyDeployFile(relPath, text)) return true;
  const roles = classify(relPath, text)?.roles;
  return !!roles && SETTING_ROLES.some((r) => roles.has(r));
}

function stillReads(reads: Map<string, string | undefined>, ws: DeployWorkspace): boolean {
  for (const [file, text] of reads) if (ws.read(file) !== text) return false;
  return true;
}

/** The deploys with a figure set in `relPath`, and where: one mark per deploy and line. */
export function marksIn(relPath: string, estimates: readonly DeployEstimate[], positionAt: DocumentText['positionAt'], read: Reader): DocumentBudget {
  const deploys: DeployEstimate[] = [];
  const marks: BudgetMark[] = [];
  for (const e of estimates) {
    const places: { at: SourceLocation; kind: BudgetMarkKind }[] = [];
    const add = (at: SourceLocation | undefined, kind: BudgetMarkKind) => {
      if (at && at.file === relPath && at.end >= at.start) places.push({ at, kind });
    };
    for (const p of e.processes) {
      add(p.workers.at, 'worker count');
      add(p.threads.at, 'thread count');
    }
    add(e.limit?.at, 'memory limit');
    // A file that only starts the process (a Procfile, a Dockerfile CMD) gets its lens on the command.
    if (places.length === 0) for (const p of e.processes) add(p.at, 'start command');
    if (places.length === 0) continue;
    const deploy = deploys.push(e) - 1;
    const lines = new Set<number>();
    for (const { at, kind } of places) {
      const range = { start: positionAt(at.start), end: positionAt(at.end) };
      if (lines.has(range.start.line)) continue;
      lines.add(range.start.line);
      marks.push({ range, kind, deploy });
    }
  }
  marks.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  return { marks, deploys, lines: linesOf(deploys, read), docs: { rule: docsUrl('memory-budget'), baselines: docsUrl('memory-budget', 'notes') } };
}

/** The line of every location the deploys name (limits, worker and thread counts, items, start commands). */
function linesOf(deploys: readonly DeployEstimate[], read: Reader): Record<string, number> {
  const locations: SourceLocation[] = [];
  for (const e of deploys) {
    if (e.limit?.at) locations.push(e.limit.at);
    for (const p of e.processes) locations.push(p.at, ...[p.workers.at, p.threads.at].filter((x): x is SourceLocation => !!x));
    for (const i of e.items) if (i.at) locations.push(i.at);
  }
  const lines: Record<string, number> = {};
  const texts = new Map<string, string | undefined>();
  for (const at of locations) {
    if (!texts.has(at.file)) texts.set(at.file, read(at.file));
    const text = texts.get(at.file);
    if (text === undefined) continue;
    let line = 1;
    for (let i = text.indexOf('\n'); i !== -1 && i < at.start; i = text.indexOf('\n', i + 1)) line++;
    lines[`${at.file}:${at.start}`] = line;
  }
  return lines;
}
