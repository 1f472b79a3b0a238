/**
 * DRF list views whose every page holds a handful of rows: the project's settings page with DRF's PageNumberPagination
 * or CursorPagination and a literal PAGE_SIZE of at most the rule's `smallPageSize`, and the view takes that default
 * (no pagination_class of its own, no list() or paginate_queryset() of its own, only DRF's own bases). A per-row query
 * over five rows is a handful of queries a page, not a memory cause.
 */
import type { Node } from 'web-tree-sitter';
import type { RuleContext } from '../api';
import { drfPaginationSettings } from '../../analysis/python/drf-pagination-settings';
import type { ImportedName } from '../../analysis/python/imports';
import { smallPageSize } from './meta';

/** The settings' page rows when they are at most `smallPageSize` (undefined otherwise): part of the findings' key. */
export function smallSettingsPage(ctx: RuleContext): number | undefined {
  const settings = drfPaginationSettings(ctx.project, { relPath: ctx.file.relPath, text: ctx.file.text });
  const rows = settings.state === 'paged' ? settings.pageRows : undefined;
  return rows !== undefined && rows <= smallPageSize(ctx.options) ? rows : undefined;
}

/** DRF's own view bases, by module (`rest_framework.generics`, `.viewsets`, `.mixins`, `.views`). */
const DRF_BASE_MODULE = /^rest_framework(\.(generics|viewsets|mixins|views))?$/;
/** Members that choose the pages (or skip them) in the view itself. */
const OWN_PAGING = /^(pagination_class|paginator|paginate_queryset|list|get_paginated_response)$/;

/** A view class that pages by the settings' default: DRF bases only, nothing of its own that changes the pages. */
export function pagedBySettings(cls: Node, origins: ReadonlyMap<string, ImportedName>): boolean {
  const bases = (cls.childForFieldName('superclasses')?.namedChildren ?? []).filter((b) => b?.type !== 'keyword_argument');
  if (bases.length === 0) return false;
  for (const b of bases) {
    const text = b?.text ?? '';
    const dot = text.indexOf('.');
    const head = dot < 0 ? text : text.slice(0, dot);
    const origin = origins.get(head);
    if (!origin) return false;
    const module = dot < 0 ? origin.module : origin.module ? `${origin.module}.${origin.name}` : origin.name;
    if (!DRF_BASE_MODULE.test(module)) return false;
  }
  for (const stmt of cls.childForFieldName('body')?.namedChildren ?? []) {
    if (!stmt) continue;
    const inner = stmt.type === 'expression_statement' ? stmt.namedChildren[0] : stmt;
    if (inner?.type === 'assignment' && OWN_PAGING.test(inner.childForFieldName('left')?.text ?? '')) return false;
    const def = stmt.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
    if (def?.type === 'function_definition' && OWN_PAGING.test(def.childForFieldName('name')?.text ?? '')) return false;
  }
  return true;
}
