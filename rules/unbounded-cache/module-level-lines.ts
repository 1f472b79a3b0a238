/**
 * Lines that surely run outside any function, judged from the raw text (no parse): unbounded-cache counts a growth
 * only inside a `def` (module-state.ts's grow()), so a growth on such a line (`decoding_map.update({...})` at
 * module level, `__all__.append("x")` in a module-level `if`) cannot be reported.
 *
 * A line qualifies when it starts a statement (outside any bracket, string or `\` continuation), holds no `def`
 * (a one-line def; where Python would not take one, a recovering parser still may), and no line that opens a
 * block around it by indentation holds `def` or starts with `@`. Anything unclear (brackets that do not balance, a
 * string left open, a tab in an indentation, an indent after a line that opens no block, a dedent to no open
 * level, a block header with nothing indented after it) gives no lines at all: every growth then counts.
 */

const OPENERS = '([{';
const CLOSERS = ')]}';

interface Opened {
  indent: number;
  /** The line holds `def` or starts with `@`: what it opens may be a function body. */
  function: boolean;
}

/** Offsets of the qualifying line starts, or undefined when the text is unclear. */
export function moduleLevelLineStarts(text: string): Set<number> | undefined {
  const out = new Set<number>();
  const stack: Opened[] = [];
  let depth = 0;
  /** The last character of code (not a blank or a comment) before the current position. */
  let lastCode = '';
  let lineStart = true;
  /** Indentation of the last statement line. */
  let lastIndent = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text[i];
    if (lineStart) {
      lineStart = false;
      const first = firstCode(text, i);
      if (depth === 0 && lastCode !== '\\' && first < n && text[first] !== '\n' && text[first] !== '\r' && text[first] !== '#') {
        const indentText = text.slice(i, first);
        if (indentText.includes('\t') || indentText.includes('\f')) return undefined;
        const indent = first - i;
        const opensBlock = lastCode === ':';
        if (opensBlock ? indent <= lastIndent : indent > lastIndent) return undefined;
        // A dedent returns to an open level: the line is a sibling of the statement at its indentation.
        if (!opensBlock && stack.length > 0 && !stack.some((o) => o.indent === indent)) return undefined;
        while (stack.length > 0 && stack[stack.length - 1].indent >= indent) stack.pop();
        const end = text.indexOf('\n', first);
        const line = text.slice(first, end === -1 ? n : end);
        const isFunction = line.includes('def') || line.startsWith('@');
        if (!isFunction && !stack.some((o) => o.function)) out.add(i);
        stack.push({ indent, function: isFunction });
        lastIndent = indent;
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

/** The offset of the first character on the line from `i` that is not a space, tab or form feed. */
function firstCode(text: string, i: number): number {
  while (text[i] === ' ' || text[i] === '\t' || text[i] === '\f') i++;
  return i;
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
