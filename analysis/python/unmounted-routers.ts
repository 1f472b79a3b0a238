/**
 * Routes on a router nothing mounts: a FastAPI `APIRouter()` or Flask `Blueprint(...)` serves its routes only once an
 * app includes it (`app.include_router(users.router)`, `app.register_blueprint(bp)`), and to include it the app
 * must import its module. In a project that creates its app (`FastAPI()`, `Flask(__name__)`), a route module that no
 * production module imports and no file names (by import, dotted path or config) is never mounted. A project that
 * loads modules by computed names (importlib, pkgutil, entry points, autodiscovery) may mount it without naming it,
 * and one whose app is not in the tree mounts it elsewhere: its routes count as reached.
 */
import type { Node } from 'web-tree-sitter';
import type { RuleContext } from '../../rules/api';
import { offlineByLayout, offlineCode } from '../reach';
import { importedByOnlineModules } from './offline-scripts';
import { moduleNamedElsewhere } from './main-guard';
import { fileDigest, mayHoldWord } from './file-digests';
import { projectChanges } from '../cache';

const ROUTE_DECORATOR = /^@\s*(\w+)\.(?:get|post|put|patch|delete|head|options|route|api_route|websocket)\s*\(/;
/** Code that imports modules by computed names, or creates the app in the route module itself. */
const DYNAMIC_LOADING = /\b(import_module|import_string|find_modules|__import__|iter_modules|walk_packages|spec_from_file_location|load_module|entry_points|autodiscover_modules|importlib)\b/;

/** The decorated top-level function is a route of a router or blueprint of its module that nothing mounts. */
export function unmountedRoute(ctx: RuleContext, decorated: Node): boolean {
  const router = decorated.namedChildren
    .filter((c): c is Node => c?.type === 'decorator')
    .map((d) => ROUTE_DECORATOR.exec(d.text)?.[1])
    .find((v) => v !== undefined);
  if (!router) return false;
  const text = ctx.file.text;
  const declared = new RegExp(`^${router}\\s*(?::[^=\\n]*)?=\\s*(?:[\\w.]+\\.)?(APIRouter|Blueprint)\\s*\\(`, 'm');
  const kind = declared.exec(text)?.[1];
  if (!kind || /\b(FastAPI|Flask|Quart)\s*\(/.test(text)) return false;
  const relPath = ctx.file.relPath;
  if (mountedOutOfSight(ctx, kind === 'APIRouter' ? 'FastAPI' : 'Flask')) return false;
  if (importedByOnlineModules(ctx.project, (f) => offlineByLayout(f) !== undefined).has(relPath)) return false;
  return !moduleNamedElsewhere(relPath, ctx.project, (f) => offlineCode(f, ctx.project) !== undefined);
}

const memos = new WeakMap<object, Map<string, { changes: number; found: boolean }>>();

/** The apps that mount each kind of router. */
const APP_CREATION = { FastAPI: /\bFastAPI\s*\(/, Flask: /\b(Flask|Quart)\s*\(/ };
const APP_WORDS = { FastAPI: ['FastAPI'], Flask: ['Flask', 'Quart'] };
const LOADER_WORDS = ['import_module', 'import_string', 'find_modules', '__import__', 'iter_modules', 'walk_packages', 'spec_from_file_location', 'load_module', 'entry_points', 'autodiscover_modules', 'importlib'];

/**
 * Some production module of the project imports modules by computed names, or none creates an app of the router's
 * framework (a Flask blueprint beside a FastAPI app is mounted by an app the tree does not hold). The other modules'
 * answer is kept while they are unchanged.
 */
function mountedOutOfSight(ctx: RuleContext, framework: 'FastAPI' | 'Flask'): boolean {
  if (DYNAMIC_LOADING.test(ctx.file.text)) return true;
  const changes = projectChanges(ctx.project, ctx.file.relPath);
  const memo = memos.get(ctx.project)?.get(framework);
  if (memo && changes !== undefined && memo.changes === changes) return memo.found;
  const read = (f: string) => (ctx.project.peekFile ?? ctx.project.readFile).call(ctx.project, f) ?? '';
  const modules = ctx.project.files().filter((f) => f.endsWith('.py') && f !== ctx.file.relPath && offlineByLayout(f) === undefined);
  const createsApp = modules.some((f) => {
    const words = fileDigest(ctx.project, f).words;
    return APP_WORDS[framework].some((w) => mayHoldWord(words, w)) && APP_CREATION[framework].test(read(f));
  });
  const found =
    !createsApp ||
    modules.some((f) => {
      const words = fileDigest(ctx.project, f).words;
      return LOADER_WORDS.some((w) => mayHoldWord(words, w)) && DYNAMIC_LOADING.test(read(f));
    });
  if (changes !== undefined) {
    let byFramework = memos.get(ctx.project);
    if (!byFramework) memos.set(ctx.project, (byFramework = new Map()));
    byFramework.set(framework, { changes, found });
  }
  return found;
}
