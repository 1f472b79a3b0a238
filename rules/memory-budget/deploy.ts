/**
 * memory-budget: a deploy whose estimated steady-state memory (workers x per-worker baseline + supervisors +
 * threads + DB connections + bounded caches + heavy libraries per process) exceeds its platform's limit.
 * The estimate is analysis/deploy/estimate.ts; this rule reports it on the setting that pushes it over.
 */
import { clip, sentence } from '../shared/format';
import { defineRule, type ReportSpec, type RuleContext } from '../api';
import { classifyDeployFile } from '../../analysis/deploy/deploy-files';
import { DEFAULT_HOST_CPUS, estimateDeploys, type DeployEstimate } from '../../analysis/deploy/estimate';
import { formatMb } from '../../analysis/deploy/platform-limits';

export default defineRule({
  meta: {
    id: 'memory-budget',
    kinds: ['python', 'procfile', 'dockerfile', 'yaml', 'toml', 'json', 'env', 'javascript'],
    defaultSeverity: 'warning',
    fix: 'none',
    messages: {
      'over-limit': '{{deploy}} needs ~{{total}}, over its {{limit}} limit',
      'fewer-workers': '{{deploy}} needs ~{{total}}, over its {{limit}} limit: use at most {{count}} {{unit}}',
      'explicit-count': '{{deploy}} needs ~{{total}}, over its {{limit}} limit: set the count explicitly',
      'larger-instance': '{{deploy}} needs ~{{total}}, over its {{limit}} limit: use an instance of {{size}} or more',
    },
    trigger: /workers|CONCURRENCY|gunicorn|uvicorn|hypercorn|daphne|celery|streamlit|waitress|node|npm|yarn|pnpm|pm2|next|python|manage\.py|flask|instances|plan|memory|mem_limit|CMD|ENTRYPOINT|command|start/,
    options: {
      hostCpus: {
        type: 'number',
        default: DEFAULT_HOST_CPUS,
        description:
          'CPUs a container reports to `cpu_count()`/`nproc`: the host\'s, not the plan\'s share. Worker counts derived from the CPU count use it.',
      },
      baselines: {
        type: 'string[]',
        default: [],
        description:
          'Overrides of the figures the estimate uses, as `key=MB` (e.g. `"django-drf=180"`, `"torch=450"`, `"thread=4"`); keys are listed in the rule docs.',
      },
    },
    docs: {
      summary: 'A deploy whose estimated peak memory exceeds its platform\'s memory limit.',
      whatItDoes:
        'Finds each deploy target (a render.yaml service, a Heroku dyno type from app.json + Procfile, a fly.toml process group, ' +
        'a docker-compose service, a Kubernetes container, a Railway service, or a Dockerfile / Procfile / npm start script ' +
        'with `memoryLimitMb` configured), follows its start command (`npm start`, `npm run x`, shell scripts, Dockerfile CMD, ' +
        'the gunicorn config file it loads) and estimates its memory as a tree of processes: a parent (gunicorn master, ' +
        'Celery main process, pm2 daemon) and its workers, each with a measured per-worker figure for the framework and ' +
        'worker class (Django, Flask, FastAPI, UvicornWorker, gevent, Celery prefork/threads/solo, Express...). An app ' +
        'imported before fork (gunicorn --preload / preload_app, Celery prefork) is held once by the parent and shared ' +
        'copy-on-write; each worker keeps the part CPython\'s reference counts dirty. Heavy libraries (torch, pandas, ' +
        'scikit-learn, onnxruntime) and model files loaded at import (torch.load, joblib.load, from_pretrained, ' +
        'InferenceSession of a file in the repository) count once before fork, else per worker; a model loaded in a hook each ' +
        'worker runs after fork (a Celery `worker_process_init` handler, a FastAPI startup handler or lifespan) counts per worker ' +
        'or pool process even then. Two figures: idle (every ' +
        'worker served a request) and peak (threads, DB connections and workers x threads requests in flight, each as large ' +
        'as the app\'s body limit or page size allows); the peak is compared with the limit. Worker counts from cpu_count() ' +
        'use the CPUs the platform gives (a Fly Machine\'s vCPUs, a Heroku dyno\'s), else `hostCpus`. It reports the deploy on the setting that pushes it over (usually the worker count) with the ' +
        'breakdown, when the total exceeds the limit read from render.yaml `plan` (free/starter 512 MB, standard 2 GB, pro 4 GB, ' +
        'pro plus 8 GB, pro max 16 GB, pro ultra 32 GB), app.json `formation` dyno sizes, fly.toml `[[vm]]`, compose ' +
        '`mem_limit` / `deploy.resources.limits.memory`, Kubernetes `resources.limits.memory`, or `memoryLimitMb` in configuration.',
      whyIsThisBad:
        'Every worker process is a full copy of the app, and each heavy library it imports (pandas, torch) is loaded again in ' +
        'every worker. Worker counts computed from `cpu_count()` or `nproc` multiply that: a container reports the host\'s CPUs ' +
        '(8 or more), not the plan\'s share, so `2 * cpu_count() + 1` starts 17 workers, and 17 small Django workers of ~47 MB ' +
        'need ~870 MB on a 512 MB instance before a single large request. The platform kills the instance (R14/OOM) and ' +
        'restarts it, dropping every in-flight request.',
      example: {
        fileName: 'render.yaml',
        code: `services:
  - type: web
    name: api
    runtime: python
    plan: starter
    startCommand: gunicorn app:app --workers 16
`,
      },
      useInstead: {
        fileName: 'render.yaml',
        code: `services:
  - type: web
    name: api
    runtime: python
    plan: starter
    startCommand: gunicorn app:app --workers 4
`,
      },
      notes:
        'The figures (and where each comes from) are in analysis/deploy/baselines.ts; override any of them with the `baselines` ' +
        'option, e.g. `baselines = ["django-drf=180", "gunicorn-master=30"]`. Keys: django-drf, django, flask, fastapi, streamlit, ' +
        'celery, python, express, fastify, koa, nestjs, nextjs, node, gunicorn-master, uvicorn-supervisor, pm2-daemon, gevent, torch, ' +
        'face-recognition, dlib, onnxruntime, pandas, numpy, scipy, scikit-learn, opencv, tensorflow, gensim, faiss, spacy, thread, db-connection, ' +
        'cache-entry (KB). ' +
        'Counts derived from the CPU count assume `hostCpus` CPUs (default 8). With gunicorn `--preload` (and celery prefork) ' +
        'heavy libraries are counted once, shared by the forked workers. Budgets under the limit produce no finding; ' +
        'there is no automatic fix (lower the worker count or move to a larger instance). In VS Code every deploy\'s ' +
        'estimate shows as a code lens above its worker count and plan/limit line (`~625 MB of 512 MB (Render starter) — ' +
        'over by 113 MB`), also when it fits; hovering the line shows the breakdown, the limit and where it is set, and where ' +
        'each figure comes from (setting `memlint.budget.codeLens` turns the lenses off).',
    },
  },
  check(ctx) {
    if (!runsOn(ctx)) return;
    const estimates = estimateDeploys(ctx.project, {
      hostCpus: ctx.options.hostCpus as number,
      baselines: ctx.options.baselines as string[],
      overlay: { relPath: ctx.file.relPath, text: ctx.file.text },
    });
    // One finding per place: the deploy that goes furthest over.
    const byPlace = new Map<string, DeployEstimate>();
    for (const e of estimates) {
      if (!e.over || !e.anchor || e.anchor.file !== ctx.file.relPath || e.anchor.end <= e.anchor.start) continue;
      const key = `${e.anchor.start}:${e.anchor.end}`;
      const other = byPlace.get(key);
      if (!other || e.totalMb - e.limit!.mb > other.totalMb - other.limit!.mb) byPlace.set(key, e);
    }
    for (const e of byPlace.values()) {
      ctx.report({ start: e.anchor!.start, end: e.anchor!.end, ...headlineOf(e), detail: detailOf(e) });
    }
  },
});

/** The files that hold a deploy's worker counts, start commands or limits. */
function runsOn(ctx: RuleContext): boolean {
  if (ctx.file.kind === 'python') return ctx.file.roles.has('gunicorn-config') || classifyDeployFile(ctx.file.relPath) === 'gunicorn-config';
  if (ctx.file.kind === 'javascript') return ctx.file.roles.has('pm2');
  return classifyDeployFile(ctx.file.relPath, ctx.file.text) !== undefined;
}

/** "Render service "api" needs ~622 MB, over its 512 MB limit: use at most 9 workers" (~622 MB: the peak). */
function headlineOf(e: DeployEstimate): Pick<ReportSpec, 'messageId' | 'data'> {
  const who = clip(e.label, 36);
  // The figure is the peak; the detail gives idle and peak (the headline stays within 100 characters).
  const data = { deploy: `${who.charAt(0).toUpperCase()}${who.slice(1)}`, total: formatMb(e.totalMb), limit: formatMb(e.limit!.mb) };
  const advice = e.advice ?? '';
  // The unit runs to the next comma: "3 workers", "3 pool processes".
  const fewer = /^use at most (\d+) ([^,]+)/.exec(advice);
  if (fewer) return { messageId: 'fewer-workers', data: { ...data, count: fewer[1], unit: fewer[2] } };
  if (advice.startsWith('set the count explicitly')) return { messageId: 'explicit-count', data };
  const larger = /^move to an instance with at least ([\d.]+ [MG]B)/.exec(advice);
  if (larger) return { messageId: 'larger-instance', data: { ...data, size: larger[1] } };
  return { messageId: 'over-limit', data };
}

function detailOf(e: DeployEstimate): string {
  const anchorProcess = e.processes.find((p) => p.workers.at && p.workers.at.start === e.anchor!.start && p.workers.at.file === e.anchor!.file);
  const how = anchorProcess && anchorProcess.workers.cpuDerived ? ` (${anchorProcess.workers.how})` : '';
  const notes = e.notes.length ? ` ${e.notes.join(' ')}` : '';
  return `Estimated memory of ${e.label}${how}: ${e.summary}. ${e.advice ? sentence(e.advice) : ''}${notes}`.trim();
}
