/**
 * A query's options passed as a variable whose row bound is set only on some paths:
 *
 *   const query = {};
 *   if (pagination.page) { query['skip'] = ...; query['limit'] = 20; }
 *   return Model.find(filter, null, query);
 *
 * A request without `page` (or with page 0) loads every row. The analysis stays silent (returns undefined)
 * whenever the variable could carry the bound some other way: it is not a plain object literal declared in the
 * same function, it is reassigned, spread, handed to another function, or the bound is written on every path.
 *
 * The options may also be a literal that gets the bound only when the client sends one: `{ ...(limit && { take:
 * limit }) }`, `{ ...(limit ? { take: limit } : {}) }`, `{ ...paging }` of such a variable, or `take: limit ??
 * undefined` (`|| undefined`, `limit ? limit : undefined`).
 */
import { ts } from 'ts-morph';
import { declarationOf, enclosingFunction, objectProperty, unwrap } from './ast';

export interface OptionalBound {
  /** The condition that guards every write of the bound, as written (`pagination.page && pagination.page >= 0`). */
  condition: string;
  /** The guarded write of the bound, for the related information. */
  write: ts.Node;
}

/**
 * For an options argument that is an identifier: the condition under which its bound (one of `keys`) is set, when
 * every write of it is guarded by one `if` without an `else` that also writes it.
 */
export function optionalBound(argument: ts.Expression | undefined, keys: readonly string[]): OptionalBound | undefined {
  if (!argument) return undefined;
  const id = unwrap(argument);
  if (ts.isObjectLiteralExpression(id)) return optionalInLiteral(id, keys);
  if (!ts.isIdentifier(id)) return undefined;
  const declaration = declarationOf(id);
  if (!declaration || !ts.isVariableDeclaration(declaration) || !ts.isIdentifier(declaration.name)) return undefined;
  const literal = declaration.initializer && unwrap(declaration.initializer);
  if (!literal || !ts.isObjectLiteralExpression(literal)) return undefined;
  if (literal.properties.some((p) => ts.isSpreadAssignment(p)) || keys.some((k) => objectProperty(literal, k))) return undefined;
  const scope: ts.Node = enclosingFunction(declaration) ?? declaration.getSourceFile();

  const writes: ts.Node[] = [];
  let escapes = false;
  const visit = (node: ts.Node): void => {
    if (escapes) return;
    if (ts.isIdentifier(node) && node.text === id.text && node !== declaration.name && declarationOf(node) === declaration) {
      const use = classifyUse(node, keys, argument);
      if (use === 'escape') escapes = true;
      else if (use === 'bound-write') writes.push(node);
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(scope);
  if (escapes || writes.length === 0) return undefined;

  const guards = writes.map((w) => guardOf(w, scope));
  const first = guards[0];
  if (!first || guards.some((g) => g !== first)) return undefined; // unguarded, or guarded differently: not judged
  if (first.elseStatement && writesIn(first.elseStatement, writes)) return undefined; // bounded on both branches
  return { condition: first.expression.getText(), write: writes[0]! };
}

type Use = 'bound-write' | 'other-write' | 'read' | 'escape';

/**
 * How the code uses the options variable: `query.limit = n` / `query['limit'] = n` writes the bound; writes of
 * other keys and the ORM call itself are harmless; so is `query = { skip, limit }` (a write of the bound when the new
 * literal holds it); anything else (passed to a function, reassigned, spread,
 * `Object.assign(query, ...)`) could set the bound where this analysis cannot see it.
 */
function classifyUse(node: ts.Identifier, keys: readonly string[], argument: ts.Expression): Use {
  if (node === unwrap(argument)) return 'read';
  const parent = node.parent;
  // `query = { skip, limit }`: a whole new options object.
  if (ts.isBinaryExpression(parent) && parent.left === node && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
    const value = unwrap(parent.right);
    if (!ts.isObjectLiteralExpression(value) || value.properties.some((p) => ts.isSpreadAssignment(p))) return 'escape';
    return keys.some((k) => objectProperty(value, k)) ? 'bound-write' : 'other-write';
  }
  if ((ts.isPropertyAccessExpression(parent) || ts.isElementAccessExpression(parent)) && parent.expression === node) {
    const key = ts.isPropertyAccessExpression(parent) ? parent.name.text : literalKey(parent.argumentExpression);
    const assignment = parent.parent;
    const written = ts.isBinaryExpression(assignment) && assignment.left === parent && assignment.operatorToken.kind === ts.SyntaxKind.EqualsToken;
    if (!written) return 'read';
    if (key === undefined) return 'escape'; // `query[name] = v`: any key
    return keys.includes(key) ? 'bound-write' : 'other-write';
  }
  return 'escape';
}

function literalKey(e: ts.Expression): string | undefined {
  return ts.isStringLiteralLike(e) ? e.text : undefined;
}

/** The nearest `if` between a write and the function body, when the write is in its then-branch or else-branch. */
function guardOf(write: ts.Node, scope: ts.Node): ts.IfStatement | undefined {
  for (let n: ts.Node = write; n.parent && n !== scope; n = n.parent) {
    const p = n.parent;
    if (ts.isIfStatement(p) && p.expression !== n) return p;
    // Other conditional paths (`a && (q.limit = 1)`, ternaries, switch cases, loops) are not judged.
    if (ts.isConditionalExpression(p) || ts.isCaseClause(p) || ts.isDefaultClause(p) || ts.isIterationStatement(p, false)) return undefined;
    if (ts.isBinaryExpression(p) && p.right === n && isShortCircuit(p.operatorToken.kind)) return undefined;
  }
  return undefined;
}

function isShortCircuit(kind: ts.SyntaxKind): boolean {
  return kind === ts.SyntaxKind.AmpersandAmpersandToken || kind === ts.SyntaxKind.BarBarToken || kind === ts.SyntaxKind.QuestionQuestionToken;
}

function writesIn(branch: ts.Node, writes: readonly ts.Node[]): boolean {
  return writes.some((w) => w.pos >= branch.pos && w.end <= branch.end);
}

/** An options literal whose bound is present only under a condition (see the header); undefined when unsure. */
function optionalInLiteral(literal: ts.ObjectLiteralExpression, keys: readonly string[]): OptionalBound | undefined {
  let found: OptionalBound | undefined;
  for (const p of literal.properties) {
    if (ts.isSpreadAssignment(p)) {
      const spread = optionalSpread(p.expression, keys);
      if (spread === 'unknown') return undefined; // `...args`: the bound may be inside
      found ??= spread;
      continue;
    }
    const key = p.name && (ts.isIdentifier(p.name) || ts.isStringLiteralLike(p.name)) ? p.name.text : undefined;
    if (key === undefined || !keys.includes(key)) continue;
    const value = ts.isPropertyAssignment(p) ? unwrap(p.initializer) : undefined;
    const condition = value && undefinedUnless(value);
    if (condition === undefined) return undefined; // a bound on every path
    found ??= { condition, write: p };
  }
  return found;
}

/** `...(c && { take })`, `...(c ? { take } : {})`, `...paging` (a variable bound only under an `if`), or a spread without the bound. */
function optionalSpread(e: ts.Expression, keys: readonly string[]): OptionalBound | undefined | 'unknown' {
  const u = unwrap(e);
  const holds = (x: ts.Expression): boolean => {
    const o = unwrap(x);
    return ts.isObjectLiteralExpression(o) && keys.some((k) => objectProperty(o, k) !== undefined);
  };
  const empty = (x: ts.Expression): boolean => {
    const o = unwrap(x);
    return (ts.isObjectLiteralExpression(o) && o.properties.length === 0) || isUndefinedOrNull(o);
  };
  if (ts.isBinaryExpression(u) && u.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken && holds(u.right)) {
    return { condition: u.left.getText(), write: u.right };
  }
  if (ts.isConditionalExpression(u)) {
    if (holds(u.whenTrue) && empty(u.whenFalse)) return { condition: u.condition.getText(), write: u.whenTrue };
    if (holds(u.whenFalse) && empty(u.whenTrue)) return { condition: `!(${u.condition.getText()})`, write: u.whenFalse };
    return 'unknown';
  }
  if (ts.isObjectLiteralExpression(u)) return keys.some((k) => objectProperty(u, k)) || u.properties.some(ts.isSpreadAssignment) ? 'unknown' : undefined;
  if (ts.isIdentifier(u)) return optionalBound(u, keys) ?? 'unknown';
  return 'unknown';
}

/** `limit ?? undefined`, `limit || undefined`, `limit ? limit : undefined`: the condition under which it is a bound. */
function undefinedUnless(value: ts.Expression): string | undefined {
  if (ts.isBinaryExpression(value) && isUndefinedOrNull(unwrap(value.right)) && [ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.BarBarToken].includes(value.operatorToken.kind)) {
    return value.left.getText();
  }
  if (ts.isConditionalExpression(value) && isUndefinedOrNull(unwrap(value.whenFalse)) && !isUndefinedOrNull(unwrap(value.whenTrue))) return value.condition.getText();
  // `take: fetchAll ? undefined : 5`: the bound is dropped when the condition holds
  if (ts.isConditionalExpression(value) && isUndefinedOrNull(unwrap(value.whenTrue)) && !isUndefinedOrNull(unwrap(value.whenFalse))) return negated(value.condition);
  // `take: options.limit` of `options: { limit?: number } = {}`: the function's own signature lets callers leave it out
  if (optionalParameterValue(value)) return `${value.getText()} is given`;
  return undefined;
}

function negated(condition: ts.Expression): string {
  const c = unwrap(condition);
  return ts.isIdentifier(c) || ts.isPropertyAccessExpression(c) ? `!${c.getText()}` : `!(${c.getText()})`;
}

/**
 * A parameter the signature marks optional, read as it is: `limit?: number` (no default), a destructured
 * `{ limit }: { limit?: number }` without a default, or `options.limit` of `options: { limit?: number }` (its type
 * written inline or as an interface/type alias of the same module).
 */
function optionalParameterValue(value: ts.Expression): boolean {
  const e = unwrap(value);
  // read anywhere else in its function (`if (limit)`, `limit ??= 20`, a check that throws): the code may bound it
  if (readElsewhere(e)) return false;
  if (ts.isIdentifier(e)) {
    const d = declarationOf(e);
    if (d && ts.isParameter(d)) return d.questionToken !== undefined && d.initializer === undefined;
    if (d && ts.isBindingElement(d) && !d.initializer && ts.isObjectBindingPattern(d.parent) && ts.isParameter(d.parent.parent)) {
      const key = (d.propertyName ?? d.name).getText();
      return optionalMember(d.parent.parent.type, key);
    }
    return false;
  }
  if (!ts.isPropertyAccessExpression(e) || !ts.isIdentifier(e.expression)) return false;
  const d = declarationOf(e.expression);
  return d !== undefined && ts.isParameter(d) && optionalMember(d.type, e.name.text);
}

/** The value (`limit`, `options.limit`) is read again in the body of its function, besides this use. */
function readElsewhere(value: ts.Expression): boolean {
  const fn = enclosingFunction(value);
  const body = fn && 'body' in fn ? fn.body : undefined;
  if (!body) return false;
  const text = value.getText().replace(/\?\./g, '.');
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || n === value) return;
    if ((ts.isIdentifier(n) || ts.isPropertyAccessExpression(n)) && n.getText().replace(/\?\./g, '.') === text && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n)) {
      found = true;
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(body);
  return found;
}

/** The type (a literal, or an interface or alias declared in the same module) has `key?:`. */
function optionalMember(type: ts.TypeNode | undefined, key: string): boolean {
  if (!type) return false;
  let members: ts.NodeArray<ts.TypeElement> | undefined;
  if (ts.isTypeLiteralNode(type)) members = type.members;
  else if (ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName) && !type.typeArguments) {
    const name = type.typeName.text;
    for (const s of type.getSourceFile().statements) {
      if (ts.isInterfaceDeclaration(s) && s.name.text === name && !s.heritageClauses) members = s.members;
      if (ts.isTypeAliasDeclaration(s) && s.name.text === name && ts.isTypeLiteralNode(s.type)) members = s.type.members;
    }
  }
  const member = members?.find((m) => m.name !== undefined && m.name.getText() === key);
  return member !== undefined && ts.isPropertySignature(member) && member.questionToken !== undefined;
}

function isUndefinedOrNull(e: ts.Expression): boolean {
  return (ts.isIdentifier(e) && e.text === 'undefined') || e.kind === ts.SyntaxKind.NullKeyword || ts.isVoidExpression(e);
}
