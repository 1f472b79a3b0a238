/** Worker thread of a parallel or time-limited scan: analyses the paths the main thread sends. */
import { parentPort, workerData } from 'node:worker_threads';
import { disableStatementCachesInThisThread } from '../../../analysis/cache';
import type { WorkerInit } from './parallel-scan';
import { pythonParserFailed } from './parsers';
import { Workspace } from './workspace';
import { startWorkerProfile, writeWorkerProfile } from './worker-profile';
import { joinFactsShare } from './thread-facts';

startWorkerProfile();
// Each file is analysed once here: per-statement answers (for keystrokes) would only hold memory.
disableStatementCachesInThisThread();

/** A batch of files (parallel scan), or one file whose time the main thread watches (time-limited scan). */
type Request = { writeProfile: true } | { start: number; paths: string[] } | { index: number; path: string } | { projectFiles: WorkerInit['projectFiles'] };

async function main(): Promise<void> {
  const init = workerData as WorkerInit;
  if (init.facts) joinFactsShare(init.facts, { wait: true });
  const workspace = await Workspace.open({
    root: init.root,
    configFile: init.configFile,
    filter: { select: init.select, ignore: init.ignore },
  });
  if (init.projectFiles) workspace.adoptProjectFiles(init.projectFiles);
  parentPort!.on('message', (msg: Request) => {
    if ('writeProfile' in msg) return writeWorkerProfile(() => parentPort!.postMessage({ profileWritten: true }));
    if ('projectFiles' in msg) {
      workspace.adoptProjectFiles(msg.projectFiles ?? []);
      return;
    }
    if ('index' in msg) {
      const result = workspace.analyzeFile(msg.path);
      parentPort!.postMessage({ index: msg.index, result, replaceMe: pythonParserFailed() });
      return;
    }
    const results = msg.paths.map((p) => workspace.analyzeFile(p));
    parentPort!.postMessage({ start: msg.start, results });
  });
  parentPort!.postMessage({ ready: true });
}

void main();
