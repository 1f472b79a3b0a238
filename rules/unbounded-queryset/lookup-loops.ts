/**
 * A form's or serializer's validation looking for one row by looping over a whole table in Python:
 * `for p in Patient.objects.all(): if p.reg_no == reg_no: raise ValidationError(...)` in `clean_reg_no`. Every
 * submission loads every row of a table that grows with the app, to find one; the database answers the same question
 * with `Patient.objects.filter(reg_no=reg_no).exists()`. Only the unfiltered table of a growing project model
 * (not a lookup table or a curated catalogue), only in `clean`/`clean_<field>`/`validate`/`validate_<field>` of a
 * class whose bases read like a Form or Serializer, and only a loop whose body compares the row with `==` and
 * then raises or returns.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { RuleContext } from '../api';
import { captures } from '../../analysis/python/ast';
import { querysetOf } from '../../analysis/python/django-querysets';
import { clip } from '../shared/format';
import { ownerGrowth, projectModels } from './owner-growth';

const VALIDATION_METHOD = /^(?:clean|validate)(?:_\w+)?$/;
const FORM_BASES = /Form|Serializer/;
/** Chain methods that keep every row. */
const WHOLE_TABLE = new Set(['all', 'order_by', 'select_related', 'prefetch_related', 'only', 'defer']);

export function checkLookupLoops(ctx: RuleContext, tree: Tree): void {
  const text = ctx.file.text;
  if (!/def\s+(?:clean|validate)/.test(text) || !/\bfor\b[^\n]*\.objects\./.test(text)) return;
  for (const statement of tree.rootNode.namedChildren) {
    const cls = statement?.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
    if (cls?.type !== 'class_definition' || !FORM_BASES.test(cls.childForFieldName('superclasses')?.text ?? '')) continue;
    for (const method of methodsOf(cls)) {
      const name = method.childForFieldName('name')?.text ?? '';
      if (!VALIDATION_METHOD.test(name)) continue;
      for (const { node: loop } of captures(tree, '(for_statement) @f', method)) checkLoop(ctx, tree, cls, name, loop);
    }
  }
}

function checkLoop(ctx: RuleContext, tree: Tree, cls: Node, method: string, loop: Node): void {
  const right = loop.childForFieldName('right');
  const variable = loop.childForFieldName('left');
  const info = right && querysetOf(right);
  if (!info || !variable || variable.type !== 'identifier' || info.roots.length !== 1 || info.roots[0].kind !== 'manager') return;
  if (info.models.length !== 1 || !info.methods.every((m) => WHOLE_TABLE.has(m))) return;
  if (info.sliced || info.singleRow || info.values || info.compact || info.iterator !== 'none') return;
  if (!comparesAndLeaves(tree, loop, variable.text)) return;
  const model = info.models[0];
  const models = projectModels(ctx, tree).models;
  if (!models.declaresFields(model) || models.isLookup(model) || ownerGrowth(ctx, tree).catalogue([model], info)) return;
  const form = cls.childForFieldName('name')?.text ?? 'form';
  ctx.report({
    start: right.startIndex,
    end: right.endIndex,
    messageId: 'lookup-loop',
    data: { rows: `${clip(model, 28)} row`, method: clip(`${form}.${method}()`, 36) },
    table: model,
    detail:
      `${form}.${method}() runs on every submission and loads every ${model} row to find one that matches in Python: ` +
      'the table grows with the app, and every row is a model instance in memory while the loop runs. Ask the ' +
      `database instead: ${model}.objects.filter(<field>=value).exists().`,
  });
}

/** The loop body tests the row with `==` (`row.reg_no == reg_no`) and raises or returns inside that test. */
function comparesAndLeaves(tree: Tree, loop: Node, variable: string): boolean {
  const body = loop.childForFieldName('body');
  if (!body) return false;
  return captures(tree, '(if_statement) @i', body).some(({ node }) => {
    const condition = node.childForFieldName('condition');
    if (!condition || !new RegExp(`\\b${variable}\\b`).test(condition.text) || !/==/.test(condition.text)) return false;
    const consequence = node.childForFieldName('consequence');
    return !!consequence && captures(tree, '[(raise_statement) (return_statement)] @x', consequence).length > 0;
  });
}

function methodsOf(cls: Node): Node[] {
  return (cls.childForFieldName('body')?.namedChildren ?? []).flatMap((s) => {
    const def = s?.type === 'decorated_definition' ? s.childForFieldName('definition') : s;
    return def?.type === 'function_definition' ? [def] : [];
  });
}

/** The message of these findings (python.ts spreads it into the rule's meta). */
export const LOOKUP_LOOP_MESSAGES = {
  'lookup-loop': 'Loads every {{rows}} to find one match: {{method}} could use filter().exists()',
};
