// `npx tsx scripts/n-plus-one-proof.ts [--write-docs]`: runs the N+1 proof of test/realworld/n-plus-one-queries.test.ts
// (the example shop and SQLAlchemy reports with 50 and 200 orders, before and after `memlint --fix --select
// n-plus-one` on a copy) and prints the table of queries and peak memory per endpoint, with what memlint flagged.
// --write-docs also replaces the table in docs/PERFORMANCE.md ("## N+1 queries: counted before and after the fixes").
// Needs `npm run build` (dist/cli.js) and Debian's python3-django, python3-djangorestframework, python3-sqlalchemy.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO, formatTable, runProof, verdictOf } from '../test/realworld/n-plus-one/harness';

const HEADING = '## N+1 queries: counted before and after the fixes';
const TABLE_START = '<!-- n-plus-one-proof table -->';
const TABLE_END = '<!-- /n-plus-one-proof table -->';

async function main() {
  const proof = await runProof();
  const load = os.loadavg()[0].toFixed(1);
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const versions = Object.entries(proof.versions).map(([k, v]) => `${k} ${v}`).join(', ');
  const table = formatTable(proof);
  console.log(table);
  console.log(`\n${when} UTC, ${proof.seconds.toFixed(1)} s at load ${load}; ${versions}`);
  for (const e of proof.endpoints) {
    const findings = e.findings.map((f) => `\n    ${f.file}:${f.range.start.line} ${f.message} [${f.fixes.map((x) => x.safety).join(', ') || 'no fix'}]`);
    console.log(`${e.name}: ${verdictOf(e)}${e.error ? ` (${e.error.trim().split('\n').pop()})` : ''}${findings.join('')}`);
  }
  for (const u of proof.unmapped) console.log(`UNMAPPED ${u.finding.file}:${u.finding.range.start.line} ${u.finding.message} -> ${u.candidates.join(', ') || 'no endpoint'}`);
  for (const f of proof.remaining) console.log(`STILL REPORTED AFTER --fix ${f.file}:${f.range.start.line} ${f.message}`);
  if (process.argv.includes('--write-docs')) {
    const docs = path.join(REPO, 'docs', 'PERFORMANCE.md');
    const text = fs.readFileSync(docs, 'utf8');
    const start = text.indexOf(TABLE_START);
    const end = text.indexOf(TABLE_END);
    if (!text.includes(HEADING) || start < 0 || end < start) throw new Error(`${docs} has no "${HEADING}" section with the table markers`);
    const block = `${TABLE_START}\n${table}\n\nMeasured ${when} UTC (${proof.seconds.toFixed(0)} s at load ${load}); ${versions}.\n`;
    fs.writeFileSync(docs, text.slice(0, start) + block + text.slice(end));
    console.log(`wrote the table to ${path.relative(process.cwd(), docs)}`);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
