import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { ConfigError } from '../../server/src/engine/config';
import { Workspace } from '../../server/src/engine/workspace';
import { BIG_PAGE, removeTempWorkspaces, tempWorkspace } from '../support/tmp';

after(removeTempWorkspaces);

async function findingsIn(files: Record<string, string>): Promise<{ ruleId: string; severity: string }[]> {
  const root = tempWorkspace(files);
  const ws = await Workspace.open({ root });
  return ws.scan().files.flatMap((f) => f.findings);
}

async function configError(files: Record<string, string>): Promise<ConfigError> {
  const root = tempWorkspace(files);
  try {
    await Workspace.open({ root });
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
    return e;
  }
  assert.fail('expected a configuration error');
}

describe('configuration', () => {
  it('uses rule defaults without a config file', async () => {
    const findings = await findingsIn({ 'pagination.py': BIG_PAGE });
    assert.deepEqual(findings.map((f) => [f.ruleId, f.severity]), [['large-page-size', 'warning']]);
  });

  it('re-levels and turns off rules from memlint.toml', async () => {
    assert.equal((await findingsIn({ 'pagination.py': BIG_PAGE, 'memlint.toml': '[rules]\nlarge-page-size = "error"\n' }))[0].severity, 'error');
    assert.deepEqual(await findingsIn({ 'pagination.py': BIG_PAGE, 'memlint.toml': '[rules]\nlarge-page-size = "off"\n' }), []);
  });

  it('applies rule options (thresholds)', async () => {
    const raised = '[rules.large-page-size]\nthreshold = 20000\n';
    assert.deepEqual(await findingsIn({ 'pagination.py': BIG_PAGE, 'memlint.toml': raised }), []);
  });

  it('reads [tool.memlint] from pyproject.toml and "memlint" from package.json', async () => {
    const py = await findingsIn({ 'pagination.py': BIG_PAGE, 'pyproject.toml': '[project]\nname = "x"\n\n[tool.memlint.rules]\nlarge-page-size = "info"\n' });
    assert.equal(py[0].severity, 'info');
    const pkg = await findingsIn({ 'pagination.py': BIG_PAGE, 'package.json': JSON.stringify({ name: 'x', memlint: { rules: { 'large-page-size': 'hint' } } }) });
    assert.equal(pkg[0].severity, 'hint');
  });

  it('ignores a pyproject.toml or package.json without memlint settings', async () => {
    const findings = await findingsIn({ 'pagination.py': BIG_PAGE, 'pyproject.toml': '[project]\nname = "x"\n', 'package.json': '{"name": "x"}' });
    assert.equal(findings.length, 1);
  });

  it('names file, key and line for an unknown rule id', async () => {
    const e = await configError({ 'memlint.toml': 'memoryLimitMb = 512\n\n[rules]\nlarge-pagesize = "error"\n' });
    assert.equal(path.basename(e.file), 'memlint.toml');
    assert.equal(e.key, 'rules.large-pagesize');
    assert.equal(e.line, 4);
    assert.match(e.message, /unknown rule id; known rules: .*large-page-size/);
  });

  it('rejects a bad severity, a bad option type, an unknown option and an unknown setting', async () => {
    assert.match((await configError({ 'memlint.toml': '[rules]\nlarge-page-size = "loud"\n' })).message, /memlint.toml:2: `rules.large-page-size`: severity must be one of/);
    const badType = await configError({ 'memlint.toml': '[rules.large-page-size]\nthreshold = "big"\n' });
    assert.equal(badType.key, 'rules.large-page-size.threshold');
    assert.equal(badType.line, 2);
    assert.match(badType.message, /must be a number/);
    assert.match((await configError({ 'memlint.toml': '[rules.large-page-size]\nlimit = 5\n' })).message, /unknown option for large-page-size; options: severity, threshold/);
    const unknown = await configError({ 'memlint.toml': 'memoryLimitMB = 512\n' });
    assert.equal(unknown.key, 'memoryLimitMB');
    assert.match(unknown.message, /unknown setting; expected one of memoryLimitMb/);
  });

  it('reports invalid TOML and JSON with a line number', async () => {
    const toml = await configError({ 'memlint.toml': '[rules]\nlarge-page-size = \n' });
    assert.match(toml.message, /memlint.toml:[23]: invalid TOML: /);
    const json = await configError({ 'package.json': '{\n  "name": "x",\n  "memlint": {\n}\n' });
    assert.match(json.message, /package.json:\d+: invalid JSON/);
  });

  it('reports a missing explicit config file', async () => {
    const root = tempWorkspace({ 'a.py': '' });
    await assert.rejects(Workspace.open({ root, configFile: 'nope.toml' }), /nope.toml: config file not found/);
  });

  it('reads memoryLimitMb, include and exclude', async () => {
    const root = tempWorkspace({
      'memlint.toml': 'memoryLimitMb = 1024\ninclude = ["app/**"]\nexclude = ["app/legacy/**"]\n',
      'app/pagination.py': BIG_PAGE,
      'app/legacy/pagination.py': BIG_PAGE,
      'scripts/pagination.py': BIG_PAGE,
    });
    const ws = await Workspace.open({ root });
    assert.equal(ws.config.memoryLimitMb, 1024);
    assert.deepEqual(ws.discover().map((f) => f.relPath), ['app/pagination.py']);
  });
});

describe('configuration of rules implemented for several languages', () => {
  it('accepts the options of every implementation that shares an id', async () => {
    const root = tempWorkspace({ 'memlint.toml': '[rules.unbounded-cache]\nsuggestedMaxsize = 64\n', 'a.py': '' });
    const ws = await Workspace.open({ root });
    assert.equal(ws.config.rules.get('unbounded-cache')?.options.suggestedMaxsize, 64);
  });
});
