/**
 * `--diff`: what `--fix` would change, computed the same way (the file's bytes as analysed, fixes re-run until
 * stable) but never written. Files that `--fix` would leave alone (not UTF-8, changed since the scan) are left
 * out here too.
 */
import * as fs from 'node:fs';
import { decode, hashBytes } from '../engine/read';
import { fixUntilStable, type FixSelection } from '../engine/fixes';
import type { Workspace } from '../engine/workspace';
import type { FileResult } from '../engine/types';
import { unifiedDiff } from './unified-diff';

export interface FilePreview {
  path: string;
  before: string;
  after: string;
  /** Fixes applied, in order. */
  applied: { ruleId: string; title: string; line: number }[];
}

export function previewFixes(workspace: Workspace, results: readonly FileResult[], selection: FixSelection): FilePreview[] {
  const out: FilePreview[] = [];
  for (const result of results) {
    if (!result.findings.some((f) => f.fixes.some((x) => x.safety === 'safe' || selection.unsafe))) continue;
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(result.path);
    } catch {
      continue;
    }
    if (result.contentHash && hashBytes(bytes) !== result.contentHash) continue;
    if (bytes[0] === 0xff || bytes[0] === 0xfe) continue; // --fix only rewrites UTF-8
    const decoded = decode(bytes);
    if (!decoded.ok) continue;
    const fixed = fixUntilStable(decoded.text, (text) => workspace.analyzeText(result.path, text).findings, selection);
    if (fixed.applied.length === 0 || fixed.text === decoded.text) continue;
    out.push({ path: result.path, before: decoded.text, after: fixed.text, applied: fixed.applied });
  }
  return out;
}

/** The unified diff of every previewed file, paths as shown to the user (both sides, as Ruff prints them). */
export function formatDiff(previews: readonly FilePreview[], display: (abs: string) => string): string {
  return previews.map((p) => unifiedDiff(display(p.path), display(p.path), p.before, p.after)).join('');
}
