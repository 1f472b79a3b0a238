/**
 * Finding a module-level `def name(` in a Python module's text without a multiline `^` regex: V8 tries such a
 * pattern at every line of the text (a 3,000-line module asked several times per keystroke).
 */

/**
 * Where the first match of `/^(?:async\s+)?def\s+NAME\s*\(/m` ends (`name`: regex source, a Python name), or
 * undefined without one. Searched from the name's letters (a pattern that starts with `def` stops at every def);
 * each hit of `NAME\s*\(` is checked for what precedes it: white space, `def`, and a line start or `async` and
 * white space from a line start.
 */
export function moduleDefEnd(text: string, name: string): number | undefined {
  if (!/^\w+$/.test(name)) {
    const m = new RegExp(`^(?:async\\s+)?def\\s+${name}\\s*\\(`, 'm').exec(text);
    return m ? m.index + m[0].length : undefined;
  }
  if (text !== lastText) {
    lastText = text;
    lastAnswers.clear();
  }
  if (lastAnswers.has(name)) return lastAnswers.get(name);
  const end = search(text, name);
  lastAnswers.set(name, end);
  return end;
}

/**
 * The answers for the last text asked: a keystroke asks about the same module text once per task dispatch and once
 * per statement whose findings are kept (a pure function of text and name, so kept by the text's equality).
 */
let lastText = '';
const lastAnswers = new Map<string, number | undefined>();

function search(text: string, name: string): number | undefined {
  const call = new RegExp(`${name}\\s*\\(`, 'g');
  for (let m = call.exec(text); m; call.lastIndex = m.index + 1, m = call.exec(text)) {
    const i = m.index;
    let k = spaceBefore(text, i);
    if (k === i || k < 3 || !text.startsWith('def', k - 3)) continue;
    k -= 3;
    if (atLineStart(text, k)) return i + m[0].length;
    const a = spaceBefore(text, k);
    if (a < k && a >= 5 && text.startsWith('async', a - 5) && atLineStart(text, a - 5)) return i + m[0].length;
  }
  return undefined;
}

/** Start of the run of white space (`\s`) that ends at `end`. */
function spaceBefore(text: string, end: number): number {
  let k = end;
  while (k > 0 && /\s/.test(text[k - 1])) k--;
  return k;
}

/** `^` of a multiline regex: the text's start or just after a line terminator. */
function atLineStart(text: string, i: number): boolean {
  if (i === 0) return true;
  const c = text.charCodeAt(i - 1);
  return c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
}
