/**
 * Is this Python file web code, and which of its functions run when a web worker starts? Also: which
 * workspace module an import refers to, for rules that follow a call one module further.
 * Shared by the rules that only matter inside gunicorn/uvicorn workers (pools, schedulers, logging, temp files).
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { ProjectInfo, RuleContext } from '../api';
import { ancestor, captures, stringValue, parents } from './ast';
import type { ImportMap } from './imports';

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
}

const HOOK_QUERY = '(function_definition name: (identifier) @name) @fn';

/**
 * Functions that run when a web worker starts: FastAPI/Starlette startup handlers and lifespans,
 * Django `AppConfig.ready`, the Flask app factory `create_app`, Flask `before_first_request`/Quart
 * `before_serving`, gunicorn `post_fork`/`post_worker_init`.
 */
export function appStartHooks(ctx: RuleContext, tree: Tree): StartHook[] {
  const hooks: StartHook[] = [];
  const byName = new Map<string, Node[]>();
  for (const { node, name } of captures(tree, HOOK_QUERY)) {
    if (name !== 'fn') continue;
    const fnName = node.childForFieldName('name')!.text;
    byName.set(fnName, [...(byName.get(fnName) ?? []), node]);
  }

  // Functions named where the framework is told about them: lifespan=..., on_startup=[...], add_event_handler("startup", f).
  const registered = new Map<string, string>();
  for (const { node } of captures(tree, '(call arguments: (argument_list)) @call')) {
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
    if (callee === 'add_event_handler') {
      const [event, handler] = node.childForFieldName('arguments')?.namedChildren ?? [];
      if (stringValue(event) === 'startup' && handler?.type === 'identifier') registered.set(handler.text, 'a startup handler');
    }
  }

  for (const [fnName, fns] of byName) {
    for (const fn of fns) {
      const label = hookLabel(ctx, fn, fnName, registered);
      if (label) hooks.push({ fn, label });
    }
  }
  return hooks;
}

function hookLabel(ctx: RuleContext, fn: Node, fnName: string, registered: ReadonlyMap<string, string>): string | undefined {
  const reg = registered.get(fnName);
  if (reg && !ancestor(fn, 'function_definition', 'class_definition')) return reg;
  for (const decorator of decoratorsOf(fn)) {
    const { callee, call } = decoratorCallee(decorator);
    const name = lastName(callee);
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

export interface ImportedName {
  /** Module as written, with leading dots for relative imports. */
  module: string;
  name: string;
}

const importedNamesCache = new WeakMap<Tree, Map<string, ImportedName>>();

/** `from .jobs import scheduler` / `from . import updater` / `import shop.updater as updater`: local name -> origin. */
export function importedNames(tree: Tree): Map<string, ImportedName> {
  const cached = importedNamesCache.get(tree);
  if (cached) return cached;
  const out = new Map<string, ImportedName>();
  importedNamesCache.set(tree, out);
  for (const { node } of captures(tree, '[(import_statement) (import_from_statement)] @imp')) {
    if (node.type === 'import_from_statement') {
      const module = node.childForFieldName('module_name')?.text;
      if (!module) continue;
      for (const child of node.childrenForFieldName('name')) {
        if (!child) continue;
        const name = child.type === 'aliased_import' ? child.childForFieldName('name')!.text : child.text;
        const local = child.type === 'aliased_import' ? child.childForFieldName('alias')!.text : child.text;
        out.set(local, { module, name });
      }
    } else {
      for (const child of node.childrenForFieldName('name')) {
        if (child?.type !== 'aliased_import') continue;
        const dotted = child.childForFieldName('name')!.text;
        const i = dotted.lastIndexOf('.');
        out.set(child.childForFieldName('alias')!.text, { module: i > 0 ? dotted.slice(0, i) : '', name: dotted.slice(i + 1) });
      }
    }
  }
  return out;
}

const moduleTextCache = new WeakMap<Tree, Map<string, { text: string; path: string } | undefined>>();

/** Text of the workspace file a module name refers to, relative to the importing file (cached per parse). */
export function moduleText(ctx: RuleContext, module: string): { text: string; path: string } | undefined {
  const tree = ctx.python();
  let cache = moduleTextCache.get(tree);
  if (!cache) moduleTextCache.set(tree, (cache = new Map()));
  if (!cache.has(module)) cache.set(module, findModuleText(ctx, module));
  return cache.get(module);
}

function findModuleText(ctx: RuleContext, module: string): { text: string; path: string } | undefined {
  const rel = ctx.file.relPath;
  const dots = /^\.*/.exec(module)![0].length;
  const parts = module.slice(dots).split('.').filter(Boolean);
  const candidates: string[] = [];
  if (dots > 0) {
    const dir = rel.split('/').slice(0, -1);
    const base = dir.slice(0, dir.length - (dots - 1));
    const stem = [...base, ...parts].join('/');
    candidates.push(`${stem}.py`, `${stem}/__init__.py`);
  } else if (parts.length) {
    const stem = parts.join('/');
    candidates.push(`${stem}.py`, `${stem}/__init__.py`);
    for (const f of ctx.project.files()) if (f.endsWith(`/${stem}.py`) || f.endsWith(`/${stem}/__init__.py`)) candidates.push(f);
  }
  for (const path of candidates) {
    const text = ctx.project.readFile(path.replace(/^\/+/, ''));
    if (text !== undefined) return { text, path };
  }
  return undefined;
}
