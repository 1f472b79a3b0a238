/**
 * Writes the golden fixed outputs for a rule's fixtures: `npx tsx scripts/write-golden.ts <rule-id>`.
 * Review every written file before committing: a golden file is a claim about what the fix must produce.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fixUntilStable } from '../server/src/engine/fixes';
import { goldenPathFor, listFixtures } from '../test/support/fixtures';
import { analyzerFor, analyzeWith, initParsers } from '../test/support/analyze';

async function main(): Promise<void> {
  const ruleId = process.argv[2];
  if (!ruleId) throw new Error('usage: write-golden.ts <rule-id>');
  await initParsers();
  for (const fixture of listFixtures(ruleId)) {
    const analyzer = analyzerFor(ruleId, fixture.root);
    const analyze = (t: string) => analyzeWith(analyzer, fixture.root, fixture.abs, t).findings;
    const text = fs.readFileSync(fixture.abs, 'utf8');
    if (!analyze(text).some((f) => f.fixes.some((x) => x.edits.length))) continue;
    const fixed = fixUntilStable(text, analyze, { unsafe: true }).text;
    const golden = goldenPathFor(fixture.abs);
    fs.writeFileSync(golden, fixed);
    console.log(`wrote ${path.relative(process.cwd(), golden)}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
