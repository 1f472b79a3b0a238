/** Reads a workspace file as text, or says why it cannot be analysed (binary, too large, undecodable). */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';

export type ReadResult =
  | { ok: true; text: string; hadBom: boolean; contentHash?: string }
  | { ok: false; reason: 'binary' | 'too-large' | 'undecodable' | 'unreadable'; message: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function readSourceFile(path: string, maxBytes: number): ReadResult {
  let bytes: Buffer;
  try {
    const stat = fs.statSync(path);
    if (stat.size > maxBytes) {
      return { ok: false, reason: 'too-large', message: `skipped: ${(stat.size / 1048576).toFixed(1)} MB is over the ${(maxBytes / 1048576).toFixed(1)} MB limit (maxFileSizeMb)` };
    }
    bytes = fs.readFileSync(path);
  } catch (e) {
    return { ok: false, reason: 'unreadable', message: `skipped: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  }
  const decoded = decode(bytes);
  if (decoded.ok) decoded.contentHash = hashBytes(bytes);
  return decoded;
}

export function hashBytes(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

export function decode(bytes: Uint8Array): ReadResult {
  // UTF-16 with a BOM is text; everything else with a NUL byte is binary.
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    const le = bytes[0] === 0xff;
    return { ok: true, text: new TextDecoder(le ? 'utf-16le' : 'utf-16be').decode(bytes.subarray(2)), hadBom: true };
  }
  const head = bytes.subarray(0, 8192);
  if (head.includes(0)) return { ok: false, reason: 'binary', message: 'skipped: binary file' };
  const hadBom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const body = hadBom ? bytes.subarray(3) : bytes;
  try {
    return { ok: true, text: utf8.decode(body), hadBom };
  } catch {
    const declared = pythonCodingCookie(body);
    if (declared) {
      try {
        return { ok: true, text: new TextDecoder(declared, { fatal: true }).decode(body), hadBom: false };
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
