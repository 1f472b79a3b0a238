/**
 * The rule API: what a rule file exports and what the engine hands it.
 * Rules depend on this file and on their shared helpers only, never on server/.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Language, Tree } from 'web-tree-sitter';
import type { ts } from 'ts-morph';
import type { Document } from 'yaml';
import type { Dockerfile } from 'dockerfile-ast';
import type { Node as JsonNode } from 'jsonc-parser';
import type { AST as TomlAST } from 'toml-eslint-parser';

export type Severity = 'error' | 'warning' | 'info' | 'hint';
export type FixSafety = 'safe' | 'unsafe';

/** How a file's text is parsed. */
export type FileKind =
  | 'python'
  | 'typescript'
  | 'javascript'
  | 'dockerfile'
  | 'procfile'
  | 'yaml'
  | 'toml'
  | 'json'
  | 'env'
  | 'requirements'
  /** Shell scripts (`*.sh`, `bin/docker-entrypoint`): a deploy may start its processes through one. */
  | 'shell'
  /** INI files: uWSGI configs (`[uwsgi]`), supervisord configs (`[program:x]`). */
  | 'ini'
  /** An .html/.txt file under a templates folder, parsed by analysis/django-templates/parse.ts. */
  | 'django-template';

/** What a file is for, beyond its syntax. A file may have several roles. */
export type FileRole =
  | 'gunicorn-config'
  | 'django-settings'
  | 'celery-config'
  /** The config celery's generic init script sources (`/etc/default/celeryd`): CELERYD_OPTS and friends. */
  | 'celeryd-defaults'
  | 'render'
  | 'docker-compose'
  | 'kubernetes'
  | 'fly'
  | 'railway'
  | 'app-json'
  | 'package-json'
  | 'streamlit-config'
  | 'pyproject'
  | 'pm2'
  | 'uwsgi'
  | 'supervisord'
  | 'tsx'
  | 'jsx';

export type OptionValue = number | string | boolean | string[];

export interface RuleOption {
  type: 'number' | 'string' | 'boolean' | 'string[]';
  default: OptionValue;
  description: string;
}

/** Documentation, in the shape of Ruff's rule docs. Markdown. */
export interface RuleDocs {
  /** One sentence: what the rule finds. */
  summary: string;
  whatItDoes: string;
  whyIsThisBad: string;
  /** A file that produces exactly one finding of this rule. */
  example: DocExample;
  /** The same code, fixed; produces no finding. */
  useInstead: DocExample;
  fixSafety?: string;
  /** Limits, scope notes, related rules. */
  notes?: string;
}

export interface DocExample {
  /** File name used to classify the example (e.g. `views.py`, `gunicorn.conf.py`, `Procfile`). */
  fileName: string;
  code: string;
  /** Other files of the example's project, by path (the deploy that loads a config file the example shows). */
  alongside?: Record<string, string>;
}

/**
 * A test of a file's raw text. A RegExp is one; a rule whose findings need several things at once (a name
 * declared and then grown, an import and a call) can combine tests in a function.
 */
export interface TextTrigger {
  test(text: string): boolean;
  /**
   * A stricter, costlier test of a whole text read once (batch scans, a file just opened), where `test` is not
   * answered per chunk of lines: it may skip only files the rule surely reports nothing in (proven per rule).
   */
  strictTest?(text: string): boolean;
}

export interface RuleMeta {
  id: string;
  /** File kinds the check runs on. */
  kinds: readonly FileKind[];
  /** If set, only files with at least one of these roles. */
  roles?: readonly FileRole[];
  defaultSeverity: Severity;
  /** The safety of the fixes this rule offers, or 'none'. */
  fix: FixSafety | 'none';
  /**
   * Cheap pre-filter: the rule runs only on files whose text matches.
   * Keep it loose (no false negatives); most files in a workspace match nothing.
   */
  trigger?: TextTrigger;
  options?: Record<string, RuleOption>;
  /**
   * The kinds of finding the rule reports, as typescript-eslint's `meta.messages`: message id -> headline
   * template, `{{name}}` filled from the report's `data`. Ids are stable: fixtures pin them
   * (`# ruleid: n-plus-one:foreign-key`), JSON and SARIF carry them, the docs list them.
   */
  messages?: Record<string, string>;
  docs: RuleDocs;
}

/** A text edit in UTF-16 offsets of the file's text (what JS strings and tree-sitter use). */
export interface OffsetEdit {
  start: number;
  end: number;
  newText: string;
}

export interface FixSpec {
  title: string;
  /** Defaults to the rule's meta.fix safety. */
  safety?: FixSafety;
  edits: OffsetEdit[];
  /** Marked preferred in the editor's quick-fix menu. The first fix is preferred by default. */
  preferred?: boolean;
}

export interface ReportSpec {
  start: number;
  end: number;
  /** A key of the rule's `meta.messages`: the headline is its template filled from `data`. */
  messageId?: string;
  data?: Record<string, string | number>;
  /**
   * The headline, one line of at most ~100 characters (the Problems panel cuts longer ones): what the
   * code does and what it costs, then what to do. "Loads up to 10000 rows per request: use pages of 100".
   * Rules with `meta.messages` give `messageId` (and `data`) instead.
   */
  message?: string;
  /**
   * The rest, shown in the hover, JSON and SARIF: why it costs memory, the figures and where they come
   * from, the alternatives. Plain sentences; `code` in backticks.
   */
  detail?: string;
  fixes?: FixSpec[];
  /**
   * Other places the finding is about (LSP related information, SARIF relatedLocations): the view whose queryset
   * lacks the relation a serializer field reads, the route that calls a helper per request.
   */
  related?: RelatedSpec[];
  /**
   * The model or table whose rows the finding is about, as the code names it (`Banner`, Prisma's `menuItem`, a Knex
   * `'menu_items'`): for n-plus-one the rows iterated (the N), not the table queried per row. Only when the check
   * knows it, never guessed: a team lists tables it knows stay small in the `smallTables` setting, and the engine
   * drops the findings about them (server/src/engine/small-tables.ts).
   */
  table?: string;
}

/** A place a finding points at besides its own range, in UTF-16 offsets of that file's text. */
export interface RelatedSpec {
  /** Another file of the project, as `ctx.project` names it; absent: the file being checked. */
  relPath?: string;
  start: number;
  end: number;
  /** What is there, in a few words: "the view's queryset (OrderList)". */
  message: string;
}

export interface SourceInfo {
  /** Absolute path, forward slashes. */
  path: string;
  /** Path relative to the workspace root, forward slashes. */
  relPath: string;
  kind: FileKind;
  roles: ReadonlySet<FileRole>;
  text: string;
}

/** Facts about the workspace that rules may need beyond their own file. */
export interface ProjectInfo {
  /** Platform memory limit in MB when configured or read from deploy files. */
  memoryLimitMb?: number;
  /** Reads another workspace file's text (relative path), or undefined. Never throws. */
  readFile(relPath: string): string | undefined;
  /**
   * The same text as readFile, without keeping it for later calls: for analyses that look at every file once and keep
   * only a digest of it (a scan of the stdlib held its 31 MB of text per thread). Absent: use readFile.
   */
  peekFile?(relPath: string): string | undefined;
  /** Workspace-relative paths of all discovered files (may be empty in single-file mode). */
  files(): readonly string[];
  /** Size in bytes of a regular file inside the workspace (model files the budget counts), or undefined. */
  fileSize?(relPath: string): number | undefined;
  /** The projects nested in this one's folder (`final/` inside a repository of course work), with their roots relative to it. */
  nestedProjects?(): readonly { root: string; project: ProjectInfo }[];
  /** The project whose folder holds this one (the repository around `production_deployment/`), with this one's root relative to it. */
  enclosingProject?(): { root: string; project: ProjectInfo } | undefined;
}

export interface RuleContext {
  readonly file: SourceInfo;
  /** Options resolved from defaults and configuration. */
  readonly options: Readonly<Record<string, OptionValue>>;
  readonly project: ProjectInfo;
  /** Parsed forms, computed once per file version and shared by all rules. */
  python(): Tree;
  typescript(): ts.SourceFile;
  yaml(): Document.Parsed[];
  dockerfile(): Dockerfile;
  json(): JsonNode | undefined;
  toml(): TomlAST.TOMLProgram;
  /** The Python grammar, to parse another module of the project (the caller deletes the trees it makes). */
  pythonLanguage?(): Language;
  report(spec: ReportSpec): void;
}

export interface Rule {
  meta: RuleMeta;
  check(ctx: RuleContext): void;
}

export function defineRule(rule: Rule): Rule {
  return rule;
}

/**
 * Where rule pages live: $MEMLINT_DOCS_URL (CLI: --docs-url) when set, e.g. a docs site or a repository's
 * docs/rules/ folder; otherwise the pages shipped in the package (docs/rules/ beside dist/ and rules/), as
 * file: URLs, which always resolve where memlint runs.
 */
export function docsBaseUrl(): string {
  const configured = process.env.MEMLINT_DOCS_URL?.trim();
  if (configured) return configured.endsWith('/') ? configured : `${configured}/`;
  // Every finding asks (pathToFileURL is a visible cost in a keystroke with 1,000 findings): made once.
  return (shippedDocsUrl ??= pathToFileURL(path.join(__dirname, '..', 'docs', 'rules') + path.sep).href);
}
let shippedDocsUrl: string | undefined;

export function docsUrl(ruleId: string, anchor?: string): string {
  return `${docsBaseUrl()}${ruleId}.md${anchor ? `#${anchor}` : ''}`;
}
