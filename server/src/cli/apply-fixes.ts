/**
 * `--fix`: applies fixes to files on disk. A file is only written when its bytes are exactly what was
 * analysed (a file changed during the run is left alone); it is written back in its own encoding (a BOM is
 * kept) and line endings; a symlink is written through to its target inside the workspace, never replaced;
 * a read-only file is left alone; writes go through a temporary file and a rename so a crash never leaves
 * half a file, and keep the file's mode. Any failure on one file becomes a note on it and the others go on.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeText, lineEndingsOf } from '../engine/encode';
import { decode, hashBytes } from '../engine/read';
import { isInside, readRegularFile } from '../engine/safe-read';
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
    if (result.findings.length === 0) continue;
    try {
      const done = fixFile(workspace, result, selection);
      if (typeof done === 'string') outcome.notes.push(notFixed(result, done));
      else if (done) outcome.changed.push({ path: result.path, relPath: result.relPath, fixes: done });
    } catch (e) {
      outcome.notes.push(notFixed(result, `cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`));
    }
  }
  return outcome;
}

type Applied = FixOutcome['changed'][number]['fixes'];

/** Fixes one file: the fixes applied, a reason it was left alone, or undefined when nothing changed. */
function fixFile(workspace: Workspace, result: FileResult, selection: FixSelection): Applied | string | undefined {
  // Write to what the path points at: a symlink stays a symlink and its target gets the fix.
  const target = fs.realpathSync.native(result.path);
  if (!isInside(workspace.root, target)) return 'it is a symlink to a file outside the workspace';
  const maxBytes = workspace.config.maxFileSizeMb * 1048576;
  const read = readRegularFile(target, maxBytes);
  if (!read.ok) return read.message.replace(/^skipped: /, '');
  const original = read.bytes;
  if (result.contentHash && hashBytes(original) !== result.contentHash) return 'the file changed on disk during the run';
  const st = fs.statSync(target);
  // The owner's write bit, not access(2): root may write anything, but a read-only file says "leave me alone".
  if ((st.mode & 0o200) === 0) return 'the file is read-only';
  if (st.nlink > 1) return 'the file has other hard links, which a rewrite would separate from it';
  const decoded = decode(original);
  if (!decoded.ok) return undefined;

  // Fix the text with LF line endings and put CRLF back: the fixes then give the same result as on an LF file.
  const eol = lineEndingsOf(decoded.text);
  // A CRLF file is fixed as its LF twin would be, even where the CRLF analysis offered no fix.
  const fixable = result.findings.some((f) => f.fixes.some((x) => x.safety === 'safe' || selection.unsafe));
  if (!fixable && eol !== 'crlf') return undefined;
  const source = eol === 'crlf' ? decoded.text.replace(/\r\n/g, '\n') : decoded.text;
  const fixed = fixUntilStable(source, (text) => workspace.analyzeText(result.path, text).findings, selection);
  if (fixed.applied.length === 0 || fixed.text === source) return undefined;
  const text = eol === 'crlf' ? fixed.text.replace(/\r?\n/g, '\r\n') : fixed.text;
  const bytes = encodeText(text, decoded.encoding, decoded.hadBom);
  if (!bytes) return `the fixed text cannot be written in the file's encoding (${decoded.encoding})`;

  // Re-read right before writing: leave the file alone if anything changed it since we read it.
  const current = readRegularFile(target, maxBytes);
  if (!current.ok || !current.bytes.equals(original)) return 'the file changed on disk during the run';
  writeAtomically(target, bytes, st);
  return fixed.applied;
}

function writeAtomically(file: string, bytes: Buffer, st: fs.Stats): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.memlint-${process.pid}.tmp`);
  let fd: number | undefined;
  try {
    fs.rmSync(tmp, { force: true }); // left by a run that was killed
    fd = fs.openSync(tmp, 'wx', 0o600);
    fs.writeSync(fd, bytes);
    // The umask applies to open's mode: set the original mode (and owner, where allowed) explicitly.
    fs.fchmodSync(fd, st.mode & 0o7777);
    try {
      fs.fchownSync(fd, st.uid, st.gid);
    } catch {
      // only root may give a file away; a user's own file keeps its owner anyway
    }
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

function notFixed(result: FileResult, why: string): Note {
  return { kind: 'not-fixed', path: result.path, relPath: result.relPath, message: `not fixed: ${why}` };
}
