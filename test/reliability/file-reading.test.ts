/**
 * Files that are not files (issue 10, item 2): a deploy file symlinked to /dev/zero once grew the CLI to
 * 16.8 GB, a FIFO hung it. Only regular files are read, never waited on, never past the size cap.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRegularFile } from '../../server/src/engine/safe-read';
import { Workspace } from '../../server/src/engine/workspace';
import { removeTempWorkspaces, tempWorkspace } from '../support/tmp';
import { BIG_PAGE, BUILT, memlint } from './io-helpers';

after(removeTempWorkspaces);

const mkfifo = (p: string) => execFileSync('mkfifo', [p]);

describe('reliability: files that are not files', () => {
  it('refuses a device and a FIFO at once, without reading or waiting', () => {
    const root = tempWorkspace({});
    mkfifo(path.join(root, 'pipe'));
    const zero = readRegularFile('/dev/zero', 1048576);
    assert.equal(zero.ok, false);
    assert.match(!zero.ok ? zero.message : '', /not a regular file \(a device\)/);
    // A blocking open of a FIFO with no writer would never return: this test would time out.
    const fifo = readRegularFile(path.join(root, 'pipe'), 1048576);
    assert.match(!fifo.ok ? fifo.message : '', /not a regular file \(a FIFO\)/);
  });

  it('enforces the size cap on what it reads, and reads a file of exactly the cap', () => {
    const root = tempWorkspace({ 'at.txt': Buffer.alloc(1000, 0x61), 'over.txt': Buffer.alloc(1001, 0x61) });
    const at = readRegularFile(path.join(root, 'at.txt'), 1000);
    assert.equal(at.ok && at.bytes.length, 1000);
    const over = readRegularFile(path.join(root, 'over.txt'), 1000);
    assert.equal(!over.ok && over.reason, 'too-large');
  });

  it('rules reading a FIFO Procfile or a Dockerfile symlinked to /dev/zero get nothing, at once; findings stay', async () => {
    const root = tempWorkspace({ 'app/pagination.py': BIG_PAGE, 'requirements.txt': 'django\n' });
    mkfifo(path.join(root, 'Procfile'));
    fs.symlinkSync('/dev/zero', path.join(root, 'Dockerfile'));
    const ws = await Workspace.open({ root });
    // What rules call to read deploy files (the Procfile for scheduler-in-web-process, the Dockerfile for budgets).
    assert.equal(ws.project.readFile('Procfile'), undefined);
    assert.equal(ws.project.readFile('Dockerfile'), undefined);
    assert.equal(ws.project.readFile('requirements.txt'), 'django\n');
    const result = ws.analyzeFile(path.join(root, 'app/pagination.py'));
    assert.deepEqual(result.findings.map((f) => `${f.ruleId}:${f.range.start.line + 1}`), ['large-page-size:5']);
  });

  describe('the CLI', () => {
    before(function () {
      if (!BUILT) this.skip();
    });

    it('notes a deploy file symlinked to /dev/zero and FIFOs named on the command line; the other files keep their findings', () => {
      const root = tempWorkspace({ 'app/pagination.py': BIG_PAGE });
      fs.symlinkSync('/dev/zero', path.join(root, 'Dockerfile'));
      mkfifo(path.join(root, 'Procfile'));
      mkfifo(path.join(root, 'render.yaml'));
      const r = memlint(root, ['Dockerfile', 'Procfile', 'render.yaml', 'app/pagination.py']);
      assert.equal(r.timedOut, false, 'the run hung');
      assert.equal(r.code, 1);
      assert.match(r.stdout, /^app\/pagination\.py:5:17: large-page-size /m);
      assert.match(r.stdout, /^Procfile: note: skipped: not a regular file \(a FIFO\)$/m);
      assert.match(r.stdout, /^render\.yaml: note: skipped: not a regular file \(a FIFO\)$/m);
      // /dev/zero is outside the workspace as well as a device: refused before it is opened.
      assert.match(r.stdout, /^Dockerfile: note: skipped: resolves \(through a symlink\) outside the workspace/m);
    });

    it('reads the project and never runs it: no code executed, no socket, no name lookup, no process started', () => {
      const marker = (name: string) => `open(${JSON.stringify(name)}, "w").write("ran")\n`;
      const root = tempWorkspace({
        'app/pagination.py': `${marker('ran-import')}${BIG_PAGE}`,
        'gunicorn.conf.py': `${marker('ran-gunicorn-conf')}workers = 4\n`,
        'manage.py': marker('ran-manage'),
        'setup.py': marker('ran-setup'),
        'server.js': 'require("fs").writeFileSync("ran-js", "ran")\nconst express = require("express")\n',
        'package.json': JSON.stringify({ name: 'x', scripts: { prestart: 'touch ran-npm', postinstall: 'touch ran-npm' }, dependencies: { express: '4' } }),
        'Procfile': 'web: gunicorn -c gunicorn.conf.py app.wsgi\nrelease: touch ran-release\n',
        'Dockerfile': 'FROM python:3.12\nRUN touch ran-docker\nCMD gunicorn app.wsgi\n',
        'requirements.txt': 'django\ngunicorn\n',
      });
      const log = path.join(root, 'side-effects.log');
      fs.writeFileSync(log, '');
      const r = memlint(root, ['--fix', '--unsafe-fixes'], {
        env: { ...process.env, NO_COLOR: '1', NODE_OPTIONS: `--require ${path.join(__dirname, 'no-side-effects.cjs')}`, MEMLINT_SIDE_EFFECTS_LOG: log },
      });
      assert.equal(r.timedOut, false);
      assert.match(r.stderr, /Fixed \d+ problems?/);
      assert.equal(fs.readFileSync(log, 'utf8'), '', 'memlint opened a socket, looked up a name or started a process');
      assert.deepEqual(fs.readdirSync(root).filter((f) => f.startsWith('ran')), [], 'project code ran');
    });

    it('a whole-folder scan with such files finishes and reports the rest', () => {
      const root = tempWorkspace({ 'app/pagination.py': BIG_PAGE, 'requirements.txt': 'django\n' });
      fs.symlinkSync('/dev/zero', path.join(root, 'Procfile'));
      mkfifo(path.join(root, 'render.yaml'));
      mkfifo(path.join(root, 'gunicorn.conf.py'));
      const r = memlint(root, ['--format', 'json']);
      assert.equal(r.timedOut, false, 'the run hung');
      assert.equal(r.code, 1);
      const report = JSON.parse(r.stdout);
      assert.deepEqual(report.findings.map((f: { ruleId: string; file: string }) => `${f.ruleId} ${f.file}`), ['large-page-size app/pagination.py']);
    });
  });
});
