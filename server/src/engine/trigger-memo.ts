/**
 * Rule triggers (a regex over the file's text, tried before a rule runs) answered per chunk of lines on the
 * language server's keystroke path. A chunk runs from a line that starts at column 0 with a non-space character to
 * the next such line, so a keystroke changes one chunk and the others keep their text and their answers: each
 * trigger is then tried on the changed chunk only, not over the whole 5,000-line file (18 triggers over a real
 * 3,400-line module cost ~9 ms per keystroke).
 *
 * Exact by construction, regex by regex:
 * - a "line-local" trigger cannot match or look past a line break (no `\s`, `[^...]`, `$`, lookarounds; `.` without
 *   the s flag stops at one): a match
 *   lies within one line, so it matches the text exactly when it matches one of its chunks;
 * - a "chunk-safe" trigger (no anchors, lookarounds or `\B`, but it may cross lines) matching inside a chunk matches
 *   the text; when no chunk matches it is tried on the whole text;
 * - anything else (a custom `test`, flags g/y/s) is tried on the whole text, as before.
 */
import type { TextTrigger } from '../../../rules/api';
import { PiecesByPlace } from '../../../analysis/cache';
import { lineStartsOf } from '../../../analysis/line-starts';

type Answers = Map<TextTrigger, boolean>;

/** Constructs that may match or inspect a line break, or that answer differently at a chunk's edge. */
function classify(trigger: TextTrigger): 'line-local' | 'chunk-safe' | 'whole' {
  if (!(trigger instanceof RegExp) || /[gys]/.test(trigger.flags)) return 'whole';
  const src = trigger.source;
  let crossesLines = false;
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c.charCodeAt(0) < 0x20) return 'whole';
    if (c === '\\') {
      const e = src[i + 1] ?? '';
      i++;
      if (e === 'B') return 'whole';
      // \s \S \W \D \n \r and numeric escapes (\x0a, \u000a, \0, \cJ, \p{...}) may match a line break
      if (/[sSWDnrvxuc0pP]/.test(e)) crossesLines = true;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      if (src[i + 1] === '^') crossesLines = true;
      continue;
    }
    if (c === '$') return 'whole';
    if (c === '^' && !trigger.flags.includes('m')) return 'whole';
    if (c === '(' && src[i + 1] === '?' && src[i + 2] !== ':') return 'whole'; // lookarounds, named groups
  }
  return crossesLines ? 'chunk-safe' : 'line-local';
}

const kinds = new WeakMap<object, ReturnType<typeof classify>>();

function kindOf(trigger: TextTrigger): ReturnType<typeof classify> {
  let kind = kinds.get(trigger);
  if (kind === undefined) kinds.set(trigger, (kind = classify(trigger)));
  return kind;
}

/**
 * The text cut before every line that starts with a non-space character after a `\n`; each chunk keeps its line
 * break. From the text's shared line starts (analysis/line-starts.ts), not a walk over its characters.
 */
export function lineChunks(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  const starts = lineStartsOf(text);
  for (let i = 1; i < starts.length; i++) {
    const at = starts[i];
    // after a `\n` (not a lone CR), and not the text's end
    if (at >= text.length || text.charCodeAt(at - 1) !== 10) continue;
    const next = text.charCodeAt(at);
    // space, tab, CR, LF: an indented or blank line continues the chunk
    if (next === 32 || next === 9 || next === 13 || next === 10) continue;
    out.push(text.slice(start, at));
    start = at;
  }
  out.push(text.slice(start));
  return out;
}

/**
 * One file's trigger answers per chunk text, carried from its previous version to the next. Each trigger's verdict
 * on the previous version is kept too: a trigger no chunk matched then is tried on the new chunks only (every other
 * chunk had its text then), and one a chunk matched still matches while that chunk's text is there. So a keystroke
 * costs each trigger one test of the changed chunk, not a look-up per chunk of the file.
 */
export class TriggerMemo {
  private chunks: { text: string; answers: Answers }[] = [];
  /** The answers of this version's chunks (a chunk's answers object stays with its text from version to version). */
  private present = new Set<Answers>();
  /** Chunks of the previous version, found again by place (compared, not hashed: see PiecesByPlace). */
  private readonly byPlace = new PiecesByPlace<Answers>(1);
  /** Chunks the previous version did not have at their place. */
  private fresh: { text: string; answers: Answers }[] = [];
  private version = 0;
  /** Per trigger: the version it was last answered for, and the answers of a chunk it matched then (if any). */
  private readonly verdicts = new Map<TextTrigger, { version: number; witness: Answers | undefined }>();

  /** Moves to the file's new text: chunks whose text is unchanged keep their answers. */
  update(text: string): void {
    this.present = new Set();
    this.fresh = [];
    this.byPlace.begin(text.length);
    let start = 0;
    this.chunks = lineChunks(text).map((t) => {
      let answers = this.byPlace.find(start, t);
      if (!answers) this.fresh.push({ text: t, answers: (answers = new Map()) });
      this.byPlace.record(start, t, answers);
      this.present.add(answers);
      start += t.length;
      return { text: t, answers };
    });
    this.byPlace.end();
    this.version++;
  }

  /** trigger.test(text) for the text given to update(). */
  test(trigger: TextTrigger, text: string): boolean {
    const kind = kindOf(trigger);
    if (kind === 'whole') return trigger.test(text);
    const verdict = this.verdicts.get(trigger);
    let witness: Answers | undefined;
    if (verdict?.version === this.version) witness = verdict.witness;
    else if (verdict && verdict.version === this.version - 1 && (verdict.witness === undefined || this.present.has(verdict.witness))) {
      // Chunks the previous version had keep its verdict: a witness still here matches; else only new chunks can.
      witness = verdict.witness ?? this.firstMatch(trigger, this.fresh);
    } else {
      witness = this.firstMatch(trigger, this.chunks);
    }
    this.verdicts.set(trigger, { version: this.version, witness });
    if (witness !== undefined) return true;
    return kind === 'line-local' ? false : trigger.test(text);
  }

  private firstMatch(trigger: TextTrigger, chunks: readonly { text: string; answers: Answers }[]): Answers | undefined {
    for (const chunk of chunks) {
      let answer = chunk.answers.get(trigger);
      if (answer === undefined) chunk.answers.set(trigger, (answer = trigger.test(chunk.text)));
      if (answer) return chunk.answers;
    }
    return undefined;
  }
}

/** Memos per file path, for the few files an editor keeps changing (least recently used dropped). */
export class TriggerMemos {
  private readonly byPath = new Map<string, TriggerMemo>();

  constructor(private readonly limit = 32) {}

  /** The memo of `path`, moved to `text`. */
  at(path: string, text: string): TriggerMemo {
    let memo = this.byPath.get(path);
    if (memo) this.byPath.delete(path);
    else memo = new TriggerMemo();
    this.byPath.set(path, memo);
    while (this.byPath.size > this.limit) this.byPath.delete(this.byPath.keys().next().value!);
    memo.update(text);
    return memo;
  }
}
