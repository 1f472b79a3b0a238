/** file: URIs <-> absolute paths (forward slashes, as the engine uses them). */
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri).split(path.sep).join('/');
  } catch {
    return undefined;
  }
}

export function pathToUri(absPath: string): string {
  return pathToFileURL(absPath).href;
}

/** True when `p` is `dir` or inside it (both absolute, forward slashes). */
export function isInside(p: string, dir: string): boolean {
  if (p === dir) return true;
  const d = dir.endsWith('/') ? dir : dir + '/';
  return p.startsWith(d);
}
