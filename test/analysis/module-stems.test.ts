/**
 * The index behind an import that the module graph does not resolve from the project root (`shop.jobs` for
 * `backend/shop/jobs.py`): it must list exactly the files, in list order, that ending with `/shop/jobs.py` or
 * `/shop/jobs/__init__.py` lists.
 */
import * as assert from 'node:assert/strict';
import { filesByStem } from '../../analysis/python/web-context';

const FILES = [
  'manage.py',
  'backend/shop/jobs.py',
  'backend/shop/__init__.py',
  'other/shop/jobs/__init__.py',
  'src/app/shop/jobs.py',
  'weird/__init__/__init__.py',
  'jobs.py',
  'docs/shop/jobs.txt',
  'backend/shop/models/__init__.py',
  'backend/shop/models/order.py',
];

function naive(files: readonly string[], stem: string): string[] {
  return files.filter((f) => f.endsWith(`/${stem}.py`) || f.endsWith(`/${stem}/__init__.py`));
}

describe('Python files by import stem', () => {
  it('lists the files a dotted name may be imported as, from any folder above them, in list order', () => {
    const index = filesByStem(FILES);
    assert.deepEqual(index.get('shop/jobs'), ['backend/shop/jobs.py', 'other/shop/jobs/__init__.py', 'src/app/shop/jobs.py']);
    assert.deepEqual(index.get('jobs'), ['backend/shop/jobs.py', 'other/shop/jobs/__init__.py', 'src/app/shop/jobs.py']);
    assert.deepEqual(index.get('shop'), ['backend/shop/__init__.py']);
    assert.deepEqual(index.get('shop/models/order'), ['backend/shop/models/order.py']);
    // A file at the root has no folder above it: `jobs.py` is not `/jobs.py`.
    assert.equal(index.get('manage'), undefined);
  });

  it('agrees with the suffix test on every stem of the list, once per file', () => {
    const index = filesByStem(FILES);
    const stems = new Set<string>(['__init__', 'weird', 'shop/jobs/__init__', 'nothing', 'django/db']);
    for (const f of FILES) {
      const parts = f.replace(/\.\w+$/, '').split('/');
      for (let i = 0; i < parts.length; i++) stems.add(parts.slice(i).join('/'));
    }
    for (const stem of stems) assert.deepEqual(index.get(stem) ?? [], naive(FILES, stem), stem);
  });

  it('is built once per file list', () => {
    const files = [...FILES];
    assert.equal(filesByStem(files), filesByStem(files));
    assert.notEqual(filesByStem(files), filesByStem([...FILES]));
  });
});
