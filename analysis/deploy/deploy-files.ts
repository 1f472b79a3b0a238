/**
 * Reading the workspace's deploy files from a rule: any file by relative path (the file being edited comes
 * from the editor, not the disk), parsed once per text with the parsers the engine uses, and the start
 * commands and environment settings that `analysis/deploy/commands.ts` extracts, for files other than the one
 * the rule runs on.
 *
 * commands.ts works on a RuleContext; for other files this module builds a small read-only context around
 * the file (kind, roles, text, lazily parsed forms), so every rule reads commands the same way. Merge note for
 * the lead: `commandsOf`/`envOf` below and `classifyDeployFile` could move into commands.ts as
 * `startCommandsOfText(relPath, text, project)`.
 */
import { parseAllDocuments, type Document } from 'yaml';
import { DockerfileParser, type Dockerfile } from 'dockerfile-ast';
import { parseTree, type Node as JsonNode } from 'jsonc-parser';
import { parseTOML, type AST as TomlAST } from 'toml-eslint-parser';
import type { FileKind, FileRole, ProjectInfo, RuleContext, SourceInfo } from '../../rules/api';
import { envSettings, startCommands, type EnvSetting, type StartCommand } from './commands';

/** A range of a workspace file, in UTF-16 offsets of its text. */
export interface SourceLocation {
  /** Workspace-relative path, forward slashes. */
  file: string;
  start: number;
  end: number;
}

/** What a deploy-related file is, by name (and content for Kubernetes manifests). */
export type DeployFileType =
  | 'procfile'
  | 'dockerfile'
  | 'env'
  | 'render'
  | 'docker-compose'
  | 'heroku-yml'
  | 'kubernetes'
  | 'fly'
  | 'railway'
  | 'app-json'
  | 'package-json'
  | 'pm2'
  | 'gunicorn-config';

export function baseNameOf(relPath: string): string {
  return relPath.slice(relPath.lastIndexOf('/') + 1);
}

/** `a/b/` for `a/b/c.txt`, `` for `c.txt`. */
export function dirOf(relPath: string): string {
  const slash = relPath.lastIndexOf('/');
  return slash === -1 ? '' : relPath.slice(0, slash + 1);
}

/** Joins a directory (`a/` or ``) and a relative path, resolving `.` and `..`; leading `/` is dropped. */
export function joinPath(dir: string, path: string): string {
  const out: string[] = [];
  for (const part of `${dir}/${path}`.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

/** A directory path in `dirOf` form (`a/b/` or ``). */
export function asDir(path: string): string {
  const joined = joinPath('', path);
  return joined === '' ? '' : `${joined}/`;
}

const IGNORED_DIR = /(^|\/)(node_modules|\.git|\.venv|venv|env|site-packages|__pycache__|dist|build|\.next)\//;

/**
 * Compose files named for their environment, as cookiecutter-django generated them until 2023 (`local.yml`,
 * `production.yml`): a YAML file of that name whose top level has `services:` with a service that builds or names
 * an image.
 */
export function isEnvironmentNamedCompose(name: string, text: string): boolean {
  return /^(local|production|prod|staging|dev|develop|development)\.ya?ml$/i.test(name) && /^services:[ \t]*\r?$/m.test(text) && /^[ \t]+(build|image):/m.test(text);
}

/** The deploy file type of a path; Kubernetes manifests need their text. */
export function classifyDeployFile(relPath: string, text?: string): DeployFileType | undefined {
  if (IGNORED_DIR.test(relPath)) return undefined;
  const name = baseNameOf(relPath).toLowerCase();
  if (name === 'dockerfile' || name.startsWith('dockerfile.') || name.endsWith('.dockerfile') || name === 'containerfile') return 'dockerfile';
  if ((name === 'procfile' || name.startsWith('procfile.')) && !name.endsWith('.sh')) return 'procfile';
  if (name === '.env' || name.startsWith('.env.') || name.endsWith('.env')) return name.endsWith('.example') || name.endsWith('.sample') || name.endsWith('.template') ? undefined : 'env';
  if (name === 'render.yaml' || name === 'render.yml') return 'render';
  if (/^(docker-)?compose([.-][\w.-]+)?\.ya?ml$/.test(name)) return 'docker-compose';
  if (text !== undefined && isEnvironmentNamedCompose(name, text)) return 'docker-compose';
  if (name === 'heroku.yml' || name === 'heroku.yaml') return 'heroku-yml';
  if (name === 'fly.toml') return 'fly';
  if (name === 'railway.toml' || name === 'railway.json') return 'railway';
  if (name === 'app.json') return 'app-json';
  if (name === 'package.json') return 'package-json';
  if (/^(ecosystem|pm2)\.config\.(c|m)?js$/.test(name) || name === 'ecosystem.config.json') return 'pm2';
  if (/\.py$/.test(name) && /gunicorn/i.test(relPath)) return 'gunicorn-config';
  if (/\.ya?ml$/.test(name) && text !== undefined && /^\s*apiVersion:/m.test(text) && /^\s*kind:/m.test(text)) return 'kubernetes';
  return undefined;
}

/** The kind and roles the engine gives a deploy file (what commands.ts dispatches on). */
function kindAndRoles(relPath: string, type: DeployFileType): { kind: FileKind; roles: Set<FileRole> } | undefined {
  const roles = new Set<FileRole>();
  switch (type) {
    case 'procfile':
    case 'dockerfile':
    case 'env':
      return { kind: type, roles };
    case 'render':
    case 'docker-compose':
    case 'kubernetes':
      roles.add(type);
      return { kind: 'yaml', roles };
    case 'heroku-yml':
      return { kind: 'yaml', roles };
    case 'fly':
      roles.add('fly');
      return { kind: 'toml', roles };
    case 'railway':
      roles.add('railway');
      return { kind: relPath.endsWith('.toml') ? 'toml' : 'json', roles };
    case 'app-json':
      roles.add('app-json');
      return { kind: 'json', roles };
    case 'package-json':
      roles.add('package-json');
      return { kind: 'json', roles };
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing, cached per file text (rules run on every keystroke; other files rarely change between runs)

interface Entry {
  text: string;
  values: Map<string, unknown>;
}

/** Enough for the deploy files and the Python/JS sources of a large app (their facts are read on every run). */
const MAX_CACHED_FILES = 5000;
const parsedCache = new Map<string, Entry>();

function cached<T>(relPath: string, text: string, what: string, compute: () => T): T {
  let entry = parsedCache.get(relPath);
  if (!entry || entry.text !== text) {
    entry = { text, values: new Map() };
    parsedCache.delete(relPath);
    parsedCache.set(relPath, entry);
    if (parsedCache.size > MAX_CACHED_FILES) parsedCache.delete(parsedCache.keys().next().value!);
  }
  if (!entry.values.has(what)) {
    let value: unknown;
    try {
      value = compute();
    } catch {
      value = undefined; // unparseable: the file contributes nothing
    }
    entry.values.set(what, value);
  }
  return entry.values.get(what) as T;
}

function parseYaml(text: string): Document.Parsed[] {
  return parseAllDocuments(text, { keepSourceTokens: false, uniqueKeys: false, prettyErrors: false }) as Document.Parsed[];
}

function parseJson(text: string): JsonNode | undefined {
  return parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
}

/**
 * The workspace as one rule run sees it: the project's files, with the analysed file's current text in
 * place of what is on disk.
 */
export class Workspace {
  private fileList?: readonly string[];

  constructor(
    readonly project: ProjectInfo,
    private readonly overlay?: { relPath: string; text: string },
  ) {}

  /** A workspace for a rule run: the analysed file's text overrides the disk. */
  static of(ctx: RuleContext): Workspace {
    return new Workspace(ctx.project, { relPath: ctx.file.relPath, text: ctx.file.text });
  }

  get memoryLimitMb(): number | undefined {
    return this.project.memoryLimitMb;
  }

  /** The analysed file, whose text stands in for the disk's. */
  get overlayFile(): { relPath: string; text: string } | undefined {
    return this.overlay;
  }

  read(relPath: string): string | undefined {
    this.recorded?.add(relPath);
    if (this.overlay && relPath === this.overlay.relPath) return this.overlay.text;
    return this.project.readFile(relPath);
  }

  private recorded?: Set<string>;

  /** Runs `fn` and returns the files it read (for caches that must notice when any of them changes). */
  recordReads<T>(fn: () => T): { value: T; reads: Set<string> } {
    const outer = this.recorded;
    const reads = new Set<string>();
    this.recorded = reads;
    try {
      return { value: fn(), reads };
    } finally {
      this.recorded = outer;
      if (outer) for (const r of reads) outer.add(r);
    }
  }

  exists(relPath: string): boolean {
    return this.read(relPath) !== undefined;
  }

  /** All workspace files, plus the analysed file (single-file mode lists nothing). */
  files(): readonly string[] {
    if (!this.fileList) {
      const list = [...this.project.files()];
      if (this.overlay && !list.includes(this.overlay.relPath)) list.push(this.overlay.relPath);
      this.fileList = list;
    }
    return this.fileList;
  }

  /** Deploy files of the workspace by type, in path order. */
  deployFiles(): { relPath: string; type: DeployFileType }[] {
    const out: { relPath: string; type: DeployFileType }[] = [];
    for (const relPath of this.files()) {
      let type = classifyDeployFile(relPath);
      if (!type && /\.ya?ml$/i.test(relPath) && !IGNORED_DIR.test(relPath)) type = classifyDeployFile(relPath, this.read(relPath));
      if (type) out.push({ relPath, type });
    }
    return out.sort((a, b) => a.relPath.localeCompare(b.relPath));
  }

  yaml(relPath: string): Document.Parsed[] | undefined {
    const text = this.read(relPath);
    return text === undefined ? undefined : cached(relPath, text, 'yaml', () => parseYaml(text));
  }

  toml(relPath: string): TomlAST.TOMLProgram | undefined {
    const text = this.read(relPath);
    return text === undefined ? undefined : cached(relPath, text, 'toml', () => parseTOML(text));
  }

  json(relPath: string): JsonNode | undefined {
    const text = this.read(relPath);
    return text === undefined ? undefined : cached(relPath, text, 'json', () => parseJson(text));
  }

  dockerfile(relPath: string): Dockerfile | undefined {
    const text = this.read(relPath);
    return text === undefined ? undefined : cached(relPath, text, 'dockerfile', () => DockerfileParser.parse(text));
  }

  /** Start commands written in a deploy file (commands.ts), or none. */
  commands(relPath: string): StartCommand[] {
    return this.fileContext(relPath)?.commands ?? [];
  }

  /** Environment settings written in a deploy file (commands.ts), or none. */
  env(relPath: string): EnvSetting[] {
    return this.fileContext(relPath)?.env ?? [];
  }

  /** Any cached derived value of a file's text (for readers outside this module). */
  derived<T>(relPath: string, what: string, compute: (text: string) => T): T | undefined {
    const text = this.read(relPath);
    return text === undefined ? undefined : cached(relPath, text, `derived:${what}`, () => compute(text));
  }

  private fileContext(relPath: string): { commands: StartCommand[]; env: EnvSetting[] } | undefined {
    const text = this.read(relPath);
    if (text === undefined) return undefined;
    const type = classifyDeployFile(relPath, text);
    if (!type) return undefined;
    const kr = kindAndRoles(relPath, type);
    if (!kr) return undefined;
    // The cache is keyed by path and text; a railway file's commands also depend on a Dockerfile beside it, which
    // another project with the same relative path and text may lack.
    const what = type === 'railway' ? `commands:${this.exists(joinPath(dirOf(relPath), 'Dockerfile'))}` : 'commands';
    return cached(relPath, text, what, () => {
      const ctx = this.readOnlyContext({ path: relPath, relPath, kind: kr.kind, roles: kr.roles, text });
      return { commands: startCommands(ctx), env: envSettings(ctx) };
    });
  }

  /** The part of a RuleContext that commands.ts reads, for a file other than the analysed one. */
  private readOnlyContext(file: SourceInfo): RuleContext {
    const unsupported = (): never => {
      throw new Error(`memlint: ${file.relPath} is read as a deploy file only`);
    };
    return {
      file,
      options: {},
      project: this.project,
      python: unsupported,
      typescript: unsupported,
      yaml: () => this.yaml(file.relPath) ?? [],
      dockerfile: () => this.dockerfile(file.relPath) ?? DockerfileParser.parse(''),
      json: () => this.json(file.relPath),
      toml: () => {
        const program = this.toml(file.relPath);
        if (!program) throw new Error(`memlint: ${file.relPath} is not valid TOML`);
        return program;
      },
      report: () => undefined,
    };
  }
}

/** Line starts of a text, for turning dockerfile-ast positions into offsets. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

export function offsetAt(starts: readonly number[], text: string, position: { line: number; character: number }): number {
  return Math.min((starts[position.line] ?? text.length) + position.character, text.length);
}
