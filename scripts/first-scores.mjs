#!/usr/bin/env node
// `node scripts/first-scores.mjs [--from N] [--to M]`: memlint's figure on code nobody had tuned it against.
//
// Each held-out set (corpus/HELDOUTN.md) records the score it got when it was first run, before any rule changed on
// it: the "## Score at <commit>" section's table, one row per rule (tp, fp, miss). Later scores of a set are tuned on
// it and say little about unseen code, so this sums those first tables only: per rule over every set, and per set.
// The tables are read as committed (a row naming several rules, such as "recycling, thread env (together)", is kept
// apart as a mixed row); the labels files are not used, since relabels made after the first run change them.
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const CORPUS = path.join(ROOT, 'corpus');
// `other` is the labels' name for a cause no rule covers.
const RULES = new Set(['other', ...fs.readdirSync(path.join(ROOT, 'rules'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)]);
const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const at = argv.indexOf(name);
  return at >= 0 ? Number(argv[at + 1]) : fallback;
};
const from = opt('--from', 2);
const to = opt('--to', Infinity);

/** The first-score section of a set's write-up: its commit and its rule rows. */
function firstScore(text) {
  const start = text.search(/^## Score at /m);
  if (start < 0) return undefined;
  const end = text.indexOf('\n## ', start + 4);
  const section = text.slice(start, end < 0 ? undefined : end);
  const commit = /^## Score at `?([0-9a-f]{7,40})/m.exec(section)?.[1] ?? '?';
  const rows = [];
  for (const line of section.split('\n')) {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.length < 4 || !/^\d+$/.test(cells[1]) || !/^\d+$/.test(cells[2]) || !/^\d+$/.test(cells[3])) continue;
    const name = cells[0].replace(/`/g, '').replace(/\s*\((TS|Python|JS|TS\/JS)\)$/i, '');
    rows.push({ rule: RULES.has(name) ? name : `(mixed) ${name}`, tp: +cells[1], fp: +cells[2], miss: +cells[3] });
  }
  return { commit, rows };
}

const ratio = (a, b) => (b === 0 ? '-' : (a / b).toFixed(2));
const perRule = new Map();
const perSet = [];
for (const file of fs.readdirSync(CORPUS)) {
  const n = Number(/^HELDOUT(\d+)\.md$/.exec(file)?.[1]);
  if (!n || n < from || n > to) continue;
  const score = firstScore(fs.readFileSync(path.join(CORPUS, file), 'utf8'));
  if (!score || score.rows.length === 0) continue;
  const total = { tp: 0, fp: 0, miss: 0 };
  for (const row of score.rows) {
    const sum = perRule.get(row.rule) ?? { tp: 0, fp: 0, miss: 0, sets: 0 };
    for (const k of ['tp', 'fp', 'miss']) { sum[k] += row[k]; total[k] += row[k]; }
    sum.sets += 1;
    perRule.set(row.rule, sum);
  }
  perSet.push({ n, commit: score.commit, ...total });
}

console.log('rule                              sets    tp    fp  miss  precision  recall');
const all = { tp: 0, fp: 0, miss: 0 };
for (const [rule, s] of [...perRule].sort((a, b) => b[1].tp + b[1].fp + b[1].miss - (a[1].tp + a[1].fp + a[1].miss))) {
  for (const k of ['tp', 'fp', 'miss']) all[k] += s[k];
  console.log(`${rule.padEnd(32)} ${String(s.sets).padStart(5)} ${String(s.tp).padStart(5)} ${String(s.fp).padStart(5)} ${String(s.miss).padStart(5)}  ${ratio(s.tp, s.tp + s.fp).padStart(9)}  ${ratio(s.tp, s.tp + s.miss).padStart(6)}`);
}
console.log(`\nall rules, ${perSet.length} sets: ${all.tp} tp, ${all.fp} fp, ${all.miss} missed; precision ${ratio(all.tp, all.tp + all.fp)}, recall ${ratio(all.tp, all.tp + all.miss)}`);
console.log('\nset        first run at  tp   fp  miss  precision  recall');
for (const s of perSet.sort((a, b) => a.n - b.n)) {
  console.log(`heldout${String(s.n).padEnd(4)} ${s.commit.padEnd(12)} ${String(s.tp).padStart(4)} ${String(s.fp).padStart(4)} ${String(s.miss).padStart(5)}  ${ratio(s.tp, s.tp + s.fp).padStart(9)}  ${ratio(s.tp, s.tp + s.miss).padStart(6)}`);
}
