/**
 * Runs scan jobs (lists of workspace files to analyse from disk) one at a time in a worker process.
 * - Cancelling the running job terminates the worker (analysis is synchronous; this is the only way to stop it).
 * - A file that takes longer than `fileTimeoutMs`, or kills the worker (out of memory, wasm abort), is skipped
 *   with a note and the job goes on with the remaining files in a fresh worker: one bad file never blocks the rest.
 * - The worker is stopped after `idleMs` without work, so an idle server holds no scan memory.
 */
import type { FileResult } from '../engine/types';
import { WorkerHandle, type WorkerScript } from './worker-client';
import type { FolderRef, FolderState, FromWorker, ScanJobMessage } from './worker-protocol';

export interface ScanJob {
  folder: FolderRef;
  targets?: string[];
  withDependents?: boolean;
  /** The files the job will analyse (after discovery), before the first result. */
  onList?(files: string[]): void;
  onResult(result: FileResult, ms: number): void;
  /** A file given up on (timeout or worker crash); the job continues without it. */
  onSkipped?(file: string, reason: string): void;
  onDone(outcome: { cancelled: boolean; failed?: string; folder?: FolderState }): void;
}

export interface ScanHandle {
  cancel(): void;
  readonly finished: boolean;
}

export interface ScanRunnerOptions {
  worker: WorkerScript;
  fileTimeoutMs: number;
  idleMs: number;
  /** Heap cap of the worker (MB); a worker over it dies and its current file is skipped. */
  workerHeapMb: number;
  log(message: string): void;
  /** Messages that are not about jobs (folder states, logs). */
  onMessage(msg: FromWorker): void;
}

interface Entry {
  job: ScanJob;
  id: number;
  finished: boolean;
  cancelled: boolean;
  /** Files listed by the worker and how many results came back. */
  files?: string[];
  received: number;
  listed: boolean;
  skipped: string[];
}

export class ScanRunner {
  private readonly queue: Entry[] = [];
  private current: Entry | undefined;
  private readonly worker: WorkerHandle;
  private watchdog: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private nextId = 1;
  private disposed = false;

  constructor(private readonly options: ScanRunnerOptions) {
    this.worker = new WorkerHandle({
      worker: options.worker,
      name: 'scan worker',
      heapMb: options.workerHeapMb,
      log: options.log,
      onMessage: (msg) => this.onMessage(msg),
      onExit: (reason) => this.onWorkerLost(`the analysis worker stopped: ${reason}`),
    });
  }

  /** Changes time limits (undefined leaves a value as it is). */
  configure(changes: { fileTimeoutMs?: number; idleMs?: number }): void {
    if (changes.fileTimeoutMs !== undefined) this.options.fileTimeoutMs = changes.fileTimeoutMs;
    if (changes.idleMs !== undefined) this.options.idleMs = changes.idleMs;
  }

  get busy(): boolean {
    return this.current !== undefined || this.queue.length > 0;
  }

  submit(job: ScanJob): ScanHandle {
    const entry: Entry = { job, id: this.nextId++, finished: false, cancelled: false, received: 0, listed: false, skipped: [] };
    this.queue.push(entry);
    this.pump();
    return {
      cancel: () => this.cancelEntry(entry),
      get finished() {
        return entry.finished;
      },
    };
  }

  /** Cancels every queued and running job for which `match` is true (all when omitted). */
  cancelWhere(match: (job: ScanJob) => boolean = () => true): void {
    for (const e of [...this.queue]) if (match(e.job)) this.cancelEntry(e);
    if (this.current && match(this.current.job)) this.cancelEntry(this.current);
  }

  dispose(): void {
    this.disposed = true;
    this.cancelWhere();
    this.stopWorker();
  }

  private cancelEntry(entry: Entry): void {
    if (entry.finished) return;
    entry.cancelled = true;
    const i = this.queue.indexOf(entry);
    if (i >= 0) this.queue.splice(i, 1);
    if (this.current === entry) {
      this.current = undefined;
      this.stopWorker();
    }
    this.finish(entry, { cancelled: true });
    this.pump();
  }

  private finish(entry: Entry, outcome: { cancelled: boolean; failed?: string; folder?: FolderState }): void {
    if (entry.finished) return;
    entry.finished = true;
    try {
      entry.job.onDone(outcome);
    } catch (e) {
      this.options.log(`scan: onDone failed: ${String((e as Error)?.stack ?? e)}`);
    }
  }

  private pump(): void {
    if (this.current || this.disposed) return;
    const entry = this.queue.shift();
    if (!entry) {
      this.armIdle();
      return;
    }
    this.current = entry;
    clearTimeout(this.idleTimer);
    this.start(entry, this.message(entry));
  }

  private message(entry: Entry, targets = entry.job.targets, withDependents = entry.job.withDependents): ScanJobMessage {
    return {
      type: 'job',
      jobId: entry.id,
      folder: entry.job.folder,
      targets,
      withDependents,
      skip: entry.skipped,
    };
  }

  private start(entry: Entry, msg: ScanJobMessage): void {
    if (!this.worker.start()) {
      this.current = undefined;
      this.finish(entry, { cancelled: false, failed: 'the scan worker cannot start' });
      this.pump();
      return;
    }
    this.worker.post(msg);
    this.armWatchdog(entry);
  }

  private stopWorker(): void {
    clearTimeout(this.watchdog);
    this.worker.stop();
  }

  private armIdle(): void {
    clearTimeout(this.idleTimer);
    if (!this.worker.running) return;
    this.idleTimer = setTimeout(() => {
      if (!this.current) this.stopWorker();
    }, this.options.idleMs);
    this.idleTimer.unref?.();
  }

  private armWatchdog(entry: Entry): void {
    clearTimeout(this.watchdog);
    // Before the worker lists its files it starts, loads the configuration and walks the folder: allow longer.
    const limit = entry.files ? this.options.fileTimeoutMs : Math.max(this.options.fileTimeoutMs, 120_000);
    this.watchdog = setTimeout(() => {
      if (this.current !== entry) return;
      this.onWorkerLost(entry.files ? `its analysis took longer than ${Math.round(limit / 1000)} s` : 'the worker did not start in time');
    }, limit);
  }

  private onMessage(msg: FromWorker): void {
    if (msg.type === 'reply') return;
    if (msg.type === 'folder' || msg.type === 'log') {
      this.options.onMessage(msg);
      return;
    }
    const entry = this.current;
    if (!entry || msg.jobId !== entry.id) return;
    switch (msg.type) {
      case 'list':
        entry.files = msg.files;
        entry.received = 0;
        // Armed after the list is known, so the first file gets the per-file limit, not the start-up one.
        this.armWatchdog(entry);
        if (!entry.listed) this.safely(() => entry.job.onList?.(msg.files));
        entry.listed = true;
        break;
      case 'result':
        entry.received++;
        this.armWatchdog(entry);
        this.safely(() => entry.job.onResult(msg.result, msg.ms));
        break;
      case 'done':
      case 'failed':
        clearTimeout(this.watchdog);
        this.current = undefined;
        this.finish(entry, msg.type === 'failed' ? { cancelled: false, failed: msg.message, folder: msg.folder } : { cancelled: false });
        this.pump();
        break;
    }
  }

  /** The worker died or hung: skip the file it was on, go on with the rest in a new worker. */
  private onWorkerLost(reason: string): void {
    const entry = this.current;
    this.stopWorker();
    if (!entry) return;
    const files = entry.files;
    if (!files || entry.received >= files.length) {
      // Lost before listing (or after the last file): nothing to pin it on; give up on this job.
      this.current = undefined;
      this.finish(entry, { cancelled: false, failed: reason });
      this.pump();
      return;
    }
    const bad = files[entry.received];
    entry.skipped.push(bad);
    this.options.log(`scan: skipped ${bad}: ${reason}`);
    this.safely(() => entry.job.onSkipped?.(bad, reason));
    const rest = files.slice(entry.received + 1);
    if (rest.length === 0) {
      this.current = undefined;
      this.finish(entry, { cancelled: false });
      this.pump();
      return;
    }
    entry.files = undefined;
    entry.received = 0;
    // The remaining files, explicitly; the new worker lists them again (its onList replaces the count).
    this.start(entry, this.message(entry, rest, false));
  }

  private safely(f: () => void): void {
    try {
      f();
    } catch (e) {
      this.options.log(`scan: ${String((e as Error)?.stack ?? e)}`);
    }
  }
}
