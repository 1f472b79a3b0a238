/**
 * Start commands that only run on a developer's machine, which the deploy rules leave alone: a server started with
 * `--reload` (nobody reloads on file changes in production), a compose file for development (named for it:
 * `docker-compose.dev.yml`, `compose.local.yaml`, `docker-compose.override.yml`; a plain `docker-compose.yml`
 * beside a `docker-compose.prod.yml`; or one that mounts the source tree over the image, `.:/code`, and either sits
 * beside the platform file that is the deploy, a Procfile or render.yaml, or starts a development server while the
 * Dockerfile beside it starts a production one), a
 * `Dockerfile.dev` or `Procfile.dev`, and a Dockerfile stage built for development (`FROM base AS runtime-dev`).
 */
import type { ProjectInfo, RuleContext } from '../../rules/api';
import type { StartCommand } from './commands-build';
import { START_FILE } from '../reach';

const DEVELOPMENT_NAME = /(^|[-_.])(dev|develop|development|local|debug|test|testing|override)([-_.]|$)/i;
const PRODUCTION_COMPOSE = /^(docker-)?compose[-_.](prod|production|live|deploy)([-_.][\w.-]*)?\.ya?ml$/i;
const PLAIN_COMPOSE = /^(docker-)?compose\.ya?ml$/i;
const PRODUCTION_NAME = /(^|[-_.])(prod|production|live)([-_.]|$)/i;

export function developmentOnly(ctx: RuleContext, command: StartCommand): boolean {
  const rel = ctx.file.relPath;
  const name = rel.slice(rel.lastIndexOf('/') + 1);
  // A file named for production (`docker-compose.prod.yml`, `Dockerfile.prod`) is the deploy even when its server
  // was left with `--reload`: the flag is a mistake there, not a sign of a developer's machine.
  if (command.args.some((w) => w.value === '--reload')) return !PRODUCTION_NAME.test(name.replace(/^(docker-)?compose|dockerfile|procfile|\.ya?ml$/gi, ''));
  if (ctx.file.roles.has('docker-compose')) return developmentComposeFile(ctx.project, rel, ctx.file.text);
  // `Dockerfile.dev`, `dev.Dockerfile`, `Procfile.dev`, unless another deploy file runs it (`honcho start -f Procfile.dev`).
  if (DEVELOPMENT_NAME.test(name.replace(/dockerfile|procfile/i, ''))) return !startedByName(ctx, name);
  if (ctx.file.kind === 'dockerfile') return DEVELOPMENT_NAME.test(stageAt(ctx.file.text, command.programWord.start) ?? '');
  return false;
}

/** A compose file written for a developer's machine (see the module's comment): what its services run is not a deploy. */
export function developmentComposeFile(project: ProjectInfo, rel: string, text: string): boolean {
  const name = rel.slice(rel.lastIndexOf('/') + 1);
  const stem = name.replace(/^(docker-)?compose/i, '').replace(/\.ya?ml$/i, '');
  if (DEVELOPMENT_NAME.test(stem)) return true;
  if (!PLAIN_COMPOSE.test(name)) return false;
  const dir = rel.slice(0, rel.lastIndexOf('/') + 1);
  const besideDir = (pattern: RegExp) => project.files().some((f) => f.startsWith(dir) && !f.slice(dir.length).includes('/') && pattern.test(f.slice(dir.length)));
  if (besideDir(PRODUCTION_COMPOSE)) return true;
  // Live-editing the checkout inside the container is what a developer does; a deploy ships the code in its image.
  if (!SOURCE_MOUNT.test(text)) return false;
  if (besideDir(PLATFORM_DEPLOY)) return true;
  // A development server next to an image that starts a production server: the image is the deploy. Without one,
  // the compose file is the only way the project runs, and its workers run as written wherever it is started.
  return DEVELOPMENT_SERVER.test(text) && imageStartsServer(project, dir);
}

/** A Dockerfile in or under the compose file's folder (what its services build) whose CMD/ENTRYPOINT starts a production server. */
function imageStartsServer(project: ProjectInfo, dir: string): boolean {
  return project.files().some((f) => {
    if (!f.startsWith(dir) || !/(^|\/)(Dockerfile|Containerfile)([.-][\w.-]+)?$/i.test(f)) return false;
    return PRODUCTION_SERVER_START.test(project.readFile(f) ?? '');
  });
}

/** A volume mounting the compose file's own folder (the checkout) into a service: `- .:/code`, `- ./:/app/`. */
const SOURCE_MOUNT = /^[ \t]*-[ \t]*['"]?\.\/?:\//m;
/** Servers that only development runs: Django's runserver, `flask run`, nodemon, `npm run dev`, `next dev`. */
const DEVELOPMENT_SERVER = /\bmanage\.py[ \t]+(runserver|runsslserver|runserver_plus)\b|\bflask\b[^\n]*[ \t]run\b|\bnodemon\b|\b(npm|yarn|pnpm)[ \t]+(run[ \t]+)?dev\b|\bnext[ \t]+dev\b/;
/** A Dockerfile CMD/ENTRYPOINT line that starts a production server or worker. */
const PRODUCTION_SERVER_START = /^[ \t]*(CMD|ENTRYPOINT)\b[^\n]*\b(gunicorn|uvicorn|daphne|uwsgi|hypercorn|waitress-serve|granian)\b/im;
/** Platform files that start the production processes themselves. */
const PLATFORM_DEPLOY = /^(Procfile|render\.ya?ml|fly\.toml|app\.json|railway\.(json|toml)|heroku\.yml)$/;

/** The name of the Dockerfile stage (`FROM image AS name`) the offset is in, if it has one. */
function stageAt(text: string, offset: number): string | undefined {
  let stage: string | undefined;
  for (const m of text.slice(0, offset).matchAll(/^[ \t]*FROM[ \t]+(?:--\S+[ \t]+)*\S+(?:[ \t]+AS[ \t]+(\S+))?/gim)) stage = m[1];
  return stage;
}

/** Whether another file of the project names this one in a command (`-f Procfile.dev`, `docker build -f Dockerfile.dev`). */
function startedByName(ctx: RuleContext, name: string): boolean {
  const named = new RegExp(`(^|[\\s"'/=])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'm');
  return ctx.project.files().some((f) => f !== ctx.file.relPath && START_FILE.test(f) && named.test(ctx.project.readFile(f) ?? ''));
}

