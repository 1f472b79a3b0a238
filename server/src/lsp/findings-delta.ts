/**
 * Findings of an open document sent from the analysis worker to the server as a delta against the list the
 * server already holds: a keystroke changes the findings of the edited statements, and every finding after the
 * edit moves by the same number of characters and lines. The worker sends the unchanged head and the moved tail
 * as counts and only the findings in between in full, so a keystroke in a file with 1,000 findings does not copy
 * (serialise, send, deserialise) 1,000 findings. A finding goes into the head or tail only when moving the old
 * one by the shift rebuilds it exactly (every field compared), so the server's rebuilt list always equals the
 * worker's.
 */
import type { Range } from '../engine/text';
import type { Finding, Fix, TextEdit } from '../engine/types';

export interface FindingsDelta {
  /** Id of the list this delta applies to (the server's `have`). */
  base: string;
  /** The first `head` findings are the base's first ones, unchanged (the same objects on the server). */
  head: number;
  /** The last `tail` findings are the base's last ones moved by `offset` UTF-16 units and `lines` lines. */
  tail: number;
  offset: number;
  lines: number;
  /** The findings in between, in full. */
  middle: Finding[];
}

/** The delta from `base` to `next`; `shift` is how far text after the edit moved (text length and line count). */
export function findingsDelta(baseId: string, base: readonly Finding[], next: readonly Finding[], shift: { offset: number; lines: number }): FindingsDelta {
  const max = Math.min(base.length, next.length);
  let head = 0;
  while (head < max && sameFinding(base[head], next[head], 0, 0)) head++;
  let tail = 0;
  while (tail < max - head && sameFinding(base[base.length - 1 - tail], next[next.length - 1 - tail], shift.offset, shift.lines)) tail++;
  return { base: baseId, head, tail, offset: shift.offset, lines: shift.lines, middle: next.slice(head, next.length - tail) };
}

/** The list a delta describes. Unchanged findings are the base's objects. */
export function applyFindingsDelta(base: readonly Finding[], delta: FindingsDelta): Finding[] {
  if (delta.head + delta.tail > base.length) throw new Error(`a findings delta of ${delta.head} + ${delta.tail} findings against a list of ${base.length}`);
  const out = base.slice(0, delta.head);
  for (const f of delta.middle) out.push(f);
  for (let i = base.length - delta.tail; i < base.length; i++) out.push(moved(base[i], delta.offset, delta.lines));
  return out;
}

export function moved(f: Finding, offset: number, lines: number): Finding {
  if (offset === 0 && lines === 0) return f;
  return {
    ...f,
    start: f.start + offset,
    end: f.end + offset,
    range: movedRange(f.range, lines),
    fixes: f.fixes.map((fix) => ({ ...fix, edits: fix.edits.map((e) => ({ ...e, start: e.start + offset, end: e.end + offset, range: movedRange(e.range, lines) })) })),
  };
}

function movedRange(r: Range, lines: number): Range {
  return { start: { line: r.start.line + lines, character: r.start.character }, end: { line: r.end.line + lines, character: r.end.character } };
}

/** Whether `b` is `a` moved by `offset` and `lines`: the positions shifted, every other field equal. */
export function sameFinding(a: Finding, b: Finding, offset: number, lines: number): boolean {
  if (a.start + offset !== b.start || a.end + offset !== b.end || !sameMovedRange(a.range, b.range, lines)) return false;
  const keys = Object.keys(b) as (keyof Finding)[];
  if (keys.length !== Object.keys(a).length) return false;
  for (const k of keys) {
    if (k === 'start' || k === 'end' || k === 'range') continue;
    if (k === 'fixes') {
      if (!sameFixes(a.fixes, b.fixes, offset, lines)) return false;
    } else if (!equalValues(a[k], b[k])) return false;
  }
  return true;
}

function sameFixes(a: readonly Fix[], b: readonly Fix[], offset: number, lines: number): boolean {
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const keys = Object.keys(b[i]) as (keyof Fix)[];
    if (keys.length !== Object.keys(a[i]).length) return false;
    for (const k of keys) {
      if (k === 'edits') {
        if (!sameEdits(a[i].edits, b[i].edits, offset, lines)) return false;
      } else if (!equalValues(a[i][k], b[i][k])) return false;
    }
  }
  return true;
}

function sameEdits(a: readonly TextEdit[], b: readonly TextEdit[], offset: number, lines: number): boolean {
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x.start + offset !== y.start || x.end + offset !== y.end || x.newText !== y.newText || !sameMovedRange(x.range, y.range, lines)) return false;
    if (Object.keys(x).length !== 4 || Object.keys(y).length !== 4) return false; // a field this comparison does not know
  }
  return true;
}

function sameMovedRange(a: Range, b: Range, lines: number): boolean {
  return (
    a.start.line + lines === b.start.line && a.start.character === b.start.character &&
    a.end.line + lines === b.end.line && a.end.character === b.end.character
  );
}

/** Deep equality of plain data (strings, numbers, arrays, plain objects). */
function equalValues(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equalValues(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!equalValues((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}

/** The server's side: the findings list it last received per document, to apply the next delta to. */
export class ReceivedFindings {
  private readonly lists = new Map<string, { id: string; findings: Finding[] }>();

  /** The id to send as the next lint request's `have`. */
  have(uri: string): string | undefined {
    return this.lists.get(uri)?.id;
  }

  /**
   * The reply's findings (rebuilt from its delta) and remembered as the document's list; undefined when the delta
   * is against a list this server no longer holds (the document was reopened meanwhile): analyse again in full.
   */
  accept(uri: string, id: string | undefined, findings: Finding[], delta: FindingsDelta | undefined): Finding[] | undefined {
    let list = findings;
    if (delta) {
      const base = this.lists.get(uri);
      if (!base || base.id !== delta.base) {
        this.lists.delete(uri);
        return undefined;
      }
      list = applyFindingsDelta(base.findings, delta);
    }
    if (id === undefined) this.lists.delete(uri);
    else this.lists.set(uri, { id, findings: list });
    return list;
  }

  forget(uri: string): void {
    this.lists.delete(uri);
  }
}
