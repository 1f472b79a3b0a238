/**
 * unbounded-queryset, a route handing on what a generic helper returns for the model it names: `return await
 * fetch_all(db, Order)` over `def fetch_all(session, model): return session.scalars(select(model)).all()`,
 * `schema.dump(select_all(Customer), many=True)`, `items = await Book.fetch_all()` over a classmethod every model
 * inherits from a shared base. The helper's own `.all()` names no table (sqlalchemy-responses.ts cannot judge it);
 * the call does, so the finding is at the call, with the model judged as sqlalchemy-responses.ts' grows() judges it.
 * Which helpers count is analysis/python/model-row-helpers.ts'. The value is followed in the caller as any rows are
 * (reachesResponse: returned by a route, passed to a response or a schema's dump, through comprehensions), and a
 * helper's caller that returns it on is followed up to its route (returned-to-route.ts).
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { ReportSpec, RuleContext } from '../api';
import { ancestor, callsNamed } from '../../analysis/python/ast';
import { readScopeOf } from '../../analysis/python/django-querysets';
import { modelNamed } from '../../analysis/python/sqlalchemy-models';
import { modelRowHelperCall } from '../../analysis/python/model-row-helpers';
import { statementMatches, topLevelStatements } from '../../analysis/python/statements';
import { underMainGuard } from '../../analysis/python/web-context';
import { grows, reachesResponse } from './sqlalchemy-responses';
import { RETURNED_BY_HELPER, returnedToRoute } from './returned-to-route';

/** A call that passes a model class (`fetch_all(db, Order)`, `model=Order`) or is called on one (`Book.fetch_all()`). */
export const MODEL_HELPER_CALL = /\b\w+\([^()\n]*?(?:[(,=]\s*|\(\s*)(?:[a-z_]\w*\.)?[A-Z]\w*\s*[,)]|\b[A-Z]\w*\.[a-z_]\w*\(/;
/** Any called name: callsNamed's pattern. */
const ANY_NAME = /\b[A-Za-z_]\w*/g;
/** The call itself, as MODEL_HELPER_CALL asks of a statement. */
const MODEL_HELPER_TEXT = /^(?:[\w.]+\([^\n]*?[(,=]\s*(?:[a-z_]\w*\.)?[A-Z]\w*\s*[,)]|[A-Z]\w*\.[a-z_]\w*\()/;

export function checkModelHelperRows(ctx: RuleContext, tree: Tree, report: (spec: ReportSpec) => void): void {
  for (const statement of topLevelStatements(tree)) {
    if (!statementMatches(statement, MODEL_HELPER_CALL)) continue;
    for (const call of callsNamed(tree, statement.text, ANY_NAME, statement.start)) {
      if (!MODEL_HELPER_TEXT.test(call.text)) continue;
      const fn = ancestor(call, 'function_definition');
      if (!fn || underMainGuard(call)) continue;
      const how = reachesResponse(call, readScopeOf(call), fn, 0, true);
      if (!how) continue;
      const helper = modelRowHelperCall(ctx, tree, call);
      const model = helper && modelNamed(ctx, tree, helper.model);
      if (!helper || !model || !grows(ctx, model)) continue;
      const where = how === RETURNED_BY_HELPER ? returnedToRoute(ctx, tree, call, (n, scope, f, depth) => reachesResponse(n, scope, f, depth, true)) : how;
      if (!where) continue;
      report({
        start: call.startIndex,
        end: call.endIndex,
        messageId: 'all-response',
        table: model.name,
        detail:
          `${helper.where} loads every ${model.name} row it is handed the model of (no limit), and ${where} turns them into one response body; ` +
          `the table grows with use. Give the helper a limit and offset (or the framework's paginate()), or narrow it to the caller's rows.`,
      });
    }
  }
}
