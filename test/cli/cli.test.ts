/** The `memlint` command as a user runs it: the built bin/memlint.js in a child process. */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { removeTempWorkspaces, tempWorkspace, BIG_PAGE } from '../support/tmp';
import { Workspace } from '../../server/src/engine/workspace';
import { applyFixesToFiles } from '../../server/src/cli/apply-fixes';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'memlint.js');
const SARIF_MULTITOOL = path.resolve(__dirname, '..', '..', 'node_modules', '@microsoft', 'sarif-multitool-linux', 'Sarif.Multitool');

after(removeTempWorkspaces);

function memlint(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('memlint CLI', () => {
  before(function () {
    if (!fs.existsSync(path.resolve(__dirname, '..', '..', 'dist', 'cli.js'))) this.skip();
  });

  it('exits 0 on a clean workspace, 1 with findings, 2 on bad usage', () => {
    const clean = tempWorkspace({ 'views.py': 'x = 1\n' });
    const r0 = memlint(clean);
    assert.equal(r0.code, 0);
    assert.match(r0.stdout, /No memory problems found in 1 files/);
    const dirty = tempWorkspace({ 'app/pagination.py': BIG_PAGE });
    const r1 = memlint(dirty);
    assert.equal(r1.code, 1);
    assert.equal(memlint(dirty, '--exit-zero').code, 0);
    const r2 = memlint(dirty, '--format', 'xml');
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /--format must be one of text, json, sarif, html, github/);
    assert.equal(memlint(dirty, '--select', 'no-such-rule').code, 2);
    assert.equal(memlint(dirty, 'missing-dir').code, 2);
  });

  it('prints path:line:col: rule-id message and a summary by rule', () => {
    const root = tempWorkspace({ 'app/pagination.py': BIG_PAGE });
    const r = memlint(root);
    const first = r.stdout.split('\n')[0];
    assert.equal(first, 'app/pagination.py:5:17: large-page-size Loads up to 10000 rows per request: use pages of 100 [fix]');
    assert.match(r.stdout, /^\s+1\s+large-page-size\s+\(1 fixable\)$/m);
    assert.match(r.stdout, /Found 1 problem in 1 file \(1 analysed\)/);
  });

  it('JSON and SARIF carry the headline and its detail; text output shows the headline only', () => {
    const root = tempWorkspace({ 'app/pagination.py': BIG_PAGE });
    const json = JSON.parse(memlint(root, '--format', 'json').stdout);
    const f = json.findings[0];
    assert.equal(f.message, 'Loads up to 10000 rows per request: use pages of 100');
    assert.match(f.detail, /page_size = 10000.*serialized in memory.*stream exports with \.iterator\(chunk_size=2000\)/);
    const sarif = JSON.parse(memlint(root, '--format', 'sarif').stdout);
    const message = sarif.runs[0].results[0].message;
    assert.equal(message.text, f.message);
    assert.equal(message.markdown, `${f.message}\n\n${f.detail}`);
    assert.ok(!memlint(root).stdout.includes(f.detail), 'text output shows the detail');
  });

  it('exits 2 with the file, key and line on a configuration error', () => {
    const root = tempWorkspace({ 'a.py': BIG_PAGE, 'memlint.toml': '[rules]\nnope = "off"\n' });
    const r = memlint(root);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /configuration error: .*memlint\.toml:2: `rules\.nope`: unknown rule id/);
  });

  it('--select and --ignore choose rules', () => {
    const root = tempWorkspace({ 'a.py': BIG_PAGE });
    assert.equal(memlint(root, '--ignore', 'large-page-size').code, 0);
    assert.equal(memlint(root, '--select', 'large-page-size').code, 1);
  });

  it('checks the files it is given against the whole project, as a pre-commit hook passes them', () => {
    const root = tempWorkspace({});
    fs.cpSync(path.resolve(__dirname, '..', '..', 'examples'), root, { recursive: true });
    const given = ['django-app/gunicorn.conf.py', 'express-app/package.json'];
    const keys = (stdout: string) =>
      (JSON.parse(stdout).findings as { ruleId: string; file: string; range: unknown }[]).map((f) => `${f.file} ${f.ruleId} ${JSON.stringify(f.range)}`).sort();
    const full = keys(memlint(root, '--format', 'json').stdout).filter((k) => given.some((g) => k.startsWith(`${g} `)));
    const narrow = keys(memlint(root, ...given, '--format', 'json').stdout);
    // The budget of render.yaml's service lands on gunicorn.conf.py, node-heap-limit reads render.yaml's plan.
    assert.ok(full.some((k) => k.includes(' memory-budget ')) && full.some((k) => k.includes(' node-heap-limit ')), full.join('\n'));
    assert.deepEqual(narrow, full);
  });

  it('writes the documented JSON shape with 1-based ranges and relative forward-slash paths', () => {
    const root = tempWorkspace({ 'app/pagination.py': BIG_PAGE });
    const out = JSON.parse(memlint(root, '--format', 'json').stdout);
    assert.equal(out.version, 1);
    const [f] = out.findings;
    assert.equal(f.ruleId, 'large-page-size');
    assert.equal(f.severity, 'warning');
    assert.equal(f.file, 'app/pagination.py');
    assert.deepEqual(f.range, { start: { line: 5, column: 17 }, end: { line: 5, column: 22 } });
    assert.equal(f.fixes[0].safety, 'unsafe');
    assert.deepEqual(f.fixes[0].edits, [{ range: { start: { line: 5, column: 17 }, end: { line: 5, column: 22 } }, newText: '100' }]);
    assert.equal(out.summary.findings, 1);
    assert.deepEqual(out.summary.byRule, { 'large-page-size': 1 });
  });

  it('writes SARIF 2.1.0 that Microsoft\'s SARIF Multitool validates without errors', function () {
    if (!fs.existsSync(SARIF_MULTITOOL)) this.skip();
    const root = tempWorkspace({ 'app/pagination.py': BIG_PAGE, 'app/ok.py': 'x = 1\n' });
    const r = memlint(root, '--format', 'sarif', '--output', 'memlint.sarif');
    assert.equal(r.code, 1);
    const sarif = JSON.parse(fs.readFileSync(path.join(root, 'memlint.sarif'), 'utf8'));
    const result = sarif.runs[0].results[0];
    assert.equal(result.ruleId, 'large-page-size');
    assert.deepEqual(result.locations[0].physicalLocation.region, { startLine: 5, startColumn: 17, endLine: 5, endColumn: 22 });
    assert.equal(result.locations[0].physicalLocation.artifactLocation.uri, 'app/pagination.py');
    const rule = sarif.runs[0].tool.driver.rules[result.ruleIndex];
    assert.equal(rule.id, 'large-page-size');
    assert.match(rule.helpUri, /docs\/rules\/large-page-size\.md$/);

    const validated = validateSarif(path.join(root, 'memlint.sarif'));
    assert.deepEqual(validated, [], 'SARIF Multitool reported problems');
    // The validator does catch a broken log (so the check above can fail).
    delete sarif.runs[0].tool.driver.name;
    fs.writeFileSync(path.join(root, 'broken.sarif'), JSON.stringify(sarif));
    assert.notDeepEqual(validateSarif(path.join(root, 'broken.sarif')), []);
  });

  it('writes a self-contained HTML report', () => {
    const root = tempWorkspace({ 'app/pagination.py': BIG_PAGE });
    memlint(root, '--format', 'html', '-o', 'report.html');
    const html = fs.readFileSync(path.join(root, 'report.html'), 'utf8');
    assert.match(html, /<title>memlint report<\/title>/);
    assert.match(html, /large-page-size/);
    assert.match(html, /page_size = 10000/, 'code excerpt');
    assert.match(html, /Fix \(unsafe\): Set the page size to 100/);
    assert.doesNotMatch(html, /<script|<link|src=|url\(/, 'no external resources');
  });

  it('--fix applies only safe fixes; --unsafe-fixes applies the rest and reports what changed', () => {
    const root = tempWorkspace({ 'app/pagination.py': BIG_PAGE });
    const file = path.join(root, 'app/pagination.py');
    const safeOnly = memlint(root, '--fix');
    assert.match(safeOnly.stderr, /No fixes applied/);
    assert.equal(fs.readFileSync(file, 'utf8'), BIG_PAGE);
    const all = memlint(root, '--fix', '--unsafe-fixes');
    assert.match(all.stderr, /Fixed 1 problem in 1 file:\n\s+app\/pagination\.py:5: large-page-size: Set the page size to 100/);
    assert.equal(fs.readFileSync(file, 'utf8'), BIG_PAGE.replace('10000', '100'));
    assert.equal(all.code, 0, 'nothing left to report');
  });

  it('--fix leaves alone a file that changed on disk after it was analysed', async () => {
    const root = tempWorkspace({ 'pagination.py': BIG_PAGE });
    const ws = await Workspace.open({ root });
    const results = ws.scan().files;
    const file = path.join(root, 'pagination.py');
    fs.writeFileSync(file, BIG_PAGE + '\n# edited by someone else\n');
    const outcome = applyFixesToFiles(ws, results, { unsafe: true });
    assert.deepEqual(outcome.changed, []);
    assert.match(outcome.notes[0].message, /changed on disk during the run/);
    assert.equal(fs.readFileSync(file, 'utf8'), BIG_PAGE + '\n# edited by someone else\n');
  });

  it('keeps a UTF-8 BOM when fixing', () => {
    const root = tempWorkspace({ 'p.py': '\uFEFF' + BIG_PAGE });
    memlint(root, '--fix', '--unsafe-fixes');
    const bytes = fs.readFileSync(path.join(root, 'p.py'));
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    assert.match(bytes.toString('utf8'), /page_size = 100\n/);
  });
});

/** Runs `Sarif.Multitool validate` and returns its error and warning results. */
function validateSarif(file: string): string[] {
  const out = `${file}.validation.sarif`;
  fs.rmSync(out, { force: true });
  const r = spawnSync(SARIF_MULTITOOL, ['validate', file, '-o', out], { encoding: 'utf8', env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1' } });
  assert.ok(fs.existsSync(out), `validator wrote no output: ${r.stdout}${r.stderr}`);
  const log = JSON.parse(fs.readFileSync(out, 'utf8'));
  return log.runs[0].results
    .filter((x: { level?: string }) => x.level === undefined || x.level === 'error' || x.level === 'warning')
    .map((x: { ruleId: string; message: { text?: string; arguments?: string[] } }) => `${x.ruleId}: ${x.message.text ?? (x.message.arguments ?? []).join(' ')}`);
}
