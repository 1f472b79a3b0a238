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
