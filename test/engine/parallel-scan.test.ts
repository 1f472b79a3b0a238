/**
 * A scan spread over worker threads gives exactly what one thread gives: rules that read other workspace files
 * (requirements, deploy configs, the gunicorn config a render.yaml starts) see the same file list in every thread.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { scanParallel } from '../../server/src/engine/parallel-scan';
import type { FileResult } from '../../server/src/engine/types';
import { Workspace } from '../../server/src/engine/workspace';

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');

function keys(results: readonly FileResult[]): string[] {
  return results.flatMap((r) => r.findings.map((f) => `${r.relPath}:${f.start}-${f.end} ${f.ruleId} ${f.message} ${JSON.stringify(f.fixes)}`)).sort();
}

describe('parallel scan', function () {
  this.timeout(120_000);
  let root: string;

  before(() => {
    // Several copies of the example workspace among plain modules: well over the in-process limit, so batches of
    // example files land on the worker thread as well as on the main thread.
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-parallel-'));
    for (let copy = 0; copy < 12; copy++) fs.cpSync(EXAMPLES, path.join(root, `service${copy}`), { recursive: true });
    fs.mkdirSync(path.join(root, 'zlib'));
    for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(root, 'zlib', `module${String(i).padStart(3, '0')}.py`), `VALUE = ${i}\n`);
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('finds the same problems, with the same fixes, as a scan in one thread', async () => {
    const sequential = (await Workspace.open({ root })).scan().files;
    const parallel = await scanParallel(await Workspace.open({ root }), [root], { workers: 2 });
    assert.ok(parallel.length > 300, `only ${parallel.length} files: the scan stayed in-process`);
    const expected = keys(sequential);
    // Cross-file findings exist in every copy (the budget on gunicorn.conf.py, node-heap-limit on package.json).
    assert.equal(expected.filter((k) => / memory-budget /.test(k)).length, 12);
    assert.deepEqual(keys(parallel), expected);
  });
});
