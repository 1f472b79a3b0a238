/**
 * Prints memlint's memory-budget estimates of a workspace as JSON (run with tsx), for scripts/validate-budget.mjs:
 *
 *   tsx scripts/validate-budget/estimate.ts <dir> [--host-cpus N] [--files list.json] [--baselines k=mb,k=mb]
 *
 * --files: a JSON array of workspace-relative paths to offer as ProjectInfo.files() (the CLI offers the files its
 * discovery keeps); default: every file under <dir> (minus node_modules, .git, caches).
 * --baselines: overrides of baselines.ts figures, as the memory-budget option `baselines` takes them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { estimateDeploys } from '../../rules/budget/estimate';

const args = process.argv.slice(2);
function option(name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}
const root = path.resolve(args[0] ?? '.');
const hostCpus = Number(option('--host-cpus') ?? 0) || undefined;
const baselines = (option('--baselines') ?? '').split(',').filter(Boolean);
const listFile = option('--files');
const SKIP = new Set(['node_modules', '.git', '__pycache__', '.venv', 'venv']);

function walk(dir: string, out: string[], depth = 0): string[] {
  if (depth > 12 || out.length > 20000) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out, depth + 1);
    else if (entry.isFile()) out.push(path.relative(root, full).split(path.sep).join('/'));
  }
  return out;
}

const files: string[] = listFile ? JSON.parse(fs.readFileSync(listFile, 'utf8')) : walk(root, []);
const project = {
  files: () => files,
  readFile(rel: string): string | undefined {
    try {
      return fs.readFileSync(path.join(root, rel), 'utf8');
    } catch {
      return undefined;
    }
  },
};
process.stdout.write(JSON.stringify(estimateDeploys(project, { hostCpus, baselines })) + '\n');
