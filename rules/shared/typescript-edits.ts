/**
 * Minimal text edits over TS/JS code for the TS rules' fixes: add a property to an object literal in the
 * object's own layout, add an argument, add an import. Edits touch only the text they describe.
 */
import { ts } from 'ts-morph';
import type { OffsetEdit } from '../api';
import { eol, indentAt } from '../../analysis/typescript/ast';
import { importStatements, normaliseModule, requiredModule, usesEsmSyntax } from '../../analysis/typescript/imports';

/** Adds `argText` as the last argument of a call: `f()` -> `f(argText)`, `f(a)` -> `f(a, argText)`. */
export function insertIntoArguments(call: ts.CallExpression, argText: string): OffsetEdit {
  const args = call.arguments;
  if (args.length === 0) return { start: args.pos, end: args.pos, newText: argText };
  const last = args[args.length - 1];
  return { start: last.getEnd(), end: last.getEnd(), newText: `, ${argText}` };
}

/**
 * Adds `prop` (e.g. `take: 100`) as the last property of an object literal, in its layout:
 * `{}` -> `{ take: 100 }`, `{ a }` -> `{ a, take: 100 }`, and one property per line (with the same
 * indentation and trailing-comma style) when the object spans lines.
 */
export function insertObjectProperty(text: string, obj: ts.ObjectLiteralExpression, prop: string): OffsetEdit | undefined {
  const open = obj.getStart();
  const close = obj.getEnd() - 1;
  if (text[open] !== '{' || text[close] !== '}') return undefined; // an object still being typed
  const props = obj.properties;
  if (props.length === 0) {
    const inner = text.slice(open + 1, close);
    if (inner.includes('\n')) {
      const indent = indentAt(text, open);
      return { start: open + 1, end: close, newText: `${eol(text)}${indent}  ${prop},${eol(text)}${indent}` };
    }
    return { start: open + 1, end: close, newText: ` ${prop} ` };
  }
  const last = props[props.length - 1];
  const afterLast = last.getEnd();
  const trailingComma = props.hasTrailingComma;
  const commaEnd = trailingComma ? text.indexOf(',', afterLast) + 1 : afterLast;
  const lastStartsOwnLine = text.slice(open, last.getStart()).includes('\n');
  if (lastStartsOwnLine) {
    const indent = indentAt(text, last.getStart());
    if (trailingComma) return { start: commaEnd, end: commaEnd, newText: `${eol(text)}${indent}${prop},` };
    return { start: afterLast, end: afterLast, newText: `,${eol(text)}${indent}${prop}` };
  }
  if (trailingComma) return { start: commaEnd, end: commaEnd, newText: ` ${prop},` };
  return { start: afterLast, end: afterLast, newText: `, ${prop}` };
}

/**
 * An edit that makes `name` from `module` available, or undefined when it already is:
 * ESM files get `import { name } from 'module';` after the last import, CommonJS files
 * `const { name } = require('module');` after the last require.
 */
export function ensureNamedImport(sf: ts.SourceFile, text: string, module: string, name: string): OffsetEdit | undefined {
  const wanted = normaliseModule(module);
  const statements = importStatements(sf);
  for (const st of statements) {
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier) && normaliseModule(st.moduleSpecifier.text) === wanted) {
      const bindings = st.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings)) {
        if (bindings.elements.some((e) => e.name.text === name && (e.propertyName?.text ?? name) === name)) return undefined;
        if (!st.importClause?.isTypeOnly && bindings.elements.length > 0) {
          const last = bindings.elements[bindings.elements.length - 1];
          return { start: last.getEnd(), end: last.getEnd(), newText: `, ${name}` };
        }
      }
    }
    if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) {
        if (!d.initializer || requiredModule(d.initializer) === undefined || normaliseModule(requiredModule(d.initializer)!) !== wanted) continue;
        if (ts.isObjectBindingPattern(d.name)) {
          if (d.name.elements.some((e) => ts.isIdentifier(e.name) && e.name.text === name && !e.propertyName)) return undefined;
          const last = d.name.elements[d.name.elements.length - 1];
          if (last) return { start: last.getEnd(), end: last.getEnd(), newText: `, ${name}` };
        }
      }
    }
  }
  const nl = eol(text);
  const esm = usesEsmSyntax(sf) || statements.some(ts.isImportDeclaration);
  const quote = /^\s*import[^\n]*"/m.test(text) || /require\("/.test(text) ? '"' : "'";
  const semi = statements.length === 0 || text.slice(statements[0].getStart(), statements[0].getEnd()).trimEnd().endsWith(';') ? ';' : '';
  const line = esm ? `import { ${name} } from ${quote}${module}${quote}${semi}` : `const { ${name} } = require(${quote}${module}${quote})${semi}`;
  const anchor = statements[statements.length - 1];
  if (anchor) return { start: anchor.getEnd(), end: anchor.getEnd(), newText: `${nl}${line}` };
  const first = sf.statements[0];
  const at = first ? first.getStart() : 0;
  return { start: at, end: at, newText: `${line}${nl}${first ? nl : ''}` };
}
