/**
 * file-logging-handler in deploy commands: gunicorn started with `--access-logfile`, `--error-logfile` or `--log-file`
 * naming a file (a compose `command:`, a Dockerfile CMD, a Procfile line, or a start script a deploy runs). Gunicorn
 * appends to the file and never rotates it, as with `accesslog`/`errorlog` in its config file (python.ts). The same
 * flags in `GUNICORN_CMD_ARGS` count too.
 */
import { defineRule, type RuleContext } from '../api';
import { envSettings, hasOption, optionValues, startCommands, valueRange, wordsOf, type StartCommand, type Word } from '../../analysis/deploy/commands';
import { scriptProcesses } from '../../analysis/deploy/script-processes';
import python from './python';
import { fileLoggingHandlerMeta } from './meta';
import { runsInContainers } from './containers';

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
        'scripts these run) with `--access-logfile`, `--error-logfile` or `--log-file` naming a file, also in `GUNICORN_CMD_ARGS` set beside the ' +
        'command or in the image. Not reported: `-`, ' +
        '`/dev/stdout`, `/dev/stderr`, a path read from a variable, a command that also loads `--log-config`, and commands of ' +
        'development files (`docker-compose.dev.yml`, a server run with `--reload`), nor in a project with no Dockerfile or ' +
        'compose file (a VM\'s logrotate may look after the file).',
      example: { fileName: 'docker-compose.yml', code: 'services:\n  web:\n    build: .\n    command: gunicorn app.wsgi --access-logfile /app/logs/access.log\n' },
      useInstead: { fileName: 'docker-compose.yml', code: 'services:\n  web:\n    build: .\n    command: gunicorn app.wsgi --access-logfile -\n' },
      fixSafety: 'Unsafe: the fix sends the log to stdout/stderr (`-`), where the platform collects it; anything that reads the file stops getting lines.',
      notes: 'A log file on a mounted host folder still grows without limit: gunicorn never rotates it.',
    },
  },
  check(ctx) {
    // On a VM the file sits on the instance's disk, where the host's logrotate may well look after it.
    if (!runsInContainers(ctx)) return;
    const commands: StartCommand[] = ctx.file.kind === 'shell' ? scriptProcesses(ctx).map((p) => p.command) : startCommands(ctx);
    const seen = new Set<number>();
    for (const command of commands) {
      if (command.program !== 'gunicorn' || seen.has(command.programWord.start)) continue;
      seen.add(command.programWord.start);
      checkCommand(ctx, command.args);
    }
    if (ctx.file.kind !== 'shell') checkCmdArgs(ctx, commands);
  },
});

/**
 * `GUNICORN_CMD_ARGS="--access-logfile /app/logs/access.log"` (gunicorn reads its flags from the variable too), set
 * beside the gunicorn command it applies to (the same compose service), or in an image that starts a process.
 */
function checkCmdArgs(ctx: RuleContext, commands: readonly StartCommand[]): void {
  const seen = new Set<number>();
  for (const setting of envSettings(ctx)) {
    if (setting.name !== 'GUNICORN_CMD_ARGS' || seen.has(setting.nameStart)) continue;
    seen.add(setting.nameStart);
    const servers = commands.filter((c) => c.program === 'gunicorn' && (!setting.scope || !c.name || c.name === setting.scope));
    if (servers.length === 0 && !(ctx.file.kind === 'dockerfile' && commands.length > 0)) continue;
    if (servers.some((c) => hasOption(c.args, LOG_CONFIG_FLAGS))) continue;
    checkCommand(ctx, wordsOf(setting.value));
  }
}

/** One finding per command, on its first log file, with a fix that sends every file log to its stream. */
function checkCommand(ctx: RuleContext, args: readonly Word[]): void {
  if (hasOption(args, LOG_CONFIG_FLAGS)) return;
  const files: { flag: string; file: string; log: string; stream: string; start: number; end: number }[] = [];
  for (const [flag, kind] of Object.entries(LOG_FLAGS)) {
    const given = optionValues(args, [flag]).pop();
    const file = given?.value;
    if (!given || !file || file === '-' || STREAM_FILES.test(file) || /[$`]/.test(file)) continue;
    const [start, end] = valueRange(given);
    files.push({ flag, file, ...kind, start, end });
  }
  if (files.length === 0) return;
  files.sort((a, b) => a.start - b.start);
  const [first] = files;
  const logs = [...new Set(files.map((f) => f.log))].join(' and ');
  const flags = files.map((f) => `${f.flag} -`).join(' ');
  ctx.report({
    start: first.start,
    end: first.end,
    messageId: 'gunicorn-log-flag',
    data: { log: logs, file: first.file.length > 24 ? `...${first.file.slice(-21)}` : first.file },
    detail:
      `Gunicorn appends every ${logs} log line to ${files.map((f) => f.file).join(' and ')} and never rotates ${files.length > 1 ? 'them' : 'it'}: ` +
      `${files.length > 1 ? 'they grow' : 'it grows'} without limit in the container, and the platform's log viewer never sees ${files.length > 1 ? 'them' : 'it'}. ` +
      `${flags} sends ${files.length > 1 ? 'them' : 'it'} to ${[...new Set(files.map((f) => f.stream))].join(' and ')}.`,
    fixes: [{ title: `Send the ${logs} log to ${[...new Set(files.map((f) => f.stream))].join(' and ')} with ${flags}`, edits: files.map((f) => ({ start: f.start, end: f.end, newText: '-' })) }],
  });
}
