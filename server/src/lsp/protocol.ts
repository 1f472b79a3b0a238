/**
 * memlint's own LSP messages (beyond the standard protocol), shared by the server and the VS Code client.
 * Plain types and method names only: no engine, LSP-library or vscode imports, so the client bundle stays small.
 */

import type { ChartDeploy } from '../report/budget-chart';

/** The `memlint` settings section, per workspace folder. */
export interface MemlintSettings {
  enable: boolean;
  run: 'onType' | 'onSave';
  scanWorkspaceOnStartup: boolean;
  /** Config file path, absolute or relative to the workspace folder; empty = discover at the root. */
  configFile: string;
  /** `memlint.budget.codeLens`: the estimate-against-limit lens on worker counts and plan lines. */
  budget: { codeLens: boolean };
}

export const DEFAULT_SETTINGS: MemlintSettings = {
  enable: true,
  run: 'onType',
  scanWorkspaceOnStartup: true,
  configFile: '',
  budget: { codeLens: true },
};

export interface Pos {
  line: number;
  character: number;
}
export interface Rng {
  start: Pos;
  end: Pos;
}

/** Request `memlint/scanWorkspace`: scans every workspace folder (cancels a running scan first). */
export const ScanWorkspaceRequest = 'memlint/scanWorkspace';
export interface ScanWorkspaceResult {
  files: number;
  findings: number;
  durationMs: number;
  cancelled: boolean;
}

/** Request `memlint/report`: the workspace report from the current results. */
export const ReportRequest = 'memlint/report';

export interface ReportFinding {
  ruleId: string;
  severity: 'error' | 'warning' | 'info' | 'hint';
  /** The one-line headline. */
  message: string;
  /** Why, the figures, the alternatives (absent when the headline says it all). */
  detail?: string;
  range: Rng;
  docsUrl: string;
  /** Fix titles, in the order `memlint/applyFix` takes `fixIndex`. */
  fixes: { title: string; safety: 'safe' | 'unsafe' }[];
}

export interface ReportFile {
  uri: string;
  /** Relative to its workspace folder (absolute path when outside every folder). */
  relPath: string;
  /** `open` = from the editor buffer; `disk` = from the file on disk (workspace scan). */
  source: 'open' | 'disk';
  findings: ReportFinding[];
}

export interface ReportRule {
  ruleId: string;
  count: number;
  files: number;
  fixable: number;
  severity: ReportFinding['severity'];
  docsUrl: string;
}

export interface WorkspaceReport {
  generatedAt: string;
  folders: string[];
  scan: { state: 'never' | 'running' | 'done' | 'cancelled'; files: number; durationMs: number };
  totals: {
    /** Files analysed (open buffers and scanned files). */
    files: number;
    filesWithFindings: number;
    findings: number;
    fixable: number;
    bySeverity: Record<ReportFinding['severity'], number>;
  };
  byRule: ReportRule[];
  byFile: ReportFile[];
  /** `memory-budget` findings (the estimated memory of each deploy against its limit), when that rule reports. */
  budget: (ReportFinding & { uri: string; relPath: string })[];
  /** Every deploy's estimate now and after memlint's fixes, as chart data (server/src/report/budget-chart.ts). */
  budgetCharts?: ReportBudgets['charts'];
  /** Deploys whose budget cannot be computed: where and why. */
  unestimated?: ReportBudgets['unestimated'];
  /** Files skipped or rules that failed, one line each. */
  notes: string[];
  /** Configuration errors, one line each (file:line: key: problem). */
  configErrors: string[];
}

/** Request `memlint/applyFix`: re-analyses the file's current text and applies that finding's fix (workspace/applyEdit). */
export const ApplyFixRequest = 'memlint/applyFix';
export interface ApplyFixParams {
  uri: string;
  ruleId: string;
  range: Rng;
  /** Index into the finding's fixes; default the preferred one. */
  fixIndex?: number;
}
export interface ApplyFixResult {
  applied: boolean;
  reason?: string;
}

/** Notification `memlint/status` (server -> client): totals for the status bar, sent after results change. */
export const StatusNotification = 'memlint/status';
export interface StatusParams {
  findings: number;
  files: number;
  scanning: boolean;
  configErrors: number;
}

/** Client-side command the "Show documentation" code action runs: args [ruleId, docsUrl]. */
export const ShowDocumentationCommand = 'memlint.showDocumentation';

/** Client-side command a memory-budget code lens runs: args [uri, position]; shows the breakdown (the hover) there. */
export const ShowBudgetCommand = 'memlint.showBudgetBreakdown';

/** Code action kind of the fix-all action (for `editor.codeActionsOnSave`). */
export const FixAllKind = 'source.fixAll.memlint';

/** Request `memlint/serverInfo`: which server is running and what it sees ("memlint: Show Server Info"). */
export const ServerInfoRequest = 'memlint/serverInfo';
export interface FolderInfo {
  root: string;
  settings: MemlintSettings;
  /** Absolute path of the config file in use; absent when the defaults apply. */
  configFile?: string;
  /** A configuration error that stops analysis of the folder (then the rest is empty). */
  configError?: string;
  memoryLimitMb?: number;
  /** Files memlint recognises under the folder. */
  filesKnown: number;
  /** Folders (relative) with a project manifest, and which manifests. */
  projects: { path: string; markers: string[] }[];
  /** Deploy targets the memory budget found, with the estimate and the limit. */
  deploys: { label: string; estimateMb: number; limitMb?: number }[];
  /** The rules that run, with their configured severity. */
  rules: { id: string; severity: ReportFinding['severity'] }[];
}
export interface ServerInfo {
  name: string;
  version: string;
  /** The server script that is running (dist/server.js of the extension or of the npm package). */
  serverPath: string;
  nodeVersion: string;
  pid: number;
  folders: FolderInfo[];
}

/** A folder's memory budget for the report view (computed in the analysis worker). */
export interface ReportBudgets {
  charts: (ChartDeploy & { id: string })[];
  unestimated: { label: string; uri?: string; relPath?: string; line?: number; reason: string }[];
}
