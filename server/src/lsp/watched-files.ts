/**
 * Files changed, created, deleted or renamed outside the editor (workspace/didChangeWatchedFiles): results of
 * scanned folders are refreshed for exactly those files (and the files that read others), a config file change
 * reloads the folder's configuration and re-runs it, a .gitignore change re-runs the folder's scan.
 */
import {
  DidChangeWatchedFilesNotification,
  FileChangeType,
  WatchKind,
  type Connection,
  type DidChangeWatchedFilesParams,
} from 'vscode-languageserver/node';
import type { Folder, Folders } from './folders';
import type { Results } from './results';
import { uriToPath } from './uri';
import type { WorkspaceScanner } from './workspace-scan';

export const WATCHERS = [
  { globPattern: '**/*.{py,pyi,ts,tsx,mts,cts,js,jsx,mjs,cjs,yaml,yml,toml,json,env,txt,in,html,htm,djhtml,xml}' },
  { globPattern: '**/{Dockerfile,Dockerfile.*,*.dockerfile,dockerfile,Containerfile,Procfile,Procfile.*,.env,.env.*,.gitignore}' },
  // Deleting or renaming a folder reports only the folder.
  { globPattern: '**/*', kind: WatchKind.Delete },
];

export async function registerWatchers(connection: Connection): Promise<void> {
  await connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: WATCHERS });
}

export interface WatchHost {
  folders: Folders;
  results: Results;
  scanner: WorkspaceScanner;
  /** Reloads a folder's configuration, re-lints its open documents and re-scans it if it was scanned. */
  refreshFolder(folder: Folder, rescan: boolean): Promise<void>;
  relintFolder(folder: Folder): void;
  /** Tells the analysis workers that files of a folder changed on disk. */
  invalidate(folder: Folder, relist: boolean): void;
}

export async function onWatchedFiles(params: DidChangeWatchedFilesParams, host: WatchHost): Promise<void> {
  const perFolder = new Map<Folder, { config: boolean; rescan: boolean; structural: boolean; targets: Set<string> }>();
  for (const change of params.changes ?? []) {
    const p = uriToPath(change?.uri ?? '');
    if (!p) continue;
    const folder = host.folders.workspaceFolderOf(p);
    if (!folder) continue;
    let entry = perFolder.get(folder);
    if (!entry) {
      entry = { config: false, rescan: false, structural: false, targets: new Set() };
      perFolder.set(folder, entry);
    }
    if (host.folders.isConfigFile(folder, p)) entry.config = true;
    if (p.endsWith('/.gitignore')) entry.rescan = true;
    if (change.type === FileChangeType.Deleted) {
      entry.structural = true;
      host.results.clearDiskUnder(p);
      entry.targets.delete(p);
    } else {
      if (change.type === FileChangeType.Created) entry.structural = true;
      entry.targets.add(p);
    }
  }
  for (const [folder, e] of perFolder) {
    if (e.config) {
      await host.refreshFolder(folder, true);
      continue;
    }
    host.invalidate(folder, e.structural);
    if (folder.scanState !== 'never') {
      if (e.rescan) void host.scanner.scanFolders([folder]);
      else if (e.targets.size > 0 || e.structural) host.scanner.scanTargets(folder, [...e.targets]);
    }
    host.relintFolder(folder);
  }
}
