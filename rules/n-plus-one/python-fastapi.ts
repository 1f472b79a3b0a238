/**
 * n-plus-one through a FastAPI response model: a route returns a query's rows and its `response_model` is a list of
 * a pydantic schema (`List[CategoryOut]`) with a field named like a relationship of the rows' model that loads lazily
 * (`lazy="select"`, the default, or `"dynamic"`). FastAPI validates every row against the schema, reading that field:
 * one SELECT per row while the response is built, unless the query loads it (`selectinload`/`joinedload`/... in
 * `.options()`, or `lazy="selectin"`/`"joined"` on the relationship).
 */
import { modelClassName } from '../shared/table-names';
import type { Node, Tree } from 'web-tree-sitter';
import type { ReportSpec, RuleContext } from '../api';
import { clip } from '../shared/format';
import { fileMatches } from '../../analysis/python/statements';
import { LIST_RESPONSE_MODEL, listResponses, schemaFields } from '../../analysis/python/pydantic-lists';
import { relationshipOf, type Relationship } from '../../analysis/python/sqlalchemy-models';
import { optionsSettle, rowsOf, statementRowsOf, TENANT_RELATIONSHIPS, type Rows } from './python-sqlalchemy';
import { importsOf } from '../../analysis/python/imports';
import { assignmentsBefore, unparenthesize } from '../../analysis/python/django-querysets';
import { positionalArguments } from '../../analysis/python/ast';

/** SQLAlchemy in the route's module, also through wrappers (`fastapi_sqlalchemy`, `flask_sqlalchemy`, `sqlmodel`). */
const MENTIONS_SQLALCHEMY = /sqlalchemy|sqlmodel/i;

export function checkResponseModelLists(ctx: RuleContext, report: (spec: ReportSpec) => void): void {
  if (!fileMatches(ctx, LIST_RESPONSE_MODEL) || !fileMatches(ctx, MENTIONS_SQLALCHEMY)) return;
  const tree = ctx.python();
  for (const route of listResponses(tree)) {
    let fields: string[] | undefined | null = null;
    for (const expression of route.returns) {
      const rows = route.paged ? pagedRows(ctx, tree, expression) : rowsOf(ctx, tree, expression, 0);
      if (!rows || rows.prefix.length > 0) continue;
      fields ??= schemaFields(ctx, tree, route.schema);
      if (!fields) break;
      const lazy: { attribute: string; relationship: Relationship }[] = [];
      for (const attribute of fields) {
        const relationship = relationshipOf(ctx, tree, rows.model, attribute);
        if (!relationship) continue;
        if (relationship.lazy === 'select') {
          if (optionsSettle(rows, [attribute])) continue;
          if (relationship.collection !== true && TENANT_RELATIONSHIPS.has(attribute)) continue;
        } else if (relationship.lazy !== 'dynamic') continue;
        lazy.push({ attribute, relationship });
      }
      if (lazy.length === 0) continue;
      const reads = lazy.map((l) => `${rows.model.name}.${l.attribute}`).join(', ');
      const loadable = lazy.filter((l) => l.relationship.lazy === 'select');
      const option = loadable.map((l) => `${l.relationship.collection === false ? 'joinedload' : 'selectinload'}(${rows.entity.text}.${l.attribute})`).join(', ');
      const dynamic = lazy.filter((l) => l.relationship.lazy === 'dynamic').map((l) => `${rows.model.name}.${l.attribute}`);
      const query = queryExpression(rows.entity);
      report({
        start: query.startIndex,
        end: query.endIndex,
        messageId: 'response-model-lazy',
        table: modelClassName(rows.model.name),
        data: { schema: clip(route.schema, 30), reads: clip(reads, 50) },
        detail:
          `N+1 queries: the route's response model (a list of ${route.schema}) validates every returned row, and its ` +
          `fields read ${reads}, which load lazily: one SELECT per row and relationship while the response is built` +
          (rows.async ? ' (in an async session a lazy load raises MissingGreenlet instead).' : '.') +
          (option ? ` Load them for all rows at once with .options(${option}) on the query.` : '') +
          (dynamic.length ? ` ${dynamic.join(', ')} ${dynamic.length > 1 ? 'are' : 'is'} lazy="dynamic" and cannot be eager-loaded: declare ${dynamic.length > 1 ? 'them' : 'it'} lazy="selectin", or query the related rows once for all parents.` : ''),
      });
    }
  }
}

/**
 * The rows of a fastapi-pagination return: `paginate(session, query)` / `paginate(query)` (the sqlalchemy extension,
 * also imported under another name) runs the query for one page, and the page model validates each row.
 */
function pagedRows(ctx: RuleContext, tree: Tree, expression: Node): Rows | undefined {
  let call = unparenthesize(expression);
  if (call.type === 'await') call = call.namedChildren[0] ?? call;
  if (call.type !== 'call') return undefined;
  const fn = call.childForFieldName('function');
  const qualified = fn ? importsOf(tree).resolve(fn) : undefined;
  if (!qualified || !/^fastapi_pagination\b/.test(qualified) || !/\.paginate$/.test(qualified)) return undefined;
  const args = positionalArguments(call);
  let query = args[args.length - 1];
  if (!query) return undefined;
  // `idea_query = ...` then `paginate(db, idea_query)`: the one value bound.
  if (query.type === 'identifier') {
    const bound = assignmentsBefore(query);
    const value = bound.length === 1 ? bound[0].childForFieldName('right') : undefined;
    if (!value) return undefined;
    query = value;
  }
  return statementRowsOf(ctx, tree, query);
}

const STATEMENT_PARTS = new Set(['assignment', 'augmented_assignment', 'return_statement', 'expression_statement', 'block', 'module']);

/** The whole query expression around its entity (`db.query(Category).all()`), where the loader options go. */
function queryExpression(entity: Node): Node {
  let node = entity;
  while (node.parent && !STATEMENT_PARTS.has(node.parent.type)) node = node.parent;
  return node;
}
