/** Bad input never crashes the engine: it is skipped with a note, or analysed around the broken part. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defineRule, type Rule } from '../../rules/api';
import { allRules } from '../../rules/index';
import { Workspace } from '../../server/src/engine/workspace';
import { BIG_PAGE, removeTempWorkspaces, tempWorkspace } from '../support/tmp';

after(removeTempWorkspaces);

async function scan(files: Record<string, string | Buffer>, rules?: readonly Rule[], maxFileSizeMb?: number) {
  const root = tempWorkspace({ ...files, ...(maxFileSizeMb ? { 'memlint.toml': `maxFileSizeMb = ${maxFileSizeMb}\n` } : {}) });
  const ws = await Workspace.open({ root, rules });
  return ws.scan().files;
}

describe('bad input', () => {
  it('skips binary files with a note', async () => {
    const [file] = await scan({ 'blob.py': Buffer.from([0x70, 0x00, 0x01, 0x02, 0xff]) });
    assert.equal(file.skipped, true);
    assert.deepEqual(file.notes.map((n) => [n.kind, n.message]), [['binary', 'skipped: binary file']]);
  });

  it('skips files over the size cap with a note naming the setting', async () => {
    const big = BIG_PAGE + '#'.repeat(1.2 * 1024 * 1024) + '\n';
    const [file] = await scan({ 'big.py': big }, undefined, 1);
    assert.equal(file.skipped, true);
    assert.match(file.notes[0].message, /1.2 MB is over the 1.0 MB limit \(maxFileSizeMb\)/);
  });

  it('skips undecodable bytes with a note, but honours a PEP 263 coding declaration and UTF-16 BOMs', async () => {
    const latin1WithoutCookie = Buffer.concat([Buffer.from('name = "caf'), Buffer.from([0xe9]), Buffer.from('"\n' + BIG_PAGE)]);
    const latin1WithCookie = Buffer.concat([Buffer.from('# -*- coding: latin-1 -*-\nname = "caf'), Buffer.from([0xe9]), Buffer.from('"\n' + BIG_PAGE)]);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(BIG_PAGE, 'utf16le')]);
    const files = await scan({ 'a.py': latin1WithoutCookie, 'b.py': latin1WithCookie, 'c.py': utf16 });
    const byName = Object.fromEntries(files.map((f) => [f.relPath, f]));
    assert.equal(byName['a.py'].notes[0].kind, 'undecodable');
    assert.equal(byName['b.py'].findings.length, 1);
    assert.equal(byName['b.py'].findings[0].range.start.line, 6);
    assert.equal(byName['c.py'].findings.length, 1);
  });

  it('reports findings outside a syntax error, and none inside it', async () => {
    const broken = BIG_PAGE + '\n\ndef broken(:\n    page_size = 20000 +\n';
    const [file] = await scan({ 'views.py': broken });
    assert.deepEqual(file.findings.map((f) => f.range.start.line + 1), [5]);
    assert.ok(file.notes.some((n) => n.kind === 'syntax-error'));
  });

  it('reports a rule that throws once, and the other rules still run', async () => {
    const thrower = defineRule({
      meta: { ...allRules[0].meta, id: 'always-throws', trigger: undefined },
      check() {
        throw new Error('boom');
      },
    });
    const files = await scan({ 'a.py': BIG_PAGE, 'b.py': BIG_PAGE }, [thrower, ...allRules]);
    const ruleErrors = files.flatMap((f) => f.notes).filter((n) => n.kind === 'rule-error');
    assert.equal(ruleErrors.length, 1);
    assert.match(ruleErrors[0].message, /rule always-throws failed .*boom/);
    assert.equal(files.flatMap((f) => f.findings).filter((f) => f.ruleId === 'large-page-size').length, 2);
  });

  it('survives an unreadable path (a dangling symlink)', async () => {
    const root = tempWorkspace({ 'ok.py': BIG_PAGE });
    fs.symlinkSync(path.join(root, 'missing.py'), path.join(root, 'dangling.py'));
    const ws = await Workspace.open({ root });
    const files = ws.scan().files;
    assert.equal(files.filter((f) => f.findings.length).length, 1);
  });

  it('handles empty files, CRLF line endings and non-ASCII text with correct UTF-16 columns', async () => {
    const crlf = BIG_PAGE.replace('class', '# café ☕ 😀\nclass').replace(/\n/g, '\r\n');
    const files = await scan({ 'empty.py': '', 'crlf.py': crlf.replace('    page_size', '    label = "😀"; page_size') });
    const f = files.find((x) => x.relPath === 'crlf.py')!.findings[0];
    assert.equal(f.range.start.line, 5);
    // `    label = "😀"; page_size = ` is 30 UTF-16 code units (the emoji is two).
    assert.equal(f.range.start.character, 30);
  });
});
