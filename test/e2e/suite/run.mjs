#!/usr/bin/env node
/**
 * Builds the e2e mocha suite (test/e2e/suite/*.ts -> out/e2e-suite/*.js), copies examples/ to a throwaway
 * workspace (the suite applies fixes) with the suite's settings, and runs it inside a real VS Code through
 * test/e2e/run-e2e.ts. Needs `npm run build` (dist/) and `bash scripts/install-e2e-deps.sh`.
 *
 *   node test/e2e/suite/run.mjs [--extension <root>]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSuite, makeWorkspace } from './prepare.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..', '..');
const args = process.argv.slice(2);
const at = args.indexOf('--extension');
const extension = path.resolve(at >= 0 && args[at + 1] ? args[at + 1] : root);

const out = await buildSuite(root);
const ws = makeWorkspace(root);
const result = spawnSync(
  process.execPath,
  [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(root, 'test', 'e2e', 'run-e2e.ts'), '--extension', extension, '--tests', path.join(out, 'index.js'), '--workspace', ws, '--timeout', '300000', '--artifacts', path.join(root, 'test-results', 'e2e')],
  { stdio: 'inherit', env: { ...process.env, MEMLINT_CLI: process.env.MEMLINT_CLI ?? path.join(root, 'dist', 'cli.js') } },
);
fs.rmSync(ws, { recursive: true, force: true });
process.exit(result.status ?? 1);
