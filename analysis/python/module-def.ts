/**
 * Finding a module-level `def name(` in a Python module's text without a multiline `^` regex: V8 tries such a
 * pattern at every line of the text, while a pattern that starts with a literal (the name) is searched for by its
 * letters (a 3,000-line module asked several times per keystroke).
 */

/**
 * Where the first match of `/^(?:async\s+)?def\s+NAME\s*\(/m` ends (`name`: regex source, a Python name), or
 * undefined without one. Searched from the name's letters (a pattern that starts with `def` stops at every def);
 * each hit of `NAME\s*\(` is checked for what precedes it: white space, `def`, and a line start or `async` and
 * white space from a line start.
 */
export function moduleDefEnd(text: string, name: string): number | undefined {
  const call = new RegExp(`${name}\\s*\\(`, 'g');
  for (let m = call.exec(text); m; call.lastIndex = m.index + 1, m = call.exec(text)) {
    let k = spaceBefore(text, m.index);
    if (k === m.index || k < 3 || !text.startsWith('def', k - 3)) continue;
    k -= 3;
    if (atLineStart(text, k)) return m.index + m[0].length;
    const a = spaceBefore(text, k);
    if (a < k && a >= 5 && text.startsWith('async', a - 5) && atLineStart(text, a - 5)) return m.index + m[0].length;
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
