/**
 * Deploys whose memory budget cannot be computed, and why: a start command memlint cannot follow (a shell
 * script, a program it has no figures for), or no start command at all. The reports list them with the file
 * and the reason instead of leaving the deploy out, so a missing bar is never mistaken for "fits".
 */
import type { ProjectInfo } from '../../rules/api';
import { Workspace } from './deploy-files';
import { deploysNotFollowed, findDeploys } from './deploys';
import { serverOf } from './servers';
import { DEFAULT_HOST_CPUS } from './counts';

export interface UnestimatedDeploy {
  id: string;
  label: string;
  /** The file (workspace-relative) and 1-based line of the start command, or of the deploy's definition. */
  file?: string;
  line?: number;
  reason: string;
}

/** What the budget can follow (servers.ts), for the reason text. */
const KNOWN = 'gunicorn, uvicorn, hypercorn, daphne, celery, streamlit, flask run, waitress-serve, node, tsx, ts-node, next, pm2';

export function unestimatedDeploys(project: ProjectInfo, options: { hostCpus?: number } = {}): UnestimatedDeploy[] {
  const ws = new Workspace(project);
  const hostCpus = options.hostCpus && options.hostCpus > 0 ? Math.floor(options.hostCpus) : DEFAULT_HOST_CPUS;
  const out: UnestimatedDeploy[] = [];
  for (const deploy of deploysNotFollowed(ws)) {
    const u = deploy.unfollowed!;
    out.push({ id: deploy.id, label: deploy.label, file: u.file, line: lineOf(ws, u.file, u.start), reason: `its start command \`${u.command}\` cannot be followed: ${u.why}` });
  }
  for (const deploy of findDeploys(ws)) {
    if (deploy.processes.some((p) => serverOf(p, { ws, deploy, hostCpus }))) continue;
    const first = deploy.processes[0];
    const c = first.command;
    const shown = [c.programWord.value, ...c.args.slice(0, 3).map((a) => a.value)].join(' ') + (c.args.length > 3 ? ' …' : '');
    const script = /\.(sh|bash)$/.test(c.program) || c.program === 'sh' || c.program === 'bash';
    const why = script
      ? `its start command \`${shown}\` runs a shell script memlint does not follow`
      : `its start command \`${shown}\` runs ${c.program}, which memlint has no figures for (it follows ${KNOWN})`;
    out.push({ id: deploy.id, label: deploy.label, file: first.file, line: lineOf(ws, first.file, c.programWord.start), reason: why });
  }
  return out;
}

function lineOf(ws: Workspace, file: string, offset: number): number | undefined {
  const text = ws.read(file);
  if (text === undefined) return undefined;
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
