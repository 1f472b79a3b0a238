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
import { joinPath, type Workspace } from './deploy-files';
import type { Server } from './servers';

/** Servers whose `app` names the module (or script) the worker processes import. */
const APP_MODULE_SERVERS = new Set(['gunicorn', 'uvicorn', 'hypercorn', 'daphne', 'waitress']);
const SCRIPT_SERVERS = new Set(['streamlit', 'python', 'django-runserver']);

/** Submodules Django imports for every installed app: models at setup, admin by autodiscover, the AppConfig. */
const DJANGO_APP_MODULES = ['models', 'admin', 'apps', 'signals'];

const MAX_MODULES = 3000;

interface ModuleRefs {
  /** Absolute dotted names, relative ones as `..pkg.mod`; `from a import b` adds `a` and `a.b`. */
  imports: string[];
  /** String literals shaped like dotted module paths (`"config.settings"`, `"shop"`). */
  strings: string[];
}

/**
 * Top-level names of the modules imported by everything `server` loads (`pandas`, `django`, `shop`), or
 * undefined when its entry module is not a workspace file.
 */
export function importsReachedBy(ws: Workspace, server: Server, roots: readonly string[]): Set<string> | undefined {
  const modules = new ModuleFiles(ws, roots);
  const entry = entryFile(modules, server);
  if (!entry) return undefined;
  const imported = new Set<string>();
  for (const file of reachedFiles(modules, entry)) {
    for (const name of topLevelNames(refsOf(ws, file)?.imports ?? [])) imported.add(name);
  }
  return imported;
}

/** The workspace files `server` loads (its entry module and every module reached from it), or undefined. */
export function filesReachedBy(ws: Workspace, server: Server, roots: readonly string[]): Set<string> | undefined {
  const modules = new ModuleFiles(ws, roots);
  const entry = entryFile(modules, server);
  return entry ? reachedFiles(modules, entry) : undefined;
}

/** Top-level names of the absolute imports in a module's text (`pandas`, `django`). */
export function topLevelImports(text: string): string[] {
  return topLevelNames(moduleRefs(text).imports);
}

function topLevelNames(imports: readonly string[]): string[] {
  return imports.filter((name) => !name.startsWith('.')).map((name) => name.split('.')[0]);
}

function entryFile(modules: ModuleFiles, server: Server): string | undefined {
  const app = server.app;
  if (!app) return undefined;
  if (SCRIPT_SERVERS.has(server.kind)) return app.endsWith('.py') ? modules.script(app) : undefined;
  if (!APP_MODULE_SERVERS.has(server.kind)) return undefined;
  const module = app.split(':')[0].replace(/\(.*$/, '');
  return /^[A-Za-z_][\w.]*$/.test(module) ? modules.resolve(module)?.file : undefined;
}

/** Breadth-first over the import graph from `entry`, workspace files only. */
function reachedFiles(modules: ModuleFiles, entry: string): Set<string> {
  const seen = new Set<string>([entry]);
  const queue = [entry];
  const reach = (file: string | undefined) => {
    if (file && !seen.has(file) && seen.size < MAX_MODULES) {
      seen.add(file);
      queue.push(file);
    }
  };
  while (queue.length) {
    const file = queue.shift()!;
    const refs = refsOf(modules.ws, file);
    if (!refs) continue;
    for (const name of refs.imports) {
      const absolute = name.startsWith('.') ? modules.absoluteName(file, name) : name;
      if (absolute) for (const f of modules.withParents(absolute)) reach(f);
    }
    for (const name of refs.strings) {
      const found = modules.longestPrefix(name);
      if (!found) continue;
      for (const f of modules.withParents(found.module)) reach(f);
      // A package named in a string is a Django app (INSTALLED_APPS): Django imports its models, admin, apps.
      if (found.isPackage) for (const sub of DJANGO_APP_MODULES) reach(modules.resolve(`${found.module}.${sub}`)?.file);
    }
  }
  return seen;
}

function refsOf(ws: Workspace, file: string): ModuleRefs | undefined {
  return ws.derived(file, 'python-module-refs', moduleRefs);
}

const FROM_IMPORT = /^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)/gm;
const IMPORT = /^[ \t]*import[ \t]+([^\n#;]+)/gm;
const DOTTED_STRING = /["']([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)["']/g;

function moduleRefs(text: string): ModuleRefs {
  const imports: string[] = [];
  for (const m of text.matchAll(FROM_IMPORT)) {
    const base = m[1];
    imports.push(base);
    const sep = base.endsWith('.') ? '' : '.';
    for (const name of names(m[2].replace(/[()]/g, ''))) imports.push(`${base}${sep}${name}`);
  }
  for (const m of text.matchAll(IMPORT)) imports.push(...names(m[1]));
  const strings = [...text.matchAll(DOTTED_STRING)].map((m) => m[1]);
  return { imports, strings };
}

/** `a.b as c, d` -> [a.b, d]. */
function names(list: string): string[] {
  return list
    .split(',')
    .map((part) => part.trim().split(/\s+/)[0])
    .filter((n) => /^[A-Za-z_][\w.]*$/.test(n));
}

/** Module names to workspace files, for the import roots of one process (its working directory, the app's). */
class ModuleFiles {
  private readonly files: ReadonlySet<string>;
  /** Directories that hold Python files at any depth (namespace packages need no `__init__.py`). */
  private readonly pythonDirs = new Set<string>();

  constructor(
    readonly ws: Workspace,
    private readonly roots: readonly string[],
  ) {
    // The workspace's file list, not the disk: a module outside the analysed workspace is not followed.
    this.files = new Set(ws.files());
    for (const f of this.files) {
      if (!f.endsWith('.py')) continue;
      for (let slash = f.indexOf('/'); slash !== -1; slash = f.indexOf('/', slash + 1)) this.pythonDirs.add(f.slice(0, slash));
    }
  }

  script(path: string): string | undefined {
    return this.roots.map((r) => joinPath(r, path)).find((f) => this.files.has(f));
  }

  resolve(module: string): { file: string; isPackage: boolean } | undefined {
    const path = module.split('.').join('/');
    for (const root of this.roots) {
      const asFile = joinPath(root, `${path}.py`);
      if (this.files.has(asFile)) return { file: asFile, isPackage: false };
      const asPackage = joinPath(root, `${path}/__init__.py`);
      if (this.files.has(asPackage)) return { file: asPackage, isPackage: true };
    }
    return undefined;
  }

  /** Importing `a.b.c` runs `a/__init__.py` and `a/b/__init__.py` first. */
  withParents(module: string): string[] {
    const parts = module.split('.');
    const out: string[] = [];
    for (let i = 1; i <= parts.length; i++) {
      const found = this.resolve(parts.slice(0, i).join('.'));
      if (found) out.push(found.file);
      else if (i < parts.length && !this.isNamespacePackage(parts.slice(0, i).join('/'))) break;
    }
    return out;
  }

  /** `"shop.middleware.Timing"` -> shop.middleware; undefined when no prefix is a workspace module. */
  longestPrefix(name: string): { module: string; isPackage: boolean } | undefined {
    const parts = name.split('.');
    for (let i = parts.length; i >= 1; i--) {
      const module = parts.slice(0, i).join('.');
      const found = this.resolve(module);
      if (found) return { module, isPackage: found.isPackage };
    }
    return undefined;
  }

  /** `..models` imported from `shop/api/views.py` -> `shop.models` (the file's package relative to its root). */
  absoluteName(file: string, relative: string): string | undefined {
    const root = this.roots.find((r) => r === '' || file.startsWith(`${r.replace(/\/$/, '')}/`));
    if (root === undefined) return undefined;
    const rel = root === '' ? file : file.slice(`${root.replace(/\/$/, '')}/`.length);
    const packageParts = rel.split('/').slice(0, -1);
    const dots = /^\.*/.exec(relative)![0].length;
    if (dots - 1 > packageParts.length) return undefined;
    const base = packageParts.slice(0, packageParts.length - (dots - 1));
    const rest = relative.slice(dots);
    return [...base, ...(rest ? rest.split('.') : [])].join('.') || undefined;
  }

  /** A directory without `__init__.py` that holds modules (PEP 420). */
  private isNamespacePackage(dirPath: string): boolean {
    return this.roots.some((root) => this.pythonDirs.has(joinPath(root, dirPath)));
  }
}
