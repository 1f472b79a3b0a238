/**
 * Whether the code a deploy serves loads a native thread pool (OpenMP / OpenBLAS / MKL): a library listed in
 * requirements starts no thread until a process imports it. The evidence is an import, in a module the deploy's
 * processes load (python-reach, followed from each start command), of a native-threaded library or of a package
 * known to import one at its own import (pandas, langchain, sentence_transformers -> numpy / torch).
 *
 * "Not served" is claimed only when it can be trusted: every process of the deploys resolves to project modules
 * (a third-party program such as `mlflow server` or `streamlit run` may import numpy itself), and when a reached
 * module loads modules by computed names the whole project's imports count instead of the reached ones. Otherwise
 * the answer is "unknown" and callers keep judging by requirements.
 */
import { pythonModules, topLevelNames } from '../python/module-graph';
import { DEFAULT_HOST_CPUS } from './counts';
import type { Workspace } from './deploy-files';
import type { Deploy } from './deploys';
import { DYNAMIC_LOADING } from './project-reach';
import { modulesLoadedBy } from './python-reach';
import { workdirSources } from './image-files';
import { serverOf } from './servers';
import { missingEntryScript } from './missing-entry';

/**
 * Top-level modules whose import starts (or loads a library that starts) a native thread pool sized from the host's
 * CPUs, with what they load. Direct: numpy and the numeric/ML stacks built on OpenMP/BLAS. Through: packages that
 * import one of those at their own import (checked against each package's top-level `__init__` imports).
 * A package missing here counts as not loading one: the table errs on the side of the common web-app stacks.
 */
export const NATIVE_THREAD_IMPORTS: Readonly<Record<string, string>> = {
  // Native thread pools of their own.
  numpy: 'OpenBLAS', scipy: 'OpenBLAS', sklearn: 'OpenMP', torch: 'OpenMP', torchvision: 'torch', torchaudio: 'torch',
  tensorflow: 'Eigen/oneDNN', tf_keras: 'tensorflow', keras: 'tensorflow/torch', jax: 'XLA', cv2: 'OpenCV threads',
  onnxruntime: 'OpenMP', dlib: 'BLAS', face_recognition: 'dlib', xgboost: 'OpenMP', lightgbm: 'OpenMP', catboost: 'OpenMP',
  faiss: 'OpenMP', numexpr: 'numexpr threads', numba: 'numba threads', spacy: 'numpy', thinc: 'numpy', gensim: 'numpy',
  llama_cpp: 'llama.cpp threads', mxnet: 'OpenMP', paddle: 'OpenMP',
  // Packages that import numpy (or torch) when they are imported.
  pandas: 'numpy', geopandas: 'pandas', polars: 'its thread pool', pyarrow: 'numpy', statsmodels: 'scipy', skimage: 'scipy',
  matplotlib: 'numpy', seaborn: 'pandas', plotly: 'numpy (express: pandas)', shap: 'numpy', prophet: 'pandas',
  yfinance: 'pandas', pandas_ta: 'pandas', ta: 'pandas', streamlit: 'numpy, pandas', gradio: 'numpy',
  transformers: 'numpy, torch', sentence_transformers: 'torch', diffusers: 'torch', accelerate: 'torch', timm: 'torch',
  ultralytics: 'torch', easyocr: 'torch', whisper: 'torch', fastai: 'torch', deeppavlov: 'tensorflow/torch',
  langchain: 'numpy', langchain_community: 'numpy', langchain_core: 'numpy', langchain_openai: 'numpy',
  langchain_huggingface: 'torch', llama_index: 'numpy', chromadb: 'numpy, onnxruntime', fastembed: 'onnxruntime',
  rembg: 'onnxruntime', insightface: 'onnxruntime', mediapipe: 'numpy', imutils: 'cv2', librosa: 'numba',
  imageio: 'numpy', nltk: 'numpy (some modules)', wordcloud: 'numpy', tabula: 'pandas', camelot: 'pandas',
};

export type NativeEvidence =
  /** Every process resolved: the native libraries the served modules import (empty: none), each with a file importing it. */
  | { resolved: true; imports: { module: string; file: string }[] }
  | { resolved: false; why: string };

const NOT_SOURCE = /(^|\/)(node_modules|\.git|\.venv|venv|env|site-packages|__pycache__)\//;

/** The native-threaded libraries the Python processes of `deploys` import. */
export function nativeImportsServed(ws: Workspace, deploys: readonly Deploy[], hostCpus = DEFAULT_HOST_CPUS): NativeEvidence {
  const reached = new Set<string>();
  const imports: { module: string; file: string }[] = [];
  let processes = 0;
  let cannotStart = 0;
  for (const deploy of deploys) {
    for (const proc of deploy.processes) {
      processes++;
      let server;
      try {
        server = serverOf(proc, { ws, deploy, hostCpus });
      } catch {
        server = undefined;
      }
      if (!server) {
        const hub = hubConfig(ws, proc.command.program, proc.command.args.map((a) => a.value));
        if (hub === undefined) return { resolved: false, why: `${proc.command.program} (${proc.file}) is not a server memlint follows` };
        reached.add(hub);
        continue;
      }
      if (server.runtime === 'node') continue;
      // A script the project does not hold: the process exits at start and imports nothing.
      if (missingEntryScript(ws.project, server)) {
        cannotStart++;
        continue;
      }
      // Streamlit's server imports numpy and pandas itself.
      if (server.kind === 'streamlit') imports.push({ module: 'streamlit', file: proc.file });
      // A folder the image copies whole into its WORKDIR (`COPY ./app /app`) is where the process imports from too.
      const copied = deploy.dockerfile !== undefined ? workdirSources(ws, deploy.dockerfile, deploy.dir) : [];
      const loaded = modulesLoadedBy(ws, server, [...new Set([proc.cwd, deploy.dir, '', ...copied])]);
      if (!loaded || loaded.size === 0) return { resolved: false, why: `${proc.command.program} (${proc.file}) loads no project module memlint finds` };
      for (const f of loaded) reached.add(f);
    }
  }
  if (processes === 0) return { resolved: false, why: 'no start command' };
  if (cannotStart === processes) return { resolved: true, imports: [] };
  // Only Node processes: what the Python in the image runs is not known.
  if (reached.size === 0 && imports.length === 0) return { resolved: false, why: 'no Python process followed' };
  const read = (f: string) => ws.read(f);
  const dynamic = [...reached].some((f) => DYNAMIC_LOADING.test((read(f) ?? '').replace(/^[ \t]*#[^\n]*$/gm, '')));
  // A module loaded by a computed name may be any project module: count every one's imports.
  const files = dynamic ? ws.files().filter((f) => f.endsWith('.py') && !NOT_SOURCE.test(f)) : [...reached];
  const modules = pythonModules(ws.project, ws.files());
  const seen = new Set(imports.map((i) => i.module));
  for (const file of files.sort()) {
    for (const name of topLevelNames(modules.factsOf(file, read)?.imports ?? [])) {
      if (seen.has(name) || !Object.hasOwn(NATIVE_THREAD_IMPORTS, name)) continue;
      seen.add(name);
      imports.push({ module: name, file });
    }
  }
  return { resolved: true, imports };
}

/** JupyterHub spawners that start each user's notebook server in a container of its own, not in the hub's. */
const CONTAINER_SPAWNER = /^[ \t]*c\.JupyterHub\.spawner_class[ \t]*=[ \t]*["'](dockerspawner|kubespawner|swarmspawner|systemuserspawner|docker|kubernetes)\b/im;

/**
 * A JupyterHub hub (`jupyterhub -f jupyterhub_config.py`) whose users' notebook servers run in containers of their
 * own: the hub process loads its configuration file and JupyterHub, no numeric library. Returns the configuration
 * file (project-relative), or undefined when the program is not such a hub (a local spawner runs the users'
 * kernels, and their imports, beside it).
 */
function hubConfig(ws: Workspace, program: string, args: readonly string[]): string | undefined {
  if (program !== 'jupyterhub') return undefined;
  const at = args.findIndex((a) => a === '-f' || a === '--config' || a.startsWith('--config=') || a.startsWith('-f='));
  const given = at === -1 ? 'jupyterhub_config.py' : args[at].includes('=') ? args[at].slice(args[at].indexOf('=') + 1) : args[at + 1];
  const name = given?.split('/').pop();
  if (!name) return undefined;
  const same = ws.files().filter((f) => f === name || f.endsWith(`/${name}`));
  if (same.length !== 1) return undefined;
  return CONTAINER_SPAWNER.test(ws.read(same[0]) ?? '') ? same[0] : undefined;
}

/**
 * Programs that load only the project's Python and what it imports (a WSGI/ASGI server, a task queue, `python x.py`),
 * or no Python at all (a proxy, a database, a shell step). Another program (`jupyter`, `mlflow server`, `streamlit`)
 * may import numpy itself whatever the project's code imports.
 */
const LOADS_ONLY_PROJECT = /^(gunicorn|uwsgi|uvicorn|hypercorn|daphne|waitress-serve|celery|flask|python(\d+(\.\d+)?)?|pipenv|poetry)$/;
const NO_PYTHON_PROGRAM = /^(nginx|caddy|httpd|apache2(ctl)?|traefik|haproxy|redis-server|redis-cli|postgres|mysqld|mongod|memcached|rabbitmq-server|cron|crond|node|npm|bash|sh|exec|echo|sleep|nc|cd|export|wait|cp|mv|mkdir|chmod|chown)$/;
/** Installed packages that run as programs of their own and import numpy/pandas (a notebook, a dashboard server). */
const SELF_IMPORTING_APPS = new Set(['jupyter', 'jupyterlab', 'notebook', 'voila', 'streamlit', 'gradio', 'mlflow', 'apache-airflow', 'dash', 'panel', 'label-studio']);

/**
 * When the deploy's processes cannot be followed to modules (a uWSGI ini, an image with no start command): whether the
 * project's own Python sources under `dirs` import a native-threaded library at all. `none` only when sources are
 * present there, none imports one (the served modules are among them), and every process of the deploys is a server
 * that loads only the project's code; otherwise `unknown`. A whole-source answer is a superset of the served one, so
 * it can clear a library no file imports but names no served file for one that some file imports.
 */
export function nativeImportsInSources(ws: Workspace, dirs: readonly string[], deploys: readonly Deploy[], packages: ReadonlySet<string>): 'none' | 'unknown' {
  if ([...packages].some((p) => SELF_IMPORTING_APPS.has(p))) return 'unknown';
  for (const deploy of deploys) {
    for (const proc of deploy.processes) {
      const program = proc.command.program;
      // A database or cache image's own entrypoint given options only (`command: -p 5433`).
      if (program.startsWith('-') || LOADS_ONLY_PROJECT.test(program) || NO_PYTHON_PROGRAM.test(program)) continue;
      return 'unknown';
    }
  }
  const prefixes = [...new Set(dirs)];
  const sources = ws.files().filter((f) => f.endsWith('.py') && !NOT_SOURCE.test(f) && prefixes.some((d) => f.startsWith(d)));
  if (sources.length === 0) return 'unknown';
  const modules = pythonModules(ws.project, ws.files());
  const read = (f: string) => ws.read(f);
  for (const file of sources) {
    for (const name of topLevelNames(modules.factsOf(file, read)?.imports ?? [])) if (Object.hasOwn(NATIVE_THREAD_IMPORTS, name)) return 'unknown';
  }
  return 'none';
}
