/** Reads a workspace file as text, or says why it cannot be analysed (binary, too large, undecodable). */
import { createHash } from 'node:crypto';
import { readRegularFile } from './safe-read';

export type ReadResult =
  | { ok: true; text: string; hadBom: boolean; contentHash?: string; /** WHATWG label of the encoding the bytes were decoded from. */ encoding: string }
  | { ok: false; reason: 'binary' | 'too-large' | 'undecodable' | 'unreadable' | 'not-regular' | 'outside-workspace'; message: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a source file: only a regular file, and never more than `maxBytes` (see safe-read.ts). `hash: false` for
 * texts only read (another file's text a rule asks for), which need no content hash for fixes and budgets.
 */
export function readSourceFile(path: string, maxBytes: number, hash = true): ReadResult {
  const read = readRegularFile(path, maxBytes);
  if (!read.ok) return read;
  const decoded = decode(read.bytes);
  if (decoded.ok && hash) decoded.contentHash = hashBytes(read.bytes);
  return decoded;
}

export function hashBytes(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

export function decode(bytes: Uint8Array): ReadResult {
  // UTF-16 with a BOM is text; everything else with a NUL byte is binary.
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    const le = bytes[0] === 0xff;
    return { ok: true, text: new TextDecoder(le ? 'utf-16le' : 'utf-16be').decode(bytes.subarray(2)), hadBom: true, encoding: le ? 'utf-16le' : 'utf-16be' };
  }
  const head = bytes.subarray(0, 8192);
  if (head.includes(0)) return { ok: false, reason: 'binary', message: 'skipped: binary file' };
  const hadBom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const body = hadBom ? bytes.subarray(3) : bytes;
  try {
    return { ok: true, text: utf8.decode(body), hadBom, encoding: 'utf-8' };
  } catch {
    const declared = pythonCodingCookie(body);
    if (declared) {
      try {
        return { ok: true, text: new TextDecoder(declared, { fatal: true }).decode(body), hadBom: false, encoding: declared };
      } catch {
        // fall through: the declared encoding is unknown or wrong
      }
    }
    return { ok: false, reason: 'undecodable', message: 'skipped: not valid UTF-8 (and no usable coding declaration)' };
  }
}

/** PEP 263: `# -*- coding: latin-1 -*-` in the first two lines. */
function pythonCodingCookie(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.subarray(0, 400)).toString('latin1').split(/\r?\n/).slice(0, 2).join('\n');
  const m = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/m.exec(head);
  if (!m) return undefined;
  // Python spells some codecs differently from the WHATWG labels TextDecoder knows.
  const name = m[1].toLowerCase().replace(/_/g, '-');
  const aliases: Record<string, string> = { 'latin-1': 'latin1', 'iso-latin-1': 'latin1', 'cp1252': 'windows-1252', 'utf8': 'utf-8' };
  return aliases[name] ?? name;
}
