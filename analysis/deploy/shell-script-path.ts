/** Which paths hold shell scripts memlint analyses (the engine's classification, and rules that report in them). */

/**
 * Shell scripts a deploy can start: `*.sh` (also `Procfile.sh`), and the extensionless entrypoints images and
 * Heroku apps use (`docker-entrypoint`, `bin/start`, `bin/boot`, a root `start_backend`, cookiecutter-django's
 * `compose/production/django/start`).
 */
export function isShellScriptPath(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  if (name.endsWith('.sh') || name.endsWith('.bash')) return true;
  if (name.includes('.')) return false;
  if (/^(docker-)?entrypoint$/.test(name)) return true;
  // `start_backend`, `run-server`, `boot_app`: named for starting something wherever they are (a Dockerfile copies a
  // root `start_backend` and runs `CMD ./start_backend`). Rules only judge the commands a deploy runs through them.
  if (/^(start|boot|serve|run)[-_][\w-]+$/.test(name)) return true;
  if (!/^(start|boot|web|worker|server|serve|run)$/.test(name)) return false;
  // `bin/start`, and the start scripts cookiecutter-django keeps beside its Dockerfiles (`compose/production/django/start`,
  // `compose/local/django/celery/worker/start`), which the Dockerfile copies to `/start` for compose to run.
  return /(^|\/)bin\/[^/]+$/.test(path) || /(^|\/)(compose|docker)\/([^/]+\/)+[^/]+$/.test(path);
}

