/**
 * Entry point of the bundled language server (dist/server.js).
 *   node dist/server.js --stdio        JSON-RPC over stdin/stdout
 *   node dist/server.js --node-ipc     over Node IPC (how the VS Code client starts it)
 * Analysis runs in worker processes the server forks from dist/server-worker.js (worker-main.ts); this bundle
 * holds only the protocol side, so the engine is never loaded into the server process itself.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { version } from '../../../package.json';
import { FramingGuard } from './framing';
import { startServer } from './server';

// On stdio the framing is checked first (framing.ts): a broken header ends the connection with a logged error
// and exit code 1, which the client answers by starting a new server, instead of a server that hears nothing.
const stdio = process.argv.includes('--stdio');
const connection = stdio
  ? createConnection(ProposedFeatures.all, process.stdin.pipe(new FramingGuard(framingBroken)), process.stdout)
  : createConnection(ProposedFeatures.all);

function framingBroken(reason: string): void {
  const message = `memlint: closing the connection: broken message framing from the client (${reason})`;
  process.stderr.write(message + '\n');
  try {
    connection.console.error(message);
  } catch {
    // the stream may be gone already
  }
  // Let the log message reach the client, then leave: nothing after a broken header can be trusted.
  process.stdout.write('', () => process.exit(1));
  setTimeout(() => process.exit(1), 500).unref();
}
const log = (what: string, e: unknown) => {
  try {
    connection.console.error(`memlint: ${what}: ${String((e as Error)?.stack ?? e)}`);
  } catch {
    process.stderr.write(`memlint: ${what}: ${String(e)}\n`);
  }
};
// Bad input must never take the server down: log and keep serving.
process.on('uncaughtException', (e) => log('uncaught exception', e));
process.on('unhandledRejection', (e) => log('unhandled rejection', e));

/** The workers' script: the bundle beside this one, or (running from sources under tsx) the TypeScript entry. */
function workerScript(): { script: string; execArgv?: string[] } {
  if (__filename.endsWith('.ts')) return { script: path.join(__dirname, 'worker-main.ts'), execArgv: ['--require', 'tsx/cjs'] };
  const bundled = path.join(__dirname, 'server-worker.js');
  if (!fs.existsSync(bundled)) log('startup', new Error(`${bundled} is missing: the server cannot analyse anything (rebuild with npm run build)`));
  return { script: bundled };
}

startServer(connection, { worker: workerScript(), version });
