/**
 * A class view's rows may come from a mixin or base class it imports from another project module
 * (`from .mixins import OwnedLeadsMixin` with `get_queryset()` returning `Lead.objects.select_related(...)`): that
 * queryset is not the `model = X` default the view's own module shows, so the view's rows are not judged.
 */
import { classesOfText } from '../../analysis/python/project-classes';
import type { ImportedBase } from '../../analysis/python/django-template-views';

/** Members by which a class picks the rows of a generic view. */
const PICKS_ROWS = /^[ \t]+(?:def[ \t]+(?:get_queryset|get_object)\b|queryset[ \t]*(?::[^=\n]*)?=)/m;
const MAX_DEPTH = 6;

/**
 * True when a base the view (in `viewFile`) imports from a project module, or a base of it in that module, defines
 * `get_queryset`, `get_object` or `queryset`. `read` records the module read as an input of the answer.
 */
export function importedBasePicksRows(bases: readonly ImportedBase[], viewFile: string, files: readonly string[], read: (rel: string) => string | undefined): boolean {
  return bases.some((base) => {
    const file = moduleFile(base.module, viewFile, files);
    const text = file === undefined ? undefined : read(file);
    if (text === undefined) return false;
    const classes = classesOfText(text, true);
    const seen = new Set<string>();
    const picks = (name: string, depth: number): boolean => {
      const cls = classes.get(name);
      if (!cls || seen.has(name) || depth > MAX_DEPTH) return false;
      seen.add(name);
      if (PICKS_ROWS.test(cls)) return true;
      const header = /^class[ \t]+\w+[ \t]*\(([^)]*)\)/.exec(cls)?.[1] ?? '';
      return header.split(',').some((b) => picks(b.trim().split('.').pop() ?? '', depth + 1));
    };
    return picks(base.name, 0);
  });
}

/** The project file of a module: `lead.mixins` -> `lead/mixins.py` (under any source folder), `.mixins` next to the view. */
function moduleFile(module: string, viewFile: string, files: readonly string[]): string | undefined {
  const dots = /^\.*/.exec(module)![0].length;
  const rest = module.slice(dots).replace(/\./g, '/');
  if (dots > 0) {
    const dir = viewFile.split('/').slice(0, -1);
    const up = dir.slice(0, Math.max(0, dir.length - (dots - 1)));
    const stem = [...up, ...(rest ? [rest] : [])].join('/');
    return [`${stem}.py`, `${stem}/__init__.py`].find((f) => files.includes(f));
  }
  const candidates = [`${rest}.py`, `${rest}/__init__.py`];
  const found = files.filter((f) => candidates.some((c) => f === c || f.endsWith(`/${c}`)));
  return found.length === 1 ? found[0] : undefined;
}
