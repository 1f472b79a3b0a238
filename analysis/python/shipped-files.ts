/**
 * Shipped files: a path whose literal tail names a small file that exists in the project (`pd.read_csv(root +
 * 'templates/patients.csv')`, `open(os.path.join(BASE_DIR, "data", "codes.txt")).read()`, `Path(__file__).parent /
 * "stopwords.txt"`) reads a file the repository ships. Its size is known, it is not an upload, and it does not
 * grow: unless the project writes to it (a CSV kept as the app's database), which makes it data again.
 *
 * The literal tail is looked up beside the module, in each folder above it, and at the project's root (where the
 * process starts); a bare file name (`"points.txt"` joined to a folder argument) counts only when the path has no
 * other part, since a folder computed at run time may be anywhere.
 */
import type { Node } from 'web-tree-sitter';
import type { ProjectInfo } from '../../rules/api';
import { positionalArguments, stringValue } from './ast';
import { soleAssignment } from './uploads';
import { inBatchScanThread } from '../cache';
import { offlineCode } from '../reach';

/**
 * At most this size on disk: a DataFrame of it takes a few MB, a whole read of it is nothing. A 1 MB CSV a Streamlit
 * app re-reads on every rerun (5-10 MB as a DataFrame, per user) is still worth a finding.
 */
export const SHIPPED_FILE_MAX_BYTES = 256 * 1024;

/** Calls that build a path from their arguments in order. */
const JOINS = /^(os\.path\.join|path\.join|join|Path|pathlib\.Path|PurePath|PosixPath)$|\.joinpath$/;
/** Calls that take a path and give it back (as a path or a string): looked through. */
const WRAPPERS = /^(str|os\.fspath|os\.path\.abspath|os\.path\.realpath|os\.path\.normpath|os\.path\.expanduser)$|\.(resolve|absolute)$/;

/**
 * The literal parts at the end of a path expression (`['templates', 'patients.csv']`), and whether something
 * computed comes before them. Undefined when the last part is not literal.
 */
function literalTail(node: Node | null | undefined, depth = 0): { parts: string[]; computedBase: boolean } | undefined {
  if (!node || depth > 6) return undefined;
  switch (node.type) {
    case 'string': {
      const v = stringValue(node);
      if (v !== undefined) return { parts: split(v), computedBase: false };
      // An f-string: the literal text after the last interpolation (`f"{BASE}/data/codes.csv"`).
      const children = node.namedChildren.filter((c) => c !== null && c.type !== 'string_start' && c.type !== 'string_end');
      const last = children[children.length - 1];
      return last?.type === 'string_content' ? { parts: split(last.text), computedBase: children.length > 1 } : undefined;
    }
    case 'parenthesized_expression':
      return literalTail(node.namedChildren[0], depth + 1);
    case 'binary_operator': {
      const op = node.childForFieldName('operator')?.text;
      if (op !== '/' && op !== '+') return undefined;
      const right = literalTail(node.childForFieldName('right'), depth + 1);
      if (!right) return undefined;
      if (right.computedBase) return right;
      const left = literalTail(node.childForFieldName('left'), depth + 1);
      // `root + 'templates/x.csv'` concatenates: a left literal `'data'` + `'/x.csv'` is one path.
      if (!left) return { parts: right.parts, computedBase: true };
      return { parts: op === '+' ? split(left.parts.join('/') + right.parts.join('/')) : [...left.parts, ...right.parts], computedBase: left.computedBase };
    }
    case 'call': {
      const fn = node.childForFieldName('function')?.text ?? '';
      const args = positionalArguments(node);
      if (WRAPPERS.test(fn) && args.length === 1) return literalTail(args[0], depth + 1);
      if (!JOINS.test(fn) || args.length === 0) return undefined;
      const parts: string[] = [];
      for (let i = args.length - 1; i >= 0; i--) {
        const v = stringValue(args[i]);
        if (v === undefined) {
          const inner = literalTail(args[i], depth + 1);
          if (!inner) return parts.length ? { parts, computedBase: true } : undefined;
          return { parts: [...inner.parts, ...parts], computedBase: inner.computedBase };
        }
        parts.unshift(...split(v));
      }
      // `.joinpath("x.csv")` on a computed receiver.
      return { parts, computedBase: fn.endsWith('.joinpath') };
    }
    case 'identifier': {
      const assigned = soleAssignment(node);
      return assigned ? literalTail(assigned, depth + 1) : undefined;
    }
    default:
      return undefined;
  }
}

function split(path: string): string[] {
  return path.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
}

/** A path whose literal tail names a small file the project ships and never writes. */
export function shippedSmallFile(path: Node | null | undefined, project: ProjectInfo, moduleRelPath: string): boolean {
  if (listedPackageFile(path, project, moduleRelPath)) return true;
  const candidates = firstOfCandidates(path);
  if (candidates) {
    // The first candidate is read when it exists: it must be shipped and small; a later one must not be shipped large.
    return shipped(candidates[0], project, moduleRelPath) === 'small' && candidates.slice(1).every((c) => shipped(c, project, moduleRelPath) !== 'large');
  }
  return shipped(path, project, moduleRelPath) === 'small';
}

/** Whether a path names a file of the project: small and never written, large or written, or not found (or not literal). */
function shipped(path: Node | null | undefined, project: ProjectInfo, moduleRelPath: string): 'small' | 'large' | 'unknown' {
  const tail = literalTail(path);
  if (!tail || tail.parts.length === 0 || tail.parts.includes('..') || !project.fileSize) return 'unknown';
  // A bare name after a computed folder (`os.path.join(folder, "points.txt")`) may be in any folder.
  if (tail.computedBase && tail.parts.length === 1) return 'unknown';
  const rel = tail.parts.join('/');
  const dirs = folders(moduleRelPath);
  const found = dirs.map((d) => (d === '' ? rel : `${d}/${rel}`)).filter((f) => project.fileSize!(f) !== undefined);
  if (found.length === 0) return 'unknown';
  if (found.some((f) => project.fileSize!(f)! > SHIPPED_FILE_MAX_BYTES)) return 'large';
  return writtenByProject(project, tail.parts[tail.parts.length - 1]) ? 'large' : 'small';
}

/**
 * `for p in candidates: if os.path.isfile(p): with open(p) as f: return f.read()`, where `candidates` is a list or
 * tuple literal of paths (in the loop header or its one assignment) and the loop ends at the first file it reads
 * (a `return` or `break` in its body): the elements, in order, of which the first that exists is read.
 */
function firstOfCandidates(path: Node | null | undefined): Node[] | undefined {
  if (path?.type !== 'identifier') return undefined;
  for (let n: Node | null = path.parent; n && n.type !== 'function_definition' && n.type !== 'module'; n = n.parent) {
    if (n.type !== 'for_statement' || n.childForFieldName('left')?.text !== path.text) continue;
    const body = n.childForFieldName('body');
    if (!body || body.descendantsOfType(['return_statement', 'break_statement']).length === 0) return undefined;
    let list = n.childForFieldName('right') ?? undefined;
    if (list?.type === 'identifier') list = soleAssignment(list);
    if (list?.type !== 'list' && list?.type !== 'tuple') return undefined;
    const elements = list.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
    return elements.length > 0 ? elements : undefined;
  }
  return undefined;
}

/**
 * `os.path.join(models_dir, name)` inside `for name in os.listdir(models_dir):`, where the folder is a Python package
 * of the project (`website/models/` with its `__init__.py`): the loop reads the app's own source files.
 */
function listedPackageFile(path: Node | null | undefined, project: ProjectInfo, moduleRelPath: string): boolean {
  if (!path || !project.fileSize) return false;
  const join = path.type === 'identifier' ? onlyAssignmentInFunction(path) : path;
  if (join?.type !== 'call' || !/^(os\.path\.join|path\.join|join)$/.test(join.childForFieldName('function')?.text ?? '')) return false;
  const [dir, name, ...rest] = positionalArguments(join);
  if (!dir || name?.type !== 'identifier' || rest.length > 0) return false;
  let listed = false;
  for (let n: Node | null = path.parent; n && n.type !== 'function_definition' && n.type !== 'module'; n = n.parent) {
    if (n.type !== 'for_statement' || n.childForFieldName('left')?.text !== name.text) continue;
    const right = n.childForFieldName('right');
    const fn = right?.type === 'call' ? right.childForFieldName('function')?.text : undefined;
    listed = (fn === 'os.listdir' || fn === 'listdir') && positionalArguments(right!)[0]?.text === dir.text;
    break;
  }
  const tail = listed ? literalTail(dir) : undefined;
  if (!tail || tail.computedBase || tail.parts.length === 0 || tail.parts.includes('..')) return false;
  const folder = tail.parts.join('/');
  return folders(moduleRelPath).some((d) => project.fileSize!(`${d === '' ? '' : `${d}/`}${folder}/__init__.py`) !== undefined);
}

/** The value of the one `name = value` of the function around `id` (at any depth, a loop's body too), before it. */
function onlyAssignmentInFunction(id: Node): Node | undefined {
  let scope: Node | null = id.parent;
  while (scope && scope.type !== 'function_definition' && scope.type !== 'module') scope = scope.parent;
  if (!scope) return undefined;
  const assignments = scope.descendantsOfType(['assignment', 'augmented_assignment']).filter((a) => a?.childForFieldName('left')?.text === id.text);
  const only = assignments.length === 1 ? assignments[0] : undefined;
  return only?.type === 'assignment' && only.endIndex <= id.startIndex ? (only.childForFieldName('right') ?? undefined) : undefined;
}

/** The module's folder and each folder above it, up to the project's root (''). */
function folders(relPath: string): string[] {
  const parts = relPath.split('/').slice(0, -1);
  const out: string[] = [];
  for (let i = parts.length; i >= 0; i--) out.push(parts.slice(0, i).join('/'));
  return out;
}

/**
 * Ways a file gets written: pandas writers, opened for writing or appending (a mode string of mode letters, not a
 * folder name such as `"data"` joined into the path), copied or moved onto, saved.
 */
const WRITES = /\.to_(csv|excel|json|parquet|feather|pickle|sql)\(|\bopen\([^\n]*,\s*(mode\s*=\s*)?["'][rbtU]*[wax+][rwxabtU+]*["']|\.write_(text|bytes)\(|\bshutil\.(copy\w*|move)\(|\.save\(|\.dump\(|\.writer\(/;

/**
 * Some Python line of the project that a deploy may run writes the file: a write on a line naming it, or on a line
 * naming a variable assigned from an expression naming it (`DB = "users.csv"` ... `df.to_csv(DB)`). Writes in tests,
 * tools and scripts no deploy runs (analysis/reach.ts) change the file in the repository, not in the running app.
 */
function writtenByProject(project: ProjectInfo, name: string): boolean {
  // This reads every module of the project: a batch scan peeks (readFile would keep each text for the rest of the
  // scan), the editor reads through the workspace's text cache (peekFile would go to disk on every keystroke).
  const read = (inBatchScanThread() && project.peekFile ? project.peekFile : project.readFile).bind(project);
  for (const f of project.files()) {
    if (!f.endsWith('.py')) continue;
    const text = read(f);
    if (!text?.includes(name)) continue;
    const names = [name];
    for (const m of text.matchAll(/^[ \t]*([A-Za-z_]\w*)[ \t]*=[^\n]*$/gm)) if (m[0].includes(name)) names.push(m[1]);
    const writes = text.split('\n').some((line) => WRITES.test(line) && names.some((n) => (n === name ? line.includes(n) : new RegExp(`\\b${n}\\b`).test(line))));
    // A developer's tool, a test or a script no deploy runs may rewrite the file in the repository: not at run time.
    if (writes && offlineCode(f, project) === undefined) return true;
  }
  return false;
}
