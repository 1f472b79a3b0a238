/**
 * n-plus-one for SQLAlchemy (1.4/2.0, sync and async, Flask-SQLAlchemy, SQLModel): a loop over the rows of a query
 * whose body reads a relationship that loads lazily (`lazy="select"`, the default), one SELECT per row, when the
 * query has no loader option (`selectinload`, `joinedload`, ...) for it. Models come from
 * analysis/python/sqlalchemy-models.ts; rows are recognised from the query expression that feeds the loop.
 */
import { modelClassName } from '../shared/table-names';
import { clip } from '../shared/format';
import { headlineText } from './meta';
import type { Node, Tree } from 'web-tree-sitter';
import type { FixSpec, OffsetEdit, ReportSpec, RuleContext } from '../api';
import { captures, parents, positionalArguments, stringValue } from '../../analysis/python/ast';
import { importsOf } from '../../analysis/python/imports';
import { fileMatches, statementMatches, topLevelStatements, type TopLevelStatement } from '../../analysis/python/statements';
import { StatementSlot } from '../../analysis/cache';
import { assignmentsBefore, iterationOf, iterationsIn, readsLoopVariable, referencesInScope, readScopeOf, unparenthesize, type Iteration } from '../../analysis/python/django-querysets';
import { methodRelationshipRead } from './sqlalchemy-model-methods';
import { pinnedToOneParent, sqlalchemyKeyedQueries } from './sqlalchemy-keyed-queries';
import { loadedByEarlierPass } from './loaded-by-earlier-pass';
import { QUERY_PROPERTY, SQLALCHEMY_NAMES, modelNamed, relationshipOf, targetModel, type Model, type Relationship } from '../../analysis/python/sqlalchemy-models';

/** Query/Select methods that keep the same rows (filters, order, joins, options). */
const CHAINABLE = new Set([
  'filter', 'filter_by', 'where', 'order_by', 'join', 'outerjoin', 'join_from', 'outerjoin_from', 'select_from', 'options',
  'distinct', 'group_by', 'having', 'execution_options', 'with_for_update', 'populate_existing', 'params', 'correlate',
  'offset', 'limit', 'yield_per', 'autoflush', 'enable_assertions', 'with_parent', 'slice',
]);
/** Result methods that still yield the rows: `.all()`, `.unique()`, `.scalars()`. */
const RESULT_ROWS = new Set(['all', 'unique', 'fetchall', 'yield_per', 'partitions']);
/** Loader options that settle how a relationship loads (eager, or deliberately not at all / lazily). */
const SETTLING_LOADERS = new Set(['joinedload', 'selectinload', 'subqueryload', 'immediateload', 'contains_eager', 'raiseload', 'noload', 'lazyload']);
const ALL_LOADERS = new Set([...SETTLING_LOADERS, 'defaultload', 'load_only', 'defer', 'undefer', 'undefer_group', 'with_expression', 'selectin_polymorphic', 'Load', 'joinedload_all', 'subqueryload_all']);
/** A loop over at most this many rows (`.limit(5)`) is left alone, as the Django check does for `[:5]`. */
const SMALL_LIMIT = 20;
const MAX_DEPTH = 14;
/**
 * Many-to-one relationships to the tenant of a multi-tenant app: one or a few distinct rows, so the identity map
 * answers all but the first read of each (SQLAlchemy looks a many-to-one up by primary key before querying).
 */
export const TENANT_RELATIONSHIPS = new Set(['org', 'organization', 'organisation', 'tenant', 'workspace', 'site', 'realm']);

/** One loader option chain: `selectinload(Order.items).joinedload(Item.product)` -> items (selectinload), product (joinedload). */
interface OptionChain {
  node: Node;
  steps: { loader: string; attribute: string }[];
}

/** The rows of a query, as a loop sees them. */
export interface Rows {
  model: Model;
  /** The entity as written in the query (`Order`, `models.Order`). */
  entity: Node;
  /** Relationship path from the queried model to these rows (`["items"]` when looping over `order.items`). */
  prefix: string[];
  /** Models along the prefix: [queried model, ...]. */
  models: Model[];
  /** Relationships along the prefix. */
  prefixRelationships: Relationship[];
  chains: OptionChain[];
  /** An option the analysis cannot read (a variable, `*opts`): assume it loads everything. */
  unknownOptions: boolean;
  /** Existing `.options(...)` call in the chain. */
  optionsCall?: Node;
  /** Where `.options(...)` can be inserted (after `query(X)`, `select(X)`, `X.query`). */
  insertAt?: number;
  /** Filter calls, to see a foreign key pinned to one value. */
  filters: Node[];
  /** `group_by`/`having`/`with_for_update`/`distinct` in the chain: a JOIN would change the SQL's meaning, so selectinload only. */
  noJoins: boolean;
  /** Awaited in an async function: a lazy load raises MissingGreenlet there. */
  async: boolean;
  /** The query text is written in the loop or one assignment in the same function that only this loop reads. */
  plain: boolean;
}

interface Read {
  /** `get_words()` when a method of the model reads the relationship on self. */
  via?: string;
  path: string[];
  /** Relationships along the path (relative to the rows' model). */
  relationships: Relationship[];
  node: Node;
}

/** Reports SQLAlchemy N+1 loops of the file; does nothing in files that show no sign of SQLAlchemy. */
export function checkSqlalchemyLoops(ctx: RuleContext, report: (spec: ReportSpec) => void): void {
  const text = ctx.file.text;
  if (!fileMatches(ctx, SQLALCHEMY_NAMES) && !fileMatches(ctx, QUERY_PROPERTY)) return;
  if (!fileMatches(ctx, FOR_WORD)) return;
  const tree = ctx.python();
  const canFix = !tree.rootNode.hasError;
  const memo = new Map<number, Rows | null>();
  for (const statement of topLevelStatements(tree)) {
    if (!statementMatches(statement, FOR_WORD) || !mayIterateRows(statement)) continue;
    // Per statement text: whether any of its loops passes the scope test below (in a Django module, none does).
    let iterations: Iteration[] | undefined;
    const loops = () => (iterations ??= iterationsIn(tree, statement.text, statement.start));
    if (!CANDIDATE_LOOPS.answer(statement, '', () => loops().some(readsRowsWords))) continue;
    for (const iteration of loops()) {
      if (!readsRowsWords(iteration)) continue;
      const rows = rowsOfIteration(ctx, tree, iteration, memo);
      if (!rows) continue;
      // The N is the queried model's rows; a loop over an outer row's relationship names none.
      const table = rows.prefix.length === 0 ? modelClassName(rows.models[0]?.name) : undefined;
      for (const read of readsToReport(ctx, tree, iteration, rows)) report({ ...finding(tree, text, iteration, rows, read, canFix), table });
      if (rows.prefix.length === 0 && !pinnedToOneParent(rows.filters)) sqlalchemyKeyedQueries(iteration, unparenthesize(iteration.iterable).text, (spec) => report({ ...spec, table }));
    }
  }
}

const FOR_WORD = /\bfor\b/;
const CANDIDATE_LOOPS = new StatementSlot<boolean>('n-plus-one: SQLAlchemy candidate loops');

/** The same test per function: a loop's rows come from its own function's text (module-level loops excepted). */
function readsRowsWords(iteration: Iteration): boolean {
  const scope = readScopeOf(iteration.node);
  return scope.type === 'module' || ROW_WORDS.test(scope.text);
}

/**
 * Cheap per-statement test: rows start at `X.query`, `query(X)` or `select(X)`, and a function or class is its own
 * scope (its loops follow variables assigned inside it only), so a definition whose text names neither has no loop
 * over rows. Other statements (module-level loops, decorators) may read module variables: always analysed.
 */
const ROW_WORDS = /\b(?:query|select)\b/;

const MAY_ITERATE_ROWS = new StatementSlot<boolean>('n-plus-one: SQLAlchemy statements with rows');

function mayIterateRows(statement: TopLevelStatement): boolean {
  return MAY_ITERATE_ROWS.answer(statement, '', () => readMayIterateRows(statement));
}

function readMayIterateRows(statement: TopLevelStatement): boolean {
  if (ROW_WORDS.test(statement.text)) return true;
  if (statement.type === 'function_definition' || statement.type === 'class_definition') return false;
  if (statement.type !== 'decorated_definition') return true;
  return statement.node.namedChildren.some((c) => c?.type === 'decorator' && /\bfor\b/.test(c.text));
}

function rowsOfIteration(ctx: RuleContext, tree: Tree, iteration: Iteration, memo: Map<number, Rows | null>): Rows | undefined {
  const cached = memo.get(iteration.node.id);
  if (cached !== undefined) return cached ?? undefined;
  memo.set(iteration.node.id, null);
  let rows = rowsOf(ctx, tree, unparenthesize(iteration.iterable), 0);
  if (!rows) {
    // `for item in order.items` inside a loop over orders: rows of the outer query, one relationship down.
    const iterable = unparenthesize(iteration.iterable);
    const owner = iterable.type === 'attribute' ? iterable.childForFieldName('object') : undefined;
    const name = iterable.childForFieldName('attribute')?.text;
    const outer = owner?.type === 'identifier' && name ? bindingIteration(iteration.node, owner.text) : undefined;
    const outerRows = outer && rowsOfIteration(ctx, tree, outer, memo);
    const rel = outerRows && relationshipOf(ctx, tree, outerRows.models[outerRows.models.length - 1], name!);
    const target = rel && rel.lazy !== 'dynamic' && rel.lazy !== 'write_only' ? targetModel(ctx, tree, rel) : undefined;
    if (outerRows && target) {
      rows = { ...outerRows, prefix: [...outerRows.prefix, name!], models: [...outerRows.models, target], prefixRelationships: [...outerRows.prefixRelationships, rel!] };
    }
  }
  memo.set(iteration.node.id, rows ?? null);
  return rows;
}

/** The enclosing loop or comprehension clause that binds `name` for each pass of `node`. */
function bindingIteration(node: Node, name: string): Iteration | undefined {
  for (const p of parents(node)) {
    if (p.type === 'function_definition' || p.type === 'class_definition') break;
    if (p.type === 'for_statement') {
      const it = iterationOf(p);
      const body = p.childForFieldName('body');
      if (it?.target.text === name && body && node.startIndex >= body.startIndex && node.endIndex <= body.endIndex) return it;
    } else if (/comprehension$|^generator_expression$/.test(p.type)) {
      for (const clause of p.namedChildren) {
        if (clause?.type !== 'for_in_clause' || clause.endIndex > node.startIndex) continue;
        const it = iterationOf(clause);
        if (it?.target.text === name) return it;
      }
    }
  }
  return undefined;
}

/**
 * What an expression is on the way to the rows: a legacy `Query` (iterable, chainable), a 2.0 `select()` (chainable,
 * executed elsewhere), an executed result of Row tuples (`session.execute(stmt)`), model instances, or a
 * Flask-SQLAlchemy pagination whose `.items` are the rows.
 */
type Kind = 'query' | 'select' | 'tuples' | 'rows' | 'pagination';

interface Partial {
  kind: Kind;
  rows: Rows;
}

/** The rows an expression evaluates to, when it is a query over one mapped class. */
export function rowsOf(ctx: RuleContext, tree: Tree, expression: Node, depth: number): Rows | undefined {
  const p = describe(ctx, tree, expression, depth);
  return p && (p.kind === 'query' || p.kind === 'rows') ? p.rows : undefined;
}

/** The rows a query or a `select(...)` statement asks for, before it runs (what a paginator runs page by page). */
export function statementRowsOf(ctx: RuleContext, tree: Tree, expression: Node): Rows | undefined {
  const p = describe(ctx, tree, expression, 0);
  return p && (p.kind === 'query' || p.kind === 'select') ? p.rows : undefined;
}

function describe(ctx: RuleContext, tree: Tree, node: Node, depth: number): Partial | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const expression = unparenthesize(node);
  if (expression.type === 'await') {
    const inner = expression.namedChildren[0];
    const p = inner ? describe(ctx, tree, inner, depth + 1) : undefined;
    if (p) p.rows.async = true;
    return p;
  }
  if (expression.type === 'identifier') return describeVariable(ctx, tree, expression, depth);
  if (expression.type === 'attribute') {
    const attr = expression.childForFieldName('attribute')?.text;
    const object = expression.childForFieldName('object');
    if (!object) return undefined;
    if (attr === 'query') {
      // Flask-SQLAlchemy `Order.query`.
      const model = modelNamed(ctx, tree, object);
      return model ? { kind: 'query', rows: newRows(model, object, expression.endIndex) } : undefined;
    }
    if (attr === 'items') {
      const p = describe(ctx, tree, object, depth + 1);
      if (p?.kind === 'pagination') return { kind: 'rows', rows: p.rows };
    }
    return undefined;
  }
  if (expression.type !== 'call') return undefined;
  const fn = expression.childForFieldName('function');
  if (!fn) return undefined;
  const args = positionalArguments(expression);
  const keywords = expression.childForFieldName('arguments')?.namedChildren.some((a) => a?.type === 'keyword_argument') ?? false;
  if (fn.type === 'identifier' || (fn.type === 'attribute' && fn.childForFieldName('object')?.type !== 'call' && fn.childForFieldName('attribute')?.text === 'select')) {
    const name = fn.type === 'identifier' ? fn.text : 'select';
    if (name === 'select' && isSelectFunction(tree, fn)) {
      if (args.length !== 1 || keywords) return undefined;
      const model = modelNamed(ctx, tree, args[0]);
      return model ? { kind: 'select', rows: newRows(model, args[0], expression.endIndex) } : undefined;
    }
    if (name === 'list' || name === 'tuple' || name === 'sorted' || name === 'enumerate') {
      const p = args[0] ? describe(ctx, tree, args[0], depth + 1) : undefined;
      return p && (p.kind === 'query' || p.kind === 'rows') ? { kind: 'rows', rows: p.rows } : undefined;
    }
    return undefined;
  }
  if (fn.type !== 'attribute') return undefined;
  const method = fn.childForFieldName('attribute')?.text ?? '';
  const object = fn.childForFieldName('object')!;
  if (method === 'query') {
    // `session.query(Order)`, `db.session.query(Order)`; several entities give tuples.
    if (args.length !== 1 || keywords) return undefined;
    const model = modelNamed(ctx, tree, args[0]);
    return model ? { kind: 'query', rows: newRows(model, args[0], expression.endIndex) } : undefined;
  }
  if ((method === 'scalars' || method === 'execute' || method === 'exec') && args.length > 0) {
    // SQLModel's `session.exec(select(Hero))` yields the instances, like `scalars`.
    const p = describe(ctx, tree, args[0], depth + 1);
    if (!p || (p.kind !== 'select' && p.kind !== 'query')) return undefined;
    return { kind: method === 'execute' ? 'tuples' : 'rows', rows: p.rows };
  }
  if (method === 'paginate') {
    // `db.paginate(select(Order))` or `Order.query.paginate(...)`.
    const p = object.type !== 'call' && args.length > 0 ? describe(ctx, tree, args[0], depth + 1) : describe(ctx, tree, object, depth + 1);
    return p && (p.kind === 'select' || p.kind === 'query') ? { kind: 'pagination', rows: p.rows } : undefined;
  }
  const p = describe(ctx, tree, object, depth + 1);
  if (!p) return undefined;
  if (method === 'scalars' && args.length === 0) return p.kind === 'tuples' ? { kind: 'rows', rows: p.rows } : undefined;
  if (RESULT_ROWS.has(method)) return p.kind === 'query' || p.kind === 'rows' ? { kind: 'rows', rows: p.rows } : p.kind === 'tuples' ? p : undefined;
  if (!CHAINABLE.has(method) || (p.kind !== 'query' && p.kind !== 'select')) return undefined;
  const rows = p.rows;
  if (method === 'options') {
    if (!rows.optionsCall) rows.optionsCall = expression;
    for (const arg of expression.childForFieldName('arguments')?.namedChildren ?? []) {
      if (!arg || arg.type === 'comment') continue;
      const chain = optionChain(arg);
      if (chain) rows.chains.push(chain);
      else rows.unknownOptions = true;
    }
  } else if (method === 'limit') {
    const n = Number(args[0]?.text);
    if (Number.isInteger(n) && n <= SMALL_LIMIT) return undefined;
  } else if (method === 'filter' || method === 'filter_by' || method === 'where' || method === 'with_parent') {
    rows.filters.push(expression);
  } else if (method === 'group_by' || method === 'having' || method === 'with_for_update' || method === 'distinct') {
    rows.noJoins = true;
  }
  return p;
}

/** `select` from sqlalchemy / sqlmodel (`from sqlalchemy import select`, `sa.select`, `db.select`). */
function isSelectFunction(tree: Tree, fn: Node): boolean {
  const imports = importsOf(tree);
  if (fn.type === 'identifier') {
    const q = imports.names.get(fn.text);
    return !!q && /^(sqlalchemy|sqlmodel|flask_sqlalchemy)\b/.test(q) && q.endsWith('.select');
  }
  const object = fn.childForFieldName('object');
  if (!object) return false;
  const q = imports.resolve(object);
  if (q && /^(sqlalchemy|sqlmodel)\b/.test(q)) return true;
  // Flask-SQLAlchemy's `db.select`: `db` is a SQLAlchemy() instance, usually imported from the app package.
  return object.type === 'identifier' && object.text === 'db';
}

function newRows(model: Model, entity: Node, insertAt: number): Rows {
  return { model, entity, prefix: [], models: [model], prefixRelationships: [], chains: [], unknownOptions: false, insertAt, filters: [], noJoins: false, async: false, plain: true };
}

/** A variable assigned once before its use in the same function. */
function describeVariable(ctx: RuleContext, tree: Tree, id: Node, depth: number): Partial | undefined {
  const assignments = assignmentsBefore(id);
  const last = assignments[assignments.length - 1];
  const value = last?.childForFieldName('right');
  if (!value) return undefined;
  const p = describe(ctx, tree, value, depth + 1);
  if (!p?.rows) return p;
  // Reassigned (`q = q.filter(...)`) or read elsewhere: the eager load would reach other uses too.
  const scope = readScopeOf(id);
  const uses = referencesInScope(scope, id.text).filter((r) => r.startIndex > last.endIndex);
  if (assignments.length > 1 || uses.length > 1) p.rows.plain = false;
  return p;
}

/** Reads `selectinload(Order.items).joinedload(Item.product)`; undefined when it is not a loader chain. */
function optionChain(option: Node): OptionChain | undefined {
  const steps: OptionChain['steps'] = [];
  let node: Node | null = option;
  while (node && node.type === 'call') {
    const fn = node.childForFieldName('function');
    if (!fn) return undefined;
    const loader = fn.type === 'identifier' ? fn.text : fn.childForFieldName('attribute')?.text ?? '';
    if (!ALL_LOADERS.has(loader)) return undefined;
    const args = positionalArguments(node);
    const attrs: string[] = [];
    for (const arg of loader === 'Load' ? [] : args) {
      const names = attributeNames(arg);
      if (!names) return undefined;
      attrs.push(...names);
    }
    // `selectinload(A.b, B.c)` (1.x) is the path b.c, loaded by the same strategy.
    const segment = attrs.map((attribute) => ({ loader, attribute }));
    if (/load$|^contains_eager$|_all$/.test(loader) || loader === 'defaultload') steps.unshift(...segment);
    const object: Node | null = fn.type === 'attribute' ? fn.childForFieldName('object') : null;
    node = object;
  }
  if (node) return undefined; // `Load(X)` returns above; anything else is not a chain
  return { node: option, steps };
}

/** `Order.items` -> [items]; `"items.product"` -> [items, product]; `Order.items.and_(...)` -> [items]; `"*"` -> [*]. */
function attributeNames(arg: Node): string[] | undefined {
  const s = stringValue(arg);
  if (s !== undefined) return /^[\w.*]+$/.test(s) ? s.split('.') : undefined;
  let node = arg;
  if (node.type === 'call') {
    const fn = node.childForFieldName('function');
    const m = fn?.childForFieldName('attribute')?.text;
    if (fn?.type !== 'attribute' || (m !== 'and_' && m !== 'of_type')) return undefined;
    node = fn.childForFieldName('object')!;
  }
  if (node.type === 'attribute') return [node.childForFieldName('attribute')!.text];
  return undefined;
}

/** True when the query's loader options settle the relationship at `path` (prefix included). */
export function optionsSettle(rows: Rows, path: string[]): boolean {
  if (rows.unknownOptions) return true;
  for (const chain of rows.chains) {
    for (let i = 0; i < chain.steps.length && i < path.length; i++) {
      const step = chain.steps[i];
      if (step.attribute === '*' && SETTLING_LOADERS.has(step.loader)) return true;
      if (step.attribute !== path[i]) break;
      if (i === path.length - 1 && SETTLING_LOADERS.has(step.loader)) return true;
    }
  }
  return false;
}

const ATTRIBUTE_ON_NAME = '(attribute object: (identifier) @obj) @attr';

/** The lazy relationship reads of one loop that the query does not load, one per path (the longest). */
function readsToReport(ctx: RuleContext, tree: Tree, iteration: Iteration, rows: Rows): Read[] {
  const name = iteration.target.text;
  const byPath = new Map<string, Read>();
  const rowModel = rows.models[rows.models.length - 1];
  for (const bodyNode of iteration.body) {
    for (const { name: capture, node } of captures(tree, ATTRIBUTE_ON_NAME, bodyNode)) {
      if (capture !== 'attr' || node.childForFieldName('object')?.text !== name || !readsLoopVariable(node, iteration)) continue;
      const read = relationshipRead(ctx, tree, node, rowModel) ?? methodRead(ctx, tree, node, rowModel);
      if (read && !byPath.has(read.path.join('.'))) byPath.set(read.path.join('.'), read);
    }
  }
  const reads = [...byPath.values()];
  return reads.filter((read) => {
    const key = read.path.join('.');
    if (reads.some((o) => o !== read && o.path.join('.').startsWith(`${key}.`) && lastLazy(o) === 'select')) return false;
    const full = [...rows.prefix, ...read.path];
    const lazy = lastLazy(read);
    if (lazy === 'dynamic') return true;
    if (optionsSettle(rows, full)) return false;
    // Every relationship of the path must load lazily for a query to run per row.
    if (read.relationships.some((r) => r.lazy !== 'select' && r.lazy !== 'dynamic')) return false;
    // The tenant a row belongs to: nearly every row has the same one, which the identity map serves after one load.
    if (read.path.length === 1 && read.relationships[0].collection !== true && TENANT_RELATIONSHIPS.has(read.path[0])) return false;
    // A many-to-one pinned by the filter (`Item.order_id == order.id`): every row has the same parent, one load.
    if (read.path.length === 1 && rows.prefix.length === 0 && read.relationships[0].collection !== true && pinned(ctx, tree, rows, read.relationships[0])) return false;
    // An earlier loop over the same rows already loaded it on every row: only that pass queries.
    if (read.path.length === 1 && loadedByEarlierPass(tree, iteration, read.path[0])) return false;
    return true;
  });
}

function lastLazy(read: Read): Relationship['lazy'] {
  return read.relationships[read.relationships.length - 1].lazy;
}

/** The many-to-one's foreign key compared to one value in the filters: every row has the same parent, one load. */
export function pinned(ctx: RuleContext, tree: Tree, rows: Rows, relationship: Relationship): boolean {
  const target = targetModel(ctx, tree, relationship);
  const columns = [relationship.name, `${relationship.name}_id`];
  for (const [column, table] of rows.model.foreignKeys) if (target && table === target.table) columns.push(column);
  const pattern = new RegExp(`\\b(${columns.join('|')})\\s*(==|=(?!=))`);
  return rows.filters.some((f) => pattern.test(f.childForFieldName('arguments')?.text ?? '') || f.childForFieldName('function')?.childForFieldName('attribute')?.text === 'with_parent');
}

/** `o.customer.address.city` -> path [customer, address] when both are relationships; writes are not reads. */
function relationshipRead(ctx: RuleContext, tree: Tree, first: Node, rowModel: Model): Read | undefined {
  const path: string[] = [];
  const relationships: Relationship[] = [];
  let model: Model | undefined = rowModel;
  let node = first;
  let last = first;
  let name = first.childForFieldName('attribute')?.text ?? '';
  if (name === 'awaitable_attrs') {
    // `await o.awaitable_attrs.items` (AsyncAttrs): the same lazy load, awaited.
    const parent = node.parent;
    if (parent?.type !== 'attribute' || parent.childForFieldName('object')?.id !== node.id) return undefined;
    node = parent;
    name = parent.childForFieldName('attribute')?.text ?? '';
  }
  for (;;) {
    const rel: Relationship | undefined = model ? relationshipOf(ctx, tree, model, name) : undefined;
    if (!rel) break;
    path.push(name);
    relationships.push(rel);
    last = node;
    if (rel.lazy === 'dynamic' || rel.lazy === 'write_only' || rel.collection) break;
    const parent = node.parent;
    if (parent?.type !== 'attribute' || parent.childForFieldName('object')?.id !== node.id) break;
    model = targetModel(ctx, tree, rel);
    node = parent;
    name = parent.childForFieldName('attribute')?.text ?? '';
  }
  if (path.length === 0 || relationships.some((r) => r.lazy === 'write_only')) return undefined;
  if (isWritten(last)) return undefined;
  return { path, relationships, node: last };
}

/** `orga.get_words()` where the model's own method reads `self.words`: the same lazy load, one level in. */
function methodRead(ctx: RuleContext, tree: Tree, attr: Node, rowModel: Model): Read | undefined {
  const found = methodRelationshipRead(ctx, tree, attr, rowModel);
  return found && { via: `${found.method}()`, path: [found.relationship.name], relationships: [found.relationship], node: found.call };
}

/** `o.customer = c`, `del o.customer`: assignments do not load the relationship. */
function isWritten(node: Node): boolean {
  const parent = node.parent;
  if (!parent) return false;
  if ((parent.type === 'assignment' || parent.type === 'augmented_assignment') && parent.childForFieldName('left')?.id === node.id) return parent.type === 'assignment';
  return parent.type === 'delete_statement';
}


function finding(tree: Tree, text: string, iteration: Iteration, rows: Rows, read: Read, canFix: boolean): ReportSpec {
  const row = iteration.target.text;
  const shown = `${row}.${read.via ?? read.path.join('.')}`;
  const owner = read.relationships.length === 1 ? rows.models[rows.models.length - 1].name : undefined;
  const relName = `${owner ?? '…'}.${read.path[read.path.length - 1]}`;
  if (lastLazy(read) === 'dynamic') {
    return {
      start: read.node.startIndex,
      end: read.node.endIndex,
      messageId: 'lazy-dynamic',
      data: { read: clip(shown, 30) },
      detail:
        `N+1 queries: ${relName} is lazy="dynamic", so every use in the loop is a query of its own, and a dynamic ` +
        `relationship cannot be eager-loaded. Query the related rows once for all parents (a grouped count, or ` +
        `one SELECT with IN(...)), or declare it lazy="selectin" and read the loaded list.`,
      fixes: [],
    };
  }
  const full = [...rows.prefix, ...read.path];
  const relationships = [...rows.prefixRelationships, ...read.relationships];
  const loaders = relationships.map((r) => (r.collection === false && !rows.noJoins ? 'joinedload' : 'selectinload'));
  const owners = [rows.entity.text, ...rows.models.slice(1).map((m) => m.name)];
  const option = full.map((attr, i) => `${loaders[i]}(${i < owners.length ? owners[i] : relationships[i - 1].target ?? '?'}.${attr})`).join('.');
  // The loader chain gets the room the rest of the headline leaves within 100 characters.
  const shownRead = clip(shown, 28);
  const room = 100 - headlineText('lazy-load', { read: shownRead, option: '' }).length;
  const data = { read: shownRead, option: clip(option, room) };
  const inAsync = rows.async ? ' In async code the lazy load raises MissingGreenlet instead (or, through awaitable_attrs, awaits one query per row).' : '';
  const through = read.via ? `${shown} reads self.${read.path[0]}: ` : '';
  const detail =
    `N+1 queries: ${through}the relationship loads lazily (lazy="select", the default) on first access, one SELECT per row, ` +
    `and every loaded object stays in the session's identity map until the session closes.${inAsync} ` +
    `Load it for all rows at once with .options(${option}) on the query.`;
  const fixes: FixSpec[] = [];
  const edits = canFix ? fixEdits(tree, text, rows, full, loaders, relationships) : undefined;
  if (edits) fixes.push({ title: `Add ${clip(option, 60)} to the query`, safety: rows.plain ? 'safe' : 'unsafe', edits });
  return { start: read.node.startIndex, end: read.node.endIndex, messageId: 'lazy-load', data, detail, fixes };
}

/** Edits adding the loader chain to the query: extending a chain that loads a prefix, into `.options(...)`, or a new `.options(...)`. */
function fixEdits(tree: Tree, text: string, rows: Rows, path: string[], loaders: string[], relationships: Relationship[]): OffsetEdit[] | undefined {
  const owners = [rows.entity.text, ...relationships.slice(0, -1).map((r) => r.target)];
  const bound = (name: string | undefined) => !!name && isBound(tree, name);
  if (owners.slice(1).some((o) => !bound(o))) return undefined;
  if (rows.entity.type !== 'identifier' && rows.entity.type !== 'attribute') return undefined;
  const step = (i: number) => `${loaders[i]}(${owners[i]}.${path[i]})`;
  let edit: OffsetEdit | undefined;
  // A chain that loads exactly a prefix of the path, with one attribute per step: extend it.
  const extendable = rows.chains
    .filter((c) => c.steps.length < path.length && c.steps.length > 0 && c.steps.every((s, i) => s.attribute === path[i]) && c.node.type === 'call')
    .sort((a, b) => b.steps.length - a.steps.length)[0];
  if (extendable) {
    const rest = path.slice(extendable.steps.length).map((_, k) => step(extendable.steps.length + k));
    edit = { start: extendable.node.endIndex, end: extendable.node.endIndex, newText: `.${rest.join('.')}` };
  } else {
    const option = path.map((_, i) => step(i)).join('.');
    const args = rows.optionsCall?.childForFieldName('arguments');
    const lastArg = args?.namedChildren.filter((a): a is Node => a !== null && a.type !== 'comment').pop();
    if (rows.optionsCall && lastArg) edit = { start: lastArg.endIndex, end: lastArg.endIndex, newText: `, ${option}` };
    else if (rows.insertAt !== undefined && !rows.optionsCall) edit = { start: rows.insertAt, end: rows.insertAt, newText: `.options(${option})` };
  }
  if (!edit) return undefined;
  const needed = [...new Set(loaders.filter((l, i) => i >= (extendable?.steps.length ?? 0)).filter((l) => !isBound(tree, l)))];
  return [edit, ...importEdits(tree, text, needed)];
}

/** True when a module-level name exists in the file: imported at top level, or a class/function defined there. */
function isBound(tree: Tree, name: string): boolean {
  return tree.rootNode.namedChildren.some((s) => {
    if (s?.type === 'import_from_statement' || s?.type === 'import_statement') {
      return s.childrenForFieldName('name').some((n) => {
        const local = n?.type === 'aliased_import' ? n.childForFieldName('alias') : n;
        return local?.text.split('.')[0] === name;
      });
    }
    const def = s?.type === 'decorated_definition' ? s.childForFieldName('definition') : s;
    return (def?.type === 'class_definition' || def?.type === 'function_definition') && def.childForFieldName('name')?.text === name;
  });
}

/** `from sqlalchemy.orm import selectinload`: into an existing top-level `from sqlalchemy.orm import ...`, else a new line after the imports. */
function importEdits(tree: Tree, text: string, names: string[]): OffsetEdit[] {
  if (names.length === 0) return [];
  const statements = tree.rootNode.namedChildren.filter((n): n is Node => n !== null);
  const existing = statements.find((s) => s.type === 'import_from_statement' && s.childForFieldName('module_name')?.text === 'sqlalchemy.orm' && !s.text.includes('*'));
  const imported = existing?.childrenForFieldName('name').filter((n): n is Node => n !== null) ?? [];
  if (existing && imported.length > 0) {
    const last = imported[imported.length - 1];
    return [{ start: last.endIndex, end: last.endIndex, newText: names.map((n) => `, ${n}`).join('') }];
  }
  // The module's header: imports after the first def/class (Flask's `from . import views` at the bottom) are not it.
  const firstDefinition = statements.find((s) => /^(function_definition|class_definition|decorated_definition)$/.test(s.type))?.startIndex ?? Infinity;
  const imports = statements.filter((s) => /^(import_statement|import_from_statement|future_import_statement)$/.test(s.type) && s.startIndex < firstDefinition);
  const line = `from sqlalchemy.orm import ${names.sort().join(', ')}\n`;
  const lastImport = imports[imports.length - 1];
  if (lastImport) {
    const at = text.indexOf('\n', lastImport.endIndex);
    const offset = at === -1 ? text.length : at + 1;
    return [{ start: offset, end: offset, newText: at === -1 ? `\n${line}` : line }];
  }
  return [{ start: 0, end: 0, newText: `${line}\n` }];
}
