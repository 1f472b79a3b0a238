/**
 * Project boundaries: a workspace may hold several services (a monorepo, a folder of unrelated apps). Each
 * project root is the nearest folder with its own deploy or dependency file; every cross-file fact (a deploy's
 * start command, a gunicorn setting, the requirements) is read inside that project only, so a setting in
 * service A never silences or feeds a finding in service B, and scanning a parent folder gives exactly the
 * findings of scanning each project alone.
 */

/** Dependency files: a folder holding one has its own dependencies, so it is a project. */
const DEPENDENCY_FILE = /^(requirements[^/]*\.txt|pyproject\.toml|Pipfile|setup\.cfg|setup\.py|package\.json)$/i;
/** Deploy files: a folder holding one (and code of its own) is deployed as a project. */
const DEPLOY_FILE =
  /^(Dockerfile([.-][^/]*)?|[^/]*\.Dockerfile|Procfile|render\.ya?ml|fly\.toml|railway\.(json|toml)|app\.json|(docker-)?compose([.-][^/]*)?\.ya?ml)$/i;
/** Source files that make a folder more than a place for deploy files (`compose/production/django/Dockerfile`). */
const CODE_FILE = /\.(py|[cm]?[jt]sx?)$/i;
/** Folders that hold a project's pieces, never a project of their own (`requirements/base.txt`). */
const PIECES_FOLDER = /(^|\/)(requirements|node_modules|\.venv|venv|site-packages)$/i;

export function baseName(relPath: string): string {
  return relPath.slice(relPath.lastIndexOf('/') + 1);
}

export function dirName(relPath: string): string {
  const slash = relPath.lastIndexOf('/');
  return slash === -1 ? '' : relPath.slice(0, slash);
}

/** True for a file whose presence may make its folder a project root. */
export function isProjectMarker(relPath: string): boolean {
  const name = baseName(relPath);
  return DEPENDENCY_FILE.test(name) || DEPLOY_FILE.test(name);
}

/** One project: its root folder (workspace-relative, '' for the workspace root) and its files. */
export interface Project {
  readonly root: string;
  /** Workspace-relative paths of the files inside the root and outside nested projects. */
  readonly files: readonly string[];
}

/**
 * The projects of a list of workspace-relative file paths. The workspace root is always a project (it holds
 * whatever no nested project claims). A nested folder is a project root when it holds a dependency file, or a
 * deploy file and code of its own (in it or below it, outside deeper projects); a folder of deploy files only
 * (`docker/Dockerfile`, cookiecutter's `compose/production/django/`) belongs to the project around it.
 */
export class ProjectIndex {
  private readonly roots: string[];
  private readonly byRoot = new Map<string, string[]>();
  private readonly rootCache = new Map<string, string>();

  constructor(files: readonly string[], read?: (relPath: string) => string | undefined) {
    const deployed = read ? deployedFolders(files, read) : new Set<string>();
    const buildingParent = read ? foldersBuildingAParent(files, read) : new Set<string>();
    // A Python package (a folder with `__init__.py`) is part of a project, never one: its `setup.py` is a module.
    const packages = new Set(files.filter((f) => baseName(f) === '__init__.py').map(dirName));
    const candidates = new Map<string, 'dependency' | 'deploy'>();
    for (const f of files) {
      const name = baseName(f);
      const dir = dirName(f);
      if (dir === '' || PIECES_FOLDER.test(dir) || deployed.has(dir) || packages.has(dir)) continue;
      if (DEPENDENCY_FILE.test(name)) candidates.set(dir, 'dependency');
      else if (DEPLOY_FILE.test(name) && !candidates.has(dir) && !buildingParent.has(dir)) candidates.set(dir, 'deploy');
    }
    // Deepest first, so a deploy-only folder's code check sees which deeper folders are projects already.
    const ordered = [...candidates.keys()].sort((a, b) => b.split('/').length - a.split('/').length || a.localeCompare(b));
    const accepted: string[] = [];
    for (const dir of ordered) {
      if (candidates.get(dir) === 'dependency' || hasOwnCode(dir, files, accepted)) accepted.push(dir);
    }
    this.roots = ['', ...accepted];
    for (const root of this.roots) this.byRoot.set(root, []);
    for (const f of files) this.byRoot.get(this.rootOf(f))!.push(f);
  }

  /** Every project, the workspace root first. */
  projects(): Project[] {
    return this.roots.map((root) => ({ root, files: this.byRoot.get(root)! }));
  }

  /** The root of the project a workspace-relative path belongs to ('' for the workspace root). */
  rootOf(relPath: string): string {
    const dir = dirName(relPath);
    let root = this.rootCache.get(dir);
    if (root === undefined) {
      root = '';
      for (let d = dir; d !== ''; d = dirName(d)) {
        if (this.byRoot.has(d) && d !== '') {
          root = d;
          break;
        }
      }
      this.rootCache.set(dir, root);
    }
    return root;
  }

  /** The files of the project `relPath` belongs to. */
  filesOf(relPath: string): readonly string[] {
    return this.byRoot.get(this.rootOf(relPath))!;
  }
}

/** Files that deploy folders below them by name: Render's `rootDir`, a compose service's build context. */
const DEPLOYS_SUBFOLDERS = /^(render\.ya?ml|(docker-)?compose([.-][^/]*)?\.ya?ml)$/i;
const ROOT_DIR_KEYS = /^[ \t-]*(?:rootDir|build|context)[ \t]*:[ \t]*["']?([^"'\s#{}\[\]]+)/gm;

/**
 * Folders that a deploy file of an enclosing folder deploys (`rootDir: backend` in render.yaml, `build: ./api` in
 * docker-compose.yml): they are that deploy's code, so they stay in its project rather than starting their own.
 */
function deployedFolders(files: readonly string[], read: (relPath: string) => string | undefined): Set<string> {
  const out = new Set<string>();
  for (const f of files) {
    if (!DEPLOYS_SUBFOLDERS.test(baseName(f))) continue;
    const text = read(f);
    if (text === undefined) continue;
    const base = dirName(f);
    for (const m of text.matchAll(ROOT_DIR_KEYS)) {
      const folder = normalizeFolder(base, m[1]);
      if (folder !== undefined && folder !== base) out.add(folder);
    }
  }
  return out;
}

/**
 * Folders whose compose file builds an enclosing folder (`docker/docker-compose.yml` with `context: ..`): their
 * deploy files deploy that folder's code (healthchecks' docker/ folder, with its uwsgi.ini and a helper script),
 * so they are part of its project, not a project of their own.
 */
function foldersBuildingAParent(files: readonly string[], read: (relPath: string) => string | undefined): Set<string> {
  const out = new Set<string>();
  for (const f of files) {
    if (!/^(docker-)?compose([.-][^/]*)?\.ya?ml$/i.test(baseName(f))) continue;
    const base = dirName(f);
    if (base === '') continue;
    const text = read(f);
    if (text === undefined) continue;
    for (const m of text.matchAll(ROOT_DIR_KEYS)) {
      const folder = normalizeFolder(base, m[1]);
      if (folder !== undefined && folder !== base && (folder === '' || base.startsWith(`${folder}/`))) out.add(base);
    }
  }
  return out;
}

function normalizeFolder(base: string, value: string): string | undefined {
  const parts = base === '' ? [] : base.split('/');
  for (const part of value.replace(/\/+$/, '').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(part);
  }
  return parts.join('/');
}

function hasOwnCode(dir: string, files: readonly string[], deeperProjects: readonly string[]): boolean {
  const prefix = `${dir}/`;
  return files.some(
    (f) => f.startsWith(prefix) && CODE_FILE.test(f) && !deeperProjects.some((p) => p.startsWith(prefix) && f.startsWith(`${p}/`)),
  );
}

/** `relPath` made relative to a project root. */
export function relativeToRoot(root: string, relPath: string): string {
  return root === '' ? relPath : relPath.slice(root.length + 1);
}

/** A project-relative path made workspace-relative again. */
export function joinRoot(root: string, relPath: string): string {
  return root === '' ? relPath : relPath === '' ? root : `${root}/${relPath}`;
}
