/**
 * Every rule is documented, and its documentation tells the truth: the bad example produces exactly one
 * finding of the rule, the good example none, and docs/rules/<id>.md is what the rule files generate.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allRules } from '../../rules/index';
import type { DocExample } from '../../rules/api';
import { Analyzer } from '../../server/src/engine/analyzer';
import { defaultConfig } from '../../server/src/engine/config';
import { renderRuleDocs, renderRuleIndex, rulesById } from '../../rules/docs';
import { initParsers } from '../support/analyze';
import { FIXTURES_ROOT } from '../support/fixtures';

const DOCS_DIR = path.resolve(__dirname, '..', '..', 'docs', 'rules');
/** The example's project: the example alone, or with the files it names alongside (a deploy loading it). */
function exampleProject(example: DocExample): { files(): string[]; readFile(rel: string): string | undefined } {
  const others = example.alongside ?? {};
  if (Object.keys(others).length === 0) return { files: () => [], readFile: () => undefined };
  const texts: Record<string, string> = { ...others, [example.fileName]: example.code };
  return { files: () => Object.keys(texts), readFile: (rel) => texts[rel] };
}

before(() => initParsers());

describe('rule documentation', () => {
  const byId = rulesById(allRules);

  for (const [id, impls] of byId) {
    describe(id, () => {
      it('has a page in docs/rules that matches the rule files (run `npm run docs`)', () => {
        const file = path.join(DOCS_DIR, `${id}.md`);
        assert.ok(fs.existsSync(file), `docs/rules/${id}.md is missing`);
        assert.equal(fs.readFileSync(file, 'utf8'), renderRuleDocs(id, impls), `docs/rules/${id}.md is stale`);
      });

      it('has fixtures', () => {
        assert.ok(fs.existsSync(path.join(FIXTURES_ROOT, id)), `test/fixtures/${id}/ is missing`);
      });

      it('agrees on severity across its implementations', () => {
        assert.equal(new Set(impls.map((r) => r.meta.defaultSeverity)).size, 1);
      });

      if (impls.length > 1) {
        // A rule id spanning languages owns its meta once (its folder's meta.ts): every implementation offers the same
        // message ids and options, so a fixture's `ruleid: <id>:<message>` and a setting mean one thing.
        it('shares one set of message ids and options across its implementations', () => {
          for (const rule of impls.slice(1)) {
            assert.deepEqual(rule.meta.messages, impls[0].meta.messages, `${rule.meta.kinds.join(',')}: messages`);
            assert.deepEqual(rule.meta.options, impls[0].meta.options, `${rule.meta.kinds.join(',')}: options`);
          }
        });
      }

      for (const rule of impls) {
        const d = rule.meta.docs;
        const where = `${id} (${rule.meta.kinds.join(',')})`;
        it(`${where}: documents what, why, an example and the fix`, () => {
          for (const [k, v] of Object.entries({ summary: d.summary, whatItDoes: d.whatItDoes, whyIsThisBad: d.whyIsThisBad })) {
            assert.ok(v && v.length > 20, `${k} is missing or too short`);
          }
          if (rule.meta.fix !== 'none') assert.ok(d.fixSafety, 'a rule with fixes must explain their safety');
        });

        it(`${where}: the example produces exactly one finding and the fixed example none`, () => {
          const bad = new Analyzer([rule], defaultConfig(), exampleProject(d.example)).analyzeText(`/docs/${d.example.fileName}`, d.example.fileName, d.example.code);
          assert.deepEqual(bad.notes.filter((n) => n.kind === 'rule-error'), []);
          assert.equal(bad.findings.length, 1, `example: ${bad.findings.map((f) => f.message).join('; ') || 'no finding'}`);
          const good = new Analyzer([rule], defaultConfig(), exampleProject(d.useInstead)).analyzeText(`/docs/${d.useInstead.fileName}`, d.useInstead.fileName, d.useInstead.code);
          assert.deepEqual(good.findings.map((f) => f.message), [], 'useInstead');
        });
      }
    });
  }

  it('has an index page listing every rule', () => {
    assert.equal(fs.readFileSync(path.join(DOCS_DIR, 'README.md'), 'utf8'), renderRuleIndex(byId));
  });
});
