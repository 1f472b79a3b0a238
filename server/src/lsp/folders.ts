/**
 * Workspace folders as the main thread sees them: settings, and what the analysis workers reported about the
 * configuration (errors, the config file in use). A folder's `generation` goes up whenever its settings or
 * configuration file change; workers reopen their Workspace when they see a new generation.
 * Files outside every folder get a stand-in folder (their directory), which is never scanned.
 */
import * as path from 'node:path';
import { DEFAULT_SETTINGS, type MemlintSettings } from './protocol';
import { isInside, pathToUri, uriToPath } from './uri';
import type { ConfigErrorInfo, FolderRef, FolderState } from './worker-protocol';

export type ScanState = 'never' | 'running' | 'done' | 'cancelled';

export interface Folder {
  uri: string;
  name: string;
  /** Absolute path, forward slashes. */
  root: string;
  /** False for the stand-in folder of a file opened outside every workspace folder. */
  isWorkspaceFolder: boolean;
  settings: MemlintSettings;
  generation: number;
  /** Settled when the settings of the current generation are known. */
  loading: Promise<void>;
  /** From the workers, for the current generation. */
  configError?: ConfigErrorInfo;
  configSource?: string;
  failure?: string;
  scanState: ScanState;
}

export interface FolderHost {
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

  add(uri: string, name?: string): Folder | undefined {
    const root = uriToPath(uri);
    if (!root) return undefined;
    const existing = this.folders.get(root);
    if (existing) return existing;
    const folder = this.create(uri, name ?? path.posix.basename(root), root, true);
    this.folders.set(root, folder);
    for (const dir of [...this.loose.keys()]) if (isInside(dir, root)) this.loose.delete(dir);
    return folder;
  }

  remove(uri: string): Folder | undefined {
    const root = uriToPath(uri);
    const f = root ? this.folders.get(root) : undefined;
    if (f) this.folders.delete(f.root);
    return f;
  }

  /** The innermost workspace folder containing a path, else a stand-in folder for its directory. */
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

  workspaceFolderOf(absPath: string): Folder | undefined {
    const f = this.forPath(absPath);
    return f.isWorkspaceFolder ? f : undefined;
  }

  /** What a worker needs to analyse with this folder's configuration. */
  ref(folder: Folder): FolderRef {
    return { root: folder.root, configFile: this.explicitConfigFile(folder), generation: folder.generation, discover: folder.isWorkspaceFolder };
  }

  /** Re-reads the settings and starts a new generation (the configuration is reloaded by the workers). */
  reload(folder: Folder): Promise<void> {
    folder.loading = folder.loading.then(() => this.load(folder));
    return folder.loading;
  }

  /** Applies what a worker reported; false when it is about an older generation (ignored). */
  applyState(state: FolderState): Folder | undefined {
    const folder = this.all().find((f) => f.root === state.root);
    if (!folder || folder.generation !== state.generation) return undefined;
    folder.configError = state.configError;
    folder.configSource = state.configSource;
    folder.failure = state.failure;
    return folder;
  }

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
    // The last known configuration error stays until a worker reports on the new generation.
    folder.generation++;
  }
}
