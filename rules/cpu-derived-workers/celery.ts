/**
 * cpu-derived-workers for Celery workers that set no concurrency at all: Celery then forks one pool process
 * per CPU the container reports. Which workers those are is decided by the budget's own evaluator
 * (analysis/deploy/celery-concurrency.ts) on the deploys the budget reads, so this finding and memory-budget's
 * count never disagree, in every format the budget reads (Procfile and honcho, render.yaml, Dockerfile,
 * compose, Kubernetes, fly.toml, Railway, app.json, npm scripts).
 */
import type { RuleContext } from '../api';
import { celeryWorkers } from '../../analysis/deploy/celery-concurrency';
import { classifyDeployFile, Workspace } from '../../analysis/deploy/deploy-files';
import { findDeploys, type Deploy, type DeployProcess } from '../../analysis/deploy/deploys';
import { celeryWorkerWord, insertAfter, startCommands } from '../../analysis/deploy/commands';
import { scriptProcesses } from '../../analysis/deploy/script-processes';
import { isShellScriptPath } from '../../analysis/deploy/shell-script-path';
import { isSupervisordConfigPath } from '../../analysis/deploy/supervisord-path';
import { copiesCost, HOST_CPUS, perWorkerCost, totalCost } from './common';

/** A file that may start a celery worker itself (the words may sit on separate lines of a list) or through a script, supervisord or honcho. */
function mayStartCelery(text: string): boolean {
  return (/\bcelery\b/.test(text) && /\bworker\b/.test(text)) || /supervisord|honcho|foreman|\.sh\b/.test(text);
}

/**
 * The celery workers this file starts whose concurrency is Celery's default, reported on the `worker` word; those
 * it starts through a file memlint does not analyse (a shell script, a supervisord config) on the command here.
 */
export function checkCeleryDefaultConcurrency(ctx: RuleContext): void {
  if (!mayStartCelery(ctx.file.text)) return;
  const ws = Workspace.of(ctx);
  const found = processesIn(ctx, ws, true);
  for (const { deploy, proc } of found) if (proc.command.program === 'celery') report(ctx, ws, deploy, proc);
  if (ctx.file.kind === 'dockerfile') checkOverriddenImageCommand(ctx, ws, new Set(found.map((f) => f.proc.command.programWord.start)));
}

/**
 * The image's own CMD when every deploy of the image gives a command of its own (compose's `command:`): it is still
 * what the image runs when started as built (`docker run`, a platform that runs the image), judged with the
 * environment of a deploy that builds it, as missing-worker-recycling reads the CMD.
 */
function checkOverriddenImageCommand(ctx: RuleContext, ws: Workspace, followed: ReadonlySet<number>): void {
  const deploy = findDeploys(ws).find((d) => d.dockerfile === ctx.file.relPath);
  if (!deploy) return;
  for (const command of startCommands(ctx)) {
    if (command.program !== 'celery' || followed.has(command.programWord.start)) continue;
    report(ctx, ws, deploy, { command, file: ctx.file.relPath, cwd: deploy.dir, via: [`${ctx.file.relPath} CMD`], launchers: [] });
  }
}

/**
 * The celery workers with Celery's default concurrency that a deploy starts through this shell script (cookiecutter-
 * django's `compose/production/django/celery/worker/start`, a Procfile's `bash worker.sh`): reported here, where
 * the fix goes, rather than on the command that runs the script.
 */
export function checkScriptCeleryDefaultConcurrency(ctx: RuleContext): void {
  if (!mayStartCelery(ctx.file.text)) return;
  const ws = Workspace.of(ctx);
  for (const { command, deploys } of scriptProcesses(ctx)) {
    if (command.program !== 'celery') continue;
    const deploy = deploys[0];
    const proc = deploy.processes.find((p) => p.file === ctx.file.relPath && p.command.programWord.start === command.programWord.start);
    if (proc) report(ctx, ws, deploy, proc);
  }
}

/**
 * The processes deploys start from commands written in this file, once each (compose anchors, shared Procfiles);
 * with `throughUnanalysed`, also those started through a script or supervisord config this file's command runs.
 */
export function processesIn(ctx: RuleContext, ws = Workspace.of(ctx), throughUnanalysed = false): { deploy: Deploy; proc: DeployProcess }[] {
  const seen = new Set<string>();
  const out: { deploy: Deploy; proc: DeployProcess }[] = [];
  for (const deploy of findDeploys(ws)) {
    for (const proc of deploy.processes) {
      const here = proc.file === ctx.file.relPath || (throughUnanalysed && proc.root?.file === ctx.file.relPath && isUnanalysed(proc.file));
      const key = `${proc.file}:${proc.command.programWord.start}`;
      if (!here || seen.has(key)) continue;
      seen.add(key);
      out.push({ deploy, proc });
    }
  }
  return out;
}

/**
 * Files memlint reads for the budget but reports nothing in: scripts it does not analyse (a `run_worker` with no known
 * name) and supervisord configs with a name it does not know. A shell script or supervisord config it analyses gets
 * the finding itself.
 */
function isUnanalysed(file: string): boolean {
  return !classifyDeployFile(file) && !isShellScriptPath(file) && !isSupervisordConfigPath(file) && !/\.(json|ya?ml|toml|py|[cm]?[jt]sx?)$/i.test(file);
}

function report(ctx: RuleContext, ws: Workspace, deploy: Deploy, proc: DeployProcess): void {
  const env = (name: string) => {
    for (let i = deploy.env.length - 1; i >= 0; i--) if (deploy.env[i].name === name) return deploy.env[i];
    return undefined;
  };
  const workers = celeryWorkers(proc.command, proc.file, { ws, env, dir: deploy.dir, hostCpus: HOST_CPUS });
  const word = celeryWorkerWord(proc.command);
  if (!workers || !word || workers.source !== 'default' || workers.pool !== 'prefork') return;
  const suggested = ctx.options.suggestedWorkers as number;
  const flag = `--concurrency=${suggested}`;
  const n = workers.processes.n;
  // Started through a script or supervisord config: reported on the command here, fixed by hand there.
  const elsewhere = proc.file !== ctx.file.relPath && proc.root;
  const edit = elsewhere ? undefined : insertAfter(word, [flag]);
  const where = elsewhere ? ` (${proc.file}:${lineOf(ws.read(proc.file) ?? '', word.start)})` : '';
  ctx.report({
    start: elsewhere ? elsewhere.start : word.start,
    end: elsewhere ? elsewhere.end : word.end,
    messageId: 'celery-per-cpu',
    data: { cpus: HOST_CPUS, n, size: copiesCost(n, 'celery').replace(' of app copies', ''), flag },
    detail:
      `Starts a celery worker${where} without --concurrency: Celery forks one pool process per CPU the container reports, the host's, ` +
      `not the plan's share (e.g. ${HOST_CPUS} CPUs → ${n} pool processes plus the main one), each growing its own copy of ` +
      `what the tasks load (${perWorkerCost('celery')}, ${totalCost(n, 'celery')}). Add ${flag} or set worker_concurrency.`,
    fixes: edit ? [{ title: `Add ${flag}`, edits: [edit] }] : [],
  });
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
