/**
 * Timestamps of a scan's phases for performance work: with MEMLINT_TIMELINE=1 each thread writes
 * `memlint-timeline <epoch ms> <thread> <phase>` lines to stderr (scripts/scan-timeline.mjs lines them up).
 * Off (and free) without the variable.
 */
import * as fs from 'node:fs';
import { threadId } from 'node:worker_threads';

const on = !!process.env.MEMLINT_TIMELINE;

export function mark(phase: string): void {
  if (on) fs.writeSync(2, `memlint-timeline ${(performance.timeOrigin + performance.now()).toFixed(1)} ${threadId} ${phase}\n`);
}

/** When this thread started (the process, for the main thread). */
export function markThreadStart(): void {
  if (on) fs.writeSync(2, `memlint-timeline ${performance.timeOrigin.toFixed(1)} ${threadId} start\n`);
}
