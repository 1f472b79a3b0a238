/**
 * Caps the app itself puts on one owner's rows: a check before a row is made that refuses one more once an owner has
 * N (`if len(docs) >= 5: return Response(status=400)`, `if qs.count() >= MAX_ITEMS: raise ValidationError`, one per
 * owner with `if qs.exists(): raise ...`), in a view, a serializer's `validate`, a form's `clean` or a model's
 * `save`. One owner's rows of that model are then at most N, however the table is named: not an all-time history.
 *
 * Read from the text of every module (a project fact built once per project state, each module's share kept while
 * its text is unchanged). Only a cap of a page or less counts (MAX_FEW): a cap of a thousand is no promise of few.
 */
import type { ProjectInfo } from '../../rules/api';
import { indentWidth, linesHolding, linesOf } from '../line-starts';
import { projectTexts } from '../project-texts';

/** The largest cap that still keeps one owner's rows to about a page. */
export const MAX_FEW = 50;

export interface OwnerCap {
  /** The model class whose rows are counted. */
  model: string;
  /** The first step of each keyword of the counted filter, without `_id`: the cap holds per these keys together. */
  keys: string[];
  /** At most this many rows per owner. */
  limit: number;
}

const CAP_TEST = /^(\s*)(?:el)?if\s+(?:len\((.+)\)|(.+)\.count\(\))\s*(>=|>|==)\s*(\d+|[A-Z][A-Z0-9_]*)\s*:\s*(.*)$/;
const EXISTS_TEST = /^(\s*)(?:el)?if\s+(.+)\.exists\(\)\s*:\s*(.*)$/;
const MANAGER_FILTER = /^([A-Z]\w*)\.objects\.filter\((.*)\)$/;
const REFUSES = /\b(return|raise)\b/;
/** Where a count check guards a write: the write follows, or the framework saves after this hook passes. */
const WRITES_AFTER = /\.(save|create|get_or_create|bulk_create)\(/;
/** What CAP_TEST or EXISTS_TEST needs on a line. */
const COUNTING_CALLS = ['len(', '.count()', '.exists()'];
const GUARD_HOOK = /^(validate\w*|clean\w*|save|perform_create|create|form_valid)$/;

const perFile = new WeakMap<ProjectInfo, Map<string, { text: string; caps: OwnerCap[] }>>();

/** Every owner cap of the project's Python modules (the edited module's from its current text). */
export function projectOwnerCaps(project: ProjectInfo, current: { relPath: string; text: string }): OwnerCap[] {
  const texts = projectTexts(project, current);
  const out: OwnerCap[] = [];
  for (const rel of texts.files) {
    if (!rel.endsWith('.py')) continue;
    const text = rel === current.relPath ? current.text : texts.text(rel);
    if (text !== undefined) out.push(...capsOfModule(project, rel, text));
  }
  return out;
}

export function capsOfModule(project: ProjectInfo, rel: string, text: string): OwnerCap[] {
  let cache = perFile.get(project);
  if (!cache) perFile.set(project, (cache = new Map()));
  const known = cache.get(rel);
  if (known && known.text === text) return known.caps;
  const caps = /\.(count|exists)\(\)|\blen\(/.test(text) ? ownerCapsOf(text) : [];
  cache.set(rel, { text, caps });
  return caps;
}

/** One owner's rows of `model`, picked by filters with these keys, are capped by some check of the app. */
export function cappedByApp(caps: readonly OwnerCap[], model: string, keys: readonly string[]): boolean {
  return caps.some((cap) => cap.model === model && cap.keys.length > 0 && cap.keys.every((k) => keys.includes(k)));
}

/** The owner caps one module's text declares. */
export function ownerCapsOf(text: string): OwnerCap[] {
  const lines = linesOf(text);
  const out: OwnerCap[] = [];
  // Both tests need one of these calls on the line: only those lines are read (the patterns on each line of a
  // 5,000-line views module cost a millisecond a keystroke).
  for (const i of linesHolding(text, COUNTING_CALLS)) {
    const line = lines[i];
    const cap = CAP_TEST.exec(line);
    const exists = cap ? undefined : EXISTS_TEST.exec(line);
    if (!cap && !exists) continue;
    const indent = (cap ?? exists)![1].length;
    const tail = cap ? cap[6] : exists![3];
    if (!refuses(lines, i, indent, tail) || !guardsWrite(lines, i, indent)) continue;
    const limit = cap ? limitOf(cap[5], cap[4], text) : 1;
    if (limit === undefined || limit < 1 || limit > MAX_FEW) continue;
    const counted = resolve((cap ? cap[2] ?? cap[3] : exists![2]).trim(), lines, i);
    const filter = counted ? MANAGER_FILTER.exec(counted) : undefined;
    if (!filter) continue;
    const keys = keywordKeys(filter[2]);
    if (keys.length > 0) out.push({ model: filter[1], keys, limit });
  }
  return out;
}

/** The if's body refuses: `return`/`raise` on its line or the lines indented under it. */
function refuses(lines: readonly string[], at: number, indent: number, tail: string): boolean {
  if (tail.trim()) return REFUSES.test(tail);
  for (let j = at + 1; j < lines.length; j++) {
    if (!lines[j].trim()) continue;
    if (indentWidth(lines[j]) <= indent) return false;
    if (REFUSES.test(lines[j])) return true;
  }
  return false;
}

/** The check guards a write: the enclosing function writes after it, or is a hook the framework saves after. */
function guardsWrite(lines: readonly string[], at: number, indent: number): boolean {
  let fnIndent = -1;
  for (let j = at - 1; j >= 0; j--) {
    const def = /^(\s*)(?:async\s+)?def\s+(\w+)/.exec(lines[j]);
    if (def && def[1].length < indent) {
      if (GUARD_HOOK.test(def[2])) return true;
      fnIndent = def[1].length;
      break;
    }
  }
  if (fnIndent < 0) return false;
  for (let j = at + 1; j < lines.length; j++) {
    if (lines[j].trim() && indentWidth(lines[j]) <= fnIndent) break;
    if (WRITES_AFTER.test(lines[j])) return true;
  }
  return false;
}

/** `5`, or a module constant `MAX_DOCUMENTS = 5`; `> N` allows N rows and refuses the next. */
function limitOf(bound: string, op: string, text: string): number | undefined {
  const value = /^\d+$/.test(bound) ? Number(bound) : Number(new RegExp(`^${bound}\\s*(?::\\s*int\\s*)?=\\s*(\\d+)\\s*$`, 'm').exec(text)?.[1] ?? NaN);
  if (Number.isNaN(value)) return undefined;
  return op === '>' ? value + 1 : value;
}

/** The counted expression, or the queryset a variable holding it was given in the same function. */
function resolve(expr: string, lines: readonly string[], at: number): string | undefined {
  if (!/^\w+$/.test(expr)) return expr;
  for (let j = at - 1; j >= 0 && at - j <= 40; j--) {
    if (/^\s*(?:async\s+)?def\s/.test(lines[j])) return undefined;
    const assign = new RegExp(`^\\s*${expr}\\s*=\\s*(.+?)\\s*$`).exec(lines[j]);
    if (assign) return assign[1];
  }
  return undefined;
}

/** The first step of each keyword of a filter's arguments, without `_id` (`customer=c, kind__in=k` -> customer, kind). */
function keywordKeys(args: string): string[] {
  const keys = new Set<string>();
  for (const m of args.matchAll(/(?:^|[,(]\s*)(\w+)\s*=(?!=)/g)) keys.add(m[1].split('__')[0].replace(/_id$/, ''));
  return [...keys];
}
