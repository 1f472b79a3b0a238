/**
 * Archived code: folders a project keeps old or replaced code in (`archive/`, `legacy-code/`, `deprecated/`,
 * `backup/`, `old/`, `app_old/`, `archive_training/`). Nothing serving runs them, so the request-path rules do not
 * report there, for Python and TypeScript/JavaScript alike.
 *
 * The name alone is not enough: a Django app named `archive` (in INSTALLED_APPS, `include('archive.urls')`), a Nest
 * `ArchiveModule` (`import ... from './archive/archive.module'`) or a Dockerfile that copies `legacy/` serve
 * requests. So an archived folder counts only when no code outside it and outside the offline layout (tests,
 * scripts, docs) names it, as an import or as a quoted module or path string, and no start file names it as a path.
 */
import type { ProjectInfo } from '../rules/api';
import { listedFiles, sameList } from './cache';
import { escapeRegExp } from './python/web-context';

/** Folder names that say the code in them is kept, not run. */
const ARCHIVED_SEGMENT =
  /^(?:archived?|archives|legacy|deprecated|obsolete|backups?|bak|old|attic|graveyard|unused|(?:archived?|legacy|deprecated|old|backup)[-_][\w-]+|[\w-]+[-_](?:old|backup|bak|archived?|legacy|deprecated))$/i;

const SOURCE = /\.(py|[cm]?[jt]sx?)$/;
const VENDORED = /(^|\/)(node_modules|\.?venv|site-packages|dist|build|\.next)\//;

/** The outermost archived folder of a project-relative path (`ml/archive` for `ml/archive/x/train.py`), if any. */
export function archivedFolder(relPath: string): string | undefined {
  const parts = relPath.split('/');
  for (let i = 0; i < parts.length - 1; i++) if (ARCHIVED_SEGMENT.test(parts[i])) return parts.slice(0, i + 1).join('/');
  return undefined;
}

interface Memo {
  files: readonly string[];
  inputs: Map<string, string | undefined>;
  referenced: Set<string>;
}
const memos = new WeakMap<ProjectInfo, Memo>();

/**
 * `relPath` sits in an archived folder that nothing outside it names. `isOffline` tells the layout's offline files
 * (tests, scripts, docs), whose references do not count; `isStartFile` the files that start processes, whose
 * unquoted paths count (`COPY legacy/ /app/`, `python archive/run.py`).
 */
export function unreferencedArchive(
  relPath: string,
  project: ProjectInfo,
  isOffline: (file: string) => boolean,
  isStartFile: (file: string) => boolean,
): boolean {
  const folder = archivedFolder(relPath);
  if (!folder) return false;
  const referenced = referencedArchives(project, isOffline, isStartFile);
  return referenced !== undefined && !referenced.has(folder);
}

/**
 * The project's archived folders some online source or start file names (undefined: the file list cannot be read).
 * Computed once per file list and texts.
 */
function referencedArchives(
  project: ProjectInfo,
  isOffline: (file: string) => boolean,
  isStartFile: (file: string) => boolean,
): ReadonlySet<string> | undefined {
  const files = listedFiles(project);
  if (!files) return undefined;
  const memo = memos.get(project);
  if (memo && sameList(memo.files, files) && [...memo.inputs].every(([f, text]) => project.readFile(f) === text)) return memo.referenced;
  const folders = new Set<string>();
  for (const f of files) {
    const folder = archivedFolder(f);
    if (folder && !VENDORED.test(f)) folders.add(folder);
  }
  const inputs = new Map<string, string | undefined>();
  const referenced = new Set<string>();
  if (folders.size > 0) {
    const tests = [...folders].map((folder) => ({ folder, ...referencePatterns(folder) }));
    for (const f of files) {
      if (VENDORED.test(f) || archivedFolder(f) !== undefined) continue;
      const start = isStartFile(f);
      if (!start && (!SOURCE.test(f) || isOffline(f))) continue;
      const text = project.readFile(f);
      inputs.set(f, text);
      if (text === undefined) continue;
      for (const t of tests) {
        if (referenced.has(t.folder) || !text.includes(t.word)) continue;
        if (t.quoted.test(text) || t.imported.test(text) || (start && t.path.test(text))) referenced.add(t.folder);
      }
    }
  }
  memos.set(project, { files, inputs, referenced });
  return referenced;
}

/** How code names a folder: its last segment as a quoted path or dotted-name part, a Python import, a start file's path. */
function referencePatterns(folder: string): { word: string; quoted: RegExp; imported: RegExp; path: RegExp } {
  const word = folder.slice(folder.lastIndexOf('/') + 1);
  const w = escapeRegExp(word);
  return {
    word,
    // 'archive', "archive.urls", './archive/archive.module', `@/legacy/util`, 'ml.archive.train'
    quoted: new RegExp(`['"\`](?:[^'"\`\\s]*[/.])?${w}(?:[/.:][^'"\`\\s]*)?['"\`]`),
    // from archive import views, import legacy.models, from .archive.models import X
    imported: new RegExp(`^[ \\t]*(?:from|import)[ \\t]+[\\w.]*\\b${w}\\b`, 'm'),
    path: new RegExp(`(?:^|[\\s"'=:/])${w}(?:/|\\s|$)`, 'm'),
  };
}
