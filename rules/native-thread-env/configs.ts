/**
 * native-thread-env in server configs, for deploys whose environment lives outside the repository's Dockerfile or
 * render.yaml (a Heroku Procfile running `gunicorn -c gunicorn.conf.py`, uWSGI started by a Procfile or an image):
 * a threaded gunicorn config (`threads = 5`) or a uWSGI `[uwsgi]` section with `threads` above 1, run by a deploy that
 * sets no `MALLOC_ARENA_MAX`. Dockerfile and render.yaml deploys of gunicorn are reported there, with a fix.
 */
import type { RuleContext } from '../api';
import { Workspace } from '../../analysis/deploy/deploy-files';
import { findDeploys, type Deploy } from '../../analysis/deploy/deploys';
import { serverOf } from '../../analysis/deploy/servers';
import { otherDeployFiles } from '../../analysis/deploy/gunicorn-config';
import { readIni, uwsgiOptionName } from '../../analysis/deploy/ini-read';
import { greenWorkers } from './needs';

const ARENA = /\bMALLOC_ARENA_MAX\b/;

/** The deploy sets MALLOC_ARENA_MAX (its env, its scripts), or a deploy/.env file of the project does. */
function arenaSet(ws: Workspace, ctx: RuleContext, deploys: readonly Deploy[]): boolean {
  if (deploys.some((d) => d.env.some((e) => e.name === 'MALLOC_ARENA_MAX'))) return true;
  if (deploys.some((d) => [...(d.scripts ?? []), ...d.processes.map((p) => p.file)].some((f) => ARENA.test(ws.read(f) ?? '')))) return true;
  return otherDeployFiles(ctx).some((f) => ARENA.test(f.text));
}

/** A deploy the Dockerfile or render.yaml check covers (and fixes) already. */
function coveredElsewhere(d: Deploy): boolean {
  return d.dockerfile !== undefined || d.platform === 'render';
}

export function checkGunicornConfig(ctx: RuleContext, arenaMax: number): void {
  const ws = Workspace.of(ctx);
  const file = ctx.file.relPath;
  for (const deploy of findDeploys(ws)) {
    if (coveredElsewhere(deploy)) continue;
    for (const proc of deploy.processes) {
      if (proc.command.program !== 'gunicorn') continue;
      const server = serverOf(proc, { ws, deploy, hostCpus: 8 });
      const at = server?.threads.at;
      // gunicorn ignores `threads` for gevent/eventlet workers: their greenlets share one OS thread.
      if (!server || server.threads.n <= 1 || greenWorkers(server) || at?.file !== file) continue;
      if (arenaSet(ws, ctx, [deploy])) continue;
      ctx.report({
        start: at.start,
        end: at.end,
        messageId: 'gunicorn-config-threads',
        data: { threads: server.threads.n },
        detail:
          `${deploy.label} runs this config with ${server.threads.n} threads in each worker: glibc gives threads their own malloc ` +
          `arenas (up to 8 per CPU) and memory freed in one is not reused by another, so resident memory grows with ` +
          `fragmentation. Set MALLOC_ARENA_MAX=${arenaMax} in the environment of the process (Heroku: \`heroku config:set ` +
          `MALLOC_ARENA_MAX=${arenaMax}\`; it must be set before Python starts, not from the config).`,
      });
      return;
    }
  }
}

export function checkUwsgiIni(ctx: RuleContext, arenaMax: number): void {
  const section = readIni(ctx.file.text).find((s) => s.name === 'uwsgi');
  const threads = section?.entries.find((e) => uwsgiOptionName(e.key) === 'threads' && !e.conditional);
  const n = Number(threads?.value);
  if (!threads || !Number.isInteger(n) || n <= 1) return;
  const ws = Workspace.of(ctx);
  const name = ctx.file.relPath.slice(ctx.file.relPath.lastIndexOf('/') + 1);
  // The deploys that start uWSGI with this file.
  const deploys = findDeploys(ws).filter((d) =>
    d.processes.some((p) => p.command.program === 'uwsgi' && p.command.args.some((a) => a.value === name || a.value.endsWith(`/${name}`))),
  );
  if (deploys.length === 0 || arenaSet(ws, ctx, deploys)) return;
  ctx.report({
    start: threads.keyStart,
    end: threads.lineEnd,
    messageId: 'uwsgi-threads',
    data: { threads: n },
    detail:
      `${deploys[0].label} runs uWSGI with ${n} threads in each worker: glibc gives threads their own malloc arenas (up to 8 per ` +
      `CPU) and memory freed in one is not reused by another, so resident memory grows with fragmentation. Set ` +
      `MALLOC_ARENA_MAX=${arenaMax} in the environment that starts uWSGI (Dockerfile ENV, the platform's variables); uWSGI's ` +
      `own \`env\` option sets it too late, after glibc has read it.`,
  });
}
