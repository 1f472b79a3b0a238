/**
 * unbounded-queryset: a whole table materialised in one worker (Django querysets, SQLAlchemy queries).
 */
import type { Node, Tree } from 'web-tree-sitter';
import { defineRule, type FixSpec, type FixSafety, type RuleContext } from '../api';
import { callsNamed, captures, keywordArgument, positionalArguments, parents } from './ast';
import { importsOf } from './imports';
import {
  assignmentsBefore,
  calleeName,
  fixesAllowed,
  isDjangoFile,
  iterationsIn,
  mayContainQuerysets,
  outsideReadsHold,
  querysetOf,
  recordingOutsideReads,
  referencesInScope,
  scopeOf,
  unparenthesize,
  type Iteration,
  type OutsideReads,
  type QuerysetInfo,
} from './django-querysets';
import { StatementFindingsCache, topLevelStatements, type TopLevelStatement } from './statements';

/** Calls that write each row out: CSV writers, files, response streams, `self.stdout` in management commands. */
const WRITE_METHODS = new Set(['writerow', 'writerows', 'write', 'writelines']);

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
const SQLALCHEMY_BOUNDS = new Set(['limit', 'slice', 'yield_per', 'paginate', 'fetchmany', 'first', 'one', 'one_or_none', 'get', 'partitions']);
/** SQLAlchemy: calls and attributes that show a chain is a query (`session.query(...)`, `session.scalars(...)`, `User.query`). */
const SQLALCHEMY_SOURCES = new Set(['query', 'scalars', 'execute']);

export default defineRule({
  meta: {
    id: 'unbounded-queryset',
    kinds: ['python'],
    defaultSeverity: 'warning',
    fix: 'safe',
    trigger: /objects|django|models|sqlalchemy|\.all\(\)/,
    options: {
      chunkSize: { type: 'number', default: 2000, description: 'The chunk_size the fix passes to .iterator().' },
    },
    docs: {
      summary: 'A whole table loaded into memory: list() of a queryset, len() instead of .count(), an export over an unstreamed queryset.',
      whatItDoes:
        'Finds Django querysets and SQLAlchemy queries that load every matching row at once: `list(Order.objects.all())`, ' +
        '`len(queryset)` instead of `.count()`, a `for` loop or comprehension over `.all()`/`.filter()` that writes an export ' +
        '(CSV writer, file, `yield` for a streaming response, a list returned as JSON) with no slice, pagination or ' +
        '`.iterator()`, DRF serializers with `many=True` over an unpaginated queryset, and SQLAlchemy `query.all()` / ' +
        '`session.scalars(...).all()` / `session.execute(select(...)).scalars().all()` feeding an export.',
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
        'queryset an export loop iterates is safe when that loop is its only use: the rows are the same, read in ' +
        'chunks. It is unsafe when the queryset variable is also iterated, counted or passed elsewhere (those uses ' +
        'would run their own query instead of reusing the cache) or when the queryset uses `prefetch_related` ' +
        '(Django before 4.1 silently ignores prefetching with `.iterator()`; 4.1+ prefetches per chunk only when a ' +
        '`chunk_size` is given, which the fix always passes). `list(queryset)` gets an unsafe fix only when the list ' +
        'is iterated exactly once (it becomes a one-shot iterator); otherwise no fix. Serializers with `many=True` and ' +
        'SQLAlchemy `.all()` get no fix: the message names `self.paginate_queryset(...)` / `.yield_per(1000)`. ' +
        'No fix is offered while the file has syntax errors.',
      notes:
        'Not reported: sliced querysets (`[:100]`), `.iterator()`, `.count()`, `.exists()`, `.first()`, `.get()`, ' +
        'querysets passed to a `Paginator` or `paginate_queryset`, `.filter(pk=...)`/`.filter(id__in=...)` lookups, ' +
        'related managers (`order.items.all()`: rows of one parent) in loops and `list()`, and `len()` of plain lists. ' +
        '`len(qs)` is not reported when the same queryset is also iterated (then `len()` reuses the loaded rows). ' +
        'A loop counts as an export when its body writes (`writerow`, `write`), yields, or appends to a list that ' +
        'is returned or passed to a response; loops that update rows are left to other checks. Querysets are ' +
        'recognised as in n-plus-one: a manager chain, a variable or same-module helper bound to one. See also ' +
        '`large-page-size` for pagination that is too large.',
    },
  },
  check(ctx) {
    const text = ctx.file.text;
    const mayHaveDjango = mayContainQuerysets(text);
    const mayHaveSqlAlchemy = /\.all\(\s*\)/.test(text) && /sqlalchemy|sqlmodel/.test(text);
    if (!mayHaveDjango && !mayHaveSqlAlchemy) return;
    const tree = ctx.python();
    const django = mayHaveDjango && isDjangoFile(tree, text);
    const imports = importsOf(tree);
    const sqlalchemy = mayHaveSqlAlchemy && (imports.importsModule('sqlalchemy') || imports.importsModule('flask_sqlalchemy') || imports.importsModule('sqlmodel'));
    if (!django && !sqlalchemy) return;
    const canFix = fixesAllowed(tree);
    const chunkSize = ctx.options.chunkSize as number;
    const context = `${django} ${sqlalchemy} ${canFix} ${chunkSize}`;
    for (const statement of topLevelStatements(tree)) {
      if (!CANDIDATE.test(statement.text)) continue;
      findingsCache.check(ctx, statement, context, (reads) => outsideReadsHold(tree, reads), (report) => {
        const [, reads] = recordingOutsideReads(() => {
          const local: Reporter = { report };
          const iterations = iterationsIn(tree, statement.text, statement.start);
          if (django) {
            checkCalls(local, tree, statement, canFix, chunkSize);
            checkExportLoops(local, tree, iterations, canFix, chunkSize);
          }
          if (sqlalchemy) checkSqlAlchemyExports(local, tree, iterations);
        });
        return reads.unknown ? undefined : reads;
      });
    }
  },
});

/** The helpers below only report: each statement's findings are collected for the cache. */
type Reporter = Pick<RuleContext, 'report'>;

/** Statements with something to check: a call by one of the names checkCalls looks for, or a loop. */
const CANDIDATE = /\b(?:len|list|tuple|\w*Serializer|for)\b/;

/** Findings per top-level statement, kept across keystrokes: a keystroke re-checks only the statement it changed. */
const findingsCache = new StatementFindingsCache<OutsideReads>();

/** `len(qs)`, `list(qs)`, `OrderSerializer(qs, many=True)`. */
function checkCalls(ctx: Reporter, tree: Tree, statement: TopLevelStatement, canFix: boolean, chunkSize: number): void {
  for (const call of callsNamed(tree, statement.text, /\b(?:len|list|tuple|\w*Serializer)\b/g, statement.start)) {
    const name = calleeName(call) ?? '';
    const isBuiltin = call.childForFieldName('function')?.type === 'identifier';
    if (isBuiltin && name === 'len') checkLen(ctx, call, canFix);
    else if (isBuiltin && (name === 'list' || name === 'tuple')) checkList(ctx, call, canFix, chunkSize);
    else if (name.endsWith('Serializer')) checkSerializer(ctx, call);
  }
}

function checkLen(ctx: Reporter, call: Node, canFix: boolean): void {
  const args = positionalArguments(call);
  if (args.length !== 1) return;
  let counted = unparenthesize(args[0]);
  // len(list(qs)) counts the same rows.
  if (counted.type === 'call' && ['list', 'tuple'].includes(calleeName(counted) ?? '') && positionalArguments(counted).length === 1) {
    counted = unparenthesize(positionalArguments(counted)[0]);
  }
  const info = querysetOf(counted);
  if (!info || info.sliced || info.iterator !== 'none' || info.singleRow || info.materialized) return;
  // When the queryset is also iterated, len() fills the cache the loop then reuses: one query either way.
  if (consumedElsewhere(info, call, counted)) return;
  const receiver = ['call', 'identifier', 'attribute', 'subscript', 'parenthesized_expression'].includes(counted.type) ? counted.text : `(${counted.text})`;
  const fixes: FixSpec[] = canFix
    ? [{ title: 'Count with .count() instead of len()', safety: 'safe', edits: [{ start: call.startIndex, end: call.endIndex, newText: `${receiver}.count()` }] }]
    : [];
  ctx.report({
    start: call.startIndex,
    end: call.endIndex,
    message: `Loads every ${rowsOf(info)} into memory just to count them (len() of a queryset); use .count(), which runs SELECT COUNT(*)`,
    fixes,
  });
}

function checkList(ctx: Reporter, call: Node, canFix: boolean, chunkSize: number): void {
  const args = positionalArguments(call);
  if (args.length !== 1) return;
  const parent = call.parent?.parent;
  if (parent?.type === 'call' && calleeName(parent) === 'len') return; // reported as len()
  const source = unparenthesize(args[0]);
  const info = querysetOf(source);
  if (!isUnbounded(info, call) || info.materialized) return;
  const fix = canFix ? listToIteratorFix(call, source, chunkSize) : undefined;
  ctx.report({
    start: call.startIndex,
    end: call.endIndex,
    message: `Loads every ${rowsOf(info)} into memory at once (${calleeName(call)}() of an unsliced queryset); iterate with .iterator(chunk_size=${chunkSize}), slice it, or paginate`,
    fixes: fix ? [fix] : [],
  });
}

/** `rows = list(qs)` whose only use is one loop: the loop can stream instead (unsafe: `rows` becomes one-shot). */
function listToIteratorFix(call: Node, source: Node, chunkSize: number): FixSpec | undefined {
  const assignment = call.parent;
  const target = assignment?.type === 'assignment' && assignment.childForFieldName('right')?.id === call.id ? assignment.childForFieldName('left') : undefined;
  if (target?.type !== 'identifier') return undefined;
  const scope = scopeOf(call);
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

function checkSerializer(ctx: Reporter, call: Node): void {
  if (keywordArgument(call, 'many')?.text !== 'True') return;
  const data = positionalArguments(call)[0] ?? keywordArgument(call, 'instance');
  if (!data) return;
  const info = querysetOf(data);
  if (!isUnbounded(info, call) || info.materialized) return;
  ctx.report({
    start: data.startIndex,
    end: data.endIndex,
    message: `Serializes every ${rowsOf(info)} into one response (many=True over an unpaginated queryset); paginate with self.paginate_queryset(queryset) or slice it`,
  });
}

/** `for o in Order.objects.all(): writer.writerow(...)` and comprehensions whose list becomes the response. */
function checkExportLoops(ctx: Reporter, tree: Tree, iterations: readonly Iteration[], canFix: boolean, chunkSize: number): void {
  for (const iteration of iterations) {
    const iterable = unparenthesize(iteration.iterable);
    if (iterable.type === 'call' && ['list', 'tuple'].includes(calleeName(iterable) ?? '')) continue; // reported as list()
    const info = querysetOf(iterable);
    if (!isUnbounded(info, iteration.node) || info.materialized) continue;
    const output = exportKind(tree, iteration);
    if (!output) continue;
    const streamsAlone = !consumedElsewhere(info, iteration.node, iterable);
    const prefetches = info.prefetched.size > 0 || info.prefetchedSubtrees.size > 0 || info.prefetchCalls.length > 0;
    const safety: FixSafety = streamsAlone && !prefetches ? 'safe' : 'unsafe';
    const fixes: FixSpec[] = canFix
      ? [{ title: `Stream the rows with .iterator(chunk_size=${chunkSize})`, safety, edits: [{ start: iterable.endIndex, end: iterable.endIndex, newText: `.iterator(chunk_size=${chunkSize})` }] }]
      : [];
    const message =
      output === 'export'
        ? `Loads every ${rowsOf(info)} into memory before the export writes anything (a queryset caches all the rows it iterates); iterate with .iterator(chunk_size=${chunkSize})`
        : `Builds the response from every ${rowsOf(info)} at once (the queryset caches all rows and the list holds them again); paginate it, or at least iterate with .iterator(chunk_size=${chunkSize})`;
    ctx.report({ start: iterable.startIndex, end: iterable.endIndex, message, fixes });
  }
}

/** SQLAlchemy `.all()` whose rows feed an export loop or a response. */
function checkSqlAlchemyExports(ctx: Reporter, tree: Tree, iterations: readonly Iteration[]): void {
  const reported = new Set<number>();
  for (const iteration of iterations) {
    const all = sqlAlchemyAllFeeding(unparenthesize(iteration.iterable));
    if (!all || reported.has(all.id) || !exportKind(tree, iteration)) continue;
    reported.add(all.id);
    ctx.report({
      start: all.startIndex,
      end: all.endIndex,
      message: 'Loads every row of the query into memory at once (.all() feeding an export); stream the rows with .yield_per(1000) instead of .all()',
    });
  }
}

/** The `.all()` call behind a loop's iterable: the iterable itself, or the assignment of the variable it names. */
function sqlAlchemyAllFeeding(iterable: Node): Node | undefined {
  if (iterable.type === 'identifier') {
    const assignment = assignmentsBefore(iterable).pop();
    const value = assignment?.childForFieldName('right');
    return value && isSqlAlchemyAll(unparenthesize(value)) ? unparenthesize(value) : undefined;
  }
  return isSqlAlchemyAll(iterable) ? iterable : undefined;
}

/** `session.query(User).filter(...).all()`, `session.scalars(stmt).all()`, `User.query.all()`, with no limit or stream. */
function isSqlAlchemyAll(node: Node): boolean {
  if (node.type !== 'call' || calleeName(node) !== 'all' || positionalArguments(node).length > 0) return false;
  let sawSource = false;
  for (let current: Node | null | undefined = node.childForFieldName('function')?.childForFieldName('object'); current; ) {
    if (current.type === 'call') {
      const name = calleeName(current) ?? '';
      if (SQLALCHEMY_BOUNDS.has(name)) return false;
      if (SQLALCHEMY_SOURCES.has(name)) sawSource = true;
      // select(...).limit(10) inside session.scalars(...)
      if (name === 'scalars' || name === 'execute') {
        const statement = positionalArguments(current)[0];
        if (statement && /\.(limit|slice)\(|\.execution_options\([^)]*yield_per/.test(statement.text)) return false;
      }
      current = current.childForFieldName('function');
    } else if (current.type === 'attribute') {
      if (current.childForFieldName('attribute')?.text === 'query') sawSource = true;
      current = current.childForFieldName('object');
    } else {
      break;
    }
  }
  return sawSource;
}

/** Whether a loop writes an export ('export') or builds a list that becomes the response ('response'). */
function exportKind(tree: Tree, iteration: Iteration): 'export' | 'response' | undefined {
  const scope = scopeOf(iteration.node);
  if (iteration.node.type !== 'for_statement') {
    return iteration.node.parent && flowsToOutput(iteration.node.parent, scope, 0) ? 'response' : undefined;
  }
  const body = iteration.body[0];
  if (!body) return undefined;
  const sameFunction = (n: Node) => scopeOf(n).id === scope.id;
  if (captures(tree, '(yield) @y', body).some((c) => sameFunction(c.node))) return 'export';
  for (const { node: call } of captures(tree, '(call function: (attribute object: (_) @o attribute: (identifier) @m)) @c', body)) {
    if (call.type !== 'call' || !sameFunction(call)) continue;
    const method = calleeName(call) ?? '';
    if (WRITE_METHODS.has(method)) return 'export';
    const list = call.childForFieldName('function')?.childForFieldName('object');
    if ((method === 'append' || method === 'extend') && list?.type === 'identifier' && variableFlowsToOutput(list.text, scope, iteration.node.endIndex, 0)) {
      return 'response';
    }
  }
  return undefined;
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

/** A queryset that loads every matching row: unsliced, unstreamed, not a pk lookup, not a related manager, not paginated. */
function isUnbounded(info: QuerysetInfo | undefined, at: Node): info is QuerysetInfo {
  if (!info || info.sliced || info.iterator !== 'none' || info.singleRow || info.relatedManager) return false;
  const scope = scopeOf(at);
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
  const scope = scopeOf(at);
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

/** "Order row" / "matching Order row" / "row", for messages. */
function rowsOf(info: QuerysetInfo): string {
  const model = info.models.length === 1 ? `${info.models[0]} ` : '';
  const filtered = info.methods.some((m) => m === 'filter' || m === 'exclude');
  return `${filtered ? 'matching ' : ''}${model}row`;
}
