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
import { resolveModule } from './sqlalchemy-models';

export interface ModelRowHelperCall {
  /** The model expression in the caller's tree (`Order` of `fetch_all(db, Order)`, `Book` of `Book.fetch_all()`). */
  model: Node;
  /** `fetch_all() in app/crud.py`, for details. */
  where: string;
}

/** A model class name as a call passes it: `Order`, `models.Order`. */
const MODEL_ARGUMENT = /^(?:[a-z_]\w*\.)?[A-Z]\w*[a-z]\w*$/;
/** Longer bodies do more than hand rows back: not judged. */
const MAX_HELPER_LINES = 40;
/** Anything that bounds, narrows or reduces the rows. */
const BOUNDED =
  /\.(limit|offset|slice|paginate|first|one|one_or_none|scalar|scalar_one|scalar_one_or_none|get|get_or_404|filter|filter_by|where|having|count|yield_per|partitions|fetchone|fetchmany|stream|stream_scalars)\s*\(|\bfunc\.|\bcount\s*\(|\blen\s*\(|\[\s*-?\d*\s*:\s*-?\d*\s*\]|\bfor\s+\w+\s+in\s+\w+\s*\.\s*(yield_per|partitions)\b/;
/** Rows made into Python objects. */
const MATERIALISED = /\.(all|scalars|fetchall|unique)\s*\(\s*\)/;
/** Methods SQLAlchemy, pydantic or Django give a model class: never a project helper. */
const FRAMEWORK_METHODS = /^(query|objects|metadata|model_validate|model_dump|from_orm|parse_obj|construct|model_construct|validate|create|get|filter|select|insert|update|delete|__table__)$/;

/**
 * The model and helper of `call` when it is a call of a project helper returning every row of the model the call
 * hands it (positional or keyword argument, or the class a classmethod is called on).
 */
export function modelRowHelperCall(ctx: RuleContext, tree: Tree, call: Node): ModelRowHelperCall | undefined {
  const callee = call.childForFieldName('function');
  if (!callee || (callee.type !== 'identifier' && callee.type !== 'attribute')) return undefined;
  const receiver = callee.type === 'attribute' ? callee.childForFieldName('object') : undefined;
  const method = callee.type === 'attribute' ? callee.childForFieldName('attribute')?.text ?? '' : '';
  // `Book.fetch_all()`: a classmethod the model inherits, reading `cls`.
  if (receiver?.type === 'identifier' && /^[A-Z]/.test(receiver.text) && !FRAMEWORK_METHODS.test(method)) {
    if (positionalArguments(call).some((a) => MODEL_ARGUMENT.test(a.text))) return undefined;
    // `Model = Product` at module level, then `Model.fetch_all()`.
    const model = topLevelClass(tree, receiver.text) ? receiver : aliasedClass(tree, receiver.text) ?? receiver;
    const found = inheritedMethod(ctx, tree, ctx.file.relPath, tree.rootNode.text, model.text, method, 0);
    if (!found || !found.classmethod) return undefined;
    const param = found.params[0];
    return param && everyRowOf(found.text, param) ? { model, where: `${found.owner}.${method}() in ${found.file}` } : undefined;
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
    if (param && params.includes(param) && everyRowOf(body, param)) return { model: node, where: `${target.key}() in ${target.file}` };
  }
  return undefined;
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

/** A helper's text reads every row of the model its parameter `param` names, unbounded, and returns them. */
export function everyRowOf(text: string, param: string): boolean {
  if (text.split('\n').length > MAX_HELPER_LINES) return false;
  const code = text.replace(/("""|''')[\s\S]*?\1/g, '').replace(/#[^\n]*/g, '');
  const p = param.replace(/\W/g, '');
  const queried = new RegExp(`\\b(?:select|query)\\(\\s*${p}(?:\\.\\w+\\(\\s*\\))?\\s*\\)|(?<![\\w.])${p}\\.query\\.all\\(`).test(code);
  return queried && MATERIALISED.test(code) && /\breturn\s+\S/.test(code) && !BOUNDED.test(code);
}

interface FoundMethod {
  file: string;
  owner: string;
  text: string;
  params: string[];
  classmethod: boolean;
}

/**
 * `method` of class `name` as the module `file` (text `text`) sees it, or inherited from one of its bases. Modules are
 * passed by text and parsed again when needed: a tree parsed for one base may be freed by the parse of the next.
 */
function inheritedMethod(ctx: RuleContext, like: Tree, file: string, text: string, name: string, method: string, depth: number): FoundMethod | undefined {
  if (depth > 4 || !ctx.project) return undefined;
  const tree = file === ctx.file.relPath ? like : parseModule(like, text);
  if (!tree) return undefined;
  const cls = topLevelClass(tree, name);
  if (!cls) {
    const origin = importsOf(tree).origins.get(name);
    const into = origin && resolveModule(ctx, file, origin.module);
    const next = into && into !== file ? moduleTextOf(ctx.project, like, ctx.file.relPath, into) : undefined;
    return next === undefined ? undefined : inheritedMethod(ctx, like, into!, next, origin!.name, method, depth + 1);
  }
  for (const child of cls.childForFieldName('body')?.namedChildren ?? []) {
    const def = child?.type === 'decorated_definition' ? child.childForFieldName('definition') : child;
    if (def?.type !== 'function_definition' || def.childForFieldName('name')?.text !== method) continue;
    const decorators = child!.type === 'decorated_definition' ? child!.text.slice(0, def.startIndex - child!.startIndex) : '';
    return { file, owner: name, text: def.text, params: parameterNames(def), classmethod: /@classmethod\b/.test(decorators) };
  }
  const bases = (cls.childForFieldName('superclasses')?.namedChildren ?? []).filter((b): b is Node => b?.type === 'identifier').map((b) => b.text);
  for (const base of bases.slice(0, 4)) {
    const found = inheritedMethod(ctx, like, file, text, base, method, depth + 1);
    if (found) return found;
  }
  return undefined;
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
