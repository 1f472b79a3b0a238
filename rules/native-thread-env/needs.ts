/**
 * What a Python deploy of native-thread-env lacks: thread caps for the native libraries its served code loads, and
 * MALLOC_ARENA_MAX for a threaded gunicorn; and the messages that say so. Shared by the Dockerfile, render.yaml and
 * start-file (Procfile, start script) checks.
 */
import { clip } from '../shared/format';
import type { ReportSpec, RuleContext } from '../api';
import { optionValues, type StartCommand } from '../../analysis/deploy/commands';
import { NATIVE_THREAD_PACKAGES } from '../../analysis/deploy/app-facts';
import type { Workspace } from '../../analysis/deploy/deploy-files';
import { findDeploys, type Deploy } from '../../analysis/deploy/deploys';
import { modulesLoadedBy } from '../../analysis/deploy/python-reach';
import { nativeImportsInSources, nativeImportsServed, NATIVE_THREAD_IMPORTS } from '../../analysis/deploy/native-imports';
import { serverOf, type Server } from '../../analysis/deploy/servers';

export const THREAD_CAPS = ['OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS', 'NUMEXPR_MAX_THREADS'];

export interface Needs {
  native: string[];
  /** A served module's import that loads a native thread pool, when the deploy's processes were followed. */
  served?: { module: string; file: string };
  capsMissing: boolean;
  threaded?: { server: Server; command: StartCommand; file: string; appThreads?: string };
  arenaMissing: boolean;
}

/** `sourceDirs`: where the deploy's code lives when no deploy names it (the Dockerfile's folder). */
export function needsOf(ws: Workspace, deploys: Deploy[], packages: Set<string>, envNames: Set<string>, hostCpus = 8, sourceDirs: readonly string[] = []): Needs {
  let native = [...packages].filter((p) => NATIVE_THREAD_PACKAGES.has(p)).sort();
  let served: Needs['served'];
  if (native.length > 0) {
    // Installed is not loaded: a library only offline scripts import starts no thread in the served processes.
    // An image no deploy starts as such (its CMD is a development server) runs one of the project's served entries.
    const considered = deploys.length > 0 ? deploys : findDeploys(ws);
    const evidence = nativeImportsServed(ws, considered, hostCpus);
    if (evidence.resolved && evidence.imports.length === 0) native = [];
    else if (evidence.resolved) served = evidence.imports[0];
    // Not followed to modules (a uWSGI ini, an image with no command): no project source importing one is enough.
    else if (nativeImportsInSources(ws, deploys.length > 0 ? deploys.map((d) => d.dir) : sourceDirs, considered, packages) === 'none') native = [];
  }
  let threaded: Needs['threaded'];
  for (const deploy of deploys) {
    for (const proc of deploy.processes) {
      if (proc.command.program !== 'gunicorn') continue;
      const server = serverOf(proc, { ws, deploy, hostCpus });
      if (!server) continue;
      if (isThreaded(server)) threaded ??= { server, command: proc.command, file: proc.file };
      else if (/UvicornWorker/.test(server.workerClass ?? '')) {
        const appThreads = threadsTheAppStarts(ws, modulesLoadedBy(ws, server, [...new Set([proc.cwd, deploy.dir])]));
        if (appThreads) threaded ??= { server, command: proc.command, file: proc.file, appThreads };
      }
    }
  }
  return {
    native,
    served,
    capsMissing: native.length > 0 && !THREAD_CAPS.some((n) => envNames.has(n)),
    threaded,
    arenaMissing: threaded !== undefined && !envNames.has('MALLOC_ARENA_MAX'),
  };
}

/** FastAPI/Starlette route decorators: a plain `def` under one runs on AnyIO's thread pool (40 threads). */
const ROUTE_DECORATOR = /^[ \t]*@\w+\.(get|post|put|patch|delete|api_route|route)\(/;
const SYNC_ENDPOINT = new RegExp(`${ROUTE_DECORATOR.source}[^\\n]*\\n(?:[ \\t]*@[^\\n]*\\n)*[ \\t]*def[ \\t]`, 'm');
/** Frameworks that run a plain `def` endpoint on AnyIO's thread pool. */
const ANYIO_FRAMEWORK = /^[ \t]*(?:from|import)[ \t]+(?:fastapi|starlette)\b/m;
const THREAD_STARTERS = /\b(BackgroundScheduler|ThreadPoolExecutor|threading\.Thread)\s*\(/;

/**
 * What starts threads in an ASGI worker's own code, for the message: sync endpoints (run on the thread pool) and
 * in-process schedulers or thread pools, found in the modules the server loads.
 */
function threadsTheAppStarts(ws: Workspace, files: Set<string> | undefined): string | undefined {
  let sync = false;
  let starter: string | undefined;
  for (const file of files ?? []) {
    const text = ws.read(file) ?? '';
    // Django (and django-ninja's routers on it) runs sync views under ASGI in one shared thread (thread_sensitive), not a pool.
    sync ||= SYNC_ENDPOINT.test(text) && ANYIO_FRAMEWORK.test(text);
    starter ??= THREAD_STARTERS.exec(text)?.[1];
  }
  const parts = [sync ? 'sync endpoints on the thread pool' : undefined, starter ? `a ${starter} thread` : undefined].filter(Boolean);
  return parts.length ? parts.join(' and ') : undefined;
}

/** gevent/eventlet workers: greenlets on one OS thread. */
export function greenWorkers(server: Server): boolean {
  return /gevent|eventlet/i.test(server.workerClass ?? '');
}

/**
 * OS threads in each worker: `--threads` above 1 or the gthread class. gevent/eventlet workers run their greenlets
 * on the worker's one OS thread (gunicorn ignores `--threads` for them), so malloc arenas do not multiply there.
 */
function isThreaded(server: Server): boolean {
  if (greenWorkers(server)) return false;
  return server.threads.n > 1 || /gthread|ThreadWorker/i.test(server.workerClass ?? '');
}

/** The variables the fix sets: the caps when missing, MALLOC_ARENA_MAX when a threaded server lacks it. */
export function variables(ctx: RuleContext, needs: Needs): [string, string][] {
  const threads = String(Math.max(1, Math.floor(ctx.options.threads as number)));
  const vars: [string, string][] = needs.capsMissing ? THREAD_CAPS.map((n) => [n, threads]) : [];
  if (needs.arenaMissing) vars.push(['MALLOC_ARENA_MAX', String(Math.max(1, Math.floor(ctx.options.mallocArenaMax as number)))]);
  return vars;
}

export function capsMessage(needs: Needs, vars: [string, string][]): Pick<ReportSpec, 'messageId' | 'data' | 'detail'> {
  const libs = needs.native.slice(0, 4).join(', ') + (needs.native.length > 4 ? ` and ${needs.native.length - 4} more` : '');
  const first = clip(needs.native[0], 16) + (needs.native.length > 1 ? ` +${needs.native.length - 1}` : '');
  return {
    messageId: 'native-threads',
    data: { libraries: first },
    detail:
      `Installs ${libs}${servedClause(needs)} but caps no native thread pool: OpenMP/OpenBLAS/MKL start one thread per CPU the container reports ` +
      `(the host's, not the plan's) in every worker process, each with its own stack and buffers. ` +
      `Set ${vars.filter(([n]) => n !== 'MALLOC_ARENA_MAX').map(([n, v]) => `${n}=${v}`).join(' ')}.`,
  };
}

/** `, which app/main.py loads (import langchain: numpy)`. */
function servedClause(needs: Needs): string {
  const s = needs.served;
  if (!s) return '';
  const via = NATIVE_THREAD_IMPORTS[s.module];
  const loads = via && via !== s.module ? `, which loads ${via}` : '';
  return s.file.endsWith('.py') ? ` (the served ${s.file} imports ${s.module}${loads})` : ` (${s.file} runs ${s.module}${loads})`;
}

export function arenaMessage(needs: Needs, vars: [string, string][]): Pick<ReportSpec, 'messageId' | 'data' | 'detail'> {
  const s = needs.threaded!.server;
  const how = needs.threaded!.appThreads
    ? `${s.workerClass} workers that run ${needs.threaded!.appThreads}`
    : s.threads.n > 1
      ? `${s.threads.n} threads per worker (${s.workerClass})`
      : `the ${s.workerClass} worker class`;
  const arena = vars.find(([n]) => n === 'MALLOC_ARENA_MAX')?.[1] ?? '2';
  return {
    messageId: 'malloc-arenas',
    data: { arena },
    detail:
      `Runs gunicorn with ${how}: glibc gives threads their own malloc arenas (up to 8 per CPU) and ` +
      `memory freed in one is not reused by another, so resident memory grows with fragmentation. Set MALLOC_ARENA_MAX=${arena}.`,
  };
}

/** Where the threaded setting is written in this file: `--threads 4`, `-k gthread`, or the gunicorn word. */
export function threadedRange(file: string, threaded: NonNullable<Needs['threaded']>): [number, number] | undefined {
  const s = threaded.server;
  if (s.threads.n > 1 && s.threads.at?.file === file) return [s.threads.at.start, s.threads.at.end];
  if (threaded.file !== file) return undefined;
  const k = optionValues(threaded.command.args, ['-k', '--worker-class']).pop();
  if (k) return [k.word.start, k.word.end];
  return [threaded.command.programWord.start, threaded.command.programWord.end];
}

