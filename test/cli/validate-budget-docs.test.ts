/**
 * `npm run validate-budget -- --apps k --write-docs` re-measures some real apps: docs/PERFORMANCE.md's table must
 * change only their rows. The section is rebuilt from the earlier one: the other apps keep their rows and
 * breakdowns, the run's line joins the earlier runs' lines, and rows no app names any more stay visible.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const REPO = path.resolve(__dirname, '..', '..');
const MODULE = pathToFileURL(path.join(REPO, 'scripts', 'validate-budget', 'real-apps.mjs')).href;

interface RealApps {
  REAL_APPS: { key: string; repo?: string; commit?: string; local?: string; shape: string }[];
  mergeSection(old: string | undefined, run: { runLine: string; fresh: Map<string, { row: string; breakdown?: string }> }): string;
  sectionOf(text: string): string | undefined;
}

const load = (): Promise<RealApps> => import(MODULE);

function prefix(app: RealApps['REAL_APPS'][number]): string {
  const ref = app.repo ? `[${app.repo}](https://github.com/${app.repo})` : app.local;
  return `| ${ref} | ${app.commit ? `\`${app.commit.slice(0, 10)}\`` : '—'} | ${app.shape} |`;
}

describe('validate-budget --apps with --write-docs', () => {
  let m: RealApps;
  before(async () => {
    m = await load();
  });

  function oldSection(apps: RealApps['REAL_APPS'], extra = ''): string {
    return [
      '## Memory budget on real public apps',
      '',
      'Measured by `npm run validate-budget` (scripts/validate-budget/real-apps.mjs) on 2026-12-06 09:37 UTC; earlier.',
      '',
      'How it is measured.',
      '',
      '| app (public) | commit | deploy | processes | memlint idle / peak | measured idle / peak | error idle / peak |',
      '|---|---|---|---|---|---|---|',
      ...apps.map((a) => `${prefix(a)} 2 | 50 / 60 MB | 51.0 / 61.0 MB | -2% / -2% ✓ |`),
      ...(extra ? [extra] : []),
      '',
      "memlint's breakdown of each deploy:",
      '',
      ...apps.map((a) => `- ${a.key}: old breakdown of ${a.key}`),
      '',
      '<!-- end of the section npm run validate-budget --write-docs writes -->',
      '',
    ].join('\n');
  }

  it('replaces the rows of the apps run and keeps every other row, in the apps order', () => {
    const [a, b, c] = m.REAL_APPS;
    const old = oldSection([a, c]);
    const fresh = new Map([[b.key, { row: `${prefix(b)} 3 | 70 / 80 MB | 71.0 / 81.0 MB | -1% / -1% ✓ |`, breakdown: `- ${b.key}: new breakdown` }]]);
    const merged = m.mergeSection(old, { runLine: 'Rows re-measured by `npm run validate-budget -- --apps x` on 2026-12-06 11:00 UTC; now.', fresh });
    const rows = merged.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| app (public)'));
    assert.deepEqual(rows, [`${prefix(a)} 2 | 50 / 60 MB | 51.0 / 61.0 MB | -2% / -2% ✓ |`, fresh.get(b.key)!.row, `${prefix(c)} 2 | 50 / 60 MB | 51.0 / 61.0 MB | -2% / -2% ✓ |`]);
    assert.ok(merged.includes(`- ${a.key}: old breakdown of ${a.key}`));
    assert.ok(merged.includes(`- ${b.key}: new breakdown`));
    assert.ok(merged.includes(`- ${c.key}: old breakdown of ${c.key}`));
    assert.ok(merged.includes('Measured by `npm run validate-budget` (scripts/validate-budget/real-apps.mjs) on 2026-12-06 09:37 UTC; earlier.'));
    assert.ok(merged.includes('Rows re-measured by `npm run validate-budget -- --apps x` on 2026-12-06 11:00 UTC; now.'));
  });

  it('a second run of the same apps replaces its earlier line; a run of other apps adds its own', () => {
    const [a, b] = m.REAL_APPS;
    const fresh = new Map([[a.key, { row: `${prefix(a)} 1 | 1 / 1 MB | 1.0 / 1.0 MB | +0% / +0% ✓ |` }]]);
    const first = m.mergeSection(oldSection([a, b]), { runLine: 'Rows re-measured by `npm run validate-budget -- --apps x` on day 1.', fresh });
    const second = m.mergeSection(first, { runLine: 'Rows re-measured by `npm run validate-budget -- --apps x` on day 2.', fresh });
    const third = m.mergeSection(second, { runLine: 'Rows re-measured by `npm run validate-budget -- --apps y` on day 3.', fresh: new Map() });
    assert.ok(!second.includes('day 1.'));
    assert.ok(third.includes('day 2.') && third.includes('day 3.'));
    assert.equal(third.split('\n').filter((l) => l.startsWith(prefix(a))).length, 1);
    assert.equal(third.split('\n').filter((l) => l.startsWith(prefix(b))).length, 1);
  });

  it('keeps a row that no app names any more instead of dropping it', () => {
    const [a] = m.REAL_APPS;
    const stray = '| [someone/gone](https://github.com/someone/gone) | `0123456789` | an app since removed | 1 | 5 / 5 MB | 5.0 / 5.0 MB | +0% / +0% ✓ |';
    const merged = m.mergeSection(oldSection([a], stray), { runLine: 'Rows re-measured by `npm run validate-budget -- --apps z` on now.', fresh: new Map() });
    assert.ok(merged.includes(stray));
  });

  it('reads the section docs/PERFORMANCE.md has, and merging it with nothing new keeps every row', () => {
    const text = fs.readFileSync(path.join(REPO, 'docs', 'PERFORMANCE.md'), 'utf8');
    const section = m.sectionOf(text);
    assert.ok(section, 'docs/PERFORMANCE.md has the real apps section');
    const rowsOf = (s: string) => s.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| app (public)') && !l.startsWith('|---'));
    const merged = m.mergeSection(section, { runLine: 'Rows re-measured by `npm run validate-budget -- --apps none` on now.', fresh: new Map() });
    assert.deepEqual(rowsOf(merged).sort(), rowsOf(section!).sort());
    assert.ok(rowsOf(section!).length >= 5);
  });
});
