// Process helpers for scripts/validate-budget.mjs: start servers in their own process groups (and always stop
// them), walk a process tree through /proc, read RSS/PSS from /proc/<pid>/smaps_rollup, sample a tree's memory
// every ~20 ms while a request runs, and wait for memory to settle. Linux only; every loop is bounded.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';

const KB = 1024;
export const MB = 1024 * 1024;

// ---------------------------------------------------------------------------------------------------------
// Process groups we started: stopped on exit, on signals and on failures.

const groups = new Map(); // pgid -> { name, child }

export function startGroup(name, command, args, options) {
  const logFd = fs.openSync(options.log, 'a');
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true, // its own process group: workers and grandchildren are stopped with it
    stdio: ['ignore', logFd, logFd],
  });
  fs.closeSync(logFd);
  if (child.pid === undefined) throw new Error(`could not start ${name}: ${command} ${args.join(' ')}`);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.once('error', () => {});
  const entry = { name, child, pgid: child.pid, exited, exit: undefined };
  exited.then((e) => (entry.exit = e));
  groups.set(child.pid, entry);
  return entry;
}

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM the group, wait up to `graceMs` for every member to exit, then SIGKILL what is left. */
export async function stopGroup(entry, graceMs = 10000) {
  if (!groups.has(entry.pgid)) return;
  try {
    process.kill(-entry.pgid, 'SIGTERM');
  } catch {}
  const deadline = Date.now() + graceMs;
  while (groupAlive(entry.pgid) && Date.now() < deadline) await delay(50);
  if (groupAlive(entry.pgid)) {
    try {
      process.kill(-entry.pgid, 'SIGKILL');
    } catch {}
    const hard = Date.now() + 5000;
    while (groupAlive(entry.pgid) && Date.now() < hard) await delay(50);
  }
  groups.delete(entry.pgid);
}

/** Synchronous last resort (process 'exit' handler): SIGKILL every group still registered. */
export function killAllGroupsSync() {
  for (const pgid of groups.keys()) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {}
  }
  groups.clear();
}

export async function stopAllGroups() {
  for (const entry of [...groups.values()]) await stopGroup(entry);
}

export function delay(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves true once something accepts TCP connections on 127.0.0.1:port (polls, bounded by timeoutMs). */
export async function waitForPort(port, timeoutMs, isAlive = () => true) {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 10000 && Date.now() < deadline; i++) {
    if (!isAlive()) return false;
    const ok = await new Promise((resolve) => {
      const sock = net.connect({ host: '127.0.0.1', port });
      sock.setTimeout(1000);
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
      sock.once('timeout', () => {
        sock.destroy();
        resolve(false);
      });
    });
    if (ok) return true;
    await delay(100);
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------
// /proc

/** The pid and all its descendants (via /proc/<pid>/task/<tid>/children), depth-first, bounded. */
export function processTree(rootPid) {
  const out = [];
  const stack = [rootPid];
  while (stack.length && out.length < 512) {
    const pid = stack.pop();
    if (out.includes(pid)) continue;
    let tids;
    try {
      tids = fs.readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // exited
    }
    out.push(pid);
    for (const tid of tids) {
      let text = '';
      try {
        text = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
      } catch {}
      for (const c of text.trim().split(/\s+/)) if (c) stack.push(Number(c));
    }
  }
  return out;
}

/** { rss, pss } in bytes from /proc/<pid>/smaps_rollup, or undefined when the process is gone. */
export function memoryOf(pid) {
  let text;
  try {
    text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  } catch {
    return undefined;
  }
  const rss = /^Rss:\s+(\d+) kB/m.exec(text);
  const pss = /^Pss:\s+(\d+) kB/m.exec(text);
  if (!rss || !pss) return undefined;
  return { rss: Number(rss[1]) * KB, pss: Number(pss[1]) * KB };
}

const PAGE = 4096; // x86-64 / arm64 base page size; huge pages show in pagemap as runs of base pages

/**
 * Adds the physical frame numbers of the pages `pid` has resident to `set` (from /proc/<pid>/pagemap, root only):
 * a page shared by several processes of a group is one frame, so the set's size over a group is the group's
 * distinct resident memory, which is what a container holding only that group charges (minus kernel memory and
 * page cache), independent of what else runs on the host. Mappings without access (`---p`) hold no pages and are
 * skipped, so V8's and glibc's reserved address space costs nothing to read.
 */
function addResidentFrames(pid, set) {
  let maps;
  let fd;
  try {
    maps = fs.readFileSync(`/proc/${pid}/maps`, 'utf8');
    fd = fs.openSync(`/proc/${pid}/pagemap`, 'r');
  } catch {
    return false;
  }
  try {
    for (const line of maps.split('\n')) {
      const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+)/.exec(line);
      if (!m || m[3].startsWith('---') || line.endsWith('[vsyscall]')) continue;
      const start = parseInt(m[1], 16);
      const pages = (parseInt(m[2], 16) - start) / PAGE;
      if (!(pages > 0) || pages > 64 * 1024 * 1024) continue;
      const buf = Buffer.allocUnsafe(pages * 8);
      let got = 0;
      try {
        got = fs.readSync(fd, buf, 0, pages * 8, (start / PAGE) * 8);
      } catch {
        continue;
      }
      for (let i = 0; i + 8 <= got; i += 8) {
        const hi = buf.readUInt32LE(i + 4);
        if (hi & 0x80000000) set.add((hi & 0x7fffff) * 4294967296 + buf.readUInt32LE(i)); // bit 63 present, bits 0-54 PFN
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

/** Distinct resident bytes of a set of processes (each physical page once); undefined without pagemap access. */
export function uniqueResident(pids) {
  pagemapOk ??= pagemapUsable();
  if (!pagemapOk) return undefined;
  const set = new Set();
  for (const pid of pids) addResidentFrames(pid, set);
  return set.size * PAGE;
}

let pagemapOk;

/** Whether pagemap gives frame numbers here (root, or CAP_SYS_ADMIN); otherwise they read as 0. */
export function pagemapUsable() {
  const set = new Set();
  addResidentFrames(process.pid, set);
  return set.size > 100; // without CAP_SYS_ADMIN every frame number reads as 0: one entry
}

/** Command line and CPU time (utime + stime, clock ticks) of a process. */
export function infoOf(pid) {
  let cmd = '';
  let cpu = 0;
  try {
    cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    cpu = Number(fields[11]) + Number(fields[12]);
  } catch {}
  return { pid, cmd, cpu };
}

/** One snapshot of a process tree: per process and summed; with `unique`, also the tree's distinct resident bytes. */
export function snapshot(rootPid, { unique = false } = {}) {
  const procs = [];
  for (const pid of processTree(rootPid)) {
    const m = memoryOf(pid);
    if (m) procs.push({ pid, ...m });
  }
  return {
    at: Date.now(),
    procs,
    rss: procs.reduce((s, p) => s + p.rss, 0),
    pss: procs.reduce((s, p) => s + p.pss, 0),
    unique: unique ? uniqueResident(procs.map((p) => p.pid)) : undefined,
  };
}

/**
 * Samples the tree every `intervalMs` until stop() is called (or `maxMs` passes); returns the maxima: of the summed
 * PSS and RSS, and per process. One sample is taken at start and one at stop, so short requests are seen too.
 */
export function startSampler(rootPid, intervalMs = 20, maxMs = 300000, uniqueEveryMs = 100) {
  const started = Date.now();
  const peak = { pss: 0, rss: 0, unique: 0, samples: 0, uniqueSamples: 0, perPid: new Map(), maxGapMs: 0 };
  let last = started;
  let lastUnique = 0;
  const take = (forceUnique = false) => {
    const wantUnique = forceUnique || Date.now() - lastUnique >= uniqueEveryMs;
    const s = snapshot(rootPid, { unique: wantUnique });
    if (wantUnique) {
      lastUnique = Date.now();
      peak.uniqueSamples++;
      if (s.unique !== undefined) peak.unique = Math.max(peak.unique, s.unique);
    }
    peak.samples++;
    peak.maxGapMs = Math.max(peak.maxGapMs, s.at - last);
    last = s.at;
    if (s.pss > peak.pss) {
      peak.pss = s.pss;
      peak.pssAt = s;
    }
    peak.rss = Math.max(peak.rss, s.rss);
    for (const p of s.procs) {
      const prev = peak.perPid.get(p.pid) ?? { pss: 0, rss: 0 };
      peak.perPid.set(p.pid, { pss: Math.max(prev.pss, p.pss), rss: Math.max(prev.rss, p.rss) });
    }
  };
  let timer;
  let stopped = false;
  const loop = () => {
    if (stopped || Date.now() - started > maxMs) return;
    take();
    timer = setTimeout(loop, intervalMs);
  };
  loop();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      take(true);
      return peak;
    },
  };
}

function withUnique(snap) {
  return { ...snap, unique: uniqueResident(snap.procs.map((p) => p.pid)) };
}

/**
 * Waits until the tree's summed PSS stops moving: the spread of the last `window` samples (every `everyMs`) is under
 * `toleranceBytes`. Bounded by `timeoutMs`; returns { settled, waitedMs, snapshot }.
 */
export async function waitSettled(rootPid, { everyMs = 250, window = 8, toleranceBytes = 1 * MB, timeoutMs = 30000, minProcs = 1 } = {}) {
  const start = Date.now();
  const recent = [];
  let last;
  for (let i = 0; i < 10000 && Date.now() - start < timeoutMs; i++) {
    last = snapshot(rootPid);
    recent.push(last);
    if (recent.length > window) recent.shift();
    if (recent.length === window && last.procs.length >= minProcs && recent.every((s) => s.procs.length === last.procs.length)) {
      const values = recent.map((s) => s.pss);
      if (Math.max(...values) - Math.min(...values) < toleranceBytes) return { settled: true, waitedMs: Date.now() - start, snapshot: withUnique(last) };
    }
    await delay(everyMs);
  }
  return { settled: false, waitedMs: Date.now() - start, snapshot: withUnique(last ?? snapshot(rootPid)) };
}

/**
 * Two samplers in worker threads, so neither the HTTP client in the main thread nor each other delays them: one
 * reads PSS/RSS every `intervalMs`, the other the distinct resident memory (pagemap; slower: ~100 ms for six
 * processes on a loaded 2-CPU machine) back to back. Resolves once both took a first sample; `stop()` resolves to
 * { pss, rss, unique, samples, uniqueSamples, maxGapMs, uniqueMaxGapMs, perPid }. The threads end by themselves
 * after `maxMs` plus a margin if stop() is never called.
 */
export async function startSamplerThread(rootPid, intervalMs = 20, maxMs = 300000) {
  const { Worker } = await import('node:worker_threads');
  const spawnOne = async (uniqueEveryMs) => {
    const worker = new Worker(new URL('./sampler-worker.mjs', import.meta.url), { workerData: { rootPid, intervalMs, maxMs, uniqueEveryMs } });
    const kill = setTimeout(() => worker.terminate(), maxMs + 30000);
    await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    return () =>
      new Promise((resolve, reject) => {
        worker.once('message', (m) => {
          clearTimeout(kill);
          worker.terminate();
          resolve({ ...m.peak, perPid: new Map(m.peak.perPid) });
        });
        worker.once('error', reject);
        worker.postMessage('stop');
      });
  };
  const [stopPss, stopUnique] = await Promise.all([spawnOne(Infinity), spawnOne(0)]);
  return {
    async stop() {
      const [p, u] = await Promise.all([stopPss(), stopUnique()]);
      return { ...p, unique: u.unique, uniqueSamples: u.uniqueSamples, uniqueMaxGapMs: u.maxGapMs };
    },
  };
}
