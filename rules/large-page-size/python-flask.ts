/**
 * large-page-size for Flask-SQLAlchemy: `Model.query.paginate(page=page, per_page=per_page)` with `per_page` taken
 * from the query string, or not given at all (then Flask-SQLAlchemy reads `?per_page=` itself), and no
 * `max_per_page`: `query.paginate()` passes `max_per_page=None` on, so nothing caps it and `?per_page=1000000`
 * loads every row in one response.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { RuleContext } from '../api';
import { ancestor, keywordArgument, positionalArguments } from '../../analysis/python/ast';
import { nodesAtStatementText } from '../../analysis/python/statements';
import type { ImportMap } from '../../analysis/python/imports';
import { clamped } from './python-fastapi';

/** `request.args.get("per_page", 10, type=int)`, `int(request.args["per_page"])`: a value the client picks. */
const FROM_QUERY_STRING = /\brequest\.(args|values)\b/;

export function checkFlaskPaginate(ctx: RuleContext, tree: Tree, imports: ImportMap, suggestedMax: number): void {
  if (!imports.importsModule('flask') && !imports.importsModule('flask_sqlalchemy')) return;
  for (const name of nodesAtStatementText(tree, /\bpaginate(?=\s*\()/g)) {
    const attribute = name.parent;
    const call = attribute?.parent;
    if (attribute?.type !== 'attribute' || call?.type !== 'call' || call.childForFieldName('function')?.id !== attribute.id) continue;
    if (!isFlaskSqlalchemyQuery(attribute.childForFieldName('object'), imports)) continue;
    if (keywordArgument(call, 'max_per_page') !== undefined) continue;
    const perPage = keywordArgument(call, 'per_page') ?? positionalArguments(call)[1];
    const fn = ancestor(call, 'function_definition');
    if (perPage === undefined ? !readsRequest(fn) : !clientChosen(perPage, fn)) continue;
    const args = call.childForFieldName('arguments');
    const close = args ? args.endIndex - 1 : undefined;
    const empty = args !== undefined && args !== null && args.namedChildren.length === 0;
    ctx.report({
      start: (perPage ?? call).startIndex,
      end: (perPage ?? call).endIndex,
      messageId: 'client-chosen-flask',
      data: { param: 'per_page' },
      detail:
        `${perPage ? `per_page comes from the query string` : 'With no per_page, Flask-SQLAlchemy reads ?per_page= from the query string'} ` +
        `and nothing caps it (query.paginate() passes max_per_page=None on): ?per_page=1000000 makes the worker load and ` +
        `serialize every row in memory at once. Add max_per_page=${suggestedMax} (larger values are lowered to it).`,
      fixes:
        close === undefined
          ? []
          : [{ title: `Cap it with max_per_page=${suggestedMax}`, edits: [{ start: close, end: close, newText: `${empty ? '' : ', '}max_per_page=${suggestedMax}` }] }],
    });
  }
}

/** `Model.query....paginate`, `db.session.query(X).paginate`, `db.paginate(select(X))`: Flask-SQLAlchemy's. */
function isFlaskSqlalchemyQuery(receiver: Node | null | undefined, imports: ImportMap): boolean {
  if (!receiver) return false;
  if (/(^|\.)query\b|\bquery\s*\(/.test(receiver.text)) return true;
  return receiver.type === 'identifier' && receiver.text === 'db' && imports.importsModule('flask_sqlalchemy');
}

/** A route, or a function reading the request: Flask-SQLAlchemy then reads ?per_page= from that request. */
function readsRequest(fn: Node | undefined): boolean {
  if (!fn) return false;
  const decorated = fn.parent?.type === 'decorated_definition' ? fn.parent : undefined;
  const isRoute = decorated?.namedChildren.some((d) => d?.type === 'decorator' && /\.(route|get|post|put|patch|delete)\s*\(/.test(d.text)) ?? false;
  return isRoute || /\brequest\s*\./.test(fn.text);
}

/** The value comes from the query string, directly or through one variable, with no min()/comparison cap. */
function clientChosen(value: Node, fn: Node | undefined): boolean {
  if (FROM_QUERY_STRING.test(value.text)) return !/\bmin\s*\(/.test(value.text);
  if (value.type !== 'identifier' || !fn) return false;
  const body = fn.text;
  const name = value.text;
  const assigned = new RegExp(`^\\s*${name}\\s*=\\s*(.+)$`, 'gm');
  const sources = [...body.matchAll(assigned)].map((m) => m[1] ?? '');
  if (sources.length === 0 || !sources.every((s) => FROM_QUERY_STRING.test(s))) return false;
  // Capped later in the body: `per_page = min(per_page, 100)`, `if per_page > 100:`.
  return !clamped(body, name);
}
