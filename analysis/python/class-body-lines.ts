/**
 * Which lines of Python source may be statements directly in a top-level class body, judged from indentation
 * alone (no parse): a line whose nearest less-indented statement line above is a `class` header at column 0,
 * or no recognisable block header at all. Lines inside `def`, `if`, `for`, nested classes... are not.
 * Lines inside triple-quoted strings are skipped, and so are continuation lines inside brackets (their
 * indentation means nothing); anything unclear counts as a class body line, so the answer may be too
 * generous but does not leave out real class attributes of ordinary code.
 */

import { BoundedCache, statementCachesEnabled } from '../cache';

/** A compound statement header: `def f(...):`, `class A:`, `if x:`, `for ...:` (a trailing comment allowed). */
const HEADER = /^(?:async\s+)?(def|class|if|elif|else|for|while|with|try|except|finally|match|case)\b.*:\s*(?:#.*)?$/;
/** A line that can only start a statement: a bracket count gone wrong is reset there. */
const STATEMENT_START = /^(?:async\s+def|def|class)\s+\w/;
const TRIPLE_QUOTE = /"""|'''/g;
/** One-line string literals and comments, which may hold brackets that open or close nothing. */
const STRINGS_AND_COMMENT = /"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|#.*$/g;

interface Block {
  indent: number;
  topLevelClass: boolean;
}

/** The scan's state between lines. */
interface ScanState {
  stack: Block[];
  inString: string | undefined;
  depth: number;
}

/** A chunk's lines kept, relative to its start, and the state after it, when scanned from a clean state. */
interface ChunkScan {
  starts: number[];
  end: ScanState;
  /** `starts` as a set, made on the first question. */
  set?: Set<number>;
}

/** Offsets of line starts, asked one at a time. */
export interface LineStarts {
  has(offset: number): boolean;
}

/**
 * Chunk scans by chunk text, kept across versions of a file: the trigger that asks runs on every keystroke, and a
 * keystroke changes one chunk. Only for chunks scanned from a clean state (see classBodyLineStarts).
 */
const CHUNK_SCANS = new BoundedCache<ChunkScan>(8000);

/** Line start offsets of the lines that may sit directly in a top-level class body (or in no known block). */
export function classBodyLineStarts(text: string): LineStarts {
  // Per chunk, its offset and its kept line starts relative to it: nothing per line for chunks seen before.
  const offsets: number[] = [];
  const scans: ChunkScan[] = [];
  let state: ScanState = { stack: [], inString: undefined, depth: 0 };
  const memo = statementCachesEnabled();
  // Chunks start at lines with a non-space first character. A chunk whose first line is code at column 0, met
  // outside any string and bracket (or a `def`/`class` line, which resets the bracket count), empties the block
  // stack: what the scan finds in it depends on its text alone.
  let start = 0;
  while (start <= text.length) {
    let end = start;
    for (let nl = text.indexOf('\n', start); ; nl = text.indexOf('\n', nl + 1)) {
      if (nl === -1 || nl === text.length - 1) {
        end = text.length;
        break;
      }
      const next = text.charCodeAt(nl + 1);
      if (next !== 32 && next !== 9 && next !== 13 && next !== 10) {
        end = nl + 1;
        break;
      }
    }
    const first = text.charCodeAt(start);
    const clean = memo && state.inString === undefined && first !== 35 && end > start && (state.depth === 0 || STATEMENT_START.test(text.slice(start, Math.min(end, start + 40))));
    let scan: ChunkScan | undefined;
    if (clean) {
      const chunk = text.slice(start, end);
      scan = CHUNK_SCANS.get(chunk);
      if (!scan) {
        const starts: number[] = [];
        const after = scanLines(chunk, 0, chunk.length, { stack: [], inString: undefined, depth: 0 }, starts, true);
        CHUNK_SCANS.set(chunk, (scan = { starts, end: after }));
      }
    } else {
      const starts: number[] = [];
      const after = scanLines(text, start, end, state, starts, end === text.length);
      scan = { starts: starts.map((at) => at - start), end: after };
    }
    offsets.push(start);
    scans.push(scan);
    state = scan.end;
    if (end >= text.length) break;
    start = end;
  }
  return {
    has(offset: number): boolean {
      // The last chunk starting at or before the offset; the one before it too, whose scan may end on this line.
      let lo = 0;
      let hi = offsets.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (offsets[mid] <= offset) lo = mid;
        else hi = mid - 1;
      }
      for (let i = lo; i >= Math.max(0, lo - 1); i--) {
        if (offsets[i] > offset) continue;
        const scan = scans[i];
        if ((scan.set ??= new Set(scan.starts)).has(offset - offsets[i])) return true;
      }
      return false;
    },
  };
}

/**
 * Scans the lines from `from` to `to` (a line start and the start of the next chunk, or the text's end when `last`,
 * whose final line is scanned too), adding the kept line starts; returns the state after them.
 */
function scanLines(text: string, from: number, to: number, state: ScanState, out: number[], last: boolean): ScanState {
  const stack = [...state.stack];
  let inString = state.inString;
  let depth = state.depth;
  for (let start = from; last ? start <= to : start < to; ) {
    let end = text.indexOf('\n', start);
    if (end === -1 || end > to) end = to;
    const line = text.slice(start, end);
    const startedInString = inString !== undefined;
    if (line.includes('"""') || line.includes("'''")) {
      for (const m of line.matchAll(TRIPLE_QUOTE)) {
        if (inString === undefined) inString = m[0];
        else if (inString === m[0]) inString = undefined;
      }
    }
    const body = line.trimStart();
    if (startedInString) {
      out.push(start); // unclear: count it
    } else if (body !== '' && !body.startsWith('#')) {
      const indent = line.length - body.length;
      if (indent === 0 && STATEMENT_START.test(body)) depth = 0;
      if (depth === 0) {
        while (stack.length > 0 && stack[stack.length - 1].indent >= indent) stack.pop();
        const enclosing = stack[stack.length - 1];
        if (!enclosing || enclosing.topLevelClass) out.push(start);
        const header = HEADER.exec(body.trimEnd());
        if (header) stack.push({ indent, topLevelClass: header[1] === 'class' && indent === 0 });
      }
      if (inString === undefined) depth = Math.max(0, depth + bracketBalance(line));
    }
    start = end + 1;
  }
  return { stack, inString, depth };
}

function bracketBalance(line: string): number {
  let balance = 0;
  const code = line.includes('#') || line.includes('"') || line.includes("'") ? line.replace(STRINGS_AND_COMMENT, '') : line;
  for (let i = 0; i < code.length; i++) {
    const c = code.charCodeAt(i);
    if (c === 40 || c === 91 || c === 123) balance++;
    else if (c === 41 || c === 93 || c === 125) balance--;
  }
  return balance;
}
