/**
 * What one TS/JS module says about the project's other modules, read from its tree once per text version: what it
 * imports (ESM, `require`, re-exports through index files), what it exports (functions, classes and their methods,
 * instances, `module.exports = {...}` objects), the calls it makes to imported functions and to its own (with the
 * top-level function each call is in), and whether each call runs per request in this module. The import graph
 * (import-graph.ts) joins these facts across modules.
 */
import { ts } from 'ts-morph';
import { declarationOf, indexOf, isFunctionNode, stringValue, unwrap, unwrapAwait } from './ast';
import { inRequestHandler, isOfflineFile } from './handlers';
import { inServerAction } from './per-request';
import { requiredModule } from './imports';

const SK = ts.SyntaxKind;

/** Where a local name comes from: a module specifier and the name it exports ('default', '*' for the module itself). */
export interface ImportBinding {
  specifier: string;
  imported: string;
  /** Bound by `require()`: the module's `module.exports`, whose members may be named or default exports. */
  commonJs: boolean;
}

/** A call of an imported function (or a JSX element of an imported component). */
export interface ImportedCall {
  specifier: string;
  /** The export paths the call may name: `getQuips`, `default.fetchDocuments`, `UserService.list`. */
  paths: string[];
  /** The top-level function (unit) the call is in, '' at module level. */
  from: string;
  /** The call runs per request in this module (a route, a handler, a server action, a Next.js page). */
  request: boolean;
  line: number;
}

export interface ModuleFacts {
  /**
   * Units: top-level functions (`getQuips`), methods of top-level classes (`Item.fetchDocuments`), function members of
   * top-level objects (`handlers.list`, `{}.list` for `module.exports = { list() {} }`).
   */
  units: Set<string>;
  /** Exported name -> local name (`default` -> `Item`), or a unit key for an inline export. */
  exports: Map<string, string>;
  /** Local instances of local classes (`const userService = new UserService()`): name -> class. */
  instances: Map<string, string>;
  /** `export { a as b } from './x'` (names: exported -> imported) and `export * from './x'` (no names). */
  reexports: { specifier: string; names?: Map<string, string> }[];
  calls: ImportedCall[];
  /** Calls between units of this module: a unit (or a request handler: `request`) calling another. */
  localCalls: { from: string; to: string; request: boolean }[];
  /** The module is a client component (`'use client'`): what it calls runs in the browser. */
  client: boolean;
}

/**
 * The facts of a module. `withRequests: false` leaves out which calls run per request (false for all) and the calls
 * through imports (`calls` stays empty): the analysed file's own facts, where only its units, local calls and exports
 * are asked for, on every keystroke.
 */
export function moduleFacts(sf: ts.SourceFile, relPath: string, withRequests = true): ModuleFacts {
  const facts: ModuleFacts = { units: new Set(), exports: new Map(), instances: new Map(), reexports: [], calls: [], localCalls: [], client: hasDirective(sf, 'use client') };
  const imports = new Map<string, ImportBinding>();
  const classes = new Set<string>();
  const offline = isOfflineFile(relPath);

  const addObjectMembers = (owner: string, obj: ts.ObjectLiteralExpression, exported: boolean): void => {
    for (const p of obj.properties) {
      const name = p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : undefined;
      if (!name) continue;
      if (ts.isMethodDeclaration(p) || (ts.isPropertyAssignment(p) && functionLike(p.initializer))) facts.units.add(`${owner}.${name}`);
      if (!exported) continue;
      // `module.exports = { list, get: getOne }`: each member is a named export too (`const { list } = require(...)`).
      if (ts.isShorthandPropertyAssignment(p)) facts.exports.set(name, p.name.text);
      else if (ts.isPropertyAssignment(p) && ts.isIdentifier(unwrap(p.initializer))) facts.exports.set(name, (unwrap(p.initializer) as ts.Identifier).text);
      else if (facts.units.has(`${owner}.${name}`)) facts.exports.set(name, `${owner}.${name}`);
    }
  };
  const addClass = (cls: ts.ClassLikeDeclaration, name: string): void => {
    classes.add(name);
    for (const m of cls.members) if ((ts.isMethodDeclaration(m) || ts.isPropertyDeclaration(m)) && m.name && ts.isIdentifier(m.name) && (ts.isMethodDeclaration(m) || functionLike(m.initializer))) facts.units.add(`${name}.${m.name.text}`);
  };
  /** `module.exports = X`, `export default X`: X an identifier, a class, a `new K()`, an object or a function. */
  const exportValue = (exported: string, value: ts.Expression): void => {
    const v = unwrap(value);
    if (ts.isIdentifier(v)) facts.exports.set(exported, v.text);
    else if (ts.isNewExpression(v) && ts.isIdentifier(v.expression)) {
      facts.instances.set(`#${exported}`, v.expression.text);
      facts.exports.set(exported, `#${exported}`);
    } else if (ts.isObjectLiteralExpression(v)) {
      const owner = exported === 'default' ? '{}' : exported;
      addObjectMembers(owner, v, exported === 'default');
      facts.exports.set(exported, owner);
    } else if (ts.isClassExpression(v)) {
      addClass(v, v.name?.text ?? `#${exported}`);
      facts.exports.set(exported, v.name?.text ?? `#${exported}`);
    } else if (functionLike(v)) {
      facts.units.add(exported);
      facts.exports.set(exported, exported);
    }
  };

  for (const st of sf.statements) {
    const exported = hasModifier(st, SK.ExportKeyword);
    const isDefault = hasModifier(st, SK.DefaultKeyword);
    if (ts.isImportDeclaration(st)) {
      const specifier = stringValue(st.moduleSpecifier);
      const clause = st.importClause;
      if (!specifier || !clause || clause.isTypeOnly) continue;
      if (clause.name) imports.set(clause.name.text, { specifier, imported: 'default', commonJs: false });
      const named = clause.namedBindings;
      if (named && ts.isNamespaceImport(named)) imports.set(named.name.text, { specifier, imported: '*', commonJs: false });
      else if (named) for (const el of named.elements) if (!el.isTypeOnly) imports.set(el.name.text, { specifier, imported: (el.propertyName ?? el.name).text, commonJs: false });
    } else if (ts.isImportEqualsDeclaration(st) && ts.isExternalModuleReference(st.moduleReference)) {
      const specifier = stringValue(st.moduleReference.expression);
      if (specifier) imports.set(st.name.text, { specifier, imported: '*', commonJs: true });
    } else if (ts.isExportDeclaration(st)) {
      if (st.isTypeOnly) continue;
      const specifier = st.moduleSpecifier && stringValue(st.moduleSpecifier);
      const clause = st.exportClause;
      if (specifier) {
        if (!clause) facts.reexports.push({ specifier });
        else if (ts.isNamedExports(clause)) facts.reexports.push({ specifier, names: new Map(clause.elements.map((el) => [el.name.text, (el.propertyName ?? el.name).text])) });
        else facts.reexports.push({ specifier, names: new Map([[clause.name.text, '*']]) });
      } else if (clause && ts.isNamedExports(clause)) {
        for (const el of clause.elements) facts.exports.set(el.name.text, (el.propertyName ?? el.name).text);
      }
    } else if (ts.isExportAssignment(st)) {
      exportValue('default', st.expression);
    } else if (ts.isFunctionDeclaration(st)) {
      const name = st.name?.text ?? (isDefault ? 'default' : undefined);
      if (!name || !st.body) continue;
      facts.units.add(name);
      if (exported) facts.exports.set(isDefault ? 'default' : name, name);
    } else if (ts.isClassDeclaration(st)) {
      const name = st.name?.text ?? (isDefault ? '#default' : undefined);
      if (!name) continue;
      addClass(st, name);
      if (exported) facts.exports.set(isDefault ? 'default' : name, name);
    } else if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) {
        const init = d.initializer && unwrap(d.initializer);
        if (!init) continue;
        if (ts.isIdentifier(d.name)) {
          const name = d.name.text;
          const required = requiredModule(unwrapAwait(init));
          if (required !== undefined) imports.set(name, { specifier: required, imported: '*', commonJs: true });
          else if (ts.isPropertyAccessExpression(init) && requiredModule(unwrapAwait(init.expression)) !== undefined) {
            imports.set(name, { specifier: requiredModule(unwrapAwait(init.expression))!, imported: init.name.text, commonJs: true });
          } else if (functionLike(init)) facts.units.add(name);
          else if (ts.isClassExpression(init)) addClass(init, name);
          else if (ts.isNewExpression(init) && ts.isIdentifier(init.expression)) facts.instances.set(name, init.expression.text);
          else if (ts.isObjectLiteralExpression(init)) addObjectMembers(name, init, false);
          if (exported) facts.exports.set(name, name);
        } else if (ts.isObjectBindingPattern(d.name)) {
          // `const { list, get } = require('./service')`
          const required = requiredModule(unwrapAwait(init));
          if (required === undefined) continue;
          for (const el of d.name.elements) {
            if (!ts.isIdentifier(el.name) || el.dotDotDotToken) continue;
            const imported = el.propertyName && ts.isIdentifier(el.propertyName) ? el.propertyName.text : el.name.text;
            imports.set(el.name.text, { specifier: required, imported, commonJs: true });
          }
        }
      }
    } else if (ts.isExpressionStatement(st) && ts.isBinaryExpression(st.expression) && st.expression.operatorToken.kind === SK.EqualsToken) {
      // `module.exports = X`, `module.exports.list = X`, `exports.list = X`
      const target = st.expression.left.getText(sf).replace(/\s+/g, '');
      const m = /^(?:module\.exports|exports)(?:\.(\w+))?$/.exec(target);
      if (m && (m[1] || target === 'module.exports')) exportValue(m[1] ?? 'default', st.expression.right);
    }
  }
  for (const [name, cls] of facts.instances) if (!classes.has(cls)) facts.instances.delete(name);

  // Calls from the file's index (shared with the rules); JSX elements (`<ServerList />` renders an imported server
  // component) only where JSX can be.
  const visitJsx = (n: ts.Node): void => {
    if (ts.isJsxSelfClosingElement(n) || ts.isJsxOpeningElement(n)) record(n, n.tagName as ts.Expression);
    ts.forEachChild(n, visitJsx);
  };
  const record = (node: ts.Node, calleeExpr: ts.Expression): void => {
    const callee = unwrap(calleeExpr);
    let head: ts.Identifier | undefined;
    let member: string | undefined;
    if (ts.isIdentifier(callee)) head = callee;
    else if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.name)) {
      const base = unwrap(callee.expression);
      member = callee.name.text;
      if (ts.isIdentifier(base)) head = base;
      else if (base.kind === SK.ThisKeyword) {
        const cls = enclosingTopClass(node);
        if (cls && facts.units.has(`${cls}.${member}`)) pushLocal(node, `${cls}.${member}`);
        return;
      } else return;
    } else return;
    if (!head) return;
    const madeFrom = member !== undefined && !imports.has(head.text) && !facts.units.has(`${head.text}.${member}`) ? importedClassOf(head) : undefined;
    if (madeFrom) head = madeFrom;
    const binding = imports.get(head.text);
    if (binding) {
      // The analysed file's own facts (withRequests false) are asked for local calls and exports only: its calls
      // into other modules, each with a scope look-up and a line, are left out on every keystroke.
      if (!withRequests || shadowed(head)) return;
      const paths = importPaths(binding, member);
      if (paths.length) facts.calls.push({ specifier: binding.specifier, paths, from: unitOf(node), request: requestHere(node), line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1 });
      return;
    }
    const name = head.text;
    const local = member === undefined ? name : facts.instances.has(name) ? `${facts.instances.get(name)}.${member}` : `${name}.${member}`;
    if (facts.units.has(local) && !shadowed(head)) pushLocal(node, local);
  };
  /**
   * The imported class a variable holds an instance of: `const repo = new FormRepo()` or a static factory's
   * `FormRepo.of()` / `UserService.getInstance()`; its method calls (`repo.getForms()`) run that class's methods.
   */
  const importedClassOf = (variable: ts.Identifier): ts.Identifier | undefined => {
    if (!withRequests) return undefined;
    const decl = declarationOf(variable);
    const init = decl && ts.isVariableDeclaration(decl) && decl.initializer ? unwrapAwait(decl.initializer) : undefined;
    let cls: ts.Expression | undefined;
    if (init && ts.isNewExpression(init)) cls = unwrap(init.expression);
    else if (init && ts.isCallExpression(init) && ts.isPropertyAccessExpression(init.expression)) cls = unwrap(init.expression.expression);
    // A class by its capital (`FormRepo.of()`, not `db.getClient()` of a module object).
    return cls && ts.isIdentifier(cls) && /^[A-Z]/.test(cls.text) && imports.has(cls.text) && !shadowed(cls) ? cls : undefined;
  };
  const pushLocal = (node: ts.Node, to: string): void => {
    facts.localCalls.push({ from: unitOf(node), to, request: requestHere(node) });
  };
  const requestHere = (node: ts.Node): boolean => withRequests && !offline && !facts.client && (inRequestHandler(node, relPath) || inServerAction(node));
  const index = indexOf(sf);
  for (const call of index.calls) record(call, call.expression);
  for (const made of index.news) record(made, made.expression);
  if (withRequests && sf.languageVariant === ts.LanguageVariant.JSX) visitJsx(sf);
  return facts;
}

/** The export paths a call through an imported binding may name. */
function importPaths(binding: ImportBinding, member: string | undefined): string[] {
  const { imported, commonJs } = binding;
  if (imported === '*') return member ? [member, `default.${member}`] : commonJs ? ['default'] : [];
  if (imported === 'default') return member ? [`default.${member}`, member] : ['default'];
  const base = member ? `${imported}.${member}` : imported;
  return commonJs ? [base, `default.${base}`] : [base];
}

/** The top-level unit a node is in: `fn`, `Cls.method`, `obj.member`, `{}.member`, or '' at module level. */
export function unitOf(node: ts.Node): string {
  let unit = '';
  for (let n: ts.Node | undefined = node.parent; n && !ts.isSourceFile(n); n = n.parent) {
    if (!isFunctionNode(n)) continue;
    const key = unitKey(n);
    if (key) unit = key;
  }
  return unit;
}

function unitKey(fn: ts.Node): string | undefined {
  const p = fn.parent;
  if (ts.isFunctionDeclaration(fn) && ts.isSourceFile(p)) return fn.name?.text ?? 'default';
  if (ts.isMethodDeclaration(fn) || ts.isPropertyDeclaration(p)) {
    const member = ts.isMethodDeclaration(fn) ? fn : (p as ts.PropertyDeclaration);
    const holder = member.parent;
    const name = member.name && ts.isIdentifier(member.name) ? member.name.text : undefined;
    if (name && ts.isClassLike(holder) && topLevel(holder)) return `${className(holder)}.${name}`;
  }
  const prop = ts.isMethodDeclaration(fn) ? fn : ts.isPropertyAssignment(p) ? p : undefined;
  if (prop && ts.isObjectLiteralExpression(prop.parent) && prop.name && (ts.isIdentifier(prop.name) || ts.isStringLiteral(prop.name))) {
    const owner = objectOwner(prop.parent);
    if (owner) return `${owner}.${prop.name.text}`;
  }
  if (ts.isVariableDeclaration(p) && ts.isIdentifier(p.name) && topLevel(p.parent.parent)) return p.name.text;
  if (ts.isExportAssignment(p)) return 'default';
  // `exports.list = async (req, res) => {...}`
  if (ts.isBinaryExpression(p) && p.right === fn && ts.isExpressionStatement(p.parent) && ts.isSourceFile(p.parent.parent)) {
    const m = /^(?:module\.exports|exports)(?:\.(\w+))?$/.exec(p.left.getText().replace(/\s+/g, ''));
    if (m) return m[1] ?? 'default';
  }
  return undefined;
}

/** The name a top-level object literal's members are keyed under: `const handlers = {...}`, `module.exports = {...}` -> `{}`. */
function objectOwner(obj: ts.ObjectLiteralExpression): string | undefined {
  const p = obj.parent;
  if (ts.isVariableDeclaration(p) && ts.isIdentifier(p.name) && topLevel(p.parent.parent)) return p.name.text;
  if (ts.isExportAssignment(p)) return '{}';
  if (ts.isBinaryExpression(p) && ts.isExpressionStatement(p.parent) && ts.isSourceFile(p.parent.parent)) {
    const m = /^(?:module\.exports|exports)(?:\.(\w+))?$/.exec(p.left.getText().replace(/\s+/g, ''));
    if (m) return m[1] ?? '{}';
  }
  return undefined;
}

function className(cls: ts.ClassLikeDeclaration): string {
  if (cls.name) return cls.name.text;
  const p = cls.parent;
  if (ts.isVariableDeclaration(p) && ts.isIdentifier(p.name)) return p.name.text;
  return ts.isExportAssignment(p) || hasModifier(cls, SK.DefaultKeyword) ? '#default' : '';
}

function topLevel(node: ts.Node): boolean {
  if (ts.isSourceFile(node.parent)) return true;
  // `const K = class {}`, `module.exports = class K {}`, `export default class {}`
  const p = node.parent;
  if (ts.isVariableDeclaration(p)) return ts.isSourceFile(p.parent.parent.parent);
  if (ts.isExportAssignment(p)) return true;
  if (ts.isBinaryExpression(p)) return ts.isExpressionStatement(p.parent) && ts.isSourceFile(p.parent.parent);
  if (ts.isVariableStatement(node)) return ts.isSourceFile(node.parent);
  return false;
}

function enclosingTopClass(node: ts.Node): string | undefined {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) if (ts.isClassLike(n)) return topLevel(n) ? className(n) : undefined;
  return undefined;
}

/** A parameter or inner variable of the same name hides the import. */
function shadowed(id: ts.Identifier): boolean {
  for (let n: ts.Node | undefined = id.parent; n && !ts.isSourceFile(n); n = n.parent) {
    if (isFunctionNode(n) && n.parameters.some((p) => ts.isIdentifier(p.name) && p.name.text === id.text)) return true;
  }
  return false;
}

function functionLike(e: ts.Expression | undefined): boolean {
  const v = e && unwrap(e);
  return v !== undefined && (ts.isArrowFunction(v) || ts.isFunctionExpression(v));
}

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);
}

function hasDirective(sf: ts.SourceFile, directive: string): boolean {
  for (const st of sf.statements) {
    if (!ts.isExpressionStatement(st) || !ts.isStringLiteral(st.expression)) return false;
    if (st.expression.text === directive) return true;
  }
  return false;
}
