/** Messages between the language server's main thread and its scan worker thread. */
import type { FileResult } from '../engine/types';

export interface ScanJobMessage {
  type: 'job';
  jobId: number;
  root: string;
  configFile?: string;
  /** Bumped whenever the folder's configuration is reloaded: the worker reopens its Workspace. */
  generation: number;
  /** Absolute paths (files or folders) to analyse, or undefined for the whole folder. */
  targets?: string[];
  /** Also re-analyse configuration/deploy files and role files (gunicorn config, settings), which read others. */
  withDependents?: boolean;
  /** Paths already known to be dead ends (skip them; timed out before). */
  skip?: string[];
}

export type ToWorker = ScanJobMessage;

export type FromWorker =
  | { type: 'list'; jobId: number; files: string[] }
  | { type: 'result'; jobId: number; result: FileResult; ms: number }
  | { type: 'done'; jobId: number }
  | { type: 'failed'; jobId: number; message: string };

/** workerData marking a thread as memlint's scan worker. */
export const SCAN_WORKER_ROLE = 'memlint-scan-worker';
