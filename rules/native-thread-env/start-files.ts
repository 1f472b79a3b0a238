/**
 * native-thread-env in start files whose environment lives outside the repository: a Procfile process or a start
 * script (`start.sh`, App Service's `startup.sh`) that a deploy without a Dockerfile or render.yaml runs. Reported
 * there: a threaded gunicorn (`--threads 2`, `-k gthread`, a UvicornWorker whose app runs threads) without
 * MALLOC_ARENA_MAX, and native thread pools without caps, but only when the modules the process loads import a
 * native-threaded library (requirements alone are not enough here: nothing else ties them to this process).
 * No fix: the variables belong in the platform's settings (`heroku config:set`, App Service application settings).
 */
import type { RuleContext } from '../api';
import { pythonPackages } from '../../analysis/deploy/app-facts';
import { Workspace } from '../../analysis/deploy/deploy-files';
import { findDeploys, type Deploy } from '../../analysis/deploy/deploys';
import { otherDeployFiles } from '../../analysis/deploy/gunicorn-config';
import { arenaMessage, capsMessage, needsOf, threadedRange, THREAD_CAPS, variables } from './needs';

const SET_IN_TEXT = (name: string) => new RegExp(`\\b${name}\\b`);

export function checkStartFile(ctx: RuleContext): void {
  const ws = Workspace.of(ctx);
  const file = ctx.file.relPath;
  // Dockerfile and render.yaml deploys are reported there, with a fix.
  const deploys = findDeploys(ws).filter((d) => d.dockerfile === undefined && d.platform !== 'render' && d.processes.some((p) => p.file === file));
  if (deploys.length === 0) return;
  const texts = [...otherDeployFiles(ctx).map((f) => f.text), ctx.file.text, ...deploys.flatMap((d) => (d.scripts ?? []).map((s) => ws.read(s) ?? ''))];
  for (const deploy of deploys) {
    const envNames = new Set(deploy.env.map((e) => e.name));
    for (const name of [...THREAD_CAPS, 'MALLOC_ARENA_MAX']) if (texts.some((t) => SET_IN_TEXT(name).test(t))) envNames.add(name);
    const mine: Deploy = { ...deploy, processes: deploy.processes.filter((p) => p.file === file) };
    const needs = needsOf(ws, [mine], pythonPackages(ws, deploy.dir), envNames);
    const vars = variables(ctx, needs);
    const where = platformOf(deploy, file);
    const proc = mine.processes[0];
    if (needs.capsMissing && needs.served) {
      const caps = capsMessage(needs, vars);
      ctx.report({ start: proc.command.programWord.start, end: proc.command.programWord.end, ...caps, detail: `${caps.detail} ${where}` });
    }
    // Threads set in a gunicorn config are reported in that file (configs.ts).
    const configThreads = needs.threaded?.server.threads.at !== undefined && needs.threaded.server.threads.at.file !== file;
    if (needs.arenaMissing && !configThreads) {
      const range = threadedRange(file, needs.threaded!) ?? [proc.command.programWord.start, proc.command.programWord.end];
      const arena = arenaMessage(needs, vars);
      ctx.report({ start: range[0], end: range[1], ...arena, detail: `${arena.detail} ${where}` });
    }
  }
}

/** Where the variables go when no file of the repository holds the deploy's environment. */
function platformOf(deploy: Deploy, file: string): string {
  if (/(^|\/)procfile$/i.test(file)) return 'A Procfile deploy takes them from the platform\'s settings (Heroku: `heroku config:set NAME=value`).';
  return `Export them in ${file} before the server starts, or set them in the platform's settings (Azure App Service: application settings).`;
}
