/**
 * n-plus-one (Python/Django): a loop over a queryset whose body follows a relation of each row, one query per row.
 */
import { SMALL_TABLES_NOTE, tableOf } from '../shared/table-names';
import { clip } from '../shared/format';
import type { Node, Tree } from 'web-tree-sitter';
import { liveCodeReports } from '../../analysis/python/dead-functions';
import { defineRule, type FixSpec, type ReportSpec, type RuleContext } from '../api';
import { nPlusOneMeta } from './meta';
import { ancestor, captures, nodesAtText, positionalArguments, parents } from '../../analysis/python/ast';
import {
  addRelationEdits,
  assignmentsBefore,
  calleeName,
  fixesAllowed,
  isDjangoFile,
  iterationOf,
  iterationsIn,
  loadsRelation,
  OutsideReads,
  mayBeDjangoText,
  mayContainQuerysets,
  outsideReadsHold,
  querysetOf,
  recordingOutsideReads,
  unparenthesize,
  readsLoopVariable,
  type Iteration,
  type QuerysetInfo,
} from '../../analysis/python/django-querysets';
import { keyedQueries, KEYED_QUERY_NOTES, sessionCartRows } from './python-keyed-queries';
import { SQLALCHEMY_KEYED_NOTES } from './sqlalchemy-keyed-queries';
import { checkDrfSerializers, DRF_FIX, DRF_NOTES, DRF_WHAT } from './python-drf';
import { checkGetattrExports, GETATTR_NOTES } from './python-getattr';
import { checkSqlalchemyLoops } from './python-sqlalchemy';
import { checkMarshmallowLists } from './python-marshmallow';
import { checkResponseModelLists } from './python-fastapi';
import { fileMatches, StatementFindingsCache, statementCachesEnabled, statementMatches, topLevelStatements, type TopLevelStatement } from '../../analysis/python/statements';
import { classMethods } from '../../analysis/python/class-methods';
import { findingsByMethod } from '../../analysis/python/method-findings';
import { projectChanges, StatementSlot, TreeSlot } from '../../analysis/cache';
import { fewByName } from '../../analysis/few-by-name';
import { checkTemplate, checkTemplateViews, TEMPLATE_NOTES } from './django-templates';
import { checkJinjaTemplate, JINJA_NOTES } from './jinja-templates';
import { RENDERS_TEMPLATES } from '../../analysis/python/django-template-views';
import type { ModelIndex } from '../../analysis/python/django-models';
import type { QueryingMethod } from '../../analysis/django-templates/models';
import { projectModels } from '../unbounded-queryset/owner-growth';
import { curatedNames } from '../../analysis/python/model-writers';
import { rosterShaped, staffRosterNames } from '../../analysis/python/staff-rosters';
import { FEW_TABLES_DOC } from '../../analysis/few-by-name';
import { importsOf } from '../../analysis/python/imports';
import { fewChildRows } from '../../analysis/python/row-count';
import { appLimitsKey, projectAppLimits, type AppLimits } from '../../analysis/python/owner-limits';
import { curatorFlagged, flagWritesKey, projectFlagWrites, type FlagWrites } from '../../analysis/python/flagged-rows';

/** Methods of a related manager that run a query: `order.items.all()`, `order.items.count()`. */
const MANAGER_METHODS = new Set([
  'all', 'filter', 'exclude', 'count', 'exists', 'first', 'last', 'order_by', 'latest', 'earliest', 'aggregate',
  'annotate', 'values', 'values_list', 'get', 'select_related', 'prefetch_related', 'only', 'defer', 'distinct',
  'iterator', 'in_bulk',
]);

/** Manager writes (`o.items.create(...)`, `o.tags.add(tag)`): per-row queries, but nothing to select or prefetch. */
const MANAGER_WRITES = new Set([
  'create', 'add', 'remove', 'set', 'clear', 'delete', 'get_or_create', 'update_or_create', 'bulk_create', 'bulk_update',
]);

/** Generic foreign keys cannot be select_related (FieldError); they can be prefetched. */
const GENERIC_FOREIGN_KEYS = new Set(['content_object']);

/**
 * Members of plain field values (str, datetime/date/timedelta, Decimal, UUID, dict/list from a JSONField): reading
 * one means the object before it is a value, not a related row. `o.name.upper()` and `o.created_at.year` are not
 * relations; `o.customer.name` is.
 */
const VALUE_METHODS = new Set([
  // str
  'upper', 'lower', 'strip', 'lstrip', 'rstrip', 'split', 'rsplit', 'splitlines', 'replace', 'startswith', 'endswith',
  'format', 'format_map', 'title', 'capitalize', 'casefold', 'swapcase', 'encode', 'decode', 'join', 'find', 'rfind',
  'index', 'rindex', 'count', 'partition', 'rpartition', 'zfill', 'center', 'ljust', 'rjust', 'isdigit', 'isalpha',
  'isalnum', 'isnumeric', 'isdecimal', 'isspace', 'islower', 'isupper', 'istitle', 'removeprefix', 'removesuffix',
  'expandtabs', 'translate',
  // datetime, date, time, timedelta
  'isoformat', 'strftime', 'date', 'time', 'timetz', 'timestamp', 'astimezone', 'weekday', 'isoweekday',
  'isocalendar', 'timetuple', 'utctimetuple', 'utcoffset', 'dst', 'tzname', 'ctime', 'toordinal', 'total_seconds',
  // Decimal, int, float
  'quantize', 'normalize', 'to_integral_value', 'to_integral', 'to_eng_string', 'as_tuple', 'as_integer_ratio',
  'is_zero', 'is_nan', 'is_signed', 'is_finite', 'is_integer', 'sqrt', 'exp', 'ln', 'log10', 'adjusted', 'copy_abs',
  'bit_length', 'to_bytes',
  // dict / list (JSONField, ArrayField)
  'get', 'keys', 'values', 'items', 'copy', 'setdefault', 'pop', 'popitem', 'update', 'append', 'extend', 'insert',
  'remove', 'sort',
]);

const VALUE_ATTRIBUTES = new Set([
  'year', 'month', 'day', 'hour', 'minute', 'second', 'microsecond', 'tzinfo', 'fold', 'days', 'seconds',
  'microseconds', 'real', 'imag', 'numerator', 'denominator', 'hex', 'urn', 'bytes', 'variant', 'version',
]);

/** File and image fields: `o.avatar.url` reads the storage, not a related row. */
const FILE_FIELD_NAME = /(^|_)(file|image|img|avatar|photo|picture|attachment|document|doc|logo|thumbnail|thumb|upload|pdf|video|audio|icon|banner|cover|media|resume|receipt|invoice_pdf)s?$/;
const FILE_ATTRIBUTES = new Set(['url', 'path', 'name', 'size', 'width', 'height', 'file', 'storage', 'open', 'read', 'close', 'chunks', 'closed']);

/** First members that never load a relation: the primary key, `customer_id`, model internals. */
function isNeverRelation(name: string): boolean {
  return name === 'pk' || name === 'id' || name === 'objects' || name.endsWith('_id') || name.startsWith('_') || /^get_\w+_display$/.test(name);
}

/** `model-method`: `row.total()` where the row's model (in this module) defines total() as a query on a manager of self. */
type AccessKind = 'foreign-key' | 'all' | 'count' | 'exists' | 'other-query' | 'model-method';

/** One read of a relation in a loop body: `o.customer.name` (path customer), `o.items.count()` (path items). */
interface RelationAccess {
  path: string[];
  kind: AccessKind;
  method?: string;
  /** The offending expression: `o.customer` for a foreign key, the call for a manager. */
  node: Node;
}

/** Loops whose rows come from a queryset: directly, or from a prefetchable `.all()` of an outer loop's row. */
interface RowSource {
  info: QuerysetInfo;
  /** Relation path from the queried model to these rows (`items__` when looping over `order.items.all()`). */
  prefix: string;
}

export default defineRule({
  meta: {
    ...nPlusOneMeta,
    kinds: ['python', 'django-template'],
    fix: 'safe',
    trigger: /objects|django|models|sqlalchemy|sqlmodel|\.query\b|\{%|\{\{/,
    docs: {
      summary: 'A loop over a Django queryset or SQLAlchemy query that runs one more query per row to follow a relation.',
      whatItDoes:
        'Finds `for` loops and list/dict/set comprehensions and generator expressions over a Django queryset ' +
        '(`Order.objects...`, a variable or same-module helper function that returns one, a related manager `.all()`) ' +
        'whose body reads a related row (`o.customer.name`, `o.customer.company.name`) or a reverse/many-to-many ' +
        'manager (`o.items.all()`, `.count()`, `.filter()`) that the queryset does not load with `select_related` / ' +
        '`prefetch_related`. One finding per loop and relation. ' +
        DRF_WHAT +
        '\n\n' +
        'SQLAlchemy (1.4 and 2.0, sync and async, Flask-SQLAlchemy, SQLModel): loops over the rows of ' +
        '`session.query(X)...`, `session.scalars(select(X)...)`, `session.execute(select(X)).scalars()`, `X.query...`, ' +
        '`db.paginate(...).items` (also through variables, `await`, `.all()`, `list()`) that read a relationship ' +
        'which loads lazily (`relationship()` with the default `lazy="select"`, backrefs, `Mapped[list[...]]`), also ' +
        'one level down (`for i in order.items: i.product`), when the query has no loader option for that path ' +
        '(`selectinload`, `joinedload`, `subqueryload`, `immediateload`, `contains_eager`, or `raiseload`/`noload`/' +
        '`lazyload`, which settle it deliberately). Models are read from the project modules the file imports ' +
        '(declarative classes, `db.Model`, backrefs added by the other class, re-exports of a models package through `from .offer import *`). A `lazy="dynamic"` relationship used in ' +
        'the loop is reported too (each use is a query and it cannot be eager-loaded).',
      whyIsThisBad:
        'Each row triggers its own query: a page of 500 orders becomes 501 queries. Besides the latency, every query ' +
        'builds fresh model instances that the loop keeps alive, the database connection buffers each result, and ' +
        'with `DEBUG = True` Django records every query in `connection.queries`, so long exports and Celery tasks ' +
        'grow until the worker is killed. `select_related` loads the related rows in the same query (a JOIN); ' +
        '`prefetch_related` loads them in one extra query for the whole loop. SQLAlchemy alike: each lazy load is a ' +
        'SELECT of its own, and every loaded object stays in the session\'s identity map until the session ends; in ' +
        'async code the lazy load raises `MissingGreenlet` instead.',
      example: {
        fileName: 'views.py',
        code: `from django.http import JsonResponse

from .models import Order


def order_list(request):
    orders = Order.objects.filter(status="paid")
    rows = [{"id": o.id, "customer": o.customer.name} for o in orders]
    return JsonResponse({"orders": rows})
`,
      },
      useInstead: {
        fileName: 'views.py',
        code: `from django.http import JsonResponse

from .models import Order


def order_list(request):
    orders = Order.objects.select_related("customer").filter(status="paid")
    rows = [{"id": o.id, "customer": o.customer.name} for o in orders]
    return JsonResponse({"orders": rows})
`,
      },
      fixSafety:
        'Safe: `select_related`/`prefetch_related` change how many queries run, not which rows or values the loop sees. ' +
        'The fix adds the relation to the queryset expression that feeds the loop, also when it is assigned a few ' +
        'statements earlier in the same function: as one more argument of an existing `select_related(...)` / ' +
        '`prefetch_related(...)`, else as a new call right after the manager (`Order.objects.select_related("customer")' +
        '.filter(...)`, or after its `.all()`), where it stays valid whatever follows (slices, `.iterator()`). ' +
        'For a queryset returned by a helper function the call is added at the loop (`recent_orders(user)' +
        '.select_related("customer")`), so the helper\'s other callers are unchanged. A loop over an outer row\'s ' +
        '`.all()` gets a `prefetch_related("items__product")` on the outer queryset, which keeps using the prefetch cache. ' +
        'The fix is unsafe when the queryset uses `.only()` or `.defer()`: a deferred foreign key cannot be traversed with `select_related` (Django raises FieldError). `.count()`, `.exists()` and filtered manager calls get no fix: prefetching every related row only to count ' +
        'or filter them trades queries for memory; the message suggests `annotate(Count(...))` or ' +
        '`Prefetch(queryset=..., to_attr=...)`. No fix is offered while the file has syntax errors. ' +
        DRF_FIX +
        ' ' +
        'SQLAlchemy: the fix adds `.options(selectinload(Order.items))` for a collection, `joinedload(Order.customer)` ' +
        'for a many-to-one (`selectinload` when the query groups, locks with `with_for_update()` or is `distinct()`, ' +
        'where a JOIN would change the SQL), chained for deeper paths (`selectinload(Order.items).joinedload(Item.product)`), ' +
        'into an existing `.options(...)` or extending an option that loads the first part of the path, right after ' +
        '`query(X)` / `select(X)` / `X.query` otherwise, and imports the loader from `sqlalchemy.orm` (also right for ' +
        'Flask-SQLAlchemy). Loader options change how many queries run, not which rows or values the loop sees: the fix ' +
        'is safe when the query is written in the loop or in one assignment only the loop reads, and unsafe when the ' +
        'variable holding it is reassigned or read elsewhere (the other uses load the relationship too). No fix when a ' +
        'model on the path is not imported at module level.',
      notes:
        SMALL_TABLES_NOTE +
        'Code nothing in production runs is not reported: an undecorated module-level function no other code of the project names (or only tests, scripts and management commands call), a view function no URLconf routes (also under decorators that only wrap it: `@login_required`, `@require_POST`, `@api_view`) when the project\'s `urlpatterns` are seen. ' +
        'Not reported: loops that copy rows (`row.pk = None`, `copy.copy(row)`, `model_to_dict(row)` in the loop or an ' +
        'enclosing one: every pass inserts a row anyway), loops whose body returns, breaks or raises unconditionally (one pass), and loops over at most 20 rows (`qs[:5]`, also through a ' +
        'variable or `enumerate()`), loops (and template `{% for %}`s) over one record\'s children whose model carries no date or time field (own or inherited), where the record is `self` in a model method (and a unique constraint over a relation caps the children: one role point per role) or the signed-in user (`request.user.memberships.all()`, `filter(user=request.user)` through a foreign key to a user): a few rows, a few queries (dated children such as a post\'s comments or a user\'s borrows are a history and still reported, and other single objects, a detail view\'s included, are not judged: an author\'s books are a shelf), over the lines of one order, cart, invoice or sale the view fetched itself (`get_object_or_404(Order, ...)`, `Cart.objects.get(...)`, a detail view\'s object: one shopper picked them; `self.items` in a model method is still judged, it runs for every order its callers loop over), or over a queryset filtered for equality on a field the project model declares ' +
        '`unique=True` or `primary_key=True`, or on `pk` / `id` (`Order.objects.filter(order_id=...)`: one row at most). ' +
        'Apart from those unique fields, Django models are not read, so relations are recognised by shape: `row.x.y` (an attribute of an attribute) is a ' +
        'relation `x`, `row.x.all()` / `.filter()` / `.count()` / `.exists()` / `.first()` is a manager. Reads that ' +
        'are obviously plain values are skipped: `row.x_id`, `row.pk`, str/datetime/Decimal/UUID/dict members ' +
        '(`row.name.upper()`, `row.created_at.isoformat()`, `row.created_at.year`, `row.price.quantize(...)`, ' +
        '`row.data.get("k")`), file-field members (`row.avatar.url`), fields the project model declares as non-relations (`branch.location.x` on a PointField) and names the queryset `annotate()`s (`branch.distance.km`). Manager writes (`row.items.create()`, ' +
        '`.add()`, `.clear()`) are not reads; an unknown method on a plural name (`row.items.published()`) may be a ' +
        'custom manager method, which `select_related` cannot load, so it is reported only for `*_set` managers and ' +
        'without a fix. `content_object` (a generic foreign key) gets `prefetch_related`, since `select_related` ' +
        'cannot follow it. A call of a method that takes only `self` and queries a manager of self (`self.orders.filter(...)`, ' +
        '`.aggregate(...)`), on a row of a queryset of a model declared in the same module, is reported per loop ' +
        '(`customer.total_spent()`), unless every such call is `.all()`/`.count()`/`.exists()` and the queryset prefetches ' +
        'that manager. A `@property` / `@cached_property` a class of the same module defines (and no class declares as a ' +
        'field) is not a relation. A property of a model in another module or a non-relation field whose value has other ' +
        'attributes (an enum, a custom object) can still be reported; suppress it with `# memlint: ignore[n-plus-one]`. `row.customer` ' +
        'alone is not reported (it may be a plain field). ' +
        'Querysets passed in as parameters, built in another module, or returned by `super().get_queryset()` are ' +
        'not followed, and `.values()`/`.values_list()` querysets are skipped (their rows have no relations). ' +
        DRF_NOTES +
        GETATTR_NOTES +
        KEYED_QUERY_NOTES +
        SQLALCHEMY_KEYED_NOTES +
        TEMPLATE_NOTES +
        JINJA_NOTES +
        'marshmallow: a Flask-Smorest view that returns a query\'s rows to `@blp.response(200, Schema(many=True))` whose ' +
        'schema (or a same-module base) dumps a lazy relationship through `fields.Nested`, `fields.List(fields.Nested(...))` ' +
        'or `fields.Pluck` (not `load_only`, not left out by `only=`/`exclude=`) and the query has no loader option for it; ' +
        'a `lazy="dynamic"` relationship always runs a query per row. ' +
        'FastAPI: a route (`@app.get`, `@router.get`, ...) that returns a query\'s rows with `response_model=List[Schema]` ' +
        '(or `-> list[Schema]` without `response_model`) whose pydantic schema (or a same-module base) declares a field named ' +
        'like a lazy relationship of the rows\' model: validating each row reads it, one SELECT per row; reported at the ' +
        'query unless it has a loader option for that relationship. `ClassVar`s, single-object response models and ' +
        'paginated models (`Page[Schema]`) are not reported. ' +
        'SQLAlchemy: a call of a zero-argument method of the row\'s model class (in the same module) that reads a lazy ' +
        'relationship of self (`orga.get_words()` over `self.words`) counts as a read of that relationship. ' +
        'SQLAlchemy: relationships declared `lazy="selectin"`/`"joined"`/`"subquery"`/`"immediate"`/`"raise"`/`"noload"` ' +
        'are not reported. A many-to-one read again and again for the same parent row is cheap: SQLAlchemy looks it up in ' +
        'the identity map by primary key before querying, so N rows with the same parent cost one query. Reported as ' +
        'not N+1 where the code shows it: the query pins the foreign key (`filter(Item.order_id == order.id)`, ' +
        '`filter_by(order=order)`, `with_parent(...)`), the loop walks one object\'s collection (`for item in ' +
        'order.items: item.order`), and relationships to the tenant of a multi-tenant app (`org`, `organization`, ' +
        '`tenant`, `workspace`, `site`, `realm`), which nearly every row shares. Queries over several entities (rows are ' +
        'tuples), `.limit(n)` with n <= 20, queries built in helper functions or other modules, and model classes that ' +
        'cannot be resolved from the imports are not followed. `write_only` relationships are not reported. ' +
        'The TypeScript rule with the same id covers Prisma/TypeORM/Sequelize/Mongoose. ' +
        'Django loops (and template `{% for %}`s) over a project model\'s rows are not reported when the model is few by ' +
        'its name: ' + FEW_TABLES_DOC,
    },
  },
  check(reported) {
    if (reported.file.kind === 'django-template') {
      checkTemplate(reported);
      // Flask views rendering SQLAlchemy rows into Jinja templates.
      checkJinjaTemplate(reported);
      return;
    }
    // A loop inside a module-level function nothing in production calls never runs in a worker: not reported.
    const ctx = liveCodeReports(reported);
    checkSqlalchemyLoops(ctx, (spec) => ctx.report(spec));
    checkMarshmallowLists(ctx, (spec) => ctx.report(spec));
    checkResponseModelLists(ctx, (spec) => ctx.report(spec));
    if (fileMatches(ctx, RENDERS_TEMPLATES)) checkTemplateViews(ctx, ctx.python(), fixesAllowed(ctx.python()));
    // Admin actions iterate the queryset they are handed: no manager in the file.
    checkGetattrExports(ctx);
    if (!mayContainQuerysets(ctx.file.text) || !mayBeDjangoText(ctx.file.text)) return;
    const tree = ctx.python();
    if (!isDjangoFile(tree, ctx.file.text)) return;
    checkDrfSerializers(ctx, tree);
    const canFix = fixesAllowed(tree);
    // The module's properties are read from other statements: a change to them re-checks every loop, and so does a
    // change to the project's models (their unique fields). Whether fixes are allowed is passed to the cache, not put
    // in the key (a syntax error typed re-checks no other loop).
    const { models, version } = projectModels(ctx, tree);
    // Tables named for a site's few curated things (a clinic's doctors, its branches): a loop over them is a handful.
    const fewTables = curatedTablesOf(ctx, models);
    // What the app does to keep one user's rows few (caps, expiring rows): read of every module once, when asked.
    let limits: AppLimits | undefined;
    const appLimits = () => (limits ??= projectAppLimits(ctx.project, { relPath: ctx.file.relPath, text: ctx.file.text }));
    // Rows a curator flagged (`filter(is_featured=True)`): the flags the project's serving code sets, when asked.
    let flagWrites: FlagWrites | undefined;
    const fewFlagged: FewFlagged = (info) => curatorFlagged(info, info.models.map((m) => importsOf(tree).origins.get(m)?.name ?? m), models, () => (flagWrites ??= projectFlagWrites(ctx.project, { relPath: ctx.file.relPath, text: ctx.file.text })));
    const context = `${appLimitsKey(ctx.project, ctx.file.relPath, ctx.file.text)}\u0000${flagWritesKey(ctx.project, ctx.file.relPath, ctx.file.text)}\u0000${fewTables.key}\u0000${[...moduleProperties(tree)].join(',')}\u0000${[...moduleQueryingMethods(tree).values()].map((q) => `${q.key}=${q.manager}.${q.call}${q.prefetchable ? '+' : ''}`).join(',')}\u0000${version}`;
    for (const statement of topLevelStatements(tree)) {
      if (!statementMatches(statement, FOR_WORD)) continue;
      findingsCache.check(ctx, statement, context, (reads) => outsideReadsHold(tree, reads), (report) => checkLoops(tree, statement, context, canFix, models, fewTables, appLimits, fewFlagged, report), canFix);
    }
  },
});

const FOR_WORD = /\bfor\b/;
const CLASS_KEYWORDS = /\bclass\b/g;
const CLASS_WORD = /\bclass\b/;

/** Findings per top-level statement, kept across keystrokes: a keystroke re-checks only the statement it changed. */
const findingsCache = new StatementFindingsCache<OutsideReads>('n-plus-one: loop findings');

/**
 * Findings per method of a top-level class, kept across keystrokes: an edit inside one method of a big ViewSet
 * re-checks that method only. Keyed by the method's text, its column and the class's text outside its methods;
 * what the method's analysis read of its sibling methods (`self.get_queryset()`) is checked on reuse.
 */
const methodFindings = new StatementFindingsCache<OutsideReads>('n-plus-one: loop findings per method', 8000);
const FOR_KEYWORDS = /\bfor\b/g;

/** The loop findings of one top-level statement, method by method for a class; the outside reads of them all. */
function checkLoops(tree: Tree, statement: TopLevelStatement, context: string, canFix: boolean, models: ModelIndex, fewTables: CuratedTables, limits: () => AppLimits, fewFlagged: FewFlagged, report: (spec: ReportSpec) => void): OutsideReads | undefined {
  const analyse = (unit: TopLevelStatement) => (reportTo: (spec: ReportSpec) => void) => {
    const [, reads] = recordingOutsideReads(() => checkStatement(tree, unit, canFix, models, fewTables, limits, fewFlagged, reportTo));
    return reads.unknown ? undefined : reads;
  };
  const split = statementCachesEnabled() ? classMethods(statement, FOR_KEYWORDS) : undefined;
  if (!split) return analyse(statement)(report);
  return findingsByMethod(tree, split, methodFindings, context, report, (unit) => analyse(unit), canFix, (unit) => !FOR_WORD.test(unit.text));
}

/** The rows are those a curator flagged (flagged-rows.ts), asked lazily. */
type FewFlagged = (info: QuerysetInfo) => boolean;

function checkStatement(tree: Tree, statement: TopLevelStatement, canFix: boolean, models: ModelIndex, fewTables: CuratedTables, limits: () => AppLimits, fewFlagged: FewFlagged, reportTo: (spec: ReportSpec) => void): void {
  const sources = new Map<number, RowSource | null>();
  for (const iteration of iterationsIn(tree, statement.text, statement.start)) {
    if (copiesRows(iteration) || fewRows(iteration) || endsFirstPass(iteration)) continue;
    const source = rowSource(iteration, sources);
    if (!source || rowsOfSerializedObject(iteration, source) || (!source.prefix && oneRowByUniqueField(source.info, models))) continue;
    // One record's few children (a release's files, a user's memberships): a few queries, not an N+1 to report.
    if (!source.prefix && (fewChildRows(source.info, iteration.node, models, limits) || fewFlagged(source.info))) continue;
    const specs = accessesToReport(tree, iteration, source, models).map((access) => finding(iteration, source, access, canFix));
    if (rowsOfManyParents(source) && !filtersOneParent(source.info, models)) keyedQueries(iteration, unparenthesize(iteration.iterable).text, (spec) => specs.push({ ...spec, table: rowsTable(source) }), relationAliases(iteration));
    // Asked last, of a loop with something to report: judging a table's writers reads every module of the project.
    if (specs.length === 0 || (!source.prefix && rowsOfCuratedTables(source.info, fewTables))) continue;
    specs.forEach(reportTo);
  }
  if (statementMatches(statement, SESSION_WORD)) {
    for (const { node: loop } of captures(tree, '(for_statement) @f', statement.node)) {
      const rows = sessionCartRows(loop);
      const body = loop.childForFieldName('body');
      if (rows && body) keyedQueries({ node: loop, target: loop.childForFieldName('left')!, iterable: loop.childForFieldName('right')!, body: [body] }, 'the session cart', reportTo, [], rows);
    }
  }
}

const SESSION_WORD = /\bsession\b/;

/**
 * Rows of a whole table or a filtered list, not one parent's children: not a related manager (`order.items.all()`),
 * not filtered to one owner (`filter(user=request.user)`), not a known row or slice.
 */
function rowsOfManyParents(source: RowSource): boolean {
  const info = source.info;
  // Rows claimed with select_for_update() are a work queue: each row's own queries are the work it was claimed for.
  return !source.prefix && !info.relatedManager && !info.scoped && !info.singleRow && !info.sliced && !info.values && !info.methods.includes('select_for_update');
}

/**
 * `for item in cart.items.all()` in a method of a DRF serializer (`def get_total(self, cart)`), where `cart` is the
 * serialised object: its `.all()` reads the prefetch cache of the view's queryset, which the DRF part
 * (python-drf.ts) follows from each view; this loop alone cannot tell whether the view prefetched the path.
 */
function rowsOfSerializedObject(iteration: Iteration, source: RowSource): boolean {
  const owner = source.info.roots[0]?.owner;
  if (source.prefix || !source.info.plainRelatedAll || source.info.roots.length !== 1 || owner?.type !== 'identifier') return false;
  const method = ancestor(iteration.node, 'function_definition');
  const cls = method?.parent?.type === 'block' ? method.parent.parent : method?.parent?.parent?.parent;
  if (cls?.type !== 'class_definition' || !/Serializer\b/.test(cls.childForFieldName('superclasses')?.text ?? '')) return false;
  const params = (method!.childForFieldName('parameters')?.namedChildren ?? []).map((p) => (p?.type === 'typed_parameter' ? p.namedChildren[0]?.text : p?.text));
  return params.indexOf(owner.text) === 1;
}

/** The deep-copy idiom (`row.pk = None; row.save()`, `copy.copy(row)`, `model_to_dict(row)`): every pass inserts a row anyway. */
const COPY_IDIOM = /\.(pk|id)\s*=\s*None\b|\bcopy\.(deep)?copy\(|\bdeepcopy\(|\bmodel_to_dict\(/;

/** Every model the loop's rows come from is a table curated by its name (model-writers.ts's curatedNames) or a staff roster. */
function rowsOfCuratedTables(info: QuerysetInfo, fewTables: CuratedTables): boolean {
  if (!fewTables.key || info.models.length === 0) return false;
  const imported = importsOf(info.roots[0].node.tree).origins;
  return info.models.every((m) => fewTables.has(imported.get(m)?.name ?? m));
}

/** The project's tables curated by their name that a module names, asked lazily; `key` says what answers may change. */
interface CuratedTables {
  /** Empty when the module names none (the common case: nothing to ask). */
  key: string;
  has(model: string): boolean;
}

/**
 * Only models the module names are asked about (a loop over a related manager's rows is judged as children), and only
 * when a loop's rows come from one: judging their writers reads every module of the project. Their answers follow the
 * other modules' texts, so the key holds the project's change count outside this file.
 */
function curatedTablesOf(ctx: RuleContext, models: ModelIndex): CuratedTables {
  const text = ctx.file.text;
  const candidates = models.names().filter((name) => (fewByName(name) || rosterShaped(models, name)) && text.includes(name) && new RegExp(`\\b${name}\\b`).test(text));
  if (candidates.length === 0) return { key: '', has: () => false };
  let curated: ReadonlySet<string> | undefined;
  return {
    key: `${candidates.join(',')}@${projectChanges(ctx.project, ctx.file.relPath) ?? ''}`,
    has(model) {
      if (!candidates.includes(model)) return false;
      const current = { relPath: ctx.file.relPath, text };
      const among = (name: string) => candidates.includes(name);
      // A business's staff roster (a clinic's doctors entered in the admin: staff-rosters.ts) is a handful too.
      curated ??= new Set([...curatedNames(ctx.project, current, models, among), ...staffRosterNames(ctx.project, current, models, among)]);
      return curated.has(model);
    },
  };
}

/** A loop (or a loop nested in one) that copies a small tree of rows: its queries are inherent, not an N+1 to fix. */
function copiesRows(iteration: Iteration): boolean {
  if (iteration.node.type !== 'for_statement') return false;
  for (let p: Node | null = iteration.node; p && p.type !== 'function_definition'; p = p.parent) {
    if (p.type === 'for_statement' && COPY_IDIOM.test(p.childForFieldName('body')?.text ?? '')) return true;
  }
  return false;
}

/** `for u in users: ...; return redirect(...)`: the body leaves the loop unconditionally, so it runs once. */
function endsFirstPass(iteration: Iteration): boolean {
  const body = iteration.node.type === 'for_statement' ? iteration.body[0] : undefined;
  return body?.type === 'block' && body.namedChildren.some((c) => c?.type === 'return_statement' || c?.type === 'break_statement' || c?.type === 'raise_statement');
}

/** `for p in qs[:5]`: a handful of rows, a handful of queries. */
const SMALL_SLICE = 20;
function fewRows(iteration: Iteration): boolean {
  const smallSlice = (text: string) => {
    const m = /\[\s*(?:0\s*)?:\s*(\d+)\s*\]\s*\)?\s*$/.exec(text);
    return !!m && Number(m[1]) <= SMALL_SLICE;
  };
  let iterable = unparenthesize(iteration.iterable);
  // enumerate(top, 1)
  if (iterable.type === 'call' && iterable.childForFieldName('function')?.text === 'enumerate') iterable = positionalArguments(iterable)[0] ?? iterable;
  if (smallSlice(iterable.text)) return true;
  if (iterable.type !== 'identifier') return false;
  const value = assignmentsBefore(iterable).pop()?.childForFieldName('right');
  return !!value && smallSlice(value.text);
}

/** Lookups that compare a column for equality: `order_id=...`, `slug__exact=...`, `email__iexact=...`. */
const EQUALITY_LOOKUP = /^(\w+?)(?:__i?exact)?$/;

/**
 * `Order.objects.filter(order_id=order_id)` where the model declares `order_id = CharField(unique=True)` (or
 * `primary_key=True`): the loop runs over one row at most, so following a relation in it is one query, not N.
 * Every root of the queryset must be a manager of one known project model filtered that way.
 */
function oneRowByUniqueField(info: QuerysetInfo, models: ModelIndex): boolean {
  if (info.roots.length === 0 || info.models.length > 1) return false;
  const model = info.models[0];
  // `pk` and `id` are the primary key of every model (Django rejects a field named `id` that is not one, models.E004).
  const unique = (field: string) => field === 'pk' || field === 'id' || (model !== undefined && models.isUniqueColumn(model, field));
  return info.roots.every((root) => {
    if (root.kind !== 'manager') return false;
    for (let n: Node | null = root.node.parent; n && (n.type === 'call' || n.type === 'attribute'); n = n.parent) {
      if (n.type !== 'call' || calleeName(n) !== 'filter') continue;
      for (const arg of n.childForFieldName('arguments')?.namedChildren ?? []) {
        if (arg?.type !== 'keyword_argument') continue;
        const field = EQUALITY_LOOKUP.exec(arg.childForFieldName('name')?.text ?? '')?.[1];
        if (field && !field.includes('__') && unique(field)) return true;
      }
    }
    return false;
  });
}

/**
 * `Reviewer.objects.filter(section=proposal.section)`, `Question.objects.filter(item_type__title=item.type)`: a
 * foreign key of the queried model (per the project's models) compared for equality with one value, so the rows
 * are one parent's children (a handful of questions of one type, the reviewers of one section), not a table.
 */
function filtersOneParent(info: QuerysetInfo, models: ModelIndex): boolean {
  const relations = info.models.length === 1 ? models.relationsOf(info.models[0]) : undefined;
  if (!relations) return false;
  return info.roots.some((root) => {
    for (let n: Node | null = root.node.parent; n && (n.type === 'call' || n.type === 'attribute'); n = n.parent) {
      if (n.type !== 'call' || calleeName(n) !== 'filter') continue;
      for (const arg of n.childForFieldName('arguments')?.namedChildren ?? []) {
        if (arg?.type !== 'keyword_argument') continue;
        const name = arg.childForFieldName('name')?.text ?? '';
        const value = arg.childForFieldName('value');
        if (!value || /__(in|range|gt|gte|lt|lte|isnull|contains|icontains|startswith|istartswith)$/.test(name)) continue;
        if (!/^(identifier|attribute|call|subscript)$/.test(value.type) || /^(True|False|None)$/.test(value.text)) continue;
        const kind = relations.get(name.split('__')[0].replace(/_id$/, ''))?.kind;
        if (kind === 'fk' || kind === 'o2o') return true;
      }
    }
    return false;
  });
}

/** What a loop iterates, when it is a queryset of model instances (memoised per loop node). */
function rowSource(iteration: Iteration, memo: Map<number, RowSource | null>): RowSource | undefined {
  const cached = memo.get(iteration.node.id);
  if (cached !== undefined) return cached ?? undefined;
  memo.set(iteration.node.id, null); // guards against cycles while computing
  const info = querysetOf(throughDrfFilters(unparenthesize(iteration.iterable)));
  let source: RowSource | undefined;
  if (info && !info.values) {
    source = { info, prefix: '' };
    // `for item in order.items.all()` inside a loop over orders: the outer queryset can prefetch `items__...`.
    const root = info.roots[0];
    if (info.plainRelatedAll && info.roots.length === 1 && root.owner?.type === 'identifier' && root.relation) {
      const outer = bindingIteration(iteration.node, root.owner.text);
      const outerSource = outer && rowSource(outer, memo);
      if (outerSource) source = { info: outerSource.info, prefix: `${outerSource.prefix}${root.relation}__` };
    }
  }
  memo.set(iteration.node.id, source ?? null);
  return source;
}

/** DRF's GenericAPIView methods that hand back the rows they are given, filtered (`filter_queryset`) or paged. */
const DRF_PASS_THROUGH = /^self\.(filter_queryset|paginate_queryset)$/;

/**
 * `self.filter_queryset(self.get_queryset())` and `self.paginate_queryset(qs)` in a view action, directly or through
 * the variable the loop reads: the rows are the queryset's (filter backends narrow them, a page slices them), so its
 * select/prefetch calls are what the loop's reads are judged against.
 */
function throughDrfFilters(node: Node, depth = 0): Node {
  if (depth > 4) return node;
  let value = node;
  if (node.type === 'identifier') value = assignmentsBefore(node).pop()?.childForFieldName('right') ?? node;
  value = unparenthesize(value);
  if (value.type !== 'call' || !DRF_PASS_THROUGH.test(value.childForFieldName('function')?.text ?? '')) return node;
  const inner = positionalArguments(value)[0];
  return inner ? throughDrfFilters(unparenthesize(inner), depth + 1) : node;
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
      const clauses = p.namedChildren.filter((c): c is Node => c?.type === 'for_in_clause' && c.endIndex <= node.startIndex);
      for (const clause of clauses.reverse()) {
        const it = iterationOf(clause);
        if (it?.target.text === name) return it;
      }
    }
  }
  return undefined;
}

const ATTRIBUTE_ON_NAME = '(attribute object: (identifier) @obj) @attr';

/**
 * `order = log.order` as a statement of the loop's body: later reads of `order.restaurant.name` in the body are
 * reads of `log.order.restaurant` (the alias is the row's related object). Only while nothing rebinds the alias.
 */
function relationAliases(iteration: Iteration): { name: string; path: string[]; scope: Node; from: number }[] {
  const body = iteration.node.type === 'for_statement' ? iteration.body[0] : undefined;
  if (body?.type !== 'block') return [];
  const row = iteration.target.text;
  const out: { name: string; path: string[]; scope: Node; from: number }[] = [];
  const assigned = new Map<string, number>();
  for (const statement of body.namedChildren) {
    const assignment = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    const left = assignment?.type === 'assignment' ? assignment.childForFieldName('left') : undefined;
    if (left?.type === 'identifier') assigned.set(left.text, (assigned.get(left.text) ?? 0) + 1);
  }
  for (const statement of body.namedChildren) {
    const assignment = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    if (assignment?.type !== 'assignment' || assignment.childForFieldName('type')) continue;
    const left = assignment.childForFieldName('left');
    const path = attributeChainOf(assignment.childForFieldName('right'), row);
    if (left?.type !== 'identifier' || left.text === row || !path || assigned.get(left.text) !== 1) continue;
    if (new RegExp(`\\b${left.text}\\b`).test(iteration.node.childForFieldName('left')?.text ?? '')) continue;
    out.push({ name: left.text, path, scope: body, from: assignment.endIndex });
  }
  return out;
}

/** `row.a.b` (attributes only, none a plain value or key) -> ['a', 'b']. */
function attributeChainOf(node: Node | null, row: string): string[] | undefined {
  const names: string[] = [];
  let n = node;
  while (n?.type === 'attribute') {
    names.unshift(n.childForFieldName('attribute')?.text ?? '');
    n = n.childForFieldName('object');
  }
  if (n?.type !== 'identifier' || n.text !== row || names.length === 0) return undefined;
  return names.every((m) => !isNeverRelation(m) && !VALUE_ATTRIBUTES.has(m)) ? names : undefined;
}

/** The relation reads of one loop that the queryset does not load, one per relation path. */
function accessesToReport(tree: Tree, iteration: Iteration, source: RowSource, models: ModelIndex): RelationAccess[] {
  const name = iteration.target.text;
  const byPath = new Map<string, RelationAccess[]>();
  for (const bodyNode of iteration.body) {
    for (const { name: capture, node } of captures(tree, ATTRIBUTE_ON_NAME, bodyNode)) {
      if (capture !== 'attr' || node.childForFieldName('object')?.text !== name) continue;
      if (!readsLoopVariable(node, iteration)) continue;
      const access = modelMethodCall(tree, node, source) ?? classifyAccess(node, (field) => idNamedForeignKey(source, field, models));
      if (!access || (access.kind !== 'model-method' && (moduleProperties(tree).has(access.path[0]) || readsRowValue(source, access.path[0], models)))) continue;
      const key = access.path.join('__');
      byPath.set(key, [...(byPath.get(key) ?? []), access]);
    }
  }
  for (const alias of relationAliases(iteration)) {
    for (const { name: capture, node } of captures(tree, ATTRIBUTE_ON_NAME, alias.scope)) {
      if (capture !== 'attr' || node.childForFieldName('object')?.text !== alias.name || node.startIndex < alias.from) continue;
      const access = classifyAccess(node);
      if (!access || access.kind === 'model-method' || moduleProperties(tree).has(alias.path[0])) continue;
      const full: RelationAccess = { ...access, path: [...alias.path, ...access.path] };
      const key = full.path.join('__');
      byPath.set(key, [...(byPath.get(key) ?? []), full]);
    }
  }
  const isFixable = (a: RelationAccess) => a.kind === 'foreign-key' || a.kind === 'all';
  const chosen = [...byPath.values()].map((accesses) => accesses.find(isFixable) ?? accesses[0]);
  return chosen.filter((access) => {
    const path = access.path.join('__');
    // `o.customer.company.name` is fixed by select_related("customer__company"), which also loads `customer`.
    const coveredByLonger = chosen.some((other) => other !== access && isFixable(other) && other.path.join('__').startsWith(`${path}__`));
    if (coveredByLonger) return false;
    if (access.kind === 'model-method') return true;
    return !loadsRelation(source.info, source.prefix + path, access.kind === 'foreign-key' && source.prefix === '');
  });
}

/**
 * `branch.location.x` where the project model declares `location` as a field that is not a relation (a PointField,
 * a JSONField), or `branch.distance.km` where the queryset's `.annotate(distance=...)` set it: values the row's own
 * query returned, no query per row.
 */
/** `patient_id = ForeignKey(Patient)` on every model of the rows: `row.patient_id` is the related row, not the column. */
function idNamedForeignKey(source: RowSource, field: string, models: ModelIndex): boolean {
  if (source.prefix || source.info.models.length === 0) return false;
  return source.info.models.every((m) => {
    const kind = models.relationsOf(m)?.get(field)?.kind;
    return kind === 'fk' || kind === 'o2o';
  });
}

function readsRowValue(source: RowSource, first: string, models: ModelIndex): boolean {
  if (source.prefix) return false;
  if (source.info.annotations.has(first)) return true;
  return source.info.models.length > 0 && source.info.models.every((m) => models.isPlainField(m, first));
}

/**
 * `row.total()` in a loop over `Order.objects...` where `class Order` of this module defines `def total(self)` as a
 * query on one of its managers (`self.items.filter(...)`, `.aggregate(...)`): one query (or more) per row. Not when
 * every such call is `.all()`/`.count()`/`.exists()` and the queryset prefetches that manager.
 */
function modelMethodCall(tree: Tree, node: Node, source: RowSource): RelationAccess | undefined {
  const call = node.parent;
  if (call?.type !== 'call' || call.childForFieldName('function')?.id !== node.id) return undefined;
  if ((call.childForFieldName('arguments')?.namedChildren.length ?? 1) !== 0 || source.prefix) return undefined;
  const name = node.childForFieldName('attribute')?.text ?? '';
  const methods = moduleQueryingMethods(tree);
  for (const model of source.info.models) {
    const found = methods.get(`${model}.${name}`);
    if (!found) continue;
    if (found.prefetchable && loadsRelation(source.info, found.manager, false)) return undefined;
    return { path: [name], kind: 'model-method', method: `${found.manager}.${found.call}`, node: call };
  }
  return undefined;
}

const MODULE_PROPERTIES = new TreeSlot<ReadonlySet<string>>('n-plus-one: module properties');
const MODULE_QUERYING_METHODS = new TreeSlot<ReadonlyMap<string, { key: string } & QueryingMethod>>('n-plus-one: module querying methods');

/** `Class.method` -> the manager query it runs, for the zero-argument methods of this module's classes that query self's managers. */
function moduleQueryingMethods(tree: Tree): ReadonlyMap<string, { key: string } & QueryingMethod> {
  return MODULE_QUERYING_METHODS.get(tree, () => {
    const found = new Map<string, { key: string } & QueryingMethod>();
    for (const statement of topLevelStatements(tree)) {
      if (!statementMatches(statement, CLASS_WORD)) continue;
      const members = CLASS_MEMBERS.answer(statement, '', () => classMembers(tree, statement.node));
      for (const q of members.querying) found.set(q.key, q);
    }
    return found;
  });
}
/** Per statement text: a keystroke re-reads the class bodies of the statement it changed only. */
const CLASS_MEMBERS = new StatementSlot<{ properties: string[]; fields: string[]; querying: ({ key: string } & QueryingMethod)[] }>('n-plus-one: class properties and fields');

/**
 * Names this module's classes define as `@property` / `@cached_property` methods and never as class attributes
 * (model fields): `ch.transport` on `class Channel` with `@property def transport(self)` runs Python, not a query.
 */
function moduleProperties(tree: Tree): ReadonlySet<string> {
  return MODULE_PROPERTIES.get(tree, () => {
    const properties = new Set<string>();
    const fields = new Set<string>();
    for (const statement of topLevelStatements(tree)) {
      if (!statementMatches(statement, CLASS_WORD)) continue;
      const members = CLASS_MEMBERS.answer(statement, '', () => classMembers(tree, statement.node));
      for (const name of members.properties) properties.add(name);
      for (const name of members.fields) fields.add(name);
    }
    return new Set([...properties].filter((n) => !fields.has(n)));
  });
}

/** The property methods and the assigned names (fields) of the class bodies inside one top-level statement. */
function classMembers(tree: Tree, statement: Node): { properties: string[]; fields: string[]; querying: ({ key: string } & QueryingMethod)[] } {
  const properties: string[] = [];
  const fields: string[] = [];
  const querying: ({ key: string } & QueryingMethod)[] = [];
  // Each class starts with a `class` keyword: found by text, not by a query over every node of the statement.
  for (const keyword of nodesAtText(tree, statement.text, CLASS_KEYWORDS, statement.startIndex)) {
    const cls = keyword.parent;
    if (keyword.type !== 'class' || cls?.type !== 'class_definition' || cls.firstChild?.id !== keyword.id) continue;
    const body = cls.childForFieldName('body');
    if (body?.type !== 'block') continue;
    const className = cls.childForFieldName('name')?.text ?? '';
    for (const child of body.namedChildren) {
      const fn = child?.type === 'decorated_definition' ? child.childForFieldName('definition') : child;
      const q = fn?.type === 'function_definition' ? queryingMethodOf(fn) : undefined;
      if (q) querying.push({ key: `${className}.${fn!.childForFieldName('name')?.text}`, ...q });
      if (child?.type === 'decorated_definition') {
        const decorators = child.namedChildren.filter((c) => c?.type === 'decorator').map((d) => d!.text);
        const name = child.childForFieldName('definition')?.childForFieldName('name')?.text;
        if (name && decorators.some((d) => /^@(\w+\.)?(cached_)?property$/.test(d))) properties.push(name);
      } else if (child?.type === 'expression_statement' && child.namedChildren[0]?.type === 'assignment') {
        const left = child.namedChildren[0].childForFieldName('left');
        if (left?.type === 'identifier') fields.push(left.text);
      }
    }
  }
  return { properties, fields, querying };
}

/** A queryset call on a manager of self: `self.items.all(`, `self.orders.filter(`. */
const SELF_MANAGER_CALL = /\bself\.(\w+)\.(all|filter|exclude|count|exists|aggregate|annotate|first|last|get|order_by|values|values_list)[ \t]*\(/g;

/** The manager query a method taking only self runs (`def total(self): return self.items.aggregate(...)`). */
function queryingMethodOf(fn: Node): QueryingMethod | undefined {
  const params = fn.childForFieldName('parameters')?.namedChildren ?? [];
  if (params.length !== 1 || params[0]?.text !== 'self') return undefined;
  const body = fn.childForFieldName('body')?.text ?? '';
  const calls = [...body.matchAll(SELF_MANAGER_CALL)].filter((c) => c[1] !== 'objects' && c[1] !== '__class__' && !isNeverRelation(c[1]));
  if (calls.length === 0) return undefined;
  return { manager: calls[0][1], call: calls[0][2], prefetchable: calls.every((c) => c[2] === 'all' || c[2] === 'count' || c[2] === 'exists') };
}


/** The queryset a call returns is written, not read: `.filter(...).update(...)`, `.exclude(...).delete()`. */
function endsInWrite(call: Node): boolean {
  let current = call;
  for (;;) {
    const attribute = current.parent;
    const next = attribute?.parent;
    if (attribute?.type !== 'attribute' || next?.type !== 'call' || next.childForFieldName('function')?.id !== attribute.id) return false;
    const method = attribute.childForFieldName('attribute')?.text ?? '';
    if (method === 'update' || method === 'delete') return true;
    if (!MANAGER_METHODS.has(method)) return false;
    current = next;
  }
}

/** Reads `row.a.b...` starting at the innermost attribute node; undefined when no relation is involved. */
function classifyAccess(first: Node, idNamedRelation?: (field: string) => boolean): RelationAccess | undefined {
  const names: string[] = [];
  const nodes: Node[] = [];
  let current = first;
  for (;;) {
    names.push(current.childForFieldName('attribute')?.text ?? '');
    nodes.push(current);
    const parent = current.parent;
    if (parent?.type !== 'attribute' || parent.childForFieldName('object')?.id !== current.id) break;
    current = parent;
  }
  const call = current.parent?.type === 'call' && current.parent.childForFieldName('function')?.id === current.id ? current.parent : undefined;
  // `row.customer_id` is the raw column, unless the model names the foreign key itself `customer_id`.
  if (isNeverRelation(names[0]) && !(names[0].endsWith('_id') && idNamedRelation?.(names[0]))) return undefined;
  const last = names.length - 1;

  if (call && last >= 1 && MANAGER_METHODS.has(names[last]) && looksLikeManagerCall(names[last], call)) {
    // `o.items.filter(...).update(...)`: one UPDATE or DELETE per row, nothing loaded to select or prefetch.
    if (endsInWrite(call)) return undefined;
    const method = names[last];
    const kind: AccessKind = method === 'all' ? 'all' : method === 'count' ? 'count' : method === 'exists' ? 'exists' : 'other-query';
    return { path: names.slice(0, last), kind, method, node: call };
  }
  if (call && last >= 1 && MANAGER_WRITES.has(names[last])) return undefined;
  // `o.order_set.active()`, `o.items.published()`: a custom method of a reverse manager, which select_related
  // cannot load; a plural name with an unknown method is too ambiguous to report.
  if (call && last >= 1 && !VALUE_METHODS.has(names[last]) && looksLikeManagerName(names[last - 1])) {
    return names[last - 1].endsWith('_set') ? { path: names.slice(0, last), kind: 'other-query', method: names[last], node: call } : undefined;
  }
  for (let j = 1; j <= last; j++) {
    const isValueMember =
      VALUE_ATTRIBUTES.has(names[j]) ||
      (j === last && call !== undefined && VALUE_METHODS.has(names[j])) ||
      // `o.photo.url`, also through a relation: `checkin.member.photo.url` reads the joined member's file field.
      (FILE_FIELD_NAME.test(names[j - 1]) && FILE_ATTRIBUTES.has(names[j]));
    if (isValueMember) {
      // names[j - 1] is a plain value; the relations are the members before it.
      return j >= 2 ? { path: names.slice(0, j - 1), kind: 'foreign-key', node: nodes[j - 2] } : undefined;
    }
  }
  return last >= 1 ? { path: names.slice(0, last), kind: 'foreign-key', node: nodes[last - 1] } : undefined;
}

/** `order_set`, `items`, `line_items`: reverse or many-to-many managers are named in the plural. */
function looksLikeManagerName(name: string): boolean {
  return name.endsWith('_set') || /[^su]s$/.test(name);
}

/** Tells `o.items.count()` from `o.name.count("x")`, and `o.items.get(pk=1)` from `o.data.get("k")`. */
function looksLikeManagerCall(method: string, call: Node): boolean {
  const positional = positionalArguments(call).length;
  switch (method) {
    case 'count':
    case 'get':
    case 'first':
    case 'last':
      return positional === 0;
    case 'values':
      return positional > 0;
    default:
      return true;
  }
}

/** The model of the rows a loop iterates (the N); a loop over an outer row's relation (`order.items.all()`) names none. */
function rowsTable(source: RowSource): string | undefined {
  return source.prefix ? undefined : tableOf(source.info);
}

function finding(iteration: Iteration, source: RowSource, access: RelationAccess, canFix: boolean): ReportSpec {
  const row = iteration.target.text;
  const perRow = row.length >= 3 ? row : 'row';
  const fullPath = source.prefix + access.path.join('__');
  const read = `${row}.${access.path.join('.')}`;
  const outer = source.prefix ? 'outer ' : '';
  let headline: Pick<ReportSpec, 'messageId' | 'data'>;
  let detail: string;
  let fixes: FixSpec[] = [];
  if (access.kind === 'foreign-key' || access.kind === 'all') {
    const joinable = access.kind === 'foreign-key' && !source.prefix && !access.path.some((p) => GENERIC_FOREIGN_KEYS.has(p));
    const method = joinable ? 'select_related' : 'prefetch_related';
    // Django 5 refuses prefetch_related with .iterator() without chunk_size; that edit is the user's call.
    const iteratorBlocks = method === 'prefetch_related' && source.info.iterator === 'plain';
    const loaded = access.kind === 'all' ? `${read}.all()` : read;
    headline = { messageId: access.kind === 'all' ? 'reverse' : joinable ? 'fk' : 'fk-prefetch', data: { read: clip(loaded, 24), path: clip(fullPath, 20) } };
    detail =
      `N+1 queries: each row's ${loaded} is fetched on its own and kept in memory with the row. ` +
      `Add .${method}("${fullPath}") to the ${outer}queryset${iteratorBlocks ? ' and give its .iterator() a chunk_size' : ''}.`;
    const edits = canFix && !iteratorBlocks ? addRelationEdits(source.info, method, fullPath) : undefined;
    // `.only()`/`.defer()` may leave the foreign key out: select_related of a deferred field raises FieldError
    // ("cannot be both deferred and traversed"), so the fix is no longer proven to keep behaviour.
    const deferred = source.info.methods.some((m) => m === 'only' || m === 'defer');
    if (edits) fixes = [{ title: `Add .${method}("${fullPath}") to the ${outer}queryset`, safety: deferred ? 'unsafe' : 'safe', edits }];
  } else if (access.kind === 'count') {
    headline = { messageId: 'count', data: { row: clip(perRow, 16), read: clip(read, 28) } };
    detail = `N+1 queries. Annotate the ${outer}queryset with Count("${fullPath}") and read the annotation instead.`;
  } else if (access.kind === 'exists') {
    headline = { messageId: 'exists', data: { row: clip(perRow, 16), read: clip(read, 28) } };
    detail = `N+1 queries. Annotate the ${outer}queryset with Exists(...) or Count("${fullPath}") instead.`;
  } else if (access.kind === 'model-method') {
    headline = { messageId: 'model-method-call', data: { call: clip(`${read}()`, 36), query: clip(`self.${access.method}()`, 36) } };
    detail =
      `N+1 queries: ${read}() runs self.${access.method}() for each row of the queryset. Annotate the value on the ` +
      `${outer}queryset (Sum/Count/Exists over the relation) and read the annotation, or prefetch the relation once for all rows.`;
  } else {
    headline = { messageId: 'manager-call', data: { row: clip(perRow, 16), call: clip(`${read}.${access.method}`, 32) } };
    detail =
      `N+1 queries. Load the rows once with .prefetch_related(Prefetch("${fullPath}", queryset=..., to_attr=...)) ` +
      `or annotate the ${outer}queryset.`;
  }
  return { start: access.node.startIndex, end: access.node.endIndex, ...headline, detail, fixes, table: rowsTable(source) };
}
