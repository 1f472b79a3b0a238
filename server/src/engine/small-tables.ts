/**
 * The `smallTables` setting: models and tables the team knows stay small (a clinic's banners, a café's menu), which
 * the code cannot show. Findings about their rows (`Finding.table`) are not reported. Names match case-insensitively
 * and without `_`, so `menu_item`, `MenuItem` and Prisma's `menuItem` are one name.
 */
import type { Finding } from './types';

/** The form two names are compared in. */
export function tableKey(name: string): string {
  return name.replace(/_/g, '').toLowerCase();
}

/** The listed names' keys, or undefined when nothing is listed (the common case costs nothing). */
export function smallTableKeys(names: readonly string[] | undefined): ReadonlySet<string> | undefined {
  return names?.length ? new Set(names.map(tableKey)) : undefined;
}

/** True when the finding is about a table the team listed as small. */
export function isAboutSmallTable(finding: Pick<Finding, 'table'>, keys: ReadonlySet<string> | undefined): boolean {
  return keys !== undefined && finding.table !== undefined && keys.has(tableKey(finding.table));
}
