/**
 * Per-rule cost over a list of files: how many files each rule's trigger lets through and the time it
 * spends (parsing is charged to the first rule that needs it, so also shown separately).
 * usage: npx tsx scripts/profile-rules.ts <file-list.txt> [limit]
 */
import * as fs from 'node:fs';
import { allRules } from '../rules/index';
import { Analyzer, ParsedFile } from '../server/src/engine/analyzer';
import { defaultConfig } from '../server/src/engine/config';
import { initParsers } from '../server/src/engine/parsers';

async function main(): Promise<void> {
  const [listFile, limit] = process.argv.slice(2);
  const files = fs.readFileSync(listFile, 'utf8').split('\n').filter(Boolean).slice(0, limit ? Number(limit) : undefined);
  await initParsers();
  const texts = files.map((f) => [f, fs.readFileSync(f, 'utf8')] as const);
  const project = { files: () => [], readFile: () => undefined };

  let parseMs = 0;
  for (const [f, text] of texts) {
    if (!f.endsWith('.py')) continue;
    const t = performance.now();
    new ParsedFile(f, text).python().delete();
    parseMs += performance.now() - t;
  }
  console.log(`python parse of all ${texts.length} files: ${parseMs.toFixed(0)} ms`);

  const rows: [string, number, number, number][] = [];
  for (const rule of allRules) {
    const analyzer = new Analyzer([rule], defaultConfig(), project);
    let ms = 0;
    let triggered = 0;
    let findings = 0;
    for (const [f, text] of texts) {
      if (rule.meta.trigger && !rule.meta.trigger.test(text)) continue;
      triggered++;
      const parsed = new ParsedFile(f, text);
      if (f.endsWith('.py')) parsed.python();
      const t = performance.now();
      findings += analyzer.analyzeText(f, f, text, { parsed }).findings.length;
      ms += performance.now() - t;
      parsed.dispose();
    }
    rows.push([`${rule.meta.id} (${rule.meta.kinds[0]})`, triggered, Math.round(ms), findings]);
  }
  rows.sort((a, b) => b[2] - a[2]);
  console.log('rule'.padEnd(44), 'files', 'ms (excl. parse)', 'findings');
  for (const [id, n, ms, fnd] of rows) console.log(id.padEnd(44), String(n).padStart(5), String(ms).padStart(8), String(fnd).padStart(8));
}

void main();
