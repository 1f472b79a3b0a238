/**
 * FastAPI list responses: a route whose response model is a list of a pydantic schema
 * (`@app.get("/x", response_model=List[ItemOut])`, or `-> list[ItemOut]` without `response_model`), and the fields
 * of that schema. FastAPI validates every returned row against the schema, which reads each declared field of each
 * row (`orm_mode`/`from_attributes`): a field named like a lazy relationship loads it once per row. Schema classes
 * are read from the route's module or the project module it imports them from.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { RuleContext } from '../../rules/api';
import { captures, keywordArgument, ownReturnValues } from './ast';
import { importsOf } from './imports';
import { resolveModule } from './sqlalchemy-models';
import { classBody } from './marshmallow-lists';

/**
 * Cheap test of a file before any tree work: a route decorator with a list response model or a list return type,
 * or a page of fastapi-pagination (`response_model=Page[ItemOut]`).
 */
export const LIST_RESPONSE_MODEL =
  /response_model\s*=\s*(?:typing\.)?(?:List|list|Sequence)\s*\[|\)\s*->\s*(?:typing\.)?(?:List|list|Sequence)\s*\[|response_model\s*=\s*(?:\w+\.)?(?:Page|LimitOffsetPage|CursorPage)\s*\[/;

const ROUTE_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'api_route']);
const LIST_TYPES = /^(?:typing\.)?(?:List|list|Sequence)$/;
/**
 * fastapi-pagination's page models: `Page[ItemOut]` validates each row of the page against `ItemOut` (the route
 * returns `paginate(session, query)`, which runs the query with a limit and offset).
 */
const PAGE_TYPES = /^(?:\w+\.)?(?:Page|LimitOffsetPage|CursorPage)$/;
/** Roots of pydantic schema classes; a base that is none of these must be a class found in the same module. */
const SCHEMA_ROOTS = /^(BaseModel|SQLModel|GenericModel)$/;
const MAX_BASES = 5;

export interface ListResponse {
  fn: Node;
  /** Each `return` expression of the route (its own, not nested functions'). */
  returns: Node[];
  /** The schema class as the route's module names it (`ItemOut`, or `schemas.ItemOut` through a module import). */
  schema: string;
  /** A fastapi-pagination page (`Page[ItemOut]`): the rows are what its `paginate(...)` return pages. */
  paged: boolean;
}

/** FastAPI routes of a tree whose response model is a list of one schema class. */
export function listResponses(tree: Tree): ListResponse[] {
  const found: ListResponse[] = [];
  for (const { node } of captures(tree, '(decorated_definition) @d')) {
    const fn = node.childForFieldName('definition');
    if (fn?.type !== 'function_definition') continue;
    let route = false;
    let model: Node | undefined;
    for (const decorator of node.namedChildren) {
      const call = decorator?.type === 'decorator' ? decorator.namedChildren[0] : undefined;
      if (call?.type !== 'call') continue;
      const method = call.childForFieldName('function');
      const name = method?.type === 'attribute' ? method.childForFieldName('attribute')?.text : undefined;
      if (!name || !ROUTE_METHODS.has(name)) continue;
      route = true;
      model = keywordArgument(call, 'response_model');
    }
    if (!route) continue;
    // Without response_model, FastAPI (0.89+) takes the return annotation.
    model ??= fn.childForFieldName('return_type')?.namedChildren[0] ?? undefined;
    const schema = model && listElement(model);
    const page = schema ? undefined : model && listElement(model, PAGE_TYPES);
    if (!schema && !page) continue;
    const returns = ownReturnValues(fn);
    found.push({ fn, returns, schema: (schema ?? page)!, paged: !schema });
  }
  return found;
}

/** `List[ItemOut]` -> `ItemOut`, `List[schemas.ItemOut]` -> `schemas.ItemOut` (a class name, or one module's). */
function listElement(type: Node, types = LIST_TYPES): string | undefined {
  const node = type.type === 'type' ? type.namedChildren[0] : type;
  if (node?.type === 'subscript') {
    const value = node.childForFieldName('value');
    const subscripts = node.childrenForFieldName('subscript').filter((s): s is Node => !!s);
    if (!value || !types.test(value.text) || subscripts.length !== 1) return undefined;
    return classReference(subscripts[0]);
  }
  if (types !== LIST_TYPES) return undefined;
  if (node?.type === 'generic_type') {
    // tree-sitter-python parses `list[X]` in an annotation as generic_type.
    const name = node.namedChildren[0];
    const params = node.namedChildren[1];
    const args = params?.namedChildren.map((c) => (c?.type === 'type' ? c.namedChildren[0] : c)) ?? [];
    if (!name || !LIST_TYPES.test(name.text) || args.length !== 1 || !args[0]) return undefined;
    return classReference(args[0]);
  }
  return undefined;
}

/** `ItemOut` or `schemas.ItemOut` (a name of an imported module); anything else is not followed. */
function classReference(node: Node): string | undefined {
  if (node.type === 'identifier') return node.text;
  const object = node.type === 'attribute' ? node.childForFieldName('object') : undefined;
  return object?.type === 'identifier' ? node.text : undefined;
}

/**
 * The annotated fields of schema class `name` as the route's file sees it (its own and its same-module bases'),
 * undefined when the class or a base cannot be read. `ClassVar`s are left out (pydantic does not read them).
 */
export function schemaFields(ctx: RuleContext, tree: Tree, name: string): string[] | undefined {
  let text = ctx.file.text;
  const dot = name.indexOf('.');
  if (dot > 0) {
    // `schemas.ItemOut`: the class of an imported module (`from . import schemas`, `import app.schemas as schemas`).
    const head = name.slice(0, dot);
    const origin = importsOf(tree).origins.get(head);
    const module = origin ? `${origin.module}${origin.module === '' || origin.module.endsWith('.') ? '' : '.'}${origin.name}` : importsOf(tree).names.get(head) === head ? head : undefined;
    const file = module ? resolveModule(ctx, ctx.file.relPath, module) : undefined;
    const other = file !== undefined ? ctx.project.readFile(file) : undefined;
    if (other === undefined) return undefined;
    const fields = new Set<string>();
    return readClass(other, name.slice(dot + 1), fields, 0) ? [...fields] : undefined;
  }
  if (!classBody(text, name)) {
    const origin = importsOf(tree).origins.get(name);
    const file = origin ? resolveModule(ctx, ctx.file.relPath, origin.module) : undefined;
    const other = file !== undefined ? ctx.project.readFile(file) : undefined;
    if (other === undefined || !origin) return undefined;
    text = other;
    name = origin.name;
  }
  const fields = new Set<string>();
  return readClass(text, name, fields, 0) ? [...fields] : undefined;
}

function readClass(text: string, name: string, fields: Set<string>, depth: number): boolean {
  if (depth > MAX_BASES) return false;
  const cls = classBody(text, name);
  if (!cls || cls.bases.length === 0) return false;
  for (const base of cls.bases) {
    const last = base.split('.').pop()!;
    if (SCHEMA_ROOTS.test(last)) continue;
    if (!readClass(text, last, fields, depth + 1)) return false;
  }
  const indent = /^([ \t]+)\S/m.exec(cls.body)?.[1];
  if (!indent) return true;
  for (const m of cls.body.matchAll(new RegExp(`^${indent}(\\w+)[ \\t]*:[ \\t]*([^\\n]*)`, 'gm'))) {
    if (/^(?:typing\.)?ClassVar\b/.test(m[2].trim())) continue;
    fields.add(m[1]);
  }
  return true;
}
