/** How paths are shown: relative to the current directory, forward slashes (clickable in terminals and CI logs). */
import * as path from 'node:path';

export type DisplayPath = (absPath: string) => string;

export function displayPathFrom(cwd: string): DisplayPath {
  return (abs) => {
    const rel = path.relative(cwd, abs);
    return (rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel).split(path.sep).join('/');
  };
}
