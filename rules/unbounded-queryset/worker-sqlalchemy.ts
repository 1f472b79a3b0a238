/**
 * unbounded-queryset, SQLAlchemy rows a background task loads whole: `users = User.query.filter(User.opted_in ==
 * True).all()` in a Celery task (or a helper one calls, through the project call graph) that then messages each of
 * them. A worker holds every ORM object of a table that grows with use (sqlalchemy-responses.ts' grows()), on every
 * run. Not reported: queries with a limit or `yield_per`, one owner's rows (a column compared with a variable), a
 * window of time (`Content.created_at > last_run`), a queue of rows waiting to be handled (`status == "pending"`),
 * and `.all()` that feeds an export loop or a response (python.ts and sqlalchemy-responses.ts report those).
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { ReportSpec, RuleContext } from '../api';
import { callsNamed, positionalArguments } from '../../analysis/python/ast';
import { calleeName } from '../../analysis/python/django-querysets';
import { modelNamed } from '../../analysis/python/sqlalchemy-models';
import { perRequestScope } from '../../analysis/python/per-request';
import { grows, queriedModel, type QueryFacts } from './sqlalchemy-responses';

/** `Content.created_at > last_run`, `User.token_expires_at < threshold`: rows of a window of time. */
const TIME_WINDOW = /\.\w*(created|date|time|_at|_on|timestamp|expires?)\w*\s*(>|>=|<|<=)\s*\w/i;
/** A state the task moves rows out of, or a flag it sets: a queue that drains each run. */
const WORK_QUEUE = /(status|state)\w*\s*==\s*[^,)]*\b\w*(pending|queued|waiting|unprocessed|processing|running|requested|scheduled|unsent|unread)\w*|\b(is_)?(processed|sent|notified|handled|done|synced|delivered|published|emailed)\s*(==\s*False|=\s*False)|~\w+\.(is_)?(processed|sent|notified)/i;

export function checkWorkerSqlAlchemy(ctx: RuleContext, tree: Tree, statementOf: (all: Node) => QueryFacts, reportedElsewhere: (all: Node) => boolean, report: (spec: ReportSpec) => void): void {
  for (const all of callsNamed(tree, ctx.file.text, /\ball\b/g)) {
    if (calleeName(all) !== 'all' || positionalArguments(all).length > 0) continue;
    const facts = statementOf(all);
    if (!facts.sourced || facts.bounded || facts.scoped) continue;
    const chain = all.childForFieldName('function')?.text ?? '';
    if (TIME_WINDOW.test(chain) || WORK_QUEUE.test(chain) || reportedElsewhere(all)) continue;
    const scope = perRequestScope(ctx, all);
    if (scope?.kind !== 'task') continue;
    const expression = queriedModel(all);
    const model = expression && (expression.type === 'identifier' || expression.type === 'attribute') ? modelNamed(ctx, tree, expression) : undefined;
    if (!model || !grows(ctx, model)) continue;
    report({
      start: all.startIndex,
      end: all.endIndex,
      messageId: 'all-response',
      table: model.name,
      detail: `${scope.label} builds an ORM object for every ${model.name} row at once, and the table grows with use; the worker holds all of them until the task ends. Stream them with .yield_per(1000), or page through them by primary key.`,
    });
  }
}
