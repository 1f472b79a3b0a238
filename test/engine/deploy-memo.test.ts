/**
 * The deploy model is remembered per project while none of its files changes (analysis/deploy/deploys.ts): the
 * rules of every analysed file ask for it. What a user would see go wrong: a deploy file edited in the editor (its
 * unsaved text), or changed on disk, and findings still computed from the old command.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findDeploys, forgetDeploys } from '../../analysis/deploy/deploys';
import { Workspace as DeployWorkspace } from '../../analysis/deploy/deploy-files';
import { Workspace } from '../../server/src/engine/workspace';

/** The programs and arguments of every process the deploys start, as a rule analysing `file` with `text` sees them. */
function commands(ws: Workspace, file: string, text: string): string[] {
  return findDeploys(new DeployWorkspace(ws.project, { relPath: file, text })).flatMap((d) =>
    d.processes.map((p) => [p.command.program, ...p.command.args.map((a) => a.value)].join(' ')),
  );
}

describe('deploy model remembered per project', () => {
  let root: string;
  const procfile = (workers: number) => `web: gunicorn app:app --workers ${workers}\n`;
  const app = 'from flask import Flask\napp = Flask(__name__)\n';

  beforeEach(() => {
    forgetDeploys();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-deploy-memo-'));
    fs.writeFileSync(path.join(root, 'Procfile'), procfile(4));
    fs.writeFileSync(path.join(root, 'requirements.txt'), 'flask\ngunicorn\n');
    fs.writeFileSync(path.join(root, 'app.py'), app);
    fs.writeFileSync(path.join(root, 'other.py'), 'x = 1\n');
  });
  afterEach(() => {
    forgetDeploys();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('answers from the analysed file\'s own text when it is a deploy file, and from the disk for the others', async () => {
    const ws = await Workspace.open({ root });
    ws.discover();
    assert.deepEqual(commands(ws, 'app.py', app), ['gunicorn app:app --workers 4']);
    assert.deepEqual(commands(ws, 'other.py', 'x = 1\n'), ['gunicorn app:app --workers 4']);
    // The Procfile analysed with unsaved edits: its text, not the remembered answer.
    assert.deepEqual(commands(ws, 'Procfile', procfile(2)), ['gunicorn app:app --workers 2']);
    // Another file analysed after it: the Procfile on disk again.
    assert.deepEqual(commands(ws, 'app.py', app), ['gunicorn app:app --workers 4']);
    assert.deepEqual(commands(ws, 'Procfile', procfile(3)), ['gunicorn app:app --workers 3']);
    assert.deepEqual(commands(ws, 'Procfile', procfile(4)), ['gunicorn app:app --workers 4']);
  });

  it('answers from the new text once a deploy file changed on disk', async () => {
    const ws = await Workspace.open({ root });
    ws.discover();
    assert.deepEqual(commands(ws, 'app.py', app), ['gunicorn app:app --workers 4']);
    fs.writeFileSync(path.join(root, 'Procfile'), procfile(8));
    ws.invalidate(path.join(root, 'Procfile'));
    assert.deepEqual(commands(ws, 'app.py', app), ['gunicorn app:app --workers 8']);
    assert.deepEqual(commands(ws, 'other.py', 'x = 1\n'), ['gunicorn app:app --workers 8']);
  });

  it('answers from the current file list once a deploy file is added', async () => {
    const ws = await Workspace.open({ root });
    ws.discover();
    assert.deepEqual(commands(ws, 'app.py', app), ['gunicorn app:app --workers 4']);
    fs.rmSync(path.join(root, 'Procfile'));
    ws.invalidate(path.join(root, 'Procfile'));
    ws.discover();
    assert.deepEqual(commands(ws, 'app.py', app), []);
  });
});
