/**
 * `memlint --diff`, `--statistics` and `--watch` as a user runs them (the built bin/memlint.js). The diff is
 * checked by applying it with `git apply` to a copy and comparing with what `--fix` writes to another copy.
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BIG_PAGE, removeTempWorkspaces, tempWorkspace } from '../support/tmp';
import { unifiedDiff } from '../../server/src/cli/unified-diff';

const REPO = path.resolve(__dirname, '..', '..');
const BIN = path.join(REPO, 'bin', 'memlint.js');

after(removeTempWorkspaces);

function memlint(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under a folder, relative path -> bytes. */
function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) walk(abs);
      else out.set(path.relative(root, abs), fs.readFileSync(abs, 'latin1'));
    }
  };
  walk(root);
  return out;
}

function copyOf(src: string): string {
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-diff-'));
  fs.cpSync(src, dest, { recursive: true });
  return dest;
}


describe('memlint --diff', function () {
  this.timeout(60_000);
  before(function () {
    if (!fs.existsSync(path.join(REPO, 'dist', 'cli.js'))) this.skip();
  });

  for (const unsafe of [false, true]) {
    it(`prints the diff that --fix${unsafe ? ' --unsafe-fixes' : ''} would apply to examples/, and changes nothing`, () => {
      const flags = unsafe ? ['--unsafe-fixes'] : [];
      const base = copyOf(path.join(REPO, 'examples'));
      const before = snapshot(base);
      const r = memlint(base, '.', '--diff', ...flags);
      assert.equal(r.code, 1, r.stderr);
      assert.deepEqual(snapshot(base), before, '--diff changed files');
      assert.match(r.stdout, /^--- (\S+)\n\+\+\+ \1\n@@ -\d+(,\d+)? \+\d+(,\d+)? @@/m);
      const count = Number(/Would fix (\d+) problems? in \d+ files?/.exec(r.stderr)?.[1]);
      assert.ok(count > 0, r.stderr);

      const fixed = copyOf(base);
      memlint(fixed, '.', '--fix', ...flags);
      const patched = copyOf(base);
      fs.writeFileSync(path.join(os.tmpdir(), `memlint-${process.pid}.patch`), r.stdout);
      const applied = spawnSync('git', ['apply', '-p0', path.join(os.tmpdir(), `memlint-${process.pid}.patch`)], { cwd: patched, encoding: 'utf8' });
      assert.equal(applied.status, 0, applied.stderr);
      assert.deepEqual(snapshot(patched), snapshot(fixed), 'the diff applied to a copy differs from what --fix writes');
      for (const dir of [base, fixed, patched]) fs.rmSync(dir, { recursive: true, force: true });
    });
  }

  it('leaves unsafe fixes out unless --unsafe-fixes is given', () => {
    // In examples/, n-plus-one's select_related is a safe fix; large-page-size's smaller page is unsafe.
    const root = copyOf(path.join(REPO, 'examples'));
    const safe = memlint(root, '--diff').stdout;
    assert.match(safe, /^\+.*\.select_related\("customer"\)/m);
    assert.doesNotMatch(safe, /^\+\s*page_size = 100$/m);
    const all = memlint(root, '--diff', '--unsafe-fixes').stdout;
    assert.match(all, /^\+.*\.select_related\("customer"\)/m);
    assert.match(all, /^-\s*page_size = 10000\n\+\s*page_size = 100$/m);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('exits 0 with no output when there is nothing to fix', () => {
    const root = tempWorkspace({ 'views.py': 'x = 1\n' });
    const r = memlint(root, '--diff');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /No fixes to apply/);
  });

  it('refuses --diff with --fix', () => {
    const root = tempWorkspace({ 'a.py': BIG_PAGE });
    const r = memlint(root, '--diff', '--fix');
    assert.equal(r.code, 2);
    assert.equal(fs.readFileSync(path.join(root, 'a.py'), 'utf8'), BIG_PAGE);
  });
});

describe('unified diff', () => {
  it('marks a missing final newline and numbers hunks like diff -u', () => {
    assert.equal(unifiedDiff('a', 'b', 'x\ny', 'x\nz\n'), '--- a\n+++ b\n@@ -1,2 +1,2 @@\n x\n-y\n\\ No newline at end of file\n+z\n');
    assert.equal(unifiedDiff('a', 'b', '', 'new\n'), '--- a\n+++ b\n@@ -0,0 +1 @@\n+new\n');
    assert.equal(unifiedDiff('a', 'b', 'same\n', 'same\n'), '');
  });

  it('keeps 3 lines of context and merges changes 6 or fewer lines apart', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
    const edited = [...lines];
    edited[4] = 'five';
    edited[11] = 'twelve'; // 6 unchanged lines between: one hunk
    edited[25] = 'twenty-six'; // far: a second hunk
    const diff = unifiedDiff('a', 'b', lines.join('\n') + '\n', edited.join('\n') + '\n');
    assert.deepEqual(diff.match(/^@@.*@@$/gm), ['@@ -2,14 +2,14 @@', '@@ -23,7 +23,7 @@']);
  });
});

describe('memlint --statistics', function () {
  this.timeout(60_000);
  before(function () {
    if (!fs.existsSync(path.join(REPO, 'dist', 'cli.js'))) this.skip();
  });

  it('prints one line per rule with the same counts as the findings, [*] where a fix exists', () => {
    const examples = path.join(REPO, 'examples');
    const findings: { ruleId: string; fixes: unknown[] }[] = JSON.parse(memlint(REPO, 'examples', '--format', 'json').stdout).findings;
    const expected = new Map<string, { count: number; fixable: boolean }>();
    for (const f of findings) {
      const e = expected.get(f.ruleId) ?? { count: 0, fixable: false };
      e.count++;
      e.fixable ||= f.fixes.length > 0;
      expected.set(f.ruleId, e);
    }
    const r = memlint(REPO, 'examples', '--statistics');
    assert.equal(r.code, 1);
    const rows = r.stdout.trimEnd().split('\n').map((l) => /^\s*(\d+)  (\S+)\s+(\[\*\]|\[ \])$/.exec(l));
    assert.ok(rows.every(Boolean), r.stdout);
    const got = new Map(rows.map((m) => [m![2], { count: Number(m![1]), fixable: m![3] === '[*]' }]));
    assert.deepEqual(got, expected);
    const counts = rows.map((m) => Number(m![1]));
    assert.deepEqual(counts, [...counts].sort((a, b) => b - a), 'most frequent first');
    assert.ok(fs.existsSync(examples));
  });

  it('prints JSON rows with --format json', () => {
    const root = tempWorkspace({ 'a.py': BIG_PAGE });
    const rows = JSON.parse(memlint(root, '--statistics', '--format', 'json').stdout);
    assert.deepEqual(rows, [{ ruleId: 'large-page-size', count: 1, fixable: 1, severity: 'warning' }]);
  });
});

describe('memlint --watch', function () {
  this.timeout(60_000);
  before(function () {
    if (!fs.existsSync(path.join(REPO, 'dist', 'cli.js'))) this.skip();
  });

  it('runs once, then again when a file changes', async () => {
    const root = tempWorkspace({ 'app/clean.py': 'x = 1\n' });
    const child = spawn(process.execPath, [BIN, '--watch', '--no-color'], { cwd: root, env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let err = '';
    const waiters: (() => void)[] = [];
    child.stdout.on('data', (d) => {
      out += d;
      waiters.forEach((w) => w());
    });
    child.stderr.on('data', (d) => {
      err += d;
      waiters.forEach((w) => w());
    });
    const until = (test: () => boolean, what: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; stdout: ${out} stderr: ${err}`)), 30_000);
        const check = () => {
          if (!test()) return;
          clearTimeout(timer);
          resolve();
        };
        waiters.push(check);
        check();
      });
    try {
      await until(() => /watching .* for changes/.test(err), 'the first run');
      assert.match(out, /No memory problems found in 1 files/);
      fs.writeFileSync(path.join(root, 'app', 'pagination.py'), BIG_PAGE);
      await until(() => /large-page-size Loads up to 10000 rows per request/.test(out), 'the re-run after a change');
    } finally {
      child.kill('SIGINT');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });
});
