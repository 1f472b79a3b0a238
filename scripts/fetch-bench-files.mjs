#!/usr/bin/env node
/**
 * Materialises the real files and repositories of bench/real-files.json into a folder, from local git directories
 * of those repositories (bare clones or mirrors; a session's `fetch` tool returns one, or `git clone --bare URL`).
 * Other projects' code never enters this repository: only the manifest (repository, commit, path) does.
 *
 *   node scripts/fetch-bench-files.mjs OUT_DIR GITDIR...
 *     e.g. node scripts/fetch-bench-files.mjs /tmp/memlint-real /work/.mirror/paperless-ngx+paperless-ngx/repo ...
 *
 * Each GITDIR is matched to the manifest's repositories by its `origin` URL or, failing that, by its folder name
 * (`owner+name` or `name.git`). Writes OUT_DIR/files/<name> for each file and OUT_DIR/repos/<name>/ (a `git archive`
 * of the commit) for each repository; the commit in the manifest is used when the git directory has it, else HEAD
 * (and a note says so). Then: `node scripts/bench-lsp.mjs --real OUT_DIR/files`, `node scripts/bench.mjs --real OUT_DIR`.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { unpackCommit } from './git-unpack.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'bench', 'real-files.json'), 'utf8'));
const [out, ...gitDirs] = process.argv.slice(2);
if (!out || gitDirs.length === 0) {
  console.error('usage: node scripts/fetch-bench-files.mjs OUT_DIR GITDIR...');
  process.exit(2);
}

const git = (dir, args, opts = {}) => execFileSync('git', [`--git-dir=${dir}`, ...args], { maxBuffer: 1 << 30, ...opts });

/** owner/name of a git directory, from its origin URL or its folder name. */
function repoOf(dir) {
  try {
    const url = git(dir, ['config', '--get', 'remote.origin.url'], { encoding: 'utf8' }).trim();
    const m = /github\.com[/:]([^/]+\/[^/]+?)(\.git)?$/.exec(url);
    if (m) return m[1].toLowerCase();
  } catch {
    // no origin: fall back to the path
  }
  const parts = path.resolve(dir).split(path.sep).filter(Boolean);
  for (const p of parts.reverse()) {
    const m = /^([^+]+)\+(.+)$/.exec(p);
    if (m) return `${m[1]}/${m[2]}`.toLowerCase();
  }
  return undefined;
}

/** The manifest's commit when the git directory has it, else HEAD. */
function commitIn(dir, wanted) {
  try {
    git(dir, ['cat-file', '-e', `${wanted}^{commit}`], { stdio: 'ignore' });
    return wanted;
  } catch {
    const head = git(dir, ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    console.warn(`note: ${dir} lacks ${wanted}; using HEAD ${head} (the figures may differ from the recorded ones)`);
    return head;
  }
}


const dirs = new Map(gitDirs.map((d) => [repoOf(d), d]));
fs.mkdirSync(path.join(out, 'files'), { recursive: true });
let missing = 0;
for (const f of manifest.files) {
  const dir = dirs.get(f.repo.toLowerCase());
  if (!dir) {
    console.warn(`skipped ${f.name}: no git directory of ${f.repo} given`);
    missing++;
    continue;
  }
  const text = git(dir, ['show', `${commitIn(dir, f.commit)}:${f.path}`]);
  fs.writeFileSync(path.join(out, 'files', f.name), text);
  console.log(`files/${f.name}: ${f.repo} ${f.path} (${text.toString().split('\n').length - 1} lines)`);
}
for (const r of manifest.repositories) {
  const dir = dirs.get(r.repo.toLowerCase());
  if (!dir) {
    console.warn(`skipped repository ${r.name}: no git directory of ${r.repo} given`);
    missing++;
    continue;
  }
  const target = path.join(out, 'repos', r.name);
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(target, { recursive: true });
  const { files: written, absent } = unpackCommit(dir, commitIn(dir, r.commit), target);
  console.log(`repos/${r.name}: ${r.repo}, ${written} files${absent ? ` (${absent} large blobs absent from the git directory left out)` : ''}`);
}
if (missing) process.exitCode = 1;
