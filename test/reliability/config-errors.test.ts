/**
 * Configuration (issue 10, item 7): a broken manifest that holds no memlint settings is a note, not a failed run;
 * numbers that are not numbers of anything (NaN, Infinity, 1e-300, negative) and keys the object model cannot
 * hold (`__proto__`) are errors naming the file, the key and the line.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allRules } from '../../rules/index';
import { ConfigError, loadConfig } from '../../server/src/engine/config';
import { removeTempWorkspaces, tempWorkspace, BIG_PAGE } from '../support/tmp';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'memlint.js');

function memlint(cwd: string) {
  const r = spawnSync(process.execPath, [BIN, '.'], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function configError(files: Record<string, string>): ConfigError {
  const root = tempWorkspace(files);
  try {
    loadConfig(root, allRules);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  assert.fail(`no configuration error for ${JSON.stringify(files)}`);
}

after(removeTempWorkspaces);

describe('reliability: configuration errors', function () {
  this.timeout(60_000);

  it('a root pyproject.toml or package.json that does not parse and has no memlint settings is a note; the scan runs', function () {
    if (!fs.existsSync(path.resolve(__dirname, '..', '..', 'dist', 'cli.js'))) this.skip();
    for (const [name, text] of [
      ['pyproject.toml', '[project\nname = "shop"\n'],
      ['package.json', '{ "name": "shop",, }\n'],
    ]) {
      const r = memlint(tempWorkspace({ [name]: text, 'app/pagination.py': BIG_PAGE }));
      assert.equal(r.code, 1, `${name}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`memlint: note: .*${name.replace('.', '\\.')}:\\d+: invalid (TOML|JSON).*no memlint settings, so memlint's defaults apply`));
      assert.match(r.stdout, /^app\/pagination\.py:5:17: large-page-size /m);
    }
  });

  it('a broken file that does hold memlint settings is still an error', () => {
    assert.match(configError({ 'pyproject.toml': '[tool.memlint\nmemoryLimitMb = 512\n' }).message, /pyproject\.toml:\d+: invalid TOML/);
    assert.match(configError({ 'package.json': '{ "memlint": { "memoryLimitMb": 512 },, }' }).message, /package\.json:1: invalid JSON/);
  });

  it('rejects NaN, Infinity, vanishing and negative memoryLimitMb and thresholds with file, key and line', () => {
    const cases: [string, RegExp][] = [
      ['memoryLimitMb = nan\n', /memlint\.toml:1: `memoryLimitMb`: must be a number of megabytes from 1 to 1048576 \(got NaN\)/],
      ['memoryLimitMb = inf\n', /memlint\.toml:1: `memoryLimitMb`: .*\(got Infinity\)/],
      ['memoryLimitMb = 1e-300\n', /memlint\.toml:1: `memoryLimitMb`: .*\(got 1e-300\)/],
      ['memoryLimitMb = -512\n', /memlint\.toml:1: `memoryLimitMb`: .*\(got -512\)/],
      ['\n[rules.large-page-size]\nthreshold = -1\n', /memlint\.toml:3: `rules\.large-page-size\.threshold`: must be a whole number from 1/],
      ['[rules.large-page-size]\nthreshold = 1e-300\n', /memlint\.toml:2: `rules\.large-page-size\.threshold`: .*\(got 1e-300\)/],
      ['[rules.large-page-size]\nthreshold = inf\n', /memlint\.toml:2: `rules\.large-page-size\.threshold`: .*\(got Infinity\)/],
      ['[rules.node-heap-limit]\nheapFraction = nan\n', /memlint\.toml:2: `rules\.node-heap-limit\.heapFraction`: must be a share from 0.01 to 1 \(got NaN\)/],
    ];
    for (const [text, expected] of cases) assert.match(configError({ 'memlint.toml': text }).message, expected, text);
    // The same in package.json, where only a huge literal reaches Infinity.
    assert.match(configError({ 'package.json': '{\n  "memlint": {\n    "memoryLimitMb": 1e999\n  }\n}\n' }).message, /package\.json:3: `memlint\.memoryLimitMb`: .*\(got Infinity\)/);
    // Sane values still load.
    const root = tempWorkspace({ 'memlint.toml': 'memoryLimitMb = 512\n[rules.large-page-size]\nthreshold = 2000\n' });
    assert.equal(loadConfig(root, allRules).memoryLimitMb, 512);
  });

  it('[rules.__proto__] is an error, as the same key is in JSON', () => {
    assert.match(configError({ 'memlint.toml': '[rules.__proto__]\nseverity = "off"\n' }).message, /memlint\.toml:1: `rules\.__proto__`: not a valid setting or rule id/);
    assert.match(configError({ 'pyproject.toml': '[tool.memlint.rules.__proto__]\nseverity = "off"\n' }).message, /pyproject\.toml:1: `tool\.memlint\.rules\.__proto__`/);
    assert.match(configError({ 'package.json': '{"memlint": {"rules": {"__proto__": "off"}}}' }).message, /`memlint\.rules\.__proto__`: unknown rule id/);
    assert.match(configError({ 'memlint.toml': '[rules.constructor.prototype]\nseverity = "off"\n' }).message, /`rules\.constructor\.prototype`/);
    // Nothing leaked into every object of the process (turning the TOML into objects used to set Object.prototype.severity).
    assert.equal(({} as Record<string, unknown>).severity, undefined);
  });
});
