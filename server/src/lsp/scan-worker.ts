/**
 * The scan worker: a thread that analyses workspace files from disk, so that scanning a large workspace
 * never delays diagnostics of the documents being edited, and a file that hangs can be cut off (the main
 * thread terminates the worker and carries on without that file).
 */
import { parentPort } from 'node:worker_threads';
import * as path from 'node:path';
import { ConfigError } from '../engine/config';
import { classify } from '../engine/classify';
import { Workspace } from '../engine/workspace';
import type { FromWorker, ScanJobMessage, ToWorker } from './scan-protocol';
import { isInside } from './uri';

const workspaces = new Map<string, { generation: number; configFile?: string; ws: Workspace }>();

async function workspaceFor(job: ScanJobMessage): Promise<Workspace> {
  const cached = workspaces.get(job.root);
  if (cached && cached.generation === job.generation && cached.configFile === job.configFile) return cached.ws;
  const ws = await Workspace.open({ root: job.root, configFile: job.configFile });
  workspaces.set(job.root, { generation: job.generation, configFile: job.configFile, ws });
  return ws;
}

/** Files (not code) whose analysis may read other files: deploy/config files and role files. */
function isDependent(relPath: string): boolean {
  const c = classify(relPath);
  if (!c) return false;
  return !['python', 'typescript', 'javascript'].includes(c.kind) || c.roles.size > 0;
}

/**
 * Runs one job, posting a list, one result per file and done (or failed). `pause` runs between files
 * (the in-thread fallback yields to the event loop there; `isCancelled` stops it).
 */
export async function runJob(
  job: ScanJobMessage,
  post: (msg: FromWorker) => void,
  pause?: () => Promise<void>,
  isCancelled?: () => boolean,
): Promise<void> {
  let ws: Workspace;
  try {
    ws = await workspaceFor(job);
  } catch (e) {
    post({ type: 'failed', jobId: job.jobId, message: e instanceof ConfigError ? e.message : String((e as Error)?.stack ?? e) });
    return;
  }
  ws.invalidate();
  const discovered = ws.discover();
  const targets = job.targets?.map((t) => t.split(path.sep).join('/'));
  const skip = new Set(job.skip ?? []);
  const files = discovered
    .filter((f) => !skip.has(f.path))
    .filter((f) => !targets || targets.some((t) => isInside(f.path, t)) || (job.withDependents && isDependent(f.relPath)))
    .map((f) => f.path);
  post({ type: 'list', jobId: job.jobId, files });
  for (const file of files) {
    if (pause) await pause();
    if (isCancelled?.()) return;
    const started = performance.now();
    const result = ws.analyzeFile(file);
    post({ type: 'result', jobId: job.jobId, result, ms: performance.now() - started });
  }
  post({ type: 'done', jobId: job.jobId });
}

export function runScanWorker(): void {
  let chain = Promise.resolve();
  const post = (msg: FromWorker) => parentPort!.postMessage(msg);
  parentPort!.on('message', (msg: ToWorker) => {
    if (msg.type !== 'job') return;
    chain = chain.then(() => runJob(msg, post)).catch((e: unknown) => {
      post({ type: 'failed', jobId: msg.jobId, message: String((e as Error)?.stack ?? e) });
    });
  });
}
