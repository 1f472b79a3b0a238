/**
 * Where a named helper is called from, in the same file: `this.indexRecipe(...)` for a method of the same class,
 * `loadAuthor(...)` for a function declared at the top level. For rules that follow a query into the loop that
 * calls its function once per row.
 */
import { ts } from 'ts-morph';
import { indexOf } from './ast';

const SK = ts.SyntaxKind;

/** The method or top-level function declaration directly around `node` (not an arrow or callback inside it). */
export function namedFunctionOf(node: ts.Node): ts.MethodDeclaration | ts.FunctionDeclaration | undefined {
  for (let p = node.parent; p; p = p.parent) {
    if (ts.isMethodDeclaration(p)) return ts.isIdentifier(p.name) && ts.isClassLike(p.parent) ? p : undefined;
    if (ts.isFunctionDeclaration(p)) return p.name && ts.isSourceFile(p.parent) ? p : undefined;
    if (p.kind === SK.ArrowFunction || p.kind === SK.FunctionExpression || p.kind === SK.Constructor || ts.isClassLike(p)) return undefined;
  }
  return undefined;
}

/** The calls of `fn` in its file: `this.name(...)` inside its own class, or `name(...)` for a top-level function. */
export function callsOfHelper(fn: ts.MethodDeclaration | ts.FunctionDeclaration): ts.CallExpression[] {
  const name = fn.name && ts.isIdentifier(fn.name) ? fn.name.text : undefined;
  if (!name) return [];
  const sf = fn.getSourceFile();
  const cls = ts.isMethodDeclaration(fn) ? fn.parent : undefined;
  // The file's call index (kept per class member and top-level statement across keystrokes), not a walk of the
  // whole tree per version: calls inside type annotations, which never run, are the only ones it leaves out.
  return indexOf(sf).calls.filter((call) => {
    const callee = call.expression;
    if (cls) {
      if (!ts.isPropertyAccessExpression(callee) || callee.expression.kind !== SK.ThisKeyword || callee.name.text !== name) return false;
      for (let p: ts.Node | undefined = call.parent; p; p = p.parent) if (ts.isClassLike(p)) return p === cls;
      return false;
    }
    return ts.isIdentifier(callee) && callee.text === name && !(call.pos >= fn.pos && call.end <= fn.end);
  });
}
