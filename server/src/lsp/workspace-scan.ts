/**
 * Workspace scans: every matching file of every workspace folder analysed from disk (in the scan worker),
 * with work-done progress the user can cancel, and smaller quiet jobs for files changed on disk.
 */
import type { CancellationToken, Connection, WorkDoneProgressServerReporter } from 'vscode-languageserver/node';
import type { FileResult } from '../engine/types';
import type { Folder, Folders } from './folders';
import type { ScanWorkspaceResult, WorkspaceReport } from './protocol';
import type { Results } from './results';
import type { ScanHandle, ScanRunner } from './scan-runner';

export interface ScanHost {
  connection: Connection;
  runner: ScanRunner;
  folders: Folders;
  results: Results;
  supportsProgress(): boolean;
  isOpen(path: string): boolean;
  logNotes(result: FileResult): void;
  log(message: string): void;
}

export class WorkspaceScanner {
  private readonly fullScans = new Map<string, ScanHandle>();
  private last: WorkspaceReport['scan'] = { state: 'never', files: 0, durationMs: 0 };
  private running = 0;

  constructor(private readonly host: ScanHost) {}

  get state(): WorkspaceReport['scan'] {
    return { ...this.last, state: this.running > 0 ? 'running' : this.last.state };
  }

  /** Scans folders completely (replacing a scan of them that is running). Resolves when all are done. */
  async scanFolders(folders: Folder[], token?: CancellationToken): Promise<ScanWorkspaceResult> {
    const { runner, results } = this.host;
    for (const f of folders) this.fullScans.get(f.root)?.cancel();
    await Promise.all(folders.map((f) => f.loading));
    const targets = folders.filter((f) => f.settings.enable && f.isWorkspaceFolder);
    const started = performance.now();
    let total = 0;
    let done = 0;
    let findings = 0;
    let cancelled = false;
    if (targets.length === 0) return { files: 0, findings: 0, durationMs: 0, cancelled: false };

    this.running++;
    const progress = await this.createProgress();
    progress?.begin('memlint', 0, 'Scanning the workspace…', true);
    let lastReport = 0;
    const report = (relPath: string) => {
      const now = performance.now();
      if (!progress || now - lastReport < 100) return;
      lastReport = now;
      progress.report(total ? Math.min(100, Math.floor((done / total) * 100)) : 0, `${done}/${total} ${relPath}`);
    };
    const handles: ScanHandle[] = [];
    const finished = targets.map(
      (folder) =>
        new Promise<void>((resolve) => {
          folder.scanState = 'running';
          const handle = runner.submit({
            folder: this.host.folders.ref(folder),
            onList: (files) => {
              total += files.length;
              const listed = new Set(files);
              // Files that were scanned before but are no longer part of the workspace (excluded, ignored).
              results.clearDiskUnder(folder.root, (p) => listed.has(p));
            },
            onResult: (result) => {
              done++;
              findings += result.findings.length;
              results.setDisk(result, !this.host.isOpen(result.path));
              this.host.logNotes(result);
              report(result.relPath);
            },
            onSkipped: (file, reason) => {
              done++;
              this.skipped(file, reason);
            },
            onDone: (outcome) => {
              if (outcome.cancelled) cancelled = true;
              if (outcome.failed && !outcome.folder?.configError) this.host.log(`scan of ${folder.root} failed: ${outcome.failed}`);
              folder.scanState = outcome.cancelled ? 'cancelled' : 'done';
              if (this.fullScans.get(folder.root) === handle) this.fullScans.delete(folder.root);
              resolve();
            },
          });
          handles.push(handle);
          this.fullScans.set(folder.root, handle);
        }),
    );
    const cancelAll = () => handles.forEach((h) => h.cancel());
    progress?.token.onCancellationRequested(cancelAll);
    token?.onCancellationRequested(cancelAll);
    await Promise.all(finished);
    this.running--;
    const durationMs = performance.now() - started;
    progress?.done();
    this.last = { state: cancelled ? 'cancelled' : 'done', files: done, durationMs: Math.round(durationMs) };
    this.host.log(
      `workspace scan ${cancelled ? 'cancelled after' : 'finished:'} ${done} files in ${(durationMs / 1000).toFixed(1)} s, ${findings} findings`,
    );
    return { files: done, findings, durationMs: Math.round(durationMs), cancelled };
  }

  /** Re-analyses changed files (and files that depend on others) of a scanned folder, quietly. */
  scanTargets(folder: Folder, targets: string[]): void {
    if (!folder.settings.enable || folder.configError) return;
    const { results } = this.host;
    this.host.runner.submit({
      folder: this.host.folders.ref(folder),
      targets,
      withDependents: true,
      onList: (files) => {
        // Targets (or files under target folders) that are not workspace files (any more): drop their results.
        const listed = new Set(files);
        for (const t of targets) results.clearDiskUnder(t, (p) => listed.has(p));
      },
      onResult: (result) => {
        results.setDisk(result, !this.host.isOpen(result.path));
        this.host.logNotes(result);
      },
      onSkipped: (file, reason) => this.skipped(file, reason),
      onDone: (outcome) => {
        if (outcome.failed) this.host.log(`re-analysis in ${folder.root} failed: ${outcome.failed}`);
      },
    });
  }

  /** A file the scan gave up on: logged, and noted in the report (its old results are dropped). */
  private skipped(file: string, reason: string): void {
    this.host.log(`skipped ${file}: ${reason}`);
    const relPath = file.startsWith(this.host.folders.forPath(file).root + '/') ? file.slice(this.host.folders.forPath(file).root.length + 1) : file;
    this.host.results.setDisk(
      { path: file, relPath, findings: [], notes: [{ kind: 'rule-error', path: file, relPath, message: `not analysed: ${reason}` }], skipped: true },
      !this.host.isOpen(file),
    );
  }

  cancelFolder(folder: Folder): void {
    this.host.runner.cancelWhere((job) => job.folder.root === folder.root);
    folder.scanState = 'never';
  }

  cancelAll(): void {
    this.host.runner.cancelWhere();
  }

  private async createProgress(): Promise<WorkDoneProgressServerReporter | undefined> {
    if (!this.host.supportsProgress()) return undefined;
    try {
      return await this.host.connection.window.createWorkDoneProgress();
    } catch (e) {
      this.host.log(`no progress UI: ${String(e)}`);
      return undefined;
    }
  }
}
