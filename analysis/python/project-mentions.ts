/**
 * Whether a name defined in one module (a class, a method, a task) is named anywhere else a production process could
 * reach it from: the project's other Python modules and config files (unreferenced-functions.ts, outside tests,
 * commands and scripts no deploy starts) and, for attributes templates read (`{{ teacher.student_parents }}`), its
 * template files. Answers are kept while no other file of the project changes (a keystroke re-asks per finding).
 */
import type { RuleContext } from '../../rules/api';
import { unreferencedFunction } from './unreferenced-functions';
import { fileDigest, mayHoldWord } from './file-digests';
import { offlineCode } from '../reach';
import { projectChanges } from '../cache';

/** Template files of Django, Jinja and Flask (and the text formats they render). */
const TEMPLATE_FILE = /\.(html?|txt|jinja2?|j2|djhtml|xml|tpl|email|mjml|md)$/i;
const INSTALLED = /(^|\/)(node_modules|site-packages|\.?venv|static|staticfiles|dist|build)\//;
const ASCII_WORD = /^[A-Za-z0-9_]+$/;

const memos = new WeakMap<object, { relPath: string; changes: number; answers: Map<string, boolean> }>();

/**
 * No production file of the project but `ctx.file` names `name`, and `ctx.file` itself names it only once (its
 * definition). `templates`: template files count as callers too.
 */
export function unnamedElsewhere(ctx: RuleContext, name: string, templates: boolean): boolean {
  if (!ASCII_WORD.test(name)) return false;
  // The module's own mentions are counted anew (the memo below holds only what other files say): the def itself is
  // the only one allowed, as in unreferencedFunction.
  if ((ctx.file.text.match(new RegExp(`(?<![\\w.])${name}\\b|\\.${name}\\b`, 'g')) ?? []).length > 1) return false;
  const changes = projectChanges(ctx.project, ctx.file.relPath);
  const key = `${templates ? 't' : 'p'}\u0000${name}`;
  let memo = memos.get(ctx.project);
  if (changes !== undefined) {
    if (!memo || memo.relPath !== ctx.file.relPath || memo.changes !== changes) memos.set(ctx.project, (memo = { relPath: ctx.file.relPath, changes, answers: new Map() }));
    const known = memo.answers.get(key);
    if (known !== undefined) return known;
  }
  const answer = compute(ctx, name, templates);
  if (memo && changes !== undefined) {
    if (memo.answers.size > 256) memo.answers.clear();
    memo.answers.set(key, answer);
  }
  return answer;
}

function compute(ctx: RuleContext, name: string, templates: boolean): boolean {
  const offline = (file: string) => offlineCode(file, ctx.project) !== undefined;
  if (!unreferencedFunction(ctx.project, ctx.file.relPath, ctx.file.text, name, offline)) return false;
  if (!templates) return true;
  const word = new RegExp(`\\b${name}\\b`);
  for (const file of ctx.project.files()) {
    if (!TEMPLATE_FILE.test(file) || INSTALLED.test(file) || !mayHoldWord(fileDigest(ctx.project, file).words, name)) continue;
    if (word.test((ctx.project.peekFile ?? ctx.project.readFile).call(ctx.project, file) ?? '')) return false;
  }
  return true;
}
