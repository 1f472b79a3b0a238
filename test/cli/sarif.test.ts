/**
 * SARIF for code scanning: results keep their `partialFingerprints` when lines move (so GitHub does not close
 * and reopen alerts on every edit above them), locations are relative to `originalUriBaseIds.SRCROOT`, and
 * every rule link (SARIF helpUri, the HTML report's links) resolves: the rule pages installed with memlint,
 * or the base URL given with --docs-url.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIG_PAGE, removeTempWorkspaces, tempWorkspace } from '../support/tmp';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'memlint.js');
after(removeTempWorkspaces);

function sarifOf(cwd: string, ...args: string[]): any {
  const r = spawnSync(process.execPath, [BIN, '--format', 'sarif', ...args], { cwd, encoding: 'utf8', env: { ...process.env, MEMLINT_DOCS_URL: '' } });
  assert.ok(r.status === 0 || r.status === 1, r.stderr);
  return JSON.parse(r.stdout);
}

/** Two pagination classes with the same flagged line, and one with another size. */
const TWO_SAME = `${BIG_PAGE}

class OtherExport(PageNumberPagination):
    page_size = 10000


class Bigger(PageNumberPagination):
    page_size = 50000
`;

const byLine = (sarif: any) =>
  new Map<number, string>(sarif.runs[0].results.map((r: any) => [r.locations[0].physicalLocation.region.startLine, r.partialFingerprints['memlint/v1']]));

describe('SARIF: fingerprints, relative locations, rule links', () => {
  before(function () {
    if (!fs.existsSync(path.resolve(__dirname, '..', '..', 'dist', 'cli.js'))) this.skip();
  });

  it('keeps each finding\'s fingerprint when lines are added above it, and tells identical lines apart', () => {
    const root = tempWorkspace({ 'app/pagination.py': TWO_SAME });
    const before = byLine(sarifOf(root));
    assert.deepEqual([...before.keys()], [5, 9, 13]);
    assert.equal(new Set(before.values()).size, 3, 'identical lines got the same fingerprint');

    fs.writeFileSync(path.join(root, 'app/pagination.py'), `"""Paginators."""\nimport os\n\n${TWO_SAME}`);
    const after = byLine(sarifOf(root));
    assert.deepEqual([...after.keys()], [8, 12, 16]);
    assert.deepEqual([...after.values()], [...before.values()]);

    // A changed flagged line is a different finding.
    fs.writeFileSync(path.join(root, 'app/pagination.py'), TWO_SAME.replace('page_size = 50000', 'page_size = 60000'));
    const changed = byLine(sarifOf(root));
    assert.equal(changed.get(5), before.get(5));
    assert.notEqual(changed.get(13), before.get(13));
  });

  it('gives locations relative to SRCROOT (the current directory), which resolve to the files', () => {
    const root = fs.realpathSync(tempWorkspace({ 'my app/pagination.py': BIG_PAGE }));
    const run = sarifOf(root).runs[0];
    const base = run.originalUriBaseIds.SRCROOT.uri;
    assert.equal(base, `file://${root}/`);
    const location = run.results[0].locations[0].physicalLocation.artifactLocation;
    assert.deepEqual(location, { uri: 'my%20app/pagination.py', uriBaseId: 'SRCROOT' });
    assert.ok(fs.existsSync(fileURLToPath(new URL(location.uri, base))));
  });

  it('links every rule to its page installed with memlint, or under --docs-url; the HTML report too', () => {
    const root = tempWorkspace({ 'app/pagination.py': BIG_PAGE });
    const driver = sarifOf(root).runs[0].tool.driver;
    assert.ok(driver.rules.length > 10);
    for (const uri of [driver.informationUri, ...driver.rules.map((r: any) => r.helpUri)]) {
      assert.match(uri, /^file:/);
      assert.ok(fs.existsSync(fileURLToPath(uri)), `dead link ${uri}`);
    }
    const custom = sarifOf(root, '--docs-url', 'https://docs.example.org/memlint/').runs[0].tool.driver;
    assert.equal(custom.rules.find((r: any) => r.id === 'large-page-size').helpUri, 'https://docs.example.org/memlint/large-page-size.md');

    spawnSync(process.execPath, [BIN, '--format', 'html', '--output', 'report.html'], { cwd: root, encoding: 'utf8', env: { ...process.env, MEMLINT_DOCS_URL: '' } });
    const html = fs.readFileSync(path.join(root, 'report.html'), 'utf8');
    const links = [...html.matchAll(/href="([^"#]+)[^"]*"/g)].map((m) => m[1].replace(/&amp;/g, '&'));
    assert.ok(links.some((l) => l.endsWith('/large-page-size.md')), links.join(' '));
    for (const link of links) {
      assert.ok(!/github\.com\/memlint/.test(link), `link to a repository that does not exist: ${link}`);
      if (link.startsWith('file:')) assert.ok(fs.existsSync(fileURLToPath(link)), `dead link ${link}`);
    }
  });
});
