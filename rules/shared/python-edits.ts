/**
 * Python edit builders shared by rules: add a missing import where a careful engineer would put it,
 * wrap statements in try/finally, guard a statement with an `if`, re-indent lines, remove one item of a
 * comma-separated list. Every builder returns minimal offset edits (or undefined when the code's layout
 * makes a clean edit impossible, e.g. several statements on one line); none of them throws.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { OffsetEdit } from '../api';
import { indentOf, walk } from '../../analysis/python/ast';

const DEFAULT_INDENT_UNIT = '    ';

function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** Offset of the newline that ends the line containing `offset` (or the text length). */
function lineEndOf(text: string, offset: number): number {
  const eol = text.indexOf('\n', offset);
  return eol === -1 ? text.length : eol;
}

/** True when only whitespace precedes the node on its line. */
export function startsItsLine(text: string, node: Node): boolean {
  return /^[ \t]*$/.test(text.slice(lineStartOf(text, node.startIndex), node.startIndex));
}

/** True when nothing but whitespace or a comment follows the node on its line. */
function endsItsLine(text: string, offset: number): boolean {
  return /^[ \t]*(#.*)?$/.test(text.slice(offset, lineEndOf(text, offset)));
}

/**
 * One level of indentation in the file's own style: the step between the first indented line and the
 * line that opened its block (4 spaces when the file has no indented code yet).
 */
export function indentUnit(text: string): string {
  const m = /:[ \t]*(?:#[^\n]*)?\n(?:[ \t]*\n)*([ \t]+)\S/.exec(text);
  if (!m) return DEFAULT_INDENT_UNIT;
  const opener = indentOf(text, m.index);
  const inner = m[1];
  return inner.startsWith(opener) && inner.length > opener.length ? inner.slice(opener.length) : DEFAULT_INDENT_UNIT;
}

/**
 * The indentation step used inside the block holding `statement`: its indentation minus that of the line
 * that opened the block (so a tab-indented function next to space-indented ones stays consistent).
 */
export function localIndentUnit(text: string, statement: Node): string {
  const own = indentOf(text, statement.startIndex);
  const block = statement.parent;
  const opener = block?.type === 'block' ? block.parent : undefined;
  if (opener) {
    const outer = indentOf(text, opener.startIndex);
    if (own.startsWith(outer) && own.length > outer.length) return own.slice(outer.length);
  }
  return indentUnit(text);
}

/** Multi-line string literals inside the nodes: their inner lines must not be re-indented. */
function multilineStrings(nodes: readonly Node[]): [number, number][] {
  const ranges: [number, number][] = [];
  for (const node of nodes) {
    walk(node, (n) => {
      if (n.type === 'string' && n.startPosition.row !== n.endPosition.row) {
        ranges.push([n.startIndex, n.endIndex]);
        return false;
      }
      return undefined;
    });
  }
  return ranges;
}

/**
 * Edits that add `unit` at the start of every non-blank line from `from` (a line start) to `to`,
 * skipping lines that continue a multi-line string. `firstPrefix` is inserted before the first line.
 */
export function indentLines(text: string, from: number, to: number, unit: string, nodes: readonly Node[], firstPrefix = ''): OffsetEdit[] {
  const strings = multilineStrings(nodes);
  const edits: OffsetEdit[] = [];
  for (let at = from; at < to; at = lineEndOf(text, at) + 1) {
    const line = text.slice(at, lineEndOf(text, at));
    const insideString = strings.some(([s, e]) => s < at && at < e);
    const prefix = at === from ? firstPrefix : '';
    const indent = insideString || line.trim() === '' ? '' : unit;
    if (prefix || indent) edits.push({ start: at, end: at, newText: prefix + indent });
    if (lineEndOf(text, at) >= text.length) break;
  }
  return edits;
}

/**
 * Wraps the sibling statements `first`..`last` of one block in `try:` / `finally:` with the given
 * finally body: lines without indentation, where each leading tab means one more level (written in the
 * block's own indentation style). `before` lines go above the `try:` at the block's indentation.
 */
export function wrapInTryFinally(text: string, first: Node, last: Node, finallyBody: readonly string[], before: readonly string[] = []): OffsetEdit[] | undefined {
  if (!startsItsLine(text, first) || !endsItsLine(text, last.endIndex)) return undefined;
  const indent = indentOf(text, first.startIndex);
  const unit = localIndentUnit(text, first);
  const from = lineStartOf(text, first.startIndex);
  const to = lineEndOf(text, last.endIndex);
  const statements: Node[] = [];
  for (let n: Node | null = first; n; n = n.nextNamedSibling) {
    statements.push(n);
    if (n.id === last.id) break;
  }
  const head = [...before, 'try:'].map((l) => `${indent}${l}\n`).join('');
  const edits = indentLines(text, from, to, unit, statements, head);
  const nested = (line: string) => line.replace(/^\t*/, (tabs) => unit.repeat(tabs.length));
  const tail = ['finally:', ...finallyBody.map((l) => `${unit}${nested(l)}`)].map((l) => `\n${indent}${l}`).join('');
  edits.push({ start: to, end: to, newText: tail });
  return edits;
}

/** Puts one statement under `if <condition>:` at its own indentation. */
export function guardStatement(text: string, statement: Node, condition: string): OffsetEdit[] | undefined {
  if (!startsItsLine(text, statement) || !endsItsLine(text, statement.endIndex)) return undefined;
  const indent = indentOf(text, statement.startIndex);
  const from = lineStartOf(text, statement.startIndex);
  return indentLines(text, from, lineEndOf(text, statement.endIndex), localIndentUnit(text, statement), [statement], `${indent}if ${condition}:\n`);
}

/** Removes a whole statement (its lines), or undefined when it shares a line with other code. */
export function removeStatementLines(text: string, statement: Node): OffsetEdit | undefined {
  if (!startsItsLine(text, statement) || !endsItsLine(text, statement.endIndex)) return undefined;
  const end = lineEndOf(text, statement.endIndex);
  return { start: lineStartOf(text, statement.startIndex), end: Math.min(end + 1, text.length), newText: '' };
}

/**
 * Removes one element of a comma-separated list (list/tuple element, dict pair, call argument) with its
 * comma: the whole line when the element sits on lines of its own, else the element and one adjacent comma.
 */
export function removeListItem(text: string, item: Node): OffsetEdit {
  const next = item.nextSibling;
  const prev = item.previousSibling;
  const comma = next?.type === ',' ? next : undefined;
  const afterItem = comma ? comma.endIndex : item.endIndex;
  if (startsItsLine(text, item) && endsItsLine(text, afterItem)) {
    const end = lineEndOf(text, afterItem);
    return { start: lineStartOf(text, item.startIndex), end: Math.min(end + 1, text.length), newText: '' };
  }
  if (comma) {
    const spaces = /^[ \t]*/.exec(text.slice(comma.endIndex))![0].length;
    return { start: item.startIndex, end: comma.endIndex + spaces, newText: '' };
  }
  if (prev?.type === ',') return { start: prev.startIndex, end: item.endIndex, newText: '' };
  return { start: item.startIndex, end: item.endIndex, newText: '' };
}

/** True when the module binds `name` to the module of that name with a top-level `import name`. */
export function hasModuleImport(tree: Tree, name: string): boolean {
  for (const stmt of tree.rootNode.namedChildren) {
    if (stmt?.type !== 'import_statement') continue;
    for (const child of stmt.childrenForFieldName('name')) {
      if (child?.type === 'dotted_name' && child.text.split('.')[0] === name) return true;
    }
  }
  return false;
}

function isDocstring(stmt: Node): boolean {
  return stmt.type === 'expression_statement' && stmt.namedChildCount === 1 && stmt.namedChild(0)?.type === 'string';
}

/** Top-level module of an import statement (`from a.b import c` -> `a`, `import x.y as z` -> `x`); '' for relative imports. */
function importedModule(stmt: Node): string {
  const first = stmt.type === 'import_from_statement' ? stmt.childForFieldName('module_name') : stmt.childrenForFieldName('name')[0];
  const name = first?.type === 'aliased_import' ? first.childForFieldName('name') : first;
  if (!name || name.type === 'relative_import') return '';
  return name.text.split('.')[0].toLowerCase();
}

/** Standard-library modules common in web code: where `import os` belongs in an isort-style header. */
const STDLIB = new Set(
  ('__future__ abc argparse ast asyncio atexit base64 bisect calendar codecs collections concurrent configparser contextlib ' +
    'contextvars copy csv ctypes dataclasses datetime decimal difflib email enum errno fnmatch fractions functools gc getpass ' +
    'glob gzip hashlib heapq hmac html http importlib inspect io ipaddress itertools json locale logging math mimetypes ' +
    'multiprocessing numbers operator os pathlib pickle platform pprint queue random re secrets select shlex shutil signal ' +
    'socket sqlite3 ssl stat statistics string struct subprocess sys tarfile tempfile textwrap threading time timeit traceback ' +
    'types typing unittest urllib uuid warnings weakref wsgiref xml zipfile zoneinfo').split(' '),
);

/**
 * An edit adding `import <module>` (a standard-library module) when it is not imported at top level: in
 * alphabetical order among the leading standard-library `import x` lines, before the first standard-library
 * import, as its own section before third-party imports, or after the module docstring and `__future__` imports.
 */
export function addImport(tree: Tree, text: string, module: string): OffsetEdit | undefined {
  if (hasModuleImport(tree, module)) return undefined;
  const statements = tree.rootNode.namedChildren.filter((n): n is Node => n !== null && n.type !== 'comment');
  let i = 0;
  if (statements[0] && isDocstring(statements[0])) i++;
  while (statements[i]?.type === 'future_import_statement') i++;
  const header: Node[] = [];
  for (let j = i; j < statements.length && (statements[j].type === 'import_statement' || statements[j].type === 'import_from_statement'); j++) {
    header.push(statements[j]);
  }
  const line = `import ${module}\n`;
  const insertBefore = (stmt: Node, extra = ''): OffsetEdit => {
    const at = lineStartOf(text, stmt.startIndex);
    return { start: at, end: at, newText: line + extra };
  };
  if (header.length > 0) {
    const stdlib: Node[] = [];
    for (const stmt of header) {
      if (!STDLIB.has(importedModule(stmt))) break;
      stdlib.push(stmt);
    }
    if (stdlib.length === 0) return insertBefore(header[0], '\n');
    const plain = stdlib.filter((stmt) => stmt.type === 'import_statement');
    const later = plain.find((stmt) => importedModule(stmt) > module);
    if (later) return insertBefore(later);
    if (plain.length === 0) return insertBefore(stdlib[0]);
    const last = plain[plain.length - 1];
    const at = Math.min(lineEndOf(text, last.endIndex) + 1, text.length);
    return { start: at, end: at, newText: at === text.length && !text.endsWith('\n') ? `\n${line}` : line };
  }
  const next = statements[i];
  if (!next) {
    const sep = text.length === 0 || text.endsWith('\n') ? '' : '\n';
    return { start: text.length, end: text.length, newText: `${sep}${i > 0 ? '\n' : ''}${line}` };
  }
  const at = lineStartOf(text, next.startIndex);
  const blankBefore = i > 0 && !/\n[ \t]*\n$/.test(text.slice(0, at)) ? '\n' : '';
  return { start: at, end: at, newText: `${blankBefore}${line}\n` };
}

/** Edits adding several standard-library imports; imports landing at the same place become one edit, in order. */
export function addImports(tree: Tree, text: string, modules: readonly string[]): OffsetEdit[] {
  const out: OffsetEdit[] = [];
  for (const module of [...modules].sort()) {
    const edit = addImport(tree, text, module);
    if (!edit) continue;
    const same = out.find((e) => e.start === edit.start);
    if (!same) {
      out.push(edit);
      continue;
    }
    // Both are "<blank lines>import x\n<blank lines>": put the new line right after the previous import line.
    const m = /^(\n*)((?:import \w+\n)+)(\n*)$/.exec(same.newText);
    same.newText = m ? `${m[1]}${m[2]}import ${module}\n${m[3]}` : same.newText + edit.newText;
  }
  return out;
}

/**
 * Removes `name` from a module-level `from x import ...` when `node` is its only use (the code using it is being
 * replaced): the name and its comma, or the whole statement when it imports nothing else. Undefined otherwise.
 */
export function removeUnusedImport(tree: Tree, text: string, name: string, node: Node): OffsetEdit | undefined {
  let uses = 0;
  let imported: Node | undefined;
  walk(tree.rootNode, (n) => {
    if (n.type === 'import_from_statement') {
      if (n.parent?.type === 'module') {
        for (const child of n.childrenForFieldName('name')) {
          const local = child?.type === 'aliased_import' ? child.childForFieldName('alias') : child;
          if (child && local?.text === name) imported = child;
        }
      }
      return false;
    }
    if (n.type === 'import_statement') return false;
    if (n.type === 'identifier' && n.text === name) uses++;
    return undefined;
  });
  const own = node.type === 'identifier' && node.text === name ? 1 : 0;
  if (!imported || uses !== own) return undefined;
  const statement = imported.parent!;
  const names = statement.childrenForFieldName('name').filter((c) => c !== null);
  return names.length === 1 ? removeStatementLines(text, statement) : removeListItem(text, imported);
}
