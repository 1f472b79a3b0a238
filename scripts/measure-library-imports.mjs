// `node scripts/measure-library-imports.mjs [module ...]`: the import figures of heavy libraries in
// analysis/deploy/baselines.ts (LIBRARIES, the ones whose source says "import measured"). For each module, a fresh
// Debian interpreter (/usr/bin/python3) reads its VmRSS, imports the module, collects garbage and reads VmRSS again;
// three runs each, the median printed. The libraries come from Debian's packages (python3-numpy, python3-faiss,
// python3-gensim, ...), installed beforehand with apt-get: this script installs nothing.
import { spawnSync } from 'node:child_process';

const PYTHON = '/usr/bin/python3';
const RUNS = 3;
const modules = process.argv.slice(2).length ? process.argv.slice(2) : ['numpy', 'faiss', 'gensim'];
const SNIPPET = `
import gc, importlib, sys
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS'):
            return int(line.split()[1]) / 1024
before = rss()
for name in sys.argv[1:]:
    importlib.import_module(name)
gc.collect()
print(before, rss())
`;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const module of ['', ...modules]) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const r = spawnSync(PYTHON, ['-c', SNIPPET, ...(module ? [module] : [])], { encoding: 'utf8' });
    if (r.status !== 0) {
      console.log(`${module}: not importable (${(r.stderr.trim().split('\n').pop() ?? '').slice(0, 120)})`);
      break;
    }
    runs.push(r.stdout.trim().split(/\s+/).map(Number));
  }
  if (runs.length < RUNS) continue;
  const before = median(runs.map((x) => x[0]));
  const after = median(runs.map((x) => x[1]));
  console.log(`${module || '(interpreter)'}: VmRSS ${before.toFixed(1)} MB -> ${after.toFixed(1)} MB (+${(after - before).toFixed(1)} MB)`);
}
