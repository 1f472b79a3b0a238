/**
 * The app label Django gives a model a module imports (`from .models import Loan` in `library/views.py`: `library`),
 * for the templates generic views pick by default (`<app_label>/<model_name>_list.html`). Django's label is the last
 * part of the app's module (AppConfig.label); the app is the package holding the `models` module or package the
 * model comes from. Undefined when the import does not show it (a name not imported from a `models` module).
 */
import type { Tree } from 'web-tree-sitter';
import { importsOf } from './imports';

export function modelAppLabel(relPath: string, tree: Tree, model: string): string | undefined {
  const origin = importsOf(tree).origins.get(model);
  if (!origin || origin.name !== model) return undefined;
  const dots = /^\.*/.exec(origin.module)![0].length;
  const rest = origin.module.slice(dots).split('.').filter(Boolean);
  let parts = rest;
  if (dots > 0) {
    const dir = relPath.split('/').slice(0, -1);
    if (dots - 1 > dir.length) return undefined;
    parts = [...dir.slice(0, dir.length - (dots - 1)), ...rest];
  }
  const at = parts.lastIndexOf('models');
  return at > 0 ? parts[at - 1] : undefined;
}
