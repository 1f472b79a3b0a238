/**
 * The processes a deploy starts through the shell script being analysed (`ENTRYPOINT ["./boot.sh"]`, a Procfile
 * `web: bash start.sh`, a compose or Kubernetes `command: ["./worker.sh"]`), found by following the deploys'
 * start commands (analysis/deploy/deploys). A command of a script no deploy runs, a setup step (`migrate` before
 * `exec gunicorn`) and a line of a branch a deploy never reaches are not processes.
 */
import type { RuleContext } from '../../rules/api';
import type { StartCommand } from './commands-build';
import { Workspace } from './deploy-files';
import { findDeploys, type Deploy } from './deploys';

export interface ScriptProcess {
  command: StartCommand;
  /** The deploys that run it (one script can serve several: an image run by compose and by Kubernetes). */
  deploys: Deploy[];
}

/** The processes the current shell script starts for some deploy of its project, one per command. */
export function scriptProcesses(ctx: RuleContext): ScriptProcess[] {
  const byStart = new Map<number, ScriptProcess>();
  for (const deploy of findDeploys(Workspace.of(ctx))) {
    for (const proc of deploy.processes) {
      if (proc.file !== ctx.file.relPath) continue;
      const key = proc.command.programWord.start;
      const seen = byStart.get(key);
      if (seen) {
        if (!seen.deploys.includes(deploy)) seen.deploys.push(deploy);
      } else byStart.set(key, { command: proc.command, deploys: [deploy] });
    }
  }
  return [...byStart.values()].sort((a, b) => a.command.programWord.start - b.command.programWord.start);
}
