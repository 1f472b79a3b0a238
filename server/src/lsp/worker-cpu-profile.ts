/**
 * CPU profile of the documents' analysis worker for performance work: with MEMLINT_DOC_WORKER_CPU_PROF=DIR in the
 * server's environment, the server starts that worker with MEMLINT_CPU_PROFILE_OUT=DIR, the worker records a V8 CPU
 * profile (`--cpu-prof` is not allowed in NODE_OPTIONS, and a worker stopped with SIGKILL writes nothing) and writes
 * it to DIR/doc-worker-PID.cpuprofile when the server lets it go (the IPC channel closes). Off (and free) without it.
 */
import * as path from 'node:path';
import type { Session } from 'node:inspector';
import { startInspectorProfile, writeInspectorProfile } from '../engine/inspector-profile';

/** Set by the server in the environment of the worker it wants profiled. */
export const PROFILE_OUT_VARIABLE = 'MEMLINT_CPU_PROFILE_OUT';

let session: Session | undefined;

/** In the worker, at start: begins recording when asked to. */
export function startCpuProfile(): void {
  const dir = process.env[PROFILE_OUT_VARIABLE];
  if (dir) session = startInspectorProfile(500);
}

/** In the worker, before it exits: writes the profile (when recording), then calls `done`. */
export function writeCpuProfile(done: () => void): void {
  const dir = process.env[PROFILE_OUT_VARIABLE];
  if (!session || !dir) return done();
  writeInspectorProfile(session, path.join(dir, `doc-worker-${process.pid}.cpuprofile`), done);
}
