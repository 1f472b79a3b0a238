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
/** One row of the closing table: every target of issue 11 with its measured figure, PASS/MISS and the load when it was taken. */
const target = (what, measured, goal, met, note = '', at = load()) => targets.push(`| ${what} | ${measured} | ${goal} | ${met ? 'PASS' : '**MISS**'} | ${at} | ${note} |`);

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

/** JSON/YAML files of a folder over LARGE_CONFIG_BYTES that some rule parsed (bench-scan-child.mjs configs). */
function measureConfigParses(folder) {
  const r = spawnSync(process.execPath, [child, 'configs', folder], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`config-parse bench failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
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
  target(
    `Python stdlib scan vs native Ruff (wall ratio, ${pyFiles.length} files)`,
    `${(mem.wallMs / native.wallMs).toFixed(2)}: ${(mem.wallMs / 1000).toFixed(1)} s vs ${(native.wallMs / 1000).toFixed(1)} s (CPU ratio ${(mem.cpuMs / native.cpuMs).toFixed(2)}: ${(mem.cpuMs / 1000).toFixed(1)} s vs ${(native.cpuMs / 1000).toFixed(1)} s)`,
    '<= 1.0',
    mem.wallMs <= native.wallMs,
    `load ${mem.load} / ${native.load} at the two runs`,
    mem.load,
  );
} else target('Python stdlib scan vs native Ruff', 'no native ruff found (set MEMLINT_BENCH_RUFF)', '<= 1.0', false);
target('Python stdlib scan peak RSS', `${Math.round(mem.maxRssMb)} MB`, '<= 150 MB', mem.maxRssMb <= 150, '', mem.load);
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
  const generated = [];
  const largeConfigs = { large: 0, parsed: [] };
  for (const name of fs.readdirSync(realRepos).sort()) {
    const folder = path.join(realRepos, name);
    const m = { ...measureCli(folder), label: `memlint on ${name}` };
    console.log(row(m) + (m.generatedSkipped ? ` (${m.generatedSkipped} generated/vendored files skipped)` : ''));
    const py = listFiles(folder, ['.py']);
    const native = nativeRuff(py);
    if (native) console.log(row({ ...native, label: `${native.label} on ${name}'s Python files` }));
    target(`CLI full scan of ${name} (wall, from process start)`, `${(m.wallMs / 1000).toFixed(2)} s (CPU ${(m.cpuMs / 1000).toFixed(2)} s, ${m.files} files)`, '<= 1.5 s', m.wallMs <= 1500, '', m.load);
    target(`CLI full scan of ${name} (peak RSS)`, `${Math.round(m.maxRssMb)} MB`, '<= 200 MB', m.maxRssMb <= 200, '', m.load);
    generated.push(`${name} ${m.generatedSkipped}`);
    const c = measureConfigParses(folder);
    largeConfigs.large += c.large;
    largeConfigs.parsed.push(...c.parsed.map((p) => `${name}/${p}`));
  }
  target('generated/minified/vendored sources skipped with a note (files per repository)', generated.join(', '), 'skipped', generated.some((g) => !g.endsWith(' 0')), 'TandoorRecipes holds a generated OpenAPI client');
  target(
    'large JSON/YAML (over 64 KB) parsed by no rule',
    `${largeConfigs.large} such files, ${largeConfigs.parsed.length} parsed${largeConfigs.parsed.length ? ` (${largeConfigs.parsed.join(', ')})` : ''}`,
    'none parsed',
    largeConfigs.parsed.length === 0,
  );
} else if (args.real) console.log(`\n(${realRepos} not found: no real-repository scans; see scripts/fetch-bench-files.mjs)`);

// 4. Language server latency
const lspBench = path.join(root, 'scripts', 'bench-lsp.mjs');
if (fs.existsSync(lspBench) && !args['skip-lsp']) {
  console.log('\n## Language server\n');
  const extra = [];
  if (args.real) extra.push('--real', path.join(args.real, 'files'));
  if (realRepos && fs.existsSync(path.join(realRepos, 'paperless-ngx'))) extra.push('--startup-repo', path.join(realRepos, 'paperless-ngx'));
  const lspJson = path.join(tmp, 'lsp.json');
  const r = spawnSync(process.execPath, [lspBench, ...extra, '--json', lspJson], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = 1;
  if (fs.existsSync(lspJson)) lspTargets(JSON.parse(fs.readFileSync(lspJson, 'utf8')));
}

/** The language server's targets, from bench-lsp.mjs's measurements (each row with the load when it was taken). */
function lspTargets({ real, start }) {
  const ms = (n) => `${n.toFixed(1)} ms`;
  if (real?.length) {
    for (const [label, rows, goal] of [
      ['Python', real.filter((x) => !x.many && x.name.endsWith('.py')), 30],
      ['TypeScript/JavaScript', real.filter((x) => !x.many && !x.name.endsWith('.py')), 30],
      ['1,000 findings', real.filter((x) => x.many), 50],
    ]) {
      for (const mode of ['line', 'type']) {
        const these = rows.filter((x) => x.mode === mode);
        if (!these.length) continue;
        const worst = these.reduce((a, b) => (b.p95 > a.p95 ? b : a));
        const kind = these.some((x) => x.real) ? 'real' : 'generated stand-in';
        target(
          `keystroke -> diagnostics p95, ${label} (${these.length} ${kind} file${these.length > 1 ? 's' : ''}, ${mode === 'line' ? 'a line inserted mid-file' : 'typing in a function'})`,
          `worst p95 ${ms(worst.p95)} (${worst.name}); p95 ${these.map((x) => x.p95.toFixed(0)).join('/')} ms; server CPU ${these.map((x) => x.cpuPerKeystroke.toFixed(1)).join('/')} ms per keystroke`,
          `<= ${goal} ms`,
          these.every((x) => x.p95 <= goal),
          '',
          Math.max(...these.map((x) => x.load)).toFixed(1),
        );
      }
    }
  }
  if (start) {
    const at = start.load.toFixed(1);
    const where = `${path.basename(start.folder)}, ${start.files} files`;
    target(`VS Code start-up (LSP): first problem after the server starts (${where})`, `${ms(start.firstMs)} (server CPU by then ${ms(start.firstCpuMs)})`, '< 1 s', start.firstMs < 1000, '', at);
    target(`VS Code start-up (LSP): workspace scan done (${where})`, `${ms(start.scanMs)} (server CPU ${ms(start.cpuMs)})`, '< 3 s', start.scanMs < 3000, '', at);
    target('VS Code start-up (LSP): all memlint processes once idle', `${start.idleMb.toFixed(0)} MB in ${start.processes} process(es) (peak ${start.peakMb.toFixed(0)} MB)`, '< 150 MB', start.idleMb < 150, '', at);
  }
}

if (targets.length) {
  console.log(`\n## Targets (issue 11), ${new Date().toISOString().slice(0, 16)} UTC, ${os.cpus().length} cores, load now ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')}\n`);
  console.log('| target | measured | goal | result | load (1 min) when measured | note |\n|---|---|---|---|---|---|');
  for (const t of targets) console.log(t);
}
fs.rmSync(tmp, { recursive: true, force: true });
