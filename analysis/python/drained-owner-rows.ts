/**
 * A queryset of one user's rows that a workflow of the app drains (drained-rows.ts: a cart's items, turned into an
 * order and deleted at checkout): the list a cart page or a cart API serializes is the open few. Asked where a rule
 * judges a list of rows whole (a DRF list view's rows) rather than through row-count.ts's one-record children.
 */
import type { QuerysetInfo } from './django-querysets';
import type { ModelIndex } from './django-models';
import { drainedByApp } from './drained-rows';
import type { AppLimits } from './owner-limits';
import { parentFilters } from './owner-rows';

/**
 * Every model of the queryset (`names`, as the project defines them) is picked by a foreign key to a user compared
 * with one object (`filter(user=self.request.user)`), and the app drains one owner's rows of it by those keys.
 */
export function drainedOwnerRows(info: QuerysetInfo, names: readonly string[], models: ModelIndex, limits: () => AppLimits): boolean {
  if (names.length === 0 || !info.roots.every((r) => r.kind === 'manager')) return false;
  const filters = parentFilters(info).filter((f) => f.value === 'object' && f.steps === 1);
  if (filters.length === 0) return false;
  const keys = filters.map((f) => f.key);
  return names.every((m) => models.userRelations(m).some((rel) => keys.includes(rel)) && drainedByApp(limits().drained, m, keys));
}
