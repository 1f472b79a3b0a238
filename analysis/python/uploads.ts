/**
 * Upload and file-object helpers for the Python rules: which expression is an upload (Django, DRF, Flask,
 * FastAPI/Starlette, Streamlit), an `open(...)` handle or a request field, found through the local names
 * a function binds (`f = request.FILES["doc"]`, `with open(p, "rb") as f`, `for f in files`, `file: UploadFile`).
 */
import type { Node, Tree } from 'web-tree-sitter';
import { captures, keywordArgument, positionalArguments, stringValue, parents } from './ast';
import type { ImportMap } from './imports';
import { pathFromSmallFileEnv } from './small-files';

// ---------------------------------------------------------------------------------------------------------
// Local name bindings
// ---------------------------------------------------------------------------------------------------------

export type BindingKind = 'assign' | 'with' | 'for' | 'param' | 'walrus';

export interface Binding {
  kind: BindingKind;
  name: Node;
  /** The bound expression (assign/with/walrus), the iterable (for), the annotation (param), if any. */
  value?: Node;
  /** For `for a, b in x:`, the position of the name in the target tuple. */
  index?: number;
}

const BINDING_QUERY = `
(assignment left: (identifier) @b)
(as_pattern alias: (as_pattern_target (identifier) @b))
(for_statement left: (identifier) @b)
(for_statement left: (pattern_list (identifier) @b))
(for_statement left: (tuple_pattern (identifier) @b))
(for_in_clause left: (identifier) @b)
(for_in_clause left: (pattern_list (identifier) @b))
(parameters (identifier) @b)
(lambda_parameters (identifier) @b)
(default_parameter name: (identifier) @b)
(typed_parameter (identifier) @b)
(typed_default_parameter name: (identifier) @b)
(named_expression name: (identifier) @b)
`;

const SCOPE_TYPES = new Set([
  'function_definition',
  'lambda',
  'class_definition',
  'list_comprehension',
  'set_comprehension',
  'dictionary_comprehension',
  'generator_expression',
]);
const COMPREHENSIONS = new Set(['list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression']);

/** The scope a node's names live in: the nearest function, lambda, class, comprehension, or the module. */
export function scopeOf(node: Node): Node {
  // Down from the root to the node (tree-sitter finds each level's child by position), keeping the deepest scope
  // on the way: it costs the node's depth, where listing the tree's scopes costs the whole file (per keystroke, as
  // the tree is new) and walking up costs the depth per `.parent`. Past MAX_DESCENT levels (a 2,000-term
  // `open(a).read() + ...`), the tree's scopes are listed once and searched by position instead.
  const root = node.tree.rootNode;
  let found: Node | undefined;
  let depth = 0;
  for (let current: Node | null = root; current && current.id !== node.id; ) {
    if (++depth > MAX_DESCENT) return scopeByPosition(node);
    // A function's name belongs to the outer scope; its parameters and body to its own.
    if (SCOPE_TYPES.has(current.type) && !(current.type === 'function_definition' && node.type === 'identifier' && current.childForFieldName('name')?.equals(node))) {
      found = current;
    }
    const child: Node | null = current.firstChildForIndex(node.startIndex);
    // Not an ancestor of the node: only a zero-width node between two others gets here.
    current = child && child.startIndex <= node.startIndex && child.endIndex >= node.endIndex ? child : null;
  }
  return found ?? root;
}

const MAX_DESCENT = 100;

/** scopeOf by position among the tree's scopes, listed once per tree. */
function scopeByPosition(node: Node): Node {
  let scopes = scopesByTree.get(node.tree);
  if (!scopes) scopesByTree.set(node.tree, (scopes = node.tree.rootNode.descendantsOfType([...SCOPE_TYPES]).filter((n): n is Node => n !== null)));
  let found: Node | undefined;
  for (const scope of scopes) {
    if (scope.id === node.id || scope.startIndex > node.startIndex || node.endIndex > scope.endIndex) continue;
    if (found && scope.startIndex < found.startIndex) continue;
    if (scope.type === 'function_definition' && scope.childForFieldName('name')?.equals(node)) continue;
    found = scope;
  }
  return found ?? node.tree.rootNode;
}

const scopesByTree = new WeakMap<Tree, Node[]>();

function bindingOf(name: Node): Binding | undefined {
  const parent = name.parent;
  if (!parent) return undefined;
  switch (parent.type) {
    case 'assignment':
      return { kind: 'assign', name, value: parent.childForFieldName('right') ?? undefined };
    case 'as_pattern_target': {
      const pattern = parent.parent;
      return { kind: 'with', name, value: pattern?.namedChildren[0] ?? undefined };
    }
    case 'for_statement':
    case 'for_in_clause':
      return { kind: 'for', name, value: parent.childForFieldName('right') ?? undefined };
    case 'pattern_list':
    case 'tuple_pattern': {
      const loop = parent.parent;
      if (!loop || (loop.type !== 'for_statement' && loop.type !== 'for_in_clause')) return undefined;
      const index = parent.namedChildren.findIndex((c) => c?.equals(name));
      return { kind: 'for', name, value: loop.childForFieldName('right') ?? undefined, index };
    }
    case 'typed_parameter':
    case 'typed_default_parameter':
      return { kind: 'param', name, value: parent.childForFieldName('type') ?? undefined };
    case 'parameters':
    case 'lambda_parameters':
    case 'default_parameter':
      return { kind: 'param', name };
    case 'named_expression':
      return { kind: 'walrus', name, value: parent.childForFieldName('value') ?? undefined };
    default:
      return undefined;
  }
}

/**
 * Name bindings, indexed lazily one scope at a time (only the scopes a lookup walks through), in source order.
 * The module scope is read from its top-level statements, skipping function and class bodies.
 */
export class Bindings {
  private readonly byScope = new Map<number, Map<string, Binding[]>>();

  constructor(private readonly tree: Tree) {}

  /** The binding an identifier refers to at its position: the last one before it in its scope, else an enclosing scope's. */
  lookup(identifier: Node): Binding | undefined {
    const name = identifier.text;
    let first = true;
    for (let scope: Node | null = scopeOf(identifier); scope; scope = scope.parent ? scopeOf(scope) : null) {
      // Class bodies are not visible from the methods inside them.
      if (!first && scope.type === 'class_definition') continue;
      first = false;
      const list = this.scopeBindings(scope).get(name);
      if (list?.length) {
        if (COMPREHENSIONS.has(scope.type)) return list[0];
        const before = list.filter((b) => b.name.startIndex < identifier.startIndex);
        // A name bound anywhere in a function is local to it: never fall back to the outer scope.
        return before[before.length - 1];
      }
      if (!scope.parent) break;
    }
    return undefined;
  }

  private scopeBindings(scope: Node): Map<string, Binding[]> {
    let names = this.byScope.get(scope.id);
    if (names) return names;
    names = new Map();
    // Imports and comments bind nothing the query captures: skipping them saves a query per import line.
    const roots = scope.parent ? [scope] : scope.namedChildren.filter((s): s is Node => s !== null && !DEFINITIONS.has(s.type) && !NO_BINDINGS.has(s.type));
    for (const root of roots) {
      for (const { node } of captures(this.tree, BINDING_QUERY, root)) {
        const binding = bindingOf(node);
        if (!binding || !scopeOf(node).equals(scope)) continue;
        const list = names.get(node.text) ?? [];
        list.push(binding);
        names.set(node.text, list);
      }
    }
    for (const list of names.values()) list.sort((a, b) => a.name.startIndex - b.name.startIndex);
    this.byScope.set(scope.id, names);
    return names;
  }
}

const DEFINITIONS = new Set(['function_definition', 'class_definition', 'decorated_definition']);
const NO_BINDINGS = new Set(['import_statement', 'import_from_statement', 'future_import_statement', 'comment']);

const bindingCache = new WeakMap<Tree, Bindings>();

export function bindingsOf(tree: Tree): Bindings {
  let b = bindingCache.get(tree);
  if (!b) bindingCache.set(tree, (b = new Bindings(tree)));
  return b;
}

// ---------------------------------------------------------------------------------------------------------
// File sources
// ---------------------------------------------------------------------------------------------------------

/**
 * What a file-like object is:
 * - `django`: a Django `UploadedFile`/`File` (request.FILES, DRF request.data, form cleaned_data, default_storage.open): has `.chunks()`
 * - `flask`: a werkzeug `FileStorage` (request.files)
 * - `starlette`: a FastAPI/Starlette `UploadFile` (its `read()` is a coroutine)
 * - `streamlit`: a Streamlit `UploadedFile` (an in-memory BytesIO)
 * - `open`: a handle from `open()`/`io.open`/`gzip.open`...; `aiofiles`: an aiofiles handle (async reads)
 * - `raw`: the file object under an upload (`upload.file`), or an S3 `Body` stream
 */
export type FileSourceKind = 'django' | 'flask' | 'starlette' | 'streamlit' | 'open' | 'aiofiles' | 'raw';

export interface FileSource {
  kind: FileSourceKind;
  /** What `.read()` returns, when known (from the open mode). */
  data?: 'bytes' | 'text';
  /** True for `await f.read()` style objects. */
  async: boolean;
  /** True for uploads and the file objects under them: data the client sends. */
  upload?: boolean;
  /** A `tempfile` file object: holds what the code wrote to it. */
  temporary?: boolean;
}

/** GridFS calls that return a stored file (a GridOut): `.read()` of it holds the whole file. */
const GRIDFS_READERS = new Set(['get', 'get_version', 'get_last_version', 'find_one', 'open_download_stream', 'open_download_stream_by_name']);
const upload = (kind: FileSourceKind, async = false): FileSource => ({ kind, async, data: 'bytes', upload: true });

const OPENERS: Record<string, { kind: FileSourceKind; defaultMode: string }> = {
  'io.open': { kind: 'open', defaultMode: 'r' },
  'codecs.open': { kind: 'open', defaultMode: 'r' },
  'gzip.open': { kind: 'open', defaultMode: 'rb' },
  'bz2.open': { kind: 'open', defaultMode: 'rb' },
  'lzma.open': { kind: 'open', defaultMode: 'rb' },
  'aiofiles.open': { kind: 'aiofiles', defaultMode: 'r' },
};

/** tempfile's file objects: the mode is their first argument, and there is no path. */
const TEMPORARY_FILES = new Set(['tempfile.TemporaryFile', 'tempfile.NamedTemporaryFile', 'tempfile.SpooledTemporaryFile']);

/**
 * Small text/config files that are fine to read whole when the path names them literally: a file name ending
 * in one of these extensions, or containing "config"/"settings".
 */
const SMALL_FILE_EXTENSIONS = /\.(json|toml|ya?ml|ini|cfg|conf|txt|md|rst|env|pem|key|crt|cer|csr|html?|j2|jinja2?|tmpl|tpl|sql|pid|lock)$/i;
const CONFIG_NAME = /config|settings/i;
/** Files that grow with use: a name like `keys_export.csv` is still data. */
const DATA_FILE_EXTENSIONS = /\.(csv|tsv|xlsx?|log|jsonl|ndjson|parquet|feather|pkl|pickle|zip|gz|tar|pdf|mp4|wav|mp3|png|jpe?g|webp|bin|db|sqlite3?)$/i;
/**
 * Words naming small files an app ships or is configured with (keys, certificates, secrets, templates, schemas),
 * matched as whole snake_case/camelCase words of a name: `key_file`, `TEMPLATE_FILE`, `_load_key`, `secretsPath`.
 */
const SMALL_FILE_WORD = /^(keys?|prompts?|certs?|certificates?|secrets?|templates?|tpl|tmpl|j2|jinja2?|pem|crt|tokens?|credentials?|creds|licen[cs]e|version|schema|manifest|passwords?|passwd|readme|changelog|pid|pidfile|lock|lockfile|marker|stamp|sentinel)$/i;

/** True when a name (variable, attribute or function) names a small shipped or configured file. */
export function namesSmallFile(name: string): boolean {
  if (CONFIG_NAME.test(name)) return true;
  const words = wordsOf(name);
  return words.some((w) => SMALL_FILE_WORD.test(w)) && !words.some((w) => DATA_FILE_WORD.test(w));
}

/** Words of a name that say its file grows with use: `download_keys_export`, `backup_path`. */
const DATA_FILE_WORD = /^(exports?|downloads?|uploads?|dumps?|backups?|logs?|reports?|archives?|attachments?|media|documents?|data|dataset)$/i;

function wordsOf(name: string): string[] {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').split(/[^A-Za-z0-9]+|_/).filter(Boolean);
}

/** A path literal whose extension is a data file's (`.csv`, `.log`, `.pdf`): never a small shipped file. */
function namesDataFile(node: Node | null | undefined): boolean {
  const last = lastPathComponent(node);
  return !!last?.literal && DATA_FILE_EXTENSIONS.test(last.text);
}

/** Classifies expressions as file objects, upload containers and request fields, for one tree. */
export class FileSources {
  private readonly bindings: Bindings;

  constructor(
    tree: Tree,
    private readonly imports: ImportMap,
    /** What an untyped (or otherwise typed) parameter holds, from its callers: analysis/python/upload-parameters.ts. */
    private readonly parameterSource?: (binding: Binding, depth: number) => FileSource | undefined,
    /** The path names a small file the project ships (analysis/python/shipped-files.ts). */
    private readonly shipped?: (path: Node) => boolean,
  ) {
    this.bindings = bindingsOf(tree);
  }

  /** The binding an identifier refers to. */
  lookup(identifier: Node): Binding | undefined {
    return this.bindings.lookup(identifier);
  }

  /** What kind of file object `node` is, or undefined when unknown (or a small config file). */
  fileSource(node: Node | null | undefined, depth = 0): FileSource | undefined {
    if (!node || depth > 4) return undefined;
    switch (node.type) {
      case 'parenthesized_expression':
        return this.fileSource(node.namedChildren[0], depth + 1);
      case 'identifier': {
        const b = this.lookup(node);
        if (b?.kind === 'param') {
          if (b.value && /\bUploadFile\b/.test(b.value.text)) return isListAnnotation(b.value) ? undefined : upload('starlette', true);
          return this.parameterSource?.(b, depth + 1);
        }
        if (!b?.value) return undefined;
        if (b.kind === 'for') return b.index === undefined ? this.elementSource(b.value, depth + 1) : b.index === 1 ? this.itemsValueSource(b.value, depth + 1) : undefined;
        return this.fileSource(b.value, depth + 1);
      }
      case 'subscript': {
        const object = node.childForFieldName('value');
        const key = node.childForFieldName('subscript');
        if (stringValue(key) === 'Body') return { kind: 'raw', async: false, data: 'bytes' };
        return this.containerKind(object, depth + 1) ?? this.elementSource(object, depth + 1);
      }
      case 'attribute': {
        // `upload.file` is the (binary) file object under a Django/Flask/Starlette upload; werkzeug's `upload.stream` too.
        const attr = node.childForFieldName('attribute')?.text;
        if (attr !== 'file' && attr !== 'stream') return undefined;
        const owner = this.fileSource(node.childForFieldName('object'), depth + 1);
        const kinds = attr === 'file' ? ['django', 'flask', 'starlette'] : ['flask'];
        return owner && kinds.includes(owner.kind) ? { kind: 'raw', async: false, data: 'bytes', upload: true } : undefined;
      }
      case 'call':
        return this.callSource(node, depth);
      default:
        return undefined;
    }
  }

  private callSource(call: Node, depth: number): FileSource | undefined {
    const fn = call.childForFieldName('function');
    if (!fn) return undefined;
    const opened = this.openCall(call);
    if (opened) return opened.smallConfig ? undefined : opened.source;
    // `from streamlit import file_uploader`
    if (fn.type === 'identifier' && this.imports.resolve(fn) === 'streamlit.file_uploader') return multipleFiles(call) === false ? upload('streamlit') : undefined;
    if (fn.type !== 'attribute') return undefined;
    const method = fn.childForFieldName('attribute')?.text;
    const object = fn.childForFieldName('object');
    if (GRIDFS_READERS.has(method ?? '') && this.isGridFs(object)) return { kind: 'raw', async: false, data: 'bytes' };
    if (method === 'get') return this.containerKind(object, depth + 1);
    if (method === 'file_uploader' && this.isStreamlit(fn)) {
      return multipleFiles(call) === false ? upload('streamlit') : undefined;
    }
    if (method === 'open' && this.imports.resolve(object) === 'django.core.files.storage.default_storage') return upload('django');
    return undefined;
  }

  /** `open(...)`-like calls: their file source, and whether they name a small config file literally. */
  openCall(call: Node): { source: FileSource; smallConfig: boolean } | undefined {
    const fn = call.childForFieldName('function');
    let spec: { kind: FileSourceKind; defaultMode: string } | undefined;
    if (fn?.type === 'identifier' && fn.text === 'open' && !this.imports.names.has('open')) spec = { kind: 'open', defaultMode: 'r' };
    else spec = OPENERS[this.imports.resolve(fn) ?? ''];
    const args = positionalArguments(call);
    if (!spec && TEMPORARY_FILES.has(this.imports.resolve(fn) ?? '')) {
      // A temporary file the code wrote (an export streamed to disk): what it reads back is as large as what it wrote.
      const modeArg = keywordArgument(call, 'mode') ?? args[0];
      const mode = modeArg ? stringValue(modeArg) : 'w+b';
      return { source: { kind: 'open', async: false, data: mode === undefined ? undefined : mode.includes('b') ? 'bytes' : 'text', temporary: true }, smallConfig: false };
    }
    if (!spec) return undefined;
    const pathArg = keywordArgument(call, 'file') ?? keywordArgument(call, 'filename') ?? args[0];
    const modeArg = keywordArgument(call, 'mode') ?? args[1];
    const mode = modeArg ? stringValue(modeArg) : spec.defaultMode;
    const data = mode === undefined ? undefined : mode.includes('b') ? 'bytes' : 'text';
    const smallConfig =
      (!namesDataFile(pathArg) && (isSmallConfigPath(pathArg) || opensSmallFileByName(call) || pathFromSmallFileEnv(pathArg, (id) => this.lookup(id), namesSmallFile))) ||
      (pathArg !== undefined && this.shipped?.(pathArg) === true);
    return { source: { kind: spec.kind, async: spec.kind === 'aiofiles', data }, smallConfig };
  }

  /** The file source of the elements of a collection (`request.FILES.getlist("f")`, `files: list[UploadFile]`). */
  elementSource(node: Node | null | undefined, depth = 0): FileSource | undefined {
    if (!node || depth > 4) return undefined;
    if (node.type === 'identifier') {
      const b = this.lookup(node);
      if (!b?.value) return undefined;
      if (b.kind === 'param') return /\bUploadFile\b/.test(b.value.text) && isListAnnotation(b.value) ? upload('starlette', true) : undefined;
      if (b.kind === 'assign' || b.kind === 'walrus') return this.elementSource(b.value, depth + 1);
      return undefined;
    }
    // `files or []`
    if (node.type === 'boolean_operator') return this.elementSource(node.childForFieldName('left'), depth + 1);
    if (node.type !== 'call') return undefined;
    const fn = node.childForFieldName('function');
    if (fn?.type === 'identifier' && this.imports.resolve(fn) === 'streamlit.file_uploader') return multipleFiles(node) === true ? upload('streamlit') : undefined;
    if (fn?.type !== 'attribute') return undefined;
    const method = fn.childForFieldName('attribute')?.text;
    if (method === 'getlist' || method === 'values') return this.containerKind(fn.childForFieldName('object'), depth + 1);
    if (method === 'file_uploader' && this.isStreamlit(fn) && multipleFiles(node) === true) return upload('streamlit');
    return undefined;
  }

  /** For `for name, f in request.FILES.items():`, the source of `f`. */
  private itemsValueSource(node: Node, depth: number): FileSource | undefined {
    if (node.type !== 'call') return undefined;
    const fn = node.childForFieldName('function');
    if (fn?.type !== 'attribute' || fn.childForFieldName('attribute')?.text !== 'items') return undefined;
    return this.containerKind(fn.childForFieldName('object'), depth + 1);
  }

  /** The kind of upload a mapping holds: `request.FILES` (Django), DRF `request.data`, `cleaned_data`, Flask `request.files`, Starlette `await request.form()`. */
  containerKind(node: Node | null | undefined, depth = 0): FileSource | undefined {
    if (!node || depth > 4) return undefined;
    if (node.type === 'attribute') {
      const attr = node.childForFieldName('attribute')?.text;
      const owner = node.childForFieldName('object');
      if (attr === 'FILES' || attr === 'cleaned_data' || attr === 'validated_data') return upload('django');
      if (attr === 'data' && isRequest(owner)) return upload('django');
      if (attr === 'files' && isRequest(owner)) return upload('flask');
      return undefined;
    }
    if (node.type === 'await') {
      const inner = node.namedChildren[0];
      if (inner?.type === 'call' && /^form$/.test(methodName(inner) ?? '') && isRequest(callObject(inner))) return upload('starlette', true);
      return undefined;
    }
    if (node.type === 'identifier') {
      const b = this.lookup(node);
      return b && (b.kind === 'assign' || b.kind === 'walrus' || b.kind === 'with') ? this.containerKind(b.value, depth + 1) : undefined;
    }
    return undefined;
  }

  /** `fs` bound to `gridfs.GridFS(db)` / `gridfs.GridFSBucket(db)` (also `GridFS(db)` from gridfs): MongoDB's file store. */
  private isGridFs(node: Node | null | undefined): boolean {
    const value = node?.type === 'identifier' ? this.lookup(node)?.value : node;
    return value?.type === 'call' && /^gridfs\.(GridFS|GridFSBucket)$/.test(this.imports.resolve(value.childForFieldName('function')) ?? '');
  }

  private isStreamlit(fn: Node): boolean {
    const q = this.imports.resolve(fn);
    return q !== undefined ? q.startsWith('streamlit.') : this.imports.importsModule('streamlit');
  }

  /**
   * A whole field of the request body: `request.data["image"]`, `request.POST.get("f")`, Flask `request.json["x"]` /
   * `request.form[...]` / `request.get_json()[...]`, a dict bound to one of those, `validated_data[...]`, or
   * `payload.field` of a FastAPI/Ninja endpoint's body model. String methods around it (`.split(",")[1]`) are looked through.
   */
  requestField(node: Node | null | undefined, depth = 0): boolean {
    if (!node || depth > 4) return false;
    if (SMALL_FIELD.test(fieldName(node) ?? '')) return false;
    switch (node.type) {
      case 'parenthesized_expression':
        return this.requestField(node.namedChildren[0], depth + 1);
      case 'identifier': {
        const b = this.lookup(node);
        return b?.kind === 'assign' || b?.kind === 'walrus' ? this.requestField(b.value, depth + 1) : false;
      }
      case 'subscript': {
        const object = node.childForFieldName('value');
        return this.isRequestBody(object, depth + 1) || this.isStringPart(object, depth + 1);
      }
      case 'call': {
        const fn = node.childForFieldName('function');
        if (fn?.type !== 'attribute') return false;
        const method = fn.childForFieldName('attribute')?.text ?? '';
        const object = fn.childForFieldName('object');
        if (method === 'get') return this.isRequestBody(object, depth + 1);
        if (STRING_METHODS.has(method)) return this.requestField(object, depth + 1);
        return false;
      }
      case 'attribute':
        return this.isBodyModelParameter(node.childForFieldName('object'));
      default:
        return false;
    }
  }

  /** `x.split(",")` as the object of `[1]`: the field is `x`. */
  private isStringPart(node: Node | null, depth: number): boolean {
    if (node?.type !== 'call') return false;
    const fn = node.childForFieldName('function');
    return fn?.type === 'attribute' && ['split', 'rsplit', 'partition', 'rpartition'].includes(fn.childForFieldName('attribute')?.text ?? '')
      ? this.requestField(fn.childForFieldName('object'), depth + 1)
      : false;
  }

  /** A mapping of request body fields. */
  private isRequestBody(node: Node | null | undefined, depth: number): boolean {
    if (!node || depth > 4) return false;
    switch (node.type) {
      case 'attribute': {
        const attr = node.childForFieldName('attribute')?.text ?? '';
        if (attr === 'cleaned_data' || attr === 'validated_data') return true;
        return ['data', 'POST', 'json', 'form', 'values'].includes(attr) && isRequest(node.childForFieldName('object'));
      }
      case 'call': {
        const method = methodName(node);
        if (method === 'get_json') return isRequest(callObject(node));
        // json.loads(request.body)
        if (this.imports.resolve(node.childForFieldName('function')) === 'json.loads') {
          const arg = positionalArguments(node)[0];
          return arg?.type === 'attribute' && arg.childForFieldName('attribute')?.text === 'body' && isRequest(arg.childForFieldName('object'));
        }
        return false;
      }
      case 'await': {
        const inner = node.namedChildren[0];
        return inner?.type === 'call' && ['json', 'form'].includes(methodName(inner) ?? '') && isRequest(callObject(inner));
      }
      case 'identifier': {
        const b = this.lookup(node);
        return b?.kind === 'assign' || b?.kind === 'walrus' ? this.isRequestBody(b.value, depth + 1) : false;
      }
      default:
        return false;
    }
  }

  /** `payload` in `@app.post(...) def create(payload: ImageIn)`: a request body model. */
  private isBodyModelParameter(node: Node | null): boolean {
    if (node?.type !== 'identifier') return false;
    const b = this.lookup(node);
    if (b?.kind !== 'param' || !b.value) return false;
    const annotation = b.value.text;
    if (!/^[A-Z]\w*$/.test(annotation) || NOT_BODY_MODELS.has(annotation)) return false;
    const defaultValue = b.name.parent?.childForFieldName('value');
    if (defaultValue && /^(Depends|Query|Path|Header|Cookie)\(/.test(defaultValue.text)) return false;
    const fn = scopeOf(b.name);
    return fn.type === 'function_definition' && fn.parent?.type === 'decorated_definition' && isRouteDecorated(fn.parent);
  }
}

/** Fields that hold short values (tokens, signatures, keys), not file contents: decoding them whole is fine. */
const SMALL_FIELD = /(^|_)(token|signature|sig|nonce|salt|iv|key|secret|hash|hmac|mac|id|code|otp|cursor|state|jwt)s?$/i;

/** A field that holds a short value by its name (`request.headers["X-Token"]`, `data.get("signature")`). */
export function namesSmallField(node: Node): boolean {
  return SMALL_FIELD.test(fieldName(node) ?? '');
}

/** The field a request-field expression names: `x["image"]`, `x.get("image")`, `payload.image`. */
function fieldName(node: Node): string | undefined {
  if (node.type === 'subscript') return stringValue(node.childForFieldName('subscript'));
  if (node.type === 'attribute') return node.childForFieldName('attribute')?.text;
  if (node.type === 'call' && methodName(node) === 'get') return stringValue(positionalArguments(node)[0]);
  return undefined;
}

const STRING_METHODS = new Set(['encode', 'strip', 'rstrip', 'lstrip', 'removeprefix', 'replace']);
const NOT_BODY_MODELS = new Set(['Request', 'HttpRequest', 'WebSocket', 'UploadFile', 'Response', 'BackgroundTasks', 'Session', 'AsyncSession', 'User']);

function isRouteDecorated(decorated: Node): boolean {
  return decorated.namedChildren.some((d) => d?.type === 'decorator' && /\.(get|post|put|patch|delete|api_route)\s*\(/.test(d.text));
}

/** `request`, `self.request`, `req`: the object a web framework hands a view. */
export function isRequest(node: Node | null | undefined): boolean {
  if (!node) return false;
  if (node.type === 'identifier') return node.text === 'request' || node.text === 'req';
  return node.type === 'attribute' && node.childForFieldName('attribute')?.text === 'request';
}

function methodName(call: Node): string | undefined {
  const fn = call.childForFieldName('function');
  return fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : undefined;
}

function callObject(call: Node): Node | null {
  const fn = call.childForFieldName('function');
  return fn?.type === 'attribute' ? fn.childForFieldName('object') : null;
}

/** `list[UploadFile]`, `List[UploadFile]`, `Annotated[list[UploadFile], File()]`. */
function isListAnnotation(annotation: Node): boolean {
  return /\b(list|List|Sequence|Iterable)\s*\[\s*UploadFile\b/.test(annotation.text);
}

/** `accept_multiple_files=` of `st.file_uploader`: true, false, or undefined when not a literal. */
function multipleFiles(call: Node): boolean | undefined {
  const value = keywordArgument(call, 'accept_multiple_files');
  if (!value || value.type === 'false' || value.type === 'none') return false;
  if (value.type === 'true' || value.type === 'string') return true;
  return undefined;
}

/**
 * True when a path expression names a small config/text file literally: its last component (a string, the
 * right side of `/`, the last argument of `os.path.join`/`Path(...)`) ends in .json/.toml/.yaml/.yml/.ini/.cfg/
 * .conf/.txt/.md/.rst/.env or contains "config"/"settings"; or it is a variable named like a config path
 * (`CONFIG_PATH`, `settings_file`).
 */
export function isSmallConfigPath(node: Node | null | undefined): boolean {
  const last = lastPathComponent(node);
  if (!last) return false;
  if (last.literal) {
    const base = last.text.split(/[\\/]/).pop() ?? '';
    if (DATA_FILE_EXTENSIONS.test(base)) return false;
    return SMALL_FILE_EXTENSIONS.test(base) || namesSmallFile(base.replace(/\.[^.]*$/, ''));
  }
  return namesSmallFile(last.text);
}

function lastPathComponent(node: Node | null | undefined, depth = 0): { text: string; literal: boolean } | undefined {
  if (!node || depth > 6) return undefined;
  switch (node.type) {
    case 'string': {
      const v = stringValue(node);
      if (v !== undefined) return { text: v, literal: true };
      // An f-string: the literal tail after the last interpolation (`f"{BASE}/config.json"`).
      const tail = node.namedChildren.filter((c) => c !== null && c.type !== 'string_end');
      const lastPart = tail[tail.length - 1];
      return lastPart?.type === 'string_content' ? { text: lastPart.text, literal: true } : undefined;
    }
    case 'concatenated_string':
      return lastPathComponent(node.namedChildren[node.namedChildren.length - 1], depth + 1);
    case 'binary_operator': {
      // `base / "x.json"`, and `name + ".txt"` (the extension is the tail of the concatenation)
      const op = node.childForFieldName('operator')?.text;
      return op === '/' || op === '+' ? lastPathComponent(node.childForFieldName('right'), depth + 1) : undefined;
    }
    case 'call': {
      const args = positionalArguments(node);
      return args.length ? lastPathComponent(args[args.length - 1], depth + 1) : undefined;
    }
    case 'identifier': {
      // `path = os.path.join(HERE, "expressions.sql")` once in the same function: the path it builds.
      const assigned = soleAssignment(node);
      return (assigned && lastPathComponent(assigned, depth + 1)) ?? { text: node.text, literal: false };
    }
    case 'attribute':
      return { text: node.childForFieldName('attribute')?.text ?? '', literal: false };
    case 'parenthesized_expression':
      return lastPathComponent(node.namedChildren[0], depth + 1);
    default:
      return undefined;
  }
}

/** The value of the one plain `name = value` statement of the function (or module) around `id`, before it. */
export function soleAssignment(id: Node): Node | undefined {
  let scope: Node | null = id.parent;
  while (scope && scope.type !== 'function_definition' && scope.type !== 'module') scope = scope.parent;
  const body = scope?.type === 'function_definition' ? scope.childForFieldName('body') : scope;
  if (!body) return undefined;
  let value: Node | undefined;
  let count = 0;
  for (const statement of body.namedChildren) {
    const assignment = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    if (assignment?.type !== 'assignment' && assignment?.type !== 'augmented_assignment') continue;
    if (assignment.childForFieldName('left')?.text !== id.text) continue;
    count++;
    if (assignment.type === 'assignment' && assignment.endIndex <= id.startIndex) value = assignment.childForFieldName('right') ?? undefined;
  }
  return count === 1 ? value : undefined;
}

/**
 * `with open(path) as key_file:` or an open inside `def _load_key(...)` / `def render_email_template(...)`: the
 * names say the file is a small one the app ships or is configured with.
 */
const CACHE_DECORATOR = /@\s*([\w.]+\.)?(lru_cache|cache|memoize|cached|cached_property)\b/;

function opensSmallFileByName(call: Node): boolean {
  const item = call.parent?.type === 'as_pattern' ? call.parent : undefined;
  const alias = item?.childForFieldName('alias')?.text;
  if (alias && namesSmallFile(alias)) return true;
  const fn = innermostFunction(call);
  if (!fn) return false;
  // A cached reader (`@cache.memoize()`, `@lru_cache`) reads each file once, not per request.
  const holder = fn.parent;
  const decorators = holder?.type === 'decorated_definition' ? holder.text.slice(0, fn.startIndex - holder.startIndex) : '';
  if (CACHE_DECORATOR.test(decorators)) return true;
  return namesSmallFile(fn.childForFieldName('name')?.text ?? '');
}

const functionsByTree = new WeakMap<Tree, Node[]>();

/**
 * The innermost `def` containing the node, found by position among the tree's functions (listed once per tree):
 * walking up costs the node's depth per call, quadratic over a 2,000-term `open(a).read() + ...` chain.
 */
function innermostFunction(node: Node): Node | undefined {
  let functions = functionsByTree.get(node.tree);
  if (!functions) functionsByTree.set(node.tree, (functions = captures(node.tree, '(function_definition) @f').map((c) => c.node)));
  let found: Node | undefined;
  for (const fn of functions) {
    if (fn.startIndex <= node.startIndex && node.endIndex <= fn.endIndex && (!found || fn.startIndex >= found.startIndex)) found = fn;
  }
  return found;
}

/** Test modules: reading fixtures whole in tests costs nothing in production. */
export function isTestFile(relPath: string): boolean {
  return /(^|\/)(tests?|testing)\//.test(relPath) || /(^|\/)(test_[^/]*|[^/]*_tests?|conftest)\.py$/.test(relPath);
}

/** An expression that can be evaluated again without side effects: a name, attribute chain or literal-keyed subscript. */
export function isStableExpression(node: Node | null | undefined): boolean {
  if (!node) return false;
  switch (node.type) {
    case 'identifier':
      return true;
    case 'attribute':
      return isStableExpression(node.childForFieldName('object'));
    case 'subscript': {
      const key = node.childForFieldName('subscript');
      return isStableExpression(node.childForFieldName('value')) && (key?.type === 'string' || key?.type === 'integer');
    }
    default:
      return false;
  }
}
