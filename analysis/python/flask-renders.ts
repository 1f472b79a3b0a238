/**
 * Flask views that hand SQLAlchemy rows to a Jinja template: `render_template("orders.html", orders=Order.query.all())`,
 * a variable bound to one (`orders = Order.query.all()`), a page of them (`Order.query.paginate(...)`, read as
 * `orders.items`), or a context dict passed as `**context`. What the template then reads of each row is the rule's.
 */
import type { Node, Tree } from 'web-tree-sitter';
import { ancestor, callsNamed, positionalArguments, stringValue } from './ast';
import { assignmentsBefore, calleeName, unparenthesize } from './django-querysets';

export const RENDERS_JINJA = /\brender_template\s*\(/;

/** One context name bound to the rows of a query. */
export interface RenderedRows {
  name: string;
  /** The `.all()` (or `.paginate(...)`) call that loads them. */
  rows: Node;
  /** A Flask-SQLAlchemy page: the template reads the rows as `<name>.items`. */
  page: boolean;
}

export interface RenderedTemplate {
  template: string;
  view: string;
  bindings: RenderedRows[];
}

/** Every `render_template` call of a module with a literal template name and some rows in its context. */
export function renderedTemplates(tree: Tree): RenderedTemplate[] {
  const out: RenderedTemplate[] = [];
  for (const call of callsNamed(tree, tree.rootNode.text, /\brender_template\b/g)) {
    if (calleeName(call) !== 'render_template') continue;
    const template = stringValue(positionalArguments(call)[0]);
    const fn = ancestor(call, 'function_definition');
    if (!template || !fn) continue;
    const bindings: RenderedRows[] = [];
    for (const arg of call.childForFieldName('arguments')?.namedChildren ?? []) {
      if (arg?.type === 'keyword_argument') {
        const name = arg.childForFieldName('name')?.text;
        const value = arg.childForFieldName('value');
        const rows = name && value ? rowsOf(value) : undefined;
        if (rows) bindings.push({ name: name!, ...rows });
      } else if (arg?.type === 'dictionary_splat') {
        // `**context` where `context = {"orders": orders, ...}`.
        const dict = valueOf(arg.namedChildren[0]);
        for (const pair of dict?.type === 'dictionary' ? dict.namedChildren : []) {
          if (pair?.type !== 'pair') continue;
          const name = stringValue(pair.childForFieldName('key'));
          const value = pair.childForFieldName('value');
          const rows = name && value ? rowsOf(value) : undefined;
          if (rows) bindings.push({ name: name!, ...rows });
        }
      }
    }
    if (bindings.length) out.push({ template, view: fn.childForFieldName('name')?.text ?? 'view', bindings });
  }
  return out;
}

/** The expression a name holds where it is read (its one assignment before), or the expression itself. */
function valueOf(node: Node | null | undefined): Node | undefined {
  if (!node) return undefined;
  const bare = unparenthesize(node);
  if (bare.type !== 'identifier') return bare;
  const right = assignmentsBefore(bare).pop()?.childForFieldName('right');
  return right ? unparenthesize(right.type === 'await' ? (right.namedChildren[0] ?? right) : right) : undefined;
}

function rowsOf(value: Node): { rows: Node; page: boolean } | undefined {
  const node = valueOf(value);
  if (node?.type !== 'call') return undefined;
  const name = calleeName(node);
  if (name === 'all' && positionalArguments(node).length === 0) return { rows: node, page: false };
  if (name === 'paginate') return { rows: node, page: true };
  return undefined;
}
