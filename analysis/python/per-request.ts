/**
 * Which Python code runs once per request, per task or per Streamlit rerun: Flask/FastAPI/Starlette/Quart
 * routes, Django function views and view classes, DRF `@api_view`/viewsets, FastAPI `Depends(...)`
 * dependencies, Celery/Dramatiq tasks, the top level of a Streamlit script, and the functions of the same
 * file they call (transitively). Cached functions (`functools.cache`, `st.cache_resource`, ...) are not
 * per request: their body runs once per key.
 *
 * Kept to one question (`perRequestScope`) so it can later be answered by the project-wide model.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { RuleContext } from '../../rules/api';
import { ancestor, captures, definitionsOf } from './ast';
import { importsOf, type ImportMap } from './imports';
import { memoisedAssignment } from './load-hoisting';
import { functionRefOf, reachedFromRequests } from './call-graph';
import { isTestFile } from './uploads';
import { decoratorCallee, decoratorsOf, isManagementCommandFile, underMainGuard } from './web-context';

export interface RequestScope {
  /** For messages: "the route render_pdf()", "the Celery task embed()", "every rerun of the Streamlit script". */
  label: string;
  kind: 'request' | 'task' | 'rerun';
  /** For functions reached through calls: the label of the entry point that calls them. */
  root?: string;
  /** A view class method: `self` is built anew for each request, so `self.x` caches nothing. */
  instancePerRequest?: boolean;
}

const WEB_MODULES = ['django', 'rest_framework', 'flask', 'flask_restful', 'flask_restx', 'fastapi', 'starlette', 'quart', 'litestar', 'sanic'];
const ROUTE_DECORATORS = new Set(['route', 'get', 'post', 'put', 'patch', 'delete', 'api_route', 'websocket', 'head', 'options']);
const VIEW_DECORATORS = new Set([
  'api_view',
  'action',
  'require_http_methods',
  'require_GET',
  'require_POST',
  'require_safe',
  'login_required',
  'permission_required',
  'csrf_exempt',
]);
/** Memoising decorators: the body runs once (per key), not per call. */
const CACHE_DECORATORS = /^(functools\.(cache|lru_cache|cached_property)|streamlit\.(cache_resource|cache_data|cache|experimental_singleton|experimental_memo)|cachetools\.\w+|async_lru\.alru_cache)$/;
const STREAMLIT_RERUN = "the Streamlit script's top level (run again on every widget interaction)";
const VIEW_CLASS = /\b\w*(View|ViewSet)\b/;
/** Code that never serves requests: scripts, migrations, notebooks exported as modules. */
const OFFLINE_PATH = /(^|\/)(scripts?|migrations|notebooks?|training)\/|(^|\/)(train|training|setup|manage)\.py$|(^|\/)train_[^/]*\.py$/;

interface FileScopes {
  /** Function definitions that run per request/task/rerun, with the scope they belong to. */
  functions: Map<number, RequestScope>;
  streamlitScript: boolean;
}

const cache = new WeakMap<Tree, FileScopes>();

/**
 * The request/task/rerun scope `node` runs in, or undefined when it runs once (module level of a web module,
 * a startup hook, a cached loader) or in code that is not a web app's (tests, scripts, management commands).
 */
export function perRequestScope(ctx: RuleContext, node: Node): RequestScope | undefined {
  const rel = ctx.file.relPath;
  if (!servesRequests(rel)) return undefined;
  const tree = ctx.python();
  const scopes = fileScopes(tree);
  if (!scopes.streamlitScript && underMainGuard(node)) return undefined;
  let sawFunction = false;
  for (let p: Node | null = node.parent; p; p = p.parent) {
    if (p.type === 'lambda') sawFunction = true;
    if (p.type !== 'function_definition') continue;
    if (isCached(p, importsOf(tree))) return undefined;
    const scope = scopes.functions.get(p.id);
    if (scope) return scope;
    sawFunction = true;
  }
  // A helper of no request code in its own module: is it called per request from another (or through a chain)?
  if (sawFunction) return calledFromRequests(ctx, tree, node);
  if (ancestor(node, 'class_definition')) return undefined;
  return scopes.streamlitScript ? { label: STREAMLIT_RERUN, kind: 'rerun' } : undefined;
}

/** False for code that never serves requests: tests, management commands, scripts, migrations, training code. */
export function servesRequests(relPath: string): boolean {
  return !(isTestFile(relPath) || isManagementCommandFile(relPath) || OFFLINE_PATH.test(relPath));
}

/** The functions of a module that run per request/task/rerun (entry points and the same-file helpers they call), by node id. */
export function requestFunctions(tree: Tree): ReadonlyMap<number, RequestScope> {
  return fileScopes(tree).functions;
}

function calledFromRequests(ctx: RuleContext, tree: Tree, node: Node): RequestScope | undefined {
  const ref = functionRefOf(node, ctx.file.relPath);
  return ref && reachedFromRequests(ctx.project, tree, ctx.file.relPath, ref);
}

function fileScopes(tree: Tree): FileScopes {
  let scopes = cache.get(tree);
  if (!scopes) {
    scopes = computeScopes(tree);
    cache.set(tree, scopes);
  }
  return scopes;
}

function computeScopes(tree: Tree): FileScopes {
  const imports = importsOf(tree);
  const functions = new Map<number, RequestScope>();
  const web = WEB_MODULES.some((m) => imports.importsModule(m));
  const celery = imports.importsModule('celery');
  const defs = definitionsOf(tree, 'def');
  const moduleFunctions = new Map<string, Node>();
  for (const fn of defs) {
    const owner = ancestor(fn, 'function_definition', 'class_definition');
    if (!owner) moduleFunctions.set(fn.childForFieldName('name')!.text, fn);
  }
  const viewClasses = viewClassesOf(tree, web);

  for (const fn of defs) {
    if (isCached(fn, imports)) continue;
    const scope = entryScope(fn, imports, web, celery, viewClasses);
    if (scope) functions.set(fn.id, scope);
  }
  // FastAPI dependencies: `Depends(get_model)` runs get_model once per request.
  if (web) {
    for (const { node } of captures(tree, '(call function: (identifier) @f arguments: (argument_list . (identifier) @dep) (#eq? @f "Depends"))')) {
      if (node.type !== 'identifier' || node.parent?.type !== 'argument_list') continue;
      const fn = moduleFunctions.get(node.text);
      if (fn && !functions.has(fn.id) && !isCached(fn, imports)) functions.set(fn.id, { label: `the FastAPI dependency ${node.text}() (run on every request that depends on it)`, kind: 'request' });
    }
  }

  const streamlitScript = imports.importsModule('streamlit') && hasTopLevelStreamlitCall(tree, imports);
  const roots: { node: Node; scope: RequestScope }[] = defs.filter((fn) => functions.has(fn.id)).map((fn) => ({ node: fn, scope: functions.get(fn.id)! }));
  if (streamlitScript) roots.push({ node: tree.rootNode, scope: { label: STREAMLIT_RERUN, kind: 'rerun' } });

  // Functions of this file that per-request code calls, transitively.
  const queue = [...roots];
  while (queue.length) {
    const { node, scope } = queue.shift()!;
    for (const { node: callee } of captures(tree, '(call function: [(identifier) (attribute)] @callee)', node)) {
      if (node === tree.rootNode && ancestor(callee, 'function_definition', 'class_definition')) continue;
      const target = localTarget(callee, moduleFunctions);
      if (!target || functions.has(target.id) || isCached(target, imports)) continue;
      // `if _browser is None: _browser = ensure_future(launch())`: the callee runs once, not per request.
      if (callee.parent?.type === 'call' && memoisedAssignment(callee.parent, scope, true)) continue;
      const name = target.childForFieldName('name')!.text;
      const root = scope.root ?? scope.label;
      const derived: RequestScope = { label: `${name}(), called from ${root}`, kind: scope.kind, root, instancePerRequest: scope.instancePerRequest && target.parent?.parent?.type === 'class_definition' };
      functions.set(target.id, derived);
      queue.push({ node: target, scope: derived });
    }
  }
  return { functions, streamlitScript };
}

/** `helper(...)` naming a module-level function of the file, or `self.helper(...)` naming a method of the same class. */
function localTarget(callee: Node, moduleFunctions: ReadonlyMap<string, Node>): Node | undefined {
  if (callee.type === 'identifier') return moduleFunctions.get(callee.text);
  const object = callee.childForFieldName('object');
  const attr = callee.childForFieldName('attribute')?.text;
  if (object?.type !== 'identifier' || (object.text !== 'self' && object.text !== 'cls') || !attr) return undefined;
  const cls = ancestor(callee, 'class_definition');
  const body = cls?.childForFieldName('body');
  for (const child of body?.namedChildren ?? []) {
    const def = child?.type === 'decorated_definition' ? child.childForFieldName('definition') : child;
    if (def?.type === 'function_definition' && def.childForFieldName('name')?.text === attr) return def;
  }
  return undefined;
}

function entryScope(fn: Node, imports: ImportMap, web: boolean, celery: boolean, viewClasses: ReadonlySet<number>): RequestScope | undefined {
  const name = fn.childForFieldName('name')!.text;
  for (const decorator of decoratorsOf(fn)) {
    const { callee, call } = decoratorCallee(decorator);
    if (!callee) continue;
    const q = imports.resolve(callee) ?? '';
    const last = callee.type === 'attribute' ? callee.childForFieldName('attribute')?.text : callee.text;
    if (!last) continue;
    if (q === 'celery.shared_task' || last === 'shared_task' || (callee.type === 'attribute' && last === 'task' && (celery || celeryApp(callee, imports))) || q === 'dramatiq.actor') {
      return { label: `the task ${name}()`, kind: 'task' };
    }
    if (callee.type === 'attribute' && call && ROUTE_DECORATORS.has(last) && callee.childForFieldName('object')?.text !== 'functools') {
      return { label: `the route ${name}()`, kind: 'request' };
    }
    if (callee.type === 'attribute' && (last === 'before_request' || last === 'after_request') && web) return { label: `${name}() (@${last}: runs for every request)`, kind: 'request' };
    if (VIEW_DECORATORS.has(last) && (web || q.startsWith('django.') || q.startsWith('rest_framework.'))) return { label: `the view ${name}()`, kind: 'request' };
  }
  const owner = ancestor(fn, 'function_definition', 'class_definition');
  if (owner?.type === 'class_definition') {
    const cls = owner.childForFieldName('name')!.text;
    if (viewClasses.has(owner.id)) {
      // Django and DRF build a new view instance per request (`as_view()`), so even __init__ runs per request.
      return { label: `${cls}.${name}() (a view: a new instance serves every request)`, kind: 'request', instancePerRequest: true };
    }
    const bases = owner.childForFieldName('superclasses')?.text ?? '';
    if (celery && /\bTask\b/.test(bases) && name === 'run') return { label: `the task ${cls}.run()`, kind: 'task' };
    return undefined;
  }
  if (owner) return undefined;
  // A Django function view: `def detail(request, pk)` in a web module.
  const first = fn.childForFieldName('parameters')?.namedChildren[0];
  const firstName = first?.type === 'identifier' ? first.text : first?.type === 'typed_parameter' ? first.namedChildren[0]?.text : undefined;
  const annotation = first?.type === 'typed_parameter' ? first.childForFieldName('type')?.text ?? '' : '';
  if (web && (firstName === 'request' || /\bHttpRequest\b/.test(annotation)) && (imports.importsModule('django') || imports.importsModule('rest_framework'))) {
    return { label: `the view ${name}()`, kind: 'request' };
  }
  return undefined;
}

/** `@app.task` with the Celery app imported from the project's own module (`from proj.celeryapp import app`). */
function celeryApp(callee: Node, imports: ImportMap): boolean {
  const object = callee.childForFieldName('object');
  return !!object && /celery/i.test(imports.resolve(object) ?? '');
}

/** Classes whose instances serve requests: `class X(View)`, `(APIView)`, `(ModelViewSet)`, `(MethodView)`, `(HTTPEndpoint)`, `(Resource)`, and subclasses of those declared in the file. */
function viewClassesOf(tree: Tree, web: boolean): Set<number> {
  const out = new Set<number>();
  if (!web) return out;
  const classes = definitionsOf(tree, 'class');
  const viewNames = new Set<string>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const cls of classes) {
      if (out.has(cls.id)) continue;
      const bases = (cls.childForFieldName('superclasses')?.namedChildren ?? []).filter((b): b is Node => b !== null && b.type !== 'keyword_argument');
      const isView = bases.some((b) => {
        const last = b.text.split('.').pop() ?? '';
        return VIEW_CLASS.test(last) || last === 'HTTPEndpoint' || last === 'Resource' || viewNames.has(last);
      });
      if (isView) {
        out.add(cls.id);
        viewNames.add(cls.childForFieldName('name')!.text);
        changed = true;
      }
    }
  }
  return out;
}

export function isCached(fn: Node, imports: ImportMap): boolean {
  return decoratorsOf(fn).some((d) => {
    const { callee } = decoratorCallee(d);
    const q = imports.resolve(callee) ?? '';
    return CACHE_DECORATORS.test(q) || /^(cache|lru_cache|cache_resource|cached)$/.test(callee?.text ?? '');
  });
}

/** A Streamlit script: some top-level statement calls `st.*` (a helper module imported by the script defines functions only). */
function hasTopLevelStreamlitCall(tree: Tree, imports: ImportMap): boolean {
  for (const statement of tree.rootNode.namedChildren) {
    if (!statement || /definition$|import/.test(statement.type)) continue;
    for (const { node } of captures(tree, '(call function: (attribute) @callee)', statement)) {
      if (ancestor(node, 'function_definition', 'class_definition')) continue;
      if ((imports.resolve(node) ?? '').startsWith('streamlit.')) return true;
    }
  }
  return false;
}
