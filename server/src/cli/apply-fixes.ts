/**
 * `--fix`: applies fixes to files on disk. A file is only written when its bytes are exactly what was
 * analysed (a file changed during the run is left alone), only UTF-8 files are rewritten (a BOM is kept),
 * and writes go through a temporary file and a rename so a crash never leaves half a file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decode, hashBytes } from '../engine/read';
import { fixUntilStable, type FixSelection } from '../engine/fixes';
import type { Workspace } from '../engine/workspace';
import type { FileResult, Note } from '../engine/types';

export interface FixOutcome {
  /** Files rewritten, with how many fixes each got. */
  changed: { path: string; relPath: string; fixes: { ruleId: string; title: string; line: number }[] }[];
  notes: Note[];
}

export function applyFixesToFiles(workspace: Workspace, results: readonly FileResult[], selection: FixSelection): FixOutcome {
  const outcome: FixOutcome = { changed: [], notes: [] };
  for (const result of results) {
    if (!result.findings.some((f) => f.fixes.some((x) => x.safety === 'safe' || selection.unsafe))) continue;
    let original: Buffer;
    try {
      original = fs.readFileSync(result.path);
    } catch {
      continue;
    }
    if (result.contentHash && hashBytes(original) !== result.contentHash) {
      outcome.notes.push(changedNote(result));
      continue;
    }
    const decoded = decode(original);
    if (!decoded.ok) continue;
    const isUtf8 = !(original[0] === 0xff || original[0] === 0xfe);
    if (!isUtf8) {
      outcome.notes.push({ kind: 'undecodable', path: result.path, relPath: result.relPath, message: 'not fixed: only UTF-8 files are rewritten' });
      continue;
    }
    const fixed = fixUntilStable(decoded.text, (text) => workspace.analyzeText(result.path, text).findings, selection);
    if (fixed.applied.length === 0 || fixed.text === decoded.text) continue;

    // Re-read right before writing: leave the file alone if anything changed it since we read it.
    let current: Buffer | undefined;
    try {
      current = fs.readFileSync(result.path);
    } catch {
      current = undefined;
    }
    if (!current || !current.equals(original)) {
      outcome.notes.push(changedNote(result));
      continue;
    }
    writeAtomically(result.path, (decoded.hadBom ? '\uFEFF' : '') + fixed.text);
    outcome.changed.push({ path: result.path, relPath: result.relPath, fixes: fixed.applied });
  }
  return outcome;
}

function writeAtomically(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.memlint-${process.pid}.tmp`);
  const mode = fs.statSync(file).mode;
  try {
    fs.writeFileSync(tmp, text, { mode });
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

function changedNote(result: FileResult): Note {
  return { kind: 'unreadable', path: result.path, relPath: result.relPath, message: 'not fixed: the file changed on disk during the run' };
}
