#!/usr/bin/env node
// `npm run validate-budget`: measures the example workspace's deploys for real and compares the memory with what
// memlint estimates, before and after `memlint --fix`. Not part of `npm test` (it takes 20-40 minutes).
//
//   1. Installs Debian's python3-django, python3-djangorestframework, gunicorn and python3-dj-database-url (apt, as
//      root) when /usr/bin/python3 cannot import them; installs Express from npm into a temporary copy.
//   2. Copies examples/ to a temporary directory three times: as is ("before"), after `memlint --fix` ("safe") and
//      after `memlint --fix --unsafe-fixes` ("fixed"), and shows what the fixes changed.
//   3. For each copy runs render.yaml's services as their commands say, on loopback:
//      - shop-api: the build step `python manage.py migrate` (with Debian's packages instead of `pip install`), a
//        SQLite table of 100,000 orders, then `gunicorn config.wsgi -c gunicorn.conf.py --bind 127.0.0.1:<port>` (the
//        only override: the config binds 0.0.0.0:8000; gunicorn applies command-line settings after the config file);
//      - shop-events: `npm install` (the service's `npm ci` needs a lockfile the example does not have), `npm start`
//        with PORT=<port>.
//      Memory covers every process of the server's process group (gunicorn master + workers; npm + sh + node):
//      RSS and PSS sums from /proc/<pid>/smaps_rollup, and the distinct resident memory (each physical page once,
//      from /proc/<pid>/pagemap), measured after start, idle after a warm-up (one request to each endpoint, then
//      waiting until the total stops moving), and at the peak while one request runs (sampled from worker threads:
//      PSS/RSS every ~20 ms, distinct memory back to back).
//   4. When a fixed copy breaks (build, start or an endpoint fails), it says so, exits 1, and finds the rule whose fix
//      breaks it by leaving out one rule at a time (`memlint --fix ... --ignore <rule>`); the first copy that runs
//      is measured too, as a diagnostic.
//   5. Prints estimate vs measured idle per deploy and the peaks before vs after the fixes, checks the targets
//      (estimate within 25% of the measured idle total; the fixes cut the measured peak by at least half) and, with
//      --write-docs, records the tables in docs/PERFORMANCE.md under "## Memory budget: estimate vs measured".
//
// Options: --write-docs  --no-install  --keep (keep the temporary directory)  --orders N (default 100000)
//          --variants before,safe,fixed  --only django|express|real  --report-from <kept dir>/results.json
//          --no-real-apps  --apps key,key (real apps to run; with --write-docs only their rows change)
//          --mirrors DIR (git mirrors of the real apps)
// After examples/ it runs real public apps (scripts/validate-budget/real-apps.mjs: references, not code): each within
// 20% of its measured idle distinct memory and 30% of its peak under a burst of its own concurrency.
// Exit: 0 targets met and nothing broke; 1 a fixed copy broke or a target was missed; 2 the environment cannot run
// the measurement. Linux only (reads /proc; distinct memory needs root for pagemap frame numbers, else PSS stands
// in). Needs `npm run build` first (dist/cli.js): the estimates are memlint's own report (--format json budgets).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { request, multipartFile, pseudoRandomBytes, eventsJson } from './validate-budget/http.mjs';
import {
  MB,
  freePort,
  infoOf,
  killAllGroupsSync,
  processTree,
  startGroup,
  startSamplerThread,
  stopAllGroups,
  stopGroup,
  waitForPort,
  waitSettled,
} from './validate-budget/proc.mjs';

const ROOT = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const require = createRequire(import.meta.url);
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const opt = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
};

let ORDERS = Number(opt('--orders', '100000'));
let CUSTOMERS = Math.max(1, Math.round(ORDERS / 10));
const UPLOAD_BYTES = 15 * 1000 * 1000;
const EVENTS_BYTES = 40 * 1000 * 1000;
const EVENTS_SMALL_BYTES = 9 * 1000 * 1000;
const ESTIMATE_TARGET = 0.25;
const PEAK_TARGET = 0.5;
const VARIANTS = opt('--variants', 'before,safe,fixed').split(',');
const ONLY = opt('--only', '');
const SYS_PYTHON = '/usr/bin/python3';
const SYS_GUNICORN = '/usr/bin/gunicorn';
const DEBIAN_PACKAGES = ['python3-django', 'python3-djangorestframework', 'gunicorn', 'python3-dj-database-url'];

const log = (...a) => console.log(...a);
const mb = (bytes) => bytes / MB;
const f0 = (bytes) => (bytes === undefined || Number.isNaN(bytes) ? '—' : mb(bytes).toFixed(0));
const f1 = (bytes) => (bytes === undefined || Number.isNaN(bytes) ? '—' : mb(bytes).toFixed(1));
const pct = (x) => (x === undefined || Number.isNaN(x) ? '—' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)}%`);

class SetupError extends Error {}

// ---------------------------------------------------------------------------------------------------------
// Cleanup: every process group we start is stopped, on success, failure and signals.

let cleaningUp = false;
let workDir; // the temporary directory, removed at the end unless --keep
function removeWorkDir() {
  if (workDir && !flag('--keep')) fs.rmSync(workDir, { recursive: true, force: true });
}
process.on('exit', () => killAllGroupsSync());
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, async () => {
    if (cleaningUp) return;
    cleaningUp = true;
    console.error(`\n${sig}: stopping the servers started by validate-budget`);
    await stopAllGroups();
    removeWorkDir();
    process.exit(130);
  });
}

// ---------------------------------------------------------------------------------------------------------
// Environment

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * MB, timeout: options.timeoutMs ?? 600000, ...options });
  return { ok: r.status === 0, status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

function cleanEnv(extra = {}) {
  const env = {
    PATH: `${path.dirname(process.execPath)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    HOME: process.env.HOME ?? '/root',
    LANG: 'C.UTF-8',
    TMPDIR: os.tmpdir(),
  };
  // Not inherited on purpose: DEBUG, DATABASE_URL, WEB_CONCURRENCY, GUNICORN_CMD_ARGS, NODE_OPTIONS, PYTHON*: each
  // would change what the example's own configuration says.
  return { ...env, ...extra };
}

function pythonImportsOk() {
  if (!fs.existsSync(SYS_PYTHON) || !fs.existsSync(SYS_GUNICORN)) return false;
  return run(SYS_PYTHON, ['-c', 'import django, rest_framework, dj_database_url, gunicorn'], { env: cleanEnv() }).ok;
}

function ensureDebianPackages() {
  if (pythonImportsOk()) return 'already installed';
  if (flag('--no-install')) throw new SetupError(`${SYS_PYTHON} cannot import django/rest_framework/dj_database_url/gunicorn and --no-install was given`);
  if (process.getuid?.() !== 0) throw new SetupError(`install them first: sudo apt-get install ${DEBIAN_PACKAGES.join(' ')}`);
  log(`apt-get install ${DEBIAN_PACKAGES.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const up = run('apt-get', ['update', '-qq'], { env, timeoutMs: 600000 });
  if (!up.ok) throw new SetupError(`apt-get update failed: ${up.stderr.slice(-2000)}`);
  const inst = run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...DEBIAN_PACKAGES], { env, timeoutMs: 900000 });
  if (!inst.ok || !pythonImportsOk()) throw new SetupError(`apt-get install failed: ${inst.stderr.slice(-2000)}`);
  return 'installed now';
}

function versions() {
  const py = run(SYS_PYTHON, ['-c', 'import sys, django, rest_framework, gunicorn, multiprocessing; print(sys.version.split()[0], django.get_version(), rest_framework.VERSION, gunicorn.__version__, multiprocessing.cpu_count())'], { env: cleanEnv() });
  const [python, django, drf, gunicorn, cpuCount] = py.stdout.trim().split(/\s+/);
  const npm = run('npm', ['--version'], { env: cleanEnv() }).stdout.trim();
  return { python, django, drf, gunicorn, pythonCpuCount: Number(cpuCount), node: process.versions.node, npm };
}

// ---------------------------------------------------------------------------------------------------------
// Workspace copies and fixes

function copyExamples(dest) {
  fs.cpSync(path.join(ROOT, 'examples'), dest, {
    recursive: true,
    filter: (src) => !/(^|\/)(node_modules|__pycache__|\.git)(\/|$)|db\.sqlite3$/.test(src),
  });
}

function memlint(args, cwd = ROOT) {
  return run(process.execPath, [path.join(ROOT, 'bin', 'memlint.js'), ...args, '--no-color'], { cwd, env: { ...process.env, NO_COLOR: '1' }, timeoutMs: 300000 });
}

function listFiles(dir, base = dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', '__pycache__', '.git'].includes(e.name)) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) listFiles(p, base, out);
    else if (e.isFile()) out.push(path.relative(base, p));
  }
  return out.sort();
}

/** Per file: lines added/removed between two trees, and the unified diff. */
function diffTrees(a, b) {
  const files = [...new Set([...listFiles(a), ...listFiles(b)])].sort();
  const changed = [];
  let text = '';
  for (const rel of files) {
    const pa = path.join(a, rel);
    const pb = path.join(b, rel);
    const ta = fs.existsSync(pa) ? fs.readFileSync(pa, 'utf8') : '';
    const tb = fs.existsSync(pb) ? fs.readFileSync(pb, 'utf8') : '';
    if (ta === tb) continue;
    const d = run('diff', ['-u', '--label', `a/${rel}`, '--label', `b/${rel}`, fs.existsSync(pa) ? pa : '/dev/null', fs.existsSync(pb) ? pb : '/dev/null']).stdout;
    const lines = d.split('\n');
    changed.push({
      file: rel,
      added: lines.filter((l) => l.startsWith('+') && !l.startsWith('+++')).length,
      removed: lines.filter((l) => l.startsWith('-') && !l.startsWith('---')).length,
    });
    text += d;
  }
  return { changed, text };
}

/** The fixes memlint offers on a copy (rule, file, safety), read from its JSON report. */
function offeredFixes(dir) {
  const r = memlint([dir, '--format', 'json', '--exit-zero']);
  if (!r.ok) throw new SetupError(`memlint --format json failed: ${r.stderr.slice(-2000)}`);
  const report = JSON.parse(r.stdout);
  const rel = (f) => path.relative(dir, path.resolve(ROOT, f));
  return {
    findings: report.findings.map((f) => ({ rule: f.ruleId, file: rel(f.file), line: f.range.start.line, message: f.message, fixes: (f.fixes ?? []).map((x) => ({ title: x.title, safety: x.safety })) })),
    notes: report.notes ?? [],
  };
}

function makeVariant(work, key, label, fixArgs) {
  const dir = path.join(work, key);
  copyExamples(dir);
  const v = { key, label, dir, fixArgs, apps: {} };
  if (fixArgs) {
    const r = memlint([dir, ...fixArgs]);
    if (r.status === 2 || r.error) throw new SetupError(`memlint ${fixArgs.join(' ')} failed: ${r.stderr.slice(-2000)}`);
    v.fixOutput = (r.stdout + r.stderr).split('\n').filter((l) => /^(Fixed|\s+\S.*: [a-z-]+: )/.test(l)).map((l) => l.replace(dir + '/', ''));
    const d = diffTrees(path.join(work, 'before'), dir);
    v.diff = d.changed;
    fs.writeFileSync(path.join(work, `${key}.diff`), d.text);
    v.diffFile = path.join(work, `${key}.diff`);
    v.remaining = offeredFixes(dir).findings;
  }
  return v;
}

// ---------------------------------------------------------------------------------------------------------
// Estimates: memlint's own report (`--format json`: `budgets`, one per deploy, with the estimate after its fixes),
// with a configuration file outside the copy that sets the memory-budget options: `hostCpus` (the CPU count the
// measured gunicorn saw) and, for the second estimate, `baselines` (the figures measured here).

function estimate(dir, work, { hostCpus, baselines = [] }) {
  const config = path.join(work, `memlint-${hostCpus}-${baselines.length ? 'measured' : 'default'}.toml`);
  fs.writeFileSync(config, `[rules.memory-budget]\nhostCpus = ${hostCpus}\n${baselines.length ? `baselines = [${baselines.map((b) => JSON.stringify(b)).join(', ')}]\n` : ''}`);
  const r = memlint([dir, '--format', 'json', '--exit-zero', '--config', config]);
  if (!r.ok) return { error: (r.stderr || String(r.error)).slice(-1500) };
  try {
    const budgets = JSON.parse(r.stdout).budgets;
    if (!Array.isArray(budgets)) return { error: 'memlint --format json has no "budgets" (rebuild: npm run build)' };
    // The examples' tables compare the estimate with the measured idle memory: `totalMb` here is memlint's idle figure
    // (its peak, which the verdict uses, is kept as peakMb).
    return {
      deploys: budgets.map((b) => {
        const idle = b.items.filter((i) => i.phase !== 'peak');
        return { ...b, totalMb: b.idleMb ?? b.totalMb, peakMb: b.peakMb ?? b.totalMb, items: idle, summary: `${idle.map((i) => (i.count === 1 ? `${i.label} ~${i.eachMb} MB` : `${i.count} ${i.label} x ~${i.eachMb} MB`)).join(' + ')} = ~${b.idleMb ?? b.totalMb} MB idle, ~${b.peakMb ?? b.totalMb} MB at peak${b.limitMb ? ` (limit ${b.limitMb} MB, ${b.limit})` : ''}` };
      }),
    };
  } catch (e) {
    return { error: `unreadable memlint report: ${e.message}` };
  }
}

// ---------------------------------------------------------------------------------------------------------
// The services, as render.yaml declares them

function renderServices(dir) {
  const YAML = require('yaml');
  const doc = YAML.parse(fs.readFileSync(path.join(dir, 'render.yaml'), 'utf8'));
  return doc.services ?? [];
}

function splitCommand(cmd) {
  // The example's start commands are plain words (no quotes, no shell operators); refuse anything else.
  if (/["'`$|;&<>()]/.test(cmd)) throw new SetupError(`start command needs a shell, which this script does not emulate: ${cmd}`);
  return cmd.trim().split(/\s+/);
}

function classifyDjangoProcs(rootPid, procs) {
  return procs.map((p) => ({ ...p, role: p.pid === rootPid ? 'gunicorn master' : 'gunicorn worker' }));
}

function classifyNodeProcs(rootPid, procs) {
  return procs.map((p) => {
    const cmd = infoOf(p.pid).cmd;
    const role = p.pid === rootPid ? 'npm' : /^(\/bin\/)?sh\b/.test(cmd) ? 'sh' : /server\.js/.test(cmd) ? 'node (app)' : cmd.split(' ')[0];
    return { ...p, role, cmd };
  });
}

function workersOf(snap, classify, rootPid) {
  return classify(rootPid, snap.procs);
}

/** CPU time per pid, to tell which worker served a request. */
function cpuTimes(rootPid) {
  return new Map(processTree(rootPid).map((pid) => [pid, infoOf(pid).cpu]));
}
function busiest(before, after) {
  let best;
  for (const [pid, cpu] of after) {
    const d = cpu - (before.get(pid) ?? cpu);
    if (d > 0 && (!best || d > best.ticks)) best = { pid, ticks: d };
  }
  return best?.pid;
}

// Heavy libraries the estimate may count per worker, by a word of its item label, and the directory their
// extension modules live in (mapped into a process once it imports them).
const LIBRARY_DIRS = { pandas: 'pandas', numpy: 'numpy', PyTorch: 'torch', SciPy: 'scipy', 'scikit-learn': 'sklearn', OpenCV: 'cv2', onnxruntime: 'onnxruntime', dlib: 'dlib' };

/** For each library of LIBRARY_DIRS: how many of the processes map a file from its package directory. */
function librariesMapped(pids) {
  const out = {};
  for (const [label, dir] of Object.entries(LIBRARY_DIRS)) out[label] = 0;
  for (const pid of pids) {
    let maps = '';
    try {
      maps = fs.readFileSync(`/proc/${pid}/maps`, 'utf8');
    } catch {
      continue;
    }
    for (const [label, dir] of Object.entries(LIBRARY_DIRS)) if (maps.includes(`/${dir}/`)) out[label]++;
  }
  return out;
}

/** Estimate items for heavy libraries that no measured process loaded. */
function unloadedLibraryItems(estimate, res) {
  if (!estimate || !res?.librariesMapped) return [];
  return estimate.items.filter((i) => Object.keys(LIBRARY_DIRS).some((l) => i.label.includes(l) && res.librariesMapped[l] === 0));
}

/** The gist of a failed command's output: a Python traceback's exception and innermost frame, else the last lines. */
function errorSummary(text) {
  const lines = text.trim().split('\n');
  const frames = lines.filter((l) => /^\s*File "/.test(l));
  const last = lines[lines.length - 1]?.trim() ?? '';
  if (frames.length && /^\w+(\.\w+)*(Error|Exception)\b/.test(last)) return `${last} (${frames[frames.length - 1].trim()})`;
  return lines.slice(-4).join(' | ');
}

/** The process whose PSS grew most between a snapshot and a sampler's per-process maxima (over 1 MB), if any. */
function grewMost(base, peak) {
  let best;
  for (const [pid, m] of peak.perPid) {
    const b = base.procs.find((p) => p.pid === pid);
    const growth = m.pss - (b?.pss ?? 0);
    if (b && growth > MB && (!best || growth > best.growth)) best = { pid, growth };
  }
  return best?.pid;
}

function summariseProcs(procs) {
  return procs.map((p) => ({ pid: p.pid, role: p.role, pss: p.pss, rss: p.rss }));
}

function logTail(file, n = 25) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-n).join('\n');
  } catch {
    return '';
  }
}

/**
 * Runs one service of one copy and measures it. `spec` describes the service: how to build, start, which
 * requests make up the warm-up and which requests' peaks to measure. With `spec.freshPerPeak`, every peak request gets a freshly started and
 * warmed-up server (a single node process keeps the heap the previous request grew, which would hide or inflate
 * the next request's peak); otherwise the peak requests run one after another on the same server.
 */
async function measureService(spec) {
  const result = { name: spec.name, ok: true, problems: [], requests: [], peaks: [], logNotes: [] };
  // A problem's key says what failed (a build step, the start, a request), so a fixed copy's problems can be told
  // apart from the unfixed copy's own.
  const fail = (what, key) => {
    result.ok = false;
    result.problems.push({ key, text: what });
  };
  const t0 = Date.now();
  // Build
  for (const step of spec.build) {
    const r = run(step.cmd, step.args, { cwd: spec.cwd, env: step.env, timeoutMs: step.timeoutMs ?? 600000 });
    result.build = [...(result.build ?? []), { step: step.label, ok: r.ok }];
    if (!r.ok) {
      fail(`build step \`${step.label}\` failed (exit ${r.status}): ${errorSummary(r.stderr || r.stdout)}`, `build:${step.label}`);
      result.totalMs = Date.now() - t0;
      return result;
    }
  }

  const recordIdle = (key, pgid, settledState, servedBy) => {
    const { snapshot, settled, waitedMs } = settledState;
    result[key] = summariseProcs(spec.classify(pgid, snapshot.procs)).map((p) => ({ ...p, served: [...(servedBy.get(p.pid) ?? [])] }));
    result[`${key}Total`] = { unique: snapshot.unique, pss: snapshot.pss, rss: snapshot.rss, settled, waitedMs };
  };

  // Start, wait until the workers have loaded the app, warm up, wait until idle. Returns the running server, or
  // undefined after recording why it failed.
  const boot = async (first) => {
    const port = await freePort();
    const logFile = path.join(spec.cwd, '..', `${spec.name}-${port}.log`);
    if (first) {
      result.log = logFile;
      result.command = `${[spec.start.cmd, ...spec.start.args(port)].join(' ')}${spec.start.envNote ? ` (${spec.start.envNote(port)})` : ''}`;
    }
    const group = startGroup(spec.name, spec.start.cmd, spec.start.args(port), { cwd: spec.cwd, env: spec.start.env(port), log: logFile });
    const server = { group, port, logFile, alive: () => group.exit === undefined };
    const tail = () => logTail(logFile, 12).replace(/\n/g, ' | ');
    if (!(await waitForPort(port, 90000, server.alive))) {
      fail(`did not start listening on 127.0.0.1:${port} within 90 s${server.alive() ? '' : ` (exited: ${JSON.stringify(group.exit)})`}: ${tail()}`, 'start');
      return server;
    }
    // Workers import the app after the socket is open: wait for the process count and the memory to stop moving.
    const booted = await waitSettled(group.pgid, { timeoutMs: 90000, minProcs: spec.minProcs ?? 1 });
    if (!server.alive()) {
      fail(`exited during start: ${tail()}`, 'start');
      return server;
    }
    if (first) {
      result.startMs = Date.now() - t0;
      result.cold = summariseProcs(spec.classify(group.pgid, booted.snapshot.procs));
      result.coldTotal = { unique: booted.snapshot.unique, pss: booted.snapshot.pss, rss: booted.snapshot.rss, settled: booted.settled };
    }
    // Warm-up, 1: one light request in every worker (concurrent rounds until each worker's CPU time moved), so no
    // worker stays as it was before its first request (the first request imports the views and DRF, ~17 MB).
    const servedBy = new Map();
    if (spec.light) {
      const workers = spec.classify(group.pgid, booted.snapshot.procs).filter((p) => p.role === spec.workerRole).map((p) => p.pid);
      const start = cpuTimes(group.pgid);
      const served = new Set();
      const statuses = new Set();
      let requests = 0;
      for (let round = 0; round < 10 && served.size < workers.length; round++) {
        const batch = await Promise.all(Array.from({ length: Math.max(2, workers.length * 2) }, () => request(port, spec.light.make())));
        requests += batch.length;
        for (const r of batch) statuses.add(r.status);
        const now = cpuTimes(group.pgid);
        for (const pid of workers) if ((now.get(pid) ?? 0) > (start.get(pid) ?? 0)) served.add(pid);
      }
      for (const pid of served) servedBy.set(pid, ['light']);
      const light = await waitSettled(group.pgid, { timeoutMs: 30000, minProcs: spec.minProcs ?? 1 });
      // Idle: every worker has loaded the app and served an ordinary request (the state the estimate models).
      if (first) recordIdle('idle', group.pgid, light, servedBy);
      if (first)
        result.light = {
          label: spec.light.label,
          requests,
          statuses: [...statuses],
          workersServed: served.size,
          workers: workers.length,
          procs: summariseProcs(spec.classify(group.pgid, light.snapshot.procs)),
          total: { unique: light.snapshot.unique, pss: light.snapshot.pss, rss: light.snapshot.rss, settled: light.settled },
        };
      if (!server.alive()) {
        fail(`server exited during the light warm-up: ${tail()}`, 'start');
        return server;
      }
    }
    // Warm-up, 2: one request to each endpoint.
    for (const req of spec.warmup) {
      const before = cpuTimes(group.pgid);
      const r = await request(port, req.make());
      const pid = busiest(before, cpuTimes(group.pgid));
      if (pid) servedBy.set(pid, [...(servedBy.get(pid) ?? []).filter((x) => x !== 'light'), req.label]);
      const verdict = spec.judge(req, r);
      if (first) result.requests.push({ phase: 'warm-up', label: req.label, status: r.status, ms: r.ms, bytes: r.bytes, error: r.error, verdict });
      if (verdict.broken) fail(`warm-up ${req.label}: ${verdict.text}`, `request:${req.label}`);
      if (!server.alive()) {
        fail(`server exited during warm-up: ${tail()}`, `exit:${req.label}`);
        return server;
      }
    }
    server.servedBy = servedBy;
    // Warm: after one request to each endpoint, which leaves the workers that served them at their high-water mark.
    const warm = await waitSettled(group.pgid, { timeoutMs: 30000, minProcs: spec.minProcs ?? 1 });
    if (first) {
      recordIdle('warm', group.pgid, warm, servedBy);
      if (!result.idle) recordIdle('idle', group.pgid, warm, servedBy);
      result.librariesMapped = librariesMapped(warm.snapshot.procs.map((p) => p.pid));
    }
    server.ready = true;
    return server;
  };
  const shutdown = async (server) => {
    await stopGroup(server.group);
    let text = '';
    try {
      text = fs.readFileSync(server.logFile, 'utf8');
    } catch {}
    const notes = text.split('\n').filter((l) => /WORKER TIMEOUT|Traceback|Error:|CRITICAL|ERR!|heap out of memory/.test(l)).map((l) => l.replace(/^\[[^\]]*\] /, '').trim());
    result.logNotes = [...new Set([...result.logNotes, ...notes])].slice(0, 12);
  };

  let server = await boot(true);
  try {
    if (!server.ready) return result;
    // Peaks: one request at a time, from a settled state, sampled every ~20 ms.
    for (const [i, req] of spec.peaks.entries()) {
      if (spec.freshPerPeak && i > 0) {
        await shutdown(server);
        server = await boot(false);
        if (!server.ready) return result;
      }
      const { group, port } = server;
      const base = await waitSettled(group.pgid, { timeoutMs: 30000, minProcs: spec.minProcs ?? 1 });
      const before = cpuTimes(group.pgid);
      const sampler = await startSamplerThread(group.pgid, 20, 300000);
      const r = await request(port, req.make());
      const peak = await sampler.stop();
      const pid = grewMost(base.snapshot, peak) ?? busiest(before, cpuTimes(group.pgid));
      const exited = pid !== undefined && !processTree(group.pgid).includes(pid);
      const verdict = spec.judge(req, r);
      const servedBefore = pid ? [...(server.servedBy.get(pid) ?? [])] : [];
      if (pid) server.servedBy.set(pid, [...servedBefore, req.label]);
      const served = pid ? peak.perPid.get(pid) : undefined;
      const baseProc = base.snapshot.procs.find((p) => p.pid === pid);
      result.peaks.push({
        label: req.label,
        fresh: Boolean(spec.freshPerPeak),
        status: r.status,
        ms: r.ms,
        bytes: r.bytes,
        error: r.error,
        verdict,
        idleBefore: { unique: base.snapshot.unique, pss: base.snapshot.pss, rss: base.snapshot.rss, settled: base.settled },
        peakUnique: peak.unique,
        deltaUnique: peak.unique - base.snapshot.unique,
        uniqueSamples: peak.uniqueSamples,
        peakPss: peak.pss,
        peakRss: peak.rss,
        deltaPss: peak.pss - base.snapshot.pss,
        servedBy: pid,
        servedExited: exited,
        servedBefore,
        servedPeak: served,
        servedDeltaPss: served && baseProc ? served.pss - baseProc.pss : undefined,
        samples: peak.samples,
        maxGapMs: peak.maxGapMs,
        uniqueMaxGapMs: peak.uniqueMaxGapMs,
      });
      result.requests.push({ phase: 'peak', label: req.label, status: r.status, ms: r.ms, bytes: r.bytes, error: r.error, verdict });
      if (verdict.broken) fail(`${req.label}: ${verdict.text}`, `request:${req.label}`);
      if (!server.alive()) {
        fail(`server exited during ${req.label}: ${logTail(server.logFile, 12).replace(/\n/g, ' | ')}`, `exit:${req.label}`);
        return result;
      }
    }
    return result;
  } finally {
    await shutdown(server);
    result.totalMs = Date.now() - t0;
  }
}

/** A response body's gist: an HTML error page's <pre>/<title> text, else the start of the body. */
function gist(snippet) {
  const pre = /<pre>([^<]*)/i.exec(snippet) ?? /<title>([^<]*)/i.exec(snippet);
  return (pre ? pre[1] : snippet).replace(/&nbsp;/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 160);
}

// Request judges: which statuses mean the endpoint works.
function judgeDjango(req, r) {
  if (r.status >= 200 && r.status < 300) return { broken: false, text: `${r.status}` };
  const why = r.status === 0 ? `no response (${r.error ?? 'connection closed'})` : `HTTP ${r.status} ${gist(r.snippet)}`;
  return { broken: true, text: why };
}
function judgeExpress(req, r) {
  if (r.status >= 200 && r.status < 300) return { broken: false, text: `${r.status}` };
  if (r.status === 413 && req.overLimitOk) return { broken: false, rejected: true, text: '413 (body over the configured limit: rejected before parsing, as the limit fix intends)' };
  const why = r.status === 0 ? `no response (${r.error ?? 'connection closed'})` : `HTTP ${r.status} ${gist(r.snippet)}`;
  return { broken: true, text: why };
}

function djangoSpec(variantDir, service, data) {
  const cwd = path.join(variantDir, service.rootDir ?? '.');
  const words = splitCommand(service.startCommand);
  if (words[0] !== 'gunicorn') throw new SetupError(`expected a gunicorn start command for ${service.name}: ${service.startCommand}`);
  const env = () => cleanEnv();
  const upload = multipartFile('file', 'upload.bin', data.upload);
  return {
    name: service.name,
    cwd,
    minProcs: 2,
    build: [
      { label: 'python manage.py migrate', cmd: SYS_PYTHON, args: ['manage.py', 'migrate', '--noinput', '-v', '0'], env: cleanEnv() },
      { label: `seed ${ORDERS} orders`, cmd: SYS_PYTHON, args: [path.join(ROOT, 'scripts', 'validate-budget', 'seed.py'), 'db.sqlite3', String(ORDERS), String(CUSTOMERS)], env: cleanEnv() },
    ],
    start: {
      cmd: SYS_GUNICORN,
      args: (port) => [...words.slice(1), '--bind', `127.0.0.1:${port}`],
      env,
    },
    classify: classifyDjangoProcs,
    workerRole: 'gunicorn worker',
    judge: judgeDjango,
    // A light request for the framework baseline: the export view past its last page (DRF answers 404 after a COUNT).
    light: { label: 'GET /orders/export/?page=999999 (404 after a COUNT)', make: () => ({ path: '/orders/export/?page=999999', timeoutMs: 60000 }) },
    warmup: [
      { label: 'GET /orders/export/', make: () => ({ path: '/orders/export/', timeoutMs: 200000 }) },
      { label: 'GET /orders/export.csv', make: () => ({ path: '/orders/export.csv', timeoutMs: 200000 }) },
      { label: 'POST /documents/upload/ (15 MB)', make: () => ({ method: 'POST', path: '/documents/upload/', headers: { 'content-type': upload.contentType }, body: upload.body, timeoutMs: 200000 }) },
    ],
    peaks: [
      { label: 'GET /orders/export/', make: () => ({ path: '/orders/export/', timeoutMs: 200000 }) },
      { label: 'GET /orders/export.csv', make: () => ({ path: '/orders/export.csv', timeoutMs: 200000 }) },
      { label: 'POST /documents/upload/ (15 MB)', make: () => ({ method: 'POST', path: '/documents/upload/', headers: { 'content-type': upload.contentType }, body: upload.body, timeoutMs: 200000 }) },
    ],
  };
}

function expressSpec(variantDir, service, data, installedFrom) {
  const cwd = path.join(variantDir, service.rootDir ?? '.');
  const words = splitCommand(service.startCommand);
  if (words[0] !== 'npm') throw new SetupError(`expected an npm start command for ${service.name}: ${service.startCommand}`);
  const npmEnv = (extra = {}) => cleanEnv({ npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...extra });
  const build = installedFrom
    ? [{ label: 'npm install (node_modules copied from the unfixed copy: same dependencies)', cmd: 'cp', args: ['-a', path.join(installedFrom, 'node_modules'), path.join(cwd, 'node_modules')], env: cleanEnv() }]
    : [{ label: 'npm install', cmd: 'npm', args: ['install', '--no-audit', '--no-fund', '--loglevel=error'], env: npmEnv(), timeoutMs: 600000 }];
  return {
    name: service.name,
    cwd,
    minProcs: 1,
    build,
    start: { cmd: 'npm', args: () => words.slice(1), env: (port) => npmEnv({ PORT: String(port) }), envNote: (port) => `PORT=${port}` },
    classify: classifyNodeProcs,
    workerRole: 'node (app)',
    judge: judgeExpress,
    freshPerPeak: true,
    light: { label: 'GET /health', make: () => ({ path: '/health' }) },
    warmup: [
      { label: 'POST /events (1 event)', make: () => ({ method: 'POST', path: '/events', headers: { 'content-type': 'application/json' }, body: '[{"type":"page_view"}]' }) },
    ],
    peaks: [
      { label: `POST /events (${EVENTS_BYTES / 1e6} MB JSON)`, overLimitOk: true, make: () => ({ method: 'POST', path: '/events', headers: { 'content-type': 'application/json' }, body: data.events, timeoutMs: 120000 }) },
      { label: `POST /events (${EVENTS_SMALL_BYTES / 1e6} MB JSON)`, make: () => ({ method: 'POST', path: '/events', headers: { 'content-type': 'application/json' }, body: data.eventsSmall, timeoutMs: 120000 }) },
    ].map((r) => ({ ...r })),
  };
}

function serviceSpecs(variant, data, installedFrom) {
  const specs = [];
  for (const s of renderServices(variant.dir)) {
    if (s.runtime === 'python' && (!ONLY || ONLY === 'django')) specs.push({ service: s, kind: 'django', spec: djangoSpec(variant.dir, s, data) });
    else if (s.runtime === 'node' && (!ONLY || ONLY === 'express')) specs.push({ service: s, kind: 'express', spec: expressSpec(variant.dir, s, data, installedFrom?.[s.name]) });
  }
  return specs;
}

// ---------------------------------------------------------------------------------------------------------
// Figures

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : undefined;
}
function mean(xs) {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined;
}

function perRole(procs, role) {
  const ps = (procs ?? []).filter((p) => p.role === role);
  return {
    n: ps.length,
    pss: { mean: mean(ps.map((p) => p.pss)), min: Math.min(...ps.map((p) => p.pss)), max: Math.max(...ps.map((p) => p.pss)), median: median(ps.map((p) => p.pss)) },
    rss: { mean: mean(ps.map((p) => p.rss)), min: Math.min(...ps.map((p) => p.rss)), max: Math.max(...ps.map((p) => p.rss)), median: median(ps.map((p) => p.rss)) },
  };
}

function deployEstimate(estimates, serviceName) {
  return estimates?.deploys?.find((d) => d.id === `render.yaml#${serviceName}`);
}

// ---------------------------------------------------------------------------------------------------------
// Main

/** `--report-from results.json`: the report of an earlier run (kept with --keep), without measuring again. */
function reportFrom(file) {
  const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byKey = new Map(saved.variants.map((v) => [v.key, v]));
  const diagnostics = saved.diagnostics.map((d) => ({ ...d, diagnosticVariant: d.diagnosticVariant ? byKey.get(d.diagnosticVariant) : undefined }));
  const variants = saved.variants.filter((v) => !v.diagnosticOf);
  ORDERS = saved.orders ?? ORDERS;
  CUSTOMERS = saved.customers ?? CUSTOMERS;
  const report = buildReport({ ...saved, started: new Date(saved.started), finished: new Date(saved.finished), variants, diagnostics });
  log(report.text);
  if (flag('--write-docs')) writeDocs(report.markdown);
  return report.exitCode;
}

/** The real public apps (scripts/validate-budget/real-apps.mjs): their section of the report and whether they met the targets. */
async function realApps(work) {
  const { runRealApps } = await import('./validate-budget/real-apps.mjs');
  const config = path.join(work, 'memlint-real.toml');
  fs.writeFileSync(config, '[rules.memory-budget]\nhostCpus = 2\n');
  const estimateOf = (dir) => {
    const r = memlint([dir, '--format', 'json', '--exit-zero', '--config', config]);
    if (!r.ok) throw new Error(`memlint failed: ${(r.stderr || String(r.error)).slice(-800)}`);
    return JSON.parse(r.stdout).budgets ?? [];
  };
  const only = opt('--apps', '') ? opt('--apps', '').split(',') : undefined;
  return runRealApps({ root: ROOT, work, mirrors: opt('--mirrors', '/work/.mirror'), estimateOf, log, only });
}

async function realAppsOnly() {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js'))) throw new SetupError('run `npm run build` first (dist/cli.js)');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-validate-real-'));
  workDir = work;
  const res = await realApps(work);
  log('\n' + res.markdown);
  if (flag('--write-docs')) await writeRealDocs(res);
  removeWorkDir();
  if (!res.ok) log('FAILED: a real app missed the targets (20% idle, 30% peak) or did not run');
  return res.ok ? 0 : 1;
}

/**
 * Writes the real apps' section of docs/PERFORMANCE.md. After `--apps k1,k2` only those rows change: every other
 * app keeps its row and breakdown from the section already there (mergeSection).
 */
async function writeRealDocs(res) {
  const { mergeSection, sectionOf } = await import('./validate-budget/real-apps.mjs');
  const doc = path.join(ROOT, 'docs', 'PERFORMANCE.md');
  let text = fs.readFileSync(doc, 'utf8');
  const old = sectionOf(text);
  const section = opt('--apps', '') ? mergeSection(old, res) : res.markdown;
  text = old ? text.replace(old, () => section.trimEnd() + '\n') : text.replace(/^## Per-worker figures by framework/m, section.trimEnd() + '\n\n## Per-worker figures by framework');
  fs.writeFileSync(doc, text.trimEnd() + '\n');
  log(`wrote ${path.relative(ROOT, doc)}${opt('--apps', '') ? ` (rows of ${opt('--apps', '')}; the other rows kept)` : ''}`);
}

async function main() {
  if (opt('--report-from')) return reportFrom(opt('--report-from'));
  if (ONLY === 'real') return realAppsOnly();
  const started = new Date();
  if (process.platform !== 'linux' || !fs.existsSync('/proc/self/smaps_rollup')) throw new SetupError('needs Linux with /proc/<pid>/smaps_rollup (kernel 4.14+)');
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js')) || !fs.existsSync(path.join(ROOT, 'dist', 'engine.js'))) throw new SetupError('run `npm run build` first (dist/cli.js, dist/engine.js)');

  log('validate-budget: measuring the example workspace\'s deploys (loopback only)');
  const install = ensureDebianPackages();
  const ver = versions();
  const loadStart = os.loadavg();
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? '?',
    memTotal: os.totalmem(),
    kernel: os.release(),
    loadStart,
  };
  log(`  Debian packages: ${install}; Python ${ver.python}, Django ${ver.django}, DRF ${ver.drf}, gunicorn ${ver.gunicorn}; Node ${ver.node}, npm ${ver.npm}`);
  log(`  machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${f0(machine.memTotal)} MB RAM, load average ${loadStart.map((x) => x.toFixed(1)).join(' ')}; multiprocessing.cpu_count() = ${ver.pythonCpuCount}`);

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-validate-'));
  workDir = work;
  log(`  work directory: ${work}`);
  const data = {
    upload: pseudoRandomBytes(UPLOAD_BYTES),
    events: eventsJson(EVENTS_BYTES),
    eventsSmall: eventsJson(EVENTS_SMALL_BYTES),
  };

  const allVariants = {
    before: ['as in examples/', undefined],
    safe: ['after `memlint --fix` (safe fixes)', ['--fix']],
    fixed: ['after `memlint --fix --unsafe-fixes`', ['--fix', '--unsafe-fixes']],
  };
  const before = makeVariant(work, 'before', allVariants.before[0], undefined);
  const offered = offeredFixes(before.dir);
  const variants = [before];
  for (const key of VARIANTS) if (key !== 'before' && allVariants[key]) variants.push(makeVariant(work, key, allVariants[key][0], allVariants[key][1]));

  for (const v of variants.slice(1)) {
    log(`\n== fixes: ${v.label}`);
    for (const l of v.fixOutput ?? []) log(`  ${l}`);
    log(`  diff (${v.diffFile}):`);
    for (const c of v.diff) log(`    ${c.file}  +${c.added} -${c.removed}`);
  }
  if (offered.notes.length) {
    log('\n  memlint notes on the example workspace:');
    for (const n of offered.notes) log(`    ${n.file ?? ''}: ${String(n.message).split(' | ')[0]}`);
  }

  // Measure every variant's services.
  const installedFrom = {};
  for (const v of variants) {
    for (const { service, kind, spec } of serviceSpecs(v, data, v.key === 'before' ? undefined : installedFrom)) {
      log(`\n== ${v.key}: ${service.name} (${kind})`);
      const res = await measureService(spec);
      res.kind = kind;
      v.apps[service.name] = res;
      if (kind === 'express' && v.key === 'before' && res.build?.every((b) => b.ok)) installedFrom[service.name] = spec.cwd;
      printServiceRun(v, res, before.apps[service.name]);
    }
  }

  // A fixed copy that breaks: find the fix responsible (one rule left out at a time) and measure without it.
  const diagnostics = [];
  for (const v of variants.slice(1)) {
    for (const [name, res] of Object.entries(v.apps)) {
      if (!newProblems(res, before.apps[name]).length) continue;
      const dirOfService = renderServices(v.dir).find((s) => s.name === name)?.rootDir ?? '';
      const allowUnsafe = v.fixArgs.includes('--unsafe-fixes');
      const candidates = [...new Set(offered.findings.filter((f) => f.file.startsWith(dirOfService + '/') && f.fixes.some((x) => allowUnsafe || x.safety === 'safe')).map((f) => f.rule))];
      log(`\n== ${v.key}: ${name} broke; trying the fixes without one rule at a time (${candidates.length} rules)`);
      let culprit;
      for (const rule of candidates.slice(0, 12)) {
        const key = `${v.key}-minus-${rule}`;
        const dv = makeVariant(work, key, `${v.label} except ${rule}`, [...v.fixArgs, '--ignore', rule]);
        const spec = serviceSpecs(dv, data, installedFrom).find((s) => s.service.name === name)?.spec;
        if (!spec) continue;
        // The whole measurement (a problem may show only in a peak request); the first copy that runs is kept.
        const dres = await measureService(spec);
        dres.kind = res.kind;
        const still = newProblems(dres, before.apps[name]);
        log(`  without ${rule}: ${still.length ? `still broken (${still[0].text})` : 'works'}`);
        if (!still.length) {
          culprit = { rule, variant: dv };
          dv.apps[name] = dres;
          dv.diagnosticOf = v.key;
          log(`\n== ${dv.key}: ${name} (diagnostic: every fix of "${v.label}" except ${rule})`);
          printServiceRun(dv, dres, before.apps[name]);
          break;
        }
      }
      if (!culprit) {
        diagnostics.push({ variant: v.key, service: name, culprit: undefined });
        continue;
      }
      diagnostics.push({ variant: v.key, service: name, culprit: culprit.rule, diagnosticVariant: culprit.variant });
    }
  }
  const diagVariants = diagnostics.filter((d) => d.diagnosticVariant).map((d) => d.diagnosticVariant);

  // Estimates, at the CPU count the measured gunicorn saw.
  const hostCpus = ver.pythonCpuCount || machine.cpus;
  const everyVariant = [...variants, ...diagVariants];
  for (const v of everyVariant) v.estimates = { cli: estimate(v.dir, work, { hostCpus }) };

  // Per-worker figures measured on the unfixed copy, and the estimate with them.
  const figures = measuredFigures(before);
  const overrides = [];
  // The framework figure: a worker that loaded the app and served a light request (not the high-water the example's
  // 10,000-row page and whole-table CSV leave behind: those are the findings' cost, not the framework's).
  if (figures.djangoWorkerMb !== undefined) overrides.push(`django-drf=${figures.djangoWorkerMb.toFixed(1)}`);
  if (figures.gunicornMasterMb !== undefined) overrides.push(`gunicorn-master=${figures.gunicornMasterMb.toFixed(1)}`);
  if (figures.expressMb !== undefined) overrides.push(`express=${figures.expressMb.toFixed(1)}`);
  if (figures.npmOverheadMb !== undefined) overrides.push(`npm-launcher=${figures.npmOverheadMb.toFixed(1)}`);
  for (const v of everyVariant) v.estimates.measured = estimate(v.dir, work, { hostCpus, baselines: overrides });

  const loadEnd = os.loadavg();
  const finished = new Date();
  const report = buildReport({ started, finished, machine: { ...machine, loadEnd }, ver, hostCpus, variants, diagnostics, figures, overrides, offered, work });
  log('\n' + report.text);
  // Besides examples/: real public apps of different shapes (unless --only picked an example service).
  if (!ONLY && !flag('--no-real-apps')) {
    const real = await realApps(work);
    log('\n' + real.markdown);
    if (flag('--write-docs')) await writeRealDocs(real);
    if (!real.ok) report.exitCode = 1;
  }
  const saved = { started, finished, machine: { ...machine, loadEnd }, ver, hostCpus, orders: ORDERS, customers: CUSTOMERS, variants: everyVariant.map(stripVariant), diagnostics: diagnostics.map((d) => ({ ...d, diagnosticVariant: d.diagnosticVariant?.key })), figures, overrides, offered };
  fs.writeFileSync(path.join(work, 'results.json'), JSON.stringify(saved, (k, v) => (v instanceof Map ? [...v] : v), 1));
  log(`\nraw results: ${path.join(work, 'results.json')}`);

  if (flag('--write-docs')) writeDocs(report.markdown);
  if (!flag('--keep')) {
    await stopAllGroups();
    removeWorkDir();
    log(`removed ${work} (use --keep to keep it)`);
  }
  return report.exitCode;
}

function stripVariant(v) {
  return { key: v.key, label: v.label, fixOutput: v.fixOutput, diff: v.diff, remaining: v.remaining, apps: v.apps, estimates: v.estimates, diagnosticOf: v.diagnosticOf };
}

/**
 * The figures the estimator multiplies, from the unfixed copy's idle state (after warm-up), in MB:
 * - django-drf: what one more gunicorn worker adds to the deploy: (distinct memory of master + workers - the
 *   master alone) / workers. The master alone is its RSS (every page it maps counts once for it).
 * - gunicorn-master: the master's RSS.
 * - express: the node process running the app on its own: its RSS.
 * - npm overhead: what `npm start` adds around it (npm and sh): distinct memory of the group - node's RSS.
 * Without pagemap access, PSS sums stand in for the distinct figures.
 */
function measuredFigures(before) {
  const out = {};
  for (const res of Object.values(before.apps)) {
    if (!res.idle) continue;
    if (res.kind === 'django') {
      out.djangoWorker = perRole(res.idle, 'gunicorn worker');
      out.djangoWorkerCold = perRole(res.cold, 'gunicorn worker');
      out.djangoWorkerWarm = res.warm ? perRole(res.warm, 'gunicorn worker') : undefined;
      out.gunicornMaster = perRole(res.idle, 'gunicorn master');
      out.lightLabel = res.light?.label;
      out.lightReachedAll = res.light ? res.light.workersServed === res.light.workers : undefined;
      // One more worker's share of the group's distinct memory: (group - master) / workers.
      const perWorker = (procs, total) => {
        const n = perRole(procs, 'gunicorn worker').n;
        const master = perRole(procs, 'gunicorn master').rss.mean;
        if (!n || master === undefined) return undefined;
        return total?.unique !== undefined ? mb((total.unique - master) / n) : mb(perRole(procs, 'gunicorn worker').pss.mean);
      };
      if (out.gunicornMaster.rss.mean !== undefined) out.gunicornMasterMb = mb(out.gunicornMaster.rss.mean);
      out.djangoWorkerMb = perWorker(res.idle, res.idleTotal);
      out.djangoWorkerWarmMb = res.warm ? perWorker(res.warm, res.warmTotal) : undefined;
      out.djangoWorkerColdMb = perWorker(res.cold, res.coldTotal);
    } else if (res.kind === 'express') {
      out.nodeApp = perRole(res.idle, 'node (app)');
      out.npm = perRole(res.idle, 'npm');
      out.sh = perRole(res.idle, 'sh');
      if (out.nodeApp.n) {
        out.expressMb = mb(out.nodeApp.rss.mean);
        if (res.idleTotal.unique !== undefined) out.npmOverheadMb = mb(res.idleTotal.unique - out.nodeApp.rss.mean);
      }
    }
  }
  return out;
}

/** The problems of a fixed copy's service that the unfixed copy's service does not have. */
function newProblems(res, beforeRes) {
  return (res?.problems ?? []).filter((p) => !(beforeRes?.problems ?? []).some((q) => q.key === p.key));
}

function printServiceRun(v, res, beforeRes) {
  if (res.command) log(`  command: ${res.command}`);
  for (const b of res.build ?? []) log(`  build: ${b.step}: ${b.ok ? 'ok' : 'FAILED'}`);
  if (res.coldTotal) log(`  after start: ${res.cold.length} processes, distinct ${f1(res.coldTotal.unique)} MB, PSS ${f1(res.coldTotal.pss)} MB, RSS ${f1(res.coldTotal.rss)} MB${res.coldTotal.settled ? '' : ' (not settled)'}`);
  if (res.light) {
    const l = res.light;
    log(`  warm-up, light (${l.label}: ${l.requests} requests, ${l.workersServed}/${l.workers} workers reached, statuses ${l.statuses.join('/')}): distinct ${f1(l.total.unique)} MB, PSS ${f1(l.total.pss)} MB, RSS ${f1(l.total.rss)} MB`);
    for (const p of l.procs) log(`    ${p.role.padEnd(16)} pid ${String(p.pid).padEnd(8)} PSS ${f1(p.pss).padStart(7)} MB  RSS ${f1(p.rss).padStart(7)} MB`);
  }
  for (const r of res.requests.filter((q) => q.phase === 'warm-up')) log(`  warm-up ${r.label}: ${r.verdict.text}, ${(r.ms / 1000).toFixed(1)} s, ${r.bytes} bytes`);
  if (res.idleTotal) {
    log(`  idle: distinct ${f1(res.idleTotal.unique)} MB, PSS ${f1(res.idleTotal.pss)} MB, RSS ${f1(res.idleTotal.rss)} MB${res.idleTotal.settled ? '' : ` (not settled after ${res.idleTotal.waitedMs} ms)`}`);
    for (const p of res.idle) log(`    ${p.role.padEnd(16)} pid ${String(p.pid).padEnd(8)} PSS ${f1(p.pss).padStart(7)} MB  RSS ${f1(p.rss).padStart(7)} MB${p.served?.length ? `  (served ${p.served.join(', ')})` : ''}`);
  }
  for (const p of res.peaks) {
    log(`  peak ${p.label}${p.fresh ? ' (fresh server)' : ''}: ${p.verdict.text}, ${(p.ms / 1000).toFixed(1)} s; distinct ${f1(p.idleBefore.unique)} -> ${f1(p.peakUnique)} MB (+${f1(p.deltaUnique)}, ${p.uniqueSamples} samples, max gap ${p.uniqueMaxGapMs} ms); total PSS ${f1(p.idleBefore.pss)} -> ${f1(p.peakPss)} MB (+${f1(p.deltaPss)}), RSS peak ${f1(p.peakRss)} MB; serving process ${p.servedBy ?? '?'}${p.servedExited ? ' (gone after the request)' : ''} peak PSS ${f1(p.servedPeak?.pss)} MB (+${f1(p.servedDeltaPss)}${p.servedBefore?.length ? `; it had served ${p.servedBefore.join(', ')}` : '; its first request'}); ${p.samples} samples, max gap ${p.maxGapMs} ms`);
  }
  for (const n of res.logNotes ?? []) log(`  log: ${n}`);
  const fresh = v.key === 'before' ? [] : newProblems(res, beforeRes);
  for (const pr of res.problems) log(`  !! ${v.key === 'before' ? 'the unfixed app' : fresh.includes(pr) ? 'BROKEN by the fixes' : 'fails as the unfixed app does'}: ${pr.text}`);
}

// ---------------------------------------------------------------------------------------------------------
// Report

/** The measured memory a figure stands for: distinct resident bytes when pagemap was readable, else the PSS sum. */
function primary(x, kind = 'total') {
  if (!x) return undefined;
  if (kind === 'peak') return peakDistinct(x) ?? x.peakPss;
  return x.unique ?? x.pss;
}

/**
 * A request's peak distinct memory: the distinct sampler reads pagemap, ~100-300 ms a reading on a loaded machine, and
 * can miss a short spike the 20 ms PSS sampler sees. What a request adds is private memory of the serving process,
 * counted in full by both, so idle distinct + PSS growth is a second lower bound; the peak is the larger.
 */
function peakDistinct(p) {
  if (!p.peakUnique || p.idleBefore?.unique === undefined) return undefined;
  return Math.max(p.peakUnique, p.idleBefore.unique + (p.peakPss - p.idleBefore.pss));
}

function buildReport({ started, finished, machine, ver, hostCpus, variants, diagnostics, figures, overrides, offered, work }) {
  const md = [];
  const txt = [];
  const both = (...lines) => {
    md.push(...lines);
    txt.push(...lines);
  };
  let exitCode = 0;
  const problems = [];
  const before = variants[0];
  const fixed = variants.find((v) => v.key === 'fixed');
  const diagFixed = diagnostics.find((d) => d.variant === 'fixed' && d.diagnosticVariant)?.diagnosticVariant;
  const services = Object.keys(before.apps);
  const distinct = Object.values(before.apps).some((r) => r.idleTotal?.unique !== undefined);
  const M = distinct ? 'distinct' : 'PSS sum';
  const stamp = (d) => d.toISOString().replace('T', ' ').slice(0, 16);
  const timedOut = [...variants, ...diagnostics.map((d) => d.diagnosticVariant).filter(Boolean)].some((v) => Object.values(v.apps).some((r) => (r.logNotes ?? []).some((n) => /WORKER TIMEOUT/.test(n))));

  md.push('## Memory budget: estimate vs measured', '');
  md.push(
    `Measured by \`npm run validate-budget\` (scripts/validate-budget.mjs) from ${stamp(started)} to ${stamp(finished)} UTC on ` +
      `${machine.cpus} CPUs (${machine.cpuModel}), ${f0(machine.memTotal)} MB RAM, Linux ${machine.kernel}; ` +
      `Debian 12's Python ${ver.python}, Django ${ver.django}, DRF ${ver.drf}, gunicorn ${ver.gunicorn}; Node ${ver.node}, npm ${ver.npm}, Express from npm. ` +
      `The machine was shared with other work at the time (load average ${machine.loadStart.map((x) => x.toFixed(1)).join(' / ')} at the start, ` +
      `${machine.loadEnd.map((x) => x.toFixed(1)).join(' / ')} at the end): that slows requests down${timedOut ? ' (see the gunicorn timeout below)' : ''} but changes memory little.`,
    '',
    `How. Each copy of \`examples/\` runs render.yaml's services as their commands say, on loopback. shop-api: \`python manage.py migrate\` ` +
      `(Debian's packages stand in for \`pip install\`), a SQLite table of ${ORDERS.toLocaleString('en')} orders and ${CUSTOMERS.toLocaleString('en')} customers, then ` +
      `\`gunicorn config.wsgi -c gunicorn.conf.py --bind 127.0.0.1:<port>\` from django-app/: only the bind is overridden (the config says 0.0.0.0:8000; ` +
      `gunicorn applies command-line settings after the config file), so the worker count is the config's own \`cpu_count() * 2 + 1\` = ${2 * hostCpus + 1} here. ` +
      `shop-events: \`npm install\` (its \`npm ci\` needs a lockfile the example lacks), then \`npm start\` with PORT set. ` +
      `Memory covers every process of the server's process group (gunicorn master + workers; npm + sh + node): ` +
      `**distinct** = the group's resident pages counted once each (physical frames from /proc/<pid>/pagemap), which is what a container running only ` +
      `this group holds, whatever else runs on the host; **PSS sum** (from /proc/<pid>/smaps_rollup) also splits pages shared with processes outside ` +
      `the group (node's binary is shared with every other node process on this host), so it reads low for node; **RSS sum** counts pages shared inside the ` +
      `group once per process, so it reads high. Idle: after a light request in every worker (shop-api: the export past its last page, a 404 after a COUNT; ` +
      `shop-events: GET /health), once the total stops moving; also shown after one request to each endpoint. Peak: the highest total while one ` +
      `request runs (PSS/RSS sampled every ~20 ms, distinct every ~100 ms). gunicorn's requests run one after another on one server (they land on ` +
      `different workers); every Express request gets a freshly started and warmed-up server (one process keeps the heap a previous request grew). ` +
      `Estimates: memlint's own report (\`memlint <copy> --format json\`, its \`budgets\`) with the memory-budget option \`hostCpus = ${hostCpus}\` (the CPU count the measured gunicorn saw), ` +
      `and again with the figures measured here as \`baselines\` overrides.`,
    '',
  );

  // Table 1: estimate vs measured idle.
  both('### Estimate vs measured idle memory, per deploy', '');
  both(
    `| deploy | copy | processes | memlint's estimate | estimate with the measured figures | measured idle: distinct | PSS sum | RSS sum | estimate vs measured (${M}) | measured-figures estimate vs measured | after one request to each endpoint: ${M} |`,
    '|---|---|---|---|---|---|---|---|---|---|---|',
  );
  const estTargets = [];
  const allVariants = [...variants, ...diagnostics.filter((d) => d.diagnosticVariant).map((d) => d.diagnosticVariant)];
  for (const name of services) {
    for (const v of allVariants) {
      const res = v.apps[name];
      if (!res) continue;
      const eCli = deployEstimate(v.estimates?.cli, name);
      const eMeas = deployEstimate(v.estimates?.measured, name);
      const ghost = unloadedLibraryItems(eMeas, res);
      if (ghost.length && eMeas) eMeas.withoutGhosts = eMeas.totalMb - ghost.reduce((a, i) => a + i.mb, 0);
      const idle = primary(res.idleTotal);
      const rel = (e) => (e && idle ? (e.totalMb * MB - idle) / idle : undefined);
      const procs = res.idle ? countRoles(res.idle) : 'did not run';
      const relGhost = eMeas?.withoutGhosts !== undefined && idle ? (eMeas.withoutGhosts * MB - idle) / idle : undefined;
      if (idle && !v.diagnosticOf) estTargets.push({ v: v.key, name, cli: rel(eCli), measured: rel(eMeas), measuredLoaded: relGhost ?? rel(eMeas) });
      const mark = (r) => (r === undefined ? '—' : `${pct(r)}${Math.abs(r) <= ESTIMATE_TARGET ? ' ✓' : ''}`);
      both(
        `| ${name} | ${v.key}${v.diagnosticOf ? ' (diagnostic)' : ''} | ${procs} | ${eCli ? `${eCli.totalMb} MB` : '—'} | ${eMeas ? `${eMeas.totalMb} MB${eMeas.withoutGhosts !== undefined ? ` (${Math.round(eMeas.withoutGhosts * 10) / 10} MB without ${ghost.map((i) => i.label.replace(/^\S+ importing /, '')).join(', ')} ²)` : ''}` : '—'} | ${res.idleTotal?.unique !== undefined ? `${f1(res.idleTotal.unique)} MB` : '—'} | ${res.idleTotal ? `${f1(res.idleTotal.pss)} MB` : '—'} | ${res.idleTotal ? `${f1(res.idleTotal.rss)} MB` : '—'} | ${mark(rel(eCli))} | ${mark(rel(eMeas))}${relGhost !== undefined ? ` (${mark(relGhost)} ²)` : ''} | ${res.warmTotal ? `${f1(primary(res.warmTotal))} MB` : '—'} |`,
      );
    }
  }
  both('', `✓ = within ${ESTIMATE_TARGET * 100}%. Idle is the state the estimate models: every worker has loaded the app and served an ordinary request. The last column is the same servers after one request to each of the example's heavy endpoints: what the unfixed endpoints leave behind in the workers that served them (the cost of the findings, which the fixes remove), not part of the baseline.`, '');
  const ghosts = [];
  for (const name of services) {
    const e = deployEstimate(before.estimates?.cli, name);
    for (const i of unloadedLibraryItems(e, before.apps[name])) ghosts.push(`${name}: "${i.count} ${i.label}" (${i.mb} MB)`);
  }
  if (ghosts.length)
    both(`² Counted by the estimate, loaded by none of the measured processes (no file of the package is mapped in any of them at idle): ${ghosts.join('; ')}. The estimate counts a library when a module the app loads imports it.`, '');
  const predictions = services
    .map((name) => {
      const p = deployEstimate(before.estimates?.cli, name)?.afterFixes;
      const fr = fixed?.apps[name]?.idleTotal ? fixed.apps[name] : diagFixed?.apps[name];
      const m = primary(fr?.idleTotal);
      return p && m ? `${name}: ${p.totalMb} MB predicted, ${f1(m)} MB measured (${pct((p.totalMb * MB - m) / m)}${fr === diagFixed?.apps[name] ? ', on the diagnostic copy' : ''})` : undefined;
    })
    .filter(Boolean);
  if (predictions.length) both(`memlint's report on the unfixed copy also predicts the deploy after all its fixes: ${predictions.join('; ')}.`, '');
  md.push('The estimates of the unfixed copy (at hostCpus = ' + hostCpus + '):', '');
  for (const name of services) {
    const c = deployEstimate(before.estimates?.cli, name);
    const m = deployEstimate(before.estimates?.measured, name);
    if (c) md.push(`- ${name}: ${c.summary}`);
    if (m) md.push(`- ${name}, with the measured figures: ${m.summary}`);
  }
  md.push('');

  // Table 2: peaks before vs after.
  both('### Peak memory per request, before vs after the fixes', '');
  const cols = [...variants, ...(diagFixed ? [diagFixed] : [])];
  both(
    `Each cell: peak ${M} (idle before the request + growth) · peak PSS sum. "fixed" = after \`memlint --fix --unsafe-fixes\`; "safe" = after \`memlint --fix\`.`,
    '',
    `| deploy | request | ${cols.map((v) => v.key).join(' | ')} | fixed vs before (${M}) | fixed vs before (PSS) |`,
    `|---|---|${cols.map(() => '---').join('|')}|---|---|`,
  );
  const peakTargets = [];
  for (const name of services) {
    const labels = before.apps[name]?.peaks.map((p) => p.label) ?? [];
    const fixedBroken = fixed ? newProblems(fixed.apps[name], before.apps[name]).length > 0 : false;
    const after = fixed?.apps[name] && !fixedBroken ? fixed : diagFixed?.apps[name] ? diagFixed : undefined;
    const viaDiag = after && after !== fixed;
    for (const label of labels) {
      const cells = cols.map((v) => {
        const p = v.apps[name]?.peaks.find((q) => q.label === label);
        if (!p) return v.apps[name] && newProblems(v.apps[name], before.apps[name]).length ? 'broken' : '—';
        const status = p.verdict.broken ? ` **${p.verdict.text.slice(0, 60)}**` : p.verdict.rejected ? ' (413)' : '';
        return `${f0(primary(p, 'peak'))} MB (${f0(primary(p.idleBefore))} + ${f0(primary(p, 'peak') - primary(p.idleBefore))}) · ${f0(p.peakPss)}${status}`;
      });
      const b = before.apps[name]?.peaks.find((q) => q.label === label);
      const a = after?.apps[name]?.peaks.find((q) => q.label === label);
      const tag = viaDiag ? ' ¹' : '';
      both(`| ${name} | ${label} | ${cells.join(' | ')} | ${b && a ? pct(primary(a, 'peak') / primary(b, 'peak') - 1) + tag : '—'} | ${b && a ? pct(a.peakPss / b.peakPss - 1) + tag : '—'} |`);
    }
    const top = (res) => {
      const ps = (res?.peaks ?? []).filter((p) => primary(p, 'peak') > 0);
      return ps.length ? { m: Math.max(...ps.map((p) => primary(p, 'peak'))), pss: Math.max(...ps.map((p) => p.peakPss)) } : undefined;
    };
    const cells = cols.map((v) => {
      const t = top(v.apps[name]);
      return t ? `**${f0(t.m)} MB** · ${f0(t.pss)}` : v.apps[name] && newProblems(v.apps[name], before.apps[name]).length ? 'broken' : '—';
    });
    const bt = top(before.apps[name]);
    const at = top(after?.apps[name]);
    const tag = viaDiag ? ' ¹' : '';
    both(`| ${name} | **deploy peak (highest request)** | ${cells.join(' | ')} | ${bt && at ? `**${pct(at.m / bt.m - 1)}**${tag}` : '—'} | ${bt && at ? `${pct(at.pss / bt.pss - 1)}${tag}` : '—'} |`);
    if (fixed) peakTargets.push({ name, broken: fixedBroken, viaDiag, ratio: bt && at ? at.m / bt.m : undefined, ratioPss: bt && at ? at.pss / bt.pss : undefined });
  }
  if (diagFixed) both('', `¹ The "fixed" copy of ${diagnostics.find((d) => d.diagnosticVariant === diagFixed)?.service} does not run (below); compared with "${diagFixed.key}": every fix of the fixed copy except the one that breaks it.`);
  both('');

  // Per-process figures.
  both('### Measured per-process figures (unfixed copy)', '');
  both('| process | n | after start: PSS / RSS (mean) | idle after warm-up: PSS mean (min–max) | RSS mean (min–max) |', '|---|---|---|---|---|');
  const row = (label, idle, cold) =>
    idle && idle.n
      ? both(`| ${label} | ${idle.n} | ${cold?.n ? `${f1(cold.pss.mean)} / ${f1(cold.rss.mean)} MB` : '—'} | ${f1(idle.pss.mean)} MB (${f1(idle.pss.min)}–${f1(idle.pss.max)}) | ${f1(idle.rss.mean)} MB (${f1(idle.rss.min)}–${f1(idle.rss.max)}) |`)
      : undefined;
  const bd = Object.values(before.apps).find((r) => r.kind === 'django');
  const be = Object.values(before.apps).find((r) => r.kind === 'express');
  row(`gunicorn sync worker (Django + DRF app loaded, no --preload; idle = after ${figures.lightLabel ?? 'a light request'} in every worker)`, figures.djangoWorker, figures.djangoWorkerCold);
  row('— the same workers after one request to each endpoint', figures.djangoWorkerWarm, undefined);
  row('gunicorn master', figures.gunicornMaster, bd ? perRole(bd.cold, 'gunicorn master') : undefined);
  row('node running the Express app', figures.nodeApp, be ? perRole(be.cold, 'node (app)') : undefined);
  row('npm (`npm start` stays resident as the parent)', figures.npm, be ? perRole(be.cold, 'npm') : undefined);
  row('sh (npm runs the script through a shell)', figures.sh, be ? perRole(be.cold, 'sh') : undefined);
  both('');
  const figLines = [];
  if (figures.djangoWorkerMb !== undefined)
    figLines.push(`gunicorn sync worker, Django + DRF app loaded and one light request served: **${figures.djangoWorkerMb.toFixed(1)} MB** each (what one more worker adds to the deploy's distinct memory${figures.djangoWorkerColdMb !== undefined ? `; ${figures.djangoWorkerColdMb.toFixed(1)} MB right after start` : ''}${figures.lightReachedAll === false ? '; the light request did not reach every worker' : ''})`);
  if (figures.djangoWorkerWarmMb !== undefined)
    figLines.push(`the same workers after one request to each endpoint (which leaves the workers that served the 10,000-row page and the CSV at their high-water mark): **${figures.djangoWorkerWarmMb.toFixed(1)} MB** each on average`);
  if (figures.gunicornMasterMb !== undefined) figLines.push(`gunicorn master: **${figures.gunicornMasterMb.toFixed(1)} MB** (RSS)`);
  if (figures.expressMb !== undefined) figLines.push(`node running the Express app: **${figures.expressMb.toFixed(1)} MB** (its RSS: the process on its own)`);
  if (figures.npmOverheadMb !== undefined) figLines.push(`\`npm start\` around it (npm + sh): **${figures.npmOverheadMb.toFixed(1)} MB** more (distinct; npm shares node's binary with the app)`);
  if (figLines.length) both('Per-worker figures (measured; analysis/deploy/baselines.ts `MEASURED` holds the figures of one such run, and runs differ by a few percent):', '', ...figLines.map((l) => `- ${l}`), '');
  if (overrides.length) both(`As memory-budget \`baselines\` overrides: ${overrides.map((o) => `\`${o}\``).join(', ')}.`, '');

  // Findings.
  const notes = [];
  for (const v of variants) {
    for (const [name, res] of Object.entries(v.apps)) {
      const fresh = v.key === 'before' ? [] : newProblems(res, before.apps[name]);
      for (const p of res.problems) {
        if (v.key === 'before') notes.push(`The unfixed ${name} itself fails: ${p.text.slice(0, 300)}.`);
        else if (fresh.includes(p)) {
          notes.push(`**${v.label} breaks ${name}**: ${p.text.slice(0, 300)}.`);
          problems.push(`${v.key}/${name}: ${p.text}`);
        } else notes.push(`${v.label}, ${name} still fails as the unfixed copy does: ${p.text.slice(0, 120)}.`);
      }
      for (const n of res.logNotes ?? []) if (/WORKER TIMEOUT/.test(n)) notes.push(`${v.key}/${name}, gunicorn log: \`${n}\` (the config's timeout = 120 s; the worker is killed mid-request, so that request's peak is cut short).`);
    }
  }
  for (const d of diagnostics) {
    if (d.culprit) notes.push(`Leaving out one rule's fixes at a time, ${d.service} of the "${d.variant}" copy runs again without \`${d.culprit}\`'s fix; "${d.diagnosticVariant.key}" is measured as a diagnostic.`);
    else notes.push(`No single rule left out makes ${d.service} of the "${d.variant}" copy run again.`);
  }
  for (const n of offered.notes) notes.push(`memlint note on the example: ${String(n.message).split(' | ')[0]} (${path.basename(path.dirname(n.file ?? ''))}/${path.basename(n.file ?? '')}).`);
  for (const name of services) {
    for (const v of [...variants, ...diagnostics.map((d) => d.diagnosticVariant).filter(Boolean)]) {
      const e = deployEstimate(v.estimates?.cli, name);
      const res = v.apps[name];
      if (!e?.limitMb || !res) continue;
      const top = (res.peaks ?? []).reduce((a, p) => (primary(p, 'peak') > (a ? primary(a, 'peak') : 0) ? p : a), undefined);
      const idle = primary(res.idleTotal);
      if (top && primary(top, 'peak') > e.limitMb * MB)
        notes.push(`${name}, ${v.key} copy: the measured peak (${f0(primary(top, 'peak'))} MB during ${top.label}) exceeds the ${e.limitMb} MB of ${e.limit}${idle ? `, though it idles at ${f0(idle)} MB` : ''}: on that plan the instance would be killed for memory.`);
    }
  }

  const estBefore = estTargets.filter((t) => t.v === 'before');
  const estMet = (k) => estBefore.length > 0 && estBefore.every((t) => t[k] !== undefined && Math.abs(t[k]) <= ESTIMATE_TARGET);
  const predicted = estTargets.filter((t) => t.measured !== undefined);
  const peakMet = peakTargets.length > 0 && peakTargets.every((t) => !t.broken && t.ratio !== undefined && t.ratio <= 1 - PEAK_TARGET);
  both('### Targets', '');
  both(
    `- Estimate within 25% of the measured idle total (${M}; unfixed copy, every deploy): ${estMet('cli') ? 'met' : '**not met**'} ` +
      `(${estBefore.map((t) => `${t.name} ${pct(t.cli)}`).join(', ')}). ` +
      `With the measured figures instead of baselines.ts's (and without libraries no measured process loaded), the estimate is within ${predicted.length ? pct(Math.max(...predicted.map((t) => Math.abs(t.measuredLoaded)))).replace('+', '') : '—'} of every copy's measured idle total (${predicted.map((t) => `${t.name}/${t.v} ${pct(t.measuredLoaded)}`).join(', ')}).`,
  );
  for (const t of peakTargets)
    both(
      `- Fixes cut the measured peak of ${t.name} by at least half: ${
        t.broken
          ? `**not met: the fixed copy does not run**${t.viaDiag && t.ratio !== undefined ? `; every other fix ${t.ratio <= 1 - PEAK_TARGET ? 'would meet it' : 'would not meet it'} (${pct(t.ratio - 1)} ${M}, ${pct(t.ratioPss - 1)} PSS)` : ''}`
          : t.ratio !== undefined && t.ratio <= 1 - PEAK_TARGET
            ? `met (${pct(t.ratio - 1)} ${M}, ${pct(t.ratioPss - 1)} PSS)`
            : `**not met** (${pct(t.ratio - 1)} ${M}, ${pct(t.ratioPss - 1)} PSS)`
      }.`,
    );
  both('');
  if (notes.length) both('### Findings', '', ...notes.map((n) => `- ${n}`), '');
  if (fixed?.fixOutput) md.push(`What \`memlint --fix --unsafe-fixes\` changed in the copy:`, '', '```', ...fixed.fixOutput.map((l) => l.trim()), '```', '');
  if (fixed?.remaining?.length)
    both(`Still reported after \`memlint --fix --unsafe-fixes\` (no fix applied):`, '', ...fixed.remaining.map((f) => `- \`${f.rule}\` ${f.file}:${f.line}${f.fixes.length ? '' : ' (no fix offered)'}: ${f.message}`), '');

  if (problems.length) {
    exitCode = 1;
    txt.push(`FAILED: the fixes break the app:\n  ${problems.join('\n  ')}`);
  }
  if (!estMet('cli') || !peakMet) {
    exitCode = 1;
    txt.push(`FAILED: targets not met (estimate within 25% of the measured idle total: ${estMet('cli') ? 'yes' : 'no'}; measured peak halved by the fixes: ${peakMet ? 'yes' : 'no'})`);
  }
  const clean = (t) => (work ? t.split(work + '/').join('<work>/').split(work).join('<work>') : t);
  return { markdown: clean(md.join('\n')), text: txt.join('\n'), exitCode };
}

function countRoles(procs) {
  const counts = new Map();
  for (const p of procs) counts.set(p.role, (counts.get(p.role) ?? 0) + 1);
  return [...counts].map(([r, n]) => (n > 1 ? `${n} ${r}s` : `1 ${r}`)).join(' + ');
}

function writeDocs(section) {
  const doc = path.join(ROOT, 'docs', 'PERFORMANCE.md');
  let text = fs.existsSync(doc) ? fs.readFileSync(doc, 'utf8') : '# Performance\n';
  const re = /^## Memory budget: estimate vs measured\n[\s\S]*?(?=^## |(?![\s\S]))/m;
  text = re.test(text) ? text.replace(re, section.trimEnd() + '\n\n') : text.trimEnd() + '\n\n' + section;
  fs.writeFileSync(doc, text.trimEnd() + '\n');
  log(`wrote ${path.relative(ROOT, doc)}`);
}

main()
  .then(async (code) => {
    await stopAllGroups();
    process.exit(code);
  })
  .catch(async (e) => {
    await stopAllGroups();
    removeWorkDir();
    console.error(e instanceof SetupError ? `validate-budget: ${e.message}` : e);
    process.exit(e instanceof SetupError ? 2 : 1);
  });
