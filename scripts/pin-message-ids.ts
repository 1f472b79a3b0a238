/**
 * For a rule converted to message ids: rewrites its fixtures' `ruleid: <id>` annotations to
 * `ruleid: <id>:<messageId>` from what the rule reports now. Review the diff: it pins today's behaviour.
 *   npx tsx scripts/pin-message-ids.ts <rule-id>...
 */
import * as fs from 'node:fs';
import { goldenPathFor, listFixtures } from '../test/support/fixtures';
import { analyzerFor, analyzeWith, initParsers } from '../test/support/analyze';

const ANNOTATION = /^(\s*(?:#|\/\/|\{#)\s*ruleid:\s*)(.*)$/;

async function main(): Promise<void> {
  await initParsers();
  for (const ruleId of process.argv.slice(2)) {
    for (const fixture of listFixtures(ruleId)) {
      const text = fs.readFileSync(fixture.abs, 'utf8');
      const findings = analyzeWith(analyzerFor(ruleId, fixture.root), fixture.root, fixture.abs, text).findings.filter((f) => f.ruleId === ruleId && f.messageId);
      const sidecar = `${fixture.abs}.expect`;
      if (fs.existsSync(sidecar)) {
        // `<line> <id>` -> `<line> <id>:<messageId>` for files that cannot hold comments.
        const expect = fs.readFileSync(sidecar, 'utf8').split('\n').map((raw) => {
          const m = /^(\s*(\d+)\s+(?:ruleid:?\s*)?)([\w-]+)(?::[\w-]+)?(\s*)$/.exec(raw);
          const f = m && m[3] === ruleId ? findings.find((x) => x.range.start.line === Number(m[2]) - 1) : undefined;
          return f ? `${m![1]}${ruleId}:${f.messageId}${m![4]}` : raw;
        });
        fs.writeFileSync(sidecar, expect.join('\n'));
        continue;
      }
      const lines = text.split('\n');
      // Annotation lines rewritten, in file order, to repeat in the golden fixed output (which keeps them).
      const rewrites: [line: number, before: string, after: string][] = [];
      for (const f of findings) {
        // The annotation block right above the finding's line.
        for (let i = f.range.start.line - 1; i >= 0 && ANNOTATION.test(lines[i]); i--) {
          const [, head, ids] = ANNOTATION.exec(lines[i])!;
          const pinned = ids.replace(new RegExp(`(^|[\\s,])${ruleId}(?::[\\w-]+)?(?=\\s*(,|$|\\s|#}))`), `$1${ruleId}:${f.messageId}`);
          if (pinned !== ids) {
            rewrites.push([i, lines[i], head + pinned]);
            lines[i] = head + pinned;
          }
        }
      }
      if (rewrites.length === 0) continue;
      fs.writeFileSync(fixture.abs, lines.join('\n'));
      console.log(`pinned ${fixture.label}`);
      const golden = goldenPathFor(fixture.abs);
      if (!fs.existsSync(golden)) continue;
      const goldenLines = fs.readFileSync(golden, 'utf8').split('\n');
      let from = 0;
      for (const [, before, after] of rewrites.sort((a, b) => a[0] - b[0])) {
        // Fixes may re-indent the annotated code: match and rewrite without the indentation.
        const at = goldenLines.findIndex((line, k) => k >= from && line.trim() === before.trim());
        if (at < 0) continue;
        goldenLines[at] = goldenLines[at].replace(before.trim(), after.trim());
        from = at + 1;
      }
      fs.writeFileSync(golden, goldenLines.join('\n'));
    }
  }
}

void main();
