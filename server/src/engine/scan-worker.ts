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
type Request = { writeProfile: true } | { fixBudgets: true } | { start: number; paths: string[] } | { index: number; path: string } | { projectFiles: WorkerInit['projectFiles'] };

/**
 * Results with fixes whose budget fix waits for the end of this worker's files (`fixBudgets`), by file index. Fixed
 * between two files, a file's fixed text replaced its own in the project's facts, and the next file rebuilt them.
 */
const fixLater = new Map<number, FileResult>();

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
    if ('fixBudgets' in msg) {
      const fixed: [index: number, fixed: string | undefined][] = [];
      for (const [index, result] of fixLater) {
        const text = budgetFix(workspace, result);
        if (text !== null) fixed.push([index, text]);
      }
      fixLater.clear();
      parentPort!.postMessage({ budgetFixes: fixed });
      return;
    }
    if ('index' in msg) {
      mark('file start');
      const result = workspace.analyzeFile(msg.path);
      mark('file done');
      const replaceMe = pythonParserFailed();
      const later = !replaceMe && result.findings.some((f) => f.fixes.length > 0);
      if (later) fixLater.set(msg.index, result);
      parentPort!.postMessage({ index: msg.index, result, replaceMe, ...(later && { fixLater: true }) });
      return;
    }
    const results = msg.paths.map((p) => workspace.analyzeFile(p));
    parentPort!.postMessage({ start: msg.start, results });
  });
  parentPort!.postMessage({ ready: true });
}

/**
 * The report's budgets fix the files their estimates read (budget.ts): here, after this worker's last file, with the
 * project's analysis warm, when the main thread has published which files those are (null: not one of them, or not
 * known; the main thread then fixes it itself).
 */
function budgetFix(workspace: Workspace, result: FileResult): string | undefined | null {
  if (!result.findings.some((f) => f.fixes.length)) return null;
  const reads = factsExchange()?.take(BUDGET_READS_TOPIC).known.get(BUDGET_READS_TOPIC) as BudgetReads | undefined;
  return reads ? fixedForBudgetIn(workspace, result, reads) : null;
}

void main();
