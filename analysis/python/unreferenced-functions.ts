/**
 * Dead module-level functions: a plain `def name(...)` (no decorator, which may register it) whose name no other
 * Python file of the project and no other line of its own module mentions. Code nothing calls never runs in a worker.
 */
import type { ProjectInfo } from '../../rules/api';

const PROJECT_FILE = /(^|\/)(requirements[^/]*\.txt|pyproject\.toml|Pipfile|setup\.py|setup\.cfg|manage\.py|Dockerfile|Procfile)$/;

const textsCache = new WeakMap<ProjectInfo, Map<string, string>>();

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
  let texts = textsCache.get(project);
  if (!texts) textsCache.set(project, (texts = new Map()));
  for (const file of files) {
    let text = texts.get(file);
    if (text === undefined) texts.set(file, (text = project.readFile(file) ?? ''));
    // includes() first: most files do not hold the name at all, and it is far cheaper than the word regex.
    if (text.includes(name) && mentions.test(text) && !ignore?.(file)) return false;
  }
  return true;
}
