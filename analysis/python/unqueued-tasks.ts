/**
 * Background tasks nothing enqueues: a function registered as a Celery, RQ, Dramatiq or Huey task runs only when
 * something sends it (`.delay`, `.apply_async`, `.s()`/`signature`, `send_task("app.tasks.name")`, `enqueue(fn)`,
 * `.send()`), or when a beat schedule names it (`CELERY_BEAT_SCHEDULE`, `app.conf.beat_schedule`,
 * `add_periodic_task`). Every one of these names the task (or its registered `name=`), so a task whose names no
 * production file spells is never run. Periodic decorators schedule themselves: they count as run. A stored
 * scheduler (django-celery-beat's admin schedules) sends any registered task, but only through a beat the deploys
 * start (analysis/deploy/celery-beats.ts): where every deploy is followed and none starts beat, nothing is
 * scheduled; where the deploys cannot be followed, an installed stored scheduler or any beat line counts as run.
 */
import type { Node } from 'web-tree-sitter';
import type { RuleContext } from '../../rules/api';
import { unnamedElsewhere } from './project-mentions';
import { namedOnlyBySchedules } from './schedule-only-mentions';
import { fileDigest, mayHoldWord } from './file-digests';
import { projectChanges } from '../cache';
import { startFiles } from '../reach';
import { BEAT_LINE, deployedBeat } from '../deploy/celery-beats';

/** `@shared_task`, `@app.task(...)`, `@celery.task`, `@job("default")`, `@dramatiq.actor`, `@huey.task()`, `@db_task()`. */
const TASK_DECORATOR = /^@\s*(?:[\w.]+\.)?(?:shared_task|task|job|actor|db_task)\s*(?:\(|$)/;
/** Decorators that schedule the function themselves. */
const PERIODIC_DECORATOR = /^@\s*(?:[\w.]+\.)?(?:periodic_task|db_periodic_task|scheduled_job|cron|repeat_every|on_startup)\b/;

/** The decorated top-level function is a task whose names no production file of the project spells. */
export function unqueuedTask(ctx: RuleContext, decorated: Node): boolean {
  const decorators = decorated.namedChildren.filter((c): c is Node => c?.type === 'decorator');
  if (!decorators.some((d) => TASK_DECORATOR.test(d.text)) || decorators.some((d) => PERIODIC_DECORATOR.test(d.text))) return false;
  const name = decorated.childForFieldName('definition')?.childForFieldName('name')?.text;
  if (!name) return false;
  // `@app.task(name="reports.nightly")`: a schedule or send_task may name the registered name instead.
  for (const d of decorators) {
    const registered = /\bname\s*=\s*["']([^"']+)["']/.exec(d.text)?.[1];
    if (registered && !unnamedElsewhere(ctx, registered.split('.').pop() ?? '', false)) return false;
    if (/\bname\s*=\s*[^"'\s]/.test(d.text)) return false;
  }
  if (schedulesOutsideCode(ctx)) return false;
  if (unnamedElsewhere(ctx, name, false)) return true;
  // Named only by beat schedule entries where every deploy is known and none starts beat: nothing sends it.
  const deployed = deployedBeat(ctx.project);
  return deployed.judged && !deployed.beat && namedOnce(ctx.file.text, name) && namedOnlyBySchedules(ctx, name);
}

/** The module names `name` once: its definition. */
function namedOnce(text: string, name: string): boolean {
  return (text.match(new RegExp(`(?<![\\w.])${name}\\b|\\.${name}\\b`, 'g')) ?? []).length === 1;
}

/** Celery beat schedulers whose schedules live in a database or Redis: they count only when a deployed beat uses them. */
const CELERY_SCHEDULERS = ['django_celery_beat', 'redbeat', 'celery_sqlalchemy_scheduler'];
/** Schedulers of other task queues, run by their own processes. */
const OTHER_SCHEDULERS = ['rq_scheduler', 'django_q'];
const PACKAGE_FILE = /(^|\/)(requirements[^/]*\.(txt|in)|pyproject\.toml|Pipfile|setup\.(py|cfg)|settings[^/]*\.py|[^/]*\.py)$/;
const memos = new WeakMap<object, { changes: number; found: boolean }>();

/**
 * Schedules the code does not show may send tasks: a deployed beat, or (where the deploys cannot be followed) an
 * installed stored scheduler or any beat line in a start file.
 */
function schedulesOutsideCode(ctx: RuleContext): boolean {
  const changes = projectChanges(ctx.project);
  const memo = memos.get(ctx.project);
  if (memo && changes !== undefined && memo.changes === changes) return memo.found;
  let beat: boolean;
  const deployed = deployedBeat(ctx.project);
  if (deployed.judged) {
    // Every process the deploys start is known: without a beat among them no schedule sends anything, whatever
    // scheduler is installed. A deployed beat counts as run even with the default scheduler (whose entries the
    // code names): its schedule may be built from configuration the tree does not hold.
    beat = deployed.beat || installs(ctx, OTHER_SCHEDULERS);
  } else {
    beat = installs(ctx, [...CELERY_SCHEDULERS, ...OTHER_SCHEDULERS]) || startFiles(ctx.project).some((f) => BEAT_LINE.test(ctx.project.readFile(f) ?? ''));
  }
  if (changes !== undefined) memos.set(ctx.project, { changes, found: beat });
  return beat;
}

/** Some package list, settings or module of the project names one of the schedulers. */
function installs(ctx: RuleContext, schedulers: string[]): boolean {
  return ctx.project.files().some((f) => {
    if (!PACKAGE_FILE.test(f)) return false;
    const words = fileDigest(ctx.project, f).words;
    const hit = schedulers.filter((s) => mayHoldWord(words, s) || mayHoldWord(words, s.split('_').pop()!));
    if (hit.length === 0) return false;
    const text = (ctx.project.peekFile ?? ctx.project.readFile).call(ctx.project, f) ?? '';
    return hit.some((s) => text.includes(s) || text.includes(s.replace(/_/g, '-')));
  });
}
