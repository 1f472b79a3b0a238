/**
 * Start commands and environment of a Dockerfile: the CMD and ENTRYPOINT that take effect in each stage (the
 * last of each), in shell form (`/bin/sh -c`, line continuations joined, comment lines inside them dropped)
 * or exec form (a JSON array, no shell), an exec-form ENTRYPOINT naming a server combined with the exec-form
 * CMD that supplies its arguments; and `ENV` settings. Heredocs (`RUN <<EOF`) are never read as instructions.
 */
import type { Dockerfile, Instruction } from 'dockerfile-ast';
import { arrayElementWord, commandsFromLine, commandsFromWords, flowArrayInsert, type EnvSetting, type StartCommand } from './commands-build';
import type { Word } from './commands-shell';
import { decodeJsonString, dockerArgumentsText, MappedText, MappedTextBuilder } from './commands-text';

/** Programs whose exec-form ENTRYPOINT takes the CMD as its arguments (rather than being a wrapper script). */
const SERVERS_WITH_ARGUMENTS = new Set(['gunicorn', 'uvicorn', 'hypercorn', 'celery', 'node', 'pm2', 'pm2-runtime', 'daphne']);

interface Position {
  line: number;
  character: number;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

type Parsed = { form: 'exec'; words: Word[] } | { form: 'shell'; text: MappedText };

export function dockerfileCommands(text: string, dockerfile: Dockerfile): StartCommand[] {
  const starts = lineStarts(text);
  const offset = (p: Position) => (starts[p.line] ?? text.length) + p.character;
  const escape = dockerfile.getEscapeCharacter();
  const parse = (instruction: Instruction): Parsed | undefined => {
    const range = instruction.getArgumentsRange();
    if (!range) return undefined;
    const args = dockerArgumentsText(text, offset(range.start), offset(range.end), escape);
    const words = execArray(args);
    return words ? { form: 'exec', words } : { form: 'shell', text: args };
  };
  const commandsOf = (p: Parsed): StartCommand[] =>
    p.form === 'exec' ? commandsFromWords(p.words, 'exec', 'dockerfile') : commandsFromLine(p.text, 'shell', 'dockerfile');

  const out: StartCommand[] = [];
  for (const stage of stages(dockerfile)) {
    const entrypoint = stage.entrypoint && parse(stage.entrypoint);
    const cmd = stage.cmd && parse(stage.cmd);
    if (entrypoint?.form === 'exec') {
      const own = commandsOf(entrypoint);
      if (cmd?.form === 'exec' && own.length === 1 && SERVERS_WITH_ARGUMENTS.has(own[0].program)) {
        // ENTRYPOINT ["gunicorn"] + CMD ["-w", "4", "app:app"]: one command line.
        out.push(...commandsFromWords([...entrypoint.words, ...cmd.words], 'exec', 'dockerfile'));
        continue;
      }
      out.push(...own);
      // A wrapper ENTRYPOINT (tini, docker-entrypoint.sh) runs the CMD.
      if (cmd) out.push(...commandsOf(cmd));
    } else if (entrypoint) {
      out.push(...commandsOf(entrypoint)); // a shell-form ENTRYPOINT ignores CMD
    } else if (cmd) {
      out.push(...commandsOf(cmd));
    }
  }
  return out;
}

/** The last CMD and ENTRYPOINT of each build stage: earlier ones are overridden. */
function stages(dockerfile: Dockerfile): { cmd?: Instruction; entrypoint?: Instruction }[] {
  const result: { cmd?: Instruction; entrypoint?: Instruction }[] = [];
  let current: { cmd?: Instruction; entrypoint?: Instruction } = {};
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword().toUpperCase();
    if (keyword === 'FROM') {
      current = {};
      result.push(current);
    } else if (keyword === 'CMD') current.cmd = instruction;
    else if (keyword === 'ENTRYPOINT') current.entrypoint = instruction;
  }
  if (result.length === 0 && (current.cmd || current.entrypoint)) result.push(current);
  return result;
}

/** A JSON array of strings (exec form), or undefined (Docker then uses the shell form). */
export function execArray(src: MappedText): Word[] | undefined {
  const s = src.value;
  let i = 0;
  const ws = () => {
    while (i < s.length && /\s/.test(s[i])) i++;
  };
  ws();
  if (s[i] !== '[') return undefined;
  i++;
  const words: Word[] = [];
  ws();
  if (s[i] === ']') return trailingOnly(s, i + 1) ? words : undefined;
  for (;;) {
    ws();
    if (s[i] !== '"') return undefined;
    let j = i + 1;
    while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
    if (j >= s.length) return undefined;
    const value = decodeJsonString(src, i, j + 1);
    if (!value) return undefined;
    const [start, end] = src.fileRange(i, j + 1);
    words.push(arrayElementWord(value, start, end, flowArrayInsert(end)));
    i = j + 1;
    ws();
    if (s[i] === ',') {
      i++;
      continue;
    }
    if (s[i] === ']') return trailingOnly(s, i + 1) ? words : undefined;
    return undefined;
  }
}

function trailingOnly(s: string, i: number): boolean {
  return /^\s*$/.test(s.slice(i));
}

/** `ENV NAME=value` / `ENV NAME value` settings, quotes removed. */
export function dockerfileEnv(text: string, dockerfile: Dockerfile): EnvSetting[] {
  const starts = lineStarts(text);
  const offset = (p: Position) => (starts[p.line] ?? text.length) + p.character;
  const out: EnvSetting[] = [];
  for (const env of dockerfile.getENVs()) {
    for (const property of env.getProperties()) {
      const nameRange = property.getNameRange();
      const valueRange = property.getValueRange();
      const name = property.getName();
      if (!nameRange || !valueRange || !name) continue;
      out.push({
        source: 'dockerfile',
        name,
        nameStart: offset(nameRange.start),
        nameEnd: offset(nameRange.end),
        value: unquote(text, offset(valueRange.start), offset(valueRange.end)),
      });
    }
  }
  return out;
}

/** An ENV value without its quotes (and `\"`/`\\` escapes in double quotes). */
function unquote(text: string, start: number, end: number): MappedText {
  const q = text[start];
  if ((q !== '"' && q !== "'") || text[end - 1] !== q || end - start < 2) return MappedText.of(text, start, end);
  const out = new MappedTextBuilder();
  for (let i = start + 1; i < end - 1; i++) {
    if (q === '"' && text[i] === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) {
      out.push(text[i + 1], i, i + 2);
      i++;
    } else out.push(text[i], i, i + 1);
  }
  return out.build(start + 1);
}
