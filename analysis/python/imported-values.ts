/**
 * Values a module takes from another project module (`from app.config import WORKERS` in a gunicorn config):
 * the expression that module assigns, with the names it uses from its own module-level assignments (and its
 * own imports, a few levels deep) written out in place, so the expression can be evaluated where it is used.
 * Text only (no parse): module-level `name = expr` assignments, as the budget reads gunicorn configs.
 */
import type { ModuleIndex, ModuleReader } from './module-graph';

const MAX_DEPTH = 4;
const FROM_IMPORT = /^from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)/gm;
/** String literals (kept as they are) or a name not preceded by a dot (an identifier to write out). */
const TOKEN = /("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(?<![.\w])([A-Za-z_]\w*)\b/g;

/** Module-level `name = expr` of a module's text (the last one wins, as at run time), one line each. */
export function moduleAssignments(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^([A-Za-z_]\w*)[ \t]*(?::[^=\n]+)?=(?!=)[ \t]*([^\n#]+)/gm)) out.set(m[1], m[2].trim());
  return out;
}

/** `from m import a, b as c` at module level: local name -> [module as written, name]. */
export function fromImports(text: string): Map<string, [string, string]> {
  const out = new Map<string, [string, string]>();
  for (const m of text.matchAll(FROM_IMPORT)) {
    for (const part of m[2].replace(/[()]/g, '').split(',')) {
      const [name, , alias] = part.trim().split(/\s+/);
      if (name && /^\w+$/.test(name)) out.set(alias && /^\w+$/.test(alias) ? alias : name, [m[1], name]);
    }
  }
  return out;
}

/**
 * The expression `name` has in `file`'s module, imported from another project module, with that module's
 * own names written out (parenthesised); undefined when it is not imported from a project module or not a
 * plain module-level assignment there.
 */
export function importedExpression(index: ModuleIndex, file: string, text: string, name: string, read: ModuleReader, depth = 0): string | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const origin = fromImports(text).get(name);
  if (!origin) return undefined;
  const [module, original] = origin;
  const absolute = module.startsWith('.') ? index.absoluteName(file, module) : module;
  const target = absolute ? index.resolve(absolute)?.file : undefined;
  const targetText = target ? read(target) : undefined;
  if (!target || targetText === undefined) return undefined;
  return expressionIn(index, target, targetText, original, read, depth + 1);
}

/** `name`'s expression in a module, its module-level names and project imports written out. */
function expressionIn(index: ModuleIndex, file: string, text: string, name: string, read: ModuleReader, depth: number): string | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const assignments = moduleAssignments(text);
  const expr = assignments.get(name);
  if (expr === undefined) return importedExpression(index, file, text, name, read, depth);
  return expr.replace(TOKEN, (whole, str: string | undefined, id: string | undefined) => {
    if (str !== undefined || id === undefined || id === name) return whole;
    const inner = assignments.has(id) ? expressionIn(index, file, text, id, read, depth + 1) : importedExpression(index, file, text, id, read, depth + 1);
    return inner === undefined ? whole : `(${inner})`;
  });
}
