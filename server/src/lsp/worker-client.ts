/**
 * The main thread's side of an analysis worker: starting it (a worker thread running the bundled server file,
 * or in this thread when no worker can be started), posting messages, stopping it. `AnalysisWorker` adds
 * requests with replies, a time limit per request (a hung analysis costs its worker, not the server) and an
 * idle timeout (an idle server holds no engine memory).
 */
import { Worker } from 'node:worker_threads';
import { WORKER_ROLE, type FromWorker, type Request, type ToWorker } from './worker-protocol';

export interface WorkerHandleOptions {
  /** Script a worker thread runs (the bundled server); undefined = run the engine in this thread. */
  script?: string;
  name: string;
  /** Heap cap (MB); a worker over it dies, which the owner treats like a crash. */
  heapMb: number;
  log(message: string): void;
  onMessage(msg: FromWorker): void;
  /** The worker died (not stopped by us). */
  onExit(reason: string): void;
}

export class WorkerHandle {
  private worker: Worker | undefined;
  private inThread: { receive(msg: ToWorker): void } | undefined;
  private stopCount = 0;

  constructor(private readonly options: WorkerHandleOptions) {}

  get running(): boolean {
    return this.worker !== undefined || this.inThread !== undefined;
  }

  get inThreadMode(): boolean {
    return !this.options.script;
  }

  start(): void {
    if (this.running) return;
    if (this.options.script) {
      try {
        this.startThread(this.options.script);
        return;
      } catch (e) {
        this.options.log(`${this.options.name}: cannot start a worker thread (${String(e)}); analysing in the server thread`);
        this.options.script = undefined;
      }
    }
    const stopAt = this.stopCount;
    const deliver = (msg: FromWorker) =>
      setImmediate(() => {
        if (this.stopCount === stopAt) this.options.onMessage(msg);
      });
    // From sources (tests under tsx) only: loads the engine into this thread.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { AnalysisHost } = require('./worker') as typeof import('./worker');
    this.inThread = new AnalysisHost(deliver, async () => {
      await new Promise<void>((r) => setImmediate(r));
      return this.stopCount !== stopAt;
    });
  }

  post(msg: ToWorker): void {
    if (this.worker) this.worker.postMessage(msg);
    else this.inThread?.receive(msg);
  }

  stop(): void {
    this.stopCount++;
    const w = this.worker;
    this.worker = undefined;
    this.inThread = undefined;
    if (w) void w.terminate().catch(() => undefined);
  }

  private startThread(script: string): void {
    const worker = new Worker(script, {
      workerData: { role: WORKER_ROLE },
      resourceLimits: { maxOldGenerationSizeMb: this.options.heapMb },
      stdout: true,
      stderr: true,
    });
    const name = this.options.name;
    worker.stdout.on('data', (d: Buffer) => this.options.log(`${name}: ${d.toString().trimEnd()}`));
    worker.stderr.on('data', (d: Buffer) => this.options.log(`${name}: ${d.toString().trimEnd()}`));
    worker.on('message', (msg: FromWorker) => {
      if (this.worker === worker) this.options.onMessage(msg);
    });
    worker.on('error', (err) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.options.onExit(`it failed: ${err.message}`);
    });
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.options.onExit(`it exited (code ${code})`);
    });
    this.worker = worker;
  }
}

export class RequestTimeout extends Error {}
export class WorkerLost extends Error {}

export interface AnalysisWorkerOptions {
  script?: string;
  name: string;
  heapMb: number;
  /** Time limit of one request. */
  requestTimeoutMs: number;
  /** Stop the worker after this long without requests. */
  idleMs: number;
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

  constructor(private readonly options: AnalysisWorkerOptions) {
    this.handle = new WorkerHandle({
      script: options.script,
      name: options.name,
      heapMb: options.heapMb,
      log: options.log,
      onMessage: (msg) => this.onMessage(msg),
      onExit: (reason) => this.fail(new WorkerLost(`the ${options.name} stopped: ${reason}`)),
    });
  }

  get running(): boolean {
    return this.handle.running;
  }

  configure(changes: { requestTimeoutMs?: number; idleMs?: number }): void {
    if (changes.requestTimeoutMs !== undefined) this.options.requestTimeoutMs = changes.requestTimeoutMs;
    if (changes.idleMs !== undefined) this.options.idleMs = changes.idleMs;
  }

  /** Posts a notification-like message; dropped when the worker is not running (it is re-synced on start). */
  post(msg: ToWorker): void {
    if (this.handle.running) this.handle.post(msg);
  }

  request<T>(request: Request): Promise<T> {
    if (!this.handle.running) {
      this.handle.start();
      this.options.onStart((m) => this.handle.post(m));
    }
    clearTimeout(this.idleTimer);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const entry: { resolve(v: unknown): void; reject(e: Error): void; timer?: NodeJS.Timeout } = { resolve: resolve as (v: unknown) => void, reject };
      if (!this.handle.inThreadMode) {
        entry.timer = setTimeout(() => {
          this.options.log(`${this.options.name}: a request (${request.type}) took longer than ${this.options.requestTimeoutMs} ms; restarting the worker`);
          this.handle.stop();
          this.fail(new RequestTimeout(`${request.type} took longer than ${this.options.requestTimeoutMs} ms`), id);
        }, this.options.requestTimeoutMs);
      }
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
    this.idleTimer = setTimeout(() => {
      if (this.pending.size === 0) this.handle.stop();
    }, this.options.idleMs);
    this.idleTimer.unref?.();
  }
}
