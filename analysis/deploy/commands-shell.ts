/**
 * Shell words with file offsets: splits a command line the way sh does (quotes, escapes, `$(...)`, `${...}`,
 * backquotes, operators, comments, redirections) into simple commands, and finds the program a simple command
 * runs behind wrappers such as `exec`, `env`, `poetry run`, `python -m` or `newrelic-admin run-program`.
 */
import type { OffsetEdit } from '../../rules/api';
import { MappedText, MappedTextBuilder } from './commands-text';

export interface Word {
  /** What the program receives: quotes removed, escapes resolved; `$(...)`, `${...}` and backquotes kept as written. */
  readonly text: MappedText;
  readonly value: string;
  /** File offsets of the word as written (with its quotes). */
  readonly start: number;
  readonly end: number;
  /** Set on elements of exec-form arrays: how to insert more elements after this one. */
  readonly insertAfter?: ElementInsert;
}

/**
 * How to insert elements after an exec-form array element, as data (not a closure): a deploy model is posted
 * between the threads of a scan (analysis/shared-facts.ts). `none`: the array cannot take more (an alias, a
 * form memlint does not rewrite); `flow`: `, "a"` at `end`; `block`: a YAML block sequence item per argument; `prefix`: `a ` at
 * `at` (the start of a quoted value whose words stand for a command, as celeryd's CELERYD_OPTS).
 */
export type ElementInsert =
  | { readonly kind: 'none' }
  | { readonly kind: 'flow'; readonly end: number }
  | { readonly kind: 'block'; readonly at: number; readonly eol: string; readonly prefix: string; readonly quote: 'single' | 'double' | 'plain-or-double' }
  | { readonly kind: 'prefix'; readonly at: number; readonly separator: boolean };

/** The edit that inserts `args` after an array element. */
export function elementInsertEdit(insert: ElementInsert, args: readonly string[]): OffsetEdit | undefined {
  switch (insert.kind) {
    case 'none':
      return undefined;
    case 'flow':
      return { start: insert.end, end: insert.end, newText: args.map((a) => `, ${JSON.stringify(a)}`).join('') };
    case 'block': {
      const quote = (a: string) =>
        insert.quote === 'single' ? `'${a}'` : insert.quote === 'double' || !/^[A-Za-z_./-][\w./=:-]*$/.test(a) ? JSON.stringify(a) : a;
      return { start: insert.at, end: insert.at, newText: args.map((a) => `${insert.eol}${insert.prefix}${quote(a)}`).join('') };
    }
    case 'prefix':
      return { start: insert.at, end: insert.at, newText: `${args.join(' ')}${insert.separator ? ' ' : ''}` };
  }
}

export function makeWord(text: MappedText, start: number, end: number, insertAfter?: ElementInsert): Word {
  return { text, value: text.value, start, end, insertAfter };
}

/** Splits a command line into simple commands (at `;`, `&&`, `||`, `|`, `&`, newlines and parentheses). */
interface Heredoc {
  word: string;
  /** `<<-`: the closing line may be indented with tabs. */
  tabs: boolean;
}

/** The index after a here-document's closing line (or the end of the text when it is never closed). */
function afterHeredoc(s: string, start: number, heredoc: Heredoc): number {
  let i = start;
  while (i < s.length) {
    const end = s.indexOf('\n', i);
    const lineEnd = end === -1 ? s.length : end;
    let line = s.slice(i, lineEnd).replace(/\r$/, '');
    if (heredoc.tabs) line = line.replace(/^\t+/, '');
    i = lineEnd + 1;
    if (line === heredoc.word) return Math.min(i, s.length);
  }
  return s.length;
}

export function shellSplit(src: MappedText): Word[][] {
  const s = src.value;
  const commands: Word[][] = [];
  let current: Word[] = [];
  let out: MappedTextBuilder | undefined;
  let wordStart = 0;
  let dropNextWord = false;
  /** Here-documents opened on the current line, whose bodies follow it. */
  const heredocs: Heredoc[] = [];

  const endWord = (endIndex: number) => {
    if (!out) return;
    const [start] = src.fileRange(wordStart, wordStart + 1);
    const [, end] = src.fileRange(wordStart, endIndex);
    const word = makeWord(out.build(start), start, end);
    out = undefined;
    if (dropNextWord) dropNextWord = false;
    else current.push(word);
  };
  const endCommand = (index: number) => {
    endWord(index);
    if (current.length) commands.push(current);
    current = [];
  };
  /** Copies `$(...)`, `$((...))` or `${...}` starting at i (the `$`) verbatim; returns the index after it. */
  const copySubstitution = (i: number): number => {
    const open = s[i + 1];
    const close = open === '(' ? ')' : '}';
    let depth = 0;
    let j = i + 1;
    for (; j < s.length; j++) {
      const c = s[j];
      if (c === '\\') j++;
      else if (c === "'" && open === '(') {
        const q = s.indexOf("'", j + 1);
        j = q === -1 ? s.length : q;
      } else if (c === open) depth++;
      else if (c === close && --depth === 0) {
        j++;
        break;
      }
    }
    j = Math.min(j, s.length);
    for (let k = i; k < j; k++) out!.pushFrom(src, k);
    return j;
  };
  const copyBackquoted = (i: number): number => {
    let j = i + 1;
    while (j < s.length && s[j] !== '`') j += s[j] === '\\' ? 2 : 1;
    j = Math.min(j + 1, s.length);
    for (let k = i; k < j; k++) out!.pushFrom(src, k);
    return j;
  };

  let i = 0;
  while (i < s.length) {
    const ch = s[i];
    if (!out) {
      if (ch === ' ' || ch === '\t' || ch === '\r') {
        i++;
        continue;
      }
      if (ch === '#') {
        while (i < s.length && s[i] !== '\n') i++;
        continue;
      }
      if (ch === '\\' && (s[i + 1] === '\n' || (s[i + 1] === '\r' && s[i + 2] === '\n'))) {
        i += s[i + 1] === '\n' ? 2 : 3;
        continue;
      }
    }
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      endWord(i);
      i++;
      continue;
    }
    if (ch === '\n') {
      endCommand(i);
      i++;
      // A here-document's body (`python - <<'PY'` ... `PY`) is the program's input, not commands.
      for (const delimiter of heredocs.splice(0)) i = afterHeredoc(s, i, delimiter);
      continue;
    }
    if (ch === '<' && s[i + 1] === '<' && s[i + 2] !== '<') {
      // `<<WORD`, `<<-WORD`, `<<'WORD'`: the delimiter of a here-document that starts on the next line.
      endWord(i);
      const m = /^<<-?[ \t]*(?:'([^'\n]*)'|"([^"\n]*)"|\\?([^\s;&|<>()]+))/.exec(s.slice(i, i + 200));
      if (m) {
        heredocs.push({ word: m[1] ?? m[2] ?? m[3] ?? '', tabs: m[0].startsWith('<<-') });
        i += m[0].length;
        continue;
      }
    }
    if ((ch === '>' || ch === '<') || (ch === '&' && s[i + 1] === '>')) {
      // A redirection: `2>&1`, `> log`, `&>> log`, `< in`. Its target is not an argument.
      if (out && /^\d+$/.test(out.build(0).value)) out = undefined;
      else endWord(i);
      let j = i;
      while (j < s.length && /[<>&|]/.test(s[j])) j++;
      const op = s.slice(i, j);
      if (op.endsWith('&') && /[\d-]/.test(s[j] ?? '')) {
        while (j < s.length && /[\d-]/.test(s[j])) j++;
      } else {
        dropNextWord = true;
      }
      i = j;
      continue;
    }
    if (ch === ';' || ch === '&' || ch === '|' || ch === '(' || ch === ')') {
      endCommand(i);
      i += (ch === '&' || ch === '|' || ch === ';') && (s[i + 1] === ch || (ch === '|' && s[i + 1] === '&')) ? 2 : 1;
      continue;
    }
    if (!out) {
      out = new MappedTextBuilder();
      wordStart = i;
    }
    if (ch === "'") {
      const q = s.indexOf("'", i + 1);
      const close = q === -1 ? s.length : q;
      for (let k = i + 1; k < close; k++) out.pushFrom(src, k);
      i = close + 1;
    } else if (ch === '"') {
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length && '$`"\\\n'.includes(s[i + 1])) {
          if (s[i + 1] !== '\n') out.pushSpan(src, i, i + 2, s[i + 1]);
          i += 2;
        } else if (s[i] === '$' && (s[i + 1] === '(' || s[i + 1] === '{')) {
          i = copySubstitution(i);
        } else if (s[i] === '`') {
          i = copyBackquoted(i);
        } else {
          out.pushFrom(src, i);
          i++;
        }
      }
      i++;
    } else if (ch === '\\') {
      if (s[i + 1] === '\n') i += 2;
      else if (i + 1 < s.length) {
        out.pushSpan(src, i, i + 2, s[i + 1]);
        i += 2;
      } else i++;
    } else if (ch === '$' && (s[i + 1] === '(' || s[i + 1] === '{')) {
      i = copySubstitution(i);
    } else if (ch === '`') {
      i = copyBackquoted(i);
    } else {
      out.pushFrom(src, i);
      i++;
    }
  }
  endCommand(s.length);
  return commands;
}

// ---------------------------------------------------------------------------------------------------------------
// Finding the program behind wrappers

/** Programs that run the rest of their arguments as a command (after their own flags). */
const WRAPPERS = new Set([
  'exec', 'nohup', 'time', 'command', 'tini', 'dumb-init', 'setsid', 'npx', 'bunx',
  'ddtrace-run', 'opentelemetry-instrument', 'scout-apm', 'start-pgbouncer', 'start-pgbouncer-stunnel', 'start-nginx', 'start-nginx-solo',
]);
/** Scripts that wait for a service, then run the command given after `--` (wait-for-it.sh, eficode's wait-for). */
const WAIT_WRAPPER = /^wait[-_]for([-_][\w-]+)?(\.sh)?$/;
/** dockerize's options that take no value. */
const DOCKERIZE_FLAGS = /^--?(no-overwrite|version|help|poll)$/;
/** Programs that take one argument (a user) before the command. */
const WRAPPERS_WITH_ARGUMENT = new Set(['gosu', 'su-exec']);
/** Tool -> the subcommand that runs a command (`poetry run gunicorn ...`). */
const RUNNERS: Record<string, string> = {
  poetry: 'run', pipenv: 'run', uv: 'run', pdm: 'run', hatch: 'run', rye: 'run', doppler: 'run', dotenv: 'run',
  'newrelic-admin': 'run-program', pnpm: 'exec', yarn: 'exec', npm: 'exec', infisical: 'run',
};
const PYTHON = /^python(\d+(\.\d+)?)?$/;
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

export interface ProgramLocation {
  /** `VAR=value` words before the program. */
  env: Word[];
  programIndex: number;
  /** Base name of the program (`gunicorn` for `/venv/bin/gunicorn`, the module for `python -m gunicorn`). */
  program: string;
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function isAssignment(word: Word): boolean {
  return ASSIGNMENT.test(word.value);
}

/** The program a simple command runs, looking through wrappers. Undefined for a command of assignments only. */
export function locateProgram(words: readonly Word[]): ProgramLocation | undefined {
  const env: Word[] = [];
  const skipFlags = (i: number) => {
    while (i < words.length && words[i].value.startsWith('-') && words[i].value !== '--') i++;
    return words[i]?.value === '--' ? i + 1 : i;
  };
  let i = 0;
  while (i < words.length) {
    const word = words[i];
    const base = baseName(word.value);
    if (isAssignment(word)) {
      env.push(word);
      i++;
    } else if (WRAPPERS.has(base)) {
      i = skipFlags(i + 1);
    } else if (base === 'env') {
      i++;
      while (i < words.length && (words[i].value.startsWith('-') || isAssignment(words[i]))) {
        if (isAssignment(words[i])) env.push(words[i]);
        i++;
      }
    } else if (WRAPPERS_WITH_ARGUMENT.has(base)) {
      i += 2;
    } else if (WAIT_WRAPPER.test(base) && words.some((w, k) => k > i && w.value === '--')) {
      // `./wait-for-it.sh db:5432 -t 30 -- gunicorn ...`: waits for the service, then runs the command after `--`.
      i = words.findIndex((w, k) => k > i && w.value === '--') + 1;
    } else if (base === 'dockerize') {
      // `dockerize -wait tcp://db:5432 -timeout 20s gunicorn ...`: its options take a value each.
      i++;
      while (i < words.length && words[i].value.startsWith('-')) i += DOCKERIZE_FLAGS.test(words[i].value) || words[i].value.includes('=') ? 1 : 2;
    } else if (RUNNERS[base] && words[i + 1]?.value === RUNNERS[base]) {
      i = skipFlags(i + 2);
    } else if (PYTHON.test(base)) {
      let j = i + 1;
      while (j < words.length && words[j].value.startsWith('-') && words[j].value !== '-m' && words[j].value !== '-c') {
        j += words[j].value === '-X' || words[j].value === '-W' ? 2 : 1;
      }
      if (words[j]?.value === '-m' && j + 1 < words.length) return { env, programIndex: j + 1, program: words[j + 1].value };
      return { env, programIndex: i, program: base };
    } else {
      return { env, programIndex: i, program: base };
    }
  }
  return undefined;
}

/** For `sh -c "..."`/`bash -ec '...'`: the word holding the command string. */
export function shellCommandArgument(words: readonly Word[], programIndex: number): Word | undefined {
  if (!/^(ba|da|z|k)?sh$/.test(baseName(words[programIndex]?.value ?? ''))) return undefined;
  for (let i = programIndex + 1; i < words.length; i++) {
    const v = words[i].value;
    if (!v.startsWith('-')) return undefined;
    if (/^-[a-z]*c[a-z]*$/.test(v)) return words[i + 1];
  }
  return undefined;
}
