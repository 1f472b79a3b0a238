/**
 * Workspace folders and their engine Workspaces. Each folder has its settings, its configuration (reloaded
 * when the config file changes) and a generation number the scan worker uses to know when to reload too.
 * Files outside every folder get a folder of their own (their directory), which is never scanned.
 */
import * as path from 'node:path';
import { ConfigError } from '../engine/config';
import { Workspace } from '../engine/workspace';
import { DEFAULT_SETTINGS, type MemlintSettings } from './protocol';
import { isInside, pathToUri, uriToPath } from './uri';

export type ScanState = 'never' | 'running' | 'done' | 'cancelled';

export interface Folder {
  /** Folder URI as the client named it (or a file: URI of the directory for loose files). */
  uri: string;
  name: string;
  /** Absolute path, forward slashes. */
  root: string;
  /** False for the stand-in folder of a file opened outside every workspace folder. */
  isWorkspaceFolder: boolean;
  settings: MemlintSettings;
  workspace?: Workspace;
  configError?: ConfigError;
  /** Config file the current configuration came from (absolute), if any. */
  configSource?: string;
  generation: number;
  /** Settled when the current load finished. */
  loading: Promise<void>;
  scanState: ScanState;
}

export interface FolderHost {
  /** Text of an open editor buffer for a path, so cross-file rules see unsaved edits. */
  openText(absPath: string): string | undefined;
  settingsFor(folderUri: string | undefined): Promise<MemlintSettings>;
  log(message: string): void;
}

export class Folders {
  private readonly folders = new Map<string, Folder>();
  private readonly loose = new Map<string, Folder>();

  constructor(private readonly host: FolderHost) {}

  workspaceFolders(): Folder[] {
    return [...this.folders.values()];
  }

  all(): Folder[] {
    return [...this.folders.values(), ...this.loose.values()];
  }

  /** Adds a workspace folder and starts loading it. Returns undefined for non-file URIs. */
  add(uri: string, name?: string): Folder | undefined {
    const root = uriToPath(uri);
    if (!root) return undefined;
    const existing = this.folders.get(root);
    if (existing) return existing;
    const folder = this.create(uri, name ?? path.basename(root), root, true);
    this.folders.set(root, folder);
    // Files that were loose under this folder now belong to it.
    for (const [dir, l] of this.loose) if (isInside(dir, root)) this.loose.delete(dir);
    return folder;
  }

  remove(uri: string): Folder | undefined {
    const root = uriToPath(uri);
    const f = root ? this.folders.get(root) : undefined;
    if (f) this.folders.delete(f.root);
    return f;
  }

  /** The folder a path belongs to: the innermost workspace folder, else a loose folder for its directory. */
  forPath(absPath: string): Folder {
    let best: Folder | undefined;
    for (const f of this.folders.values()) {
      if (isInside(absPath, f.root) && (!best || f.root.length > best.root.length)) best = f;
    }
    if (best) return best;
    const dir = path.posix.dirname(absPath);
    let l = this.loose.get(dir);
    if (!l) {
      l = this.create(pathToUri(dir), path.posix.basename(dir), dir, false);
      this.loose.set(dir, l);
    }
    return l;
  }

  /** The workspace folder (not loose) containing a path, if any. */
  workspaceFolderOf(absPath: string): Folder | undefined {
    const f = this.forPath(absPath);
    return f.isWorkspaceFolder ? f : undefined;
  }

  /** (Re)loads settings and configuration. Concurrent calls chain; the last one wins. */
  reload(folder: Folder): Promise<void> {
    const previous = folder.loading;
    folder.loading = previous.then(() => this.load(folder));
    return folder.loading;
  }

  async workspaceOf(folder: Folder): Promise<Workspace | undefined> {
    await folder.loading;
    return folder.workspace;
  }

  /** Absolute path of the configured config file, if the setting names one. */
  explicitConfigFile(folder: Folder): string | undefined {
    const c = folder.settings.configFile.trim();
    if (!c) return undefined;
    return path.posix.resolve(folder.root, c.split(path.sep).join('/'));
  }

  /** Whether a changed file can change this folder's configuration. */
  isConfigFile(folder: Folder, absPath: string): boolean {
    if (folder.configSource === absPath) return true;
    const explicit = this.explicitConfigFile(folder);
    if (explicit) return explicit === absPath;
    return ['memlint.toml', 'pyproject.toml', 'package.json'].some((n) => absPath === `${folder.root}/${n}`);
  }

  private create(uri: string, name: string, root: string, isWorkspaceFolder: boolean): Folder {
    const folder: Folder = {
      uri,
      name,
      root,
      isWorkspaceFolder,
      settings: { ...DEFAULT_SETTINGS },
      generation: 0,
      loading: Promise.resolve(),
      scanState: 'never',
    };
    folder.loading = this.load(folder);
    return folder;
  }

  private async load(folder: Folder): Promise<void> {
    try {
      folder.settings = await this.host.settingsFor(folder.isWorkspaceFolder ? folder.uri : undefined);
    } catch (e) {
      this.host.log(`settings for ${folder.root}: ${String(e)}; using defaults`);
    }
    const configFile = this.explicitConfigFile(folder);
    try {
      const ws = await Workspace.open({
        root: folder.root,
        configFile,
        readOverride: (abs) => this.host.openText(abs.split(path.sep).join('/')),
      });
      folder.workspace = ws;
      folder.configError = undefined;
      folder.configSource = ws.config.source?.split(path.sep).join('/');
      if (folder.isWorkspaceFolder) ws.discover(); // the file list cross-file rules see
    } catch (e) {
      folder.workspace = undefined;
      if (e instanceof ConfigError) {
        folder.configError = e;
        folder.configSource = e.file.split(path.sep).join('/');
        this.host.log(`configuration error: ${e.message}`);
      } else {
        folder.configError = undefined;
        this.host.log(`cannot open workspace ${folder.root}: ${String((e as Error)?.stack ?? e)}`);
      }
    }
    folder.generation++;
  }
}
