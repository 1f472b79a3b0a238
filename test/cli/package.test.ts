/**
 * The npm package as a user gets it: `npm pack` on a fresh copy of the sources (no dist/: prepack builds it),
 * then in an empty folder `npm install -g ./memlint-*.tgz` (into a temporary --prefix) and `npx memlint`, all
 * offline with an empty npm cache, which works because the bundles carry every runtime dependency. The installed
 * `memlint` must find what the repository's build finds, link rule docs that exist, and start `memlint lsp`.
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LspClient } from '../lsp/lsp-client';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
/** Not copied into the fresh source tree: what a clone has not got, and what the package does not need. */
const NOT_SOURCES = new Set(['node_modules', 'dist', '.git', '.code-server', 'test', 'test-results', 'out']);

describe('npm package (npm pack, npm install -g from the tarball, npx), offline', function () {
  this.timeout(120_000);
  let tmp: string;
  let tarball: string;
  let packed: { path: string; size: number }[];
  let prefix: string;
  const installedBin = () => path.join(prefix, 'bin', 'memlint');
  // An empty cache and --offline: nothing may come from the registry.
  const npm = (cwd: string, ...args: string[]) =>
    execFileSync('npm', ['--offline', '--no-audit', '--no-fund', '--cache', path.join(tmp, 'npm-cache'), ...args], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, npm_config_update_notifier: 'false', npm_config_loglevel: 'error' },
    });

  before(function () {
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-pack-')));
    const src = path.join(tmp, 'src');
    fs.cpSync(REPO_ROOT, src, {
      recursive: true,
      filter: (from) => {
        const rel = path.relative(REPO_ROOT, from);
        return !NOT_SOURCES.has(rel.split(path.sep)[0]) && !/\.(vsix|tgz)$/.test(rel) && rel !== 'memlint-report.html';
      },
    });
    // The dev dependencies prepack builds with (esbuild, the parsers), as `npm ci` would install them.
    fs.symlinkSync(fs.realpathSync(path.join(REPO_ROOT, 'node_modules')), path.join(src, 'node_modules'));
    const [info] = JSON.parse(npm(src, 'pack', '--json', '--pack-destination', tmp));
    packed = info.files;
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty);
    tarball = path.join(empty, info.filename);
    fs.renameSync(path.join(tmp, info.filename), tarball);
    prefix = path.join(tmp, 'prefix');
    npm(empty, 'install', '-g', `./${info.filename}`, '--prefix', prefix);
  });
  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('is publishable: not private, no runtime dependencies (the bundles carry them), a memlint bin', () => {
    assert.notEqual(manifest.private, true);
    assert.deepEqual(Object.keys(manifest.dependencies ?? {}), []);
    assert.equal(manifest.bin.memlint, './bin/memlint.js');
    assert.match(manifest.scripts.prepack, /scripts\/build\.mjs --production/);
  });

  it('packs the CLI, the language server, the extension client, the parsers and the rule docs; no sources or maps', () => {
    const files = packed.map((f) => f.path).sort();
    for (const f of ['bin/memlint.js', 'dist/cli.js', 'dist/scan-worker.js', 'dist/server.js', 'dist/server-worker.js', 'dist/client.js', 'dist/ts-morph.js', 'dist/web-tree-sitter.wasm', 'dist/tree-sitter-python.wasm', 'docs/rules/memory-budget.md', 'README.md', 'LICENSE', 'package.json']) {
      assert.ok(files.includes(f), `${f} is not in the tarball: ${files.join(' ')}`);
    }
    const unexpected = files.filter((f) => /\.map$|^(server|client|rules|scripts|test|examples)\//.test(f));
    assert.deepEqual(unexpected, []);
    assert.ok(fs.statSync(tarball).size < 6_000_000, `tarball is ${fs.statSync(tarball).size} bytes`);
  });

  it('carries the TypeScript compiler once, in dist/ts-morph.js, which a thread loads only for a TS/JS file', () => {
    // A bundle that imports 'typescript' itself carries a second compiler and loads it in every scan thread
    // (+0.4 s and +110 MB on an 800-file scan, even with no TS/JS file in it).
    const dist = path.join(prefix, 'lib', 'node_modules', manifest.name, 'dist');
    const withCompiler = fs.readdirSync(dist).filter((f) => f.endsWith('.js') && fs.readFileSync(path.join(dist, f), 'utf8').includes('Debug Failure.'));
    assert.deepEqual(withCompiler, ['ts-morph.js']);
  });

  it('npm install -g gives a working memlint that finds what the repository build finds', function () {
    assert.equal(execFileSync(installedBin(), ['--version'], { encoding: 'utf8' }).trim(), manifest.version);
    // examples/: Python (tree-sitter wasm), JavaScript (ts-morph.js, loaded lazily), Dockerfile, Procfile, render.yaml.
    const project = path.join(tmp, 'project');
    fs.cpSync(path.join(REPO_ROOT, 'examples'), project, { recursive: true });
    const run = (bin: string[]) => {
      const r = spawnSync(bin[0], [...bin.slice(1), '--format', 'json'], { cwd: project, encoding: 'utf8' });
      assert.equal(r.status, 1, r.stderr);
      return JSON.parse(r.stdout);
    };
    const installed = run([installedBin()]);
    const where = (report: any) => report.findings.map((f: any) => `${f.file}:${f.range.start.line} ${f.ruleId}`).sort();
    assert.ok(installed.findings.some((f: any) => f.file.endsWith('.js')), 'no finding in a JavaScript file');
    assert.ok(installed.findings.some((f: any) => f.file.endsWith('.py')), 'no finding in a Python file');
    if (fs.existsSync(path.join(REPO_ROOT, 'dist', 'cli.js'))) {
      assert.deepEqual(where(installed), where(run([process.execPath, path.join(REPO_ROOT, 'bin', 'memlint.js')])));
    }
    const docs = fileURLToPath(installed.findings[0].docsUrl);
    assert.ok(docs.startsWith(path.join(prefix, 'lib', 'node_modules', 'memlint', 'docs', 'rules')), docs);
    assert.ok(fs.existsSync(docs), `${docs} does not exist`);
  });

  it('npx memlint runs the tarball, and the copy installed in a project', () => {
    const empty = path.dirname(tarball);
    const viaTarball = npm(empty, 'exec', '--yes', '--package', `./${path.basename(tarball)}`, '--', 'memlint', '--version');
    assert.equal(viaTarball.trim(), manifest.version);
    const project = path.join(tmp, 'npx-project');
    fs.mkdirSync(project);
    npm(project, 'install', tarball);
    assert.equal(npm(project, 'exec', '--', 'memlint', '--version').trim(), manifest.version);
  });

  it('memlint lsp from the installed package answers initialize', async () => {
    const client = new LspClient({ command: [installedBin(), 'lsp'], cwd: tmp });
    try {
      const result = await client.initialize({ rootPath: tmp });
      assert.equal(result.serverInfo.name, 'memlint');
      assert.equal(result.serverInfo.version, manifest.version);
    } finally {
      await client.shutdown();
    }
  });
});
