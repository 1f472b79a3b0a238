/**
 * A where clause that keeps a list query inside a fixed stretch of time: a time column bounded on both sides by
 * two values computed from one date (`gte: startOfWeek(d), lte: endOfWeek(d)`, `new Date(y, m, 1)` /
 * `new Date(y, m + 1, 0)`, `gte: d, lt: addDays(d, 7)`), or equal to one date (`date: booking.date`). Such a read
 * returns the rows of one day, week, month or calendar year, which do not grow with the table. An open range
 * (`gte: since` only) or two dates the client picks (`gte: from, lte: to`, a span of years) is not a window.
 */
import { ts } from 'ts-morph';
import { declarationOf, enclosingFunction, identifiersNamed, propertyName, unwrap } from '../../analysis/typescript/ast';
import { daysBeforeNow } from '../../analysis/typescript/clock-windows';

/** Comparison keys: Prisma's, Mongo's (`$gte`). */
const LOWER_KEY = /^\$?(gte|gt)$/;
const UPPER_KEY = /^\$?(lte|lt)$/;

/** Any comparison key of a column filter: a column's own condition, not a relation's. */
const COMPARISON_KEY = /^\$?(gte|gt|lte|lt|equals|in|not|notIn|eq|ne|nin)$/;

/** Calendar units a window may span: at most a year. */
const UNIT = /(day|week|month|quarter|year)/i;
const START_WORD = /start|begin|first/i;
const END_WORD = /end|last/i;

/** How many of each unit still make a fixed window of at most about a year (`addDays(d, 7)`). */
const ADD_UNIT: Record<string, number> = { days: 366, weeks: 53, months: 12, quarters: 4, years: 1 };

/** TypeORM's find operators that match a range or a set, not one date: `createdAt: MoreThan(d)`, `Not(d)`, `In(days)`. */
const TYPEORM_RANGE = /^(MoreThan|MoreThanOrEqual|LessThan|LessThanOrEqual|Not|In|Any|IsNull|Like|ILike|Raw|ArrayContains|ArrayContainedBy|ArrayOverlap)$/;

/** `req.query.date`, `request.body.day`, `searchParams.date`: optional fields of a request. */
const REQUEST_FIELD = /\b(query|body|params|searchParams)\./;

interface Bounds {
  lower?: ts.Expression;
  upper?: ts.Expression;
}

/**
 * True when `where` (an object literal) bounds one column on both sides within a fixed window, or matches a
 * date column to one value (`alwaysDefined`: an optional value drops the filter). `isDateColumn` says whether a key names a time column (the Prisma schema's DateTime,
 * or a name such as `date`, `createdAt`).
 */
export function withinFixedWindow(where: ts.ObjectLiteralExpression, isDateColumn: (key: string) => boolean, alwaysDefined: (id: ts.Identifier) => boolean): boolean {
  const bounds = new Map<string, Bounds>();
  let oneDate = false;
  const visit = (o: ts.ObjectLiteralExpression, depth: number): void => {
    for (const p of o.properties) {
      // `{ doctorId, date }`: the rows of the one date the code holds
      if (ts.isShorthandPropertyAssignment(p)) {
        if (isDateColumn(p.name.text) && alwaysDefined(p.name)) oneDate = true;
        continue;
      }
      if (!ts.isPropertyAssignment(p)) continue;
      const key = propertyName(p.name) ?? '';
      const value = unwrap(p.initializer);
      // Prisma `AND: [{ data: { gte } }, { data: { lte } }]`, Mongo `$and`: the branches all apply.
      if ((key === 'AND' || key === '$and') && depth < 2) {
        const branches = ts.isArrayLiteralExpression(value) ? value.elements : [value];
        for (const b of branches) {
          const branch = unwrap(b as ts.Expression);
          if (ts.isObjectLiteralExpression(branch)) visit(branch, depth + 1);
        }
        continue;
      }
      // Prisma's relation filter `slot: { startTime: { gte, lt } }`: the related row's time bounds the read as well
      if (ts.isObjectLiteralExpression(value) && !isDateColumn(key) && depth < 2 && value.properties.every((c) => !ts.isPropertyAssignment(c) || !COMPARISON_KEY.test(propertyName(c.name) ?? ''))) {
        visit(value, depth + 1);
        continue;
      }
      if (ts.isObjectLiteralExpression(value)) {
        const entry = bounds.get(key) ?? {};
        for (const c of value.properties) {
          if (!ts.isPropertyAssignment(c)) continue;
          const op = propertyName(c.name) ?? '';
          if (LOWER_KEY.test(op)) entry.lower = c.initializer;
          else if (UPPER_KEY.test(op)) entry.upper = c.initializer;
        }
        bounds.set(key, entry);
        continue;
      }
      // TypeORM `date: Between(start, end)`.
      if (ts.isCallExpression(value) && value.expression.getText() === 'Between' && value.arguments.length === 2) {
        bounds.set(key, { lower: value.arguments[0], upper: value.arguments[1] });
        continue;
      }
      // `date: booking.date`: the rows of one date, a value the code holds (not a literal, not a list).
      // A field read straight from the request (`req.query.date`) may be missing, and the ORM then drops the filter.
      const fromRequest = ts.isPropertyAccessExpression(value) && (value.questionDotToken !== undefined || REQUEST_FIELD.test(value.getText()));
      if (isDateColumn(key) && ((ts.isIdentifier(value) && alwaysDefined(value)) || (ts.isPropertyAccessExpression(value) && !fromRequest) || (ts.isCallExpression(value) && !TYPEORM_RANGE.test(value.expression.getText())) || ts.isNewExpression(value))) oneDate = true;
    }
  };
  visit(where, 0);
  if (oneDate) return true;
  for (const { lower, upper } of bounds.values()) {
    if (lower && upper && (fixedSpan(resolved(lower), resolved(upper)) || sameDayHours(lower, upper) || movedCopy(upper, lower, '+') || movedCopy(lower, upper, '-'))) return true;
  }
  return false;
}

/**
 * `gte: new Date(d.setHours(0, 0, 0, 0)), lte: new Date(d.setHours(23, 59, 59, 999))`, or two copies of one date the
 * function moves with `setHours` (`const start = new Date(d); start.setHours(0, 0, 0, 0); const end = new Date(d);
 * end.setHours(23, 59, 59, 999)`): both ends are hours of one calendar day.
 */
function sameDayHours(lower: ts.Expression, upper: ts.Expression): boolean {
  const a = dayOf(lower);
  return a !== undefined && a === dayOf(upper);
}

const SET_HOURS = /^set(UTC)?Hours$/;

/** The date whose hours a bound sets, as text: `d` for `new Date(d.setHours(...))`, `new Date(d)` for a moved copy. */
function dayOf(expr: ts.Expression): string | undefined {
  let e = unwrap(expr);
  if (ts.isNewExpression(e) && e.expression.getText() === 'Date' && e.arguments?.length === 1) e = unwrap(e.arguments[0]);
  if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && SET_HOURS.test(e.expression.name.text)) return e.expression.expression.getText();
  if (!ts.isIdentifier(e)) return undefined;
  const declaration = declarationOf(e);
  if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer) return undefined;
  const init = unwrap(declaration.initializer);
  if (!ts.isNewExpression(init) || init.expression.getText() !== 'Date' || (init.arguments?.length ?? 0) > 1) return undefined;
  const fn = enclosingFunction(declaration);
  const moved = fn !== undefined && identifiersNamed(fn, e.text).some((id) => id !== declaration.name && ts.isPropertyAccessExpression(id.parent) && id.parent.expression === id && SET_HOURS.test(id.parent.name.text) && ts.isCallExpression(id.parent.parent));
  return moved ? init.getText() : undefined;
}

/** A `const` whose initializer computes the bound: `const start = startOfWeek(now)`. Parameters stay as they are. */
function resolved(expr: ts.Expression): ts.Expression {
  const e = unwrap(expr);
  if (!ts.isIdentifier(e)) return e;
  const declaration = declarationOf(e);
  if (declaration && ts.isVariableDeclaration(declaration) && declaration.initializer && ts.isVariableDeclarationList(declaration.parent) && declaration.parent.flags & ts.NodeFlags.Const) {
    return unwrap(declaration.initializer);
  }
  return e;
}

function fixedSpan(lower: ts.Expression, upper: ts.Expression): boolean {
  return startEndPair(lower, upper) || calendarDates(lower, upper) || addedSpan(lower, upper);
}

/**
 * `startOfWeek(d)` / `endOfWeek(d)`, `getMonthStart()` / `getMonthEnd()`, `dayjs(d).startOf('month')` /
 * `dayjs(d).endOf('month')`: the two texts differ in one word only, start against end, and a calendar unit names
 * the window. `startOfYear(fromYear)` / `endOfYear(toYear)` differ in two words: years the caller picks.
 */
function startEndPair(lower: ts.Expression, upper: ts.Expression): boolean {
  if (!ts.isCallExpression(lower) && !ts.isPropertyAccessExpression(lower)) return false;
  const a = tokens(lower.getText());
  const b = tokens(upper.getText());
  if (a.length !== b.length) return false;
  const differing = a.map((t, i) => [t, b[i]] as const).filter(([x, y]) => x !== y);
  if (differing.length !== 1) return false;
  const [x, y] = differing[0];
  if (!START_WORD.test(x) || !END_WORD.test(y) || x.replace(START_WORD, '') !== y.replace(END_WORD, '')) return false;
  return UNIT.test(x) || /^(startOf|endOf)$/.test(x) && UNIT.test(lower.getText());
}

function tokens(text: string): string[] {
  return text.match(/[A-Za-z_$][\w$]*|\d+|\S/g) ?? [];
}

/**
 * `new Date(y, m, 1)` / `new Date(y, m + 1, 0)`, `new Date(y, 0, 1)` / `new Date(y + 1, 0, 1)`: dates of one
 * year (the same year argument, or the next), so at most a year apart whatever month the caller picks.
 */
function calendarDates(lower: ts.Expression, upper: ts.Expression): boolean {
  const yearOf = (e: ts.Expression): string | undefined => {
    if (!ts.isNewExpression(e) || e.expression.getText() !== 'Date') return undefined;
    // `new Date(Date.UTC(y, m, 1))`: the UTC spelling of the same calendar date
    const only = e.arguments?.length === 1 ? unwrap(e.arguments[0]) : undefined;
    const args = only && ts.isCallExpression(only) && only.expression.getText() === 'Date.UTC' ? only.arguments : e.arguments;
    return args && args.length >= 2 ? args[0].getText().replace(/\s+/g, '') : undefined;
  };
  const from = yearOf(lower);
  const to = yearOf(upper);
  return from !== undefined && to !== undefined && (from === to || to === `${from}+1`);
}

/**
 * `gte: d, lt: addDays(d, 7)`, `gte: subMonths(d, 1), lte: d`, `dayjs(d).add(1, 'week')`: one end is the other
 * moved by a fixed amount of at most about a year.
 */
function addedSpan(lower: ts.Expression, upper: ts.Expression): boolean {
  const moved = (e: ts.Expression, verb: 'add' | 'sub', base: ts.Expression): boolean => {
    if (!ts.isCallExpression(e)) return false;
    const callee = unwrap(e.expression);
    const baseText = base.getText();
    // date-fns `addDays(d, 7)` / `subDays(d, 7)`.
    const fn = ts.isIdentifier(callee) ? /^(add|sub)(Days|Weeks|Months|Quarters|Years)$/.exec(callee.text) : null;
    if (fn && fn[1] === verb && e.arguments.length === 2) {
      return sameDate(e.arguments[0], baseText) && withinYear(e.arguments[1], fn[2].toLowerCase());
    }
    // dayjs / moment `dayjs(d).add(7, 'day')`, `moment(d).subtract(1, 'month')`.
    if (ts.isPropertyAccessExpression(callee) && callee.name.text === (verb === 'add' ? 'add' : 'subtract') && e.arguments.length === 2) {
      const unit = e.arguments[1];
      if (!ts.isStringLiteralLike(unit)) return false;
      const plural = unit.text.replace(/s?$/, 's').toLowerCase();
      const receiver = unwrap(callee.expression);
      const of = ts.isCallExpression(receiver) && receiver.arguments.length === 1 ? receiver.arguments[0] : receiver;
      return (sameDate(of, baseText) || sameDate(receiver, baseText)) && withinYear(e.arguments[0], plural);
    }
    return false;
  };
  return moved(upper, 'add', lower) || moved(lower, 'sub', upper);
}

const SET_PART = /^set(UTC)?(Date|Month|FullYear)$/;
const PART_UNIT: Record<string, string> = { Date: 'days', Month: 'months', FullYear: 'years' };

/**
 * `const end = new Date(start); end.setUTCDate(end.getUTCDate() + 7)`: a copy of the other end, moved once in its
 * function by a fixed amount of at most about a year.
 */
function movedCopy(copy: ts.Expression, base: ts.Expression, sign: '+' | '-'): boolean {
  const e = unwrap(copy);
  if (!ts.isIdentifier(e)) return false;
  const declaration = declarationOf(e);
  if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer) return false;
  const init = unwrap(declaration.initializer);
  if (!ts.isNewExpression(init) || init.expression.getText() !== 'Date' || init.arguments?.length !== 1 || !sameDate(init.arguments[0], base.getText())) return false;
  const fn = enclosingFunction(declaration);
  if (!fn) return false;
  const moves = identifiersNamed(fn, e.text).filter((id) => id !== declaration.name && ts.isPropertyAccessExpression(id.parent) && id.parent.expression === id && /^set/.test(id.parent.name.text));
  if (moves.length !== 1) return false;
  const access = moves[0].parent as ts.PropertyAccessExpression;
  const part = SET_PART.exec(access.name.text);
  const call = access.parent;
  if (!part || !ts.isCallExpression(call) || call.expression !== access || call.arguments.length !== 1) return false;
  const arg = unwrap(call.arguments[0]);
  const op = sign === '+' ? ts.SyntaxKind.PlusToken : ts.SyntaxKind.MinusToken;
  if (!ts.isBinaryExpression(arg) || arg.operatorToken.kind !== op || !new RegExp(`^${e.text}\\.get${part[1] ?? ''}${part[2]}\\(\\)$`).test(arg.left.getText().replace(/\s+/g, ''))) return false;
  return withinYear(arg.right, PART_UNIT[part[2]]);
}

function sameDate(e: ts.Expression, text: string): boolean {
  return e.getText() === text || resolved(e).getText() === text;
}

function withinYear(amount: ts.Expression, unit: string): boolean {
  const n = unwrap(amount);
  const max = ADD_UNIT[unit];
  return max !== undefined && ts.isNumericLiteral(n) && Number(n.text) <= max;
}

/** Column names that hold a date when no schema says so: `date`, `day`, `startDate`, `created_at`, `createdAt`. */
export const DATE_NAME = /^(date|day|\w+Date|\w+_date|\w+At|\w+_at)$/;

/** The longest stretch back from now that still makes a window: a year of rows (`subMonths(new Date(), 3)`, 52 weeks). */
const CLOCK_WINDOW_DAYS = 366;
/** TypeORM's one-sided comparisons: `createdAt: MoreThan(cutoff)`. */
const TYPEORM_LOWER = /^(MoreThan|MoreThanOrEqual)$/;
/** A key naming one parent row: `shopId`, `user_id`, `storeId`. */
const PARENT_KEY = /(Id|_id)$/;

/**
 * One parent's rows of a recent stretch the server's clock fixes: `where: { shopId, createdAt: { gte:
 * subMonths(new Date(), 3) } }`, TypeORM `MoreThan(cutoff)`, Sequelize `[Op.gte]`, Mongo `$gte`. A shop's or a
 * user's last months of rows do not grow with the table. An end still ahead (`endDate: { gt: new Date() }`)
 * keeps one parent's live rows (a store's valid vouchers), a working set likewise. The whole table's recent rows (a school's attendance of the
 * week) grow with its users and stay reported, as does a start the client sends or a stretch longer than a year.
 */
export function recentRowsOfOneParent(where: ts.ObjectLiteralExpression, isDateColumn: (key: string) => boolean, alwaysDefined: (id: ts.Identifier) => boolean): boolean {
  let recent = false;
  let parent = false;
  for (const p of where.properties) {
    if (ts.isShorthandPropertyAssignment(p)) {
      parent ||= PARENT_KEY.test(p.name.text) && alwaysDefined(p.name);
      continue;
    }
    if (!ts.isPropertyAssignment(p)) continue;
    const key = propertyName(p.name) ?? '';
    const value = unwrap(p.initializer);
    if (PARENT_KEY.test(key)) {
      parent ||= (ts.isIdentifier(value) && alwaysDefined(value)) || (ts.isPropertyAccessExpression(value) && value.questionDotToken === undefined && !REQUEST_FIELD.test(value.getText()));
      continue;
    }
    if (isDateColumn(key)) recent ||= clockLowerBound(value);
  }
  return recent && parent;
}

function clockLowerBound(value: ts.Expression): boolean {
  let lower: ts.Expression | undefined;
  if (ts.isObjectLiteralExpression(value)) {
    for (const c of value.properties) {
      if (!ts.isPropertyAssignment(c)) continue;
      const op = propertyName(c.name) ?? c.name.getText().replace(/^\[|\]$/g, '');
      if (LOWER_KEY.test(op) || /^Op\.(gte|gt)$/.test(op)) lower = c.initializer;
    }
  } else if (ts.isCallExpression(value) && TYPEORM_LOWER.test(value.expression.getText()) && value.arguments.length === 1) {
    lower = value.arguments[0];
  }
  const days = lower && daysBeforeNow(lower);
  return days !== undefined && days <= CLOCK_WINDOW_DAYS;
}
