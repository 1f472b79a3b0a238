/**
 * The function a call of an imported name runs: `getTelemetryForDevice(deviceId, limit)` where the handler's module
 * says `import { getTelemetryForDevice } from './db/telemetryQuery'` (or `@/lib/leaderboard`, a tsconfig path), and that
 * module declares `export async function getTelemetryForDevice(id, limit)` or `export const ... = (...) =>`. For rules
 * that follow a request value into the data-access function it is handed to. The module's parse is kept per text
 * version (a keystroke in the caller reuses it).
 */
import { ts } from 'ts-morph';
import type { RuleContext } from '../../rules/api';
import { FileVersionSlot } from '../cache';
import { functionValue, type FunctionNode } from './ast';
import { importSource } from './imports';
import { resolveModule } from './import-graph';

const parses = new FileVersionSlot<ts.SourceFile>('ts-imported-function-modules', 64);

/** The declaration of the function `callee` names, when it is imported from a module of the project (or declared in this file). */
export function importedFunction(ctx: RuleContext, callee: ts.Identifier): FunctionNode | undefined {
  const local = functionValue(callee);
  if (local) return local;
  const module = importedModule(ctx, callee);
  return module && topLevelFunction(module.sf, module.imported === 'default' ? undefined : module.imported);
}

/** The parsed project module a name is imported from, with the name it is exported under ('default' for a default import). */
function importedModule(ctx: RuleContext, id: ts.Identifier): { sf: ts.SourceFile; imported: string } | undefined {
  const source = importSource(id);
  if (!source || source.imported === '*') return undefined;
  const file = resolveModule(ctx.project, ctx.file.relPath, source.specifier);
  const text = file !== undefined ? ctx.project.readFile(file) : undefined;
  if (file === undefined || text === undefined) return undefined;
  const sf = parses.get(file, text, () => ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, /\.[cm]?jsx?$/.test(file) ? ts.ScriptKind.JS : ts.ScriptKind.TS));
  return { sf, imported: source.imported };
}

/** `function name`, `const name = () =>` / `function () {}` at the top level; the default export for undefined. */
function topLevelFunction(sf: ts.SourceFile, name: string | undefined): FunctionNode | undefined {
  for (const s of sf.statements) {
    const isDefault = (ts.canHaveModifiers(s) ? ts.getModifiers(s) ?? [] : []).some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
    if (ts.isFunctionDeclaration(s) && s.body && (name === undefined ? isDefault : s.name?.text === name)) return s;
    if (name !== undefined && ts.isVariableStatement(s)) {
      for (const d of s.declarationList.declarations) {
        if (!ts.isIdentifier(d.name) || d.name.text !== name || !d.initializer) continue;
        const init = d.initializer;
        if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) return init;
      }
    }
  }
  return undefined;
}

/** The class `id` names: declared in this file, or imported from a module of the project. */
export function importedClass(ctx: RuleContext, id: ts.Identifier): ts.ClassDeclaration | undefined {
  for (const s of id.getSourceFile().statements) if (ts.isClassDeclaration(s) && s.name?.text === id.text) return s;
  const module = importedModule(ctx, id);
  for (const s of module?.sf.statements ?? []) {
    if (!ts.isClassDeclaration(s)) continue;
    const isDefault = (ts.getModifiers(s) ?? []).some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
    if (module!.imported === 'default' ? isDefault : s.name?.text === module!.imported) return s;
  }
  return undefined;
}
