/**
 * The memlint language server process: the protocol, the open documents' text, the results and what is
 * published. All analysis runs in two worker processes (see worker.ts): one for the open documents, one for
 * workspace scans, so typing is never queued behind a scan, a hung analysis costs a worker and not the
 * server, and an idle server holds no engine memory. Handlers never throw into the connection.
 */
import * as fs from 'node:fs';
import {
  CancellationToken,
  CodeActionKind,
  DidChangeConfigurationNotification,
  TextDocumentSyncKind,
  type CodeAction,
  type CodeLens,
  type Connection,
  type Hover,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { lineEndingsOf } from '../engine/encode';
import { readRegularText } from '../engine/safe-read';
import type { FileResult, Finding } from '../engine/types';
import { mayHoldBudgetFigures } from './budget-files';
import { codeActions, makeEdit, type CodeActionHost } from './code-actions';
import type { SettingsFile } from './small-table-action';
import { budgetCodeLenses } from './code-lens';
import { fixToTextEdits, isRange } from './diagnostics';
import { Folders, type Folder } from './folders';
import { findingDetailMarkdown } from './finding-hover';
import { ReceivedFindings } from './findings-delta';
import { budgetHover } from './hover';
import { LensRefresher } from './lens-refresh';
import { LintScheduler } from './linter';
import { DocumentStore, type OpenDocument } from './open-documents';
import {
  ApplyFixRequest,
  DEFAULT_SETTINGS,
  FixAllKind,
  ReportRequest,
  ScanWorkspaceRequest,
  ServerInfoRequest,
  StatusNotification,
  type FolderInfo,
  type ReportBudgets,
  type ServerInfo,
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
import { AnalysisWorker, RequestTimeout, WorkerLost, type WorkerScript } from './worker-client';
import type { DocumentBudget, FixAllReply, FolderState, FromWorker, LintReply, ToWorker } from './worker-protocol';
import { WorkspaceScanner } from './workspace-scan';

export interface ServerOptions {
  /** Script the analysis worker processes run (dist/server-worker.js). */
  worker: WorkerScript;
  version: string;
}

/** Options a client may pass in `initializationOptions` (tests, benchmarks, clients without workspace/configuration). */
interface InitOptions {
  settings?: Partial<MemlintSettings>;
  /** Time limit of one file's analysis in a workspace scan (default 20 s). */
  fileTimeoutMs?: number;
  /** Time limit of one open document's analysis (default 10 s). */
  lintTimeoutMs?: number;
  /** How long an idle scan worker lives (default 3 s). */
  scanWorkerIdleMs?: number;
  /** How long the open documents' worker lives without requests (default 5 min). */
  documentWorkerIdleMs?: number;
  /** Resident MB above which the open documents' worker is recycled once idle for 2 s (default 512). */
  documentWorkerRecycleMb?: number;
}

const TIMING = !!process.env.MEMLINT_LSP_TIMING;

export function startServer(connection: Connection, options: ServerOptions): void {
  const docs = new DocumentStore();
  const results = new Results(connection);
  /** The findings lists of open documents the server holds, for the worker's deltas. */
  const received = new ReceivedFindings();
  let initOptions: InitOptions = {};
  let caps = { configuration: false, progress: false, watchedFilesDynamic: false, configurationDynamic: false, documentChanges: false, createFiles: false, workspaceFolders: false, codeLensRefresh: false };
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
  const folders = new Folders({ settingsFor, log });
  const lensRefresher = new LensRefresher(connection, () => caps.codeLensRefresh);

  // --- the analysis workers ------------------------------------------------------------------------------------

  const onFolderState = (state: FolderState) => {
    const folder = folders.applyState(state);
    if (!folder) return;
    if (state.failure) log(`cannot analyse ${state.root}: ${state.failure}`);
    if (folder.configError) log(`configuration error: ${folder.configError.message}`);
    const shown = results.configErrorFileOf(folder);
    if (shown !== folder.configError?.file || folder.configError) {
      results.setConfigError(folder, folder.configError ? readOrUndefined(folder.configError.file) : undefined);
    }
  };
  const fromWorker = (msg: FromWorker) => {
    if (msg.type === 'folder') onFolderState(msg.state);
    else if (msg.type === 'log') log(msg.message);
  };
  const openMessage = (d: OpenDocument): ToWorker => ({
    type: 'open',
    uri: d.uri,
    path: d.path,
    languageId: d.languageId,
    version: d.version,
    text: d.text,
    kindOverride: d.kindOverride,
  });
  const live = new AnalysisWorker({
    worker: options.worker,
    name: 'analysis worker',
    // One document at a time: 1 GB is far above what a real file needs (a fresh worker holds ~50-180 MB), and a
    // pathological one dies at the cap (its request fails, the next starts a new worker) instead of growing.
    heapMb: 1024,
    requestTimeoutMs: 10_000,
    idleMs: 5 * 60_000,
    recycleAboveMb: 512,
    recycleIdleMs: 2_000,
    cpuProfileDir: process.env.MEMLINT_DOC_WORKER_CPU_PROF || undefined,
    log,
    onMessage: fromWorker,
    onStart: (post) => {
      for (const d of docs.all()) if (d.kind) post(openMessage(d));
    },
  });
  const runner = new ScanRunner({
    worker: options.worker,
    fileTimeoutMs: 20_000,
    idleMs: 3_000,
    // Scans go through thousands of files: a small heap keeps the scan's memory bounded (V8 collects sooner);
    // a file that needs more is skipped with a note.
    workerHeapMb: 256,
    log,
    onMessage: fromWorker,
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

  const emptyResult = (doc: OpenDocument, note?: string): FileResult => ({
    path: doc.path,
    relPath: doc.path,
    findings: [],
    notes: note ? [{ kind: 'rule-error', path: doc.path, relPath: doc.path, message: note }] : [],
    skipped: true,
  });

  const lintDocument = async (uri: string) => {
    const doc = docs.get(uri);
    if (!doc || !doc.kind) return;
    const folder = folders.forPath(doc.path);
    await folder.loading;
    if (docs.get(uri) !== doc) return; // closed meanwhile
    const key = `${doc.version}:${folder.generation}`;
    if (doc.lintKey === key) return;
    doc.lintKey = key;
    if (!folder.settings.enable) {
      results.setOpen(doc.path, doc.uri, doc.version, emptyResult(doc));
      return;
    }
    const started = performance.now();
    let reply: LintReply | undefined;
    try {
      reply = await live.request<LintReply | undefined>({ type: 'lint', uri, folder: folders.ref(folder), have: received.have(uri) });
    } catch (e) {
      if (e instanceof RequestTimeout) {
        // Skip this version: the next edit tries again; other documents go on in a fresh worker.
        const note = `not analysed: the analysis of this version took too long (${e.message})`;
        logNotes({ ...emptyResult(doc, note), relPath: doc.path });
        if (docs.get(uri) === doc) results.setOpen(doc.path, doc.uri, doc.version, emptyResult(doc));
      } else if (e instanceof WorkerLost) {
        if (docs.get(uri) === doc && doc.lintKey === key) {
          doc.lintKey = undefined;
          scheduler.request(uri); // lost with a worker that went down for another reason: try again
        }
      } else logError(`analysing ${doc.path}`, e);
      return;
    }
    if (reply?.result) {
      const findings = received.accept(uri, reply.findingsId, reply.result.findings, reply.delta);
      if (!findings) {
        // A delta against a list this server no longer holds: analyse again, in full.
        if (docs.get(uri) === doc && doc.lintKey === key) {
          doc.lintKey = undefined;
          scheduler.request(uri);
        }
        return;
      }
      reply.result.findings = findings;
    } else received.forget(uri);
    if (!reply || docs.get(uri) !== doc) return;
    if (reply.version !== doc.version && scheduler.isPending(uri)) return; // superseded: the newer one is queued
    if (reply.result) logNotes(reply.result);
    if (TIMING) {
      const parse = reply.parseMs !== undefined ? `parse ${reply.parseMs.toFixed(1)} ms, ` : '';
      const d = reply.delta;
      const delta = d ? `, findings ${d.head} unchanged + ${d.middle.length} sent + ${d.tail} moved` : `, findings ${reply.result?.findings.length ?? 0} sent`;
      log(`timing ${doc.path} v${reply.version}: ${parse}analysis ${reply.analyzeMs.toFixed(1)} ms, round trip ${(performance.now() - started).toFixed(1)} ms${delta}`);
    }
    results.setOpen(doc.path, doc.uri, reply.version, reply.result ?? emptyResult(doc));
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

  /**
   * Django views and templates report on each other (n-plus-one: the read in the template, the fix on the view), so
   * an edit of one re-lints the open documents of the other kind in its folder.
   */
  const relintLinkedTemplates = (changed: OpenDocument) => {
    if (changed.kind !== 'python' && changed.kind !== 'django-template') return;
    const other = changed.kind === 'python' ? 'django-template' : 'python';
    const folder = folders.forPath(changed.path);
    for (const d of docs.all()) {
      if (d === changed || d.kind !== other || folders.forPath(d.path) !== folder) continue;
      if (other === 'python' && !/render|template_name|View\b/.test(d.text)) continue; // not a view module
      d.lintKey = undefined;
      scheduler.request(d.uri);
    }
  };

  /** New settings or configuration for a folder: re-lint its open documents, and re-scan it when asked. */
  const refreshFolder = async (folder: Folder, rescan: boolean) => {
    const wasEnabled = folder.settings.enable;
    const oldConfigFile = folder.settings.configFile;
    await folders.reload(folder);
    live.post({ type: 'invalidate', root: folder.root, relist: true });
    if (!folder.settings.enable) {
      scanner.cancelFolder(folder);
      results.clearFolder(folder.root, false);
      relintFolder(folder);
      return;
    }
    relintFolder(folder);
    if (!folder.isWorkspaceFolder) return;
    const enabledNow = !wasEnabled && folder.settings.scanWorkspaceOnStartup;
    const configMoved = oldConfigFile !== folder.settings.configFile;
    if (((rescan || configMoved) && folder.scanState !== 'never') || enabledNow) {
      void scanner.scanFolders([folder]).catch((e) => logError('workspace scan', e));
    }
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

  let pendingFolders: { uri: string; name: string }[] = [];
  let markReady: () => void = () => undefined;
  /** Settles when the folders named at initialize are set up (requests that need them wait for it). */
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const c = params.capabilities ?? {};
    caps = {
      configuration: !!c.workspace?.configuration,
      progress: !!c.window?.workDoneProgress,
      watchedFilesDynamic: !!c.workspace?.didChangeWatchedFiles?.dynamicRegistration,
      configurationDynamic: !!c.workspace?.didChangeConfiguration?.dynamicRegistration,
      documentChanges: !!c.workspace?.workspaceEdit?.documentChanges,
      createFiles: !!c.workspace?.workspaceEdit?.resourceOperations?.includes('create'),
      workspaceFolders: !!c.workspace?.workspaceFolders,
      codeLensRefresh: !!c.workspace?.codeLens?.refreshSupport,
    };
    initOptions = (params.initializationOptions ?? {}) as InitOptions;
    runner.configure({ fileTimeoutMs: positive(initOptions.fileTimeoutMs), idleMs: positive(initOptions.scanWorkerIdleMs) });
    live.configure({ requestTimeoutMs: positive(initOptions.lintTimeoutMs), idleMs: positive(initOptions.documentWorkerIdleMs), recycleAboveMb: positive(initOptions.documentWorkerRecycleMb) });
    pendingFolders =
      params.workspaceFolders?.map((f) => ({ uri: f.uri, name: f.name })) ??
      (params.rootUri ? [{ uri: params.rootUri, name: '' }] : params.rootPath ? [{ uri: pathToUri(params.rootPath), name: '' }] : []);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.SourceFixAll, FixAllKind], resolveProvider: false },
        codeLensProvider: { resolveProvider: false },
        hoverProvider: true,
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'memlint', version: options.version },
    };
  });

  connection.onInitialized(async () => {
    initialized = true;
    // Folders are added synchronously here, before any didOpen is handled; settings load in the background.
    const adding = changeFolders(pendingFolders, []);
    try {
      if (caps.configurationDynamic) await connection.client.register(DidChangeConfigurationNotification.type, { section: 'memlint' });
      if (caps.watchedFilesDynamic) await registerWatchers(connection);
      else log('the client cannot watch files for the server: files changed outside the editor are picked up on the next scan');
    } catch (e) {
      logError('registering for configuration/file changes', e);
    }
    if (caps.workspaceFolders) connection.workspace.onDidChangeWorkspaceFolders((ev) => void changeFolders(ev.added, ev.removed));
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
        relintFolder(f, true); // its open files now belong to another folder
      }
      const fresh = added.map((a) => folders.add(a.uri, a.name)).filter((f): f is Folder => f !== undefined);
      await Promise.all(fresh.map((f) => f.loading));
      for (const f of fresh) relintFolder(f);
      const toScan = fresh.filter((f) => f.settings.enable && f.settings.scanWorkspaceOnStartup);
      if (toScan.length) {
        // The open editors first: their diagnostics should not wait for a scan starting beside them.
        await scheduler.idle();
        void scanner.scanFolders(toScan).catch((e) => logError('workspace scan', e));
      }
    } catch (e) {
      logError('workspace folders', e);
    }
  };

  connection.onDidChangeConfiguration(async () => {
    for (const f of folders.all()) await refreshFolder(f, false).catch((e) => logError('reloading settings', e));
    lensRefresher.soon();
  });

  connection.onShutdown(() => {
    lensRefresher.dispose();
    runner.dispose();
    live.stop();
  });

  // --- documents ---------------------------------------------------------------------------------------------

  connection.onDidOpenTextDocument((p) => {
    try {
      const td = p?.textDocument;
      if (!td || typeof td.uri !== 'string' || typeof td.text !== 'string') return;
      const doc = docs.open(td.uri, typeof td.languageId === 'string' ? td.languageId : '', Number.isInteger(td.version) ? td.version : 0, td.text);
      received.forget(td.uri);
      if (!doc.kind) return;
      live.post(openMessage(doc));
      scheduler.request(doc.uri);
      lensRefresher.soon();
    } catch (e) {
      logError('didOpen', e);
    }
  });

  connection.onDidChangeTextDocument((p) => {
    const uri = p?.textDocument?.uri;
    const doc = docs.get(uri);
    if (!doc || !Array.isArray(p.contentChanges)) return;
    try {
      const version = Number.isInteger(p.textDocument.version) ? p.textDocument.version : doc.version + 1;
      doc.update(p.contentChanges, version);
      if (!doc.kind) return;
      live.post({ type: 'change', uri: doc.uri, version, changes: p.contentChanges });
      if (folders.forPath(doc.path).settings.run === 'onType') {
        scheduler.request(doc.uri);
        relintLinkedTemplates(doc);
      }
      lensRefresher.soon();
    } catch (e) {
      // A change that does not apply leaves the text unknown: forget the document rather than analyse wrong text.
      logError('didChange', e);
      docs.close(uri);
      received.forget(doc.uri);
      live.post({ type: 'close', uri: doc.uri });
      results.clearOpen(doc.path);
    }
  });

  connection.onDidSaveTextDocument((p) => {
    const doc = docs.get(p?.textDocument?.uri);
    if (doc && folders.forPath(doc.path).settings.run === 'onSave') scheduler.request(doc.uri);
  });

  connection.onDidCloseTextDocument((p) => {
    try {
      const uri = p?.textDocument?.uri;
      const doc = docs.close(uri);
      if (!doc) return;
      scheduler.cancel(doc.uri);
      received.forget(doc.uri);
      live.post({ type: 'close', uri: doc.uri });
      lensRefresher.soon();
      const folder = folders.forPath(doc.path);
      const entry = results.get(doc.path);
      if (folder.isWorkspaceFolder && folder.scanState !== 'never') {
        // Keep the workspace result of the closed file, refreshed from disk (the buffer may have been unsaved).
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

  /** Findings of the document's current version: the server's last analysis of it, or a fresh one. */
  const analyzeOpen = async (doc: OpenDocument): Promise<Finding[] | undefined> => {
    // A CRLF document's fixes are those of its LF twin (as `--fix` does): the same lines and columns, and
    // makeEdit gives inserted lines CRLF. Rules that build edits line by line then behave as on LF.
    if (lineEndingsOf(doc.text) === 'crlf') {
      return live.request<Finding[] | undefined>({ type: 'analyze', uri: doc.uri, folder: folders.ref(folders.forPath(doc.path)), text: doc.text.replace(/\r\n/g, '\n') });
    }
    const known = results.get(doc.path)?.open;
    if (known && known.version === doc.version && known.result.path === doc.path && !known.result.skipped) return known.result.findings;
    return live.request<Finding[] | undefined>({ type: 'analyze', uri: doc.uri, folder: folders.ref(folders.forPath(doc.path)) });
  };
  const actionHost: CodeActionHost = {
    analyze: analyzeOpen,
    fixAll: (doc) => live.request<FixAllReply | undefined>({ type: 'fixAll', uri: doc.uri, folder: folders.ref(folders.forPath(doc.path)) }),
    get supportsDocumentChanges() {
      return caps.documentChanges;
    },
    get supportsCreateFiles() {
      return caps.createFiles;
    },
    settingsFile: (doc) => settingsFileOf(folders.forPath(doc.path)),
  };
  /** The file a workspace folder's settings come from (memlint.toml at its root when there is none), with its text. */
  const settingsFileOf = (folder: Folder): SettingsFile | undefined => {
    // A file outside every folder has no workspace settings to add to; a broken config is the user's to fix first.
    if (!folder.isWorkspaceFolder || folder.configError || folder.failure) return undefined;
    const file = folders.explicitConfigFile(folder) ?? folder.configSource ?? `${folder.root}/memlint.toml`;
    const uri = pathToUri(file);
    const open = docs.get(uri);
    if (open) return { path: file, uri, text: open.text, version: open.version };
    if (!fs.existsSync(file)) return { path: file, uri, text: undefined };
    // A config file is small: 4 MB is far above any real one (as config.ts reads it). Unreadable: no edit.
    const text = readRegularText(file, 4 * 1048576);
    return text === undefined ? undefined : { path: file, uri, text };
  };
  connection.onCodeAction(async (params): Promise<CodeAction[]> => {
    try {
      const doc = docs.get(params?.textDocument?.uri);
      if (!doc || !doc.kind || !params.context) return [];
      await folders.forPath(doc.path).loading;
      return await codeActions(doc, params, actionHost);
    } catch (e) {
      logError('codeAction', e);
      return [];
    }
  });

  // --- memory budget: code lenses and hovers -----------------------------------------------------------------

  /** The budget marks of an open document, or undefined when memlint is off for it or it cannot be analysed. */
  const documentBudget = async (uri: string | undefined, lenses: boolean): Promise<{ uri: string; budget: DocumentBudget } | undefined> => {
    const doc = docs.get(uri);
    if (!doc || !doc.kind || !mayHoldBudgetFigures(doc.path, doc.kind, doc.text)) return undefined;
    const folder = folders.forPath(doc.path);
    await folder.loading;
    if (!folder.settings.enable || (lenses && folder.settings.budget?.codeLens === false)) return undefined;
    const budget = await live.request<DocumentBudget | undefined>({ type: 'budget', uri: doc.uri, folder: folders.ref(folder) });
    return budget ? { uri: doc.uri, budget } : undefined;
  };
  connection.onCodeLens(async (params): Promise<CodeLens[]> => {
    try {
      lensRefresher.markServed();
      const found = await documentBudget(params?.textDocument?.uri, true);
      return found ? budgetCodeLenses(found.uri, found.budget) : [];
    } catch (e) {
      if (!(e instanceof RequestTimeout || e instanceof WorkerLost)) logError('codeLens', e);
      return [];
    }
  });
  connection.onHover(async (params): Promise<Hover | null> => {
    try {
      if (!params?.position) return null;
      const doc = docs.get(params.textDocument?.uri);
      const entry = doc ? results.get(doc.path) : undefined;
      const detail = findingDetailMarkdown((entry?.open?.result ?? entry?.disk)?.findings ?? [], params.position);
      const found = await documentBudget(params.textDocument?.uri, false);
      const budget = found && budgetHover(found.budget, params.position);
      if (!detail) return budget ?? null;
      const budgetText = budget && typeof budget.contents === 'object' && 'value' in budget.contents ? budget.contents.value : undefined;
      return { contents: { kind: 'markdown', value: budgetText ? `${detail}\n\n---\n\n${budgetText}` : detail } };
    } catch (e) {
      if (!(e instanceof RequestTimeout || e instanceof WorkerLost)) logError('hover', e);
      return null;
    }
  });

  // --- memlint requests ------------------------------------------------------------------------------------

  connection.onRequest(ScanWorkspaceRequest, async (a: unknown, b: unknown) => {
    // vscode-jsonrpc passes the token first when the request has no params.
    const token = CancellationToken.is(a) ? a : CancellationToken.is(b) ? b : undefined;
    await ready;
    const targets = folders.workspaceFolders();
    // A folder whose configuration was broken is given a fresh look (it may have been fixed meanwhile).
    for (const f of targets) if (f.configError || f.failure) await folders.reload(f);
    return scanner.scanFolders(targets, token);
  });

  connection.onRequest(ServerInfoRequest, async (): Promise<ServerInfo> => {
    await ready;
    const folderInfos: FolderInfo[] = [];
    for (const folder of folders.workspaceFolders()) {
      await folder.loading;
      const base = { root: folder.root, settings: folder.settings, filesKnown: 0, projects: [], deploys: [], rules: [] };
      try {
        const info = await live.request<Partial<FolderInfo>>({ type: 'folderInfo', folder: folders.ref(folder) });
        folderInfos.push({ ...base, ...info });
      } catch (e) {
        folderInfos.push({ ...base, configError: `could not be read: ${(e as Error).message}` });
      }
    }
    return { name: 'memlint', version: options.version, serverPath: __filename, nodeVersion: process.version, pid: process.pid, folders: folderInfos };
  });

  connection.onRequest(ReportRequest, async () => {
    await ready;
    const report = buildReport(results, folders, scanner.state);
    // The budget charts need the folder's Workspace: the analysis worker computes them.
    report.budgetCharts = [];
    report.unestimated = [];
    for (const folder of folders.workspaceFolders()) {
      await folder.loading;
      if (!folder.settings.enable || folder.configError) continue;
      try {
        const b = await live.request<ReportBudgets | undefined>({ type: 'budgets', folder: folders.ref(folder) });
        report.budgetCharts.push(...(b?.charts ?? []));
        report.unestimated.push(...(b?.unestimated ?? []));
      } catch (e) {
        if (!(e instanceof RequestTimeout || e instanceof WorkerLost)) logError('report budgets', e);
      }
    }
    return report;
  });

  connection.onRequest(ApplyFixRequest, async (p: ApplyFixParams): Promise<ApplyFixResult> => {
    if (!p || typeof p.uri !== 'string' || typeof p.ruleId !== 'string' || !isRange(p.range)) return { applied: false, reason: 'bad parameters' };
    const path = uriToPath(p.uri);
    const open = docs.get(p.uri) ?? (path ? docs.getByPath(path) : undefined);
    if (!path && !open) return { applied: false, reason: 'not a file' };
    const folder = folders.forPath(open?.path ?? path!);
    await folder.loading;
    let findings: Finding[] | undefined;
    try {
      findings = open ? await analyzeOpen(open) : await live.request<Finding[] | undefined>({ type: 'analyzeFile', path: path!, folder: folders.ref(folder) });
    } catch (e) {
      return { applied: false, reason: `the file could not be analysed (${String((e as Error)?.message ?? e)})` };
    }
    const finding =
      findings?.find((f) => f.ruleId === p.ruleId && f.range.start.line === p.range.start.line && f.range.start.character === p.range.start.character) ??
      findings?.find((f) => f.ruleId === p.ruleId && f.range.start.line === p.range.start.line);
    if (!finding) return { applied: false, reason: 'the problem is no longer there' };
    const fix = typeof p.fixIndex === 'number' ? finding.fixes[p.fixIndex] : (finding.fixes.find((f) => f.preferred) ?? finding.fixes[0]);
    if (!fix) return { applied: false, reason: 'no fix for this problem' };
    const edits = fixToTextEdits(fix);
    const edit = open ? makeEdit(open, open.version, edits, caps.documentChanges) : { changes: { [pathToUri(path!)]: edits } };
    const answer = await connection.workspace.applyEdit({ label: fix.title, edit });
    return answer.applied ? { applied: true } : { applied: false, reason: answer.failureReason ?? 'the editor did not apply the edit' };
  });

  connection.onDidChangeWatchedFiles((params) => {
    void onWatchedFiles(params, {
      folders,
      results,
      scanner,
      refreshFolder,
      relintFolder: (f) => relintFolder(f, true),
      invalidate: (f, relist) => live.post({ type: 'invalidate', root: f.root, relist }),
    }).catch((e) => logError('watched files', e));
    lensRefresher.soon();
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
  if (raw.budget && typeof raw.budget === 'object' && typeof raw.budget.codeLens === 'boolean') s.budget = { codeLens: raw.budget.codeLens };
  return s;
}

function positive(n: unknown): number | undefined {
  return typeof n === 'number' && n > 0 ? n : undefined;
}

function readOrUndefined(file: string): string | undefined {
  return readRegularText(file, 4 * 1048576);
}
