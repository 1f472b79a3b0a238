/**
 * The logging config files (YAML, JSON, INI in `logging.config.fileConfig` format) a project's deployed processes
 * load: a server's `--log-config` (uvicorn, gunicorn, hypercorn; gunicorn's `--log-config-json`), and a module the
 * deploy reaches that calls `logging.config.dictConfig(...)` / `fileConfig(...)` naming the file by a literal path.
 * Relative paths are taken from the folder the process starts in (a start command's `cd`, its deploy's folder), and
 * for a module's call also from the module's folder and the project root; a path inside a container
 * (`/app/logging.yaml`) is looked up with its leading folders dropped. Processes of development deploys (a
 * `docker-compose.dev.yml`, a server run with `--reload`) load nothing here.
 *
 * Computed once per project state (the project's texts' stamp) and reused by every file's check.
 */
import type { ProjectInfo } from '../../rules/api';
import { ProjectSlot } from '../cache';
import { projectTexts } from '../project-texts';
import { hasOption, optionValues } from './commands';
import { dirOf, joinPath, Workspace } from './deploy-files';
import { findDeploys } from './deploys';
import { developmentComposeFile } from './development-deploys';
import { deployReach } from './project-reach';

/** Why the file is loaded, for messages: `uvicorn --log-config (docker-compose.yml)`. */
export type LoggingConfigs = ReadonlyMap<string, string>;

const LOG_CONFIG_OPTIONS: Record<string, readonly string[]> = {
  uvicorn: ['--log-config'],
  gunicorn: ['--log-config', '--log-config-json'],
  hypercorn: ['--log-config'],
};
const CONFIG_FILE = /\.(ya?ml|json|ini|conf|cfg)$/i;
/** A module that hands a file to the logging module's config readers. */
const CONFIG_CALL = /\b(dictConfig|fileConfig)\s*\(/;
/** Literal paths to config files in a module's text. */
const LITERAL_PATH = /["']([\w./-]+\.(?:ya?ml|json|ini|conf|cfg))["']/gi;
/** What a logging config file holds (dictConfig's `version: 1` + `handlers`, fileConfig's `[handlers]`). */
const LOGGING_CONFIG_TEXT = /^\s*\[handlers\]|["']?handlers["']?\s*:/m;

const slot = new ProjectSlot<{ key?: unknown; value: LoggingConfigs }>('deploy: loaded logging config files', () => ({ value: new Map() }));

export function loadedLoggingConfigs(project: ProjectInfo): LoggingConfigs {
  const texts = projectTexts(project);
  const key = texts.stamp ?? texts.files;
  const holder = slot.get(project);
  if (holder.key === key) return holder.value;
  holder.key = key;
  try {
    holder.value = compute(project);
  } catch {
    holder.value = new Map();
  }
  return holder.value;
}

function compute(project: ProjectInfo): LoggingConfigs {
  const ws = new Workspace(project);
  const found = new Map<string, string>();
  const cwds = new Set<string>(['']);
  for (const deploy of findDeploys(ws)) {
    for (const process of deploy.processes) {
      const text = ws.read(process.file) ?? '';
      if (hasOption(process.command.args, ['--reload']) || developmentComposeFile(project, process.file, text)) continue;
      const cwd = process.command.cd ? joinPath(process.cwd, process.command.cd) : process.cwd;
      cwds.add(cwd);
      const options = LOG_CONFIG_OPTIONS[process.command.program];
      if (!options) continue;
      for (const { value } of optionValues(process.command.args, options)) {
        const file = resolve(ws, [cwd, deploy.dir], value);
        if (file && !found.has(file)) found.set(file, `${process.command.program} ${options[0]} (${process.file})`);
      }
    }
  }
  const reach = deployReach(project);
  if (reach.judged) {
    for (const module of reach.reached) {
      const text = ws.read(module);
      if (!text || !CONFIG_CALL.test(text)) continue;
      for (const m of text.matchAll(LITERAL_PATH)) {
        const file = resolve(ws, [...cwds, dirOf(module)], m[1]);
        if (file && !found.has(file) && LOGGING_CONFIG_TEXT.test(ws.read(file) ?? '')) found.set(file, `logging config loaded by ${module}`);
      }
    }
  }
  return found;
}

/** The workspace file a path names, from the first folder holding it; an absolute path with leading folders dropped. */
function resolve(ws: Workspace, folders: readonly string[], path: string): string | undefined {
  if (!CONFIG_FILE.test(path) || /[$`*?{]/.test(path)) return undefined;
  if (!path.startsWith('/')) {
    for (const folder of folders) {
      const file = joinPath(folder, path);
      if (ws.exists(file)) return file;
    }
    return undefined;
  }
  const parts = path.split('/').filter((p) => p !== '');
  for (let i = 0; i < parts.length; i++) {
    const rest = parts.slice(i).join('/');
    for (const folder of folders) {
      const file = joinPath(folder, rest);
      if (ws.exists(file)) return file;
    }
  }
  return undefined;
}
