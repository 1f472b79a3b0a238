/**
 * What "memlint: Show Server Info" says about one workspace folder, computed in the analysis worker from the
 * folder's Workspace: the config file in use, the rules that run (with their severity), the projects
 * (folders with a manifest) and the deploys memlint found.
 */
import * as path from 'node:path';
import { workspaceBudgets } from '../engine/budget';
import type { Workspace } from '../engine/workspace';
import type { FolderInfo } from './protocol';

/** Files that make their folder a project: Python, Node and deploy manifests. */
const PROJECT_MARKERS = /(^|\/)(pyproject\.toml|setup\.py|setup\.cfg|Pipfile|requirements\.txt|manage\.py|package\.json)$/;

export function folderInfo(ws: Workspace): Omit<FolderInfo, 'root' | 'settings'> {
  const files = ws.projectFiles.map((f) => f.relPath);
  const projects = new Map<string, string[]>();
  for (const rel of files) {
    if (!PROJECT_MARKERS.test(rel) || /(^|\/)node_modules\//.test(rel)) continue;
    const dir = path.posix.dirname(rel);
    projects.set(dir, [...(projects.get(dir) ?? []), path.posix.basename(rel)]);
  }
  let deploys: FolderInfo['deploys'] = [];
  try {
    deploys = workspaceBudgets(ws, []).map(({ before: e }) => ({ label: e.label, limitMb: e.limit?.mb, estimateMb: Math.round(e.totalMb) }));
  } catch {
    // Server info must answer even when the budget model fails on a file; the report names that failure.
  }
  return {
    configFile: ws.config.source?.split(path.sep).join('/'),
    memoryLimitMb: ws.config.memoryLimitMb,
    filesKnown: files.length,
    projects: [...projects].map(([dir, markers]) => ({ path: dir, markers })).sort((a, b) => a.path.localeCompare(b.path)),
    deploys,
    rules: ws.analyzer.activeRules(),
  };
}
