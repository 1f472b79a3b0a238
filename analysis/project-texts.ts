/**
 * The files of a project and their texts as rules see them (`project.files()`, `project.readFile()`), read once per
 * change of the project. A keystroke asks project-wide models (DRF serializers and models, templates, settings,
 * model kinds) about every module of the project, and reading each through the project view (path checks, the
 * project of the path) cost more than the answers, on every keystroke, for texts that had not changed.
 */
import type { ProjectInfo } from '../rules/api';
import { projectChanges, ProjectSlot } from './cache';

/** What a project-wide model reads of the project. */
export interface ProjectTexts {
  /** project.files(): the same array while the project is unchanged (a cheap identity check for callers). */
  readonly files: readonly string[];
  /** project.readFile(rel), or the analysed file's own text. */
  text(relPath: string): string | undefined;
  /**
   * The same object for as long as nothing but the analysed file changed (and the same file is analysed), undefined
   * for a project no engine tracks: what a project-wide model can skip its update on.
   */
  readonly stamp: object | undefined;
}

interface Memo {
  /** The project's change count, leaving out the analysed file's changes. */
  changes: number;
  files: readonly string[];
  texts: Map<string, string | undefined>;
}

/** Per project view, per analysed file (a few: the open documents, and callers that name none). */
const memos = new WeakMap<ProjectInfo, Map<string | undefined, Memo>>();
const MAX_FILES_PER_PROJECT = 8;

/**
 * The project's files and texts, seen from the analysed file `current` (its text comes from `current`, never from
 * the memo). Memoised while the engine's change counter for the project (analysis/cache.ts) says nothing else
 * changed; read through the project on every call for a project no engine tracks.
 */
export function projectTexts(project: ProjectInfo, current?: { relPath: string; text: string }): ProjectTexts {
  const except = current?.relPath;
  const changes = projectChanges(project, except);
  const own = (rel: string) => (current && rel === current.relPath ? current.text : undefined);
  if (changes === undefined) return { files: project.files(), text: (rel) => own(rel) ?? project.readFile(rel), stamp: undefined };
  let byFile = memos.get(project);
  if (!byFile) memos.set(project, (byFile = new Map()));
  let memo = byFile.get(except);
  if (!memo || memo.changes !== changes) {
    if (!memo && byFile.size >= MAX_FILES_PER_PROJECT) byFile.clear();
    memo = { changes, files: project.files(), texts: new Map() };
    byFile.set(except, memo);
  }
  const texts = memo.texts;
  return {
    files: memo.files,
    stamp: memo,
    text(rel) {
      if (rel === except) return own(rel);
      if (texts.has(rel)) return texts.get(rel);
      const text = project.readFile(rel);
      texts.set(rel, text);
      return text;
    },
  };
}

/**
 * A project-wide model's memoised answers, kept while the project's texts are those they were computed from (the
 * texts' stamp, or their file list for an untracked project) and started afresh when they change.
 */
export function answersWhileUnchanged<V>(slot: ProjectSlot<{ key?: unknown; answers: Map<string, V> }>, project: ProjectInfo, texts: ProjectTexts): Map<string, V> {
  const key = texts.stamp ?? texts.files;
  const holder = slot.get(project);
  if (holder.key !== key) {
    holder.key = key;
    holder.answers = new Map();
  }
  return holder.answers;
}

/**
 * A project-wide answer read from the project's texts, computed once per project state (the texts' stamp, or their
 * file list for an untracked project) and again when they change.
 */
export function textsFact<T>(name: string, compute: (texts: ProjectTexts) => T): (project: ProjectInfo, current?: { relPath: string; text: string }) => T {
  const slot = new ProjectSlot<{ key?: unknown; answer?: T }>(name, () => ({}));
  return (project, current) => {
    const texts = projectTexts(project, current);
    const key = texts.stamp ?? texts.files;
    const holder = slot.get(project);
    if (holder.key !== key) {
      holder.key = key;
      holder.answer = compute(texts);
    }
    return holder.answer as T;
  };
}
