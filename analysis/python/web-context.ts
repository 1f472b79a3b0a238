/**
 * Is this Python file web code, and which of its functions run when a web worker starts? Also: which
 * workspace module an import refers to, for rules that follow a call one module further.
 * Shared by the rules that only matter inside gunicorn/uvicorn workers (pools, schedulers, logging, temp files).
 */
import { pythonModules } from './module-graph';
import type { Node, Tree } from 'web-tree-sitter';
import type { ProjectInfo, RuleContext } from '../../rules/api';
import { ancestor, captures, nodesAtText, parents, stringValue } from './ast';
import { importsOf, type ImportedName, type ImportMap } from './imports';
import { CELERY_POOL_HOOK_WORDS, celeryHookLabel, celeryPoolSignal, type HookProcess } from './worker-hooks';
import { sameList } from '../cache';
import { nodesAtStatementText, statementCachesEnabled, statementsCoverText } from './statements';

export const WEB_FRAMEWORKS = ['django', 'rest_framework', 'flask', 'fastapi', 'starlette', 'quart', 'litestar'];
/** Modules a WSGI/ASGI server imports first (module level runs once per worker). */
const ENTRY_MODULES = new Set(['wsgi', 'asgi', 'app', 'main']);

/** The file imports a web framework. */
export function importsWebFramework(imports: ImportMap): boolean {
  return WEB_FRAMEWORKS.some((m) => imports.importsModule(m));
}

/** The file imports or configures a web framework or its server (gunicorn/uvicorn), or is Django settings. */
export function isWebAppCode(ctx: RuleContext, imports: ImportMap): boolean {
  return (
    importsWebFramework(imports) ||
    imports.importsModule('gunicorn') ||
    imports.importsModule('uvicorn') ||
    ctx.file.roles.has('django-settings') ||
    ctx.file.roles.has('gunicorn-config')
  );
}

function baseName(relPath: string): string {
  return relPath.slice(relPath.lastIndexOf('/') + 1).replace(/\.py$/, '');
}

/** wsgi.py, asgi.py, app.py, main.py: what `gunicorn app:app` / `uvicorn main:app` import. */
export function isEntryModule(relPath: string): boolean {
  return ENTRY_MODULES.has(baseName(relPath));
}

/** A Django management command: a CLI process, not a web worker. */
export function isManagementCommandFile(relPath: string): boolean {
  return /(^|\/)management\/commands\/[^/]+\.py$/.test(relPath);
}

/** Inside `class X(BaseCommand)`: a management command's code. */
export function inManagementCommandClass(node: Node): boolean {
  for (let cls = ancestor(node, 'class_definition'); cls; cls = ancestor(cls, 'class_definition')) {
    if (/\bBaseCommand\b/.test(cls.childForFieldName('superclasses')?.text ?? '')) return true;
  }
  return false;
}

/** Inside `if __name__ == "__main__":` (only runs as a script, never in a worker). */
export function underMainGuard(node: Node): boolean {
  for (const p of parents(node)) {
    if (p.type === 'if_statement' && /__name__\s*==\s*['"]__main__['"]|['"]__main__['"]\s*==\s*__name__/.test(p.childForFieldName('condition')?.text ?? '')) {
      return true;
    }
  }
  return false;
}

export interface ProcfileProcess {
  name: string;
  command: string;
}

/** Processes of the workspace's Procfile, or undefined when there is none. */
export function procfileProcesses(project: ProjectInfo): ProcfileProcess[] | undefined {
  const text = project.readFile('Procfile');
  if (text === undefined) return undefined;
  const out: ProcfileProcess[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([\w-]+)\s*:\s*(.+)$/.exec(line);
    if (m) out.push({ name: m[1], command: m[2] });
  }
  return out;
}

/** True when a non-web Procfile process runs this file (`python clock.py`, `python -m app.worker`). */
export function runByOwnProcess(project: ProjectInfo, relPath: string): boolean {
  const processes = procfileProcesses(project) ?? [];
  const path = relPath.replace(/\.py$/, '');
  const dotted = path.replace(/\//g, '.');
  const base = baseName(relPath);
  return processes.some((p) => {
    if (p.name === 'web' || p.name === 'release') return false;
    const cmd = p.command;
    return (
      new RegExp(`(^|[\\s/])${escapeRegExp(path)}\\.py\\b`).test(cmd) ||
      new RegExp(`(^|[\\s/])${escapeRegExp(base)}\\.py\\b`).test(cmd) ||
      new RegExp(`-m\\s+(\\S+\\.)?${escapeRegExp(dotted.split('.').pop()!)}\\b`).test(cmd) ||
      new RegExp(`-m\\s+${escapeRegExp(dotted)}\\b`).test(cmd)
    );
  });
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The expression a decorator names: `@app.on_event("startup")` -> `app.on_event`, `@cache` -> `cache`. */
export function decoratorCallee(decorator: Node): { callee: Node | undefined; call: Node | undefined } {
  const expr = decorator.namedChildren.find((c) => c !== null && c.type !== 'comment') ?? undefined;
  if (expr?.type === 'call') return { callee: expr.childForFieldName('function') ?? undefined, call: expr };
  return { callee: expr, call: undefined };
}

/** The decorators of a function definition (with or without call parentheses). */
export function decoratorsOf(fn: Node): Node[] {
  const parent = fn.parent;
  if (parent?.type !== 'decorated_definition') return [];
  return parent.namedChildren.filter((c): c is Node => c?.type === 'decorator');
}

function lastName(node: Node | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'identifier') return node.text;
  if (node.type === 'attribute') return node.childForFieldName('attribute')?.text;
  return undefined;
}

export interface StartHook {
  fn: Node;
  /** What starts it, for messages: "the FastAPI startup handler". */
  label: string;
  /** The processes that run it: each web worker, or each Celery pool process (worker-hooks.ts). */
  process: HookProcess;
}

const HOOK_QUERY = '(function_definition name: (identifier) @name) @fn';
/** Decorators hookLabel recognises (by their last name). */
const HOOK_DECORATORS = new RegExp(['on_event', 'before_first_request', 'before_serving', 'asynccontextmanager', ...CELERY_POOL_HOOK_WORDS].join('|'));
/** Function names hookLabel recognises without a decorator or a registration. */
const HOOK_NAMES = new Set(['ready', 'create_app', 'make_app', 'post_fork', 'post_worker_init']);

/**
 * Functions that run when a web worker starts: FastAPI/Starlette startup handlers and lifespans,
 * Django `AppConfig.ready`, the Flask app factory `create_app`, Flask `before_first_request`/Quart
 * `before_serving`, gunicorn `post_fork`/`post_worker_init`.
 */
export function appStartHooks(ctx: RuleContext, tree: Tree): StartHook[] {
  const hooks: StartHook[] = [];
  // Functions named where the framework is told about them: lifespan=..., on_startup=[...], add_event_handler("startup", f).
  // Looked for only when the text names one (a query over every call costs tens of ms per keystroke in a big module).
  const registered = new Map<string, string>();
  const registers = /lifespan|on_startup|add_event_handler|worker_process_init/.test(ctx.file.text);
  const imports = importsOf(tree);
  for (const { node } of registers ? captures(tree, '(call arguments: (argument_list)) @call') : []) {
    const callee = lastName(node.childForFieldName('function') ?? undefined);
    for (const arg of node.childForFieldName('arguments')?.namedChildren ?? []) {
      if (arg?.type !== 'keyword_argument') continue;
      const key = arg.childForFieldName('name')?.text;
      const value = arg.childForFieldName('value');
      if (key === 'lifespan' && value?.type === 'identifier') registered.set(value.text, 'the app lifespan');
      if (key === 'on_startup' && value && (value.type === 'list' || value.type === 'tuple')) {
        for (const item of value.namedChildren) if (item?.type === 'identifier') registered.set(item.text, 'a startup handler');
      }
    }
    const signal = callee === 'connect' ? celeryPoolSignal(imports.resolve(node.childForFieldName('function'))) : undefined;
    const [first] = node.childForFieldName('arguments')?.namedChildren ?? [];
    if (signal && first?.type === 'identifier') registered.set(first.text, celeryHookLabel(signal));
    if (callee === 'add_event_handler') {
      const [event, handler] = node.childForFieldName('arguments')?.namedChildren ?? [];
      if (stringValue(event) === 'startup' && handler?.type === 'identifier') registered.set(handler.text, 'a startup handler');
    }
  }

  // Without a hook decorator in the text, only these names (or registered ones) can be hooks: their definitions
  // are found by text, and no other function is visited.
  const definitions = HOOK_DECORATORS.test(ctx.file.text)
    ? captures(tree, HOOK_QUERY).filter((c) => c.name === 'fn').map((c) => c.node)
    : [...new Set([...HOOK_NAMES, ...registered.keys()])].flatMap((name) => definitionsNamed(tree, ctx.file.text, name)).sort((a, b) => a.startIndex - b.startIndex);
  const byName = new Map<string, Node[]>();
  for (const node of definitions) {
    const fnName = node.childForFieldName('name')!.text;
    byName.set(fnName, [...(byName.get(fnName) ?? []), node]);
  }
  for (const [fnName, fns] of byName) {
    for (const fn of fns) {
      const label = hookLabel(ctx, fn, fnName, registered, imports);
      if (label) hooks.push({ fn, label, process: label.startsWith('the Celery ') ? 'celery-pool-process' : 'web-worker' });
    }
  }
  return hooks;
}

/** Every `def name(` of the module (at any depth), found from the text: microseconds, where a query walks the tree. */
export function definitionsNamed(tree: Tree, text: string, name: string): Node[] {
  const out: Node[] = [];
  for (const keyword of nodesAtText(tree, text, new RegExp(`\\bdef\\s+${escapeRegExp(name)}\\s*[(\\[]`, 'g'))) {
    const def = keyword.parent;
    if (def?.type === 'function_definition' && def.childForFieldName('name')?.text === name) out.push(def);
  }
  return out;
}

/**
 * definitionsNamed(tree, tree.rootNode.text, name) for the module `text` (the file's text) was parsed into, the
 * `def name(` search answered per top-level statement (nodesAtStatementText): a keystroke searches the statement it
 * changed only. The same definitions: a function's `def` and name lie in its own statement. Searched as before where
 * the statements do not cover the text or the module does not start at offset 0.
 */
export function definitionsNamedInModule(tree: Tree, text: string, name: string): Node[] {
  const root = tree.rootNode;
  if (!statementCachesEnabled() || root.startIndex !== 0 || !statementsCoverText(tree, text)) return definitionsNamed(tree, root.text, name);
  const out: Node[] = [];
  for (const keyword of nodesAtStatementText(tree, new RegExp(`\\bdef\\s+${escapeRegExp(name)}\\s*[(\\[]`, 'g'))) {
    const def = keyword.parent;
    if (def?.type === 'function_definition' && def.childForFieldName('name')?.text === name) out.push(def);
  }
  return out;
}

function hookLabel(ctx: RuleContext, fn: Node, fnName: string, registered: ReadonlyMap<string, string>, imports: ImportMap): string | undefined {
  const reg = registered.get(fnName);
  if (reg && !ancestor(fn, 'function_definition', 'class_definition')) return reg;
  for (const decorator of decoratorsOf(fn)) {
    const { callee, call } = decoratorCallee(decorator);
    const name = lastName(callee);
    // `@worker_process_init.connect` / `@signals.worker_process_init.connect(weak=False)`: Celery's, not a look-alike.
    const signal = name === 'connect' ? celeryPoolSignal(imports.resolve(callee)) : undefined;
    if (signal) return celeryHookLabel(signal);
    if (name === 'on_event' && call && stringValue(call.childForFieldName('arguments')?.namedChildren[0]) === 'startup') return 'the startup handler';
    if (name === 'before_first_request' || name === 'before_serving') return `@${name}`;
    if (name === 'asynccontextmanager' && /lifespan/i.test(fnName)) return 'the app lifespan';
  }
  const owner = ancestor(fn, 'class_definition', 'function_definition');
  const cls = owner?.type === 'class_definition' ? owner : undefined;
  if (fnName === 'ready' && cls && /AppConfig\b/.test(cls.childForFieldName('superclasses')?.text ?? '')) {
    return 'AppConfig.ready()';
  }
  if (!owner && (fnName === 'create_app' || fnName === 'make_app')) return `the app factory ${fnName}()`;
  if (ctx.file.roles.has('gunicorn-config') && !owner && (fnName === 'post_fork' || fnName === 'post_worker_init')) {
    return `gunicorn's ${fnName} hook`;
  }
  return undefined;
}

// Workspace modules: what an import refers to, for rules that look one module further.

/** `from .jobs import scheduler` / `from . import updater` / `import shop.updater as updater`: local name -> origin. */
export function importedNames(tree: Tree): ReadonlyMap<string, ImportedName> {
  return importsOf(tree).origins;
}

const moduleTextCache = new WeakMap<Tree, Map<string, { text: string; path: string } | undefined>>();

/**
 * Each module name's resolution, kept across versions of the importing file: reused while the project's file list
 * is the same and every file it read reads the same (a keystroke no longer resolves every import again).
 */
interface Resolution {
  files: readonly string[];
  reads: { path: string; text: string | undefined }[];
  found: { text: string; path: string } | undefined;
}
const resolutions = new WeakMap<ProjectInfo, Map<string, Resolution>>();
const MAX_RESOLUTIONS = 5000;

/** Text of the workspace file a module name refers to, relative to the importing file (cached per parse). */
export function moduleText(ctx: RuleContext, module: string): { text: string; path: string } | undefined {
  const tree = ctx.python();
  let cache = moduleTextCache.get(tree);
  if (!cache) moduleTextCache.set(tree, (cache = new Map()));
  if (!cache.has(module)) cache.set(module, resolvedModuleText(ctx, module));
  return cache.get(module);
}

/** moduleText() without a tree: the same resolution, for checks that decide from texts whether to parse at all. */
export function resolvedModuleText(ctx: RuleContext, module: string): { text: string; path: string } | undefined {
  let byName = resolutions.get(ctx.project);
  if (!byName) resolutions.set(ctx.project, (byName = new Map()));
  const key = `${ctx.file.relPath}\u0000${module}`;
  const files = ctx.project.files();
  const prior = byName.get(key);
  if (prior && sameList(prior.files, files) && prior.reads.every((r) => ctx.project.readFile(r.path) === r.text)) return prior.found;
  const resolution = findModuleText(ctx, module, files);
  if (byName.size >= MAX_RESOLUTIONS) byName.clear();
  byName.set(key, resolution);
  return resolution.found;
}

/**
 * The Python files of a file list by each dotted stem a module may be imported as from a folder above it, in list
 * order: `a/shop/jobs.py` under `shop/jobs` and `jobs`, `a/shop/__init__.py` also under `shop` (what
 * `f.endsWith('/shop/jobs.py') || f.endsWith('/shop/jobs/__init__.py')` finds). Built once per list: every unresolved
 * import of every module (`django.db`, `requests`) looked through the whole list, in each thread of a scan.
 */
const stemIndexes = new WeakMap<readonly string[], Map<string, string[]>>();
export function filesByStem(files: readonly string[]): Map<string, string[]> {
  let index = stemIndexes.get(files);
  if (index) return index;
  index = new Map();
  const add = (stem: string, file: string) => {
    const list = index!.get(stem);
    if (!list) index!.set(stem, [file]);
    else if (list[list.length - 1] !== file) list.push(file);
  };
  for (const f of files) {
    if (!f.endsWith('.py')) continue;
    const last = f.lastIndexOf('/');
    const pkg = f.endsWith('/__init__.py');
    for (let i = f.indexOf('/'); i !== -1; i = f.indexOf('/', i + 1)) {
      add(f.slice(i + 1, -3), f);
      if (pkg && i < last) add(f.slice(i + 1, last), f);
    }
  }
  stemIndexes.set(files, index);
  return index;
}

function findModuleText(ctx: RuleContext, module: string, files: readonly string[]): Resolution {
  const rel = ctx.file.relPath;
  const index = pythonModules(ctx.project, files).index(['']);
  const absolute = module.startsWith('.') ? index.absoluteName(rel, module) : module;
  const candidates: string[] = [];
  const found = absolute ? index.resolve(absolute) : undefined;
  if (found) candidates.push(found.file);
  else if (absolute && !module.startsWith('.')) {
    // An app below the project root (`backend/shop/jobs.py` imported as `shop.jobs`): any package path that ends so.
    const stem = absolute.split('.').join('/');
    candidates.push(...(filesByStem(files).get(stem) ?? []));
  }
  if (candidates.length === 0 && absolute) {
    // Single-file mode (no file list): the conventional places, read from disk.
    const stem = absolute.split('.').join('/');
    candidates.push(`${stem}.py`, `${stem}/__init__.py`);
  }
  const reads: Resolution['reads'] = [];
  for (const path of candidates) {
    const text = ctx.project.readFile(path.replace(/^\/+/, ''));
    reads.push({ path: path.replace(/^\/+/, ''), text });
    if (text !== undefined) return { files, reads, found: { text, path } };
  }
  return { files, reads, found: undefined };
}
