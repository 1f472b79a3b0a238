#!/usr/bin/env node
/**
 * `npm run fuzz`: mutates the rule fixtures (and real files given on the command line), runs the CLI with --fix
 * over them in a temporary folder, and checks what memlint promises about bad input:
 *   - no crash (exit 0/1, no internal error, no rule failure note),
 *   - no file over the per-file time limit,
 *   - no finding lost in the unmutated files of the same run (control files, compared with a run of their own),
 *   - every fixed file still parses when its input did (python3 py_compile, the TypeScript parser, YAML, JSON, TOML),
 *   - a second --fix changes nothing.
 * Bounded by a count per language and a total time; not part of `npm test`.
 *
 *   npm run fuzz -- [--count N] [--time SECONDS] [--seed N] [--batch N] [--only python|ts|deploy] [files...]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin', 'memlint.js');

// ---- arguments ------------------------------------------------------------------------------------------------
const args = process.argv.slice(2);
const opt = { count: 200, time: 600, seed: Date.now() % 100000, batch: 200, only: undefined, files: [] };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--count') opt.count = Number(args[++i]);
  else if (a === '--time') opt.time = Number(args[++i]);
  else if (a === '--seed') opt.seed = Number(args[++i]);
  else if (a === '--batch') opt.batch = Number(args[++i]);
  else if (a === '--only') opt.only = args[++i];
  else opt.files.push(path.resolve(a));
}
const deadline = Date.now() + opt.time * 1000;
const FILE_LIMIT_MS = 20_000;

// ---- seeded randomness ----------------------------------------------------------------------------------------
let state = opt.seed >>> 0 || 1;
const rand = () => ((state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32);
const int = (n) => Math.floor(rand() * n);
const pick = (xs) => xs[int(xs.length)];

// ---- seeds ----------------------------------------------------------------------------------------------------
function groupOf(file) {
  const name = path.basename(file).toLowerCase();
  if (/\.py$/.test(name)) return 'python';
  if (/\.(ts|tsx|js|jsx|mjs|cjs)$/.test(name) && name !== 'package.json') return 'ts';
  if (/(^dockerfile|^procfile|\.ya?ml$|\.toml$|\.json$|^requirements.*\.txt$|^\.env|\.env$)/.test(name)) return 'deploy';
  return undefined;
}
function listFiles(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}
const seedFiles = [...listFiles(path.join(root, 'test', 'fixtures')), ...opt.files.flatMap((f) => (fs.statSync(f).isDirectory() ? listFiles(f) : [f]))];
const seeds = { python: [], ts: [], deploy: [] };
for (const f of seedFiles) {
  const g = groupOf(f);
  if (g) seeds[g].push({ name: path.basename(f).replace(/\.fixed(\.\w+)$/, '$1'), bytes: fs.readFileSync(f) });
}

// ---- mutations ------------------------------------------------------------------------------------------------
const INTERESTING = ['(', ')', '[', ']', '{', '}', ':', '"', "'", '"""', '\\', '\n', '\r', '\r\n', '\t', '#', '//', '/*', '`', '${', '\0', '\u00e9', '\ud83d\ude00', '\ufeff', 'if x:\n    ', 'async ', 'await ', '=', ',', '.read()', '.all()', '--workers 9 ', '\xff'];
const MUTATIONS = {
  insert(b) {
    const at = int(b.length + 1);
    const ins = rand() < 0.5 ? Buffer.from(pick(INTERESTING), 'utf8') : Buffer.from(Array.from({ length: 1 + int(8) }, () => int(256)));
    return Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]);
  },
  delete(b) {
    const at = int(b.length + 1);
    return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + int(40)))]);
  },
  duplicate(b) {
    const at = int(b.length + 1);
    const len = 1 + int(200);
    const piece = b.subarray(at, at + len);
    const times = 1 + int(rand() < 0.1 ? 200 : 3);
    return Buffer.concat([b.subarray(0, at), ...Array(times).fill(piece), b.subarray(at)]);
  },
  truncate(b) {
    return b.subarray(0, int(b.length + 1));
  },
  nest(b, group) {
    const depth = pick([10, 50, 99, 150, 250, 600, 2000]);
    let piece;
    if (group === 'python') {
      piece = rand() < 0.5
        ? Array.from({ length: depth }, (_, i) => '    '.repeat(i) + 'for x in Book.objects.all():\n').join('') + '    '.repeat(depth) + 'print(x.author.name)\n'
        : 'x = ' + '('.repeat(depth) + 'open("f").read()' + ')'.repeat(depth) + '\n';
    } else if (group === 'ts') {
      piece = rand() < 0.5 ? 'const s = ' + Array.from({ length: depth }, (_, i) => `fs.readFileSync('f${i}')`).join(' + ') + ';\n' : 'const y = ' + '['.repeat(depth) + '1' + ']'.repeat(depth) + ';\n';
    } else {
      piece = rand() < 0.5 ? Array.from({ length: depth }, (_, i) => '  '.repeat(i) + `k${i}:\n`).join('') : '[' .repeat(depth) + ']'.repeat(depth) + '\n';
    }
    const text = b.toString('utf8');
    const lines = text.split('\n');
    lines.splice(int(lines.length + 1), 0, piece);
    return Buffer.from(lines.join('\n'), 'utf8');
  },
  lineEndings(b) {
    const text = b.toString('utf8');
    const style = pick(['\r\n', '\r', 'mixed']);
    return Buffer.from(text.replace(/\r?\n/g, () => (style === 'mixed' ? pick(['\n', '\r\n', '\r']) : style)), 'utf8');
  },
  encoding(b) {
    const text = b.toString('utf8');
    switch (int(4)) {
      case 0:
        return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
      case 1:
        return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b]);
      case 2:
        return Buffer.from('# -*- coding: latin-1 -*-\n' + text.replace(/[^\x00-\xff]/g, '?') + '\n# caf\u00e9\n', 'latin1');
      default:
        return Buffer.concat([b, Buffer.from([0xc3, 0x28, 0xa0, 0xa1])]);
    }
  },
};
const NAMES = Object.keys(MUTATIONS);
function mutate(seed, group) {
  let b = seed.bytes;
  const applied = [];
  for (let n = 1 + int(3); n > 0; n--) {
    const m = pick(NAMES);
    b = MUTATIONS[m](b, group);
    applied.push(m);
  }
  return { bytes: b, applied };
}

// ---- parse checks ---------------------------------------------------------------------------------------------
const { ts } = require('ts-morph');
const YAML = require('yaml');
const jsonc = require('jsonc-parser');
const { parseTOML } = require('toml-eslint-parser');
function decodeForCheck(bytes) {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  return bytes.toString('utf8');
}
/** Parses in node (TS/YAML/JSON/TOML); true when fine or not checkable here. */
function parsesInNode(name, bytes) {
  const text = decodeForCheck(bytes);
  try {
    if (/\.(ts|tsx|js|jsx|mjs|cjs)$/.test(name)) {
      const sf = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true, /\.tsx$/.test(name) ? ts.ScriptKind.TSX : /\.jsx?$|\.mjs$|\.cjs$/.test(name) ? ts.ScriptKind.JS : ts.ScriptKind.TS);
      return sf.parseDiagnostics.length === 0;
    }
    if (/\.ya?ml$/.test(name)) return YAML.parseAllDocuments(text).every((d) => d.errors.length === 0);
    if (/\.json$/.test(name)) {
      const errors = [];
      jsonc.parseTree(text, errors, { allowTrailingComma: true });
      return errors.length === 0;
    }
    if (/\.toml$/.test(name)) {
      parseTOML(text);
      return true;
    }
  } catch {
    return false;
  }
  return true;
}
/** Python files (absolute paths) that do not compile, by one python3 process. */
function pythonFailures(files) {
  if (files.length === 0) return new Set();
  const script = 'import sys\nfor p in sys.stdin.read().split("\\0"):\n    if not p: continue\n    try:\n        compile(open(p, "rb").read(), p, "exec")\n    except Exception:\n        print(p)\n';
  const r = spawnSync('python3', ['-c', script], { input: files.join('\0'), encoding: 'utf8', maxBuffer: 1 << 26 });
  return new Set(r.stdout.split('\n').filter(Boolean));
}

// ---- running the CLI ------------------------------------------------------------------------------------------
function runCli(dir) {
  const started = Date.now();
  const r = spawnSync(process.execPath, [cli, dir, '--fix', '--unsafe-fixes', '--format', 'json', '--exit-zero'], {
    cwd: dir,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    timeout: 30 * 60_000,
  });
  let report;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    report = undefined;
  }
  return { status: r.status, signal: r.signal, stderr: r.stderr ?? '', report, ms: Date.now() - started };
}
function snapshot(dir) {
  const out = new Map();
  for (const f of listFiles(dir)) out.set(path.relative(dir, f), fs.readFileSync(f));
  return out;
}
const findingKeys = (report, prefix) =>
  (report?.findings ?? []).filter((f) => (f.file ?? f.path ?? '').startsWith(prefix)).map((f) => `${f.file ?? f.path}:${f.ruleId}:${f.message}`).sort();

// ---- controls: unmutated files whose findings must survive every run -----------------------------------------
const controls = [];
for (const g of ['python', 'ts', 'deploy']) controls.push(...seeds[g].filter((s) => !/\.fixed\./.test(s.name)).slice(0, 3));
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-fuzz-'));
function writeControls(dir) {
  controls.forEach((c, i) => {
    fs.mkdirSync(path.join(dir, 'control', String(i)), { recursive: true });
    fs.writeFileSync(path.join(dir, 'control', String(i), c.name), c.bytes);
  });
}
const baselineDir = path.join(tmpRoot, 'baseline');
writeControls(baselineDir);
const baseline = runCli(baselineDir);
const baselineKeys = findingKeys(baseline.report, 'control/').map((k) => k.replace(baselineDir, ''));

// ---- the loop -------------------------------------------------------------------------------------------------
const stats = {};
const problems = [];
const report = (problem) => {
  problems.push(problem);
  process.stderr.write(`PROBLEM ${problem}\n`);
};
const groups = opt.only ? [opt.only] : ['python', 'ts', 'deploy'];
let round = 0;
for (const group of groups) {
  const st = (stats[group] = { inputs: 0, runs: 0, fixedFiles: 0, parseChecked: 0, notAnalysed: 0, timeLimit: 0, maxRunMs: 0, mutations: {} });
  if (seeds[group].length === 0) continue;
  const perGroupDeadline = Date.now() + (deadline - Date.now()) / (groups.length - groups.indexOf(group));
  while (st.inputs < opt.count && Date.now() < perGroupDeadline) {
    const dir = path.join(tmpRoot, `run${round++}`);
    const origDir = path.join(tmpRoot, `orig${round}`);
    writeControls(dir);
    const n = Math.min(opt.batch, opt.count - st.inputs);
    const inputs = [];
    for (let i = 0; i < n; i++) {
      const seed = pick(seeds[group]);
      const m = mutate(seed, group);
      const rel = path.join('m', String(i), seed.name);
      fs.mkdirSync(path.join(dir, 'm', String(i)), { recursive: true });
      fs.mkdirSync(path.join(origDir, 'm', String(i)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), m.bytes);
      fs.writeFileSync(path.join(origDir, rel), m.bytes);
      inputs.push({ rel, applied: m.applied });
      for (const a of m.applied) st.mutations[a] = (st.mutations[a] ?? 0) + 1;
    }
    st.inputs += n;
    st.runs++;
    const problemsBefore = problems.length;
    const first = runCli(dir);
    st.maxRunMs = Math.max(st.maxRunMs, first.ms);
    const where = `${group} round ${round} (seed ${opt.seed}, kept in ${dir})`;
    if (first.status !== 0 || first.signal || !first.report || /internal error/.test(first.stderr)) {
      report(`${where}: CLI failed: status ${first.status} ${first.signal ?? ''} ${first.stderr.slice(0, 400)}`);
      continue;
    }
    for (const note of first.report.notes ?? []) {
      const text = typeof note === 'string' ? note : `${note.file ?? ''}: ${note.message ?? JSON.stringify(note)}`;
      if (/rule .* failed/.test(text)) report(`${where}: rule failure: ${text.slice(0, 400)}`);
      if (/not analysed/.test(text)) st.notAnalysed++;
      if (/time limit/.test(text)) st.timeLimit++;
    }
    const lost = baselineKeys.filter((k) => !findingKeys(first.report, 'control/').map((x) => x.replace(dir, '')).includes(k));
    if (lost.length) report(`${where}: findings lost in unmutated files: ${lost.slice(0, 3).join('; ')}`);

    // Fixed files parse when their input did.
    const pyPairs = [];
    for (const input of inputs) {
      const before = fs.readFileSync(path.join(origDir, input.rel));
      const after = fs.readFileSync(path.join(dir, input.rel));
      if (before.equals(after)) continue;
      st.fixedFiles++;
      if (input.rel.endsWith('.py')) pyPairs.push(input);
      else if (parsesInNode(input.rel, before)) {
        st.parseChecked++;
        if (!parsesInNode(input.rel, after)) report(`${where}: fixed file no longer parses: ${input.rel} (${input.applied.join(', ')})`);
      }
    }
    const brokenBefore = pythonFailures(pyPairs.map((p) => path.join(origDir, p.rel)));
    const okBefore = pyPairs.filter((p) => !brokenBefore.has(path.join(origDir, p.rel)));
    st.parseChecked += okBefore.length;
    const brokenAfter = pythonFailures(okBefore.map((p) => path.join(dir, p.rel)));
    for (const p of okBefore) if (brokenAfter.has(path.join(dir, p.rel))) report(`${where}: fixed file no longer compiles: ${p.rel} (${p.applied.join(', ')})`);

    // A second --fix changes nothing.
    const afterFirst = snapshot(dir);
    const second = runCli(dir);
    st.runs++;
    const afterSecond = snapshot(dir);
    for (const [rel, bytes] of afterSecond) {
      if (!afterFirst.get(rel)?.equals(bytes)) report(`${where}: second --fix changed ${rel}`);
    }
    if (second.status !== 0) report(`${where}: second run failed: ${second.stderr.slice(0, 300)}`);
    if (problems.length === problemsBefore) fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(origDir, { recursive: true, force: true });
    process.stderr.write(`${group}: ${st.inputs}/${opt.count} inputs, ${problems.length} problems, last run ${first.ms} ms\n`);
  }
}

const summary = { seed: opt.seed, seeds: Object.fromEntries(Object.entries(seeds).map(([g, s]) => [g, s.length])), controls: controls.length, baselineFindings: baselineKeys.length, stats, problems: problems.slice(0, 50), problemCount: problems.length };
process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
if (problems.length === 0) fs.rmSync(tmpRoot, { recursive: true, force: true });
process.exitCode = problems.length ? 1 : 0;
