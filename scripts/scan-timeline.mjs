#!/usr/bin/env node
/**
 * A scan's timeline per thread, from the `memlint-timeline` lines a scan writes to stderr with MEMLINT_TIMELINE=1
 * (analysis/timeline.ts): each thread's phases in ms since the process started, its files analysed (first to last)
 * and the gaps where it waited for work. Runs the CLI itself when given a folder.
 *
 *   node scripts/scan-timeline.mjs FOLDER [memlint args...]     (or: ... 2> err.txt; node scripts/scan-timeline.mjs --log err.txt)
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const args = process.argv.slice(2);
let text;
if (args[0] === '--log') text = fs.readFileSync(args[1], 'utf8');
else {
  const bin = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'bin', 'memlint.js');
  const r = spawnSync(process.execPath, [bin, ...args, '--format', 'json'], { env: { ...process.env, MEMLINT_TIMELINE: '1' }, encoding: 'utf8', maxBuffer: 1 << 30 });
  text = r.stderr;
}
const events = [];
for (const line of text.split('\n')) {
  const m = /^memlint-timeline (\S+) (\d+) (.*)$/.exec(line);
  if (m) events.push({ t: Number(m[1]), thread: Number(m[2]), phase: m[3] });
}
const t0 = Math.min(...events.filter((e) => e.thread === 0 && e.phase === 'start').map((e) => e.t), Infinity);
const origin = Number.isFinite(t0) ? t0 : Math.min(...events.map((e) => e.t));
const threads = [...new Set(events.map((e) => e.thread))].sort((a, b) => a - b);
for (const th of threads) {
  const evs = events.filter((e) => e.thread === th).sort((a, b) => a.t - b.t);
  console.log(`thread ${th}:`);
  let files = 0;
  let busy = 0;
  let firstFile;
  let lastDone;
  let openAt;
  let idle = 0;
  /** `X take` .. `X taken`: a wait for facts another thread builds (`X first`: this thread builds them). */
  const waits = [];
  const takes = new Map();
  for (const e of evs) {
    const fact = /^(\w+) (take|taken|first)$/.exec(e.phase);
    if (fact && fact[2] === 'take') takes.set(fact[1], e.t);
    else if (fact && takes.has(fact[1])) {
      if (fact[2] === 'taken') waits.push(`${fact[1]} ${(e.t - takes.get(fact[1])).toFixed(0)} ms`);
      takes.delete(fact[1]);
    }
    const ms = (e.t - origin).toFixed(0).padStart(6);
    if (e.phase === 'file start') {
      files++;
      firstFile ??= e.t;
      if (lastDone !== undefined) idle += e.t - lastDone;
      openAt = e.t;
      continue;
    }
    if (e.phase === 'file done') {
      busy += e.t - openAt;
      lastDone = e.t;
      continue;
    }
    console.log(`  ${ms} ${e.phase}`);
  }
  if (files) console.log(`  files ${files}: first at ${(firstFile - origin).toFixed(0)}, last done at ${(lastDone - origin).toFixed(0)}; in files ${busy.toFixed(0)} ms, between files ${idle.toFixed(0)} ms`);
  if (waits.length) console.log(`  waited for other threads' facts: ${waits.join(', ')}`);
}
