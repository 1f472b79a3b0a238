/**
 * Import resolution for TS/JS rules: the qualified name an expression was imported as, whatever the
 * spelling: `import fs from 'fs'`, `import * as fs from 'node:fs'`, `import { readFileSync as rfs } from 'fs'`,
 * `const fs = require('fs')`, `const { promises: fsp } = require('fs')`, `import fs = require('fs')`,
 * `const { readFile } = await import('fs/promises')` and aliases of those (`const fsp = fs.promises`).
 * `fs.promises.readFile`, `fsp.readFile` and `readFile` from 'fs/promises' all resolve to `fs.promises.readFile`.
 */
import { ts } from 'ts-morph';
import { bindingPath, bindingRoot, declarationOf, indexOf, stringValue, unwrap, unwrapAwait } from './ast';

/** `node:fs` -> `fs`, `fs/promises` -> `fs.promises`, `stream/consumers` -> `stream.consumers`; packages stay as they are. */
export function normaliseModule(specifier: string): string {
  const s = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
  return /^(fs|stream|timers|dns|path|util|readline)\/\w+$/.test(s) ? s.replace('/', '.') : s;
}

/** True for `./x`, `../x`, and path aliases (`@/lib/db`, `~/server/db`, `src/db`): code of the project itself. */
export function isLocalSpecifier(specifier: string): boolean {
  return /^(\.{1,2}\/|[@~#]\/|src\/|app\/|lib\/)/.test(specifier) || specifier === '.' || specifier === '..';
}

interface FileImports {
  /** Normalised specifiers of every import, require and dynamic import in the file. */
  modules: Set<string>;
  resolved: WeakMap<ts.Node, string | null>;
}

const cache = new WeakMap<ts.SourceFile, FileImports>();

function fileImports(sf: ts.SourceFile): FileImports {
  let fi = cache.get(sf);
  if (!fi) {
    const modules = new Set<string>();
    for (const st of sf.statements) {
      if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) modules.add(normaliseModule(st.moduleSpecifier.text));
      else if (ts.isImportEqualsDeclaration(st) && ts.isExternalModuleReference(st.moduleReference)) {
        const s = stringValue(st.moduleReference.expression);
        if (s) modules.add(normaliseModule(s));
      }
    }
    for (const call of indexOf(sf).calls) {
      const s = requiredModule(call);
      if (s) modules.add(normaliseModule(s));
    }
    fi = { modules, resolved: new WeakMap() };
    cache.set(sf, fi);
  }
  return fi;
}

/** `require('m')` or `import('m')` -> 'm'. */
export function requiredModule(expr: ts.Expression): string | undefined {
  const e = unwrap(expr);
  if (!ts.isCallExpression(e) || e.arguments.length !== 1) return undefined;
  const isRequire = ts.isIdentifier(e.expression) && e.expression.text === 'require';
  const isDynamicImport = e.expression.kind === ts.SyntaxKind.ImportKeyword;
  return isRequire || isDynamicImport ? stringValue(e.arguments[0]) : undefined;
}

/** True when the file imports or requires a module matching `test` (exact name, or a RegExp over the normalised specifier). */
export function importsModule(sf: ts.SourceFile, test: string | RegExp): boolean {
  for (const m of fileImports(sf).modules) if (typeof test === 'string' ? m === test || m.startsWith(`${test}/`) : test.test(m)) return true;
  return false;
}

/** Every normalised module specifier the file imports. */
export function importedModules(sf: ts.SourceFile): ReadonlySet<string> {
  return fileImports(sf).modules;
}

/**
 * The qualified name of an expression (`express.json`, `fs.promises.readFile`, `@prisma/client.PrismaClient`),
 * or undefined when it does not come from an import. Default and namespace imports and `require` all
 * name the module itself.
 */
export function resolveImport(expr: ts.Expression): string | undefined {
  const sf = expr.getSourceFile();
  const fi = fileImports(sf);
  const cached = fi.resolved.get(expr);
  if (cached !== undefined) return cached ?? undefined;
  fi.resolved.set(expr, null); // guards against cycles (`const a = b, b = a`)
  const result = resolveUncached(unwrap(expr), 0);
  fi.resolved.set(expr, result ?? null);
  return result;
}

function resolveUncached(e: ts.Expression, depth: number): string | undefined {
  if (depth > 8) return undefined;
  if (ts.isIdentifier(e)) return resolveIdentifier(e, depth);
  if (ts.isPropertyAccessExpression(e)) {
    const base = resolveUncached(unwrap(e.expression), depth + 1);
    return base === undefined ? undefined : e.name.text === 'default' ? base : `${base}.${e.name.text}`;
  }
  if (ts.isElementAccessExpression(e)) {
    const name = stringValue(e.argumentExpression);
    const base = name === undefined ? undefined : resolveUncached(unwrap(e.expression), depth + 1);
    return base === undefined ? undefined : `${base}.${name}`;
  }
  if (ts.isAwaitExpression(e)) return resolveUncached(unwrap(e.expression), depth + 1);
  const required = requiredModule(e);
  return required === undefined ? undefined : normaliseModule(required);
}

function resolveIdentifier(id: ts.Identifier, depth: number): string | undefined {
  const decl = declarationOf(id);
  if (!decl) return undefined;
  if (ts.isImportClause(decl)) return moduleOf(decl.parent);
  if (ts.isNamespaceImport(decl)) return moduleOf(decl.parent.parent);
  if (ts.isImportSpecifier(decl)) {
    const mod = moduleOf(decl.parent.parent.parent);
    const imported = (decl.propertyName ?? decl.name).text;
    return mod === undefined ? undefined : imported === 'default' ? mod : `${mod}.${imported}`;
  }
  if (ts.isImportEqualsDeclaration(decl)) {
    if (!ts.isExternalModuleReference(decl.moduleReference)) return undefined;
    const s = stringValue(decl.moduleReference.expression);
    return s === undefined ? undefined : normaliseModule(s);
  }
  if (ts.isVariableDeclaration(decl)) {
    // Only aliases (`const fsp = fs.promises`, `const x = require('x')`), never values computed by calls.
    return decl.initializer && isAliasInitializer(decl.initializer) ? resolveUncached(unwrapAwait(decl.initializer), depth + 1) : undefined;
  }
  if (ts.isBindingElement(decl)) {
    const root = bindingRoot(decl);
    if (!root || !ts.isVariableDeclaration(root) || !root.initializer || !isAliasInitializer(root.initializer)) return undefined;
    if (ts.isArrayBindingPattern(decl.parent)) return undefined;
    const base = resolveUncached(unwrapAwait(root.initializer), depth + 1);
    if (base === undefined) return undefined;
    const path = bindingPath(decl).filter((p) => p !== 'default');
    return path.length ? `${base}.${path.join('.')}` : base;
  }
  return undefined;
}

function isAliasInitializer(init: ts.Expression): boolean {
  const e = unwrapAwait(init);
  return ts.isIdentifier(e) || ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e) || requiredModule(e) !== undefined;
}

function moduleOf(decl: ts.ImportDeclaration | ts.JSDocImportTag): string | undefined {
  return ts.isImportDeclaration(decl) && ts.isStringLiteral(decl.moduleSpecifier) ? normaliseModule(decl.moduleSpecifier.text) : undefined;
}

/**
 * The raw module specifier a local name was imported or required from (`'../lib/prisma'`), with the
 * imported name (`prisma`, or 'default' / '*'), or undefined for names that are not imports.
 */
export function importSource(id: ts.Identifier): { specifier: string; imported: string } | undefined {
  const decl = declarationOf(id);
  if (!decl) return undefined;
  if (ts.isImportClause(decl)) return specifierOf(decl.parent, 'default');
  if (ts.isNamespaceImport(decl)) return specifierOf(decl.parent.parent, '*');
  if (ts.isImportSpecifier(decl)) return specifierOf(decl.parent.parent.parent, (decl.propertyName ?? decl.name).text);
  if (ts.isImportEqualsDeclaration(decl) && ts.isExternalModuleReference(decl.moduleReference)) {
    const s = stringValue(decl.moduleReference.expression);
    return s === undefined ? undefined : { specifier: s, imported: '*' };
  }
  if (ts.isVariableDeclaration(decl) && decl.initializer) {
    const init = unwrapAwait(decl.initializer);
    const direct = requiredModule(init);
    if (direct !== undefined) return { specifier: direct, imported: '*' };
    if (ts.isPropertyAccessExpression(init)) {
      const s = requiredModule(unwrapAwait(init.expression));
      if (s !== undefined) return { specifier: s, imported: init.name.text };
    }
    return undefined;
  }
  if (ts.isBindingElement(decl)) {
    const root = bindingRoot(decl);
    const s = root && ts.isVariableDeclaration(root) && root.initializer ? requiredModule(unwrapAwait(root.initializer)) : undefined;
    if (s === undefined) return undefined;
    return { specifier: s, imported: bindingPath(decl)[0] ?? '*' };
  }
  return undefined;
}

function specifierOf(decl: ts.ImportDeclaration | ts.JSDocImportTag, imported: string): { specifier: string; imported: string } | undefined {
  return ts.isImportDeclaration(decl) && ts.isStringLiteral(decl.moduleSpecifier) ? { specifier: decl.moduleSpecifier.text, imported } : undefined;
}

/** The import declarations and top-level `require` statements of a file, in order (where new imports go). */
export function importStatements(sf: ts.SourceFile): ts.Statement[] {
  const out: ts.Statement[] = [];
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) || ts.isImportEqualsDeclaration(st)) out.push(st);
    else if (ts.isVariableStatement(st) && st.declarationList.declarations.some((d) => d.initializer && requiredModule(unwrapAwait(d.initializer)) !== undefined)) out.push(st);
  }
  return out;
}

/** True when the file is an ES module (uses `import`/`export`) rather than CommonJS `require`. */
export function usesEsmSyntax(sf: ts.SourceFile): boolean {
  return sf.statements.some(
    (st) => ts.isImportDeclaration(st) || ts.isExportDeclaration(st) || ts.isExportAssignment(st) || (ts.canHaveModifiers(st) && (ts.getModifiers(st) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)),
  );
}
