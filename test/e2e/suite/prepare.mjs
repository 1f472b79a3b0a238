// Shared by the e2e runners (code-server: run.mjs, downloaded VS Code: run-electron.mjs): compiles the
// suite to CommonJS and makes a throwaway copy of examples/ (the suite applies fixes) with its settings.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';

const here = path.dirname(new URL(import.meta.url).pathname);

export async function buildSuite(root) {
  const out = path.join(root, 'out', 'e2e-suite');
  await esbuild.build({
    entryPoints: [path.join(here, 'index.ts'), path.join(here, 'extension.test.ts')],
    outdir: out,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return out;
}

export function makeWorkspace(root) {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-e2e-ws-'));
  fs.cpSync(path.join(root, 'examples'), ws, { recursive: true });
  fs.mkdirSync(path.join(ws, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(ws, '.vscode', 'settings.json'), JSON.stringify({ 'memlint.scanWorkspaceOnStartup': false, 'files.autoSave': 'off' }, null, 2));
  return ws;
}
