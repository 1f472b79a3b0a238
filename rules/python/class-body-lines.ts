/**
 * Which lines of Python source may be statements directly in a top-level class body, judged from indentation
 * alone (no parse): a line whose nearest less-indented line above is a `class` header at column 0, or no
 * recognisable block header at all. Lines inside `def`, `if`, `for`, nested classes... are not. Lines inside
 * triple-quoted strings are skipped, and anything unclear counts as a class body line, so the answer may be
 * too generous but does not leave out real class attributes of ordinary code.
 */

/** A compound statement header: `def f(...):`, `class A:`, `if x:`, `for ...:` (a trailing comment allowed). */
const HEADER = /^(?:async\s+)?(def|class|if|elif|else|for|while|with|try|except|finally|match|case)\b.*:\s*(?:#.*)?$/;
const TRIPLE_QUOTE = /"""|'''/g;

interface Block {
  indent: number;
  topLevelClass: boolean;
}

/** Line start offsets of the lines that may sit directly in a top-level class body (or in no known block). */
export function classBodyLineStarts(text: string): Set<number> {
  const out = new Set<number>();
  const stack: Block[] = [];
  let inString: string | undefined;
  for (let start = 0; start <= text.length; ) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end);
    const startedInString = inString !== undefined;
    for (const m of line.matchAll(TRIPLE_QUOTE)) {
      if (inString === undefined) inString = m[0];
      else if (inString === m[0]) inString = undefined;
    }
    const body = line.trimStart();
    if (!startedInString && body !== '' && !body.startsWith('#')) {
      const indent = line.length - body.length;
      while (stack.length > 0 && stack[stack.length - 1].indent >= indent) stack.pop();
      const enclosing = stack[stack.length - 1];
      if (!enclosing || enclosing.topLevelClass) out.add(start);
      const header = HEADER.exec(body.trimEnd());
      if (header) stack.push({ indent, topLevelClass: header[1] === 'class' && indent === 0 });
    } else if (startedInString) {
      out.add(start); // unclear: count it
    }
    start = end + 1;
  }
  return out;
}
