/**
 * Dead module-level functions: a plain `def name(...)` (no decorator, which may register it) whose name no other
 * Python file of the project (but in an import that binds it, unused) and no other line of its own module mentions.
 * Code nothing calls never runs in a worker.
 */
import type { ProjectInfo } from '../../rules/api';
import { fileDigest, mayHoldWord } from './file-digests';

const PROJECT_FILE = /(^|\/)(requirements[^/]*\.txt|pyproject\.toml|Pipfile|setup\.py|setup\.cfg|manage\.py|Dockerfile|Procfile)$/;

const ASCII_WORD = /^[A-Za-z0-9_]+$/;

/** Deploy and packaging files that may name a Python function (not lock files, not installed packages). */
const CALLER_CONFIG = /(^|\/)([^/]*\.(ya?ml|toml|cfg|ini)|Procfile)$/;
const INSTALLED = /(^|\/)(node_modules|site-packages|\.?venv)\//;

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
  // Config files that name functions to call count too: serverless `handler: handler.process`, pyproject/setup.cfg
  // entry points, a Procfile's `module:function`.
  const files = all.filter((f) => (f.endsWith('.py') || (CALLER_CONFIG.test(f) && !INSTALLED.test(f))) && f !== relPath);
  if (files.length === 0) return false; // single-file mode: the callers cannot be seen
  const mentions = new RegExp(`\\b${name}\\b`);
  // `\bname\b` matches exactly where `name` is a whole ASCII word: for such names the word set answers "no" for certain
  // (file-digests.ts), and only the files it may be in are read again.
  const ascii = ASCII_WORD.test(name);
  for (const file of files) {
    if (ascii && !mayHoldWord(fileDigest(project, file).words, name)) continue;
    const text = (project.peekFile ?? project.readFile).call(project, file) ?? '';
    if (text.includes(name) && mentions.test(text) && !ignore?.(file) && mentionedOutsideImports(text, name)) return false;
  }
  return true;
}

/** A whole line that is a `#` comment (Python, YAML, TOML, INI, Procfile). */
const COMMENT_LINE = /^[ \t]*#.*$/gm;

/** `from m import a, b` (one line up to a `;`, `\`-continued or parenthesised) and `import m`: statements that only bind names. */
const IMPORT_STATEMENT = /^[ \t]*(?:from[ \t]+[\w.]+[ \t]+import[ \t]*(?:\([^)]*\)|(?:[^\n\\;]|\\\r?\n)*)|import[ \t]+(?:[^\n\\;]|\\\r?\n)*)/gm;

/**
 * The file names `name` somewhere other than an import that binds it under its own name: a module that imports a
 * helper and never uses it (`from .tasks import export_db, ...` in a view module) does not call it. An import under
 * another name (`export_db as run_export`) counts as a use, since the alias is what the module calls.
 */
function mentionedOutsideImports(text: string, name: string): boolean {
  const word = new RegExp(`\\b${name}\\b`);
  const aliased = new RegExp(`\\b${name}[ \t]+as\\b`);
  // A line commented out (`# path('list/', customer_list)`) calls nothing.
  if (text.includes('#')) text = text.replace(COMMENT_LINE, '');
  let rest = '';
  let last = 0;
  for (const m of text.matchAll(IMPORT_STATEMENT)) {
    if (aliased.test(m[0])) return true;
    rest += text.slice(last, m.index);
    last = m.index! + m[0].length;
  }
  return word.test(rest + text.slice(last));
}
