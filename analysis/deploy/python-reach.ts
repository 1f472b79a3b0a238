/**
 * Which Python modules a server process really loads: the app module its command names (`config.wsgi`,
 * `main:app`, `app.py`, Celery's `-A proj` with `proj.celery` and the `tasks` modules autodiscover_tasks()
 * imports, `flask run`'s FLASK_APP), then every workspace module reached from it by imports and by the dotted strings Django
 * loads (DJANGO_SETTINGS_MODULE, INSTALLED_APPS, ROOT_URLCONF, MIDDLEWARE, `include("shop.urls")`).
 *
 * The budget counts a heavy library (pandas, torch) per worker only when a reached module imports it: a report
 * script or management command that imports pandas costs the web workers nothing. Imports inside functions
 * count too (they load on the first request that calls them, and stay). When the entry cannot be found in the
 * workspace, callers fall back to every module under the app directory.
 */
import { pythonModules, topLevelNames, type ModuleIndex } from '../python/module-graph';
import { DEFAULT_HOST_CPUS } from './counts';
import type { Workspace } from './deploy-files';
import { findDeploys } from './deploys';
import { serverOf, type Server } from './servers';

export { topLevelImports } from '../python/module-graph';

/** Servers whose `app` names the module (or script) the worker processes import. */
const APP_MODULE_SERVERS = new Set(['gunicorn', 'uvicorn', 'hypercorn', 'daphne', 'waitress']);
const SCRIPT_SERVERS = new Set(['streamlit', 'python', 'django-runserver']);

/**
 * Top-level names of the modules imported by everything `server` loads (`pandas`, `django`, `shop`), or
 * undefined when its entry module is not a project file.
 */
export function importsReachedBy(ws: Workspace, server: Server, roots: readonly string[]): Set<string> | undefined {
  const reached = modulesLoadedBy(ws, server, roots);
  if (!reached) return undefined;
  const modules = pythonModules(ws.project, ws.files());
  const read = (f: string) => ws.read(f);
  const imported = new Set<string>();
  for (const file of reached) for (const name of topLevelNames(modules.factsOf(file, read)?.imports ?? [])) imported.add(name);
  return imported;
}

/** The project files `server`'s processes load (its entry and every module reached from it), or undefined. */
export function modulesLoadedBy(ws: Workspace, server: Server, roots: readonly string[]): Set<string> | undefined {
  const modules = pythonModules(ws.project, ws.files());
  const index = modules.index(roots);
  const read = (f: string) => ws.read(f);
  const entries = entryFiles(index, server);
  if (entries.length === 0) return undefined;
  const loaded = new Set<string>();
  for (const entry of entries) for (const f of modules.reachedFrom(entry, roots, read)) loaded.add(f);
  if (server.kind === 'celery-worker' && [...loaded].some((f) => /\bautodiscover_tasks\s*\(/.test(read(f) ?? ''))) {
    // app.autodiscover_tasks() imports the `tasks` module of every installed app a worker loads.
    for (const f of [...loaded]) {
      const name = /(^|\/)__init__\.py$/.test(f) ? index.moduleName(f) : undefined;
      const tasks = name ? index.resolve(`${name}.tasks`)?.file : undefined;
      if (tasks && !loaded.has(tasks)) for (const t of modules.reachedFrom(tasks, roots, read)) loaded.add(t);
    }
  }
  return loaded;
}

/** The modules a server's command names as what its processes import first. */
function entryFiles(index: ModuleIndex, server: Server): string[] {
  const app = server.app;
  // `manage.py runserver`: manage.py names the settings, which name the installed apps and the URLconf.
  if (!app && server.kind === 'django-runserver') return present(index.script('manage.py'));
  if (!app) return server.kind === 'flask' ? firstFound(index, ['wsgi', 'app']) : [];
  if (SCRIPT_SERVERS.has(server.kind)) return app.endsWith('.py') ? present(index.script(app)) : [];
  const target = app.replace(/\(.*$/, '');
  const module = target.split(':')[0];
  if (server.kind === 'flask' || server.kind.startsWith('celery')) {
    // FLASK_APP / --app take a file path too (`src/app.py:create_app()`).
    if (server.kind === 'flask' && module.endsWith('.py')) return present(index.script(module));
    if (!/^[A-Za-z_][\w.]*$/.test(module)) return [];
    const found = index.resolve(module);
    if (!found) return [];
    // `celery -A proj` with no attribute named: Celery looks for the app in `proj.celery` when proj is a package.
    const celeryModule = server.kind.startsWith('celery') && found.isPackage && !target.includes(':') ? index.resolve(`${module}.celery`)?.file : undefined;
    return [found.file, ...present(celeryModule)];
  }
  if (!APP_MODULE_SERVERS.has(server.kind)) return [];
  return /^[A-Za-z_][\w.]*$/.test(module) ? present(index.resolve(module)?.file) : [];
}

function present(file: string | undefined): string[] {
  return file ? [file] : [];
}

function firstFound(index: ModuleIndex, modules: string[]): string[] {
  for (const m of modules) {
    const file = index.resolve(m)?.file;
    if (file) return [file];
  }
  return [];
}

/**
 * Project files that the web workers of some deploy load: each web server's app module (gunicorn, uvicorn,
 * hypercorn, daphne, waitress, `flask run`'s FLASK_APP) and every module reached from it. Undefined when no deploy starts a web server
 * whose app is a project module (then callers fall back to their own conventions).
 */
export function modulesLoadedByWebWorkers(ws: Workspace, hostCpus = DEFAULT_HOST_CPUS): Set<string> | undefined {
  let out: Set<string> | undefined;
  for (const deploy of findDeploys(ws)) {
    for (const proc of deploy.processes) {
      const server = serverOf(proc, { ws, deploy, hostCpus });
      if (!server || !(APP_MODULE_SERVERS.has(server.kind) || server.kind === 'flask')) continue;
      const reached = modulesLoadedBy(ws, server, [...new Set([proc.cwd, deploy.dir])]);
      if (!reached) continue;
      out ??= new Set();
      for (const f of reached) out.add(f);
    }
  }
  return out;
}
