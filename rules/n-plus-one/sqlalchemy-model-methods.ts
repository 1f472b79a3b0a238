/**
 * n-plus-one, SQLAlchemy: `orga.get_words()` in a loop over `Organization.query.all()`, where the model class in
 * the model class defines `def get_words(self)` reading a relationship of self (`for w in self.words`,
 * `len(self.users)`), in the same module or in its own (the usual `[e.to_dict() for e in rows]` over imported models:
 * the reads come with the model, analysis/python/sqlalchemy-models.ts). The method's body is the per-row lazy load; the loader option on the loop's query fixes it.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { RuleContext } from '../api';
import { captures } from '../../analysis/python/ast';
import { topLevelStatements } from '../../analysis/python/statements';
import { relationshipOf, type Model, type Relationship } from '../../analysis/python/sqlalchemy-models';

/** The relationship a zero-argument method of the model reads on self, for a call `row.method()` at `attr`. */
export function methodRelationshipRead(ctx: RuleContext, tree: Tree, attr: Node, model: Model): { relationship: Relationship; method: string; call: Node } | undefined {
  const call = attr.parent;
  if (call?.type !== 'call' || call.childForFieldName('function')?.id !== attr.id) return undefined;
  if ((call.childForFieldName('arguments')?.namedChildren.length ?? 1) !== 0) return undefined;
  const method = attr.childForFieldName('attribute')?.text ?? '';
  const def = methodOf(tree, model.name, method);
  const body = def?.childForFieldName('body');
  if (!body) {
    // The model is declared in another module (models.py, a models package): the methods' reads read with it.
    if (def || methodDeclaredHere(tree, model.name)) return undefined;
    for (const name of model.selfReads?.get(method) ?? []) {
      const relationship = relationshipOf(ctx, tree, model, name);
      if (relationship && (relationship.lazy === 'select' || relationship.lazy === 'dynamic')) return { relationship, method, call };
    }
    return undefined;
  }
  for (const { name, node } of captures(tree, '(attribute object: (identifier) @obj) @attr', body)) {
    if (name !== 'attr' || node.childForFieldName('object')?.text !== 'self') continue;
    const relationship = relationshipOf(ctx, tree, model, node.childForFieldName('attribute')?.text ?? '');
    // `self.users = [...]` writes the collection; a read loads it.
    const parent = node.parent;
    if (parent?.type === 'assignment' && parent.childForFieldName('left')?.id === node.id) continue;
    if (relationship && (relationship.lazy === 'select' || relationship.lazy === 'dynamic')) return { relationship, method, call };
  }
  return undefined;
}

/** The module defines a top-level class of that name itself: its methods are read from this tree. */
function methodDeclaredHere(tree: Tree, className: string): boolean {
  return topLevelStatements(tree).some((statement) => {
    const cls = statement.type === 'decorated_definition' ? statement.node.childForFieldName('definition') : statement.node;
    return cls?.type === 'class_definition' && cls.childForFieldName('name')?.text === className;
  });
}

/** `def name(self)` of the module's top-level class `className` (decorators allowed, not static or class methods). */
function methodOf(tree: Tree, className: string, name: string): Node | undefined {
  for (const statement of topLevelStatements(tree)) {
    const cls = statement.type === 'decorated_definition' ? statement.node.childForFieldName('definition') : statement.node;
    if (cls?.type !== 'class_definition' || cls.childForFieldName('name')?.text !== className) continue;
    for (const child of cls.childForFieldName('body')?.namedChildren ?? []) {
      const decorated = child?.type === 'decorated_definition';
      const def = decorated ? child.childForFieldName('definition') : child;
      if (def?.type !== 'function_definition' || def.childForFieldName('name')?.text !== name) continue;
      if (decorated && /@(staticmethod|classmethod)\b/.test(child.text.slice(0, def.startIndex - child.startIndex))) return undefined;
      const params = def.childForFieldName('parameters')?.namedChildren ?? [];
      return params.length === 1 && params[0]?.text === 'self' ? def : undefined;
    }
  }
  return undefined;
}
