/**
 * file-logging-handler in deploy commands: gunicorn started with `--access-logfile`, `--error-logfile` or `--log-file`
 * naming a file (a compose `command:`, a Dockerfile CMD, a Procfile line, or a start script a deploy runs). Gunicorn
 * appends to the file and never rotates it, as with `accesslog`/`errorlog` in its config file (python.ts).
 */
import { defineRule, type RuleContext } from '../api';
import { hasOption, optionValues, startCommands, valueRange, type StartCommand } from '../../analysis/deploy/commands';
import { scriptProcesses } from '../../analysis/deploy/script-processes';
import python from './python';
import { fileLoggingHandlerMeta } from './meta';

const LOG_FLAGS: Record<string, { log: string; stream: string }> = {
  '--access-logfile': { log: 'access', stream: 'stdout' },
  '--error-logfile': { log: 'error', stream: 'stderr' },
  '--log-file': { log: 'error', stream: 'stderr' },
};
/** With one of these, gunicorn's dictConfig/fileConfig replaces the handlers the log-file flags set up. */
const LOG_CONFIG_FLAGS = ['--log-config', '--log-config-dict', '--log-config-json'];
/** Paths that are the process's own output streams. */
const STREAM_FILES = /^(\/dev\/(stdout|stderr|null)|\/proc\/(self|1)\/fd\/[12])$/;

export default defineRule({
  meta: {
    ...fileLoggingHandlerMeta,
    kinds: ['procfile', 'dockerfile', 'yaml', 'toml', 'json', 'shell'],
    trigger: /--(access-logfile|error-logfile|log-file)\b/,
    docs: {
      ...python.meta.docs!,
      summary: 'A deploy that starts gunicorn with its access or error log going to a file that is never rotated.',
      whatItDoes:
        'Finds gunicorn start commands a deploy runs (Dockerfile `CMD`, compose `command:`, Procfile, render.yaml, and the start ' +
        'scripts these run) with `--access-logfile`, `--error-logfile` or `--log-file` naming a file. Not reported: `-`, ' +
        '`/dev/stdout`, `/dev/stderr`, a path read from a variable, a command that also loads `--log-config`, and commands of ' +
        'development files (`docker-compose.dev.yml`, a server run with `--reload`).',
      example: { fileName: 'docker-compose.yml', code: 'services:\n  web:\n    build: .\n    command: gunicorn app.wsgi --access-logfile /app/logs/access.log\n' },
      useInstead: { fileName: 'docker-compose.yml', code: 'services:\n  web:\n    build: .\n    command: gunicorn app.wsgi --access-logfile -\n' },
      fixSafety: 'Unsafe: the fix sends the log to stdout/stderr (`-`), where the platform collects it; anything that reads the file stops getting lines.',
      notes: 'A log file on a mounted host folder still grows without limit: gunicorn never rotates it.',
    },
  },
  check(ctx) {
    const commands: StartCommand[] = ctx.file.kind === 'shell' ? scriptProcesses(ctx).map((p) => p.command) : startCommands(ctx);
    const seen = new Set<number>();
    for (const command of commands) {
      if (command.program !== 'gunicorn' || seen.has(command.programWord.start)) continue;
      seen.add(command.programWord.start);
      checkCommand(ctx, command);
    }
  },
});

function checkCommand(ctx: RuleContext, command: StartCommand): void {
  if (hasOption(command.args, LOG_CONFIG_FLAGS)) return;
  for (const [flag, kind] of Object.entries(LOG_FLAGS)) {
    const given = optionValues(command.args, [flag]).pop();
    const file = given?.value;
    if (!given || !file || file === '-' || STREAM_FILES.test(file) || /[$`]/.test(file)) continue;
    const [start, end] = valueRange(given);
    ctx.report({
      start,
      end,
      messageId: 'gunicorn-log-flag',
      data: { log: kind.log, file: file.length > 36 ? `${file.slice(0, 33)}...` : file, flag },
      detail:
        `Gunicorn appends every ${kind.log} log line to ${file} and never rotates it: the file grows without limit, and the platform's ` +
        `log viewer never sees it. ${flag} - sends it to ${kind.stream}.`,
      fixes: [{ title: `Send the ${kind.log} log to ${kind.stream} with ${flag} -`, edits: [{ start, end, newText: '-' }] }],
    });
  }
}
