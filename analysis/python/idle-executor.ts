/**
 * Is a `ProcessPoolExecutor()` one nothing submits work to? The executor starts its worker processes on demand (on
 * `submit`/`map`), so a pool that is only created, stored, tested for None, handed back by a property and shut down
 * never starts a process: `self._pool = ProcessPoolExecutor()` behind a lazy property the project reads only to
 * `shutdown()` it.
 *
 * Followed by name through the project's Python files: the attribute or variable the pool is assigned to, a
 * function that returns it (a property), a plain variable it is copied to. Any other mention of one of those names
 * (a `submit`, a `map`, an argument, `run_in_executor(pool, ...)`, a mention we cannot read) counts as use, as does a
 * pool not assigned to a name (`with ProcessPoolExecutor() as pool:`, a call argument). Memoised per project version.
 */
import type { Node } from 'web-tree-sitter';
import type { RuleContext } from '../../rules/api';
import { ProjectSlot } from '../cache';
import { answersWhileUnchanged, projectTexts } from '../project-texts';

const PYTHON = /\.py$/;
const SKIP = /(^|\/)(\.?venv|env|site-packages|node_modules|build|dist)\//;

const slot = new ProjectSlot<{ key?: object; answers: Map<string, boolean> }>('py-idle-executor', () => ({ answers: new Map() }));

/** True when the executor `call` builds is assigned to a name nothing in the project submits work through. */
export function neverSubmittedTo(ctx: RuleContext, call: Node): boolean {
  const assignment = call.parent;
  if (assignment?.type !== 'assignment' || assignment.childForFieldName('right')?.id !== call.id) return false;
  const left = assignment.childForFieldName('left');
  const name = left?.type === 'identifier' ? left.text : left?.type === 'attribute' ? left.childForFieldName('attribute')?.text : undefined;
  if (!name) return false;
  const texts = projectTexts(ctx.project, { relPath: ctx.file.relPath, text: ctx.file.text });
  const answers = answersWhileUnchanged(slot, ctx.project, texts);
  let answer = answers.get(name);
  if (answer === undefined) {
    const sources = texts.files.filter((f) => PYTHON.test(f) && !SKIP.test(f)).map((f) => texts.text(f) ?? '');
    answer = idle(name, sources);
    answers.set(name, answer);
  }
  return answer;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every mention of the names the pool is held by only stores, tests, returns, copies or shuts it down. */
function idle(first: string, sources: readonly string[]): boolean {
  const names = [first];
  for (let i = 0; i < names.length; i++) {
    const word = new RegExp(`\\b${escape(names[i])}\\b`, 'g');
    for (const text of sources) {
      for (const m of text.matchAll(word)) {
        const lineStart = text.lastIndexOf('\n', m.index) + 1;
        const lineEnd = text.indexOf('\n', m.index);
        const before = text.slice(lineStart, m.index);
        const after = text.slice(m.index + m[0].length, lineEnd < 0 ? text.length : lineEnd);
        const copied = mention(before, after);
        if (copied === 'use') return false;
        // `@pool.setter def pool(self, value): self._pool = value`: the attribute the setter stores to holds it too.
        if (/^\s*def\s+$/.test(before)) for (const stored of storedByFunction(text, lineStart, before)) if (!names.includes(stored)) names.push(stored);
        if (copied === 'returned') {
          const fn = enclosingFunction(text, lineStart, before);
          if (!fn) return false;
          if (!names.includes(fn)) names.push(fn);
        } else if (copied !== 'idle') {
          if (!names.includes(copied)) names.push(copied);
        }
      }
    }
  }
  return true;
}

/** What one mention does with the pool: nothing that starts a process ('idle'), return it, copy it to a name, or use it. */
function mention(before: string, after: string): 'idle' | 'returned' | 'use' | string {
  const statementStart = /^\s*([A-Za-z_][\w]*\s*\.\s*)*$/.test(before);
  if (/^\s*def\s+$/.test(before) || /^\s*@$/.test(before)) return 'idle'; // `def pool(self)`, `@pool.setter`
  if (/^\s*\.\s*shutdown\s*\(/.test(after)) return 'idle';
  if (statementStart && /^\s*(:[^=]*)?=(?!=)/.test(after)) return 'idle'; // `self._pool = None`, `self._pool = value`
  if (/^\s*(el)?if\s+(not\s+)?([A-Za-z_]\w*\s*\.\s*)*$/.test(before) && /^\s*(is\s+(not\s+)?None\s*)?:/.test(after)) return 'idle';
  if (/^\s*return\s+([A-Za-z_]\w*\s*\.\s*)*$/.test(before) && /^\s*(#.*)?$/.test(after)) return 'returned';
  const copy = /^\s*([A-Za-z_]\w*)\s*(:[^=]*)?=\s*([A-Za-z_]\w*\s*\.\s*)*$/.exec(before);
  if (copy && /^\s*(#.*)?$/.test(after)) return copy[1];
  return 'use';
}

/** The name of the function whose body holds the line that starts at `lineStart`. */
function enclosingFunction(text: string, lineStart: number, before: string): string | undefined {
  const indent = /^\s*/.exec(before)![0].length;
  const lines = text.slice(0, lineStart).split('\n').reverse();
  for (const line of lines) {
    const m = /^(\s*)(async\s+)?def\s+(\w+)/.exec(line);
    if (m && m[1].length < indent) return m[3];
  }
  return undefined;
}

/** The attributes a function stores one of its parameters to (`self._pool = value`): a setter's backing field. */
function storedByFunction(text: string, lineStart: number, before: string): string[] {
  const indent = before.length - before.trimStart().length;
  const lines = text.slice(lineStart).split('\n');
  const params = /\(([^)]*)\)/.exec(lines[0])?.[1].split(',').map((p) => p.split(/[:=]/)[0].trim()).filter((p) => p && p !== 'self') ?? [];
  const stored: string[] = [];
  for (const line of lines.slice(1)) {
    if (line.trim() === '') continue;
    if (line.length - line.trimStart().length <= indent) break;
    const m = /^\s*self\s*\.\s*(\w+)\s*(:[^=]*)?=\s*(\w+)\s*(#.*)?$/.exec(line);
    if (m && params.includes(m[3])) stored.push(m[1]);
  }
  return stored;
}
