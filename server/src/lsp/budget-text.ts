/** The words the editor uses for a deploy's estimate against its limit (code lens titles, hover headings). */
import type { DeployEstimate } from '../../../rules/budget/estimate';

export const mb = (n: number): string => `${Math.round(n)} MB`;

/** "~935 MB of 512 MB (Render starter) — over by 423 MB", "~390 MB of 512 MB (Render starter) — 122 MB to spare". */
export function budgetVerdict(e: DeployEstimate): string {
  if (!e.limit) return `~${mb(e.totalMb)} (no memory limit known)`;
  const diff = Math.round(e.totalMb - e.limit.mb);
  const tail = e.over ? `over by ${Math.max(diff, 1)} MB` : `${Math.max(-diff, 0)} MB to spare`;
  return `~${mb(e.totalMb)} of ${mb(e.limit.mb)} (${e.limit.label}) — ${tail}`;
}
