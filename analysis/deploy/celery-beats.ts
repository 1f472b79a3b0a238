/**
 * Whether the project's deploys run Celery beat (issue 13, production reach). A Celery task nothing enqueues runs
 * only when a beat process sends it, from the schedule the code declares or, with a stored scheduler
 * (django-celery-beat's admin schedules, redbeat), from one made at run time. Either way beat must run: installing
 * django-celery-beat starts nothing, so a project whose deploys start no beat schedules nothing.
 *
 * Judged only where every deploy's start command was followed (a deploy memlint cannot follow may run beat); a
 * beat line in any start file counts too. Kept while the project's files are unchanged.
 */
import type { ProjectInfo } from '../../rules/api';
import { deploysNotFollowed, deploysWithoutProcesses, findDeploys, type Deploy } from './deploys';
import { runsServiceImage } from './service-images';
import { startFiles } from '../reach';
import { Workspace } from './deploy-files';
import { projectChanges } from '../cache';

/** `beat`: some deploy process (or start file line) runs Celery beat. */
export type DeployedBeat = { judged: false } | { judged: true; beat: boolean };

/** A start file's line running beat (`celery -A proj beat`, a worker with `-B`/`--beat`, `celerybeat`). */
export const BEAT_LINE = /\bcelery\b[^\n]*(?:\sbeat\b|\s-B\b|\s--beat\b)|\bcelerybeat\b/;

const memos = new WeakMap<ProjectInfo, { changes: number; answer: DeployedBeat }>();

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
  const beat = deploys.some((d) => d.processes.some((p) => runsBeat(p.command.programWord.value, p.command.args.map((a) => a.value))));
  // A beat line in a start file the deploys do not run (a supervisor program, a script) may still be how beat runs.
  return { judged: true, beat: beat || startFiles(project).some((f) => BEAT_LINE.test(project.readFile(f) ?? '')) };
}

/** `celery ... beat`, `celery worker -B`/`--beat`, the old `celerybeat` program. */
function runsBeat(program: string, args: readonly string[]): boolean {
  if (/(^|\/)celerybeat$/.test(program)) return true;
  if (!/(^|\/)celery$/.test(program) && !args.some((a) => /(^|\/)celery$/.test(a))) return false;
  return args.some((a) => a === 'beat' || a === '-B' || a === '--beat');
}
