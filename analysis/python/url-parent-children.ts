/**
 * A list view's rows picked by the URL: `Comment.objects.filter(episode=self.kwargs["episode_id"])` in a DRF or
 * Django view's `get_queryset`. Rows one URL picks are usually one record's few notes or one member's own page, and
 * stay quiet; but when the parent is a shared thing many users add children to over time (an episode's comments, a
 * hotel's reviews, a room's messages), the children are an all-time history that grows with the app's use.
 *
 * Reported only when the filter names a foreign key of the child model to a parent that is neither a user nor a
 * person (one person's records are their own page), the child is a per-event record by its name with an event time
 * (owner-history.ts's historyStamp) and piles up per shared parent (ModelIndex.growthTimestamp with `sharedParent`:
 * stamped when created, written by users), and no unique constraint over the parent caps the children per parent.
 * Rows also kept to the signed-in user's (`members=request.user`) are one person's few: the caller leaves them.
 */
import type { Node } from 'web-tree-sitter';
import { assignmentsBefore, calleeName, unparenthesize, type QuerysetInfo } from './django-querysets';
import type { ModelIndex } from './django-models';
import { chainCalls } from './owner-rows';
import { historyStamp, personModel } from './owner-history';

/** `self.kwargs["pk"]`, `self.kwargs.get("hotel_id")`, `kwargs["pk"]` (a handler's own keyword arguments). */
const URL_VALUE = /^(?:self\.)?kwargs(?:\[\s*['"]\w+['"]\s*\]|\.get\(\s*['"]\w+['"][^)]*\))$/;

/** The child model, when `info` (one model's rows) is a shared parent's growing children picked by the URL. */
export function urlParentChildren(info: QuerysetInfo, model: string, models: ModelIndex): string | undefined {
  if (info.relatedManager || info.roots.length !== 1 || info.roots[0].kind !== 'manager') return undefined;
  const relations = models.relationsOf(model);
  if (!relations) return undefined;
  let parent: string | undefined;
  for (const call of chainCalls(info)) {
    if (calleeName(call) !== 'filter') continue;
    for (const arg of call.childForFieldName('arguments')?.namedChildren ?? []) {
      if (arg?.type !== 'keyword_argument') continue;
      const value = arg.childForFieldName('value');
      if (!value || !fromUrl(value)) continue;
      const field = relationField(arg.childForFieldName('name')?.text ?? '');
      const relation = field ? relations.get(field) : undefined;
      if (!relation || (relation.kind !== 'fk' && relation.kind !== 'o2o') || !relation.target) return undefined;
      parent = relation.target === 'self' ? model : relation.target;
    }
  }
  if (!parent || parent === model || personModel(models, parent)) return undefined;
  // A per-event record by its name (comments, reviews, messages, transactions: history-by-name.ts) with its event
  // time, written by users; not a parent's configurations (a department's alert rules) however they are stamped.
  if (!historyStamp(models, model) || !models.growthTimestamp(model, true) || models.userRelations(model).length === 0 || models.cappedPerOwner(model)) return undefined;
  return model;
}

/** `episode`, `episode_id`, `episode__id`, `episode__pk` name the `episode` relation; deeper paths do not. */
function relationField(key: string): string | undefined {
  const m = /^([a-z_]\w*?)(?:_id|__id|__pk)?$/.exec(key);
  return m && !m[1].includes('__') ? m[1] : undefined;
}

/** A value taken from the URL: `self.kwargs[...]` itself, or a local bound once to it. */
function fromUrl(value: Node): boolean {
  const n = unparenthesize(value);
  if (URL_VALUE.test(n.text.replace(/\s+/g, ''))) return true;
  if (n.type !== 'identifier') return false;
  const assignments = assignmentsBefore(n);
  const right = assignments.length === 1 ? assignments[0].childForFieldName('right') : undefined;
  return !!right && URL_VALUE.test(unparenthesize(right).text.replace(/\s+/g, ''));
}

