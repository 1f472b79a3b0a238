/**
 * CPU profiles of scan workers for performance work: with MEMLINT_WORKER_CPU_PROF=DIR, each worker records a V8
 * CPU profile (like `node --cpu-prof`, which does not reach worker threads) and writes it to DIR when the main thread
 * asks before ending it. Off (and free) without the variable.
 */
import * as path from 'node:path';
import type { Session } from 'node:inspector';
import { startInspectorProfile, writeInspectorProfile } from './inspector-profile';
import { threadId, type Worker } from 'node:worker_threads';

const dir = process.env.MEMLINT_WORKER_CPU_PROF;
let session: Session | undefined;

const profiling = (): boolean => dir !== undefined && dir !== '';

/** In the worker, at start. */
export function startWorkerProfile(): void {
  if (profiling()) session = startInspectorProfile(1000);
}

/** In the worker, on the main thread's `{ writeProfile: true }`: writes the profile, then calls `done`. */
export function writeWorkerProfile(done: () => void): void {
  if (!session) return done();
  writeInspectorProfile(session, path.join(dir!, `worker-${process.pid}-${threadId}.cpuprofile`), done);
}

/** In the main thread: ends a worker that has no more work (first asking it for its profile when profiling). */
export function endWorker(w: Worker): Promise<void> {
  if (!profiling()) return w.terminate().then(() => undefined);
  return new Promise((resolve) => {
    w.removeAllListeners('message');
    w.once('message', () => void w.terminate().then(() => resolve()));
    w.postMessage({ writeProfile: true });
  });
}
