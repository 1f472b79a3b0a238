/**
 * `memlint/serverInfo` (the "memlint: Show Server Info" command) over stdio, on a copy of examples/ with a
 * memlint.toml: the running server's version and script, the config file in use and its effect (a rule turned
 * off, another's severity, the memory limit), the projects and the deploys found. Expected values come from
 * package.json, the rule registry and the budget model, not from copied output.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { workspaceBudgets } from '../../server/src/engine/budget';
import { Workspace } from '../../server/src/engine/workspace';
import type { ServerInfo, WorkspaceReport } from '../../server/src/lsp/protocol';
import { ruleIds } from '../support/analyze';
import { cleanup, requireBuiltServer, startServer } from './helpers';
import { REPO_ROOT, SERVER_SCRIPT, type LspClient } from './lsp-client';

describe('language server: server info', function () {
  this.timeout(60_000);
  let root: string;
  let client: LspClient;

  before(async () => {
    requireBuiltServer();
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-info-')));
    fs.cpSync(path.join(REPO_ROOT, 'examples'), root, { recursive: true });
    fs.writeFileSync(path.join(root, 'memlint.toml'), 'memoryLimitMb = 1024\n\n[rules]\nunbounded-cache = "off"\nlarge-page-size = "error"\n');
    // A start script that is not in the workspace: that deploy's budget cannot be computed.
    fs.writeFileSync(path.join(root, 'express-app', 'Procfile'), 'web: ./bin/start-web.sh\n');
    client = await startServer(root);
  });
  after(async () => {
    await client?.shutdown();
    cleanup(root);
  });

  it('names the server, its script, the config file, the rules, projects and deploys', async () => {
    const info = await client.request<ServerInfo>('memlint/serverInfo', null);
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    assert.equal(info.name, 'memlint');
    assert.equal(info.version, manifest.version);
    assert.equal(fs.realpathSync(info.serverPath), fs.realpathSync(SERVER_SCRIPT));
    assert.equal(info.pid > 0 && info.nodeVersion.startsWith('v'), true);

    assert.equal(info.folders.length, 1);
    const [folder] = info.folders;
    assert.equal(folder.root, root.split(path.sep).join('/'));
    assert.equal(folder.configError, undefined);
    assert.equal(folder.configFile, path.join(root, 'memlint.toml').split(path.sep).join('/'));
    assert.equal(folder.memoryLimitMb, 1024);

    const expectedRules = ruleIds().filter((id) => id !== 'unbounded-cache').sort();
    assert.deepEqual(folder.rules.map((r) => r.id), expectedRules);
    assert.equal(folder.rules.find((r) => r.id === 'large-page-size')?.severity, 'error');

    // Each example app folder with a manifest is a project.
    const apps = fs.readdirSync(root).filter((d) => ['requirements.txt', 'package.json', 'pyproject.toml'].some((m) => fs.existsSync(path.join(root, d, m))));
    assert.deepEqual(folder.projects.map((p) => p.path), apps.sort());
    const django = folder.projects.find((p) => p.path === 'django-app')!;
    assert.ok(django.markers.includes('requirements.txt') && django.markers.includes('manage.py'), django.markers.join());
    assert.deepEqual(folder.projects.find((p) => p.path === 'express-app')!.markers, ['package.json']);

    const ws = await Workspace.open({ root });
    ws.discover();
    const expectedDeploys = workspaceBudgets(ws, []).map((b) => b.before.label).sort();
    assert.ok(expectedDeploys.length > 0);
    assert.deepEqual(folder.deploys.map((d) => d.label).sort(), expectedDeploys);
    assert.ok(folder.filesKnown >= 10, String(folder.filesKnown));
  });

  it('the report carries a budget chart per estimated deploy and the deploys it cannot estimate', async () => {
    const report = await client.request<WorkspaceReport>('memlint/report', null);
    const ws = await Workspace.open({ root });
    ws.discover();
    const expected = workspaceBudgets(ws, []).map((b) => b.before);
    const charts = report.budgetCharts ?? [];
    assert.deepEqual(charts.map((c) => c.label).sort(), expected.map((e) => e.label).sort());
    for (const c of charts) {
      const e = expected.find((x) => x.id === c.id)!;
      assert.equal(c.now.totalMb, e.totalMb);
      assert.equal(c.limitMb, e.limit?.mb);
      assert.ok(Math.abs(c.now.segments.reduce((s, x) => s + x.mb, 0) - e.totalMb) < 0.5, c.label);
    }
    // gunicorn.conf.py sizes its workers from cpu_count(); the fix lowers them.
    const shopApi = charts.find((c) => c.label === 'Render service "shop-api"');
    assert.ok(shopApi?.afterFixes && shopApi.afterFixes.totalMb < shopApi.now.totalMb, JSON.stringify(shopApi));
    assert.deepEqual(
      (report.unestimated ?? []).map((u) => [u.relPath, u.line]),
      [['express-app/Procfile', 1]],
    );
    assert.match(report.unestimated![0].reason, /\.\/bin\/start-web\.sh/);
  });
});
