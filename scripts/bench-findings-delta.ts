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
import { findingsToDiagnostics } from '../server/src/lsp/diagnostics';
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
      const forth = { offset: edited.length - text.length, lines: edited.split('\n').length - lines.length };
      const back = { offset: -forth.offset, lines: -forth.lines };
      // The bench's keystrokes: the edit, then its undo, and so on; each publish is of the list the server rebuilt.
      const states = [base, next];
      const publish = (findings: Finding[], version: number) => JSON.stringify({ jsonrpc: '2.0', method: 'textDocument/publishDiagnostics', params: { uri: 'file:///many.py', version, diagnostics: findingsToDiagnostics(findings, version) } });
      const full = (i: number) => publish((v8.deserialize(v8.serialize({ findings: states[i % 2] })) as { findings: Finding[] }).findings, i);
      let held = v8.deserialize(v8.serialize(base)) as Finding[];
      const delta = (i: number) => {
        const d = findingsDelta(String(i - 1), states[(i + 1) % 2], states[i % 2], i % 2 ? forth : back);
        held = applyFindingsDelta(held, (v8.deserialize(v8.serialize({ delta: d })) as { delta: typeof d }).delta);
        return publish(held, i);
      };
      const d = findingsDelta('0', base, next, forth);
      for (const [name, fn] of [['full list', full], ['delta', delta]] as const) {
        for (let i = 1; i <= 20; i++) {
          const published = fn(i);
          if (name === 'delta' && published !== full(i)) throw new Error(`${mode}: the delta's diagnostics differ from the full list's`);
        }
        const before = process.cpuUsage();
        for (let i = 21; i < 21 + ROUNDS; i++) fn(i);
        const used = process.cpuUsage(before);
        console.log(`${mode}: ${name}: ${((used.user + used.system) / 1000 / ROUNDS).toFixed(2)} ms CPU per keystroke (${next.length} findings; delta: ${d.head} head, ${d.middle.length} sent, ${d.tail} moved)`);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
