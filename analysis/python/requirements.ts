/**
 * The oldest version of a package a project's requirements allow, so a fix does not use an API the
 * project may run without (Django's CONN_HEALTH_CHECKS needs 4.1, dj-database-url's conn_health_checks 1.1).
 */
import type { ProjectInfo } from '../../rules/api';

const REQUIREMENT_FILES = /(^|\/)(requirements[^/]*\.(txt|in)|pyproject\.toml|Pipfile|setup\.cfg)$/i;

/**
 * The lowest version the requirements allow for `pkg` (`>=3.2,<5` -> [3, 2]; `==4.2.*` -> [4, 2]),
 * `null` when it is listed without a lower bound, undefined when no requirements file mentions it.
 */
export function minimumAllowedVersion(project: ProjectInfo, pkg: string): number[] | null | undefined {
  const name = pkg.toLowerCase().replace(/[-_.]+/g, '[-_.]');
  const line = new RegExp(`^\\s*["']?${name}\\s*(?:\\[[^\\]]*\\])?\\s*(?:=\\s*["'{]?\\s*(?:version\\s*=\\s*["'])?)?([^#\\n"']*)`, 'gim');
  let found: number[] | null | undefined;
  for (const rel of project.files()) {
    if (!REQUIREMENT_FILES.test(rel)) continue;
    const text = project.readFile(rel);
    if (!text) continue;
    for (const m of text.matchAll(line)) {
      const lower = /(?:>=|==|~=|\^|~)\s*(\d+(?:\.\d+)*)/.exec(m[1]) ?? /^\s*(\d+(?:\.\d+)*)/.exec(m[1]);
      const version = lower ? lower[1].split('.').map(Number) : null;
      if (found === undefined || (version && found && compare(version, found) < 0) || (version === null && found !== null)) found = version;
    }
  }
  return found;
}

/** False when the requirements allow a version older than `since`; true when they don't say. */
export function mayUse(project: ProjectInfo, pkg: string, since: number[]): boolean {
  const min = minimumAllowedVersion(project, pkg);
  return !min || compare(min, since) >= 0;
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d) return d;
  }
  return 0;
}
