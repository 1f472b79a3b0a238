/**
 * One owner's rows are few for most tables (a user's settings, a project's members) but not for tables that grow
 * with time per owner (a check's pings, a child's feedings, a site's hits, a user's orders). The project's model
 * classes decide which is which (analysis/python/model-growth.ts); a queryset scoped to one owner stays silent only
 * when none of its models grows that way. Whether a filter scopes to one owner is read from the model too: a lookup
 * through a relation the model declares or receives (`filter(restaurant=...)`, `filter(bookmarks=pk)`).
 */
import type { Tree } from 'web-tree-sitter';
import type { RuleContext } from '../api';
import { calleeName, type QuerysetInfo } from '../../analysis/python/django-querysets';
import { drfProject } from '../../analysis/python/drf';
import { importsOf } from '../../analysis/python/imports';
import { ModelIndex } from '../../analysis/python/django-models';
import { stringValue } from '../../analysis/python/ast';
import { chainCalls, filteredToParent, growingModels } from '../../analysis/python/owner-rows';
import { curatedCatalogue, ownWritesKey } from '../../analysis/python/model-writers';
import { staffRoster } from '../../analysis/python/staff-rosters';
import { appLimitsKey, projectAppLimits, type AppLimits } from '../../analysis/python/owner-limits';
import { curatorFlagged, flagWritesKey, projectFlagWrites, type FlagWrites } from '../../analysis/python/flagged-rows';

export { filteredToParent };

/** The project's Django models (the one model reader every rule asks), with the version findings depend on. */
export function projectModels(ctx: RuleContext, tree: Tree): { models: ModelIndex; version: string } {
  try {
    const project = drfProject(ctx.project, { relPath: ctx.file.relPath, text: ctx.file.text, tree });
    return { models: project.models, version: project.version };
  } catch {
    return { models: new ModelIndex([]), version: '' };
  }
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

/** The fields a queryset's own `order_by(...)` sorts by, signs kept. */
function orderedBy(info: QuerysetInfo): string[] {
  const out: string[] = [];
  for (const n of chainCalls(info)) {
    if (!['order_by', 'latest', 'earliest', 'dates', 'datetimes'].includes(calleeName(n) ?? '')) continue;
    for (const arg of n.childForFieldName('arguments')?.namedChildren ?? []) {
      const field = arg?.type === 'string' ? stringValue(arg) : undefined;
      if (field) out.push(field);
    }
  }
  return out;
}

/** The project's time-growing models, as seen from the file being checked. */
export function ownerGrowth(ctx: RuleContext, tree: Tree): OwnerGrowth {
  const { models, version } = projectModels(ctx, tree);
  // The analysed file's own writes are not in the DRF model's version (other modules' texts are).
  const writes = ownWritesKey(ctx.project, ctx.file.relPath, ctx.file.text);
  let limits: AppLimits | undefined;
  const ownLimits = appLimitsKey(ctx.project, ctx.file.relPath, ctx.file.text);
  let flagWrites: FlagWrites | undefined;
  const projectFlags = () => (flagWrites ??= projectFlagWrites(ctx.project, { relPath: ctx.file.relPath, text: ctx.file.text }));
  return {
    version: `${version}\u0000${writes}\u0000${ownLimits}\u0000${flagWritesKey(ctx.project, ctx.file.relPath, ctx.file.text)}`,
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
      // Rows a curator flagged (`filter(is_featured=True)`, staff accounts) are the few chosen (flagged-rows.ts).
      if (info && curatorFlagged(info, names, models, projectFlags)) return true;
      // A business's staff roster (doctors, realtors the admins enter: staff-rosters.ts) grows only when it hires.
      return names.length > 0 && names.every((m) => curatedCatalogue(ctx.project, current, models, m, ordered) || staffRoster(ctx.project, current, models, m));
    },
    growing(info) {
      limits ??= projectAppLimits(ctx.project, { relPath: ctx.file.relPath, text: ctx.file.text });
      return growingModels(info, models, limits);
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

