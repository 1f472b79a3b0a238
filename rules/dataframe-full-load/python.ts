/**
 * dataframe-full-load: pandas reads that load every column and row, and DataFrames kept per session
 * in Streamlit's `st.session_state`.
 */
import { clip } from '../shared/format';
import type { Node, Tree } from 'web-tree-sitter';
import { defineRule, type FixSpec, type OffsetEdit, type RuleContext } from '../api';
import { ancestor, hasSplat, indentOf, keywordArgument, positionalArguments, stringValue } from '../../analysis/python/ast';
import { inferColumnUse } from '../../analysis/python/dataframe-columns';
import { batchJobScript } from '../../analysis/deploy/batch-jobs';
import { importsOf, type ImportMap } from '../../analysis/python/imports';
import { checkGrowthInLoops } from './grown-in-loop';
import { dataframeTrigger } from './python-trigger';
import { shippedSmallFile } from '../../analysis/python/shipped-files';
import { inDeadFunction } from '../../analysis/python/dead-functions';
import { identifiersNamed, sessionStateOf } from '../../analysis/python/module-state';

interface Reader {
  /** Keyword arguments any one of which bounds the columns or rows read. */
  bounds: readonly string[];
  /** The keyword that selects columns, when the reader has one that takes names. */
  select?: 'usecols' | 'columns';
  /** Reads the result of a SQL query (the query itself may already be bounded). */
  sql?: boolean;
  source: 'file' | 'table' | 'query';
}

const FILE_BOUNDS = ['usecols', 'columns', 'nrows', 'chunksize'];
const READERS: Record<string, Reader> = {
  read_csv: { bounds: [...FILE_BOUNDS, 'iterator'], select: 'usecols', source: 'file' },
  read_table: { bounds: [...FILE_BOUNDS, 'iterator'], select: 'usecols', source: 'file' },
  read_excel: { bounds: FILE_BOUNDS, select: 'usecols', source: 'file' },
  read_json: { bounds: FILE_BOUNDS, source: 'file' },
  read_parquet: { bounds: [...FILE_BOUNDS, 'filters'], select: 'columns', source: 'file' },
  read_feather: { bounds: FILE_BOUNDS, select: 'columns', source: 'file' },
  read_sql: { bounds: FILE_BOUNDS, sql: true, source: 'query' },
  read_sql_query: { bounds: FILE_BOUNDS, sql: true, source: 'query' },
  read_sql_table: { bounds: FILE_BOUNDS, select: 'columns', source: 'table' },
};

/** pandas functions and DataFrame methods whose result is a (large) DataFrame. */
const FRAME_FACTORIES = new Set(['DataFrame', 'concat', 'merge', 'json_normalize', 'pivot_table', 'crosstab', 'get_dummies', 'from_records']);
const FRAME_METHODS = new Set([
  'copy', 'dropna', 'fillna', 'sort_values', 'sort_index', 'reset_index', 'set_index', 'merge', 'join', 'rename', 'assign', 'astype',
  'drop', 'drop_duplicates', 'query', 'pivot_table', 'pivot', 'melt', 'explode', 'convert_dtypes', 'infer_objects', 'replace',
]);

export default defineRule({
  meta: {
    id: 'dataframe-full-load',
    messages: {
      'sql-table': '{{reader}}() loads the whole table into memory: select columns and filter, or use chunksize=',
      'sql-select-star': '{{reader}}() loads the whole table (SELECT * without WHERE or LIMIT): filter, or use chunksize=',
      'columns-used': '{{reader}}() loads the whole {{source}} into memory: read only the {{columns}} used ({{select}}=)',
      'json-chunks': '{{reader}}() loads the whole file into memory: read in chunks',
      'pass-columns': '{{reader}}() loads the whole file into memory: pass columns=[...]',
      'pass-select': '{{reader}}() loads the whole {{source}} into memory: pass {{select}}= or chunksize=',
      'pass-rows': '{{reader}}() loads the whole {{source}} into memory: use nrows= or chunksize=',
      'session-frame': 'Keeps a DataFrame per browser session ({{key}}): share one with @st.cache_data',
      'grown-in-loop': '{{call}}() in a loop copies all of {{frame}} each pass: build the frame once after the loop',
    },
    kinds: ['python'],
    defaultSeverity: 'warning',
    fix: 'unsafe',
    trigger: dataframeTrigger,
    docs: {
      summary: 'pandas reads that load every column and every row into memory, DataFrames grown row by row in a loop, and DataFrames kept per session in st.session_state.',
      whatItDoes:
        'Finds `pd.read_csv` / `read_table` / `read_excel` / `read_json` / `read_parquet` / `read_feather` / `read_sql` / ' +
        '`read_sql_query` / `read_sql_table` calls (any import spelling: `import pandas as pd`, `from pandas import read_csv`) ' +
        'that pass none of `usecols` / `columns` / `nrows` / `chunksize`. A SQL query that already names its columns, has a ' +
        '`LIMIT` or a `WHERE`, or cannot be read statically is left alone; `SELECT *` over a whole table is reported. It also ' +
        'finds DataFrames stored in Streamlit\'s `st.session_state` (item or attribute syntax): a pandas read or factory, a ' +
        'frame method\'s result, a boolean-mask filter `df[df["region"] == r]`, or the result of a function of this module or ' +
        'an imported one whose return annotation names a DataFrame (`def load(...) -> dict[str, pd.DataFrame]`). And it ' +
        'finds a DataFrame grown one piece per pass of a loop (`df = df.append(row)`, `df = pd.concat([df, new])`, also ' +
        '`self.df`) when the code shows the passes grow with the data: a `while` loop, a loop over a frame\'s rows or groups ' +
        '(`iterrows()`, `itertuples()`, `groupby()`), a loop nested in another, or a loop in a function this module calls ' +
        'from a loop (a parser called per scraped page). Each pass copies every row so far. A loop over a literal list, a ' +
        '`range` of at most 20 passes or a list the caller passes in, and `pd.concat(..., axis=1)` (columns), are left alone.\n\n' +
        'The fix adds `usecols=[...]` (`columns=[...]` for `read_parquet` / `read_feather` / `read_sql_table`) with the columns ' +
        'the code reads from the frame: `df["a"]`, `df[["a", "b"]]`, `df.a`, `df.loc[:, "a"]`, `df.groupby("a")["b"]`, ' +
        '`df.sort_values("a")`, row filters such as `df[df["a"] > 0]`, plotly express / `st.line_chart` arguments. It follows ' +
        'the variable through its function (or a private `self._df` through its class, or a script\'s top level) and offers ' +
        'no fix when any use could need other columns: the frame passed to another function, returned, stored, ' +
        '`df.columns`, `df.to_*()` / `df.describe()` / `df.sum()` over the whole frame, iteration over rows, `df[var]` with a ' +
        'non-literal key, `dropna()` without `subset`.',
      whyIsThisBad:
        'A DataFrame usually takes 5-10 times the size of its CSV on disk (object columns of Python strings are the worst), ' +
        'and every column is loaded even when the code reads two. A 100 MB export becomes 500 MB-1 GB in a worker with ' +
        '512 MB. In Streamlit, a DataFrame in `st.session_state` is a private copy per browser session, held until the ' +
        'session ends: ten users means ten copies; load it once in an `@st.cache_data(max_entries=...)` function instead.',
      example: {
        fileName: 'reports.py',
        code: `import pandas as pd


def revenue_by_region(path: str) -> dict:
    df = pd.read_csv(path)
    return df.groupby("region")["amount"].sum().to_dict()
`,
      },
      useInstead: {
        fileName: 'reports.py',
        code: `import pandas as pd


def revenue_by_region(path: str) -> dict:
    df = pd.read_csv(path, usecols=["region", "amount"])
    return df.groupby("region")["amount"].sum().to_dict()
`,
      },
      fixSafety:
        'Unsafe. The inferred columns are exactly those the visible code reads, so results do not change, but `usecols` ' +
        'raises if a named column is missing from a file (a misspelt `df.colum` attribute that used to fail later now fails ' +
        'at the read), and code in other modules cannot be seen. Review the list before applying. No fix is offered for ' +
        'SQL queries, JSON, or Streamlit session state.',
      notes:
        'Columns used only through a helper function, `df.query("...")` strings, or `df.eval` are not inferred (no fix). ' +
        'Module-level frames get a fix only in scripts (`if __name__ == "__main__":`) and Streamlit apps, or under a private ' +
        'name, since other modules could import them. A batch job, a script that a Dockerfile beside it runs as the ' +
        'container\'s one process (`ENTRYPOINT ["python", "main.py"]`) and that starts no server or loop, is not reported: ' +
        'it runs once, on a machine sized for the job. A file the repository ships is not reported: a path whose literal ' +
        'end (`root + "templates/codes.csv"`, `os.path.join(BASE_DIR, "data", "codes.csv")`) names a file of at most 256 KB ' +
        'beside the module, in a folder above it or at the project\'s root, that no line of the project writes (`to_csv`, ' +
        '`open(..., "w")`): it is as large as it will ever be. A read inside an undecorated module-level function that no ' +
        'production code calls (no caller at all, or callers only in tests, management commands or scripts no deploy ' +
        'starts) is not reported: it never runs in a worker.',
    },
  },
  check(ctx) {
    const tree = ctx.python();
    const imports = importsOf(tree);
    // A batch job's container runs the script once, on a machine sized for it: not a per-request load.
    if ((imports.importsModule('pandas') || imports.importsModule('modin')) && !batchJobScript(ctx)) {
      // A read inside a module-level function nothing in production calls never runs there: not reported.
      const live: RuleContext = Object.create(ctx, {
        report: { value: (spec: Parameters<RuleContext['report']>[0]) => (inDeadFunction(ctx, tree, spec.start) ? undefined : ctx.report(spec)) },
      });
      checkReaders(live, tree, imports);
      checkGrowthInLoops(live, tree, imports);
    }
    if (imports.importsModule('streamlit')) checkSessionState(ctx, tree, imports);
  },
});

// ---------------------------------------------------------------------------------------------
// Readers

function readerOf(imports: ImportMap, call: Node): [string, Reader] | undefined {
  const q = imports.resolve(call.childForFieldName('function'));
  const m = q ? /^(?:pandas|modin\.pandas)\.(read_\w+)$/.exec(q) : null;
  return m && READERS[m[1]] ? [m[1], READERS[m[1]]] : undefined;
}

function checkReaders(ctx: RuleContext, tree: Tree, imports: ImportMap): void {
  // Found from the text: reader names, plus readers imported under another name (`read_parquet as load`).
  const names = new Set(Object.keys(READERS));
  for (const [local, q] of imports.names) if (/^pandas\.read_/.test(q)) names.add(local);
  for (const id of identifiersNamed(tree, names)) {
    const parent = id.parent;
    const node = parent?.type === 'attribute' && parent.childForFieldName('attribute')?.id === id.id ? parent : id;
    const call = node.parent;
    if (call?.type !== 'call' || call.childForFieldName('function')?.id !== node.id) continue;
    const found = readerOf(imports, call);
    if (!found || hasSplat(call)) continue;
    const [fn, reader] = found;
    if (reader.bounds.some((k) => bounding(keywordArgument(call, k)))) continue;
    // `pd.read_json(df.to_json())`, `pd.read_csv(io.StringIO(json.dumps(rows)))`: the text is already in memory,
    // built by this process; there is no file to read in chunks or by columns.
    if (!reader.sql && inMemoryText(sourceArgument(call), imports, 0)) continue;
    // A small file the repository ships (`templates/codes.csv`, 16 KB) is as large as it will ever be.
    if (!reader.sql && shippedSmallFile(sourceArgument(call), ctx.project, ctx.file.relPath)) continue;
    const spelling = node.text;
    if (reader.sql) {
      const what = unboundedQuery(call, imports);
      if (!what) continue;
      ctx.report({
        start: call.startIndex,
        end: call.endIndex,
        messageId: what === 'table' ? 'sql-table' : 'sql-select-star',
        data: { reader: clip(spelling) },
        detail:
          'A DataFrame holds every row as Python and NumPy objects, several times their size in the database, for as long as the request runs. ' +
          'Select only the columns you need and filter with WHERE or LIMIT, or stream the result with chunksize= and process one chunk at a time.',
      });
      continue;
    }
    const fixes = reader.select ? columnFix(ctx, call, reader.select, imports) : undefined;
    ctx.report({ start: call.startIndex, end: call.endIndex, ...readerMessage(spelling, fn, reader, fixes?.columns), fixes: fixes?.fix });
  }
}

/** The reader's first argument: the path, buffer or text it reads. */
function sourceArgument(call: Node): Node | undefined {
  return positionalArguments(call)[0] ?? keywordArgument(call, 'filepath_or_buffer') ?? keywordArgument(call, 'path_or_buf') ?? keywordArgument(call, 'io') ?? keywordArgument(call, 'path');
}

/** Methods that return the serialised text when given no path: `df.to_json()`, `df.to_csv()`, `buf.getvalue()`. */
const TEXT_METHODS = new Set(['to_json', 'to_csv', 'getvalue']);

/**
 * Text this process serialised (`df.to_json()`, `json.dumps(...)`, `df.to_csv()` without a path, a `StringIO` /
 * `BytesIO` of such text), directly, through a variable assigned once, a function of this module that returns it,
 * or a dict entry (`req["data"]`) that the module fills with it under the same name. A path, an upload or any
 * other value is not.
 */
function inMemoryText(node: Node | null | undefined, imports: ImportMap, depth: number): boolean {
  if (!node || depth > 6) return false;
  switch (node.type) {
    case 'parenthesized_expression':
      return inMemoryText(node.namedChildren[0], imports, depth + 1);
    case 'await':
      return inMemoryText(node.namedChildren[0], imports, depth + 1);
    case 'identifier':
      return inMemoryText(lastAssignment(node), imports, depth + 1);
    case 'call': {
      const fn = node.childForFieldName('function');
      const q = imports.resolve(fn);
      if (q === 'json.dumps' || q === 'orjson.dumps' || q === 'ujson.dumps') return true;
      if (q === 'io.StringIO' || q === 'io.BytesIO') return inMemoryText(positionalArguments(node)[0], imports, depth + 1);
      if (fn?.type === 'attribute') {
        const method = fn.childForFieldName('attribute')?.text ?? '';
        if (TEXT_METHODS.has(method)) return positionalArguments(node).length === 0 && !keywordArgument(node, 'path_or_buf');
        if (method === 'encode' || method === 'decode') return inMemoryText(fn.childForFieldName('object'), imports, depth + 1);
        return false;
      }
      return fn?.type === 'identifier' && returnsInMemoryText(fn, imports, depth);
    }
    case 'subscript': {
      const key = stringValue(node.childForFieldName('subscript'));
      const holder = node.childForFieldName('value');
      return key !== undefined && holder?.type === 'identifier' && keyHoldsInMemoryText(node.tree.rootNode, holder.text, key, imports, depth);
    }
    default:
      return false;
  }
}

/** A function of this module whose every `return` gives serialised text. */
function returnsInMemoryText(fn: Node, imports: ImportMap, depth: number): boolean {
  const def = fn.tree.rootNode.namedChildren
    .map((s) => (s?.type === 'decorated_definition' ? s.childForFieldName('definition') : s))
    .find((d) => d?.type === 'function_definition' && d.childForFieldName('name')?.text === fn.text);
  if (!def) return false;
  const returns = def.descendantsOfType('return_statement').filter((r) => r && ancestor(r, 'function_definition')?.id === def.id);
  return returns.length > 0 && returns.every((r) => inMemoryText(r!.namedChildren[0], imports, depth + 1));
}

/**
 * Some `x["key"] = ...` of the module assigns serialised text: the key carries the data between the module's
 * steps (`req["data"] = df.to_json()` in one task, `pd.read_json(req["data"])` in the next), not a path.
 */
function keyHoldsInMemoryText(root: Node, holder: string, key: string, imports: ImportMap, depth: number): boolean {
  if (!root.text.includes(key)) return false;
  return root.descendantsOfType('assignment').some((a) => {
    const left = a?.childForFieldName('left');
    if (left?.type !== 'subscript' || left.childForFieldName('value')?.text !== holder) return false;
    return stringValue(left.childForFieldName('subscript')) === key && inMemoryText(a!.childForFieldName('right'), imports, depth + 1);
  });
}

function bounding(value: Node | undefined): boolean {
  return !!value && value.type !== 'none' && value.type !== 'false';
}

function readerMessage(spelling: string, fn: string, reader: Reader, columns: string[] | undefined): { messageId: string; data: Record<string, string>; detail: string } {
  const data = { reader: clip(spelling), source: reader.source === 'table' ? 'table' : 'file', select: reader.select ?? '' };
  const detail =
    reader.source === 'table'
      ? 'The rows become Python objects, several times their size in the database, and stay in memory while the request runs.'
      : 'A DataFrame is often 5-10x the size of the file on disk, and stays in memory while the request runs.';
  const todo = (messageId: string, more: string, extra: Record<string, string> = {}) => ({ messageId, data: { ...data, ...extra }, detail: `${detail} ${more}` });
  if (columns) {
    const names = columns.map((c) => JSON.stringify(c)).join(', ');
    return todo('columns-used', `This code reads only ${names}: pass ${reader.select}=[...] with them.`, { columns: columns.length === 1 ? 'column' : `${columns.length} columns` });
  }
  if (fn === 'read_json') return todo('json-chunks', 'Read JSON Lines with lines=True and chunksize= or nrows=, or store the data as Parquet and read only the columns you need.');
  if (reader.select === 'columns' && reader.source === 'file') return todo('pass-columns', `Pass columns=[...] with the columns you need${fn === 'read_parquet' ? ' and filters= for the rows' : ''}.`);
  if (reader.select) return todo('pass-select', `Pass ${reader.select}=[...] with the columns you need, or stream it with chunksize= and process one chunk at a time.`);
  return todo('pass-rows', 'Read only the rows you need with nrows=, or stream it with chunksize= and process one chunk at a time.');
}

/** `usecols=["a", "b"]` from the columns the code reads, or no fix when that cannot be known. */
function columnFix(ctx: RuleContext, call: Node, keyword: 'usecols' | 'columns', imports: ImportMap): { fix: FixSpec[]; columns: string[] } | undefined {
  const extra = requiredColumns(call);
  if (!extra) return undefined;
  const use = inferColumnUse(call, imports);
  if (use.kind !== 'columns' || use.columns.length === 0) return undefined;
  const columns = [...use.columns];
  for (const c of extra) if (!columns.includes(c)) columns.push(c);
  const list = `[${columns.map((c) => pythonString(c, use.quote)).join(', ')}]`;
  const existing = keywordArgument(call, keyword);
  const edit: OffsetEdit = existing ? { start: existing.startIndex, end: existing.endIndex, newText: list } : addKeyword(ctx.file.text, call, `${keyword}=${list}`);
  return { columns, fix: [{ title: `Read only the ${columns.length} column${columns.length === 1 ? '' : 's'} used: ${keyword}=${list}`, edits: [edit] }] };
}

/**
 * Columns other arguments of the read refer to by name (index_col, parse_dates, converters), which must stay
 * in the selection; undefined when an argument makes a column list unsafe (positional index_col, header=None,
 * a dict of sheets).
 */
function requiredColumns(call: Node): string[] | undefined {
  const out: string[] = [];
  const header = keywordArgument(call, 'header');
  if (header?.type === 'none' && !keywordArgument(call, 'names')) return undefined;
  const sheet = keywordArgument(call, 'sheet_name');
  if (sheet && sheet.type !== 'string' && sheet.type !== 'integer') return undefined;
  const index = keywordArgument(call, 'index_col');
  if (index && index.type !== 'none' && index.type !== 'false') {
    const cols = literalColumns(index);
    if (!cols) return undefined;
    out.push(...cols);
  }
  const dates = keywordArgument(call, 'parse_dates');
  if (dates && dates.type !== 'true' && dates.type !== 'false') {
    const cols = dates.type === 'dictionary' ? dates.namedChildren.flatMap((p) => literalColumns(p?.childForFieldName('value')) ?? [undefined]) : literalColumns(dates);
    if (!cols || cols.some((c) => c === undefined)) return undefined;
    out.push(...(cols as string[]));
  }
  const converters = keywordArgument(call, 'converters');
  if (converters) {
    if (converters.type !== 'dictionary') return undefined;
    for (const pair of converters.namedChildren) {
      const key = stringValue(pair?.childForFieldName('key'));
      if (key === undefined) return undefined;
      out.push(key);
    }
  }
  return out;
}

function literalColumns(node: Node | null | undefined): string[] | undefined {
  if (!node) return undefined;
  if (node.type === 'string') {
    const s = stringValue(node);
    return s === undefined ? undefined : [s];
  }
  if (node.type !== 'list' && node.type !== 'tuple') return undefined;
  const values = node.namedChildren.map((c) => stringValue(c));
  return values.every((v) => v !== undefined) ? (values as string[]) : undefined;
}

function pythonString(value: string, quote: string): string {
  return quote + value.replace(/\\/g, '\\\\').replace(new RegExp(quote, 'g'), `\\${quote}`).replace(/\n/g, '\\n') + quote;
}

/** Inserts `keyword=value` as the last argument, on its own line when the arguments are one per line. */
function addKeyword(text: string, call: Node, keyword: string): OffsetEdit {
  const args = call.childForFieldName('arguments')!;
  const items = args.namedChildren.filter((a): a is Node => !!a && a.type !== 'comment');
  const last = items[items.length - 1];
  if (!last) return { start: args.startIndex + 1, end: args.startIndex + 1, newText: keyword };
  const after = text.slice(last.endIndex, args.endIndex - 1);
  if (args.endPosition.row > last.endPosition.row) {
    const indent = indentOf(text, last.startIndex);
    if (/^\s*,/.test(after)) {
      const comma = last.endIndex + after.indexOf(',') + 1;
      return { start: comma, end: comma, newText: `\n${indent}${keyword},` };
    }
    return { start: last.endIndex, end: last.endIndex, newText: `,\n${indent}${keyword}` };
  }
  return { start: last.endIndex, end: last.endIndex, newText: `, ${keyword}` };
}

// ---------------------------------------------------------------------------------------------
// SQL

/** 'table' / 'select-star' when the query reads a whole table; undefined when it is bounded or unreadable. */
function unboundedQuery(call: Node, imports: ImportMap): 'table' | 'select-star' | undefined {
  const sqlNode = keywordArgument(call, 'sql') ?? positionalArguments(call)[0];
  const sql = staticSql(sqlNode, imports, 0);
  if (sql === undefined) return undefined;
  if (/^\s*[\w.]+\s*$/.test(sql)) return 'table';
  if (/\b(limit|top|fetch\s+(first|next)|where)\b/i.test(sql)) return undefined;
  const select = /^\s*select\s+(?:distinct\s+)?([\s\S]*?)\s+from\s/i.exec(sql);
  if (!select) return undefined;
  const star = select[1].split(',').some((item) => /^\s*(\w+\.)?\*\s*$/.test(item));
  return star ? 'select-star' : undefined;
}

/** The text of a SQL argument: a literal, an f-string's static parts, `text("...")`, or a variable bound to one. */
function staticSql(node: Node | null | undefined, imports: ImportMap, depth: number): string | undefined {
  if (!node || depth > 3) return undefined;
  switch (node.type) {
    case 'string':
      return node.namedChildren.map((c) => (c?.type === 'interpolation' ? '?' : c?.type === 'string_content' || c?.type === 'escape_sequence' ? c.text : '')).join('');
    case 'concatenated_string': {
      const parts = node.namedChildren.map((c) => staticSql(c, imports, depth + 1));
      return parts.every((p) => p !== undefined) ? parts.join('') : undefined;
    }
    case 'parenthesized_expression':
      return staticSql(node.namedChildren[0], imports, depth + 1);
    case 'call': {
      const q = imports.resolve(node.childForFieldName('function'));
      return q === 'sqlalchemy.text' || q === 'sqlalchemy.sql.text' ? staticSql(positionalArguments(node)[0], imports, depth + 1) : undefined;
    }
    case 'identifier':
      return staticSql(lastAssignment(node), imports, depth + 1);
    default:
      return undefined;
  }
}

/** The value last assigned to a variable before this use, in its function or at module level (one assignment only). */
function lastAssignment(id: Node): Node | undefined {
  const fn = ancestor(id, 'function_definition');
  const scopes = fn ? [fn, id.tree.rootNode] : [id.tree.rootNode];
  for (const scope of scopes) {
    const found: Node[] = [];
    for (const a of scope.descendantsOfType('assignment')) {
      const left = a?.childForFieldName('left');
      if (!a || left?.type !== 'identifier' || left.text !== id.text) continue;
      if (ancestor(a, 'function_definition')?.id !== (scope.type === 'module' ? undefined : scope.id)) continue;
      found.push(a);
    }
    if (found.length === 1) return found[0].childForFieldName('right') ?? undefined;
    if (found.length > 1) return undefined;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Streamlit session state

function checkSessionState(ctx: RuleContext, tree: Tree, imports: ImportMap): void {
  const session = sessionStateOf(tree);
  const frames = new Frames(ctx, imports);
  const reported = new Set<string>();
  for (const id of identifiersNamed(tree, new Set(['session_state', ...session.aliases]))) {
    const state = id.parent?.type === 'attribute' && id.parent.childForFieldName('attribute')?.id === id.id ? id.parent : id;
    const entry = state.parent;
    const node = entry?.parent;
    if (!session.isSessionState(state) || !entry || node?.type !== 'assignment' || node.childForFieldName('left')?.id !== entry.id) continue;
    const target = node.childForFieldName('left')!;
    const key = session.keyOf(target);
    if (key === undefined || reported.has(key)) continue;
    const value = node.childForFieldName('right');
    if (!frames.isDataFrame(value, 0) || writtenOut(value, imports)) continue;
    reported.add(key);
    ctx.report({
      start: target.startIndex,
      end: target.endIndex,
      messageId: 'session-frame',
      data: { key: clip(target.text, 30) },
      detail:
        'Each browser session gets its own copy, held until the session ends, so memory grows with the number of visitors. ' +
        'Load it in an @st.cache_data(max_entries=...) function shared by all sessions and keep only filters or keys in session_state.',
    });
  }
}

/**
 * `pd.DataFrame({"item": ["a", "b"], "qty": [1, 2]})`, `pd.DataFrame(columns=[...])`: a frame whose rows are written in
 * the source (directly or through one variable) is as small as the code, not a copy of a dataset per session.
 */
function writtenOut(node: Node | null, imports: ImportMap): boolean {
  const value = node?.type === 'identifier' ? lastAssignment(node) : node;
  if (value?.type !== 'call' || imports.resolve(value.childForFieldName('function')) !== 'pandas.DataFrame' || hasSplat(value)) return false;
  const data = positionalArguments(value)[0] ?? keywordArgument(value, 'data');
  let budget = 200;
  const literal = (n: Node | null | undefined): boolean => {
    if (!n || --budget < 0) return false;
    if (['string', 'integer', 'float', 'true', 'false', 'none'].includes(n.type)) return n.type !== 'string' || !n.namedChildren.some((c) => c?.type === 'interpolation');
    if (n.type === 'unary_operator') return literal(n.namedChildren[0]);
    if (n.type === 'list' || n.type === 'tuple') return n.namedChildren.every(literal);
    if (n.type === 'dictionary') return n.namedChildren.every((p) => p?.type === 'pair' && literal(p.childForFieldName('key')) && literal(p.childForFieldName('value')));
    return false;
  };
  return data === undefined || literal(data);
}

/** A return annotation that names a DataFrame: `-> pd.DataFrame`, `-> dict[str, pd.DataFrame]`, `-> list[DataFrame]`. */
const DATAFRAME_ANNOTATION = /\bDataFrame\b/;

/** Which expressions evaluate to pandas DataFrames (or containers of them) that this file builds or gets. */
class Frames {
  constructor(
    private readonly ctx: RuleContext,
    private readonly imports: ImportMap,
  ) {}

  isDataFrame(node: Node | null | undefined, depth: number): boolean {
    if (!node || depth > 8) return false;
    switch (node.type) {
      case 'parenthesized_expression':
        return this.isDataFrame(node.namedChildren[0], depth + 1);
      case 'call': {
        const fn = node.childForFieldName('function');
        const q = this.imports.resolve(fn);
        if (q && /^pandas\./.test(q)) {
          const name = q.slice('pandas.'.length);
          return FRAME_FACTORIES.has(name) || /^DataFrame\.from_/.test(name) || !!READERS[name];
        }
        if (fn?.type === 'attribute' && FRAME_METHODS.has(fn.childForFieldName('attribute')?.text ?? '')) {
          return this.isDataFrame(fn.childForFieldName('object'), depth + 1);
        }
        if (fn?.type === 'identifier') return this.returnsDataFrame(fn, depth) || this.importedReturnsDataFrame(q);
        return false;
      }
      case 'subscript': {
        const keys = node.childrenForFieldName('subscript');
        const key = keys.length === 1 ? keys[0] : undefined;
        if (!key) return false;
        const value = node.childForFieldName('value');
        // df[df["region"] == region]: a boolean mask over the same frame is a pandas filter, whatever df came from.
        if (isMaskOver(key, value)) return true;
        return key.type !== 'string' && key.type !== 'integer' && this.isDataFrame(value, depth + 1);
      }
      case 'identifier':
        return this.isDataFrame(lastAssignment(node), depth + 1);
      default:
        return false;
    }
  }

  /** A function of this module whose every `return` gives a DataFrame, or whose return annotation names one. */
  private returnsDataFrame(fn: Node, depth: number): boolean {
    const def = fn.tree.rootNode.namedChildren
      .map((s) => (s?.type === 'decorated_definition' ? s.childForFieldName('definition') : s))
      .find((d) => d?.type === 'function_definition' && d.childForFieldName('name')?.text === fn.text);
    if (!def) return false;
    if (DATAFRAME_ANNOTATION.test(def.childForFieldName('return_type')?.text ?? '')) return true;
    const returns = def.descendantsOfType('return_statement').filter((r) => r && ancestor(r, 'function_definition')?.id === def.id);
    return returns.length > 0 && returns.every((r) => this.isDataFrame(r!.namedChildren[0], depth + 1));
  }

  /**
   * `from loader import load_master` where loader.py declares `def load_master(...) -> dict[str, pd.DataFrame]`:
   * the module is looked up beside this file and at the project root.
   */
  private importedReturnsDataFrame(qualified: string | undefined): boolean {
    const dot = qualified?.lastIndexOf('.') ?? -1;
    if (!qualified || dot <= 0) return false;
    const modulePath = qualified.slice(0, dot).replace(/\./g, '/');
    const name = qualified.slice(dot + 1);
    const dir = this.ctx.file.relPath.includes('/') ? this.ctx.file.relPath.slice(0, this.ctx.file.relPath.lastIndexOf('/') + 1) : '';
    for (const candidate of [`${dir}${modulePath}.py`, `${dir}${modulePath}/__init__.py`, `${modulePath}.py`, `${modulePath}/__init__.py`]) {
      const text = this.ctx.project.readFile(candidate);
      if (text === undefined) continue;
      const signature = new RegExp(`^\\s*(?:async\\s+)?def\\s+${name}\\s*\\([^]*?\\)\\s*->\\s*([^:\\n]+):`, 'm').exec(text);
      return !!signature && DATAFRAME_ANNOTATION.test(signature[1]);
    }
    return false;
  }
}

/** `df[df["col"] == v]`, `df[(df.a > 1) & (df.b < 2)]`, `df[~df["x"].isna()]`: a comparison reading the same frame. */
function isMaskOver(key: Node, frame: Node | null): boolean {
  if (!frame) return false;
  if (!['comparison_operator', 'binary_operator', 'boolean_operator', 'unary_operator', 'parenthesized_expression', 'call'].includes(key.type)) return false;
  const mentionsFrame = key.descendantsOfType(['subscript', 'attribute']).some((n) => n?.childForFieldName(n.type === 'subscript' ? 'value' : 'object')?.text === frame.text);
  const compares = key.type === 'comparison_operator' || key.descendantsOfType('comparison_operator').length > 0 || /\.(isin|isna|notna|between|str\.contains)\(/.test(key.text);
  return mentionsFrame && compares;
}
