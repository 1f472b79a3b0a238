/**
 * What the server currently knows per file: the result of the open buffer (wins while open) and the result
 * of the file on disk (workspace scan; kept when the file is closed). Publishes diagnostics when they change.
 */
import type { Connection, Diagnostic } from 'vscode-languageserver/node';
import type { FileResult } from '../engine/types';
import { configErrorToDiagnostic, findingsToDiagnostics } from './diagnostics';
import type { Folder } from './folders';
import { isInside, pathToUri } from './uri';

export interface FileEntry {
  path: string;
  /** URI diagnostics are published under (the editor's URI while open). */
  uri: string;
  open?: { version: number; result: FileResult };
  disk?: FileResult;
  /** Whether a non-empty diagnostic list is showing for this URI (to skip empty -> empty publishes). */
  showing: boolean;
}

export class Results {
  private readonly files = new Map<string, FileEntry>();
  /** Config errors by config file path. */
  private readonly configErrors = new Map<string, { folder: Folder; text?: string }>();
  private changeListener: (() => void) | undefined;

  constructor(private readonly connection: Connection) {}

  onDidChange(listener: () => void): void {
    this.changeListener = listener;
  }

  entries(): FileEntry[] {
    return [...this.files.values()];
  }

  get(path: string): FileEntry | undefined {
    return this.files.get(path);
  }

  setOpen(path: string, uri: string, version: number, result: FileResult): void {
    const e = this.entry(path, uri);
    e.uri = uri;
    e.open = { version, result };
    this.publish(e, true); // always, also when clean: the client sees the version was analysed
  }

  /** The buffer closed: fall back to the disk result (if the folder keeps them) or clear. */
  clearOpen(path: string): void {
    const e = this.files.get(path);
    if (!e) return;
    e.open = undefined;
    e.uri = pathToUri(path);
    this.publish(e, true);
  }

  setDisk(result: FileResult, publish: boolean): void {
    const e = this.entry(result.path, pathToUri(result.path));
    e.disk = result;
    if (publish && !e.open) this.publish(e);
    else this.changeListener?.();
  }

  /** Drops disk results of a file or of everything under a folder (deleted, excluded, folder removed). */
  clearDiskUnder(pathOrDir: string, keep?: (path: string) => boolean): void {
    for (const e of [...this.files.values()]) {
      if (!e.disk || !isInside(e.path, pathOrDir) || keep?.(e.path)) continue;
      e.disk = undefined;
      if (!e.open) this.publish(e);
    }
  }

  setConfigError(folder: Folder, text?: string): void {
    for (const [file, c] of this.configErrors) {
      if (c.folder === folder) {
        this.configErrors.delete(file);
        this.republish(file);
      }
    }
    if (folder.configError) {
      const file = folder.configError.file;
      this.configErrors.set(file, { folder, text });
      this.republish(file);
    }
  }

  configErrorMessages(): string[] {
    return [...this.configErrors.values()].map((c) => c.folder.configError?.message ?? '').filter(Boolean);
  }

  /** The config file currently showing an error for a folder, if any. */
  configErrorFileOf(folder: Folder): string | undefined {
    for (const [file, c] of this.configErrors) if (c.folder === folder) return file;
    return undefined;
  }

  republish(path: string): void {
    this.publish(this.entry(path, pathToUri(path)), true);
  }

  /** Clears everything shown for files under a folder (the folder was disabled or removed). */
  clearFolder(root: string, keepOpen: boolean): void {
    for (const e of [...this.files.values()]) {
      if (!isInside(e.path, root)) continue;
      e.disk = undefined;
      if (!keepOpen) e.open = undefined;
      this.publish(e, true);
    }
  }

  private entry(path: string, uri: string): FileEntry {
    let e = this.files.get(path);
    if (!e) {
      e = { path, uri, showing: false };
      this.files.set(path, e);
    }
    return e;
  }

  private publish(e: FileEntry, force = false): void {
    const diagnostics: Diagnostic[] = e.open
      ? findingsToDiagnostics(e.open.result.findings, e.open.version)
      : e.disk
        ? findingsToDiagnostics(e.disk.findings, null)
        : [];
    const config = this.configErrors.get(e.path);
    if (config?.folder.configError) diagnostics.push(configErrorToDiagnostic(config.folder.configError, config.text));
    if (diagnostics.length === 0 && !e.showing && !force) {
      if (!e.open && !e.disk) this.files.delete(e.path);
      this.changeListener?.();
      return;
    }
    e.showing = diagnostics.length > 0;
    void this.connection.sendDiagnostics({ uri: e.uri, version: e.open?.version, diagnostics }).catch(() => undefined);
    if (!e.open && !e.disk && !e.showing) this.files.delete(e.path);
    this.changeListener?.();
  }
}
