/**
 * cpu-derived-workers for Dramatiq workers started without `--processes`: the `dramatiq` CLI forks one worker process
 * per CPU the container reports (the host's), each importing the broker and the actor modules, with 8 threads each
 * (`--threads`). The same shape as a Celery worker with no concurrency (celery.ts), read from the processes a deploy
 * starts in this file (a compose `command`/`entrypoint`, a Procfile line, a start script, a supervisord program).
 */
import type { RuleContext } from '../api';
import { hasOption, insertAfter } from '../../analysis/deploy/commands';
import { Workspace } from '../../analysis/deploy/deploy-files';
import { missingAppPackage } from '../../analysis/deploy/missing-app';
import { processesIn } from './celery';
import { copiesCost, HOST_CPUS, perWorkerCost, totalCost } from './common';

const PROCESSES = ['-p', '--processes'];

export function checkDramatiqDefaultProcesses(ctx: RuleContext): void {
  if (!/\bdramatiq\b/.test(ctx.file.text)) return;
  const ws = Workspace.of(ctx);
  for (const { proc } of processesIn(ctx, ws)) {
    const command = proc.command;
    if (command.program !== 'dramatiq' || hasOption(command.args, PROCESSES) || command.args.some((a) => /^-p\d+$/.test(a.value))) continue;
    // `dramatiq --help`, `dramatiq --version`: no worker.
    if (command.args.every((a) => a.value.startsWith('-'))) continue;
    if (missingAppPackage(ws, command, ctx.file.relPath)) continue;
    const suggested = ctx.options.suggestedWorkers as number;
    const flag = `--processes ${suggested}`;
    const n = HOST_CPUS;
    const edit = insertAfter(command.programWord, ['--processes', String(suggested)]);
    ctx.report({
      start: command.programWord.start,
      end: command.programWord.end,
      messageId: 'dramatiq-per-cpu',
      data: { cpus: HOST_CPUS, n, size: copiesCost(n, 'python').replace(' of app copies', ''), flag },
      detail:
        `Starts a Dramatiq worker without --processes: dramatiq forks one worker process per CPU the container reports, the host's, ` +
        `not the plan's share (e.g. ${HOST_CPUS} CPUs → ${n} processes, 8 threads each), each importing the actors and what they ` +
        `load (${perWorkerCost('python')}, ${totalCost(n, 'python')}). Add ${flag}.`,
      fixes: edit ? [{ title: `Add ${flag}`, edits: [edit] }] : [],
    });
  }
}
