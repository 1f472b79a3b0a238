/**
 * How far back from now a moment lies when the code derives it from the server's clock alone: `new Date()`,
 * `Date.now()`, `subMonths(new Date(), 3)`, `dayjs().subtract(7, 'day')`, `startOfWeek(new Date())`,
 * `new Date(Date.now() - 7 * 24 * 60 * 60 * 1000)`, or a copy of now moved back in place
 * (`const d = new Date(); d.setMonth(d.getMonth() - 3)`). The TypeScript counterpart of analysis/python/time-windows.ts.
 *
 * Not from the clock: a moment the client sends (`req.query.from`), an amount the code does not fix
 * (`subDays(now, days)`), or one tied to a stored date (`user.createdAt`).
 */
import { ts } from 'ts-morph';
import { declarationOf, enclosingFunction, identifiersNamed, unwrap } from './ast';

const DAYS_PER: Record<string, number> = { milliseconds: 1 / 86_400_000, seconds: 1 / 86_400, minutes: 1 / 1440, hours: 1 / 24, days: 1, weeks: 7, months: 31, quarters: 92, years: 366 };
/** date-fns `subDays(d, n)`, `addDays(d, -n)`, `startOfWeek(d)`, `startOfDay(d)`. */
const DATE_FNS_MOVE = /^(sub|add)(Milliseconds|Seconds|Minutes|Hours|Days|Weeks|Months|Quarters|Years)$/;
const DATE_FNS_START = /^startOf(Minute|Hour|Day|Week|ISOWeek|Month|Quarter|Year|ISOWeekYear)$/;
/** `d.setDate(d.getDate() - 7)`, `d.setMonth(d.getMonth() - 3)`, `d.setFullYear(...)`, `d.setHours(0, 0, 0, 0)`. */
const SETTER_UNIT: Record<string, string> = { setDate: 'days', setUTCDate: 'days', setMonth: 'months', setUTCMonth: 'months', setFullYear: 'years', setUTCFullYear: 'years', setHours: 'hours', setUTCHours: 'hours', setMinutes: 'minutes', setUTCMinutes: 'minutes' };
/** Clock libraries called with no argument: `dayjs()`, `moment()`, `DateTime.now()` (luxon). */
const CLOCK_LIBRARY = /^(dayjs|moment|moment\.utc|dayjs\.utc|DateTime\.now|DateTime\.local|DateTime\.utc)$/;
const MAX_DEPTH = 8;

/** Days between now and the moment `expr` names (0 for now itself), or undefined when the clock alone does not fix it. */
export function daysBeforeNow(expr: ts.Expression, depth = 0): number | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const e = unwrap(expr);
  if (ts.isIdentifier(e)) return movedCopyOfNow(e, depth);
  if (ts.isNewExpression(e) && e.expression.getText() === 'Date') {
    const args = e.arguments ?? [];
    if (args.length === 0) return 0;
    if (args.length === 1) return daysBeforeNow(args[0], depth + 1) ?? millisecondsBack(args[0], depth);
    return undefined;
  }
  if (ts.isBinaryExpression(e)) return millisecondsBack(e, depth);
  if (!ts.isCallExpression(e)) return undefined;
  const callee = unwrap(e.expression);
  const name = callee.getText();
  if (name === 'Date.now' || CLOCK_LIBRARY.test(name)) return e.arguments.length === 0 ? 0 : undefined;
  if (ts.isIdentifier(callee)) {
    const move = DATE_FNS_MOVE.exec(callee.text);
    if (move && e.arguments.length === 2) {
      const base = daysBeforeNow(e.arguments[0], depth + 1);
      const n = constantNumber(e.arguments[1]);
      if (base === undefined || n === undefined) return undefined;
      const back = (move[1] === 'sub' ? n : -n) * DAYS_PER[move[2].toLowerCase()];
      return back < 0 ? base : base + back;
    }
    const start = DATE_FNS_START.exec(callee.text);
    if (start && e.arguments.length >= 1) return plus(daysBeforeNow(e.arguments[0], depth + 1), unitDays(start[1]));
    return undefined;
  }
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const method = callee.name.text;
  const receiver = callee.expression;
  // `.toDate()`, `.toJSDate()`, `.toISOString()`, `.utc()`: the same moment.
  if (/^(toDate|toJSDate|toISOString|utc|local|clone)$/.test(method) && e.arguments.length === 0) return daysBeforeNow(receiver, depth + 1);
  // dayjs / moment `.subtract(7, 'day')`, `.startOf('week')`; luxon `.minus({ days: 7 })`, `.startOf('week')`.
  if (method === 'subtract' && e.arguments.length === 2 && ts.isStringLiteralLike(e.arguments[1])) {
    const n = constantNumber(e.arguments[0]);
    return n === undefined || n < 0 ? undefined : plus(daysBeforeNow(receiver, depth + 1), n * unitDays(e.arguments[1].text));
  }
  if (method === 'startOf' && e.arguments.length === 1 && ts.isStringLiteralLike(e.arguments[0])) return plus(daysBeforeNow(receiver, depth + 1), unitDays(e.arguments[0].text));
  return undefined;
}

function plus(a: number | undefined, b: number): number | undefined {
  return a === undefined || Number.isNaN(b) ? undefined : a + b;
}

/** Days in a unit named any way (`day`, `days`, `Week`, `ISOWeek`, `month`); NaN for an unknown unit. */
function unitDays(unit: string): number {
  const key = unit.toLowerCase().replace(/^iso/, '').replace(/weekyear$/, 'year').replace(/s?$/, 's');
  return DAYS_PER[key] ?? NaN;
}

/** `Date.now() - 7 * 24 * 60 * 60 * 1000`, `now.getTime() - ONE_WEEK_MS` with a constant: milliseconds before now, as days. */
function millisecondsBack(expr: ts.Expression, depth: number): number | undefined {
  const e = unwrap(expr);
  if (!ts.isBinaryExpression(e) || e.operatorToken.kind !== ts.SyntaxKind.MinusToken) return undefined;
  const left = unwrap(e.left);
  const now = ts.isCallExpression(left) && ts.isPropertyAccessExpression(left.expression) && left.expression.name.text === 'getTime' ? daysBeforeNow(left.expression.expression, depth + 1) : daysBeforeNow(left, depth + 1);
  const ms = constantNumber(e.right);
  return now === undefined || ms === undefined || ms < 0 ? undefined : now + ms / 86_400_000;
}

/** A number the code fixes: a literal, arithmetic of literals, or a `const` holding one. */
function constantNumber(expr: ts.Expression, depth = 0): number | undefined {
  const e = unwrap(expr);
  if (ts.isNumericLiteral(e)) return Number(e.text.replace(/_/g, ''));
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken) {
    const n = constantNumber(e.operand, depth);
    return n === undefined ? undefined : -n;
  }
  if (ts.isBinaryExpression(e)) {
    const a = constantNumber(e.left, depth);
    const b = constantNumber(e.right, depth);
    if (a === undefined || b === undefined) return undefined;
    switch (e.operatorToken.kind) {
      case ts.SyntaxKind.AsteriskToken: return a * b;
      case ts.SyntaxKind.PlusToken: return a + b;
      case ts.SyntaxKind.MinusToken: return a - b;
      default: return undefined;
    }
  }
  if (ts.isIdentifier(e) && depth < 3) {
    const declaration = declarationOf(e);
    if (declaration && ts.isVariableDeclaration(declaration) && declaration.initializer && isConst(declaration)) return constantNumber(declaration.initializer, depth + 1);
  }
  return undefined;
}

function isConst(declaration: ts.VariableDeclaration): boolean {
  return ts.isVariableDeclarationList(declaration.parent) && (declaration.parent.flags & ts.NodeFlags.Const) !== 0;
}

/**
 * A name bound once to a moment from the clock (`const cutoff = subDays(new Date(), 7)`), or a `new Date()` the
 * function then moves back in place (`d.setMonth(d.getMonth() - 3)`): every use of the name other than reading it is
 * such a setter with a fixed amount.
 */
function movedCopyOfNow(id: ts.Identifier, depth: number): number | undefined {
  const declaration = declarationOf(id);
  if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer || !ts.isIdentifier(declaration.name)) return undefined;
  const base = daysBeforeNow(declaration.initializer, depth + 1);
  if (base === undefined) return undefined;
  const fn = enclosingFunction(declaration) ?? declaration.getSourceFile();
  let back = base;
  for (const use of identifiersNamed(fn, id.text)) {
    if (use === declaration.name || declarationOf(use) !== declaration) continue;
    const parent = use.parent;
    // A reassignment (`d = req.query.from`) loses track of the moment.
    if (ts.isBinaryExpression(parent) && parent.left === use && parent.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && parent.operatorToken.kind <= ts.SyntaxKind.LastAssignment) return undefined;
    if (!ts.isPropertyAccessExpression(parent) || parent.expression !== use || !ts.isCallExpression(parent.parent) || parent.parent.expression !== parent) continue;
    const unit = SETTER_UNIT[parent.name.text];
    if (!unit) continue;
    const moved = setterDays(parent.parent, id.text, unit);
    if (moved === undefined) return undefined;
    back += moved;
  }
  return back;
}

/** `d.setMonth(d.getMonth() - 3)` → 3 months; `d.setHours(0, 0, 0, 0)` → up to a day back; anything else unknown. */
function setterDays(call: ts.CallExpression, name: string, unit: string): number | undefined {
  const first = call.arguments[0] && unwrap(call.arguments[0]);
  if (!first) return undefined;
  if (unit === 'hours' || unit === 'minutes') return ts.isNumericLiteral(first) ? DAYS_PER[unit === 'hours' ? 'days' : 'hours'] : undefined;
  if (!ts.isBinaryExpression(first)) return undefined;
  const left = unwrap(first.left);
  if (!ts.isCallExpression(left) || !ts.isPropertyAccessExpression(left.expression) || left.expression.expression.getText() !== name || !/^get(UTC)?(Date|Month|FullYear)$/.test(left.expression.name.text)) return undefined;
  const n = constantNumber(first.right);
  if (n === undefined) return undefined;
  const back = first.operatorToken.kind === ts.SyntaxKind.MinusToken ? n : first.operatorToken.kind === ts.SyntaxKind.PlusToken ? -n : undefined;
  if (back === undefined) return undefined;
  return Math.max(back, 0) * DAYS_PER[unit];
}
