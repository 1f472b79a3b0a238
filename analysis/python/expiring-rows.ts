/**
 * Models whose rows the app's own workflow deletes once their time has passed, so one owner's rows are the current
 * few, not an all-time history:
 * - a task that deletes a row of the model, queued by the app with a delay (`delete_booking.apply_async(args,
 *   countdown=seconds)`, `eta=slot_end`): each row is removed when its slot ends;
 * - a delete of the rows older than a moment (`Session.objects.filter(created_at__lt=now() - timedelta(days=1))
 *   .delete()`), in a periodic task, a command or a view.
 * A delete a user asks for (`Booking.objects.get(pk=pk).delete()` in a view) is neither: nothing removes the rows a
 * user leaves. Read from the text of every module; each module's share is kept while its text is unchanged.
 */
import type { ProjectInfo } from '../../rules/api';
import { linesHolding, linesOf } from '../line-starts';
import { projectTexts } from '../project-texts';

/** What one module says about deleted rows. */
export interface ExpiryShare {
  /** Task functions (decorated as tasks) and the models whose rows their bodies delete. */
  taskDeletes: [string, string[]][];
  /** Tasks the module queues with a delay (`countdown=` / `eta=`). */
  delayed: string[];
  /** Models whose rows older than a moment the module deletes. */
  timedDeletes: string[];
}

const TASK_DECORATOR = /^\s*@(?:\w+\.)*(?:shared_task|task|actor|periodic_task|job)\b/;
const DEF = /^(\s*)(?:async\s+)?def\s+(\w+)/;
/** `Model.objects.get(...).delete()`, `Model.objects.filter(...).delete()` on one line. */
const CHAINED_DELETE = /(?<![\w.])([A-Z]\w*)\.objects\.(?:get|filter)\([^\n]*\)\.delete\(\)/g;
/** `row = Model.objects.get(...)` (the call may span lines), then `row.delete()`. */
const FETCHED = /(?<![\w.])(\w+)\s*=\s*(?:([A-Z]\w*)\.objects\.get\(|get_object_or_404\(\s*([A-Z]\w*)\b)/g;
/** `task.apply_async(...)` or `task.s(...).apply_async(...)`: the call's text up to its first `)` line is read. */
const QUEUED = /(?<![\w.])(\w+)(?:\.s\([^)]*\))?\.apply_async\(/g;
/** A time lookup before a moment, compared with a time the code computes. */
const BEFORE_MOMENT = /\w+__(?:lt|lte)\s*=\s*[^,)]*\b(?:now|today|timedelta|utcnow|date|cutoff|threshold|expir\w*)\b/;

const perFile = new WeakMap<ProjectInfo, Map<string, { text: string; share: ExpiryShare }>>();

/** The models of the project whose rows the app deletes once their time has passed. */
export function projectExpiringModels(project: ProjectInfo, current: { relPath: string; text: string }): Set<string> {
  const texts = projectTexts(project, current);
  const tasks = new Map<string, string[]>();
  const delayed = new Set<string>();
  const out = new Set<string>();
  for (const rel of texts.files) {
    if (!rel.endsWith('.py')) continue;
    const text = rel === current.relPath ? current.text : texts.text(rel);
    if (text === undefined) continue;
    const share = expiryShareOf(project, rel, text);
    for (const [task, models] of share.taskDeletes) tasks.set(task, [...(tasks.get(task) ?? []), ...models]);
    share.delayed.forEach((t) => delayed.add(t));
    share.timedDeletes.forEach((m) => out.add(m));
  }
  for (const task of delayed) for (const model of tasks.get(task) ?? []) out.add(model);
  return out;
}

/** One module's share, from its last text's when unchanged. */
export function expiryShareOf(project: ProjectInfo, rel: string, text: string): ExpiryShare {
  let cache = perFile.get(project);
  if (!cache) perFile.set(project, (cache = new Map()));
  const known = cache.get(rel);
  if (known && known.text === text) return known.share;
  const share = /\.delete\(\)|apply_async/.test(text) ? scanExpiry(text) : { taskDeletes: [], delayed: [], timedDeletes: [] };
  cache.set(rel, { text, share });
  return share;
}

/** What one module's text says about deleted rows (see ExpiryShare). */
export function scanExpiry(text: string): ExpiryShare {
  const lines = linesOf(text);
  const share: ExpiryShare = { taskDeletes: [], delayed: [], timedDeletes: [] };
  // Only the lines holding `def` (the pattern on each line of a 5,000-line views module cost a millisecond a keystroke).
  for (const i of linesHolding(text, ['def'])) {
    const def = DEF.exec(lines[i]);
    if (def && isTask(lines, i)) {
      const models = deletedModels(bodyOf(lines, i, def[1].length));
      if (models.length > 0) share.taskDeletes.push([def[2], models]);
    }
  }
  for (const m of queuedCalls(text)) {
    const args = text.slice(m.index + m[0].length, m.index + m[0].length + 600);
    const call = args.slice(0, closingParen(args));
    if (/\b(countdown|eta)\s*=/.test(call)) share.delayed.push(m[1]);
  }
  // A chained delete lies on one line: only the lines that delete are searched.
  for (const i of linesHolding(text, ['.delete()'])) {
    for (const m of lines[i].matchAll(CHAINED_DELETE)) if (BEFORE_MOMENT.test(m[0])) share.timedDeletes.push(m[1]);
  }
  return share;
}

const APPLY_ASYNC = '.apply_async(';
const QUEUED_AT = new RegExp(QUEUED.source, 'y');

/**
 * `text.matchAll(QUEUED)`, without trying the pattern at every word of the module (3 ms a keystroke on a 5,000-line
 * views module). A match ends at an `.apply_async(` and holds no `)` but the one closing its `.s(...)` right before
 * that call, so it starts after the last `)` before the call: only those places (not tried yet) are tried, in order.
 */
function queuedCalls(text: string): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  let tried = 0;
  for (let call = text.indexOf(APPLY_ASYNC); call >= 0; call = text.indexOf(APPLY_ASYNC, Math.max(call + 1, tried))) {
    const from = Math.max(tried, call >= 2 ? text.lastIndexOf(')', call - 2) + 1 : 0);
    tried = call + 1;
    for (let at = from; at <= call; at++) {
      QUEUED_AT.lastIndex = at;
      const m = QUEUED_AT.exec(text);
      if (!m) continue;
      out.push(m);
      tried = m.index + m[0].length;
      break;
    }
  }
  return out;
}

/** The decorators right above line `at` mark a task. */
function isTask(lines: readonly string[], at: number): boolean {
  for (let j = at - 1; j >= 0 && /^\s*@/.test(lines[j]); j--) if (TASK_DECORATOR.test(lines[j])) return true;
  return false;
}

/** The lines of the block opened at line `at` (indented past `indent`), joined. */
export function bodyOf(lines: readonly string[], at: number, indent: number): string {
  const out: string[] = [];
  for (let j = at + 1; j < lines.length; j++) {
    if (lines[j].trim() && lines[j].length - lines[j].trimStart().length <= indent) break;
    out.push(lines[j]);
  }
  return out.join('\n');
}

/** Models whose rows a body deletes: chained deletes and rows fetched into a variable that is then deleted. */
function deletedModels(body: string): string[] {
  const out = new Set<string>();
  for (const m of body.matchAll(CHAINED_DELETE)) out.add(m[1]);
  for (const m of body.matchAll(FETCHED)) {
    if (new RegExp(`(?<![\\w.])${m[1]}\\.delete\\(\\)`).test(body.slice(m.index))) out.add(m[2] ?? m[3]);
  }
  return [...out];
}

/** The index of the `)` closing a call whose arguments start the text (or the text's length). */
function closingParen(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(' || text[i] === '[' || text[i] === '{') depth++;
    else if (text[i] === ')' || text[i] === ']' || text[i] === '}') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return text.length;
}
