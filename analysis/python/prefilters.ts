/**
 * Cheap tests of a file's path, roles and text that rules run before asking for the parse tree: each is true
 * whenever the rule could report anything in the file (looser than the rule's own logic, never stricter), so
 * the many files a rule's trigger lets through but where it has nothing to say are never parsed for it.
 * Tests that need only the text belong in the rule's `trigger`; these also need the path or the file's roles.
 */
import type { RuleContext, SourceInfo } from '../../rules/api';
import { fileMatches } from './statements';
import { isGunicornConfigFile } from '../deploy/gunicorn-config';
import { isEntryModule, WEB_FRAMEWORKS } from './web-context';
import { CELERY_POOL_HOOK_WORDS } from './worker-hooks';

/** Words without which appStartHooks (web-context.ts) finds no hook: registrations, decorators, AppConfig, factories, gunicorn hooks. */
const START_HOOK_WORDS = ['lifespan', 'on_startup', 'add_event_handler', 'on_event', 'before_first_request', 'before_serving', 'AppConfig', 'create_app', 'make_app', 'post_fork', 'post_worker_init', ...CELERY_POOL_HOOK_WORDS];
const WEB_OR_START_HOOK = new RegExp([...WEB_FRAMEWORKS, ...START_HOOK_WORDS].join('|'), 'i');

/**
 * scheduler-in-web-process reports only in code a web worker runs at start: a module that imports a web
 * framework, an entry module (wsgi.py, main.py...), Django settings, or a start hook.
 */
export function mayRunAtWorkerStart(ctx: RuleContext): boolean {
  const file = ctx.file;
  return isEntryModule(file.relPath) || file.roles.has('django-settings') || fileMatches(ctx, WEB_OR_START_HOOK);
}

/**
 * large-page-size reports Django/DRF code (an import, or Django settings), pagination classes, and
 * REST_FRAMEWORK's "PAGE_SIZE" key.
 */
export function mayConfigurePageSize(file: SourceInfo): boolean {
  return file.roles.has('django-settings') || /django|rest_framework|Paginat|["']PAGE_SIZE["']\s*:/.test(file.text);
}

/**
 * cpu-derived-workers (Python) reads `workers` only in gunicorn config files or next to gunicorn/uvicorn, and
 * celery's concurrency settings anywhere.
 */
export function maySetWorkerCount(ctx: RuleContext): boolean {
  return isGunicornConfigFile(ctx.file) || fileMatches(ctx, WORKER_COUNT_WORDS);
}

const WORKER_COUNT_WORDS = /concurrency|CONCURRENCY|uvicorn|gunicorn/;
