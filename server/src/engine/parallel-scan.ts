/**
 * Workspace scans on every core: the main thread discovers files and hands them out in batches to worker
 * threads, each with its own Workspace (same root, config and rule filter). Small scans stay in-process,
 * where starting workers would cost more than it saves.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { FileResult } from './types';
import type { DiscoveredFile } from './discover';
import type { Workspace } from './workspace';

export interface ParallelScanOptions {
  onProgress?: (p: { done: number; total: number }) => void;
  isCancelled?: () => boolean;
  /** Defaults to the number of cores, at most 4. */
  workers?: number;
  /** Analyse exactly these files instead of discovering them under the targets. */
  files?: readonly DiscoveredFile[];
}

/** Message from main to worker. */
export interface WorkerInit {
  root: string;
  configFile?: string;
  select?: readonly string[];
  ignore?: readonly string[];
  /** The main thread's discovery: what rules that read other files see, the same in every thread. */
  projectFiles: readonly DiscoveredFile[];
}

const IN_PROCESS_LIMIT = 300;
const BATCH = 32;
/** Batches sent to a worker before it returns one. */
const WORKER_QUEUE = 2;

export async function scanParallel(workspace: Workspace, targets: readonly string[], options: ParallelScanOptions = {}): Promise<FileResult[]> {
  const files = options.files ?? workspace.discover(targets);
  const workerCount = Math.min(options.workers ?? Math.min(os.availableParallelism(), 4), Math.ceil(files.length / BATCH));
  if (files.length <= IN_PROCESS_LIMIT || workerCount < 2) {
    return workspace.analyzeFiles(files, options.onProgress, options.isCancelled);
  }

  const { file: workerFile, execArgv } = workerEntry();
  const init: WorkerInit = {
    root: workspace.root,
    configFile: workspace.config.source && workspace.options.configFile ? workspace.config.source : undefined,
    select: workspace.options.filter?.select,
    ignore: workspace.options.filter?.ignore,
    projectFiles: workspace.projectFiles,
  };
  const results: FileResult[] = new Array(files.length);
  let next = 0;
  let done = 0;
  const takeBatch = (): [number, number] | undefined => {
    if (next >= files.length || options.isCancelled?.()) return undefined;
    const start = next;
    next = Math.min(files.length, next + BATCH);
    return [start, next];
  };
  const record = (start: number, batch: FileResult[]) => {
    batch.forEach((r, i) => (results[start + i] = r));
    done += batch.length;
    options.onProgress?.({ done, total: files.length });
  };

  // The main thread analyses too (it has the engine loaded already), so N cores need N-1 workers:
  // one engine copy fewer in memory.
  const mainThread = async () => {
    for (let batch = takeBatch(); batch; batch = takeBatch()) {
      const [start, end] = batch;
      record(start, files.slice(start, end).map((f) => workspace.analyzeFile(f.path)));
      await new Promise((r) => setImmediate(r)); // let worker messages in
    }
  };
  const worker = () =>
    new Promise<void>((resolve, reject) => {
      const w = new Worker(workerFile, { execArgv, workerData: init });
      // The main thread reads messages only between its own batches, so each worker keeps a second batch
      // queued: it never waits for the main thread to come round.
      let inFlight = 0;
      const fill = () => {
        for (let batch = inFlight < WORKER_QUEUE ? takeBatch() : undefined; batch; batch = inFlight < WORKER_QUEUE ? takeBatch() : undefined) {
          inFlight++;
          w.postMessage({ start: batch[0], paths: files.slice(batch[0], batch[1]).map((f) => f.path) });
        }
        if (inFlight === 0) void w.terminate().then(() => resolve());
      };
      w.on('message', (msg: { start: number; results: FileResult[] } | { ready: true }) => {
        if ('results' in msg) {
          inFlight--;
          record(msg.start, msg.results);
        }
        fill();
      });
      w.on('error', reject);
      w.on('exit', (code) => (code === 0 || code === 1 ? resolve() : reject(new Error(`scan worker exited with ${code}`))));
    });

  await Promise.all([mainThread(), ...Array.from({ length: workerCount - 1 }, worker)]);
  return results.filter((r) => r !== undefined);
}

/** The bundled worker next to the bundle, or the TypeScript source under tsx (tests, scripts). */
export function workerEntry(): { file: string; execArgv: string[] } {
  const bundled = path.join(__dirname, 'scan-worker.js');
  if (fs.existsSync(bundled)) return { file: bundled, execArgv: [] };
  return { file: path.join(__dirname, 'scan-worker.ts'), execArgv: ['--require', 'tsx/cjs'] };
}
