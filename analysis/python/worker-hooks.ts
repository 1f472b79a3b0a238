/**
 * Framework hooks that run once in EVERY worker process, beyond the web app's own start hooks (web-context.ts's
 * appStartHooks asks this for the Celery ones): what a scheduler started there or a model loaded there costs is
 * multiplied by the number of processes.
 *
 * - Celery `worker_process_init`: sent in each pool child process as it starts (prefork: `--concurrency` of them,
 *   the host's CPU count by default), after the fork, so what its handlers build is private to each process.
 * - Not per process (look-alikes): `worker_init` and `celeryd_init` are sent once by a worker's main process
 *   before the pool starts; gunicorn's `on_starting` and `when_ready` run once in the master (the place people
 *   start a scheduler on purpose so that it runs once).
 *
 * The rules read hooks from the parse tree (appStartHooks); the budget reads its model loads from text (app-facts),
 * so the same vocabulary is offered both ways here.
 */

/** Where a per-process hook runs: a web server's workers, or a Celery worker's pool processes. */
export type HookProcess = 'web-worker' | 'celery-pool-process';

/** Celery signals sent in each pool process as it starts. */
const CELERY_POOL_SIGNALS = new Set(['worker_process_init']);

/** The pool-process signal a qualified `.connect` names (`celery.signals.worker_process_init.connect`), if any. */
export function celeryPoolSignal(qualifiedConnect: string | undefined): string | undefined {
  const m = /^celery\.signals\.(\w+)\.connect$/.exec(qualifiedConnect ?? '');
  return m && CELERY_POOL_SIGNALS.has(m[1]) ? m[1] : undefined;
}

/** The label messages use for a Celery pool-process hook. */
export function celeryHookLabel(signal: string): string {
  return `the Celery ${signal} handler`;
}

/** Words without which no Celery pool-process hook is in a text (for prefilters). */
export const CELERY_POOL_HOOK_WORDS = [...CELERY_POOL_SIGNALS];

// ---------------------------------------------------------------------------------------------------
// The same, from text (the budget reads module text, not trees).

export interface TextHook {
  process: HookProcess;
  label: string;
  /** Offset of the hook's `def`. */
  def: number;
}

const DEF = /^(?:async\s+)?def\s+(\w+)\s*\(/;

/**
 * The per-process hook whose body holds `offset` (a line inside a module-level function), read from text: a
 * `@worker_process_init.connect` handler (or one passed to `worker_process_init.connect(fn)`) whose signal is
 * Celery's, Flask's `@app.before_first_request` (Quart's `before_serving`), a FastAPI/Starlette startup handler (`@app.on_event("startup")`, `on_startup=[fn]`,
 * `add_event_handler("startup", fn)`) or lifespan (`lifespan=fn`, or an `@asynccontextmanager` named lifespan).
 */
export function perProcessHookAt(text: string, offset: number): TextHook | undefined {
  // The nearest line above at column 0 that is code: the module-level statement holding the offset.
  let end = text.lastIndexOf('\n', offset);
  if (!/^[ \t]/.test(text.slice(end + 1, offset + 1))) return undefined;
  let def: { name: string; start: number } | undefined;
  while (end > 0) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    const line = text.slice(start, end);
    end = start - 1;
    if (!line.trim() || /^\s/.test(line) || line.startsWith('#')) continue;
    const m = DEF.exec(line);
    if (m) def = { name: m[1], start };
    break;
  }
  if (!def) return undefined;
  const decorators: string[] = [];
  for (let e = def.start - 1; e > 0; ) {
    const s = text.lastIndexOf('\n', e - 1) + 1;
    const line = text.slice(s, e);
    if (!line.startsWith('@')) break;
    decorators.push(line);
    e = s - 1;
  }
  const name = def.name;
  for (const signal of CELERY_POOL_SIGNALS) {
    if (!celerySignalImported(text, signal)) continue;
    const connect = new RegExp(`^@(?:[\\w.]+\\.)?${signal}\\.connect\\b`);
    const registered = new RegExp(`\\b${signal}\\.connect\\(\\s*${name}\\s*[,)]`);
    if (decorators.some((d) => connect.test(d)) || registered.test(text)) return { process: 'celery-pool-process', label: celeryHookLabel(signal), def: def.start };
  }
  if (decorators.some((d) => /^@[\w.]+\.on_event\(\s*["']startup["']/.test(d))) return { process: 'web-worker', label: 'the startup handler', def: def.start };
  // Flask's before_first_request (Quart's before_serving) runs in each worker, on its first request: after any fork.
  const first = decorators.map((d) => /^@[\w.]+\.(before_first_request|before_serving)\b/.exec(d)?.[1]).find(Boolean);
  if (first) return { process: 'web-worker', label: `@${first}`, def: def.start };
  if (new RegExp(`\\bon_startup\\s*=\\s*[[(][^\\])]*\\b${name}\\b|add_event_handler\\(\\s*["']startup["']\\s*,\\s*${name}\\s*\\)`).test(text)) {
    return { process: 'web-worker', label: 'a startup handler', def: def.start };
  }
  if (new RegExp(`\\blifespan\\s*=\\s*${name}\\b`).test(text) || (/lifespan/i.test(name) && decorators.some((d) => /asynccontextmanager/.test(d)))) {
    return { process: 'web-worker', label: 'the app lifespan', def: def.start };
  }
  return undefined;
}

/** `from celery.signals import worker_process_init`, `from celery import signals`, `import celery.signals`. */
function celerySignalImported(text: string, signal: string): boolean {
  return (
    new RegExp(`^\\s*from\\s+celery\\.signals\\s+import\\b[^\\n]*\\b${signal}\\b`, 'm').test(text) ||
    new RegExp(`^\\s*from\\s+celery\\.signals\\s+import\\s*\\([^)]*\\b${signal}\\b`, 'm').test(text) ||
    (/^\s*from\s+celery\s+import\b[^\n]*\bsignals\b/m.test(text) && new RegExp(`\\bsignals\\.${signal}\\b`).test(text)) ||
    new RegExp(`\\bcelery\\.signals\\.${signal}\\b`).test(text)
  );
}
