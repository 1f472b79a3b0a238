/** Worker thread of a parallel or time-limited scan: analyses the paths the main thread sends. */
import { parentPort, workerData } from 'node:worker_threads';
import { disableStatementCachesInThisThread } from '../../../analysis/cache';
import type { WorkerInit } from './parallel-scan';
import { pythonParserFailed } from './parsers';
import { Workspace } from './workspace';
import { startWorkerProfile, writeWorkerProfile } from './worker-profile';
import { joinFactsShare } from './thread-facts';
import { offerSharedFacts } from './spare-facts';
import { factsExchange } from '../../../analysis/shared-facts';
import { BUDGET_READS_TOPIC, fixedForBudgetIn, type BudgetReads } from './budget';
import type { FileResult } from './types';
import { mark } from '../../../analysis/timeline';

mark('bundle loaded');
startWorkerProfile();
// Each file is analysed once here: per-statement answers (for keystrokes) would only hold memory.
disableStatementCachesInThisThread();

/** A batch of files (parallel scan), or one file whose time the main thread watches (time-limited scan). */
type Request = { writeProfile: true } | { start: number; paths: string[] } | { index: number; path: string } | { projectFiles: WorkerInit['projectFiles'] };

async function main(): Promise<void> {
  const init = workerData as WorkerInit;
  // A wait for another thread's facts is not this file's time: the main thread moves its deadline.
  if (init.facts) joinFactsShare(init.facts, { wait: true, onWait: (ms) => parentPort!.postMessage({ waiting: ms }) });
  const workspace = await Workspace.open({
    root: init.root,
    configFile: init.configFile,
    filter: { select: init.select, ignore: init.ignore },
  });
  mark('workspace open');
  if (init.projectFiles) workspace.adoptProjectFiles(init.projectFiles);
  if (init.facts && init.projectFiles) offerSharedFacts(workspace);
  parentPort!.on('message', (msg: Request) => {
    if ('writeProfile' in msg) return writeWorkerProfile(() => parentPort!.postMessage({ profileWritten: true }));
    if ('projectFiles' in msg) {
      workspace.adoptProjectFiles(msg.projectFiles ?? []);
      if (init.facts) offerSharedFacts(workspace);
      mark('project files');
      return;
    }
    if ('index' in msg) {
      mark('file start');
      const result = workspace.analyzeFile(msg.path);
      mark('file done');
      const replaceMe = pythonParserFailed();
      const fixed = replaceMe ? null : budgetFix(workspace, result);
      parentPort!.postMessage({ index: msg.index, result, replaceMe, ...(fixed !== null && { budgetFix: { fixed } }) });
      return;
    }
    const results = msg.paths.map((p) => workspace.analyzeFile(p));
    parentPort!.postMessage({ start: msg.start, results });
  });
  parentPort!.postMessage({ ready: true });
}

/**
 * The report's budgets fix the files their estimates read (budget.ts) once the main thread has them: here, while the
 * file's analysis is warm, when the main thread has published which files those are (null: not one of them, or not
 * known yet; the main thread then fixes it itself).
 */
function budgetFix(workspace: Workspace, result: FileResult): string | undefined | null {
  if (!result.findings.some((f) => f.fixes.length)) return null;
  const reads = factsExchange()?.take(BUDGET_READS_TOPIC).known.get(BUDGET_READS_TOPIC) as BudgetReads | undefined;
  return reads ? fixedForBudgetIn(workspace, result, reads) : null;
}

void main();
