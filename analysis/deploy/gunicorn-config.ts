/**
 * What gunicorn reads: the settings of a gunicorn.conf.py (tree-sitter, for the file being analysed; line-based
 * for other workspace files, which rules cannot parse synchronously), the config file a command loads (`-c`,
 * `--config`, `python:module`, or `./gunicorn.conf.py` by default), and the workspace's other deploy files.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { RuleContext, SourceInfo } from '../../rules/api';
import { ancestor, captures } from '../python/ast';
import { optionValues, type StartCommand } from './commands';

/** Settings gunicorn knows; a module-level assignment of one of these marks a gunicorn config. */
export const GUNICORN_SETTINGS = new Set([
  'bind', 'workers', 'worker_class', 'threads', 'worker_connections', 'timeout', 'graceful_timeout', 'keepalive',
  'max_requests', 'max_requests_jitter', 'preload_app', 'accesslog', 'errorlog', 'loglevel', 'wsgi_app', 'chdir',
  'worker_tmp_dir', 'forwarded_allow_ips', 'proxy_protocol', 'limit_request_line', 'reload', 'daemon', 'pidfile',
]);

export interface ConfigAssignment {
  name: string;
  /** The `name = value` assignment. */
  assignment: Node;
  target: Node;
  value: Node;
  /** The statement holding it (for inserting lines after it). */
  statement: Node;
  /** Directly at module level, not inside an `if`/`try` block. */
  topLevel: boolean;
}

/** Module-level `name = value` assignments (including inside module-level `if`/`try`), in file order. */
export function configAssignments(tree: Tree): ConfigAssignment[] {
  const out: ConfigAssignment[] = [];
  for (const { node } of captures(tree, '(expression_statement (assignment left: (identifier) @name)) @statement')) {
    if (node.type !== 'expression_statement') continue;
    const assignment = node.namedChildren[0];
    const target = assignment?.childForFieldName('left');
    const value = assignment?.childForFieldName('right');
    if (!assignment || !target || !value) continue;
    if (ancestor(node, 'function_definition', 'class_definition', 'lambda')) continue;
    out.push({ name: target.text, assignment, target, value, statement: node, topLevel: node.parent?.type === 'module' });
  }
  return out;
}

/** Whether the analysed Python file is a gunicorn config. */
export function isGunicornConfigFile(file: SourceInfo): boolean {
  return file.roles.has('gunicorn-config') || isGunicornConfigPath(file.relPath);
}

/** `gunicorn.conf.py`, `config/gunicorn_prod.py`, `deploy/gunicorn/web.py`. */
export function isGunicornConfigPath(relPath: string): boolean {
  return /\.py$/i.test(relPath) && /gunicorn/i.test(relPath);
}

/** max_requests as set in another file's text (line-based): 'set', 'zero' (recycling off) or 'missing'. */
export function maxRequestsInText(text: string): 'set' | 'zero' | 'missing' {
  const m = /^[ \t]*max_requests[ \t]*=[ \t]*([^#\n]*)/m.exec(text);
  if (!m) return 'missing';
  return /^0+\s*$/.test(m[1]) ? 'zero' : 'set';
}

export type ConfigLookup =
  /** The command reads no config file. */
  | { kind: 'none' }
  /** It reads one we cannot find or name (an absolute path outside the workspace, `$CONFIG`). */
  | { kind: 'unknown' }
  | { kind: 'found'; relPath: string; text: string };

/** The config file a gunicorn command loads: `-c`/`--config`, or `gunicorn.conf.py` in the working directory. */
export function gunicornConfigOf(ctx: RuleContext, command: StartCommand): ConfigLookup {
  const dir = directoryOf(ctx.file.relPath);
  const explicit = optionValues(command.args, ['-c', '--config']).pop();
  const candidates: string[] = [];
  if (explicit) {
    let value = explicit.value;
    if (/[$`]/.test(value) || value === '') return { kind: 'unknown' };
    if (value.startsWith('python:')) value = `${value.slice('python:'.length).replace(/\./g, '/')}.py`;
    else if (value.startsWith('file:')) value = value.slice('file:'.length);
    // `/app/config/gunicorn.py` in a container: try the path inside the workspace with leading directories dropped.
    const parts = value.split('/').filter((p) => p !== '' && p !== '.');
    for (let i = 0; i < parts.length; i++) {
      const rest = parts.slice(i).join('/');
      candidates.push(normalize(dir + rest), normalize(rest));
    }
  } else {
    candidates.push(normalize(`${dir}gunicorn.conf.py`), 'gunicorn.conf.py');
  }
  for (const relPath of new Set(candidates)) {
    if (relPath === undefined || relPath === '') continue;
    const text = ctx.project.readFile(relPath);
    if (text !== undefined) return { kind: 'found', relPath, text };
  }
  return explicit ? { kind: 'unknown' } : { kind: 'none' };
}

function directoryOf(relPath: string): string {
  const slash = relPath.lastIndexOf('/');
  return slash === -1 ? '' : relPath.slice(0, slash + 1);
}

function normalize(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

/** Names of files that start processes or set their environment. */
const DEPLOY_FILE = /(^|\/)(procfile[^/]*|dockerfile[^/]*|[^/]*\.dockerfile|containerfile|\.env[^/]*|[^/]*\.env|render\.ya?ml|(docker-)?compose[^/]*\.ya?ml|fly\.toml|railway\.(json|toml)|app\.json|heroku\.ya?ml|package\.json)$/i;

/** Texts of the workspace's deploy files other than the analysed one. */
export function otherDeployFiles(ctx: RuleContext): { relPath: string; text: string }[] {
  const out: { relPath: string; text: string }[] = [];
  for (const relPath of ctx.project.files()) {
    if (relPath === ctx.file.relPath || !DEPLOY_FILE.test(relPath) || /(^|\/)node_modules\//.test(relPath)) continue;
    const text = ctx.project.readFile(relPath);
    if (text !== undefined) out.push({ relPath, text });
  }
  return out;
}

/** `.env`, `.env.production`, `prod.env` (as memlint classifies them; `Dockerfile.env` is a Dockerfile). */
export function isEnvFile(relPath: string): boolean {
  const name = relPath.slice(relPath.lastIndexOf('/') + 1).toLowerCase();
  if (name.startsWith('dockerfile') || name.startsWith('procfile')) return false;
  return name === '.env' || name.startsWith('.env.') || name.endsWith('.env');
}

/** `GUNICORN_CMD_ARGS` with `--max-requests`, in the text of a deploy file (value on the same or a following line). */
export const CMD_ARGS_WITH_MAX_REQUESTS = /GUNICORN_CMD_ARGS(?:[^\n]*\n){0,2}?[^\n]*--max-requests/;

/**
 * Whether missing-worker-recycling reports a config file itself (so a command loading it need not be reported
 * too): a gunicorn config by name or content, with a module-level gunicorn setting to anchor the finding on.
 */
export function configReportsItself(relPath: string, text: string): boolean {
  const byContent = /^workers\s*=/m.test(text) && /^(bind|worker_class|timeout|max_requests|threads|preload_app)\s*=/m.test(text);
  return (isGunicornConfigPath(relPath) || byContent) && new RegExp(`^[ \\t]*(${[...GUNICORN_SETTINGS].join('|')})\\s*[:=]`, 'm').test(text);
}
