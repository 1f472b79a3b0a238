// `npm run package`: builds the .vsix. vsce refuses a package.json with `files` (the npm package's list, which
// has the CLI) next to a .vscodeignore (the .vsix's shorter list, without it), so vsce runs on a copy of the
// files the extension can need, whose package.json has no `files`; .vscodeignore then picks the same files as
// `vsce ls` does in the repository.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const out = path.resolve(root, `memlint-${manifest.version}.vsix`);
const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-vsix-'));
try {
  for (const entry of ['.vscodeignore', 'README.md', 'CHANGELOG.md', 'LICENSE', 'images', 'dist', 'docs']) {
    fs.cpSync(path.join(root, entry), path.join(staging, entry), { recursive: true });
  }
  delete manifest.files;
  fs.writeFileSync(path.join(staging, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  execFileSync(path.join(root, 'node_modules', '.bin', 'vsce'), ['package', '--no-dependencies', '--out', out], { cwd: staging, stdio: 'inherit' });
} finally {
  fs.rmSync(staging, { recursive: true, force: true });
}
