/**
 * Fingerprints that identify a finding across commits (SARIF `partialFingerprints`): a hash of the file's
 * relative path, the rule id, the text of the finding's first line with whitespace collapsed, and which
 * occurrence of that (path, rule, text) it is. Adding or removing lines above a finding keeps its
 * fingerprint, so GitHub code scanning does not report it as fixed and new again.
 */
import { createHash } from 'node:crypto';
import type { Finding } from '../engine/types';

export function findingFingerprints(findings: readonly Finding[], read: (abs: string) => string | undefined): string[] {
  const lines = new Map<string, string[]>();
  const linesOf = (abs: string) => {
    let l = lines.get(abs);
    if (!l) lines.set(abs, (l = (read(abs) ?? '').split(/\r\n|\r|\n/)));
    return l;
  };
  // Occurrences are counted in file order, so the n-th identical line keeps its number when lines move.
  const order = findings.map((f, i) => i).sort((a, b) => findings[a].path.localeCompare(findings[b].path) || findings[a].start - findings[b].start);
  const seen = new Map<string, number>();
  const out: string[] = new Array(findings.length);
  for (const i of order) {
    const f = findings[i];
    const text = (linesOf(f.path)[f.range.start.line] ?? '').replace(/\s+/g, ' ').trim();
    const key = JSON.stringify([f.relPath, f.ruleId, text]);
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    out[i] = createHash('sha256').update(`${key}\n${n}`).digest('hex').slice(0, 32);
  }
  return out;
}
