/**
 * Small helpers over TypeScript/JavaScript syntax trees (ts-morph's bundled `ts`), shared by the TS rules.
 * No type checker: names are resolved with a light lexical scope lookup, good enough for one file.
 */
import { ts } from 'ts-morph';

/** ts-morph exposes `ts` members through getters: hot loops read them from these constants instead. */
const SK = ts.SyntaxKind;

/** The nodes the TS rules look at, collected in one walk per parsed file and shared by every rule. */
export interface FileIndex {
  calls: ts.CallExpression[];
  news: ts.NewExpression[];
  /** `a = b`, `a[k] = b`, `a += b`, ... */
  assignments: ts.BinaryExpression[];
  deletes: ts.DeleteExpression[];
  variables: ts.VariableDeclaration[];
  /** Property accesses by property name (`x.buffer` under 'buffer', `x.size` under 'size'). */
  accesses: Map<string, ts.PropertyAccessExpression[]>;
  functions: FunctionNode[];
  classes: ts.ClassLikeDeclaration[];
}

const indexCache = new WeakMap<ts.SourceFile, FileIndex>();

export function indexOf(sf: ts.SourceFile): FileIndex {
  let index = indexCache.get(sf);
  if (!index) {
    index = buildIndex(sf);
    indexCache.set(sf, index);
  }
  return index;
}

/**
 * The index of a file is the concatenation of its top-level statements' indexes, each kept per statement node,
 * and a class's index that of its members', each kept per member node: ts.updateSourceFile (the language
 * server's incremental reparse) reuses the node objects of statements and class members the edit did not touch,
 * subtrees and all, so a keystroke re-indexes only the member (or statement) it changed, also in a module that is
 * one big class.
 */
const unitIndexCache = new WeakMap<ts.Node, FileIndex>();

function buildIndex(sf: ts.SourceFile): FileIndex {
  const index = emptyIndex();
  for (const statement of sf.statements) appendIndex(index, cachedIndex(statement));
  return index;
}

function cachedIndex(unit: ts.Node): FileIndex {
  let part = unitIndexCache.get(unit);
  if (!part) unitIndexCache.set(unit, (part = indexSubtree(unit, true)));
  return part;
}

function appendIndex(index: FileIndex, part: FileIndex): void {
  append(index.calls, part.calls);
  append(index.news, part.news);
  append(index.assignments, part.assignments);
  append(index.deletes, part.deletes);
  append(index.variables, part.variables);
  for (const [name, list] of part.accesses) {
    const all = index.accesses.get(name);
    if (all) append(all, list);
    else index.accesses.set(name, [...list]);
  }
  append(index.functions, part.functions);
  append(index.classes, part.classes);
}

/** Class members: the units a class's index is kept in (reused by the incremental reparse when untouched). */
function isClassMember(kind: ts.SyntaxKind): boolean {
  return (
    kind === SK.MethodDeclaration || kind === SK.PropertyDeclaration || kind === SK.Constructor ||
    kind === SK.GetAccessor || kind === SK.SetAccessor || kind === SK.ClassStaticBlockDeclaration
  );
}

/** push(...items) without the argument-count limit of a spread. */
function append<T>(to: T[], items: readonly T[]): void {
  for (const item of items) to.push(item);
}

function emptyIndex(): FileIndex {
  return { calls: [], news: [], assignments: [], deletes: [], variables: [], accesses: new Map(), functions: [], classes: [] };
}

/**
 * One walk over a subtree, in document order. With `memberUnits`, class members below the root come from (and go
 * into) the per-member cache instead of being walked here.
 */
export function indexSubtree(root: ts.Node, memberUnits = false): FileIndex {
  // Read here, not when this module loads: the bundles load the TypeScript compiler on first use (scripts/build.mjs).
  const forEachChild = ts.forEachChild;
  const index = emptyIndex();
  const visit = (node: ts.Node): void => {
    const kind = node.kind;
    // Leaves and type annotations hold nothing the rules look at: skip them without descending.
    if (kind < SK.FirstNode || kind === SK.Identifier) return;
    if ((kind >= SK.FirstTypeNode && kind <= SK.LastTypeNode) || kind === SK.InterfaceDeclaration || kind === SK.TypeAliasDeclaration) return;
    if (memberUnits && node !== root && isClassMember(kind)) {
      appendIndex(index, cachedIndex(node));
      return;
    }
    switch (kind) {
      case SK.CallExpression:
        index.calls.push(node as ts.CallExpression);
        break;
      case SK.NewExpression:
        index.news.push(node as ts.NewExpression);
        break;
      case SK.BinaryExpression: {
        const op = (node as ts.BinaryExpression).operatorToken.kind;
        if (op >= SK.FirstAssignment && op <= SK.LastAssignment) index.assignments.push(node as ts.BinaryExpression);
        break;
      }
      case SK.DeleteExpression:
        index.deletes.push(node as ts.DeleteExpression);
        break;
      case SK.VariableDeclaration:
        index.variables.push(node as ts.VariableDeclaration);
        break;
      case SK.PropertyAccessExpression: {
        const name = (node as ts.PropertyAccessExpression).name.text;
        const list = index.accesses.get(name);
        if (list) list.push(node as ts.PropertyAccessExpression);
        else index.accesses.set(name, [node as ts.PropertyAccessExpression]);
        break;
      }
      case SK.ClassDeclaration:
      case SK.ClassExpression:
        index.classes.push(node as ts.ClassLikeDeclaration);
        break;
      default:
        if (isFunctionNode(node)) index.functions.push(node);
    }
    forEachChild(node, visit);
  };
  visit(root);
  return index;
}

/** True when the parser reported syntax errors: fixes are not offered then (their result could not be checked). */
export function hasSyntaxErrors(sf: ts.SourceFile): boolean {
  const diagnostics = (sf as unknown as { parseDiagnostics?: readonly ts.Diagnostic[] }).parseDiagnostics;
  return diagnostics !== undefined && diagnostics.length > 0;
}

/** Strips parentheses, `as`, `satisfies`, `!` and `<T>x`. */
export function unwrap(expr: ts.Expression): ts.Expression {
  let e = expr;
  for (;;) {
    switch (e.kind) {
      case SK.ParenthesizedExpression:
      case SK.AsExpression:
      case SK.NonNullExpression:
      case SK.TypeAssertionExpression:
      case SK.SatisfiesExpression:
        e = (e as ts.ParenthesizedExpression).expression;
        break;
      default:
        return e;
    }
  }
}

/** `unwrap`, and `await x` -> `x`. */
export function unwrapAwait(expr: ts.Expression): ts.Expression {
  let e = unwrap(expr);
  while (ts.isAwaitExpression(e)) e = unwrap(e.expression);
  return e;
}

/** The text of a property name (`a`, `'a'`, `["a"]`), or undefined for computed names. */
export function propertyName(name: ts.PropertyName | ts.MemberName | undefined): string | undefined {
  if (!name) return undefined;
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name) || ts.isNoSubstitutionTemplateLiteral(name)) {
    return name.text;
  }
  if (ts.isComputedPropertyName(name)) return stringValue(name.expression);
  return undefined;
}

/** The property `name` of an object literal (`name: v`, `name`, `name() {}`), or undefined. */
export function objectProperty(obj: ts.ObjectLiteralExpression, name: string): ts.ObjectLiteralElementLike | undefined {
  for (const p of obj.properties) if (!ts.isSpreadAssignment(p) && propertyName(p.name) === name) return p;
  return undefined;
}

/** The value of `name: v` (or the identifier of shorthand `name`), or undefined. */
export function objectPropertyValue(obj: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined {
  const p = objectProperty(obj, name);
  if (!p) return undefined;
  if (ts.isPropertyAssignment(p)) return p.initializer;
  if (ts.isShorthandPropertyAssignment(p)) return p.name;
  return undefined;
}

export function hasSpread(obj: ts.ObjectLiteralExpression): boolean {
  return obj.properties.some(ts.isSpreadAssignment);
}

/** The object literal an expression is (after unwrapping), or undefined. */
export function asObjectLiteral(expr: ts.Expression | undefined): ts.ObjectLiteralExpression | undefined {
  if (!expr) return undefined;
  const e = unwrap(expr);
  return ts.isObjectLiteralExpression(e) ? e : undefined;
}

export function stringValue(expr: ts.Expression | undefined): string | undefined {
  if (!expr) return undefined;
  const e = unwrap(expr);
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return e.text;
  return undefined;
}

/**
 * The value of a numeric constant: literals, `-1`, `Infinity`, `Number.POSITIVE_INFINITY`,
 * `Number.MAX_SAFE_INTEGER` and arithmetic over them (`50 * 1024 * 1024`, `1e6`).
 */
export function numberValue(expr: ts.Expression | undefined): number | undefined {
  if (!expr) return undefined;
  const e = unwrap(expr);
  if (ts.isNumericLiteral(e)) return Number(e.text.replace(/_/g, ''));
  if (ts.isIdentifier(e) && e.text === 'Infinity') return Infinity;
  if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'Number') {
    if (e.name.text === 'POSITIVE_INFINITY') return Infinity;
    if (e.name.text === 'MAX_SAFE_INTEGER') return Number.MAX_SAFE_INTEGER;
    if (e.name.text === 'MAX_VALUE') return Number.MAX_VALUE;
  }
  if (ts.isPrefixUnaryExpression(e)) {
    const v = numberValue(e.operand);
    if (v === undefined) return undefined;
    if (e.operator === ts.SyntaxKind.MinusToken) return -v;
    if (e.operator === ts.SyntaxKind.PlusToken) return v;
    return undefined;
  }
  if (ts.isBinaryExpression(e)) {
    const l = numberValue(e.left);
    const r = numberValue(e.right);
    if (l === undefined || r === undefined) return undefined;
    switch (e.operatorToken.kind) {
      case ts.SyntaxKind.AsteriskToken:
        return l * r;
      case ts.SyntaxKind.PlusToken:
        return l + r;
      case ts.SyntaxKind.MinusToken:
        return l - r;
      case ts.SyntaxKind.SlashToken:
        return r === 0 ? undefined : l / r;
      case ts.SyntaxKind.AsteriskAsteriskToken:
        return l ** r;
      case ts.SyntaxKind.LessThanLessThanToken:
        return l * 2 ** r;
    }
  }
  return undefined;
}

/** `a.b.m(...)` -> { object: a.b, name: 'm' }; undefined when the callee is not a property access. */
export function methodCall(call: ts.CallExpression): { object: ts.Expression; name: string } | undefined {
  const callee = unwrap(call.expression);
  if (ts.isPropertyAccessExpression(callee)) return { object: callee.expression, name: callee.name.text };
  if (ts.isElementAccessExpression(callee)) {
    const name = stringValue(callee.argumentExpression);
    if (name !== undefined) return { object: callee.expression, name };
  }
  return undefined;
}

/** The method name of a call (`a.b.m()` -> 'm', `m()` -> 'm'). */
export function calleeName(call: ts.CallExpression): string | undefined {
  const callee = unwrap(call.expression);
  if (ts.isIdentifier(callee)) return callee.text;
  return methodCall(call)?.name;
}

/** The calls of a method chain from the outside in: `a.b().c().d()` seen from `d()` -> [d(), c(), b()]. */
export function chainCalls(expr: ts.Expression): ts.CallExpression[] {
  const out: ts.CallExpression[] = [];
  let e: ts.Expression = unwrap(expr);
  for (;;) {
    if (ts.isCallExpression(e)) {
      out.push(e);
      e = unwrap(e.expression);
    } else if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) {
      e = unwrap(e.expression);
    } else if (ts.isAwaitExpression(e)) {
      e = unwrap(e.expression);
    } else return out;
  }
}

/** The outermost expression of a chain an expression belongs to: `a.find()` inside `a.find().limit(5).lean()`. */
export function outermostChain(expr: ts.Expression): ts.Expression {
  let e: ts.Node = expr;
  for (;;) {
    const p: ts.Node = e.parent;
    if (!p) return e as ts.Expression;
    if ((ts.isPropertyAccessExpression(p) || ts.isElementAccessExpression(p)) && p.expression === e) e = p;
    else if (ts.isCallExpression(p) && p.expression === e) e = p;
    else if (ts.isParenthesizedExpression(p) || ts.isNonNullExpression(p) || ts.isAsExpression(p)) e = p;
    else return e as ts.Expression;
  }
}

export type FunctionNode = ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction | ts.MethodDeclaration | ts.ConstructorDeclaration | ts.GetAccessorDeclaration | ts.SetAccessorDeclaration;

export function isFunctionNode(node: ts.Node): node is FunctionNode {
  switch (node.kind) {
    case SK.FunctionDeclaration:
    case SK.FunctionExpression:
    case SK.ArrowFunction:
    case SK.MethodDeclaration:
    case SK.Constructor:
    case SK.GetAccessor:
    case SK.SetAccessor:
      return true;
  }
  return false;
}

/** The nearest enclosing function, or undefined at module level. */
export function enclosingFunction(node: ts.Node): FunctionNode | undefined {
  for (let n = node.parent; n; n = n.parent) if (isFunctionNode(n)) return n;
  return undefined;
}

export function isAsync(fn: FunctionNode): boolean {
  return ts.canHaveModifiers(fn) && (ts.getModifiers(fn) ?? []).some((m) => m.kind === ts.SyntaxKind.AsyncKeyword);
}

/** The function value an expression denotes: an inline function, or an identifier naming a function in this file. */
export function functionValue(expr: ts.Expression | undefined): FunctionNode | undefined {
  if (!expr) return undefined;
  const e = unwrap(expr);
  if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) return e;
  if (ts.isIdentifier(e)) {
    const decl = declarationOf(e);
    if (decl && ts.isFunctionDeclaration(decl)) return decl;
    if (decl && ts.isVariableDeclaration(decl) && decl.initializer) {
      const init = unwrap(decl.initializer);
      if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) return init;
    }
  }
  return undefined;
}

/** A declaration a name can resolve to. */
export type Declaration =
  | ts.VariableDeclaration
  | ts.BindingElement
  | ts.ParameterDeclaration
  | ts.FunctionDeclaration
  | ts.ClassDeclaration
  | ts.ImportClause
  | ts.ImportSpecifier
  | ts.NamespaceImport
  | ts.ImportEqualsDeclaration
  | ts.EnumDeclaration;

/**
 * Scope and declaration lookups, cached per SourceFile: an incremental reparse (ts.updateSourceFile) reuses
 * node objects in the new tree, so a cache keyed by node alone would hand back the old tree's answers.
 */
interface ScopeCaches {
  scopes: Map<ts.Node, Map<string, Declaration>>;
  declarations: Map<ts.Identifier, Declaration | null>;
}
const scopeCachesByFile = new WeakMap<ts.SourceFile, ScopeCaches>();

function scopeCaches(node: ts.Node): ScopeCaches {
  const sf = node.getSourceFile();
  let caches = scopeCachesByFile.get(sf);
  if (!caches) scopeCachesByFile.set(sf, (caches = { scopes: new Map(), declarations: new Map() }));
  return caches;
}

/**
 * The declaration an identifier refers to, by lexical scope (blocks, functions, for-loops, catch), or
 * undefined for globals. `var` hoisting out of nested blocks is not modelled.
 */
export function declarationOf(id: ts.Identifier): Declaration | undefined {
  const declarationCache = scopeCaches(id).declarations;
  const cached = declarationCache.get(id);
  if (cached !== undefined) return cached ?? undefined;
  const name = id.text;
  let result: Declaration | undefined;
  for (let n: ts.Node | undefined = id.parent; n && !result; n = n.parent) {
    if (opensScope(n)) result = scopeNames(n)?.get(name);
  }
  declarationCache.set(id, result ?? null);
  return result;
}

function opensScope(node: ts.Node): boolean {
  switch (node.kind) {
    case SK.SourceFile:
    case SK.Block:
    case SK.ModuleBlock:
    case SK.CaseClause:
    case SK.DefaultClause:
    case SK.ForStatement:
    case SK.ForOfStatement:
    case SK.ForInStatement:
    case SK.CatchClause:
      return true;
  }
  return isFunctionNode(node);
}

/** The names a node declares for its own scope, or undefined when it opens no scope. */
function scopeNames(node: ts.Node): Map<string, Declaration> | undefined {
  const scopeCache = scopeCaches(node).scopes;
  const cached = scopeCache.get(node);
  if (cached) return cached;
  let names: Map<string, Declaration> | undefined;
  const add = (decl: Declaration, nameNode: ts.BindingName | undefined) => {
    if (!nameNode) return;
    names ??= new Map();
    addBindingNames(names, decl, nameNode);
  };
  if (ts.isSourceFile(node) || ts.isBlock(node) || ts.isModuleBlock(node) || ts.isCaseClause(node) || ts.isDefaultClause(node)) {
    names = new Map();
    for (const st of node.statements) {
      if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) add(d, d.name);
      else if (ts.isFunctionDeclaration(st) && st.name) add(st, st.name);
      else if (ts.isClassDeclaration(st) && st.name) add(st, st.name);
      else if (ts.isEnumDeclaration(st)) names.set(st.name.text, st);
      else if (ts.isImportEqualsDeclaration(st)) names.set(st.name.text, st);
      else if (ts.isImportDeclaration(st) && st.importClause) {
        const clause = st.importClause;
        if (clause.name) names.set(clause.name.text, clause);
        const bindings = clause.namedBindings;
        if (bindings && ts.isNamespaceImport(bindings)) names.set(bindings.name.text, bindings);
        else if (bindings) for (const s of bindings.elements) names.set(s.name.text, s);
      }
    }
  } else if (isFunctionNode(node)) {
    names = new Map();
    for (const p of node.parameters) add(p, p.name);
    if ((ts.isFunctionExpression(node) || ts.isFunctionDeclaration(node)) && node.name) names.set(node.name.text, node as ts.FunctionDeclaration);
  } else if (ts.isForStatement(node) || ts.isForOfStatement(node) || ts.isForInStatement(node)) {
    const init = node.initializer;
    if (init && ts.isVariableDeclarationList(init)) for (const d of init.declarations) add(d, d.name);
  } else if (ts.isCatchClause(node) && node.variableDeclaration) {
    add(node.variableDeclaration, node.variableDeclaration.name);
  }
  if (names) scopeCache.set(node, names);
  return names;
}

function addBindingNames(names: Map<string, Declaration>, decl: Declaration, nameNode: ts.BindingName): void {
  if (ts.isIdentifier(nameNode)) {
    if (!names.has(nameNode.text)) names.set(nameNode.text, decl);
    return;
  }
  for (const el of nameNode.elements) {
    if (ts.isOmittedExpression(el)) continue;
    if (ts.isIdentifier(el.name)) {
      if (!names.has(el.name.text)) names.set(el.name.text, el);
    } else addBindingNames(names, el, el.name);
  }
}

/** For a destructured binding, the declaration (variable, parameter) that holds the whole pattern. */
export function bindingRoot(el: ts.BindingElement): ts.VariableDeclaration | ts.ParameterDeclaration | undefined {
  let n: ts.Node = el;
  while (ts.isBindingElement(n) || ts.isObjectBindingPattern(n) || ts.isArrayBindingPattern(n)) n = n.parent;
  return ts.isVariableDeclaration(n) || ts.isParameter(n) ? n : undefined;
}

/**
 * The property path from a binding pattern's root to an element: for `const { a: { b } } = x`, the
 * element `b` -> ['a', 'b']; array elements give their index as a string.
 */
export function bindingPath(el: ts.BindingElement): string[] {
  const path: string[] = [];
  let n: ts.Node = el;
  while (ts.isBindingElement(n)) {
    const pattern = n.parent;
    if (ts.isArrayBindingPattern(pattern)) path.unshift(String(pattern.elements.indexOf(n)));
    else path.unshift(propertyName(n.propertyName) ?? (ts.isIdentifier(n.name) ? n.name.text : '?'));
    n = pattern.parent;
  }
  return path;
}

/** The initializer a name is bound to: `const x = init` -> init (for a destructured name, the whole pattern's initializer). */
export function initializerOf(id: ts.Identifier): ts.Expression | undefined {
  const decl = declarationOf(id);
  if (!decl) return undefined;
  if (ts.isVariableDeclaration(decl)) return decl.initializer;
  if (ts.isBindingElement(decl)) return bindingRoot(decl)?.initializer;
  return undefined;
}

/** The class member (property or constructor parameter property) `this.<name>` refers to inside `node`'s class. */
export function thisMember(access: ts.PropertyAccessExpression): ts.PropertyDeclaration | ts.ParameterDeclaration | undefined {
  if (access.expression.kind !== ts.SyntaxKind.ThisKeyword) return undefined;
  const name = access.name.text;
  let cls: ts.Node | undefined = access.parent;
  while (cls && !ts.isClassDeclaration(cls) && !ts.isClassExpression(cls)) cls = cls.parent;
  if (!cls) return undefined;
  for (const m of (cls as ts.ClassLikeDeclaration).members) {
    if (ts.isPropertyDeclaration(m) && propertyName(m.name) === name) return m;
    if (ts.isConstructorDeclaration(m)) {
      for (const p of m.parameters) {
        if (ts.isIdentifier(p.name) && p.name.text === name && ts.getCombinedModifierFlags(p) & ts.ModifierFlags.ParameterPropertyModifier) return p;
      }
    }
  }
  return undefined;
}

/**
 * What a JavaScript class's constructor assigns to `this.<name>` when no member declares it:
 * `constructor () { this.model = DB.Users; }` -> `DB.Users`. Undefined when assigned elsewhere too.
 */
export function constructorAssigned(access: ts.PropertyAccessExpression): ts.Expression | undefined {
  if (access.expression.kind !== ts.SyntaxKind.ThisKeyword) return undefined;
  let cls: ts.Node | undefined = access.parent;
  while (cls && !ts.isClassDeclaration(cls) && !ts.isClassExpression(cls)) cls = cls.parent;
  if (!cls) return undefined;
  const values = thisAssignments(cls as ts.ClassLikeDeclaration).get(access.name.text);
  return values?.length === 1 && !ts.isBinaryExpression(values[0]!) ? values[0] : undefined;
}

/**
 * `this.<name> = value` assignments anywhere in a class, by name, in document order: the value when the
 * assignment is directly in the constructor, else the assignment itself. Kept per class member node (and per
 * decorator or heritage clause), which the incremental reparse reuses when an edit is elsewhere: a keystroke
 * re-reads only the member it changed, not a whole class per `this.x` call asked about.
 */
function thisAssignments(cls: ts.ClassLikeDeclaration): Map<string, ts.Expression[]> {
  const all = new Map<string, ts.Expression[]>();
  const add = (part: Map<string, ts.Expression[]>): void => {
    for (const [name, list] of part) {
      const to = all.get(name);
      if (to) append(to, list);
      else all.set(name, [...list]);
    }
  };
  // The class's own children in forEachChild's order (modifiers and decorators, name, type parameters, heritage
  // clauses, members), so the values come out in the order a walk of the whole class gave them.
  ts.forEachChild(cls, (child) => {
    let part = memberAssignments.get(child);
    if (!part) memberAssignments.set(child, (part = assignmentsIn(child, cls)));
    add(part);
  });
  return all;
}

const memberAssignments = new WeakMap<ts.Node, Map<string, ts.Expression[]>>();

function assignmentsIn(root: ts.Node, cls: ts.ClassLikeDeclaration): Map<string, ts.Expression[]> {
  const out = new Map<string, ts.Expression[]>();
  const visit = (n: ts.Node): void => {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(n.left) && n.left.expression.kind === ts.SyntaxKind.ThisKeyword) {
      let owner: ts.Node | undefined = n.parent;
      while (owner && owner !== cls && !isFunctionNode(owner)) owner = owner.parent;
      const name = n.left.name.text;
      const list = out.get(name);
      const value = owner && ts.isConstructorDeclaration(owner) ? n.right : n;
      if (list) list.push(value);
      else out.set(name, [value]);
    }
    ts.forEachChild(n, visit);
  };
  visit(root);
  return out;
}

/** The decorators of a node (classes, members, parameters), as call names: `@Controller('x')` -> 'Controller'. */
export function decoratorNames(node: ts.Node): string[] {
  if (!ts.canHaveDecorators(node)) return [];
  const out: string[] = [];
  for (const d of ts.getDecorators(node) ?? []) {
    const e = d.expression;
    const callee = ts.isCallExpression(e) ? e.expression : e;
    if (ts.isIdentifier(callee)) out.push(callee.text);
    else if (ts.isPropertyAccessExpression(callee)) out.push(callee.name.text);
  }
  return out;
}

/** The first decorator call named `name` on a node, e.g. `@InjectRepository(User)`. */
export function decoratorCall(node: ts.Node, name: string): ts.CallExpression | undefined {
  if (!ts.canHaveDecorators(node)) return undefined;
  for (const d of ts.getDecorators(node) ?? []) {
    const e = d.expression;
    if (ts.isCallExpression(e)) {
      const callee = e.expression;
      const n = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
      if (n === name) return e;
    }
  }
  return undefined;
}

/** The type name of a type annotation: `Repository<User>` -> 'Repository', `express.Request` -> 'Request'. */
export function typeName(type: ts.TypeNode | undefined): string | undefined {
  if (!type) return undefined;
  if (ts.isTypeReferenceNode(type)) {
    const n = type.typeName;
    return ts.isIdentifier(n) ? n.text : n.right.text;
  }
  if (ts.isTypeQueryNode(type)) {
    const n = type.exprName;
    return ts.isIdentifier(n) ? n.text : n.right.text;
  }
  return undefined;
}

/** The `ts.Identifier` at the root of a member chain (`a.b[c].d` -> a), or `this`. */
export function chainRoot(expr: ts.Expression): ts.Expression {
  let e = unwrap(expr);
  for (;;) {
    if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) e = unwrap(e.expression);
    else if (ts.isCallExpression(e)) e = unwrap(e.expression);
    else return e;
  }
}

/** Whitespace that starts the line containing `pos`. */
export function indentAt(text: string, pos: number): string {
  const start = text.lastIndexOf('\n', pos - 1) + 1;
  const m = /^[ \t]*/.exec(text.slice(start, pos));
  return m ? m[0] : '';
}

/** The line break style of a text. */
export function eol(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

/** True when a node is an ancestor of (or the same as) another. */
export function contains(outer: ts.Node, inner: ts.Node): boolean {
  return inner.pos >= outer.pos && inner.end <= outer.end && inner.getSourceFile() === outer.getSourceFile();
}

/** The statement that directly contains a node (the child of a block or source file). */
export function enclosingStatement(node: ts.Node): ts.Statement | undefined {
  for (let n: ts.Node | undefined = node; n; n = n.parent) {
    const p = n.parent;
    if (p && (ts.isBlock(p) || ts.isSourceFile(p) || ts.isModuleBlock(p) || ts.isCaseClause(p) || ts.isDefaultClause(p))) return n as ts.Statement;
  }
  return undefined;
}

/** Every identifier named `name` in a subtree (reads and writes alike). */
export function identifiersNamed(root: ts.Node, name: string): ts.Identifier[] {
  const out: ts.Identifier[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n) && n.text === name) out.push(n);
    ts.forEachChild(n, visit);
  };
  visit(root);
  return out;
}
