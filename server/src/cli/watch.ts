/**
 * `--watch`: runs the check, then again whenever a file under the workspace changes (fs.watch, recursive),
 * until interrupted. Changes that arrive while a run is going on start one more run after it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Folders whose changes never matter (dependencies, VCS data, caches). */
const IGNORED = /(^|[\\/])(node_modules|\.git|\.hg|\.svn|__pycache__|\.mypy_cache|\.pytest_cache|\.ruff_cache|\.venv|venv|dist|build)([\\/]|$)/;
const DEBOUNCE_MS = 150;

export async function watchAndRun(root: string, runOnce: () => Promise<number>, out: NodeJS.WritableStream = process.stderr): Promise<number> {
  const announce = () => out.write(`\n[${new Date().toLocaleTimeString()}] memlint: watching ${root} for changes (Ctrl+C to stop)\n`);
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  const rerun = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    do {
      again = false;
      if (process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H'); // a fresh screen per run, as ruff --watch
      await runOnce().catch((e) => out.write(`memlint: ${(e as Error).message}\n`));
      announce();
    } while (again);
    running = false;
  };
  let watcher: fs.FSWatcher;
  try {
    watcher = fs.watch(root, { recursive: true }, (_event, file) => {
      if (file && IGNORED.test(String(file))) return;
      if (file && path.basename(String(file)).startsWith('.') && String(file).endsWith('.tmp')) return; // --fix's temp files
      clearTimeout(timer);
      timer = setTimeout(() => void rerun(), DEBOUNCE_MS);
    });
  } catch (e) {
    out.write(`memlint: cannot watch ${root}: ${(e as Error).message}\n`);
    return 2;
  }
  // Watching starts before the first run, so a change made while it runs is not missed.
  await runOnce();
  announce();
  return new Promise<number>((resolve) => {
    const stop = () => {
      watcher.close();
      clearTimeout(timer);
      resolve(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
