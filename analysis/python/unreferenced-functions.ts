/**
 * Dead module-level functions: a plain `def name(...)` (no decorator, which may register it) whose name no other
 * Python file of the project and no other line of its own module mentions. Code nothing calls never runs in a worker.
 */
import type { ProjectInfo } from '../../rules/api';

const PROJECT_FILE = /(^|\/)(requirements[^/]*\.txt|pyproject\.toml|Pipfile|setup\.py|setup\.cfg|manage\.py|Dockerfile|Procfile)$/;

/**
 * Per project, per file: the words (maximal runs of ASCII word characters) of its text, hashed into a small bit set.
 * A name none of whose hashes is set is certainly not mentioned; a set one is checked on the text. Texts are not
 * kept: on the stdlib they were 31 MB per thread, the word sets are under 1 MB.
 */
const wordSets = new WeakMap<ProjectInfo, Map<string, Uint32Array>>();
const ASCII_WORD = /^[A-Za-z0-9_]+$/;

/** Two 32-bit FNV-style hashes of a word, updated one character at a time (wordSet hashes without making strings). */
const H1 = 0x811c9dc5;
const H2 = 0x9747b28c;
const step1 = (h: number, c: number) => Math.imul(h ^ c, 0x01000193);
const step2 = (h: number, c: number) => Math.imul(h ^ c, 0x5bd1e995) ^ (h >>> 15);

function hashes(word: string): [number, number] {
  let a = H1;
  let b = H2;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    a = step1(a, c);
    b = step2(b, c);
  }
  return [a >>> 0, (b | 1) >>> 0];
}

const isWordChar = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;

/**
 * Bloom filter of the text's words (maximal runs of ASCII word characters), three probes, sized at 4 bits per word
 * occurrence (a module repeats most of its words): one pass over the characters, no word strings made.
 */
function wordSet(text: string): Uint32Array {
  let words = 0;
  for (let i = 0, inWord = false; i < text.length; i++) {
    const w = isWordChar(text.charCodeAt(i));
    if (w && !inWord) words++;
    inWord = w;
  }
  const bits = new Uint32Array(Math.max(2, Math.ceil((words * 4) / 32)));
  const size = bits.length * 32;
  let a = H1;
  let b = H2;
  let inWord = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    if (isWordChar(c)) {
      a = step1(a, c);
      b = step2(b, c);
      inWord = true;
      continue;
    }
    if (!inWord) continue;
    const h1 = a >>> 0;
    const h2 = (b | 1) >>> 0;
    for (let k = 0; k < 3; k++) {
      const bit = (h1 + k * h2) % size;
      bits[bit >>> 5] |= 1 << (bit & 31);
    }
    a = H1;
    b = H2;
    inWord = false;
  }
  return bits;
}

function mayHold(bits: Uint32Array, word: string): boolean {
  const size = bits.length * 32;
  const [a, b] = hashes(word);
  for (let k = 0; k < 3; k++) {
    const bit = (a + k * b) % size;
    if ((bits[bit >>> 5] & (1 << (bit & 31))) === 0) return false;
  }
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
