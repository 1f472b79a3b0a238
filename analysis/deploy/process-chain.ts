/**
 * Following a start command to the processes it really runs: `npm start` / `npm run x` / `yarn x` to the
 * package.json script, `sh start.sh` / `./entrypoint.sh` to the script's commands, and telling setup steps
 * (`migrate && gunicorn`, the non-final lines of a script) from long-running processes.
 */
import type { StartCommand } from './commands-build';
import { classifyDeployFile, joinPath, type Workspace } from './deploy-files';
import { containerCommandSource, containerFileSource, type ContainerFiles } from './container-paths';
import { wrappedScript } from './generated-scripts';

/** The image a command runs in, with what its deploy mounts over it (container-paths.ts). */
export type ImageBuild = ContainerFiles;

/** `npm start` -> start, `npm run web -- --port 3000` -> web, `yarn serve` -> serve; undefined for install/ci/build steps. */
export function npmScriptName(program: string, args: string[]): string | undefined {
  const words = args.filter((a, i) => !a.startsWith('-') && !(i > 0 && args[i - 1] === '--prefix'));
  const [first, second] = words;
  if (!first) return program === 'yarn' ? 'start' : undefined;
  if (first === 'start' || first === 'run' || first === 'run-script') return first === 'start' ? 'start' : second;
  if ((program === 'yarn' || program === 'pnpm' || program === 'bun') && !['install', 'add', 'ci', 'build', 'test', 'exec', 'dlx', 'x'].includes(first)) return first;
  return undefined;
}

/**
 * The script a `sh start.sh` / `./start.sh` command runs (`/app/start.sh` in a container maps to the workspace file,
 * and so does a path the image's Dockerfile copies a script to: `COPY ./compose/production/django/start /start`, or a
 * compose bind mount puts there: `./backend:/usr/src/app`; a relative path is taken from the container's working
 * folder first: `WORKDIR /app` + `COPY ./backend .` makes `./entrypoint.sh` the workspace's `backend/entrypoint.sh`;
 * a wrapper the Dockerfile writes with `RUN echo ... > /start-wrapper.sh` is the script it hands over to).
 */
export function scriptOf(ws: Workspace, command: StartCommand, cwd: string, image?: ImageBuild): { isScriptRunner: boolean; file?: string } {
  const program = command.program;
  const args = command.args.map((a) => a.value);
  const shell = /^(ba|da)?sh$/.test(program);
  const word = command.programWord.value;
  // An absolute path only exists in the container; a relative one is looked up there first, then beside the deploy.
  // A wrapper the Dockerfile writes itself (`RUN echo 'cd /app && bash ./start.sh' > /start-wrapper.sh`) stands for
  // the workspace script it runs.
  const copied = (path: string) => (image && (path.startsWith('/') || /^[\w.-]/.test(path)) ? containerFileSource(ws, image, path) ?? wrappedScript(ws, image, path) : undefined);
  if (program === 'source' || program === '.') {
    // `. ./start.sh` runs the script in this shell; one not in the workspace (`source venv/bin/activate`) only sets it up.
    const path = args[0];
    const file = path === undefined ? undefined : copied(path) ?? resolveInWorkspace(ws, cwd, path);
    return file !== undefined && /\.(sh|bash)$/.test(file) ? { isScriptRunner: true, file } : { isScriptRunner: false };
  }
  if (!shell) {
    // A bare name is run from the image's PATH (`ENV PATH="/scripts:$PATH"` + `CMD ["run.sh"]`).
    const onPath = image ? containerCommandSource(ws, image, word) : undefined;
    if (/\.sh$/.test(program)) {
      return { isScriptRunner: true, file: copied(word) ?? resolveInWorkspace(ws, cwd, word) ?? onPath ?? onlyScriptNamed(ws, word) };
    }
    const file = /\//.test(word) ? shebangScript(ws, copied(word) ?? resolveInWorkspace(ws, cwd, word), word) : onPath !== undefined ? shebangScript(ws, onPath, `/${word}`) : undefined;
    return file === undefined ? { isScriptRunner: false } : { isScriptRunner: true, file };
  }
  const path = args.find((a) => !a.startsWith('-'));
  return { isScriptRunner: true, file: path === undefined ? undefined : copied(path) ?? resolveInWorkspace(ws, cwd, path) ?? onlyScriptNamed(ws, path) };
}

/**
 * An extensionless shell script of the workspace run by path (`bin/docker-entrypoint`, `./start`, cookiecutter-django's
 * `/start` copied into the image): its first line is a `#!` for sh, bash or dash. Returns the file when it is one.
 */
function shebangScript(ws: Workspace, file: string | undefined, path: string): string | undefined {
  if (file === undefined || !path.includes('/') || /\.\w+$/.test(path)) return undefined;
  const text = ws.read(file);
  return text !== undefined && /^#!\s*(\/usr)?\/bin\/(env\s+)?(ba|da)?sh\b/.test(text) ? file : undefined;
}

/**
 * The one workspace script with that name, for a path the image maps elsewhere (`COPY shynet .` then
 * `CMD ["./entrypoint.sh"]`, a Kubernetes container running `./celeryworker.sh` from the published image).
 * Undefined when no file or several have the name: then nothing is guessed.
 */
function onlyScriptNamed(ws: Workspace, path: string): string | undefined {
  if (/[$`]/.test(path)) return undefined;
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (!/\.(sh|bash)$/.test(name)) return undefined;
  const found = ws.files().filter((f) => (f === name || f.endsWith(`/${name}`)) && !/(^|\/)(node_modules|\.git|tests?|docs?)\//.test(f));
  return found.length === 1 ? found[0] : undefined;
}

export function resolveInWorkspace(ws: Workspace, cwd: string, path: string): string | undefined {
  if (/[$`]/.test(path)) return undefined;
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  for (let i = 0; i < parts.length; i++) {
    for (const candidate of [joinPath(cwd, parts.slice(i).join('/')), parts.slice(i).join('/')]) if (ws.exists(candidate)) return candidate;
  }
  return undefined;
}

/**
 * A command that finishes before the next one starts (`migrate && gunicorn`, `npm ci; node app.js`, a line of
 * a shell script that is not the last): a setup step, not a process of the deploy.
 */
export function isSetupStep(text: string, command: StartCommand, file: string): boolean {
  // `celery multi start` and `gunicorn --daemon` return at once, leaving their workers running: processes, not steps.
  if (startsDaemons(command)) return false;
  const last = command.args.length ? command.args[command.args.length - 1] : command.programWord;
  let i = last.end;
  while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '"' || text[i] === "'" || text[i] === ']' || text[i] === ',')) i++;
  if (text.startsWith('&&', i) || text.startsWith('||', i) || text[i] === ';') return true;
  if (text[i] === '&') return false;
  // In a shell script each line runs after the previous one finished: only `exec` and the last command stay.
  // (A supervisord .conf lists programs that all run: none is a step.)
  if (/\.sh$/.test(file) || (!classifyDeployFile(file) && !/\.(json|ya?ml|toml|conf)$/.test(file))) {
    if (startedWithExec(text, command)) return false;
    const lineEnd = text.indexOf('\n', i);
    const later = lineEnd === -1 ? [] : text.slice(lineEnd + 1).split('\n').map((l) => l.trim());
    // A message printed after the server (`echo "--- server stopped ---"`) runs only once it has exited, and so does
    // the hand-over to the container's arguments (`exec "$@"`) after a server that stays in the foreground.
    const handover = foregroundServer(command);
    return laterCommands(later).some((l) => l !== '' && !l.startsWith('#') && !/^(wait|exit|fi|done|esac|echo|printf|\}|;;)\b/.test(l) && !(handover && HANDOVER.test(l)));
  }
  return false;
}

/** A script's command started with `exec`: it replaces the script's shell, so nothing after it in the script runs. */
export function startedWithExec(text: string, command: StartCommand): boolean {
  const lineStart = text.lastIndexOf('\n', command.programWord.start - 1) + 1;
  return /\bexec\s/.test(text.slice(lineStart, command.programWord.start));
}

/** `exec "$@"`, `exec $@`, `"${@}"`: a script handing over to the arguments it was given. */
const HANDOVER = /^(exec\s+)?("?)\$(\{@\}|@|\*)\2\s*(;|$)/;
/** Servers and workers that serve until the container stops, unless told to go to the background. */
const FOREGROUND = /^(gunicorn|uvicorn|hypercorn|daphne|granian|waitress-serve|uwsgi|streamlit)$/;

/** A server or worker started in the foreground: a script's later lines only run once it has exited. */
function foregroundServer(command: StartCommand): boolean {
  const values = command.args.map((a) => a.value);
  if (startsDaemons(command) || values.some((v) => /^(--daemon|-D|--daemonize|--detach)(=|$)/.test(v))) return false;
  if (FOREGROUND.test(command.program)) return true;
  if (command.program === 'celery') return values.includes('worker') || values.includes('beat');
  const script = values.find((v) => !v.startsWith('-'));
  return /^python(\d+(\.\d+)?)?$/.test(command.program) && script !== undefined && /(^|\/)manage\.py$/.test(script) && /^runserver(_plus)?$/.test(values[values.indexOf(script) + 1] ?? '');
}

function startsDaemons(command: StartCommand): boolean {
  const values = command.args.map((a) => a.value);
  if (command.program === 'celery') return values.includes('multi') && (values.includes('start') || values.includes('restart'));
  return command.program === 'gunicorn' && (values.includes('-D') || values.includes('--daemon'));
}

/**
 * The lines that run after a command, leaving out the other branches of the `if` it is in: after
 * `then gunicorn ...` the `else runserver` branch never runs, so gunicorn is the last command of its branch.
 */
function laterCommands(lines: readonly string[]): string[] {
  const out: string[] = [];
  let depth = 0;
  let skipping = false;
  for (const line of lines) {
    const word = /^(if|fi|else|elif|case|esac)\b/.exec(line)?.[1];
    if (word === 'if' || word === 'case') depth++;
    else if (word === 'fi' || word === 'esac') {
      if (depth === 0) skipping = false;
      else depth--;
    } else if ((word === 'else' || word === 'elif') && depth === 0) skipping = true;
    if (!skipping) out.push(line);
  }
  return out;
}

/**
 * True when `offset` of a shell script lies inside an `if`/`case` block: the command there may not run, or runs
 * instead of another one (`if [ "$ENV" = dev ]; then uvicorn --reload ...; else uvicorn --workers 2 ...; fi`).
 */
export function inShellConditional(text: string, offset: number): boolean {
  const before = text.slice(0, offset).replace(/#[^\n]*/g, '').replace(/"[^"\n]*"|'[^'\n]*'/g, '""');
  let depth = 0;
  for (const m of before.matchAll(/(?:^|[\s;&|()])(if|case|fi|esac)(?=[\s;]|$)/g)) depth += m[1] === 'if' || m[1] === 'case' ? 1 : -1;
  return depth > 0;
}
