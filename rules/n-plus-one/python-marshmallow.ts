/**
 * n-plus-one through marshmallow: a Flask-Smorest view dumps a query's rows with `Schema(many=True)`, and a nested
 * field of the schema (`fields.Nested`, `fields.List(fields.Nested(...))`, `fields.Pluck`) reads a relationship that
 * loads lazily (`lazy="select"`, the default, or `"dynamic"`): one SELECT per row while the response is built, unless
 * the query loads it (`selectinload`/`joinedload`/... in `.options()`).
 */
import { modelClassName } from '../shared/table-names';
import type { ReportSpec, RuleContext } from '../api';
import { clip } from '../shared/format';
import { fileMatches } from '../../analysis/python/statements';
import { MANY_SCHEMA_RESPONSE, nestedFields, schemaListResponses } from '../../analysis/python/marshmallow-lists';
import { QUERY_PROPERTY, SQLALCHEMY_NAMES, relationshipOf, type Relationship } from '../../analysis/python/sqlalchemy-models';
import { optionsSettle, rowsOf, TENANT_RELATIONSHIPS } from './python-sqlalchemy';

export function checkMarshmallowLists(ctx: RuleContext, report: (spec: ReportSpec) => void): void {
  if (!fileMatches(ctx, MANY_SCHEMA_RESPONSE)) return;
  if (!fileMatches(ctx, SQLALCHEMY_NAMES) && !fileMatches(ctx, QUERY_PROPERTY)) return;
  const tree = ctx.python();
  for (const view of schemaListResponses(tree)) {
    let fields: ReturnType<typeof nestedFields> | null = null;
    for (const expression of view.returns) {
      const rows = rowsOf(ctx, tree, expression, 0);
      if (!rows || rows.prefix.length > 0) continue;
      fields ??= nestedFields(ctx, tree, view.schema, view.schemaCall);
      if (!fields) break;
      const lazy: { attribute: string; relationship: Relationship }[] = [];
      for (const field of fields) {
        const relationship = relationshipOf(ctx, tree, rows.model, field.attribute);
        if (!relationship) continue;
        if (relationship.lazy === 'select') {
          if (optionsSettle(rows, [field.attribute])) continue;
          if (relationship.collection !== true && TENANT_RELATIONSHIPS.has(field.attribute)) continue;
        } else if (relationship.lazy !== 'dynamic') continue;
        lazy.push({ attribute: field.attribute, relationship });
      }
      if (lazy.length === 0) continue;
      const reads = lazy.map((l) => `${rows.model.name}.${l.attribute}`).join(', ');
      const loadable = lazy.filter((l) => l.relationship.lazy === 'select');
      const option = loadable.map((l) => `${l.relationship.collection === false ? 'joinedload' : 'selectinload'}(${rows.entity.text}.${l.attribute})`).join(', ');
      const dynamic = lazy.filter((l) => l.relationship.lazy === 'dynamic').map((l) => `${rows.model.name}.${l.attribute}`);
      report({
        start: expression.startIndex,
        end: expression.endIndex,
        messageId: 'schema-lazy',
        table: modelClassName(rows.model.name),
        data: { schema: clip(view.schema, 30), reads: clip(reads, 50) },
        detail:
          `N+1 queries: ${view.schema}(many=True) dumps every row, and its nested fields read ${reads}, which load ` +
          `lazily: one SELECT per row and relationship while the response is built.` +
          (option ? ` Load them for all rows at once with .options(${option}) on the query.` : '') +
          (dynamic.length ? ` ${dynamic.join(', ')} ${dynamic.length > 1 ? 'are' : 'is'} lazy="dynamic" and cannot be eager-loaded: declare ${dynamic.length > 1 ? 'them' : 'it'} lazy="selectin", or query the related rows once for all parents.` : ''),
      });
    }
  }
}
