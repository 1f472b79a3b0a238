/**
 * The server's side of an analysis worker: starting it (a child process running dist/server-worker.js),
 * posting messages, stopping it. A child process rather than a worker thread: when it stops, all its memory
 * goes back to the system (a terminated worker thread leaves tens of MB behind in the server process).
 * `AnalysisWorker` adds
 * requests with replies, a time limit per request (a hung analysis costs its worker, not the server) and an
 * idle timeout (an idle server holds no engine memory).
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { PROFILE_OUT_VARIABLE } from './worker-cpu-profile';
import type { FromWorker, Request, ToWorker } from './worker-protocol';

export interface WorkerScript {
  script: string;
  /** Node options of the worker (running from sources: a TypeScript loader). */
  execArgv?: string[];
}

export interface WorkerHandleOptions {
  worker: WorkerScript;
  name: string;
  /** Heap cap (MB); a worker over it dies, which the owner treats like a crash. */
  heapMb: number;
  log(message: string): void;
  onMessage(msg: FromWorker): void;
  /** The worker died (not stopped by us). */
  onExit(reason: string): void;
  /** Record a CPU profile of the worker into this folder (performance work; see worker-cpu-profile.ts). */
  cpuProfileDir?: string;
}

export class WorkerHandle {
  private worker: ChildProcess | undefined;

  constructor(private readonly options: WorkerHandleOptions) {}

  get running(): boolean {
    return this.worker !== undefined;
  }

  /** Starts the worker process; false (and logged) when it cannot be started. */
  start(): boolean {
    if (this.worker) return true;
    try {
      this.startThread();
      return true;
    } catch (e) {
      this.options.log(`${this.options.name}: cannot start the worker process: ${String(e)}`);
      return false;
    }
  }

  post(msg: ToWorker): void {
    const w = this.worker;
    if (!w?.connected) return;
    w.send(msg, (err) => {
      if (err && this.worker === w) this.options.log(`${this.options.name}: a message did not reach the worker: ${err.message}`);
    });
  }

  stop(): void {
    const w = this.worker;
    this.worker = undefined;
    if (!w || w.exitCode !== null) return;
    if (this.options.cpuProfileDir && w.connected) {
      // Profiling: let it write its profile (it exits when its channel closes); kill it if it does not.
      w.disconnect();
      setTimeout(() => w.exitCode === null && w.kill('SIGKILL'), 10_000).unref();
    } else w.kill('SIGKILL');
  }

  /** Process id of the running worker (benchmarks add its memory to the server's). */
  get pid(): number | undefined {
    return this.worker?.pid;
  }

  private startThread(): void {
    const worker = fork(this.options.worker.script, [], {
      execArgv: [...(this.options.worker.execArgv ?? []), `--max-old-space-size=${this.options.heapMb}`],
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: this.options.cpuProfileDir ? { ...process.env, [PROFILE_OUT_VARIABLE]: path.resolve(this.options.cpuProfileDir) } : undefined,
    });
    const name = this.options.name;
    worker.stdout?.on('data', (d: Buffer) => this.options.log(`${name}: ${d.toString().trimEnd()}`));
    worker.stderr?.on('data', (d: Buffer) => this.options.log(`${name}: ${d.toString().trimEnd()}`));
    worker.on('message', (msg: FromWorker) => {
      if (this.worker === worker) this.options.onMessage(msg);
    });
    worker.on('error', (err) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.options.onExit(`it failed: ${err.message}`);
    });
    worker.on('exit', (code, signal) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.options.onExit(`it exited (${signal ?? `code ${code}`})`);
    });
    this.worker = worker;
  }
}

export class RequestTimeout extends Error {}
export class WorkerLost extends Error {}

export interface AnalysisWorkerOptions {
  worker: WorkerScript;
  name: string;
  heapMb: number;
  /** Time limit of one request. */
  requestTimeoutMs: number;
  /** Stop the worker after this long without requests. */
  idleMs: number;
  /**
   * A worker still holding more than this (MB resident) after a request is stopped as soon as it is idle
   * for `recycleIdleMs`: pathological documents leave a big heap V8 keeps; a fresh worker starts small.
   */
  recycleAboveMb?: number;
  recycleIdleMs?: number;
  cpuProfileDir?: string;
  log(message: string): void;
  /** Messages that are not replies (folder states, logs). */
  onMessage(msg: FromWorker): void;
  /** Posts what a fresh worker must know (the open documents) before the first request. */
  onStart(post: (msg: ToWorker) => void): void;
}

/** A worker for requests with replies (the open documents' analyses). */
export class AnalysisWorker {
  private readonly handle: WorkerHandle;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; timer?: NodeJS.Timeout }>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Resident memory the worker reported with its last reply. */
  private lastRssMb = 0;

  constructor(private readonly options: AnalysisWorkerOptions) {
    this.handle = new WorkerHandle({
      worker: options.worker,
      name: options.name,
      heapMb: options.heapMb,
      log: options.log,
      onMessage: (msg) => this.onMessage(msg),
      onExit: (reason) => this.fail(new WorkerLost(`the ${options.name} stopped: ${reason}`)),
      cpuProfileDir: options.cpuProfileDir,
    });
  }

  get running(): boolean {
    return this.handle.running;
  }

  configure(changes: { requestTimeoutMs?: number; idleMs?: number; recycleAboveMb?: number }): void {
    if (changes.requestTimeoutMs !== undefined) this.options.requestTimeoutMs = changes.requestTimeoutMs;
    if (changes.idleMs !== undefined) this.options.idleMs = changes.idleMs;
    if (changes.recycleAboveMb !== undefined) this.options.recycleAboveMb = changes.recycleAboveMb;
  }

  /** Posts a notification-like message; dropped when the worker is not running (it is re-synced on start). */
  post(msg: ToWorker): void {
    if (this.handle.running) this.handle.post(msg);
  }

  request<T>(request: Request): Promise<T> {
    if (!this.handle.running) {
      if (!this.handle.start()) return Promise.reject(new WorkerLost(`the ${this.options.name} cannot start`));
      this.options.onStart((m) => this.handle.post(m));
    }
    clearTimeout(this.idleTimer);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const entry: { resolve(v: unknown): void; reject(e: Error): void; timer?: NodeJS.Timeout } = { resolve: resolve as (v: unknown) => void, reject };
      entry.timer = setTimeout(() => {
        this.options.log(`${this.options.name}: a request (${request.type}) took longer than ${this.options.requestTimeoutMs} ms; restarting the worker`);
        this.handle.stop();
        this.fail(new RequestTimeout(`${request.type} took longer than ${this.options.requestTimeoutMs} ms`), id);
      }, this.options.requestTimeoutMs);
      this.pending.set(id, entry);
      this.handle.post({ type: 'request', id, request });
    });
  }

  stop(): void {
    clearTimeout(this.idleTimer);
    this.handle.stop();
    this.fail(new WorkerLost(`the ${this.options.name} was stopped`));
  }

  private onMessage(msg: FromWorker): void {
    if (msg.type !== 'reply') {
      this.options.onMessage(msg);
      return;
    }
    if (typeof msg.rssMb === 'number') this.lastRssMb = msg.rssMb;
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.error !== undefined) p.reject(new Error(msg.error));
    else p.resolve(msg.value);
    this.armIdle();
  }

  /** Rejects pending requests (the one that timed out with `error`, the others as lost). */
  private fail(error: Error, culprit?: number): void {
    for (const [id, p] of [...this.pending]) {
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.reject(culprit === undefined || id === culprit ? error : new WorkerLost('the worker was restarted'));
    }
  }

  private armIdle(): void {
    clearTimeout(this.idleTimer);
    if (this.pending.size > 0 || !this.handle.running) return;
    const big = this.options.recycleAboveMb !== undefined && this.lastRssMb > this.options.recycleAboveMb;
    this.idleTimer = setTimeout(() => {
      if (this.pending.size !== 0) return;
      if (big) this.options.log(`${this.options.name}: recycling the worker: it holds ${this.lastRssMb} MB after its last request (over ${this.options.recycleAboveMb} MB)`);
      this.handle.stop();
      this.lastRssMb = 0;
    }, big ? (this.options.recycleIdleMs ?? 2_000) : this.options.idleMs);
    this.idleTimer.unref?.();
  }
}
