/**
 * Deploy-graph reach of a project: the Python files some process of its deploys loads. Each process's entry comes
 * from its start command (a gunicorn/uvicorn/daphne app module, a Celery `-A` app, a `python x.py` or
 * `python -m x` script, a Streamlit script and its pages, `manage.py` and the management command it runs), then
 * every module reached from it by imports and by the dotted strings frameworks load (python-reach's graph).
 *
 * A Python file outside every reached set is code no deploy runs (a patch script, a debug helper, an offline
 * loader, an earlier single-file version of the app), judged like the layout's tests and scripts. The judgement
 * is made only when it can be trusted: the project has deploys, every process they start resolved to a project
 * entry, no start file outside the deploys names a server memlint cannot resolve, and no reached module loads
 * modules by computed names (importlib, `__import__`, plugin entry points). Otherwise the project is left to the
 * layout conventions: a wrong "not run" silences real findings, which costs more than a few false positives.
 *
 * Beside an image or platform deploy that starts the web server, a root start script that starts a web server too
 * (serve.sh, run.sh), a loose shell script that does, and a shell script's `python run.py &` of a script calling
 * `app.run()` are ways to serve the app by hand (local runners): they are not followed, so a module only they load,
 * even one loading modules by computed names, is not run by the deploy.
 *
 * Computed once per project view and reused while every file it read has the same text.
 */
import type { ProjectInfo } from '../../rules/api';
import { moduleFacts, pythonModules, type ModuleIndex, type PythonModules } from '../python/module-graph';
import { DEFAULT_HOST_CPUS } from './counts';
import { baseNameOf, classifyDeployFile, dirOf, joinPath, Workspace } from './deploy-files';
import { deploysNotFollowed, deploysWithoutProcesses, findDeploys, type Deploy, type DeployProcess } from './deploys';
import { envValue, serverOf, type Server } from './servers';
import { startFileLayout, startFiles } from '../reach';
import { developmentComposeFile } from './development-deploys';
import { sameList } from '../cache';
import { workdirSources } from './image-files';
import { runsServiceImage } from './service-images';

export type DeployReach =
  | {
      judged: true;
      /** Project-relative Python files some deploy's processes load. */
      reached: ReadonlySet<string>;
      /** What the reach starts from, for explanations: `gunicorn wsgi:app (Procfile)`. */
      entries: readonly string[];
    }
  | {
      judged: false;
      why: string;
      /** No deploy file of the project starts a process (none at all, or each names a script the project lacks). */
      deployless?: true;
    };

/** Programs that run no Python code of the project (a proxy, a database, a cache). */
const NOT_PYTHON = new Set([
  'nginx', 'caddy', 'httpd', 'apache2', 'apache2ctl', 'traefik', 'haproxy', 'envoy', 'redis-server', 'redis', 'postgres',
  'mysqld', 'mongod', 'memcached', 'rabbitmq-server', 'cron', 'crond', 'serve',
]);
/**
 * Shell built-ins and utilities: read as a deploy's process, they mean the command chain was not followed to the
 * server (a line after `exec gunicorn`, a `bash -c "cd /app && ..."` split wrongly), so they resolve nothing.
 */
const SHELL_UTILITIES = new Set([
  'echo', 'printf', 'cd', 'export', 'set', 'source', '.', ':', 'exit', 'wait', 'trap', 'cat', 'ls', 'mkdir', 'rm', 'touch', 'chmod',
  'chown', 'tail', 'sleep', 'true', 'nc', 'socat', 'cp', 'mv', 'ln', 'test', '[', 'env', 'date', 'whoami', 'id',
]);
/** Django commands that finish (setup steps): read as a deploy's process, the chain was not followed to the server. */
const ONE_SHOT_COMMANDS = new Set([
  'migrate', 'collectstatic', 'compilemessages', 'makemigrations', 'createsuperuser', 'check', 'loaddata', 'shell', 'createcachetable',
  'compress', 'wait_for_db', 'showmigrations', 'dumpdata', 'flush', 'test', 'makemessages', 'sendtestemail', 'clearsessions',
]);
/** Celery subcommands that watch or query a broker: without `-A` they import no project module. */
const CELERY_MONITORS = new Set(['flower', 'events', 'inspect', 'status', 'control']);
const APP_MODULE_SERVERS = new Set(['gunicorn', 'uvicorn', 'hypercorn', 'daphne', 'waitress']);
/** Start files the deploy readers do not follow, whose commands still run on the deploy's machine. */
const OTHER_START_FILE =
  /(^|\/)(crontab|[^/]*\.cron|[^/]*\.service|[^/]*\.timer|supervisord?[^/]*\.conf|supervisor[^/]*\/[^/]*\.conf|[^/]*uwsgi[^/]*\.ini|ecosystem\.config\.[cm]?js|[^/]*\.sh|\.github\/workflows\/[^/]*\.ya?ml)$/i;
/** Shell scripts of the build and of a developer's machine (as in analysis/reach.ts). */
const BUILD_SCRIPT = /(^|\/)(build|install|compile|test|tests|lint|format|release|deploy|seed|migrate|setup-dev|dev)[^/]*\.sh$|(^|\/)([^/]*[-_])?docs?([-_.][^/]*)?\.sh$/i;
const PYTHON_SERVER_WORD = /(^|[\s"'/=])(gunicorn|uvicorn|hypercorn|daphne|celery|waitress-serve|uwsgi|streamlit|flask|huey_consumer|rq|dramatiq|arq)\b/;
const WEB_SERVER_WORD = /(^|[\s"'/=])(gunicorn|uvicorn|hypercorn|daphne|waitress-serve)\b|\bfrom[ \t]+waitress[ \t]+import[ \t]+serve\b|\bflask[ \t]+(--app[ \t=]+\S+[ \t]+)?run\b/;
/** A Python script that serves the app itself (`app.run()`, `uvicorn.run(...)`, waitress's `serve(app)`). */
const SCRIPT_SERVES = /^[ \t]*(\w+\.)?(app|application|socketio|sio)\.run\(|\buvicorn\.run\(|\bserve\(\s*\w|\brun_simple\(/m;
/** Modules loaded by computed names: the graph cannot see what they load. */
export const DYNAMIC_LOADING =
  /\bimport_module\(\s*(?!["'][\w.]+["']\s*[,)])|\b__import__\(\s*(?!["'])|\b(iter_)?entry_points\(|\bpkgutil\.(iter_modules|walk_packages)\b|\bspec_from_file_location\(|\bload_source\(|\brun_path\(|\brun_module\(|\bexecfile\(|\bexec\(\s*(open|compile)\b/;
/** `import_module(f"pkg.plugins.{name}")`, `import_module("pkg.plugins." + name)`: a computed name inside one package. */
const PACKAGE_IMPORT = /\bimport_module\(\s*(?:f["']([A-Za-z_][\w.]*)\.\{|["']([A-Za-z_][\w.]*)\.["']\s*\+)/g;
const PY_PATH = /(?:^|[\s"'=(,\[])((?:\.{0,2}\/)?[\w./-]*\.py)\b/g;
const DASH_M = /\s-m\s+([A-Za-z_][\w.]*)/g;
const APP_WORD = /(?:^|\s)(?:-A|--app)[\s=]+([A-Za-z_][\w.]*)|(?:^|[\s"'=])([A-Za-z_][\w.]*):[A-Za-z_]\w*(?:\(\))?(?=[\s"']|$)/gm;

interface Memo {
  files: readonly string[];
  inputs: Map<string, string | undefined>;
  value: DeployReach;
}

const memos = new WeakMap<ProjectInfo, Memo>();

/** The deploy reach of one project view (its files are project-relative). */
export function deployReach(project: ProjectInfo): DeployReach {
  let files: readonly string[];
  try {
    files = project.files();
  } catch (e) {
    // A workspace whose file list cannot be read (a root that is gone): judge by layout, as with no deploy files.
    return { judged: false, why: `files not listed (${(e as Error).message})` };
  }
  const memo = memos.get(project);
  // A project view may list its files in a new array on every call: compare the paths, not the array.
  if (memo && sameList(memo.files, files) && [...memo.inputs].every(([f, text]) => project.readFile(f) === text)) return memo.value;
  const ws = new Workspace(project);
  let value: DeployReach;
  const { reads } = ws.recordReads(() => {
    try {
      value = compute(ws);
    } catch (e) {
      value = { judged: false, why: `reach not computed (${(e as Error).message})` };
    }
  });
  memos.set(project, { files, inputs: new Map([...reads].map((f) => [f, project.readFile(f)])), value: value! });
  return value!;
}

class Unresolved extends Error {}

function compute(ws: Workspace): DeployReach {
  const deploys = findDeploys(ws);
  if (deploys.length === 0) return { judged: false, why: 'no deploy file starts a process', deployless: true };
  const notFollowed = deploysNotFollowed(ws)[0];
  if (notFollowed) return { judged: false, why: `${notFollowed.label}: its start command cannot be followed` };
  // A deploy that builds the project's code but names no command memlint found runs something unknown. A service of a
  // compose file for development (`docker-compose.local.yml`) is not a deploy: its commands were left out on purpose.
  // An image built on nginx or postgres without a command of its own runs that server (service-images.ts).
  const silent = deploysWithoutProcesses(ws).find(
    (d) => (d.dockerfile !== undefined || d.platform !== 'docker-compose') && !developmentService(ws, d) && !(d.dockerfile !== undefined && runsServiceImage(ws, d.dockerfile)),
  );
  if (silent) return { judged: false, why: `${silent.label}: no start command memlint can follow` };
  const modules = pythonModules(ws.project, ws.files());
  const read = (f: string) => ws.read(f);
  const reached = new Set<string>();
  const entries: string[] = [];
  const walk = (entry: string, roots: readonly string[]) => {
    for (const f of modules.reachedFrom(entry, roots, read)) reached.add(f);
  };
  let nodeProcess = false;
  const state = { webServer: false };
  // A start script (start.sh, serve.sh) is how a project without a platform deploy runs; beside an image or platform
  // deploy that starts the web server, one that starts a web server too is a way to serve it by hand (a local runner).
  const platformWeb = deploys.some((d) => d.platform !== 'start-script' && d.processes.some((p) => startsWebServer(ws, d, p)));
  const runs = platformWeb ? deploys.filter((d) => d.platform !== 'start-script' || !d.processes.some((p) => startsWebServer(ws, d, p))) : deploys;
  try {
    for (const deploy of runs) {
      let resolved = false;
      for (const proc of deploy.processes) {
        const found = processEntries(ws, modules, deploy, proc, state);
        if (found === 'node') {
          nodeProcess = resolved = true;
          continue;
        }
        if (found === 'utility') continue;
        resolved = true;
        if (found === 'none') continue;
        for (const entry of found.files) walk(entry, found.roots);
        entries.push(`${proc.command.programWord.value} ${proc.command.args.map((a) => a.value).join(' ')} (${proc.file})`.trim());
      }
      if (!resolved) throw new Unresolved(`${deploy.label}: its processes are shell steps, not the server they lead to`);
    }
    otherStartFiles(ws, modules, deploys, walk, platformWeb);
    settingsNamedInConfig(ws, modules, deploys, walk);
  } catch (e) {
    if (e instanceof Unresolved) return { judged: false, why: e.message };
    throw e;
  }
  if (nodeProcess && nodeRunsPython(ws)) return { judged: false, why: 'a Node process of the project may start Python scripts' };
  const closure = closeOver(ws, modules, reached, walk);
  if (closure) return { judged: false, why: closure };
  // Django loads its settings by a name the environment may give from outside the files memlint reads (a
  // platform's dashboard): without them the graph misses every installed app.
  const settings = ws.files().filter((f) => f.endsWith('.py') && /^INSTALLED_APPS\s*\+?=/m.test(ws.read(f) ?? ''));
  if (settings.length > 0 && !settings.some((f) => reached.has(f)) && [...reached].some((f) => /\bdjango\b/.test(ws.read(f) ?? ''))) {
    return { judged: false, why: 'no reached module names the Django settings module the deploy uses' };
  }
  // A server entry (`wsgi.py`, `asgi.py`) in a project whose deploys start no web server means it is served by
  // something the deploy files memlint reads do not show (a platform setting, a server's own config). Beside a web
  // server that loads one of them, the other is the unused half of Django's project template.
  const entryNotLoaded = !state.webServer && ws.files().find((f) => /(^|\/)[aw]sgi\.py$/.test(f) && !reached.has(f) && !/(^|\/)(tests?|docs?|examples?)\//.test(f));
  if (entryNotLoaded) return { judged: false, why: `${entryNotLoaded} is a server entry no deploy's process loads` };
  return { judged: true, reached, entries };
}

function developmentService(ws: Workspace, deploy: Deploy): boolean {
  const compose = deploy.platform === 'docker-compose' ? deploy.files.find((f) => classifyDeployFile(f) === 'docker-compose') : undefined;
  const text = compose === undefined ? undefined : ws.read(compose);
  return text !== undefined && developmentComposeFile(ws.project, compose!, text);
}

function startsWebServer(ws: Workspace, deploy: Deploy, proc: DeployProcess): boolean {
  let server: Server | undefined;
  try {
    server = serverOf(proc, { ws, deploy, hostCpus: DEFAULT_HOST_CPUS });
  } catch {
    return false;
  }
  return server !== undefined && (APP_MODULE_SERVERS.has(server.kind) || server.kind === 'flask');
}

type Entries = { files: string[]; roots: string[] } | 'node' | 'none' | 'utility';

/** The project files a process starts from, 'node' for a Node process, 'none' for a program running no project Python. */
function processEntries(ws: Workspace, modules: PythonModules, deploy: Deploy, proc: DeployProcess, state: { webServer: boolean }): Entries {
  // The project root too: an image often copies the project to its WORKDIR whatever folder the Dockerfile is in. A
  // package folder (`app/` with `__init__.py`) is imported from above it, so it comes after the root.
  const isPackage = (dir: string) => dir !== '' && ws.exists(joinPath(dir, '__init__.py'));
  const dirs = [proc.cwd, deploy.dir];
  // A start script's own folder last: an image copies it with the code it starts (`COPY app /app`, `./start_app.sh`).
  const scriptDir = /\.(sh|bash)$/.test(proc.file) ? dirOf(proc.file) : undefined;
  // A compose service of a prebuilt image (`image: me/app:v1`, built by CI from a Dockerfile of the project) runs the
  // code that Dockerfile's folder copies: its folder last, after the folders the service names.
  const imageDirs = deploy.platform === 'docker-compose' && deploy.dockerfile === undefined ? ws.files().filter((f) => /(^|\/)(Dockerfile|Containerfile)$/.test(f)).map(dirOf) : [];
  // A folder the image copies whole into its WORKDIR (`COPY service ${APP_DIR}`) is where the process imports from,
  // even one with an `__init__.py` (its contents, not the folder, land in the WORKDIR).
  const copiedDirs = deploy.dockerfile !== undefined ? workdirSources(ws, deploy.dockerfile, deploy.dir) : [];
  const roots = [...new Set([...dirs.filter((d) => !isPackage(d)), '', ...dirs.filter(isPackage), ...(scriptDir !== undefined && !isPackage(scriptDir) ? [scriptDir] : []), ...copiedDirs, ...imageDirs.filter((d) => !isPackage(d))])];
  const index = modules.index(roots);
  const program = proc.command.program;
  const values = proc.command.args.map((a) => a.value);
  const shown = `${program} ${values.join(' ')}`.trim();
  const fail = (why: string): never => {
    throw new Unresolved(`\`${shown}\` (${proc.file}): ${why}`);
  };
  let server: Server | undefined;
  try {
    server = serverOf(proc, { ws, deploy, hostCpus: DEFAULT_HOST_CPUS });
  } catch {
    server = undefined;
  }
  const files: string[] = [];
  const add = (f: string | undefined) => (f ? files.push(f) : undefined);
  if (server?.runtime === 'node') {
    if (server.kind === 'pm2' && server.app?.endsWith('.py')) return fail('pm2 starts a Python script');
    return 'node';
  }
  if (server && APP_MODULE_SERVERS.has(server.kind)) {
    state.webServer = true;
    const module = moduleOfApp(server.app);
    const file = module ? index.resolve(module)?.file : undefined;
    if (!file) return fail(`its app${server.app ? ` \`${server.app}\`` : ''} is not a module of the project`);
    add(file);
    const config = optionValue(values, ['-c', '--config'])?.replace(/^python:/, '');
    add(config ? (index.script(config) ?? index.resolve(config)?.file) : undefined);
    for (const f of ws.files()) if (classifyDeployFile(f) === 'gunicorn-config') add(f);
    return { files, roots };
  }
  if (server?.kind === 'celery-worker' || server?.kind === 'celery-beat' || program === 'celery') {
    const app = server?.app ?? optionValue(values, ['-A', '--app']);
    // `celery --broker=... flower` without an app: the monitor reads the broker, it loads none of the project's code.
    if (!app && program === 'celery' && CELERY_MONITORS.has(values.find((v) => !v.startsWith('-')) ?? '')) return 'none';
    const module = moduleOfApp(app);
    const found = module ? index.resolve(module) : undefined;
    if (!module || !found) return fail('its Celery app (-A) is not a module of the project');
    add(found.file);
    // `-A proj` also finds `proj.celery` (Celery's own lookup).
    add(index.resolve(`${module}.celery`)?.file);
    return { files, roots };
  }
  if (server?.kind === 'streamlit') {
    const script = server.app ? index.script(server.app) : undefined;
    if (!script) return fail('its script is not a project file');
    add(script);
    // Multipage apps: Streamlit runs every script of `pages/` beside the main one.
    const pages = joinPath(dirOf(script), 'pages/');
    for (const f of ws.files()) if (f.startsWith(pages) && f.endsWith('.py')) add(f);
    return { files, roots };
  }
  if (server?.kind === 'flask') {
    const app = optionValue(values, ['--app', '-A']) ?? envValue(deploy, 'FLASK_APP');
    const file = app ? scriptOrModule(index, app) : (index.script('app.py') ?? index.script('wsgi.py'));
    if (!file) return fail('its FLASK_APP is not a project file');
    return { files: [file], roots };
  }
  if (/^python(\d+(\.\d+)?)?$/.test(program) || server?.kind === 'python' || server?.kind === 'django-runserver') {
    const m = values.indexOf('-m');
    if (m >= 0) {
      const file = values[m + 1] ? index.resolve(values[m + 1])?.file : undefined;
      if (!file) return fail(`module ${values[m + 1] ?? ''} is not in the project`);
      return { files: [file], roots };
    }
    const script = values.find((v) => !v.startsWith('-'));
    // A path inside the image (`python3 /workdir/wsgi.py`) names the project file at its end.
    const file = script ? (index.script(script) ?? (script.startsWith('/') ? pythonFileNamed(ws, index, script) : undefined)) : undefined;
    if (!script || !file) return fail('its script is not a project file');
    add(file);
    if (/(^|\/)manage\.py$/.test(script)) {
      const sub = values[values.indexOf(script) + 1];
      if (sub === undefined || ONE_SHOT_COMMANDS.has(sub)) return fail('a setup step, so the server after it was not followed');
      if (sub === 'runscript') {
        const name = values[values.indexOf(script) + 2];
        add(name ? (index.resolve(name)?.file ?? index.resolve(`scripts.${name}`)?.file) : undefined);
      } else if (sub) {
        for (const f of ws.files()) if (f.endsWith(`/management/commands/${sub}.py`)) add(f);
      }
    }
    return { files, roots };
  }
  if (NOT_PYTHON.has(program)) return 'none';
  if (SHELL_UTILITIES.has(program)) return 'utility';
  // `python -m shop.worker` reads as the program `shop.worker`.
  const asModule = /^[A-Za-z_][\w.]*$/.test(program) ? index.resolve(program)?.file : undefined;
  if (asModule) return { files: [asModule], roots };
  // A package.json script's other programs (`expo start`, `react-scripts start`) are Node tools of a front end; not
  // a runner of other commands (`concurrently "python app.py" vite`) nor one whose words name Python.
  if (/(^|\/)package\.json$/.test(proc.file) && !COMMAND_RUNNERS.test(program) && !values.some((v) => PYTHON_WORDS.test(v))) return 'node';
  return fail('memlint does not know what this program loads');
}

const COMMAND_RUNNERS = /^(concurrently|npm-run-all|run-p|run-s|nodemon|pm2|sh|bash|start-server-and-test|wait-on|cross-env|dotenv|env-cmd|npx)$/;
const PYTHON_WORDS = /python|\.py\b|gunicorn|uvicorn|flask|celery|manage/;

function moduleOfApp(app: string | undefined): string | undefined {
  if (!app) return undefined;
  const module = app.split(':')[0].replace(/\(.*$/, '');
  return /^[A-Za-z_][\w.]*$/.test(module) ? module : undefined;
}

function scriptOrModule(index: ModuleIndex, name: string): string | undefined {
  const clean = name.split(':')[0].replace(/\(.*$/, '');
  return clean.endsWith('.py') ? index.script(clean) : index.resolve(clean)?.file;
}

function optionValue(values: readonly string[], names: readonly string[]): string | undefined {
  for (let i = values.length - 1; i >= 0; i--) {
    if (names.includes(values[i])) return values[i + 1];
    for (const n of names) if (n.startsWith('--') && values[i].startsWith(`${n}=`)) return values[i].slice(n.length + 1);
  }
  return undefined;
}

/**
 * Start files the deploy readers do not follow (a crontab, a systemd unit, a supervisord or uWSGI config, a shell
 * script, a scheduled workflow): the Python scripts and modules they name are run by someone, so they are reached;
 * one that starts a Python server memlint cannot resolve leaves the project to the layout.
 */
function otherStartFiles(
  ws: Workspace,
  modules: PythonModules,
  deploys: readonly Deploy[],
  walk: (entry: string, roots: readonly string[]) => void,
  deploysServeWeb: boolean,
): void {
  const followed = new Set(deploys.flatMap((d) => [...d.files, ...(d.scripts ?? []), ...d.processes.map((p) => p.file)]));
  const runnable = new Set(startFiles(ws.project));
  for (const file of ws.files()) {
    if (!OTHER_START_FILE.test(file) || BUILD_SCRIPT.test(file) || followed.has(file) || /(^|\/)(node_modules|\.venv|venv|site-packages)\//.test(file)) continue;
    // A start file among the offline code (`tools/audit_run.sh`) that no other start file runs is run by hand.
    if (startFileLayout(file) !== undefined && !runnable.has(file)) continue;
    const text = ws.read(file);
    if (text === undefined) continue;
    const body = text.replace(/^[ \t]*#[^\n]*$/gm, '');
    // A loose shell script that starts a web server beside deploys that start theirs is another way to serve the app
    // by hand (a local runner): what it loads is not what the deploys run.
    if (deploysServeWeb && /\.(sh|bash)$/.test(file) && WEB_SERVER_WORD.test(body)) continue;
    const dir = dirOf(file);
    const index = modules.index([...new Set([dir, ''])]);
    let named = false;
    for (const m of body.matchAll(PY_PATH)) {
      const found = pythonFileNamed(ws, index, m[1]);
      // `python run.py &` where run.py calls `app.run()`: the same local runner, by way of a script.
      if (found && deploysServeWeb && /\.(sh|bash)$/.test(file) && SCRIPT_SERVES.test(ws.read(found) ?? '')) continue;
      if (found) {
        walk(found, index.roots);
        named = true;
      }
    }
    for (const m of body.matchAll(DASH_M)) {
      const found = index.resolve(m[1])?.file;
      if (found) {
        walk(found, index.roots);
        named = true;
      }
    }
    for (const m of body.matchAll(APP_WORD)) {
      const found = index.resolve(m[1] ?? m[2])?.file;
      if (found) {
        walk(found, index.roots);
        named = true;
      }
    }
    for (const m of body.matchAll(/^[ \t]*(?:module|wsgi-file|mount)[ \t]*=[ \t]*(?:[^=\n]*=)?[ \t]*([\w./-]+)/gm)) {
      const found = scriptOrModule(index, m[1]);
      if (found) {
        walk(found, index.roots);
        named = true;
      }
    }
    if (!named && PYTHON_SERVER_WORD.test(body) && !/\.(sh|ya?ml)$/.test(file)) {
      throw new Unresolved(`${file} starts a Python server memlint cannot resolve`);
    }
  }
}

/**
 * Modules the deploys' environment names (`DJANGO_SETTINGS_MODULE=config.settings.production`, `CELERY_CONFIG_MODULE`),
 * and DJANGO_SETTINGS_MODULE written in configuration files (a platform template, .env files).
 */
function settingsNamedInConfig(ws: Workspace, modules: PythonModules, deploys: readonly Deploy[], walk: (entry: string, roots: readonly string[]) => void): void {
  for (const deploy of deploys) {
    const index = modules.index([...new Set([deploy.dir, ''])]);
    for (const e of deploy.env) {
      if (!/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$/.test(e.value)) continue;
      const found = index.resolve(e.value)?.file;
      if (found) walk(found, index.roots);
    }
  }
  const index = modules.index(['']);
  for (const f of ws.files()) {
    if (f.endsWith('.py') || /(^|\/)node_modules\//.test(f)) continue;
    const text = ws.read(f);
    if (text === undefined || !text.includes('DJANGO_SETTINGS_MODULE')) continue;
    for (const m of text.matchAll(/DJANGO_SETTINGS_MODULE["']?\s*[:=]\s*["']?([A-Za-z_][\w.]*)/g)) {
      const found = index.resolve(m[1])?.file;
      if (found) walk(found, index.roots);
    }
  }
}

/** The project file a script path names (`./run.py`, `/app/etl/load.py` in an image, `etl/load.py`). */
function pythonFileNamed(ws: Workspace, index: ModuleIndex, path: string): string | undefined {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  for (let i = 0; i < parts.length; i++) {
    const found = index.script(parts.slice(i).join('/'));
    if (found) return found;
  }
  const name = parts[parts.length - 1];
  const same = ws.files().filter((f) => baseNameOf(f) === name);
  return same.length === 1 && parts.length > 1 ? same[0] : undefined;
}

/** A JS/TS source of the project that runs Python (`spawn("python", ["model.py"])`). */
function nodeRunsPython(ws: Workspace): boolean {
  return ws.files().some((f) => /\.[cm]?[jt]sx?$/.test(f) && !/(^|\/)node_modules\//.test(f) && /\bpython[\d.]*\b|\.py["'`]/.test(ws.read(f) ?? ''));
}

/**
 * What the reached modules load beyond their imports: Celery's `autodiscover_tasks()` (each app's tasks.py),
 * Django template tag libraries, scripts started by path from Python (`subprocess.run(["python", "job.py"])`).
 * Returns why the project cannot be judged when a reached module loads modules by computed names.
 */
const BOOTS_DJANGO = /^django\.setup\(\)/m;

function closeOver(ws: Workspace, modules: PythonModules, reached: Set<string>, walk: (entry: string, roots: readonly string[]) => void): string | undefined {
  const index = modules.index(['']);
  const done = new Set<string>();
  for (let round = 0; round < 5; round++) {
    const before = reached.size;
    const dirs = new Set([...reached].map((f) => dirOf(f)));
    let discovers = false;
    for (const file of [...reached]) {
      if (done.has(file)) continue;
      done.add(file);
      const text = ws.read(file) ?? '';
      // Names computed under a literal package (`import_module(f"shop.plugins.{name}")`) load only that package's
      // modules: those are reached. Any other computed name could be any module: the project is not judged.
      const code = text.replace(/^[ \t]*#[^\n]*$/gm, '');
      if (DYNAMIC_LOADING.test(code.replace(PACKAGE_IMPORT, ''))) return `${file} loads modules by computed names`;
      for (const m of code.matchAll(PACKAGE_IMPORT)) {
        const found = index.resolve(m[1] ?? m[2]);
        if (!found?.isPackage) continue;
        const dir = dirOf(found.file);
        for (const f of ws.files()) if (f.startsWith(dir) && f.endsWith('.py') && !reached.has(f)) walk(f, index.roots);
      }
      if (/\bautodiscover_tasks\(/.test(text)) discovers = true;
      // Every module of an installed Django app is reached: Django and its add-ons load them by convention
      // (template tags, checks, signals, format modules, admin, tasks), not only through imports.
      if (/^INSTALLED_APPS\s*\+?=/m.test(text)) {
        for (const name of moduleFacts(text).strings) {
          // `"shop"`, or the AppConfig path `"shop.apps.ShopConfig"`.
          const prefix = index.longestPrefix(name);
          const app = prefix?.module.endsWith('.apps') ? prefix.module.slice(0, -5) : prefix?.module === name ? name : undefined;
          const found = app ? index.resolve(app) : undefined;
          if (!found?.isPackage) continue;
          const dir = dirOf(found.file);
          // A module that boots Django itself (`django.setup()` at its top level) is a script run by hand: Django
          // loads no module by convention that needs to, and the app reaches it only through an import.
          for (const f of ws.files()) if (f.startsWith(dir) && f.endsWith('.py') && !reached.has(f) && !BOOTS_DJANGO.test(ws.read(f) ?? '')) walk(f, index.roots);
        }
      }
      for (const m of text.matchAll(/["']([\w./-]+\.py)["']/g)) {
        const found = pythonFileNamed(ws, modules.index([dirOf(file), '']), m[1]);
        if (found && !reached.has(found)) walk(found, [dirOf(found), '']);
      }
    }
    for (const f of ws.files()) {
      if (!f.endsWith('.py') || reached.has(f)) continue;
      const dir = dirOf(f);
      const parent = dirOf(dir.slice(0, -1));
      const isTasks = discovers && baseNameOf(f) === 'tasks.py' && dirs.has(dir);
      const isTags = /\/templatetags\/[^/]+\.py$/.test(f) && dirs.has(parent);
      if (isTasks || isTags) walk(f, [...new Set(['', ...index.roots])]);
    }
    if (reached.size === before) break;
  }
  return undefined;
}
