/**
 * file-logging-handler in Node servers: winston, pino, bunyan, log4js and morgan writing to a log file with no size
 * cap (analysis/typescript/log-file-sinks.ts), in a project a deploy runs as a Node process (a Dockerfile, compose
 * service, Procfile, render/fly/railway service or pm2 app starting node/npm/yarn/bun...). One finding per logger.
 */
import { defineRule, type RuleContext } from '../api';
import { isOfflineFile } from '../../analysis/typescript/handlers';
import { logFileSinks, type LogFileSink } from '../../analysis/typescript/log-file-sinks';
import { findDeploys } from '../../analysis/deploy/deploys';
import { Workspace } from '../../analysis/deploy/deploy-files';
import { clip } from '../shared/format';
import python from './python';
import { fileLoggingHandlerMeta } from './meta';

/** Programs that run a Node server (directly or through a package manager's script). */
const NODE_PROGRAM = /^(node|nodejs|npm|npx|yarn|pnpm|bun|nest|ts-node|tsx|pm2|pm2-runtime|next|nuxt|nuxi)$/;
const FILESYSTEM = 'the container\'s writable layer (RAM-backed or a small ephemeral disk on many platforms, lost on every deploy)';
const ADVICE: Record<LogFileSink['library'], string> = {
  winston: 'Log to the Console transport only (or set maxsize and maxFiles).',
  pino: 'Log to stdout (pino\'s default destination) and let the platform keep it.',
  bunyan: 'Log to process.stdout (or use a rotating-file stream with a count).',
  log4js: 'Use a stdout appender (or give the file appender a maxLogSize).',
  morgan: 'Let morgan write to stdout, its default (or use rotating-file-stream with a size limit).',
};

export default defineRule({
  meta: {
    ...fileLoggingHandlerMeta,
    kinds: ['typescript', 'javascript'],
    trigger: /winston|pino|bunyan|log4js|morgan/,
    docs: {
      ...python.meta.docs!,
      summary: 'A containerised Node server whose logger writes to a file with no size cap.',
      whatItDoes:
        'In a Node project that a deploy runs (a Dockerfile, compose service, Procfile, render/fly/railway service or pm2 app starting ' +
        'node, npm, yarn, pnpm or bun): winston `transports.File` without both `maxsize` and `maxFiles` (winston-daily-rotate-file ' +
        'without `maxFiles`), pino `pino.destination(\'app.log\')` and `pino/file` transport targets with a file destination, bunyan ' +
        '`{ path }` streams (not `rotating-file`), log4js `file`/`fileSync` appenders without `maxLogSize` that a category uses, and ' +
        'write streams (`fs.createWriteStream(\'access.log\')`) given to morgan, pino or pino.multistream. Each logger is reported once, on ' +
        'the file sink that takes every record, as a duplicate when a console sink of the same logger receives the same records. Not ' +
        'reported: `/dev/stdout`, file descriptors 1 and 2, sinks added under an environment check (`if (process.env.LOG_TO_FILE)`), ' +
        'scripts, tests, seeds and migrations, and projects no deploy runs as a Node process (or only in watch mode); a file ' +
        'opened alone, with no workspace, is judged by itself.',
      example: {
        fileName: 'logger.ts',
        code: `import winston from 'winston';

export const logger = winston.createLogger({
  transports: [
    new winston.transports.Console(),
    new winston.transports.File({ filename: 'logs/combined.log' }),
  ],
});
`,
      },
      useInstead: {
        fileName: 'logger.ts',
        code: `import winston from 'winston';

export const logger = winston.createLogger({
  transports: [new winston.transports.Console()],
});
`,
      },
      fixSafety: 'No fix: whether the file is read by something (a sidecar, a mounted volume) is the deploy\'s choice.',
      notes: 'A file sink whose options come from a variable or a spread is not reported: a size cap may be in them.',
    },
  },
  check(ctx) {
    if (isOfflineFile(ctx.file.relPath)) return;
    const sinks = logFileSinks(ctx.typescript());
    if (sinks.length === 0 || !runByNodeDeploy(ctx)) return;
    const byLogger = new Map<object, LogFileSink[]>();
    for (const sink of sinks) byLogger.set(sink.logger, [...(byLogger.get(sink.logger) ?? []), sink]);
    for (const group of byLogger.values()) report(ctx, group.find((s) => s.everyRecord) ?? group[0], group.length);
  },
});

function report(ctx: RuleContext, sink: LogFileSink, filesOfLogger: number): void {
  const file = sink.file;
  const others = filesOfLogger > 1 ? ` It writes ${filesOfLogger - 1} more file${filesOfLogger > 2 ? 's' : ''} the same way.` : '';
  const records = sink.everyRecord ? 'every record' : 'its records';
  ctx.report({
    start: sink.node.getStart(),
    end: sink.node.getEnd(),
    ...(sink.besideConsole
      ? {
          messageId: 'duplicated-handler',
          data: { file: clip(file, 28) },
          detail: `${sink.library} sends ${records} to ${file} as well as to the console, so every line is stored twice, the copy in ${FILESYSTEM}, where it grows without limit.${others} ${ADVICE[sink.library]}`,
        }
      : {
          messageId: 'file-in-container',
          data: { file: clip(file), keeps: 'grows without limit' },
          detail: `${sink.library} appends ${records} to ${file} in ${FILESYSTEM}; nothing caps or rotates it, and the platform's log viewer never sees it.${others} ${ADVICE[sink.library]}`,
        }),
  });
}

/**
 * A deploy of the project runs a Node process from a folder holding this file (the deploy model, built once per
 * project), not in watch mode (`nest start --watch`, `tsx watch`, `node --watch`: a developer's container).
 */
function runByNodeDeploy(ctx: RuleContext): boolean {
  const rel = ctx.file.relPath;
  // A file opened on its own (no workspace around it) is judged by itself.
  if (!ctx.project.files().some((f) => f !== rel)) return true;
  const watching = (args: readonly { value: string }[]) => args.some((a) => a.value === '--watch' || a.value === 'watch' || a.value === 'dev');
  return findDeploys(Workspace.of(ctx)).some(
    (d) => d.platform !== 'package-json' && d.processes.some((p) => NODE_PROGRAM.test(p.command.program) && !watching(p.command.args) && rel.startsWith(p.cwd)),
  );
}
