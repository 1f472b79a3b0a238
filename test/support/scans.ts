/** Whole-workspace scans the engine tests share: findings as comparable keys, temporary workspaces and who reports. */
import { setFactsExchange, type FactsExchange } from '../../analysis/shared-facts';
import { forgetDeploys } from '../../analysis/deploy/deploys';
import type { FileResult } from '../../server/src/engine/types';
import { Workspace } from '../../server/src/engine/workspace';
import { tempWorkspace } from './tmp';

/** Every finding as one sorted string: place, rule, message and fixes. */
export function findingKeys(results: readonly FileResult[]): string[] {
  return results.flatMap((r) => r.findings.map((f) => `${r.relPath}:${f.start}-${f.end} ${f.ruleId} ${f.message} ${JSON.stringify(f.fixes)}`)).sort();
}

/** A scan of the folder with the given facts exchange (none: the thread builds every fact), from a fresh deploy model. */
export async function scanWithFactsExchange(root: string, exchange?: FactsExchange): Promise<string[]> {
  forgetDeploys();
  setFactsExchange(exchange);
  try {
    return findingKeys((await Workspace.open({ root })).scan().files);
  } finally {
    setFactsExchange(undefined);
    forgetDeploys();
  }
}

/** A discovered workspace over a temporary folder holding these files. */
export async function openTempWorkspace(files: Record<string, string>): Promise<Workspace> {
  const ws = await Workspace.open({ root: tempWorkspace(files) });
  ws.discover();
  return ws;
}

/** The files of a temporary workspace in which `rule` reports something, sorted. */
export async function filesReportedBy(files: Record<string, string>, rule = 'large-page-size'): Promise<string[]> {
  const ws = await openTempWorkspace(files);
  return ws.scan().files.filter((r) => r.findings.some((f) => f.ruleId === rule)).map((r) => r.relPath).sort();
}
