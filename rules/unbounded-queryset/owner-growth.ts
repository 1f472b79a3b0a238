/**
 * One owner's rows are few for most tables (a user's settings, a project's members) but not for tables that grow
 * with time per owner (a check's pings, a child's feedings, a site's hits, a user's orders). The project's model
 * classes decide which is which (analysis/python/model-growth.ts); a queryset scoped to one owner stays silent only
 * when none of its models grows that way. Whether a filter scopes to one owner is read from the model too: a lookup
 * through a relation the model declares or receives (`filter(restaurant=...)`, `filter(bookmarks=pk)`).
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { RuleContext } from '../api';
import { calleeName, type QuerysetInfo } from '../../analysis/python/django-querysets';
import { drfProject } from '../../analysis/python/drf';
import { importsOf } from '../../analysis/python/imports';
import { ModelIndex } from '../../analysis/python/django-models';
import { stringValue } from '../../analysis/python/ast';
import { curatedCatalogue, ownWritesKey } from '../../analysis/python/model-writers';

/** The project's Django models (the one model reader every rule asks), with the version findings depend on. */
export function projectModels(ctx: RuleContext, tree: Tree): { models: ModelIndex; version: string } {
  try {
    const project = drfProject(ctx.project, { relPath: ctx.file.relPath, text: ctx.file.text, tree });
    return { models: project.models, version: project.version };
  } catch {
    return { models: new ModelIndex([]), version: '' };
  }
}

/** Django lookups that compare rather than follow a relation (`__icontains`, `__gte`): a search, not one parent. */
const LOOKUP_OPERATORS = new Set(['in', 'gt', 'gte', 'lt', 'lte', 'range', 'contains', 'icontains', 'startswith', 'istartswith', 'endswith', 'iendswith', 'iexact', 'regex', 'iregex', 'isnull', 'search', 'year', 'month', 'day', 'date', 'week_day', 'ne']);
const LITERALS = new Set(['true', 'false', 'none', 'string', 'integer', 'float', 'concatenated_string']);

/**
 * `filter(gym=self.gym)`, `filter(post=pk)`, `filter(bookmarks=pk)`: one parent's rows, through a relation the model
 * declares, inherits or receives (a reverse relation), compared with a value that names one row. Also the children
 * of a node the code names in a tree of the model itself (`filter(child__parent="DISH CATEGORY")`): options under a
 * category written in the code are rows an admin curates.
 */
export function filteredToParent(info: QuerysetInfo, names: string[], models: ModelIndex): boolean {
  const relations = names.map((m) => ({ model: m, relations: models.relationsOf(m) }));
  if (relations.every((r) => !r.relations || r.relations.size === 0)) return false;
  return info.roots.some((root) => {
    for (let n: Node | null = root.node.parent; n && (n.type === 'call' || n.type === 'attribute'); n = n.parent) {
      if (n.type !== 'call' || !['filter', 'get_queryset'].includes(calleeName(n) ?? '')) continue;
      for (const arg of n.childForFieldName('arguments')?.namedChildren ?? []) {
        if (arg?.type !== 'keyword_argument') continue;
        // `post=pk`, `post_id=pk`, `form__event=event`: through a relation to one row; not `author__name__icontains=q`.
        const path = (arg.childForFieldName('name')?.text ?? '').replace(/(__id|__pk|__exact)$/, '').split('__');
        const key = path[0].replace(/_id$/, '');
        const value = arg.childForFieldName('value');
        if (!value || path.some((step) => LOOKUP_OPERATORS.has(step))) continue;
        for (const { model, relations: rels } of relations) {
          const rel = rels?.get(key);
          if (!rel) continue;
          if (!LITERALS.has(value.type)) return true;
          // Django resolves a lazy reference's model name case-insensitively (`ForeignKey('DropDown')` is Dropdown).
          if (value.type === 'string' && path.length === 2 && rel.target?.toLowerCase() === model.toLowerCase() && rel.kind === 'fk') return true;
        }
      }
    }
    return false;
  });
}

export interface OwnerGrowth {
  /** Changes when a model fact a finding may depend on changes (for the findings cache). */
  readonly version: string;
  /** The models of the queryset that grow with time per owner, with the timestamp they grow by. */
  growing(info: QuerysetInfo): { model: string; timestamp: string }[];
  /** Filtered to one parent's rows through a relation of its model (see filteredToParent). */
  filteredToParent(info: QuerysetInfo): boolean;
  /**
   * Every model of the queryset is a table an admin curates with no time stamp at all, inherited ones included
   * (ModelIndex.isStampless: categories, a guide's places).
   */
  curated(info: QuerysetInfo): boolean;
  /**
   * Every one of these project models is a curated catalogue: only curated code adds its rows (the admin, staff-only
   * views, commands, migrations, fixtures) and they are not stamped content (analysis/python/model-writers.ts).
   */
  catalogue(names: string[], info?: QuerysetInfo): boolean;
}

/**
 * The filter picks the rows of a parent other than one user: no lookup through the model's user keys to one
 * value, no `request.user` and no batch of keys. `filter(post=pk)` of comments is; `filter(author=request.user)`
 * and `filter(tags__in=picked)` are not.
 */
/** `request.user.student.level`, not `request.user.profile.id`: two steps past the user to a row others share. */
const GROUP_OF_USER = /\brequest\.user\.\w+\.(?!(id|pk)\b)\w+\s*$/;

function sharedParent(info: QuerysetInfo, userRelations: string[]): boolean {
  let filtered = false;
  for (const root of info.roots) {
    for (let n: Node | null = root.node.parent; n && (n.type === 'call' || n.type === 'attribute'); n = n.parent) {
      if (n.type !== 'call' || calleeName(n) !== 'filter') continue;
      for (const arg of n.childForFieldName('arguments')?.descendantsOfType('keyword_argument') ?? []) {
        if (!arg) continue;
        const name = arg.childForFieldName('name')?.text ?? '';
        const value = arg.childForFieldName('value')?.text ?? '';
        filtered = true;
        // A batch of keys (`tags__in=merge_tags`) is rows the code already picked, not one parent's history.
        // `level=self.request.user.student.level`: a group reached through the user's profile is shared by many.
        if ((/\brequest\.user\b/.test(value) && !GROUP_OF_USER.test(value)) || name.endsWith('__in')) return false;
        if (userRelations.includes(name.split('__')[0].replace(/_id$/, ''))) return false;
      }
    }
  }
  return filtered;
}

/** The fields a queryset's own `order_by('-id', ...)` sorts descending: newest first, the way a history is read. */
function newestFirst(info: QuerysetInfo): string[] {
  const out: string[] = [];
  for (const root of info.roots) {
    for (let n: Node | null = root.node.parent; n && (n.type === 'call' || n.type === 'attribute'); n = n.parent) {
      if (n.type !== 'call' || calleeName(n) !== 'order_by') continue;
      for (const arg of n.childForFieldName('arguments')?.namedChildren ?? []) {
        const field = arg?.type === 'string' ? stringValue(arg) : undefined;
        if (field?.startsWith('-') && /^-\w+$/.test(field)) out.push(field.slice(1));
      }
    }
  }
  return out;
}

/** The fields a queryset's own `order_by(...)` sorts by, signs kept. */
function orderedBy(info: QuerysetInfo): string[] {
  const out: string[] = [];
  for (const root of info.roots) {
    for (let n: Node | null = root.node.parent; n && (n.type === 'call' || n.type === 'attribute'); n = n.parent) {
      if (n.type !== 'call' || !['order_by', 'latest', 'earliest', 'dates', 'datetimes'].includes(calleeName(n) ?? '')) continue;
      for (const arg of n.childForFieldName('arguments')?.namedChildren ?? []) {
        const field = arg?.type === 'string' ? stringValue(arg) : undefined;
        if (field) out.push(field);
      }
    }
  }
  return out;
}

/** The project's time-growing models, as seen from the file being checked. */
export function ownerGrowth(ctx: RuleContext, tree: Tree): OwnerGrowth {
  const { models, version } = projectModels(ctx, tree);
  // The analysed file's own writes are not in the DRF model's version (other modules' texts are).
  const writes = ownWritesKey(ctx.project, ctx.file.relPath, ctx.file.text);
  return {
    version: `${version}\u0000${writes}`,
    filteredToParent(info) {
      const imported = info.roots[0] ? importsOf(info.roots[0].node.tree).origins : undefined;
      const names = info.models.map((m) => imported?.get(m)?.name ?? m);
      return names.length > 0 && filteredToParent(info, names, models);
    },
    curated(info) {
      const imported = info.roots[0] ? importsOf(info.roots[0].node.tree).origins : undefined;
      const names = info.models.map((m) => imported?.get(m)?.name ?? m);
      return names.length > 0 && (names.every((m) => models.isStampless(m)) || this.catalogue(names, info));
    },
    catalogue(names, info) {
      const ordered = info ? orderedBy(info) : [];
      const current = { relPath: ctx.file.relPath, text: ctx.file.text };
      return names.length > 0 && names.every((m) => curatedCatalogue(ctx.project, current, models, m, ordered));
    },
    growing(info) {
      const out: { model: string; timestamp: string }[] = [];
      for (const model of info.models) {
        const timestamp = models.growthTimestamp(model, sharedParent(info, models.userRelations(model)), newestFirst(info));
        if (timestamp) out.push({ model, timestamp });
      }
      return out;
    },
  };
}

/**
 * Scoped to one owner and bounded by it: `filter(user=request.user)` of settings or memberships. False when the
 * queryset is not owner-scoped or when its model's rows pile up with time (every model of the queryset grows).
 */
export function boundedByOwner(info: QuerysetInfo, growth: OwnerGrowth): boolean {
  // One owner's rows of a window of time (`created__gte=now() - timedelta(hours=24)`) are few again.
  return (info.scoped || growth.filteredToParent(info)) && (info.timeWindow || !growsWithTime(info, growth));
}

/** Every model of the queryset grows with time per owner (none unknown). */
export function growsWithTime(info: QuerysetInfo, growth: OwnerGrowth): boolean {
  return info.models.length > 0 && growth.growing(info).length === info.models.length;
}

/** ", a table that grows with time for each owner (Flip.created)", for details. */
export function growthNote(info: QuerysetInfo, growth: OwnerGrowth): string {
  const growing = growth.growing(info);
  if (growing.length === 0 || growing.length < info.models.length) return '';
  return ` One owner's rows are not few here: ${growing.map((g) => `${g.model} rows accumulate over time (${g.model}.${g.timestamp})`).join(', ')}.`;
}

