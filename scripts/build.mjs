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

fs.mkdirSync(dist, { recursive: true });
await esbuild.build({
  entryPoints: entries.map((e) => ({ in: path.join(root, e.in), out: e.out })),
  outdir: dist,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['vscode'],
  // jsonc-parser's UMD build hides its requires from the bundler; its ESM build bundles cleanly.
  mainFields: ['module', 'main'],
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  // ESM dependencies (web-tree-sitter) read import.meta.url; give them the bundle's own URL.
  define: { 'import.meta.url': '__memlintImportMetaUrl' },
  banner: { js: "const __memlintImportMetaUrl = require('url').pathToFileURL(__filename).href;" },
});

for (const wasm of ['web-tree-sitter/web-tree-sitter.wasm', 'tree-sitter-python/tree-sitter-python.wasm']) {
  fs.copyFileSync(require.resolve(wasm), path.join(dist, path.basename(wasm)));
}
