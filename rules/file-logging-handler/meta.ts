/**
 * file-logging-handler's meta, owned once by its folder: the id, severity, fix safety and message ids of its Python,
 * uWSGI and Node implementations, which add their file kinds, trigger and docs.
 */
import type { RuleMeta } from '../api';

export const fileLoggingHandlerMeta = {
  id: 'file-logging-handler',
  defaultSeverity: 'warning',
  fix: 'unsafe',
  messages: {
    'config-file-handler': 'Logs to {{file}} from a logging config file, never rotated: rotate it or log to stdout',
    'duplicated-config': 'Logs every record twice, to {{file}} and the console: remove the "{{handler}}" handler',
    'duplicated-handler': 'Logs every record twice, to {{file}} and the console: remove this handler',
    'file-in-container': 'Writes logs to {{file}} in the container ({{keeps}}): log to stdout',
    'gunicorn-log-file': 'Gunicorn appends its {{log}} log to {{file}}, never rotated: set {{setting}} = "-"',
    'gunicorn-log-flag': 'Gunicorn appends its {{log}} log to {{file}}, never rotated: log to "-"',
    'uwsgi-log-file': 'uWSGI appends its log to {{file}}, never rotated: log to stderr',
  },
} satisfies Pick<RuleMeta, 'id' | 'defaultSeverity' | 'fix' | 'messages'>;
