/**
 * What the app's own code does to keep one owner's rows few, whatever the model's name says: a cap checked before a
 * row is made (owner-caps.ts), a delete of each row once its time has passed (expiring-rows.ts), or a workflow that
 * turns one owner's rows into another model's and deletes them all (drained-rows.ts: a cart at checkout). One project fact,
 * built from every module's text once per project state; asked wherever one owner's rows are judged (owner-rows.ts
 * for owner histories, row-count.ts for loops over one user's rows).
 */
import type { ProjectInfo } from '../../rules/api';
import { capsOfModule, cappedByApp, projectOwnerCaps, type OwnerCap } from './owner-caps';
import { expiryShareOf, projectExpiringModels } from './expiring-rows';
import { drainedByApp, drainsOfModule, projectDrainedRows, type DrainedRows } from './drained-rows';

export interface AppLimits {
  caps: readonly OwnerCap[];
  /** Models whose rows the app deletes once their time has passed. */
  expiring: ReadonlySet<string>;
  /** One owner's rows a workflow turns into another model's and then deletes together (a cart at checkout). */
  drained: readonly DrainedRows[];
}

export const NO_LIMITS: AppLimits = { caps: [], expiring: new Set(), drained: [] };

/** One owner's rows of `model`, picked by filters with these keys, are kept few by the app's own code. */
export function keptFewByApp(limits: AppLimits, model: string, keys: readonly string[]): boolean {
  return limits.expiring.has(model) || cappedByApp(limits.caps, model, keys) || drainedByApp(limits.drained, model, keys);
}

export function projectAppLimits(project: ProjectInfo, current: { relPath: string; text: string }): AppLimits {
  return { caps: projectOwnerCaps(project, current), expiring: projectExpiringModels(project, current), drained: projectDrainedRows(project, current) };
}

/** The analysed module's own share of the fact (for a findings cache's key: other modules' texts key it already). */
export function appLimitsKey(project: ProjectInfo, rel: string, text: string): string {
  if (!rel.endsWith('.py')) return '';
  return JSON.stringify([capsOfModule(project, rel, text), expiryShareOf(project, rel, text), drainsOfModule(project, rel, text)]);
}
