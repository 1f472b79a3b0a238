/**
 * Start commands that only run on a developer's machine, which the deploy rules leave alone: a server started with
 * `--reload` (nobody reloads on file changes in production), a compose file for development (named for it:
 * `docker-compose.dev.yml`, `compose.local.yaml`, `docker-compose.override.yml`; a plain `docker-compose.yml`
 * beside a `docker-compose.prod.yml`; or one that mounts the source tree over the image, `.:/code`, and either sits
 * beside the platform file that is the deploy, a Procfile or render.yaml that runs no development server itself, or
 * starts a development server while the Dockerfile beside it starts a production one), a `Dockerfile.dev` or
 * `Procfile.dev`, and a Dockerfile stage built for development (`FROM base AS runtime-dev`).
 */
import type { ProjectInfo, RuleContext } from '../../rules/api';
import type { EnvSetting, StartCommand } from './commands-build';
import { START_FILE } from '../reach';
import { Workspace } from './deploy-files';
import { readersOf } from './yaml-read';

const DEVELOPMENT_NAME = /(^|[-_.])(dev|develop|development|local|debug|test|testing|override)([-_.]|$)/i;
const PRODUCTION_COMPOSE = /^(docker-)?compose[-_.](prod|production|live|deploy)([-_.][\w.-]*)?\.ya?ml$/i;
const PLAIN_COMPOSE = /^(docker-)?compose\.ya?ml$/i;
const PRODUCTION_NAME = /(^|[-_.])(prod|production|live)([-_.]|$)/i;

export function developmentOnly(ctx: RuleContext, command: StartCommand, env: readonly EnvSetting[] = []): boolean {
  const rel = ctx.file.relPath;
  const name = rel.slice(rel.lastIndexOf('/') + 1);
  // A file named for production (`docker-compose.prod.yml`, `Dockerfile.prod`) is the deploy even when its server
  // was left with `--reload`: the flag is a mistake there, not a sign of a developer's machine.
  if (command.args.some((w) => w.value === '--reload')) return !PRODUCTION_NAME.test(name.replace(/^(docker-)?compose|dockerfile|procfile|\.ya?ml$/gi, ''));
  return developmentFile(ctx, command, env);
}

/**
 * developmentOnly without the `--reload` sign: whether the file (or the Dockerfile stage) the command is written in
 * is one only a developer's machine runs. The rules about the reloader itself, and about what a reloading server
 * still lacks, ask this: a deploy that ships `--reload` runs it.
 */
export function developmentFile(ctx: RuleContext, command: StartCommand, env: readonly EnvSetting[] = []): boolean {
  const rel = ctx.file.relPath;
  const name = rel.slice(rel.lastIndexOf('/') + 1);
  if (ctx.file.roles.has('docker-compose')) {
    // A plain compose file's reloading service beside a production image it does not build (`project/Dockerfile.prod`):
    // that image is what ships.
    const reloading = command.args.some((w) => w.value === '--reload');
    if (reloading && PLAIN_COMPOSE.test(name) && !/dockerfile[^\n]*(prod|production)/i.test(ctx.file.text) && productionDockerfileUnder(ctx.project, rel.slice(0, rel.lastIndexOf('/') + 1))) return true;
    return developmentComposeFile(ctx.project, rel, ctx.file.text, { ws: Workspace.of(ctx), command, env });
  }
  // `Dockerfile.dev`, `dev.Dockerfile`, `Procfile.dev`, unless another deploy file runs it (`honcho start -f Procfile.dev`).
  if (DEVELOPMENT_NAME.test(name.replace(/dockerfile|procfile/i, ''))) return !startedByName(ctx, name);
  // Heroku and the buildpacks read a file named exactly `Procfile`: `Procfile.txt`, `Procfile.windows` only run when
  // something names them (`honcho start -f Procfile.web`).
  if (ctx.file.kind === 'procfile' && /^procfile\./i.test(name)) return !startedByName(ctx, name);
  if (ctx.file.kind === 'dockerfile') {
    if (DEVELOPMENT_NAME.test(stageAt(ctx.file.text, command.programWord.start) ?? '')) return true;
    // An image that reloads on file changes, beside a platform file (render.yaml, a Procfile) that starts the server
    // itself: the platform is the deploy, the image the one a developer's compose builds.
    return command.args.some((w) => w.value === '--reload') && platformStartsServerAbove(ctx.project, rel);
  }
  return false;
}

/** A Dockerfile named for production (`Dockerfile.prod`, `prod.Dockerfile`) in the folder or below it. */
function productionDockerfileUnder(project: ProjectInfo, dir: string): boolean {
  return project.files().some((f) => {
    if (!f.startsWith(dir)) return false;
    const name = f.slice(f.lastIndexOf('/') + 1);
    return /dockerfile|containerfile/i.test(name) && PRODUCTION_NAME.test(name.replace(/dockerfile|containerfile/gi, ''));
  });
}

/** A platform file (render.yaml, a Procfile) in the file's folder or one above it whose own commands start a Python server. */
export function platformStartsServerAbove(project: ProjectInfo, rel: string): boolean {
  const server = /(^|[\s"'/=:])(gunicorn|uvicorn|hypercorn|daphne|uwsgi|waitress-serve|granian)\b/m;
  return project.files().some((f) => {
    const dir = f.slice(0, f.lastIndexOf('/') + 1);
    return rel.startsWith(dir) && PLATFORM_DEPLOY.test(f.slice(dir.length)) && server.test(project.readFile(f) ?? '');
  });
}

/** One service's command of a compose file, with the environment settings of the file, asked about by developmentOnly. */
interface ComposeService {
  ws: Workspace;
  command: StartCommand;
  env: readonly EnvSetting[];
}

/**
 * A compose file written for a developer's machine (see the module's comment): what its services run is not a deploy.
 * Asked about one service, two of the file's signs give way to what that service says of itself: a plain file a
 * production override extends (`docker compose -f docker-compose.yml -f docker-compose.prod.yml`) runs in production
 * every service the override keeps without a command of its own; and beside a platform file, a service that runs a
 * program the platform file never starts (the Celery worker of a Procfile with only `web`), or that declares
 * production settings, is where that process runs.
 */
export function developmentComposeFile(project: ProjectInfo, rel: string, text: string, service?: ComposeService): boolean {
  const name = rel.slice(rel.lastIndexOf('/') + 1);
  const stem = name.replace(/^(docker-)?compose/i, '').replace(/\.ya?ml$/i, '');
  if (DEVELOPMENT_NAME.test(stem)) return true;
  if (!PLAIN_COMPOSE.test(name)) return false;
  const dir = rel.slice(0, rel.lastIndexOf('/') + 1);
  const beside = (pattern: RegExp) => project.files().filter((f) => f.startsWith(dir) && !f.slice(dir.length).includes('/') && pattern.test(f.slice(dir.length)));
  const productionFiles = beside(PRODUCTION_COMPOSE);
  if (productionFiles.length > 0) return !(service?.command.name !== undefined && productionFiles.some((f) => inheritsCommand(service.ws, f, service.command.name!)));
  // Live-editing the checkout inside the container is what a developer does; a deploy ships the code in its image.
  if (!SOURCE_MOUNT.test(text)) return false;
  // A platform file that itself runs a development server (a Procfile's `web: manage.py runserver`) is no production
  // deploy the compose file would be the developer's alternative to: both run the app the same way.
  const platformFiles = beside(PLATFORM_DEPLOY).filter((f) => !DEVELOPMENT_SERVER.test(project.readFile(f) ?? ''));
  if (platformFiles.length > 0) {
    if (!service || DEVELOPMENT_SERVER.test(text)) return true;
    if (declaresProduction(service) || buildsProductionImage(service.ws, rel, service.command.name)) return false;
    if (!SERVER_PROGRAM.test(service.command.program)) return true;
    const program = new RegExp(`(^|[\\s"'/=:])${service.command.program}\\b`, 'm');
    return platformFiles.some((f) => program.test(project.readFile(f) ?? ''));
  }
  // A development server next to an image that starts a production server: the image is the deploy. Without one,
  // the compose file is the only way the project runs, and its workers run as written wherever it is started.
  return DEVELOPMENT_SERVER.test(text) && imageStartsServer(project, dir);
}

/**
 * Whether the compose override file keeps the service without saying what it runs: a partial service (no `image`,
 * no `command`/`entrypoint`, no build of its own context) is merged into the base file's, whose command it runs.
 */
function inheritsCommand(ws: Workspace, overrideFile: string, serviceName: string): boolean {
  return readersOf(ws.yaml(overrideFile)).some(({ reader, root }) => {
    const service = reader.map(reader.path(root, 'services', serviceName));
    if (!service) return false;
    if (['image', 'command', 'entrypoint'].some((key) => reader.pair(service, key))) return false;
    const build = reader.get(service, 'build');
    return build === undefined || (reader.map(build) !== undefined && !reader.pair(reader.map(build), 'context') && !reader.pair(reader.map(build), 'dockerfile'));
  });
}

/** Settings a service gives itself only for production: a production settings module, `NODE_ENV=production`, `DEBUG=False`. */
function declaresProduction({ command, env }: ComposeService): boolean {
  if (command.args.some((w) => PRODUCTION_SETTINGS_ARG.test(w.value))) return true;
  return env.some((e) => e.scope === command.name && PRODUCTION_ENV.test(`${e.name}=${e.value.value}`));
}

/**
 * Whether the service builds an image named for production (`build: {dockerfile: docker/production.Dockerfile}`,
 * `Dockerfile.prod`, or the `target: production` stage): the file then describes how the production image runs,
 * even though it mounts the checkout.
 */
function buildsProductionImage(ws: Workspace, rel: string, serviceName: string | undefined): boolean {
  if (serviceName === undefined) return false;
  return readersOf(ws.yaml(rel)).some(({ reader, root }) => {
    const build = reader.path(root, 'services', serviceName, 'build');
    const dockerfile = reader.text(reader.path(reader.map(build), 'dockerfile')) ?? '';
    const target = reader.text(reader.path(reader.map(build), 'target')) ?? '';
    const name = dockerfile.slice(dockerfile.lastIndexOf('/') + 1);
    return PRODUCTION_NAME.test(name.replace(/dockerfile|containerfile/gi, '')) || PRODUCTION_NAME.test(target);
  });
}

const PRODUCTION_SETTINGS_ARG = /^--settings=[\w.]*(prod|production)\w*$/i;
const PRODUCTION_ENV = /^(DJANGO_SETTINGS_MODULE=[\w.]*(prod|production)\w*|(NODE_ENV|APP_ENV|ENV|ENVIRONMENT|FLASK_ENV|RAILS_ENV)=(prod|production)|DEBUG=(false|0|no|off))$/i;

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
/** Servers and task workers a deploy runs as processes of their own (what a Procfile's `web`/`worker` lines start). */
const SERVER_PROGRAM = /^(gunicorn|uvicorn|hypercorn|daphne|uwsgi|waitress-serve|granian|celery|rq|dramatiq|huey_consumer|arq)$/;
/** A Dockerfile CMD/ENTRYPOINT line that starts a production server or worker. */
const PRODUCTION_SERVER_START = /^[ \t]*(CMD|ENTRYPOINT)\b[^\n]*\b(gunicorn|uvicorn|daphne|uwsgi|hypercorn|waitress-serve|granian)\b/im;
/** Platform files that start the production processes themselves. */
export const PLATFORM_DEPLOY = /^(Procfile|render\.ya?ml|fly\.toml|app\.json|railway\.(json|toml)|heroku\.yml)$/;

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

