/**
 * Production reach: code no deploy runs (tests, conftest, migrations, docs, scripts, management commands,
 * notebooks) never serves a request, so the rules about request paths and worker memory do not report there.
 * The usual layout conventions say what such code is; a file that a deploy file of its project starts by name
 * (`python scripts/worker.py`, `python manage.py runapscheduler`, `python -m scripts.sync`) is production code
 * whatever its folder (`celery -A scripts.worker worker`, `FLASK_APP=cli.app` too).
 */
import type { ProjectInfo } from '../rules/api';
import { notRunByAnyDeploy } from './deploy/project-reach';
import { baseName } from './projects';

export type OfflineKind = 'test' | 'migration' | 'docs' | 'script' | 'management command' | 'notebook' | 'not run by any deploy';

const LAYOUT: readonly [OfflineKind, RegExp][] = [
  [
    'test',
    /(^|\/)(tests?|testing|__tests__|spec|e2e|cypress|playwright)\/|(^|\/)(test_[^/]*|[^/]*_tests?|conftest|tests)\.py$|(^|\/)[^/]*\.(test|spec|e2e-spec)\.[cm]?[jt]sx?$/i,
  ],
  ['migration', /(^|\/)(migrations|alembic|revisions)\//i],
  ['management command', /(^|\/)management\/commands\/[^/]+\.py$/],
  ['docs', /(^|\/)docs?\//i],
  // scripts/ and dev/ folders, command-line entry points (`cli.py`, `cli/`, Flask's `commands.py`), and data-seeding
  // scripts by name (`seed_all_data.py`, `populate_db.py`, `seeds.ts`). A CLI that starts the server only starts it.
  ['script', /(^|\/)(scripts?|dev|cli)\/|(^|\/)(cli|commands)\.py$|(^|\/)(seed|seeds|seeder|populate|fake)(_[^/]*)?\.(py|[cm]?[jt]s)$|(^|\/)([^/]*_)?(seed|seeds|seeder|populate)(_[^/]*)?\.py$/i],
  ['notebook', /(^|\/)notebooks?\/|\.ipynb$/i],
];

/** What kind of offline code the layout says a (project-relative) path is, if any. */
export function offlineByLayout(relPath: string): OfflineKind | undefined {
  for (const [kind, re] of LAYOUT) if (re.test(relPath)) return kind;
  return undefined;
}

/** Files that start processes: what they name is run by a deploy (a uWSGI `attach-daemon = ./manage.py sendalerts` too). */
export const START_FILE =
  /(^|\/)(procfile[^/]*|dockerfile[^/]*|[^/]*\.dockerfile|render\.ya?ml|(docker-)?compose[^/]*\.ya?ml|fly\.toml|railway\.(json|toml)|app\.json|package\.json|[^/]*\.sh|[^/]*entrypoint[^/.]*|supervisord?\.conf|supervisor[^/]*\/[^/]*\.conf|[^/]*uwsgi[^/]*\.ini|crontab|ecosystem\.config\.[cm]?js)$/i;

/** Scripts that run at build, release or on a developer's machine: what they name is not a serving process. */
const BUILD_SCRIPT = /(^|\/)(build|install|compile|test|tests|lint|format|release|deploy|seed|migrate|setup-dev|dev)[^/]*\.sh$/i;

/**
 * The kind of offline code `relPath` (relative to its project's root) is, or undefined for code a deploy may run:
 * outside the conventional offline places and loaded by a deploy's process (or the deploys cannot be judged), or
 * started by name from a deploy file of its project. Tests are never
 * reached (a deploy that runs pytest runs it at build time, not in the serving process).
 */
export function offlineCode(relPath: string, project: ProjectInfo): OfflineKind | undefined {
  const kind = offlineByLayout(relPath);
  // Outside the layout's places: Python that no process of the project's deploys loads (analysis/deploy/project-reach).
  if (kind === undefined) return notRunByAnyDeploy(relPath, project) ? 'not run by any deploy' : undefined;
  if (kind === undefined || kind === 'test' || kind === 'docs' || kind === 'notebook') return kind;
  return startedByDeploy(relPath, kind, project) ? undefined : kind;
}

export function startedByDeploy(relPath: string, kind: OfflineKind, project: ProjectInfo): boolean {
  const names = startNames(relPath, kind);
  for (const file of project.files()) {
    if (!START_FILE.test(file) || BUILD_SCRIPT.test(file) || /(^|\/)node_modules\//.test(file)) continue;
    const text = project.readFile(file);
    if (text !== undefined && names.some((re) => re.test(text))) return true;
  }
  return false;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** How a deploy's start command would name this file. */
function startNames(relPath: string, kind: OfflineKind): RegExp[] {
  const stem = relPath.replace(/\.[^./]+$/, '');
  if (kind === 'management command') {
    const command = baseName(stem);
    return [new RegExp(`(manage\\.py|django-admin)\\s+${escape(command)}\\b`)];
  }
  const dotted = stem.split('/').join('.');
  // By path (`python scripts/run.py`, `node scripts/seed.js`), as a module (`python -m scripts.run`), or as the
  // app a Celery worker or `flask run` loads (`celery -A scripts.worker worker`, `FLASK_APP=cli.app`).
  return [
    new RegExp(`(^|[\\s"'/=])(\\./)?${escape(relPath)}\\b`, 'm'),
    new RegExp(`(-m|-A|--app|FLASK_APP)[\\s=:"']+${escape(dotted)}\\b`),
  ];
}
