/**
 * Entry point of the bundled language server (dist/server.js).
 *   node dist/server.js --stdio        JSON-RPC over stdin/stdout
 *   node dist/server.js --node-ipc     over Node IPC (how the VS Code client starts it)
 * The same file is the scan worker's script: in a worker thread marked as such it runs the scan loop instead.
 */
import { isMainThread, workerData } from 'node:worker_threads';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { version } from '../../../package.json';
import { SCAN_WORKER_ROLE } from './scan-protocol';
import { runScanWorker } from './scan-worker';
import { startServer } from './server';

if (!isMainThread && (workerData as { role?: string } | undefined)?.role === SCAN_WORKER_ROLE) {
  runScanWorker();
} else {
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
    // In the bundle this file is also the worker's script; from sources (tsx) scans run in the server thread.
    workerScript: __filename.endsWith('.js') ? __filename : undefined,
    version,
  });
}
