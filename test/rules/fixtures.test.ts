/**
 * The data-driven rule suite: every rule's fixtures must produce exactly the annotated findings, every
 * fix must match its golden file, still parse, and be stable when run again.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { classify } from '../../server/src/engine/classify';
import { fixUntilStable } from '../../server/src/engine/fixes';
import { goldenPathFor, listFixtures, readExpectations } from '../support/fixtures';
import { analyzerFor, analyzeWith, describeFinding, initParsers, ruleIds, rulesWithId } from '../support/analyze';
import { syntaxError } from '../support/syntax';

/** The Problems panel shows about this many characters of a message on one line. */
const MAX_HEADLINE = 100;

before(() => initParsers());

for (const ruleId of ruleIds()) {
  describe(`rule ${ruleId}`, () => {
    const fixtures = listFixtures(ruleId);

    it('has fixtures that must be flagged and look-alikes that must not', () => {
      let flagged = 0;
      let ok = 0;
      for (const f of fixtures) {
        const e = readExpectations(f.abs, fs.readFileSync(f.abs, 'utf8'));
        flagged += [...e.flagged.values()].filter((ids) => ids.has(ruleId)).length;
        ok += e.okCount;
      }
      assert.ok(flagged > 0, `test/fixtures/${ruleId}/ has no "ruleid: ${ruleId}" annotation`);
      assert.ok(ok > 0, `test/fixtures/${ruleId}/ has no "ok: ${ruleId}" look-alike`);
    });

    for (const fixture of fixtures) {
      it(`${fixture.label}: finds exactly the annotated lines`, () => {
        const text = fs.readFileSync(fixture.abs, 'utf8');
        const analyzer = analyzerFor(ruleId, fixture.root);
        const result = analyzeWith(analyzer, fixture.root, fixture.abs, text);
        const ruleErrors = result.notes.filter((n) => n.kind === 'rule-error');
        assert.deepEqual(ruleErrors, [], 'the rule threw');
        const expected = readExpectations(fixture.abs, text).flagged;
        const unexpected = result.findings.filter((f) => !expected.get(f.range.start.line)?.has(f.ruleId));
        assert.deepEqual(unexpected.map(describeFinding), [], 'findings without a "ruleid" annotation on the line before');
        const missing: string[] = [];
        for (const [line, ids] of expected) {
          for (const id of ids) {
            if (id !== ruleId) continue;
            if (!result.findings.some((f) => f.ruleId === id && f.range.start.line === line)) missing.push(`${id} at line ${line + 1}`);
          }
        }
        assert.deepEqual(missing, [], 'annotated but not reported');
        const { messageIds: pinned, tables: pinnedTables } = readExpectations(fixture.abs, text);
        const kind = classify(fixture.abs.split(path.sep).join('/'), text)?.kind;
        const declaresMessages = rulesWithId(ruleId).some((r) => r.meta.messages && kind && r.meta.kinds.includes(kind));
        for (const f of result.findings.filter((x) => x.ruleId === ruleId)) {
          const messageId = pinned.get(f.range.start.line)?.get(ruleId);
          if (declaresMessages) assert.ok(messageId, `${describeFinding(f)}: annotate it as "ruleid: ${ruleId}:${f.messageId}" (the rule declares message ids)`);
          if (messageId) assert.equal(f.messageId, messageId, `${describeFinding(f)}: reported with message id ${f.messageId}`);
          const table = pinnedTables.get(f.range.start.line);
          if (table !== undefined) assert.equal(f.table ?? '', table, `${describeFinding(f)}: reported with table ${f.table ?? '(none)'}`);
        }
        for (const f of result.findings) {
          assert.ok(f.end > f.start, `${describeFinding(f)}: empty range`);
          assert.ok(f.message.length > 20 && !f.message.endsWith('.'), `${describeFinding(f)}: message should be a full sentence without a trailing period`);
          // The headline is what the Problems panel and `memlint` text output show on one line.
          assert.ok(f.message.length <= MAX_HEADLINE, `${describeFinding(f)}: headline is ${f.message.length} characters, over ${MAX_HEADLINE}`);
          assert.ok(!/[\n\r]/.test(f.message), `${describeFinding(f)}: headline spans lines`);
          if (f.detail !== undefined) assert.ok(f.detail.trim().length > 20 && !f.detail.includes(f.message), `${describeFinding(f)}: detail should add to the headline, not repeat it`);
        }
      });

      it(`${fixture.label}: fixes match the golden file, parse, and are stable`, () => {
        const text = fs.readFileSync(fixture.abs, 'utf8');
        const analyzer = analyzerFor(ruleId, fixture.root);
        const analyze = (t: string) => analyzeWith(analyzer, fixture.root, fixture.abs, t).findings;
        const findings = analyze(text);
        const golden = goldenPathFor(fixture.abs);
        const fixable = findings.some((f) => f.fixes.some((x) => x.edits.length > 0));
        if (!fixable) {
          assert.ok(!fs.existsSync(golden), `${path.basename(golden)} exists but nothing in the input is fixable`);
          return;
        }
        assert.ok(fs.existsSync(golden), `fixable findings but no golden file ${path.relative(process.cwd(), golden)}`);
        const fixed = fixUntilStable(text, analyze, { unsafe: true }).text;
        assert.equal(fixed, fs.readFileSync(golden, 'utf8'), `fixed output differs from ${path.basename(golden)}`);
        const kind = classify(fixture.abs.split(path.sep).join('/'), text)!.kind;
        assert.equal(syntaxError(kind, fixture.abs, fixed), undefined, 'the fixed file does not parse');
        const stillFixable = analyze(fixed).filter((f) => f.fixes.some((x) => x.edits.length > 0));
        assert.deepEqual(stillFixable.map(describeFinding), [], 'findings that the fixes should have resolved are still reported');
        const again = fixUntilStable(fixed, analyze, { unsafe: true }).text;
        assert.equal(again, fixed, 'a second run of the fixes changed the file');
      });
    }
  });
}
