/**
 * action.yml, the GitHub Action: a composite of setup-node, installing memlint, running it, uploading SARIF.
 * The "Run memlint" step's script runs here with bash as the runner would run it (inputs as env, a
 * GITHUB_OUTPUT file), with this repository's build as `memlint` on PATH.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { BIG_PAGE, removeTempWorkspaces, tempWorkspace } from '../support/tmp';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const action = parse(fs.readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8'));
after(removeTempWorkspaces);

function runStep(cwd: string, env: Record<string, string>) {
  const step = action.runs.steps.find((s: any) => s.id === 'run');
  const bin = tempWorkspace({ memlint: `#!/bin/sh\nexec "${process.execPath}" "${path.join(REPO_ROOT, 'bin', 'memlint.js')}" "$@"\n` });
  fs.chmodSync(path.join(bin, 'memlint'), 0o755);
  const outputFile = path.join(bin, 'github-output');
  fs.writeFileSync(outputFile, '');
  // Inputs reach the script as the step's env, with the defaults of action.yml.
  const inputs = Object.fromEntries(Object.entries(action.inputs).map(([k, v]: [string, any]) => [k, v.default]));
  const stepEnv = Object.fromEntries(
    Object.entries(step.env as Record<string, string>).map(([k, expr]) => [k, String({ ...inputs, ...env }[/inputs\.([\w-]+)/.exec(expr)![1]] ?? '')]),
  );
  const r = spawnSync('bash', ['-e', '-c', step.run], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, MEMLINT_DOCS_URL: '', ...stepEnv, PATH: `${bin}:${process.env.PATH}`, GITHUB_OUTPUT: outputFile },
  });
  const outputs = Object.fromEntries(fs.readFileSync(outputFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => l.split(/=(.*)/s).slice(0, 2)));
  return { ...r, outputs };
}

describe('GitHub Action (action.yml)', () => {
  before(function () {
    if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'cli.js'))) this.skip();
  });

  it('is a composite action: setup-node, install, run, upload SARIF, fail on findings', () => {
    assert.equal(action.runs.using, 'composite');
    const steps = action.runs.steps;
    assert.match(steps[0].uses, /^actions\/setup-node@v\d+$/);
    assert.match(steps.find((s: any) => s.name === 'Install memlint').run, /npm pack/);
    const upload = steps.find((s: any) => /upload-sarif/.test(s.uses ?? ''));
    assert.match(upload.uses, /^github\/codeql-action\/upload-sarif@v\d+$/);
    assert.equal(upload.if, "inputs.output == 'sarif'");
    for (const s of steps) if (s.run) assert.equal(s.shell, 'bash', s.name);
  });

  it('annotates findings (--format github) and reports the exit code as an output', () => {
    const root = tempWorkspace({ 'app/pagination.py': BIG_PAGE, 'app/clean.py': 'x = 1\n' });
    const r = runStep(root, { paths: 'app' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^::warning file=app\/pagination\.py,line=5,endLine=5,col=17,endColumn=\d+,title=memlint \(large-page-size\)::/m);
    assert.equal(r.outputs['exit-code'], '1');
    assert.equal(runStep(root, { paths: 'app/clean.py' }).outputs['exit-code'], '0');
    // docs-url: the rule's page under it, on the annotation's last line.
    const linked = runStep(root, { paths: 'app', 'docs-url': 'https://example.com/memlint/docs/rules/' });
    assert.match(linked.stdout, /%0Ahttps:\/\/example\.com\/memlint\/docs\/rules\/large-page-size\.md$/m);
  });

  it('writes SARIF for upload, with paths relative to the repository root', () => {
    const root = tempWorkspace({ 'svc/app/pagination.py': BIG_PAGE });
    const r = runStep(root, { paths: 'svc', output: 'sarif' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.outputs['sarif-file'], 'memlint.sarif');
    const sarif = JSON.parse(fs.readFileSync(path.join(root, 'memlint.sarif'), 'utf8'));
    assert.equal(sarif.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri, 'svc/app/pagination.py');
  });

  it('fails the step at once on a configuration error or an unknown output', () => {
    const root = tempWorkspace({ 'a.py': BIG_PAGE, 'memlint.toml': '[rules]\nnope = "off"\n' });
    const bad = runStep(root, {});
    assert.equal(bad.status, 2);
    assert.equal(bad.outputs['exit-code'], '2');
    const wrong = runStep(tempWorkspace({ 'a.py': 'x = 1\n' }), { output: 'xml' });
    assert.equal(wrong.status, 2);
    assert.match(wrong.stdout, /^::error title=memlint action::output must be annotations or sarif/m);
  });
});
