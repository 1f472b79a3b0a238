/**
 * unbounded-queryset, SQLAlchemy rows handed whole to a response: `jsonify(items_schema.dump(Item.query.all()))`,
 * `return marshal(Item.query.all(), fields)` in a flask-restful Resource, `rows = session.scalars(select(Item)).all()`
 * then `return rows` from a route. The loops that build a list from `.all()` are checkSqlAlchemyExports'; this reads
 * the `.all()` value itself, through local assignments and the calls it passes through unchanged.
 *
 * Reported only when the rows reach a response (a response call, a schema's `.dump`, `marshal`, a template) or a route
 * handler's `return`, the query has no limit and no owner filter, and the model is a project model that grows: named
 * as a record of events, with a time on each row (a lookup list or admin-curated content is not reported).
 */
import { historyByName } from '../../analysis/history-by-name';
import type { Node, Tree } from 'web-tree-sitter';
import type { ReportSpec, RuleContext } from '../api';
import { ancestor, callsNamed, parents, positionalArguments } from '../../analysis/python/ast';
import { assignmentsBefore, calleeName, referencesInScope, readScopeOf, unparenthesize } from '../../analysis/python/django-querysets';
import { modelNamed, type Model } from '../../analysis/python/sqlalchemy-models';
import { createdByRequests } from '../../analysis/python/request-created-models';
import { StatementFindingsCache, statementMatches, topLevelStatements } from '../../analysis/python/statements';
import { underMainGuard } from '../../analysis/python/web-context';
import { RETURNED_BY_HELPER, returnedToRoute } from './returned-to-route';
import { chainRoot, queryBuild } from '../../analysis/python/query-refinements';
import { keepsTimeWindow, TIME_COLUMN } from '../../analysis/python/time-windows';

/** Cheap test of a file: something that can make a response from a value. */
/** (`rows = ....all()` then `return rows` alone: a repository or service handing the rows to its caller.) */
/** (A route decorator or a class handler's `def get(self`: whatever a handler returns is the response, Flask turning a */
/** returned dict or list into JSON itself: `return {"users": [u.to_dict() for u in users]}`.) */
export const SQLALCHEMY_RESPONSE_WORDS =
  /jsonify|\.dump\s*\(|marshal\s*\(|Response\s*\(|render_template|make_response|response_model|\breturn\b[^\n]*\.all\(\s*\)|^[ \t]+return[ \t]+\w+[ \t]*$|^[ \t]*@\s*[\w.]+\.(route|get|post|put|patch|delete|api_route)\s*\(|^[ \t]+def[ \t]+(get|post)[ \t]*\([ \t]*self\b/m;

/** Calls whose argument becomes the response body. */
const RESPONSE_CALLS = new Set(['jsonify', 'make_response', 'Response', 'JSONResponse', 'ORJSONResponse', 'UJSONResponse', 'marshal', 'render_template']);
/** Calls a value passes through unchanged on its way to a response. */
/** (`set(owned + shared)`: the rows without duplicates, still one object each.) */
const PASS_THROUGH_CALLS = new Set(['list', 'sorted', 'tuple', 'dict', 'reversed', 'set']);
const PASS_THROUGH_NODES = new Set(['await', 'argument_list', 'keyword_argument', 'pair', 'dictionary', 'list', 'tuple', 'parenthesized_expression', 'expression_list', 'conditional_expression', 'dictionary_splat']);
/** Route decorators: Flask `@app.route`/`@bp.get`, FastAPI `@router.get`, Quart/Sanic alike. */
const ROUTE_DECORATOR = /^@\s*[\w.]+\.(route|get|post|put|patch|delete|api_route)\s*\(/;
/** Methods of a class-based handler (flask-restful Resource, Flask MethodView). */
const HANDLER_METHOD = /^(get|post|put|patch|delete)$/;
const HANDLER_BASE = /\b(Resource|MethodView|HTTPEndpoint|HTTPMethodView)\b/;
/** The columns of a lookup list: a name (and a description) for each row. */
const LOOKUP_COLUMN = /^(name|title|label|slug|code|description)$/;
/** Tables of people: one row per sign-up, whatever few columns the model declares. */
const PEOPLE_MODEL = /(User|Account|Customer|Member|Person|People|Player|Client|Profile)s?$/;
/** Models named as a record of what happens: each event adds a row. */
const EVENT_MODEL = /(Log|Event|History|Entry|Record|Message|Submission|Order|Payment|Transaction|Upload|Comment|Visit|Click|Activity|Audit)s?$/;

export interface QueryFacts {
  sourced: boolean;
  bounded: boolean;
  scoped: boolean;
}

/**
 * Whether the loops of unbounded-queryset's checkSqlAlchemyExports report this `.all()` (an export, or a list built
 * from its rows that becomes the response): those rows are not read again here.
 */
export type ReportedAsExport = (all: Node) => boolean;

/**
 * The `.all()` calls of one top-level statement that reach a response, found from its text alone and kept across
 * keystrokes per statement; whether the queried model grows is asked on every check (it lives in other modules).
 * Each candidate carries where its model expression is, relative to the `.all()` call, and how it becomes a response.
 */
const candidatesCache = new StatementFindingsCache<true>('unbounded-queryset: SQLAlchemy responses');

export function checkSqlAlchemyResponses(
  ctx: RuleContext,
  tree: Tree,
  statementOf: (all: Node) => QueryFacts,
  asExport: ReportedAsExport,
  exportsChecked: boolean,
  report: (spec: ReportSpec) => void,
): void {
  for (const statement of topLevelStatements(tree)) {
    if (!statementMatches(statement, ALL_CALL)) continue;
    const candidates: ReportSpec[] = [];
    // Whether the export loops run on this module (it imports SQLAlchemy) decides which rows are read here.
    candidatesCache.check({ report: (spec) => candidates.push(spec) }, statement, String(exportsChecked), () => true, (found) => {
      for (const all of callsNamed(tree, statement.text, /\ball\b/g, statement.start)) candidate(all, statementOf, exportsChecked ? asExport : () => false, found);
      return true;
    });
    for (const spec of candidates) {
      const at = spec.start + Number(spec.data?.modelAt);
      const end = at + Number(spec.data?.modelLength);
      const expression = tree.rootNode.namedDescendantForIndex(at, end);
      if (!expression || expression.startIndex !== at || expression.endIndex !== end) continue;
      const model = modelNamed(ctx, tree, expression);
      if (!model || !grows(ctx, model)) continue;
      const history = spec.data?.history as HistoryKey | undefined;
      if (history && !ownersHistory(model, history)) continue;
      // A helper's return: its callers (the project call graph) must hand the rows to a response.
      const how = spec.data?.how === RETURNED_BY_HELPER ? returnedToRoute(ctx, tree, expression, (n, scope, fn, depth) => reachesResponse(n, scope, fn, depth, true)) : spec.data?.how;
      if (!how) continue;
      if (how === AGGREGATED) {
        report({
          start: spec.start,
          end: spec.end,
          messageId: 'all-aggregate',
          table: model.name,
          detail:
            `.all() builds an object for every ${model.name} row${history ? ' of this owner' : ''} only for Python to sum, count or average them, ` +
            `and the table grows with use. Let the database do it: select(func.sum(...))/func.count()/func.avg() returns one number.`,
        });
        continue;
      }
      report({
        start: spec.start,
        end: spec.end,
        messageId: 'all-response',
        table: model.name,
        detail: history
          ? `.all() builds an object for every ${model.name} row of one ${history === 'parent' ? 'parent' : 'owner'} before ${how} turns them into one response body: ` +
            `a history that every new ${model.name.toLowerCase()} lengthens, never trimmed. Page it with .limit()/.offset() (or the framework's paginate()).`
          : `.all() builds an object for every ${model.name} row before ${how} turns them into one response body, and ` +
            `the table grows with use. Page it with .limit()/.offset() (or the framework's paginate()), or narrow it to the caller's rows.`,
      });
    }
  }
}

const ALL_CALL = /\.all\(\s*\)/;
/**
 * A filter to rows waiting on someone (`filter_by(status='Pending')`, `.filter(Ticket.state == "open")`): a work
 * queue that drains as it is handled, not the table's history.
 */
const TRANSIENT_STATE = /\b(filter_by|filter|where)\s*\([^)]*(==|=)\s*["'](pending|queued|waiting|unread|unprocessed|in[_ ]?progress|processing|requested|open)["']/i;

/** Reports `all` as a candidate when its rows reach a response unbounded, with its model expression's place. */
function candidate(all: Node, statementOf: (all: Node) => QueryFacts, asExport: ReportedAsExport, found: (spec: ReportSpec) => void): void {
  if (calleeName(all) !== 'all' || positionalArguments(all).length > 0) return;
  // A loop or comprehension the export check reports.
  const exported = asExport(all);
  if (exported) return;
  const fn = ancestor(all, 'function_definition');
  if (!fn || underMainGuard(all) || smorestResponse(fn)) return;
  const facts = statementOf(all);
  if (!facts.sourced || facts.bounded) return;
  // One owner's rows: reported only as a history that owner keeps adding to (judged with the model).
  const history = facts.scoped ? historyKey(all) : undefined;
  if (facts.scoped && !history) return;
  if (TRANSIENT_STATE.test(all.childForFieldName('function')?.text ?? '')) return;
  // Rows since a time (`Content.created_at > last_run`): one stretch of time's rows, not the table.
  if (!facts.scoped && keepsTimeWindow(queryText(all))) return;
  const scope = readScopeOf(all);
  const how = reachesResponse(all, scope, fn, 0, true) ?? (routeHandler(fn) && aggregatedInPython(all, scope) ? AGGREGATED : undefined);
  const model = how ? queriedModel(all) : undefined;
  if (!model || (model.type !== 'identifier' && model.type !== 'attribute')) return;
  found({
    start: all.startIndex,
    end: all.endIndex,
    data: { modelAt: model.startIndex - all.startIndex, modelLength: model.endIndex - model.startIndex, how: how!, ...(history ? { history } : {}) },
  });
}

/** `how` of rows only summed, counted or averaged in Python. */
const AGGREGATED = '\u0000aggregated in Python';

/**
 * How a scoped query picks its rows: `owner` when the key compared is a person's (`Order.user_id == user.id`,
 * `filter_by(resident_id=...)`), `parent` for any other key (`Comment.recipe_id == recipe_id`); ` newest` when the
 * query reads them newest first (`order_by(X.created_at.desc())`), as a history is read.
 */
type HistoryKey = 'owner' | 'parent' | 'owner newest' | 'parent newest';

/** A person's key column: `user_id`, `author`, `created_by_id`, `resident_id`. */
const OWNER_KEY = /(?:^|[.(,\s])(?:\w+_)?(?:user|owner|author|creator|customer|member|account|client|patient|resident|student|employee|profile|sender|recipient|buyer|seller|payer|payee|driver|tenant|created_by)(?:_id|_pk)?\s*==?(?!=)/i;
/** `order_by(X.created_at.desc())`, `order_by(desc(X.timestamp))`. */
const NEWEST_FIRST = /order_by\([^)]*?(?:\.(\w+)\.desc\(\)|\bdesc\(\s*[\w.]*?(\w+)\s*\))/;
/** Records one owner keeps adding: each order, booking, payment or note makes a row that stays. */
const OWNER_HISTORY_MODEL = /(Log|Event|History|Entry|Record|Message|Submission|Order|Payment|Transaction|Upload|Comment|Vote|Like|Reaction|Visit|Click|Activity|Audit|Booking|Reservation|Rental|Appointment|Notification|Post|Review|Rating|Expense|Invoice|Purchase|Deposit|Withdrawal|Transfer|Donation|Consultation)s?$/;
/** What many users add to one parent: a post's comments, a room's messages, a recipe's ratings, a device's events. */
const PARENT_HISTORY_MODEL = /(Log|Event|History|Entry|Record|Message|Comment|Reply|Replies|Review|Rating|Vote|Like|Answer|Post|Visit|Click|Activity|Audit)s?$/;

/** How a scoped `.all()` picks its rows, read from its query text; undefined for a window of time. */
function historyKey(all: Node): HistoryKey | undefined {
  const text = queryText(all);
  // A window of time (`LogEntry.timestamp >= start`, `Visit.day == today`, `.between(a, b)`): a day's rows, not the history.
  if (keepsTimeWindow(text)) return undefined;
  const newest = NEWEST_FIRST.exec(text);
  const suffix = newest && TIME_COLUMN.test(newest[1] ?? newest[2] ?? '') ? ' newest' : '';
  return `${OWNER_KEY.test(text) ? 'owner' : 'parent'}${suffix}` as HistoryKey;
}

/** The query text an `.all()` runs: its chain and the steps that build the variables it starts from. */
function queryText(all: Node): string {
  const texts = [all.childForFieldName('function')?.text ?? ''];
  const visit = (node: Node | null | undefined, depth: number) => {
    for (let current = node; current && depth < 3; ) {
      if (current.type === 'call') {
        const first = positionalArguments(current)[0];
        // `execute(stmt)`, `execute(stmt.order_by(...))`: the steps that built `stmt` too.
        const built = first && /^(scalars|execute|exec)$/.test(calleeName(current) ?? '') ? chainRoot(first) : undefined;
        if (built) visit(built, depth + 1);
        current = current.childForFieldName('function');
      } else if (current.type === 'attribute') current = current.childForFieldName('object');
      else if (current.type === 'await' || current.type === 'parenthesized_expression') current = current.namedChildren[0];
      else if (current.type === 'identifier') {
        const build = queryBuild(current);
        for (const step of [...build.refinements, ...(build.base ? [build.base] : [])]) {
          texts.push(step.value.text);
          if (step === build.base) visit(step.value, depth + 1);
        }
        return;
      } else return;
    }
  };
  visit(all.childForFieldName('function')?.childForFieldName('object'), 0);
  return texts.join('\n');
}

/**
 * Whether one owner's (or one parent's) rows of `model` are a history that grows without bound: a record that owner
 * keeps adding, stamped with a time, or read newest first; for a parent, what its many users add to it. One order's
 * items or one booking's payments are a few rows.
 */
function ownersHistory(model: Model, key: HistoryKey): boolean {
  const timed = [...model.columns].some((c) => TIME_COLUMN.test(c));
  // `UploadFileModel`, `CustomerOrderEntity`: the head noun of the name, past what only says it is code (history-by-name.ts).
  if (key.startsWith('owner')) return timed && (OWNER_HISTORY_MODEL.test(model.name) || historyByName(model.name) || key.endsWith('newest'));
  return PARENT_HISTORY_MODEL.test(model.name);
}

/** Calls that reduce rows to one number. */
const AGGREGATES = new Set(['sum', 'len', 'max', 'min', 'mean', 'fmean', 'median', 'average']);

/**
 * The rows of `all` are only reduced to numbers: `rows = X.query.all()` then every use is `len(rows)`,
 * `sum(r.amount for r in rows)` or the like; or `sum(r.amount for r in X.query.all())` itself.
 */
function aggregatedInPython(all: Node, scope: Node): boolean {
  const parent = all.parent;
  if (parent?.type === 'assignment' && parent.childForFieldName('right')?.id === all.id) {
    const left = parent.childForFieldName('left');
    if (left?.type !== 'identifier') return false;
    const uses = referencesInScope(scope, left.text).filter((u) => u.startIndex > parent.endIndex);
    return uses.length > 0 && uses.every((u) => assignmentsBefore(u).pop()?.id !== parent.id || reducedAt(u));
  }
  return reducedAt(all);
}

/** `node` is an aggregate's argument, or the iterable of a generator or comprehension that is one. */
function reducedAt(node: Node): boolean {
  let at = node;
  if (at.parent?.type === 'for_in_clause' && at.parent.childForFieldName('right')?.id === at.id) {
    const comprehension = at.parent.parent;
    if (!comprehension || !/^(generator_expression|list_comprehension)$/.test(comprehension.type)) return false;
    at = comprehension;
  }
  const call = at.parent?.type === 'argument_list' ? at.parent.parent : at.type === 'generator_expression' ? at.parent : undefined;
  if (call?.type !== 'call') return false;
  return AGGREGATES.has(calleeName(call) ?? '');
}

/** A Flask-Smorest `@blp.response(...)` view: its returned rows are checkSchemaLists'. */
function smorestResponse(fn: Node): boolean {
  const decorated = fn.parent?.type === 'decorated_definition' ? fn.parent : undefined;
  return !!decorated?.namedChildren.some((d) => d?.type === 'decorator' && /^@\s*[\w.]+\.response\s*\(/.test(d.text));
}

/**
 * A model whose table grows with use: named as a record of what happens (`Order`, `AuditLog`, `Upload`) with a time
 * on each row. A key to a user is not enough: admin-written notices and awards carry one (CTFd's `Notifications`,
 * `Awards`) and stay small; curated content (challenges and their hints, pages, settings groups) has neither.
 * Any other model grows when the project's request code (not an admin's, a setup page's or a script's) adds its rows:
 * users signing up, deposits requested (analysis/python/request-created-models.ts).
 */
export function grows(ctx: RuleContext, model: Model): boolean {
  if (EVENT_MODEL.test(model.name) && [...model.columns].some((c) => TIME_COLUMN.test(c))) return true;
  // A key-value store (`set_config(key, value)` upserts): one row per key however often it is written.
  if (model.columns.has('key') && model.columns.has('value')) return false;
  // A lookup list (`Category(id, name, created_at)`): rows named by hand, a handful however often it is read.
  if (!PEOPLE_MODEL.test(model.name) && [...model.columns].every((c) => c === 'id' || c.startsWith('__') || LOOKUP_COLUMN.test(c) || TIME_COLUMN.test(c))) return false;
  return createdByRequests(ctx.project, { relPath: ctx.file.relPath, text: ctx.file.text }, model.name);
}

/** How the value of `node` becomes a response: a response call or schema dump it is passed to, or a route's return. */
export function reachesResponse(node: Node, scope: Node, fn: Node, depth: number, throughComprehensions = false): string | undefined {
  const chain = parents(node);
  for (let i = 0; i < chain.length; i++) {
    const p = chain[i];
    const child = i === 0 ? node : chain[i - 1];
    if (p.type === 'return_statement') return routeHandler(fn) ? 'the route' : RETURNED_BY_HELPER;
    if (p.type === 'call') {
      if (p.childForFieldName('function')?.id === child.id) return undefined;
      const name = calleeName(p) ?? '';
      if (RESPONSE_CALLS.has(name)) return `${name}()`;
      if (name === 'dump' && /schema/i.test(p.childForFieldName('function')?.childForFieldName('object')?.text ?? '')) return 'the schema\'s dump()';
      if (PASS_THROUGH_CALLS.has(name) && p.childForFieldName('function')?.type === 'identifier') continue;
      return undefined;
    }
    if (p.type === 'assignment') {
      const left = p.childForFieldName('left');
      // `form.customer.choices = [(c.id, c.name) for c in ...]`: a WTForms select renders an option per row.
      if (p.childForFieldName('right')?.id === child.id && left?.type === 'attribute' && left.childForFieldName('attribute')?.text === 'choices') return "the form's choices";
      if (p.childForFieldName('right')?.id !== child.id || left?.type !== 'identifier' || depth > 3) return undefined;
      for (const use of referencesInScope(scope, left.text)) {
        if (use.startIndex < p.endIndex || assignmentsBefore(use).pop()?.id !== p.id) continue;
        const how = reachesResponse(use, scope, fn, depth + 1, throughComprehensions);
        if (how) return how;
      }
      return undefined;
    }
    // `history = history + Deposit.query.filter_by(...).all()`: lists concatenated stay rows.
    if (p.type === 'binary_operator' && p.childForFieldName('operator')?.text === '+') continue;
    // `[m.to_dict() for m in rows]`: one item per row, as many as the rows.
    if (throughComprehensions && p.type === 'for_in_clause' && p.childForFieldName('right')?.id === child.id && p.parent?.type === 'list_comprehension') {
      i++;
      continue;
    }
    // `for e in rows: shown.append(e)`, then `shown` reaches the response.
    if (throughComprehensions && p.type === 'for_statement' && p.childForFieldName('right')?.id === child.id) return appendedReach(p, scope, fn, depth);
    // `rows[:20]`: a Python slice of rows already loaded.
    if (p.type === 'subscript' && p.childForFieldName('value')?.id === child.id && p.childForFieldName('subscript')?.type === 'slice') continue;
    if (!PASS_THROUGH_NODES.has(p.type)) return undefined;
  }
  return undefined;
}

/** How a list a loop appends each row to reaches a response (its uses after the loop). */
function appendedReach(loop: Node, scope: Node, fn: Node, depth: number): string | undefined {
  if (depth > 3) return undefined;
  const body = loop.childForFieldName('body');
  const lists = new Set<string>();
  for (const call of body?.descendantsOfType('call') ?? []) {
    const callee = call?.childForFieldName('function');
    const list = callee?.type === 'attribute' ? callee.childForFieldName('object') : undefined;
    if (list?.type === 'identifier' && /^(append|extend)$/.test(callee?.childForFieldName('attribute')?.text ?? '')) lists.add(list.text);
  }
  for (const name of lists) {
    for (const use of referencesInScope(scope, name)) {
      if (use.startIndex < loop.endIndex) continue;
      const how = reachesResponse(use, scope, fn, depth + 1, true);
      if (how) return how;
    }
  }
  return undefined;
}

/** A function the framework calls per request: a route-decorated function or a get/post method of a Resource. */
function routeHandler(fn: Node): boolean {
  const decorated = fn.parent?.type === 'decorated_definition' ? fn.parent : undefined;
  if (decorated?.namedChildren.some((d) => d?.type === 'decorator' && ROUTE_DECORATOR.test(d.text))) return true;
  const cls = ancestor(fn, 'class_definition');
  const name = fn.childForFieldName('name')?.text ?? '';
  if (cls && HANDLER_METHOD.test(name) && HANDLER_BASE.test(cls.childForFieldName('superclasses')?.text ?? '')) return true;
  return registeredRoute(cls ?? fn.tree.rootNode, cls ? `self.${name}` : name);
}

/**
 * Registered without a decorator: `self.router.add_api_route("/", self.get_products, methods=["GET"])` in the class
 * (FastAPI), `app.add_url_rule("/items", view_func=list_items)` in the module (Flask).
 */
function registeredRoute(scope: Node, handler: string): boolean {
  const text = scope.text;
  if (!/add_api_route|add_url_rule/.test(text)) return false;
  const name = handler.replace('.', '\\.');
  return new RegExp(`\\badd_api_route\\(\\s*[^,()]+,\\s*${name}\\s*[,)]|\\badd_url_rule\\([^)]*\\bview_func\\s*=\\s*${name}\\s*[,)]`).test(text);
}

/**
 * The model expression of `X.query...`, `session.query(X)...` or `session.scalars(select(X))` / `.execute(select(X))`
 * / SQLModel's `.exec(select(X))` behind the call.
 */
export function queriedModel(all: Node): Node | undefined {
  for (let current: Node | null | undefined = all.childForFieldName('function')?.childForFieldName('object'); current; ) {
    current = unparenthesize(current);
    if (current.type === 'call') {
      const name = calleeName(current);
      if (name === 'query' || ((name === 'scalars' || name === 'execute' || name === 'exec') && positionalArguments(current).length > 0)) {
        const first = positionalArguments(current)[0];
        if (name === 'query') return positionalArguments(current).length === 1 ? first : undefined;
        const statement = first?.type === 'identifier' ? assignmentsBefore(first)[0]?.childForFieldName('right') : first;
        return statement ? selectedModel(statement) : undefined;
      }
      current = current.childForFieldName('function');
    } else if (current.type === 'attribute') {
      const object = current.childForFieldName('object');
      if (current.childForFieldName('attribute')?.text === 'query' && object) return object;
      current = object;
    } else if (current.type === 'identifier') {
      // `result = await session.execute(stmt)` then `result.scalars().all()`.
      const value = assignmentsBefore(current).pop()?.childForFieldName('right');
      current = value?.type === 'await' ? value.namedChildren[0] : value;
    } else if (current.type === 'await') {
      current = current.namedChildren[0];
    } else break;
  }
  return undefined;
}

/**
 * The one entity of `select(X)...` (a chain on it included), through a statement built in a variable and refined where
 * it runs: `query = select(X).where(...)` then `session.execute(query.order_by(...))`.
 */
function selectedModel(statement: Node, depth = 0): Node | undefined {
  for (let current: Node | null | undefined = unparenthesize(statement); current; ) {
    if (current.type === 'identifier') {
      const base = depth < 2 ? assignmentsBefore(current)[0]?.childForFieldName('right') : undefined;
      return base ? selectedModel(base, depth + 1) : undefined;
    }
    if (current.type !== 'call') break;
    const fn = current.childForFieldName('function');
    // `select(X)`, Flask-SQLAlchemy's `db.select(X)`, `sa.select(X)`.
    if ((fn?.type === 'identifier' && fn.text === 'select') || (fn?.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'select' && fn.childForFieldName('object')?.type === 'identifier')) {
      const entities = positionalArguments(current);
      return entities.length === 1 ? entities[0] : undefined;
    }
    current = fn?.type === 'attribute' ? fn.childForFieldName('object') : undefined;
  }
  return undefined;
}
