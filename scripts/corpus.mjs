#!/usr/bin/env node
// `npm run corpus -- <command>`: memlint on real public apps it was not written against.
//
// corpus/manifest.json names each repository and the commit scored; corpus/labels.json holds the triage: one entry per
// finding memlint reports (verdict "tp" or "fp") and per real cause it misses (verdict "miss"), each with a reason.
// The repositories' code never enters this repository: `materialise` unpacks them from git directories brought here
// beforehand (one per repository, named OWNER+NAME/repo or OWNER+NAME under --mirrors, as the session tool `fetch`
// lays them out).
//
//   materialise --mirrors DIR --out DIR   unpack every manifest commit into OUT/OWNER+NAME
//   run --corpus DIR [--results FILE]      scan each repository (dist/cli.js, JSON) into FILE (default corpus-results.json)
//   score [--results FILE]                 precision and recall per rule against the labels; lists unlabelled findings
//   --manifest FILE / --labels FILE        another repository set / label file (default corpus/manifest.json, corpus/labels.json)
//   triage [--results FILE] --corpus DIR   prints each unlabelled finding with its source line, for labelling
//
// A finding matches a label with the same repository, path and rule whose line falls inside the finding's range.
// Precision = tp / (tp + fp) over labelled findings; recall = tp / (tp + miss) where "miss" labels are causes memlint
// should report and did not (a miss that memlint now reports counts as found, and is flagged for relabelling). A "tp"
// label whose finding memlint no longer reports is a lost cause: it counts as a miss, so a regression lowers recall.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { unpackCommit } from './git-unpack.mjs';

const ROOT = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const MANIFEST = path.join(ROOT, 'corpus', 'manifest.json');
const LABELS = path.join(ROOT, 'corpus', 'labels.json');
const argv = process.argv.slice(2);
const command = argv[0];
const opt = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
};
const dirName = (repo) => repo.replace('/', '+');
const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));
// --manifest / --labels pick another set (corpus/heldout.json holds both its repos and its labels).
const manifest = () => readJson(path.resolve(opt('--manifest', MANIFEST))).repos;
const labelsFile = () => path.resolve(opt('--labels', LABELS));
const labels = () => (fs.existsSync(labelsFile()) ? readJson(labelsFile()).labels : []);
const resultsFile = () => path.resolve(opt('--results', 'corpus-results.json'));

/** The repository's git directory: `fetch` leaves a bare `repo/`, or `repo/.git` when the snapshot was a clone with a work tree. */
function gitDirOf(mirrors, repo) {
  const base = path.join(mirrors, dirName(repo));
  for (const candidate of [path.join(base, 'repo'), path.join(base, 'repo', '.git'), base]) {
    if (fs.existsSync(path.join(candidate, 'HEAD'))) return candidate;
  }
  return undefined;
}

function materialise() {
  const mirrors = path.resolve(opt('--mirrors', '/work/.mirror'));
  const out = path.resolve(opt('--out', '/tmp/memlint-corpus'));
  fs.mkdirSync(out, { recursive: true });
  let missing = 0;
  for (const { repo, commit } of manifest()) {
    const target = path.join(out, dirName(repo));
    if (fs.existsSync(target)) continue;
    const gitDir = gitDirOf(mirrors, repo);
    if (!gitDir) {
      console.error(`missing: ${repo} (no git directory under ${mirrors}; fetch github:${repo} first)`);
      missing++;
      continue;
    }
    const written = unpackCommit(gitDir, commit, target);
    console.log(`${repo} -> ${target} (${written.files} files${written.absent ? `, ${written.absent} absent from the snapshot` : ''})`);
  }
  process.exitCode = missing ? 1 : 0;
}

function run() {
  const corpus = path.resolve(opt('--corpus', '/tmp/memlint-corpus'));
  const cli = path.join(ROOT, 'dist', 'cli.js');
  const results = {};
  for (const { repo } of manifest()) {
    const dir = path.join(corpus, dirName(repo));
    if (!fs.existsSync(dir)) {
      console.error(`skipped: ${repo} is not materialised under ${corpus}`);
      continue;
    }
    const started = Date.now();
    const r = spawnSync(process.execPath, [cli, dir, '--format', 'json', '--exit-zero'], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    if (r.status !== 0) {
      console.error(`${repo}: memlint exited ${r.status}: ${r.stderr.slice(0, 500)}`);
      continue;
    }
    const report = JSON.parse(r.stdout);
    results[repo] = report.findings.map((f) => ({
      rule: f.ruleId,
      path: path.relative(dir, path.resolve(dir, f.file)).split(path.sep).join('/'),
      line: f.range.start.line,
      endLine: f.range.end.line,
      message: f.message,
      ...(f.table ? { table: f.table } : {}),
    }));
    console.log(`${repo}: ${results[repo].length} findings (${Date.now() - started} ms)`);
  }
  fs.writeFileSync(resultsFile(), JSON.stringify(results, null, 1));
}

const matches = (label, finding) =>
  label.path === finding.path && label.rule === finding.rule && label.line >= finding.line && label.line <= finding.endLine;

/** Joins findings and labels: per rule counts, and the findings nobody has judged yet. */
function join(results) {
  const all = labels();
  const perRule = new Map();
  const row = (rule) => {
    if (!perRule.has(rule)) perRule.set(rule, { tp: 0, fp: 0, missFound: 0, miss: 0, lost: 0, unlabelled: 0 });
    return perRule.get(rule);
  };
  const unlabelled = [];
  const lost = [];
  for (const [repo, findings] of Object.entries(results)) {
    const repoLabels = all.filter((l) => l.repo === repo);
    for (const finding of findings) {
      const label = repoLabels.find((l) => l.verdict !== 'miss' && matches(l, finding));
      if (label) row(finding.rule)[label.verdict]++;
      else if (repoLabels.some((l) => l.verdict === 'miss' && matches(l, finding))) row(finding.rule).missFound++;
      else {
        row(finding.rule).unlabelled++;
        unlabelled.push({ repo, ...finding });
      }
    }
    for (const miss of repoLabels.filter((l) => l.verdict === 'miss')) {
      if (!findings.some((f) => matches(miss, f))) row(miss.rule).miss++;
    }
    for (const found of repoLabels.filter((l) => l.verdict === 'tp')) {
      if (findings.some((f) => matches(found, f))) continue;
      row(found.rule).lost++;
      lost.push(found);
    }
  }
  return { perRule, unlabelled, lost };
}

function score() {
  const { perRule, unlabelled, lost } = join(readJson(resultsFile()));
  const ratio = (a, b) => (b ? (a / b).toFixed(2) : '-');
  const total = { tp: 0, fp: 0, missFound: 0, miss: 0, lost: 0, unlabelled: 0 };
  console.log('rule                            tp   fp  miss  lost  found-miss  unlabelled  precision  recall');
  for (const [rule, r] of [...perRule].sort()) {
    for (const k of Object.keys(total)) total[k] += r[k];
    const found = r.tp + r.missFound;
    console.log(
      `${rule.padEnd(30)} ${String(r.tp).padStart(4)} ${String(r.fp).padStart(4)} ${String(r.miss).padStart(5)} ` +
        `${String(r.lost).padStart(5)} ${String(r.missFound).padStart(11)} ${String(r.unlabelled).padStart(11)} ` +
        `${ratio(found, found + r.fp).padStart(10)} ${ratio(found, found + r.miss + r.lost).padStart(7)}`,
    );
  }
  const found = total.tp + total.missFound;
  console.log(
    `\nall rules: ${total.tp} tp, ${total.fp} fp, ${total.miss} missed, ${total.lost} lost (tp labels no longer reported), ` +
      `${total.missFound} former misses now found, ${total.unlabelled} unlabelled; ` +
      `precision ${ratio(found, found + total.fp)}, recall ${ratio(found, found + total.miss + total.lost)}`,
  );
  for (const l of lost) console.log(`lost: ${l.repo} ${l.path}:${l.line} ${l.rule} (${l.reason ?? ''})`);
  if (unlabelled.length) console.log(`unlabelled findings: run \`npm run corpus -- triage\` (${unlabelled.length})`);
}

function triage() {
  const corpus = path.resolve(opt('--corpus', '/tmp/memlint-corpus'));
  const { unlabelled } = join(readJson(resultsFile()));
  for (const f of unlabelled) {
    const file = path.join(corpus, dirName(f.repo), f.path);
    const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split(/\r\n|\r|\n/) : [];
    console.log(`${f.repo} ${f.path}:${f.line} ${f.rule}\n  ${f.message}\n  > ${(lines[f.line - 1] ?? '').trim()}\n`);
  }
}

const commands = { materialise, run, score, triage };
if (!commands[command]) {
  console.error('usage: corpus.mjs materialise|run|score|triage [--mirrors DIR] [--out DIR] [--corpus DIR] [--results FILE] [--manifest FILE] [--labels FILE]');
  process.exit(2);
}
commands[command]();
