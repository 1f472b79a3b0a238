/**
 * Writing text back in the encoding and line endings it was read with: a `# -*- coding: latin-1 -*-` file
 * stays latin-1 (rewritten as UTF-8 it would keep the declaration and `"café"` would import as `'cafÃ©'`), a
 * UTF-16 file keeps its BOM and byte order, and a CRLF file keeps CRLF.
 */
import { decode } from './read';

function decodeOk(bytes: Uint8Array): string | undefined {
  const r = decode(bytes);
  return r.ok ? r.text : undefined;
}

/**
 * The bytes of `text` in `encoding` (a WHATWG label from decode()), or undefined when the encoding cannot
 * hold the text (a character latin-1 lacks) or is not one memlint can write (multi-byte legacy encodings).
 * The result always decodes back to exactly `text`.
 */
export function encodeText(text: string, encoding: string, bom: boolean): Buffer | undefined {
  let bytes: Buffer | undefined;
  if (encoding === 'utf-8') bytes = Buffer.from((bom ? '\uFEFF' : '') + text, 'utf8');
  else if (encoding === 'utf-16le') bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  else if (encoding === 'utf-16be') bytes = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
  else bytes = encodeSingleByte(text, encoding);
  if (!bytes) return undefined;
  // Proof, not hope: the bytes must read back as the same text in that encoding (as Python reads a file
  // with a coding declaration), or as memlint reads them (UTF-8, or UTF-16 by its BOM).
  let back: string | undefined;
  try {
    back = encoding === 'utf-8' || encoding.startsWith('utf-16') ? (decodeOk(bytes) ?? undefined) : new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    back = undefined;
  }
  return back === text ? bytes : undefined;
}

const tables = new Map<string, Map<string, number> | undefined>();

/** Single-byte legacy encodings (latin-1, cp1252, iso-8859-15, koi8-r...): one byte per character. */
function encodeSingleByte(text: string, encoding: string): Buffer | undefined {
  if (!tables.has(encoding)) tables.set(encoding, reverseTable(encoding));
  const table = tables.get(encoding);
  if (!table) return undefined;
  const out = Buffer.alloc(text.length);
  let i = 0;
  for (const ch of text) {
    const b = table.get(ch);
    if (b === undefined) return undefined;
    out[i++] = b;
  }
  return out.subarray(0, i);
}

function reverseTable(encoding: string): Map<string, number> | undefined {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(encoding, { fatal: true });
  } catch {
    return undefined;
  }
  const table = new Map<string, number>();
  for (let b = 0; b < 256; b++) {
    let ch: string;
    try {
      ch = decoder.decode(Uint8Array.of(b));
    } catch {
      continue; // a byte this encoding leaves undefined, or a lead byte of a multi-byte encoding
    }
    if (ch.length !== 1) return undefined;
    if (!table.has(ch)) table.set(ch, b);
  }
  // A multi-byte encoding (shift_jis, gbk) decodes ASCII alone: not enough to write its text.
  return table.size >= 192 ? table : undefined;
}

export type LineEndings = 'lf' | 'crlf' | 'mixed';

/** How a text ends its lines: only CRLF, only LF (or no line break), or a mix (including lone CRs). */
export function lineEndingsOf(text: string): LineEndings {
  const crlf = (text.match(/\r\n/g) ?? []).length;
  const lf = (text.match(/\n/g) ?? []).length;
  const cr = (text.match(/\r/g) ?? []).length;
  if (crlf === 0 && cr === 0) return 'lf';
  if (crlf === lf && crlf === cr) return 'crlf';
  return 'mixed';
}
