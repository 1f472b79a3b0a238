/** Offset <-> line/character conversion (0-based, UTF-16 code units, like LSP). */
import { computeLineStarts, lineStartsOf } from '../../../analysis/line-starts';

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export class LineIndex {
  private starts?: readonly number[];

  /** `shared`: take the line starts from lineStartsOf (the text being analysed: other scanners of it share them). */
  constructor(private readonly text: string, private readonly shared = false) {}

  /** Computed on first use: the analyzer makes an index for every file a rule looks at, and most report nothing. */
  private get lineStarts(): readonly number[] {
    return (this.starts ??= this.shared ? lineStartsOf(this.text) : computeLineStarts(this.text));
  }

  /** True when this is the index of `text`. */
  indexes(text: string): boolean {
    return this.text === text;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  positionAt(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= clamped) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: clamped - this.lineStarts[lo] };
  }

  offsetAt(pos: Position): number {
    if (pos.line >= this.lineStarts.length) return this.text.length;
    if (pos.line < 0) return 0;
    const start = this.lineStarts[pos.line];
    const end = this.lineEnd(pos.line);
    return Math.min(start + Math.max(0, pos.character), end);
  }

  lineStart(line: number): number {
    return this.lineStarts[Math.max(0, Math.min(line, this.lineStarts.length - 1))];
  }

  /** Offset of the end of the line's content (before its line break). */
  lineEnd(line: number): number {
    const next = line + 1 < this.lineStarts.length ? this.lineStarts[line + 1] : this.text.length;
    let end = next;
    if (end > this.lineStarts[line] && this.text.charCodeAt(end - 1) === 10) end--;
    if (end > this.lineStarts[line] && this.text.charCodeAt(end - 1) === 13) end--;
    return end;
  }

  lineText(line: number): string {
    return this.text.slice(this.lineStart(line), this.lineEnd(line));
  }

  range(start: number, end: number): Range {
    return { start: this.positionAt(start), end: this.positionAt(end) };
  }
}

/**
 * The text with each lone CR (classic Mac line ends) turned into LF: parsers and rules read lines ending in LF
 * or CRLF, and tree-sitter's Python grammar and the YAML parser do not break lines at a lone CR. One character
 * for one, so offsets stay those of the file.
 */
export function withoutLoneCr(text: string): string {
  return text.includes('\r') ? text.replace(/\r(?!\n)/g, '\n') : text;
}

/** True when the text's lines end in lone CRs (then fixes write CR too). */
export function endsLinesWithLoneCr(text: string): boolean {
  const cr = text.indexOf('\r');
  return cr >= 0 && text.charCodeAt(cr + 1) !== 10 && !text.includes('\n');
}
