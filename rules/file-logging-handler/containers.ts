/** Whether a project runs in containers, where a log file lands in the writable layer (uwsgi.ts, gunicorn-command.ts). */
import type { RuleContext } from '../api';

const CONTAINER_FILES = /(^|\/)(Dockerfile[^/]*|[^/]*\.Dockerfile|(docker-)?compose[^/]*\.ya?ml)$/;

/** The project has a Dockerfile or compose file; a file opened alone, with no workspace around it, counts as one. */
export function runsInContainers(ctx: RuleContext): boolean {
  const files = ctx.project.files().filter((f) => f !== ctx.file.relPath);
  return files.length === 0 || files.some((f) => CONTAINER_FILES.test(f)) || CONTAINER_FILES.test(ctx.file.relPath);
}
