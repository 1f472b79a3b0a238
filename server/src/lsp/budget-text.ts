/** The words the editor uses for a deploy's estimate against its limit (code lens titles, hover headings). */
import type { DeployEstimate } from '../../../analysis/deploy/estimate';

export const mb = (n: number): string => `${Math.round(n)} MB`;

/** "~900 MB idle, ~935 MB at peak of 512 MB (Render starter) — over by 423 MB at peak". */
export function budgetVerdict(e: DeployEstimate): string {
  const figures = `~${mb(e.idleMb)} idle, ~${mb(e.peakMb)} at peak`;
  if (!e.limit) return `${figures} (no memory limit known)`;
  const diff = Math.round(e.peakMb - e.limit.mb);
  const tail = e.over ? `over by ${Math.max(diff, 1)} MB at peak` : `${Math.max(-diff, 0)} MB to spare at peak`;
  return `${figures} of ${mb(e.limit.mb)} (${e.limit.label}) — ${tail}`;
}
