/** Message ids: a report's headline comes from its rule's `meta.messages`, and mistakes are the rule's failure alone. */
import * as assert from 'node:assert/strict';
import { defineRule, type ReportSpec, type Rule } from '../../rules/api';
import { allRules } from '../../rules/index';
import { Analyzer } from '../../server/src/engine/analyzer';
import { defaultConfig } from '../../server/src/engine/config';
import { fillTemplate, placeholdersOf } from '../../server/src/engine/messages';
import { initParsers } from '../../server/src/engine/parsers';
import { fixtureProject } from '../support/analyze';

const EXAMPLE = { fileName: 'x.py', code: 'x = 1\n' };
const DOCS = { summary: 's', whatItDoes: 'w', whyIsThisBad: 'b', example: EXAMPLE, useInstead: EXAMPLE };

function ruleReporting(report: ReportSpec, messages?: Record<string, string>): Rule {
  return defineRule({
    meta: { id: 'demo', kinds: ['python'], defaultSeverity: 'warning', fix: 'none', messages, docs: DOCS },
    check: (ctx) => ctx.report(report),
  });
}

function analyse(rule: Rule) {
  return new Analyzer([rule], defaultConfig(), fixtureProject('/nonexistent')).analyzeText('/w/x.py', 'x.py', 'x = 1\n');
}

describe('message ids', () => {
  before(() => initParsers());

  it('fills the template from data and carries the id to the finding', () => {
    const rule = ruleReporting({ start: 0, end: 1, messageId: 'big-page', data: { rows: 10000 } }, { 'big-page': 'Loads up to {{rows}} rows per request: use pages of 100' });
    const { findings, notes } = analyse(rule);
    assert.deepEqual(notes, []);
    assert.equal(findings[0].message, 'Loads up to 10000 rows per request: use pages of 100');
    assert.equal(findings[0].messageId, 'big-page');
  });

  it('turns an unknown id, missing data or a bare message into a note on that rule, not a crash', () => {
    const cases: [Rule, RegExp][] = [
      [ruleReporting({ start: 0, end: 1, messageId: 'nope' }, { known: 'A headline long enough to read' }), /unknown messageId "nope"/],
      [ruleReporting({ start: 0, end: 1, messageId: 'known' }, { known: 'Loads {{rows}} rows' }), /needs data\.rows/],
      [ruleReporting({ start: 0, end: 1, message: 'bare' }, { known: 'A headline' }), /bare message/],
      [ruleReporting({ start: 0, end: 1 }), /neither a messageId nor a message/],
    ];
    for (const [rule, reason] of cases) {
      const { findings, notes } = analyse(rule);
      assert.equal(findings.length, 0);
      assert.equal(notes[0]?.kind, 'rule-error');
      assert.match(notes[0].message, reason);
    }
  });

  it('reports one headline at one place once, and keeps other headlines or places apart', () => {
    const twice = defineRule({
      meta: { id: 'demo', kinds: ['python'], defaultSeverity: 'warning', fix: 'none', docs: DOCS },
      check: (ctx) => {
        for (const [start, end, message] of [[0, 1, 'Renders every Booking row'], [0, 1, 'Renders every Booking row'], [0, 1, 'Renders every Room row'], [2, 3, 'Renders every Booking row']] as const) {
          ctx.report({ start, end, message });
        }
      },
    });
    const { findings } = analyse(twice);
    assert.deepEqual(findings.map((f) => `${f.start}:${f.message}`), ['0:Renders every Booking row', '0:Renders every Room row', '2:Renders every Booking row']);
  });

  it('keeps a template without placeholders as it is and lists placeholders once per use', () => {
    assert.equal(fillTemplate('No placeholders here', {}, 'x'), 'No placeholders here');
    assert.deepEqual(placeholdersOf('per {{per}}: open a page per {{ per }}'), ['per', 'per']);
  });

  for (const rule of allRules.filter((r) => r.meta.messages)) {
    it(`${rule.meta.id} (${rule.meta.kinds[0]}): message ids are kebab-case and headlines fit the Problems panel`, () => {
      for (const [id, template] of Object.entries(rule.meta.messages!)) {
        assert.match(id, /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, `message id "${id}"`);
        // Placeholders stand for short values (a count, a size, a name): leave each at least 4 characters of room.
        const shortest = template.replace(/\{\{\s*\w+\s*\}\}/g, 'xxxx');
        assert.ok(shortest.length <= 100 && !template.endsWith('.'), `${id}: "${template}" is over 100 characters with short values`);
      }
    });
  }
});
