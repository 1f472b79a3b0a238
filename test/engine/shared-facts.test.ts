/**
 * The threads of a batch scan share the DRF model's module facts (server/src/engine/thread-facts.ts): one thread
 * parses the project's models and serializers, the others take its results or wait for them. A user sees the same
 * N+1 findings, with the same fixes, whichever thread analysed a view, as in a scan in one thread.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { scanParallel } from '../../server/src/engine/parallel-scan';
import { scanWithTimeLimit } from '../../server/src/engine/time-limited-scan';
import type { FileResult } from '../../server/src/engine/types';
import { Workspace } from '../../server/src/engine/workspace';
import { workspaceBudgets } from '../../server/src/engine/budget';
import { factsExchange } from '../../analysis/shared-facts';

const SHOP = path.join(__dirname, '..', 'fixtures', 'n-plus-one', 'drf_shop');

function keys(results: readonly FileResult[]): string[] {
  return results.flatMap((r) => r.findings.map((f) => `${r.relPath}:${f.start}-${f.end} ${f.ruleId} ${f.message} ${JSON.stringify(f.fixes)}`)).sort();
}

describe('facts shared between scan threads', function () {
  this.timeout(300_000);
  let root: string;

  before(() => {
    // The DRF shop with its views copied many times among plain modules: over the in-process limit, so views land
    // on every thread, and the first of them asks for the project's DRF model while the others need it too.
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-shared-facts-'));
    fs.cpSync(SHOP, root, { recursive: true, filter: (src) => !src.endsWith('.fixed.py') });
    const views = fs.readFileSync(path.join(root, 'shop', 'views.py'), 'utf8');
    for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(root, 'shop', `views_${String(i).padStart(2, '0')}.py`), views);
    fs.mkdirSync(path.join(root, 'zlib'));
    for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(root, 'zlib', `module${String(i).padStart(3, '0')}.py`), `VALUE = ${i}\n`);
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('finds the same DRF N+1 problems as a scan in one thread (parallel scan and the CLI scan)', async () => {
    const sequential = keys((await Workspace.open({ root })).scan().files);
    // Every copy of the views has its findings.
    assert.ok(sequential.filter((k) => /views_\d\d\.py:.* n-plus-one /.test(k)).length >= 40, 'the DRF views were not flagged');
    const parallel = await scanParallel(await Workspace.open({ root }), [root], { workers: 2 });
    assert.ok(parallel.length > 300, `only ${parallel.length} files: the scan stayed in-process`);
    assert.deepEqual(keys(parallel), sequential);
    const cli = await Workspace.open({ root });
    const limited = await scanWithTimeLimit(cli, { files: () => cli.discover([root]), fileTimeoutMs: 60_000, workers: 2 });
    assert.deepEqual(keys(limited), sequential);
  });

  it('a wait for another thread\'s facts does not count against the per-file time limit', async () => {
    // The main thread claims the DRF model and never publishes it (a thread that is slow to build it): the workers
    // wait for it (5 s), then build it themselves. With a 2 s limit per file, the wait alone would have cost the files.
    const sequential = keys((await Workspace.open({ root })).scan().files);
    const cli = await Workspace.open({ root });
    const limited = await scanWithTimeLimit(cli, { files: () => cli.discover([root]), fileTimeoutMs: 2_000, workers: 2, whileScanning: () => void factsExchange()?.take('drf') });
    assert.deepEqual(limited.flatMap((r) => r.notes ?? []).filter((n) => n.kind === 'not-analysed'), []);
    assert.deepEqual(keys(limited), sequential);
  });

  it('finds the same deploy problems when the main thread builds the deploy model while the workers start', async () => {
    // The CLI's main thread searches the deploys (for the budgets) while its workers load, and posts the model to
    // each worker's port: the workers, which join later, take it instead of searching again.
    const project = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-posted-deploys-'));
    try {
      fs.cpSync(path.join(__dirname, '..', 'fixtures', 'missing-worker-recycling', 'compose'), project, { recursive: true });
      fs.mkdirSync(path.join(project, 'zlib'));
      for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(project, 'zlib', `module${String(i).padStart(3, '0')}.py`), `VALUE = ${i}\n`);
      const sequential = keys((await Workspace.open({ root: project })).scan().files);
      assert.ok(sequential.some((k) => / missing-worker-recycling .*"edits"/.test(k)), 'no deploy finding with a fix to compare');
      const cli = await Workspace.open({ root: project });
      const limited = await scanWithTimeLimit(cli, { files: () => cli.discover([project]), fileTimeoutMs: 60_000, workers: 2, whileScanning: () => workspaceBudgets(cli, []) });
      assert.deepEqual(keys(limited), sequential);
    } finally {
      fs.rmSync(project, { recursive: true, force: true });
    }
  });
});
