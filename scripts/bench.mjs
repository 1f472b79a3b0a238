// `npm run bench`: memlint's speed and memory, each measurement in its own process.
//   1. Full scan of the Python standard library (with its site-packages): memlint vs Ruff compiled to
//      wasm (@astral-sh/ruff-wasm-nodejs, default rules), on exactly the same files.
//   2. Full scan of a large TS/JS tree present after `npm ci` (TypeScript's lib, a few big packages).
//   3. Editor latency over the language server (scripts/bench-lsp.mjs), when it exists.
// Prints markdown tables; docs/PERFORMANCE.md records a run on the reference machine.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const child = path.join(root, 'scripts', 'bench-scan-child.mjs');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-bench-'));
const MAX_BYTES = 2 * 1024 * 1024; // memlint's default size cap; both tools get the same list

function listFiles(dir, extensions) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && extensions.some((x) => e.name.endsWith(x)) && fs.statSync(p).size <= MAX_BYTES) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

function measure(tool, files, threads = 2) {
  const list = path.join(tmp, `${tool}-${files.length}.txt`);
  fs.writeFileSync(list, files.join('\n'));
  const r = spawnSync(process.execPath, ['--max-old-space-size=4096', child, tool, list, String(threads)], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${tool} bench failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function row(m) {
  const s = m.wallMs / 1000;
  return `| ${m.label} | ${m.files} | ${(m.bytes / 1e6).toFixed(1)} | ${s.toFixed(1)} | ${(m.cpuMs / 1000).toFixed(1)} | ${Math.round(m.files / s)} | ${(m.bytes / 1e6 / s).toFixed(2)} | ${Math.round(m.maxRssMb)} | ${m.findings} |`;
}

const header = '| run | files | MB | wall s | CPU s (all threads) | files/s | MB/s | peak RSS MB | findings |\n|---|---|---|---|---|---|---|---|---|';

// 1. Python stdlib
const stdlib = execFileSync('python3', ['-c', "import sysconfig; print(sysconfig.get_paths()['stdlib'])"], { encoding: 'utf8' }).trim();
const pyFiles = listFiles(stdlib, ['.py']);
console.log(`\n## Python standard library scan (${stdlib}, ${os.cpus().length} cores)\n`);
console.log(header);
const mem = { ...measure('memlint', pyFiles, os.availableParallelism()), label: `memlint (${os.availableParallelism()} threads)` };
console.log(row(mem));
const ruff = { ...measure('ruff', pyFiles), label: 'ruff-wasm (1 thread, default rules)' };
console.log(row(ruff));
console.log(`\nmemlint / ruff-wasm wall time: ${(mem.wallMs / ruff.wallMs).toFixed(2)} (below 1 = memlint faster)`);

// 2. TS/JS tree
const tsRoots = ['typescript/lib', 'ts-morph', '@ts-morph', 'yaml', 'mocha', 'esbuild/lib', 'web-tree-sitter', 'vscode-languageserver', 'vscode-languageserver-protocol', 'vscode-jsonrpc']
  .map((p) => path.join(root, 'node_modules', p))
  .filter((p) => fs.existsSync(p));
const tsFiles = tsRoots.flatMap((d) => listFiles(d, ['.ts', '.js', '.mjs', '.cjs']));
console.log(`\n## TS/JS scan (node_modules: ${tsRoots.map((r) => path.relative(path.join(root, 'node_modules'), r)).join(', ')})\n`);
console.log(header);
console.log(row({ ...measure('memlint', tsFiles, os.availableParallelism()), label: 'memlint' }));

// 3. Language server latency
const lspBench = path.join(root, 'scripts', 'bench-lsp.mjs');
if (fs.existsSync(lspBench)) {
  console.log('\n## Language server\n');
  const r = spawnSync(process.execPath, [lspBench], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = 1;
}
fs.rmSync(tmp, { recursive: true, force: true });
