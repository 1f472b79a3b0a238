/**
 * Dead module-level functions (whole-file-read's filter): a name is unreferenced only when no other Python file of the
 * project mentions it as a whole word. The per-file word sets that answer "not here" without the text must never
 * miss a word that is there, and the texts must be read through peekFile (not kept by the workspace).
 */
import * as assert from 'node:assert/strict';
import type { ProjectInfo } from '../../rules/api';
import { unreferencedFunction } from '../../analysis/python/unreferenced-functions';

function project(files: Record<string, string>, peek = true): ProjectInfo & { reads: string[]; peeks: string[] } {
  const reads: string[] = [];
  const peeks: string[] = [];
  const info: ProjectInfo & { reads: string[]; peeks: string[] } = {
    reads,
    peeks,
    files: () => Object.keys(files),
    readFile: (rel) => (reads.push(rel), files[rel]),
  };
  if (peek) info.peekFile = (rel) => (peeks.push(rel), files[rel]);
  return info;
}

/** Deterministic pseudo-random identifiers, so that many word-set hashes (both signs of every 32-bit half) are tried. */
function identifiers(count: number, seed: number): string[] {
  const out: string[] = [];
  let x = seed;
  for (let i = 0; i < count; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out.push(`f${x.toString(36)}_${i}`);
  }
  return out;
}

describe('unreferencedFunction', () => {
  const defined = identifiers(600, 7);
  const callers = defined.slice(0, 400);
  const files: Record<string, string> = {
    'requirements.txt': 'flask\n',
    'app/views.py': callers.slice(0, 200).map((n) => `x = mod.${n}(1)\n`).join(''),
    'app/jobs.py': callers.slice(200).map((n) => `${n}()  # call\n`).join('') + 'loader_of_things = 1\ncafé_x = 2\n',
    'app/tests/test_views.py': `from app.lib import only_in_tests\nonly_in_tests()\n`,
  };

  it('finds every mention in another file (no word set misses a word that is there)', () => {
    const p = project(files);
    for (const name of callers) assert.equal(unreferencedFunction(p, 'app/lib.py', `def ${name}(): pass`, name), false, name);
  });

  it('reports names no other file mentions, nor as part of a longer word', () => {
    const p = project(files);
    for (const name of defined.slice(400)) assert.equal(unreferencedFunction(p, 'app/lib.py', `def ${name}(): pass`, name), true, name);
    assert.equal(unreferencedFunction(p, 'app/lib.py', 'def loader(): pass', 'loader'), true);
    assert.equal(unreferencedFunction(p, 'app/lib.py', 'def things(): pass', 'things'), true);
  });

  it('checks non-ASCII names on the text, and honours ignore', () => {
    const p = project(files);
    assert.equal(unreferencedFunction(p, 'app/lib.py', 'def café_x(): pass', 'café_x'), false);
    assert.equal(unreferencedFunction(p, 'app/lib.py', 'def only_in_tests(): pass', 'only_in_tests'), false);
    assert.equal(unreferencedFunction(p, 'app/lib.py', 'def only_in_tests(): pass', 'only_in_tests', (f) => f.includes('/tests/')), true);
  });

  it('reads other files through peekFile when the project has it, else readFile', () => {
    const peeking = project(files);
    unreferencedFunction(peeking, 'app/lib.py', 'def nowhere(): pass', 'nowhere');
    assert.deepEqual(peeking.reads, []);
    assert.ok(peeking.peeks.includes('app/views.py'));
    const plain = project(files, false);
    assert.equal(unreferencedFunction(plain, 'app/lib.py', `def ${callers[0]}(): pass`, callers[0]), false);
    assert.ok(plain.reads.includes('app/views.py'));
  });
  it('does not count a module that only imports the name, but does count an alias, a call or a string', () => {
    const importer = (text: string) => project({ 'requirements.txt': 'flask\n', 'app/views.py': text });
    const dead = (text: string) => unreferencedFunction(importer(text), 'app/tasks.py', 'def export_db(): pass', 'export_db');
    assert.equal(dead('from .tasks import get_ip, export_db, simple_email\nget_ip()\n'), true);
    assert.equal(dead('from .tasks import (\n    get_ip,\n    export_db,\n)\nget_ip()\n'), true);
    assert.equal(dead('from .tasks import get_ip, \\\n    export_db\n'), true);
    assert.equal(dead('from .tasks import export_db\n\ndef view(request):\n    return export_db()\n'), false);
    assert.equal(dead('from .tasks import export_db as run_export\n'), false);
    assert.equal(dead('from .tasks import export_db; export_db()\n'), false);
    assert.equal(dead('from . import tasks\nJOB = tasks.export_db\n'), false);
    assert.equal(dead('from .tasks import export_db\n__all__ = ["export_db"]\n'), false);
  });
});
