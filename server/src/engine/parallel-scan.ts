/**
 * Workspace scans on every core: the main thread discovers files and hands them out in batches to worker
 * threads, each with its own Workspace (same root, config and rule filter). Small scans stay in-process,
 * where starting workers would cost more than it saves.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { classify } from './classify';
import type { FileResult } from './types';
import type { DiscoveredFile } from './discover';
import type { Workspace } from './workspace';
import { endWorker } from './worker-profile';
import { factsForWorker, joinFactsShare, newFactsShare, type FactsShare } from './thread-facts';
import { keepYoungGenerationSmall } from './batch-heap';

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
  /** The main thread's discovery: what rules that read other files see, the same in every thread. Absent when the
   * worker starts before the discovery: then its first message carries them. */
  projectFiles?: readonly DiscoveredFile[];
  /** The scan's shared project facts (thread-facts.ts). */
  facts?: FactsShare;
}

/**
 * Young generation of an analysis worker. V8 grows it to 48 MB in a busy thread (3 x 16 MB semi-spaces), and each
 * worker has its own: 8 MB takes ~45 MB off the CLI's peak RSS on an 800-file repository for no measurable CPU
 * (an analysis's short-lived objects die young either way; docs/PERFORMANCE.md).
 */
export const WORKER_YOUNG_GENERATION_MB = 8;

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

  keepYoungGenerationSmall();
  const { file: workerFile, execArgv } = workerEntry();
  const init = { ...workerInitOf(workspace), facts: newFactsShare() };
  joinFactsShare(init.facts, { wait: false });
  const results: FileResult[] = new Array(files.length);
  let done = 0;
  // Two queues: TS/JS files go to the workers first, the rest (Python, configs) to the main thread first, so
  // usually only one thread loads the TypeScript compiler and its ASTs (about 300 ms of CPU and 50-100 MB each);
  // a thread whose queue is empty takes from the other one.
  const queues = { script: [] as number[], other: [] as number[] };
  files.forEach((f, i) => (isScript(f.relPath) ? queues.script : queues.other).push(i));
  const cursor = { script: 0, other: 0 };
  const batches = new Map<number, number[]>();
  let nextBatchId = 0;
  const takeBatch = (prefer: 'script' | 'other'): [number, number[]] | undefined => {
    if (options.isCancelled?.()) return undefined;
    for (const q of prefer === 'script' ? (['script', 'other'] as const) : (['other', 'script'] as const)) {
      if (cursor[q] >= queues[q].length) continue;
      const indices = queues[q].slice(cursor[q], cursor[q] + BATCH);
      cursor[q] += indices.length;
      const id = nextBatchId++;
      batches.set(id, indices);
      return [id, indices];
    }
    return undefined;
  };
  const record = (id: number, batch: FileResult[]) => {
    const indices = batches.get(id)!;
    batches.delete(id);
    batch.forEach((r, i) => (results[indices[i]] = r));
    done += batch.length;
    options.onProgress?.({ done, total: files.length });
  };

  // The main thread analyses too (it has the engine loaded already), so N cores need N-1 workers:
  // one engine copy fewer in memory.
  const mainThread = async () => {
    for (let batch = takeBatch('other'); batch; batch = takeBatch('other')) {
      const [id, indices] = batch;
      record(id, indices.map((i) => workspace.analyzeFile(files[i].path)));
      await new Promise((r) => setImmediate(r)); // let worker messages in
    }
  };
  const worker = () =>
    new Promise<void>((resolve, reject) => {
      const { facts, transferList } = factsForWorker(init.facts);
      const w = new Worker(workerFile, { execArgv, workerData: { ...init, facts }, transferList, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
      // The main thread reads messages only between its own batches, so each worker keeps a second batch
      // queued: it never waits for the main thread to come round.
      let inFlight = 0;
      const fill = () => {
        for (let batch = inFlight < WORKER_QUEUE ? takeBatch('script') : undefined; batch; batch = inFlight < WORKER_QUEUE ? takeBatch('script') : undefined) {
          inFlight++;
          w.postMessage({ start: batch[0], paths: batch[1].map((i) => files[i].path) });
        }
        if (inFlight === 0) void endWorker(w).then(() => resolve());
      };
      w.on('message', (msg: { start: number; results: FileResult[] } | { ready: true } | { waiting: number }) => {
        if ('waiting' in msg) return;
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

/** TS/JS: the files that load the TypeScript compiler. */
export function isScript(relPath: string): boolean {
  const kind = classify(relPath)?.kind;
  return kind === 'typescript' || kind === 'javascript';
}

/** What a scan worker needs to open the same workspace: its root, config, rule filter and the main thread's file list. */
export function workerInitOf(workspace: Workspace, withFiles = true): WorkerInit {
  return {
    root: workspace.root,
    configFile: workspace.config.source && workspace.options.configFile ? workspace.config.source : undefined,
    select: workspace.options.filter?.select,
    ignore: workspace.options.filter?.ignore,
    // (a worker started before the discovery gets them in its first message)
    projectFiles: withFiles ? workspace.projectFiles : undefined,
  };
}

/** The bundled worker next to the bundle, or the TypeScript source under tsx (tests, scripts). */
export function workerEntry(): { file: string; execArgv: string[] } {
  const bundled = path.join(__dirname, 'scan-worker.js');
  if (fs.existsSync(bundled)) return { file: bundled, execArgv: [] };
  return { file: path.join(__dirname, 'scan-worker.ts'), execArgv: ['--require', 'tsx/cjs'] };
}
