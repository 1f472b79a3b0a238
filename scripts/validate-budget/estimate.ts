/**
 * Prints memlint's memory-budget estimates of a workspace as JSON (run with tsx):
 *   tsx scripts/validate-budget/estimate.ts <dir> [hostCpus]
 * Used by scripts/validate-budget.mjs, which compares them with measured memory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { estimateDeploys } from '../../rules/budget/estimate';

const root = path.resolve(process.argv[2] ?? '.');
const hostCpus = Number(process.argv[3] ?? 0) || undefined;
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

const files = walk(root, []);
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
process.stdout.write(JSON.stringify(estimateDeploys(project, { hostCpus }), null, 1) + '\n');
