/**
 * whole-file-read (TypeScript/JavaScript): a JSON file used as the app's database. A request handler reads
 * `messages.json` whole and parses it, and a request handler of the same module writes it back as
 * `JSON.stringify(list)` after adding to the list (`list.push(x)`, `list.unshift(x)`, `[...list, x]`,
 * `list.concat(x)`), also through helpers of the module (`saveMessages(messages)`). Every request then reads, parses
 * and (on writes) serialises a file that grows with each one, never trimmed.
 */
import { ts } from 'ts-morph';
import type { RuleContext } from '../api';
import { chainRoot, declarationOf, enclosingFunction, isFunctionNode, stringValue, unwrap, unwrapAwait, type FunctionNode } from '../../analysis/typescript/ast';
import { inRequestHandler } from '../../analysis/typescript/handlers';
import { resolveImport } from '../../analysis/typescript/imports';
import { callsOfHelper } from '../../analysis/typescript/helper-calls';

const READERS = new Set(['fs.readFileSync', 'fs.promises.readFile', 'fs.readFile', 'fs-extra.readFileSync', 'fs-extra.readFile', 'fs-extra.readJson', 'fs-extra.readJsonSync', 'fs/promises.readFile']);
const WRITERS = new Set(['fs.writeFileSync', 'fs.promises.writeFile', 'fs.writeFile', 'fs-extra.writeFileSync', 'fs-extra.writeFile', 'fs/promises.writeFile']);
const JSON_WRITERS = new Set(['fs-extra.writeJson', 'fs-extra.writeJsonSync', 'fs-extra.outputJson', 'fs-extra.outputJsonSync']);
const GROWING_METHODS = new Set(['push', 'unshift', 'concat']);

export interface JsonStoreRead {
  call: ts.CallExpression;
  /** The file as written in the read: `'messages.json'`, `DB_FILE`. */
  file: string;
}

/** The reads, in request handlers, of JSON files the module's request handlers grow. */
export function jsonStoreReads(ctx: RuleContext, calls: readonly ts.CallExpression[]): JsonStoreRead[] {
  const grown = new Set<string>();
  const reads: { call: ts.CallExpression; key: string }[] = [];
  for (const call of calls) {
    const qualified = (/(write|read|output)(File|Json)/.test(call.expression.getText()) && resolveImport(call.expression)) || undefined;
    if (!qualified || !call.arguments[0]) continue;
    const key = fileKey(call.arguments[0]);
    if (!key || !/\.json$/i.test(key)) continue;
    if (READERS.has(qualified)) {
      if (inRequestHandler(call, ctx.file.relPath)) reads.push({ call, key });
    } else if (WRITERS.has(qualified) || JSON_WRITERS.has(qualified)) {
      const data = call.arguments[1] && unwrap(call.arguments[1]);
      const list = data && (JSON_WRITERS.has(qualified) ? data : stringified(data));
      if (list && inRequestHandler(call, ctx.file.relPath) && grownBeforeWrite(list, call, calls)) grown.add(key);
    }
  }
  // The path as written when short (`'messages.json'`, `DB_FILE`), else the file it names (`database.json`).
  const shown = (r: { call: ts.CallExpression; key: string }) => {
    const text = r.call.arguments[0].getText();
    return text.length <= 24 ? text : r.key;
  };
  return reads.filter((r) => grown.has(r.key)).map((r) => ({ call: r.call, file: shown(r) }));
}

/**
 * What names the file, the same at every read and write: a string literal's value (`'messages.json'`,
 * `'./data/db.json'` and `'data/db.json'` alike), a constant's value, or `path.join(__dirname, 'db.json')` as the
 * file name it ends in.
 */
function fileKey(arg: ts.Expression, depth = 0): string | undefined {
  const e = unwrap(arg);
  const literal = stringValue(e);
  if (literal !== undefined) return literal.replace(/^\.\//, '');
  if (ts.isIdentifier(e) && depth < 3) {
    const decl = declarationOf(e);
    if (decl && ts.isVariableDeclaration(decl) && decl.initializer && ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const) return fileKey(decl.initializer, depth + 1);
    return undefined;
  }
  if (ts.isCallExpression(e) && /^path\.(join|resolve)$/.test(resolveImport(e.expression) ?? '') && e.arguments.length > 0) {
    const last = stringValue(unwrap(e.arguments[e.arguments.length - 1]));
    return last === undefined ? undefined : last.replace(/^.*\//, '');
  }
  return undefined;
}

/** The value `JSON.stringify(value, ...)` writes. */
function stringified(data: ts.Expression): ts.Expression | undefined {
  const e = unwrapAwait(data);
  if (!ts.isCallExpression(e) || e.expression.getText() !== 'JSON.stringify' || !e.arguments[0]) return undefined;
  return unwrap(e.arguments[0]);
}

/**
 * The list written was added to in the function that writes it, or, when it is a parameter of a helper
 * (`saveMessages(messages)`), in a function of the module calling the helper with it.
 */
function grownBeforeWrite(list: ts.Expression, write: ts.CallExpression, calls: readonly ts.CallExpression[]): boolean {
  if (!ts.isIdentifier(list)) return isAppended(list);
  const fn = enclosingFunction(write);
  if (!fn) return false;
  if (grownIn(fn, list.text)) return true;
  const decl = declarationOf(list);
  if (!decl || !ts.isParameter(decl) || decl.parent !== fn || !ts.isIdentifier(decl.name)) return false;
  const index = fn.parameters.indexOf(decl);
  return helperCalls(fn, calls).some((call) => {
    const arg = call.arguments[index] && unwrap(call.arguments[index]);
    if (!arg) return false;
    if (!ts.isIdentifier(arg)) return isAppended(arg);
    const caller = enclosingFunction(call);
    return caller !== undefined && grownIn(caller, arg.text);
  });
}

/** The module's calls of a helper: a function declaration or method (`save(list)`), or `const save = (list) => ...`. */
function helperCalls(fn: FunctionNode, calls: readonly ts.CallExpression[]): ts.CallExpression[] {
  if (ts.isMethodDeclaration(fn) || ts.isFunctionDeclaration(fn)) return callsOfHelper(fn);
  const holder = fn.parent;
  if (!(ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) || !ts.isVariableDeclaration(holder) || !ts.isIdentifier(holder.name)) return [];
  const name = holder.name.text;
  return calls.filter((c) => ts.isIdentifier(c.expression) && c.expression.text === name && !(c.pos >= fn.pos && c.end <= fn.end));
}

/** `[...list, item]` or `list.concat(item)` written in place. */
function isAppended(e: ts.Expression): boolean {
  if (ts.isArrayLiteralExpression(e)) return e.elements.some((el) => ts.isSpreadElement(el)) && e.elements.some((el) => !ts.isSpreadElement(el));
  return ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && e.expression.name.text === 'concat';
}

/** `name.push(x)` / `name.a.b.push(x)` / `name.unshift(x)` / `name = name.concat(x)` / `name = [...name, x]` inside `fn`. */
function grownIn(fn: FunctionNode, name: string): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && GROWING_METHODS.has(n.expression.name.text)) {
      // `list.push(x)`, or a list inside the stored object: `db.users.push(user)`.
      const target = chainRoot(n.expression.expression);
      if (ts.isIdentifier(target) && target.text === name) found = true;
    } else if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(n.left) && n.left.text === name && isAppended(unwrap(n.right))) {
      found = true;
    }
    if (!found && !(isFunctionNode(n) && n !== fn && !ts.isArrowFunction(n) && !ts.isFunctionExpression(n))) ts.forEachChild(n, visit);
  };
  visit(fn);
  return found;
}
