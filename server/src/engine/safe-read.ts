/**
 * Reading bytes from the user's disk without trusting what a path points at: only regular files are opened
 * (a symlink to /dev/zero or a FIFO is refused, never read or waited on), the size cap holds while reading
 * (a file that grows after stat cannot blow it), and a path can be required to stay inside a folder after
 * symlinks are resolved (a symlinked `outside -> ../outside` does not feed the analysis).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export type BytesRead =
  | { ok: true; bytes: Buffer }
  | { ok: false; reason: 'not-regular' | 'too-large' | 'unreadable' | 'outside-workspace'; message: string };

const CHUNK = 1 << 16;

/** Reads a regular file of at most `maxBytes` bytes; never opens devices, FIFOs or sockets and never blocks on them. */
export function readRegularFile(file: string, maxBytes: number): BytesRead {
  let fd: number;
  try {
    // stat before open: opening some devices has effects, and opening a FIFO for reading waits for a writer.
    const before = fs.statSync(file);
    if (!before.isFile()) return notRegular(before);
    if (before.size > maxBytes) return tooLarge(before.size, maxBytes);
    // O_NONBLOCK: if the path was swapped for a FIFO since the stat, open returns at once instead of waiting.
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (e) {
    return unreadable(e);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return notRegular(st);
    if (st.size > maxBytes) return tooLarge(st.size, maxBytes);
    // One buffer of the size the stat gave and a byte more, so the read that finds the end needs no other buffer
    // (a scan reads 13,000 files: two 64 KB chunks and a copy each were most of the external memory it churned);
    // a file that grew since the stat reads on into a larger one.
    let buf = Buffer.allocUnsafe(Math.min(st.size + 1, maxBytes + 1));
    let total = 0;
    for (;;) {
      if (total === buf.length) {
        const larger = Buffer.allocUnsafe(Math.min(buf.length + CHUNK, maxBytes + 1));
        buf.copy(larger, 0, 0, total);
        buf = larger;
      }
      const n = fs.readSync(fd, buf, total, buf.length - total, null);
      if (n === 0) break;
      total += n;
      // The file grew past the cap while we read it: stop here rather than follow it.
      if (total > maxBytes) return tooLarge(total, maxBytes, true);
    }
    return { ok: true, bytes: buf.subarray(0, total) };
  } catch (e) {
    return unreadable(e);
  } finally {
    fs.closeSync(fd);
  }
}

/** Text of a regular file (UTF-8), or undefined for anything else (missing, not regular, too large, unreadable). */
export function readRegularText(file: string, maxBytes: number): string | undefined {
  const r = readRegularFile(file, maxBytes);
  return r.ok ? r.bytes.toString('utf8') : undefined;
}

/**
 * Whether `file`, with every symlink resolved, lies inside `root` (also resolved). A path that does not exist
 * resolves as far as it exists, so a missing file under a symlinked folder is still judged by where it would be.
 */
export function isInside(root: string, file: string): boolean {
  const realRoot = realRootOf(path.resolve(root));
  const real = realpathOfFile(path.resolve(root, file));
  const rel = path.relative(realRoot, real);
  return rel === '' || (!rel.startsWith('..' + path.sep) && rel !== '..' && !path.isAbsolute(rel));
}

/** The last root's real path: every file read of a scan asks about the same root (a syscall each time otherwise). */
let lastRoot: { root: string; real: string; at: number } | undefined;
const ROOT_REALPATH_TTL_MS = 1000;
function realRootOf(root: string): string {
  const now = Date.now();
  if (lastRoot?.root === root && now - lastRoot.at < ROOT_REALPATH_TTL_MS) return lastRoot.real;
  const real = realpathOrSelf(root);
  lastRoot = { root, real, at: now };
  return real;
}

/**
 * realpathOrSelf() of a file, from its folder's real path (kept briefly, as the root's: a scan reads many files per
 * folder, and a realpath costs a syscall per path component) and one lstat of the file itself.
 */
function realpathOfFile(p: string): string {
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(p, { throwIfNoEntry: false });
  } catch {
    return realpathOrSelf(p);
  }
  if (st?.isSymbolicLink()) return realpathOrSelf(p);
  const folder = path.dirname(p);
  if (folder === p) return p;
  return path.join(realFolderOf(folder), path.basename(p));
}

const folderReals = new Map<string, { real: string; at: number }>();
const MAX_FOLDERS = 1000;
function realFolderOf(folder: string): string {
  const now = Date.now();
  const known = folderReals.get(folder);
  if (known && now - known.at < ROOT_REALPATH_TTL_MS) return known.real;
  if (folderReals.size >= MAX_FOLDERS) folderReals.clear();
  const real = realpathOrSelf(folder);
  folderReals.set(folder, { real, at: now });
  return real;
}

/** The real path of the longest existing prefix of `p`, with the rest appended. */
export function realpathOrSelf(p: string): string {
  try {
    return fs.realpathSync.native(p);
  } catch {
    const parent = path.dirname(p);
    if (parent === p) return p;
    return path.join(realpathOrSelf(parent), path.basename(p));
  }
}

/** Message for a file refused because it resolves outside the workspace. */
export function outsideMessage(root: string): string {
  return `skipped: resolves (through a symlink) outside the workspace ${root}`;
}

function notRegular(st: fs.Stats): BytesRead {
  const what = st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'not a regular file';
  return { ok: false, reason: 'not-regular', message: `skipped: ${what === 'not a regular file' ? what : `not a regular file (${what})`}` };
}

function tooLarge(size: number, maxBytes: number, grew = false): BytesRead {
  const mb = (n: number) => (n / 1048576).toFixed(1);
  return {
    ok: false,
    reason: 'too-large',
    message: grew
      ? `skipped: grew past the ${mb(maxBytes)} MB limit while being read (maxFileSizeMb)`
      : `skipped: ${mb(size)} MB is over the ${mb(maxBytes)} MB limit (maxFileSizeMb)`,
  };
}

function unreadable(e: unknown): BytesRead {
  return { ok: false, reason: 'unreadable', message: `skipped: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
}
