/** Worker thread of a parallel scan: analyses the batches of paths the main thread sends. */
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerInit } from './parallel-scan';
import { Workspace } from './workspace';

async function main(): Promise<void> {
  const init = workerData as WorkerInit;
  const workspace = await Workspace.open({
    root: init.root,
    configFile: init.configFile,
    filter: { select: init.select, ignore: init.ignore },
  });
  workspace.adoptProjectFiles(init.projectFiles);
  parentPort!.on('message', (msg: { start: number; paths: string[] }) => {
    const results = msg.paths.map((p) => workspace.analyzeFile(p));
    parentPort!.postMessage({ start: msg.start, results });
  });
  parentPort!.postMessage({ ready: true });
}

void main();
