/**
 * Servers whose code reloader runs as a process of its own beside the one that serves: the reloader supervises a
 * child it restarts on every file change, so a deploy that ships the flag keeps two Python processes per instance.
 *
 * - uvicorn `--reload` (or `UVICORN_RELOAD=true`): the supervisor process watches the files and spawns the server.
 * - FastAPI's CLI: `fastapi dev` reloads unless `--no-reload`; `fastapi run` only with `--reload`.
 * - Flask: `flask run --reload`, or debug mode (`flask --debug run`, `flask run --debug`, `FLASK_DEBUG=1`) unless
 *   `--no-reload`: Werkzeug's reloader re-runs the whole command in a child, the parent keeps the app it imported.
 * - Django: `manage.py runserver` (and django-extensions' `runserver_plus`) unless `--noreload`: the autoreloader's
 *   parent has already set Django up (every app and model imported) and restarts a child that serves.
 *
 * gunicorn's `--reload` is a thread in each worker and hypercorn's a watch in the process that always supervises its
 * workers: neither adds a process, so neither is one here.
 */
import type { EnvSetting, StartCommand, Word } from './commands-build';

export interface Reloader {
  /** How the command turns the reloader on, for the message: `uvicorn --reload`, `manage.py runserver`. */
  how: string;
  /** The word that turns it on, when one does (the fix drops it); else the word after which `off` is inserted. */
  flag?: Word;
  /** Where a flag turning it off goes, and which (`--noreload` for runserver). */
  off?: { after: Word; args: string[] };
}

const TRUE = /^(1|true|yes|on)$/i;
const PYTHON = /^python(\d+(\.\d+)?)?$/;

/** The reloader a start command runs, if any. `env` holds the settings that reach it (its file's, scoped to it). */
export function reloaderOf(command: StartCommand, env: readonly Pick<EnvSetting, 'name' | 'value'>[] = []): Reloader | undefined {
  const values = command.args.map((a) => a.value);
  const envValue = (name: string) => {
    const prefix = command.env.find((w) => w.value.startsWith(`${name}=`));
    if (prefix) return prefix.value.slice(name.length + 1);
    for (let i = env.length - 1; i >= 0; i--) if (env[i].name === name) return env[i].value.value;
    return undefined;
  };
  const flag = (name: string) => command.args.find((a) => a.value === name);
  switch (command.program) {
    case 'uvicorn': {
      const reload = flag('--reload');
      if (reload) return { how: 'uvicorn --reload', flag: reload };
      return TRUE.test(envValue('UVICORN_RELOAD') ?? '') ? { how: 'uvicorn with UVICORN_RELOAD' } : undefined;
    }
    case 'fastapi': {
      const sub = values.find((v) => !v.startsWith('-'));
      const reload = flag('--reload');
      if (sub === 'run' && reload) return { how: 'fastapi run --reload', flag: reload };
      if (sub === 'dev' && !values.includes('--no-reload')) return { how: 'fastapi dev', off: { after: command.args[values.indexOf('dev')], args: ['--no-reload'] } };
      return undefined;
    }
    case 'flask':
      return flaskReloader(command, values, envValue);
    default:
      return PYTHON.test(command.program) ? djangoReloader(command, values) : undefined;
  }
}

function flaskReloader(command: StartCommand, values: string[], envValue: (name: string) => string | undefined): Reloader | undefined {
  const run = values.indexOf('run');
  if (run < 0 || values.includes('--no-reload') || values.includes('--no-debug')) return undefined;
  const reload = command.args.find((a) => a.value === '--reload');
  if (reload) return { how: 'flask run --reload', flag: reload };
  const debug = command.args.find((a) => a.value === '--debug');
  const off = { after: command.args[run], args: ['--no-reload'] };
  if (debug) return { how: 'flask --debug run', off };
  return TRUE.test(envValue('FLASK_DEBUG') ?? '') || envValue('FLASK_ENV') === 'development' ? { how: 'flask run in debug mode', off } : undefined;
}

/** `python manage.py runserver` / `runserver_plus` without `--noreload`. */
function djangoReloader(command: StartCommand, values: string[]): Reloader | undefined {
  const script = values.find((v) => !v.startsWith('-'));
  if (!script || !/(^|\/)manage\.py$/.test(script)) return undefined;
  const at = values.indexOf(script) + 1;
  const sub = values[at];
  if (sub !== 'runserver' && sub !== 'runserver_plus') return undefined;
  if (values.includes('--noreload')) return undefined;
  return { how: `manage.py ${sub}`, off: { after: command.args[at], args: ['--noreload'] } };
}
