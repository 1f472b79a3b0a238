/**
 * MEMLINT_DOC_WORKER_CPU_PROF (server/src/lsp/worker-cpu-profile.ts): the documents' worker of a server started with
 * it writes a CPU profile a profile reader can open when the server shuts down, and the server still answers as usual.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LspClient } from './lsp-client';
import { cleanup, fileUri, makeWorkspace, requireBuiltServer, VIEWS_PY } from './helpers';

describe('documents worker CPU profile (MEMLINT_DOC_WORKER_CPU_PROF)', () => {
  let root: string | undefined;
  let out: string | undefined;
  after(() => {
    cleanup(root);
    cleanup(out);
  });

  it('writes the worker profile on shutdown, with the analysis in it', async () => {
    requireBuiltServer();
    root = makeWorkspace({ 'app/views.py': VIEWS_PY });
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-doc-prof-'));
    const client = new LspClient({ env: { ...process.env, MEMLINT_DOC_WORKER_CPU_PROF: out } });
    client.settings = { enable: true, run: 'onType', scanWorkspaceOnStartup: false, configFile: '' };
    await client.initialize({ rootPath: root });
    const uri = fileUri(path.join(root, 'app/views.py'));
    client.open(uri, 'python', VIEWS_PY);
    const published = await client.waitForDiagnostics(uri, (p) => p.version === 1);
    assert.equal(published.diagnostics.length, 1, 'the finding is published as without profiling');
    await client.shutdown();
    const file = await new Promise<string>((resolve, reject) => {
      const started = Date.now();
      const poll = () => {
        const found = fs.readdirSync(out!).find((f) => /^doc-worker-\d+\.cpuprofile$/.test(f));
        if (found) return resolve(path.join(out!, found));
        if (Date.now() - started > 20_000) return reject(new Error('no profile written'));
        setTimeout(poll, 100);
      };
      poll();
    });
    // Written in one go; wait until it parses (the worker may still be writing when the name appears).
    let profile: { nodes: { callFrame: { functionName: string } }[]; samples: number[] } | undefined;
    for (let i = 0; i < 100 && !profile; i++) {
      try {
        profile = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    assert.ok(profile, 'the profile is JSON');
    assert.ok(profile.samples.length > 0);
    assert.ok(profile.nodes.some((n) => n.callFrame.functionName === 'analyzeText'), 'the analysis is in the profile');
  });
});
