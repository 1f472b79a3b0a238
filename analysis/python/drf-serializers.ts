/**
 * Django REST framework serializer classes as written: their bases, Meta (model, fields, exclude, depth), declared
 * fields (nested serializers, related fields, `source=`, SerializerMethodField) and the `obj.a.b` reads of their
 * `get_<field>` methods. Plain data with offsets into the module's text, no nodes, so it can be cached per module
 * version and shared across files.
 */
import type { Node, Tree } from 'web-tree-sitter';
import { keywordArgument, nodesAtText, positionalArguments, stringValue } from './ast';
import { StatementSlot, statementTextId } from '../cache';

export interface Span {
  start: number;
  end: number;
}

export interface DeclaredField {
  name: string;
  /** The field's assignment (`customer = CustomerSerializer(read_only=True)`). */
  span: Span;
  /** The class called, last dotted name (`CustomerSerializer`, `StringRelatedField`). */
  callee: string;
  many: boolean;
  source?: string;
  /** SerializerMethodField: the method it calls. */
  method?: string;
}

/** One `obj.a.b...` read in a method: the attribute names after `obj`, and the manager method called, if any. */
export interface ObjectRead {
  path: string[];
  call?: string;
  span: Span;
}

export interface SerializerClass {
  name: string;
  bases: string[];
  /** Module-relative path of the file it is defined in. */
  file: string;
  /** The class's name (for related information). */
  span: Span;
  model?: string;
  fields?: string[] | '__all__';
  exclude: string[];
  /** Each string of Meta.fields, and the `fields = ...` assignment. */
  fieldSpans: Map<string, Span>;
  fieldsSpan?: Span;
  depth: number;
  depthSpan?: Span;
  hasMeta: boolean;
  declared: DeclaredField[];
  methods: Map<string, ObjectRead[]>;
  /** Overrides to_representation without super() or the method reads through helpers: the class does things we cannot see. */
  opaque: boolean;
}

const SUPER_REPRESENTATION = /\bsuper\(\s*(?:\w+\s*,\s*self\s*)?\)\.to_representation\(/;

function lastName(node: Node | null | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'subscript') return lastName(node.childForFieldName('value'));
  if (node.type === 'identifier') return node.text;
  if (node.type === 'attribute') return node.childForFieldName('attribute')?.text;
  return undefined;
}

function span(node: Node): Span {
  return { start: node.startIndex, end: node.endIndex };
}

/** Serializer-looking classes of a module (bases ending in Serializer, or project classes that may be serializers). */
export function serializerClassesIn(tree: Tree, file: string): SerializerClass[] {
  const out: SerializerClass[] = [];
  for (const child of tree.rootNode.namedChildren) {
    const cls = child?.type === 'decorated_definition' ? child.childForFieldName('definition') : child;
    if (cls?.type !== 'class_definition') continue;
    const s = serializerClassOf(cls, file);
    if (s) out.push(s);
  }
  return out;
}

export function serializerClassOf(cls: Node, file: string): SerializerClass | undefined {
  const nameNode = cls.childForFieldName('name');
  const body = cls.childForFieldName('body');
  if (!nameNode || !body) return undefined;
  const bases = (cls.childForFieldName('superclasses')?.namedChildren ?? []).map((b) => lastName(b)).filter((b): b is string => !!b);
  if (!bases.some((b) => /Serializer|Mixin/.test(b))) return undefined;
  const s: SerializerClass = {
    name: nameNode.text,
    bases,
    file,
    span: span(nameNode),
    exclude: [],
    fieldSpans: new Map(),
    depth: 0,
    hasMeta: false,
    declared: [],
    methods: new Map(),
    opaque: false,
  };
  const methodFields = new Map<string, string>();
  for (const statement of body.namedChildren) {
    if (!statement) continue;
    if (statement.type === 'class_definition' && statement.childForFieldName('name')?.text === 'Meta') {
      readMeta(statement, s);
      continue;
    }
    const def = statement.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
    if (def?.type === 'function_definition') {
      const name = def.childForFieldName('name')?.text ?? '';
      // An override that starts from super()'s output keeps every field; any other may drop or replace them.
      if (name === 'to_representation' && !SUPER_REPRESENTATION.test(def.text)) s.opaque = true;
      else s.methods.set(name, methodReads(def));
      continue;
    }
    const assignment = statement.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    if (assignment?.type !== 'assignment') continue;
    const left = assignment.childForFieldName('left');
    const right = assignment.childForFieldName('right');
    if (left?.type !== 'identifier' || right?.type !== 'call') continue;
    const callee = lastName(right.childForFieldName('function'));
    if (!callee) continue;
    const many = keywordArgument(right, 'many')?.text === 'True';
    const source = stringValue(keywordArgument(right, 'source'));
    const field: DeclaredField = { name: left.text, span: span(assignment), callee, many, source };
    if (callee === 'SerializerMethodField') {
      field.method = stringValue(keywordArgument(right, 'method_name') ?? positionalArguments(right)[0]) ?? `get_${left.text}`;
      methodFields.set(field.method, field.name);
    }
    s.declared.push(field);
  }
  return s;
}

function readMeta(meta: Node, s: SerializerClass): void {
  s.hasMeta = true;
  for (const statement of meta.childForFieldName('body')?.namedChildren ?? []) {
    const assignment = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    if (assignment?.type !== 'assignment') continue;
    const key = assignment.childForFieldName('left')?.text;
    const value = assignment.childForFieldName('right');
    if (!value) continue;
    if (key === 'model') s.model = lastName(value);
    else if (key === 'depth') {
      s.depth = /^\d+$/.test(value.text) ? Number(value.text) : 0;
      s.depthSpan = span(assignment);
    } else if (key === 'fields' || key === 'exclude') {
      const all = stringValue(value);
      if (key === 'fields') s.fieldsSpan = span(assignment);
      if (all === '__all__' && key === 'fields') {
        s.fields = '__all__';
        continue;
      }
      if (value.type !== 'list' && value.type !== 'tuple') continue;
      const names: string[] = [];
      for (const item of value.namedChildren) {
        const name = stringValue(item);
        if (name === undefined || !item) continue;
        names.push(name);
        if (key === 'fields') s.fieldSpans.set(name, span(item));
      }
      if (key === 'fields') s.fields = names;
      else s.exclude = names;
    }
  }
}

/**
 * Per method text: its reads with offsets relative to the method. A keystroke in one method of a long class (a
 * viewset's mixin bases make it a serializer candidate) re-reads that method only.
 */
const METHOD_READS = new StatementSlot<ObjectRead[]>('DRF: method reads');

function methodReads(def: Node): ObjectRead[] {
  const start = def.startIndex;
  // An error-free method's subtree is a function of its text (its indentation is part of it).
  const method = { type: 'method', textId: statementTextId(def.text), cacheable: !def.hasError };
  // The def's text leaves out its decorators, and `@staticmethod` moves the row to the first parameter.
  const relative = METHOD_READS.answer(method, isStaticMethod(def) ? 'static' : '', () => objectReads(def).map((r) => ({ ...r, span: { start: r.span.start - start, end: r.span.end - start } })));
  return relative.map((r) => ({ ...r, span: { start: r.span.start + start, end: r.span.end + start } }));
}

/**
 * The parameter a serializer method gets the row in: the first after self (`def get_x(self, obj)`, `(self, obj:
 * Order)`), or the first of a `@staticmethod` (DRF calls `method(obj)` on the instance either way). A `*args` or
 * `**kwargs` there names no object.
 */
export function rowParameter(def: Node): string | undefined {
  const params = (def.childForFieldName('parameters')?.namedChildren ?? []).filter((p): p is Node => !!p);
  const param = params[isStaticMethod(def) ? 0 : 1];
  const name = param?.type === 'typed_parameter' ? param.namedChildren[0] : param;
  return name?.type === 'identifier' ? name.text : undefined;
}

function isStaticMethod(def: Node): boolean {
  const decorated = def.parent?.type === 'decorated_definition' ? def.parent : undefined;
  return !!decorated?.namedChildren.some((d) => d?.type === 'decorator' && /^@\s*staticmethod\s*$/.test(d.text));
}

/** The `obj.a.b` reads of a method, where `obj` is the row parameter. */
function objectReads(def: Node): ObjectRead[] {
  return readsOfName(def, rowParameter(def));
}

/** The `obj.a.b` / `obj.a.m()` reads of a method body, for a parameter name (`self` for a model's own members). */
export function readsOfName(def: Node, obj: string | undefined): ObjectRead[] {
  const body = def.childForFieldName('body');
  if (!obj || !body) return [];
  // `getattr(obj, "n_items", None)` / `hasattr(obj, ...)`: the method reads an annotation when it is there.
  if (new RegExp(`\\b(getattr|hasattr)\\(\\s*${obj}\\b`).test(body.text)) return [];
  const out: ObjectRead[] = [];
  const read = (node: Node) => {
    const path: string[] = [];
    let current = node;
    for (;;) {
      path.push(current.childForFieldName('attribute')?.text ?? '');
      const parent = current.parent;
      if (parent?.type !== 'attribute' || parent.childForFieldName('object')?.id !== current.id) break;
      current = parent;
    }
    const parent = current.parent;
    const called = parent?.type === 'call' && parent.childForFieldName('function')?.id === current.id;
    if (called) {
      const call = path.pop()!;
      out.push({ path, call, span: span(parent!) });
    } else out.push({ path, span: span(current) });
  };
  const isRead = (node: Node) => node.type === 'attribute' && node.childForFieldName('object')?.type === 'identifier' && node.childForFieldName('object')?.text === obj;
  if (/^[A-Za-z_]\w*$/.test(obj)) {
    // Found by text (a walk over every node of a long method costs milliseconds per keystroke): each `obj` that
    // is the object of an attribute, outside nested functions and lambdas (they may rebind the name).
    for (const id of nodesAtText(def.tree, body.text, new RegExp(`\\b${obj}\\b`, 'g'), body.startIndex)) {
      const attribute = id.parent;
      if (id.type !== 'identifier' || !attribute || !isRead(attribute) || attribute.childForFieldName('object')?.id !== id.id) continue;
      let nested = false;
      for (let p = attribute.parent; p && p.id !== body.id; p = p.parent) if (p.type === 'function_definition' || p.type === 'lambda') nested = true;
      if (!nested) read(attribute);
    }
    return out;
  }
  const visit = (node: Node) => {
    if (isRead(node)) {
      read(node);
      return;
    }
    // A nested function or lambda may rebind the name.
    if (node.type === 'function_definition' || node.type === 'lambda') return;
    for (const c of node.namedChildren) if (c) visit(c);
  };
  visit(body);
  return out;
}
