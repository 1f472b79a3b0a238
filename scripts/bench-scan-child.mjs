// One measured scan in its own process, so peak RSS belongs to that tool alone.
// usage: node bench-scan-child.mjs <memlint|ruff> <file-list.txt> [threads]
//        node bench-scan-child.mjs cli <folder>
//        node bench-scan-child.mjs configs <folder>   (large JSON/YAML files a rule parses)
import * as fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const [tool, listFile, threadsArg] = process.argv.slice(2);
const files = tool === 'cli' || tool === 'configs' ? [] : fs.readFileSync(listFile, 'utf8').split('\n').filter(Boolean);
const started = performance.now();
let findings = 0;
let bytes = 0;
const extra = {};

if (tool === 'memlint') {
  const { Workspace, scanParallel, disableStatementCachesInThisThread } = require('../dist/engine.js');
  // As the CLI does: a batch analyses each file once.
  disableStatementCachesInThisThread();
  const ws = await Workspace.open({ root: '/' });
  const results = await scanParallel(ws, [], {
    files: files.map((p) => ({ path: p, relPath: p })),
    workers: Number(threadsArg || 2),
  });
  for (const r of results) findings += r.findings.length;
  for (const p of files) bytes += fs.statSync(p).size;
} else if (tool === 'cli') {
  // The whole CLI on a folder (listing, parallel scan, budgets, JSON report), as a user runs it; the wall time
  // counts from the process start, so start-up is in it.
  const os = await import('node:os');
  const path = await import('node:path');
  const out = path.join(os.tmpdir(), `memlint-bench-cli-${process.pid}.json`);
  const { run } = require('../dist/cli.js');
  await run([listFile, '--format', 'json', '--output', out, '--exit-zero']);
  const report = JSON.parse(fs.readFileSync(out, 'utf8'));
  fs.rmSync(out, { force: true });
  findings = report.findings.length;
  files.length = 0;
  files.push(...Array(report.summary.filesAnalyzed).fill(''));
  extra.generatedSkipped = report.notes.filter((n) => n.kind === 'generated').length;
} else if (tool === 'configs') {
  // Which JSON/YAML files over LARGE_CONFIG_BYTES a rule parses, in a one-thread scan of the folder: a rule parses
  // one only when its trigger matched (package.json, compose files, Kubernetes manifests...), never a data file.
  const LARGE_CONFIG_BYTES = 64 * 1024;
  const { Workspace } = require('../dist/engine.js');
  const parsed = new Set();
  const plain = await Workspace.open({ root: listFile });
  const rules = plain.rules.map((rule) => ({
    ...rule,
    check: (ctx) =>
      rule.check({
        ...ctx,
        json: () => (parsed.add(ctx.file.relPath), ctx.json()),
        yaml: () => (parsed.add(ctx.file.relPath), ctx.yaml()),
      }),
  }));
  const ws = await Workspace.open({ root: listFile, rules });
  const large = ws.discover().filter((f) => /\.(json|ya?ml)$/i.test(f.relPath) && fs.statSync(f.path).size > LARGE_CONFIG_BYTES);
  for (const f of large) ws.analyzeFile(f.path);
  extra.large = large.length;
  extra.parsed = large.map((f) => f.relPath).filter((p) => parsed.has(p));
} else if (tool === 'ruff') {
  const { Workspace, PositionEncoding } = require('@astral-sh/ruff-wasm-nodejs');
  const ws = new Workspace(Workspace.defaultSettings(), PositionEncoding.Utf16);
  for (const p of files) {
    const text = fs.readFileSync(p, 'utf8');
    bytes += Buffer.byteLength(text);
    findings += ws.check(text).length;
  }
} else {
  throw new Error(`unknown tool ${tool}`);
}

const wallMs = tool === 'cli' ? performance.now() : performance.now() - started;
// CPU time of every thread of the process: on a shared machine it moves far less than wall time.
const usage = process.resourceUsage();
const cpuMs = (usage.userCPUTime + usage.systemCPUTime) / 1000;
// memlint loads the TypeScript compiler only for TS/JS files (scripts/build.mjs): a Python scan should not.
const typescriptLoaded = Object.keys(require.cache).some((f) => f.endsWith('ts-morph.js'));
process.stdout.write(JSON.stringify({ tool, files: files.length, bytes, findings, wallMs, cpuMs, maxRssMb: usage.maxRSS / 1024, typescriptLoaded, ...extra }) + '\n');
