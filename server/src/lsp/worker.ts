/**
 * An analysis worker (a child process of the server): the engine side of the language server. It keeps a Workspace per folder
 * (reopened when the main thread bumps the folder's generation), mirrors the open documents it is told about
 * (with incremental tree-sitter reparsing for Python), answers analysis requests and runs scan jobs.
 * The main thread runs two of these: one for open documents, one for workspace scans.
 */
import * as path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { ConfigError } from '../engine/config';
import { classify } from '../engine/classify';
import { chooseFix, fixUntilStable } from '../engine/fixes';
import type { FileResult, Finding } from '../engine/types';
import { pythonParserFailed } from '../engine/parsers';
import { Workspace } from '../engine/workspace';
import { BudgetViews } from './budget-view';
import { folderInfo } from './folder-info';
import { reportBudgets } from './report-budgets';
import { TrackedDocument } from './documents';
import { findingsDelta } from './findings-delta';
import { isInside } from './uri';
import { startCpuProfile, writeCpuProfile } from './worker-cpu-profile';
import type { FixAllReply, FolderRef, FolderState, FromWorker, LintReply, Request, ScanJobMessage, ToWorker } from './worker-protocol';

/**
 * Scan order: deploy and config files, then Python (views, settings, tasks and APIs first), then TS/JS, so the
 * first problems show within the first second of a long scan (config files are small, views are where most
 * findings are) and the TypeScript compiler loads only when the rest is done. Results do not depend on the order.
 */
function scanRank(relPath: string): number {
  const kind = classify(relPath)?.kind;
  if (kind === 'python') return /(^|\/)(views?|api|settings|tasks|serializers?|apps|wsgi|asgi|main|app)(\/|\.py$)|\/views\//.test(relPath) ? 1 : 2;
  if (kind === 'typescript' || kind === 'javascript') return 3;
  return 0;
}

export class AnalysisHost {
  private readonly workspaces = new Map<string, { ref: FolderRef; ws?: Workspace; state: FolderState }>();
  private readonly docs = new Map<string, TrackedDocument>();
  private readonly docsByPath = new Map<string, TrackedDocument>();
  private chain: Promise<void> = Promise.resolve();
  private readonly budgets = new BudgetViews();

  constructor(
    private readonly post: (msg: FromWorker) => void,
  ) {}

  /** Messages are handled in order; requests and jobs wait for the ones before them. */
  receive(msg: ToWorker): Promise<void> {
    this.chain = this.chain.then(() => this.handle(msg)).catch((e: unknown) => this.log(`worker: ${String((e as Error)?.stack ?? e)}`));
    return this.chain;
  }

  private log(message: string): void {
    this.post({ type: 'log', message });
  }

  private async handle(msg: ToWorker): Promise<void> {
    switch (msg.type) {
      case 'open': {
        this.closeDoc(msg.uri);
        const d = new TrackedDocument(msg.uri, msg.path, msg.languageId, msg.version, msg.text, msg.kindOverride);
        this.docs.set(msg.uri, d);
        this.docsByPath.set(d.path, d);
        this.invalidatePath(d.path);
        return;
      }
      case 'change': {
        const d = this.docs.get(msg.uri);
        if (!d) return;
        try {
          d.update(msg.changes, msg.version);
        } catch (e) {
          this.log(`${d.path}: a change did not apply (${String(e)}); reparsing from scratch`);
          d.dropTree();
        }
        this.invalidatePath(d.path);
        return;
      }
      case 'close':
        this.closeDoc(msg.uri);
        return;
      case 'invalidate':
        for (const [root, entry] of this.workspaces) {
          if (msg.root && root !== msg.root) continue;
          entry.ws?.invalidate();
          if (msg.relist && entry.ref.discover) entry.ws?.discover();
        }
        return;
      case 'request': {
        let value: unknown;
        try {
          value = await this.request(msg.request);
        } catch (e) {
          this.post({ type: 'reply', id: msg.id, error: String((e as Error)?.stack ?? e), rssMb: rssMb() });
          return;
        }
        this.post({ type: 'reply', id: msg.id, value, rssMb: rssMb() });
        return;
      }
      case 'job':
        await this.runJob(msg);
        return;
    }
  }

  private closeDoc(uri: string): void {
    const d = this.docs.get(uri);
    if (!d) return;
    d.dropTree();
    this.docs.delete(uri);
    if (this.docsByPath.get(d.path) === d) this.docsByPath.delete(d.path);
    this.invalidatePath(d.path);
  }

  /** Other files' cached texts (cross-file rules) follow the open buffers. */
  private invalidatePath(p: string): void {
    for (const { ws } of this.workspaces.values()) ws?.invalidate(p);
  }

  /** The folder's Workspace for this generation; reports the folder's state to the main thread when it changes. */
  private async workspaceFor(ref: FolderRef): Promise<{ ws?: Workspace; state: FolderState }> {
    const cached = this.workspaces.get(ref.root);
    if (cached && cached.ref.generation === ref.generation && cached.ref.configFile === ref.configFile) return cached;
    const state: FolderState = { root: ref.root, generation: ref.generation };
    let ws: Workspace | undefined;
    try {
      ws = await Workspace.open({
        root: ref.root,
        configFile: ref.configFile,
        readOverride: (abs) => this.docsByPath.get(abs.split(path.sep).join('/'))?.text,
      });
      state.configSource = ws.config.source?.split(path.sep).join('/');
      if (ref.discover) ws.discover(); // the file list rules that read other files see
    } catch (e) {
      if (e instanceof ConfigError) {
        state.configError = { file: e.file.split(path.sep).join('/'), key: e.key, line: e.line, detail: e.detail, message: e.message };
        state.configSource = state.configError.file;
      } else state.failure = String((e as Error)?.stack ?? e);
    }
    const entry = { ref, ws, state };
    this.workspaces.set(ref.root, entry);
    this.post({ type: 'folder', state });
    return entry;
  }

  private async request(r: Request): Promise<unknown> {
    switch (r.type) {
      case 'lint': {
        const reply = await this.lint(r.uri, r.folder);
        const d = this.docs.get(r.uri);
        return reply && d ? withFindingsDelta(d, r.have, reply) : reply;
      }
      case 'analyze': {
        const d = this.docs.get(r.uri);
        const { ws } = await this.workspaceFor(r.folder);
        if (!d || !ws) return undefined;
        return ws.analyzeText(d.path, r.text ?? d.text, { kind: d.kindOverride }).findings;
      }
      case 'analyzeFile': {
        const { ws } = await this.workspaceFor(r.folder);
        return ws?.analyzeFile(r.path).findings;
      }
      case 'fixAll':
        return this.fixAll(r.uri, r.folder);
      case 'budget': {
        const d = this.docs.get(r.uri);
        const { ws } = await this.workspaceFor(r.folder);
        if (!d || !ws) return undefined;
        return this.budgets.forDocument(ws, { path: d.path, text: d.text, positionAt: (o) => d.doc.positionAt(o) });
      }
      case 'budgets': {
        const { ws } = await this.workspaceFor(r.folder);
        return ws ? reportBudgets(ws) : undefined;
      }
      case 'folderInfo': {
        const { ws, state } = await this.workspaceFor(r.folder);
        if (!ws) return { configError: state.configError?.message ?? state.failure, configFile: state.configSource };
        return folderInfo(ws);
      }
    }
  }

  private async lint(uri: string, folder: FolderRef): Promise<LintReply | undefined> {
    const d = this.docs.get(uri);
    const { ws, state } = await this.workspaceFor(folder);
    if (!d) return undefined;
    const version = d.version;
    if (!ws) return { version, result: undefined, folder: state, analyzeMs: 0 };
    const limit = ws.config.maxFileSizeMb * 1048576;
    if (d.text.length > limit) {
      const note = { kind: 'too-large' as const, path: d.path, relPath: ws.relPath(d.path), message: `not analysed: over the ${ws.config.maxFileSizeMb} MB limit (maxFileSizeMb)` };
      return { version, result: { path: d.path, relPath: note.relPath, findings: [], notes: [note], skipped: true }, folder: state, analyzeMs: 0 };
    }
    const started = performance.now();
    const parsed = d.parsedFile();
    let parseMs: number | undefined;
    let result: FileResult;
    try {
      if (TIMING && d.kind === 'python') {
        parsed.python();
        parseMs = performance.now() - started;
      }
      result = ws.analyzeText(d.path, d.text, { parsed, kind: d.kindOverride });
      d.adopt(parsed);
    } catch (e) {
      d.dropTree();
      throw e;
    }
    return { version, result, folder: state, parseMs, analyzeMs: performance.now() - started };
  }

  /**
   * Every safe fix of the document. One pass gives separate edits (the cursor and the rest stay put); when fixes
   * enable further fixes, passes repeat until stable and the change becomes one edit over the changed span.
   */
  private async fixAll(uri: string, folder: FolderRef): Promise<FixAllReply | undefined> {
    const d = this.docs.get(uri);
    const { ws } = await this.workspaceFor(folder);
    if (!d || !ws) return undefined;
    const text = d.text;
    const analyze = (t: string): Finding[] => ws.analyzeText(d.path, t, { kind: d.kindOverride }).findings;
    const selection = { unsafe: false };
    const edits: FixAllReply['edits'] = [];
    const taken: [number, number][] = [];
    let count = 0;
    for (const finding of analyze(text)) {
      const fix = chooseFix(finding, selection);
      if (!fix || fix.edits.length === 0) continue;
      if (fix.edits.some((e) => taken.some(([s, t]) => (e.start < t && e.end > s) || (e.start === e.end && e.start === s && s === t)))) continue;
      for (const e of fix.edits) taken.push([e.start, e.end]);
      edits.push(...fix.edits.map((e) => ({ range: e.range, newText: e.newText })));
      count++;
    }
    if (count === 0) return { edits: [], count: 0 };
    const final = fixUntilStable(text, analyze, selection);
    if (final.applied.length <= count || final.text === text) return { edits, count };
    let s = 0;
    while (s < text.length && s < final.text.length && text.charCodeAt(s) === final.text.charCodeAt(s)) s++;
    let e = 0;
    while (e < text.length - s && e < final.text.length - s && text.charCodeAt(text.length - 1 - e) === final.text.charCodeAt(final.text.length - 1 - e)) e++;
    return {
      edits: [{ range: { start: d.doc.positionAt(s), end: d.doc.positionAt(text.length - e) }, newText: final.text.slice(s, final.text.length - e) }],
      count: final.applied.length,
    };
  }

  private async runJob(job: ScanJobMessage): Promise<void> {
    const { ws, state } = await this.workspaceFor(job.folder);
    if (!ws) {
      this.post({ type: 'failed', jobId: job.jobId, message: state.configError?.message ?? state.failure ?? 'cannot open the folder', folder: state });
      return;
    }
    ws.invalidate();
    const discovered = ws.discover();
    const targets = job.targets?.map((t) => t.split(path.sep).join('/'));
    const skip = new Set(job.skip ?? []);
    const files = discovered
      .filter((f) => !skip.has(f.path))
      .filter((f) => !targets || targets.some((t) => isInside(f.path, t)) || (job.withDependents && isDependent(f.relPath)))
      .map((f, i) => ({ path: f.path, rank: scanRank(f.relPath), i }))
      .sort((a, b) => a.rank - b.rank || a.i - b.i)
      .map((f) => f.path);
    this.post({ type: 'list', jobId: job.jobId, files });
    for (const file of files) {
      const started = performance.now();
      const result = ws.analyzeFile(file);
      this.post({ type: 'result', jobId: job.jobId, result, ms: performance.now() - started });
    }
    this.post({ type: 'done', jobId: job.jobId });
  }
}

const TIMING = !!process.env.MEMLINT_LSP_TIMING;

/** Distinguishes this worker's findings list ids from those of the workers before it. */
const WORKER_TAG = Math.random().toString(36).slice(2, 10);
let findingsCount = 0;

/**
 * The reply with its findings as a delta against the list the server holds (`have`), when that is the list this
 * worker sent last for the document; the document remembers what it sent for the next one.
 */
function withFindingsDelta(d: TrackedDocument, have: string | undefined, reply: LintReply): LintReply {
  const result = reply.result;
  const last = d.sentFindings;
  if (!result) {
    d.sentFindings = undefined;
    return reply;
  }
  const now = { id: `${WORKER_TAG}.${++findingsCount}`, findings: result.findings, length: d.text.length, lines: d.doc.lineCount };
  d.sentFindings = now;
  if (!last || last.id !== have || result.findings.length === 0) return { ...reply, findingsId: now.id };
  const delta = findingsDelta(last.id, last.findings, result.findings, { offset: now.length - last.length, lines: now.lines - last.lines });
  return { ...reply, findingsId: now.id, result: { ...result, findings: [] }, delta };
}

/** Files (not code) whose analysis may read other files: deploy/config files and role files. */
function isDependent(relPath: string): boolean {
  const c = classify(relPath);
  if (!c) return false;
  return !['python', 'typescript', 'javascript'].includes(c.kind) || c.roles.size > 0;
}

/** Entry of a worker: a child process of the server (over its IPC channel) or a worker thread. */
export function runWorker(): void {
  if (parentPort) {
    const port = parentPort;
    const host = new AnalysisHost((msg) => port.postMessage(msg));
    port.on('message', (msg: ToWorker) => host.receive(msg));
    return;
  }
  if (!process.send) throw new Error('runWorker: neither a worker thread nor a child process with an IPC channel');
  startCpuProfile();
  const host = new AnalysisHost((msg) => {
    if (process.connected) process.send!(msg);
  });
  process.on('message', (msg: ToWorker) => {
    void host.receive(msg).then(() => {
      // The Python parser failed in this process (its wasm memory may be damaged): leave once the reply is out;
      // the server starts a fresh worker for the next request.
      if (pythonParserFailed()) setTimeout(() => process.exit(0), 100);
    });
  });
  // The server went away (or stopped this worker): nothing left to do.
  process.on('disconnect', () => writeCpuProfile(() => process.exit(0)));
}

/** Resident memory of this worker, for the server to recycle one that stays big after pathological documents. */
function rssMb(): number {
  return Math.round(process.memoryUsage.rss() / 1048576);
}
