/**
 * The edit that adds a name to the `smallTables` setting, for the "Treat `Banner` as a small table" quick fix: in the
 * file the workspace's settings come from (memlint.toml, pyproject.toml's `[tool.memlint]`, package.json's
 * `"memlint"`, or an explicit config file), keeping its formatting, line endings and other keys; a new memlint.toml
 * when there is none. Plain offsets into the file's text: the LSP turns them into a WorkspaceEdit.
 */
import * as path from 'node:path';
import { modify, parseTree, findNodeAtLocation, type FormattingOptions } from 'jsonc-parser';
import { parseTOML, type AST as TomlAST } from 'toml-eslint-parser';
import { tableKey } from './small-tables';

export interface ConfigFileEdit {
  start: number;
  end: number;
  newText: string;
}

/**
 * The edits that list `table` in the settings file (`text` undefined: the file does not exist yet), [] when the name is
 * listed already, or undefined when the file cannot be edited safely (it does not parse, or holds the settings in a
 * form the edit would have to rewrite, such as an inline table).
 */
export function addSmallTableEdits(file: string, text: string | undefined, table: string): ConfigFileEdit[] | undefined {
  if (text === undefined) return [{ start: 0, end: 0, newText: `smallTables = [${tomlString(table)}]\n` }];
  const name = path.basename(file);
  if (name === 'package.json') return jsonEdits(text, ['memlint'], table);
  if (name.endsWith('.json')) return jsonEdits(text, [], table);
  return tomlEdits(text, name === 'pyproject.toml' ? ['tool', 'memlint'] : [], table);
}

function eolOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

function tomlString(s: string): string {
  return JSON.stringify(s);
}

function tomlEdits(text: string, prefix: string[], table: string): ConfigFileEdit[] | undefined {
  let ast: TomlAST.TOMLProgram;
  try {
    ast = parseTOML(text);
  } catch {
    return undefined;
  }
  const eol = eolOf(text);
  const keyNames = (key: TomlAST.TOMLKey) => key.keys.map((k) => (k.type === 'TOMLBare' ? k.name : String(k.value)));
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  const startsWith = (a: string[], b: string[]) => b.every((x, i) => a[i] === x);
  const top = ast.body[0];
  let settingsTable: TomlAST.TOMLTable | undefined;
  let firstTable: TomlAST.TOMLTable | undefined;
  let lastTopLevelPair: TomlAST.TOMLKeyValue | undefined;
  for (const item of top.body) {
    const pairs = item.type === 'TOMLKeyValue' ? [item] : item.body;
    const base = item.type === 'TOMLKeyValue' ? [] : keyNames(item.key);
    if (item.type === 'TOMLKeyValue') lastTopLevelPair = item;
    else {
      firstTable ??= item;
      if (same(base, prefix) && item.kind === 'standard') settingsTable = item;
    }
    for (const kv of pairs) {
      const full = [...base, ...keyNames(kv.key)];
      if (same(full, [...prefix, 'smallTables'])) {
        if (kv.value.type !== 'TOMLArray') return undefined;
        return arrayEdits(text, kv.value, table);
      }
      // The settings as an inline table (`memlint = { ... }` under `[tool]`): not rewritten.
      if (prefix.length > 0 && startsWith(prefix, full) && kv.value.type === 'TOMLInlineTable') return undefined;
    }
  }
  const line = `smallTables = [${tomlString(table)}]`;
  if (prefix.length === 0) {
    // Top-level keys come before the first table header.
    if (lastTopLevelPair) return [{ start: lastTopLevelPair.range[1], end: lastTopLevelPair.range[1], newText: `${eol}${line}` }];
    if (firstTable) {
      const at = text.lastIndexOf('\n', firstTable.range[0] - 1) + 1;
      return [{ start: at, end: at, newText: `${line}${eol}${eol}` }];
    }
    return [{ start: text.length, end: text.length, newText: `${text.length && !text.endsWith('\n') ? eol : ''}${line}${eol}` }];
  }
  if (settingsTable) {
    const last = settingsTable.body[settingsTable.body.length - 1];
    const at = last ? last.range[1] : settingsTable.key.range[1] + text.slice(settingsTable.key.range[1]).indexOf(']') + 1;
    return [{ start: at, end: at, newText: `${eol}${line}` }];
  }
  // No `[tool.memlint]` table yet (the settings may be sub-tables only): one at the end, which TOML allows.
  const lead = text.length === 0 ? '' : text.endsWith('\n') ? eol : `${eol}${eol}`;
  return [{ start: text.length, end: text.length, newText: `${lead}[${prefix.join('.')}]${eol}${line}${eol}` }];
}

/** Appends a string to a TOML array, after its last element (`[]` becomes `["X"]`); [] when it is listed already. */
function arrayEdits(text: string, array: TomlAST.TOMLArray, table: string): ConfigFileEdit[] | undefined {
  const names = array.elements.map((e) => (e.type === 'TOMLValue' && typeof e.value === 'string' ? e.value : undefined));
  if (names.some((n) => n !== undefined && tableKey(n) === tableKey(table))) return [];
  const last = array.elements[array.elements.length - 1];
  if (!last) {
    const close = array.range[1] - 1;
    return [{ start: array.range[0] + 1, end: close, newText: tomlString(table) }];
  }
  // A list written one name a line gets the new name on a line of its own, indented as the last one.
  const lineStart = text.lastIndexOf('\n', last.range[0] - 1) + 1;
  const multiline = text.slice(array.range[0], last.range[0]).includes('\n');
  const indent = /^[ \t]*/.exec(text.slice(lineStart))![0];
  const separator = multiline ? `,${eolOf(text)}${indent}` : ', ';
  return [{ start: last.range[1], end: last.range[1], newText: `${separator}${tomlString(table)}` }];
}

function jsonEdits(text: string, prefix: string[], table: string): ConfigFileEdit[] | undefined {
  const root = parseTree(text, [], { allowTrailingComma: true });
  if (!root) return undefined;
  const list = findNodeAtLocation(root, [...prefix, 'smallTables']);
  if (list?.type === 'array' && (list.children ?? []).some((c) => typeof c.value === 'string' && tableKey(c.value) === tableKey(table))) return [];
  if (list && list.type !== 'array') return undefined;
  const indent = /\n([ \t]+)\S/.exec(text)?.[1] ?? '  ';
  const formattingOptions: FormattingOptions = { insertSpaces: !indent.includes('\t'), tabSize: indent.includes('\t') ? 1 : indent.length, eol: eolOf(text) };
  const edits = list
    ? modify(text, [...prefix, 'smallTables', -1], table, { formattingOptions, isArrayInsertion: true })
    : modify(text, [...prefix, 'smallTables'], [table], { formattingOptions });
  return edits.map((e) => ({ start: e.offset, end: e.offset + e.length, newText: e.content }));
}
