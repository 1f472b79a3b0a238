/**
 * unbounded-queryset: a whole table materialised in one worker (Django querysets, SQLAlchemy queries).
 */
import { moduleQuerysetStamp } from '../../analysis/python/module-queryset-stamp';
import type { Node, Tree } from 'web-tree-sitter';
import { liveCodeReports } from '../../analysis/python/dead-functions';
import { defineRule, type FixSpec, type FixSafety, type ReportSpec, type RuleContext } from '../api';
import { callsNamed, captures, keywordArgument, positionalArguments, parents } from '../../analysis/python/ast';
import { importsOf } from '../../analysis/python/imports';
import {
  assignmentsBefore,
  calleeName,
  fixesAllowed,
  isDjangoFile,
  iterationsIn,
  iterationsOf,
  mayBeDjangoText,
  mayContainQuerysets,
  outsideReadsHold,
  querysetOf,
  recordingOutsideReads,
  referencesInScope,
  readScopeOf,
  unparenthesize,
  type Iteration,
  OutsideReads,
  type QuerysetInfo,
} from '../../analysis/python/django-querysets';
import { checkQueriesOutsideOrm, MONGO_WORDS } from './outside-orm';
import { viewsetRows } from './viewset-rows';
import { wholeTableAlternative } from './branch-rows';
import { childRowsUnbounded, growingChildren } from './related-children';
import { projectModels } from './owner-growth';
import { classTextsFor, readCustomChain } from './custom-chain-rows';
import { type ClassTexts } from '../../analysis/python/custom-querysets';
import { checkHistoryRecords, HISTORY_MESSAGES } from './history-rows';
import { checkLookupLoops, LOOKUP_LOOP_MESSAGES } from './lookup-loops';
import { checkSchemaLists } from './schema-lists';
import { checkSqlAlchemyResponses, grows, queriedModel, SQLALCHEMY_RESPONSE_WORDS } from './sqlalchemy-responses';
import { modelNamed, projectMentionsSqlalchemy } from '../../analysis/python/sqlalchemy-models';
import { onlyCuratorsWrite, projectWriters } from '../../analysis/python/model-writers';
import { MANY_SCHEMA_RESPONSE } from '../../analysis/python/marshmallow-lists';
import { boundedByOwner, growsWithTime, growthNote, ownerGrowth, type OwnerGrowth } from './owner-growth';
import { FEW_TABLES_DOC } from '../../analysis/few-by-name';
import { checkListViews, LIST_VIEW_MESSAGES, LIST_VIEWS_FIX, LIST_VIEWS_NOTES, LIST_VIEWS_WHAT } from './python-list-views';
import { fileMatches, StatementFindingsCache, statementCachesEnabled, statementMatches, topLevelStatements, type TopLevelStatement } from '../../analysis/python/statements';
import { classMethods } from '../../analysis/python/class-methods';
import { findingsByMethod } from '../../analysis/python/method-findings';
import { checkWorkerRows, type JudgedElsewhere } from './worker-rows';
import { checkRelationshipResponses } from './relationship-responses';
import { checkSelectorLists } from './selector-lists';
import { checkModelHelperRows, MODEL_HELPER_CALL } from './model-helper-rows';
import { checkWorkerSqlAlchemy } from './worker-sqlalchemy';
import { rowsOf } from './rows-of';
import { renderedValueRows } from './response-values';
import { SMALL_TABLES_NOTE, modelClassName, tableOf } from '../shared/table-names';
import { chainRoot, queryBuild } from '../../analysis/python/query-refinements';
import { checkEagerCollections, EAGER_LAZY } from './eager-collections';
import { recentSqlAlchemyWindow } from '../../analysis/python/time-windows';

/** Calls that write each row out: CSV writers, files, response streams, `self.stdout` in management commands. */
const WRITE_METHODS = new Set(['writerow', 'writerows', 'write', 'writelines', 'write_row', 'write_string', 'write_number', 'write_datetime']);
/** A spreadsheet's worksheet: `wb.active`, `wb.create_sheet(...)`, `Workbook().active`, or a name like `sheet`/`ws`. */
const WORKSHEET_VALUE = /\.(active|create_sheet\([^)]*\)|add_worksheet\([^)]*\)|get_sheet_by_name\([^)]*\))$/;
const WORKSHEET_NAME = /^(ws|sheet|worksheet|\w+_sheet|\w+_ws)$/;

/** Calls whose argument becomes (part of) a response or an export. */
const OUTPUT_CALLS = new Set([
  'JsonResponse', 'Response', 'HttpResponse', 'StreamingHttpResponse', 'FileResponse', 'JSONResponse', 'ORJSONResponse',
  'UJSONResponse', 'jsonify', 'make_response', 'dumps', 'dump', 'writerows', 'render', 'render_to_string',
  'render_to_response', 'DataFrame', 'from_records',
]);

/** Calls a value passes through unchanged on its way to a response: `sorted(rows)`, `{"rows": list(rows)}`. */
const PASS_THROUGH_CALLS = new Set(['list', 'sorted', 'tuple', 'dict', 'set', 'reversed']);
const PASS_THROUGH_NODES = new Set([
  'argument_list', 'keyword_argument', 'pair', 'dictionary', 'list', 'tuple', 'set', 'parenthesized_expression',
  'expression_list', 'conditional_expression', 'list_splat', 'dictionary_splat',
]);

/** SQLAlchemy: methods that bound or stream a query before `.all()`. */
/** Calls that bound the rows (`group_by`: one row per group, as Django's `values().annotate()`). */
const SQLALCHEMY_BOUNDS = new Set(['limit', 'slice', 'yield_per', 'paginate', 'fetchmany', 'first', 'one', 'one_or_none', 'get', 'partitions', 'group_by']);
/** SQLAlchemy: calls and attributes that show a chain is a query (`session.query(...)`, `session.scalars(...)`, `User.query`). */
/** Session calls that run a query: SQLAlchemy's, and SQLModel's `session.exec(select(X))`. */
const SQLALCHEMY_SOURCES = new Set(['query', 'scalars', 'execute', 'exec']);
const SQLALCHEMY_FILTERS = new Set(['filter', 'filter_by', 'where']);
/** `Model.user_id == user_id`, `X.household_id == self.household_id`: a column compared with a variable. */
const SCOPED_COMPARISON = /==\s*(?!(True|False|None)\b)(self\.)?[A-Za-z_]\w*(\.\w+)*\s*[,)]/;
/** `filter_by(user_id=user.id)`. */
const SCOPED_KEYWORD = /\bfilter_by\([^)]*\b\w+\s*=\s*(?!(True|False|None)\b)(self\.)?[A-Za-z_]\w*/;

export default defineRule({
  meta: {
    id: 'unbounded-queryset',
    kinds: ['python'],
    defaultSeverity: 'warning',
    fix: 'safe',
    messages: {
      len: 'Loads every {{rows}} into memory just to count them: use .count()',
      list: 'Loads every {{rows}} into memory at once: iterate with .iterator() or paginate',
      'many-serializer': 'Serializes every {{rows}} into one response: paginate it',
      export: 'Loads every {{rows}} before the export writes anything: iterate with .iterator()',
      response: 'Builds the response from every {{rows}} at once: paginate it',
      'all-export': 'Loads every row of the query at once (.all() feeding an export): stream with .yield_per(1000)',
      'all-response': 'Loads every matching row at once (.all() of an unbounded query): paginate or use .yield_per()',
      'all-aggregate': 'Loads every row of the query only to sum, count or average it in Python: aggregate in SQL',
      'eager-collection': 'Every load of a {{owner}} loads all its {{relation}} (lazy="{{lazy}}"), which only grow: load them lazily',
      'mongo-find': 'Loads every document of {{collection}} into memory at once: add .limit() or paginate',
      'fetch-all': 'Loads every row the query selects into memory at once: add a LIMIT or paginate',
      'schema-list': 'Returns every {{model}} row to {{schema}}(many=True) in one response: paginate it',
      'relationship-response': 'Returns every {{model}} of {{owner}}.{{relation}} (a lazy relationship) in one response: add a limit',
      ...LIST_VIEW_MESSAGES,
      ...HISTORY_MESSAGES,
      ...LOOKUP_LOOP_MESSAGES,
    },
    trigger: /objects|django|models|sqlalchemy|sqlmodel|\.all\(\)|\.find\s*\(|fetch_all|many\s*=\s*True/,
    options: {
      chunkSize: { type: 'number', default: 2000, description: 'The chunk_size the fix passes to .iterator().' },
    },
    docs: {
      summary: 'A whole table loaded into memory: list() of a queryset, len() instead of .count(), an export over an unstreamed queryset.',
      whatItDoes:
        'Finds Django querysets and SQLAlchemy queries that load every matching row at once: `list(Order.objects.all())` ' +
        '(or a `set(...)`/`frozenset(...)`/`dict(...)` copy such as `set(Advert.objects.values_list("tags__name"))`, or a ' +
        '`.values()` queryset handed whole to DRF\'s `Response(...)`, which renders it as `tuple(queryset)`), ' +
        '`len(queryset)` instead of `.count()`, a `for` loop or comprehension over `.all()`/`.filter()` that writes an export ' +
        '(CSV writer, file, `yield` for a streaming response, a list returned as JSON) with no slice, pagination or ' +
        '`.iterator()`, DRF serializers with `many=True` over an unpaginated queryset (any class named `...Serializer...`, `UserSerializerSafe` too), and SQLAlchemy `query.all()` / ' +
        '`session.scalars(...).all()` / `session.execute(select(...)).scalars().all()` feeding an export, or building a ' +
        'returned list when the query is not scoped to one owner (a column compared with a variable, ' +
        '`Rating.user_id == user_id`, selects one user\'s rows) and has no `.limit()`, also through a statement variable ' +
        '(`stmt = select(X)` then `stmt = stmt.limit(n)`). Outside both ORMs: a MongoDB collection copied whole into a list ' +
        '(`list(db.x.find())`, `[d for d in coll.find()]`, a loop appending every document, motor `.to_list(None)`) with ' +
        'no `.limit()`, and encode/databases `await database.fetch_all(query)` of a SELECT with no LIMIT, in any function ' +
        '(not `find_one`, a filter on `_id` or one owner\'s id, grouped or counted queries, or plain iteration). ' +
        'Flask-Smorest views returning every row of a query (`return Item.query.all()`, no `.limit()`, no filter to one ' +
        'owner) to `@blp.response(200, ItemSchema(many=True))` without `@blp.paginate()`, when the model is a project ' +
        'model with a foreign key or relationship (a lookup list of labels is not reported). ' +
        'SQLAlchemy `.all()` handed whole to a response: `jsonify(items_schema.dump(Item.query.all()))`, ' +
        '`marshal(Item.query.all(), fields)` in a flask-restful Resource, `render_template(..., items=...all())`, or ' +
        'returned from a route (`result = await session.execute(select(Item))` then `return result.scalars().all()`, ' +
        'SQLModel\'s `session.exec(select(Item)).all()`), ' +
        'or returned by a repository or CRUD helper whose caller returns it from a route (`return await crud.get_users(db)`; ' +
        'through at most three helpers, route -> controller -> service -> repository, callers found by the project call graph, a route also registered with ' +
        '`add_api_route(path, self.handler)` or `add_url_rule(..., view_func=handler)`; a caller in tests is no route), ' +
        'or gino\'s `await Message.query.gino.all()` returned or read by a list comprehension into a response, ' +
        'also through local variables, when the model grows with use (the model is named as a record of events, ' +
        '`Order`, `AuditLog`, `Upload`, `Submission`, with a time column, or some request code of the project adds its ' +
        'rows, `db.session.add(User(...))` at sign-up or a model\'s own `User.create(data)`; tables only admin routes (or helpers only admin-gated routes call), ' +
        'a setup page, seed or CSV-import helpers or CLI commands fill, key-value stores and lookup lists (a model of only a ' +
        'name, title or description, with time stamps, not a table of users) are not reported; a route whose signature spans several lines counts) and the query has no limit, ' +
        'no filter to one owner and no filter to a work queue (`filter_by(status="pending")`). ' +
        'A query built in steps through one variable (`query = Order.query`, then `if status: query = query.filter(...)`, ' +
        'then `query.all()` or `session.execute(query)`) is read through every step: a filter or limit applied only under a ' +
        'condition leaves the other paths unbounded. Rows also reach a response through a list comprehension, a loop ' +
        'appending them to a list that is returned, a Python slice of them, a context dict passed as ' +
        '`render_template(..., **context)`, or a WTForms field\'s `choices`. One owner\'s or one parent\'s rows are reported ' +
        'when they are a history that keeps growing: a record named as an event, order, booking, payment, notification or ' +
        'post, stamped with a time, filtered by a person\'s key (`user_id`, `author_id`, `resident_id`) or read newest first; ' +
        'or what many users add to one parent (comments, messages, reviews, ratings); not when the query keeps a window of ' +
        'time (`LogEntry.timestamp >= since`). In a route, `.all()` whose rows are only summed, counted or averaged in Python ' +
        '(`len(rows)`, `sum(t.amount for t in rows)`) is reported as loading them to aggregate (all-aggregate). ' +
        'A one-to-many relationship declared eager (`lazy="selectin"`, `"joined"`, `"subquery"`, `"immediate"`, also SQLModel\'s ' +
        '`sa_relationship_kwargs`) on a table of people (named as users, accounts, sellers, partners..., or with login ' +
        'columns) whose rows grow with use and carry a time is reported at the declaration (eager-collection): every load ' +
        'of the account loads that whole history. ' +
        'A view\'s own serializer ' +
        '(`self.get_serializer(qs, many=True)`, `self.serializer_class(qs, many=True)`) over the view\'s own rows ' +
        '(`self.queryset`, or `self.get_queryset()` when the class does not override it, as its class body declares ' +
        'them) in an `@action` or APIView method is read like any serializer call. ' +
        'Background work: a Django loop over every row of a table that grows with use (rows stamped when made, a table of users) ' +
        'without `.iterator()`, or `list(qs)` / `pd.DataFrame(list(qs.values(...)))` of one, in a Celery task (`@shared_task`, ' +
        '`@app.task`) or in a model method, service or helper a task (or, for lists, a view) calls from another module, ' +
        'found through the project call graph (not a purge that deletes each row, a status queue such as `status="pending"` or `sent=False`, ' +
        'rows picked by `__in=`, one owner\'s rows, a window of time). A SQLAlchemy one-to-many relationship of one fetched row ' +
        'returned whole (`user = User.query.get(id)` then `return user.posts`, or through a helper to a route) when it is not ' +
        '`lazy="dynamic"` and its rows grow with use. SQLAlchemy `.all()` of a growing table in a Celery task (or a helper it ' +
        'calls) with no limit, owner, time window or queue state. A view serializing (`many=True`) or `list()`-ing the queryset a ' +
        'selector, service or repository of another module returns (`users = list_user()`), or a custom manager\'s or ' +
        '`QuerySet.as_manager()` method returns (`Post.objects.visible()`), judged as the view\'s own rows. ' + LIST_VIEWS_WHAT,
      whyIsThisBad:
        'Iterating a queryset fills its result cache: every row becomes a model instance (1-5 KB each with its field ' +
        'values), and all of them stay alive until the loop ends. An export of 500,000 orders needs gigabytes before ' +
        'the first CSV line is written; on a 512 MB instance the worker is killed and the request fails. `len(qs)` ' +
        'does the same only to count. `.iterator(chunk_size=2000)` streams rows from a server-side cursor and keeps ' +
        'one chunk in memory; `.count()` runs `SELECT COUNT(*)`.',
      example: {
        fileName: 'views.py',
        code: `import csv

from django.http import HttpResponse

from .models import Order


def export_orders(request):
    response = HttpResponse(content_type="text/csv")
    writer = csv.writer(response)
    for order in Order.objects.filter(status="paid"):
        writer.writerow([order.id, order.total, order.created_at.isoformat()])
    return response
`,
      },
      useInstead: {
        fileName: 'views.py',
        code: `import csv

from django.http import HttpResponse

from .models import Order


def export_orders(request):
    response = HttpResponse(content_type="text/csv")
    writer = csv.writer(response)
    for order in Order.objects.filter(status="paid").iterator(chunk_size=2000):
        writer.writerow([order.id, order.total, order.created_at.isoformat()])
    return response
`,
      },
      fixSafety:
        '`len(qs)` -> `qs.count()` is safe (same number, no rows loaded). Appending `.iterator(chunk_size=2000)` to a ' +
        'queryset an export loop iterates is unsafe: the rows are the same, read in chunks, but on PostgreSQL ' +
        '`.iterator()` reads through a server-side cursor, which fails outside a transaction behind PgBouncer in ' +
        'transaction pooling (the usual setup on Heroku and Render) unless `DISABLE_SERVER_SIDE_CURSORS` is set, and ' +
        'memlint cannot see the database setup. It is also wrong when the queryset variable is iterated, counted or ' +
        'passed elsewhere (those uses would run their own query instead of reusing the cache) or uses `prefetch_related` ' +
        '(Django before 4.1 silently ignores prefetching with `.iterator()`; 4.1+ prefetches per chunk only when a ' +
        '`chunk_size` is given, which the fix always passes). `list(queryset)` gets an unsafe fix only when the list ' +
        'is iterated exactly once (it becomes a one-shot iterator); otherwise no fix. Serializers with `many=True` and ' +
        'SQLAlchemy `.all()` get no fix: the message names `self.paginate_queryset(...)` / `.yield_per(1000)`. ' +
        'No fix is offered while the file has syntax errors. ' + LIST_VIEWS_FIX,
      notes:
        SMALL_TABLES_NOTE +
        'Code nothing in production runs is not reported: an undecorated module-level function no other code of the project names (or only tests, scripts and management commands call), a view function no URLconf routes (also under decorators that only wrap it: `@login_required`, `@require_POST`, `@api_view`) when the project\'s `urlpatterns` are seen. ' +
        'Not reported: sliced querysets (`[:100]`), rows still to come (`filter(start__gte=timezone.now())`), `.iterator()`, `.count()`, `.exists()`, `.first()`, `.get()`, ' +
        'querysets passed to a `Paginator` or `paginate_queryset`, `.filter(pk=...)`/`.filter(id__in=...)` lookups, ' +
        'related managers (`order.items.all()`: rows of one parent) in loops and `list()`, and `len()` of plain lists. ' +
        '`len(qs)` is not reported when the same queryset is also iterated (then `len()` reuses the loaded rows). ' +
        '`list()`, `len()` and serializer calls, and lists that become a response, are reported in request and task code: ' +
        'modules named like views (`views.py`, `views/`, `api.py`, `viewsets`, `endpoints`, `routes`), functions taking ' +
        '`request`, methods of view classes, and Celery/RQ/Dramatiq tasks; elsewhere (models, services, template tags) only ' +
        'when the rows feed an export loop. ' +
        'Also not reported: framework configuration models (allauth `SocialApp`, `Site`, `Group`, `Permission`, ' +
        '`ContentType`, celery-beat schedules), `len()` of a related manager, and a comprehension over ' +
        '`.annotate(n=Count(...))` that reads only `id`/`pk` and the aggregates (a count per category). ' +
        'Querysets scoped to one owner (an owner-like relation or `<relation>_id` compared with a variable, ' +
        '`filter(parent=self)` in a model method, or an object fetched with `get_object_or_404`/`.objects.get()`/`.first()`: ' +
        '`filter(project=project)`, `filter(user=request.user)`, `filter(document_id__in=ids)`, or any relation the ' +
        'project\'s model class declares, inherits or receives compared with a value: `filter(restaurant=...)`, ' +
        '`filter(bookmarks=pk)`; also the options under a category the code names in a tree of the model itself, ' +
        '`filter(parent__name="DISH CATEGORY")`), grouped rows ' +
        '(`values(...).annotate(...)`, `.aggregate(...)`, `values("team").distinct()`) and the rows of a curated table ' +
        '(see the list-view notes below: categories, a guide\'s places) are reported only when they feed an export loop: one user\'s ' +
        'or one parent\'s rows are usually few, while `filter(status=status)` keeps most of a table and is still reported. ' +
        'Not so for a table that grows with time per owner, as the project\'s model class shows it: a creation timestamp ' +
        '(a DateTimeField with `auto_now_add`, `default=timezone.now`, or named `created`/`start`/`timestamp`) that leads ' +
        '`Meta.ordering`, is `get_latest_by` or is indexed, or that the query itself reads newest first (`order_by("-created")`, ' +
        'or `order_by("-id")`: a history, unless each row has a unique key of its own, an API token), or a model named as a record of events (`...Log`, `...Event`, ' +
        '`Ping`, `Hit`, `...Entry`, `...Record`, `...History`), or a foreign key to a user with a DateTimeField the app ' +
        'sets (an order\'s `order_time`, a booking\'s `start_date_time`), or with a creation timestamp when the filter picks ' +
        'a parent many users add to (a post\'s comments, a room\'s messages; not one user\'s own rows), with no unique constraint over a relation (one row per user ' +
        'and day, one membership per pair) and no method deleting the row itself (a running timer). One check\'s pings or ' +
        'one child\'s naps are reported like a whole table (`len()` of them also outside request code), unless the filter ' +
        'keeps a window of time (`created__gte=since`, `exclude(expiration__lt=now)`) on every path. A DateField (a daily ' +
        'or weekly measurement) is not such a timestamp. `list(qs)` handed straight to a function named like an export ' +
        '(`export_netscape_html(list(bookmarks))`) counts as an export, and so does a queryset handed to a helper named like ' +
        'an export or a CSV/Excel writer (`_get_csv_from_qs_values(User.objects.all().values())`, reported without a fix). ' +
        'A loop counts as an export when its body writes (`writerow`, `write`), yields, or appends to a list that ' +
        'is returned or passed to a response; loops that update rows are left to other checks. Querysets are ' +
        'recognised as in n-plus-one: a manager chain, a variable or same-module helper bound to one; an export loop ' +
        'in a viewset action also over `self.filter_queryset(self.get_queryset())` when the class declares its ' +
        '`queryset` and no `get_queryset()`. See also ' +
        '`large-page-size` for pagination that is too large. ' + LIST_VIEWS_NOTES + ' Django: ' + FEW_TABLES_DOC,
    },
  },
  check(reported) {
    // A queryset inside a module-level function nothing in production calls never runs in a worker: not reported.
    const ctx = liveCodeReports(reported);
    const text = ctx.file.text;
    // The same tests checkQueriesOutsideOrm starts with: a `.find(` in a module that names neither Mongo nor BSON is not parsed for it. (Tests of
    // words a module may lack are answered per statement in the language server: a search of a whole module's text
    // costs a keystroke a third of a millisecond each.)
    if ((fileMatches(ctx, FIND_CALL) && fileMatches(ctx, MONGO)) || fileMatches(ctx, FETCH_ALL)) checkQueriesOutsideOrm(ctx, ctx.python());
    // A ListView naming only its model (`model = Post`) holds no queryset text and still lists the whole table.
    // A view rendering what a service module's function returns holds no queryset text either.
    const mayHaveDjango = (mayContainQuerysets(text) || (LIST_VIEW.test(text) && MODEL_ATTRIBUTE.test(text)) || rendersImported(text)) && mayBeDjangoText(text);
    const mayHaveSqlAlchemy = /\.all\(\s*\)/.test(text) && fileMatches(ctx, SQLALCHEMY_WORD);
    // Flask-Smorest views dumping `.all()` with a many=True schema: the model (resolved from the imports) shows SQLAlchemy.
    if (fileMatches(ctx, MANY_SCHEMA_RESPONSE) && /\.all\(\s*\)/.test(text)) checkSchemaLists(ctx, ctx.python(), sqlAlchemyStatement, (spec) => ctx.report(spec));
    // SQLAlchemy rows handed whole to jsonify / a schema's dump / marshal / a route's return.
    if (/\.all\(\s*\)/.test(text) && fileMatches(ctx, SQLALCHEMY_QUERY) && fileMatches(ctx, SQLALCHEMY_RESPONSE_WORDS)) {
      const tree = ctx.python();
      // The export loops below run only on modules that import SQLAlchemy: elsewhere every loop is read there.
      const exportsChecked = fileMatches(ctx, SQLALCHEMY_WORD) && importsSqlAlchemy(tree);
      checkSqlAlchemyResponses(ctx, tree, sqlAlchemyStatement, (all) => reportedAsExport(tree, all), exportsChecked, (spec) => ctx.report(spec));
    }
    // `return await fetch_all(db, Order)`, `Book.fetch_all()`: a generic helper's rows of the model the call names.
    // (In a batch scan the project's answer first: it is false in most projects, and importsDjango parses the module; in the
    // language server the tree is there already, and the project's answer searches the whole text on each keystroke.)
    const sqlalchemyOnly = () => (statementCachesEnabled() ? !importsDjango(ctx) && projectMentionsSqlalchemy(ctx) : projectMentionsSqlalchemy(ctx) && !importsDjango(ctx));
    if (fileMatches(ctx, MODEL_HELPER_CALL) && sqlalchemyOnly()) checkModelHelperRows(ctx, ctx.python(), (spec) => ctx.report(spec));
    // `shipments = relationship(..., lazy="selectin")` on a table of people: every load of an account loads its history.
    if (fileMatches(ctx, EAGER_LAZY) && !importsDjango(ctx)) checkEagerCollections(ctx, ctx.python(), (spec) => ctx.report(spec));
    // `return user.posts`: a lazy one-to-many relationship of one fetched row handed whole to a response.
    // (Never a Django module: its `.first()` rows have no SQLAlchemy relationships, and the check walks the whole file.)
    if (fileMatches(ctx, ONE_ROW_FETCH) && fileMatches(ctx, SQLALCHEMY_RESPONSE_WORDS_OR_RETURN) && !importsDjango(ctx)) {
      checkRelationshipResponses(ctx, ctx.python(), (spec) => ctx.report(spec));
    }
    // A view listing what a selector or service of another module returns (the view's text names no manager).
    if (SELECTOR_LIST.test(text) && /^\s*from\s+\S+\s+import\b/m.test(text) && mayBeDjangoText(text) && isDjangoFile(ctx.python(), text)) {
      const viewFile = VIEW_FILE.test(ctx.file.relPath);
      checkSelectorLists(ctx, ctx.python(), ownerGrowth(ctx, ctx.python()), viewFile, servesRequest);
    }
    // SQLAlchemy rows a Celery task (or a helper it calls) loads whole; the model's module shows SQLAlchemy.
    if (/\.all\(\s*\)/.test(text) && fileMatches(ctx, SQLALCHEMY_QUERY) && !importsDjango(ctx)) {
      checkWorkerSqlAlchemy(ctx, ctx.python(), sqlAlchemyStatement, (all) => feedsSqlAlchemyOutput(ctx.python(), all), (spec) => ctx.report(spec));
    }
    if (!mayHaveDjango && !mayHaveSqlAlchemy) return;
    const tree = ctx.python();
    const django = mayHaveDjango && isDjangoFile(tree, text);
    const sqlalchemy = mayHaveSqlAlchemy && importsSqlAlchemy(tree);
    if (!django && !sqlalchemy) return;

    if (django) checkListViews(ctx, tree);
    if (django) checkHistoryRecords(ctx, tree);
    if (django) checkLookupLoops(ctx, tree);
    const canFix = fixesAllowed(tree);
    const chunkSize = ctx.options.chunkSize as number;
    const viewFile = VIEW_FILE.test(ctx.file.relPath);
    // Which models grow with time per owner comes from the project's model classes (any module).
    const growth = django ? ownerGrowth(ctx, tree) : undefined;
    let classText: ClassTexts | undefined;
    const reads: ProjectReads = {
      children: (info) => (django ? growingChildren(info, projectModels(ctx, tree).models) : undefined),
      custom: (node) => (django ? readCustomChain(node, projectModels(ctx, tree).models, (classText ??= classTextsFor(ctx))) : undefined),
    };
    // Whether fixes are allowed goes to the cache, not into the key (a syntax error typed re-checks no other statement).
    const context = `${django} ${sqlalchemy} ${chunkSize} ${viewFile} ${growth?.version ?? ''} ${django ? moduleQuerysetStamp(ctx, tree) : ''}`;
    // Tasks, and services/selectors reached from other modules: what the checks below leave to the call graph.
    if (django && !viewFile && WORKER_ROWS.test(text)) checkWorkerRows(ctx, tree, growth!, judgedHere(tree, viewFile), (spec) => ctx.report(spec));
    for (const statement of topLevelStatements(tree)) {
      if (!statementMatches(statement, CANDIDATE)) continue;
      const check: UnitCheck = (unit, iterations, scopeIterations, local) => {
        if (django) {
          checkCalls(local, tree, unit, scopeIterations, canFix, chunkSize, viewFile, growth!, reads);
          checkExportLoops(local, tree, iterations, canFix, chunkSize, viewFile, growth!);
        }
        if (sqlalchemy) checkSqlAlchemyExports(local, tree, iterations);
      };
      const reporter = sqlalchemy ? { report: (spec: ReportSpec) => sqlAlchemyGrowing(ctx, tree, spec) } : ctx;
      findingsCache.check(reporter, statement, context, (reads) => outsideReadsHold(tree, reads), (report) => checkByMethod(tree, statement, context, canFix, report, check), canFix);
    }
  },
});

/**
 * Reports a finding of checkSqlAlchemyExports unless it names a project model whose table does not grow (sqlalchemy-
 * responses.ts's grows()) and that only curated code adds rows to (model-writers.ts: a seed script, an admin page),
 * as for whole `.all()` responses. Asked on every check: the model and its writers live in other modules.
 */
function sqlAlchemyGrowing(ctx: RuleContext, tree: Tree, spec: ReportSpec): void {
  const at = spec.data?.modelAt;
  if (at === undefined) return ctx.report(spec);
  const start = spec.start + Number(at);
  const expression = tree.rootNode.namedDescendantForIndex(start, start + Number(spec.data?.modelLength));
  const model = expression && expression.startIndex === start ? modelNamed(ctx, tree, expression) : undefined;
  // Quiet only on evidence: some code adds its rows and all of it is curators' (a table no code adds to is unknown).
  const current = { relPath: ctx.file.relPath, text: ctx.file.text };
  if (model && !grows(ctx, model) && onlyCuratorsWrite(ctx.project, current, projectWriters(ctx.project, current), model.name, [])) return;
  ctx.report({ ...spec, data: undefined, table: model?.name ?? spec.table });
}

/** A Django ListView with a `model = X` attribute (its rows are the model's default manager's). */
const LIST_VIEW = /\bListView\b/;
const MODEL_ATTRIBUTE = /^[ \t]+model[ \t]*=/m;
const FIND_CALL = /\.find\s*\(/;
const MONGO = MONGO_WORDS;
const FETCH_ALL = /fetch_all/;
const SQLALCHEMY_WORD = /sqlalchemy|sqlmodel/;
/** One row fetched by key or first(): `User.query.get(`, `session.get(User,`, `.first()`, `get_or_404(`. */
/** The module imports Django or DRF (its rows are querysets, never SQLAlchemy relationships). */
function importsDjango(ctx: RuleContext): boolean {
  const imports = importsOf(ctx.python());
  return imports.importsModule('django') || imports.importsModule('rest_framework');
}

const ONE_ROW_FETCH = /\.query\.get\(|\.get_or_404\(|session\.get\(\s*[A-Z]|\.(first|one|one_or_none|first_or_404)\(\s*\)/;
const SQLALCHEMY_RESPONSE_WORDS_OR_RETURN = /jsonify|marshal\s*\(|Response\s*\(|render_template|response_model|\breturn\s+\S+\.[a-z_]\w*\s*$/m;
/** A SQLAlchemy query in the text: `Item.query`, `session.query(`/`.execute(`, `.scalars(`, `select(`. */
const SQLALCHEMY_QUERY = /\.query\b|session\.(?:query|scalars|execute)\s*\(|\.scalars\s*\(|\bselect\s*\(/;

/** A serializer over many rows or a list() a selector's queryset may feed. */
const SELECTOR_LIST = /many\s*=\s*True|\blist\(|\btuple\(/;
/** A module that imports from another and renders a template (a function view over a service's queryset). */
function rendersImported(text: string): boolean {
  return /\b(?:render|TemplateResponse)\s*\(/.test(text) && /^\s*from\s+\S+\s+import\b/m.test(text);
}
/** A loop, list() or DataFrame a worker-rows candidate needs. */
const WORKER_ROWS = /\bfor\b|\blist\(|\btuple\(|DataFrame|from_records|read_frame/;

/** What the per-statement checks report or judge themselves: request code, and loops that write an export anywhere. */
function judgedHere(tree: Tree, viewFile: boolean): JudgedElsewhere {
  let iterations: readonly Iteration[] | undefined;
  return {
    loop: (iteration) => {
      const output = exportKind(tree, iteration);
      return output === 'export' || (output === 'response' && (viewFile || servesRequest(iteration.node)));
    },
    list: (call) => viewFile || servesRequest(call) || feedsExport(tree, call, (iterations ??= iterationsOf(tree))) || passedToExport(call),
  };
}

/** Modules that hold request handlers by convention: views.py, views/, api.py, viewsets, endpoints, routes. */
const VIEW_FILE = /(^|\/)(views?|api|apis|viewsets?|endpoints?|routes?|routers?|resources?|handlers?)(\/|\.py$)|(^|\/)\w*_(views?|api|viewsets?|endpoints?|routes?)\.py$|(^|\/)(views?|api)_\w+\.py$/;
/** Class bases of request handlers: Django/DRF views and viewsets, Flask MethodView / flask-restful Resource. */
const HANDLER_BASE = /(View|ViewSet|APIView|Mixin|Resource|Handler|Endpoint)\b/;

/** A Django model's base: `models.Model`, `Model`. */
const MODEL_BASE = /(^|[\s(,.])Model\s*[,)]/;

/** Decorators of functions a worker runs per job: Celery, Dramatiq, RQ, Huey. */
const TASK_DECORATOR = /^@\s*([\w.]*\.)?(shared_task|task|actor|job|periodic_task|db_task)\b/m;

/** The node runs while serving a request or a task: in a function taking `request`/`req`, a task, or a method of a view class. */
function servesRequest(node: Node): boolean {
  for (let p: Node | null = node.parent; p; p = p.parent) {
    if (p.type === 'function_definition') {
      const params = p.childForFieldName('parameters')?.text ?? '';
      if (/\b(request|req)\b/.test(params)) return true;
      if (p.parent?.type === 'decorated_definition' && TASK_DECORATOR.test(p.parent.text.slice(0, p.startIndex - p.parent.startIndex))) return true;
    } else if (p.type === 'class_definition') {
      // A model's mixins (`class Exercise(AbstractHistoryMixin, models.Model)`) are not a view's.
      const bases = p.childForFieldName('superclasses')?.text ?? '';
      return HANDLER_BASE.test(bases) && !MODEL_BASE.test(bases);
    }
  }
  return false;
}

/** The helpers below only report: each statement's findings are collected for the cache. */
type Reporter = Pick<RuleContext, 'report'>;
/** What serializer checks read of the project beyond the module: growing children, project manager methods. */
interface ProjectReads {
  /** The child model when a related manager's rows are one fetched parent's growing children (related-children.ts). */
  children(info: QuerysetInfo): string | undefined;
  /** Rows built through the project's own manager/QuerySet methods (custom-chain-rows.ts). */
  custom(node: Node): QuerysetInfo | undefined;
}

/** Statements with something to check: a call by one of the names checkCalls looks for, or a loop. */
const CANDIDATE = /\b(?:len|list|tuple|set|frozenset|dict|Response|\w*Serializer\w*|get_serializer|serializer_class|for)\b|\w*(?:export|csv|xlsx|excel)\w*\s*\(/i;
/** Builtins besides list()/tuple() that copy every row of their argument into one container. */
const COPY_CALLS = new Set(['set', 'frozenset', 'dict']);
/** Helpers named like an export that a whole queryset is handed to: `_get_csv_from_qs_values(users)`, `export_rows(qs)`. */
const EXPORT_HELPER = /(^|_)(export|csv|xlsx|excel)/i;

/** Findings per top-level statement, kept across keystrokes: a keystroke re-checks only the statement it changed. */
const findingsCache = new StatementFindingsCache<OutsideReads>('unbounded-queryset: findings');

/**
 * Findings per method of a top-level class, kept across keystrokes: an edit inside one action of a big ViewSet
 * re-checks that method only. Keyed by the method's text, its column and the class's text outside its methods; what
 * the method's analysis read of its sibling methods (`get_queryset`) is checked on reuse.
 */
const methodFindings = new StatementFindingsCache<OutsideReads>('unbounded-queryset: findings per method', 8000);
/**
 * What the class split (classMethods) checks lies inside a unit: every literal a CANDIDATE match contains (a method
 * or attribute holds each; a literal alternation, where CANDIDATE's `\w*` prefixes cost a big ViewSet milliseconds).
 */
const SPLIT_LITERALS = /len|list|tuple|set|dict|response|serializer|for|export|csv|xlsx|excel/gi;

/** Checks one unit: its own loops, and the loops of its scope that a call's list may feed (feedsExport). */
type UnitCheck = (unit: TopLevelStatement, iterations: readonly Iteration[], scopeIterations: readonly Iteration[], reporter: Reporter) => void;

/** The findings of one top-level statement, method by method for a class; the outside reads of them all. */
function checkByMethod(tree: Tree, statement: TopLevelStatement, context: string, canFix: boolean, report: (spec: ReportSpec) => void, check: UnitCheck): OutsideReads | undefined {
  const analyse = (unit: TopLevelStatement, scopeIterations?: readonly Iteration[]) => (reportTo: (spec: ReportSpec) => void) => {
    // (Tested here, not before the cache: a method's answer is then kept with its text.)
    if (!CANDIDATE.test(unit.text)) return new OutsideReads();
    const [, reads] = recordingOutsideReads(() => {
      const iterations = iterationsIn(tree, unit.text, unit.start);
      check(unit, iterations, scopeIterations ?? iterations, { report: reportTo });
    });
    return reads.unknown ? undefined : reads;
  };
  const split = statementCachesEnabled() ? classMethods(statement, SPLIT_LITERALS) : undefined;
  if (!split) return analyse(statement)(report);
  // The class's own code (header, attributes, nested classes) is checked with every loop of it, as when the class is
  // checked whole: a list built in a class attribute may feed a loop of another.
  const classUnits = split.children.filter((c) => !c.method).map((c) => c.unit);
  const classIterations = classUnits.flatMap((u) => iterationsIn(tree, u.text, u.start));
  return findingsByMethod(tree, split, methodFindings, context, report, (unit, method) => (method ? analyse(unit) : analyse(unit, classIterations)), canFix);
}

/** A serializer class: `OrderSerializer`, also `UserSerializerSafe`, `UserSerializerWithToken`. */
const SERIALIZER_CLASS = /^[A-Z]\w*Serializer\w*$/;

/** `len(qs)`, `list(qs)`, `OrderSerializer(qs, many=True)`. */
function checkCalls(ctx: Reporter, tree: Tree, statement: TopLevelStatement, iterations: readonly Iteration[], canFix: boolean, chunkSize: number, viewFile: boolean, growth: OwnerGrowth, reads: ProjectReads): void {
  for (const call of callsNamed(tree, statement.text, /\b(?:len|list|tuple|set|frozenset|dict|Response|\w*Serializer\w*|get_serializer|serializer_class)\b/g, statement.start)) {
    // A whole list in memory matters where a request builds its response: views, API modules, handler functions.
    // In models, services and template tags the same call mostly reads a small catalogue or one object's rows.
    // (A list that feeds an export loop is checked everywhere.)
    const requestPath = viewFile || servesRequest(call);
    const name = calleeName(call) ?? '';
    const isBuiltin = call.childForFieldName('function')?.type === 'identifier';
    if (isBuiltin && name === 'len') {
      checkLen(ctx, call, canFix, requestPath, growth);
    } else if (isBuiltin && (name === 'list' || name === 'tuple')) checkList(ctx, tree, call, iterations, canFix, chunkSize, requestPath, growth);
    // `set(Advert.objects.values_list("tag"))`, `dict(qs.values_list("id", "name"))`: the same copy of every row, kept
    // for lookups (no .iterator() fix: a set or dict is read many times).
    else if (isBuiltin && COPY_CALLS.has(name)) checkList(ctx, tree, call, iterations, false, chunkSize, requestPath, growth);
    else if (isBuiltin && name === 'Response' && requestPath) checkResponseValues(ctx, call, growth);
    else if ((SERIALIZER_CLASS.test(name) || viewSerializer(call)) && requestPath) checkSerializer(ctx, call, growth, reads);
  }
  for (const call of callsNamed(tree, statement.text, /\b\w*(?:[Ee]xport|[Cc]sv|CSV|[Xx]lsx|XLSX|[Ee]xcel)\w*/g, statement.start)) checkExportHelper(ctx, call, growth);
}

/**
 * `csv_file = _get_csv_from_qs_values(User.objects.all().values())`: a whole queryset handed to a helper named like
 * an export, which writes every row (the list() form is checked in checkList). No fix: the helper may index or
 * count the queryset, which a one-shot `.iterator()` would break.
 */
function checkExportHelper(ctx: Reporter, call: Node, growth: OwnerGrowth): void {
  if (!EXPORT_HELPER.test(calleeName(call) ?? '')) return;
  for (const arg of positionalArguments(call)) {
    const data = unparenthesize(arg);
    if (data.type !== 'identifier' && data.type !== 'call') continue;
    const info = querysetOf(data);
    if (!isUnbounded(info, call) || info.materialized || info.compact || boundedByOwner(info, growth)) continue;
    ctx.report({
      start: data.startIndex,
      end: data.endIndex,
      messageId: 'export',
      data: { rows: rowsOf(info) },
    table: tableOf(info),
      detail: `${calleeName(call)}() receives the whole queryset and writes every row, all of them cached in memory until it ends. Pass queryset.iterator(chunk_size=2000) if the helper only loops over the rows, or page through the table.${growthNote(info, growth)}`,
    });
    return;
  }
}

function checkLen(ctx: Reporter, call: Node, canFix: boolean, requestPath: boolean, growth: OwnerGrowth): void {
  const args = positionalArguments(call);
  if (args.length !== 1) return;
  let counted = unparenthesize(args[0]);
  // len(list(qs)) counts the same rows.
  if (counted.type === 'call' && ['list', 'tuple'].includes(calleeName(counted) ?? '') && positionalArguments(counted).length === 1) {
    counted = unparenthesize(positionalArguments(counted)[0]);
  }
  const info = querysetOf(counted);
  if (!info || info.sliced || info.iterator !== 'none' || info.singleRow || info.materialized || boundedByOwner(info, growth) || info.compact) return;
  // Outside request code len() mostly counts a small catalogue; not when the table grows with time (a child's naps).
  if (!requestPath && (info.timeWindow || !growsWithTime(info, growth))) return;
  // `len(request.user.userspace_set.all())`: one parent's rows, as in loops and list().
  if (info.relatedManager || frameworkCatalogue(info, call)) return;
  // When the queryset is also iterated, len() fills the cache the loop then reuses: one query either way.
  if (consumedElsewhere(info, call, counted)) return;
  const receiver = ['call', 'identifier', 'attribute', 'subscript', 'parenthesized_expression'].includes(counted.type) ? counted.text : `(${counted.text})`;
  const fixes: FixSpec[] = canFix
    ? [{ title: 'Count with .count() instead of len()', safety: 'safe', edits: [{ start: call.startIndex, end: call.endIndex, newText: `${receiver}.count()` }] }]
    : [];
  ctx.report({
    start: call.startIndex,
    end: call.endIndex,
    messageId: 'len',
    data: { rows: rowsOf(info) },
    table: tableOf(info),
    detail: `len() of a queryset fetches and caches every row as a model instance; .count() runs SELECT COUNT(*) in the database and loads nothing.${growthNote(info, growth)}`,
    fixes,
  });
}

function checkList(ctx: Reporter, tree: Tree, call: Node, iterations: readonly Iteration[], canFix: boolean, chunkSize: number, requestPath: boolean, growth: OwnerGrowth): void {
  const args = positionalArguments(call);
  if (args.length !== 1) return;
  const parent = call.parent?.parent;
  if (parent?.type === 'call' && calleeName(parent) === 'len') return; // reported as len()
  const source = unparenthesize(args[0]);
  const info = querysetOf(source);
  if (!isUnbounded(info, call) || info.materialized) return;
  // One owner's rows (or grouped rows), and lists outside request code, are reported only when they feed an export loop.
  if ((boundedByOwner(info, growth) || info.compact || growth.curated(info) || !requestPath) && !feedsExport(tree, call, (iterations ??= iterationsOf(tree))) && !passedToExport(call)) return;
  const fix = canFix ? listToIteratorFix(call, source, chunkSize) : undefined;
  ctx.report({
    start: call.startIndex,
    end: call.endIndex,
    messageId: 'list',
    data: { rows: rowsOf(info) },
    table: tableOf(info),
    detail: COPY_CALLS.has(calleeName(call) ?? '')
      ? `${calleeName(call)}() of an unsliced queryset holds every row of the table (a tuple or value each) in one container on every call, and the table only grows. Ask the database for the rows needed (filter on the values looked up, .exists(), .distinct() over a few values) or slice it.${growthNote(info, growth)}`
      : `${calleeName(call)}() of an unsliced queryset builds a model instance for every row before the code uses the first. Iterate with .iterator(chunk_size=${chunkSize}), slice it, or paginate.${growthNote(info, growth)}`,
    fixes: fix ? [fix] : [],
  });
}

/**
 * `return Response(Client.objects.values())`: DRF renders the value rows with `tuple(queryset)`, every row at once
 * (response-values.ts). One owner's rows, grouped rows and curated tables stay quiet, as for list().
 */
function checkResponseValues(ctx: Reporter, call: Node, growth: OwnerGrowth): void {
  for (const { node, info } of renderedValueRows(call)) {
    if (!isUnbounded(info, call) || info.materialized || info.compact || boundedByOwner(info, growth) || growth.curated(info)) continue;
    ctx.report({
      start: node.startIndex,
      end: node.endIndex,
      messageId: 'response',
      data: { rows: rowsOf(info) },
      table: tableOf(info),
      detail: `Response() renders a queryset as tuple(queryset): every row of this unsliced .values() queryset is fetched, held and encoded into one body. Page it (a pagination class, or a slice of the rows asked for).${growthNote(info, growth)}`,
    });
  }
}

/** `export_netscape_html(list(bookmarks))`: the whole list handed to an export function (by its name). */
function passedToExport(call: Node): boolean {
  const args = call.parent;
  const outer = args?.type === 'argument_list' ? args.parent : undefined;
  return outer?.type === 'call' && /(^|_)export/i.test(calleeName(outer) ?? '');
}

/** `rows = list(qs)` later iterated by a loop that writes an export. */
function feedsExport(tree: Tree, call: Node, iterations: readonly Iteration[]): boolean {
  const assignment = call.parent;
  const target = assignment?.type === 'assignment' && assignment.childForFieldName('right')?.id === call.id ? assignment.childForFieldName('left') : undefined;
  if (target?.type !== 'identifier') return false;
  const scope = readScopeOf(call);
  return iterations.some((it) => {
    const iterable = unparenthesize(it.iterable);
    return iterable.type === 'identifier' && iterable.text === target.text && readScopeOf(it.node).id === scope.id && it.node.startIndex > call.endIndex && exportKind(tree, it) === 'export';
  });
}

/** `rows = list(qs)` whose only use is one loop: the loop can stream instead (unsafe: `rows` becomes one-shot). */
function listToIteratorFix(call: Node, source: Node, chunkSize: number): FixSpec | undefined {
  const assignment = call.parent;
  const target = assignment?.type === 'assignment' && assignment.childForFieldName('right')?.id === call.id ? assignment.childForFieldName('left') : undefined;
  if (target?.type !== 'identifier') return undefined;
  const scope = readScopeOf(call);
  const uses = referencesInScope(scope, target.text).filter((r) => r.id !== target.id);
  if (uses.length !== 1 || uses[0].startIndex < assignment!.endIndex) return undefined;
  const use = uses[0];
  const loop = use.parent;
  if (!loop || !['for_statement', 'for_in_clause'].includes(loop.type) || loop.childForFieldName('right')?.id !== use.id) return undefined;
  // A loop inside another loop (that the assignment is not in) would iterate the one-shot iterator again.
  for (const p of parents(loop)) {
    if (p.id === scope.id) break;
    if ((p.type === 'for_statement' || p.type === 'while_statement') && !(assignment!.startIndex >= p.startIndex && assignment!.endIndex <= p.endIndex)) return undefined;
  }
  if (!['call', 'identifier', 'attribute', 'subscript'].includes(source.type)) return undefined;
  return {
    title: `Stream the rows with .iterator(chunk_size=${chunkSize}) instead of list()`,
    safety: 'unsafe',
    edits: [{ start: call.startIndex, end: call.endIndex, newText: `${source.text}.iterator(chunk_size=${chunkSize})` }],
  };
}

/** A view's own serializer: `self.get_serializer(...)`, `self.serializer_class(...)`. */
function viewSerializer(call: Node): boolean {
  const fn = call.childForFieldName('function');
  return fn?.type === 'attribute' && fn.childForFieldName('object')?.text === 'self' && ['get_serializer', 'serializer_class'].includes(fn.childForFieldName('attribute')?.text ?? '');
}

function checkSerializer(ctx: Reporter, call: Node, growth: OwnerGrowth, reads: ProjectReads): void {
  if (keywordArgument(call, 'many')?.text !== 'True') return;
  const data = positionalArguments(call)[0] ?? keywordArgument(call, 'instance');
  if (!data) return;
  // `if user_id: rows = X.filter(user_id=...) else: rows = X.objects.all()`: the whole-table branch is reported.
  const alternative = wholeTableAlternative(data);
  const info = alternative?.info ?? querysetOf(data) ?? reads.custom(data);
  // One fetched parent's children that many users keep adding: a post's comments in an `@action(detail=True)`.
  if (!info) return;
  const child = info.relatedManager ? reads.children(info) : undefined;
  if (child !== undefined ? !childRowsUnbounded(info) : false) return;
  // Grouped rows (`values(...).annotate(...)`) are one per group, as in response loops.
  if (child === undefined && (!isUnbounded(info, call) || info.materialized || info.compact || boundedByOwner(info, growth) || growth.curated(info))) return;
  const at = alternative?.node ?? data;
  ctx.report({
    start: at.startIndex,
    end: at.endIndex,
    messageId: 'many-serializer',
    data: { rows: child ? `${child} row` : rowsOf(info) },
    table: child !== undefined ? modelClassName(child) : tableOf(info),
    detail:
      `many=True over an unpaginated queryset loads every row, then builds a dict per row and the whole response body in memory. Paginate with self.paginate_queryset(queryset), or slice it.` +
      (child ? ` These are one parent's ${child} rows, which many users keep adding to it.` : growthNote(info, growth)),
  });
}

/** `for o in Order.objects.all(): writer.writerow(...)` and comprehensions whose list becomes the response. */
function checkExportLoops(ctx: Reporter, tree: Tree, iterations: readonly Iteration[], canFix: boolean, chunkSize: number, viewFile: boolean, growth: OwnerGrowth): void {
  for (const iteration of iterations) {
    const iterable = unparenthesize(iteration.iterable);
    if (iterable.type === 'call' && ['list', 'tuple'].includes(calleeName(iterable) ?? '')) continue; // reported as list()
    // `for row in queryset:` after `queryset = self.filter_queryset(self.get_queryset())`: the viewset's own rows.
    const direct = querysetOf(iterable);
    const info = direct ?? viewsetRows(iterable);
    if (!isUnbounded(info, iteration.node) || info.materialized) continue;
    const output = exportKind(tree, iteration);
    if (!output || (!direct && output !== 'export') || (output === 'response' && (boundedByOwner(info, growth) || info.compact || growth.curated(info) || !(viewFile || servesRequest(iteration.node))))) continue;
    if (output === 'response' && readsOnlyCounts(iteration, info)) continue;
    // Never proven: on PostgreSQL .iterator() reads through a server-side cursor, which fails outside a transaction
    // behind PgBouncer in transaction pooling (Heroku's and Render's usual setup) unless DISABLE_SERVER_SIDE_CURSORS is set.
    // Also unsafe when the queryset is used elsewhere (those uses run their own query) or prefetches.
    const safety: FixSafety = 'unsafe';
    const fixes: FixSpec[] = canFix
      ? [{ title: `Stream the rows with .iterator(chunk_size=${chunkSize})`, safety, edits: [{ start: iterable.endIndex, end: iterable.endIndex, newText: `.iterator(chunk_size=${chunkSize})` }] }]
      : [];
    const detail =
      output === 'export'
        ? `A queryset caches all the rows it iterates, so the whole table is in memory until the export ends. Iterate with .iterator(chunk_size=${chunkSize}).`
        : `The queryset caches all rows and the list holds them again. Paginate it, or at least iterate with .iterator(chunk_size=${chunkSize}).${info.scoped ? growthNote(info, growth) : ''}`;
    ctx.report({ start: iterable.startIndex, end: iterable.endIndex, messageId: output, data: { rows: rowsOf(info) },
    table: tableOf(info), detail, fixes });
  }
}

/**
 * SQLAlchemy `.all()` whose rows feed an export loop (any query), or a list that becomes the response or return value
 * unless the query is scoped to one owner: compared with a variable (`UserToRecipe.user_id == user_id`,
 * `filter_by(household_id=self.household_id)`), it selects one user's or group's rows, not the table.
 */
function checkSqlAlchemyExports(ctx: Reporter, tree: Tree, iterations: readonly Iteration[]): void {
  const reported = new Set<number>();
  for (const iteration of iterations) {
    const all = sqlAlchemyAllFeeding(unparenthesize(iteration.iterable));
    if (!all || reported.has(all.id)) continue;
    const statement = sqlAlchemyStatement(all);
    if (!statement.sourced || statement.bounded) continue;
    const output = exportKind(tree, iteration);
    if (!output || (output === 'response' && (statement.scoped || statement.refined))) continue;
    reported.add(all.id);
    // A list for the response names its model, for sqlAlchemyGrowing to judge (the model lives in other modules).
    const queried = queriedModel(all);
    const model = output === 'response' ? queried : undefined;
    const known = model && (model.type === 'identifier' || model.type === 'attribute');
    ctx.report({
      start: all.startIndex,
      end: all.endIndex,
      table: queried?.type === 'identifier' ? modelClassName(queried.text) : undefined,
      ...(known ? { data: { modelAt: model.startIndex - all.startIndex, modelLength: model.endIndex - model.startIndex } } : {}),
      messageId: output === 'export' ? 'all-export' : 'all-response',
      detail:
        output === 'export'
          ? '.all() builds every ORM object before the export writes the first row, so the whole result is in memory until it ends. Stream the rows with .yield_per(1000) instead of .all().'
          : '.all() of a query that no owner or limit narrows builds every ORM object of the result at once. Paginate it with .limit()/.offset(), or stream with .yield_per(1000).',
    });
  }
}

function importsSqlAlchemy(tree: Tree): boolean {
  const imports = importsOf(tree);
  return imports.importsModule('sqlalchemy') || imports.importsModule('flask_sqlalchemy') || imports.importsModule('sqlmodel');
}

/** Whether checkSqlAlchemyExports reports this `.all()`: a loop over its rows writes an export or builds a response it may report. */
function reportedAsExport(tree: Tree, all: Node): boolean {
  return iterationsOf(tree).some((it) => {
    if (sqlAlchemyAllFeeding(unparenthesize(it.iterable))?.id !== all.id) return false;
    const statement = sqlAlchemyStatement(all);
    if (!statement.sourced || statement.bounded) return false;
    const output = exportKind(tree, it);
    return output === 'export' || (output === 'response' && !statement.scoped && !statement.refined);
  });
}

/** `.all()` whose rows a loop writes out or returns (checkSqlAlchemyExports), or a response takes whole (checkSqlAlchemyResponses). */
function feedsSqlAlchemyOutput(tree: Tree, all: Node): boolean {
  const scope = readScopeOf(all);
  if (flowsToOutput(all, scope, 0)) return true;
  return iterationsOf(tree).some((it) => sqlAlchemyAllFeeding(unparenthesize(it.iterable))?.id === all.id && exportKind(tree, it) !== undefined);
}

/** The `.all()` call behind a loop's iterable: the iterable itself, or the assignment of the variable it names. */
function sqlAlchemyAllFeeding(iterable: Node): Node | undefined {
  if (iterable.type === 'identifier') {
    const assignment = assignmentsBefore(iterable).pop();
    const value = assignment?.childForFieldName('right');
    return value && isAllCall(unparenthesize(value)) ? unparenthesize(value) : undefined;
  }
  return isAllCall(iterable) ? iterable : undefined;
}

function isAllCall(node: Node): boolean {
  return node.type === 'call' && calleeName(node) === 'all' && positionalArguments(node).length === 0;
}

interface SqlAlchemyStatement {
  /** The chain reaches a session query (`session.query`, `.scalars()`, `.execute()`, `Model.query`). */
  sourced: boolean;
  /** Limited or streamed (`.limit()`, `.slice()`, `yield_per`, `.first()`...), in the chain or the statement variable. */
  bounded: boolean;
  /** Narrowed to one owner's rows: a column compared with a variable, not a literal (`Order.user_id == user_id`). */
  scoped: boolean;
  /**
   * A limit or an owner filter applied on some paths only (`if user_id: query = query.filter(...)`): the other
   * paths read the whole query. Such rows are judged by checkSqlAlchemyResponses, which asks whether the table grows.
   */
  refined: boolean;
}

/**
 * What the query behind `session.query(User).filter(...).all()`, `session.scalars(stmt).all()` or
 * `User.query.all()` selects. A query variable is read from the steps that build it (`query = select(X)`, then
 * `query = query.where(...)`, analysis/python/query-refinements.ts); a step under a condition neither limits nor
 * narrows the rows on every path.
 */
function sqlAlchemyStatement(all: Node): SqlAlchemyStatement {
  const found: SqlAlchemyStatement = { sourced: false, bounded: false, scoped: false, refined: false };
  let followed = false;
  const readText = (text: string, conditional = false) => {
    const bounds = /\.(limit|slice)\(|yield_per/.test(text);
    const scopes = SCOPED_COMPARISON.test(text) || SCOPED_KEYWORD.test(text) || /\.in_\(\s*[A-Za-z_]/.test(text);
    if (conditional) found.refined ||= bounds || scopes;
    else {
      found.bounded ||= bounds;
      found.scoped ||= scopes;
    }
  };
  // `.where(Event.ts >= now - timedelta(hours=1))`: a short window of the server's clock (time-windows.ts).
  const readWindow = (node: Node | null | undefined) => {
    if (node && recentSqlAlchemyWindow(node, assignmentsBefore)) found.bounded = true;
  };
  const readCall = (call: Node, conditional: boolean) => {
    const name = calleeName(call) ?? '';
    if (SQLALCHEMY_BOUNDS.has(name)) {
      if (conditional) found.refined = true;
      else found.bounded = true;
    }
    if (SQLALCHEMY_FILTERS.has(name)) {
      readText(`.${name}${call.childForFieldName('arguments')?.text ?? '()'}`, conditional);
      if (!conditional) readWindow(call.childForFieldName('arguments'));
    }
    if (SQLALCHEMY_SOURCES.has(name)) found.sourced = true;
  };
  for (let current: Node | null | undefined = all.childForFieldName('function')?.childForFieldName('object'); current; ) {
    if (current.type === 'call') {
      const name = calleeName(current) ?? '';
      readCall(current, false);
      if (name === 'scalars' || name === 'execute' || name === 'exec') {
        const statement = positionalArguments(current)[0];
        // `execute(stmt)`, or `execute(stmt.order_by(...))` refining a statement built in a variable: its steps too.
        const built = statement ? chainRoot(statement) : undefined;
        if (built?.type === 'identifier') {
          const build = queryBuild(built);
          for (const step of [...build.refinements, ...(build.base ? [build.base] : [])]) {
            readText(step.value.text, step.conditional);
            if (!step.conditional) readWindow(step.value);
          }
        }
        if (statement && statement.type !== 'identifier') {
          readText(statement.text);
          readWindow(statement);
        }
      }
      current = current.childForFieldName('function');
    } else if (current.type === 'attribute') {
      if (current.childForFieldName('attribute')?.text === 'query') found.sourced = true;
      current = current.childForFieldName('object');
    } else if (current.type === 'parenthesized_expression' || current.type === 'await') {
      // `(await session.execute(stmt)).scalars().all()`
      current = current.namedChildren[0];
    } else if (current.type === 'identifier' && !followed) {
      // `result = await session.execute(stmt)` then `result.scalars().all()`: the statement is the executed one;
      // `query = X.query`, `if a: query = query.filter(...)`, then `query.all()`: each step, then the base.
      followed = true;
      const build = queryBuild(current);
      for (const step of build.refinements) for (const call of chainCalls(step.value)) readCall(call, step.conditional);
      const value = build.base?.value;
      current = value?.type === 'await' ? value.namedChildren[0] : value;
    } else {
      break;
    }
  }
  return found;
}

/** The calls of a method chain down to its root (`query.filter(a).order_by(b)`: order_by, filter). */
function chainCalls(node: Node): Node[] {
  const calls: Node[] = [];
  for (let current: Node | null | undefined = node; current; ) {
    current = unparenthesize(current);
    if (current.type === 'await') current = current.namedChildren[0];
    else if (current.type === 'call') {
      calls.push(current);
      current = current.childForFieldName('function');
    } else if (current.type === 'attribute') current = current.childForFieldName('object');
    else break;
  }
  return calls;
}

/** Whether a loop writes an export ('export') or builds a list that becomes the response ('response'). */
function exportKind(tree: Tree, iteration: Iteration): 'export' | 'response' | undefined {
  const scope = readScopeOf(iteration.node);
  if (iteration.node.type !== 'for_statement') {
    return iteration.node.parent && flowsToOutput(iteration.node.parent, scope, 0) ? 'response' : undefined;
  }
  const body = iteration.body[0];
  if (!body) return undefined;
  const sameFunction = (n: Node) => readScopeOf(n).id === scope.id;
  if (captures(tree, '(yield) @y', body).some((c) => sameFunction(c.node))) return 'export';
  for (const { node: call } of captures(tree, '(call function: (attribute object: (_) @o attribute: (identifier) @m)) @c', body)) {
    if (call.type !== 'call' || !sameFunction(call)) continue;
    const method = calleeName(call) ?? '';
    if (WRITE_METHODS.has(method)) return 'export';
    if (method === 'append' && isWorksheet(call.childForFieldName('function')?.childForFieldName('object'))) return 'export';
    const list = call.childForFieldName('function')?.childForFieldName('object');
    if ((method === 'append' || method === 'extend') && list?.type === 'identifier' && variableFlowsToOutput(list.text, scope, iteration.node.endIndex, 0)) {
      return 'response';
    }
  }
  return undefined;
}

/** openpyxl's `sheet.append(row)` writes a row; a list's `.append` does not. */
function isWorksheet(node: Node | null | undefined): boolean {
  if (node?.type !== 'identifier') return false;
  if (WORKSHEET_NAME.test(node.text)) return true;
  const value = assignmentsBefore(node).pop()?.childForFieldName('right');
  return !!value && WORKSHEET_VALUE.test(value.text);
}

/** True when the value of `node` ends up returned, yielded, or passed to a response/export call. */
function flowsToOutput(node: Node, scope: Node, depth: number): boolean {
  const chain = parents(node);
  for (let i = 0; i < chain.length; i++) {
    const p = chain[i];
    const child = i === 0 ? node : chain[i - 1];
    if (p.type === 'return_statement' || p.type === 'yield') return true;
    if (p.type === 'call') {
      const name = calleeName(p) ?? '';
      if (OUTPUT_CALLS.has(name)) return true;
      if (PASS_THROUGH_CALLS.has(name) && p.childForFieldName('function')?.id !== child.id) continue;
      return false;
    }
    if (p.type === 'assignment') {
      if (p.childForFieldName('right')?.id !== child.id) return false;
      const left = p.childForFieldName('left');
      // rows = [...]  /  context["rows"] = [...]
      const name = left?.type === 'identifier' ? left : left?.type === 'subscript' ? left.childForFieldName('value') : undefined;
      return name?.type === 'identifier' && variableFlowsToOutput(name.text, scope, p.endIndex, depth + 1);
    }
    if (!PASS_THROUGH_NODES.has(p.type)) return false;
  }
  return false;
}

function variableFlowsToOutput(name: string, scope: Node, after: number, depth: number): boolean {
  if (depth > 3) return false;
  return referencesInScope(scope, name).some((r) => r.startIndex >= after && flowsToOutput(r, scope, depth));
}

/**
 * Framework models that hold configuration, a handful of rows an admin creates: OAuth providers, sites, permission
 * groups, content types, beat schedules. `User` is not one.
 */
const CATALOGUE_MODELS = new Set([
  'allauth.socialaccount.models.SocialApp',
  'django.contrib.sites.models.Site',
  'django.contrib.auth.models.Group',
  'django.contrib.auth.models.Permission',
  'django.contrib.contenttypes.models.ContentType',
  'django_celery_beat.models.PeriodicTask',
  'django_celery_beat.models.CrontabSchedule',
  'django_celery_beat.models.IntervalSchedule',
]);

/** Every root of the queryset is the manager of a framework configuration model (`SocialApp.objects.all()`). */
function frameworkCatalogue(info: QuerysetInfo, at: Node): boolean {
  const imports = importsOf(at.tree);
  return info.roots.length > 0 && info.roots.every((r) => r.kind === 'manager' && CATALOGUE_MODELS.has(imports.resolve(r.node.childForFieldName('object')) ?? ''));
}

/**
 * `[{"id": t.id, "n": t.document_count} for t in Tag.objects.annotate(document_count=Count(...))]`: a count per
 * category, read only as its id and aggregates. The rows are the categories a relation is grouped by (tags,
 * correspondents), not the items counted.
 */
function readsOnlyCounts(iteration: Iteration, info: QuerysetInfo): boolean {
  if (info.aggregates.size === 0 || iteration.target.type !== 'identifier') return false;
  const name = iteration.target.text;
  let uses = 0;
  for (const part of iteration.body) {
    for (const use of part.descendantsOfType('identifier')) {
      if (!use || use.text !== name || use.id === iteration.target.id) continue;
      const attribute = use.parent?.type === 'attribute' && use.parent.childForFieldName('object')?.id === use.id ? use.parent.childForFieldName('attribute')?.text : undefined;
      if (!attribute || !(attribute === 'id' || attribute === 'pk' || info.aggregates.has(attribute))) return false;
      uses++;
    }
  }
  return uses > 0;
}

/** A queryset that loads every matching row: unsliced, unstreamed, not a pk lookup, not a related manager, not paginated. */
function isUnbounded(info: QuerysetInfo | undefined, at: Node): info is QuerysetInfo {
  // Rows still to come (`filter(start__gte=timezone.now())`) are the upcoming few, not the table's history.
  if (!info || info.sliced || info.iterator !== 'none' || info.singleRow || info.relatedManager || info.upcoming || info.recentWindow) return false;
  if (frameworkCatalogue(info, at)) return false;
  const scope = readScopeOf(at);
  return !info.variables.some((name) => referencesInScope(scope, name).some((r) => passedToPaginator(r)));
}

function passedToPaginator(reference: Node): boolean {
  let p = reference.parent;
  if (p?.type === 'keyword_argument') p = p.parent;
  if (p?.type !== 'argument_list') return false;
  const call = p.parent;
  return call?.type === 'call' && /paginat/i.test(calleeName(call) ?? '');
}

/**
 * True when a variable the queryset flowed through is used, besides in `except`, in a way that evaluates it
 * (iterated, counted with len(), passed or returned); new querysets built from it (`qs.filter()`, `qs[:10]`,
 * `qs.count()`) do not count.
 */
function consumedElsewhere(info: QuerysetInfo, at: Node, except: Node): boolean {
  const scope = readScopeOf(at);
  return info.variables.some((name) =>
    referencesInScope(scope, name).some((r) => {
      if (r.startIndex >= except.startIndex && r.endIndex <= except.endIndex) return false;
      const parent = r.parent;
      if (!parent) return false;
      if (parent.type === 'assignment' && parent.childForFieldName('left')?.id === r.id) return false;
      if (parent.type === 'attribute' && parent.childForFieldName('object')?.id === r.id) return false;
      if (parent.type === 'subscript' && parent.childForFieldName('value')?.id === r.id) return false;
      return true;
    }),
  );
}
