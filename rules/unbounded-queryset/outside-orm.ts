/**
 * unbounded-queryset outside the Django ORM and SQLAlchemy's session: a whole MongoDB collection copied into a list
 * (`list(db.orders.find())`, `[d for d in coll.find()]`, a loop appending every document, `.to_list(None)`), and
 * encode/databases `await database.fetch_all(query)` of a SELECT with no LIMIT. Both build every row in one worker's
 * memory, however large the collection or table has grown.
 *
 * Not reported: `.limit(n)`, `find_one`, a filter on `_id` or on one owner's id (`{"user_id": uid}`), queries that
 * group or count, `.to_list(100)`, generators and plain iteration (one document at a time), module-level code and
 * `if __name__ == "__main__":` blocks, cached loaders, and functions that seed or migrate data.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { RuleContext } from '../api';
import { ancestor, captures, keywordArgument, positionalArguments, stringValue } from '../../analysis/python/ast';
import { importsOf } from '../../analysis/python/imports';
import { isCached } from '../../analysis/python/per-request';
import { underMainGuard } from '../../analysis/python/web-context';
import { assignmentsBefore, readScopeOf, referencesInScope } from '../../analysis/python/django-querysets';

/** A PyMongo/Motor module: it names Mongo, or imports BSON's `ObjectId` the documents are keyed by. */
export const MONGO_WORDS = /mongo|\bbson\b|\bmotor\b/i;
/** Methods that bound a cursor before it is read. */
const CURSOR_BOUNDS = new Set(['limit']);
/** Methods a cursor chain may pass through on its way to being read whole. */
const CURSOR_CHAIN = new Set(['sort', 'skip', 'hint', 'max_time_ms', 'collation', 'batch_size', 'allow_disk_use', 'comment', 'where']);
/** A filter key naming one document or one owner's documents. */
const SCOPED_FILTER_KEY = /^(_id|id|pk|\w+_id|\w+Id|user|owner|account|tenant)$/;
/** Functions that run once to load or reshape data, not per request. */
const ONE_OFF_FUNCTION = /^_*(seed|migrate|populate|load_fixtures|backfill|init_db|setup_db|bootstrap)([_A-Z]|$)/;
/** Columns that name one row or one owner's rows: `table.c.id == id`, `table.c.user_id == uid`. */
const SCOPED_COLUMN = /\.c\.(id|pk|\w+_id)\s*==/;
/** SQL that limits or aggregates. */
const BOUNDED_SQL = /\blimit\b|\bgroup\s+by\b|\b(count|sum|avg|min|max)\s*\(|\bfetch\s+first\b|\btop\s+\d|\bwhere\s+(\w+\.)?(id|pk|\w+_id)\s*=/i;

export function checkQueriesOutsideOrm(ctx: RuleContext, tree: Tree): void {
  const text = ctx.file.text;
  if (/\.find\s*\(/.test(text) && MONGO_WORDS.test(text)) for (const call of methodCalls(tree, 'find')) checkMongoFind(ctx, call);
  if (text.includes('fetch_all')) for (const call of methodCalls(tree, 'fetch_all')) checkFetchAll(ctx, call);
}

function methodCalls(tree: Tree, method: string): Node[] {
  return captures(tree, '(call function: (attribute attribute: (identifier) @m)) @c')
    .filter((c) => c.name === 'c' && c.node.childForFieldName('function')?.childForFieldName('attribute')?.text === method)
    .map((c) => c.node);
}

/**
 * In a function that may serve requests or tasks: not module level, not a `__main__` block, not a seeding helper,
 * not a cached loader (`@st.cache_data(ttl=600)`, `@lru_cache`: it runs once per key, not per request).
 */
function runsPerCall(node: Node): boolean {
  const fn = ancestor(node, 'function_definition');
  if (!fn || underMainGuard(node)) return false;
  if (isCached(fn, importsOf(fn.tree))) return false;
  return !ONE_OFF_FUNCTION.test(fn.childForFieldName('name')?.text ?? '');
}

// ---------------------------------------------------------------------------------------------
// pymongo / motor

function checkMongoFind(ctx: RuleContext, find: Node): void {
  if (scopedFilter(positionalArguments(find)[0] ?? keywordArgument(find, 'filter'))) return;
  if (!runsPerCall(find)) return;
  let read = cursorRead(find);
  // `cursor = coll.find(q)` then `await cursor.to_list(None)` / `list(cursor)`: the cursor read whole where it is used.
  if (read === undefined) read = heldCursorRead(find);
  if (!read) return;
  const collection = find.childForFieldName('function')?.childForFieldName('object')?.text ?? 'the collection';
  ctx.report({
    start: read.at.startIndex,
    end: read.at.endIndex,
    messageId: 'mongo-find',
    data: { collection: clipName(collection) },
    table: collectionName(find),
    detail: `${read.how} of an unlimited find() builds a dict for every matching document before the code uses the first, and the collection keeps growing. Page through it with .skip()/.limit() (or a range on _id), or iterate the cursor without collecting it.`,
  });
}

interface CursorRead {
  how: string;
  at: Node;
}

/**
 * How the cursor chain starting at `start` (`coll.find(q).sort(...).skip(...)`) is read whole: `.to_list(None)`,
 * `list(...)`, a comprehension or a loop appending each document. `false` when it is bounded or read some other way
 * (`.count()`, `.to_list(100)`), undefined when it is not read here at all.
 */
function cursorRead(start: Node): CursorRead | false | undefined {
  let top = start;
  for (;;) {
    const attr = top.parent;
    const call = attr?.parent;
    if (attr?.type !== 'attribute' || call?.type !== 'call' || attr.childForFieldName('object')?.id !== top.id) break;
    const method = attr.childForFieldName('attribute')?.text ?? '';
    if (CURSOR_BOUNDS.has(method)) return false;
    if (method === 'to_list') {
      const length = positionalArguments(call)[0] ?? keywordArgument(call, 'length');
      return length && length.type !== 'none' ? false : { how: '.to_list(None)', at: call };
    }
    if (!CURSOR_CHAIN.has(method)) return false; // `.count()`, `.distinct(...)`, an unknown API: not a cursor read whole
    top = call;
  }
  const how = materialisation(top);
  if (how) return { how, at: top };
  return top.parent?.type === 'assignment' ? undefined : false;
}

/** Whole reads of a held cursor reported: `.to_list(None)`, `list(cursor)`, `tuple(cursor)`. */
const HELD_CURSOR_COPY = /^(\.to_list\(None\)|list\(\)|tuple\(\))$/;

/** The first whole read of the variable a cursor is assigned to, when every later use reads it without a bound. */
function heldCursorRead(find: Node): CursorRead | undefined {
  let top = find;
  while (top.parent?.type === 'attribute' && top.parent.parent?.type === 'call' && CURSOR_CHAIN.has(top.parent.childForFieldName('attribute')?.text ?? '')) top = top.parent.parent;
  const assignment = top.parent;
  const name = assignment?.type === 'assignment' && assignment.childForFieldName('right')?.id === top.id ? assignment.childForFieldName('left') : undefined;
  if (name?.type !== 'identifier') return undefined;
  let found: CursorRead | undefined;
  for (const use of referencesInScope(readScopeOf(find), name.text)) {
    if (use.startIndex < assignment!.endIndex || assignmentsBefore(use).pop()?.id !== assignment!.id) continue;
    const read = cursorRead(use);
    // `cursor.limit(10)` anywhere, or a use we cannot read: not assumed whole.
    if (read === false) return undefined;
    // Only an explicit copy of the held cursor (`to_list(None)`, `list(cursor)`): a loop over it reads one document at a
    // time, and what the loop keeps is not followed here.
    if (read && !HELD_CURSOR_COPY.test(read.how)) return undefined;
    found ??= read;
  }
  return found;
}

/**
 * The collection a find() reads when the code names it: `db.banners.find()`, `db["banners"].find()`; not a variable's
 * or an object's attribute (`self.collection.find()` names the holder, not the collection).
 */
function collectionName(find: Node): string | undefined {
  const object = find.childForFieldName('function')?.childForFieldName('object');
  if (object?.type === 'attribute') return /^(self|cls)\b/.test(object.text) ? undefined : object.childForFieldName('attribute')?.text;
  if (object?.type === 'subscript') return stringValue(object.childForFieldName('subscript')) ?? undefined;
  return undefined;
}

/** How a cursor expression is copied whole: `list(...)`, a comprehension over it, or a loop appending each document. */
function materialisation(expr: Node): string | undefined {
  const parent = expr.parent;
  if (parent?.type === 'argument_list' && parent.namedChildren.length === 1) {
    const call = parent.parent;
    const fn = call?.childForFieldName('function');
    if (fn?.type === 'identifier' && (fn.text === 'list' || fn.text === 'tuple')) return `${fn.text}()`;
    return undefined;
  }
  if (parent?.type === 'for_in_clause' && parent.childForFieldName('right')?.id === expr.id) {
    const comprehension = parent.parent;
    return comprehension && ['list_comprehension', 'dictionary_comprehension', 'set_comprehension'].includes(comprehension.type) ? 'A comprehension' : undefined;
  }
  if (parent?.type === 'for_statement' && parent.childForFieldName('right')?.id === expr.id) {
    const body = parent.childForFieldName('body');
    const appends = body ? captures(body.tree, '(call function: (attribute attribute: (identifier) @m)) @c', body).some((c) => c.name === 'm' && c.node.text === 'append') : false;
    return appends ? 'A loop appending every document' : undefined;
  }
  return undefined;
}

/** `{"_id": x}`, `{"user_id": uid}`: one document, or one owner's. A filter we cannot read is not assumed scoped. */
function scopedFilter(filter: Node | undefined): boolean {
  if (!filter || filter.type !== 'dictionary') return false;
  return filter.namedChildren.some((p) => p?.type === 'pair' && SCOPED_FILTER_KEY.test(stringValue(p.childForFieldName('key')) ?? ''));
}

// ---------------------------------------------------------------------------------------------
// encode/databases

function checkFetchAll(ctx: RuleContext, call: Node): void {
  const receiver = call.childForFieldName('function')?.childForFieldName('object');
  const receiverName = receiver?.type === 'attribute' ? receiver.childForFieldName('attribute')?.text : receiver?.text;
  if (!receiverName || !/database|^db$|_db$/i.test(receiverName)) return;
  const query = positionalArguments(call)[0] ?? keywordArgument(call, 'query');
  if (!query || !runsPerCall(call)) return;
  const values = queryValues(query, call);
  if (!values || !values.every(unboundedSelect)) return;
  ctx.report({
    start: call.startIndex,
    end: call.endIndex,
    messageId: 'fetch-all',
    table: selectedTable(values),
    detail: 'fetch_all() of a SELECT with no LIMIT builds a record for every matching row before the code uses the first, and the table keeps growing. Add .limit(n) (or LIMIT n) with an offset or keyset page, or stream rows with database.iterate(query).',
  });
}

/** The query expression, or every value the variable holding it is assigned in the function before the call. */
function queryValues(query: Node, call: Node): Node[] | undefined {
  if (query.type !== 'identifier') return [query];
  const fn = ancestor(call, 'function_definition');
  if (!fn) return undefined;
  const out: Node[] = [];
  for (const { node } of captures(fn.tree, '(assignment left: (identifier) @l) @a', fn)) {
    if (node.type !== 'assignment' || node.childForFieldName('left')?.text !== query.text || node.startIndex > call.startIndex) continue;
    const right = node.childForFieldName('right');
    if (right) out.push(right);
  }
  return out.length > 0 ? out : undefined;
}

/** A SQLAlchemy core `table.select()` / `select(...)` chain or a SELECT string, with no limit, grouping or one-row filter. */
function unboundedSelect(value: Node): boolean {
  const text = value.text;
  if (value.type === 'string' || value.type === 'concatenated_string') {
    return /^\s*(f|r|rf|fr)?("""|'''|"|')\s*select\b/i.test(text) && !BOUNDED_SQL.test(text);
  }
  const core = /\.select\s*\(|\bselect\s*\(/.test(text);
  return core && !/\.(limit|offset|group_by|fetch)\s*\(|\bfunc\.(count|sum|avg|min|max)\b/.test(text) && !SCOPED_COLUMN.test(text);
}

/**
 * The table every value selects from, when they name one: `SELECT ... FROM notes` (the first FROM; not a name built in
 * an f-string), SQLAlchemy core `notes.select()` / `select(notes)`; undefined when they differ or name none.
 */
function selectedTable(values: readonly Node[]): string | undefined {
  const names = new Set(values.map((v) => {
    if (v.type === 'string' || v.type === 'concatenated_string') return /\bfrom\s+["`]?([A-Za-z_]\w*)["`]?(?![\w.{])/i.exec(v.text)?.[1];
    return (/^([A-Za-z_]\w*)\.select\s*\(/.exec(v.text) ?? /^select\s*\(\s*([A-Za-z_]\w*)\s*[,)]/.exec(v.text))?.[1];
  }));
  return names.size === 1 ? [...names][0] : undefined;
}

function clipName(name: string): string {
  return name.length > 32 ? `${name.slice(0, 31)}…` : name;
}
