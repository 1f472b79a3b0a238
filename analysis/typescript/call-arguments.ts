/**
 * What the callers of a named function or method pass it, across the project's source files: the text of one argument
 * at every call (`userRepository.findByRole(Role.ADMIN)` -> `Role.ADMIN`). A repository method that takes a filter
 * value and is only ever called with one constant reads only what that constant selects. Answered from the texts (a
 * call by name, `.name(` or `name(`), once per project state and name; undefined when no call is found or an
 * argument is not a plain name, member or literal.
 */
import type { RuleContext } from '../../rules/api';
import { ProjectSlot } from '../cache';
import { projectTexts } from '../project-texts';

const SOURCE = /\.[cm]?[jt]sx?$/;
const SKIP = /(^|\/)(node_modules|dist|build|\.next|out|coverage|vendor)\/|\.d\.ts$|\.min\.js$/;
/** Unit and end-to-end test files and mocks (Jest/Vitest/Nest's `*.spec.ts`, `__tests__/`): their calls are not a deploy's. */
export const TEST_PATH = /(^|\/)(__tests__|tests?|spec|e2e|__mocks__)\/|\.(test|spec|e2e-spec)\.[cm]?[jt]sx?$/i;
const MAX_FILES = 4000;
/** A plain argument: a name, a member of one (`Role.ADMIN`), a string or number literal. */
const PLAIN = /^([A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*|'[^'\\]*'|"[^"\\]*"|`[^`\\$]*`|-?\d+(\.\d+)?)$/;

const slot = new ProjectSlot<{ key?: unknown; answers: Map<string, string[] | undefined> }>('ts-call-arguments', () => ({ answers: new Map() }));

/** The argument texts at position `index` of every call of `name` outside its declaration and tests, or undefined. */
export function argumentsPassedTo(ctx: RuleContext, name: string, index: number): string[] | undefined {
  const texts = projectTexts(ctx.project, { relPath: ctx.file.relPath, text: ctx.file.text });
  const key = texts.stamp ?? texts.files;
  const holder = slot.get(ctx.project);
  if (holder.key !== key) {
    holder.key = key;
    holder.answers = new Map();
  }
  const memo = `${name}#${index}`;
  if (holder.answers.has(memo)) return holder.answers.get(memo);
  const sources = texts.files.filter((f) => SOURCE.test(f) && !SKIP.test(f) && !TEST_PATH.test(f));
  let found: string[] | undefined = sources.length <= MAX_FILES ? [] : undefined;
  const call = new RegExp(`(^|[^\\w$])${name.replace(/\$/g, '\\$')}\\s*\\(`, 'g');
  for (const f of found ? sources : []) {
    const text = texts.text(f);
    if (text === undefined || !text.includes(name)) continue;
    for (const m of text.matchAll(call)) {
      const start = (m.index ?? 0) + m[0].length;
      const parsed = splitArguments(text, start);
      // the declaration itself: `findByRole(role: Role) {`, `findByRole(role): Promise<User[]> {`, `function findByRole(`
      if (parsed && (/^\s*(:[^;{=]*)?(\{|=>)/.test(text.slice(parsed.end + 1, parsed.end + 200)) || /\bfunction\s*$/.test(text.slice(Math.max(0, (m.index ?? 0) - 20), (m.index ?? 0) + m[1].length)))) continue;
      const arg = parsed?.args[index]?.trim();
      if (arg === undefined || !PLAIN.test(arg)) {
        found = undefined;
        break;
      }
      found!.push(arg);
    }
    if (!found) break;
  }
  const answer = found && found.length > 0 ? found : undefined;
  holder.answers.set(memo, answer);
  return answer;
}

/** The top-level arguments of a call whose `(` ends just before `start`, as texts, and where its `)` is; undefined when unbalanced. */
function splitArguments(text: string, start: number): { args: string[]; end: number } | undefined {
  const args: string[] = [];
  let depth = 0;
  let from = start;
  for (let i = start; i < text.length && i < start + 2000; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) {
        if (text.slice(from, i).trim() || args.length > 0) args.push(text.slice(from, i));
        return { args, end: i };
      }
      depth--;
    } else if (c === ',' && depth === 0) {
      args.push(text.slice(from, i));
      from = i + 1;
    }
  }
  return undefined;
}
