/**
 * Character classes by char code, for the text scans that run before (or instead of) a parse: a regex per character
 * costs more than these comparisons on every keystroke.
 */

/** `\w`: an ASCII letter, digit or underscore. */
export function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
