/**
 * A top-level class split into its methods, for per-method caches. A ViewSet of 40 methods is one top-level
 * statement: a keystroke inside one method would re-analyse all 40 with a per-statement cache alone. Each method
 * directly in the class body becomes a unit keyed by its own text; everything else of the class (decorators, the
 * `class Name(Bases):` line, class attributes, nested classes) is `classText`, which callers put in each method's
 * key, and the body's other children are analysed with the class as before.
 */
import type { Node } from 'web-tree-sitter';
import { statementTextId } from '../cache';
import type { TopLevelStatement } from './statements';

export interface ClassMethods {
  readonly cls: Node;
  /** The class's text outside its methods (header, class attributes, nested classes), in source order. */
  readonly classText: string;
  /** The header (decorators and `class` line, a unit of its own), then the body's named children, in source order; `method` ones may be cached on their own. */
  readonly children: readonly { readonly unit: TopLevelStatement; readonly method: boolean }[];
}

/**
 * The class of a top-level statement split into its header and body children, or undefined when the split would
 * lose something: not a class at column 0, or a match of `word` (a `g` pattern: what the caller's analysis starts
 * from) outside the header and every body child (between children of an error-recovered body).
 */
export function classMethods(statement: TopLevelStatement, word: RegExp): ClassMethods | undefined {
  if (statement.node.startPosition.column !== 0) return undefined;
  const cls = statement.type === 'decorated_definition' ? statement.node.childForFieldName('definition') : statement.node;
  if (cls?.type !== 'class_definition') return undefined;
  const body = cls.childForFieldName('body');
  if (body?.type !== 'block') return undefined;
  const treeHasError = statement.node.tree.rootNode.hasError;
  // The header (decorators, `class Name(Bases):`) comes first, analysed with the class like its attributes.
  let classText = statement.text.slice(0, body.startIndex - statement.start);
  const header = { node: statement.node, type: 'class header', start: statement.start, end: body.startIndex, text: classText, textId: 0, cacheable: false };
  const children: { unit: TopLevelStatement; method: boolean }[] = [{ unit: header, method: false }];
  for (const node of body.namedChildren) {
    if (!node) continue;
    const def = node.type === 'decorated_definition' ? node.childForFieldName('definition') : node;
    const method = def?.type === 'function_definition';
    const text = node.text;
    if (!method) classText += `\u0000${text}`;
    const cacheable = method && !(treeHasError && node.hasError);
    children.push({ unit: { node, type: node.type, start: node.startIndex, end: node.endIndex, text, textId: method ? statementTextId(text) : 0, cacheable }, method });
  }
  if (!matchesInside(statement, children.map((c) => c.unit), word)) return undefined;
  return { cls, classText, children };
}

/** Every match of `word` in the statement's text lies inside one of the units (sorted by start). */
function matchesInside(statement: TopLevelStatement, units: readonly TopLevelStatement[], word: RegExp): boolean {
  let i = 0;
  for (const m of statement.text.matchAll(word)) {
    const at = statement.start + (m.index ?? 0);
    while (i < units.length && units[i].end <= at) i++;
    if (i >= units.length || at < units[i].start || at + m[0].length > units[i].end) return false;
  }
  return true;
}
