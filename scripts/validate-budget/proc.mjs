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

/** One snapshot of a process tree: per process and summed. */
export function snapshot(rootPid) {
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
  };
}

/**
 * Samples the tree every `intervalMs` until stop() is called (or `maxMs` passes); returns the maxima: of the summed
 * PSS and RSS, and per process. One sample is taken at start and one at stop, so short requests are seen too.
 */
export function startSampler(rootPid, intervalMs = 20, maxMs = 300000) {
  const started = Date.now();
  const peak = { pss: 0, rss: 0, samples: 0, perPid: new Map(), maxGapMs: 0 };
  let last = started;
  const take = () => {
    const s = snapshot(rootPid);
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
      take();
      return peak;
    },
  };
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
      if (Math.max(...values) - Math.min(...values) < toleranceBytes) return { settled: true, waitedMs: Date.now() - start, snapshot: last };
    }
    await delay(everyMs);
  }
  return { settled: false, waitedMs: Date.now() - start, snapshot: last ?? snapshot(rootPid) };
}
