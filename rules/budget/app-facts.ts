/**
 * What an app directory holds that changes its memory: the Python packages its requirement files declare
 * (requirements*.txt, requirements/*.txt, pyproject.toml, Pipfile, poetry.lock, Dockerfile `pip install`),
 * the heavy libraries its code imports, its DB connection pools and bounded caches, and the Node packages
 * of its package.json. Line-based reads of other workspace files, cached per file text.
 */
import { findNodeAtLocation } from 'jsonc-parser';
import { dirOf, joinPath, type Workspace } from './deploy-files';
import type { LibraryKey } from './baselines';
import { topLevelImports } from '../../analysis/python/module-graph';

/** `Django_REST-framework` -> `django-rest-framework` (PEP 503). */
export function normalizePackage(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

const REQUIREMENTS_FILE = /^requirements[\w.-]*\.(txt|in)$|^constraints\.txt$/i;

/** Python packages declared for the app in `dir` (and `extraFiles`, e.g. `pip install -r` targets). */
export function pythonPackages(ws: Workspace, dir: string, extraFiles: readonly string[] = []): Set<string> {
  const out = new Set<string>();
  const files = ws.files().filter((f) => {
    const d = dirOf(f);
    const name = f.slice(d.length);
    if (d === dir) return REQUIREMENTS_FILE.test(name) || ['pyproject.toml', 'pipfile', 'poetry.lock', 'setup.py', 'setup.cfg'].includes(name.toLowerCase());
    return d === `${dir}requirements/` && /\.(txt|in)$/.test(name);
  });
  for (const file of new Set([...files, ...extraFiles])) {
    for (const p of ws.derived(file, 'python-packages', packagesInText(file)) ?? []) out.add(p);
  }
  return out;
}

function packagesInText(file: string): (text: string) => string[] {
  const name = file.slice(file.lastIndexOf('/') + 1).toLowerCase();
  return (text) => {
    if (name === 'pyproject.toml' || name === 'pipfile' || name === 'setup.py' || name === 'setup.cfg') return declaredInTomlOrSetup(text, name);
    if (name === 'poetry.lock') return [...text.matchAll(/^name\s*=\s*"([^"]+)"/gm)].map((m) => normalizePackage(m[1]));
    // requirements: one requirement a line, `-r other.txt` lines are read by listing the directory
    const out: string[] = [];
    for (const line of text.split('\n')) {
      const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(?:[<>=!~;@#]|$)/.exec(line);
      if (m) out.push(normalizePackage(m[1]));
    }
    return out;
  };
}

function declaredInTomlOrSetup(text: string, name: string): string[] {
  const out: string[] = [];
  // Quoted requirement strings (`"django>=4"` in [project] dependencies, install_requires, Poetry arrays).
  for (const m of text.matchAll(/["']([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?:[<>=!~;]|["'])/g)) out.push(normalizePackage(m[1]));
  // Table keys: [tool.poetry.dependencies] / Pipfile [packages] `django = "^4.2"`.
  if (name === 'pyproject.toml' || name === 'pipfile') {
    let inDeps = false;
    for (const line of text.split('\n')) {
      const table = /^\s*\[([^\]]+)\]/.exec(line);
      if (table) {
        inDeps = /(^|\.)(dependencies|packages|dev-packages)$/.test(table[1].trim()) || /^tool\.poetry\.group\.[^.]+\.dependencies$/.test(table[1].trim());
        continue;
      }
      const key = inDeps ? /^\s*"?([A-Za-z0-9][A-Za-z0-9._-]*)"?\s*=/.exec(line) : null;
      if (key && key[1] !== 'python') out.push(normalizePackage(key[1]));
    }
  }
  return out;
}

/** Packages of `pip install a b` / `uv pip install` / `poetry add` lines in a Dockerfile's RUN instructions, and `-r` files. */
export function dockerfilePipInstalls(text: string, dockerfileDir: string): { packages: string[]; requirementFiles: string[] } {
  const packages: string[] = [];
  const requirementFiles: string[] = [];
  const joined = text.replace(/\\\r?\n/g, ' ');
  for (const m of joined.matchAll(/\b(?:pip3?|uv\s+pip|python[\d.]*\s+-m\s+pip)\s+(?:install|wheel|download)\b([^\n&;|]*)/g)) {
    const words = m[1].trim().split(/\s+/);
    for (let i = 0; i < words.length; i++) {
      const w = words[i].replace(/^["']|["']$/g, '');
      if (w === '-r' || w === '--requirement' || w === '-c' || w === '--constraint') {
        if (words[i + 1]) requirementFiles.push(joinPath(dockerfileDir, words[i + 1].replace(/^\/?(app|code|src|usr\/src\/app)\//, '')));
        i++;
      } else if (w.startsWith('-')) {
        if (['-i', '--index-url', '--extra-index-url', '-f', '--find-links', '--target', '-t', '--prefix', '--root', '-w', '--wheel-dir', '-d', '--dest'].includes(w)) i++;
      } else {
        const name = /^([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(w);
        if (name && !w.includes('/') && name[1] !== '.') packages.push(normalizePackage(name[1]));
      }
    }
  }
  return { packages, requirementFiles };
}

/** Heavy libraries by the packages that install them (directly or as a required dependency). */
const LIBRARY_PACKAGES: Record<LibraryKey, string[]> = {
  torch: ['torch', 'torchvision', 'torchaudio', 'sentence-transformers', 'ultralytics', 'easyocr', 'openai-whisper', 'timm'],
  'face-recognition': ['face-recognition'],
  dlib: ['dlib', 'dlib-bin'],
  onnxruntime: ['onnxruntime', 'onnxruntime-gpu', 'rembg', 'insightface', 'fastembed'],
  pandas: ['pandas', 'geopandas', 'pandas-ta', 'yfinance'],
  numpy: ['numpy'],
  scipy: ['scipy', 'statsmodels'],
  'scikit-learn': ['scikit-learn', 'sklearn'],
  opencv: ['opencv-python', 'opencv-python-headless', 'opencv-contrib-python', 'opencv-contrib-python-headless'],
};

/** The module each library is imported as. */
const LIBRARY_MODULES: Record<LibraryKey, string[]> = {
  torch: ['torch', 'torchvision', 'sentence_transformers', 'ultralytics', 'easyocr', 'whisper', 'timm'],
  'face-recognition': ['face_recognition'],
  dlib: ['dlib'],
  onnxruntime: ['onnxruntime', 'rembg', 'insightface', 'fastembed'],
  pandas: ['pandas', 'geopandas', 'yfinance'],
  numpy: ['numpy'],
  scipy: ['scipy', 'statsmodels'],
  'scikit-learn': ['sklearn'],
  opencv: ['cv2'],
};

/** Libraries the packages install. */
export function librariesInstalled(packages: ReadonlySet<string>): LibraryKey[] {
  return (Object.keys(LIBRARY_PACKAGES) as LibraryKey[]).filter((lib) => LIBRARY_PACKAGES[lib].some((p) => packages.has(p)));
}

/** Packages that pull native thread pools (OpenMP / OpenBLAS / MKL), for native-thread-env. */
export const NATIVE_THREAD_PACKAGES = new Set([
  ...LIBRARY_PACKAGES.torch, ...LIBRARY_PACKAGES['face-recognition'], ...LIBRARY_PACKAGES.dlib, ...LIBRARY_PACKAGES.onnxruntime,
  ...LIBRARY_PACKAGES.pandas, ...LIBRARY_PACKAGES.numpy, ...LIBRARY_PACKAGES.scipy, ...LIBRARY_PACKAGES['scikit-learn'], ...LIBRARY_PACKAGES.opencv,
  'numexpr', 'xgboost', 'lightgbm', 'tensorflow', 'tensorflow-cpu', 'keras', 'transformers', 'spacy', 'faiss-cpu',
]);

// ---------------------------------------------------------------------------------------------------------------
// Source scans

export interface PythonSourceFacts {
  /** Top-level modules imported anywhere (`torch`, `face_recognition`, `cv2`). */
  imports: Set<string>;
  /** A Django settings module configures DATABASES. */
  djangoDatabases: boolean;
  /** SQLAlchemy `create_engine(..., pool_size=N)`: the largest N (5 when pool_size is not given). */
  sqlalchemyPool?: number;
  /** Entries of bounded in-process caches: lru_cache(maxsize=N), cachetools caches, LocMemCache MAX_ENTRIES. */
  cacheEntries: number;
  cacheCount: number;
  /** Celery `worker_concurrency` / `CELERY_WORKER_CONCURRENCY`. */
  celeryConcurrency?: number;
}

const MAX_SOURCE_FILES = 3000;
const SKIP_SOURCE = /(^|\/)(node_modules|\.git|\.venv|venv|env|site-packages|__pycache__|migrations|tests?|dist|build)\//;

interface FileFacts {
  imports: string[];
  djangoDatabases: boolean;
  pool?: number;
  cacheEntries: number;
  cacheCount: number;
  celeryConcurrency?: number;
}

function pythonFileFacts(text: string): FileFacts {
  const imports = topLevelImports(text);
  let pool: number | undefined;
  for (const m of text.matchAll(/create_(?:async_)?engine\(([^)]*)\)/g)) {
    const size = /pool_size\s*=\s*(\d+)/.exec(m[1]);
    pool = Math.max(pool ?? 0, size ? Number(size[1]) : /NullPool/.test(m[1]) ? 0 : 5);
  }
  let cacheEntries = 0;
  let cacheCount = 0;
  for (const m of text.matchAll(/@(?:functools\.)?lru_cache\(\s*(?:maxsize\s*=\s*)?(\d+)|\b(?:LRUCache|TTLCache|LFUCache)\(\s*(?:maxsize\s*=\s*)?(\d+)/g)) {
    cacheEntries += Number(m[1] ?? m[2]);
    cacheCount++;
  }
  if (/LocMemCache/.test(text)) {
    const max = /["']MAX_ENTRIES["']\s*:\s*(\d+)/.exec(text);
    cacheEntries += max ? Number(max[1]) : 300;
    cacheCount++;
  }
  const celery = /^\s*(?:worker_concurrency|CELERY_WORKER_CONCURRENCY|CELERYD_CONCURRENCY)\s*=\s*(\d+)/m.exec(text);
  return {
    imports,
    djangoDatabases: /^\s*DATABASES\s*=/m.test(text),
    pool,
    cacheEntries,
    cacheCount,
    celeryConcurrency: celery ? Number(celery[1]) : undefined,
  };
}

/** Facts of the Python code under `dir` (tests, migrations and virtualenvs skipped). */
export function pythonSourceFacts(ws: Workspace, dir: string): PythonSourceFacts {
  const facts: PythonSourceFacts = { imports: new Set(), djangoDatabases: false, cacheEntries: 0, cacheCount: 0 };
  let read = 0;
  for (const file of ws.files()) {
    if (!file.endsWith('.py') || !file.startsWith(dir) || SKIP_SOURCE.test(file.slice(dir.length)) || /gunicorn/i.test(file)) continue;
    if (++read > MAX_SOURCE_FILES) break;
    const f = ws.derived(file, 'python-facts', pythonFileFacts);
    if (!f) continue;
    for (const i of f.imports) facts.imports.add(i);
    facts.djangoDatabases ||= f.djangoDatabases;
    if (f.pool !== undefined) facts.sqlalchemyPool = Math.max(facts.sqlalchemyPool ?? 0, f.pool);
    facts.cacheEntries += f.cacheEntries;
    facts.cacheCount += f.cacheCount;
    facts.celeryConcurrency ??= f.celeryConcurrency;
  }
  return facts;
}

/**
 * Libraries installed for the app and imported by its code (`imports`: top-level module names), or all installed
 * ones when its code is not in the workspace view.
 */
export function librariesLoaded(installed: readonly LibraryKey[], imports: ReadonlySet<string>, codeSeen: boolean): LibraryKey[] {
  if (!codeSeen) return [...installed];
  return installed.filter((lib) => LIBRARY_MODULES[lib].some((m) => imports.has(m)));
}

export interface NodeAppFacts {
  dependencies: Set<string>;
  /** node-postgres / mysql2 pools: the largest `max` / `connectionLimit` (10 when not given). */
  pool?: number;
  cacheEntries: number;
  cacheCount: number;
}

/** package.json dependencies in `dir` and the pools and caches of the JS/TS code under it. */
export function nodeAppFacts(ws: Workspace, dir: string): NodeAppFacts {
  const facts: NodeAppFacts = { dependencies: new Set(), cacheEntries: 0, cacheCount: 0 };
  const pkg = joinPath(dir, 'package.json');
  const root = ws.json(pkg);
  for (const section of ['dependencies', 'devDependencies']) {
    const deps = root ? findNodeAtLocation(root, [section]) : undefined;
    for (const p of deps?.type === 'object' ? (deps.children ?? []) : []) {
      const key = p.children?.[0]?.value;
      if (typeof key === 'string' && section === 'dependencies') facts.dependencies.add(key);
    }
  }
  let read = 0;
  for (const file of ws.files()) {
    if (!/\.(m|c)?[jt]sx?$/.test(file) || !file.startsWith(dir) || SKIP_SOURCE.test(file.slice(dir.length)) || /\.(test|spec)\./.test(file)) continue;
    if (++read > MAX_SOURCE_FILES) break;
    const f = ws.derived(file, 'node-facts', (text) => {
      let pool: number | undefined;
      for (const m of text.matchAll(/new\s+(?:pg\.)?Pool\s*\(([^)]*)\)|createPool\s*\(([^)]*)\)/g)) {
        const args = m[1] ?? m[2] ?? '';
        const max = /\b(?:max|connectionLimit)\s*:\s*(\d+)/.exec(args);
        pool = Math.max(pool ?? 0, max ? Number(max[1]) : 10);
      }
      let cacheEntries = 0;
      let cacheCount = 0;
      for (const m of text.matchAll(/new\s+LRU(?:Cache)?\s*\(\s*\{[^}]*\bmax\s*:\s*(\d+)/g)) {
        cacheEntries += Number(m[1]);
        cacheCount++;
      }
      return { pool, cacheEntries, cacheCount };
    });
    if (!f) continue;
    if (f.pool !== undefined) facts.pool = Math.max(facts.pool ?? 0, f.pool);
    facts.cacheEntries += f.cacheEntries;
    facts.cacheCount += f.cacheCount;
  }
  return facts;
}
