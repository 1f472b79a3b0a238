/**
 * multiple-servers-per-instance's trigger (rules/multiple-servers-per-instance/reloader-trigger.ts) answers what the
 * regex it replaces answered, `/\b(debug|use_reloader)\s*=\s*True\b/`, on the spellings a script uses and the
 * look-alikes, and on real modules.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { reloaderOnTrigger } from '../../rules/multiple-servers-per-instance/reloader-trigger';

const REGEX = /\b(debug|use_reloader)\s*=\s*True\b/;

describe('multiple-servers-per-instance trigger', () => {
  it('agrees with the regex on spellings and look-alikes', () => {
    const cases = [
      'app.run(debug=True)',
      'app.run(host="0.0.0.0", debug = True)',
      'app.run(\n    debug=\n    True,\n)',
      'app.run(use_reloader=True)',
      'debug=True',
      'DEBUG = True',
      'app.run(debug=False)',
      'app.run(debug=Truest)',
      'app.run(xdebug=True)',
      'app.run(_debug=True)',
      'app.run(debugger=True)',
      'logger.debug("x"); flag=True',
      'é_debug=True',
      '-debug=True',
      'debug==True',
      'use_reloader=True_',
      'debug\t=\r\nTrue)',
      '',
    ];
    for (const text of cases) assert.equal(reloaderOnTrigger.test(text), REGEX.test(text), JSON.stringify(text));
    assert.equal(reloaderOnTrigger.test('app.run(debug=True)'), true);
    assert.equal(reloaderOnTrigger.test('app.run(xdebug=True)'), false);
  });

  it('agrees with the regex on real modules and on every place of a debug=True cut into them', () => {
    const dir = '/tmp/memlint-real/files';
    const texts = fs.existsSync(dir)
      ? fs.readdirSync(dir).filter((f) => f.endsWith('.py')).map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
      : fs
          .readdirSync('test/fixtures/multiple-servers-per-instance', { recursive: true, withFileTypes: true })
          .filter((e) => e.isFile() && e.name.endsWith('.py'))
          .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), 'utf8'));
    assert.ok(texts.length > 0);
    for (const text of texts) {
      assert.equal(reloaderOnTrigger.test(text), REGEX.test(text));
      for (let at = 0; at < text.length; at += Math.max(1, Math.floor(text.length / 300))) {
        const edited = text.slice(0, at) + 'debug = True' + text.slice(at);
        assert.equal(reloaderOnTrigger.test(edited), REGEX.test(edited), `inserted at ${at}`);
      }
    }
  });
});
