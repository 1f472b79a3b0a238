/**
 * Dead functions: an undecorated top-level `def` that no production code calls (callers only in tests, management
 * commands or scripts no deploy starts, or none at all) never runs in a worker. Asked only when a rule is about to
 * report inside one (the project's modules are searched then, not per keystroke).
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { RuleContext } from '../../rules/api';
import { unreferencedFunction } from './unreferenced-functions';
import { offlineCode } from '../reach';
import { isMainGuard, moduleNamedElsewhere, startedAsScript } from './main-guard';
import { topLevelStatements } from './statements';

/** The offset sits in an undecorated top-level `def` that no other place in the project names. */
export function inDeadFunction(ctx: RuleContext, tree: Tree, offset: number): boolean {
  // The module's statements are listed once per tree (a `namedChildren` per report re-reads every one of them).
  const top = topLevelStatements(tree).find((s) => s.start <= offset && offset < s.end);
  return top?.type === 'function_definition' && deadFunction(ctx, tree, top.node, new Set());
}

/**
 * No production code calls the undecorated top-level `def`: callers in tests, management commands or scripts no
 * deploy starts do not bring it into a worker, and neither do other dead functions of its own module (a helper
 * only the command's entry point calls).
 */
function deadFunction(ctx: RuleContext, tree: Tree, def: Node, judging: Set<number>): boolean {
  const name = def.childForFieldName('name')?.text;
  if (!name || judging.size > 4) return false;
  judging.add(def.id);
  const offline = (file: string) => offlineCode(file, ctx.project) !== undefined;
  // Other modules first (its own text stands in for the module: the mentions there are judged below).
  // The `if __name__ == "__main__":` block of a module no deploy starts runs by hand only: its calls add no live caller.
  let script: boolean | undefined;
  const isScript = () => (script ??= !startedAsScript(ctx.file.relPath, ctx.project));
  const entryOfScript = () => name === 'main' && isScript() && !moduleNamedElsewhere(ctx.file.relPath, ctx.project, offline);
  if (!unreferencedFunction(ctx.project, ctx.file.relPath, def.text, name, offline) && !entryOfScript()) return false;
  const word = new RegExp(`(?<![\\w.])${name}\\b`);
  for (const other of tree.rootNode.namedChildren) {
    // A function already being judged (mutual calls) adds no live caller.
    if (!other || judging.has(other.id) || !word.test(other.text)) continue;
    if (other.type === 'comment' || (isMainGuard(other) && isScript()) || !namesIdentifier(other, name)) continue;
    if (other.type !== 'function_definition' || !deadFunction(ctx, tree, other, judging)) return false;
  }
  return true;
}

/** The statement uses `name` as code, not only inside a string (`TARGET = "main.py"` does not call main). */
function namesIdentifier(statement: Node, name: string): boolean {
  return statement.descendantsOfType('identifier').some((id) => id?.text === name);
}
