/**
 * missing-worker-recycling in INI deploy configs: a uWSGI `[uwsgi]` app server with no recycling option
 * (`max-requests`, `reload-on-rss`, `max-worker-lifetime`...), and the gunicorn/celery commands of supervisord
 * `[program:x]` sections (checked as the deploy-file implementation checks any start command).
 */
import { defineRule, type RuleContext } from '../api';
import { Workspace } from '../../analysis/deploy/deploy-files';
import { findDeploys } from '../../analysis/deploy/deploys';
import { supervisordCommands } from '../../analysis/deploy/deploy-builder';
import { hasOption } from '../../analysis/deploy/commands';
import { otherDeployFiles } from '../../analysis/deploy/gunicorn-config';
import { readIni, uwsgiOptionName, type IniSection } from '../../analysis/deploy/ini-read';
import { missingWorkerRecyclingDocs, missingWorkerRecyclingMeta } from './meta';
import { checkStartCommand } from './deploy';
import { commandsFromLine, type StartCommand } from '../../analysis/deploy/commands-build';
import { MappedText } from '../../analysis/deploy/commands-text';
import { UWSGI_RECYCLING, UWSGI_RECYCLING_ENV, UWSGI_RECYCLING_FLAGS } from './uwsgi-options';

/** Options that make a `[uwsgi]` section an app server (not a config fragment of routes or logging). */
const UWSGI_APP = new Set(['module', 'wsgi-file', 'wsgi', 'file', 'mount', 'http', 'http-socket', 'socket', 'uwsgi-socket', 'https', 'callable', 'chdir']);

export default defineRule({
  meta: {
    ...missingWorkerRecyclingMeta,
    kinds: ['ini'],
    trigger: /\[uwsgi\]|gunicorn|celery/,
    docs: missingWorkerRecyclingDocs.ini,
  },
  check(ctx) {
    const sections = readIni(ctx.file.text);
    for (const section of sections) {
      if (section.name !== 'uwsgi') continue;
      checkUwsgi(ctx, section);
      for (const command of daemonCommands(ctx.file.text, section)) checkStartCommand(ctx, command, []);
    }
    if (sections.some((s) => s.name.startsWith('program:'))) {
      for (const command of supervisordCommands(ctx.file.text)) checkStartCommand(ctx, command, []);
    }
  },
});

/** Options that give uWSGI a socket to take requests on. */
const UWSGI_SOCKETS = new Set(['http', 'http-socket', 'https', 'https-socket', 'socket', 'uwsgi-socket', 'shared-socket', 'fastcgi-socket', 'scgi-socket', 'http-socket-modifier1', 'suwsgi-socket', 'zerg']);

function checkUwsgi(ctx: RuleContext, section: IniSection): void {
  const options = section.entries.map((e) => uwsgiOptionName(e.key));
  if (!options.some((o) => UWSGI_APP.has(o))) return;
  // A process that only hosts `attach-daemon` commands (a Celery worker beside the app) and opens no socket serves no
  // request: its worker never counts one, and the daemons it starts are judged by their own commands.
  if (options.some((o) => /^(smart-)?attach-daemon2?$/.test(o)) && !options.some((o) => UWSGI_SOCKETS.has(o))) return;
  if (options.some((o) => UWSGI_RECYCLING.includes(o))) return;
  if (recyclingGivenElsewhere(ctx)) return;
  const count = section.entries.find((e) => ['processes', 'workers', 'p'].includes(uwsgiOptionName(e.key)));
  const n = Number(count?.value);
  const processes = Number.isFinite(n) && n > 0 ? `${n} worker${n === 1 ? '' : 's'}` : 'its workers';
  const max = ctx.options.maxRequests as number;
  const spaced = (count ?? section.entries[0])?.value !== undefined && /\s=\s/.test(ctx.file.text.slice(section.headerEnd, (count ?? section.entries[0]).lineEnd));
  const line = spaced ? `max-requests = ${max}` : `max-requests=${max}`;
  const eol = /\r\n/.test(ctx.file.text) ? '\r\n' : '\n';
  const [start, end] = count ? [count.keyStart, count.keyEnd] : [section.start, section.start + '[uwsgi]'.length];
  ctx.report({
    start,
    end,
    messageId: 'uwsgi',
    detail:
      `Without max-requests, reload-on-rss or max-worker-lifetime uWSGI never replaces ${processes}. Memory a worker leaks or ` +
      `fragments is only returned when the process exits, so it builds up until the instance runs out of memory. Add ${line}.`,
    fixes: [{ title: `Add ${line}`, edits: [{ start: section.headerEnd, end: section.headerEnd, newText: `${eol}${line}` }] }],
  });
}

/** A deploy runs uWSGI with a recycling flag, or an environment sets `UWSGI_MAX_REQUESTS` and the like. */
function recyclingGivenElsewhere(ctx: RuleContext): boolean {
  for (const deploy of findDeploys(Workspace.of(ctx))) {
    if (deploy.env.some((e) => UWSGI_RECYCLING_ENV.test(e.name))) return true;
    if (deploy.processes.some((p) => p.command.program === 'uwsgi' && hasOption(p.command.args, UWSGI_RECYCLING_FLAGS))) return true;
  }
  return otherDeployFiles(ctx).some((f) => UWSGI_RECYCLING_ENV.test(f.text));
}

/** Options that make uWSGI start and supervise a command beside its workers (a Celery worker, a beat). */
const DAEMON_OPTIONS = /^(smart-)?attach-(control-)?daemon2?$|^attach-daemon-as-root$/;

/**
 * The commands `attach-daemon = celery -A proj worker`, `smart-attach-daemon = /tmp/celery.pid celery ...` and
 * `attach-daemon2 = cmd=celery ...,freq=3` start: processes of the deploy, judged as any start command is.
 */
function daemonCommands(text: string, section: IniSection): StartCommand[] {
  const out: StartCommand[] = [];
  for (const entry of section.entries) {
    const option = uwsgiOptionName(entry.key);
    if (!DAEMON_OPTIONS.test(option) || entry.conditional) continue;
    const valueStart = text.indexOf(entry.value, entry.keyEnd);
    if (valueStart < 0 || !entry.value) continue;
    let start = valueStart;
    let end = valueStart + entry.value.length;
    if (option.endsWith('daemon2')) {
      // key=value pairs: the command is `cmd=...` up to the next `,key=`.
      const m = /(?:^|,)cmd=(.*?)(?=,\w+=|$)/.exec(entry.value);
      if (!m) continue;
      start = valueStart + m.index + m[0].indexOf('cmd=') + 4;
      end = start + m[1].length;
    } else if (option.startsWith('smart-')) {
      // `smart-attach-daemon = <pidfile> <command>`
      const m = /^\S+\s+/.exec(entry.value);
      if (!m) continue;
      start = valueStart + m[0].length;
    }
    out.push(...commandsFromLine(MappedText.of(text, start, end), 'shell', 'procfile', `uwsgi ${option}`));
  }
  return out;
}
