/**
 * Which actions of a DRF viewset the project's URLs route. A viewset answers GET on the collection with `list()` only
 * when a route maps it: a router (`router.register("apps", AppViewSet)`) routes every action the class has, while
 * `AppViewSet.as_view({"get": "retrieve"})` routes only the actions its dict names. A ModelViewSet whose every route
 * is such a dict without "list" never lists its queryset: its list findings are about code no request runs.
 *
 * Read from the text of the project's Python files. "Not listed" is claimed only when the class is named somewhere
 * besides its definition and imports, and every such mention is an `as_view({...})` with a literal dict lacking
 * "list"; any other mention (a router, a subclass, `as_view(actions)`, a list of views) leaves it "unknown".
 */
import type { ProjectInfo } from '../../rules/api';
import { FileVersionSlot } from '../cache';
import { projectTexts } from '../project-texts';

export type ListRouting = 'not-listed' | 'unknown';

/** `from x import (A,\n B)` and `from x import A, \\\n B` and `import x` statements: names there are no use. */
const IMPORT_STATEMENT = /^[ \t]*from[ \t]+[\w.]+[ \t]+import[ \t]*\([^)]*\)|^[ \t]*(?:from[ \t]+[\w.]+[ \t]+)?import[ \t]+(?:[^\n\\]|\\\r?\n)*$/gm;

export function listRoutingOf(project: ProjectInfo, current: { relPath: string; text: string }, className: string): ListRouting {
  if (!/^[A-Za-z_]\w*$/.test(className)) return 'unknown';
  const texts = projectTexts(project, current);
  const files = texts.files.includes(current.relPath) ? texts.files : [...texts.files, current.relPath];
  const mention = new RegExp(`\\b${className}\\b`, 'g');
  let routes = 0;
  for (const file of files) {
    if (!file.endsWith('.py') || /(^|\/)(node_modules|\.venv|venv|site-packages)\//.test(file)) continue;
    const raw = texts.text(file);
    if (raw === undefined || !raw.includes(className)) continue;
    const text = BLANKED.get(file, raw, () => withoutCommentsAndImports(raw));
    for (const m of text.matchAll(mention)) {
      const at = m.index!;
      if (/\bclass[ \t]+$/.test(text.slice(Math.max(0, at - 20), at))) continue;
      const actions = asViewActions(text, at + className.length);
      if (actions === undefined || actions.includes('list')) return 'unknown';
      routes++;
    }
  }
  return routes > 0 ? 'not-listed' : 'unknown';
}

/**
 * Comments and imports name a class without routing it: blanked, keeping offsets. Once per version of each file's
 * text: every list view of a module asks about the module (which names them all) and the URL modules again.
 */
const BLANKED = new FileVersionSlot<string>('DRF routes: texts without comments and imports', 400);

function withoutCommentsAndImports(raw: string): string {
  return raw.replace(/#[^\n]*/g, (c) => ' '.repeat(c.length)).replace(IMPORT_STATEMENT, (s) => s.replace(/[^\n]/g, ' '));
}

/** The actions of `.as_view({"get": "retrieve", ...})` right after a class name, or undefined for any other use. */
function asViewActions(text: string, from: number): string[] | undefined {
  const call = /^\s*\.\s*as_view\s*\(\s*\{/.exec(text.slice(from, from + 200));
  if (!call) return undefined;
  const open = from + call[0].length;
  const close = text.indexOf('}', open);
  if (close === -1) return undefined;
  const body = text.slice(open, close);
  const pairs = [...body.matchAll(/["'](\w+)["']\s*:\s*["'](\w+)["']/g)];
  // Anything but literal "method": "action" pairs (a ** spread, a variable) may route list.
  if (pairs.length === 0 || body.replace(/["']\w+["']\s*:\s*["']\w+["']/g, '').replace(/[\s,]/g, '') !== '') return undefined;
  return pairs.map((p) => p[2]);
}
