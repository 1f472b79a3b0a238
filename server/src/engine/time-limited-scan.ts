/**
 * A scan with a time and memory limit per file (the CLI's, like the language server's): files are analysed in
 * worker threads, one at a time, while the main thread only hands them out and watches the clock. A file that
 * takes longer than the limit, or runs its worker out of memory, costs that worker (terminated, replaced) and
 * gets a note; every other file is analysed as usual.
 */
import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { DiscoveredFile } from './discover';
import { isScript, WORKER_YOUNG_GENERATION_MB, workerEntry, workerInitOf, type WorkerInit } from './parallel-scan';
import type { FileResult } from './types';
import type { Workspace } from './workspace';
import { endWorker } from './worker-profile';
import { factsForWorker, joinFactsShare, newFactsShare } from './thread-facts';
import { rememberBudgetFix } from './budget';
import { keepYoungGenerationSmall } from './batch-heap';
import { mark } from '../../../analysis/timeline';

/** Files a worker holds beyond the one it analyses (see `fill`). */
const QUEUED_PER_WORKER = 4;
/**
 * ... while the main thread runs `whileScanning` (the budgets' deploy search: 0.3-0.5 s of CPU, seconds on a loaded
 * machine) and reads no message: up to half of the files, shared between the workers (at ~3 ms a file, 256 files
 * cover ~0.8 s); the other half is handed out as the workers finish, which keeps them even.
 */
const QUEUED_WHILE_MAIN_BUSY = 256;

/** The language server's limit per file (server.ts: fileTimeoutMs). */
export const DEFAULT_FILE_TIME_LIMIT_MS = 20_000;
/** Heap of one analysis worker; a file that needs more is not analysed (a 2 MB file needs well under 300 MB). */
export const WORKER_HEAP_MB = 768;

export interface TimeLimitedScanOptions {
  /** The files, or the discovery that lists them (run once the workers are starting). */
  files: readonly DiscoveredFile[] | (() => readonly DiscoveredFile[]);
  fileTimeoutMs: number;
  workers?: number;
  onProgress?: (p: { done: number; total: number }) => void;
  /** Run on the main thread once the workers are starting (it would otherwise wait idle for them). */
  whileScanning?: () => void;
}

export async function scanWithTimeLimit(workspace: Workspace, options: TimeLimitedScanOptions): Promise<FileResult[]> {
  const { fileTimeoutMs } = options;
  keepYoungGenerationSmall();
  const { file: workerFile, execArgv } = workerEntry();
  const maxWorkers = options.workers ?? Math.min(os.availableParallelism(), 4);
  const resourceLimits = { maxOldGenerationSizeMb: WORKER_HEAP_MB, maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB };
  // With a discovery to run, the workers start first: loading the engine and the parsers (~150-250 ms of CPU
  // each) overlaps the listing, and they get the project's files in a first message once it is done.
  let prestarted: Worker[] = [];
  let files: readonly DiscoveredFile[];
  const facts = newFactsShare();
  joinFactsShare(facts, { wait: false });
  const newWorker = (init: WorkerInit) => {
    const share = factsForWorker(facts);
    return new Worker(workerFile, { execArgv, workerData: { ...init, facts: share.facts }, transferList: share.transferList, resourceLimits });
  };
  if (typeof options.files === 'function') {
    const base = workerInitOf(workspace, false);
    prestarted = Array.from({ length: maxWorkers }, () => newWorker(base));
    try {
      mark('workers spawned');
      files = options.files();
      mark(`discovered ${files.length}`);
    } catch (e) {
      for (const w of prestarted) void w.terminate();
      throw e;
    }
  } else files = options.files;
  const results: FileResult[] = new Array(files.length);
  const init = workerInitOf(workspace);
  const workerCount = Math.max(1, Math.min(maxWorkers, files.length));
  for (const w of prestarted.splice(files.length === 0 ? 0 : workerCount)) void w.terminate();
  for (const w of prestarted) w.postMessage({ projectFiles: init.projectFiles });
  if (files.length === 0) return results;
  // Two queues, as in the parallel scan: the first lane takes deploy/config files, then Python, from the front of
  // its queue; the others TS/JS first, so usually one worker loads the TypeScript compiler (~300 ms of CPU and
  // 50-100 MB each). A lane whose queue is empty takes from the back of the other one: Python files, not the
  // deploy files whose project-wide search (~300 ms of CPU per thread) then runs in one worker only.
  const queues: { script: number[]; other: number[] } = { script: [], other: [] };
  const python: number[] = [];
  files.forEach((f, i) => (isScript(f.relPath) ? queues.script : f.relPath.endsWith('.py') ? python : queues.other).push(i));
  queues.other.push(...python);
  const head = { script: 0, other: 0 };
  const tail = { script: queues.script.length, other: queues.other.length };
  /** Files handed back by a lost worker (queued behind the file it was lost on): taken before any other. */
  const retry: number[] = [];
  let taken = 0;
  /** `mixed`: every other file from the back of the other queue, even while the own one lasts (see queueDepth). */
  const nextFile = (prefer: 'script' | 'other', mixed = false): number | undefined => {
    const own = prefer;
    const theirs = prefer === 'script' ? 'other' : 'script';
    if (retry.length > 0) {
      taken++;
      return retry.shift();
    }
    if (mixed && head[theirs] < tail[theirs]) {
      taken++;
      return queues[theirs][--tail[theirs]];
    }
    if (head[own] < tail[own]) {
      taken++;
      return queues[own][head[own]++];
    }
    if (head[theirs] < tail[theirs]) {
      taken++;
      return queues[theirs][--tail[theirs]];
    }
    return undefined;
  };
  const giveBack = (indices: number[]) => {
    retry.push(...indices);
    taken -= indices.length;
  };
  const remaining = () => taken < files.length;
  let done = 0;
  const record = (index: number, result: FileResult) => {
    results[index] = result;
    options.onProgress?.({ done: ++done, total: files.length });
  };
  const notAnalysed = (index: number, why: string): FileResult => {
    const { path, relPath } = files[index];
    return { path, relPath, findings: [], skipped: true, notes: [{ kind: 'not-analysed', path, relPath, message: `not analysed: ${why}` }] };
  };
  // Each worker holds a few files beyond the one it analyses, so it never waits for the main thread to come round
  // (it reads messages only between its own tasks), and many while the main thread runs `whileScanning`.
  let mainBusy = options.whileScanning !== undefined;
  let queueDepth = options.whileScanning ? Math.max(QUEUED_PER_WORKER, Math.min(QUEUED_WHILE_MAIN_BUSY, Math.ceil(files.length / (2 * workerCount)))) : QUEUED_PER_WORKER;

  // One lane per worker: it keeps its worker's queue filled, and when its worker is lost it starts a new one.
  const lane = (laneIndex: number) =>
    new Promise<void>((resolve, reject) => {
      const prefer = laneIndex === 0 && workerCount > 1 ? 'other' : 'script';
      let worker: Worker | undefined;
      /** Files sent to the worker and not yet reported, in order: the first is the one it analyses. */
      let inFlight: number[] = [];
      let ready = false;
      let timer: NodeJS.Timeout | undefined;
      let deadline = 0;
      let failures = 0;
      const arm = (w: Worker) => {
        clearTimeout(timer);
        timer = setTimeout(() => lost(w, `it took longer than ${Math.round(fileTimeoutMs / 1000)} s (the per-file time limit)`), Math.max(0, deadline - Date.now()));
      };
      /** The time limit of the file the worker works on now (it starts each file as soon as the previous one is done). */
      const watch = (w: Worker) => {
        clearTimeout(timer);
        if (inFlight.length === 0 || !ready) return;
        deadline = Date.now() + fileTimeoutMs;
        arm(w);
      };
      /** The worker waits for another thread's project facts: that time is not the file's. */
      const extend = (w: Worker, ms: number) => {
        if (inFlight.length === 0 || !ready) return;
        deadline += ms;
        arm(w);
      };
      const fill = (w: Worker) => {
        if (worker !== w) return;
        // While the main thread is busy, the TS/JS lane takes every other file from the back of the Python queue:
        // TS/JS files are mostly cheap (few are parsed), and it would otherwise run dry and wait.
        let alternate = false;
        while (inFlight.length < queueDepth) {
          alternate = !alternate;
          const index = nextFile(prefer, mainBusy && prefer === 'script' && workerCount > 1 && alternate);
          if (index === undefined) break;
          inFlight.push(index);
          w.postMessage({ index, path: files[index].path });
        }
        if (inFlight.length === 0) {
          worker = undefined;
          void endWorker(w).then(() => resolve());
        }
      };
      const start = () => {
        const w = prestarted.pop() ?? newWorker(init);
        worker = w;
        ready = false;
        w.on('message', (msg: { ready: true } | { waiting: number } | { index: number; result: FileResult; replaceMe?: boolean; budgetFix?: { fixed: string | undefined } }) => {
          if (worker !== w) return;
          if ('waiting' in msg) return extend(w, msg.waiting);
          if ('index' in msg) {
            failures = 0;
            if (msg.budgetFix) rememberBudgetFix(msg.result, msg.budgetFix.fixed);
            inFlight = inFlight.filter((i) => i !== msg.index);
            record(msg.index, msg.result);
            if (msg.replaceMe) {
              // Its parser failed: the files after this one go to a fresh worker, not to a wasm module that may be damaged.
              worker = undefined;
              clearTimeout(timer);
              void w.terminate();
              giveBack(inFlight);
              inFlight = [];
              if (!remaining()) resolve();
              else start();
              return;
            }
          } else ready = true;
          watch(w);
          fill(w);
        });
        w.on('error', (e) => lost(w, /out of memory/i.test(e.message) || (e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY' ? `it needed more than ${WORKER_HEAP_MB} MB of memory` : `the analysis failed (${e.message})`));
        w.on('exit', () => lost(w, 'the analysis stopped unexpectedly'));
        // Sent before the worker is ready: it reads them once it has loaded the engine.
        fill(w);
      };
      /** The worker is gone or given up on: note the file it was on, give the others back, carry on with a new worker. */
      const lost = (w: Worker, why: string) => {
        if (worker !== w) return;
        worker = undefined;
        clearTimeout(timer);
        void w.terminate();
        const [current, ...queued] = ready ? inFlight : [-1, ...inFlight];
        inFlight = [];
        giveBack(queued);
        if (current >= 0) record(current, notAnalysed(current, why));
        else if (++failures > 2) {
          // The worker cannot even start: nothing will get better by retrying.
          reject(new Error(`analysis worker failed to start: ${why}`));
          return;
        }
        if (!remaining()) resolve();
        else start();
      };
      start();
    });

  const lanes = Promise.all(Array.from({ length: workerCount }, (_, i) => lane(i)));
  // The main thread is idle while its workers start and analyse: work it would do after the scan runs now.
  try {
    options.whileScanning?.();
    mark('while-scanning done');
  } finally {
    queueDepth = QUEUED_PER_WORKER;
    mainBusy = false;
    await lanes;
    mark('lanes done');
  }
  return results;
}
