#!/usr/bin/env node
/**
 * Where a one-thread scan of a folder spends its time: start-up (loading the engine), listing, each file's
 * analysis by kind (CPU ms, which a loaded machine disturbs less than wall time), the slowest files, and the
 * workspace budgets the CLI adds. Run under `node --cpu-prof` for a profile of the same work.
 *
 *   node scripts/profile-scan.mjs FOLDER [--top 15] [--rules]   (--rules: CPU time per rule, parse included in the first rule to parse)
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { timedRules } from './timed-rules.mjs';

const { values: args, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '15' }, rules: { type: 'boolean', default: false } } });
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const t0 = cpu();
const engine = createRequire(import.meta.url)('../dist/engine.js');
// As the CLI and the scan workers do: a batch scan keeps no per-statement answers (and answers some checks from the text).
engine.disableStatementCachesInThisThread?.();
const wall = new Map();
const ruleCpu = new Map();
let ws = await engine.Workspace.open({ root: path.resolve(positionals[0]) });
if (args.rules) ws = await engine.Workspace.open({ root: path.resolve(positionals[0]), rules: timedRules(ws.rules, wall, ruleCpu) });
const t1 = cpu();
const files = ws.discover();
const t2 = cpu();
const byKind = new Map();
const slow = [];
const results = [];
let findings = 0;
let skipped = 0;
for (const f of files) {
  const c = cpu();
  const r = ws.analyzeFile(f.path);
  results.push(r);
  const ms = cpu() - c;
  findings += r.findings.length;
  if (r.skipped) skipped++;
  const kind = path.extname(f.relPath) || path.basename(f.relPath);
  const k = byKind.get(kind) ?? { files: 0, ms: 0 };
  k.files++;
  k.ms += ms;
  byKind.set(kind, k);
  slow.push([ms, f.relPath, r.notes.map((n) => n.kind).join(',')]);
}
const t3 = cpu();
let budgets = 0;
if (engine.workspaceBudgets) {
  engine.workspaceBudgets(ws, results);
  budgets = cpu() - t3;
}
console.log(`CPU ms: engine load + open ${(t1 - t0).toFixed(0)}, listing ${(t2 - t1).toFixed(0)} (${files.length} files), analysis ${(t3 - t2).toFixed(0)}, budgets ${budgets.toFixed(0)}; ${findings} findings, ${skipped} skipped; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
for (const [kind, k] of [...byKind].sort((a, b) => b[1].ms - a[1].ms)) console.log(`  ${kind.padEnd(16)} ${String(k.files).padStart(5)} files ${k.ms.toFixed(0).padStart(7)} ms`);
console.log('slowest files:');
for (const [ms, rel, notes] of slow.sort((a, b) => b[0] - a[0]).slice(0, Number(args.top))) console.log(`  ${ms.toFixed(0).padStart(6)} ms ${rel}${notes ? ` (${notes})` : ''}`);
if (args.rules) {
  console.log('CPU ms per rule (a rule that parses first is charged the parse):');
  const sum = (v) => v.reduce((a, b) => a + b, 0);
  for (const [id, v] of [...ruleCpu].sort((a, b) => sum(b[1]) - sum(a[1])).slice(0, Number(args.top))) console.log(`  ${sum(v).toFixed(0).padStart(6)} ms ${id} (${v.length} files)`);
}
