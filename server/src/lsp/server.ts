/**
 * The memlint language server: wires documents, analysis, diagnostics, code actions, workspace scans,
 * watched files and the report to an LSP connection (stdio or IPC, see main.ts).
 * Nothing here throws into the connection: every handler catches and logs, bad input yields empty answers.
 */
import * as fs from 'node:fs';
import {
  CancellationToken,
  CodeActionKind,
  DidChangeConfigurationNotification,
  TextDocumentSyncKind,
  type CodeAction,
  type Connection,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver/node';
import type { FileResult } from '../engine/types';
import { codeActions, makeEdit, type CodeActionHost } from './code-actions';
import { fixToTextEdits, isRange } from './diagnostics';
import { DocumentStore, type OpenDocument } from './documents';
import { Folders, type Folder } from './folders';
import { LintScheduler } from './linter';
import {
  ApplyFixRequest,
  DEFAULT_SETTINGS,
  FixAllKind,
  ReportRequest,
  ScanWorkspaceRequest,
  StatusNotification,
  type ApplyFixParams,
  type ApplyFixResult,
  type MemlintSettings,
  type StatusParams,
} from './protocol';
import { buildReport } from './report';
import { Results } from './results';
import { ScanRunner } from './scan-runner';
import { pathToUri, uriToPath } from './uri';
import { onWatchedFiles, registerWatchers } from './watched-files';
import { WorkspaceScanner } from './workspace-scan';

export interface ServerOptions {
  /** Script a scan worker thread runs (the bundled server itself); undefined = scan in this thread. */
  workerScript?: string;
  version: string;
}

/** Options a client may pass in `initializationOptions` (tests; clients without workspace/configuration). */
interface InitOptions {
  settings?: Partial<MemlintSettings>;
  /** Per-file time limit of workspace-scan analysis (default 20 s). */
  fileTimeoutMs?: number;
  /** How long an idle scan worker lives (default 3 s). */
  workerIdleMs?: number;
}

export function startServer(connection: Connection, options: ServerOptions): void {
  const docs = new DocumentStore();
  const results = new Results(connection);
  let initOptions: InitOptions = {};
  let caps = { configuration: false, progress: false, watchedFilesDynamic: false, configurationDynamic: false, documentChanges: false };
  let initialized = false;

  const log = (message: string) => {
    try {
      connection.console.log(message);
    } catch {
      // the connection is gone; nothing to tell
    }
  };
  const logError = (what: string, e: unknown) => log(`${what}: ${String((e as Error)?.stack ?? e)}`);

  const settingsFor = async (scopeUri: string | undefined): Promise<MemlintSettings> => {
    const base: MemlintSettings = { ...DEFAULT_SETTINGS, ...initOptions.settings };
    if (!caps.configuration) return base;
    const raw = (await connection.workspace.getConfiguration({ scopeUri, section: 'memlint' })) as Partial<MemlintSettings> | null;
    return normalizeSettings(raw, base);
  };

  const folders = new Folders({ openText: (p) => docs.getByPath(p)?.text, settingsFor, log });
  const runner = new ScanRunner({
    workerScript: options.workerScript,
    fileTimeoutMs: 20_000,
    idleMs: 3_000,
    workerHeapMb: 1024,
    log,
  });
  const loggedNotes = new Set<string>();
  const logNotes = (result: FileResult) => {
    for (const n of result.notes) {
      if (n.kind === 'syntax-error') continue;
      const key = `${n.path}\u0000${n.message}`;
      if (loggedNotes.has(key)) continue;
      if (loggedNotes.size > 10_000) loggedNotes.clear();
      loggedNotes.add(key);
      log(`${n.relPath}: ${n.message}`);
    }
  };
  const scanner = new WorkspaceScanner({
    connection,
    runner,
    folders,
    results,
    supportsProgress: () => caps.progress,
    isOpen: (p) => docs.getByPath(p) !== undefined,
    logNotes,
    log,
  });

  // --- analysis of open documents --------------------------------------------------------------------------

  /** A fresh analysis of a document's text (code actions, fix-all, apply-fix); never throws. */
  const analyzeNow = (doc: OpenDocument, text = doc.text) => {
    const ws = folders.forPath(doc.path).workspace;
    if (!ws) return undefined;
    try {
      return ws.analyzeText(doc.path, text, { kind: doc.kindOverride }).findings;
    } catch (e) {
      logError(`analysing ${doc.path}`, e);
      return undefined;
    }
  };

  const lintDocument = async (uri: string) => {
    const doc = docs.get(uri);
    if (!doc || !doc.kind) return;
    const folder = folders.forPath(doc.path);
    await folder.loading;
    if (docs.get(uri) !== doc) return; // closed meanwhile
    const ws = folder.workspace;
    const version = doc.version;
    const key = `${version}:${folder.generation}`;
    if (doc.lintKey === key) return;
    doc.lintKey = key;
    const empty: FileResult = { path: doc.path, relPath: doc.path, findings: [], notes: [], skipped: true };
    if (!folder.settings.enable || !ws) {
      results.setOpen(doc.path, doc.uri, version, empty);
      return;
    }
    const limit = ws.config.maxFileSizeMb * 1048576;
    if (doc.text.length > limit) {
      logNotes({ ...empty, notes: [{ kind: 'too-large', path: doc.path, relPath: doc.path, message: `not analysed: over the ${ws.config.maxFileSizeMb} MB limit (maxFileSizeMb)` }] });
      results.setOpen(doc.path, doc.uri, version, empty);
      return;
    }
    const parsed = doc.parsedFile();
    let result: FileResult;
    try {
      result = ws.analyzeText(doc.path, doc.text, { parsed, kind: doc.kindOverride });
      doc.adopt(parsed);
    } catch (e) {
      doc.dropTree();
      logError(`analysing ${doc.path}`, e);
      return;
    }
    logNotes(result);
    results.setOpen(doc.path, doc.uri, version, result);
  };
  const scheduler = new LintScheduler(lintDocument, (uri, e) => logError(`linting ${uri}`, e));

  /** Re-lints a folder's open documents; `force` also when text and configuration are unchanged (other files changed). */
  const relintFolder = (folder: Folder, force = false) => {
    for (const d of docs.all()) {
      if (folders.forPath(d.path) !== folder) continue;
      if (force) d.lintKey = undefined;
      scheduler.request(d.uri);
    }
  };

  const refreshFolder = async (folder: Folder, rescan: boolean) => {
    const wasEnabled = folder.settings.enable;
    const oldConfigFile = folder.settings.configFile;
    await folders.reload(folder);
    let configText: string | undefined;
    if (folder.configError) {
      try {
        configText = fs.readFileSync(folder.configError.file, 'utf8');
      } catch {
        configText = undefined;
      }
    }
    results.setConfigError(folder, configText);
    if (!folder.settings.enable) {
      scanner.cancelFolder(folder);
      results.clearFolder(folder.root, false);
      relintFolder(folder);
      return;
    }
    relintFolder(folder);
    if (!folder.isWorkspaceFolder || !folder.workspace) return;
    const enabledNow = !wasEnabled && folder.settings.enable && folder.settings.scanWorkspaceOnStartup;
    const configMoved = oldConfigFile !== folder.settings.configFile;
    if ((rescan || configMoved) && folder.scanState !== 'never') void scanner.scanFolders([folder]);
    else if (enabledNow) void scanner.scanFolders([folder]);
  };

  // --- status for the client's status bar ------------------------------------------------------------------

  let statusTimer: NodeJS.Timeout | undefined;
  const sendStatus = () => {
    statusTimer = undefined;
    let findings = 0;
    let files = 0;
    for (const e of results.entries()) {
      const r = e.open?.result ?? e.disk;
      if (r && r.findings.length) {
        findings += r.findings.length;
        files++;
      }
    }
    const params: StatusParams = { findings, files, scanning: scanner.state.state === 'running', configErrors: results.configErrorMessages().length };
    void connection.sendNotification(StatusNotification, params).catch(() => undefined);
  };
  const statusSoon = () => {
    if (!initialized || statusTimer) return;
    statusTimer = setTimeout(sendStatus, 150);
  };
  results.onDidChange(statusSoon);

  // --- lifecycle ---------------------------------------------------------------------------------------------

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const c = params.capabilities ?? {};
    caps = {
      configuration: !!c.workspace?.configuration,
      progress: !!c.window?.workDoneProgress,
      watchedFilesDynamic: !!c.workspace?.didChangeWatchedFiles?.dynamicRegistration,
      configurationDynamic: !!c.workspace?.didChangeConfiguration?.dynamicRegistration,
      documentChanges: !!c.workspace?.workspaceEdit?.documentChanges,
    };
    initOptions = (params.initializationOptions ?? {}) as InitOptions;
    runner.configure({
      fileTimeoutMs: positive(initOptions.fileTimeoutMs),
      idleMs: positive(initOptions.workerIdleMs),
    });
    workspaceFoldersSupported = !!c.workspace?.workspaceFolders;
    pendingFolders =
      params.workspaceFolders?.map((f) => ({ uri: f.uri, name: f.name })) ??
      (params.rootUri ? [{ uri: params.rootUri, name: '' }] : params.rootPath ? [{ uri: pathToUri(params.rootPath), name: '' }] : []);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.SourceFixAll, FixAllKind], resolveProvider: false },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'memlint', version: options.version },
    };
  });
  let pendingFolders: { uri: string; name: string }[] = [];
  let workspaceFoldersSupported = false;
  /** Settles when the folders named at initialize are added (requests that need them wait for it). */
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  connection.onInitialized(async () => {
    initialized = true;
    // Folders are added synchronously here, before any didOpen is handled; loading goes on in the background.
    const adding = changeFolders(pendingFolders, []);
    try {
      if (caps.configurationDynamic) await connection.client.register(DidChangeConfigurationNotification.type, { section: 'memlint' });
      if (caps.watchedFilesDynamic) await registerWatchers(connection);
      else log('the client cannot watch files for the server: files changed outside the editor are picked up on the next scan');
    } catch (e) {
      logError('registering for configuration/file changes', e);
    }
    if (workspaceFoldersSupported) connection.workspace.onDidChangeWorkspaceFolders((ev) => void changeFolders(ev.added, ev.removed));
    await adding;
    markReady();
  });

  const changeFolders = async (added: { uri: string; name: string }[], removed: { uri: string; name: string }[]) => {
    try {
      for (const r of removed) {
        const f = folders.remove(r.uri);
        if (!f) continue;
        scanner.cancelFolder(f);
        results.clearFolder(f.root, true);
      }
      const fresh = added.map((a) => folders.add(a.uri, a.name)).filter((f): f is Folder => f !== undefined);
      await Promise.all(fresh.map((f) => f.loading));
      for (const f of fresh) {
        results.setConfigError(f, f.configError ? readOrUndefined(f.configError.file) : undefined);
        relintFolder(f);
      }
      const toScan = fresh.filter((f) => f.settings.enable && f.settings.scanWorkspaceOnStartup && f.workspace);
      if (toScan.length) void scanner.scanFolders(toScan).catch((e) => logError('workspace scan', e));
    } catch (e) {
      logError('workspace folders', e);
    }
  };

  connection.onDidChangeConfiguration(async () => {
    for (const f of folders.all()) await refreshFolder(f, false).catch((e) => logError('reloading settings', e));
  });

  connection.onShutdown(() => {
    runner.dispose();
  });

  // --- documents ---------------------------------------------------------------------------------------------

  connection.onDidOpenTextDocument((p) => {
    try {
      const td = p.textDocument;
      if (!td || typeof td.uri !== 'string' || typeof td.text !== 'string') return;
      const doc = docs.open(td.uri, td.languageId ?? '', td.version ?? 0, td.text);
      folders.forPath(doc.path).workspace?.invalidate(doc.path);
      scheduler.request(doc.uri);
    } catch (e) {
      logError('didOpen', e);
    }
  });

  connection.onDidChangeTextDocument((p) => {
    try {
      const doc = docs.get(p.textDocument?.uri);
      if (!doc || !Array.isArray(p.contentChanges)) return;
      doc.update(p.contentChanges, p.textDocument.version ?? doc.version + 1);
      const folder = folders.forPath(doc.path);
      folder.workspace?.invalidate(doc.path);
      if (folder.settings.run === 'onType') scheduler.request(doc.uri);
    } catch (e) {
      // A change that does not apply leaves the document unknown: drop it rather than analyse wrong text.
      logError('didChange', e);
      const uri = p.textDocument?.uri;
      if (uri) docs.close(uri);
    }
  });

  connection.onDidSaveTextDocument((p) => {
    const doc = docs.get(p.textDocument?.uri);
    if (doc && folders.forPath(doc.path).settings.run === 'onSave') scheduler.request(doc.uri);
  });

  connection.onDidCloseTextDocument((p) => {
    try {
      const uri = p.textDocument?.uri;
      const doc = docs.close(uri);
      if (!doc) return;
      scheduler.cancel(uri);
      const folder = folders.forPath(doc.path);
      folder.workspace?.invalidate(doc.path);
      const entry = results.get(doc.path);
      if (folder.isWorkspaceFolder && folder.scanState !== 'never') {
        // Keep showing the workspace result for the closed file, refreshed from disk (the buffer may have been unsaved).
        results.clearOpen(doc.path);
        if (doc.onDisk) scanner.scanTargets(folder, [doc.path]);
      } else if (entry) {
        entry.disk = undefined;
        results.clearOpen(doc.path);
      }
    } catch (e) {
      logError('didClose', e);
    }
  });

  // --- code actions ------------------------------------------------------------------------------------------

  const actionHost: CodeActionHost = {
    analyze: analyzeNow,
    get supportsDocumentChanges() {
      return caps.documentChanges;
    },
  };
  connection.onCodeAction((params): CodeAction[] => {
    try {
      const doc = docs.get(params.textDocument?.uri);
      if (!doc || !params.context) return [];
      return codeActions(doc, params, actionHost);
    } catch (e) {
      logError('codeAction', e);
      return [];
    }
  });

  // --- memlint requests ------------------------------------------------------------------------------------

  connection.onRequest(ScanWorkspaceRequest, async (a: unknown, b: unknown) => {
    // vscode-jsonrpc passes the token first when the request has no params.
    const token = CancellationToken.is(a) ? a : CancellationToken.is(b) ? b : undefined;
    await ready;
    const targets = folders.workspaceFolders();
    for (const f of targets) {
      if (f.configError) await refreshFolder(f, false); // maybe fixed meanwhile
    }
    return scanner.scanFolders(targets, token);
  });

  connection.onRequest(ReportRequest, async () => {
    await ready;
    return buildReport(results, folders, scanner.state);
  });

  connection.onRequest(ApplyFixRequest, async (p: ApplyFixParams): Promise<ApplyFixResult> => {
    if (!p || typeof p.uri !== 'string' || typeof p.ruleId !== 'string' || !isRange(p.range)) return { applied: false, reason: 'bad parameters' };
    const path = uriToPath(p.uri);
    const open = docs.get(p.uri) ?? (path ? docs.getByPath(path) : undefined);
    const folder = path ? folders.forPath(path) : undefined;
    const ws = folder ? await folders.workspaceOf(folder) : undefined;
    if (!ws || !path) return { applied: false, reason: 'the file is not in an analysable workspace' };
    const findings = open ? analyzeNow(open) : ws.analyzeFile(path).findings;
    const finding = findings?.find(
      (f) => f.ruleId === p.ruleId && f.range.start.line === p.range.start.line && f.range.start.character === p.range.start.character,
    ) ?? findings?.find((f) => f.ruleId === p.ruleId && f.range.start.line === p.range.start.line);
    if (!finding) return { applied: false, reason: 'the problem is no longer there' };
    const fix = p.fixIndex !== undefined ? finding.fixes[p.fixIndex] : (finding.fixes.find((f) => f.preferred) ?? finding.fixes[0]);
    if (!fix) return { applied: false, reason: 'no fix for this problem' };
    const edits = fixToTextEdits(fix);
    const edit = open ? makeEdit(open, edits, caps.documentChanges) : { changes: { [pathToUri(path)]: edits } };
    const answer = await connection.workspace.applyEdit({ label: fix.title, edit });
    return answer.applied ? { applied: true } : { applied: false, reason: answer.failureReason ?? 'the editor refused the edit' };
  });

  connection.onDidChangeWatchedFiles((params) => {
    void onWatchedFiles(params, { folders, results, scanner, refreshFolder, relintFolder: (f) => relintFolder(f, true) }).catch((e) => logError('watched files', e));
  });

  connection.listen();
}

function normalizeSettings(raw: Partial<MemlintSettings> | null | undefined, base: MemlintSettings): MemlintSettings {
  const s = { ...base };
  if (!raw || typeof raw !== 'object') return s;
  if (typeof raw.enable === 'boolean') s.enable = raw.enable;
  if (raw.run === 'onType' || raw.run === 'onSave') s.run = raw.run;
  if (typeof raw.scanWorkspaceOnStartup === 'boolean') s.scanWorkspaceOnStartup = raw.scanWorkspaceOnStartup;
  if (typeof raw.configFile === 'string') s.configFile = raw.configFile;
  return s;
}

function positive(n: unknown): number | undefined {
  return typeof n === 'number' && n > 0 ? n : undefined;
}

function readOrUndefined(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
