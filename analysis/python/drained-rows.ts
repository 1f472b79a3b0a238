/**
 * Rows one owner holds only until the app turns them into something else and deletes them all: a cart's items,
 * copied into an order's lines at checkout and then cleared (`CartItem.objects.filter(user=request.user).delete()`,
 * `items = Basket.objects.filter(owner=user)` ... `items.delete()`). What one owner has of such a model is the open
 * set of the moment (a handful), not a history, however the model is named.
 *
 * The code must show the whole workflow in one function: a delete of every row of the model that one owner's filter
 * picks, a loop in that function, and a write of rows of another model there (`OrderItem.objects.create(...)`,
 * `Order(...)` then `.save()`, `serializer.save(...)`). A delete alone is not enough: "clear all notifications" is a
 * button a user may never press, and the rows pile up until then.
 *
 * Read from the text of every module (a project fact built once per project state, each module's share kept while
 * its text is unchanged), like owner-caps.ts and expiring-rows.ts.
 */
import type { ProjectInfo } from '../../rules/api';
import { projectTexts } from '../project-texts';
import { bodyOf } from './expiring-rows';
import { indentWidth, linesHolding, linesOf } from '../line-starts';

/** One owner's rows of `model`, picked by filters with these keys, are drained when converted. */
export interface DrainedRows {
  model: string;
  /** The first step of each keyword of the deleting filter, without `_id`. */
  keys: string[];
}

const DEF = /^(\s*)(?:async\s+)?def\s+\w+/;
/** `Model.objects.filter(...).delete()` on one line. */
const CHAINED_DELETE = /(?<![\w.])([A-Z]\w*)\.objects\.filter\(([^()\n]*)\)\.delete\(\)/g;
/** `rows = Model.objects.filter(...)` (one line), later `rows.delete()`. */
const FILTERED = /(?<![\w.])(\w+)\s*=\s*([A-Z]\w*)\.objects\.filter\(([^()\n]*)\)\s*$/gm;
/** Rows of a named model written: `X.objects.create(`, `X.objects.bulk_create(`, `X(` with keywords. */
const MANAGER_CREATE = /(?<![\w.])([A-Z]\w*)\.objects\.(?:create|bulk_create|get_or_create)\(/g;
const CONSTRUCTED = /(?<![\w.])([A-Z]\w*)\(\s*\w+\s*=/g;
/** A form or serializer saving its model (the model is not named here: another model than the drained one). */
const FORM_SAVE = /\b\w*(serializer|form)\.save\(/;
/** Keys that pick one row or a batch of rows, not one owner's rows. */
const NOT_OWNER_KEY = /^(pk|id|in)$/;
const LITERAL = /^(True|False|None|-?\d[\w.]*|[rbuf]?["'].*)$/;

const perFile = new WeakMap<ProjectInfo, Map<string, { text: string; drains: DrainedRows[] }>>();

/** Every drain of the project's Python modules (the edited module's from its current text). */
export function projectDrainedRows(project: ProjectInfo, current: { relPath: string; text: string }): DrainedRows[] {
  const texts = projectTexts(project, current);
  const out: DrainedRows[] = [];
  for (const rel of texts.files) {
    if (!rel.endsWith('.py')) continue;
    const text = rel === current.relPath ? current.text : texts.text(rel);
    if (text !== undefined) out.push(...drainsOfModule(project, rel, text));
  }
  return out;
}

/** One module's drains, from its last text's when unchanged. */
export function drainsOfModule(project: ProjectInfo, rel: string, text: string): DrainedRows[] {
  let cache = perFile.get(project);
  if (!cache) perFile.set(project, (cache = new Map()));
  const known = cache.get(rel);
  if (known && known.text === text) return known.drains;
  const drains = /\.delete\(\)/.test(text) && /\bfor\b/.test(text) ? drainsOf(text) : [];
  cache.set(rel, { text, drains });
  return drains;
}

/** One owner's rows of `model`, picked by filters with these keys, are drained by some workflow of the app. */
export function drainedByApp(drains: readonly DrainedRows[], model: string, keys: readonly string[]): boolean {
  return drains.some((d) => d.model === model && d.keys.length > 0 && d.keys.every((k) => keys.includes(k)));
}

/** The drains of one module's text: per function, an owner-wide delete beside a loop and another model's write. */
export function drainsOf(text: string): DrainedRows[] {
  const lines = linesOf(text);
  const out: DrainedRows[] = [];
  for (const i of defsAroundDeletes(lines, linesHolding(text, ['.delete()']))) {
    const body = bodyOf(lines, i, DEF.exec(lines[i])![1].length);
    if (!/^\s*for\s/m.test(body)) continue;
    for (const drain of ownerDeletes(body)) {
      if (writesOtherModel(body, drain.model)) out.push(drain);
    }
  }
  return out;
}

/**
 * The lines of the defs whose bodies (bodyOf: the lines after the def until one indented no deeper) hold one of
 * these lines, in order: found by walking up from each such line, where a test of every line of a 5,000-line views
 * module for a def, and the body of each, cost two milliseconds a keystroke.
 */
function defsAroundDeletes(lines: readonly string[], deletes: readonly number[]): number[] {
  const defs = new Set<number>();
  for (const at of deletes) {
    let minIndent = indentWidth(lines[at]);
    for (let j = at - 1; j >= 0 && minIndent > 0; j--) {
      if (!lines[j].trim()) continue;
      const indent = indentWidth(lines[j]);
      if (indent < minIndent) {
        if (DEF.test(lines[j])) defs.add(j);
        minIndent = indent;
      }
    }
  }
  return [...defs].sort((a, b) => a - b);
}

/** Deletes of every row one owner's filter picks, chained or through a variable. */
function ownerDeletes(body: string): DrainedRows[] {
  const out: DrainedRows[] = [];
  const add = (model: string, args: string) => {
    const keys = ownerKeys(args);
    if (keys) out.push({ model, keys });
  };
  for (const m of body.matchAll(CHAINED_DELETE)) add(m[1], m[2]);
  for (const m of body.matchAll(FILTERED)) {
    if (new RegExp(`(?<![\\w.])${m[1]}\\.delete\\(\\)`).test(body.slice(m.index + m[0].length))) add(m[2], m[3]);
  }
  return out;
}

/**
 * The keys of a filter's keyword arguments (first step, without `_id`) when every argument is `key=value` and none
 * picks one row or a batch: undefined otherwise.
 */
function ownerKeys(args: string): string[] | undefined {
  const parts = args.split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) return undefined;
  const keys: string[] = [];
  for (const part of parts) {
    const m = /^(\w+)\s*=(?!=)\s*(.*)$/.exec(part);
    // A flag or a constant (`is_superuser=True`, `status="open"`) picks a kind of rows, not one owner's.
    if (!m || LITERAL.test(m[2])) return undefined;
    const steps = m[1].split('__');
    if (steps.some((s) => NOT_OWNER_KEY.test(s))) return undefined;
    keys.push(steps[0].replace(/_id$/, ''));
  }
  return keys;
}

/** The body writes rows of a model other than `model`. */
function writesOtherModel(body: string, model: string): boolean {
  if (FORM_SAVE.test(body)) return true;
  for (const m of body.matchAll(MANAGER_CREATE)) if (m[1] !== model) return true;
  if (!/\.save\(\)/.test(body)) return false;
  for (const m of body.matchAll(CONSTRUCTED)) if (m[1] !== model && !/^(Q|F|Response|JsonResponse|Decimal|dict|ValidationError)$/.test(m[1])) return true;
  return false;
}
