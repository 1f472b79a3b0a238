/**
 * cpu-derived-workers for Celery workers that set no concurrency at all: Celery then forks one pool process
 * per CPU the container reports. Which workers those are is decided by the budget's own evaluator
 * (rules/budget/celery-concurrency.ts) on the deploys the budget reads, so this finding and memory-budget's
 * count never disagree, in every format the budget reads (Procfile and honcho, render.yaml, Dockerfile,
 * compose, Kubernetes, fly.toml, Railway, app.json, npm scripts).
 */
import type { RuleContext } from '../api';
import { celeryWorkers } from '../budget/celery-concurrency';
import { Workspace } from '../budget/deploy-files';
import { findDeploys, type Deploy, type DeployProcess } from '../budget/deploys';
import { celeryWorkerWord } from './commands';
import { HOST_CPUS, perWorkerCost, totalCost } from './cpu-derived-workers-common';

/** The celery workers this file starts whose concurrency is Celery's default, reported on the `worker` word. */
export function checkCeleryDefaultConcurrency(ctx: RuleContext): void {
  if (!/\bcelery\b/.test(ctx.file.text) || !/\bworker\b/.test(ctx.file.text)) return;
  const ws = Workspace.of(ctx);
  for (const { deploy, proc } of processesIn(ctx, ws)) if (proc.command.program === 'celery') report(ctx, ws, deploy, proc);
}

/** The processes deploys start from commands written in this file, once each (compose anchors, shared Procfiles). */
export function processesIn(ctx: RuleContext, ws = Workspace.of(ctx)): { deploy: Deploy; proc: DeployProcess }[] {
  const seen = new Set<number>();
  const out: { deploy: Deploy; proc: DeployProcess }[] = [];
  for (const deploy of findDeploys(ws)) {
    for (const proc of deploy.processes) {
      if (proc.file !== ctx.file.relPath || seen.has(proc.command.programWord.start)) continue;
      seen.add(proc.command.programWord.start);
      out.push({ deploy, proc });
    }
  }
  return out;
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
  const edit = proc.command.insertAfter(word, [flag]);
  const n = workers.processes.n;
  ctx.report({
    start: word.start,
    end: word.end,
    message:
      `Starts a celery worker without --concurrency: Celery forks one pool process per CPU the container reports, the host's, ` +
      `not the plan's share (e.g. ${HOST_CPUS} CPUs → ${n} pool processes plus the main one), each a full copy of the app ` +
      `(${perWorkerCost('python')}, ${totalCost(n + 1, 'python')}); add ${flag} or set worker_concurrency`,
    fixes: edit ? [{ title: `Add ${flag}`, edits: [edit] }] : [],
  });
}
