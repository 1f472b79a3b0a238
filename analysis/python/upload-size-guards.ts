/**
 * Size checks that cap an upload before it is read whole (the Python side of analysis/typescript/upload-size-guards.ts).
 * A view that refuses a file above a small constant first (`if file.size > MAX_SIZE: raise HTTPException(413)`,
 * Django's `if upload.size > 5 * 1024 * 1024: return JsonResponse(..., status=400)`, `continue` in a loop over
 * `request.FILES.getlist(...)`) and only then calls `file.read()` holds at most that constant. FastAPI/Starlette's
 * `UploadFile.size`, Django's `UploadedFile.size` and Streamlit's `UploadedFile.size` are the upload's byte count;
 * Django's `if upload.multiple_chunks(): return ...` refuses anything larger than one upload chunk (64 KB).
 *
 * Only a check that runs before the read on every path proves it: an `if` among the earlier statements of an
 * enclosing block whose every branch up to the size test leaves, or an `if file.size <= MAX:` the read sits inside.
 * A check after the read (`if len(data) > MAX`), in another branch, against a large limit (over SMALL_BODY_CAP) or
 * against a value the code does not fix (`settings.MAX_UPLOAD`, `os.environ[...]`) proves nothing.
 */
import type { Node } from 'web-tree-sitter';
import { intValue, parents } from './ast';
import { SMALL_BODY_CAP } from './upload-caps';

/** Told when a module-level constant is read: the answer then depends on more than the statement. */
interface Looked {
  outside: () => void;
}

const LEAVING = new Set(['return_statement', 'raise_statement', 'continue_statement', 'break_statement']);
/** Calls that never return: Flask/Werkzeug's `abort(...)`, Streamlit's `st.stop()`, `sys.exit()`. */
const RAISING_CALL = /^((flask|werkzeug\.exceptions)\.)?abort$|^(st|streamlit)\.stop$|^sys\.exit$/;

/** Whether `read` (a read of `upload`, such as `await file.read()`) runs only after `upload` was checked against a small cap. */
export function sizeCheckedBefore(read: Node, upload: Node, lookedOutside: () => void = () => undefined): boolean {
  const looked = { outside: lookedOutside };
  return guardedBefore(
    read,
    (condition) => tooLarge(condition, upload.text, looked),
    (condition) => smallEnough(condition, upload.text, looked),
  );
}

/**
 * Whether `node` runs only past a guard in its function: an earlier `if` of an enclosing block whose every branch
 * up to one whose condition `refuses` leaves (returns, raises, continues, breaks), or an `if` whose condition
 * `admits` and whose body holds the node. Branches elsewhere prove nothing.
 */
export function guardedBefore(node: Node, refuses: (condition: Node | null) => boolean, admits: (condition: Node | null) => boolean): boolean {
  let child = node;
  for (const parent of parents(node)) {
    if (parent.type === 'if_statement' && parent.childForFieldName('consequence')?.id === child.id && admits(parent.childForFieldName('condition'))) return true;
    if (parent.type === 'block' || parent.type === 'module') {
      for (const statement of parent.namedChildren) {
        if (!statement || statement.startIndex >= child.startIndex) break;
        if (statement.type === 'if_statement' && leavesWhen(statement, refuses)) return true;
      }
    }
    if (parent.type === 'function_definition' || parent.type === 'lambda') return false;
    child = parent;
  }
  return false;
}

/** `if not f: return ...` / `elif f.size > MAX: raise ...`: every branch up to one that `refuses` leaves. */
function leavesWhen(statement: Node, refuses: (condition: Node | null) => boolean): boolean {
  const branches = [statement, ...statement.namedChildren.filter((c) => c?.type === 'elif_clause')] as Node[];
  for (const branch of branches) {
    if (!leaves(branch.childForFieldName('consequence'))) return false;
    if (refuses(branch.childForFieldName('condition'))) return true;
  }
  return false;
}

/** A block whose last statement returns, raises, continues or breaks, or calls Flask's `abort(403)` or Streamlit's `st.stop()` (both raise). */
function leaves(block: Node | null): boolean {
  const statements = block?.namedChildren.filter((c) => c !== null && c.type !== 'comment') ?? [];
  const last = statements[statements.length - 1];
  if (!last) return false;
  if (LEAVING.has(last.type)) return true;
  const call = last.type === 'expression_statement' ? last.namedChildren[0] : undefined;
  const fn = call?.type === 'call' ? call.childForFieldName('function') : undefined;
  return fn !== undefined && fn !== null && RAISING_CALL.test(fn.text);
}

/** `f.size > MAX`, `MAX < f.size`, `f.size is None or f.size >= MAX`: true only for sizes above a small cap. */
function tooLarge(condition: Node | null, uploadText: string, looked: Looked): boolean {
  const e = bare(condition);
  if (!e) return false;
  if (e.type === 'boolean_operator' && e.childForFieldName('operator')?.text === 'or') return tooLarge(e.childForFieldName('left'), uploadText, looked) || tooLarge(e.childForFieldName('right'), uploadText, looked);
  if (splitIntoChunks(e, uploadText, looked)) return true;
  if (e.type !== 'comparison_operator' || e.namedChildren.length !== 2) return false;
  const [left, right] = e.namedChildren as Node[];
  const op = e.child(1)?.text;
  if (op === '>' || op === '>=') return measures(left, uploadText) && smallCap(right, looked);
  if (op === '<' || op === '<=') return smallCap(left, looked) && measures(right, uploadText);
  return false;
}

/** `f.size <= MAX`, `f and f.size < MAX`, `0 < f.size <= MAX`: the branch runs only for small sizes. */
function smallEnough(condition: Node | null, uploadText: string, looked: Looked): boolean {
  const e = bare(condition);
  if (!e) return false;
  if (e.type === 'boolean_operator' && e.childForFieldName('operator')?.text === 'and') return smallEnough(e.childForFieldName('left'), uploadText, looked) || smallEnough(e.childForFieldName('right'), uploadText, looked);
  if (e.type === 'not_operator' && splitIntoChunks(bare(e.childForFieldName('argument')), uploadText, looked)) return true;
  if (e.type !== 'comparison_operator') return false;
  const operands = e.namedChildren as Node[];
  const operators = e.children.filter((c) => c !== null && !c.isNamed).map((c) => c!.text);
  for (let i = 0; i + 1 < operands.length; i++) {
    const op = operators[i];
    if ((op === '<' || op === '<=') && measures(operands[i], uploadText) && smallCap(operands[i + 1], looked)) return true;
    if ((op === '>' || op === '>=') && smallCap(operands[i], looked) && measures(operands[i + 1], uploadText)) return true;
  }
  return false;
}

/**
 * Django's `f.multiple_chunks()`: true when the upload is larger than one chunk (64 KB, or a small constant passed as
 * `chunk_size`), so a view that refuses it reads at most one chunk.
 */
function splitIntoChunks(e: Node | null, uploadText: string, looked: Looked): boolean {
  const fn = e?.type === 'call' ? e.childForFieldName('function') : undefined;
  if (fn?.type !== 'attribute' || fn.childForFieldName('attribute')?.text !== 'multiple_chunks' || fn.childForFieldName('object')?.text !== uploadText) return false;
  const args = (e!.childForFieldName('arguments')?.namedChildren ?? []).filter((a): a is Node => a !== null);
  if (args.length === 0) return true;
  const size = args.length === 1 ? (args[0].type === 'keyword_argument' ? args[0].childForFieldName('value') : args[0]) : null;
  return !!size && smallCap(size, looked);
}

/** The expression inside any parentheses. */
export function bare(node: Node | null): Node | null {
  let e = node;
  while (e?.type === 'parenthesized_expression') e = e.namedChildren[0];
  return e;
}

/** `f.size` of the upload read. */
function measures(node: Node, uploadText: string): boolean {
  return node.type === 'attribute' && node.childForFieldName('attribute')?.text === 'size' && node.childForFieldName('object')?.text === uploadText;
}

function smallCap(node: Node, looked: Looked): boolean {
  const value = constantValue(node, 0, looked);
  return value !== undefined && value > 0 && value <= SMALL_BODY_CAP;
}

/** A number the code fixes: a literal, arithmetic of literals, or a module-level name assigned one once. */
function constantValue(node: Node, depth: number, looked: Looked): number | undefined {
  if (depth > 3) return undefined;
  const direct = intValue(node);
  if (direct !== undefined) return direct;
  if (node.type === 'binary_operator') {
    const left = constantValue(node.childForFieldName('left')!, depth + 1, looked);
    const right = constantValue(node.childForFieldName('right')!, depth + 1, looked);
    if (left === undefined || right === undefined) return undefined;
    const op = node.childForFieldName('operator')?.text;
    return op === '*' ? left * right : op === '+' ? left + right : undefined;
  }
  if (node.type !== 'identifier') return undefined;
  looked.outside(); // a module constant: another top-level statement decides the answer
  let value: number | undefined;
  let assignments = 0;
  for (const statement of node.tree.rootNode.namedChildren) {
    const assignment = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    if (assignment?.type !== 'assignment' || assignment.childForFieldName('left')?.text !== node.text) continue;
    assignments++;
    const right = assignment.childForFieldName('right');
    value = right ? constantValue(right, depth + 1, looked) : undefined;
  }
  return assignments === 1 ? value : undefined;
}

