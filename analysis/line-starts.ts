/**
 * Line starts of the text being analysed, found once per version and shared by the keystroke path's line scanners
 * (the analyzer's line index, the trigger memo's chunks, unbounded-cache's segments, the nesting guard's pieces):
 * each of them walked a 5,000-line module's text again on every keystroke. The language server's document keeps its
 * line offsets up to date per change and hands them over (rememberLineStarts), so a keystroke walks no text for them.
 *
 * Offsets after each line break: `\n`, `\r\n` (one break) and a lone `\r`, as LSP positions count lines.
 */

/** The last text asked about or handed over, and its line starts. Compared by identity first (one text per keystroke). */
let last: { text: string; starts: readonly number[] } | undefined;

/** Records line starts computed elsewhere (they must be those of `text`; see lineStartsOf's contract). */
export function rememberLineStarts(text: string, starts: readonly number[]): void {
  last = { text, starts };
}

/** The offsets at which the text's lines start (0 first), from the last text's when it is the same. */
export function lineStartsOf(text: string): readonly number[] {
  if (last !== undefined && (last.text === text)) return last.starts;
  const starts = computeLineStarts(text);
  last = { text, starts };
  return starts;
}

export function computeLineStarts(text: string): number[] {
  const starts = [0];
  if (!text.includes('\r')) {
    // The usual case: the native search is several times faster than reading every character.
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', nl + 1)) starts.push(nl + 1);
    return starts;
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13 && text.charCodeAt(i + 1) !== 10) starts.push(i + 1);
  }
  return starts;
}

/** The last text's `text.split('\n')`, shared by line scanners asked about the same text in one analysis. */
let lastLines: { text: string; lines: readonly string[] } | undefined;

/** `text.split('\n')`, from the last text's when it is the same (do not modify the array). */
export function linesOf(text: string): readonly string[] {
  if (lastLines !== undefined && lastLines.text === text) return lastLines.lines;
  const lines = text.split('\n');
  lastLines = { text, lines };
  return lines;
}

/**
 * The indexes (as in `text.split('\n')`) of the lines holding one of `needles` (none holding a line break), in
 * order: a line scan's candidates found by the native search instead of a test on each of a big module's lines.
 */
export function linesHolding(text: string, needles: readonly string[]): number[] {
  // lineStartsOf counts a lone `\r` as a break too: its starts are split('\n')'s when it finds as many lines.
  const shared = lineStartsOf(text);
  const starts = shared.length === linesOf(text).length ? shared : newlineStarts(text);
  const found: number[] = [];
  for (const needle of needles) {
    for (let at = text.indexOf(needle); at >= 0; ) {
      const line = lineIndexAt(starts, at);
      found.push(line);
      at = line + 1 < starts.length ? text.indexOf(needle, starts[line + 1]) : -1;
    }
  }
  // One needle finds each line once, in order.
  return needles.length > 1 ? [...new Set(found)].sort((a, b) => a - b) : found;
}

/** Offsets after each `\n` (0 first): split('\n')'s lines, for a text with carriage returns. */
function newlineStarts(text: string): number[] {
  const starts = [0];
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', nl + 1)) starts.push(nl + 1);
  return starts;
}

/** The index of the line holding `offset`. */
function lineIndexAt(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The width of a line's leading white space (what Python's indentation reads for a line of spaces or of tabs). */
export function indentWidth(line: string): number {
  return line.length - line.trimStart().length;
}
