/**
 * unbounded-queryset, a route handing on what a generic helper returns for the model it names: `return await
 * fetch_all(db, Order)` over `def fetch_all(session, model): return session.scalars(select(model)).all()`,
 * `schema.dump(select_all(Customer), many=True)`, `items = await Book.fetch_all()` over a classmethod every model
 * inherits from a shared base, `OrderDAO.find_all()` / `OrderRepository(db).get_all()` over a base repository reading
 * `select(cls.model)` with the subclass's `model = Order`. The helper's own `.all()` names no table
 * (sqlalchemy-responses.ts cannot judge it); the call does, so the finding is at the call, with the model judged as
 * sqlalchemy-responses.ts' grows() judges it. Which helpers count is analysis/python/model-row-helpers.ts'. The value
 * is followed in the caller as any rows are (reachesResponse: returned by a route, passed to a response or a schema's
 * dump, through comprehensions), and a helper's caller that returns it on is followed up to its route
 * (returned-to-route.ts).
 *
 * Which calls of a statement hand their value to a response is read from the statement's text alone and kept per
 * statement across keystrokes; the helper and the model (other modules) are asked on each check.
 */
import type { Tree } from 'web-tree-sitter';
import type { ReportSpec, RuleContext } from '../api';
import { ancestor, callsNamed } from '../../analysis/python/ast';
import { readScopeOf } from '../../analysis/python/django-querysets';
import { mayBeModelRowHelperCall, modelRowHelperCall } from '../../analysis/python/model-row-helpers';
import { statementCachesEnabled } from '../../analysis/cache';
import { StatementFindingsCache, statementMatches, topLevelStatements } from '../../analysis/python/statements';
import { underMainGuard } from '../../analysis/python/web-context';
import { grows, reachesResponse } from './sqlalchemy-responses';
import { RETURNED_BY_HELPER, returnedToRoute } from './returned-to-route';

/**
 * A module that may call a generic helper: a call passing a model class (`fetch_all(db, Order)`, `model=Order`), one
 * on a class (`Book.fetch_all()`, `OrderRepo(db).get_all()`), or an instance of one (`repo = OrderRepo(db)`).
 */
export const MODEL_HELPER_CALL = /[(,=]\s*(?:[a-z_]\w*\.)?[A-Z]\w*[a-z]\w*\s*[,)]|\b[A-Z]\w*[a-z]\w*(?:\([^()\n]*\))?\.[a-z_]\w*\(|=\s*(?:await\s+)?[A-Z]\w*[a-z]\w*\(/;
/** Any called name: callsNamed's pattern. */
const ANY_NAME = /\b[A-Za-z_]\w*/g;
/** The call itself: a model argument, or a method call (on a class, a constructed instance or a variable). */
const MODEL_HELPER_TEXT = /^(?:[\w.]+\([^\n]*?[(,=]\s*(?:[a-z_]\w*\.)?[A-Z]\w*[a-z]\w*\s*[,)]|(?:await\s+)?[A-Za-z_]\w*(?:\([^\n]*?\))?\.[a-z_]\w*\()/;

const candidatesCache = new StatementFindingsCache<true>('unbounded-queryset: generic model helper calls');

export function checkModelHelperRows(ctx: RuleContext, tree: Tree, report: (spec: ReportSpec) => void): void {
  const wholeModule = statementCachesEnabled() ? undefined : tree;
  for (const statement of topLevelStatements(tree)) {
    if (!statementMatches(statement, /\(/)) continue;
    const candidates: ReportSpec[] = [];
    candidatesCache.check({ report: (spec) => candidates.push(spec) }, statement, '', () => true, (found) => {
      for (const call of callsNamed(tree, statement.text, ANY_NAME, statement.start)) {
        // The call's own shape first (following its rows to a response costs more); the whole module's bindings only
        // where nothing is kept per statement.
        if (!MODEL_HELPER_TEXT.test(call.text) || !mayBeModelRowHelperCall(call, wholeModule)) continue;
        const fn = ancestor(call, 'function_definition');
        if (!fn || underMainGuard(call)) continue;
        const how = reachesResponse(call, readScopeOf(call), fn, 0, true);
        if (how) found({ start: call.startIndex, end: call.endIndex, data: { how } });
      }
      return true;
    });
    for (const spec of candidates) {
      const call = tree.rootNode.namedDescendantForIndex(spec.start, spec.end);
      if (call?.type !== 'call' || call.startIndex !== spec.start || call.endIndex !== spec.end) continue;
      const helper = modelRowHelperCall(ctx, tree, call);
      if (!helper || !grows(ctx, helper.model)) continue;
      const how = String(spec.data?.how);
      const where = how === RETURNED_BY_HELPER ? returnedToRoute(ctx, tree, call, (n, scope, f, depth) => reachesResponse(n, scope, f, depth, true)) : how;
      if (!where) continue;
      report({
        start: call.startIndex,
        end: call.endIndex,
        messageId: 'all-response',
        table: helper.model.name,
        detail:
          `${helper.where} loads every ${helper.model.name} row (no limit), and ${where} turns them into one response body; ` +
          `the table grows with use. Give the helper a limit and offset (or the framework's paginate()), or narrow it to the caller's rows.`,
      });
    }
  }
}
