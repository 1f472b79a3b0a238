/**
 * missing-worker-recycling in deploy files: gunicorn commands that nothing gives `--max-requests` (flags,
 * GUNICORN_CMD_ARGS, the config file they load), and celery prefork workers without `--max-tasks-per-child`.
 */
import { defineRule, type FixSpec, type RuleContext } from '../api';
import {
  celeryPool, celeryWorkerWord, envSettings, hasOption, optionValues, startCommands, valueRange, wordsOf,
  type StartCommand,
} from './commands';
import { CMD_ARGS_WITH_MAX_REQUESTS, configReportsItself, gunicornConfigOf, isEnvFile, maxRequestsInText, otherDeployFiles } from './gunicorn-config';
import { RECYCLING_OPTIONS } from './missing-worker-recycling-common';
import { missingWorkerRecyclingDeployDocs } from './worker-docs';

const CELERY_RECYCLING_FLAGS = ['--max-tasks-per-child', '--maxtasksperchild', '--max-memory-per-child'];
/** Any spelling of the celery settings (`worker_max_tasks_per_child`, `CELERYD_MAX_TASKS_PER_CHILD`, ...). */
const CELERY_RECYCLING_SETTING = /max_tasks_per_child|MAX_TASKS_PER_CHILD|max_memory_per_child|MAX_MEMORY_PER_CHILD|maxtasksperchild/;
/** Above this many workspace Python files, the celery check reads only the likely config files. */
const MAX_PYTHON_FILES = 2000;
/** Where celery settings usually live: read these first. */
const LIKELY_CELERY_CONFIG = /(celery|settings|config|conf|worker|tasks|__init__)[^/]*\.py$/;

const LEAK = 'Memory a worker leaks or fragments is only returned when the process exits, so it builds up until the instance runs out of memory.';

export default defineRule({
  meta: {
    id: 'missing-worker-recycling',
    kinds: ['procfile', 'dockerfile', 'yaml', 'toml', 'json'],
    defaultSeverity: 'warning',
    fix: 'unsafe',
    trigger: /gunicorn|celery/,
    options: RECYCLING_OPTIONS,
    docs: missingWorkerRecyclingDeployDocs,
  },
  check(ctx) {
    for (const command of startCommands(ctx)) {
      if (command.program === 'gunicorn') checkGunicorn(ctx, command);
      else if (command.program === 'celery') checkCelery(ctx, command);
    }
  },
});

function checkGunicorn(ctx: RuleContext, command: StartCommand): void {
  const maxRequests = ctx.options.maxRequests as number;
  const jitter = ctx.options.maxRequestsJitter as number;
  const given = optionValues(command.args, ['--max-requests']).pop();
  const hasJitter = hasOption(command.args, ['--max-requests-jitter']);
  if (given) {
    if (!/^0+$/.test(given.value)) return;
    // --max-requests 0 turns recycling off.
    const [start, end] = valueRange(given);
    const edits = [{ start, end, newText: String(maxRequests) }];
    const jitterEdit = hasJitter ? undefined : command.insertAfter(given.word, ['--max-requests-jitter', String(jitter)]);
    if (jitterEdit) edits.push(jitterEdit);
    ctx.report({
      start,
      end,
      message: `Turns worker recycling off, so leaked memory builds up until OOM: use --max-requests ${maxRequests}`,
      detail: `--max-requests 0: gunicorn never replaces its workers. ${LEAK} Use --max-requests ${maxRequests}.`,
      fixes: [{ title: `Recycle workers every ${maxRequests} requests`, edits }],
    });
    return;
  }
  if (recyclingConfiguredElsewhere(ctx, command)) return;

  const flags = ['--max-requests', String(maxRequests), ...(hasJitter ? [] : ['--max-requests-jitter', String(jitter)])];
  const edit = command.insertAfter(command.programWord, flags);
  const fixes: FixSpec[] = edit ? [{ title: `Add ${flags.join(' ')}`, edits: [edit] }] : [];
  ctx.report({
    start: command.programWord.start,
    end: command.programWord.end,
    message: `Never recycles gunicorn workers, so leaked memory builds up until OOM: add --max-requests`,
    detail: `Without --max-requests gunicorn never replaces its workers. ${LEAK} Add ${flags.join(' ')}.`,
    fixes,
  });
}

/** GUNICORN_CMD_ARGS (this file or another deploy file) or the loaded config file sets max_requests. */
function recyclingConfiguredElsewhere(ctx: RuleContext, command: StartCommand): boolean {
  // Settings of this file that reach this command: file-wide ones, and those of its own service.
  const viaEnv = envSettings(ctx).some(
    (e) =>
      e.name === 'GUNICORN_CMD_ARGS' &&
      (e.scope === undefined || e.scope === command.name) &&
      optionValues(wordsOf(e.value), ['--max-requests']).some((m) => !/^0+$/.test(m.value)),
  );
  if (viaEnv) return true;
  const config = gunicornConfigOf(ctx, command);
  if (config.kind === 'unknown') return true; // it may well set it: say nothing
  if (config.kind === 'found') {
    if (maxRequestsInText(config.text) === 'set') return true;
    // The config file gets the finding (and the fix) itself.
    if (configReportsItself(config.relPath, config.text)) return true;
  }
  // .env files (compose, local runs) and app.json (Heroku) set the environment of every process.
  return otherDeployFiles(ctx).some((f) => (isEnvFile(f.relPath) || /(^|\/)app\.json$/.test(f.relPath)) && CMD_ARGS_WITH_MAX_REQUESTS.test(f.text));
}

function checkCelery(ctx: RuleContext, command: StartCommand): void {
  const worker = celeryWorkerWord(command);
  if (!worker) return;
  const pool = celeryPool(command);
  if (pool !== 'prefork' && pool !== 'processes') return; // the option does nothing for gevent/eventlet/threads/solo
  if (hasOption(command.args, CELERY_RECYCLING_FLAGS)) return;
  if (celeryRecyclingConfigured(ctx)) return;
  const flag = `--max-tasks-per-child=${ctx.options.maxTasksPerChild as number}`;
  const edit = command.insertAfter(worker, [flag]);
  ctx.report({
    start: worker.start,
    end: worker.end,
    message: `Never replaces celery pool processes, so leaked memory grows until OOM: add ${flag.split("=")[0]}`,
    detail: `Without --max-tasks-per-child the pool processes live as long as the worker. Memory tasks leak or fragment is only returned when a process exits, so it builds up until the instance runs out of memory. Add ${flag}.`,
    fixes: edit ? [{ title: `Add ${flag}`, edits: [edit] }] : [],
  });
}

/** A workspace Python file (celery app, celeryconfig, Django settings) or env file sets the per-child limits. */
function celeryRecyclingConfigured(ctx: RuleContext): boolean {
  if (envSettings(ctx).some((e) => CELERY_RECYCLING_SETTING.test(e.name))) return true;
  const python = ctx.project.files().filter((p) => p.endsWith('.py') && !/(^|\/)(node_modules|site-packages|\.venv|venv)\//.test(p));
  const likely = python.filter((p) => LIKELY_CELERY_CONFIG.test(p));
  // In a very large workspace only the files where celery settings usually live are read.
  const candidates = python.length > MAX_PYTHON_FILES ? likely : [...likely, ...python.filter((p) => !LIKELY_CELERY_CONFIG.test(p))];
  for (const relPath of candidates) {
    const text = ctx.project.readFile(relPath);
    if (text && CELERY_RECYCLING_SETTING.test(text)) return true;
  }
  return otherDeployFiles(ctx).some((f) => CELERY_RECYCLING_SETTING.test(f.text));
}
