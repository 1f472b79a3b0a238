/**
 * Whole-module regex scans started only where a literal they need occurs: flagged-rows.ts ran patterns tried at
 * every word and line start of the edited module on each keystroke (3-4 ms a 5,000-line text). Each helper finds
 * what the `text.matchAll(...)` it names finds, in the same order.
 */
import { isWordChar } from './char-codes';

/** `\s`. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** What `^` matches after with the m flag. */
function isLineBreak(c: number): boolean {
  return c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
}

/**
 * `text.matchAll(/\b(\w+)\s*=(?!=)/g)`: each word followed by `=` (not `==`), found from the `=` signs back. `index` is
 * the word's offset, `length` the match's (the word, the spaces, the `=`).
 */
export function assignedWords(text: string): { index: number; word: string; length: number }[] {
  const out: { index: number; word: string; length: number }[] = [];
  for (let at = text.indexOf('='); at >= 0; at = text.indexOf('=', at + 1)) {
    if (text.charCodeAt(at + 1) === 61) continue;
    let end = at;
    while (end > 0 && isSpace(text.charCodeAt(end - 1))) end--;
    let start = end;
    while (start > 0 && isWordChar(text.charCodeAt(start - 1))) start--;
    if (start < end) out.push({ index: start, word: text.slice(start, end), length: at + 1 - start });
  }
  return out;
}

/**
 * `text.matchAll(re)` for a pattern that starts `^\s*` or `^(\s*)` right before the literal `needle`, whether it
 * matches at a line start depending only on the text from the first non-space character on (only the capture of
 * the spaces may differ). `sticky` is that pattern with the flags `my`. An attempt succeeds only where the line's
 * first non-space character begins the needle, so for each hit of the needle only the earliest line start of the
 * spaces before it (at or after the previous match's end) is tried, as matchAll would first.
 */
export function lineAnchoredMatches(text: string, sticky: RegExp, needle: string): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  let end = 0;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
    if (at < end) continue;
    let start = -1;
    for (let i = at; i >= end; i--) {
      if (i === 0 || isLineBreak(text.charCodeAt(i - 1))) start = i;
      if (i === 0 || !isSpace(text.charCodeAt(i - 1))) break;
    }
    if (start < 0) continue;
    sticky.lastIndex = start;
    const m = sticky.exec(text);
    if (!m) continue;
    out.push(m);
    end = m.index + m[0].length;
  }
  return out;
}
