/**
 * Runs a compiled mocha extension-test index inside a real VS Code extension host
 * (see host.ts / README.md) and exits with the suite's exit code.
 *
 *   npx tsx test/e2e/run-e2e.ts --extension <ext root> --tests <out/test/index.js> --workspace <folder>
 *     [--timeout <ms>] [--artifacts <dir>]
 *
 * The extension host inherits this process's environment: set test settings as env vars.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { runExtensionTests } from './host';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      extension: { type: 'string' },
      tests: { type: 'string' },
      workspace: { type: 'string' },
      timeout: { type: 'string', default: '120000' },
      artifacts: { type: 'string' },
    },
  });
  if (!values.extension || !values.tests || !values.workspace) {
    console.error('usage: run-e2e.ts --extension <path> --tests <compiled mocha index.js> --workspace <folder> [--timeout ms] [--artifacts dir]');
    return 2;
  }
  const started = Date.now();
  const { exitCode } = await runExtensionTests({
    extensionDevelopmentPath: path.resolve(values.extension),
    extensionTestsPath: path.resolve(values.tests),
    workspaceFolder: path.resolve(values.workspace),
    timeoutMs: Number(values.timeout),
    artifactsDir: values.artifacts && path.resolve(values.artifacts),
    onLog: (line) => console.log(line),
  });
  console.log(`[e2e] extension tests exited with code ${exitCode} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return exitCode;
}

// Exit through process.exit so host.ts's 'exit' hook kills the (detached) VS Code server.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[e2e] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
