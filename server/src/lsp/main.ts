/**
 * Entry point of the bundled language server (dist/server.js).
 *   node dist/server.js --stdio        JSON-RPC over stdin/stdout
 *   node dist/server.js --node-ipc     over Node IPC (how the VS Code client starts it)
 * The same file is the script of the server's analysis worker threads. Each side loads only its own modules
 * (`require` keeps the bundled modules lazy): the main thread never initialises the engine, the rules or the
 * parsers.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
import { isMainThread, workerData } from 'node:worker_threads';
import { WORKER_ROLE } from './worker-protocol';

if (!isMainThread && (workerData as { role?: string } | undefined)?.role === WORKER_ROLE) {
  (require('./worker') as typeof import('./worker')).runWorker();
} else {
  const { createConnection, ProposedFeatures } = require('vscode-languageserver/node') as typeof import('vscode-languageserver/node');
  const { startServer } = require('./server') as typeof import('./server');
  const { version } = require('../../../package.json') as { version: string };
  const connection = createConnection(ProposedFeatures.all);
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
  startServer(connection, {
    // In the bundle this file is also the workers' script; from sources (tsx) analysis runs in this thread.
    workerScript: __filename.endsWith('.js') ? __filename : undefined,
    version,
  });
}
