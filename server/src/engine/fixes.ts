/** Applying fixes to text: non-overlapping edits, one fix per finding, safe-only unless asked. */
import type { FixSafety } from '../../../rules/api';
import type { Finding, Fix } from './types';

export interface FixSelection {
  /** Include unsafe fixes (CLI --unsafe-fixes). */
  unsafe: boolean;
}

export interface AppliedFixes {
  text: string;
  applied: { ruleId: string; title: string; line: number }[];
}

export function fixAllowed(safety: FixSafety, selection: FixSelection): boolean {
  return safety === 'safe' || selection.unsafe;
}

/** The fix a bulk `--fix` applies for a finding: the preferred allowed one. */
export function chooseFix(finding: Finding, selection: FixSelection): Fix | undefined {
  const allowed = finding.fixes.filter((f) => fixAllowed(f.safety, selection));
  return allowed.find((f) => f.preferred) ?? allowed[0];
}

/**
 * Applies one fix per finding. A fix whose edits overlap an earlier accepted fix is skipped
 * (the caller re-analyses and runs again, as ESLint does); fixes are all-or-nothing.
 */
export function applyFixes(text: string, findings: readonly Finding[], selection: FixSelection): AppliedFixes {
  const accepted: { fix: Fix; finding: Finding }[] = [];
  const taken: [number, number][] = [];
  for (const finding of findings) {
    const fix = chooseFix(finding, selection);
    if (!fix || fix.edits.length === 0) continue;
    const overlaps = fix.edits.some((e) => taken.some(([s, t]) => e.start < t && e.end > s || (e.start === e.end && e.start === s && s === t)));
    if (overlaps) continue;
    accepted.push({ fix, finding });
    for (const e of fix.edits) taken.push([e.start, e.end]);
  }
  const edits = accepted
    .flatMap(({ fix }) => fix.edits)
    .sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  for (const e of edits) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return {
    text: out,
    applied: accepted.map(({ fix, finding }) => ({ ruleId: finding.ruleId, title: fix.title, line: finding.range.start.line + 1 })),
  };
}

/**
 * Applies fixes repeatedly (re-analysing between passes) until nothing changes, at most `maxPasses` times.
 */
export function fixUntilStable(
  text: string,
  analyze: (text: string) => readonly Finding[],
  selection: FixSelection,
  maxPasses = 10,
): AppliedFixes {
  let current = text;
  const applied: AppliedFixes['applied'] = [];
  for (let pass = 0; pass < maxPasses; pass++) {
    const result = applyFixes(current, analyze(current), selection);
    if (result.applied.length === 0 || result.text === current) break;
    applied.push(...result.applied);
    current = result.text;
  }
  return { text: current, applied };
}
