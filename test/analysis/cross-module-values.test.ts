/**
 * Values that flow across modules (issue 13): a gunicorn worker count imported from a settings module, through
 * several assignments, split settings with a star import, a module attribute or a helper function of another
 * module is reported on the config's `workers = ...` line, saying where it is computed.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { attributeBinding, importedBinding } from '../../analysis/python/imported-values';
import { PythonModules } from '../../analysis/python/module-graph';
import { analyzerFor, analyzeWith, initParsers } from '../support/analyze';

const ROOT = path.resolve(__dirname, '..', 'fixtures', 'cpu-derived-workers', 'cross-module');

function findings(rel: string) {
  const abs = path.join(ROOT, rel);
  const text = fs.readFileSync(abs, 'utf8');
  return { text, findings: analyzeWith(analyzerFor('cpu-derived-workers', ROOT), ROOT, abs, text).findings };
}

describe('values across modules', () => {
  before(() => initParsers());

  it('reports workers imported from a settings module on the config line, naming the module that computes it', () => {
    const { text, findings: found } = findings('gunicorn.conf.py');
    assert.equal(found.length, 1);
    const [f] = found;
    assert.equal(text.slice(f.start, f.end), 'WEB_WORKERS');
    // per_core (2) * cores (8 on the host) + 1 = 17
    assert.match(f.message, /^Sets gunicorn workers from host CPUs.*17/);
    assert.match(f.detail ?? '', /WEB_WORKERS \(computed in app\/settings\.py\)/);
  });

  it('follows split settings, module attributes and helper functions of other modules', () => {
    for (const [rel, where] of [
      ['deploy/gunicorn_split.py', 'config/settings/base.py'],
      ['deploy/gunicorn_attribute.py', 'app/settings.py'],
      ['deploy/gunicorn_helper_module.py', 'app/sizing.py'],
    ]) {
      const { findings: found } = findings(rel);
      assert.equal(found.length, 1, rel);
      assert.match(found[0].message, /from host CPUs/, rel);
      assert.ok(found[0].detail?.includes(`(computed in ${where})`), `${rel}: ${found[0].detail}`);
    }
  });

  it('resolves bindings through re-exports and star imports, and not into modules outside the project', () => {
    const texts: Record<string, string> = {
      'app/__init__.py': 'from .conf import WORKERS\n',
      'app/conf.py': 'from .base import *\n',
      'app/base.py': 'WORKERS = 3\n',
      'gunicorn.conf.py': 'from app import WORKERS\nfrom app import conf\nfrom django.conf import settings\n',
    };
    const index = new PythonModules(Object.keys(texts)).index(['']);
    const read = (f: string) => texts[f];
    const config = texts['gunicorn.conf.py'];
    assert.deepEqual(importedBinding(index, 'gunicorn.conf.py', config, 'WORKERS', read), { file: 'app/base.py', text: texts['app/base.py'], name: 'WORKERS' });
    assert.equal(attributeBinding(index, 'gunicorn.conf.py', config, 'conf', 'WORKERS', read)?.file, 'app/base.py');
    assert.equal(importedBinding(index, 'gunicorn.conf.py', config, 'settings', read), undefined);
  });
});
