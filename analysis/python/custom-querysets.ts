/**
 * A project's own QuerySet and Manager methods (Django's documented custom managers: `class OrderQuerySet(
 * models.QuerySet)` with `objects = OrderQuerySet.as_manager()`, `Manager.from_queryset(...)`, or a Manager whose
 * `get_queryset()` returns the QuerySet class), read for what they do to the rows they are called on:
 *
 * - `whole`: some path keeps every row: `return self`, `self.all()`, or an optional filter
 *   (`if not query: return self.all()` then `return self.filter(...)`);
 * - `search`: a text search (`title__icontains=query`): an empty query matches every row;
 * - `filtered`: a fixed or parameter filter (`filter(featured=True)`, `filter(status=status)`);
 * - `scoped`: one owner's rows (a method taking `request`/`user`, or a lookup through a user or owner key);
 * - `bounded`: one row or a slice (`filter(pk=...)`, `[:5]`);
 * - `unknown`: anything else (a tuple, a count, a raw query, a method not found).
 *
 * Read from the class texts (project-classes.ts), so the answer follows a manager into another module.
 */
import { statementTextId } from '../cache';

const PASS = new Set(['all', 'order_by', 'distinct', 'select_related', 'prefetch_related', 'only', 'defer', 'reverse', 'using', 'annotate', 'alias']);
const TEXT_SEARCH = /__(i?contains|i?startswith|i?endswith|i?regex|search|trigram_similar|unaccent)\s*=\s*(?!["'\d]|True\b|False\b|None\b)/;
const ONE_ROW = /(^|[(,\s])(pk|id|pk__exact|id__exact|pk__in|id__in)\s*=/;
const OWNER_KEY = /(^|[(,\s])(user|owner|author|creator|created_by|customer|profile|account|billing_profile)(_id)?(__\w+)?\s*=\s*(?!["'\d]|True\b|False\b|None\b)/;
/** Rows still to come (`date__gte=timezone.now()`): the upcoming few, not the table's history. */
const UPCOMING = /__(gte?|range)\s*=\s*[^,)]*\b(now|today|utcnow)\b/;
/** A period fixed in the code (`date__lt="2016-01-01"`): a closed slice of history that no longer grows. */
const FIXED_PERIOD = /__(lte?|gte?|range|year)\s*=\s*(["'\d]|\(\s*["'\d])/;
const OWNER_PARAMETER = /\b(request|user|owner|customer|profile|account)\b/;

export type CustomMethodKind = 'whole' | 'search' | 'filtered' | 'scoped' | 'bounded' | 'unknown';
/** Worst first: a path that may keep every row decides a method's kind. */
const ORDER: CustomMethodKind[] = ['unknown', 'whole', 'search', 'filtered', 'scoped', 'bounded'];
/** Narrowest last: the steps of one chain. */
const CHAIN_ORDER: CustomMethodKind[] = ['whole', 'filtered', 'search', 'scoped', 'bounded'];
const MAX_DEPTH = 4;

/** Class texts by name (the project's other modules and the current one). */
export type ClassTexts = (name: string) => string | undefined;

/** The classes whose methods `Model.<manager>` offers: the manager class, and the QuerySet class it is built on. */
export function managerClasses(manager: string, classText: ClassTexts): string[] {
  const text = classText(manager);
  if (!text || !/^class[ \t]+\w+[ \t]*\([^)]*(QuerySet|Manager)/.test(text)) return [];
  const out = [manager];
  const getQueryset = methodBody(text, 'get_queryset');
  const built = getQueryset ? /return\s+(\w+)\(\s*self\.model/.exec(getQueryset)?.[1] : undefined;
  if (built && classText(built)) out.push(built);
  return out;
}

/** What a custom method named `method` of these classes does to the rows it is called on. */
export function customMethodKind(classes: string[], method: string, classText: ClassTexts, depth = 0, querysetFirst = false): CustomMethodKind {
  if (depth > MAX_DEPTH) return 'unknown';
  for (const cls of querysetFirst ? [...classes].reverse() : classes) {
    const body = methodBody(classText(cls) ?? '', method);
    if (body !== undefined) return bodyKind(body, classes, classText, depth);
  }
  return 'unknown';
}

/** A method's text (header included) in a class text, or undefined. */
function methodBody(classText: string, method: string): string | undefined {
  const m = new RegExp(`^([ \\t]+)def[ \\t]+${method}[ \\t]*\\(`, 'm').exec(classText);
  if (!m) return undefined;
  const rest = classText.slice(m.index);
  const end = new RegExp(`\\n(?=[ \\t]{0,${m[1].length}}\\S)`).exec(rest.slice(1));
  return end ? rest.slice(0, end.index + 1) : rest;
}

function bodyKind(body: string, classes: string[], classText: ClassTexts, depth: number): CustomMethodKind {
  const params = /\(([^)]*)\)/.exec(body)?.[1] ?? '';
  const ownerParameter = OWNER_PARAMETER.test(params.replace(/^\s*self\s*,?/, ''));
  const returns = logicalStatements(body).filter((s) => /^return\b/.test(s)).map((s) => s.replace(/^return\s*/, ''));
  if (returns.length === 0) return 'unknown';
  let worst: CustomMethodKind = 'bounded';
  for (const value of returns) {
    const kind = expressionKind(expand(value, body), body, classes, classText, depth, ownerParameter);
    if (ORDER.indexOf(kind) < ORDER.indexOf(worst)) worst = kind;
  }
  return worst;
}

/** A returned name replaced by what it was last assigned (`qs = self.filter(...)`; `return qs`), once. */
function expand(value: string, body: string): string {
  const name = /^(\w+)$/.exec(value.trim())?.[1];
  if (!name || name === 'self') return value;
  const assigned = logicalStatements(body).filter((s) => new RegExp(`^${name}\\s*=[^=]`).test(s));
  return assigned.length === 1 ? assigned[0].replace(/^\w+\s*=\s*/, '') : '?';
}

function expressionKind(value: string, body: string, classes: string[], classText: ClassTexts, depth: number, ownerParameter: boolean): CustomMethodKind {
  const text = value.trim();
  const start = /^(self\.get_queryset\(\s*\)|super\([^)]*\)\.get_queryset\(\s*\)|self\b)/.exec(text);
  if (!start) return 'unknown';
  const steps = chainSteps(text.slice(start[0].length));
  if (!steps) return 'unknown';
  let kind: CustomMethodKind = 'whole';
  const raise = (k: CustomMethodKind) => {
    // Within one chain the narrowest step decides: `self.search(q).filter(user=u)` is one owner's rows; a search
    // over a fixed filter (`self.active().search(q)`) still matches every active row for an empty query.
    if (CHAIN_ORDER.indexOf(k) > CHAIN_ORDER.indexOf(kind)) kind = k;
  };
  for (const step of steps) {
    if (PASS.has(step.name)) continue;
    if (step.name === 'filter' || step.name === 'exclude') {
      // `filter(lookups)` after `lookups = Q(title__icontains=q) | Q(...)`: the lookups as assigned.
      const args = /^\s*\w+\s*$/.test(step.args) ? expand(step.args, body) : step.args;
      if (args === '?') return 'unknown';
      // `Q(title__icontains=q) | Q(id__exact=q)`: an OR with a text search matches broadly.
      if (TEXT_SEARCH.test(args) && (args.includes('|') || !ONE_ROW.test(args))) raise(step.name === 'filter' ? 'search' : 'whole');
      else if (step.name === 'filter' && (ONE_ROW.test(args) || UPCOMING.test(args) || FIXED_PERIOD.test(args))) raise('bounded');
      else if (step.name === 'filter' && (OWNER_KEY.test(args) || ownerParameter)) raise('scoped');
      else raise('filtered');
      continue;
    }
    // Called on a queryset (`self.get_queryset().by_request(r)` in the manager): the QuerySet class's method first.
    const inner = customMethodKind(classes, step.name, classText, depth + 1, true);
    if (inner === 'unknown') return 'unknown';
    raise(inner === 'whole' ? 'whole' : inner);
  }
  return kind;
}

/** `.filter(a=b).order_by("-x")` as steps; undefined for anything else (a slice, an attribute, a call of a call). */
function chainSteps(rest: string): { name: string; args: string }[] | undefined {
  const out: { name: string; args: string }[] = [];
  let i = 0;
  while (i < rest.length) {
    const m = /^\s*\.\s*(\w+)\s*\(/.exec(rest.slice(i));
    if (!m) return rest.slice(i).trim() === '' ? out : undefined;
    let j = i + m[0].length;
    let open = 1;
    for (; j < rest.length && open > 0; j++) {
      if (rest[j] === '(') open++;
      else if (rest[j] === ')') open--;
    }
    if (open !== 0) return undefined;
    out.push({ name: m[1], args: rest.slice(i + m[0].length, j - 1) });
    i = j;
  }
  return out;
}

/** The method's statements as logical lines (continuations inside brackets joined), stripped. */
function logicalStatements(body: string): string[] {
  const out: string[] = [];
  let current = '';
  let open = 0;
  for (const line of body.split('\n').slice(1)) {
    const code = line.replace(/#.*$/, '');
    current += (current ? ' ' : '') + code.trim();
    for (const c of code) open += c === '(' || c === '[' || c === '{' ? 1 : c === ')' || c === ']' || c === '}' ? -1 : 0;
    if (open <= 0) {
      if (current) out.push(current);
      current = '';
      open = 0;
    }
  }
  return out;
}

const CUSTOM_CLASS = /^class[ \t]+\w+[ \t]*\([^)]*(QuerySet|Manager)/;
/** CUSTOM_CLASS on any line of a module: without it, no class of the module counts in customQuerysetStamp. */
export const CUSTOM_CLASS_HEADER = new RegExp(CUSTOM_CLASS.source, 'm');
const STAMPS = new WeakMap<ReadonlyMap<string, string | null>, string>();

/**
 * Changes when a project QuerySet or Manager class text changes (in `others`, the project's other modules' classes,
 * or in `own`, the current module's): what findings read through these classes depend on.
 */
export function customQuerysetStamp(others: ReadonlyMap<string, string | null>, own: ReadonlyMap<string, string>): string {
  let stamp = STAMPS.get(others);
  if (stamp === undefined) {
    stamp = [...others.values()].filter((t): t is string => !!t && CUSTOM_CLASS.test(t)).map((t) => statementTextId(t)).join(',');
    STAMPS.set(others, stamp);
  }
  const local = [...own.values()].filter((t) => CUSTOM_CLASS.test(t)).map((t) => statementTextId(t));
  return `${stamp};${local.join(',')}`;
}
