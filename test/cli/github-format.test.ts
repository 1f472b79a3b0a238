/**
 * `--format github` against GitHub's spec for workflow commands: the escaping of actions/toolkit's
 * @actions/core (its own test cases, packages/core/__tests__/command.test.ts at commit 0c741045), and every
 * line read back the way the runner reads it (actions/runner, src/Runner.Worker/ActionCommand.cs TryParseV2 and
 * ActionCommandManager.cs IssueCommandExtension): the annotation lands on the file, lines and columns of the
 * finding, with its message intact.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { escapeData, escapeProperty } from '../../server/src/cli/format-github';
import { BIG_PAGE, removeTempWorkspaces, tempWorkspace } from '../support/tmp';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'memlint.js');
after(removeTempWorkspaces);

interface Command {
  command: string;
  properties: Record<string, string>;
  data: string;
}

/** A workflow command line as the runner parses it: `::name k=v,k=v::data`, then unescaped. */
function parseCommand(line: string): Command | undefined {
  if (!line.startsWith('::')) return undefined;
  const end = line.indexOf('::', 2);
  if (end < 0) return undefined;
  const info = line.slice(2, end);
  const space = info.indexOf(' ');
  const properties: Record<string, string> = {};
  if (space >= 0) {
    for (const pair of info.slice(space + 1).split(',').filter(Boolean)) {
      const eq = pair.indexOf('=');
      assert.ok(eq > 0, `property without "=": ${pair}`);
      properties[pair.slice(0, eq)] = unescape(pair.slice(eq + 1), true);
    }
  }
  return { command: space >= 0 ? info.slice(0, space) : info, properties, data: unescape(line.slice(end + 2), false) };
}

function unescape(s: string, property: boolean): string {
  let out = s.replace(/%0D/g, '\r').replace(/%0A/g, '\n');
  if (property) out = out.replace(/%3A/g, ':').replace(/%2C/g, ',');
  return out.replace(/%25/g, '%');
}

function memlint(cwd: string, ...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', MEMLINT_DOCS_URL: '' } });
}

describe('--format github (workflow command annotations)', () => {
  before(function () {
    if (!fs.existsSync(path.resolve(__dirname, '..', '..', 'dist', 'cli.js'))) this.skip();
  });

  it('escapes data and properties as @actions/core does (its own test cases)', () => {
    assert.equal(escapeData('percent % percent % cr \r cr \r lf \n lf \n'), 'percent %25 percent %25 cr %0D cr %0D lf %0A lf %0A');
    assert.equal(escapeData('%25 %25 %0D %0D %0A %0A'), '%2525 %2525 %250D %250D %250A %250A');
    assert.equal(
      escapeProperty('percent % percent % cr \r cr \r lf \n lf \n colon : colon : comma , comma ,'),
      'percent %25 percent %25 cr %0D cr %0D lf %0A lf %0A colon %3A colon %3A comma %2C comma %2C',
    );
    assert.equal(escapeProperty('%25 %25 %0D %0D %0A %0A %3A %3A %2C %2C'), '%2525 %2525 %250D %250D %250A %250A %253A %253A %252C %252C');
  });

  it('puts each finding on its file, lines and columns, with its message, as the runner reads it', () => {
    // A folder name with the characters that must be escaped in a property (`,` `:` `%`).
    const dir = 'odd, name: 100%';
    const root = tempWorkspace({ [`${dir}/pagination.py`]: BIG_PAGE, 'app/pagination.py': BIG_PAGE });
    const json = JSON.parse(memlint(root, '--format', 'json').stdout);
    const r = memlint(root, '--format', 'github', '--docs-url', 'https://example.com/memlint/rules');
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    const commands = lines.map(parseCommand);
    const annotations = commands.filter((c): c is Command => !!c);
    assert.equal(annotations.length, json.findings.length);
    assert.equal(annotations.length, 2);
    // Anything else is plain log text: the summary.
    assert.deepEqual(lines.filter((l, i) => !commands[i]), ['memlint: 2 problems in 2 files (2 analysed).']);

    for (const finding of json.findings) {
      const a = annotations.find((x) => x.properties.file === finding.file);
      assert.ok(a, `no annotation for ${finding.file}: ${r.stdout}`);
      assert.equal(a.command, 'warning');
      assert.ok(fs.existsSync(path.join(root, a.properties.file)), a.properties.file);
      assert.deepEqual(
        [a.properties.line, a.properties.col, a.properties.endLine, a.properties.endColumn].map(Number),
        [finding.range.start.line, finding.range.start.column, finding.range.end.line, finding.range.end.column],
      );
      assert.equal(a.properties.title, 'memlint (large-page-size)');
      assert.deepEqual(Object.keys(a.properties).sort(), ['col', 'endColumn', 'endLine', 'file', 'line', 'title']);
      // The message, the fix hint (this fix is unsafe: it changes what clients get), and the rule's page on its
      // own line (a configured https base URL).
      assert.deepEqual(finding.fixes.map((x: { safety: string }) => x.safety), ['unsafe']);
      assert.equal(a.data, `${finding.message} (fix: memlint --fix --unsafe-fixes)\nhttps://example.com/memlint/rules/large-page-size.md`);
    }
    assert.ok(lines.some((l) => l.startsWith('::warning file=odd%2C name%3A 100%25/pagination.py,line=5,endLine=5,col=17,')), r.stdout);
  });

  it('leaves out links the reader cannot open (the runner\'s file: URLs), and reports clean runs', () => {
    const root = tempWorkspace({ 'app/pagination.py': BIG_PAGE });
    const [a] = memlint(root, '--format', 'github').stdout.split('\n').map(parseCommand);
    assert.ok(a && !a.data.includes('file:'), a?.data);
    const clean = memlint(tempWorkspace({ 'app.py': 'x = 1\n' }), '--format', 'github');
    assert.equal(clean.status, 0);
    assert.equal(clean.stdout, 'memlint: no memory problems found in 1 files.\n');
  });
});
