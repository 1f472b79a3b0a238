/**
 * unbounded-queryset, a SQLAlchemy one-to-many relationship returned whole: `user = User.query.get(user_id)` then
 * `return user.posts` from a route (a `response_model=List[PostOut]` serialises each row), `jsonify([p.to_dict()
 * for p in user.posts])`, or a service returning `author.articles` to a route. A lazy relationship (`lazy="select"`,
 * the default, or an eager one) loads every related row the first time it is read: one user's posts, all time.
 *
 * Reported only when the owner is one row fetched by key or `.first()`, the relationship is a collection (declared
 * `uselist=True`, or a foreign key on the target to this model's table) that is not `lazy="dynamic"` (a query the
 * code can still limit), and the target model grows with use (sqlalchemy-responses.ts' grows(): named as a record
 * of events with a time, or rows the project's request code adds).
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { ReportSpec, RuleContext } from '../api';
import { ancestor, positionalArguments } from '../../analysis/python/ast';
import { assignmentsBefore, calleeName, readScopeOf, unparenthesize } from '../../analysis/python/django-querysets';
import { modelNamed, relationshipOf, targetModel } from '../../analysis/python/sqlalchemy-models';
import { underMainGuard } from '../../analysis/python/web-context';
import { partOfParent } from '../../analysis/python/sqlalchemy-parts';
import { grows, reachesResponse } from './sqlalchemy-responses';
import { RETURNED_BY_HELPER, returnedToRoute } from './returned-to-route';

/** Calls that fetch one row of a model: `X.query.get(id)`, `.first()`, `.one()`, `get_or_404`, `session.get(X, id)`. */
const ONE_ROW = new Set(['get', 'get_or_404', 'first', 'first_or_404', 'one', 'one_or_none', 'one_or_404', 'scalar', 'scalar_one', 'scalar_one_or_none']);

/** Tables of people: a relationship to them lists a group's members. */
const PEOPLE_MODEL = /(User|Account|Customer|Member|Person|People|Player|Client|Profile)s?$/;
/** A route only admins reach: `@admins_only`, `@admin_required`, `@staff_member_required`. */
const ADMIN_DECORATOR = /^@\s*[\w.]*(admin|staff|superuser)\w*/im;

function adminOnly(fn: Node): boolean {
  const decorated = fn.parent?.type === 'decorated_definition' ? fn.parent : undefined;
  return !!decorated?.namedChildren.some((d) => d?.type === 'decorator' && ADMIN_DECORATOR.test(d.text));
}

/** `owner.relation` reads in the file that may be a relationship returned whole (cheap text test first). */
const ATTRIBUTE_READ = /\b[a-z_]\w*\.[a-z_]\w*\b/;

export function checkRelationshipResponses(ctx: RuleContext, tree: Tree, report: (spec: ReportSpec) => void): void {
  if (!ATTRIBUTE_READ.test(ctx.file.text)) return;
  for (const attribute of tree.rootNode.descendantsOfType('attribute')) {
    if (!attribute || !returnedWhole(attribute)) continue;
    const owner = attribute.childForFieldName('object');
    const name = attribute.childForFieldName('attribute')?.text;
    if (!owner || (owner.type !== 'identifier' && owner.type !== 'call') || !name) continue;
    const fn = ancestor(attribute, 'function_definition');
    if (!fn || underMainGuard(attribute) || adminOnly(fn)) continue;
    const how = reachesResponse(attribute, readScopeOf(attribute), fn, 0, true);
    if (!how) continue;
    const modelExpression = owner.type === 'identifier' ? oneRowOf(owner) : oneRowModel(owner);
    const model = modelExpression && modelNamed(ctx, tree, modelExpression);
    if (!model) continue;
    const relationship = relationshipOf(ctx, tree, model, name);
    if (!relationship || relationship.collection !== true || (relationship.lazy !== 'select' && relationship.lazy !== 'eager')) continue;
    const target = targetModel(ctx, tree, relationship);
    // A group's people (a team's members) are as many as the group admits, not a history.
    if (!target || PEOPLE_MODEL.test(target.name) || !grows(ctx, target)) continue;
    // A recipe's ingredients: parts of the one row, a few, not a history (sqlalchemy-parts.ts).
    if (partOfParent(target, model)) continue;
    const where = how === RETURNED_BY_HELPER ? returnedToRoute(ctx, tree, attribute, (n, scope, f, depth) => reachesResponse(n, scope, f, depth, true)) : how;
    if (!where) continue;
    report({
      start: attribute.startIndex,
      end: attribute.endIndex,
      messageId: 'relationship-response',
      data: { model: target.name, owner: owner.type === 'identifier' ? owner.text : model.name, relation: name },
      table: target.name,
      detail:
        `${owner.text}.${name} is a lazy one-to-many relationship: reading it loads every ${target.name} row of this ${model.name} at once, ` +
        `and ${where === 'the route' ? 'the route' : where} turns all of them into one response; the table grows with use. ` +
        `Query the rows with a limit/offset (or declare the relationship lazy="dynamic" and page it).`,
    });
  }
}

/** The attribute is the value handed on (`return user.posts`, `rows = user.posts`), not a call's callee or a part of a longer chain. */
function returnedWhole(attribute: Node): boolean {
  const parent = attribute.parent;
  if (!parent) return false;
  if (parent.type === 'attribute' || parent.type === 'subscript') return false;
  if (parent.type === 'call' && parent.childForFieldName('function')?.id === attribute.id) return false;
  if (parent.type === 'assignment' && parent.childForFieldName('left')?.id === attribute.id) return false;
  return ['return_statement', 'assignment', 'argument_list', 'keyword_argument', 'pair', 'for_in_clause', 'expression_list', 'await'].includes(parent.type);
}

/**
 * The model expression of the one row a variable holds: `user = User.query.get(id)`, `post = db.get_or_404(Post, id)`,
 * `user = session.query(User).filter_by(id=id).first()`, `author = await session.get(Author, id)`, `if user := ...`.
 */
function oneRowOf(variable: Node): Node | undefined {
  const value = lastValueOf(variable);
  return value && oneRowModel(value);
}

/** The model expression of a call that fetches one row (see oneRowOf). */
function oneRowModel(value: Node): Node | undefined {
  let call = unparenthesize(value);
  if (call.type === 'await') call = call.namedChildren[0] ?? call;
  if (call.type !== 'call' || !ONE_ROW.has(calleeName(call) ?? '')) return undefined;
  const fn = call.childForFieldName('function');
  const receiver = fn?.type === 'attribute' ? fn.childForFieldName('object') : undefined;
  // `session.get(User, id)`, `db.get_or_404(User, id)`: the model is the first argument.
  const first = positionalArguments(call)[0];
  if ((calleeName(call) === 'get' || calleeName(call) === 'get_or_404') && receiver && !receiver.text.endsWith('.query') && first && /^[A-Z]/.test(first.text.split('.').pop() ?? '')) return first;
  for (let current: Node | null | undefined = receiver; current; ) {
    if (current.type === 'attribute') {
      if (current.childForFieldName('attribute')?.text === 'query') return current.childForFieldName('object') ?? undefined;
      current = current.childForFieldName('object');
    } else if (current.type === 'call') {
      if (calleeName(current) === 'query' && positionalArguments(current).length === 1) return positionalArguments(current)[0];
      current = current.childForFieldName('function');
    } else return undefined;
  }
  return undefined;
}

/** The value a name was last given before its use: an assignment, or a walrus (`if user := ...:`) around it. */
function lastValueOf(variable: Node): Node | undefined {
  const assigned = assignmentsBefore(variable).pop()?.childForFieldName('right');
  if (assigned) return assigned;
  const fn = ancestor(variable, 'function_definition');
  let found: Node | undefined;
  for (const walrus of fn?.descendantsOfType('named_expression') ?? []) {
    if (!walrus || walrus.startIndex > variable.startIndex || walrus.childForFieldName('name')?.text !== variable.text) continue;
    found = walrus.childForFieldName('value') ?? undefined;
  }
  return found;
}
