/**
 * The shapes `startCommands`/`envSettings` return, and how the per-format readers build them from words:
 * one StartCommand per simple command, looking through wrappers and into `sh -c "..."`.
 */
import type { OffsetEdit } from '../../rules/api';
import type { MappedText } from './commands-text';
import { elementInsertEdit, locateProgram, makeWord, shellCommandArgument, shellSplit, type ElementInsert, type Word } from './commands-shell';

export type { ElementInsert, Word } from './commands-shell';

/** Where a command or an environment setting was written. */
export type CommandSource =
  | 'procfile'
  | 'dockerfile'
  | 'docker-compose'
  | 'render'
  | 'railway'
  | 'fly'
  | 'heroku-yml'
  | 'app-json'
  | 'package-json'
  | 'pm2'
  | 'env-file';

/**
 * `shell`: a shell runs the command, so `$VAR`, `${VAR:-2}` and `$(...)` expand (Procfile, Dockerfile shell
 * form, render.yaml `startCommand`, npm scripts). `exec`: the words go to the program as written (Dockerfile
 * exec form, docker-compose `command`, fly.toml processes).
 */
export type CommandForm = 'shell' | 'exec';

export interface StartCommand {
  source: CommandSource;
  /** Process, service or script name when the format has one (`web`, `worker`, `start`). */
  name?: string;
  form: CommandForm;
  /** Base name of the program after wrappers: `gunicorn` for `exec poetry run python -m gunicorn`. */
  program: string;
  programWord: Word;
  /** Words after the program. */
  args: Word[];
  /** `VAR=value` words before the program. */
  env: Word[];
  /**
   * The relative folder earlier `cd` commands of the same line or script moved to (`cd src && python main.py`: `src`),
   * unresolved (`web/../api`), when every one of them names a literal relative folder; absent otherwise.
   */
  cd?: string;
}

/** An edit inserting arguments right after `word` (a word of a start command), written as the format needs. */
export function insertAfter(word: Word, args: readonly string[]): OffsetEdit | undefined {
  return word.insertAfter ? elementInsertEdit(word.insertAfter, args) : { start: word.end, end: word.end, newText: ` ${args.join(' ')}` };
}

export interface EnvSetting {
  source: CommandSource;
  /** Service or process it applies to, when the format says. */
  scope?: string;
  name: string;
  nameStart: number;
  nameEnd: number;
  /** The value as the process sees it, with offsets of every character. */
  value: MappedText;
}

/** Splits a command line into simple commands and reads each. */
export function commandsFromLine(line: MappedText, form: CommandForm, source: CommandSource, name?: string): StartCommand[] {
  let cd: string | undefined = '';
  return shellSplit(line).flatMap((words) => {
    const commands = commandsFromWords(words, form, source, name);
    const here = cd;
    if (words[0]?.value === 'cd') cd = folderAfterCd(cd, words);
    return here ? commands.map((c) => ({ ...c, cd: c.cd === undefined ? here : `${here}/${c.cd}` })) : commands;
  });
}

/**
 * Where `cd DIR` leaves a shell that was in the relative folder `from`: undefined (not known) for an absolute path
 * (a container's folder, mapped elsewhere), `~`, `-`, a variable or a folder not known already.
 */
function folderAfterCd(from: string | undefined, words: readonly Word[]): string | undefined {
  const target = words.slice(1).find((w) => !/^-[LPe@]+$/.test(w.value))?.value;
  if (from === undefined || target === undefined || /^[/~-]|[$`*?]/.test(target) || words.length > 3) return undefined;
  // Joined as written (`a/../b`): the deploy builder resolves it against the command's folder.
  return from === '' ? target : `${from}/${target}`;
}

/** Reads one simple command (or the commands inside its `sh -c "..."`). */
export function commandsFromWords(words: readonly Word[], form: CommandForm, source: CommandSource, name?: string): StartCommand[] {
  const location = locateProgram(words);
  if (!location) return [];
  const inner = shellCommandArgument(words, location.programIndex);
  if (inner) return commandsFromLine(inner.text, 'shell', source, name);
  const programWord = words[location.programIndex];
  return [
    {
      source,
      name,
      form,
      program: location.program,
      programWord,
      args: words.slice(location.programIndex + 1),
      env: location.env,
    },
  ];
}

/** An element of an exec-form array, with the edit that inserts elements after it. */
export function arrayElementWord(text: MappedText, start: number, end: number, insertAfter: ElementInsert | undefined): Word {
  return makeWord(text, start, end, insertAfter ?? { kind: 'none' });
}

/** Inserts `, "a", "b"` after a JSON/TOML/YAML-flow array element that ends at `end`. */
export function flowArrayInsert(end: number): ElementInsert {
  return { kind: 'flow', end };
}

/** `VAR=value` words of a command as settings (value after the `=`). */
export function assignmentSettings(command: StartCommand): EnvSetting[] {
  return command.env.map((word) => {
    const eq = word.value.indexOf('=');
    const [nameStart] = word.text.fileRange(0, 1);
    const [, nameEnd] = word.text.fileRange(0, eq);
    return { source: command.source, scope: command.name, name: word.value.slice(0, eq), nameStart, nameEnd, value: word.text.slice(eq + 1) };
  });
}

