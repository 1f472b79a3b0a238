/**
 * Production reach: code no deploy runs (tests, conftest, migrations, docs, scripts, management commands,
 * notebooks) never serves a request, so the rules about request paths and worker memory do not report there.
 * The usual layout conventions say what such code is; a file that a deploy file of its project starts by name
 * (`python scripts/worker.py`, `python manage.py runapscheduler`, `python -m scripts.sync`) is production code
 * whatever its folder (`celery -A scripts.worker worker`, `FLASK_APP=cli.app` too).
 */
import type { ProjectInfo } from '../rules/api';
import { deployReach } from './deploy/project-reach';
import { classifyDeployFile } from './deploy/deploy-files';
import { importedByOnlineModules, servesOrLoops, standaloneScriptText } from './python/offline-scripts';
import { baseName, isProjectMarker } from './projects';
import { sameList } from './cache';
import { escapeRegExp } from './python/web-context';
import { imageOnlyCompose } from './deploy/image-only-compose';
import { unreferencedArchive } from './archived-folders';
import { handRunRootScript } from './root-scripts';
import { desktopClientProject } from './python/desktop-clients';
import { staleDjangoCopy } from './deploy/stale-copies';

export type OfflineKind =
  | 'test'
  | 'migration'
  | 'docs'
  | 'script'
  | 'management command'
  | 'notebook'
  | 'archived code'
  | 'desktop client'
  | 'not run by any deploy';

const LAYOUT: readonly [OfflineKind, RegExp][] = [
  [
    'test',
    // A mock server (`mock/server.py`, `__mocks__/`) stands in for another service during development and tests.
    /(^|\/)(tests?|testing|__tests__|spec|e2e|cypress|playwright|mocks?|__mocks__)\/|(^|\/)(test_[^/]*|[^/]*_tests?|conftest|tests)\.py$|(^|\/)[^/]*\.(test|spec|e2e-spec)\.[cm]?[jt]sx?$/i,
  ],
  ['migration', /(^|\/)(migrations|alembic|revisions)\//i],
  ['management command', /(^|\/)management\/commands\/[^/]+\.py$/],
  ['docs', /(^|\/)docs?\//i],
  // scripts/ and dev/ folders, Python in tools/ (a Node tool there may be a preview server), command-line entry points
  // (`cli.py`, `cli/`, Flask's `commands.py`), and data-seeding scripts by name (`seed_all_data.py`, `populate_db.py`,
  // `seeds.ts`). A CLI that starts the server only starts it. A project's root `setup.py` is setuptools' packaging
  // script: pip runs it at install time, never in the serving process.
  ['script', /^setup\.py$|(^|\/)(scripts?|dev|cli)\/|(^|\/)tools\/.*\.py$|(^|\/)(cli|commands)\.py$|(^|\/)(seed|seeds|seeder|populate|fake)(_[^/]*)?\.(py|[cm]?[jt]s)$|(^|\/)([^/]*_)?(seed|seeds|seeder|populate)(_[^/]*)?\.py$/i],
  ['notebook', /(^|\/)notebooks?\/|\.ipynb$/i],
];

const TOOLS = /(^|\/)tools\//;

/** What the layout says a start file (a shell script, a Dockerfile) is, when it sits among offline code (`tools/run.sh`). */
export function startFileLayout(relPath: string): OfflineKind | undefined {
  return offlineByLayout(relPath) ?? (TOOLS.test(relPath) ? 'script' : undefined);
}

/** What kind of offline code the layout says a (project-relative) path is, if any. */
export function offlineByLayout(relPath: string): OfflineKind | undefined {
  for (const [kind, re] of LAYOUT) if (re.test(relPath)) return kind;
  return undefined;
}

/** Files that start processes: what they name is run by a deploy (a uWSGI `attach-daemon = ./manage.py sendalerts` too). */
export const START_FILE =
  /(^|\/)(procfile[^/]*|dockerfile[^/]*|[^/]*\.dockerfile|render\.ya?ml|(docker-)?compose[^/]*\.ya?ml|fly\.toml|railway\.(json|toml)|app\.json|package\.json|[^/]*\.sh|[^/]*entrypoint[^/.]*|supervisord?\.conf|supervisor[^/]*\/[^/]*\.conf|[^/]*uwsgi[^/]*\.ini|crontab|ecosystem\.config\.[cm]?js)$/i;

/** Scripts that run at build, release or on a developer's machine (`update_docs.sh` too): what they name is not a serving process. */
const BUILD_SCRIPT = /(^|\/)(build|install|compile|test|tests|lint|format|release|deploy|seed|migrate|setup-dev|dev)[^/]*\.sh$|(^|\/)([^/]*[-_])?docs?([-_.][^/]*)?\.sh$/i;

/**
 * The kind of offline code `relPath` (relative to its project's root) is, or undefined for code a deploy may run.
 * When the project's deploys can be judged (analysis/deploy/project-reach), Python outside the layout's places is
 * offline when no deploy's process loads it; so is all Python of a stale copy of the Django project the enclosing
 * project deploys (analysis/deploy/stale-copies.ts). Otherwise the layout decides, and a script at the project's root run by
 * hand that nothing imports (offline-scripts.ts) is a script too. A script, command or tool is production when a
 * deploy file of its project starts it by name, or when a module outside the offline places imports it (a `tools/`
 * helper the app uses). Tests, docs and notebooks are never reached (a deploy that runs pytest runs it at build
 * time, not in the serving process).
 */
export function offlineCode(relPath: string, project: ProjectInfo, ownText?: string): OfflineKind | undefined {
  const kind = offlineByLayout(relPath);
  if (kind === 'test' || kind === 'docs' || kind === 'notebook') return kind;
  if (archivedCode(relPath, project)) return 'archived code';
  const python = relPath.endsWith('.py') && classifyDeployFile(relPath) !== 'gunicorn-config';
  if (kind === undefined) {
    if (!python) return rootScript(relPath, project, ownText) ? 'script' : undefined;
    // peekFile: every analysed module is asked this, and readFile would keep each text for the whole scan. `ownText`:
    // the analyser's copy of the same file as read from disk (a scan then reads each module once, not twice).
    if (testModuleText(ownText ?? (project.peekFile ?? project.readFile).call(project, relPath) ?? '')) return 'test';
    const reach = deployReach(project);
    if (reach.judged) return reach.reached.has(relPath) ? undefined : 'not run by any deploy';
    if (staleDjangoCopy(project)) return 'not run by any deploy';
    if (desktopClientProject(project, (f) => offlineByLayout(f) !== undefined, () => startFiles(project))) return 'desktop client';
    if (deployedBeside(project).length > 0) return 'not run by any deploy';
    if (relPath.includes('/') || !standaloneScriptText(project.readFile(relPath) ?? '')) return undefined;
    if (startedByDeploy(relPath, 'script', project) || importedOnline(relPath, project)) return undefined;
    return 'script';
  }
  if (startedByDeploy(relPath, kind, project)) return undefined;
  // A server kept among the tools (`tools/preview_server.py`) runs as a process of its own.
  if (kind === 'script' && TOOLS.test(relPath) && servesOrLoops(project.readFile(relPath) ?? '')) return undefined;
  return python && kind !== 'migration' && importedOnline(relPath, project) ? undefined : kind;
}

/** Code in an archived folder (`archive/`, `legacy-code/`) that nothing online names and no deploy starts. */
function archivedCode(relPath: string, project: ProjectInfo): boolean {
  return (
    unreferencedArchive(relPath, project, (f) => offlineByLayout(f) !== undefined, (f) => START_FILE.test(f)) &&
    !startedByDeploy(relPath, 'script', project)
  );
}

/** A JS/TS file at the project's root that a person runs by hand (`fix-deployment-issues.js`). */
function rootScript(relPath: string, project: ProjectInfo, ownText: string | undefined): boolean {
  if (relPath.includes('/')) return false;
  const text = ownText ?? (project.peekFile ?? project.readFile).call(project, relPath) ?? '';
  return handRunRootScript(relPath, project, text, () => startedByDeploy(relPath, 'script', project), () => startFiles(project));
}

/**
 * A Django template of a project without deploy or dependency files beside deployed nested projects (a course site's
 * `hrms/templates/` beside the deployed `ecommerce/`), or of a stale copy of the deployed Django project
 * (analysis/deploy/stale-copies.ts): no deploy renders it, as no deploy runs its views.
 */
export function offlineTemplate(project: ProjectInfo): OfflineKind | undefined {
  return deployedBeside(project).length > 0 || staleDjangoCopy(project) ? 'not run by any deploy' : undefined;
}

/**
 * The deployed projects nested in a project that has no deploy or dependency file of its own (a repository of course
 * exercises beside the `final/` app its Dockerfile serves): each deploy runs its own project's code, and code
 * without a dependency file of its own is deployed by no platform. Only nested projects whose deploys the graph
 * judges (every process resolved to a project entry) count, so an unresolved deploy keeps the layout rule.
 */
export function deployedBeside(project: ProjectInfo): string[] {
  const nested = project.nestedProjects?.() ?? [];
  if (nested.length === 0 || deployReach(project).judged || hasProjectMarker(project)) return [];
  return nested.filter((n) => deployReach(n.project).judged).map((n) => n.root);
}

const markerMemos = new WeakMap<ProjectInfo, { files: readonly string[]; inputs: Map<string, string | undefined>; value: boolean }>();

/**
 * Some file of the project is a deploy or dependency file; asked once per file list and compose texts, not once per
 * analysed file. A compose file that only runs prebuilt images (a lessons folder's Postgres) deploys none of its code.
 */
function hasProjectMarker(project: ProjectInfo): boolean {
  const files = project.files();
  const memo = markerMemos.get(project);
  if (memo && sameList(memo.files, files) && [...memo.inputs].every(([f, text]) => project.readFile(f) === text)) return memo.value;
  const inputs = new Map<string, string | undefined>();
  const value = files.some((f) => {
    if (!isProjectMarker(f)) return false;
    if (classifyDeployFile(f) !== 'docker-compose') return true;
    const text = project.readFile(f);
    inputs.set(f, text);
    return text === undefined || !imageOnlyCompose(text);
  });
  markerMemos.set(project, { files, inputs, value });
  return value;
}

const IMPORTS_PYTEST = /^(?:import[ \t]+pytest\b|from[ \t]+pytest\b)/m;
const TEST_FUNCTION = /^(?:[ \t]*@pytest\.[^\n]*\n)*[ \t]*(?:async[ \t]+)?def[ \t]+test_\w*[ \t]*\(/m;

/**
 * A module that imports pytest at its top level and defines test functions is test code wherever it sits
 * (cookiecutter-django's `merge_production_dotenvs_in_dotenv.py` carries its own tests): serving code does not
 * import pytest.
 */
function testModuleText(text: string): boolean {
  // The literal first: a multiline `^` pattern is tried at every line of the module (each keystroke's analysis asks).
  return text.includes('pytest') && IMPORTS_PYTEST.test(text) && TEST_FUNCTION.test(text);
}

/** Some module outside the offline layout imports this one (a `tools/` helper the app uses). */
function importedOnline(relPath: string, project: ProjectInfo): boolean {
  return importedByOnlineModules(project, (f) => offlineByLayout(f) !== undefined).has(relPath);
}

export function startedByDeploy(relPath: string, kind: OfflineKind, project: ProjectInfo): boolean {
  return namedIn(relPath, kind, startFiles(project), (f) => project.readFile(f));
}

/** Some of `files` starts `relPath` by name; every way of naming it spells its stem's last part (a cheap first test). */
function namedIn(relPath: string, kind: OfflineKind, files: readonly string[], read: (file: string) => string | undefined): boolean {
  const word = baseName(relPath.replace(/\.[^./]+$/, ''));
  let names: RegExp[] | undefined;
  for (const file of files) {
    const text = read(file);
    if (text === undefined || !text.includes(word)) continue;
    names ??= startNames(relPath, kind);
    if (names.some((re) => re.test(text))) return true;
  }
  return false;
}

const startFileMemos = new WeakMap<ProjectInfo, { files: readonly string[]; inputs: Map<string, string | undefined>; start: string[] }>();

/**
 * The project's files that start processes: outside node_modules and the build's scripts. A start file among the
 * offline code (`tools/audit_run.sh`, `scripts/dev.sh`) is run by hand too, unless a start file outside them names it
 * (a Dockerfile's `CMD ["scripts/start.sh"]`). Reused while the file list and their texts are unchanged.
 */
export function startFiles(project: ProjectInfo): string[] {
  const files = project.files();
  const memo = startFileMemos.get(project);
  if (memo && sameList(memo.files, files) && [...memo.inputs].every(([f, text]) => project.readFile(f) === text)) return memo.start;
  const candidates = files.filter((f) => START_FILE.test(f) && !BUILD_SCRIPT.test(f) && !/(^|\/)node_modules\//.test(f));
  const inputs = new Map(candidates.map((f) => [f, project.readFile(f)]));
  const online = candidates.filter((f) => startFileLayout(f) === undefined);
  const start = candidates.filter((f) => {
    const kind = startFileLayout(f);
    if (kind === undefined) return true;
    return kind === 'script' && namedIn(f, kind, online, (o) => inputs.get(o));
  });
  startFileMemos.set(project, { files, inputs, start });
  return start;
}


/** How a deploy's start command would name this file. */
function startNames(relPath: string, kind: OfflineKind): RegExp[] {
  const stem = relPath.replace(/\.[^./]+$/, '');
  if (kind === 'management command') {
    const command = baseName(stem);
    return [new RegExp(`(manage\\.py|django-admin)\\s+${escapeRegExp(command)}\\b`)];
  }
  const dotted = stem.split('/').join('.');
  // By path (`python scripts/run.py`, `node scripts/seed.js`), as a module (`python -m scripts.run`), or as the
  // app a Celery worker or `flask run` loads (`celery -A scripts.worker worker`, `FLASK_APP=cli.app`).
  return [
    new RegExp(`(^|[\\s"'/=])(\\./)?${escapeRegExp(relPath)}\\b`, 'm'),
    new RegExp(`(-m|-A|--app|FLASK_APP)[\\s=:"']+${escapeRegExp(dotted)}\\b`),
  ];
}
