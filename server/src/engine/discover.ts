/**
 * Lists the files to analyse under some roots: honours .gitignore files (nested ones too), configured
 * include/exclude globs and default excludes; never follows symlinked directories (no cycles).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';
import { readRegularText } from './safe-read';

export const DEFAULT_EXCLUDES = [
  'node_modules',
  '.git',
  '.hg',
  '.svn',
  '.venv',
  'venv',
  'env',
  '.tox',
  '.nox',
  '.mypy_cache',
  '.pytest_cache',
  '.ruff_cache',
  '__pycache__',
  'site-packages',
  'dist',
  'build',
  '.next',
  'out',
  'coverage',
  '.code-server',
];

export interface DiscoverOptions {
  /** Workspace root: relative paths and root .gitignore are resolved against it. */
  root: string;
  include?: readonly string[];
  exclude?: readonly string[];
  /** Ignore default excludes (when the user passes an excluded folder explicitly). */
  useDefaultExcludes?: boolean;
  /** Returns true for paths some rule may analyse; others are not listed. */
  wanted: (relPath: string) => boolean;
}

export interface DiscoveredFile {
  path: string;
  relPath: string;
}

const toPosix = (p: string) => p.split(path.sep).join('/');

export function discoverFiles(targets: readonly string[], options: DiscoverOptions): DiscoveredFile[] {
  const root = path.resolve(options.root);
  const includeMatch = options.include?.length ? picomatch(options.include as string[], { dot: true }) : undefined;
  const excludeMatch = options.exclude?.length ? picomatch(options.exclude as string[], { dot: true }) : undefined;
  const defaultExcludes = new Set(options.useDefaultExcludes === false ? [] : DEFAULT_EXCLUDES);
  const out: DiscoveredFile[] = [];
  const seen = new Set<string>();

  const relOf = (abs: string) => {
    const rel = toPosix(path.relative(root, abs));
    return rel.startsWith('..') ? toPosix(abs) : rel;
  };
  const excluded = (rel: string) => excludeMatch !== undefined && (excludeMatch(rel) || excludeMatch(rel + '/'));

  const addFile = (abs: string, explicit: boolean) => {
    const rel = relOf(abs);
    if (seen.has(abs)) return;
    if (!explicit && excluded(rel)) return;
    if (!explicit && includeMatch && !includeMatch(rel)) return;
    if (!options.wanted(rel)) return;
    seen.add(abs);
    out.push({ path: toPosix(abs), relPath: rel });
  };

  const walk = (dir: string, ignores: { base: string; ig: Ignore }[]) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // unreadable folder: nothing to list
    }
    const local = readGitignore(dir);
    const active = local ? [...ignores, { base: dir, ig: local }] : ignores;
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const abs = path.join(dir, entry.name);
      const isDir = entry.isDirectory();
      if (isDir && defaultExcludes.has(entry.name)) continue;
      // A file no rule wants is not listed whatever the .gitignore files say: their test (the costly one on a
      // large repository) is left out for it.
      if (!isDir && entry.isFile() && !options.wanted(relOf(abs))) continue;
      if (isIgnored(abs, isDir, active)) continue;
      if (isDir) {
        if (!excluded(relOf(abs))) walk(abs, active);
      } else if (entry.isFile()) addFile(abs, false);
    }
  };

  for (const target of targets) {
    const abs = path.resolve(root, target);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(abs);
    } catch {
      throw new Error(`${target}: no such file or directory`);
    }
    if (stat.isDirectory()) walk(abs, gitignoresAbove(abs, root));
    else addFile(abs, true);
  }
  return out;
}

function readGitignore(dir: string): Ignore | undefined {
  const file = path.join(dir, '.gitignore');
  // Only a regular file, and only a sane size: a .gitignore symlinked to /dev/zero must not be read forever.
  const text = readRegularText(file, 4 * 1048576);
  return text === undefined ? undefined : ignore().add(text);
}

/** .gitignore files between the root and a starting folder below it (so `memlint sub/dir` honours them). */
function gitignoresAbove(start: string, root: string): { base: string; ig: Ignore }[] {
  const chain: { base: string; ig: Ignore }[] = [];
  const rel = path.relative(root, start);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return chain;
  let dir = root;
  const parts = rel ? rel.split(path.sep) : [];
  for (let i = 0; i < parts.length; i++) {
    const ig = readGitignore(dir);
    if (ig) chain.push({ base: dir, ig });
    dir = path.join(dir, parts[i]);
  }
  return chain;
}

function isIgnored(abs: string, isDir: boolean, ignores: { base: string; ig: Ignore }[]): boolean {
  for (const { base, ig } of ignores) {
    const rel = toPosix(path.relative(base, abs));
    if (!rel || rel.startsWith('..')) continue;
    if (ig.ignores(isDir ? rel + '/' : rel)) return true;
  }
  return false;
}
