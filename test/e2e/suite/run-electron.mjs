#!/usr/bin/env node
// The same e2e suite under @vscode/test-electron, for machines that can download VS Code
// (`npm run test:e2e:electron`). Here, offline, run.mjs drives code-server instead.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';
import { buildSuite, makeWorkspace } from './prepare.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const out = await buildSuite(root);
const ws = makeWorkspace(root);
try {
  await runTests({
    version: '1.100.3',
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(out, 'index.js'),
    launchArgs: [ws, '--disable-extensions', '--disable-workspace-trust'],
    extensionTestsEnv: { MEMLINT_CLI: path.join(root, 'dist', 'cli.js') },
  });
} catch (e) {
  console.error(`e2e (electron) failed: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 1;
} finally {
  fs.rmSync(ws, { recursive: true, force: true });
}
