/**
 * How one text change is described to tree-sitter (`tree.edit`) before an incremental reparse of Python.
 *
 * The exact change is a valid description, but a slow one for the Python grammar: its NEWLINE/INDENT/DEDENT
 * tokens are zero-width at the end of a line, so a change at a line's end (the usual place to type) marks them
 * changed, and the next statement starts at that same offset. Tree-sitter then compares the scanner state
 * before that statement with the new parse's state (which has not lexed the new NEWLINE/DEDENT yet), finds them
 * different, and skips the statement without looking inside it; the same happens at every following top-level
 * statement, so the whole rest of the file is re-lexed and re-parsed (measured: 15-45 ms per keystroke on a
 * 3,000-line file instead of under 1 ms).
 *
 * Describing a wider region instead (from the last non-blank character before the change through the blanks
 * after it, the same text on both sides) is just as valid (tree-sitter only requires that text outside
 * [start, oldEnd) is unchanged and shifted), and it moves the next statement off that offset, so tree-sitter
 * descends into it and reuses everything after the first token.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';

export interface TreeEdit {
  startIndex: number;
  oldEndIndex: number;
  newEndIndex: number;
  startPosition: { row: number; column: number };
  oldEndPosition: { row: number; column: number };
  newEndPosition: { row: number; column: number };
}

/** The widened edit for replacing old[start, end) of `doc` (the text before the change) with `newText`. */
export function widenedTreeEdit(doc: TextDocument, start: number, end: number, newText: string): TreeEdit {
  const old = doc.getText();
  let from = start;
  while (from > 0 && isBlank(old.charCodeAt(from - 1))) from--;
  if (from > 0) from--; // the token before the blanks takes the inserted text, not the next statement
  let to = end;
  while (to < old.length && isBlank(old.charCodeAt(to))) to++;
  const startPosition = doc.positionAt(from);
  const oldEndPosition = doc.positionAt(to);
  const replacement = old.slice(from, start) + newText + old.slice(end, to);
  const newEndPosition = advance(startPosition, replacement);
  return {
    startIndex: from,
    oldEndIndex: to,
    newEndIndex: from + replacement.length,
    startPosition: { row: startPosition.line, column: startPosition.character },
    oldEndPosition: { row: oldEndPosition.line, column: oldEndPosition.character },
    newEndPosition: { row: newEndPosition.line, column: newEndPosition.character },
  };
}

/** Space, tab, form feed, CR, LF: what separates Python tokens. */
function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12;
}

/** Where text inserted at `start` ends (UTF-16 columns, any line break style). */
export function advance(start: { line: number; character: number }, text: string): { line: number; character: number } {
  let line = start.line;
  let lastBreak = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++;
      lastBreak = i;
    }
  }
  return lastBreak < 0 ? { line, character: start.character + text.length } : { line, character: text.length - lastBreak - 1 };
}
