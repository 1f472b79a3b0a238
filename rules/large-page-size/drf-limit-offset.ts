/**
 * large-page-size: a project's subclass of DRF's LimitOffsetPagination without `max_limit`. LimitOffsetPagination
 * always reads `?limit=` (its `limit_query_param`), and DRF leaves `max_limit = None`, so whatever limit a client
 * sends is served: `?limit=1000000` loads and serializes every row at once. PageNumberPagination's counterpart
 * (`page_size_query_param` without `max_page_size`) is checked in python.ts.
 *
 * Only a class deriving from DRF's own class is judged (its `max_limit` is known to be None); a subclass of a project
 * base may inherit a cap, and the class used straight from settings or `pagination_class` is left alone.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { RuleContext } from '../api';
import type { ImportMap } from '../../analysis/python/imports';
import { indentOf, stringValue } from '../../analysis/python/ast';
import { nodesAtStatementText } from '../../analysis/python/statements';
import { clip } from '../shared/format';

const DRF_LIMIT_OFFSET = 'rest_framework.pagination.LimitOffsetPagination';

export function checkLimitOffsetCaps(ctx: RuleContext, tree: Tree, imports: ImportMap, suggestedMax: number): void {
  for (const name of nodesAtStatementText(tree, /\bLimitOffsetPagination\b/g)) {
    const base = name.parent?.type === 'attribute' ? name.parent : name;
    const cls = base.parent?.type === 'argument_list' ? base.parent.parent : undefined;
    if (cls?.type !== 'class_definition' || cls.childForFieldName('superclasses')?.id !== base.parent!.id) continue;
    if (imports.resolve(base) !== DRF_LIMIT_OFFSET) continue;
    const body = cls.childForFieldName('body');
    const className = cls.childForFieldName('name');
    if (!body || !className) continue;
    const attributes = classAttributes(body);
    const cap = attributes.get('max_limit');
    if (cap && cap.type !== 'none') continue;
    const param = stringValue(attributes.get('limit_query_param')) ?? 'limit';
    ctx.report({
      start: className.startIndex,
      end: className.endIndex,
      messageId: 'client-chosen-limit',
      data: { param: clip(param, 20) },
      detail:
        `LimitOffsetPagination serves whatever ?${param}= a client sends when max_limit is not set (DRF's default is None), ` +
        `so one request can load and serialize every row in memory. Add max_limit = ${suggestedMax}.`,
      fixes: [{ title: `Add max_limit = ${suggestedMax}`, safety: 'unsafe', edits: [capEdit(ctx.file.text, body, cap, suggestedMax)] }],
    });
  }
}

/** `name = value` statements directly in a class body, by name. */
function classAttributes(body: Node): Map<string, Node> {
  const out = new Map<string, Node>();
  for (const statement of body.namedChildren) {
    const assignment = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    const left = assignment?.type === 'assignment' ? assignment.childForFieldName('left') : undefined;
    const right = assignment?.childForFieldName('right');
    if (left?.type === 'identifier' && right) out.set(left.text, right);
  }
  return out;
}

/**
 * `max_limit = None` becomes the cap; otherwise the cap is a new line after the class's last attribute before its
 * first method (or first in the body), at the body's indentation.
 */
function capEdit(text: string, body: Node, none: Node | undefined, max: number): { start: number; end: number; newText: string } {
  if (none) return { start: none.startIndex, end: none.endIndex, newText: String(max) };
  const statements = body.namedChildren.filter((s): s is Node => !!s && s.type !== 'comment');
  const firstMethod = statements.findIndex((s) => s.type === 'function_definition' || s.type === 'decorated_definition' || s.type === 'class_definition');
  const before = firstMethod === -1 ? statements : statements.slice(0, firstMethod);
  const indent = indentOf(text, (statements[0] ?? body).startIndex);
  if (before.length === 0) {
    const lineStart = text.lastIndexOf('\n', statements[0].startIndex - 1) + 1;
    return { start: lineStart, end: lineStart, newText: `${indent}max_limit = ${max}\n\n` };
  }
  const eol = text.indexOf('\n', before[before.length - 1].endIndex);
  if (eol === -1) return { start: text.length, end: text.length, newText: `\n${indent}max_limit = ${max}\n` };
  return { start: eol + 1, end: eol + 1, newText: `${indent}max_limit = ${max}\n` };
}
