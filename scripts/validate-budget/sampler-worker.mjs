// Worker thread for scripts/validate-budget.mjs: samples a process tree's memory (proc.mjs startSampler) on its own
// event loop, so the HTTP client sending a 40 MB body in the main thread does not delay the samples.
import { parentPort, workerData } from 'node:worker_threads';
import { startSampler } from './proc.mjs';

const { rootPid, intervalMs, maxMs, uniqueEveryMs } = workerData;
const sampler = startSampler(rootPid, intervalMs, maxMs, uniqueEveryMs);
parentPort.postMessage({ started: true });
parentPort.once('message', () => {
  const peak = sampler.stop();
  parentPort.postMessage({ peak: { ...peak, perPid: [...peak.perPid], pssAt: undefined } });
});
