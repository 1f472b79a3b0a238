/**
 * The query-string parameter a Django/DRF value is, when nothing in its function caps it: shared by the checks of a
 * page size the client picks (`self.paginator.page_size = ...`, `get_page_size()`, `Paginator(rows, per_page)`).
 */
import type { Node } from 'web-tree-sitter';
import { positionalArguments } from '../../analysis/python/ast';
import { clamped } from './python-fastapi';

/** A DRF query parameter: `request.query_params.get("num", 9)`, `self.request.GET["size"]`. */
const QUERY_PARAM = /\brequest\.(?:query_params|GET)\s*(?:\.get\s*\(\s*|\[\s*)["']([^"']+)["']/;

/**
 * The query parameter a value is, directly (`int(request.query_params.get("num", 9))`) or through one name assigned in
 * the function (`num = request.query_params.get("num", 9)`), when nothing there caps it (`min(...)`, `if num > 100`).
 */
export function queryParamOf(value: Node, fn: Node | undefined): string | undefined {
  if (/\bmin\s*\(/.test(value.text)) return undefined;
  const direct = QUERY_PARAM.exec(value.text);
  if (direct) return direct[1];
  const inner = value.type === 'call' && value.childForFieldName('function')?.text === 'int' ? positionalArguments(value)[0] : value;
  if (inner?.type !== 'identifier' || !fn) return undefined;
  const sources = [...fn.text.matchAll(new RegExp(`^\\s*${inner.text}\\s*=\\s*(.+)$`, 'gm'))].map((m) => QUERY_PARAM.exec(m[1] ?? '')?.[1]);
  if (sources.length === 0 || sources.some((x) => x === undefined) || clamped(fn.text, inner.text)) return undefined;
  return sources[0];
}
