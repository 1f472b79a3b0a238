/**
 * Where a temporary file's path goes inside its function: the proof temp-file-leak needs before calling a
 * "delete it in finally" fix safe. The path (and every value built from it: `tmp.name`, `d / "x"`, a dict
 * or an object holding it) is followed through the function; each use must be one known to finish with
 * the path before the function returns (`open(path)`, `subprocess.run([... path])`, `df.to_csv(path)`,
 * `tmp.write(...)`). A use handed to queued work (`task.delay(...)`, a Celery signature `.s(...)`, a thread)
 * means the file is still needed after the function returns; anything else unknown (an object built from
 * the path, a value stored on `self`, returned or captured by a closure) leaves the outcome unproven.
 */
import type { Node } from 'web-tree-sitter';
import { captures } from './ast';
import type { ImportMap } from './imports';

export type PathFlow =
  | { kind: 'local' }
  /** The path, or a value holding it, is handed to work that runs later (a task, a thread, a response). */
  | { kind: 'deferred'; call: Node }
  /** The path, or a value holding it, outlives the call: returned, yielded, stored on an object or in a caller's container. */
  | { kind: 'escapes'; use: Node }
  /** A use the analysis cannot prove finished before the function returns. */
  | { kind: 'unknown'; use: Node };

/** Calls that queue or start work reading their arguments after the caller returns. */
const DEFERRING = /(^|\.)(delay|apply_async|s|si|signature|send_task|submit|Thread|Process|Popen|add_task|enqueue|enqueue_call|create_task|run_in_executor|start_new_thread|chord|group|chain|FileResponse|send_file|send_from_directory|StreamingResponse)$/;

/** Calls that give a new path (or string) from the path: followed like the path itself. */
const DERIVING = new Set(['str', 'Path', 'pathlib.Path', 'os.fspath', 'os.fsencode', 'os.path.join', 'os.path.abspath', 'os.path.realpath', 'os.path.normpath', 'os.path.dirname', 'os.path.basename', 'os.path.relpath', 'os.path.expanduser']);

/** Calls that are done with the path when they return (an open file object stays readable after an unlink on POSIX). */
const FINISHING = new Set([
  'open', 'io.open', 'print', 'len', 'bool', 'os.path.exists', 'os.path.isfile', 'os.path.isdir', 'os.path.getsize', 'os.path.getmtime', 'os.path.splitext', 'os.path.split',
  'os.stat', 'os.lstat', 'os.chmod', 'os.chown', 'os.utime', 'os.truncate', 'os.open', 'os.listdir', 'os.scandir', 'os.walk', 'os.makedirs', 'os.mkdir',
  'subprocess.run', 'subprocess.call', 'subprocess.check_call', 'subprocess.check_output', 'subprocess.getoutput', 'subprocess.getstatusoutput',
  'shutil.copy', 'shutil.copy2', 'shutil.copyfile', 'shutil.copyfileobj', 'shutil.copytree', 'shutil.make_archive', 'shutil.unpack_archive', 'shutil.disk_usage',
  'zipfile.ZipFile', 'zipfile.is_zipfile', 'tarfile.open', 'gzip.open', 'bz2.open', 'lzma.open', 'json.load', 'json.dump', 'mimetypes.guess_type', 'magic.from_file',
  'urllib.request.urlretrieve', 'pandas.read_csv', 'pandas.read_excel', 'pandas.read_parquet', 'pandas.read_json', 'pandas.read_pickle', 'PIL.Image.open', 'filecmp.cmp',
  'hashlib.file_digest', 'glob.glob', 'glob.iglob', 'sqlite3.connect',
]);

/** Methods (of any object) that write, read or upload the path they are given and are done with it when they return. */
const FINISHING_METHODS = new Set([
  'save', 'to_csv', 'to_parquet', 'to_excel', 'to_json', 'to_pickle', 'to_feather', 'to_hdf', 'savefig', 'download_file', 'upload_file', 'extractall', 'extract',
  'write', 'writestr', 'add', 'read', 'load', 'debug', 'info', 'warning', 'warn', 'error', 'exception', 'critical', 'log',
]);

/** Methods of the path or the temp file object itself that finish with it. */
const OWN_METHODS = new Set([
  'write', 'writelines', 'flush', 'close', 'seek', 'tell', 'read', 'readline', 'readlines', 'fileno', 'truncate',
  'exists', 'is_file', 'is_dir', 'stat', 'write_bytes', 'write_text', 'read_bytes', 'read_text', 'mkdir', 'touch', 'chmod', 'open',
  'iterdir', 'glob', 'rglob', 'startswith', 'endswith', 'unlink', 'rmdir',
]);

/** Methods of the path that give another path or string: followed. */
const DERIVING_METHODS = new Set(['with_suffix', 'with_name', 'with_stem', 'joinpath', 'resolve', 'absolute', 'expanduser', 'as_posix', 'format', 'replace', 'encode', 'split', 'rsplit', 'strip']);

/** Expression nodes that pass their child's value on (a list holding the path holds the path). */
const PASSING = new Set([
  'parenthesized_expression', 'binary_operator', 'list', 'tuple', 'set', 'dictionary', 'pair', 'interpolation', 'string', 'concatenated_string',
  'conditional_expression', 'boolean_operator', 'list_splat', 'dictionary_splat', 'expression_list', 'subscript', 'await', 'format_expression', 'string_content',
]);

const MAX_NAMES = 40;

/** Methods that put their argument into the object they are called on (a list, set, dict or queue). */
const STORING_METHODS = new Set(['append', 'extend', 'insert', 'add', 'update', 'setdefault', 'put', 'put_nowait', 'appendleft']);

/**
 * Follows `names` (the path or file object and its path aliases) through `fn`. Values assigned from an
 * expression holding a followed value are followed too. A value returned by an unknown call given the path
 * (`doc = ConsumableDocument(original_file=path)`, `url = upload(path)`) may or may not hold it: handing it to
 * queued work still counts as deferred (paperless-ngx's mail import), returning it only as unknown.
 */
export function pathFlow(fn: Node, names: readonly string[], imports: ImportMap, depth = 0): PathFlow {
  const followed = new Set(names.filter((n) => !n.includes('.')));
  /** Followed names that hold a value an unknown call returned: they may not hold the path at all. */
  const maybe = new Set<string>();
  const queue = [...followed];
  let unknown: Node | undefined;
  let escapes: Node | undefined;
  const outer = outerNames(fn);
  while (queue.length) {
    const name = queue.shift()!;
    for (const { node } of captures(fn.tree, '(identifier) @id', fn)) {
      if (node.text !== name || isBindingOrLabel(node)) continue;
      const verdict = useOf(node, fn, imports, depth, maybe.has(name), (carrier, uncertain) => {
        if (!followed.has(carrier) && followed.size < MAX_NAMES) {
          followed.add(carrier);
          if (uncertain) maybe.add(carrier);
          queue.push(carrier);
        }
      });
      if (verdict.kind === 'deferred') return verdict;
      if (verdict.kind === 'escapes') escapes ??= verdict.use;
      if (verdict.kind === 'unknown') unknown ??= verdict.use;
      if (followed.size >= MAX_NAMES) return { kind: 'unknown', use: node };
    }
  }
  // A followed value put into a parameter (the caller's dict) or a global outlives the call too.
  const intoOuter = [...followed].find((n) => outer.has(n) && !maybe.has(n) && !names.includes(n));
  if (intoOuter) escapes ??= fn;
  if (escapes) return { kind: 'escapes', use: escapes };
  return unknown ? { kind: 'unknown', use: unknown } : { kind: 'local' };
}

/** Parameters of the function and names it declares global or nonlocal: containers that outlive the call. */
function outerNames(fn: Node): Set<string> {
  const out = new Set<string>();
  const params = fn.childForFieldName('parameters');
  if (params) {
    for (const p of params.namedChildren) {
      const id = p?.type === 'identifier' ? p : p?.namedChildren.find((c) => c?.type === 'identifier');
      if (id && id.text !== 'self' && id.text !== 'cls') out.add(id.text);
    }
  }
  for (const { node } of captures(fn.tree, '[(global_statement) (nonlocal_statement)] @g', fn)) {
    for (const c of node.namedChildren) if (c?.type === 'identifier') out.add(c.text);
  }
  return out;
}

/** An identifier that names rather than reads: an assignment target, a keyword, an attribute name, a parameter. */
function isBindingOrLabel(node: Node): boolean {
  const p = node.parent;
  if (!p) return true;
  if (p.type === 'keyword_argument' && p.childForFieldName('name')?.id === node.id) return true;
  if (p.type === 'attribute' && p.childForFieldName('attribute')?.id === node.id) return true;
  if (p.type === 'parameters' || p.type === 'default_parameter' || p.type === 'typed_parameter' || p.type === 'typed_default_parameter') return true;
  if (p.type === 'as_pattern_target' || p.type === 'as_pattern') return p.childForFieldName('alias')?.id === node.id || p.type === 'as_pattern_target';
  for (let t: Node | null = node; t?.parent; t = t.parent) {
    const parent: Node = t.parent;
    if ((parent.type === 'assignment' || parent.type === 'for_statement') && parent.childForFieldName('left')?.id === t.id) return true;
    if (parent.type === 'augmented_assignment' && parent.childForFieldName('left')?.id === t.id) return false;
    if (!['pattern_list', 'tuple_pattern', 'list_pattern'].includes(parent.type)) break;
  }
  return false;
}

/** Judges one read of a followed name by climbing from it to where its value ends up. */
function useOf(node: Node, fn: Node, imports: ImportMap, depth: number, uncertain: boolean, followName: (name: string, uncertain: boolean) => void): PathFlow {
  let unknown: Node | undefined;
  const verdict = (v: PathFlow): PathFlow => (v.kind === 'local' && unknown ? { kind: 'unknown', use: unknown } : v);
  const follow = (name: string) => followName(name, uncertain || unknown !== undefined);
  // Only a value known to hold the path escapes for sure; one from an unknown call is merely unproven.
  const escapes = (use: Node): PathFlow => (uncertain || unknown ? { kind: 'unknown', use } : { kind: 'escapes', use });
  // A closure may run after the function returns.
  for (let a = node.parent; a && a.id !== fn.id; a = a.parent) {
    if (a.type === 'function_definition' || a.type === 'lambda') return { kind: 'unknown', use: node };
  }
  let u = node;
  for (;;) {
    const p = u.parent;
    if (!p) return { kind: 'unknown', use: node };
    switch (p.type) {
      case 'attribute': {
        if (p.childForFieldName('object')?.id !== u.id) return { kind: 'unknown', use: node };
        const attr = p.childForFieldName('attribute')?.text ?? '';
        const call = p.parent?.type === 'call' && p.parent.childForFieldName('function')?.id === p.id ? p.parent : undefined;
        if (!call) {
          u = p; // `tmp.name`, `path.parent`, `p.suffix`: still about the path
          continue;
        }
        if (OWN_METHODS.has(attr)) return verdict({ kind: 'local' });
        if (attr === 'copy' || attr === 'items' || attr === 'values') {
          u = call;
          continue;
        }
        // An unknown method may keep the path, and what it returns may hold it: follow that too.
        if (!DERIVING_METHODS.has(attr)) unknown ??= call;
        u = call;
        continue;
      }
      case 'keyword_argument':
        if (p.childForFieldName('value')?.id !== u.id) return { kind: 'unknown', use: node };
        u = p;
        continue;
      case 'argument_list': {
        const call = p.parent;
        if (call?.type !== 'call') return { kind: 'unknown', use: node };
        const callee = call.childForFieldName('function');
        const qualified = imports.resolve(callee) ?? callee?.text ?? '';
        if (DEFERRING.test(qualified) || DEFERRING.test(callee?.text ?? '')) return { kind: 'deferred', call };
        if (DERIVING.has(qualified)) {
          u = call;
          continue;
        }
        if (FINISHING.has(qualified)) return verdict({ kind: 'local' });
        // `paths.append(path)`, `queue.put(path)`: the container now holds it; follow the container.
        const object = callee?.type === 'attribute' ? callee.childForFieldName('object') : undefined;
        if (object && STORING_METHODS.has(callee!.childForFieldName('attribute')?.text ?? '')) {
          if (object.type === 'identifier') {
            follow(object.text);
            return verdict({ kind: 'local' });
          }
          return escapes(call); // self.files.append(path)
        }
        if (callee?.type === 'attribute' && FINISHING_METHODS.has(callee.childForFieldName('attribute')?.text ?? '')) return verdict({ kind: 'local' });
        // A function of this module: judged by what its body does with the parameter (two calls deep at most).
        const helper = callee?.type === 'identifier' && depth < 2 ? helperFlow(call, u, callee.text, imports, depth) : undefined;
        if (helper?.kind === 'local') return verdict(helper);
        if (helper?.kind === 'deferred') return helper;
        // An unknown callee may keep the path (`ConsumableDocument(original_file=path)`), and its result may
        // hold it: follow the result too, so a later `consume_file.s(doc)` is seen as queued work.
        unknown ??= call;
        u = call;
        continue;
      }
      case 'assignment':
      case 'augmented_assignment': {
        if (p.childForFieldName('right')?.id !== u.id) return { kind: 'unknown', use: node };
        const left = p.childForFieldName('left');
        // `self.cert = path`: kept on an object. `config[key] = path`: the container holds it now.
        if (left?.type === 'attribute') return escapes(p);
        if (left?.type === 'subscript') {
          const base = left.childForFieldName('value');
          if (base?.type !== 'identifier') return escapes(p);
          follow(base.text);
          return verdict({ kind: 'local' });
        }
        const targets = left?.type === 'identifier' ? [left] : left && ['pattern_list', 'tuple_pattern'].includes(left.type) ? left.namedChildren : [];
        if (!left || targets.length === 0 || targets.some((t) => t?.type !== 'identifier')) return { kind: 'unknown', use: p };
        for (const t of targets) if (t) follow(t.text);
        return verdict({ kind: 'local' });
      }
      case 'for_statement': {
        if (p.childForFieldName('right')?.id !== u.id) return { kind: 'unknown', use: node };
        for (const { node: id } of captures(p.tree, '(identifier) @id', p.childForFieldName('left')!)) follow(id.text);
        return verdict({ kind: 'local' });
      }
      case 'comparison_operator':
      case 'not_operator':
      case 'expression_statement':
      case 'delete_statement':
      case 'assert_statement':
        return verdict({ kind: 'local' });
      case 'if_statement':
      case 'while_statement':
      case 'elif_clause':
        return p.childForFieldName('condition')?.id === u.id ? { kind: 'local' } : { kind: 'unknown', use: node };
      case 'return_statement':
      case 'yield':
        return escapes(p);
      default:
        if (PASSING.has(p.type)) {
          u = p;
          continue;
        }
        // return, yield, lambda, global, a call of the value itself...: not proven
        return { kind: 'unknown', use: p };
    }
  }
}

/** What a module-level function of this file does with the parameter that receives `arg` (a call argument). */
function helperFlow(call: Node, arg: Node, name: string, imports: ImportMap, depth: number): PathFlow | undefined {
  const def = moduleFunction(call, name);
  const params = def?.childForFieldName('parameters')?.namedChildren.filter((p): p is Node => p !== null && p.type !== 'comment') ?? [];
  if (!def || params.some((p) => p.type === 'list_splat_pattern' || p.type === 'dictionary_splat_pattern')) return undefined;
  const paramName = (p: Node) => (p.type === 'identifier' ? p.text : p.namedChildren.find((c) => c?.type === 'identifier')?.text);
  let param: string | undefined;
  if (arg.type === 'keyword_argument') {
    const keyword = arg.childForFieldName('name')?.text;
    param = params.map(paramName).find((n) => n === keyword);
  } else {
    const positional = (call.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => a && a.type !== 'keyword_argument' && a.type !== 'comment');
    const index = positional.findIndex((a) => a?.id === arg.id);
    param = index >= 0 && params[index] ? paramName(params[index]) : undefined;
  }
  return param ? pathFlow(def, [param], imports, depth + 1) : undefined;
}

/** A function defined at the top level of the module (decorated or not), when exactly one has that name. */
function moduleFunction(node: Node, name: string): Node | undefined {
  let root = node;
  while (root.parent) root = root.parent;
  const defs = root.namedChildren
    .map((c) => (c?.type === 'decorated_definition' ? c.childForFieldName('definition') : c))
    .filter((c): c is Node => c?.type === 'function_definition' && c.childForFieldName('name')?.text === name);
  return defs.length === 1 ? defs[0] : undefined;
}
