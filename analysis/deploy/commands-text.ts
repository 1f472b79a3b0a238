/**
 * Text decoded from a file (a YAML/JSON/TOML string, a Dockerfile instruction without its line
 * continuations, a .env value) together with a map from every decoded character back to the file offsets it
 * came from, so that findings and edits on the decoded text land on the exact characters in the file.
 *
 * Every decoder that has a parser's value to compare with returns undefined when its own decoding differs:
 * a mismatch means a construct the decoder does not know, and a miss is better than an edit in the wrong place.
 */

export class MappedText {
  constructor(
    /** The decoded text. */
    readonly value: string,
    /** File offset where each decoded character's source starts. */
    private readonly starts: readonly number[],
    /** File offset where each decoded character's source ends. */
    private readonly ends: readonly number[],
    /** File offset used for an empty slice. */
    private readonly anchor: number,
  ) {}

  /** The file's text between two offsets, unchanged. */
  static of(fileText: string, start: number, end: number): MappedText {
    const b = new MappedTextBuilder();
    for (let i = start; i < end; i++) b.push(fileText[i], i, i + 1);
    return b.build(start);
  }

  get length(): number {
    return this.value.length;
  }

  /** File range of the decoded characters [a, b). */
  fileRange(a = 0, b = this.value.length): [number, number] {
    if (b <= a) {
      const at = a < this.starts.length ? this.starts[a] : this.ends.length ? this.ends[this.ends.length - 1] : this.anchor;
      return [at, at];
    }
    return [this.starts[a], this.ends[b - 1]];
  }

  /** File offset where the source of decoded character `i` starts. */
  startOf(i: number): number {
    return this.fileRange(i, i)[0];
  }

  slice(a: number, b = this.value.length): MappedText {
    return new MappedText(this.value.slice(a, b), this.starts.slice(a, b), this.ends.slice(a, b), this.fileRange(a, a)[0]);
  }
}

export class MappedTextBuilder {
  private readonly chars: string[] = [];
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  /** Appends decoded text (each UTF-16 unit) that came from the file range [start, end). */
  push(text: string, start: number, end: number): void {
    for (const ch of text.split('')) {
      this.chars.push(ch);
      this.starts.push(start);
      this.ends.push(end);
    }
  }

  /** Appends character `i` of another mapped text, keeping its file range. */
  pushFrom(src: MappedText, i: number, text = src.value[i]): void {
    const [start, end] = src.fileRange(i, i + 1);
    this.push(text, start, end);
  }

  /** Appends decoded text whose source is src's characters [a, b). */
  pushSpan(src: MappedText, a: number, b: number, text: string): void {
    const [start, end] = src.fileRange(a, b);
    this.push(text, start, end);
  }

  /** Removes trailing spaces and tabs (YAML line folding drops them). */
  trimEndSpaces(): void {
    while (this.chars.length && (this.chars[this.chars.length - 1] === ' ' || this.chars[this.chars.length - 1] === '\t')) {
      this.chars.pop();
      this.starts.pop();
      this.ends.pop();
    }
  }

  get length(): number {
    return this.chars.length;
  }

  build(anchor: number): MappedText {
    return new MappedText(this.chars.join(''), this.starts, this.ends, anchor);
  }
}

const JSON_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** A JSON string literal src.value[a, b) (with its quotes), decoded. */
export function decodeJsonString(src: MappedText, a: number, b: number): MappedText | undefined {
  const s = src.value;
  if (s[a] !== '"' || s[b - 1] !== '"' || b - a < 2) return undefined;
  const out = new MappedTextBuilder();
  for (let i = a + 1; i < b - 1; i++) {
    if (s[i] !== '\\') {
      out.pushFrom(src, i);
      continue;
    }
    const e = s[i + 1];
    if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) {
      out.pushSpan(src, i, i + 6, String.fromCharCode(parseInt(s.slice(i + 2, i + 6), 16)));
      i += 5;
    } else if (e !== undefined && e in JSON_ESCAPES) {
      out.pushSpan(src, i, i + 2, JSON_ESCAPES[e]);
      i++;
    } else {
      return undefined;
    }
  }
  return out.build(src.startOf(a + 1));
}

/** The text of a JSON string node (jsonc-parser offsets), decoded. */
export function jsonStringText(fileText: string, offset: number, length: number): MappedText | undefined {
  return decodeJsonString(MappedText.of(fileText, offset, offset + length), 0, length);
}

// ---------------------------------------------------------------------------------------------------------------
// YAML scalars

interface YamlScalarLike {
  type?: string;
  value: unknown;
  range?: readonly [number, number, number] | null;
}

const YAML_DOUBLE_ESCAPES: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b',
  ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\u0085', _: '\u00a0', L: '\u2028', P: '\u2029',
};

/**
 * A YAML scalar's value with offsets: plain, single- and double-quoted (with line folding and escapes), literal
 * and folded block scalars. Undefined when the decoding does not reproduce the parser's value.
 */
export function yamlScalarText(fileText: string, scalar: YamlScalarLike): MappedText | undefined {
  if (!scalar.range) return undefined;
  const [start, end] = scalar.range;
  const src = MappedText.of(fileText, start, end);
  let decoded: MappedText | undefined;
  switch (scalar.type) {
    case 'PLAIN':
      decoded = foldFlowScalar(src, 0, src.length, 'plain');
      break;
    case 'QUOTE_SINGLE':
      decoded = foldFlowScalar(src, 1, src.length - 1, 'single');
      break;
    case 'QUOTE_DOUBLE':
      decoded = foldFlowScalar(src, 1, src.length - 1, 'double');
      break;
    case 'BLOCK_LITERAL':
    case 'BLOCK_FOLDED':
      decoded = decodeBlockScalar(src, scalar.type === 'BLOCK_FOLDED');
      break;
    default:
      return undefined;
  }
  if (!decoded) return undefined;
  // Plain scalars may resolve to numbers or booleans: their text is what was written.
  if (typeof scalar.value === 'string' ? decoded.value !== scalar.value : scalar.type !== 'PLAIN' || /\n/.test(decoded.value)) return undefined;
  return decoded;
}

/** Line folding of plain and quoted flow scalars (and the escapes of the quoted ones). */
function foldFlowScalar(src: MappedText, a: number, b: number, style: 'plain' | 'single' | 'double'): MappedText | undefined {
  const s = src.value;
  const out = new MappedTextBuilder();
  let i = a;
  while (i < b) {
    const ch = s[i];
    if (ch === '\n' || ch === '\r') {
      // A line break inside a flow scalar: trailing white space goes, empty lines become newlines, one
      // break becomes a space, leading white space of the next line goes.
      out.trimEndSpaces();
      const breakAt = i;
      let emptyLines = 0;
      i = skipLineBreak(s, i);
      for (;;) {
        let j = i;
        while (j < b && (s[j] === ' ' || s[j] === '\t')) j++;
        if (j < b && (s[j] === '\n' || s[j] === '\r')) {
          emptyLines++;
          i = skipLineBreak(s, j);
          continue;
        }
        i = j;
        break;
      }
      if (emptyLines === 0) out.pushSpan(src, breakAt, breakAt + 1, ' ');
      else for (let k = 0; k < emptyLines; k++) out.pushSpan(src, breakAt, breakAt + 1, '\n');
      continue;
    }
    if (style === 'single' && ch === "'" && s[i + 1] === "'") {
      out.pushSpan(src, i, i + 2, "'");
      i += 2;
      continue;
    }
    if (style === 'double' && ch === '\\') {
      const e = s[i + 1];
      if (e === '\n' || e === '\r') {
        // Escaped line break: joins the lines without a space.
        i = skipLineBreak(s, i + 1);
        while (i < b && (s[i] === ' ' || s[i] === '\t')) i++;
        continue;
      }
      const hexLength = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
      if (hexLength) {
        const hex = s.slice(i + 2, i + 2 + hexLength);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== hexLength) return undefined;
        out.pushSpan(src, i, i + 2 + hexLength, String.fromCodePoint(parseInt(hex, 16)));
        i += 2 + hexLength;
        continue;
      }
      if (e === undefined || !(e in YAML_DOUBLE_ESCAPES)) return undefined;
      out.pushSpan(src, i, i + 2, YAML_DOUBLE_ESCAPES[e]);
      i += 2;
      continue;
    }
    out.pushFrom(src, i);
    i++;
  }
  if (style === 'plain') out.trimEndSpaces();
  return out.build(src.startOf(a));
}

function skipLineBreak(s: string, i: number): number {
  if (s[i] === '\r' && s[i + 1] === '\n') return i + 2;
  return i + 1;
}

/** `|` and `>` block scalars with auto-detected indentation (an explicit indentation indicator is not decoded). */
function decodeBlockScalar(src: MappedText, folded: boolean): MappedText | undefined {
  const s = src.value;
  const header = /^[|>]([-+]?)(?:[ \t]+#[^\n]*)?[ \t]*\r?\n/.exec(s);
  if (!header) return undefined;
  const chomping = header[1];
  // Lines of the content: [start, end) in src, without the line break.
  const lines: [number, number][] = [];
  for (let i = header[0].length; i < s.length; ) {
    const nl = s.indexOf('\n', i);
    const lineEnd = nl === -1 ? s.length : nl;
    lines.push([i, lineEnd > i && s[lineEnd - 1] === '\r' ? lineEnd - 1 : lineEnd]);
    i = nl === -1 ? s.length : nl + 1;
  }
  const isBlank = ([a, b]: [number, number]) => /^[ \t]*$/.test(s.slice(a, b));
  const firstContent = lines.find((l) => !isBlank(l));
  if (!firstContent) return undefined;
  const indent = /^ */.exec(s.slice(firstContent[0], firstContent[1]))![0].length;
  if (indent === 0) return undefined;

  const out = new MappedTextBuilder();
  // Index of the last content line, and how many blank lines follow it (for chomping).
  let lastContent = -1;
  for (let k = 0; k < lines.length; k++) if (!isBlank(lines[k])) lastContent = k;
  let pendingBreak: number | undefined; // src offset of the line break after the previous content line
  let blankRun = 0;
  let previousMoreIndented = false;
  for (let k = 0; k <= lastContent; k++) {
    const [a, b] = lines[k];
    if (isBlank(lines[k])) {
      blankRun++;
      continue;
    }
    if (s.slice(a, a + indent).trim() !== '') return undefined; // less indented: not part of this scalar
    const moreIndented = s[a + indent] === ' ' || s[a + indent] === '\t';
    if (pendingBreak !== undefined) {
      if (folded && !moreIndented && !previousMoreIndented) {
        if (blankRun === 0) out.pushSpan(src, pendingBreak, pendingBreak + 1, ' ');
        else for (let n = 0; n < blankRun; n++) out.pushSpan(src, pendingBreak, pendingBreak + 1, '\n');
      } else {
        for (let n = 0; n <= blankRun; n++) out.pushSpan(src, pendingBreak, pendingBreak + 1, '\n');
      }
    }
    for (let i = a + indent; i < b; i++) out.pushFrom(src, i);
    pendingBreak = b;
    blankRun = 0;
    previousMoreIndented = moreIndented;
  }
  const trailingBreaks = lines.length - 1 - lastContent;
  if (pendingBreak !== undefined && chomping !== '-') {
    const hasFinalBreak = lines[lastContent][1] < s.length;
    if (hasFinalBreak) out.pushSpan(src, pendingBreak, pendingBreak + 1, '\n');
    if (chomping === '+') for (let n = 0; n < trailingBreaks; n++) out.pushSpan(src, pendingBreak, pendingBreak + 1, '\n');
  }
  return out.build(src.startOf(0));
}

// ---------------------------------------------------------------------------------------------------------------
// TOML strings

interface TomlStringLike {
  value: unknown;
  style?: string;
  multiline?: boolean;
  range: readonly [number, number];
}

const TOML_ESCAPES: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', e: '\x1b', '"': '"', '\\': '\\' };

/** A TOML string value with offsets (basic, literal, multi-line). Undefined when the decoding differs from the parser's. */
export function tomlStringText(fileText: string, node: TomlStringLike): MappedText | undefined {
  if (typeof node.value !== 'string') return undefined;
  const [start, end] = node.range;
  const src = MappedText.of(fileText, start, end);
  const s = src.value;
  const quote = node.multiline ? s.slice(0, 3) : s[0];
  let a = quote.length;
  const b = s.length - quote.length;
  if (node.multiline) {
    if (s[a] === '\n') a++;
    else if (s[a] === '\r' && s[a + 1] === '\n') a += 2;
  }
  const out = new MappedTextBuilder();
  for (let i = a; i < b; i++) {
    if (node.style !== 'basic' || s[i] !== '\\') {
      out.pushFrom(src, i);
      continue;
    }
    const e = s[i + 1];
    if (node.multiline && /^[ \t]*\r?\n/.test(s.slice(i + 1))) {
      // Line-ending backslash: drops the break and all white space after it.
      let j = i + 1;
      while (j < b && /\s/.test(s[j])) j++;
      i = j - 1;
      continue;
    }
    const hexLength = e === 'u' ? 4 : e === 'U' ? 8 : e === 'x' ? 2 : 0;
    if (hexLength) {
      const hex = s.slice(i + 2, i + 2 + hexLength);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== hexLength) return undefined;
      out.pushSpan(src, i, i + 2 + hexLength, String.fromCodePoint(parseInt(hex, 16)));
      i += 1 + hexLength;
      continue;
    }
    if (e === undefined || !(e in TOML_ESCAPES)) return undefined;
    out.pushSpan(src, i, i + 2, TOML_ESCAPES[e]);
    i++;
  }
  const decoded = out.build(src.startOf(a));
  return decoded.value === node.value ? decoded : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Dockerfile instructions and .env values

/**
 * A Dockerfile instruction's arguments as Docker reads them: each escape character before a line break joins
 * the lines, and comment or empty lines inside the continued instruction are dropped.
 */
export function dockerArgumentsText(fileText: string, start: number, end: number, escapeChar: string): MappedText {
  const out = new MappedTextBuilder();
  // The parser's range can run past the text (it counts a lone CR as a line break; Docker does not).
  end = Math.min(end, fileText.length);
  let i = start;
  while (i < end) {
    const ch = fileText[i];
    if (ch === escapeChar) {
      const rest = /^[ \t]*\r?\n/.exec(fileText.slice(i + 1, Math.min(end, i + 200)));
      if (rest) {
        i += 1 + rest[0].length;
        // Comment and empty lines inside a continued instruction are removed.
        for (;;) {
          const line = /^[ \t]*(#[^\n]*)?\r?\n/.exec(fileText.slice(i, end));
          if (!line || i + line[0].length > end) break;
          i += line[0].length;
        }
        continue;
      }
    }
    out.push(ch, i, i + 1);
    i++;
  }
  return out.build(start);
}

/**
 * The value of a `.env` line after `KEY=`: quoted ('single' literal, "double" with \" \\ \n escapes, either
 * may span lines) or unquoted up to an ` #` comment. `from` is the offset just after `=`; returns the decoded
 * value and the offset where the written value ends.
 */
export function dotenvValueText(fileText: string, from: number): { text: MappedText; end: number } {
  let i = from;
  while (fileText[i] === ' ' || fileText[i] === '\t') i++;
  const q = fileText[i];
  if (q === '"' || q === "'" || q === '`') {
    const out = new MappedTextBuilder();
    let j = i + 1;
    for (; j < fileText.length && fileText[j] !== q; j++) {
      if (q === '"' && fileText[j] === '\\' && j + 1 < fileText.length) {
        const e = fileText[j + 1];
        out.push(e === 'n' ? '\n' : e === 't' ? '\t' : e === '"' || e === '\\' || e === '$' ? e : `\\${e}`, j, j + 2);
        j++;
        continue;
      }
      out.push(fileText[j], j, j + 1);
    }
    if (j < fileText.length) return { text: out.build(i + 1), end: j + 1 };
    // No closing quote: read it as an unquoted value.
  }
  const out = new MappedTextBuilder();
  const lineEnd = (() => {
    const nl = fileText.indexOf('\n', i);
    return nl === -1 ? fileText.length : nl;
  })();
  let valueEnd = lineEnd;
  const comment = /(^|[ \t])#/.exec(fileText.slice(i, lineEnd));
  if (comment) valueEnd = i + comment.index;
  while (valueEnd > i && /[ \t\r]/.test(fileText[valueEnd - 1])) valueEnd--;
  for (let j = i; j < valueEnd; j++) out.push(fileText[j], j, j + 1);
  return { text: out.build(i), end: valueEnd };
}
