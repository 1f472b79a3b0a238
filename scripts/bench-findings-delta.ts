/**
 * The server's side of a keystroke in a module with 1,000 findings, in one process without the noise of the LSP
 * hops: CPU per keystroke of (a) the full list (v8-serialised across the worker channel, rebuilt, turned into
 * diagnostics, JSON-encoded for the client) against (b) the delta (findings-delta.ts) through the same steps.
 * Both modes of the bench's keystrokes: a line inserted mid-file (the tail moves) and a character typed.
 *
 *   npx tsx scripts/bench-findings-delta.ts [--rounds 200]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { parseArgs } from 'node:util';
import { Workspace } from '../server/src/engine/workspace';
import type { Finding } from '../server/src/engine/types';
import { findingsToDiagnostics, noteMovedFinding } from '../server/src/lsp/diagnostics';
import { applyFindingsDelta, findingsDelta } from '../server/src/lsp/findings-delta';
// @ts-expect-error plain JavaScript module shared with the bench
import { manyFindingsPythonFile } from './lsp-bench-files.mjs';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '200' } } });
const ROUNDS = Number(args.rounds);

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-delta-'));
  try {
    const file = path.join(dir, 'many.py');
    const text: string = manyFindingsPythonFile(1000);
    fs.writeFileSync(file, text);
    const ws = await Workspace.open({ root: dir });
    const lines = text.split('\n');
    const mid = Math.floor(lines.length / 2) + 3; // a `value = dict(...)` line
    const inserted = [...lines.slice(0, mid), '        checked = True', ...lines.slice(mid)].join('\n');
    const typed = [...lines.slice(0, mid), lines[mid] + ' or 0', ...lines.slice(mid + 1)].join('\n');
    const base = ws.analyzeText(file, text).findings;
    for (const [mode, edited] of [['line', inserted], ['type', typed]] as const) {
      const next = ws.analyzeText(file, edited).findings;
      const shift = { offset: edited.length - text.length, lines: edited.split('\n').length - lines.length };
      const full = () => {
        const received = v8.deserialize(v8.serialize({ findings: next })) as { findings: Finding[] };
        return JSON.stringify({ diagnostics: findingsToDiagnostics(received.findings, 2) });
      };
      const serverBase = v8.deserialize(v8.serialize(base)) as Finding[];
      findingsToDiagnostics(serverBase, 1); // the diagnostics of the list the server holds are built
      const delta = () => {
        const d = findingsDelta('a', base, next, shift);
        const received = v8.deserialize(v8.serialize({ delta: d })) as { delta: typeof d };
        const list = applyFindingsDelta(serverBase, received.delta, noteMovedFinding);
        return JSON.stringify({ diagnostics: findingsToDiagnostics(list, 2) });
      };
      if (full() !== delta()) throw new Error(`${mode}: the delta's diagnostics differ from the full list's`);
      const d = findingsDelta('a', base, next, shift);
      for (const [name, fn] of [['full list', full], ['delta', delta]] as const) {
        for (let i = 0; i < 20; i++) fn();
        const before = process.cpuUsage();
        for (let i = 0; i < ROUNDS; i++) fn();
        const used = process.cpuUsage(before);
        console.log(`${mode}: ${name}: ${((used.user + used.system) / 1000 / ROUNDS).toFixed(2)} ms CPU per keystroke (${next.length} findings; delta: ${d.head} head, ${d.middle.length} sent, ${d.tail} moved)`);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
