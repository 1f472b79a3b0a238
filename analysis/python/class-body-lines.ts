/**
 * Which lines of Python source may be statements directly in a top-level class body, judged from indentation
 * alone (no parse): a line whose nearest less-indented statement line above is a `class` header at column 0,
 * or no recognisable block header at all. Lines inside `def`, `if`, `for`, nested classes... are not.
 * Lines inside triple-quoted strings are skipped, and so are continuation lines inside brackets (their
 * indentation means nothing); anything unclear counts as a class body line, so the answer may be too
 * generous but does not leave out real class attributes of ordinary code.
 */

/** A compound statement header: `def f(...):`, `class A:`, `if x:`, `for ...:` (a trailing comment allowed). */
const HEADER = /^(?:async\s+)?(def|class|if|elif|else|for|while|with|try|except|finally|match|case)\b.*:\s*(?:#.*)?$/;
/** A line that can only start a statement: a bracket count gone wrong is reset there. */
const STATEMENT_START = /^(?:async\s+def|def|class)\s+\w/;
const TRIPLE_QUOTE = /"""|'''/g;
/** One-line string literals and comments, which may hold brackets that open or close nothing. */
const STRINGS_AND_COMMENT = /"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|#.*$/g;

interface Block {
  indent: number;
  topLevelClass: boolean;
}

/** Line start offsets of the lines that may sit directly in a top-level class body (or in no known block). */
export function classBodyLineStarts(text: string): Set<number> {
  const out = new Set<number>();
  const stack: Block[] = [];
  let inString: string | undefined;
  let depth = 0;
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
    if (startedInString) {
      out.add(start); // unclear: count it
    } else if (body !== '' && !body.startsWith('#')) {
      const indent = line.length - body.length;
      if (indent === 0 && STATEMENT_START.test(body)) depth = 0;
      if (depth === 0) {
        while (stack.length > 0 && stack[stack.length - 1].indent >= indent) stack.pop();
        const enclosing = stack[stack.length - 1];
        if (!enclosing || enclosing.topLevelClass) out.add(start);
        const header = HEADER.exec(body.trimEnd());
        if (header) stack.push({ indent, topLevelClass: header[1] === 'class' && indent === 0 });
      }
      if (inString === undefined) depth = Math.max(0, depth + bracketBalance(line));
    }
    start = end + 1;
  }
  return out;
}

function bracketBalance(line: string): number {
  let balance = 0;
  const code = line.includes('#') || line.includes('"') || line.includes("'") ? line.replace(STRINGS_AND_COMMENT, '') : line;
  for (let i = 0; i < code.length; i++) {
    const c = code.charCodeAt(i);
    if (c === 40 || c === 91 || c === 123) balance++;
    else if (c === 41 || c === 93 || c === 125) balance--;
  }
  return balance;
}
