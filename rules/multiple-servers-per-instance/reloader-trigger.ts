/**
 * The rule's trigger, `/\b(debug|use_reloader)\s*=\s*True\b/`, answered from its words' letters: the regex cannot
 * start with a literal, so V8 tries it at every character of the text, and as it may cross lines the language
 * server's per-chunk memo (trigger-memo.ts) tries it on the whole text on every keystroke of a file without it
 * (~1 ms on a 200 kB module). The words are found with indexOf, the rest of the pattern tried where they stand.
 */
import type { TextTrigger } from '../api';

/** The pattern after `\b`, tried at one place (sticky). */
const AT_WORD = /(?:debug|use_reloader)\s*=\s*True\b/y;

export const reloaderOnTrigger: TextTrigger = {
  test(text: string): boolean {
    for (const word of ['debug', 'use_reloader']) {
      for (let i = text.indexOf(word); i !== -1; i = text.indexOf(word, i + 1)) {
        // `\b` before a word character: the text's start or a non-word character before it.
        if (i > 0 && isWordChar(text.charCodeAt(i - 1))) continue;
        AT_WORD.lastIndex = i;
        if (AT_WORD.test(text)) return true;
      }
    }
    return false;
  },
};

/** `\w` without the u flag. */
function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
