/**
 * unbounded-queryset, Django rows loaded whole where the module itself shows no request: a Celery/RQ/Dramatiq task
 * (or a helper, model method or service a task calls, found through the project call graph) that loops over every
 * row of a growing table without `.iterator()`, copies it into a list, or builds a DataFrame of it
 * (`pd.DataFrame(list(Order.objects.values(...)))`), and `list(qs)` in a service or selector a view calls from
 * another module. Workers run these on a schedule or per queued job, and the table only grows.
 *
 * Reported only when the model grows with time (a creation timestamp, an event-like model: owner-growth.ts), the
 * queryset is not narrowed to one owner's rows, a window of time, a slice, a few keys or grouped rows, and the
 * code is reached from a task (loops) or from a task or request (list/DataFrame). What python.ts already judges in
 * request code (view modules, functions taking `request`, task-decorated loops that write an export) is left to it.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { RuleContext } from '../api';
import { callsNamed, positionalArguments } from '../../analysis/python/ast';
import { assignmentsBefore, calleeName, iterationsIn, moduleFunctionsNamed, outsideReadsHold, querysetOf, recordingOutsideReads, unparenthesize, type Iteration, type OutsideReads, type QuerysetInfo } from '../../analysis/python/django-querysets';
import { statementMatches, statementsCoverText, topLevelStatements, type TopLevelStatement } from '../../analysis/python/statements';
import { StatementSlot } from '../../analysis/cache';
import { perRequestScope } from '../../analysis/python/per-request';
import { importsOf } from '../../analysis/python/imports';
import type { ModelIndex } from '../../analysis/python/django-models';
import { boundedByOwner, growsWithTime, projectModels, type OwnerGrowth } from './owner-growth';
import { rowsOf } from './rows-of';
import { tableOf } from '../shared/table-names';

/** What python.ts itself reports or deliberately judges: a node in request code, or a loop that writes an export. */
export interface JudgedElsewhere {
  loop(iteration: Iteration): boolean;
  list(call: Node): boolean;
}

type Report = RuleContext['report'];

/** Calls that build a DataFrame from rows: pandas' constructor and `from_records`, django-pandas' `read_frame`. */
const FRAME_CALLS = new Set(['DataFrame', 'from_records', 'read_frame']);
/** The calls listAndFrameCalls looks at, found from the text: list()/tuple() and the frame builders above. */
const LIST_OR_FRAME = new RegExp(`\\b(?:list|tuple|${[...FRAME_CALLS].join('|')})\\b`, 'g');

export function checkWorkerRows(ctx: RuleContext, tree: Tree, growth: OwnerGrowth, judged: JudgedElsewhere, report: Report): void {
  const { models } = projectModels(ctx, tree);
  const loops: { iteration: Iteration; info: GrowingRows }[] = [];
  const lists: { call: Node; list: boolean; info: GrowingRows }[] = [];
  const context = `${ctx.file.relPath}\u0000${growth.version}\u0000${importsOf(tree).key}`;
  // (Some error-recovered trees' statements do not cover the text: the module is then one part, never kept.)
  const covered = statementsCoverText(tree, ctx.file.text);
  const parts: readonly { text: string; start: number }[] = covered ? topLevelStatements(tree) : [{ text: tree.rootNode.text, start: tree.rootNode.startIndex }];
  for (const part of parts) {
    const statement = covered ? (part as TopLevelStatement) : undefined;
    if (statement && !statementMatches(statement, CANDIDATE_WORDS)) continue;
    // Which rows load a growing table whole is kept per statement (the queryset analysis is most of a keystroke's
    // cost in a module of tasks or serializers); which task or request reaches them (the call graph) is asked after,
    // of those few.
    const key = statement && growingAnswers.key(statement, context);
    const cached = growingAnswers.get(key);
    const known = cached && outsideReadsHold(tree, cached.reads) ? cached.answers : undefined;
    if (known && known.size === 0) continue;
    const candidates = candidatesIn(tree, part);
    const place = (node: Node) => `${node.startIndex - part.start}:${node.endIndex - part.start}`;
    let answers = known;
    if (!answers) {
      const [found, reads] = recordingOutsideReads(() => {
        const out = new Map<string, GrowingRows>();
        for (const { rows } of [...candidates.loops, ...candidates.lists]) {
          const info = wholeGrowingTable(rows, growth, models);
          if (info) out.set(place(rows), { rows: rowsOf(info), models: info.models });
        }
        return out;
      });
      answers = found;
      if (!reads.unknown) growingAnswers.set(key, { answers, reads });
    }
    for (const { iteration, rows } of candidates.loops) {
      const info = answers.get(place(rows));
      if (info) loops.push({ iteration, info });
    }
    for (const { call, list, rows } of candidates.lists) {
      const info = answers.get(place(rows));
      if (info) lists.push({ call, list, info });
    }
  }
  for (const { iteration, info } of loops) {
    if (judged.loop(iteration) || deletesEachRow(iteration)) continue;
    const scope = perRequestScope(ctx, iteration.node);
    if (scope?.kind !== 'task') continue;
    const iterable = unparenthesize(iteration.iterable);
    report({
      start: iterable.startIndex,
      end: iterable.endIndex,
      messageId: 'list',
      data: { rows: info.rows },
      table: tableOf(info),
      detail: `${scope.label} loops over the whole queryset; Django caches every row it iterates, so the whole table (it grows with time: ${info.models.join(', ')}) is in the worker's memory until the loop ends. Iterate with .iterator(chunk_size=2000), or page through it by primary key.`,
    });
  }
  for (const { call, list, info } of lists) {
    if (list && judged.list(call)) continue;
    const scope = perRequestScope(ctx, call);
    if (!scope || (scope.kind !== 'task' && scope.kind !== 'request')) continue;
    report({
      start: call.startIndex,
      end: call.endIndex,
      messageId: 'list',
      data: { rows: info.rows },
      table: tableOf(info),
      detail: `${scope.label} copies every row of a table that grows with time (${info.models.join(', ')}) into ${list ? 'one list' : 'one DataFrame'}. Aggregate in the database (.values(...).annotate(...)), iterate with .iterator(chunk_size=2000), or page through it.`,
    });
  }
}

/** What a report needs of a queryset that loads a growing table whole. */
interface GrowingRows {
  rows: string;
  models: string[];
}

/**
 * Per top-level statement: the candidates that load a growing table whole, by their place in it (`start:end`), and
 * what the answer read outside the statement (the module's helpers). Keyed by the file, the models' growth and the
 * imports besides the statement's text.
 */
const growingAnswers = new StatementSlot<{ answers: Map<string, GrowingRows>; reads: OutsideReads }>('unbounded-queryset: worker rows per statement');

/** Every candidate holds one of these: a loop's `for`, or a list()/tuple()/frame call. */
const CANDIDATE_WORDS = new RegExp(`\\bfor\\b|${LIST_OR_FRAME.source}`);

/** The loops over rows and the list()/frame calls of rows in one statement, in the order of the text. */
function candidatesIn(tree: Tree, statement: { text: string; start: number }): { loops: { iteration: Iteration; rows: Node }[]; lists: { call: Node; list: boolean; rows: Node }[] } {
  const loops: { iteration: Iteration; rows: Node }[] = [];
  for (const iteration of iterationsIn(tree, statement.text, statement.start)) {
    const iterable = unparenthesize(iteration.iterable);
    if (iterable.type === 'call' && ['list', 'tuple'].includes(calleeName(iterable) ?? '')) continue; // the list() below
    loops.push({ iteration, rows: iterable });
  }
  const lists: { call: Node; list: boolean; rows: Node }[] = [];
  for (const call of listAndFrameCalls(tree, statement.text, statement.start)) {
    const source = unparenthesize(positionalArguments(call)[0]);
    const name = calleeName(call) ?? '';
    const list = name === 'list' || name === 'tuple';
    // `pd.DataFrame(list(qs.values()))`: the inner list() is the one reported.
    if (!list && source.type === 'call' && ['list', 'tuple'].includes(calleeName(source) ?? '')) continue;
    if (list && call.parent?.parent?.type === 'call' && calleeName(call.parent.parent) === 'len') continue;
    lists.push({ call, list, rows: source });
  }
  return { loops, lists };
}

/** `for t in stale: t.delete()`: a purge drains the rows it reads, so they are one run's worth, not the table's history. */
function deletesEachRow(iteration: Iteration): boolean {
  const name = iteration.target.text;
  return iteration.body.some((part) => new RegExp(`\\b${name}\\.delete\\(`).test(part.text));
}

/** `list(qs)`, `tuple(qs)`, `pd.DataFrame(qs.values(...))`, `read_frame(qs)` with one positional argument first. */
function listAndFrameCalls(tree: Tree, text: string, start: number): Node[] {
  const out: Node[] = [];
  const visit = (calls: Node[]) => {
    for (const call of calls) {
      const name = calleeName(call) ?? '';
      const builtin = call.childForFieldName('function')?.type === 'identifier';
      if (((name === 'list' || name === 'tuple') && builtin && positionalArguments(call).length === 1) || (FRAME_CALLS.has(name) && positionalArguments(call).length >= 1)) out.push(call);
    }
  };
  // Found from the text: a walk of every call of the module cost a keystroke several milliseconds.
  visit(callsNamed(tree, text, LIST_OR_FRAME, start));
  return out;
}

/**
 * The queryset behind `node` when it loads every row of a table that grows with use: unsliced, unstreamed, not a
 * few keys or one parent's related rows, not grouped, not one owner's, not a window of time or rows still to come.
 */
function wholeGrowingTable(node: Node, growth: OwnerGrowth, models: ModelIndex): QuerysetInfo | undefined {
  const info = querysetOf(node);
  if (!info || info.sliced || info.iterator !== 'none' || info.singleRow || info.relatedManager || info.upcoming || info.timeWindow) return undefined;
  if (info.materialized || info.compact || boundedByOwner(info, growth) || growth.curated(info)) return undefined;
  if (queryTexts(node).some((text) => WORK_QUEUE.test(text) || PICKED_KEYS.test(text))) return undefined;
  if (growsWithTime(info, growth)) return info;
  const imported = info.roots[0] ? importsOf(info.roots[0].node.tree).origins : undefined;
  const names = info.models.map((m) => imported?.get(m)?.name ?? m);
  return names.length > 0 && names.every((m) => tableGrows(m, models)) ? info : undefined;
}

/**
 * Rows waiting to be handled: a status filter to a state the task moves them out of (`status="pending"`,
 * `booking_status__iexact=Booking.STATUS_PENDING`), or a flag it sets (`sent=False`): a queue that drains each run.
 */
const WORK_QUEUE =
  /\b\w*(status|state)\w*\s*=\s*[^,)]*\b\w*(pending|queued|waiting|unprocessed|processing|running|started|retrying|requested|in_?progress|scheduled|unsent|unread)\w*|\b(is_)?(processed|sent|notified|handled|done|synced|delivered|published|reminded|expired|emailed)\s*=\s*False\b/i;
/** `friends__in=parent.friends.all()`, `tags__in=picked`: rows the code already picked, not the table. */
const PICKED_KEYS = /\b\w+__in\s*=\s*(?![\[(])/;

/**
 * The texts that build the queryset: the expression, what a variable was assigned, and the body of a helper of this
 * module whose return value it is (`jobs = get_jobs_expired_since(now)`).
 */
function queryTexts(node: Node): string[] {
  const out = [node.text];
  const values = node.type === 'identifier' ? assignmentsBefore(node).map((a) => a.childForFieldName('right')).filter((v): v is Node => !!v) : [node];
  for (const value of values) {
    out.push(value.text);
    const callee = value.type === 'call' ? value.childForFieldName('function') : undefined;
    if (callee?.type !== 'identifier') continue;
    for (const def of moduleFunctionsNamed(value.tree, callee.text)) out.push(def.text);
  }
  return out;
}

/**
 * The whole table grows with use (not per owner, as growsWithTime asks): a table of users (one row per sign-up), or
 * rows stamped when they are made, which nothing caps per owner (no unique constraint over a relation) and the model
 * does not delete itself; a lookup list an admin curates does not.
 */
function tableGrows(model: string, models: ModelIndex): boolean {
  if (models.isUserModel(model)) return true;
  if (!models.has(model) || models.isLookup(model)) return false;
  // Read as a history (newest first by id), a model stamped at creation reports the stamp it accumulates by.
  return models.growthTimestamp(model, true, ['id']) !== undefined;
}
