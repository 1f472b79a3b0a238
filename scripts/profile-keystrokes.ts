/**
 * The language server's keystroke path in one process, without the LSP and worker hops: the bench's files and
 * keystrokes (scripts/lsp-bench-files.mjs) through TrackedDocument (incremental text + tree edit) and the
 * analyzer, with per-phase and per-rule timers; `--check` also compares every keystroke's findings with a fresh
 * analysis of the same text. Run under `node --cpu-prof` for a profile of the same work.
 *
 *   npx tsx scripts/profile-keystrokes.ts [--edits 200] [--lang python|typescript] [--check] [--cpu-prof FILE]
 *   npx tsx scripts/profile-keystrokes.ts --file F [--mode line|type] [--root DIR]
 *
 * `--root DIR` opens the workspace on DIR (a real repository) and types into --file where it is, inside its project
 * (sibling serializers and models are read from disk; the edits stay in memory): the project-wide facts (DRF view ->
 * serializer -> model links, template links) exist there, unlike for a file copied alone into a temporary folder.
 *
 * `--cpu-prof FILE` writes a V8 CPU profile of the keystrokes only (not start-up or the first analysis), for
 * scripts/cpuprofile-top.mjs.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { Session } from 'node:inspector/promises';
import { PerformanceObserver } from 'node:perf_hooks';
import type { Rule } from '../rules/api';
import { allRules } from '../rules/index';
import { withoutStatementCaches } from '../analysis/python/statements';
import { statementSlotStats } from '../analysis/cache';
import { Workspace } from '../server/src/engine/workspace';
import { TrackedDocument } from '../server/src/lsp/documents';
// @ts-expect-error plain JavaScript module shared with the bench
import { keystrokeChanges, pythonFile, realKeystrokes, typescriptFile } from './lsp-bench-files.mjs';
// @ts-expect-error plain JavaScript module shared with the bench
import { timedRules } from './timed-rules.mjs';

const { values: args } = parseArgs({
  options: {
    edits: { type: 'string', default: '200' },
    lang: { type: 'string' },
    check: { type: 'boolean', default: false },
    /** A real file to type into instead of the generated ones (its language from the extension). */
    file: { type: 'string' },
    /** With --file: `line` (a line inserted mid-file per keystroke) or `type` (characters typed in a function). */
    mode: { type: 'string', default: 'type' },
    /** A CPU profile of the keystroke loop only. */
    'cpu-prof': { type: 'string' },
    /** With --file: the project folder the file belongs to (opened as the workspace; the file is not copied). */
    root: { type: 'string' },
    /** Print each per-statement cache's hits and misses over the keystrokes (what a keystroke recomputes). */
    slots: { type: 'boolean', default: false },
    /** Print the N keystrokes that took the most CPU, with the line they edited (the tail that sets the p95). */
    tail: { type: 'string', default: '0' },
    /** The rules unwrapped (no per-rule timers, whose process.cpuUsage() calls cost ~7% of a profile). */
    untimed: { type: 'boolean', default: false },
    /** Count the garbage collector's pauses per keystroke (V8's gc entries, by kind) and show them in --tail. */
    gc: { type: 'boolean', default: false },
  },
});

/** Milliseconds spent in each rule's check() over the run. */
const ruleMs = new Map<string, number[]>();
/** CPU milliseconds of each rule's check() (what to compare on a loaded machine). */
const ruleCpuMs = new Map<string, number[]>();
const timed: Rule[] = args.untimed ? allRules : timedRules(allRules, ruleMs, ruleCpuMs);

const p = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
const summary = (values: number[]): string => {
  const s = [...values].sort((a, b) => a - b);
  return `p50 ${p(s, 0.5).toFixed(2)} p95 ${p(s, 0.95).toFixed(2)} max ${(s[s.length - 1] ?? NaN).toFixed(2)}`;
};

async function run(lang: 'python' | 'typescript', dir: string): Promise<void> {
  const name = args.file ? path.basename(args.file) : lang === 'python' ? 'views.py' : 'routes.ts';
  const inProject = args.root !== undefined && args.file !== undefined;
  const root = inProject ? path.resolve(args.root!) : dir;
  const file = (inProject ? path.resolve(args.file!) : path.join(dir, name)).split(path.sep).join('/');
  const text: string = args.file ? fs.readFileSync(args.file, 'utf8') : lang === 'python' ? pythonFile(3000) : typescriptFile(3000);
  if (!inProject) fs.writeFileSync(file, text);
  // As the language server's worker does, project reads of the open file get its current text (not the disk's).
  let current = text;
  const readOverride = (abs: string): string | undefined => (abs.split(path.sep).join('/') === file ? current : undefined);
  const ws = await Workspace.open({ root, rules: timed, readOverride });
  const fresh = await Workspace.open({ root, readOverride });
  // Inside a project, rules see its files as in the language server, which discovers them when a folder opens.
  if (inProject) for (const w of [ws, fresh]) w.discover();
  const doc = new TrackedDocument(`file://${file}`, file, lang, 1, text, undefined);
  const phases = { update: [] as number[], parse: [] as number[], analysis: [] as number[], total: [] as number[], cpu: [] as number[] };
  let mismatches = 0;
  const analyze = (): void => {
    const t0 = performance.now();
    const parsed = doc.parsedFile();
    if (lang === 'python') parsed.python();
    else parsed.typescript();
    const t1 = performance.now();
    const result = ws.analyzeText(doc.path, doc.text, { parsed });
    doc.adopt(parsed);
    const t2 = performance.now();
    phases.parse.push(t1 - t0);
    phases.analysis.push(t2 - t1);
    if (args.check) {
      const expected = withoutStatementCaches(() => fresh.analyzeText(doc.path, doc.text));
      if (JSON.stringify(expected.findings) !== JSON.stringify(result.findings)) mismatches++;
    }
  };
  analyze();
  ruleMs.clear();
  ruleCpuMs.clear();
  phases.parse.length = phases.analysis.length = 0;
  const profiler = args['cpu-prof'] ? new Session() : undefined;
  if (profiler) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  }
  /** The collector's pauses over the keystrokes (start, duration, kind), attributed to keystrokes afterwards. */
  const pauses: { start: number; ms: number; kind: number }[] = [];
  const gcObserver = args.gc ? new PerformanceObserver((list) => { for (const e of list.getEntries()) pauses.push({ start: e.startTime, ms: e.duration, kind: (e as unknown as { detail: { kind: number } }).detail.kind }); }) : undefined;
  gcObserver?.observe({ entryTypes: ['gc'] });
  /** Per keystroke: when it started and ended (performance.now()). */
  const spans: [number, number][] = [];
  const slotsBefore = statementSlotStats();
  const started = process.cpuUsage();
  const changes: never[] = args.file ? realKeystrokes(text, lang, args.mode, Number(args.edits)) : keystrokeChanges(text, lang, Number(args.edits));
  /** Per keystroke: each rule's CPU milliseconds (for --tail). */
  const ruleCpuPerKey: Map<string, number>[] = [];
  for (const [i, change] of changes.entries()) {
    const t = performance.now();
    const cpuAt = process.cpuUsage();
    const callsBefore = new Map([...ruleCpuMs].map(([id, v]) => [id, v.length]));
    doc.update([change], i + 2);
    current = doc.text;
    // The worker drops the open file's cached text on every change (lsp/worker.ts invalidatePath).
    ws.invalidate(file);
    fresh.invalidate(file);
    phases.update.push(performance.now() - t);
    analyze();
    phases.total.push(performance.now() - t);
    spans.push([t, performance.now()]);
    // Without --check only: the fresh analysis would count too.
    const used = process.cpuUsage(cpuAt);
    phases.cpu.push((used.user + used.system) / 1000);
    ruleCpuPerKey.push(new Map([...ruleCpuMs].map(([id, v]) => [id, v.slice(callsBefore.get(id) ?? 0).reduce((a, b) => a + b, 0)])));
  }
  const cpu = process.cpuUsage(started);
  if (gcObserver) await new Promise((resolve) => setTimeout(resolve, 100)); // the observer's entries arrive later
  gcObserver?.disconnect();
  /** Per keystroke: GC milliseconds, minor (scavenge) and major (mark-compact and the rest). */
  const gcPerKey = spans.map(([a, b]) => {
    const inside = pauses.filter((g) => g.start >= a && g.start < b);
    const minor = inside.filter((g) => g.kind === 1).reduce((x, g) => x + g.ms, 0);
    return { minor, major: inside.reduce((x, g) => x + g.ms, 0) - minor };
  });
  if (profiler) {
    const { profile } = await profiler.post('Profiler.stop');
    fs.writeFileSync(args['cpu-prof']!, JSON.stringify(profile));
    profiler.disconnect();
  }
  console.log(`${lang}: ${phases.total.length} keystrokes, CPU ${((cpu.user + cpu.system) / 1000 / phases.total.length).toFixed(2)} ms each${args.check ? `, ${mismatches} mismatches with a fresh analysis` : ''}`);
  for (const [k, v] of Object.entries(phases)) console.log(`  ${k.padEnd(10)} ${summary(v)}`);
  if (args.gc) {
    const sum = (f: (g: { minor: number; major: number }) => number): number => gcPerKey.reduce((x, g) => x + f(g), 0) / gcPerKey.length;
    console.log(`  gc         ${summary(gcPerKey.map((g) => g.minor + g.major))}; mean minor ${sum((g) => g.minor).toFixed(2)} ms, major ${sum((g) => g.major).toFixed(2)} ms a keystroke`);
  }
  const rows = [...ruleMs].map(([id, v]) => [id, v.reduce((a, b) => a + b, 0) / v.length, v] as const).sort((a, b) => b[1] - a[1]);
  const cpuMean = (id: string): number => {
    const v = ruleCpuMs.get(id) ?? [];
    return v.reduce((a, b) => a + b, 0) / (v.length || 1);
  };
  const tail = Number(args.tail);
  if (tail > 0) {
    const worst = phases.cpu.map((ms, i) => ({ ms, i })).sort((a, b) => b.ms - a.ms).slice(0, tail);
    for (const { ms, i } of worst) {
      const c = (changes as { range: { start: { line: number } }; text: string }[])[i];
      const rules = [...ruleCpuPerKey[i]].filter(([, v]) => v >= 1).sort((a, b) => b[1] - a[1]).map(([id, v]) => `${id} ${v.toFixed(1)}`).join(', ');
      const gc = args.gc ? `, gc ${gcPerKey[i].minor.toFixed(1)} minor + ${gcPerKey[i].major.toFixed(1)} major` : '';
      console.log(`  keystroke ${String(i).padStart(4)} line ${c.range.start.line + 1} ${c.text ? 'insert' : 'delete'}: CPU ${ms.toFixed(2)} ms, parse ${phases.parse[i].toFixed(1)} ms${gc} (${rules})`);
    }
  }
  for (const [id, mean] of rows.slice(0, 12)) console.log(`  rule ${id.padEnd(34)} wall mean ${mean.toFixed(2)}, CPU mean ${cpuMean(id).toFixed(2)} ${summary(ruleCpuMs.get(id) ?? [])}`);
  if (args.slots) {
    const n = phases.total.length;
    for (const [name, after] of Object.entries(statementSlotStats())) {
      const before = slotsBefore[name] ?? { hits: 0, misses: 0 };
      const hits = after.hits - before.hits;
      const misses = after.misses - before.misses;
      if (hits + misses > 0) console.log(`  slot ${name.padEnd(50)} per keystroke: ${(hits / n).toFixed(1)} hits, ${(misses / n).toFixed(2)} misses`);
    }
  }
  doc.dropTree();
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-keys-'));
  try {
    if (args.file) await run(args.file.endsWith('.py') ? 'python' : 'typescript', dir);
    else for (const lang of ['python', 'typescript'] as const) if (!args.lang || args.lang === lang) await run(lang, dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
