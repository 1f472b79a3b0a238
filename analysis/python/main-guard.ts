/**
 * Script entry points: the `if __name__ == "__main__":` block of a module runs only when the module is started as a
 * script (`python apply_patch.py`), never when a worker imports it. A call from there brings a function into
 * production only when some deploy file starts the module by name.
 */
import type { Node } from 'web-tree-sitter';
import type { ProjectInfo } from '../../rules/api';
import { START_FILE, startedByDeploy } from '../reach';
import { stringValue } from './ast';

/** `if __name__ == "__main__":` (either operand order, no `elif`/`else` that would run on import). */
export function isMainGuard(statement: Node): boolean {
  if (statement.type !== 'if_statement') return false;
  if (statement.childrenForFieldName('alternative').length) return false;
  const condition = statement.childForFieldName('condition');
  if (condition?.type !== 'comparison_operator' || condition.namedChildren.length !== 2) return false;
  if (!condition.children.some((c) => c?.type === '==')) return false;
  const [a, b] = condition.namedChildren;
  const isName = (n: Node | null) => n?.type === 'identifier' && n.text === '__name__';
  const isMain = (n: Node | null) => n?.type === 'string' && stringValue(n) === '__main__';
  return (isName(a) && isMain(b)) || (isMain(a) && isName(b));
}

/**
 * Some deploy file of the project starts this module as a script or a module (`python x.py`, `python -m pkg.x`).
 * Not cached: a deploy file edited in the editor changes the answer, and it is asked only for a function whose
 * callers include a `__main__` block.
 */
export function startedAsScript(relPath: string, project: ProjectInfo): boolean {
  // A package's `__main__.py` runs as `python -m package`, which the start-name patterns do not spell.
  if (/(^|\/)__main__\.py$/.test(relPath)) return true;
  // Without a deploy file (a loose folder, single-file mode) how the module is started cannot be seen: assume it is.
  if (!project.files().some((f) => START_FILE.test(f) && !/(^|\/)node_modules\//.test(f))) return true;
  return startedByDeploy(relPath, 'script', project);
}

/** Python files of the project, other than `relPath`, that name the module `relPath` (an import or a dotted path). */
export function moduleNamedElsewhere(relPath: string, project: ProjectInfo, ignore: (file: string) => boolean): boolean {
  const stem = relPath.replace(/\.py$/, '').split('/').pop() ?? '';
  if (!stem || stem === '__init__' || stem === '__main__') return true;
  const word = new RegExp(`\\b${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`);
  return project.files().some((f) => f !== relPath && /\.(py|toml|cfg)$/.test(f) && !ignore(f) && word.test(project.readFile(f) ?? ''));
}
