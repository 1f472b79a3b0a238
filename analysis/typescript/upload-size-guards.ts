/**
 * Size checks that cap an upload before it is read whole. A handler that refuses a file above a small constant
 * first (`if (file.size > MAX_SIZE) return NextResponse.json(..., { status: 413 })`, `throw new BadRequestException`,
 * `return res.status(400)...`, `continue` in a loop over files) and only then calls `await file.arrayBuffer()` or
 * reads `req.file.path` holds at most that constant: the read is bounded by the code itself.
 *
 * Only a check that runs before the read on every path proves it: an `if` of an earlier statement of an enclosing
 * block whose every branch up to the size test leaves, or an `if (file.size <= MAX)` the read sits inside. A check
 * after the read, in another branch, against a large limit (over SMALL_UPLOAD_CAP) or against a value the code does
 * not fix (`process.env.MAX_SIZE`) proves nothing.
 */
import { ts } from 'ts-morph';
import { declarationOf, isFunctionNode, numberValue, unwrap } from './ast';

/** Caps at or under this are small: the threshold large-request-body-limit reports above (10 MB). */
export const SMALL_UPLOAD_CAP = 10 * 1024 * 1024;

/** Properties that measure an upload: a Blob/File's or multer file's `.size`, a buffer's or string's `.length`. */
const SIZE_PROPERTIES = new Set(['size', 'length', 'byteLength']);

/** Whether `read` (a read of `file`, such as `file.arrayBuffer()`) runs only after `file` was checked against a small cap. */
export function sizeCheckedBefore(read: ts.Node, file: ts.Expression): boolean {
  const fileText = unwrap(file).getText();
  return guardedBefore(read, (c) => tooLarge(c, fileText), (c) => smallEnough(c, fileText));
}

/**
 * Whether `node` runs only past a guard in its function: an earlier `if` of an enclosing block whose every branch up
 * to one whose condition `refuses` leaves (return, throw, continue, break), or an `if` whose condition `admits` and
 * whose then-branch holds the node. Checks in other branches prove nothing.
 */
export function guardedBefore(node: ts.Node, refuses: (condition: ts.Expression) => boolean, admits: (condition: ts.Expression) => boolean): boolean {
  let child: ts.Node = node;
  for (let parent: ts.Node | undefined = node.parent; parent; child = parent, parent = parent.parent) {
    if (ts.isIfStatement(parent) && parent.thenStatement === child && admits(parent.expression)) return true;
    if (ts.isBlock(parent) || ts.isSourceFile(parent) || ts.isCaseClause(parent) || ts.isDefaultClause(parent)) {
      const statements = parent.statements;
      const at = statements.indexOf(child as ts.Statement);
      for (let i = 0; i < at; i++) if (leavesWhen(statements[i], refuses)) return true;
    }
    if (isFunctionNode(parent)) return false;
  }
  return false;
}

/** `if (!file) return ...; else if (file.size > MAX) throw ...`: every branch up to one that `refuses` leaves. */
function leavesWhen(statement: ts.Statement, refuses: (condition: ts.Expression) => boolean): boolean {
  for (let s: ts.Statement | undefined = statement; s && ts.isIfStatement(s); s = s.elseStatement) {
    if (!leaves(s.thenStatement)) return false;
    if (refuses(s.expression)) return true;
  }
  return false;
}

/** A branch that ends by leaving: `return`, `throw`, `continue`, `break` (last statement of a block). */
function leaves(statement: ts.Statement): boolean {
  if (ts.isReturnStatement(statement) || ts.isThrowStatement(statement) || ts.isContinueStatement(statement) || ts.isBreakStatement(statement)) return true;
  if (ts.isBlock(statement)) {
    const last = statement.statements[statement.statements.length - 1];
    return last !== undefined && leaves(last);
  }
  return false;
}

/** `file.size > MAX`, `MAX < file.size`, `!file || file.size >= MAX`: true only for sizes above a small cap. */
function tooLarge(condition: ts.Expression, fileText: string): boolean {
  const e = unwrap(condition);
  if (!ts.isBinaryExpression(e)) return false;
  const op = e.operatorToken.kind;
  if (op === ts.SyntaxKind.BarBarToken) return tooLarge(e.left, fileText) || tooLarge(e.right, fileText);
  if (op === ts.SyntaxKind.GreaterThanToken || op === ts.SyntaxKind.GreaterThanEqualsToken) return measures(e.left, fileText) && smallCap(e.right);
  if (op === ts.SyntaxKind.LessThanToken || op === ts.SyntaxKind.LessThanEqualsToken) return smallCap(e.left) && measures(e.right, fileText);
  return false;
}

/** `file.size <= MAX`, `MAX >= file.size`, `file && file.size < MAX`: the branch runs only for small sizes. */
function smallEnough(condition: ts.Expression, fileText: string): boolean {
  const e = unwrap(condition);
  if (!ts.isBinaryExpression(e)) return false;
  const op = e.operatorToken.kind;
  if (op === ts.SyntaxKind.AmpersandAmpersandToken) return smallEnough(e.left, fileText) || smallEnough(e.right, fileText);
  if (op === ts.SyntaxKind.LessThanToken || op === ts.SyntaxKind.LessThanEqualsToken) return measures(e.left, fileText) && smallCap(e.right);
  if (op === ts.SyntaxKind.GreaterThanToken || op === ts.SyntaxKind.GreaterThanEqualsToken) return smallCap(e.left) && measures(e.right, fileText);
  return false;
}

/** `file.size`, `req.file?.size`, `body.image.length` of the file read. */
function measures(expr: ts.Expression, fileText: string): boolean {
  const e = unwrap(expr);
  return ts.isPropertyAccessExpression(e) && SIZE_PROPERTIES.has(e.name.text) && unwrap(e.expression).getText().replace(/[?!]/g, '') === fileText.replace(/[?!]/g, '');
}

function smallCap(expr: ts.Expression): boolean {
  const value = constantValue(expr, 0);
  return value !== undefined && value > 0 && value <= SMALL_UPLOAD_CAP;
}

/** A number the code fixes: literals and arithmetic (`5 * 1024 * 1024`), `const` names and `const` object fields of them. */
function constantValue(expr: ts.Expression, depth: number): number | undefined {
  if (depth > 4) return undefined;
  const e = unwrap(expr);
  const direct = numberValue(e);
  if (direct !== undefined) return direct;
  if (ts.isIdentifier(e)) return constInitializer(e, depth);
  if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression)) {
    const decl = declarationOf(e.expression);
    const init = decl && ts.isVariableDeclaration(decl) && isConst(decl) && decl.initializer ? unwrap(decl.initializer) : undefined;
    if (!init || !ts.isObjectLiteralExpression(init)) return undefined;
    const prop = init.properties.find((p) => ts.isPropertyAssignment(p) && p.name.getText() === e.name.text);
    return prop && ts.isPropertyAssignment(prop) ? constantValue(prop.initializer, depth + 1) : undefined;
  }
  if (ts.isBinaryExpression(e)) {
    const l = constantValue(e.left, depth + 1);
    const r = constantValue(e.right, depth + 1);
    if (l === undefined || r === undefined) return undefined;
    if (e.operatorToken.kind === ts.SyntaxKind.AsteriskToken) return l * r;
    if (e.operatorToken.kind === ts.SyntaxKind.PlusToken) return l + r;
  }
  return undefined;
}

function constInitializer(id: ts.Identifier, depth: number): number | undefined {
  const decl = declarationOf(id);
  if (!decl || !ts.isVariableDeclaration(decl) || !isConst(decl) || !decl.initializer) return undefined;
  return constantValue(decl.initializer, depth + 1);
}

function isConst(decl: ts.VariableDeclaration): boolean {
  const list = decl.parent;
  return ts.isVariableDeclarationList(list) && (list.flags & ts.NodeFlags.Const) !== 0;
}
