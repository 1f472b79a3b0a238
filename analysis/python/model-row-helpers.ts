/**
 * Project helpers that return every row of whichever SQLAlchemy model they are handed: a CRUD module's
 * `def fetch_all(session, model): return session.scalars(select(model)).all()`, `def select_all(model): return
 * db.session.query(model).all()`, a repository's `def list_all(self, model)`, or a classmethod on a shared model base
 * (`class AppModel(Base)` with `async def fetch_all(cls): ... select(cls) ...`) that each model inherits and a route
 * calls as `Book.fetch_all()`. The helper's own module cannot say which table it reads; the call can
 * (`fetch_all(db, Order)`, `Book.fetch_all()`), so the answer is given at the call: the model expression of the
 * caller's tree and where the helper is.
 *
 * A helper counts when its body is short, queries the parameter's model (`select(model)`, `query(model)`,
 * `model.query`, `select(cls.model_class())`), materialises rows (`.all()`, `.scalars()`, `.fetchall()`) and returns
 * a value, and nothing in it bounds or narrows the rows: no limit, offset, slice, paginate, filter/where, first/one/get,
 * count or aggregate. Helpers that take optional filters or a page stay quiet.
 *
 * Definitions are found through the project call graph (module functions and class methods, call-graph.ts) and, for
 * an inherited classmethod, through the class's bases across the project's modules (read by text, parsed once per
 * text by imported-querysets.ts' parseModule). Only text is kept from a parsed module: its trees may be freed by the
 * next parse.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { RuleContext } from '../../rules/api';
import { keywordArgument, parameterNames, positionalArguments } from './ast';
import { calleeDefinition, moduleTextOf } from './call-graph';
import { definitionOf, parseModule } from './imported-querysets';
import { importsOf } from './imports';
import { assignmentsBefore } from './django-querysets';
import { modelNamed, resolveModule, type Model } from './sqlalchemy-models';

export interface ModelRowHelperCall {
  /** The model whose every row the call returns. */
  model: Model;
  /** `fetch_all() in app/crud.py`, for details. */
  where: string;
}

/** A model class name as a call passes it: `Order`, `models.Order`. */
const MODEL_ARGUMENT = /^(?:[a-z_]\w*\.)?[A-Z]\w*[a-z]\w*$/;
/** Longer bodies do more than hand rows back: not judged. */
const MAX_HELPER_LINES = 40;
/** Anything that bounds, narrows or reduces the rows. */
const BOUNDED =
  /\.(limit|offset|slice|paginate|first|one|one_or_none|scalar|scalar_one|scalar_one_or_none|get|get_or_404|filter|filter_by|where|having|count|yield_per|partitions|fetchone|fetchmany|stream|stream_scalars)\s*\(|\bfunc\.|\bcount\s*\(|\blen\s*\(|\[\s*-?\d*\s*:\s*-?\d*\s*\]/;
/** Rows made into Python objects. */
const MATERIALISED = /\.(all|scalars|fetchall|unique)\s*\(\s*\)/;
/** Methods SQLAlchemy, pydantic or Django give a model class: never a project helper. */
const FRAMEWORK_METHODS = /^(query|objects|metadata|model_validate|model_dump|from_orm|parse_obj|construct|model_construct|validate|create|get|filter|select|insert|update|delete|__table__)$/;

/**
 * The model and helper of `call` when it is a call of a project helper returning every row of the model the call
 * names: an argument (positional or keyword), the class a classmethod is called on, or the `model` class attribute
 * (or constructor argument) of the repository class or instance the method is called on.
 */
export function modelRowHelperCall(ctx: RuleContext, tree: Tree, call: Node): ModelRowHelperCall | undefined {
  const callee = call.childForFieldName('function');
  if (!callee || (callee.type !== 'identifier' && callee.type !== 'attribute')) return undefined;
  const receiver = callee.type === 'attribute' ? callee.childForFieldName('object') : undefined;
  const method = callee.type === 'attribute' ? callee.childForFieldName('attribute')?.text ?? '' : '';
  if (receiver && !FRAMEWORK_METHODS.test(method)) {
    const onClass = classReceiver(tree, receiver);
    const found = onClass && viaClass(ctx, tree, call, onClass, method);
    if (found) return found;
  }
  const candidates = modelArguments(call);
  if (candidates.length === 0 || !ctx.project) return undefined;
  const target = calleeDefinition(ctx.project, tree, ctx.file.relPath, callee);
  if (!target) return undefined;
  const text = moduleTextOf(ctx.project, tree, ctx.file.relPath, target.file);
  const other = text === undefined ? undefined : target.file === ctx.file.relPath ? tree : parseModule(tree, text);
  const def = other && definitionOf(other, target);
  if (!def) return undefined;
  const decorators = def.parent?.type === 'decorated_definition' ? def.parent.text.slice(0, def.startIndex - def.parent.startIndex) : '';
  const params = parameterNames(def);
  // A method's `self`/`cls` is bound, not passed (a staticmethod's first parameter is passed).
  if (target.key.includes('.') && !/@staticmethod\b/.test(decorators)) params.shift();
  const body = def.text;
  for (const { node, index, keyword } of candidates) {
    const param = keyword ?? params[index!];
    if (!param || !params.includes(param) || !everyRowOf(body, param, unfiltered(call, /\*\*(\w+)/.exec(def.childForFieldName('parameters')?.text ?? '')?.[1], params))) continue;
    const model = modelNamed(ctx, tree, node);
    if (model) return { model, where: `${target.key}() in ${target.file}` };
  }
  return undefined;
}

/**
 * What `modelRowHelperCall` needs of the call before it asks the project: a model-like argument, or a method (not one
 * SQLAlchemy or pydantic gives every model) called on a class or an instance of one (`self.repo.all()`,
 * `db.session.query(...).all()`, `request.args.get(...)` are never helper calls), so that it may run before the rows'
 * way to a response is followed. Without `tree`, from the call alone (any name may be an instance: a per-statement
 * answer); with it, as `modelRowHelperCall` reads the receiver (`logger.info(...)` is not one unless the function or
 * the module binds `logger` to a capitalised call).
 */
export function mayBeModelRowHelperCall(call: Node, tree?: Tree): boolean {
  const callee = call.childForFieldName('function');
  if (!callee || (callee.type !== 'identifier' && callee.type !== 'attribute')) return false;
  if (modelArguments(call).length > 0) return true;
  const receiver = callee.type === 'attribute' ? callee.childForFieldName('object') : undefined;
  if (!receiver || FRAMEWORK_METHODS.test(callee.childForFieldName('attribute')?.text ?? '')) return false;
  if (tree) return classReceiver(tree, receiver) !== undefined;
  if (receiver.type === 'identifier') return true;
  // classReceiver's other shape: `BookRepo(db).all()`.
  const value = receiver.type === 'await' ? receiver.namedChildren[0] : receiver;
  const fn = value?.type === 'call' ? value.childForFieldName('function') : undefined;
  return fn?.type === 'identifier' && /^[A-Z]/.test(fn.text);
}

/** How a method is called on a class: the class's name node and, for an instance, the constructor call. */
interface ClassReceiver {
  name: Node;
  constructed?: Node;
}

/** `Book.fetch_all()`, `Model.fetch_all()` (`Model = Book`), `BookRepo(db).all()`, `repo = BookRepo(db)` then `repo.all()`. */
function classReceiver(tree: Tree, receiver: Node): ClassReceiver | undefined {
  if (receiver.type === 'identifier' && /^[A-Z]/.test(receiver.text)) {
    return { name: topLevelClass(tree, receiver.text) ? receiver : aliasedClass(tree, receiver.text) ?? receiver };
  }
  let value: Node | null | undefined = receiver;
  if (receiver.type === 'identifier') value = assignmentsBefore(receiver).pop()?.childForFieldName('right') ?? topLevelValue(tree, receiver.text);
  if (value?.type === 'await') value = value.namedChildren[0];
  const fn = value?.type === 'call' ? value.childForFieldName('function') : undefined;
  return fn?.type === 'identifier' && /^[A-Z]/.test(fn.text) ? { name: fn, constructed: value! } : undefined;
}

function viaClass(ctx: RuleContext, tree: Tree, call: Node, receiver: ClassReceiver, method: string): ModelRowHelperCall | undefined {
  const name = receiver.name.text;
  const found = inheritedMethod(ctx, tree, ctx.file.relPath, tree.rootNode.text, name, method);
  // A method called on the class itself must be a classmethod to read the class.
  if (!found || (!receiver.constructed && !found.classmethod) || /@staticmethod\b/.test(found.decorators)) return undefined;
  const self = found.params[0];
  if (!self) return undefined;
  const where = `${found.owner}.${method}() in ${found.file}`;
  const open = unfiltered(call, found.splat, found.params);
  // `select(cls)`: the class it is called on is the model.
  if (everyRowOf(found.text, self, open)) {
    const model = receiver.constructed ? undefined : modelNamed(ctx, tree, receiver.name);
    return model && { model, where };
  }
  // `select(cls.model)`, `db.query(self.model)`: the class's `model = Order`, or the constructor's argument.
  const attribute = new RegExp(`\\b(?:select|query)\\(\\s*${self}\\.(\\w+)(?:\\.__table__(?:\\.columns|\\.c)?)?\\s*\\)`).exec(stripped(found.text))?.[1];
  if (!attribute || !everyRowOf(found.text, `${self}.${attribute}`, open)) return undefined;
  const bound = classAttribute(ctx, tree, name, attribute);
  if (!bound) return undefined;
  if ('param' in bound) {
    const args = receiver.constructed ? positionalArguments(receiver.constructed) : [];
    const node = (receiver.constructed && keywordArgument(receiver.constructed, bound.name)) ?? args[bound.param];
    const model = node && MODEL_ARGUMENT.test(node.text) ? modelNamed(ctx, tree, node) : undefined;
    return model && { model, where };
  }
  return { model: bound.model, where };
}

/** Arguments that look like model classes: `Order`, `models.Order`, `model=Order`. */
function modelArguments(call: Node): { node: Node; index?: number; keyword?: string }[] {
  const out: { node: Node; index?: number; keyword?: string }[] = [];
  positionalArguments(call).forEach((a, index) => {
    if ((a.type === 'identifier' || a.type === 'attribute') && MODEL_ARGUMENT.test(a.text)) out.push({ node: a, index });
  });
  for (const arg of call.childForFieldName('arguments')?.namedChildren ?? []) {
    if (arg?.type !== 'keyword_argument') continue;
    const name = arg.childForFieldName('name')?.text;
    const value = name ? keywordArgument(call, name) : undefined;
    if (name && value && (value.type === 'identifier' || value.type === 'attribute') && MODEL_ARGUMENT.test(value.text)) out.push({ node: value, keyword: name });
  }
  return out;
}

/** A helper's text without docstrings and comments. */
function stripped(text: string): string {
  return text.replace(/("""|\'\'\')[\s\S]*?\1/g, '').replace(/#[^\n]*/g, '');
}

/**
 * A helper's text reads every row of the model `param` names (`model`, `cls`, `cls.model`), unbounded, and returns
 * them. `open`: the `**filters` parameter the call passes nothing to (`.filter_by(**filters)` then filters nothing).
 */
export function everyRowOf(text: string, param: string, open?: string): boolean {
  if (text.split('\n').length > MAX_HELPER_LINES) return false;
  let code = stripped(text);
  if (open) code = code.replace(new RegExp(`\\.(?:filter_by|filter|where)\\(\\s*\\*\\*${open}\\s*\\)`, 'g'), '');
  const p = param.replace(/[^\w.]/g, '').replace(/\./g, '\\.');
  const queried = new RegExp(`\\b(?:select|query)\\(\\s*${p}(?:\\.\\w+\\(\\s*\\)|\\.__table__(?:\\.columns|\\.c)?)?\\s*\\)|(?<![\\w.])${p}\\.query\\.all\\(`).test(code);
  return queried && MATERIALISED.test(code) && /\breturn\s+\S/.test(code) && !BOUNDED.test(code);
}

/** The `**filters` parameter (`splat`) of a helper when the call passes no keyword argument into it. */
function unfiltered(call: Node, splat: string | undefined, named: string[]): string | undefined {
  if (!splat) return undefined;
  const keywords = (call.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => a?.type === 'keyword_argument' || a?.type === 'dictionary_splat');
  return keywords.every((k) => k?.type === 'keyword_argument' && named.includes(k.childForFieldName('name')?.text ?? '')) ? splat : undefined;
}

interface FoundMethod {
  file: string;
  owner: string;
  text: string;
  params: string[];
  /** The `**filters` parameter's name. */
  splat?: string;
  decorators: string;
  classmethod: boolean;
}

/**
 * Visits class `name` as the module `file` (text `text`) sees it, then its bases, until `visit` answers. Modules are
 * passed by text and parsed again when needed: a tree parsed for one base may be freed by the parse of the next.
 */
function walkClass<T>(ctx: RuleContext, like: Tree, file: string, text: string, name: string, visit: (cls: Node, tree: Tree, file: string, text: string) => T | undefined, depth = 0): T | undefined {
  if (depth > 4 || !ctx.project) return undefined;
  const tree = file === ctx.file.relPath ? like : parseModule(like, text);
  if (!tree) return undefined;
  const cls = topLevelClass(tree, name);
  if (!cls) {
    const origin = importsOf(tree).origins.get(name);
    const into = origin && resolveModule(ctx, file, origin.module);
    const next = into && into !== file ? moduleTextOf(ctx.project, like, ctx.file.relPath, into) : undefined;
    return next === undefined ? undefined : walkClass(ctx, like, into!, next, origin!.name, visit, depth + 1);
  }
  const answer = visit(cls, tree, file, text);
  if (answer !== undefined) return answer;
  // Names only: the visit may have parsed other modules.
  const bases = (topLevelClass(file === ctx.file.relPath ? like : parseModule(like, text)!, name)?.childForFieldName('superclasses')?.namedChildren ?? [])
    .filter((b): b is Node => b?.type === 'identifier')
    .map((b) => b.text);
  for (const base of bases.slice(0, 4)) {
    const found = walkClass(ctx, like, file, text, base, visit, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** `method` of class `name` or inherited from one of its bases. */
function inheritedMethod(ctx: RuleContext, like: Tree, file: string, text: string, name: string, method: string): FoundMethod | undefined {
  return walkClass(ctx, like, file, text, name, (cls, _tree, at) => {
    for (const child of cls.childForFieldName('body')?.namedChildren ?? []) {
      const def = child?.type === 'decorated_definition' ? child.childForFieldName('definition') : child;
      if (def?.type !== 'function_definition' || def.childForFieldName('name')?.text !== method) continue;
      const decorators = child!.type === 'decorated_definition' ? child!.text.slice(0, def.startIndex - child!.startIndex) : '';
      const splat = /\*\*(\w+)/.exec(def.childForFieldName('parameters')?.text ?? '')?.[1];
      return { file: at, owner: cls.childForFieldName('name')!.text, text: def.text, params: parameterNames(def), splat, decorators, classmethod: /@classmethod\b/.test(decorators) };
    }
    return undefined;
  });
}

/** Where a class's model attribute comes from: a model it names, or a constructor parameter `__init__` stores. */
type BoundAttribute = { model: Model } | { param: number; name: string };

/** `model = Order` in the class body (or a base's), or `self.model = model` in `__init__`. */
function classAttribute(ctx: RuleContext, like: Tree, name: string, attribute: string): BoundAttribute | undefined {
  return walkClass(ctx, like, ctx.file.relPath, like.rootNode.text, name, (cls, tree, file, text) => {
    for (const child of cls.childForFieldName('body')?.namedChildren ?? []) {
      const assignment = child?.type === 'expression_statement' ? child.namedChildren[0] : undefined;
      if (assignment?.type === 'assignment' && assignment.childForFieldName('left')?.text === attribute) {
        const value = assignment.childForFieldName('right');
        if (!value || !MODEL_ARGUMENT.test(value.text)) return null;
        const there = file === ctx.file.relPath ? ctx : (Object.create(ctx, { file: { value: { ...ctx.file, relPath: file, text } } }) as RuleContext);
        const model = modelNamed(there, tree, value);
        return model ? { model } : null;
      }
      const def = child?.type === 'decorated_definition' ? child.childForFieldName('definition') : child;
      if (def?.type !== 'function_definition' || def.childForFieldName('name')?.text !== '__init__') continue;
      const params = parameterNames(def).slice(1);
      const stored = new RegExp(`^\\s*self\\.${attribute}\\s*(?::[^=\\n]+)?=\\s*(\\w+)\\s*$`, 'm').exec(def.text)?.[1];
      const index = stored ? params.indexOf(stored) : -1;
      if (index >= 0) return { param: index, name: stored! };
    }
    return undefined;
  }) ?? undefined;
}

function topLevelClass(tree: Tree, name: string): Node | undefined {
  for (const child of tree.rootNode.namedChildren) {
    const def = child?.type === 'decorated_definition' ? child.childForFieldName('definition') : child;
    if (def?.type === 'class_definition' && def.childForFieldName('name')?.text === name) return def;
  }
  return undefined;
}

/** The class a module-level `Model = Product` names (`Product`), when `name` is bound so. */
function aliasedClass(tree: Tree, name: string): Node | undefined {
  for (const child of tree.rootNode.namedChildren) {
    const assignment = child?.type === 'expression_statement' ? child.namedChildren[0] : undefined;
    if (assignment?.type !== 'assignment' || assignment.childForFieldName('left')?.text !== name) continue;
    const right = assignment.childForFieldName('right');
    if (right?.type === 'identifier' && /^[A-Z]/.test(right.text)) return right;
  }
  return undefined;
}

/** The value of a module-level `name = ...` (`repo = OrderRepository()`). */
function topLevelValue(tree: Tree, name: string): Node | undefined {
  for (const child of tree.rootNode.namedChildren) {
    const assignment = child?.type === 'expression_statement' ? child.namedChildren[0] : undefined;
    if (assignment?.type === 'assignment' && assignment.childForFieldName('left')?.text === name) return assignment.childForFieldName('right') ?? undefined;
  }
  return undefined;
}
