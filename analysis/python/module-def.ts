/**
 * Finding a module-level `def name(` in a Python module's text without a multiline `^` regex: V8 tries such a
 * pattern at every line of the text, while a pattern that starts with the literal `def` is searched for by its
 * letters (a 3,000-line module asked several times per keystroke).
 */

/**
 * Where the first match of `/^(?:async\s+)?def\s+NAME\s*\(/m` ends (`name`: regex source, a Python name), or
 * undefined without one. Each hit of `def\s+NAME\s*\(` is checked for what precedes it: a line start, or `async`
 * and white space from a line start.
 */
export function moduleDefEnd(text: string, name: string): number | undefined {
  const def = new RegExp(`def\\s+${name}\\s*\\(`, 'g');
  for (let m = def.exec(text); m; def.lastIndex = m.index + 1, m = def.exec(text)) {
    if (atLineStart(text, m.index)) return m.index + m[0].length;
    let k = m.index;
    while (k > 0 && /\s/.test(text[k - 1])) k--;
    if (k < m.index && k >= 5 && text.startsWith('async', k - 5) && atLineStart(text, k - 5)) return m.index + m[0].length;
  }
  return undefined;
}

/** `^` of a multiline regex: the text's start or just after a line terminator. */
function atLineStart(text: string, i: number): boolean {
  if (i === 0) return true;
  const c = text.charCodeAt(i - 1);
  return c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
}
