/**
 * Which Python modules a server process really loads: the app module its command names (`config.wsgi`,
 * `main:app`, `app.py`), then every workspace module reached from it by imports and by the dotted strings Django
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
  const entry = entryFile(index, server);
  return entry ? modules.reachedFrom(entry, roots, (f) => ws.read(f)) : undefined;
}

function entryFile(index: ModuleIndex, server: Server): string | undefined {
  const app = server.app;
  if (!app) return undefined;
  if (SCRIPT_SERVERS.has(server.kind)) return app.endsWith('.py') ? index.script(app) : undefined;
  if (!APP_MODULE_SERVERS.has(server.kind)) return undefined;
  const module = app.split(':')[0].replace(/\(.*$/, '');
  return /^[A-Za-z_][\w.]*$/.test(module) ? index.resolve(module)?.file : undefined;
}

/**
 * Project files that the web workers of some deploy load: each web server's app module (gunicorn, uvicorn,
 * hypercorn, daphne, waitress) and every module reached from it. Undefined when no deploy starts a web server
 * whose app is a project module (then callers fall back to their own conventions).
 */
export function modulesLoadedByWebWorkers(ws: Workspace, hostCpus = DEFAULT_HOST_CPUS): Set<string> | undefined {
  let out: Set<string> | undefined;
  for (const deploy of findDeploys(ws)) {
    for (const proc of deploy.processes) {
      const server = serverOf(proc, { ws, deploy, hostCpus });
      if (!server || !APP_MODULE_SERVERS.has(server.kind)) continue;
      const reached = modulesLoadedBy(ws, server, [...new Set([proc.cwd, deploy.dir])]);
      if (!reached) continue;
      out ??= new Set();
      for (const f of reached) out.add(f);
    }
  }
  return out;
}
