/**
 * What analyses that look at every Python file of a project keep of each text, read once (through peekFile, so the
 * workspace does not keep the text either): a scan of the stdlib held its 31 MB of text per thread for two of them.
 * - `words`: the text's words (maximal runs of ASCII word characters) hashed into a Bloom filter: a name whose bits
 *   are not all set is certainly not mentioned (unreferenced-functions.ts);
 * - `mayPassUpload`: the text names what every upload argument needs (upload-parameters.ts).
 * Kept per project view for its life, as the texts were before.
 */
import type { ProjectInfo } from '../../rules/api';

export interface FileDigest {
  readonly words: Uint32Array;
  readonly mayPassUpload: boolean;
  /** The text imports a web or task framework (call-graph.ts: a project without one has no request code to reach). */
  readonly web: boolean;
}

/** Text every upload argument upload-parameters.ts recognises (or an `UploadFile` annotation) contains. */
export const MAY_PASS_UPLOAD = /FILES|cleaned_data|validated_data|\.files\b|UploadFile/;

/** An import of a web or task framework at the start of a line. */
export const WEB_IMPORT = /^[ \t]*(?:from|import)[ \t]+(?:django|rest_framework|flask|flask_restful|flask_restx|fastapi|starlette|quart|litestar|sanic|celery|dramatiq|streamlit)\b/m;

const digests = new WeakMap<ProjectInfo, Map<string, FileDigest>>();

export function fileDigest(project: ProjectInfo, file: string): FileDigest {
  let byFile = digests.get(project);
  if (!byFile) digests.set(project, (byFile = new Map()));
  let digest = byFile.get(file);
  if (!digest) {
    const text = (project.peekFile ?? project.readFile).call(project, file) ?? '';
    byFile.set(file, (digest = { words: wordSet(text), mayPassUpload: MAY_PASS_UPLOAD.test(text), web: WEB_IMPORT.test(text) }));
  }
  return digest;
}

/** Two 32-bit FNV-style hashes of a word (int32), as wordSet computes them character by character. */
const H1 = 0x811c9dc5 | 0;
const H2 = 0x9747b28c | 0;

/** The three bits a word sets in a filter of `mask + 1` bits (a power of two). */
function probes(a: number, b: number, mask: number): [number, number, number] {
  const h2 = b | 1;
  return [a & mask, (a + h2) & mask, (a + 2 * h2) & mask];
}

/**
 * Bloom filter of the text's words (maximal runs of ASCII word characters), three probes, half a bit per character
 * (about three per word occurrence; a module repeats most of its words): one pass, no word strings made.
 */
function wordSet(text: string): Uint32Array {
  let size = 64;
  while (size < text.length >>> 1) size *= 2;
  const mask = size - 1;
  const bits = new Uint32Array(size >>> 5);
  let a = H1;
  let b = H2;
  let inWord = false;
  for (let i = 0, n = text.length; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 32;
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95) {
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
      inWord = true;
      continue;
    }
    if (!inWord) continue;
    // probes(a, b, mask), inlined: this runs for every word of every file.
    const h2 = b | 1;
    let bit = a & mask;
    bits[bit >>> 5] |= 1 << (bit & 31);
    bit = (a + h2) & mask;
    bits[bit >>> 5] |= 1 << (bit & 31);
    bit = (a + 2 * h2) & mask;
    bits[bit >>> 5] |= 1 << (bit & 31);
    a = H1;
    b = H2;
    inWord = false;
  }
  return bits;
}

/** False when `word` is certainly not a word of the text the set was made of. */
export function mayHoldWord(bits: Uint32Array, word: string): boolean {
  let a = H1;
  let b = H2;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
  }
  for (const bit of probes(a, b, bits.length * 32 - 1)) if ((bits[bit >>> 5] & (1 << (bit & 31))) === 0) return false;
  return true;
}
