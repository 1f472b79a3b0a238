/**
 * Line endings and odd encodings (issue 10, item 6): a lone CR never makes a rule throw, CR-only files get the
 * findings their LF twins get (and fixes that keep CR), and requirements files in UTF-16 with a BOM are read.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { workspaceBudgets } from '../../server/src/engine/budget';
import { Workspace } from '../../server/src/engine/workspace';
import { removeTempWorkspaces, tempWorkspace, BIG_PAGE } from '../support/tmp';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'memlint.js');
const RENDER = `services:\n  - type: web\n    name: api\n    startCommand: gunicorn app:app --workers 8\n`;
const READ_CSV = `import pandas as pd\n\n\ndef report(request):\n    df = pd.read_csv("big.csv")\n    return df\n`;
const cr = (s: string) => s.replace(/\n/g, '\r');

async function analyse(files: Record<string, string | Buffer>) {
  const root = tempWorkspace(files);
  const ws = await Workspace.open({ root });
  ws.discover();
  return Object.fromEntries(Object.keys(files).map((name) => [name, ws.analyzeFile(path.join(root, name))]));
}

after(removeTempWorkspaces);

describe('reliability: line endings and encodings', function () {
  this.timeout(60_000);

  it('a lone CR inside a Dockerfile instruction makes no rule throw', async () => {
    const { Dockerfile: r } = await analyse({ Dockerfile: 'FROM python:3.12\nCMD gunicorn app:app \\\r--workers 4\n' });
    assert.deepEqual(r.notes, []);
    assert.ok(r.findings.some((f) => f.ruleId === 'missing-worker-recycling'));
  });

  it('CR-only Python and YAML files get the same findings, at the same places, as their LF versions', async () => {
    const lf = await analyse({ 'reports.py': READ_CSV, 'pagination.py': BIG_PAGE, 'render.yaml': RENDER });
    const crOnly = await analyse({ 'reports.py': cr(READ_CSV), 'pagination.py': cr(BIG_PAGE), 'render.yaml': cr(RENDER) });
    for (const name of ['reports.py', 'pagination.py', 'render.yaml']) {
      const where = (r: (typeof lf)[string]) => r.findings.map((f) => `${f.ruleId} ${f.range.start.line}:${f.range.start.character}`);
      assert.ok(lf[name].findings.length > 0, name);
      assert.deepEqual(where(crOnly[name]), where(lf[name]), name);
      assert.deepEqual(crOnly[name].notes, [], name);
    }
  });

  it('--fix on a CR-only file writes CR line ends: the LF fix with LF turned into CR', function () {
    if (!fs.existsSync(path.resolve(__dirname, '..', '..', 'dist', 'cli.js'))) this.skip();
    const lfRoot = tempWorkspace({ 'render.yaml': RENDER, 'pagination.py': BIG_PAGE });
    const crRoot = tempWorkspace({ 'render.yaml': cr(RENDER), 'pagination.py': cr(BIG_PAGE) });
    for (const root of [lfRoot, crRoot]) {
      const r = spawnSync(process.execPath, [BIN, '.', '--fix', '--unsafe-fixes', '--exit-zero'], { cwd: root, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    }
    for (const name of ['render.yaml', 'pagination.py']) {
      const fixedLf = fs.readFileSync(path.join(lfRoot, name), 'utf8');
      const fixedCr = fs.readFileSync(path.join(crRoot, name), 'utf8');
      assert.notEqual(fixedLf, name === 'render.yaml' ? RENDER : BIG_PAGE, `${name} was not fixed`);
      assert.equal(fixedCr, cr(fixedLf), name);
    }
  });

  it('a requirements.txt in UTF-16 with a BOM (PowerShell `pip freeze >`) feeds the budget like a UTF-8 one', async () => {
    const requirements = 'Django==4.2\r\ntorch==2.1.0\r\ngunicorn==21.2\r\n';
    const budget = async (bytes: Buffer) => {
      const root = tempWorkspace({ Procfile: 'web: gunicorn app:app\n', 'app.py': 'import torch\n', 'requirements.txt': bytes });
      const ws = await Workspace.open({ root });
      ws.discover();
      const files = ws.scan().files;
      return JSON.stringify(workspaceBudgets(ws, files).map((b) => b.before.items.map((i) => i.label)));
    };
    const utf8 = await budget(Buffer.from(requirements, 'utf8'));
    assert.match(utf8, /PyTorch/);
    assert.equal(await budget(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(requirements, 'utf16le')])), utf8);
  });
});
