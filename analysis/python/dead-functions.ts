/**
 * Dead functions: an undecorated top-level `def` (or a Django function view whose decorators only wrap it,
 * view-wrappers.ts) that no production code calls (callers only in tests, management
 * commands or scripts no deploy starts, or none at all) never runs in a worker. Asked only when a rule is about to
 * report inside one (the project's modules are searched then, not per keystroke).
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { RuleContext } from '../../rules/api';
import { unreferencedFunction } from './unreferenced-functions';
import { offlineCode } from '../reach';
import { isMainGuard, moduleNamedElsewhere, startedAsScript } from './main-guard';
import { topLevelStatements } from './statements';
import { projectChanges } from '../cache';
import { projectTexts } from '../project-texts';
import { fileDigest, mayHoldWord, WEB_IMPORT } from './file-digests';
import { unreachedCode } from './unreached-code';
import { VIEW_SIGNATURE, wrappedViewFunction } from './view-wrappers';

/**
 * The rule context whose reports inside a dead function are dropped (a finding in code no worker runs), for rules
 * that report only Python of `ctx.file`. The module is parsed only when a report comes.
 */
export function liveCodeReports(ctx: RuleContext): RuleContext {
  const dead = (offset: number) => {
    const tree = ctx.python();
    if (unreachedCode(ctx, tree, offset, () => hasUrlConf(ctx))) return true;
    const top = topLevelStatements(tree).find((s) => s.start <= offset && offset < s.end);
    // A plain def, or a function view whose decorators only wrap it (`@login_required`): neither registers itself.
    const def = top?.type === 'function_definition' ? top.node : top?.type === 'decorated_definition' ? wrappedViewFunction(top.node) : undefined;
    if (!top || !def || (def !== top.node && !urlConfsResolved(ctx))) return false;
    // A view's signature (`def orders(request)`) in a project whose URLconf memlint does not see (a project scanned
    // in part, views routed by a package's URLconf): the router that names it may be elsewhere.
    if (VIEW_SIGNATURE.test(def.childForFieldName('parameters')?.text ?? '') && !hasUrlConf(ctx)) return false;
    // A project no module of which imports a web or task framework (a library, a reports module) is called from
    // outside: its callers are not in the project.
    if (!servesRequests(ctx)) return false;
    return deadFunction(ctx, tree, def, new Set([top.node.id]));
  };
  return Object.create(ctx, {
    report: { value: (spec: Parameters<RuleContext['report']>[0]) => (dead(spec.start) ? undefined : ctx.report(spec)) },
  });
}

const URLCONF = /^[ \t]*urlpatterns\s*\+?=/m;
const urlConfs = new WeakMap<object, { relPath: string; changes: number; found: boolean }>();

/** Some Python file of the project declares `urlpatterns` (the other files' answer kept while they are unchanged). */
function hasUrlConf(ctx: RuleContext): boolean {
  if (URLCONF.test(ctx.file.text)) return true;
  const changes = projectChanges(ctx.project, ctx.file.relPath);
  const memo = urlConfs.get(ctx.project);
  if (memo && changes !== undefined && memo.changes === changes && memo.relPath === ctx.file.relPath) return memo.found;
  const texts = projectTexts(ctx.project, { relPath: ctx.file.relPath, text: ctx.file.text });
  const found = texts.files.some(
    (f) => f !== ctx.file.relPath && f.endsWith('.py') && mayHoldWord(fileDigest(ctx.project, f).words, 'urlpatterns') && URLCONF.test(texts.text(f) ?? ''),
  );
  if (changes !== undefined) urlConfs.set(ctx.project, { relPath: ctx.file.relPath, changes, found });
  return found;
}

/** The offset sits in an undecorated top-level `def` that no other place in the project names. */
export function inDeadFunction(ctx: RuleContext, tree: Tree, offset: number): boolean {
  if (unreachedCode(ctx, tree, offset, () => hasUrlConf(ctx))) return true;
  // The module's statements are listed once per tree (a `namedChildren` per report re-reads every one of them).
  const top = topLevelStatements(tree).find((s) => s.start <= offset && offset < s.end);
  if (top?.type === 'decorated_definition') {
    const view = wrappedViewFunction(top.node);
    return !!view && hasUrlConf(ctx) && urlConfsResolved(ctx) && deadFunction(ctx, tree, view, new Set([top.node.id]));
  }
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
  // Its own body naming it (a recursive call, a local variable of the same name) is no caller: only its header is
  // the module's text here (the module's other statements are judged below).
  const header = def.text.slice(0, (def.childForFieldName('body')?.startIndex ?? def.endIndex) - def.startIndex);
  if (!unreferencedElsewhere(ctx, header, name, offline) && !entryOfScript()) return false;
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

/**
 * unreferencedFunction, kept while no other file of the project changed: a keystroke re-asks it for every finding of
 * the module, and a name several modules hold costs a read of each.
 */
const answers = new WeakMap<object, { relPath: string; changes: number; byDef: Map<string, boolean> }>();

function unreferencedElsewhere(ctx: RuleContext, defText: string, name: string, offline: (file: string) => boolean): boolean {
  const changes = projectChanges(ctx.project, ctx.file.relPath);
  if (changes === undefined) return unreferencedFunction(ctx.project, ctx.file.relPath, defText, name, offline);
  let memo = answers.get(ctx.project);
  if (!memo || memo.relPath !== ctx.file.relPath || memo.changes !== changes) answers.set(ctx.project, (memo = { relPath: ctx.file.relPath, changes, byDef: new Map() }));
  const key = `${name}\u0000${defText}`;
  let answer = memo.byDef.get(key);
  if (answer === undefined) {
    if (memo.byDef.size > 256) memo.byDef.clear();
    memo.byDef.set(key, (answer = unreferencedFunction(ctx.project, ctx.file.relPath, defText, name, offline)));
  }
  return answer;
}

const serving = new WeakMap<object, { changes: number; found: boolean }>();

/** Some Python file of the project imports a web or task framework (file-digests.ts's `web`). */
function servesRequests(ctx: RuleContext): boolean {
  if (WEB_IMPORT.test(ctx.file.text)) return true;
  const changes = projectChanges(ctx.project);
  const memo = serving.get(ctx.project);
  if (memo && changes !== undefined && memo.changes === changes) return memo.found;
  const found = ctx.project.files().some((f) => f.endsWith('.py') && fileDigest(ctx.project, f).web);
  if (changes !== undefined) serving.set(ctx.project, { changes, found });
  return found;
}

/** URLconfs that load views by computed names (`locate(...)`, `getattr(views, name)`, `import_module(...)`). */
const DYNAMIC_ROUTES = /\b(locate|getattr|import_module|__import__)\(/;
const INCLUDED = /\binclude\(\s*["']([\w.]+)["']/g;
const resolvedMemos = new WeakMap<object, { changes: number; resolved: boolean }>();

/**
 * Every URLconf of the project is read whole: none loads views by computed names, and every `include("app.urls")`
 * names a module of the project (one of another project or package may route any view). Otherwise a view nothing
 * names may still be routed.
 */
function urlConfsResolved(ctx: RuleContext): boolean {
  const changes = projectChanges(ctx.project);
  const memo = resolvedMemos.get(ctx.project);
  if (memo && changes !== undefined && memo.changes === changes) return memo.resolved;
  const files = ctx.project.files();
  const present = new Set(files);
  const resolved = files.every((f) => {
    if (!f.endsWith('.py') || !mayHoldWord(fileDigest(ctx.project, f).words, 'urlpatterns')) return true;
    const text = ctx.project.readFile(f) ?? '';
    if (!URLCONF.test(text)) return true;
    if (DYNAMIC_ROUTES.test(text)) return false;
    return [...text.matchAll(INCLUDED)].every((m) => {
      const path = m[1].split('.').join('/');
      return present.has(`${path}.py`) || present.has(`${path}/__init__.py`);
    });
  });
  if (changes !== undefined) resolvedMemos.set(ctx.project, { changes, resolved });
  return resolved;
}
