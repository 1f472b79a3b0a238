/**
 * `--fix` keeps the bytes it does not mean to change (issue 10, item 4): the file's encoding, line endings,
 * mode and symlinks; a file it may not or cannot write gets a note and the run goes on.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeText, lineEndingsOf } from '../../server/src/engine/encode';
import { makeEdit } from '../../server/src/lsp/code-actions';
import { OpenDocument } from '../../server/src/lsp/open-documents';
import { cleanup, fileUri, makeWorkspace, requireBuiltServer, startServer } from '../lsp/helpers';
import { applyEdits } from '../lsp/lsp-client';
import { removeTempWorkspaces, tempWorkspace } from '../support/tmp';
import { BIG_PAGE, BIG_PAGE_FIXED, BUILT, memlint } from './io-helpers';

after(removeTempWorkspaces);

/** A temp file nothing deletes: its fix wraps the rest of the function in try/finally (inserts lines). */
const TEMP_LEAK = `import os
import subprocess
import tempfile


def convert(data):
    fd, path = tempfile.mkstemp(suffix=".mp4")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    subprocess.run(["ffmpeg", "-i", path], check=True)
    return True
`;

const crlf = (s: string) => s.replace(/\n/g, '\r\n');
const mode = (file: string) => fs.statSync(file).mode & 0o777;

describe('reliability: fixes keep encoding, line endings, permissions', () => {
  it('encodes back to the same bytes, or refuses', () => {
    assert.deepEqual(encodeText('café', 'windows-1252', false), Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    assert.equal(encodeText('snowman ☃', 'windows-1252', false), undefined);
    assert.deepEqual(encodeText('é', 'utf-16le', true), Buffer.from([0xff, 0xfe, 0xe9, 0x00]));
    assert.equal(lineEndingsOf('a\r\nb\r\n'), 'crlf');
    assert.equal(lineEndingsOf('a\r\nb\n'), 'mixed');
    assert.equal(lineEndingsOf('a\nb'), 'lf');
  });

  it('in the editor, a fix inserting lines into a CRLF document inserts CRLF lines', () => {
    const range = { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } };
    const edit = (text: string) => makeEdit(new OpenDocument('file:///w/gunicorn.conf.py', 'python', 1, text), 1, [{ range, newText: 'max_requests = 1000\nmax_requests_jitter = 100\n' }], false);
    assert.equal(edit('workers = 4\r\nbind = "0.0.0.0"\r\n').changes!['file:///w/gunicorn.conf.py'][0].newText, 'max_requests = 1000\r\nmax_requests_jitter = 100\r\n');
    assert.equal(edit('workers = 4\nbind = "0.0.0.0"\n').changes!['file:///w/gunicorn.conf.py'][0].newText, 'max_requests = 1000\nmax_requests_jitter = 100\n');
  });

  it('in the editor, a CRLF document gets the quick fix of its LF twin, with CRLF lines', async function () {
    requireBuiltServer();
    const root = makeWorkspace({});
    const client = await startServer(root);
    try {
      const fixedVia = async (name: string, text: string) => {
        const uri = fileUri(path.join(root, name));
        client.open(uri, 'python', text);
        const [diagnostic] = (await client.waitForDiagnostics(uri, (p) => p.version === 1 && p.diagnostics.length > 0)).diagnostics;
        const actions = await client.request<any[]>('textDocument/codeAction', { textDocument: { uri }, range: diagnostic.range, context: { diagnostics: [diagnostic], triggerKind: 1 } });
        const fix = actions.find((a) => /in a finally block/.test(a.title));
        assert.ok(fix, `no fix for ${name}: ${actions.map((a) => a.title).join(' | ')}`);
        return applyEdits(text, fix.edit.documentChanges?.[0].edits ?? fix.edit.changes[uri]);
      };
      const lf = await fixedVia('lf.py', TEMP_LEAK);
      assert.match(lf, /finally:\n        os\.unlink\(path\)/);
      assert.equal(await fixedVia('crlf.py', crlf(TEMP_LEAK)), crlf(lf));
    } finally {
      await client.shutdown();
      cleanup(root);
    }
  });

  describe('the CLI', () => {
    before(function () {
      if (!BUILT) this.skip();
    });

    it('writes a latin-1 file back in latin-1', () => {
      const latin = Buffer.from(`# -*- coding: latin-1 -*-\nNAME = "café"\n${BIG_PAGE}`, 'latin1');
      const root = tempWorkspace({ 'app/pagination.py': latin });
      const r = memlint(root, ['--fix', '--unsafe-fixes']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stderr, /app\/pagination\.py:7: large-page-size: Set the page size to 100/);
      assert.deepEqual(fs.readFileSync(path.join(root, 'app/pagination.py')), Buffer.from(`# -*- coding: latin-1 -*-\nNAME = "café"\n${BIG_PAGE_FIXED}`, 'latin1'));
    });

    it('keeps CRLF, and a CRLF file gets the same fix as its LF twin', () => {
      const root = tempWorkspace({ 'lf/convert.py': TEMP_LEAK, 'crlf/convert.py': crlf(TEMP_LEAK), 'crlf/pagination.py': crlf(BIG_PAGE) });
      const r = memlint(root, ['--fix', '--unsafe-fixes']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const lfFixed = fs.readFileSync(path.join(root, 'lf/convert.py'), 'utf8');
      assert.notEqual(lfFixed, TEMP_LEAK, 'the LF file was fixed');
      assert.match(lfFixed, /finally:\n        os\.unlink\(path\)/);
      assert.equal(fs.readFileSync(path.join(root, 'crlf/convert.py'), 'utf8'), crlf(lfFixed));
      assert.equal(fs.readFileSync(path.join(root, 'crlf/pagination.py'), 'utf8'), crlf(BIG_PAGE_FIXED));
    });

    it('writes through a symlink to its target and keeps the file mode', () => {
      const root = tempWorkspace({ 'real/pagination.py': BIG_PAGE });
      fs.chmodSync(path.join(root, 'real/pagination.py'), 0o640);
      fs.symlinkSync('real/pagination.py', path.join(root, 'pagination.py'));
      const r = memlint(root, ['--fix', '--unsafe-fixes', 'pagination.py']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(fs.lstatSync(path.join(root, 'pagination.py')).isSymbolicLink(), true);
      assert.equal(fs.readFileSync(path.join(root, 'real/pagination.py'), 'utf8'), BIG_PAGE_FIXED);
      assert.equal(mode(path.join(root, 'real/pagination.py')), 0o640);
    });

    it('leaves a read-only file alone with a note and fixes the others', () => {
      const root = tempWorkspace({ 'locked/pagination.py': BIG_PAGE, 'open/pagination.py': BIG_PAGE });
      fs.chmodSync(path.join(root, 'locked/pagination.py'), 0o444);
      const r = memlint(root, ['--fix', '--unsafe-fixes']);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /^locked\/pagination\.py: note: not fixed: the file is read-only$/m);
      assert.match(r.stdout, /^locked\/pagination\.py:5:17: large-page-size /m);
      assert.equal(fs.readFileSync(path.join(root, 'locked/pagination.py'), 'utf8'), BIG_PAGE);
      assert.equal(mode(path.join(root, 'locked/pagination.py')), 0o444);
      assert.equal(fs.readFileSync(path.join(root, 'open/pagination.py'), 'utf8'), BIG_PAGE_FIXED);
    });

    it('a folder it cannot write to (EACCES) is a note on its file; the run goes on and reports', function () {
      const root = tempWorkspace({ 'locked/pagination.py': BIG_PAGE, 'open/pagination.py': BIG_PAGE });
      // root may write anywhere: run as nobody then, in a workspace nobody can read.
      const asRoot = process.getuid?.() === 0;
      if (asRoot && memlint(root, ['--version'], { uid: 65534, gid: 65534 }).code !== 0) this.skip(); // nobody cannot run memlint from this checkout
      if (asRoot) for (const dir of [root, path.join(root, 'open')]) fs.chownSync(dir, 65534, 65534);
      if (asRoot) fs.chownSync(path.join(root, 'open/pagination.py'), 65534, 65534);
      fs.chmodSync(root, 0o755);
      fs.chmodSync(path.join(root, 'locked'), 0o555);
      const r = memlint(root, ['--fix', '--unsafe-fixes'], asRoot ? { uid: 65534, gid: 65534 } : {});
      fs.chmodSync(path.join(root, 'locked'), 0o755);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, /^locked\/pagination\.py: note: not fixed: cannot write \(EACCES\)$/m);
      assert.match(r.stdout, /^locked\/pagination\.py:5:17: large-page-size /m);
      assert.equal(fs.readFileSync(path.join(root, 'locked/pagination.py'), 'utf8'), BIG_PAGE);
      assert.equal(fs.readFileSync(path.join(root, 'open/pagination.py'), 'utf8'), BIG_PAGE_FIXED);
      assert.deepEqual(fs.readdirSync(path.join(root, 'locked')), ['pagination.py'], 'no temporary file left behind');
    });

    it('creates a missing --output folder; an --output it cannot write is a clear error', () => {
      const root = tempWorkspace({ 'app/pagination.py': BIG_PAGE });
      const r = memlint(root, ['--format', 'json', '--output', 'reports/ci/memlint.json']);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(JSON.parse(fs.readFileSync(path.join(root, 'reports/ci/memlint.json'), 'utf8')).findings.length, 1);
      const bad = memlint(root, ['--output', 'app']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /^memlint: cannot write the report to app: EISDIR$/m);
      assert.doesNotMatch(bad.stderr, /internal error/);
    });
  });
});
