/**
 * Querysets built through a project's own manager and QuerySet methods: `Invoice.objects.search(query=q)
 * .filter_by_id(id=i)`, `Order.objects.by_request(request).not_created()`, `Product.objects.featured()`. The shared
 * queryset reader stops at a method Django does not define; here each such step is read from the project's class
 * (analysis/python/custom-querysets.ts) for what it does to the rows: keeps them all (an optional filter), searches
 * them, filters them, scopes them to an owner, or picks one.
 */
import type { Node } from 'web-tree-sitter';
import type { RuleContext } from '../api';
import { importsOf } from '../../analysis/python/imports';
import { assignmentsBefore, emptyInfo, querysetOf, unparenthesize, type QuerysetInfo } from '../../analysis/python/django-querysets';
import { customMethodKind, managerClasses, type ClassTexts } from '../../analysis/python/custom-querysets';
import { classesOfText, projectClassTexts } from '../../analysis/python/project-classes';
import type { ModelIndex } from '../../analysis/python/django-models';

const MANAGER_ATTRIBUTES = new Set(['objects', '_default_manager']);
const PASS = new Set(['all', 'order_by', 'distinct', 'select_related', 'prefetch_related', 'only', 'defer', 'reverse', 'using']);
/** Rows picked by who asks or by the URL: left to the shared reader's owner tests (not read here). */
const PICKED = /\brequest\b|\buser\b|\bpk\b|\bid\b|kwargs|owner/;

const TIME_LOOKUP = /__(lte?|gte?|range|year|month|day|date|week|iso_year)\s*=/;

/** Rows a text search picks (an empty query matches every row): the worst case of a view's several answers. */
const SEARCHES = new WeakSet<QuerysetInfo>();

export function isTextSearch(info: QuerysetInfo): boolean {
  return SEARCHES.has(info);
}

/** The class texts a file sees: its own classes, then the one class of that name in the project's other modules. */
export function classTextsFor(ctx: RuleContext): ClassTexts {
  let own: Map<string, string> | undefined;
  let others: ReadonlyMap<string, string | null> | undefined;
  return (name) => {
    own ??= classesOfText(ctx.file.text);
    const local = own.get(name);
    if (local) return local;
    others ??= projectClassTexts(ctx.project, { relPath: ctx.file.relPath, text: ctx.file.text });
    return others.get(name) ?? undefined;
  };
}

/** The rows of a chain with project manager/QuerySet methods in it, or undefined when a step cannot be read. */
function customChainRows(expression: Node, models: ModelIndex, classText: ClassTexts): QuerysetInfo | undefined {
  const steps: { name: string; call: Node }[] = [];
  let node = unparenthesize(expression);
  let base: QuerysetInfo | undefined;
  let manager: Node | undefined;
  for (;;) {
    if (node.type !== 'call') return undefined;
    const fn = node.childForFieldName('function');
    if (fn?.type !== 'attribute') return undefined;
    const receiver = fn.childForFieldName('object');
    if (!receiver) return undefined;
    if (steps.length > 0) {
      const known = querysetOf(node);
      if (known && known.roots.length > 0) {
        base = known;
        break;
      }
    }
    steps.unshift({ name: fn.childForFieldName('attribute')?.text ?? '', call: node });
    const r = unparenthesize(receiver);
    if (r.type === 'attribute' && MANAGER_ATTRIBUTES.has(r.childForFieldName('attribute')?.text ?? '')) {
      manager = r;
      break;
    }
    node = r;
  }
  if (base && (base.roots.length !== 1 || base.roots[0].kind !== 'manager' || base.models.length !== 1)) return undefined;
  const modelNode = manager?.childForFieldName('object');
  const written = base ? base.models[0] : modelNode?.type === 'attribute' ? modelNode.childForFieldName('attribute')?.text : modelNode?.text;
  if (!written) return undefined;
  const model = importsOf(expression.tree).origins.get(written)?.name ?? written;
  const managerClass = models.managerOf(model, manager ? manager.childForFieldName('attribute')!.text : 'objects');
  if (!managerClass) return undefined;
  const classes = managerClasses(managerClass, classText);
  if (classes.length === 0) return undefined;
  const info: QuerysetInfo = base ?? { ...emptyInfo({ kind: 'manager', node: manager! }), models: [written] };
  let search = false;
  steps.forEach((step, i) => {
    if (!info) return;
    if (PASS.has(step.name)) return void info.methods.push(step.name);
    if (step.name === 'filter' || step.name === 'exclude') {
      // Rows picked by who asks, or a time window the shared reader would weigh (upcoming, a fixed period): not read.
      if (PICKED.test(step.call.text) || TIME_LOOKUP.test(step.call.text)) throw STOP;
      return void info.methods.push(step.name);
    }
    switch (customMethodKind(classes, step.name, classText, 0, i > 0 || !!base)) {
      case 'whole':
        return;
      case 'search':
        search = true;
        return void info.methods.push('filter');
      case 'filtered':
        return void info.methods.push('filter');
      case 'scoped':
        info.scoped = true;
        return void info.methods.push('filter');
      case 'bounded':
        info.singleRow = true;
        return;
      default:
        throw STOP;
    }
  });
  if (search && !info.scoped && !info.singleRow) SEARCHES.add(info);
  return info;
}

const STOP = new Error('unreadable step');

/** Wraps customChainRows: a step that cannot be read gives undefined. */
export function readCustomChain(expression: Node, models: ModelIndex, classText: ClassTexts): QuerysetInfo | undefined {
  let value = unparenthesize(expression);
  // `queryset = (Invoice.objects.search(q)...)` then `return queryset`: the one value bound.
  if (value.type === 'identifier') {
    const bound = assignmentsBefore(value);
    const right = bound.length === 1 ? bound[0].childForFieldName('right') : undefined;
    if (!right) return undefined;
    value = right;
  }
  try {
    return customChainRows(value, models, classText);
  } catch (e) {
    if (e === STOP) return undefined;
    throw e;
  }
}
