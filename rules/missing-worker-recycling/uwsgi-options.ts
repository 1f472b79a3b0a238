/**
 * uWSGI's worker-recycling options, shared by the `[uwsgi]` INI check and the `uwsgi --module ...` command check:
 * the same options are INI keys, command-line flags and `UWSGI_*` environment variables.
 */
import { hasOption, type StartCommand } from '../../analysis/deploy/commands';

/** uWSGI options that replace a worker after some requests, memory or time (`harakiri` only kills stuck requests). */
export const UWSGI_RECYCLING = ['max-requests', 'reload-on-rss', 'reload-on-as', 'evil-reload-on-rss', 'evil-reload-on-as', 'max-worker-lifetime', 'cheaper-rss-limit-soft'];
/** The same options given on a command line. */
export const UWSGI_RECYCLING_FLAGS = UWSGI_RECYCLING.map((o) => `--${o}`);
/** The same options as `UWSGI_MAX_REQUESTS` environment variables. */
export const UWSGI_RECYCLING_ENV = /\bUWSGI_(MAX_REQUESTS|RELOAD_ON_RSS|RELOAD_ON_AS|EVIL_RELOAD_ON_RSS|EVIL_RELOAD_ON_AS|MAX_WORKER_LIFETIME)\b/;

/** Flags that load a config file (which then decides recycling, and is checked as a file of its own). */
const UWSGI_CONFIG_FLAGS = ['--ini', '--yaml', '-y', '--yml', '--json', '-j', '--xml', '-x', '--emperor', '--include', '--ini-paste', '--ini-paste-logged', '--sqlite3', '--ldap'];
/** Flags that name the app the workers serve: without one the command is no app server (`uwsgi --version`). */
const UWSGI_APP_FLAGS = ['--module', '-w', '--wsgi', '--wsgi-file', '--file', '--mount', '--callable', '--http', '--http-socket', '--socket', '-s', '--uwsgi-socket', '--https', '--chdir', '--psgi', '--rack'];

/** A uWSGI app server fully set up on its command line with no recycling flag: no config file, nothing in UWSGI_* variables. */
export function uwsgiCommandWithoutRecycling(command: StartCommand, envNames: readonly string[]): boolean {
  if (command.program !== 'uwsgi') return false;
  const args = command.args.map((a) => ({ ...a, value: a.value.replace(/^(--[\w-]+)/, (flag) => flag.replace(/_/g, '-')) }));
  // `uwsgi app.ini`: a lone config file as an argument.
  if (args.some((a) => /\.(ini|ya?ml|json|xml)$/.test(a.value) || /^(https?|emperor):/.test(a.value))) return false;
  if (hasOption(args, UWSGI_CONFIG_FLAGS) || !hasOption(args, UWSGI_APP_FLAGS)) return false;
  if (hasOption(args, UWSGI_RECYCLING_FLAGS)) return false;
  return !envNames.some((name) => UWSGI_RECYCLING_ENV.test(name) || /^UWSGI_(INI|YAML|JSON|XML|EMPEROR)$/.test(name));
}
