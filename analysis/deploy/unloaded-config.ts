/**
 * A gunicorn config file no deploy loads: the deploys memlint follows start gunicorn, but each reads another config
 * or none (`CMD gunicorn -w 4 wsgi:app` beside a `gunicorn_config.py`: gunicorn reads only `./gunicorn.conf.py`
 * unless `-c` names one), and no other file of the project names it (a systemd unit, a Makefile, a script no deploy
 * runs, the README's instructions). Its settings never apply, so findings in it would be noise.
 */
import type { RuleContext } from '../../rules/api';
import { Workspace } from './deploy-files';
import { findDeploys } from './deploys';
import { gunicornConfigOf } from './gunicorn-config';

/** Files that may hold a command naming the config: everything but the Python sources and data. */
const MAY_NAME_CONFIG = /(^|\/)(Makefile|Procfile[^/]*|Dockerfile[^/]*|README[^/]*)$|\.(sh|bash|service|conf|ini|cfg|ya?ml|toml|json|md|rst|txt|env|j2)$/i;

export function noDeployLoadsConfig(ctx: RuleContext): boolean {
  const ws = Workspace.of(ctx);
  const gunicorns = findDeploys(ws).flatMap((d) => d.processes).filter((p) => p.command.program === 'gunicorn');
  // No deploy memlint follows starts gunicorn: the config may well be how the project is run (a VM, systemd).
  if (gunicorns.length === 0) return false;
  for (const proc of gunicorns) {
    // gunicornConfigOf resolves from the analysed file's folder: give it the command's working directory.
    const view = { file: { relPath: `${proc.cwd}.memlint-cwd` }, project: ctx.project } as unknown as RuleContext;
    const found = gunicornConfigOf(view, proc.command);
    if (found.kind === 'unknown' || (found.kind === 'found' && found.relPath === ctx.file.relPath)) return false;
  }
  const rel = ctx.file.relPath;
  const named = namePattern(rel.slice(rel.lastIndexOf('/') + 1));
  return !ctx.project.files().some((f) => f !== rel && MAY_NAME_CONFIG.test(f) && !/(^|\/)node_modules\//.test(f) && named.test(ctx.project.readFile(f) ?? ''));
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * How another file names the config: by its file name (`gunicorn_prod.py`), as a module (`python:deploy.gunicorn_prod`),
 * or by its stem (`gunicorn_prod`). A stem that is the program's own name (`etc/gunicorn.py`) only counts with its
 * extension or as a module: every command starting gunicorn says `gunicorn`.
 */
function namePattern(base: string): RegExp {
  const stem = base.replace(/\.py$/i, '');
  const bare = stem.toLowerCase() === 'gunicorn' ? '' : `|(^|[^\\w])${escape(stem)}([^\\w]|$)`;
  return new RegExp(`(^|[^\\w])${escape(base)}([^\\w]|$)|python:([\\w.]+\\.)?${escape(stem)}([^\\w]|$)${bare}`);
}
