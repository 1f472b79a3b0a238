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

/** A module-level binding in another project module: the module's file and text, and the name as bound there. */
export interface ModuleBinding {
  file: string;
  text: string;
  name: string;
}

/** `name = ...`, `name: T = ...` or `def name(` at module level. */
function bindsAtModuleLevel(text: string, name: string): boolean {
  return new RegExp(`^(?:${name}[ \\t]*(?::[^=\\n]+)?=(?!=)|(?:async[ \\t]+)?def[ \\t]+${name}[ \\t]*\\()`, 'm').test(text);
}

/** Modules a module star-imports (`from .base import *`), as written. */
function starImports(text: string): string[] {
  return [...text.matchAll(/^from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+\*/gm)].map((m) => m[1]);
}

function moduleFile(index: ModuleIndex, file: string, module: string, read: ModuleReader): { file: string; text: string } | undefined {
  const absolute = module.startsWith('.') ? index.absoluteName(file, module) : module;
  const target = absolute ? index.resolve(absolute)?.file : undefined;
  const text = target ? read(target) : undefined;
  return target && text !== undefined ? { file: target, text } : undefined;
}

/**
 * Where `name`, as `file`'s module sees it without binding it itself, is bound in another project module:
 * `from app.settings import WORKERS` (re-exports through `__init__.py` and star imports of split settings
 * followed). Undefined when it comes from no project module.
 */
export function importedBinding(index: ModuleIndex, file: string, text: string, name: string, read: ModuleReader, depth = 0): ModuleBinding | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const origin = fromImports(text).get(name);
  const sources: [string, string][] = origin ? [origin] : starImports(text).map((m) => [m, name]);
  for (const [module, original] of sources) {
    const target = moduleFile(index, file, module, read);
    if (!target || target.file === file) continue;
    if (bindsAtModuleLevel(target.text, original)) return { file: target.file, text: target.text, name: original };
    const further = importedBinding(index, target.file, target.text, original, read, depth + 1);
    if (further) return further;
  }
  return undefined;
}

/**
 * `module.name` where `module` is a project module `file` imports (`from app import settings`, `import
 * app.settings as settings`): where `name` is bound, in that module or one it imports it from.
 */
export function attributeBinding(index: ModuleIndex, file: string, text: string, alias: string, name: string, read: ModuleReader): ModuleBinding | undefined {
  const candidates: string[] = [];
  const origin = fromImports(text).get(alias);
  if (origin) candidates.push(`${origin[0]}${origin[0].endsWith('.') ? '' : '.'}${origin[1]}`);
  for (const m of text.matchAll(/^import[ \t]+([\w.]+)[ \t]+as[ \t]+(\w+)/gm)) if (m[2] === alias) candidates.push(m[1]);
  for (const module of candidates) {
    const target = moduleFile(index, file, module, read);
    if (!target || target.file === file) continue;
    if (bindsAtModuleLevel(target.text, name)) return { file: target.file, text: target.text, name };
    const further = importedBinding(index, target.file, target.text, name, read, 1);
    if (further) return further;
  }
  return undefined;
}
