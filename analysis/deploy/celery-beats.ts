/**
 * Whether the project's deploys run Celery beat, and with which scheduler (issue 13, production reach). A Celery
 * task nothing enqueues runs only when a beat process sends it: beat's default scheduler (PersistentScheduler)
 * reads the schedule the code declares (`beat_schedule`, `CELERY_BEAT_SCHEDULE`, `add_periodic_task`), which names
 * the task; a stored scheduler (`--scheduler django_celery_beat.schedulers:DatabaseScheduler`, `-S redbeat...`, or
 * the `beat_scheduler`/`CELERY_BEAT_SCHEDULER` setting) reads schedules made at run time, which the tree does not
 * show. Installing django-celery-beat alone changes nothing: beat must be started with its scheduler.
 *
 * Judged only where every deploy's start command was followed (a deploy memlint cannot follow may run beat); a
 * beat line in any start file counts too. Kept while the project's files are unchanged.
 */
import type { ProjectInfo } from '../../rules/api';
import { deploysNotFollowed, deploysWithoutProcesses, findDeploys, type Deploy } from './deploys';
import { runsServiceImage } from './service-images';
import { startFiles } from '../reach';
import { Workspace } from './deploy-files';
import { fileDigest, mayHoldWord } from '../python/file-digests';
import { projectChanges } from '../cache';

export type DeployedBeat =
  | { judged: false }
  /** `beat`: some deploy process runs Celery beat; `storedScheduler`: one whose schedules live outside the code. */
  | { judged: true; beat: boolean; storedScheduler: boolean };

const memos = new WeakMap<ProjectInfo, { changes: number; answer: DeployedBeat }>();

/** `celery ... beat`, `celery worker -B`/`--beat`, the old `celerybeat` program. */
function runsBeat(program: string, args: readonly string[]): boolean {
  if (/(^|\/)celerybeat$/.test(program)) return true;
  if (!/(^|\/)celery$/.test(program) && !args.some((a) => /(^|\/)celery$/.test(a))) return false;
  return args.some((a) => a === 'beat' || a === '-B' || a === '--beat');
}

/** `-S x`, `--scheduler x`, `--scheduler=x`, `-Sx` naming a scheduler other than the default one. */
function storedSchedulerArg(args: readonly string[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = a === '-S' || a === '--scheduler' ? args[i + 1] : /^--scheduler=(.+)$/.exec(a)?.[1] ?? /^-S(\S+)$/.exec(a)?.[1];
    if (value !== undefined && !/PersistentScheduler$/.test(value)) return true;
  }
  return false;
}

/** A setting that picks the scheduler for every beat: `CELERY_BEAT_SCHEDULER = ...`, `app.conf.beat_scheduler = ...`. */
const SCHEDULER_SETTING = /\b(?:CELERY_BEAT_SCHEDULER|CELERYBEAT_SCHEDULER|beat_scheduler)\b\s*[=:]/;

export function deployedBeat(project: ProjectInfo): DeployedBeat {
  const changes = projectChanges(project);
  const memo = memos.get(project);
  if (memo && changes !== undefined && memo.changes === changes) return memo.answer;
  const answer = compute(project);
  if (changes !== undefined) memos.set(project, { changes, answer });
  return answer;
}

function compute(project: ProjectInfo): DeployedBeat {
  const ws = new Workspace(project);
  const deploys = findDeploys(ws);
  // Every process must be known: a deploy whose command was not followed, or an image built without one, may run beat.
  if (deploys.length === 0 || deploysNotFollowed(ws).length > 0) return { judged: false };
  const silent = (d: Deploy) => (d.dockerfile !== undefined || d.platform !== 'docker-compose') && !(d.dockerfile !== undefined && runsServiceImage(ws, d.dockerfile));
  if (deploysWithoutProcesses(ws).some(silent)) return { judged: false };
  let beat = false;
  let stored = false;
  for (const deploy of deploys) {
    for (const proc of deploy.processes) {
      const args = proc.command.args.map((a) => a.value);
      if (!runsBeat(proc.command.programWord.value, args)) continue;
      beat = true;
      if (storedSchedulerArg(args) || proc.command.env.some((w) => /BEAT_SCHEDULER=/.test(w.value)) || deploy.env.some((e) => /BEAT_SCHEDULER$/.test(e.name))) stored = true;
    }
  }
  // A beat line in a start file the deploys do not run (a supervisor program, a script) may still be how beat runs.
  for (const f of startFiles(project)) {
    for (const line of (project.readFile(f) ?? '').split('\n')) {
      if (!BEAT_LINE.test(line)) continue;
      beat = true;
      if (storedSchedulerArg(line.split(/\s+/)) || /BEAT_SCHEDULER/.test(line)) stored = true;
    }
  }
  if (beat && !stored) stored = project.files().some((f) => f.endsWith('.py') && schedulerSetting(project, f));
  return { judged: true, beat, storedScheduler: stored };
}

/** A start file's line running beat (`celery -A proj beat`, a worker with `-B`/`--beat`, `celerybeat`). */
export const BEAT_LINE = /\bcelery\b[^\n]*(?:\sbeat\b|\s-B\b|\s--beat\b)|\bcelerybeat\b/;

function schedulerSetting(project: ProjectInfo, file: string): boolean {
  const words = fileDigest(project, file).words;
  if (!['CELERY_BEAT_SCHEDULER', 'CELERYBEAT_SCHEDULER', 'beat_scheduler'].some((w) => mayHoldWord(words, w))) return false;
  return SCHEDULER_SETTING.test((project.peekFile ?? project.readFile).call(project, file) ?? '');
}
