/**
 * Nesting guards: a file nested deeper than real code ever is would crash a parser (tree-sitter's wasm runs
 * out of memory on ~550 nested blocks) or overflow the stack of a rule's recursive tree walk. Such a file is
 * not analysed, with a note, instead of taking other files down with it.
 */
import { ts } from 'ts-morph';
import { PiecesByPlace } from '../../../analysis/cache';
import { lineStartsOf } from '../../../analysis/line-starts';

/** CPython's own limits (Parser/tokenizer.h: MAXINDENT 100, MAXLEVEL 200): deeper code does not even compile. */
export const MAX_PYTHON_INDENT_LEVELS = 100;
export const MAX_PYTHON_BRACKET_DEPTH = 200;
/**
 * Syntax-tree depth above which TS/JS is not analysed. Rules walk the tree recursively (a few stack frames per
 * level); 1,000 levels leaves them a wide margin on the smallest stack memlint runs on, and hand-written code
 * stays below 100 (a 3,000-term string concatenation is 3,000 levels deep).
 */
export const MAX_TYPESCRIPT_DEPTH = 1000;

/** Why a Python text is too deeply nested to parse safely, or undefined. Linear, no allocation per line. */
export function pythonNestingProblem(text: string): string | undefined {
  return scanPythonNesting(text, 0, text.length).problem;
}

interface NestingScan {
  problem: string | undefined;
  /** The scan ended outside any bracket and string (only then does the next column-0 line start afresh). */
  clean: boolean;
}

/** pythonNestingProblem over text[from, to), as if text[from] started the file. */
function scanPythonNesting(text: string, from: number, to: number): NestingScan {
  const indents: number[] = [0];
  let brackets = 0;
  let maxBrackets = 0;
  let atLineStart = true;
  let inString = false;
  let i = from;
  const n = to;
  while (i < n) {
    if (atLineStart) {
      atLineStart = false;
      let width = 0;
      let j = i;
      for (; j < n; j++) {
        const c = text.charCodeAt(j);
        if (c === 32) width++;
        else if (c === 9) width = (Math.floor(width / 8) + 1) * 8;
        else if (c !== 12) break;
      }
      const c = j < n ? text.charCodeAt(j) : NaN;
      const blank = j >= n || c === 10 || c === 13 || c === 35; // empty, or a comment only
      if (!blank && brackets === 0) {
        while (indents.length > 1 && width < indents[indents.length - 1]) indents.pop();
        if (width > indents[indents.length - 1]) {
          indents.push(width);
          if (indents.length - 1 > MAX_PYTHON_INDENT_LEVELS) {
            return { problem: `nesting too deep (over ${MAX_PYTHON_INDENT_LEVELS} indentation levels, more than Python itself accepts)`, clean: false };
          }
        }
      }
      i = j;
      continue;
    }
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) {
      if (c === 13 && i + 1 < n && text.charCodeAt(i + 1) === 10) i++;
      i++;
      atLineStart = true;
    } else if (c === 35) {
      while (i < n && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
    } else if (c === 34 || c === 39) {
      const end = skipPythonString(text, i, n);
      inString = end.open;
      i = end.at;
    } else if (c === 92 && i + 1 < n && (text.charCodeAt(i + 1) === 10 || text.charCodeAt(i + 1) === 13)) {
      i += text.charCodeAt(i + 1) === 13 && i + 2 < n && text.charCodeAt(i + 2) === 10 ? 3 : 2; // line continuation
    } else {
      if (c === 40 || c === 91 || c === 123) {
        if (++brackets > maxBrackets) maxBrackets = brackets;
        if (maxBrackets > MAX_PYTHON_BRACKET_DEPTH) {
          return { problem: `nesting too deep (over ${MAX_PYTHON_BRACKET_DEPTH} nested brackets, more than Python itself accepts)`, clean: false };
        }
      } else if ((c === 41 || c === 93 || c === 125) && brackets > 0) brackets--;
      i++;
    }
  }
  return { problem: undefined, clean: brackets === 0 && !inString };
}

/**
 * Pieces of the last texts checked, with their scans from a fresh start. A keystroke changes one piece; the others are
 * found again by place (PiecesByPlace: compared, not hashed), so the check costs a comparison per piece instead of a
 * walk over every character of a 5,000-line module (1-2 ms).
 */
const SEGMENTS = new PiecesByPlace<NestingScan>();

/**
 * pythonNestingProblem, the same answer, with the scans of unchanged pieces of the text remembered across calls
 * (the language server's keystrokes). The text is cut before each line that starts at column 0 with a name or `@`
 * (a top-level statement, unless a bracket or string is still open) and not after a backslash continuation. A piece
 * scanned from a fresh start that ends outside brackets and strings leaves the whole scan in that fresh state at
 * the next cut (a column-0 line closes every indentation level), so the pieces' answers chain; from the first piece
 * that does not end so, the rest of the text is scanned as one.
 */
export function pythonNestingProblemBySegments(text: string): string | undefined {
  SEGMENTS.begin(text.length);
  try {
    let start = 0;
    const n = text.length;
    const cuts = new Cuts(text);
    while (start < n) {
      const end = cuts.next(start);
      const segment = text.slice(start, end);
      const scan = SEGMENTS.find(start, segment) ?? scanPythonNesting(text, start, end);
      SEGMENTS.record(start, segment, scan);
      if (scan.problem !== undefined) return scan.problem;
      if (!scan.clean && end < n) return scanPythonNesting(text, start, n).problem;
      start = end;
    }
    return undefined;
  } finally {
    SEGMENTS.end();
  }
}

/**
 * The cuts of a text, in order: starts of lines after a `\n` that begin with a name or `@`, not continued from the
 * line before. Read from the text's shared line starts (analysis/line-starts.ts), not by a walk over its characters.
 */
class Cuts {
  private readonly starts: readonly number[];
  private i = 1;

  constructor(private readonly text: string) {
    this.starts = lineStartsOf(text);
  }

  /** The first cut after `from` (calls ask with growing `from`), or the text's length. */
  next(from: number): number {
    const text = this.text;
    const starts = this.starts;
    while (this.i < starts.length && starts[this.i] <= from) this.i++;
    for (; this.i < starts.length; this.i++) {
      const at = starts[this.i];
      if (at >= text.length || text.charCodeAt(at - 1) !== 10) continue;
      const next = text.charCodeAt(at);
      const startsName = (next >= 97 && next <= 122) || (next >= 65 && next <= 90) || next === 95 || next === 64;
      const nl = at - 1;
      const before = nl > 0 && text.charCodeAt(nl - 1) === 13 ? nl - 2 : nl - 1;
      if (startsName && (before < 0 || text.charCodeAt(before) !== 92)) return at;
    }
    return text.length;
  }
}

/**
 * Index just past the string literal opening at `start` (or the end of its line when it is unterminated), reading
 * no further than `n`; `open` when it reached `n` still inside the string.
 */
function skipPythonString(text: string, start: number, n: number): { at: number; open: boolean } {
  const quote = text.charCodeAt(start);
  const triple = start + 2 < n && text.charCodeAt(start + 1) === quote && text.charCodeAt(start + 2) === quote;
  let i = start + (triple ? 3 : 1);
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 92) {
      i += 2;
      continue;
    }
    if (!triple && (c === 10 || c === 13)) return { at: i, open: false };
    if (c === quote && (!triple || (i + 2 < n && text.charCodeAt(i + 1) === quote && text.charCodeAt(i + 2) === quote))) return { at: i + (triple ? 3 : 1), open: false };
    i++;
  }
  return { at: n, open: true };
}

/** Depth of a TypeScript syntax tree, walked without recursion; stops counting once over `limit`. */
export function typeScriptDepthOver(root: ts.Node, limit = MAX_TYPESCRIPT_DEPTH): boolean {
  return subtreeHeight(root, limit) > limit;
}

/**
 * Heights of top-level statements and of top-level classes' members, kept per node: the language server's
 * incremental reparse reuses the nodes an edit did not touch, subtrees and all, so a keystroke walks only the
 * statement or member it changed (and a module that is one class is not walked whole).
 */
const unitHeights = new WeakMap<ts.Node, number>();

/** The subtree's height (the root at 0), exact when at most `limit`; some value over `limit` otherwise. */
function subtreeHeight(root: ts.Node, limit: number): number {
  let max = 0;
  const stack: [ts.Node, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > max) max = depth;
    if (max > limit) return max;
    ts.forEachChild(node, (child) => {
      if (!isHeightUnit(child, node)) {
        stack.push([child, depth + 1]);
        return;
      }
      let h = unitHeights.get(child);
      if (h === undefined) {
        h = subtreeHeight(child, limit - depth - 1);
        if (h > limit - depth - 1) {
          max = Math.max(max, depth + 1 + h);
          return;
        }
        unitHeights.set(child, h);
      }
      max = Math.max(max, depth + 1 + h);
    });
  }
  return max;
}

/** Statements of the file and members of its top-level classes (recursion stays at most three calls deep). */
function isHeightUnit(child: ts.Node, parent: ts.Node): boolean {
  if (parent.kind === ts.SyntaxKind.SourceFile) return true;
  return parent.kind === ts.SyntaxKind.ClassDeclaration && parent.parent?.kind === ts.SyntaxKind.SourceFile && ts.isClassElement(child);
}
