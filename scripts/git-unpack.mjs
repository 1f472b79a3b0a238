// Writes one commit's regular files from a git directory into a folder, for the corpus and the real-file benches.
// Not `git archive`: a snapshot may lack its largest blobs (and LFS content); those are left out and counted instead
// of failing the whole tree. Symlinks and submodules are skipped.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Unpacks `commit` of `gitDir` under `target`: { files, absent } counts written and missing blobs. */
export function unpackCommit(gitDir, commit, target) {
  const git = (args, input) => {
    const r = spawnSync('git', ['--git-dir', gitDir, ...args], { input, maxBuffer: 1 << 30 });
    if (r.status !== 0 && args[0] === 'ls-tree') throw new Error(`git ${args.join(' ')} in ${gitDir}: ${r.stderr}`);
    return r.stdout;
  };
  const entries = git(['ls-tree', '-r', '-z', commit])
    .toString('utf8')
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const [meta, file] = line.split('\t');
      const [mode, type, sha] = meta.split(' ');
      return { mode, type, sha, file };
    })
    .filter((e) => e.type === 'blob' && (e.mode === '100644' || e.mode === '100755'));
  const batch = git(['cat-file', '--batch'], entries.map((e) => e.sha).join('\n') + '\n');
  let offset = 0;
  let files = 0;
  let absent = 0;
  for (const entry of entries) {
    const headerEnd = batch.indexOf(10, offset);
    const header = batch.subarray(offset, headerEnd).toString('utf8');
    offset = headerEnd + 1;
    if (header.endsWith(' missing')) {
      absent++;
      continue;
    }
    const size = Number(header.split(' ')[2]);
    const file = path.join(target, entry.file);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, batch.subarray(offset, offset + size), { mode: entry.mode === '100755' ? 0o755 : 0o644 });
    offset += size + 1;
    files++;
  }
  return { files, absent };
}
