/**
 * Dead module-level functions: a plain `def name(...)` (no decorator, which may register it) whose name no other
 * Python file of the project and no other line of its own module mentions. Code nothing calls never runs in a worker.
 */
import type { ProjectInfo } from '../../rules/api';

const PROJECT_FILE = /(^|\/)(requirements[^/]*\.txt|pyproject\.toml|Pipfile|setup\.py|setup\.cfg|manage\.py|Dockerfile|Procfile)$/;

/**
 * Per project, per file: the words (maximal runs of ASCII word characters) of its text, hashed into a small bit set.
 * A name none of whose hashes is set is certainly not mentioned; a set one is checked on the text. Texts are not
 * kept: on the stdlib they were 31 MB per thread, the word sets 3 MB.
 */
const wordSets = new WeakMap<ProjectInfo, Map<string, Uint32Array>>();
const ASCII_WORD = /^[A-Za-z0-9_]+$/;

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

function mayHold(bits: Uint32Array, word: string): boolean {
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

/**
 * True when `name`, defined by a top-level def in `relPath`, is named nowhere else in the project's Python files
 * (but those `ignore` says do not count: a caller that never runs in production, such as a test or a command).
 */
export function unreferencedFunction(project: ProjectInfo, relPath: string, ownText: string, name: string, ignore?: (file: string) => boolean): boolean {
  if (name.startsWith('__') || /^(main|handler|lambda_handler|application|app|create_app)$/.test(name)) return false;
  const word = new RegExp(`(?<![\\w.])${name}\\b|\\.${name}\\b`, 'g');
  // Its own module: the def itself is the only mention.
  if ((ownText.match(word) ?? []).length > 1) return false;
  const all = project.files();
  // Only in a whole project (a dependency or deploy file says so): a loose folder of scripts shows no callers.
  if (!all.some((f) => PROJECT_FILE.test(f))) return false;
  const files = all.filter((f) => f.endsWith('.py') && f !== relPath);
  if (files.length === 0) return false; // single-file mode: the callers cannot be seen
  const mentions = new RegExp(`\\b${name}\\b`);
  let sets = wordSets.get(project);
  if (!sets) wordSets.set(project, (sets = new Map()));
  const read = (file: string) => (project.peekFile ?? project.readFile).call(project, file) ?? '';
  // `\bname\b` matches exactly where `name` is a whole ASCII word: for such names the word set answers "no" for certain.
  const ascii = ASCII_WORD.test(name);
  for (const file of files) {
    let bits = sets.get(file);
    let text: string | undefined;
    if (bits === undefined) sets.set(file, (bits = wordSet((text = read(file)))));
    if (ascii && !mayHold(bits, name)) continue;
    text ??= read(file);
    if (text.includes(name) && mentions.test(text) && !ignore?.(file)) return false;
  }
  return true;
}
