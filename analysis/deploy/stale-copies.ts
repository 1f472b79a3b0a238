/**
 * A stale copy of the deployed Django project: a nested project (`production_deployment/`, `old_site/`) whose
 * manage.py names the same settings package the enclosing project's deploy serves (`backend.settings`), whose
 * packages are all packages of that deployed project too (`backend/`, `core/`), and which no deploy of its own starts
 * (no deploy file, or one naming a start script the folder lacks). The deploys run the enclosing copy; this one is a
 * snapshot kept in the repository (a package uploaded by hand once, an earlier layout) that serves no request.
 *
 * A nested project with a working deploy of its own, with a package the deployed project lacks, or beside an
 * enclosing project whose deploys memlint cannot judge, is not called a copy: a monorepo's services keep their findings.
 */
import type { ProjectInfo } from '../../rules/api';
import { deployReach, type DeployReach } from './project-reach';
import { sameList } from '../cache';

const SETTINGS = /DJANGO_SETTINGS_MODULE["']?\s*[,:=]\s*["']([A-Za-z_][\w.]*)["']/;

const memos = new WeakMap<ProjectInfo, { files: readonly string[]; outer: DeployReach; own: DeployReach; manage: string | undefined; value: boolean }>();

/** The project is a copy of the Django project its enclosing project deploys, and nothing deploys the copy. */
export function staleDjangoCopy(project: ProjectInfo): boolean {
  const outer = project.enclosingProject?.()?.project;
  if (!outer) return false;
  const files = project.files();
  const manage = files.includes('manage.py') ? project.readFile('manage.py') : undefined;
  const outerReach = deployReach(outer);
  const ownReach = deployReach(project);
  const memo = memos.get(project);
  if (memo && sameList(memo.files, files) && memo.outer === outerReach && memo.own === ownReach && memo.manage === manage) return memo.value;
  const value = judge(files, manage, outer, outerReach, ownReach);
  memos.set(project, { files, outer: outerReach, own: ownReach, manage, value });
  return value;
}

function judge(files: readonly string[], manage: string | undefined, outer: ProjectInfo, outerReach: DeployReach, ownReach: DeployReach): boolean {
  if (!outerReach.judged || ownReach.judged || !ownReach.deployless || manage === undefined) return false;
  const settings = SETTINGS.exec(manage)?.[1];
  if (!settings) return false;
  const settingsFile = moduleFile(settings, files);
  if (!settingsFile) return false;
  // Where the deployed copy sits in the enclosing project (its root, or a folder such as `backend/`).
  const base = [...outerReach.reached].find((f) => f === settingsFile || f.endsWith(`/${settingsFile}`))?.slice(0, -settingsFile.length);
  if (base === undefined) return false;
  const outerFiles = new Set(outer.files());
  const packages = files.filter((f) => /^[^/]+\/__init__\.py$/.test(f));
  return packages.length > 0 && packages.every((p) => outerFiles.has(`${base}${p}`));
}

/** The file a dotted module name is in this project (`backend.settings` -> backend/settings.py or its package). */
function moduleFile(dotted: string, files: readonly string[]): string | undefined {
  const path = dotted.split('.').join('/');
  return [`${path}.py`, `${path}/__init__.py`].find((f) => files.includes(f));
}
