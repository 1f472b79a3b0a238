/**
 * Lines that surely start a module-level statement outside any function, judged from the raw text (no parse):
 * unbounded-cache counts a growth only inside a `def` (module-state.ts's grow()), so a growth on such a line
 * (`decoding_map.update({...})`, `_registry["x"] = f`) cannot be reported.
 *
 * A line qualifies when it starts at column 0 outside any bracket, string or `\` continuation, is not a `def`,
 * `async def`, `class` or decorator line (nor holds `def` at all), and the code line before it does not end in `:` or `\` (a block header
 * with nothing indented after it may take the line as its body when the parser recovers). Anything unclear (brackets
 * that do not balance, a string left open) gives no lines at all: every growth then counts.
 */

const OPENERS = '([{';
const CLOSERS = ')]}';
const BLOCK_OR_DECORATOR = /^(?:def|async|class|@)/;

/** Offsets of the qualifying line starts, or undefined when the text's brackets or strings are unclear. */
export function moduleLevelLineStarts(text: string): Set<number> | undefined {
  const out = new Set<number>();
  let depth = 0;
  /** The last character of code (not a blank or a comment) before the current position. */
  let lastCode = '';
  let lineStart = true;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text[i];
    if (lineStart) {
      lineStart = false;
      if (depth === 0 && lastCode !== '\\' && lastCode !== ':' && c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r' && c !== '#') {
        // (A `def` anywhere on the line, even where Python would not take one, may be parsed as one.)
        const end = text.indexOf('\n', i);
        if (!BLOCK_OR_DECORATOR.test(text.slice(i, i + 6)) && !text.slice(i, end === -1 ? n : end).includes('def')) out.add(i);
      }
    }
    if (c === '\n') {
      lineStart = true;
      continue;
    }
    if (c === '#') {
      const end = text.indexOf('\n', i);
      i = (end === -1 ? n : end) - 1;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f') continue;
    if (c === '"' || c === "'") {
      const end = stringEnd(text, i);
      if (end === undefined) return undefined;
      i = end - 1;
      lastCode = c;
      continue;
    }
    if (OPENERS.includes(c)) depth++;
    else if (CLOSERS.includes(c) && --depth < 0) return undefined;
    lastCode = c;
  }
  return depth === 0 ? out : undefined;
}

/** The offset after the string literal opening at `i` (prefixes need no care: they only precede the quote). */
function stringEnd(text: string, i: number): number | undefined {
  const q = text[i];
  const triple = text[i + 1] === q && text[i + 2] === q;
  const closer = triple ? q + q + q : q;
  for (let j = i + closer.length; j < text.length; j++) {
    const c = text[j];
    if (c === '\\') j++;
    else if (!triple && c === '\n') return undefined;
    else if (text.startsWith(closer, j)) return j + closer.length;
  }
  return undefined;
}
