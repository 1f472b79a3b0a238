/**
 * Messages between the language server (protocol, documents' text, results) and its analysis workers (child
 * processes running the engine). The server never loads the engine, the rules or the parsers: a server with
 * nothing to analyse stays small, and an analysis that hangs or crashes takes only its worker down.
 */
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import type { FileKind } from '../../../rules/api';
import type { DeployEstimate } from '../../../analysis/deploy/estimate';
import type { FileResult, Finding } from '../engine/types';
import type { Range } from '../engine/text';
import type { FindingsDelta } from './findings-delta';

/** Which configuration to analyse a file with. Workers reopen their Workspace when `generation` changes. */
export interface FolderRef {
  root: string;
  configFile?: string;
  generation: number;
  /** Discover the folder's files (for rules that read other files); false for a loose file's directory. */
  discover: boolean;
}

export interface ConfigErrorInfo {
  file: string;
  key: string;
  line?: number;
  detail: string;
  message: string;
}

/** What a worker learned about a folder's configuration while opening it. */
export interface FolderState {
  root: string;
  generation: number;
  configError?: ConfigErrorInfo;
  /** Absolute path of the config file in use, if any. */
  configSource?: string;
  /** Any other reason the folder cannot be analysed. */
  failure?: string;
}

export interface DocMessage {
  uri: string;
  path: string;
  version: number;
  kindOverride?: FileKind;
}

export type Request =
  /** `have`: the id of the document's findings list the server holds (LintReply.findingsId), for a delta. */
  | { type: 'lint'; uri: string; folder: FolderRef; have?: string }
  | { type: 'analyze'; uri: string; folder: FolderRef; text?: string }
  | { type: 'analyzeFile'; path: string; folder: FolderRef }
  | { type: 'fixAll'; uri: string; folder: FolderRef }
  /** The memory budget marks of an open document (code lenses, hovers): a DocumentBudget. */
  | { type: 'budget'; uri: string; folder: FolderRef }
  /** What "Show Server Info" says about a folder (folder-info.ts). */
  | { type: 'folderInfo'; folder: FolderRef }
  /** The folder's memory budget charts and the deploys it cannot estimate (report view): a ReportBudgets. */
  | { type: 'budgets'; folder: FolderRef };

export interface LintReply {
  version: number;
  /** With `delta`, `result.findings` is empty: the findings are the delta applied to the list the server has. */
  result: FileResult | undefined;
  delta?: FindingsDelta;
  /** Id of this reply's findings list, for the next request's `have`. */
  findingsId?: string;
  folder: FolderState;
  /** Milliseconds spent: incremental parse (Python) and the whole analysis. */
  parseMs?: number;
  analyzeMs: number;
}

export type BudgetMarkKind = 'worker count' | 'thread count' | 'memory limit' | 'start command';

/** A place in a document that sets a figure of a deploy's memory budget. */
export interface BudgetMark {
  range: Range;
  kind: BudgetMarkKind;
  /** Index into DocumentBudget.deploys. */
  deploy: number;
}

/** The deploys a document takes part in, and the places in it that set their figures (budget-view.ts). */
export interface DocumentBudget {
  marks: BudgetMark[];
  deploys: DeployEstimate[];
  /** 1-based line of each location the deploys name, by `file:startOffset`, for "set in render.yaml:5". */
  lines: Record<string, number>;
  /** The memory-budget rule's page and the baselines' source, for the hover's links. */
  docs: { rule: string; baselines: string };
}

export interface FixAllReply {
  edits: { range: Range; newText: string }[];
  count: number;
}

export type ToWorker =
  | ({ type: 'open'; languageId: string; text: string } & DocMessage)
  | { type: 'change'; uri: string; version: number; changes: TextDocumentContentChangeEvent[] }
  | { type: 'close'; uri: string }
  /** Other files changed on disk: drop cached texts (and re-list the folder's files when `relist`). */
  | { type: 'invalidate'; root?: string; relist: boolean }
  | { type: 'request'; id: number; request: Request }
  | ScanJobMessage;

export interface ScanJobMessage {
  type: 'job';
  jobId: number;
  folder: FolderRef;
  /** Absolute paths (files or folders) to analyse, or undefined for the whole folder. */
  targets?: string[];
  /** Also re-analyse configuration/deploy files and role files (gunicorn config, settings), which read others. */
  withDependents?: boolean;
  /** Files to leave out (they timed out before). */
  skip?: string[];
}

export type FromWorker =
  | { type: 'reply'; id: number; value?: unknown; error?: string; /** The worker's resident memory after the request (MB). */ rssMb?: number }
  | { type: 'folder'; state: FolderState }
  | { type: 'log'; message: string }
  | { type: 'list'; jobId: number; files: string[] }
  | { type: 'result'; jobId: number; result: FileResult; ms: number }
  | { type: 'done'; jobId: number }
  | { type: 'failed'; jobId: number; message: string; folder?: FolderState };

export type AnalyzeReply = Finding[] | undefined;
