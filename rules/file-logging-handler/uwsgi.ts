/**
 * file-logging-handler in uWSGI INI configs: `logto`, `logto2`, `daemonize` or a `logger = file:...` that sends the
 * served app's whole request and error log to a file with no `log-maxsize` (uWSGI's own rotation), in a project that
 * runs in containers (a Dockerfile or compose file): the file grows in the container's writable layer until it is gone.
 */
import { defineRule, type RuleContext } from '../api';
import { readIni, uwsgiOptionName, type IniEntry } from '../../analysis/deploy/ini-read';
import python from './python';
import { fileLoggingHandlerMeta } from './meta';
import { runsInContainers } from './containers';

/** Options that make uWSGI write its log to a file (`daemonize` does when given a path). */
const LOG_FILE_OPTIONS = new Set(['logto', 'logto2', 'daemonize', 'daemonize2']);
/** `logger = file:/var/log/app.log`, `req-logger = file:logfile=/x,maxsize=N`. */
const LOGGER_OPTIONS = new Set(['logger', 'req-logger']);
/** Paths that are the process's own output streams. */
const STREAM_PATHS = /^(\/dev\/(stdout|stderr|null)|\/proc\/(self|1)\/fd\/[12])$/;

export default defineRule({
  meta: {
    ...fileLoggingHandlerMeta,
    kinds: ['ini'],
    trigger: /\b(logto2?|daemonize2?|logger)\s*=/,
    docs: {
      ...python.meta.docs!,
      summary: 'A containerised uWSGI app that logs to a file with no size cap.',
      whatItDoes:
        'In a `[uwsgi]` section of a project that runs in containers (it has a Dockerfile or compose file): `logto`, `logto2`, ' +
        '`daemonize` and `logger = file:...` / `req-logger = file:...` writing to a path, with no `log-maxsize` (and no ' +
        '`maxsize=` in the logger spec); a config opened alone, with no workspace, is judged by itself. Not reported: `/dev/stdout`, `/dev/stderr`, a value from an environment variable (`$(LOG_FILE)`).',
      example: { fileName: 'uwsgi.ini', code: '[uwsgi]\nmodule = app:app\nsocket = /tmp/app.sock\nlogto = /var/log/uwsgi/app.log\n' },
      useInstead: { fileName: 'uwsgi.ini', code: '[uwsgi]\nmodule = app:app\nsocket = /tmp/app.sock\n' },
      fixSafety: 'No fix: where the log should go (stderr, a mounted volume with log-maxsize) is the deploy\'s choice.',
      notes: 'A `log-maxsize` anywhere in the section counts as a cap for all its log files.',
    },
  },
  check(ctx) {
    // A config opened on its own (no workspace files around it) is judged by itself.
    if (!runsInContainers(ctx)) return;
    for (const section of readIni(ctx.file.text)) {
      if (section.name !== 'uwsgi') continue;
      const options = section.entries.map((e) => uwsgiOptionName(e.key));
      if (options.includes('log-maxsize')) continue;
      for (const entry of section.entries) {
        const path = logFile(entry);
        if (path) report(ctx, entry, path);
      }
    }
  },
});

/** The file an option sends the log to, or undefined. */
function logFile(entry: IniEntry): string | undefined {
  const option = uwsgiOptionName(entry.key);
  let value = entry.value.trim();
  if (LOGGER_OPTIONS.has(option)) {
    const spec = /^(?:\w+\s+)?file:(.+)$/.exec(value)?.[1];
    if (!spec || /\bmaxsize=/.test(spec)) return undefined;
    value = /\blogfile=([^,]+)/.exec(spec)?.[1] ?? spec;
  } else if (!LOG_FILE_OPTIONS.has(option)) return undefined;
  if (!value || value.includes('$(') || STREAM_PATHS.test(value) || !/[/.]/.test(value)) return undefined;
  return value;
}

function report(ctx: RuleContext, entry: IniEntry, path: string): void {
  ctx.report({
    start: entry.keyStart,
    end: entry.lineEnd,
    messageId: 'uwsgi-log-file',
    data: { file: path.length > 36 ? `${path.slice(0, 33)}...` : path },
    detail:
      `uWSGI appends every request and error line of the app to ${path} and never rotates it (no log-maxsize), in the container's ` +
      'writable layer, which is RAM-backed or a small ephemeral disk on many platforms, and which the platform\'s log viewer never reads. ' +
      'Drop the option so uWSGI logs to stderr, or add log-maxsize.',
  });
}
