/**
 * Heap settings of a batch scan's threads. V8 grows a thread's young generation to 2 x 16 MB of semi-spaces when it
 * allocates a lot, and a scan allocates many short-lived objects (texts, findings; the trees live in wasm memory):
 * 40 MB of peak RSS in a one-thread stdlib scan, and each worker adds its own. What survives a minor GC is small
 * either way, so 1 MB semi-spaces cost no measurable CPU (docs/PERFORMANCE.md).
 *
 * Flags set at run time: `--max-semi-space-size` holds for the isolates started afterwards (the scan workers), the
 * growth factor, read whenever a young generation grows, also for the thread already running (1: never grows).
 */
import * as v8 from 'node:v8';

const SEMI_SPACE_MB = 1;
let applied = false;

export function keepYoungGenerationSmall(): void {
  if (applied) return;
  applied = true;
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  v8.setFlagsFromString(`--max-semi-space-size=${SEMI_SPACE_MB}`);
}
