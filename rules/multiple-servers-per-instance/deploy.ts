/**
 * multiple-servers-per-instance: one deploy target (a dyno, a render service, a container) whose start command
 * runs several Node or Python app processes side by side: `web: gunicorn app & celery worker`, `npm start` ->
 * `concurrently "node api.js" "node worker.js"`, `honcho start`, a supervisord config with several programs, a
 * pm2 ecosystem file with several apps. The processes are the budget's (analysis/deploy/deploys.ts), so
 * memory-budget counts each of them and this rule names them.
 */
import { defineRule, type RuleContext } from '../api';
import { Workspace } from '../../analysis/deploy/deploy-files';
import { findDeploys, type Deploy, type DeployProcess } from '../../analysis/deploy/deploys';
import { estimateWorkspace } from '../../analysis/deploy/estimate';
import { inShellConditional, startedWithExec } from '../../analysis/deploy/process-chain';
import { formatMb } from '../../analysis/deploy/platform-limits';
import { serverOf, type Server } from '../../analysis/deploy/servers';
import { HOST_CPUS } from '../cpu-derived-workers/common';
import { multipleServersMeta } from './meta';

export default defineRule({
  meta: {
    ...multipleServersMeta,
    kinds: ['procfile', 'dockerfile', 'yaml', 'toml', 'json'],
    fix: 'none',
    trigger: /&|concurrently|npm-run-all|run-p|honcho|foreman|supervisord|pm2|npm|yarn|pnpm|\.sh\b|CMD|ENTRYPOINT/,
    docs: {
      summary: 'One instance whose start command runs several Node or Python app processes side by side.',
      whatItDoes:
        'Follows each deploy target\'s start command (Procfile process types, render.yaml services, Dockerfile `CMD`, ' +
        'compose services, Kubernetes containers, fly.toml processes, `npm start`) through `npm`/`yarn` scripts, shell ' +
        'scripts, `concurrently "..." "..."`, `npm-run-all -p`/`run-p`, `honcho start`/`foreman start` (the Procfile), ' +
        '`supervisord` (the `[program:x]` sections of its config) and pm2 ecosystem files, and reports the command when ' +
        'it starts two or more app processes: gunicorn/uvicorn/daphne/waitress/Streamlit/Flask/Django servers, celery ' +
        'workers and beat, Django management commands that serve or consume (`rqworker`, `grpcrunserver`), Python ' +
        'scripts, `node` servers, `next start`, pm2 apps. Setup steps that finish first ' +
        '(`migrate && gunicorn`) are not counted.',
      whyIsThisBad:
        'Each of those processes loads its own copy of the app and its libraries, so they add up inside one memory ' +
        'limit: a Django web server with 2 workers and a celery worker with its default pool of 8 processes is 11 ' +
        'copies of Django on one 512 MB instance. They also compete for it: a spike in one (a large export in the ' +
        'worker) gets the whole instance killed, web server included, and none can be scaled or sized alone.',
      example: {
        fileName: 'Procfile',
        code: `web: gunicorn myproject.wsgi --workers 2 & celery -A myproject worker --concurrency 2
`,
      },
      useInstead: {
        fileName: 'Procfile',
        code: `web: gunicorn myproject.wsgi --workers 2
worker: celery -A myproject worker --concurrency 2
`,
      },
      fixSafety:
        'No automatic fix: moving a process to its own service changes the deploy (another dyno or service, often ' +
        'another bill), which only the project can decide.',
      notes:
        'memory-budget counts every process listed here against the plan\'s limit; this rule reports the shape even when ' +
        'the total still fits, with the estimate. Processes that are not Node or Python apps (nginx, redis, cron) are not ' +
        'counted, nor is a server\'s own worker pool (gunicorn `--workers`, pm2 `instances` of one app: see ' +
        'cpu-derived-workers). Development scripts (`npm run dev`) are not followed: only what a deploy starts. Commands ' +
        'inside an `if`/`case` of a shell script are not counted here (they may be alternatives), nor a second server ' +
        'a script starts with `exec` (`exec` replaces the script\'s shell, so only one of them runs), though memory-budget ' +
        'counts them.',
    },
  },
  check(ctx) {
    const ws = Workspace.of(ctx);
    for (const deploy of findDeploys(ws)) {
      const anchor = deploy.processes.find((p) => (p.root ?? locationOf(p)).file === ctx.file.relPath);
      if (anchor) checkDeploy(ctx, ws, deploy, anchor);
    }
  },
});

function locationOf(p: DeployProcess) {
  return { file: p.file, start: p.command.programWord.start, end: p.command.programWord.end };
}

function checkDeploy(ctx: RuleContext, ws: Workspace, deploy: Deploy, anchor: DeployProcess): void {
  const servers: { proc: DeployProcess; server: Server }[] = [];
  const execed = new Set<string>();
  for (const proc of deploy.processes) {
    const script = /\.sh$/.test(proc.file) ? ws.read(proc.file) ?? '' : undefined;
    // A command inside a script's if/case may not run, or runs instead of another: not counted (the budget counts it).
    if (script !== undefined && inShellConditional(script, proc.command.programWord.start)) continue;
    const server = serverOf(proc, { ws, deploy, hostCpus: HOST_CPUS });
    if (!server) continue;
    // `exec` replaces the script's shell, so of its servers started with `exec` one runs: the others are alternatives
    // (functions called from the branches of an `if`).
    if (script !== undefined && startedWithExec(script, proc.command)) {
      if (execed.has(proc.file)) continue;
      execed.add(proc.file);
    }
    servers.push({ proc, server });
  }
  const count = servers.reduce((n, s) => n + (s.server.apps ?? 1), 0);
  if (count < 2) return;
  const at = anchor.root ?? locationOf(anchor);
  const names = servers.map(({ server, proc }) => describe(server, proc)).join(', ');
  const estimate = estimateWorkspace(ws).find((e) => e.id === deploy.id);
  const mb = estimate ? `: ~${formatMb(estimate.totalMb)} together by memlint's estimate${estimate.limit ? ` (limit ${formatMb(estimate.limit.mb)})` : ''},` : ',';
  ctx.report({
    start: at.start,
    end: at.end,
    ...(estimate ? { messageId: 'estimated', data: { count, total: formatMb(estimate.totalMb) } } : { messageId: 'not-estimated', data: { count } }),
    detail:
      `Starts ${count} app processes in one instance (${names}), each with its own copy of the app and its libraries${mb} ` +
      `and a spike in one gets all of them killed. Run each as its own service (a Procfile process type, a render.yaml service) so each has its own memory limit.`,
  });
}

/** "gunicorn (2 workers)", "celery worker (8 pool processes)", "node server.js", "pm2 (3 apps)". */
function describe(server: Server, proc: DeployProcess): string {
  const n = server.workers.n;
  switch (server.kind) {
    case 'gunicorn':
    case 'uvicorn':
    case 'hypercorn':
      return `${server.kind} (${n} worker${n === 1 ? '' : 's'})`;
    case 'celery-worker':
      return server.workerClass === 'prefork' ? `celery worker (${n} pool process${n === 1 ? '' : 'es'})` : `celery worker (--pool ${server.workerClass})`;
    case 'celery-beat':
      return 'celery beat';
    case 'pm2':
      return server.apps ? `pm2 (${server.apps} apps)` : `pm2 (${n} instance${n === 1 ? '' : 's'})`;
    case 'node':
    case 'python':
      return `${proc.command.program} ${server.app ?? ''}`.trim();
    default:
      return server.kind;
  }
}
