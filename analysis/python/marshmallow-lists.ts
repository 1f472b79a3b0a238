/**
 * Marshmallow list responses: a Flask-Smorest view whose rows are dumped by a schema with `many=True`
 * (`@blp.response(200, ItemSchema(many=True))` over `def get(self): return ItemModel.query.all()`), and the
 * nested fields of that schema (`fields.Nested(...)`, `fields.List(fields.Nested(...))`, `fields.Pluck(...)`),
 * which read one attribute of every row. Used by unbounded-queryset (the whole list) and n-plus-one (the nested
 * relationships). Schema classes are read from the view's module or the project module it imports them from.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { RuleContext } from '../../rules/api';
import { captures, keywordArgument, ownReturnValues, positionalArguments } from './ast';
import { importsOf } from './imports';
import { resolveModule } from './sqlalchemy-models';

/** Cheap test of a file before any tree work: a `many=True` schema in a `.response(...)` decorator. */
export const MANY_SCHEMA_RESPONSE = /@\s*[\w.]+\.response\s*\([^\n]*many\s*=\s*True/;

export interface SchemaListResponse {
  /** The view function. */
  fn: Node;
  /** Each `return` expression of the view (its own, not nested functions'). */
  returns: Node[];
  /** The schema class as named in the decorator (`ItemSchema`). */
  schema: string;
  /** `ItemSchema(many=True, only=(...))`: the call, to see `only=`/`exclude=`. */
  schemaCall: Node;
}

/** Flask-Smorest views of a tree that dump their return value with `Schema(many=True)`, and are not paginated by `@blp.paginate()`. */
export function schemaListResponses(tree: Tree): SchemaListResponse[] {
  const found: SchemaListResponse[] = [];
  for (const { node } of captures(tree, '(decorated_definition) @d')) {
    const fn = node.childForFieldName('definition');
    if (fn?.type !== 'function_definition') continue;
    let schemaCall: Node | undefined;
    let paginated = false;
    for (const decorator of node.namedChildren) {
      if (decorator?.type !== 'decorator') continue;
      const call = decorator.namedChildren[0];
      if (call?.type !== 'call') continue;
      const method = call.childForFieldName('function');
      const name = method?.type === 'attribute' ? method.childForFieldName('attribute')?.text : undefined;
      if (name === 'paginate') paginated = true;
      if (name !== 'response') continue;
      for (const arg of positionalArguments(call)) {
        if (arg.type !== 'call' || arg.childForFieldName('function')?.type !== 'identifier') continue;
        if (keywordArgument(arg, 'many')?.text === 'True') schemaCall = arg;
      }
    }
    if (!schemaCall || paginated) continue;
    const returns = ownReturnValues(fn);
    found.push({ fn, returns, schema: schemaCall.childForFieldName('function')!.text, schemaCall });
  }
  return found;
}

/** A nested field of a schema: the attribute of the row it reads (`attribute=` when given, else the field name). */
export interface NestedField {
  field: string;
  attribute: string;
}

const MAX_BASES = 5;

/**
 * The dumped nested fields of schema class `name` as the analysed file sees it (its own and its same-module bases'),
 * without `load_only=True` ones and those the call's `only=`/`exclude=` or the class's Meta `exclude` leave out.
 * Undefined when the class cannot be found or read.
 */
export function nestedFields(ctx: RuleContext, tree: Tree, name: string, schemaCall: Node): NestedField[] | undefined {
  let text = ctx.file.text;
  if (!classBody(text, name)) {
    const origin = importsOf(tree).origins.get(name);
    const file = origin ? resolveModule(ctx, ctx.file.relPath, origin.module) : undefined;
    const other = file !== undefined ? ctx.project.readFile(file) : undefined;
    if (other === undefined || !origin) return undefined;
    text = other;
    name = origin.name;
  }
  const fields = new Map<string, NestedField>();
  const excluded = new Set<string>();
  if (!readClass(text, name, fields, excluded, 0)) return undefined;
  const only = keywordArgument(schemaCall, 'only');
  const exclude = keywordArgument(schemaCall, 'exclude');
  if (exclude) for (const s of stringsIn(exclude.text)) excluded.add(s);
  const kept = [...fields.values()].filter((f) => !excluded.has(f.field));
  return only ? kept.filter((f) => stringsIn(only.text).includes(f.field)) : kept;
}

/** Reads a class's fields, bases first (subclass fields win); false when a base is not a Schema found in this module. */
function readClass(text: string, name: string, fields: Map<string, NestedField>, excluded: Set<string>, depth: number): boolean {
  if (depth > MAX_BASES) return false;
  const cls = classBody(text, name);
  if (!cls) return false;
  for (const base of cls.bases) {
    const last = base.split('.').pop()!;
    if (/^(Schema|SQLAlchemySchema|SQLAlchemyAutoSchema|ModelSchema)$/.test(last)) continue;
    if (!readClass(text, last, fields, excluded, depth + 1)) return false;
  }
  const meta = /^([ \t]+)class[ \t]+Meta\b[^\n]*\n((?:\1[ \t]+[^\n]*\n|[ \t]*\n)*)/m.exec(cls.body);
  const metaExclude = meta && /\bexclude\s*=\s*([([][^)\]]*[)\]])/.exec(meta[2]);
  if (metaExclude) for (const s of stringsIn(metaExclude[1])) excluded.add(s);
  for (const m of cls.body.matchAll(/^[ \t]+(\w+)[ \t]*=[ \t]*(?:\w+\.)?(Nested|List|Pluck)[ \t]*\(/gm)) {
    const call = balanced(cls.body, m.index! + m[0].length - 1);
    fields.delete(m[1]);
    if (m[2] === 'List' && !/\b(Nested|Pluck)\s*\(/.test(call)) continue;
    if (/\bload_only\s*=\s*True/.test(call)) continue;
    const attribute = /\battribute\s*=\s*["'](\w+)["']/.exec(call)?.[1] ?? m[1];
    fields.set(m[1], { field: m[1], attribute });
  }
  return true;
}

/** `class Name(Bases):` and its indented body, found in a module's text. */
export function classBody(text: string, name: string): { bases: string[]; body: string } | undefined {
  const m = new RegExp(`^class[ \\t]+${name}[ \\t]*(?:\\(([^)]*)\\))?[ \\t]*:[^\\n]*\\n((?:[ \\t]+[^\\n]*\\n|[ \\t]*\\n)*)`, 'm').exec(`${text}\n`);
  if (!m) return undefined;
  const bases = (m[1] ?? '').split(',').map((b) => b.trim()).filter((b) => b && !b.includes('='));
  return { bases, body: m[2] };
}

/** The text of the parenthesised call starting at `open` (to the matching parenthesis, or the end). */
function balanced(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return text.slice(open, i + 1);
  }
  return text.slice(open);
}

function stringsIn(text: string): string[] {
  return [...text.matchAll(/["'](\w+)["']/g)].map((m) => m[1]);
}
