/**
 * multiple-servers-per-instance, the code reloader: a deploy whose server runs with its reloader on (`uvicorn
 * --reload`, `flask run --debug`, `manage.py runserver`, `fastapi dev`: analysis/deploy/reloaders.ts) keeps a
 * supervisor process beside the one serving, in every instance.
 *
 * The commands read are those a deploy runs: the file's own when it is a deploy file not written for a developer's
 * machine (development-deploys.ts decides by the file, here without its `--reload` sign: a deploy that ships the flag
 * runs it), and a script's, a supervisord config's or a package.json script's when a deploy follows it there.
 */
import { defineRule, type FixSpec, type RuleContext } from '../api';
import { deployFileType, envSettings, insertAfter, startCommands, type StartCommand, type Word } from '../../analysis/deploy/commands';
import { baseNameOf, Workspace } from '../../analysis/deploy/deploy-files';
import { PLATFORM_DEPLOY, platformStartsServerAbove } from '../../analysis/deploy/development-deploys';
import { missingAppPackage } from '../../analysis/deploy/missing-app';
import { inShellConditional } from '../../analysis/deploy/process-chain';
import { reloaderOf, type Reloader } from '../../analysis/deploy/reloaders';
import { scriptProcesses } from '../../analysis/deploy/script-processes';
import { multipleServersMeta } from './meta';

/** `127.0.0.1:8000`, `--host=localhost`, `--bind 127.0.0.1`. */
const LOOPBACK = /^(--host=|--bind=|-b)?(127\.0\.0\.1|localhost)(:\d+)?$/;

/** Files whose own commands are what a platform runs (package.json scripts count only when a deploy follows them). */
const DEPLOY_FILE_TYPES = new Set(['procfile', 'dockerfile', 'docker-compose', 'render', 'fly', 'railway', 'app-json', 'heroku-yml']);

export default defineRule({
  meta: {
    ...multipleServersMeta,
    kinds: ['procfile', 'dockerfile', 'yaml', 'toml', 'json', 'shell', 'ini'],
    fix: 'unsafe',
    trigger: /--reload|runserver|fastapi|flask|UVICORN_RELOAD/,
    docs: {
      summary: 'One instance whose start command runs several Node or Python app processes side by side.',
      whatItDoes:
        'Finds a deploy\'s server started with its code reloader on: `uvicorn --reload` (or `UVICORN_RELOAD=true`), ' +
        '`fastapi dev`, `fastapi run --reload`, `flask run --reload` or Flask in debug mode (`flask --debug run`, ' +
        '`FLASK_DEBUG=1`), and Django\'s `manage.py runserver`/`runserver_plus` without `--noreload`. Read in the ' +
        'commands a deploy runs: a Dockerfile `CMD`/`ENTRYPOINT`, a compose `command:`, a Procfile line, render.yaml\'s ' +
        '`startCommand`, fly.toml `[processes]`, and the scripts, supervisord programs and package.json scripts they start.',
      whyIsThisBad:
        'The reloader is a process of its own: it watches the source files and restarts the server, a child it spawned, ' +
        'on every change. Each instance then holds two Python processes where one serves (Django\'s and Flask\'s reloader ' +
        'parent has imported the whole app already), polls the disk, and restarts the server on any file write (an ' +
        'uploaded file, a log, a cache file under the app\'s folder) dropping the requests in flight.',
      example: {
        fileName: 'Dockerfile',
        code: `FROM python:3.12-slim
WORKDIR /app
COPY . .
RUN pip install -r requirements.txt
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--reload"]
`,
      },
      useInstead: {
        fileName: 'Dockerfile',
        code: `FROM python:3.12-slim
WORKDIR /app
COPY . .
RUN pip install -r requirements.txt
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]
`,
      },
      fixSafety:
        'The fix drops `--reload` (or adds `--noreload`/`--no-reload`), so code changes need a restart of the ' +
        'container. Unsafe only for a project that edits the code inside a running container: move that to a ' +
        'development compose file.',
      notes:
        'A compose file written for development (`docker-compose.dev.yml`, `docker-compose.override.yml`, one that ' +
        'mounts the checkout beside a Procfile or render.yaml running no development server itself, or runs a ' +
        'development server next to an image that starts a production one), `Procfile.dev`, `Dockerfile.dev` or a `dev` Dockerfile stage is not read, nor ' +
        'Makefile targets, READMEs or package.json scripts no deploy runs, nor a reloading server beside a platform file ' +
        '(a Procfile, render.yaml) that starts the production server itself. gunicorn\'s `--reload` (a thread in each ' +
        'worker) and hypercorn\'s (its supervisor process runs anyway) add no process and are not reported, nor a reloading ' +
        'server in an `if`/`case` branch of a start script (the development alternative of the production command).',
    },
  },
  check(ctx) {
    const seen = new Set<number>();
    for (const command of deployedCommands(ctx)) {
      if (seen.has(command.programWord.start)) continue;
      seen.add(command.programWord.start);
      const scoped = envSettings(ctx).filter((e) => e.scope === undefined || e.scope === command.name);
      const reloader = reloaderOf(command, scoped);
      if (!reloader) continue;
      // A script's `if [ "$ENV" = development ]` branch: the reloading server is the alternative a developer runs.
      if (ctx.file.kind === 'shell' && inShellConditional(ctx.file.text, command.programWord.start)) continue;
      // Beside a platform file that starts the production server itself (a Procfile's `web: gunicorn`), a reloading
      // server in a Dockerfile, compose file or script is the developer's way to run the app.
      if (!PLATFORM_DEPLOY.test(baseNameOf(ctx.file.relPath)) && platformStartsServerAbove(ctx.project, ctx.file.relPath)) continue;
      // Bound to the loopback interface inside a container, the server answers no one outside it: a developer's run.
      if ((ctx.file.kind === 'dockerfile' || ctx.file.roles.has('docker-compose')) && command.args.some((a) => LOOPBACK.test(a.value))) continue;
      // A process whose app the repository does not have exits at start (a Procfile copied from a template).
      if (missingAppPackage(Workspace.of(ctx), command, ctx.file.relPath)) continue;
      report(ctx, command, reloader);
    }
  },
});

/** The commands of this file some deploy runs. */
function deployedCommands(ctx: RuleContext): StartCommand[] {
  const followed = scriptProcesses(ctx).map((p) => p.command);
  const type = deployFileType(ctx.file);
  return type !== undefined && DEPLOY_FILE_TYPES.has(type) ? [...startCommands(ctx, { keepReloading: true }), ...followed] : followed;
}

function report(ctx: RuleContext, command: StartCommand, reloader: Reloader): void {
  const at = reloader.flag ?? command.programWord;
  const fixes: FixSpec[] = [];
  const drop = reloader.flag ? dropWord(ctx.file.text, reloader.flag) : undefined;
  if (drop) fixes.push({ title: `Remove ${reloader.flag!.value}`, edits: [drop] });
  const add = reloader.off ? insertAfter(reloader.off.after, reloader.off.args) : undefined;
  if (add) fixes.push({ title: `Add ${reloader.off!.args.join(' ')}`, edits: [add] });
  ctx.report({
    start: at.start,
    end: at.end,
    messageId: 'reloader',
    detail:
      `${reloader.how} runs the code reloader: a process that watches the source files and restarts the server, a ` +
      'child it spawned, on every change. Every instance holds it beside the server (with the whole app imported, for ' +
      `Django and Flask), and a file written under the app's folder restarts the server. ${reloader.flag ? `Remove ${reloader.flag.value}` : `Add ${reloader.off?.args.join(' ') ?? 'the option turning it off'}`} in the deploy; keep reloading for a development compose file.`,
    fixes,
  });
}

/**
 * An edit removing one word of a command with the separator before it: ` --reload` in a shell line, `, "--reload"`
 * in an exec-form array. Undefined where the word cannot go alone (a YAML block item, a word at the start).
 */
function dropWord(text: string, word: Word): { start: number; end: number; newText: string } | undefined {
  if (word.insertAfter && word.insertAfter.kind !== 'flow') return undefined;
  let start = word.start;
  while (start > 0 && (text[start - 1] === ' ' || text[start - 1] === '\t')) start--;
  if (word.insertAfter?.kind === 'flow') {
    if (text[start - 1] !== ',') return undefined;
    start--;
    while (start > 0 && (text[start - 1] === ' ' || text[start - 1] === '\t')) start--;
  } else if (start === word.start || text[start - 1] === '\n' || text[start - 1] === '\\') return undefined;
  return { start, end: word.end, newText: '' };
}
