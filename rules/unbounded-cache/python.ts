/**
 * unbounded-cache (Python): caches and module state that grow for the life of the worker process.
 */
import { clip } from '../shared/format';
import type { Node, Tree } from 'web-tree-sitter';
import { defineRule, type FixSpec, type OffsetEdit, type ReportSpec, type RuleContext } from '../api';
import { captures, hasSplat, indentOf, keywordArgument, positionalArguments } from '../../analysis/python/ast';
import { importsOf, type ImportMap } from '../../analysis/python/imports';
import { importsMayDeclareGrown, unboundedCacheTrigger } from './python-trigger';
import { unboundedCacheMeta } from './meta';
import { fileMatches, StatementFindingsCache, statementMatches, topLevelStatements } from '../../analysis/python/statements';
import { decoratorsIn, describeContainer, identifiersNamed, importedStateOf, sourceOf, moduleStateOf, sizeLimitDeclarations, type Container } from '../../analysis/python/module-state';
import { importedContainers } from '../../analysis/python/imported-containers';

/** Decorators whose `maxsize=None` means "never evict". Bare use defaults to 128 entries. */
const LRU_LIKE = new Set([
  'functools.lru_cache',
  'async_lru.alru_cache',
  'cachetools.func.lru_cache',
  'cachetools.func.lfu_cache',
  'cachetools.func.fifo_cache',
  'cachetools.func.rr_cache',
  'cachetools.func.mru_cache',
  'cachetools.func.ttl_cache',
]);
/** Streamlit caches bounded only by `max_entries` / `ttl`; `cache_data` returns copies, `cache_resource` shared objects. */
const STREAMLIT_DATA = new Set(['streamlit.cache_data', 'streamlit.experimental_memo', 'streamlit.cache']);
const STREAMLIT_RESOURCE = new Set(['streamlit.cache_resource']);

export default defineRule({
  meta: {
    ...unboundedCacheMeta,
    kinds: ['python'],
    fix: 'unsafe',
    // A cache decorator, session state, a size limit, or a module-/class-level container that a function grows.
    trigger: unboundedCacheTrigger,
    docs: {
      summary: 'Caches and module-level state that grow for as long as the worker process lives.',
      whatItDoes:
        'Finds memoisation with no bound: `@lru_cache(maxsize=None)`, `@functools.cache`, and `@st.cache_data` / ' +
        '`@st.cache_resource` without `max_entries` or `ttl` (any import spelling: `import functools as ft`, ' +
        '`from functools import lru_cache as memo`), except on resource loaders, whose keys are the few paths, model ' +
        'directories and languages the code names: a body that opens a file with `open()`, loads a model with ' +
        '`from_pretrained()` or a data file with `json.load` / a `load_*()` helper, or parameters that all have defaults. It also finds dicts, lists and sets declared at module level ' +
        '(or as class attributes, reached through `self.`/`cls.`) that functions add to (`_cache[k] = v`, `.append`, ' +
        '`.setdefault`, `.update`, `|=`) while nothing in the module ever removes, clears, trims, reassigns or size-checks ' +
        'them, also when the container is declared in another project module and grown in the one that imports it ' +
        '(`from app.state import sessions` then `sessions[sid] = ...` in a route; reported where it grows, when no module bounds it); ' +
        'lists and dicts in `st.session_state` that runs append to and nothing trims; and a declared size ' +
        'limit (`MAX_CACHE = 2000`) that no code reads.\n\n' +
        'Not reported: bare `@lru_cache` and `lru_cache()` (128 entries), any explicit maxsize, functions without ' +
        'parameters (a cache of one entry, e.g. `get_settings()`), containers that are popped/cleared/bounded ' +
        '(`deque(maxlen=...)`, `cachetools.LRUCache`, `len(x) >` checks, `task.add_done_callback(_tasks.discard)`), registries ' +
        'filled at import time (module-level loops, registration decorators, functions called at module level, ' +
        '`__init_subclass__`), ALL_CAPS tables and containers filled by `register*` / `setup` functions, writes to fixed keys ' +
        '(`_state["client"] = ...`) or to keys that are classes (`cls._instances[cls]` in a singleton metaclass, ' +
        '`cache[type(obj)]`, `tables[model.__tablename__]`), and containers handed to other code that might evict them (passed to a call, returned, aliased).',
      whyIsThisBad:
        'A web worker lives for hours or days and serves every user. A cache keyed by user input (a URL, a query, ' +
        'a user id) gains an entry for every distinct value it ever sees and never gives one back, so the process ' +
        'grows until the platform kills it (Render/Heroku at 512 MB), then starts cold and grows again. Streamlit ' +
        'caches live in the server process for all sessions, and `st.session_state` lists live as long as each ' +
        'browser tab; a DataFrame per cache entry reaches hundreds of MB quickly.',
      example: {
        fileName: 'geo.py',
        code: `from functools import lru_cache

import requests


@lru_cache(maxsize=None)
def geocode(address: str) -> dict:
    return requests.get("https://geo.example.com", params={"q": address}, timeout=5).json()
`,
      },
      useInstead: {
        fileName: 'geo.py',
        code: `from functools import lru_cache

import requests


@lru_cache(maxsize=128)
def geocode(address: str) -> dict:
    return requests.get("https://geo.example.com", params={"q": address}, timeout=5).json()
`,
      },
      fixSafety:
        '`maxsize=None` -> `maxsize=128` and `@functools.cache` -> `@functools.lru_cache(maxsize=128)` are unsafe: code that ' +
        'relied on every result staying cached (a function called for its side effect once per key, identity of the ' +
        'returned objects) sees recomputation. Adding `max_entries=100` to `@st.cache_data` is unsafe too: the decorator ' +
        'returns a copy of the cached value on every call, but an evicted entry means the function runs again on the ' +
        'next miss, repeating its side effects (an API call, a query) and returning fresh data where the cached value ' +
        'stayed the same before. On `@st.cache_resource` it is unsafe as well: resources are shared objects (models, ' +
        'connections) and evicting one while a session still uses it can leave two live copies or a closed connection. ' +
        'Module-level containers get no automatic fix: the right bound (LRU, TTL, trimming) depends on the data.',
      notes:
        'Instance attributes (`self._seen = set()` in `__init__`) are not reported: their lifetime is the instance\'s. ' +
        'A container passed to another function, returned, or aliased is not reported, since that code may evict it. ' +
        'Growth through a local alias of a session-state list (`msgs = st.session_state.messages; msgs.append(...)`) is ' +
        'not followed. Rebinding a session-state key grows it only when the old contents flow into the new value ' +
        '(`+`, `[*old, x]`, `{**old}`): a widget\'s value (`st.session_state.project = st.selectbox(..., index=...)`) or a ' +
        'count replaces it. A key that is a parameter of a private function every call of which in the module passes a ' +
        'literal (`self._refresh(Unit, "unit")`) is a fixed key. More generally a key is bounded by the code, and adds no ' +
        'per-request growth, when it can only be a value the module spells out: literals and f-strings of them, ALL_CAPS ' +
        'constants, `__name__`/`__qualname__`, a loop variable over a literal tuple or a constant (or the key of `for key, value in CONSTANT.items()`), a local assigned only such ' +
        'values (`key = (venue.upper(), quote.upper())`), an integer setting clamped between two numbers, or a parameter every ' +
        'call of which in the module passes such a value (a log-once `_log_once("...")`, a throttle keyed by ' +
        '`f"backoff:{fn.__name__}"`); for a public function that holds only while no other module names it. A parameter the same ' +
        'function looks up in the environment (`os.environ.get(name)`, `os.getenv(key)`) names an environment variable: a ' +
        'memo of settings holds one entry per variable. A decorator that stores the function it ' +
        'decorates (an inner `decorator(func)` its factory returns, `register(self, func)` returning `func`) fills a registry at ' +
        'import, wherever it is applied. A cached loader that opens a file it names with its extension ' +
        '(`Lark.open(f"grammar_{lang}.lark")`) is a resource loader. The TypeScript side of this rule (Map/Set/array caches) has its own implementation.',
    },
  },
  check(ctx) {
    // A batch scan passed the file only for imported names it grows: parse only if their modules declare containers.
    if (!importsMayDeclareGrown(ctx)) return;
    const tree = ctx.python();
    const imports = importsOf(tree);
    checkCacheDecorators(ctx, tree, imports);
    const state = moduleStateOf(tree);
    const flagged = checkContainers(ctx, state.containers);
    checkSizeLimits(ctx, tree, state.containers, flagged);
    checkImportedContainers(ctx, tree);
  },
});

// ---------------------------------------------------------------------------------------------
// Memoisation decorators

const DECORATOR_LINE = /^[ \t]*@/m;
const MAXSIZE_NONE = /\bmaxsize\s*=\s*None\b/;
const decoratorFindings = new StatementFindingsCache<Record<string, never>>('unbounded-cache: decorator findings');

function checkCacheDecorators(ctx: RuleContext, tree: Tree, imports: ImportMap): void {
  const interesting = [...imports.names.entries()].some(([, q]) => /^(functools|streamlit|cachetools|async_lru)\b/.test(q));
  if (!interesting) return;
  // A decorator's findings depend on its top-level statement's text, the imports and the options only: replayed
  // from the per-statement cache while the statement is unchanged, so a keystroke in a module of a thousand cached
  // functions re-checks one statement, not a thousand.
  // Decorators are found per statement, and only for a statement the cache does not answer (a module of a
  // thousand cached functions would otherwise locate a thousand decorators per keystroke).
  const context = `${ctx.options.suggestedMaxsize}\u0000${ctx.options.suggestedMaxEntries}\u0000${JSON.stringify([...imports.names])}`;
  for (const statement of topLevelStatements(tree)) {
    if (!statementMatches(statement, DECORATOR_LINE)) continue;
    decoratorFindings.check(ctx, statement, context, () => true, (report) => {
      const sub: RuleContext = { ...ctx, report };
      for (const node of decoratorsIn(tree, statement.text, statement.start)) {
        const expr = node.namedChildren.find((c) => c?.type !== 'comment');
        const definition = node.parent?.childForFieldName('definition');
        if (!expr) continue;
        if (expr.type === 'call') checkCacheCall(sub, imports, expr, definition ?? undefined);
        else checkBareCache(sub, imports, expr, definition ?? undefined);
      }
      return {};
    });
  }
  // `fetch_cached = lru_cache(maxsize=None)(fetch)`: a cache applied without decorator syntax.
  const root = tree.rootNode;
  const text = sourceOf(tree);
  // Whether any statement holds one is asked per statement text (kept across keystrokes) before the text is searched.
  if (!fileMatches(ctx, MAXSIZE_NONE)) return;
  for (const m of text.matchAll(/\bmaxsize\s*=\s*None\b/g)) {
    // `@lru_cache(maxsize=None)` ending its line: the call's parent is the decorator, never a call; skip the lookup.
    const lineStart = text.lastIndexOf('\n', m.index!) + 1;
    const lineEnd = text.indexOf('\n', m.index!);
    const after = text.slice(m.index! + m[0].length, lineEnd < 0 ? text.length : lineEnd);
    if (/^[ \t]*@/.test(text.slice(lineStart, m.index!)) && /^\s*\)\s*(#.*)?$/.test(after)) continue;
    const at = root.startIndex + m.index!;
    const call = root.descendantForIndex(at, at + 7)?.parent?.parent?.parent;
    if (call?.type === 'call' && call.parent?.type === 'call' && call.parent.childForFieldName('function')?.id === call.id) {
      checkCacheCall(ctx, imports, call, undefined);
    }
  }
}

/** `@functools.cache`, `@cache`, bare `@st.cache_data` / `@st.cache_resource`. */
function checkBareCache(ctx: RuleContext, imports: ImportMap, expr: Node, definition: Node | undefined): void {
  const q = imports.resolve(expr);
  if (!q) return;
  const maxsize = ctx.options.suggestedMaxsize as number;
  const maxEntries = ctx.options.suggestedMaxEntries as number;
  if (q === 'functools.cache') {
    if (definition && boundedKeySpace(definition, false)) return;
    ctx.report({
      start: expr.startIndex,
      end: expr.endIndex,
      messageId: 'functools-cache',
      data: { decorator: clip(expr.text), maxsize },
      detail: `@${expr.text} never evicts: the result for every distinct argument stays in memory until the worker restarts. Use @${lruSpelling(expr, imports)}(maxsize=${maxsize}).`,
      fixes: cacheToLruFix(ctx, imports, expr, maxsize),
    });
  } else if (STREAMLIT_DATA.has(q) || STREAMLIT_RESOURCE.has(q)) {
    if (definition && boundedKeySpace(definition, true)) return;
    const resource = STREAMLIT_RESOURCE.has(q);
    ctx.report({
      start: expr.startIndex,
      end: expr.endIndex,
      ...streamlitMessage(expr.text, resource, maxEntries),
      fixes: [{ title: `Add max_entries=${maxEntries}`, safety: 'unsafe', edits: [{ start: expr.endIndex, end: expr.endIndex, newText: `(max_entries=${maxEntries})` }] }],
    });
  }
}

/** `@lru_cache(maxsize=None)`, `@st.cache_data(show_spinner=False)`, `@cached(cache={})`. */
function checkCacheCall(ctx: RuleContext, imports: ImportMap, call: Node, definition: Node | undefined): void {
  const fn = call.childForFieldName('function');
  const q = imports.resolve(fn);
  if (!fn || !q || hasSplat(call)) return;
  const maxsize = ctx.options.suggestedMaxsize as number;
  const maxEntries = ctx.options.suggestedMaxEntries as number;
  if (LRU_LIKE.has(q)) {
    const value = keywordArgument(call, 'maxsize') ?? positionalArguments(call)[0];
    if (value?.type !== 'none') return;
    if (definition && boundedKeySpace(definition, false)) return;
    const argument = value.parent?.type === 'keyword_argument' ? value.parent : value;
    ctx.report({
      start: argument.startIndex,
      end: argument.endIndex,
      messageId: 'maxsize-none',
      data: { decorator: clip(fn.text), maxsize },
      detail: `It keeps the result of every distinct call for the life of the worker, so the cache grows without bound. Set maxsize=${maxsize}.`,
      fixes: [{ title: `Set maxsize=${maxsize}`, safety: 'unsafe', edits: [{ start: value.startIndex, end: value.endIndex, newText: String(maxsize) }] }],
    });
  } else if (STREAMLIT_DATA.has(q) || STREAMLIT_RESOURCE.has(q)) {
    const entries = keywordArgument(call, 'max_entries');
    const ttl = keywordArgument(call, 'ttl');
    if ((entries && entries.type !== 'none') || (ttl && ttl.type !== 'none')) return;
    if (positionalArguments(call).length > 0) return; // `st.cache_data(func)` is not the decorator form we can read
    if (definition && boundedKeySpace(definition, true)) return;
    const resource = STREAMLIT_RESOURCE.has(q);
    const edit: OffsetEdit = entries
      ? { start: entries.startIndex, end: entries.endIndex, newText: String(maxEntries) }
      : addKeyword(ctx.file.text, call, `max_entries=${maxEntries}`);
    ctx.report({
      start: call.startIndex,
      end: call.endIndex,
      ...streamlitMessage(fn.text, resource, maxEntries),
      fixes: [{ title: `Add max_entries=${maxEntries}`, safety: 'unsafe', edits: [edit] }],
    });
  } else if (q === 'cachetools.cached') {
    const cache = keywordArgument(call, 'cache') ?? positionalArguments(call)[0];
    const kind = cache?.type === 'identifier' ? moduleStateOf(call.tree).containerOf(cache) : describeContainer(cache, imports);
    if (!cache || !kind || kind.bounded || kind.type !== 'dict') return;
    ctx.report({
      start: cache.startIndex,
      end: cache.endIndex,
      messageId: 'dict-cache',
      data: { decorator: clip(fn.text), maxsize },
      detail: `A plain dict never evicts, so the cache keeps the result of every distinct call for the life of the worker. Pass cachetools.LRUCache(maxsize=${maxsize}) or TTLCache instead.`,
    });
  }
}

function streamlitMessage(spelling: string, resource: boolean, maxEntries: number): Pick<ReportSpec, 'messageId' | 'data' | 'detail'> {
  return resource
    ? {
        messageId: 'streamlit-resource',
        data: { decorator: clip(spelling), maxEntries },
        detail: `Without max_entries or ttl it keeps one resource per distinct argument in the server process for as long as it runs. Add max_entries=${maxEntries} (or a ttl).`,
      }
    : {
        messageId: 'streamlit-data',
        data: { decorator: clip(spelling), maxEntries },
        detail: `Without max_entries or ttl it keeps a copy of every distinct call's result in the server process, for all sessions, until it restarts. Add max_entries=${maxEntries} (and a ttl if the data changes).`,
      };
}

/**
 * True when the cached function can only ever see a handful of keys: no parameters (a singleton such as
 * `get_settings()`), only `bool` / `Literal[...]` ones, or a resource loader (below). Streamlit does not hash
 * `_`-prefixed parameters.
 */
function boundedKeySpace(definition: Node, streamlit: boolean): boolean {
  if (!streamlit && isResourceLoader(definition)) return true;
  return boundedParameters(definition, streamlit);
}

/** Calls that load a resource from a file or a model directory, not a row or a response. */
const RESOURCE_LOAD = /^(open|load_\w+)\($|\.(from_pretrained|read_text|read_bytes|load_\w+)\($|^(json|yaml|pickle|joblib|np|numpy|torch|tomllib|toml)\.(safe_)?load\($/;

/**
 * A loader: its body opens a file or loads a model/tokenizer/grammar/JSON file (`Lark.open(...)`,
 * `AutoTokenizer.from_pretrained(model_dir)`, `load_json(path)`), or every parameter has a default (called bare, as a
 * singleton: `get_client(uri=None)`). Its keys are model directories, languages or file paths the code names, a
 * handful; a cache keyed by user input fetches rows or responses instead.
 */
function isResourceLoader(definition: Node): boolean {
  if (definition.type !== 'function_definition') return false;
  const params = (definition.childForFieldName('parameters')?.namedChildren ?? []).filter((p): p is Node => !!p && p.type !== 'comment');
  const named = params.filter((p) => !['keyword_separator', 'positional_separator', 'list_splat_pattern', 'dictionary_splat_pattern'].includes(p.type));
  if (named.length > 0 && named.every((p) => p.type === 'default_parameter' || p.type === 'typed_default_parameter')) return true;
  const body = definition.childForFieldName('body');
  if (!body) return false;
  return captures(definition.tree, '(call function: [(identifier) (attribute)] @fn)', body).some(({ node }) => RESOURCE_LOAD.test(`${node.text}(`) || opensNamedFile(node));
}

/**
 * `Lark.open(str(GRAMMARS_DIR / f"packaging_{lang}.lark"))`: a file whose name the code spells, extension included
 * (not `storage.open(doc_id)`, a document chosen by its id).
 */
function opensNamedFile(fn: Node): boolean {
  if (fn.type !== 'attribute' || fn.childForFieldName('attribute')?.text !== 'open') return false;
  const args = fn.parent?.childForFieldName('arguments');
  return !!args && /["'][^"'\n]*\.[A-Za-z]\w{1,5}["']/.test(args.text);
}

function boundedParameters(definition: Node, streamlit: boolean): boolean {
  if (definition.type !== 'function_definition') return false;
  const params = definition.childForFieldName('parameters')?.namedChildren.filter((p): p is Node => !!p && p.type !== 'comment') ?? [];
  const hashed = params.filter((p) => {
    if (p.type === 'keyword_separator' || p.type === 'positional_separator') return false;
    const name = (p.childForFieldName('name') ?? p.namedChildren.find((c) => c?.type === 'identifier') ?? p).text;
    return !(streamlit && name.startsWith('_'));
  });
  return hashed.every((p) => {
    if (p.type !== 'typed_parameter' && p.type !== 'typed_default_parameter') return false;
    const type = p.childForFieldName('type')?.text.replace(/\s+/g, '') ?? '';
    return type === 'bool' || /^(typing\.)?Literal\[/.test(type);
  });
}

/** Inserts `keyword=value` as the last argument, on its own line when the arguments are one per line. */
function addKeyword(text: string, call: Node, keyword: string): OffsetEdit {
  const args = call.childForFieldName('arguments')!;
  const items = args.namedChildren.filter((a): a is Node => !!a && a.type !== 'comment');
  const last = items[items.length - 1];
  if (!last) return { start: args.startIndex + 1, end: args.startIndex + 1, newText: keyword };
  const multiline = args.endPosition.row > last.endPosition.row;
  const after = text.slice(last.endIndex, args.endIndex - 1);
  const trailingComma = /^\s*,/.test(after);
  if (multiline) {
    const indent = indentOf(text, last.startIndex);
    if (trailingComma) {
      const comma = last.endIndex + after.indexOf(',') + 1;
      return { start: comma, end: comma, newText: `\n${indent}${keyword},` };
    }
    return { start: last.endIndex, end: last.endIndex, newText: `,\n${indent}${keyword}` };
  }
  return { start: last.endIndex, end: last.endIndex, newText: `, ${keyword}` };
}

/** How this file spells functools.lru_cache next to the given `cache` spelling (`ft.cache` -> `ft.lru_cache`). */
function lruSpelling(expr: Node, imports: ImportMap): string {
  if (expr.type === 'attribute') return `${expr.childForFieldName('object')!.text}.lru_cache`;
  return [...imports.names.entries()].find(([, q]) => q === 'functools.lru_cache')?.[0] ?? 'lru_cache';
}

/**
 * `@functools.cache` -> `@functools.lru_cache(maxsize=128)`, keeping the user's spelling. For a bare `@cache`
 * imported from functools, the import gains `lru_cache` (or trades `cache` for it when this was its last use).
 */
function cacheToLruFix(ctx: RuleContext, imports: ImportMap, expr: Node, maxsize: number): FixSpec[] {
  const title = `Use lru_cache(maxsize=${maxsize})`;
  if (expr.type === 'attribute') {
    const attr = expr.childForFieldName('attribute')!;
    return [{ title, edits: [{ start: attr.startIndex, end: attr.endIndex, newText: `lru_cache(maxsize=${maxsize})` }] }];
  }
  if (expr.type !== 'identifier') return [];
  const decorator: OffsetEdit = { start: expr.startIndex, end: expr.endIndex, newText: `${lruSpelling(expr, imports)}(maxsize=${maxsize})` };
  const item = importItem(expr.tree, expr.text);
  if (!item) return [];
  const lastUse = usesOf(expr.tree, expr.text) === 1;
  const hasLru = [...imports.names.values()].includes('functools.lru_cache');
  let importEdit: OffsetEdit | undefined;
  if (hasLru) importEdit = lastUse ? removeImportItem(ctx.file.text, item) : undefined;
  else if (lastUse) importEdit = { start: item.startIndex, end: item.endIndex, newText: 'lru_cache' };
  else importEdit = { start: item.endIndex, end: item.endIndex, newText: ', lru_cache' };
  return [{ title, edits: importEdit ? [importEdit, decorator] : [decorator] }];
}

/** The `cache` / `cache as memo` item of `from functools import ...` that binds the local name. */
function importItem(tree: Tree, local: string): Node | undefined {
  for (const { node } of captures(tree, '(import_from_statement module_name: (dotted_name) @m) @imp')) {
    if (node.type !== 'import_from_statement' || node.childForFieldName('module_name')?.text !== 'functools') continue;
    for (const item of node.childrenForFieldName('name')) {
      const name = item.type === 'aliased_import' ? item.childForFieldName('alias')?.text : item.text;
      if (name === local) return item;
    }
  }
  return undefined;
}

/** References to a name outside import statements. */
function usesOf(tree: Tree, name: string): number {
  let n = 0;
  for (const id of identifiersNamed(tree, new Set([name]))) {
    const p = id.parent;
    if (!p || p.type === 'dotted_name' || p.type === 'aliased_import') continue;
    if (p.type === 'attribute' && p.childForFieldName('attribute')?.id === id.id) continue;
    if (p.type === 'keyword_argument' && p.childForFieldName('name')?.id === id.id) continue;
    n++;
  }
  return n;
}

/** Deletes one name from `from m import a, b`, with its comma; the whole line when it is the only name. */
function removeImportItem(text: string, item: Node): OffsetEdit | undefined {
  const statement = item.parent!;
  const items = statement.childrenForFieldName('name');
  if (items.length === 1) {
    const lineStart = text.lastIndexOf('\n', statement.startIndex - 1) + 1;
    const lineEnd = text.indexOf('\n', statement.endIndex);
    if (text.slice(lineStart, statement.startIndex).trim() !== '') return undefined;
    return { start: lineStart, end: lineEnd === -1 ? text.length : lineEnd + 1, newText: '' };
  }
  const index = items.findIndex((i) => i.id === item.id);
  if (index < items.length - 1) {
    const next = items[index + 1];
    const sameLine = next.startPosition.row === item.startPosition.row;
    if (sameLine) return { start: item.startIndex, end: next.startIndex, newText: '' };
    const lineStart = text.lastIndexOf('\n', item.startIndex - 1) + 1;
    const lineEnd = text.indexOf('\n', item.endIndex);
    return { start: lineStart, end: lineEnd + 1, newText: '' };
  }
  const previous = items[index - 1];
  return { start: previous.endIndex, end: item.endIndex, newText: '' };
}

// ---------------------------------------------------------------------------------------------
// Module, class and session containers

function checkContainers(ctx: RuleContext, containers: readonly Container[]): Container[] {
  const flagged: Container[] = [];
  for (const c of containers) {
    if (c.bounded || c.evictions.length > 0 || c.escapes.length > 0) continue;
    const first = unboundedGrowths(ctx, c)[0];
    if (!first) continue;
    ctx.report({ start: first.node.startIndex, end: first.node.endIndex, ...containerMessage(c, first.how) });
    flagged.push(c);
  }
  return flagged;
}

/** Containers another project module declares, grown here per call (imported-containers.ts). */
function checkImportedContainers(ctx: RuleContext, tree: Tree): void {
  const imported = importedContainers(ctx, tree);
  if (imported.length === 0) return;
  const state = importedStateOf(tree, imported.map((i) => i.container));
  for (const c of state.containers) {
    if (c.bounded || c.evictions.length > 0 || c.escapes.length > 0) continue;
    const first = unboundedGrowths(ctx, c)[0];
    if (!first) continue;
    const declaredIn = imported.find((i) => `module:${i.container.local}` === c.id)?.declaredIn;
    ctx.report({ start: first.node.startIndex, end: first.node.endIndex, ...containerMessage(c, first.how, declaredIn) });
  }
}

/**
 * The growths whose keys are not bounded by the code: a key proven bounded from this module's calls of a public
 * function (`warn_throttled(f"backoff:{fn.__name__}", ...)`) stays bounded only while no other module names it.
 */
function unboundedGrowths(ctx: RuleContext, c: Container): Container['growths'] {
  return c.growths.filter((g) => !g.boundedIfOnlyCalledHere || g.boundedIfOnlyCalledHere.some((name) => usedElsewhere(ctx, new RegExp(`\\b${name}\\b`))));
}

function containerMessage(c: Container, how: string, declaredIn?: string): Pick<ReportSpec, 'messageId' | 'data' | 'detail'> {
  const where = c.scope === 'module' ? 'Module-level' : c.scope === 'class' ? 'Class-level' : '';
  const shared = declaredIn ? ` (declared in ${declaredIn})` : c.scope === 'class' ? ' (shared by every instance)' : '';
  const name = clip(c.label, 28);
  if (c.scope === 'session') {
    return c.type === 'dict' || /^\[key\]|setdefault|update|\|=/.test(how)
      ? {
          messageId: 'session-keys',
          data: { name },
          detail: `${c.label} gains a key on every run (${how}) and nothing removes keys, so each browser session holds all of them until it ends. Drop old keys or cap the dict.`,
        }
      : {
          messageId: 'session-list',
          data: { name },
          detail: `${c.label} grows on every run (${how}) and nothing trims it, so each browser session holds all of it until it ends. Keep only the last entries (${c.label} = ${c.label}[-50:]).`,
        };
  }
  const growsUntil = 'so it grows until the worker restarts';
  switch (c.type) {
    case 'list':
    case 'deque':
      return {
        messageId: 'list',
        data: { where, type: c.type, name },
        detail: `${where} ${c.type} ${c.label}${shared} is appended to on every call (${how}) and never trimmed, ${growsUntil}. Use collections.deque(maxlen=1000) or trim it.`,
      };
    case 'set':
      return {
        messageId: 'set',
        data: { where, name },
        detail: `${where} set ${c.label}${shared} gains an element on every call (${how}) and nothing removes any, ${growsUntil}. Bound it or clear it periodically.`,
      };
    default:
      return {
        messageId: 'dict',
        data: { where, name },
        detail: `${where} dict ${c.label}${shared} gets an entry for every new key (${how}) and nothing evicts, ${growsUntil}. Use cachetools.LRUCache(maxsize=1000) / TTLCache, or evict once len(${c.label}) passes a limit.`,
      };
  }
}

// ---------------------------------------------------------------------------------------------
// Declared but unenforced limits

function checkSizeLimits(ctx: RuleContext, tree: Tree, containers: readonly Container[], flagged: readonly Container[]): void {
  if (!containers.some((c) => c.scope !== 'session' && !c.bounded)) return;
  for (const limit of sizeLimitDeclarations(tree)) {
    const word = new RegExp(`\\b${limit.name}\\b`, 'g');
    if ((ctx.file.text.match(word) ?? []).length > 1) continue;
    if (usedElsewhere(ctx, word)) continue;
    const statement = limit.target.parent!;
    const victim = flagged.filter((c) => c.scope !== 'session');
    const what = victim.length === 1 ? victim[0].label : 'the container it was meant to cap';
    const listLike = victim.length === 1 && (victim[0].type === 'list' || victim[0].type === 'deque');
    const enforce = listLike ? `collections.deque(maxlen=${limit.name})` : `cachetools.LRUCache(maxsize=${limit.name})`;
    ctx.report({
      start: statement.startIndex,
      end: statement.endIndex,
      messageId: 'unenforced-limit',
      data: { limit: clip(limit.name, 24) },
      detail: `${limit.name} = ${limit.value.text} is never checked, so ${what} can grow without bound. Enforce it (${enforce} or a len() check) or remove it.`,
    });
  }
}

/** True when another Python file of the workspace mentions the name (it may import and enforce the limit). */
function usedElsewhere(ctx: RuleContext, word: RegExp): boolean {
  for (const rel of ctx.project.files()) {
    if (!rel.endsWith('.py') || rel === ctx.file.relPath) continue;
    const text = ctx.project.readFile(rel);
    word.lastIndex = 0;
    if (text && word.test(text)) return true;
  }
  return false;
}
