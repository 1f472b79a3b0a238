/**
 * The Python module graph of one project: module names to files (packages, namespace packages, src layouts),
 * each module's imports and the dotted strings frameworks load (`DJANGO_SETTINGS_MODULE`, INSTALLED_APPS,
 * ROOT_URLCONF, `include("shop.urls")`, a Celery `include=[...]`), and the modules reached from an entry.
 *
 * Incremental: a module's facts are computed once per text version (a cheap scan of its text, no parse) and
 * a reached set is reused while every module in it has the text it was computed from, so a keystroke costs one
 * module's scan and a walk over cached facts, never a rebuild. Models live per project view (WeakMap; a text view
 * shares its project's), so a new file list (files added or removed) starts a new model.
 */
import type { ProjectInfo } from '../../rules/api';
import { sameList } from '../cache';
import { textModelOwner } from '../project-views';

/** Submodules Django imports for every installed app: models at setup, admin by autodiscover, the AppConfig. */
const DJANGO_APP_MODULES = ['models', 'admin', 'apps', 'signals'];
const MAX_MODULES = 3000;

export interface ModuleFacts {
  /** Absolute dotted names, relative ones as `..pkg.mod`; `from a import b` adds `a` and `a.b`; `import a.b as c` adds `a.b`. */
  imports: string[];
  /** String literals shaped like dotted module paths (`"config.settings"`, `"shop"`). */
  strings: string[];
  /**
   * Packages an f-string picks a module of at run time (`f"config.settings.{env}"`: the environment chooses
   * dev, prod or test): each of the package's modules may be the one loaded.
   */
  pickedPackages: string[];
}

const FROM_IMPORT = /^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)/gm;
const IMPORT = /^[ \t]*import[ \t]+([^\n#;]+)/gm;
const DOTTED_STRING = /["']([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)["']/g;
const PICKED_MODULE = /\bf["']([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\.\{\w+\}["']/g;

/** A module's imports and dotted strings, from its text (regular expressions: no parse needed). */
export function moduleFacts(text: string): ModuleFacts {
  const imports: string[] = [];
  for (const m of text.matchAll(FROM_IMPORT)) {
    const base = m[1];
    imports.push(base);
    const sep = base.endsWith('.') ? '' : '.';
    for (const name of importedNames(m[2].replace(/[()]/g, ''))) imports.push(`${base}${sep}${name}`);
  }
  for (const m of text.matchAll(IMPORT)) imports.push(...importedNames(m[1]));
  const strings = [...text.matchAll(DOTTED_STRING)].map((m) => m[1]);
  const pickedPackages = [...text.matchAll(PICKED_MODULE)].map((m) => m[1]);
  return { imports, strings, pickedPackages };
}

/** `a.b as c, d` -> [a.b, d]. */
function importedNames(list: string): string[] {
  return list
    .split(',')
    .map((part) => part.trim().split(/\s+/)[0])
    .filter((n) => /^[A-Za-z_][\w.]*$/.test(n));
}

/** Top-level names of the absolute imports in a module's text (`pandas`, `django`). */
export function topLevelImports(text: string): string[] {
  return topLevelNames(moduleFacts(text).imports);
}

export function topLevelNames(imports: readonly string[]): string[] {
  return imports.filter((name) => !name.startsWith('.')).map((name) => name.split('.')[0]);
}

/** withParents answers an index keeps (module names; a project imports a few hundred distinct ones). */
const MAX_PARENTS = 20_000;

function joinPath(dir: string, rel: string): string {
  const clean = rel.replace(/^\.\//, '');
  return dir === '' || dir === '.' ? clean : `${dir.replace(/\/$/, '')}/${clean}`;
}

/**
 * Module names to the project's files, for the import roots of one process (its working directory, the app's
 * folder). A root with a `src/` folder of packages also imports from `src/` (the src layout).
 */
export class ModuleIndex {
  readonly roots: readonly string[];
  private readonly parents = new Map<string, readonly string[]>();

  constructor(
    private readonly files: ReadonlySet<string>,
    /** Directories that hold Python files at any depth (namespace packages need no `__init__.py`). */
    private readonly pythonDirs: ReadonlySet<string>,
    roots: readonly string[],
  ) {
    const all: string[] = [];
    for (const root of roots) {
      all.push(root);
      const src = joinPath(root, 'src');
      if (pythonDirs.has(src) && !files.has(joinPath(src, '__init__.py'))) all.push(src);
    }
    this.roots = [...new Set(all)];
  }

  /** A script a command runs by path (`python app.py`), relative to the roots. */
  script(path: string): string | undefined {
    return this.roots.map((r) => joinPath(r, path)).find((f) => this.files.has(f));
  }

  resolve(module: string): { file: string; isPackage: boolean } | undefined {
    const path = module.split('.').join('/');
    for (const root of this.roots) {
      // A package beside a module of its name wins, as in Python's import system (`app/` over `app.py`).
      const asPackage = joinPath(root, `${path}/__init__.py`);
      if (this.files.has(asPackage)) return { file: asPackage, isPackage: true };
      const asFile = joinPath(root, `${path}.py`);
      if (this.files.has(asFile)) return { file: asFile, isPackage: false };
    }
    return undefined;
  }

  /**
   * Importing `a.b.c` runs `a/__init__.py` and `a/b/__init__.py` first. Kept per name (the index's files never change):
   * reach and the import graph ask it for every import of every module, mostly the same few hundred names.
   */
  withParents(module: string): readonly string[] {
    let out = this.parents.get(module);
    if (out) return out;
    const parts = module.split('.');
    const found: string[] = [];
    for (let i = 1; i <= parts.length; i++) {
      const hit = this.resolve(parts.slice(0, i).join('.'));
      if (hit) found.push(hit.file);
      else if (i < parts.length && !this.isNamespacePackage(parts.slice(0, i).join('/'))) break;
    }
    out = found;
    if (this.parents.size >= MAX_PARENTS) this.parents.clear();
    this.parents.set(module, out);
    return out;
  }

  /** The modules directly inside a package (`config.settings` -> base.py, dev.py, prod.py). */
  modulesOf(pkg: string): string[] {
    const init = this.resolve(pkg);
    if (!init?.isPackage) return [];
    const dir = init.file.slice(0, -'__init__.py'.length);
    return [...this.files].filter((f) => f.startsWith(dir) && f.endsWith('.py') && !f.slice(dir.length).includes('/'));
  }

  /** `"shop.middleware.Timing"` -> shop.middleware; undefined when no prefix is a project module. */
  longestPrefix(name: string): { module: string; isPackage: boolean } | undefined {
    const parts = name.split('.');
    for (let i = parts.length; i >= 1; i--) {
      const module = parts.slice(0, i).join('.');
      const found = this.resolve(module);
      if (found) return { module, isPackage: found.isPackage };
    }
    return undefined;
  }

  /** The dotted name of a file under one of the roots (`shop/api/views.py` -> `shop.api.views`). */
  moduleName(file: string): string | undefined {
    for (const root of this.roots) {
      const prefix = root === '' ? '' : `${root.replace(/\/$/, '')}/`;
      if (!file.startsWith(prefix) || !file.endsWith('.py')) continue;
      const name = file.slice(prefix.length, -3).replace(/\/__init__$/, '').split('/').join('.');
      if (/^[A-Za-z_][\w.]*$/.test(name)) return name;
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

/** Reads a module's text (the analysed file's editor text where it applies), or undefined. */
export type ModuleReader = (file: string) => string | undefined;

interface ReachedMemo {
  /** Every module walked, with the text its facts came from. */
  texts: Map<string, string | undefined>;
  reached: Set<string>;
}

/** The Python modules of one project: indexes per set of roots, facts per module version, reached sets. */
export class PythonModules {
  private readonly files: ReadonlySet<string>;
  private readonly pythonDirs = new Set<string>();
  private readonly indexes = new Map<string, ModuleIndex>();
  private readonly facts = new Map<string, { text: string; facts: ModuleFacts }>();
  private readonly reachedMemo = new Map<string, ReachedMemo>();

  constructor(files: readonly string[]) {
    // The project's file list, not the disk: a module outside the analysed project is not followed.
    this.files = new Set(files);
    for (const f of files) {
      if (!f.endsWith('.py')) continue;
      for (let slash = f.indexOf('/'); slash !== -1; slash = f.indexOf('/', slash + 1)) this.pythonDirs.add(f.slice(0, slash));
    }
  }

  index(roots: readonly string[]): ModuleIndex {
    const key = roots.join('\u0000');
    let index = this.indexes.get(key);
    if (!index) this.indexes.set(key, (index = new ModuleIndex(this.files, this.pythonDirs, roots)));
    return index;
  }

  /** A module's facts for its current text (computed once per text version). */
  factsOf(file: string, read: ModuleReader): ModuleFacts | undefined {
    const text = read(file);
    if (text === undefined) return undefined;
    const cached = this.facts.get(file);
    if (cached && cached.text === text) return cached.facts;
    const facts = moduleFacts(text);
    this.facts.set(file, { text, facts });
    return facts;
  }

  /** The modules a process loads from `entry`: imports (with parent packages) and dotted strings, breadth first. */
  reachedFrom(entry: string, roots: readonly string[], read: ModuleReader): Set<string> {
    const key = `${entry}\u0000${roots.join('\u0000')}`;
    const memo = this.reachedMemo.get(key);
    if (memo && [...memo.texts].every(([file, text]) => read(file) === text)) return memo.reached;
    const texts = new Map<string, string | undefined>();
    const reader: ModuleReader = (file) => {
      const text = read(file);
      texts.set(file, text);
      return text;
    };
    const reached = this.walk(this.index(roots), entry, reader);
    this.reachedMemo.set(key, { texts, reached });
    return reached;
  }

  private walk(index: ModuleIndex, entry: string, read: ModuleReader): Set<string> {
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
      const facts = this.factsOf(file, read);
      if (!facts) continue;
      for (const name of facts.imports) {
        const absolute = name.startsWith('.') ? index.absoluteName(file, name) : name;
        if (absolute) for (const f of index.withParents(absolute)) reach(f);
      }
      for (const name of facts.strings) {
        const found = index.longestPrefix(name);
        if (!found) continue;
        for (const f of index.withParents(found.module)) reach(f);
        // A package named in a string is a Django app (INSTALLED_APPS): Django imports its models, admin, apps.
        if (found.isPackage) for (const sub of DJANGO_APP_MODULES) reach(index.resolve(`${found.module}.${sub}`)?.file);
      }
      for (const pkg of facts.pickedPackages) for (const f of index.modulesOf(pkg)) reach(f);
    }
    return seen;
  }
}

const models = new WeakMap<ProjectInfo, { files: readonly string[]; modules: PythonModules }>();

/** The module model of a project view, shared by every rule and the budget while its file list is unchanged. */
export function pythonModules(project: ProjectInfo, files: readonly string[] = project.files()): PythonModules {
  // (its facts are per text version: a text view of the project shares them, project-views.ts)
  const owner = textModelOwner(project);
  const cached = models.get(owner);
  if (cached && sameList(cached.files, files)) return cached.modules;
  const modules = new PythonModules(files);
  models.set(owner, { files, modules });
  return modules;
}

