/**
 * n-plus-one, proven on queries that really run: the example shop (examples/django-shop-n1: DRF list views with
 * nested serializers and SerializerMethodFields, ListView/render templates, a CSV export loop) and a SQLAlchemy
 * reports module (examples/sqlalchemy-orders) run with Debian's Django, DRF and SQLAlchemy on SQLite with 50 and
 * 200 orders. Each endpoint's queries are counted (CaptureQueriesContext / before_cursor_execute) before and after
 * `memlint --fix --select n-plus-one` on a copy.
 *
 * What a user checks: memlint flags exactly the endpoints whose queries grow with the rows (no miss, no false
 * positive); after its fixes each of them runs a constant number of queries (<= 4) and returns the same response;
 * the endpoints it leaves alone already ran a constant number. Which endpoints are flagged comes from the JSON
 * report, mapped to endpoints by the source ranges the driver reports (view, serializers, rendered templates).
 *
 * Needs /usr/bin/python3 with python3-django, python3-djangorestframework and python3-sqlalchemy (CI installs them
 * through scripts/install-e2e-deps.sh); fails, saying how to install them, when they are missing.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  MAX_QUERIES_AFTER_FIX,
  REPO,
  ROW_COUNTS,
  formatTable,
  growsWithRows,
  runProof,
  type EndpointResult,
  type ProofResult,
} from './n-plus-one/harness';

const [SMALL, LARGE] = ROW_COUNTS;
const counts = (q: Record<number, number>) => `${q[SMALL]} queries at ${SMALL} orders, ${q[LARGE]} at ${LARGE}`;
const where = (e: EndpointResult) => e.findings.map((f) => `${f.file}:${f.range.start.line}`).join(', ');

describe('n-plus-one on the example apps, counted on real queries', function () {
  this.timeout(240_000);
  let proof: ProofResult;

  before(async function () {
    if (!fs.existsSync(path.join(REPO, 'dist', 'cli.js'))) this.skip(); // `npm run build` first (npm test does)
    proof = await runProof();
    console.log(`      ${proof.seconds.toFixed(1)} s, ${Object.entries(proof.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    console.log(formatTable(proof).replace(/^/gm, '      '));
  });

  it('measures both shapes: endpoints whose queries grow with the rows and endpoints with a constant number', () => {
    assert.ok(proof.endpoints.length >= 8, `only ${proof.endpoints.length} endpoints measured`);
    assert.ok(proof.endpoints.some((e) => growsWithRows(e.before)), 'no endpoint runs N+1 queries: the example or the driver is broken');
    assert.ok(proof.endpoints.some((e) => !growsWithRows(e.before)), 'no control endpoint with a constant number of queries');
    const failed = proof.endpoints.filter((e) => [...Object.values(e.status.before), ...Object.values(e.status.after)].some((s) => s !== null && s !== 200));
    assert.deepEqual(failed.map((e) => `${e.name}: ${JSON.stringify(e.status)} ${e.error ?? ''}`), [], 'endpoints that did not answer 200');
  });

  it('maps every n-plus-one finding to exactly one endpoint', () => {
    const unmapped = proof.unmapped.map(
      ({ finding, candidates }) =>
        `${finding.file}:${finding.range.start.line} "${finding.message}" -> ${candidates.length ? `several endpoints (${candidates.join(', ')}) and no fix that tells which` : 'no endpoint'}`,
    );
    assert.deepEqual(unmapped, []);
  });

  it('flags exactly the endpoints whose queries grow with the rows', () => {
    const missed = proof.endpoints.filter((e) => growsWithRows(e.before) && !e.findings.length).map((e) => `missed ${e.name} (${counts(e.before)})`);
    const falsePositives = proof.endpoints
      .filter((e) => !growsWithRows(e.before) && e.findings.length)
      .map((e) => `flagged ${e.name} at ${where(e)} but it runs ${counts(e.before)}`);
    assert.deepEqual([...missed, ...falsePositives], []);
  });

  it(`brings every flagged endpoint to a constant number of queries (<= ${MAX_QUERIES_AFTER_FIX})`, () => {
    const flagged = proof.endpoints.filter((e) => e.findings.length);
    assert.ok(flagged.length > 0, 'memlint flags no endpoint');
    const stillSlow = flagged
      .filter((e) => growsWithRows(e.after) || e.after[LARGE] > MAX_QUERIES_AFTER_FIX)
      .map((e) => {
        const safeties = e.findings.map((f) => (f.fixes.length ? f.fixes.map((x) => x.safety).join('/') : 'no fix'));
        return `${e.name}: ${counts(e.before)} before, ${counts(e.after)} after (findings at ${where(e)}; fixes: ${safeties.join(', ')})`;
      });
    assert.deepEqual(stillSlow, []);
  });

  it('returns the same responses after the fixes', () => {
    assert.deepEqual(proof.endpoints.filter((e) => !e.sameBody).map((e) => `${e.name}: ${e.bodyDiff}`), []);
  });

  it('leaves alone endpoints that run a constant number of queries, and their query counts', () => {
    const changed = proof.endpoints
      .filter((e) => !e.findings.length && !growsWithRows(e.before))
      .filter((e) => ROW_COUNTS.some((rows) => e.after[rows] !== e.before[rows]))
      .map((e) => `${e.name}: ${counts(e.before)} before, ${counts(e.after)} after`);
    assert.deepEqual(changed, []);
  });

  it('finds nothing more on the fixed copy (a second run changes nothing)', () => {
    assert.deepEqual(proof.remaining.map((f) => `${f.file}:${f.range.start.line} ${f.message}`), []);
  });
});
