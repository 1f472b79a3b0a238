/**
 * Functions a shell script defines (`start_with_db() { ... exec gunicorn ...; }`, `function serve { ... }`). A line
 * calling one starts no program of its own: the commands of its body, which the script's commands already list, are
 * what runs.
 */

const DEFINITION = /^[ \t]*(?:function[ \t]+([A-Za-z_][\w-]*)(?:[ \t]*\(\))?|([A-Za-z_][\w-]*)[ \t]*\(\))[ \t]*(?:\{|\(|$)/gm;

const memo = new Map<string, ReadonlySet<string>>();

/** The names of the functions `text` (a shell script) defines. */
export function shellFunctionNames(text: string): ReadonlySet<string> {
  let names = memo.get(text);
  if (names) return names;
  names = new Set([...text.matchAll(DEFINITION)].map((m) => m[1] ?? m[2]));
  if (memo.size > 64) memo.clear();
  memo.set(text, names);
  return names;
}
