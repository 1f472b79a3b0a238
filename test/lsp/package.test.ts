/**
 * The extension manifest and the .vsix contents: activation is not `*`, untrusted workspaces are declared safe,
 * every command and setting the client and server use is contributed, and `vsce ls` (what `npm run package`
 * puts in the .vsix) lists exactly the bundled client and server, the parser .wasm files, the rule docs,
 * README, CHANGELOG, LICENSE and the icon.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_SETTINGS } from '../../server/src/lsp/protocol';
import { REPO_ROOT } from './lsp-client';

const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));

describe('extension manifest', () => {
  it('activates on Python/TS/JS/deploy files, never on *', () => {
    const events: string[] = manifest.activationEvents;
    assert.ok(!events.includes('*'));
    assert.ok(events.includes('onLanguage:python'));
    assert.ok(events.includes('onLanguage:typescript'));
    assert.ok(events.some((e) => e.startsWith('workspaceContains:') && e.includes('Dockerfile')));
  });

  it('declares untrusted workspaces supported (memlint runs no workspace code)', () => {
    assert.equal(manifest.capabilities.untrustedWorkspaces.supported, true);
  });

  it('contributes every command the client registers, and every setting the server reads', () => {
    const client = fs.readdirSync(path.join(REPO_ROOT, 'client/src')).map((f) => fs.readFileSync(path.join(REPO_ROOT, 'client/src', f), 'utf8')).join('\n');
    const registered = [...client.matchAll(/registerCommand\('([\w.]+)'/g)].map((m) => m[1]);
    const contributed = manifest.contributes.commands.map((c: { command: string }) => c.command);
    for (const id of [...registered, 'memlint.showDocumentation']) assert.ok(contributed.includes(id), `command ${id} is not contributed`);
    for (const id of ['memlint.scanWorkspace', 'memlint.showReport', 'memlint.restartServer', 'memlint.showOutput']) assert.ok(registered.includes(id), `${id} is not registered`);
    const settings = Object.keys(manifest.contributes.configuration.properties);
    // Nested settings objects (`budget: { codeLens }`) are the dotted settings `memlint.budget.codeLens`.
    const flat = Object.entries(DEFAULT_SETTINGS).flatMap(([key, value]) =>
      value !== null && typeof value === 'object' ? Object.entries(value).map(([sub, v]) => [`${key}.${sub}`, v] as const) : [[key, value] as const],
    );
    for (const key of [...flat.map(([k]) => k), 'trace.server']) assert.ok(settings.includes(`memlint.${key}`), `setting memlint.${key} missing`);
    for (const [key, value] of flat) assert.deepEqual(manifest.contributes.configuration.properties[`memlint.${key}`].default, value);
  });

  it('has the icon, license and changelog it names', () => {
    const icon = fs.readFileSync(path.join(REPO_ROOT, manifest.icon));
    assert.deepEqual([...icon.subarray(1, 4)], [...Buffer.from('PNG')]);
    assert.equal(icon.readUInt32BE(16), 128);
    assert.equal(icon.readUInt32BE(20), 128);
    assert.match(fs.readFileSync(path.join(REPO_ROOT, 'LICENSE'), 'utf8'), /^MIT License/);
    assert.ok(fs.existsSync(path.join(REPO_ROOT, 'CHANGELOG.md')));
  });
});

describe('.vsix contents (vsce ls)', function () {
  const vsce = process.env.VSCE ?? path.join(REPO_ROOT, 'node_modules', '.bin', 'vsce');

  it('lists exactly the bundled client and server, wasm, rule docs, README, CHANGELOG, LICENSE, icon', function () {
    if (!fs.existsSync(vsce)) {
      // @vscode/vsce is a devDependency of `npm run package`; without it there is nothing to check.
      this.skip();
    }
    for (const f of ['dist/client.js', 'dist/server.js', 'dist/server-worker.js']) {
      assert.ok(fs.existsSync(path.join(REPO_ROOT, f)), `${f} missing: run npm run build first`);
    }
    const listed = execFileSync(vsce, ['ls', '--no-dependencies'], { cwd: REPO_ROOT, encoding: 'utf8' })
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .sort();
    const allowed = [
      /^package\.json$/,
      /^README\.md$/,
      /^CHANGELOG\.md$/,
      /^LICENSE$/,
      /^images\/icon\.png$/,
      /^dist\/(client|server|server-worker|ts-morph)\.js$/, // ts-morph.js: loaded by the server on the first TS/JS file
      /^dist\/(web-tree-sitter|tree-sitter-python)\.wasm$/,
      /^docs\/rules\/[\w-]+\.md$/,
    ];
    const unexpected = listed.filter((f) => !allowed.some((re) => re.test(f)));
    assert.deepEqual(unexpected, [], `files that must not be in the .vsix: ${unexpected.join(', ')}`);
    for (const f of ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'images/icon.png', 'dist/client.js', 'dist/server.js', 'dist/server-worker.js', 'dist/ts-morph.js', 'dist/web-tree-sitter.wasm', 'dist/tree-sitter-python.wasm']) {
      assert.ok(listed.includes(f), `${f} is not in the .vsix`);
    }
    const docs = fs.readdirSync(path.join(REPO_ROOT, 'docs/rules')).filter((f) => f.endsWith('.md'));
    for (const d of docs) assert.ok(listed.includes(`docs/rules/${d}`), `docs/rules/${d} is not in the .vsix`);
  });
});
