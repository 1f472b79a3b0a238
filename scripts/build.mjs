// Bundles the CLI, the language server and the VS Code client with esbuild, and copies the parser wasm files
// next to them (the parsers look beside the bundle first). Type checking is `npm run typecheck` (tsc).
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const dist = path.join(root, 'dist');
const production = process.argv.includes('--production');

const entries = [
  { in: 'server/src/cli/main.ts', out: 'cli' },
  { in: 'server/src/lsp/main.ts', out: 'server' },
  { in: 'server/src/lsp/worker-main.ts', out: 'server-worker' },
  { in: 'server/src/engine/scan-worker.ts', out: 'scan-worker' },
  { in: 'server/src/engine/index.ts', out: 'engine' },
  { in: 'client/src/extension.ts', out: 'client' },
].filter((e) => fs.existsSync(path.join(root, e.in)));

/**
 * The bundles get ts-morph's TypeScript compiler (~9 MB of JS, ~60 MB of memory in every thread that loads it)
 * as a separate file, dist/ts-morph.js, loaded on the first use of `ts`: a Python-only
 * scan, or a language server with no TS/JS document open, never loads it. `ts.SyntaxKind`, which rule modules
 * read when they load, is a copy taken here from the same ts-morph.
 */
const lazyTsMorph = {
  name: 'lazy-ts-morph',
  setup(build) {
    build.onResolve({ filter: /^ts-morph$/ }, () => ({ path: 'ts-morph', namespace: 'lazy-ts-morph' }));
    build.onLoad({ filter: /.*/, namespace: 'lazy-ts-morph' }, () => ({
      loader: 'js',
      contents: `
        const path = require('path');
        let real;
        const SyntaxKind = ${JSON.stringify(require('ts-morph').ts.SyntaxKind)};
        const load = () => (real ??= require(path.join(__dirname, 'ts-morph.js')).ts);
        const beforeLoad = new Proxy({}, { get: (_, key) => (key === 'SyntaxKind' ? SyntaxKind : load()[key]) });
        Object.defineProperty(exports, 'ts', { enumerable: true, get: () => real ?? beforeLoad });
      `,
    }));
  },
};

fs.mkdirSync(dist, { recursive: true });
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
};
// Only the compiler: the rules use ts-morph's `ts` (the TypeScript it bundles) and nothing else of ts-morph, whose
// wrapper and helpers added ~5 MB of code and ~30 MB of memory to every thread that loaded it.
await esbuild.build({
  ...common,
  stdin: { contents: `module.exports = { ts: require(${JSON.stringify(require.resolve('@ts-morph/common/dist/typescript.js'))}) };`, resolveDir: root, loader: 'js' },
  outfile: path.join(dist, 'ts-morph.js'),
});
await esbuild.build({
  plugins: [lazyTsMorph],
  ...common,
  entryPoints: entries.map((e) => ({ in: path.join(root, e.in), out: e.out })),
  outdir: dist,
  external: ['vscode'],
  // jsonc-parser's UMD build hides its requires from the bundler; its ESM build bundles cleanly.
  mainFields: ['module', 'main'],
  // ESM dependencies (web-tree-sitter) read import.meta.url; give them the bundle's own URL.
  define: { 'import.meta.url': '__memlintImportMetaUrl' },
  banner: { js: "const __memlintImportMetaUrl = require('url').pathToFileURL(__filename).href;" },
});

for (const wasm of ['web-tree-sitter/web-tree-sitter.wasm', 'tree-sitter-python/tree-sitter-python.wasm']) {
  fs.copyFileSync(require.resolve(wasm), path.join(dist, path.basename(wasm)));
}
