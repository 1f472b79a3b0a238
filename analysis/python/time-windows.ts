/**
 * Rows of a short window the server fixes from its own clock: today's check-ins (`filter(date=timezone.localdate())`,
 * `created__date=today`), the last hour's entries (`created__gte=now() - timedelta(hours=1)`, `fecha__range=(hour_start,
 * hour_end)`), SQLAlchemy's `.where(Event.ts >= datetime.utcnow() - timedelta(minutes=5))` or
 * `func.date(Event.ts) == date.today()`. A day or a week of one site's rows is a few of them, whatever the table holds.
 *
 * Not a short window: a span the client picks (`since=request.GET["since"]`, `timedelta(days=days)` of a parameter),
 * one tied to a stored date (`created__gte=user.date_joined`), or a long one (the month, the year, 90 days back).
 */
import type { Node } from 'web-tree-sitter';

/**
 * The longest window that still counts as short: a week of rows (today, this hour, this week, the last 7 days), with
 * the day it starts from counted whole (`today - timedelta(days=today.weekday())` reaches 8 days back at most).
 */
const SHORT_HOURS = 24 * 8;
/** Clock reads: `timezone.now()`, `datetime.utcnow()`, `datetime.now(tz)`, `timezone.localtime()`. */
const INSTANT_CALL = /^(?:[\w.]+\.)?(now|utcnow|localtime)$/;
/** Today's date: `date.today()`, `timezone.localdate()`, `datetime.today()`. */
const TODAY_CALL = /^(?:[\w.]+\.)?(today|localdate)$/;
/** Conversions that keep the moment: `make_aware(x)`, `localtime(x)`, `datetime.combine(day, time.min)`. */
const SAME_MOMENT_CALL = /^(?:[\w.]+\.)?(make_aware|localtime|combine|fromordinal)$/;
const DELTA_UNITS: Record<string, number> = { years: 8760, months: 744, weeks: 168, days: 24, hours: 1, minutes: 1 / 60, seconds: 1 / 3600 };
/** `timedelta`'s positional order: days, seconds, microseconds, milliseconds, minutes, hours, weeks. */
const DELTA_POSITIONS = ['days', 'seconds'];

/** How many steps (names, calls) a moment is followed back: `now` → `local = now.astimezone(tz)` → `today = local.date()` → ... */
const MAX_DEPTH = 16;
const MAX_STEPS = 64;

/** Fields of when a row ends or is due (`expires_at`, `end_date`, `valid_until`, `deadline`): bounds on them keep live rows. */
const ENDING_FIELD = /(^|_)(expir\w*|ends?|until|due|deadline|valid\w*|finish\w*|clos\w*|stop\w*|till)(_|$)/i;

/** The assignments binding a name before its use (django-querysets' assignmentsBefore, passed in to keep imports one-way). */
export type Assignments = (name: Node) => Node[];

/**
 * How many hours before now the earliest moment `node` names can lie, when the code derives it from the clock alone
 * (`now() - timedelta(hours=1)` → 1, `date.today()` → 24, `now.replace(hour=0, minute=0)` → 24); undefined otherwise.
 */
export function hoursBack(node: Node, assignments: Assignments, depth = 0, budget = { steps: MAX_STEPS }): number | undefined {
  // (The budget bounds the walk when one name is rebound from itself many times: `t = t - step` in a row.)
  if (depth > MAX_DEPTH || --budget.steps < 0) return undefined;
  const expr = node.type === 'parenthesized_expression' && node.namedChildren[0] ? node.namedChildren[0] : node;
  if (expr.type === 'identifier') {
    const bound = assignments(expr);
    if (bound.length === 0) return undefined;
    let most = 0;
    for (const a of bound) {
      if (a.childForFieldName('left')?.type !== 'identifier') return undefined;
      const right = a.childForFieldName('right');
      const h = right ? hoursBack(right, assignments, depth + 1, budget) : undefined;
      if (h === undefined) return undefined;
      most = Math.max(most, h);
    }
    return most;
  }
  if (expr.type === 'binary_operator') {
    const operator = expr.childForFieldName('operator')?.text;
    const left = expr.childForFieldName('left');
    const right = expr.childForFieldName('right');
    if (!left || !right || (operator !== '-' && operator !== '+')) return undefined;
    const from = hoursBack(left, assignments, depth + 1, budget);
    const delta = deltaHours(right, assignments, depth + 1);
    if (from === undefined || delta === undefined) return undefined;
    return operator === '-' ? from + delta : from;
  }
  if (expr.type !== 'call') return undefined;
  const fn = expr.childForFieldName('function');
  const name = fn?.text ?? '';
  const args = (expr.childForFieldName('arguments')?.namedChildren ?? []).filter((a): a is Node => !!a);
  if (INSTANT_CALL.test(name) && fn?.type !== 'attribute') return args.length === 0 ? 0 : undefined;
  if (INSTANT_CALL.test(name)) {
    // `timezone.localtime(value)` converts a moment; `timezone.now()`/`datetime.now(tz)` read the clock.
    const converted = /localtime$/.test(name) ? args.find((a) => a.type !== 'keyword_argument') : undefined;
    return converted ? hoursBack(converted, assignments, depth + 1, budget) : 0;
  }
  if (TODAY_CALL.test(name)) return args.length === 0 ? 24 : undefined;
  if (SAME_MOMENT_CALL.test(name)) {
    const first = args.find((a) => a.type !== 'keyword_argument');
    return first ? hoursBack(first, assignments, depth + 1, budget) : undefined;
  }
  if (fn?.type !== 'attribute') return undefined;
  const receiver = fn.childForFieldName('object');
  const method = fn.childForFieldName('attribute')?.text ?? '';
  const from = receiver ? hoursBack(receiver, assignments, depth + 1, budget) : undefined;
  if (from === undefined) return undefined;
  if (method === 'astimezone') return from;
  if (method === 'date') return Math.max(from, 24);
  if (method === 'replace') {
    const keys = args.map((a) => (a.type === 'keyword_argument' ? a.childForFieldName('name')?.text ?? '' : '?'));
    // `.replace(day=1)`, `.replace(month=1, day=1)`: the month or the year so far, not a short window.
    if (keys.some((k) => !/^(hour|minute|second|microsecond|tzinfo)$/.test(k))) return undefined;
    if (keys.includes('hour')) return Math.max(from, 24);
    if (keys.includes('minute')) return Math.max(from, 1);
    return from;
  }
  return undefined;
}

/** Hours of `timedelta(hours=1)`, `timedelta(days=today.weekday())` (at most 6 days), a name bound to one; else undefined. */
function deltaHours(node: Node, assignments: Assignments, depth: number): number | undefined {
  if (depth > MAX_DEPTH) return undefined;
  if (node.type === 'identifier') {
    const bound = assignments(node);
    if (bound.length !== 1) return undefined;
    const right = bound[0].childForFieldName('right');
    return right ? deltaHours(right, assignments, depth + 1) : undefined;
  }
  // `timedelta(hours=1)`, dateutil's `relativedelta(days=7)` (its months and years are long windows).
  if (node.type !== 'call' || !/^(?:[\w.]+\.)?(timedelta|relativedelta)$/.test(node.childForFieldName('function')?.text ?? '')) return undefined;
  let hours = 0;
  let position = 0;
  for (const arg of node.childForFieldName('arguments')?.namedChildren ?? []) {
    if (!arg) continue;
    const unit = arg.type === 'keyword_argument' ? arg.childForFieldName('name')?.text ?? '' : DELTA_POSITIONS[position++];
    const value = arg.type === 'keyword_argument' ? arg.childForFieldName('value') : arg;
    if (!unit || !value || !(unit in DELTA_UNITS)) return undefined;
    const amount = value.type === 'integer' || value.type === 'float' ? Number(value.text) : /\.(iso)?weekday\(\s*\)$/.test(value.text) ? 7 : undefined;
    if (amount === undefined || !Number.isFinite(amount)) return undefined;
    hours += amount * DELTA_UNITS[unit];
  }
  return hours;
}

/** A moment the clock fixes at most a short window back. */
function recentMoment(node: Node | null | undefined, assignments: Assignments): boolean {
  if (!node) return false;
  const h = hoursBack(node, assignments);
  return h !== undefined && h <= SHORT_HOURS;
}

/**
 * A Django lookup that keeps a short window's rows: `date=today`, `created__date=today`, `created__gte=hour_ago`,
 * `ts__range=(start_of_day, end_of_day)` for filter(); `created__lt=cutoff` for exclude().
 */
export function recentLookup(name: string, value: Node, excluded: boolean, assignments: Assignments): boolean {
  const parts = name.split('__');
  const last = parts[parts.length - 1];
  // `expires_at__gt=now()`: every row still valid, not the recent ones (a lower bound on when a row ends).
  const field = parts.length > 1 ? parts[parts.length - 2] : '';
  if (/^(gt|gte|lt|lte)$/.test(last) && ENDING_FIELD.test(field)) return false;
  if (excluded) return /^(lt|lte)$/.test(last) && recentMoment(value, assignments);
  if (/^(gt|gte)$/.test(last)) return recentMoment(value, assignments);
  if (last === 'range') {
    const bounds = value.type === 'tuple' || value.type === 'list' ? value.namedChildren : [];
    return bounds.length === 2 && recentMoment(bounds[0], assignments);
  }
  // Equality with a day or moment of the clock (`date=today`, `created__date=today`, `day__exact=today`).
  if (parts.length > 1 && !/^(date|exact)$/.test(last)) return false;
  return recentMoment(value, assignments);
}

/**
 * filter()/exclude() keeps a short window's rows: one of its keyword lookups (also inside `Q(...) & Q(...)`) does, or
 * it names one day by its parts (`created__year=today.year, created__month=today.month, created__day=today.day`).
 */
export function recentWindowCall(call: Node, excluded: boolean, assignments: Assignments): boolean {
  const dayParts = new Map<string, Set<string>>();
  for (const arg of call.childForFieldName('arguments')?.namedChildren ?? []) {
    if (!arg) continue;
    const keywords = arg.type === 'keyword_argument' ? [arg] : conjunctKeywords(arg);
    for (const k of keywords) {
      const value = k.childForFieldName('value');
      const name = k.childForFieldName('name')?.text ?? '';
      if (value && recentLookup(name, value, excluded, assignments)) return true;
      const part = /^(\w+?)__(year|month|day)$/.exec(name);
      const object = value?.type === 'attribute' ? value.childForFieldName('object') : undefined;
      if (!excluded && part && object && value?.childForFieldName('attribute')?.text === part[2] && recentMoment(object, assignments)) {
        dayParts.set(part[1], new Set([...(dayParts.get(part[1]) ?? []), part[2]]));
      }
    }
  }
  return [...dayParts.values()].some((parts) => parts.size === 3);
}

/** The keywords of `Q(a=1) & Q(b=2)` or `Q(a=1, b=2)`: none under `|` or `~`, which widen the rows again. */
function conjunctKeywords(arg: Node): Node[] {
  if (/[|~]/.test(arg.text) && arg.descendantsOfType(['binary_operator', 'unary_operator']).some((o) => /^[|~]$/.test(o?.childForFieldName('operator')?.text ?? ''))) return [];
  return arg.descendantsOfType('keyword_argument').filter((k): k is Node => !!k && k.parent?.parent?.type === 'call' && /(^|\.)Q$/.test(k.parent.parent.childForFieldName('function')?.text ?? ''));
}

/**
 * SQLAlchemy's `.where(...)`/`.filter(...)` arguments keep a short window's rows: `Event.ts >= hour_ago`,
 * `hour_ago < Event.ts`, `func.date(Event.ts) == date.today()`, `Event.ts.between(start, end)`; none under `or_()`.
 */
export function recentSqlAlchemyWindow(args: Node, assignments: Assignments): boolean {
  const comparisons = [args, ...args.descendantsOfType(['comparison_operator', 'call']).filter((n): n is Node => !!n)];
  if (comparisons.some((c) => !underDisjunction(c, args) && recentComparison(c, assignments))) return true;
  // `filter_by(day=date.today())`: keyword equality, as Django's.
  return args.namedChildren.some((k) => k?.type === 'keyword_argument' && !!k.childForFieldName('value') && recentLookup(k.childForFieldName('name')?.text ?? '', k.childForFieldName('value')!, false, assignments));
}

function recentComparison(node: Node, assignments: Assignments): boolean {
  if (node.type === 'call') {
    const fn = node.childForFieldName('function');
    if (fn?.type !== 'attribute' || fn.childForFieldName('attribute')?.text !== 'between') return false;
    return recentMoment(node.childForFieldName('arguments')?.namedChildren[0], assignments);
  }
  if (node.type !== 'comparison_operator' || node.namedChildren.length !== 2) return false;
  const operator = node.children.find((c) => c && !c.isNamed)?.text ?? '';
  const [left, right] = node.namedChildren as Node[];
  if (operator === '>=' || operator === '>') return recentMoment(right, assignments);
  if (operator === '<=' || operator === '<') return recentMoment(left, assignments);
  // `func.date(Event.ts) == date.today()`, `Entry.day == today`: one day's rows (or one moment's).
  if (operator === '==') return recentMoment(right, assignments) || recentMoment(left, assignments);
  return false;
}

function underDisjunction(node: Node, top: Node): boolean {
  for (let n = node.parent; n && n.id !== top.id; n = n.parent) {
    if (n.type === 'boolean_operator' && n.childForFieldName('operator')?.text === 'or') return true;
    if (n.type === 'binary_operator' && n.childForFieldName('operator')?.text === '|') return true;
    if (n.type === 'call' && /(^|\.)or_$/.test(n.childForFieldName('function')?.text ?? '')) return true;
  }
  return false;
}

/** A column that stamps each row with a time (`created_at`, `date`, `timestamp`, `sent_on`, `start_time`). */
export const TIME_COLUMN = /^(date|time|timestamp|created|updated|day)$|(^|_)(date|time|timestamp|day)$|_(at|on)$|^(created|posted|sent|uploaded)_/;

/** A lower bound or an equality on a column, or a `between`. */
const BOUND = /\.(\w+)\s*(?:>=?|==)(?!=)|\.(\w+)\.between\(/g;

/**
 * True when a SQLAlchemy query's text keeps some stretch of time (`LogEntry.timestamp >= since`, `Visit.day == today`,
 * `Order.created_at.between(a, b)`), of any length and whoever picks it: not a table's or one owner's whole history.
 * A stretch is not short (recentSqlAlchemyWindow says that): this only keeps "every row ever" claims away from it.
 */
export function keepsTimeWindow(text: string): boolean {
  for (const m of text.matchAll(BOUND)) if (TIME_COLUMN.test(m[1] ?? m[2] ?? '')) return true;
  return false;
}
