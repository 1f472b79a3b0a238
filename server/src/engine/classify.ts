/** Decides how a file is parsed (its kind) and what it is for (its roles), by name and content. */
import type { FileKind, FileRole } from '../../../rules/api';
import { isCeleryDefaultsName, setsCeleryDefaults } from '../../../analysis/deploy/celeryd-defaults';
import { isShellScriptPath } from '../../../analysis/deploy/shell-script-path';
import { isSupervisordConfigPath } from '../../../analysis/deploy/supervisord-path';
import { isEnvironmentNamedCompose } from '../../../analysis/deploy/deploy-files';
import { isPm2ProcessFile } from '../../../analysis/deploy/pm2-process-files';

export { isShellScriptPath, isSupervisordConfigPath };

export interface Classification {
  kind: FileKind;
  roles: Set<FileRole>;
}

const EXTENSION_KINDS: Record<string, FileKind> = {
  '.py': 'python',
  '.pyi': 'python',
  '.ts': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.tsx': 'typescript',
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.jsx': 'javascript',
  '.yaml': 'yaml',
  '.yml': 'yaml',
  '.toml': 'toml',
  '.json': 'json',
  '.env': 'env',
};

/** The suffix of a template that renders the file named without it. */
const TEMPLATE_SUFFIX = /\.(j2|jinja2?)$/i;

function baseName(path: string): string {
  const i = path.lastIndexOf('/');
  return i >= 0 ? path.slice(i + 1) : path;
}

function extension(name: string): string {
  const i = name.lastIndexOf('.');
  return i > 0 ? name.slice(i).toLowerCase() : '';
}

/** Returns undefined for files memlint does not analyse. `path` uses forward slashes. */
/**
 * `mayMatch`: a cheaper `pattern.test(text)` for line-local patterns when the caller has one (the language server's
 * keystrokes answer it per chunk of lines; a search of a 5,000-line module's text costs a keystroke a fraction of a ms).
 */
export function classify(path: string, text?: string, mayMatch?: (pattern: RegExp) => boolean): Classification | undefined {
  const name = baseName(path);
  const lower = name.toLowerCase();
  const roles = new Set<FileRole>();

  if (lower === 'dockerfile' || lower.startsWith('dockerfile.') || lower.endsWith('.dockerfile') || lower === 'containerfile') {
    return { kind: 'dockerfile', roles };
  }
  if (isShellScriptPath(path)) return { kind: 'shell', roles };
  if (lower === 'procfile' || lower.startsWith('procfile.')) return { kind: 'procfile', roles };
  // Ansible/Salt templates of deploy configs (`app.ini.j2`) are read as the file they render: INI is line-based, so a
  // `{{ var }}` value is only an unknown value.
  const rendered = lower.replace(TEMPLATE_SUFFIX, '');
  if (rendered.endsWith('.ini')) {
    if (rendered.includes('uwsgi') || (lower !== rendered && text !== undefined && /^\s*\[uwsgi\]/m.test(text))) roles.add('uwsgi');
    return { kind: 'ini', roles };
  }
  if (isSupervisordConfigPath(path.replace(TEMPLATE_SUFFIX, ''))) return { kind: 'ini', roles: new Set(['supervisord']) };
  if (isCeleryDefaultsName(name)) return { kind: 'env', roles: text !== undefined && setsCeleryDefaults(text) ? new Set(['celeryd-defaults']) : roles };
  if (lower === '.env' || lower.startsWith('.env.') || lower.endsWith('.env')) return { kind: 'env', roles };
  if (/^requirements.*\.(txt|in)$/.test(lower) || lower === 'constraints.txt') return { kind: 'requirements', roles };

  if (isDjangoTemplatePath(path, lower)) return { kind: 'django-template', roles };
  const kind = EXTENSION_KINDS[extension(name)];
  if (!kind) return undefined;

  switch (kind) {
    case 'python':
      if (/^gunicorn[\w.-]*\.py$/.test(lower) || (text !== undefined && (mayMatch?.(WORKERS_WORD) ?? true) && looksLikeGunicornConfig(text))) roles.add('gunicorn-config');
      if (lower === 'settings.py' || /\/settings\/[^/]+\.py$/.test(path) || lower.endsWith('_settings.py')) roles.add('django-settings');
      else if (text && (mayMatch?.(DJANGO_SETTINGS_NAME) ?? true) && assignsDjangoSettings(text)) roles.add('django-settings');
      if (lower === 'celeryconfig.py' || lower === 'celery.py') roles.add('celery-config');
      break;
    case 'typescript':
    case 'javascript':
      if (lower.endsWith('.tsx')) roles.add('tsx');
      if (lower.endsWith('.jsx')) roles.add('jsx');
      if (/^(ecosystem|pm2)\.config\.(c|m)?js$/.test(lower)) roles.add('pm2');
      break;
    case 'yaml':
      if (lower === 'render.yaml' || lower === 'render.yml') roles.add('render');
      else if (/^(docker-)?compose([.-][\w.-]+)?\.ya?ml$/.test(lower) || (text !== undefined && isEnvironmentNamedCompose(lower, text))) roles.add('docker-compose');
      else if (text && /^\s*apiVersion:/m.test(text) && /^\s*kind:/m.test(text)) roles.add('kubernetes');
      else if (isPm2ProcessFile(lower, text)) roles.add('pm2');
      break;
    case 'toml':
      if (lower === 'fly.toml') roles.add('fly');
      else if (lower === 'railway.toml') roles.add('railway');
      else if (lower === 'pyproject.toml') roles.add('pyproject');
      else if (lower === 'config.toml' && /(^|\/)\.streamlit\/config\.toml$/.test(path)) roles.add('streamlit-config');
      break;
    case 'json':
      if (lower === 'package.json') roles.add('package-json');
      else if (lower === 'railway.json') roles.add('railway');
      else if (lower === 'app.json') roles.add('app-json');
      else if (isPm2ProcessFile(lower, text)) roles.add('pm2');
      break;
  }
  return { kind, roles };
}


/**
 * Files that may be Django templates: HTML anywhere (a TEMPLATES `DIRS` folder may have any name; the rule
 * resolves which ones a view renders), text and XML templates (emails, sitemaps) only under a `templates/` folder.
 */
function isDjangoTemplatePath(path: string, lower: string): boolean {
  if (/\.(html?|djhtml)$/.test(lower)) return true;
  return /\.(txt|xml)$/.test(lower) && /(^|\/)templates\//.test(path);
}

/**
 * `/^\s*(INSTALLED_APPS|MIDDLEWARE|DATABASES)\s*=/m.test(text)`, found from the names: a search that starts with
 * the names skips ahead where one that starts at every line start walks the text (a millisecond per keystroke in a
 * 5,000-line module, as much again for substring searches of names the module lacks). `^\s*` there means only
 * white space back to a line start.
 */
function assignsDjangoSettings(text: string): boolean {
  return atLineStart(text, DJANGO_SETTINGS_ASSIGNMENT, true);
}

/**
 * Whether a match of `pattern` (with the g flag) starts a line, after white space when `indented`: `/^\s*(...)/m` or
 * `/^(...)/m` searched from the pattern's own first characters.
 */
function atLineStart(text: string, pattern: RegExp, indented: boolean): boolean {
  for (const m of text.matchAll(pattern)) {
    let i = m.index - 1;
    if (indented) while (i >= 0 && !LINE_TERMINATORS.has(text[i]) && /\s/.test(text[i])) i--;
    if (i < 0 || LINE_TERMINATORS.has(text[i])) return true;
  }
  return false;
}

const DJANGO_SETTINGS_ASSIGNMENT = /(?:INSTALLED_APPS|MIDDLEWARE|DATABASES)\s*=/g;
const WORKERS_ASSIGNMENT = /workers\s*=/g;
/** Line-local parts of the two assignments above (what `mayMatch` is asked). */
const DJANGO_SETTINGS_NAME = /INSTALLED_APPS|MIDDLEWARE|DATABASES/;
const WORKERS_WORD = /^workers/m;
/** Where `^` matches in a multi-line regex. */
const LINE_TERMINATORS = new Set(['\n', '\r', '\u2028', '\u2029']);

/** A module-level `workers =` next to another gunicorn setting: a config passed with `-c`. */
function looksLikeGunicornConfig(text: string): boolean {
  // `/^workers\s*=/m` found from the name: a substring search of a two-byte text costs a keystroke a third of a ms.
  return atLineStart(text, WORKERS_ASSIGNMENT, false) && /^(bind|worker_class|timeout|max_requests|threads|preload_app)\s*=/m.test(text);
}
