/**
 * n-plus-one, DRF: a SerializerMethodField whose method starts a query on a model manager keyed by the serialised
 * object (`Attachment.objects.filter(question=obj)`, `Vote.objects.get(user=obj.user, ...)`). DRF calls the method
 * once per row (serializers.SerializerMethodField docs), so a serializer the project renders many rows with
 * (analysis/python/drf-listed-serializers.ts) runs the query once per row, and no prefetch on the view's queryset
 * can serve a fresh manager query. Reported at the query, without a fix (the cure is a Prefetch with to_attr on the
 * view's queryset, or an annotation, and then reading that in the method).
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { RuleContext } from '../api';
import { clip } from '../shared/format';
import { captures, classFieldCalls, keywordArgument, stringValue } from '../../analysis/python/ast';
import { listedSerializers } from '../../analysis/python/drf-listed-serializers';
import { rowParameter, serializerClassOf } from '../../analysis/python/drf-serializers';
import { modelClassName } from '../shared/table-names';
// A later write in the chain makes it no read (`.update()`, `.delete()`).
import { WRITES } from './python-keyed-queries';
import { statementMatches, topLevelStatements } from '../../analysis/python/statements';
import { StatementSlot } from '../../analysis/cache';

/** Manager methods that read rows. */
const READS = new Set(['filter', 'exclude', 'get', 'first', 'last', 'count', 'exists', 'aggregate', 'latest', 'earliest', 'values', 'values_list', 'order_by', 'annotate', 'distinct']);
const MANAGERS = new Set(['objects', '_default_manager']);
const SUPER_REPRESENTATION = /\bsuper\(\s*(?:\w+\s*,\s*self\s*)?\)\.to_representation\(/;
const PER_ROW_METHOD = /SerializerMethodField|to_representation/;
const MANAGER_READ = /\.(objects|_default_manager)\./;

export const DRF_METHOD_QUERY_NOTES =
  'A SerializerMethodField method (a `@staticmethod` one too, its row in the first parameter; or a `to_representation` built on `super()`) that queries a model manager keyed by the serialised object ' +
  '(`Attachment.objects.filter(question=obj)`, `.get(user=obj.user)`, `.count()` on such a filter) is reported at the query ' +
  'when the project renders that serializer with many rows (a list view\'s `serializer_class`, or `Serializer(rows, many=True)`), ' +
  'without a fix; a nested `Serializer(many=True)` field alone (one record\'s children) does not count, nor writes. ';

export function checkMethodFieldQueries(ctx: RuleContext, tree: Tree): void {
  const text = ctx.file.text;
  if (!PER_ROW_METHOD.test(text) || !MANAGER_READ.test(text)) return;
  let listed: ReadonlySet<string> | undefined;
  for (const statement of topLevelStatements(tree)) {
    if (!statementMatches(statement, SERIALIZER_WORD)) continue;
    // The class's own text decides its keyed queries (kept per statement); whether the project lists it is asked after.
    const key = classQueries.key(statement);
    let found = classQueries.get(key);
    if (found === undefined) classQueries.set(key, (found = perRowQueries(statement.node)));
    if (!found) continue;
    listed ??= listedSerializers(ctx.project, { relPath: ctx.file.relPath, text });
    if (!listed.has(found.name)) continue;
    const { name } = found;
    for (const { start, end, method, call } of found.queries) {
      ctx.report({
        start: statement.start + start,
        end: statement.start + end,
        messageId: 'serializer-keyed-query',
        table: found.model,
        data: { serializer: clip(name, 30), method: clip(method, 24), call: clip(call, 40) },
        detail:
          `N+1 queries: DRF calls ${name}.${method}() once for each row it serialises, and the project renders ${name} ` +
          `with many rows, so ${call}(...) keyed by the row runs one query per row (a prefetch on the view's queryset ` +
          `cannot serve a new manager query). Load the related rows once on the view's queryset ` +
          `(prefetch_related(Prefetch(..., to_attr=...)) or an annotation such as Count/Exists/Subquery) and read that in the method.`,
      });
    }
  }
}

const SERIALIZER_WORD = /Serializer/;

/** A serializer class's name and the keyed queries of its per-row methods (offsets from the statement's start). */
interface ClassQueries {
  name: string;
  model?: string;
  queries: { start: number; end: number; method: string; call: string }[];
}

/** Per top-level statement: its keyed queries, or null (no serializer class with per-row methods that query). */
const classQueries = new StatementSlot<ClassQueries | null>('n-plus-one: DRF method-field queries per statement');

function perRowQueries(child: Node): ClassQueries | null {
  const cls = child.type === 'decorated_definition' ? child.childForFieldName('definition') : child;
  if (cls?.type !== 'class_definition' || !/Serializer/.test(cls.childForFieldName('superclasses')?.text ?? '')) return null;
  const name = cls.childForFieldName('name')?.text ?? '';
  const methods = methodFieldMethods(cls);
  // A to_representation that builds on super()'s output runs once per row too, with the row as its argument.
  const representation = methodsOf(cls).find((d) => d.childForFieldName('name')?.text === 'to_representation');
  if (representation && SUPER_REPRESENTATION.test(representation.text)) methods.add('to_representation');
  if (methods.size === 0) return null;
  const queries: ClassQueries['queries'] = [];
  for (const def of methodsOf(cls)) {
    const method = def.childForFieldName('name')?.text ?? '';
    if (!methods.has(method)) continue;
    for (const query of keyedQueries(def)) {
      queries.push({ start: query.node.startIndex - child.startIndex, end: query.node.endIndex - child.startIndex, method, call: `${query.model}.${query.manager}.${query.method}` });
    }
  }
  // The N is the rows the serializer renders: its Meta's model (none when inherited).
  return queries.length > 0 ? { name, queries, model: modelClassName(serializerClassOf(cls, '')?.model) } : null;
}

/** The methods the class's SerializerMethodFields call (`get_<field>`, or `method_name=`). */
function methodFieldMethods(cls: Node): Set<string> {
  const out = new Set<string>();
  for (const { name, call } of classFieldCalls(cls, /^SerializerMethodField$/)) {
    const named = keywordArgument(call, 'method_name') ?? call.childForFieldName('arguments')?.namedChildren.find((a) => a?.type === 'string');
    out.add((named && stringValue(named)) ?? `get_${name}`);
  }
  return out;
}

function methodsOf(cls: Node): Node[] {
  return (cls.childForFieldName('body')?.namedChildren ?? [])
    .map((s) => (s?.type === 'decorated_definition' ? s.childForFieldName('definition') : s))
    .filter((d): d is Node => d?.type === 'function_definition');
}

interface KeyedQuery {
  node: Node;
  model: string;
  manager: string;
  method: string;
}

/** Manager reads in the method (not in nested functions) with the object, its key or one of its attributes as a lookup value. */
function keyedQueries(def: Node): KeyedQuery[] {
  const obj = rowParameter(def);
  const body = def.childForFieldName('body');
  if (!obj || !body) return [];
  const out: KeyedQuery[] = [];
  for (const { node: call } of captures(def.tree, '(call) @c', body)) {
    const fn = call.childForFieldName('function');
    const manager = fn?.type === 'attribute' ? fn.childForFieldName('object') : undefined;
    if (!fn || manager?.type !== 'attribute' || !MANAGERS.has(manager.childForFieldName('attribute')?.text ?? '')) continue;
    const owner = manager.childForFieldName('object');
    const model = owner?.type === 'attribute' ? owner.childForFieldName('attribute')?.text : owner?.text;
    const method = fn.childForFieldName('attribute')?.text ?? '';
    if (!model || !/^[A-Z]\w*$/.test(model) || !READS.has(method) || nestedIn(call, def)) continue;
    if (!keyedBy(call, obj)) continue;
    const chain = outerChain(call);
    if (chainMethods(chain, call).some((m) => WRITES.has(m))) continue;
    out.push({ node: chain, model, manager: manager.childForFieldName('attribute')!.text, method });
  }
  return out;
}

/** A keyword argument whose value is `obj`, `obj.pk`/`obj.id`/`obj.<relation>`, or such a value inside a `Q(...)`. */
function keyedBy(call: Node, obj: string): boolean {
  const isKey = (value: Node | null | undefined) =>
    !!value && (value.text === obj || (value.type === 'attribute' && value.childForFieldName('object')?.type === 'identifier' && value.childForFieldName('object')?.text === obj));
  const lookups = (node: Node | null | undefined): boolean => {
    if (!node) return false;
    if (node.type === 'keyword_argument') return isKey(node.childForFieldName('value'));
    // `Q(question=obj) & Q(user=user)`, `~Q(...)`, `(Q(...) | Q(...))`.
    if (node.type === 'call') return /^(Q|models\.Q)$/.test(node.childForFieldName('function')?.text ?? '') && keyedBy(node, obj);
    if (node.type === 'binary_operator' || node.type === 'unary_operator' || node.type === 'parenthesized_expression') return node.namedChildren.some(lookups);
    return false;
  };
  return (call.childForFieldName('arguments')?.namedChildren ?? []).some(lookups);
}

/** The whole chain the call starts (`X.objects.filter(...).first()`), up to the statement. */
function outerChain(call: Node): Node {
  let node = call;
  for (;;) {
    const parent = node.parent;
    if (parent?.type === 'attribute' && parent.childForFieldName('object')?.id === node.id && parent.parent?.type === 'call' && parent.parent.childForFieldName('function')?.id === parent.id) {
      node = parent.parent;
      continue;
    }
    return node;
  }
}

/** The method names called after the first call in the chain. */
function chainMethods(chain: Node, first: Node): string[] {
  const out: string[] = [];
  for (let node: Node | null = chain; node && node.id !== first.id; ) {
    const fn: Node | null = node.type === 'call' ? node.childForFieldName('function') : null;
    if (fn?.type !== 'attribute') break;
    out.push(fn.childForFieldName('attribute')?.text ?? '');
    node = fn.childForFieldName('object');
  }
  return out;
}

function nestedIn(node: Node, def: Node): boolean {
  for (let p = node.parent; p && p.id !== def.id; p = p.parent) if (p.type === 'function_definition' || p.type === 'lambda') return true;
  return false;
}
