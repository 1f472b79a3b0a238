// `npm run bench`: memlint's speed and memory, each measurement in its own process.
//   1. Full scan of the Python standard library (with its site-packages): memlint vs Ruff compiled to
//      wasm (@astral-sh/ruff-wasm-nodejs, default rules), on exactly the same files.
//   2. Full scan of a large TS/JS tree present after `npm ci` (TypeScript's lib, a few big packages).
//   3. Editor latency over the language server (scripts/bench-lsp.mjs), when it exists.
//   4. With --real DIR (scripts/fetch-bench-files.mjs writes it): the CLI on each real repository in DIR/repos
//      (wall from process start, CPU of all threads, peak RSS), native Ruff on their Python files for reference,
//      and the language server on the real files of DIR/files and a start-up on DIR/repos/paperless-ngx.
// Native Ruff is the `ruff` on PATH or MEMLINT_BENCH_RUFF; without it the stdlib ratio is against ruff-wasm only.
// Every figure comes with the 1-minute load average when it was taken: on a shared machine wall times follow the
// load, CPU times much less. Prints markdown tables; docs/PERFORMANCE.md records a run.
//
//   npm run bench -- [--real DIR] [--skip-stdlib] [--skip-lsp]
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({ options: { real: { type: 'string' }, 'skip-stdlib': { type: 'boolean', default: false }, 'skip-lsp': { type: 'boolean', default: false } } });
const load = () => os.loadavg()[0].toFixed(1);
const targets = [];
const target = (what, measured, goal, met, note = '') => targets.push(`| ${what} | ${measured} | ${goal} | ${met ? 'yes' : '**no**'} | ${load()} | ${note} |`);

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
  const l = load();
  const r = spawnSync(process.execPath, ['--max-old-space-size=4096', child, tool, list, String(threads)], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${tool} bench failed: ${r.stderr}`);
  return { ...JSON.parse(r.stdout.trim().split('\n').pop()), load: l };
}

/** The CLI on a folder, in its own process (bench-scan-child.mjs cli). */
function measureCli(folder) {
  const l = load();
  const r = spawnSync(process.execPath, [child, 'cli', folder], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cli bench failed: ${r.stderr}`);
  return { ...JSON.parse(r.stdout.trim().split('\n').pop()), load: l };
}

function row(m) {
  const s = m.wallMs / 1000;
  const mb = m.bytes ? (m.bytes / 1e6).toFixed(1) : '–';
  const mbs = m.bytes ? (m.bytes / 1e6 / s).toFixed(2) : '–';
  return `| ${m.label} | ${m.files} | ${mb} | ${s.toFixed(1)} | ${(m.cpuMs / 1000).toFixed(1)} | ${Math.round(m.files / s)} | ${mbs} | ${Math.round(m.maxRssMb)} | ${m.findings} | ${m.load} |`;
}

const header = '| run | files | MB | wall s | CPU s (all threads) | files/s | MB/s | peak RSS MB | findings | load |\n|---|---|---|---|---|---|---|---|---|---|';

/** Native Ruff (default rules, its own threads), timed by /usr/bin/time: wall, CPU, peak RSS. */
const RUFF = process.env.MEMLINT_BENCH_RUFF ?? (spawnSync('sh', ['-c', 'command -v ruff'], { encoding: 'utf8' }).stdout.trim() || undefined);
function nativeRuff(files) {
  if (!RUFF || !fs.existsSync('/usr/bin/time')) return undefined;
  const l = load();
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S %M', RUFF, 'check', '--no-cache', '--exit-zero', '--isolated', '--output-format', 'json', ...files], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const t = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  if (!t) return undefined;
  const version = spawnSync(RUFF, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
  return { label: `${version} (native, default rules)`, files: files.length, bytes, wallMs: Number(t[1]) * 1000, cpuMs: (Number(t[2]) + Number(t[3])) * 1000, maxRssMb: Number(t[4]) / 1024, findings: JSON.parse(r.stdout || '[]').length, load: l };
}

// 1. Python stdlib
if (!args['skip-stdlib']) {
const stdlib = execFileSync('python3', ['-c', "import sysconfig; print(sysconfig.get_paths()['stdlib'])"], { encoding: 'utf8' }).trim();
const pyFiles = listFiles(stdlib, ['.py']);
console.log(`\n## Python standard library scan (${stdlib}, ${os.cpus().length} cores)\n`);
console.log(header);
const mem = { ...measure('memlint', pyFiles, os.availableParallelism()), label: `memlint (${os.availableParallelism()} threads)` };
console.log(row(mem));
const native = nativeRuff(pyFiles);
if (native) console.log(row(native));
const ruff = { ...measure('ruff', pyFiles), label: 'ruff-wasm (1 thread, default rules)' };
console.log(row(ruff));
console.log(`\nmemlint / ruff-wasm wall time: ${(mem.wallMs / ruff.wallMs).toFixed(2)} (below 1 = memlint faster)`);
if (native) {
  console.log(`memlint / native Ruff: wall ${(mem.wallMs / native.wallMs).toFixed(2)}, CPU ${(mem.cpuMs / native.cpuMs).toFixed(2)}`);
  target('Python stdlib scan vs native Ruff (wall ratio)', `${(mem.wallMs / native.wallMs).toFixed(2)} (CPU ratio ${(mem.cpuMs / native.cpuMs).toFixed(2)})`, '<= 1.0', mem.wallMs <= native.wallMs);
} else target('Python stdlib scan vs native Ruff', 'no native ruff found (set MEMLINT_BENCH_RUFF)', '<= 1.0', false);
target('Python stdlib scan peak RSS', `${Math.round(mem.maxRssMb)} MB`, '<= 150 MB', mem.maxRssMb <= 150);
}

// 2. TS/JS tree
const tsRoots = ['typescript/lib', 'ts-morph', '@ts-morph', 'yaml', 'mocha', 'esbuild/lib', 'web-tree-sitter', 'vscode-languageserver', 'vscode-languageserver-protocol', 'vscode-jsonrpc']
  .map((p) => path.join(root, 'node_modules', p))
  .filter((p) => fs.existsSync(p));
const tsFiles = tsRoots.flatMap((d) => listFiles(d, ['.ts', '.js', '.mjs', '.cjs']));
console.log(`\n## TS/JS scan (node_modules: ${tsRoots.map((r) => path.relative(path.join(root, 'node_modules'), r)).join(', ')})\n`);
console.log(header);
console.log(row({ ...measure('memlint', tsFiles, os.availableParallelism()), label: 'memlint' }));


// 3. Real repositories
const realRepos = args.real ? path.join(args.real, 'repos') : undefined;
if (realRepos && fs.existsSync(realRepos)) {
  console.log('\n## CLI on real repositories (`memlint DIR --format json`, whole process)\n');
  console.log(header.replace('| run |', '| repository |') + '');
  for (const name of fs.readdirSync(realRepos).sort()) {
    const folder = path.join(realRepos, name);
    const m = { ...measureCli(folder), label: `memlint on ${name}` };
    console.log(row(m) + (m.generatedSkipped ? ` (${m.generatedSkipped} generated/vendored files skipped)` : ''));
    const py = listFiles(folder, ['.py']);
    const native = nativeRuff(py);
    if (native) console.log(row({ ...native, label: `${native.label} on ${name}'s Python files` }));
    target(`CLI full scan of ${name} (wall, from process start)`, `${(m.wallMs / 1000).toFixed(2)} s (CPU ${(m.cpuMs / 1000).toFixed(2)} s)`, '<= 1.5 s', m.wallMs <= 1500);
    target(`CLI full scan of ${name} (peak RSS)`, `${Math.round(m.maxRssMb)} MB`, '<= 200 MB', m.maxRssMb <= 200);
  }
} else if (args.real) console.log(`\n(${realRepos} not found: no real-repository scans; see scripts/fetch-bench-files.mjs)`);

// 4. Language server latency
const lspBench = path.join(root, 'scripts', 'bench-lsp.mjs');
if (fs.existsSync(lspBench) && !args['skip-lsp']) {
  console.log('\n## Language server\n');
  const extra = [];
  if (args.real) extra.push('--real', path.join(args.real, 'files'));
  if (realRepos && fs.existsSync(path.join(realRepos, 'paperless-ngx'))) extra.push('--startup-repo', path.join(realRepos, 'paperless-ngx'));
  const r = spawnSync(process.execPath, [lspBench, ...extra], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = 1;
}

if (targets.length) {
  console.log('\n## Scan targets (the language server\'s are in its section)\n');
  console.log('| target | measured | goal | met | load (1 min) | note |\n|---|---|---|---|---|---|');
  for (const t of targets) console.log(t);
}
fs.rmSync(tmp, { recursive: true, force: true });
