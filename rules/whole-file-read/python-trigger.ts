/**
 * whole-file-read's (Python) pre-filter over the raw text: which modules are worth parsing for it. The regex is the
 * one the language server answers per chunk of lines on keystrokes (trigger-memo.ts); batch scans, which read each
 * file once, also ask the stricter test below (a stdlib scan parsed 139 modules for the rule and found reads in 25).
 *
 * Each skip follows from the rule's code (python.ts), never a finding lost:
 *   - `.read(n)` / `.readlines(n)` whose first argument starts with a number or a name other than `None`
 *     (not a keyword): readsEverything() wants no argument, or one that is `None` or `-1`;
 *   - `.getvalue()` / `.getbuffer()` report a Streamlit upload only, which FileSources finds from a
 *     `file_uploader` call of this module (callers in other modules pass Django/Flask uploads only);
 *   - `x.attr.read()` with `attr` not `file`/`stream`: FileSources.fileSource() gives an attribute no source but
 *     `upload.file` / `upload.stream`, so such a read is reported only when hashed (`hashlib.*(...)`, `.update(...)`)
 *     or copied (`ContentFile(...)`, `.writestr(...)`), whose words the text must then hold; a `.readlines()` needs
 *     a source in any case.
 * The calls with other names (base64 decoders, downloads, ContentFile, Path reads) keep the module in, and so does
 * an HTTP client's body (`.content`, `.text`, `.read()`) in a module naming requests, httpx, aiohttp or urllib.
 * test/rules/parse-prefilters.test.ts holds the findings equal with and without this test.
 */
import type { TextTrigger } from '../api';
import { isWordChar } from '../../analysis/char-codes';

/** Names of the calls the rule looks at, as the rule's trigger always spelled them. */
const TRIGGER_SOURCE = String.raw`\.(read|readlines|getvalue|getbuffer|read_bytes|read_text)\s*\(|b64decode|decodebytes|download_fileobj|MediaIoBaseDownload|ContentFile|\.(content|text|aread)\b`;
/** An HTTP client's response body (python-fetch.ts). */
const HTTP_CLIENT = /\b(requests|httpx|aiohttp|urllib2?)\b/;
const HTTP_BODY = /\.(content|text|read|aread)\b/;
/** Calls not judged below: any one keeps the module in. */
const OTHER_CALLS = /b64decode|decodebytes|download_fileobj|MediaIoBaseDownload|ContentFile|\.(?:read_bytes|read_text)\s*\(/;
const READ_CALL = /\.(read|readlines|getvalue|getbuffer)\s*\(/g;
/** Words a hashed or copied read needs (isHashInput(), copiedWhole(); ContentFile is among OTHER_CALLS). */
const HASH_OR_COPY = /hashlib|update|writestr/;

/** The offset after blanks (spaces, tabs) from `i` on (step 1), or before those that end at `i` (step -1). */
function skipBlanks(text: string, i: number, step: 1 | -1): number {
  const off = step === 1 ? 0 : -1;
  while (text[i + off] === ' ' || text[i + off] === '\t') i += step;
  return i;
}

/** `.read(8192)`, `.read(n)`: a first positional argument that cannot be `None` or `-1` (readsEverything()). */
function boundedArgument(text: string, open: number): boolean {
  const start = skipBlanks(text, open + 1, 1);
  let end = start;
  while (end < text.length && isWordChar(text.charCodeAt(end))) end++;
  if (end === start || text.slice(start, end) === 'None') return false;
  return text[skipBlanks(text, end, 1)] !== '='; // `size=None` is a keyword argument: not judged here
}

/** The receiver before `.read` is `x.attr` on the same line, `attr` a name other than `file` and `stream`. */
function plainAttributeReceiver(text: string, dot: number): boolean {
  const end = skipBlanks(text, dot, -1);
  let start = end;
  while (start > 0 && isWordChar(text.charCodeAt(start - 1))) start--;
  if (start === end || !/[A-Za-z_]/.test(text[start])) return false;
  const attr = text.slice(start, end);
  if (attr === 'file' || attr === 'stream') return false;
  const before = skipBlanks(text, start, -1);
  return before > 0 && text[before - 1] === '.' && text[before - 2] !== '.';
}

/** False when no call in the text can give the rule a finding (see above). */
export function mayReadWhole(text: string): boolean {
  if (OTHER_CALLS.test(text)) return true;
  if (HTTP_CLIENT.test(text) && HTTP_BODY.test(text)) return true;
  const uploader = text.includes('file_uploader');
  const hashedOrCopied = HASH_OR_COPY.test(text);
  for (const m of text.matchAll(READ_CALL)) {
    const method = m[1];
    if (method === 'getvalue' || method === 'getbuffer') {
      if (uploader) return true;
      continue;
    }
    if (boundedArgument(text, m.index! + m[0].length - 1)) continue;
    if ((method === 'readlines' || !hashedOrCopied) && plainAttributeReceiver(text, m.index!)) continue;
    return true;
  }
  return false;
}

/** The regex alone: what the keystroke path answers per chunk of lines. */
export const wholeReadRegex = new RegExp(TRIGGER_SOURCE);
/** Still a RegExp (answered per chunk on keystrokes); a text read once also passes mayReadWhole(). */
export const wholeReadTrigger: TextTrigger = Object.assign(new RegExp(TRIGGER_SOURCE), {
  strictTest: (text: string) => wholeReadRegex.test(text) && mayReadWhole(text),
});
