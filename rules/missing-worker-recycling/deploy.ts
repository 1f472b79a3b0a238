/**
 * missing-worker-recycling in deploy files: gunicorn commands that nothing gives `--max-requests` (flags,
 * GUNICORN_CMD_ARGS, the config file they load), and celery prefork workers without `--max-tasks-per-child`.
 */
import { defineRule, type FixSpec, type RuleContext } from '../api';
import {
  celeryPool, celeryWorkerWord, envSettings, hasOption, insertAfter, optionValues, startCommands, valueRange, wordsOf,
  type MappedText, type StartCommand,
} from '../../analysis/deploy/commands';
import type { DeployEnv } from '../../analysis/deploy/deploy-model';
import { scriptProcesses } from '../../analysis/deploy/script-processes';
import { missingAppPackage } from '../../analysis/deploy/missing-app';
import { Workspace } from '../../analysis/deploy/deploy-files';
import { CMD_ARGS_WITH_MAX_REQUESTS, configReportsItself, gunicornConfigOf, isEnvFile, maxRequestsInText, otherDeployFiles } from '../../analysis/deploy/gunicorn-config';
import { missingWorkerRecyclingDocs, missingWorkerRecyclingMeta } from './meta';
import { UWSGI_RECYCLING_ENV, uwsgiCommandWithoutRecycling } from './uwsgi-options';

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
    ...missingWorkerRecyclingMeta,
    kinds: ['procfile', 'dockerfile', 'yaml', 'toml', 'json', 'shell', 'env'],
    trigger: /gunicorn|celery|CELERYD_|uwsgi/,
    docs: missingWorkerRecyclingDocs.deploy,
  },
  check(ctx) {
    // A shell script's commands count when a deploy runs them; the environment is then the deploy's too.
    const commands: { command: StartCommand; env: readonly DeployEnv[] }[] =
      ctx.file.kind === 'shell'
        ? scriptProcesses(ctx).map((p) => ({ command: p.command, env: p.deploys.flatMap((d) => d.env) }))
        : startCommands(ctx, { keepReloading: true }).map((command) => ({ command, env: [] }));
    for (const { command, env } of commands) checkStartCommand(ctx, command, env);
  },
});

/** Reports a gunicorn or celery worker command that nothing gives worker recycling. */
export function checkStartCommand(ctx: RuleContext, command: StartCommand, deployEnv: readonly DeployEnv[]): void {
  // A process whose app the repository does not have exits at start (a Procfile copied from a template).
  if (missingAppPackage(Workspace.of(ctx), command, ctx.file.relPath)) return;
  if (command.program === 'gunicorn') checkGunicorn(ctx, command, deployEnv);
  else if (command.program === 'celery') checkCelery(ctx, command, deployEnv);
  else if (command.program === 'uwsgi') checkUwsgiCommand(ctx, command, deployEnv);
}

/** A uWSGI app server configured on its command line (`uwsgi --socket :9000 --workers 4 --module app.wsgi`) with no recycling flag. */
function checkUwsgiCommand(ctx: RuleContext, command: StartCommand, deployEnv: readonly DeployEnv[]): void {
  const envNames = [...deployEnv.map((e) => e.name), ...envSettings(ctx).filter((e) => e.scope === undefined || e.scope === command.name).map((e) => e.name)];
  if (!uwsgiCommandWithoutRecycling(command, envNames)) return;
  if (otherDeployFiles(ctx).some((f) => isEnvFile(f.relPath) && UWSGI_RECYCLING_ENV.test(f.text))) return;
  const max = ctx.options.maxRequests as number;
  const flags = ['--max-requests', String(max)];
  const edit = insertAfter(command.programWord, flags);
  const workers = optionValues(command.args, ['--workers', '--processes', '-p']).pop()?.value;
  ctx.report({
    start: command.programWord.start,
    end: command.programWord.end,
    messageId: 'uwsgi',
    detail: `Without --max-requests, --reload-on-rss or --max-worker-lifetime uWSGI never replaces ${workers ? `its ${workers} workers` : 'its workers'}. ${LEAK} Add ${flags.join(' ')}.`,
    fixes: edit ? [{ title: `Add ${flags.join(' ')}`, edits: [edit] }] : [],
  });
}

function checkGunicorn(ctx: RuleContext, command: StartCommand, deployEnv: readonly DeployEnv[]): void {
  const maxRequests = ctx.options.maxRequests as number;
  const jitter = ctx.options.maxRequestsJitter as number;
  const given = optionValues(command.args, ['--max-requests']).pop();
  const hasJitter = hasOption(command.args, ['--max-requests-jitter']);
  if (given) {
    if (!/^0+$/.test(given.value)) return;
    // --max-requests 0 turns recycling off.
    const [start, end] = valueRange(given);
    const edits = [{ start, end, newText: String(maxRequests) }];
    const jitterEdit = hasJitter ? undefined : insertAfter(given.word, ['--max-requests-jitter', String(jitter)]);
    if (jitterEdit) edits.push(jitterEdit);
    ctx.report({
      start,
      end,
      messageId: 'disabled-command',
      data: { maxRequests },
      detail: `--max-requests 0: gunicorn never replaces its workers. ${LEAK} Use --max-requests ${maxRequests}.`,
      fixes: [{ title: `Recycle workers every ${maxRequests} requests`, edits }],
    });
    return;
  }
  if (recyclingConfiguredElsewhere(ctx, command, deployEnv)) return;

  const flags = ['--max-requests', String(maxRequests), ...(hasJitter ? [] : ['--max-requests-jitter', String(jitter)])];
  const edit = insertAfter(command.programWord, flags);
  const fixes: FixSpec[] = edit ? [{ title: `Add ${flags.join(' ')}`, edits: [edit] }] : [];
  ctx.report({
    start: command.programWord.start,
    end: command.programWord.end,
    messageId: 'gunicorn-command',
    detail: `Without --max-requests gunicorn never replaces its workers. ${LEAK} Add ${flags.join(' ')}.`,
    fixes,
  });
}

/** GUNICORN_CMD_ARGS (this file or another deploy file) or the loaded config file sets max_requests. */
function recyclingConfiguredElsewhere(ctx: RuleContext, command: StartCommand, deployEnv: readonly DeployEnv[]): boolean {
  const setsMaxRequests = (e: { name: string; value: MappedText }) =>
    e.name === 'GUNICORN_CMD_ARGS' && optionValues(wordsOf(e.value), ['--max-requests']).some((m) => !/^0+$/.test(m.value));
  // Settings of this file that reach this command: file-wide ones, and those of its own service.
  if (envSettings(ctx).some((e) => (e.scope === undefined || e.scope === command.name) && setsMaxRequests(e))) return true;
  // A script's command: the environment of the deploys that run it (Dockerfile ENV, compose environment).
  if (deployEnv.some((e) => setsMaxRequests(e.setting))) return true;
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

function checkCelery(ctx: RuleContext, command: StartCommand, deployEnv: readonly DeployEnv[]): void {
  const worker = celeryWorkerWord(command);
  if (!worker) return;
  const pool = celeryPool(command);
  if (pool !== 'prefork' && pool !== 'processes') return; // the option does nothing for gevent/eventlet/threads/solo
  if (hasOption(command.args, CELERY_RECYCLING_FLAGS)) return;
  if (deployEnv.some((e) => CELERY_RECYCLING_SETTING.test(e.name)) || celeryRecyclingConfigured(ctx)) return;
  const flag = `--max-tasks-per-child=${ctx.options.maxTasksPerChild as number}`;
  const edit = insertAfter(worker, [flag]);
  ctx.report({
    start: worker.start,
    end: worker.end,
    messageId: 'celery',
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
