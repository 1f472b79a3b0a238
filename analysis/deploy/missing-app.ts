/**
 * A start command whose app names a package the repository does not have: a Procfile copied from a template
 * (`web: gunicorn dtb.asgi:application` in a project with no `dtb`), a `celery -A` of a renamed project. Such a
 * process exits at start, so its worker settings cost nothing and the rules about them say nothing.
 *
 * Claimed only when nothing could provide the package: no folder or module of that name anywhere in the project
 * (any depth, for src layouts and `--chdir`, nested projects included), and no requirement of that name (a server may run an installed
 * package's app: `gunicorn mlflow.server:app`), in a project that has Python code of its own and declares its
 * dependencies at its root (a folder of deploy files built from the repository above it proves nothing). Variables (`$APP_MODULE`) and bare module names are not judged.
 */
import { optionValues, type StartCommand } from './commands';
import { pythonPackages } from './app-facts';
import { dirOf, type Workspace } from './deploy-files';

const MODULE_ATTR = /^([A-Za-z_]\w*)(?:\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(?:\(.*\))?$/;
const DOTTED = /^([A-Za-z_]\w*)(?:\.[A-Za-z_]\w*)*(?::[A-Za-z_]\w*)?$/;

/** The top-level package a gunicorn/uvicorn/celery command's app names, when the project cannot provide it. */
export function missingAppPackage(ws: Workspace, command: StartCommand, file: string): string | undefined {
  const top = appTopLevel(command);
  if (!top) return undefined;
  const files = ws.files();
  // A folder of deploy files (`docker/` with its Dockerfile and a config.py, built from the repository above it)
  // proves nothing: the project must hold Python code and declare its dependencies at its root.
  if (!files.some((f) => f.endsWith('.py') && !/(^|\/)(\.?venv|env|site-packages|node_modules)\//.test(f))) return undefined;
  const rootPackages = pythonPackages(ws, '');
  if (rootPackages.size === 0) return undefined;
  const provides = (f: string) => {
    const parts = f.split('/');
    return parts.slice(0, -1).includes(top) || parts[parts.length - 1] === `${top}.py`;
  };
  if (files.some(provides)) return undefined;
  // A compose file at the root that builds a nested project (`build: {context: ., dockerfile: ./core/Dockerfile}`,
  // `./core:/app`) runs that project's code: its packages count too (they sit outside this project's file list).
  if ((ws.project.nestedProjects?.() ?? []).some((n) => n.project.files().some(provides))) return undefined;
  const normal = (name: string) => name.toLowerCase().replace(/[-_.]+/g, '-');
  const requirements = new Set([...pythonPackages(ws, dirOf(file)), ...rootPackages].map(normal));
  return requirements.has(normal(top)) ? undefined : top;
}

function appTopLevel(command: StartCommand): string | undefined {
  if (command.program === 'celery') {
    const app = optionValues(command.args, ['-A', '--app']).pop()?.value;
    return app ? DOTTED.exec(app)?.[1] : undefined;
  }
  if (command.program !== 'gunicorn' && command.program !== 'uvicorn') return undefined;
  for (const arg of command.args) {
    const m = MODULE_ATTR.exec(arg.value);
    if (m) return m[1];
  }
  return undefined;
}
