/**
 * unbounded-queryset, marshmallow list responses: a Flask-Smorest view that returns every row of a SQLAlchemy query
 * (`return ItemModel.query.all()`) to `@blp.response(200, ItemSchema(many=True))`, with no `@blp.paginate()`, no
 * `.limit()` and no filter to one owner. The model must be a project model that shows it is an entity table, not a
 * lookup list: it has a foreign key or a relationship.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { ReportSpec, RuleContext } from '../api';
import { calleeName, soleValueOf, unparenthesize } from '../../analysis/python/django-querysets';
import { schemaListResponses } from '../../analysis/python/marshmallow-lists';
import { modelNamed, type Model } from '../../analysis/python/sqlalchemy-models';
import { positionalArguments } from '../../analysis/python/ast';

interface QueryFacts {
  sourced: boolean;
  bounded: boolean;
  scoped: boolean;
}

export function checkSchemaLists(ctx: RuleContext, tree: Tree, statementOf: (all: Node) => QueryFacts, report: (spec: ReportSpec) => void): void {
  for (const view of schemaListResponses(tree)) {
    for (const expression of view.returns) {
      const all = allCall(unparenthesize(expression));
      if (!all) continue;
      const facts = statementOf(all);
      if (!facts.sourced || facts.bounded || facts.scoped) continue;
      const model = queriedModel(ctx, tree, all);
      if (!model || (model.foreignKeys.size === 0 && model.relationships.size === 0)) continue;
      report({
        start: expression.startIndex,
        end: expression.endIndex,
        messageId: 'schema-list',
        data: { model: model.name, schema: view.schema },
        table: model.name,
        detail:
          `${view.schema}(many=True) dumps every ${model.name} row of the table into one response: .all() builds each ` +
          `ORM object and the schema its dict before anything is sent, and the table grows with use. Page it with ` +
          `@blp.paginate() (or .limit()/.offset()), or narrow the query to the caller's rows.`,
      });
    }
  }
}

/** The `.all()` call the view returns: the expression itself, or the one assignment of the variable it names. */
function allCall(expression: Node): Node | undefined {
  const node = soleValueOf(expression);
  if (!node) return undefined;
  return node.type === 'call' && calleeName(node) === 'all' && positionalArguments(node).length === 0 ? node : undefined;
}

/** The model of `X.query...` or `session.query(X)...` behind the call. */
function queriedModel(ctx: RuleContext, tree: Tree, all: Node): Model | undefined {
  for (let current: Node | null | undefined = all.childForFieldName('function')?.childForFieldName('object'); current; ) {
    if (current.type === 'call') {
      if (calleeName(current) === 'query') {
        const entity = positionalArguments(current);
        return entity.length === 1 ? modelNamed(ctx, tree, entity[0]) : undefined;
      }
      current = current.childForFieldName('function');
    } else if (current.type === 'attribute') {
      const object = current.childForFieldName('object');
      if (current.childForFieldName('attribute')?.text === 'query' && object) return modelNamed(ctx, tree, object);
      current = object;
    } else break;
  }
  return undefined;
}
