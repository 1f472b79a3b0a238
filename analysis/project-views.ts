/**
 * A project seen with other texts for some of its files (the report's budgets: the project as it is, recording what
 * an estimate reads, and the project after memlint's fixes). Models whose facts are keyed by each file's text (the
 * Python module graph, the estimate's per-file settings) stay valid in such a view, so they are kept under the
 * project the view was made from: the budgets' second estimate scans only the files a fix changed.
 */
import type { ProjectInfo } from '../rules/api';

const bases = new WeakMap<ProjectInfo, ProjectInfo>();

/** `project` with `readFile` replaced (same file list); text-keyed models are shared with `project`. */
export function textView(project: ProjectInfo, readFile: ProjectInfo['readFile']): ProjectInfo {
  const view: ProjectInfo = { ...project, readFile, peekFile: undefined };
  bases.set(view, textModelOwner(project));
  return view;
}

/** The project whose text-keyed models `project` uses: the one a text view was made from, else itself. */
export function textModelOwner(project: ProjectInfo): ProjectInfo {
  return bases.get(project) ?? project;
}
