/**
 * model-load-per-request: an ML model (torch, transformers, sentence-transformers, Whisper, spaCy, a
 * joblib/pickle model file, Keras, ONNX Runtime, EasyOCR, YOLO) loaded inside code that runs per request,
 * per task or per Streamlit rerun.
 */
import { clip } from '../shared/format';
import type { Node, Tree } from 'web-tree-sitter';
import { liveCodeReports } from '../../analysis/python/dead-functions';
import { defineRule, type FixSpec, type OffsetEdit, type ReportSpec, type RuleContext, type TextTrigger } from '../api';
import { ancestor, mayCallNamed, positionalArguments } from '../../analysis/python/ast';
import { callsNamedInModule } from '../../analysis/python/statements';
import { addImport } from '../shared/python-edits';
import { importsOf, type ImportMap } from '../../analysis/python/imports';
import { loaderFix, memoisedAssignment } from '../../analysis/python/load-hoisting';
import { perRequestScope, type RequestScope } from '../../analysis/python/per-request';

const CANDIDATES = /\b(?:load|pipeline|from_pretrained|SentenceTransformer|CrossEncoder|load_model|WhisperModel|InferenceSession|Reader|YOLO)\b/g;
const MODEL_LIBRARIES = /torch|transformers|whisper|spacy|joblib|pickle|keras|onnxruntime|easyocr|ultralytics|diffusers|peft|optimum/;
/**
 * Still a RegExp (answered per chunk on keystrokes). Every finding is one of the calls check() finds by name
 * (callsNamedInModule), so a text read once with no such call has none (the stdlib's many `pickle` mentions).
 */
export const modelLoadTrigger: TextTrigger = Object.assign(new RegExp(MODEL_LIBRARIES.source), {
  strictTest: (text: string) => MODEL_LIBRARIES.test(text) && mayCallNamed(text, CANDIDATES),
});
/** Qualified callee -> what the message calls it. */
const LOADERS: [RegExp, string][] = [
  [/^torch\.(load|jit\.load)$/, 'torch.load'],
  [/^transformers\.pipeline$/, 'transformers.pipeline()'],
  [/^(transformers|sentence_transformers|diffusers|peft|optimum)(\.\w+)*\.from_pretrained$/, 'from_pretrained()'],
  [/^sentence_transformers\.(SentenceTransformer|CrossEncoder)$/, 'SentenceTransformer()'],
  [/^whisper\.load_model$/, 'whisper.load_model()'],
  [/^faster_whisper\.WhisperModel$/, 'faster_whisper.WhisperModel()'],
  [/^spacy\.load$/, 'spacy.load()'],
  [/^(tensorflow\.keras|keras|tf\.keras)\.(models|saving)\.load_model$|^keras\.models\.load_model$/, 'keras load_model()'],
  [/^onnxruntime\.InferenceSession$/, 'onnxruntime.InferenceSession()'],
  [/^easyocr\.Reader$/, 'easyocr.Reader()'],
  [/^ultralytics\.YOLO$/, 'YOLO()'],
];
/** joblib/pickle loads count when what they load looks like a model. */
const MODEL_WORDS = /model|clf|classif|estimator|regress|vectori[sz]er|tfidf|encoder|scaler|pipeline|predictor|\.(joblib|sav|h5|pt|pth|onnx)\b/i;
/** joblib files are models more often than not; a `.pkl` read with pickle may hold anything. */
const JOBLIB_FILES = /\.(pkl|pickle)\b/i;

export default defineRule({
  meta: {
    id: 'model-load-per-request',
    kinds: ['python'],
    defaultSeverity: 'warning',
    fix: 'unsafe',
    messages: {
      'per-request': 'Reloads a model ({{api}}, 100s of MB) per request: load it once, functools.cache',
      'per-task': 'Reloads a model ({{api}}, 100s of MB) per task run: load it once, functools.cache',
      'per-rerun': 'Reloads a model ({{api}}, 100s of MB) per rerun: load it once, @st.cache_resource',
    },
    trigger: modelLoadTrigger,
    docs: {
      summary: 'An ML model loaded inside code that runs per request, per task or per Streamlit rerun.',
      whatItDoes:
        'Finds `torch.load`, `transformers.pipeline(...)`, `AutoModel*/AutoTokenizer.from_pretrained(...)` (and other ' +
        '`from_pretrained` of transformers, sentence-transformers, diffusers, peft), `SentenceTransformer(...)`/`CrossEncoder(...)`, ' +
        '`whisper.load_model`, `faster_whisper.WhisperModel(...)`, `spacy.load`, `joblib.load`/`pickle.load` of a model file ' +
        '(a path or variable named like a model, or a `.pkl`/`.joblib`/`.h5`/`.pt` file), `keras.models.load_model`, ' +
        '`onnxruntime.InferenceSession`, `easyocr.Reader` and `YOLO(...)` called in code that runs per request or per task: ' +
        'Flask/FastAPI/Starlette/Quart routes, FastAPI `Depends(...)` dependencies, Django function views and view classes ' +
        '(even `__init__`: Django builds a view instance per request), DRF views, Celery/Dramatiq tasks, and the functions of ' +
        'the same file they call; and at the top level of a Streamlit script (it runs again on every widget interaction). ' +
        'Not reported: loads at module level of a web module, in startup hooks (FastAPI lifespan, `AppConfig.ready`), in a ' +
        'cached loader (`@functools.cache`, `@lru_cache`, `@st.cache_resource`), memoised loads (`if _model is None: _model = ...` ' +
        'with a global, `self.model` on a Celery task instance, `_models[name] = ...` under `if name not in _models`), tests, ' +
        'scripts, management commands and `if __name__ == "__main__":` blocks.',
      whyIsThisBad:
        'A model is hundreds of megabytes of weights (a small sentence-transformer ~90 MB, Whisper base ~300 MB, a BERT ' +
        'classifier ~450 MB, spaCy `en_core_web_lg` ~800 MB). Loading it per request reads and allocates all of it again for ' +
        'every call, so two or three concurrent requests hold two or three copies, on top of the seconds each load takes; ' +
        'the allocator rarely gives the freed memory back, so the worker stays at its peak. On a 512 MB instance one load can ' +
        'be enough to be killed.',
      example: {
        fileName: 'main.py',
        code: `from fastapi import FastAPI
from sentence_transformers import SentenceTransformer

app = FastAPI()


@app.post("/embed")
def embed(texts: list[str]):
    model = SentenceTransformer("all-MiniLM-L6-v2")
    return {"vectors": model.encode(texts).tolist()}
`,
      },
      useInstead: {
        fileName: 'main.py',
        code: `import functools

from fastapi import FastAPI
from sentence_transformers import SentenceTransformer

app = FastAPI()


@functools.cache
def get_model():
    return SentenceTransformer("all-MiniLM-L6-v2")


@app.post("/embed")
def embed(texts: list[str]):
    model = get_model()
    return {"vectors": model.encode(texts).tolist()}
`,
      },
      fixSafety:
        'Unsafe: the fix moves the load into a module-level loader decorated with `@functools.cache` (`@st.cache_resource` in a ' +
        'Streamlit script, where a module-level cache would be rebuilt on each rerun) and calls it where the load was, so the ' +
        'model is loaded on first use and then shared by every request of the process: a model whose file changes on disk is no ' +
        'longer re-read, state kept on the model object (a fine-tuned head, `model.eval()`/`.train()` switches) is shared, and ' +
        'code calling it from several threads must be thread-safe (inference with transformers, sentence-transformers, spaCy and ' +
        'scikit-learn is). Offered only when the load\'s arguments use nothing local to the function (literals, module-level names); ' +
        'a load chosen by the request (`joblib.load(f"models/{name}.pkl")`) gets no fix: use a bounded `lru_cache(maxsize=...)` keyed ' +
        'by the name. `functools.cache` needs Python 3.9.',
      notes:
        'Loads in a helper of another module are reported when the project\'s call graph reaches the helper from request code ' +
        '(`from services.ml import predict`, `import utils.ml as ml; ml.embed(x)`, a method of a module-level instance, a class ' +
        'method, a constructor, `Depends(get_model)`, through up to four calls); the detail names the route and its call. A helper ' +
        'called only at import, from a cached function, or from tests, scripts and management commands is not. A model loaded at module ' +
        'level is loaded once per worker process: the `memory-budget` rule counts the heavy library per worker. A load in an undecorated module-level ' +
        'function no other code of the project names is not reported (code nothing runs).',
    },
  },
  check(reported) {
    // A load inside a module-level function nothing in production calls never runs in a worker: not reported.
    const ctx = liveCodeReports(reported);
    const tree = ctx.python();
    const imports = importsOf(tree);
    const text = ctx.file.text;
    for (const call of callsNamedInModule(tree, text, CANDIDATES)) {
      const api = loaderName(call, imports);
      if (!api) continue;
      const scope = perRequestScope(ctx, call);
      if (!scope || memoisedAssignment(call, scope)) continue;
      const fixes = modelFix(ctx, tree, call, scope, imports);
      ctx.report({
        start: call.startIndex,
        end: call.endIndex,
        ...message(api, scope),
        fixes,
      });
    }
  },
});

function message(api: string, scope: RequestScope): Pick<ReportSpec, 'messageId' | 'data' | 'detail'> {
  const per = scope.kind === 'task' ? 'every task run' : scope.kind === 'rerun' ? 'every rerun' : 'every request';
  const where = scope.kind === 'rerun' ? `at ${scope.label}` : `in ${scope.label}`;
  const cached = scope.kind === 'rerun' ? '@st.cache_resource' : 'functools.cache';
  return {
    messageId: scope.kind === 'task' ? 'per-task' : scope.kind === 'rerun' ? 'per-rerun' : 'per-request',
    data: { api: clip(api, 24) },
    detail:
      `Loads a model (${api}) on ${per} ${where}: its weights (often hundreds of MB) are read and held again per call, one copy per ` +
      `concurrent ${scope.kind === 'task' ? 'task' : 'request'}, plus the load time. Load it once in a module-level ${cached} loader and call that.`,
  };
}

function loaderName(call: Node, imports: ImportMap): string | undefined {
  const fn = call.childForFieldName('function');
  const q = imports.resolve(fn);
  if (q) {
    for (const [re, name] of LOADERS) if (re.test(q)) return name;
    if (q === 'joblib.load' || q === 'pickle.load' || q === 'dill.load' || q === 'cloudpickle.load') return looksLikeModel(call, q === 'joblib.load') ? `${q}()` : undefined;
  }
  // `AutoModelForSequenceClassification.from_pretrained` reached through a local alias, `model_cls.from_pretrained(...)`.
  if (fn?.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'from_pretrained') {
    const object = fn.childForFieldName('object');
    const oq = imports.resolve(object) ?? '';
    if (/^(transformers|sentence_transformers|diffusers|peft|optimum)\b/.test(oq) || /^Auto\w+$/.test(object?.text ?? '')) return 'from_pretrained()';
  }
  return undefined;
}

/** `joblib.load("model.pkl")`, `pickle.load(f)` where `f = open(MODEL_PATH, "rb")`, or assigned to `clf`/`model`. */
function looksLikeModel(call: Node, joblib: boolean): boolean {
  const [arg] = positionalArguments(call);
  if (!arg) return false;
  if (MODEL_WORDS.test(arg.text) || (joblib && JOBLIB_FILES.test(arg.text))) return true;
  const statement = ancestor(call, 'assignment');
  const target = statement?.childForFieldName('left');
  if (target && MODEL_WORDS.test(target.text)) return true;
  // `with open(MODEL_PATH, "rb") as f: model = pickle.load(f)`
  if (arg.type === 'identifier') {
    for (let p: Node | null = call.parent; p; p = p.parent) {
      if (p.type !== 'with_statement') continue;
      for (const item of p.descendantsOfType('with_item')) {
        if (item && new RegExp(`\\bas\\s+${arg.text}\\b`).test(item.text) && MODEL_WORDS.test(item.text)) return true;
      }
    }
  }
  return false;
}

function modelFix(ctx: RuleContext, tree: Tree, call: Node, scope: RequestScope, imports: ImportMap): FixSpec[] | undefined {
  const text = ctx.file.text;
  const streamlitAlias = [...imports.names.entries()].find(([, q]) => q === 'streamlit')?.[0];
  const decorator = scope.kind === 'rerun' ? (streamlitAlias ? `@${streamlitAlias}.cache_resource` : undefined) : '@functools.cache';
  if (!decorator) return undefined;
  const built = loaderFix(tree, text, call, decorator, 'get');
  if (!built) return undefined;
  const edits: OffsetEdit[] = [...built.edits];
  if (scope.kind !== 'rerun') {
    const imp = addImport(tree, text, 'functools');
    if (imp) edits.push(imp);
  }
  return [{ title: `Load the model once, in a cached ${built.name}()`, edits }];
}
