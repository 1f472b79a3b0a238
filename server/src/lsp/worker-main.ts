/**
 * Entry point of the language server's analysis workers (bundled as dist/server-worker.js, next to
 * dist/server.js; the server forks it). Kept out of the server's own bundle: the server process never loads
 * the engine, the rules or the parsers, which keeps an idle server small and its startup fast.
 */
import { isMainThread } from 'node:worker_threads';
import { runWorker } from './worker';

if (isMainThread && !process.send) {
  process.stderr.write('memlint: server-worker.js is started by the language server (dist/server.js), not directly\n');
  process.exit(2);
}
runWorker();
