/**
 * INI files as uWSGI and supervisord read them: `[section]` headers, `key = value` lines (uWSGI also takes
 * bare flags such as `master`), `;`/`#` comment lines, and uWSGI's `if-env`/`if-not-env` ... `endif` blocks,
 * whose lines apply only under a condition. Offsets are exact, for findings and edits.
 */

export interface IniEntry {
  section: string;
  key: string;
  /** The value as written, trimmed (empty for a bare flag). */
  value: string;
  keyStart: number;
  keyEnd: number;
  /** Offset just after the line (before its line break). */
  lineEnd: number;
  /** Inside a uWSGI `if-*` ... `endif` block. */
  conditional: boolean;
}

export interface IniSection {
  name: string;
  /** Offset of the `[`, and just after the header line. */
  start: number;
  headerEnd: number;
  entries: IniEntry[];
}

/** Sections read from at most this many lines: real configs have dozens. */
const MAX_LINES = 20_000;

export function readIni(text: string): IniSection[] {
  const sections: IniSection[] = [];
  let current: IniSection | undefined;
  let depth = 0;
  let offset = 0;
  let count = 0;
  for (const rawLine of text.split('\n')) {
    const lineStart = offset;
    offset += rawLine.length + 1;
    if (++count > MAX_LINES) break;
    const line = rawLine.replace(/\r$/, '');
    const lineEnd = lineStart + line.length;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith(';') || trimmed.startsWith('#')) continue;
    const header = /^\s*\[([^\]]*)\]/.exec(line);
    if (header) {
      current = { name: header[1].trim(), start: lineStart + header[0].indexOf('['), headerEnd: lineEnd, entries: [] };
      sections.push(current);
      depth = 0;
      continue;
    }
    if (!current) continue;
    const m = /^(\s*)([^=:\s][^=]*?)\s*(?:=\s*(.*?)\s*)?$/.exec(line);
    if (!m) continue;
    const key = m[2];
    const keyStart = lineStart + m[1].length;
    if (/^if-/.test(key)) {
      depth++;
      continue;
    }
    if (key === 'endif' || key === 'end-if') {
      depth = Math.max(0, depth - 1);
      continue;
    }
    current.entries.push({ section: current.name, key, value: m[3] ?? '', keyStart, keyEnd: keyStart + key.length, lineEnd, conditional: depth > 0 });
  }
  return sections;
}

/** uWSGI accepts `max_requests` for `max-requests`. */
export function uwsgiOptionName(key: string): string {
  return key.toLowerCase().replace(/_/g, '-');
}
