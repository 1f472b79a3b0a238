/**
 * A task named only by beat schedule entries: `CELERY_BEAT_SCHEDULE = {"weekly": {"task": "app.tasks.report", ...}}`,
 * `app.conf.beat_schedule`, `add_periodic_task(..., report.s())`. Such entries send the task only through a beat
 * process, so where the deploys are known to start none (analysis/deploy/celery-beats.ts), they are no callers.
 * Asked only when a rule is about to report inside a task; answers are kept while the project's files are unchanged.
 */
import type { RuleContext } from '../../rules/api';
import { fileDigest, mayHoldWord } from './file-digests';
import { projectChanges } from '../cache';
import { offlineCode } from '../reach';

const ASCII_WORD = /^[A-Za-z0-9_]+$/;
const memos = new WeakMap<object, { changes: number; answers: Map<string, boolean> }>();

/** Every mention of `name` in the project's other production Python files is part of a beat schedule entry. */
export function namedOnlyBySchedules(ctx: RuleContext, name: string): boolean {
  if (!ASCII_WORD.test(name)) return false;
  const changes = projectChanges(ctx.project);
  let memo = memos.get(ctx.project);
  if (changes !== undefined && (!memo || memo.changes !== changes)) memos.set(ctx.project, (memo = { changes, answers: new Map() }));
  const key = `${ctx.file.relPath}\u0000${name}`;
  const known = memo?.answers.get(key);
  if (known !== undefined) return known;
  const answer = compute(ctx, name);
  if (memo && changes !== undefined) {
    if (memo.answers.size > 256) memo.answers.clear();
    memo.answers.set(key, answer);
  }
  return answer;
}

function compute(ctx: RuleContext, name: string): boolean {
  // A `"task": "pkg.tasks.name"` entry (in a schedule dict), `add_periodic_task(..., name.s(...))`, `name.s()` in a
  // schedule's `"task"` value; a whole `#` comment line; an import that binds it.
  const entry = new RegExp(`["']task["']\\s*:\\s*["'][\\w.]*\\b${name}["']|\\btask\\s*=\\s*["'][\\w.]*\\b${name}["']`, 'g');
  const periodic = new RegExp(`\\badd_periodic_task\\s*\\([^()]*(?:\\([^()]*\\)[^()]*)*\\b${name}\\b`, 'g');
  const word = new RegExp(`\\b${name}\\b`);
  let scheduled = false;
  for (const file of ctx.project.files()) {
    if (file === ctx.file.relPath || !file.endsWith('.py') || !mayHoldWord(fileDigest(ctx.project, file).words, name)) continue;
    const text = (ctx.project.peekFile ?? ctx.project.readFile).call(ctx.project, file) ?? '';
    if (!word.test(text) || offlineCode(file, ctx.project) !== undefined) continue;
    const rest = text
      .replace(/^[ \t]*#.*$/gm, '')
      .replace(/^[ \t]*from[ \t]+[\w.]+[ \t]+import[ \t]*(?:\([^)]*\)|[^\n]*)/gm, '')
      .replace(entry, () => ((scheduled = true), ''))
      .replace(periodic, () => ((scheduled = true), ''));
    if (word.test(rest)) return false;
  }
  return scheduled;
}
