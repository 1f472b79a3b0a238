/**
 * What an app directory holds that changes its memory: the Python packages its requirement files declare
 * (requirements*.txt, requirements/*.txt, pyproject.toml, Pipfile, poetry.lock, conda environment.yml, and
 * `pip install` lines of Dockerfiles and of the shell scripts beside the app),
 * the heavy libraries its code imports, its DB connection pools and bounded caches, and the Node packages
 * of its package.json. Line-based reads of other workspace files, cached per file text.
 */
import { perProcessHookAt, type HookProcess } from '../python/worker-hooks';
import { findNodeAtLocation } from 'jsonc-parser';
import { dirOf, joinPath, type Workspace } from './deploy-files';
import type { LibraryKey } from './baselines';
import { topLevelImports } from '../python/module-graph';
import { textModelOwner } from '../project-views';
import type { ProjectInfo } from '../../rules/api';

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
    if (d === dir) return REQUIREMENTS_FILE.test(name) || CONDA_ENVIRONMENT.test(name) || ['pyproject.toml', 'pipfile', 'poetry.lock', 'setup.py', 'setup.cfg'].includes(name.toLowerCase());
    return d === `${dir}requirements/` && /\.(txt|in)$/.test(name);
  });
  // Shell scripts beside the app (a Render `build.sh`, a Heroku `setup.sh`, an `entrypoint.sh`) that `pip install`.
  const scripts = ws.files().filter((f) => /\.sh$/i.test(f) && [dir, `${dir}scripts/`, `${dir}bin/`].includes(dirOf(f)));
  for (const script of scripts) {
    const pip = ws.derived(script, 'pip-installs', (text) => dockerfilePipInstalls(text.replace(/^[ \t]*#.*$/gm, ''), dirOf(script)));
    for (const p of pip?.packages ?? []) out.add(p);
    files.push(...(pip?.requirementFiles ?? []));
  }
  for (const file of new Set([...files, ...extraFiles])) {
    for (const p of ws.derived(file, 'python-packages', packagesInText(file)) ?? []) out.add(p);
  }
  return out;
}

const CONDA_ENVIRONMENT = /^(environment|conda)([\w.-]*)\.ya?ml$/i;

/** Conda's names for packages pip knows by another name. */
const CONDA_NAMES: Record<string, string> = {
  pytorch: 'torch', 'pytorch-cpu': 'torch', 'py-opencv': 'opencv-python', opencv: 'opencv-python', libopencv: 'opencv-python',
  faiss: 'faiss-cpu', 'py-xgboost': 'xgboost', 'tensorflow-base': 'tensorflow', 'onnxruntime-cpp': 'onnxruntime',
};

/**
 * A conda environment.yml's `dependencies` (`- numpy=1.26`, `- conda-forge::pytorch`) and its `- pip:` list
 * (`- torch==2.3`), as pip names.
 */
export function condaPackages(text: string): string[] {
  const out: string[] = [];
  let inDeps = false;
  for (const line of text.split(/\r?\n/)) {
    if (/^\S/.test(line)) inDeps = /^dependencies\s*:/.test(line);
    if (!inDeps) continue;
    const m = /^\s*-\s+["']?(?:[\w.-]+::)?([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?:[<>=!~ ]|["']?\s*(?:#|$))/.exec(line);
    if (!m || /^\s*-\s+pip\s*:/.test(line)) continue;
    const name = normalizePackage(m[1]);
    if (name !== 'python' && name !== 'pip') out.push(CONDA_NAMES[name] ?? name);
  }
  return out;
}

function packagesInText(file: string): (text: string) => string[] {
  const name = file.slice(file.lastIndexOf('/') + 1).toLowerCase();
  return (text) => {
    if (name === 'pyproject.toml' || name === 'pipfile' || name === 'setup.py' || name === 'setup.cfg') return declaredInTomlOrSetup(text, name);
    if (name === 'poetry.lock') return [...text.matchAll(/^name\s*=\s*"([^"]+)"/gm)].map((m) => normalizePackage(m[1]));
    if (CONDA_ENVIRONMENT.test(name)) return condaPackages(text);
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

/**
 * Packages of `pip install a b` / `uv pip install` / `conda install` lines (a Dockerfile's RUN instructions, a shell
 * script), and `-r` files.
 */
export function dockerfilePipInstalls(text: string, dockerfileDir: string): { packages: string[]; requirementFiles: string[]; imagePaths: string[] } {
  const packages: string[] = [];
  const requirementFiles: string[] = [];
  /** `-r` paths as the image has them (`/app/requirements.txt`), for callers that can map them through the image's COPYs. */
  const imagePaths: string[] = [];
  const joined = text.replace(/\\\r?\n/g, ' ');
  for (const m of joined.matchAll(/\b(?:pip3?|uv\s+pip|python[\d.]*\s+-m\s+pip)\s+(?:install|wheel|download)\b([^\n&;|]*)/g)) {
    const words = m[1].trim().split(/\s+/);
    for (let i = 0; i < words.length; i++) {
      const w = words[i].replace(/^["']|["']$/g, '');
      if (w === '-r' || w === '--requirement' || w === '-c' || w === '--constraint') {
        if (words[i + 1]) requirementFiles.push(joinPath(dockerfileDir, words[i + 1].replace(/^\/?(app|code|src|usr\/src\/app)\//, '')));
        if (words[i + 1]?.startsWith('/')) imagePaths.push(words[i + 1].replace(/^["']|["']$/g, ''));
        i++;
      } else if (w.startsWith('-')) {
        if (['-i', '--index-url', '--extra-index-url', '-f', '--find-links', '--target', '-t', '--prefix', '--root', '-w', '--wheel-dir', '-d', '--dest'].includes(w)) i++;
      } else {
        const name = /^([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(w);
        if (name && !w.includes('/') && name[1] !== '.') packages.push(normalizePackage(name[1]));
      }
    }
  }
  // `conda install -c conda-forge pytorch numpy` / mamba / micromamba
  for (const m of joined.matchAll(/\b(?:conda|mamba|micromamba)\s+install\b([^\n&;|]*)/g)) {
    const words = m[1].trim().split(/\s+/);
    for (let i = 0; i < words.length; i++) {
      const w = words[i].replace(/^["']|["']$/g, '');
      if (w.startsWith('-')) {
        if (['-c', '--channel', '-n', '--name', '-p', '--prefix', '--file', '--override-channels'].includes(w) && w !== '--override-channels') i++;
        continue;
      }
      const name = /^(?:[\w.-]+::)?([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(w);
      if (name && !w.includes('/')) {
        const pkg = normalizePackage(name[1]);
        if (pkg !== 'python' && pkg !== 'pip') packages.push(CONDA_NAMES[pkg] ?? pkg);
      }
    }
  }
  return { packages, requirementFiles, imagePaths };
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
  sqlalchemy: ['sqlalchemy', 'flask-sqlalchemy', 'sqlmodel'],
  'celery-client': ['celery'],
  tensorflow: ['tensorflow', 'tensorflow-cpu', 'tf-keras'],
  gensim: ['gensim'],
  faiss: ['faiss-cpu', 'faiss-gpu', 'faiss'],
  spacy: ['spacy', 'en-core-web-sm', 'en-core-web-md', 'en-core-web-lg', 'en-core-web-trf'],
};

/** The module each library is imported as (transformers loads torch when torch is what is installed). */
const LIBRARY_MODULES: Record<LibraryKey, string[]> = {
  torch: ['torch', 'torchvision', 'sentence_transformers', 'transformers', 'ultralytics', 'easyocr', 'whisper', 'timm'],
  'face-recognition': ['face_recognition'],
  dlib: ['dlib'],
  onnxruntime: ['onnxruntime', 'rembg', 'insightface', 'fastembed'],
  pandas: ['pandas', 'geopandas', 'yfinance'],
  numpy: ['numpy'],
  scipy: ['scipy', 'statsmodels'],
  'scikit-learn': ['sklearn'],
  opencv: ['cv2'],
  sqlalchemy: ['sqlalchemy', 'flask_sqlalchemy', 'sqlmodel'],
  'celery-client': ['celery'],
  tensorflow: ['tensorflow', 'tf_keras'],
  gensim: ['gensim'],
  faiss: ['faiss'],
  spacy: ['spacy', 'en_core_web_sm', 'en_core_web_md', 'en_core_web_lg', 'en_core_web_trf'],
};

/** Libraries the packages install. */
export function librariesInstalled(packages: ReadonlySet<string>): LibraryKey[] {
  return (Object.keys(LIBRARY_PACKAGES) as LibraryKey[]).filter((lib) => LIBRARY_PACKAGES[lib].some((p) => packages.has(p)));
}

/** Packages that pull native thread pools (OpenMP / OpenBLAS / MKL), for native-thread-env. */
export const NATIVE_THREAD_PACKAGES = new Set([
  ...LIBRARY_PACKAGES.torch, ...LIBRARY_PACKAGES['face-recognition'], ...LIBRARY_PACKAGES.dlib, ...LIBRARY_PACKAGES.onnxruntime,
  ...LIBRARY_PACKAGES.pandas, ...LIBRARY_PACKAGES.numpy, ...LIBRARY_PACKAGES.scipy, ...LIBRARY_PACKAGES['scikit-learn'], ...LIBRARY_PACKAGES.opencv, ...LIBRARY_PACKAGES.tensorflow,
  ...LIBRARY_PACKAGES.gensim, ...LIBRARY_PACKAGES.faiss, ...LIBRARY_PACKAGES.spacy,
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

// ---------------------------------------------------------------------------------------------------------------
// What raises a request's working set at peak, and model files loaded at import

/** The largest working set one request in flight can hold, from the app's own settings. */
export interface RequestFacts {
  perRequestMb: number;
  /** "a 10000-row page", "a 50 MB request body" */
  why: string;
  source: string;
  at?: { file: string; start: number; end: number };
}

/** KB per row of a page of ORM objects serialized to JSON, from the example's measured 10,000-row page. */
const ROW_KB = 2.4;

function settingAt(file: string, m: RegExpMatchArray): { file: string; start: number; end: number } {
  return { file, start: m.index!, end: m.index! + m[0].length };
}

/** Python: DATA_UPLOAD_MAX_MEMORY_SIZE (Django buffers a body up to it), MAX_CONTENT_LENGTH (Flask), page sizes. */
export function pythonRequestFacts(ws: Workspace, files: Iterable<string>): RequestFacts | undefined {
  let best: RequestFacts | undefined;
  for (const file of files) {
    const text = ws.read(file);
    if (!text) continue;
    const settings = settingsOf(ws, file, text);
    const own = (settings.request ??= requestFactsIn(file, text) ?? null);
    if (own && (!best || own.perRequestMb > best.perRequestMb)) best = own;
  }
  return best && { ...best, at: best.at && { ...best.at } };
}

/** One module's largest request working set from its own settings (the first of equal ones), or undefined. */
function requestFactsIn(file: string, text: string): RequestFacts | undefined {
  let best: RequestFacts | undefined;
  const consider = (f: RequestFacts) => {
    if (!best || f.perRequestMb > best.perRequestMb) best = f;
  };
  for (const m of text.matchAll(/^\s*(DATA_UPLOAD_MAX_MEMORY_SIZE|MAX_CONTENT_LENGTH)\s*=\s*([\d_\s*]+)$/gm)) {
    const bytes = m[2].split('*').reduce((p, x) => p * Number(x.replace(/[_\s]/g, '') || NaN), 1);
    if (!Number.isFinite(bytes) || bytes < 2 * 1048576) continue;
    const mb = bytes / 1048576;
    consider({ perRequestMb: mb, why: `a ${Math.round(mb)} MB request body (${m[1]})`, source: `${m[1]}: a request may hold a body this large in memory while it runs`, at: settingAt(file, m) });
  }
  for (const m of text.matchAll(/["']PAGE_SIZE["']\s*:\s*(\d+)|^\s*(?:page_size|paginate_by)\s*=\s*(\d+)/gm)) {
    const rows = Number(m[1] ?? m[2]);
    if (rows < 500) continue;
    consider({
      perRequestMb: (rows * ROW_KB) / 1024,
      why: `a ${rows}-row page`,
      source: `${rows} rows x ${ROW_KB} KB (the example's 10,000-row DRF page grew a worker by 24 MB: docs/PERFORMANCE.md)`,
      at: settingAt(file, m),
    });
  }
  return best;
}

/**
 * What the estimate reads in one Python module, per text version: every estimate reads every module of its app
 * again (once per process of each deploy, and a scan estimates once per deploy file), and these regular
 * expressions over the app's text were most of its cost.
 */
interface ModuleSettings {
  text: string;
  /** Computed when first asked (null: none), as the model-loading calls (MODEL_CALL) are. */
  request?: RequestFacts | null;
  modelCalls?: ModelCall[];
}

interface ModelCall {
  index: number;
  length: number;
  loader: string;
  args: string;
  /** Indented inside a def: loaded when the def runs (a start hook), not at import. */
  inDef: boolean;
}

const moduleSettings = new WeakMap<ProjectInfo, Map<string, ModuleSettings>>();

function settingsOf(ws: Workspace, file: string, text: string): ModuleSettings {
  const owner = textModelOwner(ws.project);
  let byFile = moduleSettings.get(owner);
  if (!byFile) moduleSettings.set(owner, (byFile = new Map()));
  let settings = byFile.get(file);
  if (!settings || settings.text !== text) byFile.set(file, (settings = { text }));
  return settings;
}

function modelCallsIn(text: string): ModelCall[] {
  if (!MODEL_CALL.test(text)) return [];
  MODEL_CALL.lastIndex = 0;
  const out: ModelCall[] = [];
  for (const m of text.matchAll(MODEL_CALL)) {
    const lineStart = text.lastIndexOf('\n', m.index!) + 1;
    out.push({ index: m.index!, length: m[0].length, loader: m[1], args: m[2], inDef: /^\s/.test(text.slice(lineStart, m.index!)) && insideDef(text, lineStart) });
  }
  return out;
}

/** Node: express.json / bodyParser limits ('50mb'); JSON.parse holds ~4x the body (the example's 40 MB body grew node by 163 MB). */
export function nodeRequestFacts(ws: Workspace, files: Iterable<string>): RequestFacts | undefined {
  let best: RequestFacts | undefined;
  for (const file of files) {
    const text = ws.read(file);
    if (!text) continue;
    for (const m of text.matchAll(/\blimit\s*:\s*["'](\d+(?:\.\d+)?)\s*(kb|mb|gb)["']/gi)) {
      const mb = Number(m[1]) * ({ kb: 1 / 1024, mb: 1, gb: 1024 }[m[2].toLowerCase() as 'kb' | 'mb' | 'gb']);
      if (mb < 2) continue;
      const json = /json|bodyParser/i.test(text.slice(Math.max(0, m.index! - 80), m.index!));
      const per = json ? mb * 4 : mb;
      if (!best || per > best.perRequestMb)
        best = { perRequestMb: per, why: `a ${Math.round(mb)} MB body${json ? ' parsed as JSON' : ''}`, source: json ? 'the body limit x 4: a 40 MB JSON body grew the example\'s node process by 163 MB (docs/PERFORMANCE.md)' : 'the body limit: a body this large may be buffered while the request runs', at: settingAt(file, m) };
    }
  }
  return best;
}

const MODEL_CALL = /\b(torch\.load|joblib\.load|load_model|from_pretrained|onnxruntime\.InferenceSession|ort\.InferenceSession|InferenceSession|pickle\.load|(?:pickle|cloudpickle|dill)\.loads?)\s*\(([^)\n]*(?:\([^)\n]*\)[^)\n]*)*)\)/g;

/** A model file a process loads: its size, the loader, where; `hook` when each process loads it in a start hook after fork. */
export interface ModelFileLoad {
  file: string;
  mb: number;
  loader: string;
  at: { file: string; start: number; end: number };
  /** The per-process hook that loads it ("the Celery worker_process_init handler"): never shared before fork. */
  hook?: string;
}

/**
 * Model files of the workspace that `files` load by a path literal: at module level (not inside a def), or in a start
 * hook that each of `process`'s processes runs after fork (worker-hooks.ts: a Celery worker's worker_process_init
 * handlers, a web worker's startup handlers and lifespan).
 */
export function modelLoads(ws: Workspace, files: Iterable<string>, process?: HookProcess): ModelFileLoad[] {
  const out: ModelFileLoad[] = [];
  const size = (rel: string) => ws.project.fileSize?.(rel);
  for (const file of files) {
    const text = ws.read(file);
    if (!text) continue;
    const settings = settingsOf(ws, file, text);
    for (const call of (settings.modelCalls ??= modelCallsIn(text))) {
      let hook: string | undefined;
      if (call.inDef) {
        const found = process ? perProcessHookAt(text, call.index) : undefined;
        if (found?.process !== process) continue;
        hook = found!.label;
      }
      const literal = /["']([^"']+\.(?:pt|pth|bin|joblib|pkl|pickle|onnx|safetensors|h5|sav|model))["']/.exec(call.args);
      if (!literal) continue;
      const dir = dirOf(file);
      const candidates = [joinPath(dir, literal[1].replace(/^\.\//, '')), literal[1].replace(/^\.\//, '')];
      for (const c of candidates) {
        const bytes = size(c);
        if (bytes !== undefined) {
          out.push({ file: c, mb: bytes / 1048576, loader: call.loader, at: { file, start: call.index, end: call.index + call.length }, ...(hook ? { hook } : {}) });
          break;
        }
      }
    }
  }
  return out;
}

/** Whether the indented line at `lineStart` is inside a def: some less-indented line above it opens one. */
function insideDef(text: string, lineStart: number): boolean {
  let indent = /^[ \t]*/.exec(text.slice(lineStart))![0].length;
  let end = lineStart - 1;
  for (let i = 0; i < 5000 && end > 0 && indent > 0; i++) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    const line = text.slice(start, end);
    const ind = /^[ \t]*/.exec(line)![0].length;
    if (line.trim() && !line.trim().startsWith('#') && ind < indent) {
      if (/^\s*(async\s+)?def\b/.test(line)) return true;
      indent = ind;
    }
    end = start - 1;
  }
  return false;
}
