/**
 * Start scripts no deploy file names: a `start.sh`, `run.sh`, `startup.sh` (Azure App Service's startup command),
 * `entrypoint.sh` or boot script (an EC2 instance's user data) at a project's root that starts gunicorn, uvicorn,
 * Celery, Streamlit or `python app.py` is how such a project is deployed, even with no Dockerfile or Procfile
 * around it. Each becomes a deploy of its own (platform `start-script`) whose processes are the script's
 * commands, followed as a deploy's script is (the last command or an `exec`; a script it runs).
 *
 * Scripts named for development or the build (`start_dev.sh`, `run_tests.sh`, `build.sh`) are not deploys, nor is
 * a script another deploy already runs, nor one that starts no Python server. Scripts named for one service
 * (`gunicorn.sh`, `start_api.sh`) count only in a project no other deploy starts Python in.
 */
import { commandsFromLine } from './commands-build';
import { MappedText } from './commands-text';
import type { DeployBuilder } from './deploy-builder';
import { dirOf } from './deploy-files';

/** Names of scripts that start a deployed app. */
const START_SCRIPT = /^(start|run|startup|entrypoint|docker-entrypoint|boot|[\w-]*[-_]boot|launch|serve|server|run[-_]server|start[-_]server|start[-_]app|run[-_]app|start[-_]web|run[-_]web|start[-_]prod(uction)?|run[-_]prod(uction)?)\.(sh|bash)$/i;
/**
 * Names of scripts that start one service: a start verb and the service (`start_ml_api.sh`, `run_celery.sh`), or the
 * server itself (`gunicorn.sh`, `celery_worker.sh`, `gunicorn_start.sh`). Beside another deploy that starts Python
 * (a Dockerfile, a Procfile) they are often the local way to run it, so they are deploys only in a project without one.
 */
const SERVICE_SCRIPT =
  /^((start|run|launch)[-_]([\w-]+[-_])?(api|backend|worker|bot|service|gunicorn|uvicorn|daphne|celery|django|flask|fastapi|streamlit)|(gunicorn|uvicorn|daphne|hypercorn|celery|celery[-_]worker|worker)([-_](start|run|prod(uction)?))?)\.(sh|bash)$/i;
/** Development and build scripts (as analysis/reach.ts and development-deploys.ts name them). */
const NOT_A_DEPLOY = /(^|[-_.])(dev|develop|development|local|debug|test|tests|testing|build|install|lint|setup)([-_.]|$)/i;
/** Programs that make a script a Python deploy's start (after wrappers: `./venv/bin/gunicorn`, `python -m celery`). */
const PYTHON_SERVERS = /^(gunicorn|uvicorn|hypercorn|daphne|celery|streamlit|waitress-serve|python(\d+(\.\d+)?)?)$/;

/** The root-level scripts that may be a deploy's start (part of the deploy cache's key). */
export function startScriptCandidates(files: readonly string[]): string[] {
  return files.filter((f) => !f.includes('/') && (START_SCRIPT.test(f) || SERVICE_SCRIPT.test(f)) && !NOT_A_DEPLOY.test(f.replace(/\.(sh|bash)$/i, ''))).sort();
}

export function readStandaloneStartScripts(b: DeployBuilder): void {
  const followed = new Set(b.deploys.flatMap((d) => [...(d.scripts ?? []), ...d.processes.map((p) => p.file)]));
  const pythonDeployed = b.deploys.some((d) => d.processes.some((p) => PYTHON_SERVERS.test(p.command.program)));
  const candidates = startScriptCandidates(b.ws.files()).filter((f) => !followed.has(f) && (START_SCRIPT.test(f) || !pythonDeployed));
  const added = [];
  for (const file of candidates) {
    const text = b.ws.read(file);
    if (text === undefined) continue;
    const deploy = b.add({ id: file, label: `the start script ${file}`, platform: 'start-script', dir: dirOf(file), files: [], scripts: [file] });
    for (const c of commandsFromLine(MappedText.of(text, 0, text.length), 'shell', 'procfile')) b.addProcesses(deploy, c, file, dirOf(file), [file]);
    const startsPython = deploy.processes.some((p) => PYTHON_SERVERS.test(p.command.program));
    if (!startsPython) b.deploys.splice(b.deploys.indexOf(deploy), 1);
    else added.push(deploy);
  }
  // A boot script that runs `./start.sh` already holds start.sh's processes: start.sh is not a second deploy.
  for (const deploy of added) {
    const ownFile = deploy.id;
    if (added.some((other) => other !== deploy && other.scripts?.includes(ownFile) && b.deploys.includes(other))) b.deploys.splice(b.deploys.indexOf(deploy), 1);
  }
}
