/**
 * Runs the enabled rules over one file's text: classify, pre-filter by trigger tokens, parse lazily
 * (once per file), collect reports, drop suppressed ones and those inside syntax errors.
 */
import type { Tree } from 'web-tree-sitter';
import type { ts } from 'ts-morph';
import type { Document } from 'yaml';
import type { Dockerfile } from 'dockerfile-ast';
import type { Node as JsonNode } from 'jsonc-parser';
import type { AST as TomlAST } from 'toml-eslint-parser';
import { docsUrl, type FileKind, type FileRole, type OptionValue, type ProjectInfo, type RelatedSpec, type ReportSpec, type Rule, type RuleContext, type RuleMeta, type Severity, type SourceInfo, type TextTrigger } from '../../../rules/api';
import { deployedBeside, offlineCode, offlineTemplate } from '../../../analysis/reach';
import { inBatchScanThread } from '../../../analysis/cache';
import { deployReach } from '../../../analysis/deploy/project-reach';
import { staleDjangoCopy } from '../../../analysis/deploy/stale-copies';
import { classify } from './classify';
import type { MemlintConfig } from './config';
import { getPythonLanguage, parseDockerfile, parseJson, parsePython, parseToml, parseTypeScript, parseYaml } from './parsers';
import { MAX_TYPESCRIPT_DEPTH, pythonNestingProblem, pythonNestingProblemBySegments, typeScriptDepthOver } from './nesting';
import { headlineOf, type Headline } from './messages';
import { DIRECTIVE_WORD, Suppressions } from './suppress';
import { endsLinesWithLoneCr, LineIndex, withoutLoneCr } from './text';
import type { Finding, Fix, FileResult, Note, RelatedLocation } from './types';
import { TriggerMemos } from './trigger-memo';
import { isAboutSmallTable, smallTableKeys } from './small-tables';
import { statementCachesEnabled } from '../../../analysis/cache';

/** A report with its headline resolved from the rule's message ids (side by side: no copy of the report). */
interface ResolvedReport {
  spec: ReportSpec;
  headline: Headline;
}

export interface RuleFilter {
  /** Only these rule ids (CLI --select). */
  select?: readonly string[];
  /** Never these (CLI --ignore). */
  ignore?: readonly string[];
}

interface ActiveRule {
  rule: Rule;
  severity: Severity;
  options: Record<string, OptionValue>;
}

/** Kinds of source code, as opposed to deploy and dependency files. */
const CODE_KINDS: ReadonlySet<FileKind> = new Set(['python', 'typescript', 'javascript']);

/** Thrown by a parse accessor when the file cannot be parsed at all; the message is the file's note. */
class UnparseableFile extends Error {
  constructor(
    message: string,
    readonly kind: 'syntax-error' | 'not-analysed',
  ) {
    super(message);
  }
}

/** A JavaScript stack overflow: a recursive walk met a tree deeper than it can go. */
function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

/** Parsed forms of one file version. Reused across analyses when the text is unchanged. */
export class ParsedFile {
  private py?: Tree;
  private tsFile?: ts.SourceFile;
  private yamlDocs?: Document.Parsed[];
  private docker?: Dockerfile;
  private jsonRoot?: { root: JsonNode | undefined };
  private tomlAst?: TomlAST.TOMLProgram | Error;
  /** Why the file is too deep (or broken) for its parser; null when checked and fine. */
  private tooDeep?: string | null;

  /** The text parsers see: lone CRs read as LF (see withoutLoneCr), the same length as the file's. */
  readonly text: string;

  constructor(
    readonly path: string,
    text: string,
    /** A previous tree of this file, already `edit()`ed, for tree-sitter's incremental reparse. */
    private readonly previousPython?: Tree,
    /** The file's previous SourceFile and text, for TypeScript's incremental reparse (then no longer usable). */
    private readonly previousTypeScript?: { sourceFile: ts.SourceFile; text: string },
  ) {
    this.text = withoutLoneCr(text);
  }

  python(): Tree {
    if (this.py) return this.py;
    // The language server keeps the scans of unchanged pieces of the text across keystrokes; a batch scan reads each file once.
    if (this.tooDeep === undefined) this.tooDeep = (statementCachesEnabled() ? pythonNestingProblemBySegments(this.text) : pythonNestingProblem(this.text)) ?? null;
    if (this.tooDeep) throw new UnparseableFile(`not analysed: ${this.tooDeep}`, 'not-analysed');
    try {
      return (this.py = parsePython(this.text, this.previousPython));
    } catch (e) {
      this.tooDeep = `the Python parser failed (${(e as Error).message})`;
      throw new UnparseableFile(`not analysed: ${this.tooDeep}`, 'not-analysed');
    }
  }
  hasPythonTree(): boolean {
    return this.py !== undefined;
  }
  typescript(): ts.SourceFile {
    if (this.tsFile) return this.tsFile;
    if (this.tooDeep) throw new UnparseableFile(`not analysed: ${this.tooDeep}`, 'not-analysed');
    let sourceFile: ts.SourceFile;
    try {
      sourceFile = parseTypeScript(this.path, this.text, this.previousTypeScript);
    } catch (e) {
      this.tooDeep = isStackOverflow(e) ? `nesting too deep for the TypeScript parser` : `the TypeScript parser failed (${(e as Error).message})`;
      throw new UnparseableFile(`not analysed: ${this.tooDeep}`, 'not-analysed');
    }
    if (typeScriptDepthOver(sourceFile)) {
      this.tooDeep = `nesting too deep (a syntax tree over ${MAX_TYPESCRIPT_DEPTH} levels deep)`;
      throw new UnparseableFile(`not analysed: ${this.tooDeep}`, 'not-analysed');
    }
    return (this.tsFile = sourceFile);
  }
  hasTypeScriptTree(): boolean {
    return this.tsFile !== undefined;
  }
  yaml(): Document.Parsed[] {
    return (this.yamlDocs ??= parseYaml(this.text));
  }
  dockerfile(): Dockerfile {
    return (this.docker ??= parseDockerfile(this.text));
  }
  json(): JsonNode | undefined {
    return (this.jsonRoot ??= parseJson(this.text)).root;
  }
  toml(): TomlAST.TOMLProgram {
    if (this.tomlAst === undefined) {
      try {
        this.tomlAst = parseToml(this.text);
      } catch (e) {
        this.tomlAst = e as Error;
      }
    }
    if (this.tomlAst instanceof Error) throw new UnparseableFile(`invalid TOML: ${this.tomlAst.message}; skipped`, 'syntax-error');
    return this.tomlAst;
  }
  dispose(): void {
    this.py?.delete();
  }
}

export interface AnalyzeOptions {
  /** Parsed forms to reuse (LSP: incremental reparse). The caller owns and disposes them. */
  parsed?: ParsedFile;
  /** Override classification (e.g. an untitled editor buffer with a language id). */
  kind?: FileKind;
  /**
   * The text is the file's own, just read from disk inside the workspace: what `project.readFile` would return for it,
   * so checks that read the analysed file through the project take this text instead of reading it again.
   */
  readFromDisk?: boolean;
}

/** The project a file belongs to, as its rules see it: the project's files, paths relative to its root. */
export type ProjectScope = (relPath: string) => { project: ProjectInfo; relPath: string };

export class Analyzer {
  private readonly active: ActiveRule[];
  /** Rules that threw already in this analyzer's life: each is reported once, not per file. */
  private readonly failedRules = new Set<string>();
  private readonly triggerMemos = new TriggerMemos();
  /** The `smallTables` setting's names, compared as small-tables.ts does. */
  private readonly smallTables: ReadonlySet<string> | undefined;

  constructor(
    rules: readonly Rule[],
    readonly config: MemlintConfig,
    readonly project: ProjectInfo,
    filter: RuleFilter = {},
    /** Scopes cross-file facts to the file's project (analysis/projects.ts); without it, the whole `project`. */
    private readonly scope?: ProjectScope,
  ) {
    this.active = [];
    this.smallTables = smallTableKeys(config.smallTables);
    for (const rule of rules) {
      const id = rule.meta.id;
      if (filter.select?.length && !filter.select.includes(id)) continue;
      if (filter.ignore?.includes(id)) continue;
      const setting = config.rules.get(id);
      if (setting?.severity === 'off') continue;
      const options: Record<string, OptionValue> = {};
      for (const [name, spec] of Object.entries(rule.meta.options ?? {})) options[name] = setting?.options[name] ?? spec.default;
      this.active.push({ rule, severity: setting?.severity ?? rule.meta.defaultSeverity, options });
    }
  }

  /** The rules that run, each with the severity it reports at (configuration applied). */
  activeRules(): { id: string; severity: Severity }[] {
    const seen = new Map<string, Severity>();
    for (const a of this.active) if (!seen.has(a.rule.meta.id)) seen.set(a.rule.meta.id, a.severity);
    return [...seen].map(([id, severity]) => ({ id, severity })).sort((x, y) => x.id.localeCompare(y.id));
  }

  get activeRuleIds(): string[] {
    return [...new Set(this.active.map((a) => a.rule.meta.id))];
  }

  /** True when some enabled rule could run on this path (used to skip reading files at all). */
  wants(path: string): boolean {
    const c = classify(path);
    return c !== undefined && this.active.some((a) => a.rule.meta.kinds.includes(c.kind));
  }

  analyzeText(path: string, relPath: string, fileText: string, opts: AnalyzeOptions = {}): FileResult {
    const result: FileResult = { path, relPath, findings: [], notes: [], skipped: false };
    const text = withoutLoneCr(fileText);
    const lineBreak = endsLinesWithLoneCr(fileText) ? '\r' : undefined;
    // Keystrokes (a reused parse): triggers answered per unchanged chunk of lines (trigger-memo.ts); otherwise the
    // text is read once, and a trigger's stricter test may skip the rule. So are the classification's text tests.
    const triggers = opts.parsed ? this.triggerMemos.at(path, text) : undefined;
    const classification = classify(path, text, triggers && ((pattern) => triggers.test(pattern, text)));
    if (!classification && !opts.kind) return result;
    const kind = opts.kind ?? classification!.kind;
    const roles: Set<FileRole> = classification?.roles ?? new Set();

    const scoped = this.scope?.(relPath) ?? { project: this.project, relPath };
    // Code no deploy runs (tests, migrations, scripts...) serves no request: nothing to report there by default.
    const offline = this.config.checkOfflineCode
      ? undefined
      : CODE_KINDS.has(kind)
        ? offlineCode(scoped.relPath, scoped.project, opts.readFromDisk ? text : undefined)
        : kind === 'django-template'
          ? offlineTemplate(scoped.project)
          : undefined;
    if (offline) {
      // Judged by the deploys' import graph rather than by its folder: say so, since nothing else shows it.
      if (offline === 'not run by any deploy') result.notes.push({ kind: 'not-run-by-deploy', path, relPath, message: notRunByDeployNote(scoped.project) });
      return result;
    }

    const applicable = this.active.filter(
      (a) =>
        a.rule.meta.kinds.includes(kind) &&
        (!a.rule.meta.roles || a.rule.meta.roles.some((r) => roles.has(r))) &&
        (!a.rule.meta.trigger || (triggers ? triggers.test(a.rule.meta.trigger, text) : wholeTextPasses(a.rule.meta.trigger, text))),
    );
    if (applicable.length === 0) return result;

    const source: SourceInfo = { path, relPath, kind, roles, text };
    // Rules see the file and the other files relative to its project's root, as if the project were scanned alone.
    const ruleSource: SourceInfo = scoped.relPath === relPath ? source : { ...source, relPath: scoped.relPath };
    const lines = new LineIndex(text, opts.parsed !== undefined);
    const parsed = opts.parsed ?? new ParsedFile(path, text);
    const suppressions = new Suppressions(text, lines, triggers?.test(DIRECTIVE_WORD, text));
    let unparseable: UnparseableFile | undefined;
    const deepRules: string[] = [];

    try {
      for (const active of applicable) {
        const reports: ResolvedReport[] = [];
        const ctx = makeContext(active.rule.meta, ruleSource, active.options, scoped.project, parsed, reports);
        try {
          active.rule.check(ctx);
        } catch (e) {
          if (e instanceof UnparseableFile) {
            unparseable = e;
            continue;
          }
          if (isStackOverflow(e)) {
            deepRules.push(active.rule.meta.id);
            continue;
          }
          this.noteRuleFailure(result, active.rule.meta.id, e);
          continue;
        }
        const docs = reports.length > 0 ? docsUrl(active.rule.meta.id) : '';
        for (const report of reports) {
          const finding = this.toFinding(report, active, source, lines, docs, lineBreak);
          if (report.spec.related?.length) finding.related = relatedLocations(report.spec.related, source, scoped, lines);
          if (isAboutSmallTable(finding, this.smallTables)) continue;
          if (!suppressions.isSuppressed(finding.ruleId, finding.range.start.line)) result.findings.push(finding);
        }
      }
      if (kind === 'python' && parsed.hasPythonTree() && parsed.python().rootNode.hasError) {
        result.findings = dropInsideSyntaxErrors(result.findings, parsed.python());
        result.notes.push({ kind: 'syntax-error', path, relPath, message: 'has syntax errors; nothing is reported inside the broken region' });
      }
    } finally {
      if (!opts.parsed) parsed.dispose();
    }
    if (unparseable) result.notes.push({ kind: unparseable.kind, path, relPath, message: unparseable.message });
    if (deepRules.length > 0) {
      result.notes.push({ kind: 'not-analysed', path, relPath, message: `not analysed by ${deepRules.join(', ')}: nesting too deep` });
    }
    result.findings.sort((a, b) => a.start - b.start || a.ruleId.localeCompare(b.ruleId));
    if (inBatchScanThread()) for (const f of result.findings) detachStrings(f);
    return result;
  }

  /** Built field by field (no spreads of throw-away objects): a keystroke in a file with 1,000 findings makes 1,000. */
  private toFinding({ spec: report, headline }: ResolvedReport, active: ActiveRule, source: SourceInfo, lines: LineIndex, docs: string, lineBreak?: string): Finding {
    const defaultSafety = active.rule.meta.fix === 'none' ? 'unsafe' : active.rule.meta.fix;
    const fixes: Fix[] = [];
    const reported = report.fixes;
    if (reported) {
      for (let i = 0; i < reported.length; i++) {
        const f = reported[i];
        fixes.push({
          title: f.title,
          safety: f.safety ?? defaultSafety,
          preferred: f.preferred ?? i === 0,
          edits: f.edits.map((e) => ({
            start: e.start,
            end: e.end,
            newText: lineBreak ? e.newText.replace(/\r?\n/g, lineBreak) : e.newText,
            range: lines.range(e.start, e.end),
          })),
        });
      }
    }
    // The same fields in the same order as always (JSON output and its goldens keep their key order).
    const finding = { ruleId: active.rule.meta.id, severity: active.severity, message: headline.message } as Finding;
    if (headline.messageId) {
      finding.messageId = headline.messageId;
      finding.messageArguments = headline.messageArguments ?? [];
    }
    if (report.detail) finding.detail = report.detail;
    finding.path = source.path;
    finding.relPath = source.relPath;
    finding.range = lines.range(report.start, report.end);
    finding.start = report.start;
    finding.end = report.end;
    finding.docsUrl = docs;
    finding.fixes = fixes;
    if (report.table) finding.table = report.table;
    return finding;
  }

  private noteRuleFailure(result: FileResult, ruleId: string, error: unknown): void {
    if (this.failedRules.has(ruleId)) return;
    this.failedRules.add(ruleId);
    const detail = error instanceof Error ? (error.stack ?? error.message).split('\n').slice(0, 3).join(' | ') : String(error);
    result.notes.push({
      kind: 'rule-error',
      path: result.path,
      relPath: result.relPath,
      message: `rule ${ruleId} failed (other rules still ran; further failures of it are not repeated): ${detail}`,
    });
  }
}

function makeContext(
  meta: RuleMeta,
  file: SourceInfo,
  options: Record<string, OptionValue>,
  project: ProjectInfo,
  parsed: ParsedFile,
  reports: ResolvedReport[],
): RuleContext {
  // One rule reaching the same place twice (a queryset a template renders in two loops) is one problem for the user.
  const reported = new Set<string>();
  return {
    file,
    options,
    project,
    python: () => parsed.python(),
    typescript: () => parsed.typescript(),
    yaml: () => parsed.yaml(),
    dockerfile: () => parsed.dockerfile(),
    json: () => parsed.json(),
    toml: () => parsed.toml(),
    pythonLanguage: () => getPythonLanguage(),
    report: (spec) => {
      if (!(spec.start >= 0 && spec.end >= spec.start && spec.end <= file.text.length)) {
        throw new Error(`reported an invalid range ${spec.start}..${spec.end}`);
      }
      // Resolved here, inside check(), so a wrong id or missing data is this rule's failure alone.
      const headline = headlineOf(meta, spec);
      const key = `${spec.start}:${spec.end}:${headline.message}`;
      if (reported.has(key)) return;
      reported.add(key);
      reports.push({ spec, headline });
    },
  };
}

/** Keeps findings that do not overlap an ERROR or MISSING node of the tree. */
function dropInsideSyntaxErrors(findings: Finding[], tree: Tree): Finding[] {
  const broken: [number, number][] = [];
  const cursor = tree.walk();
  const visit = (): void => {
    const node = cursor.currentNode;
    if (!node.hasError && !node.isMissing) return;
    if (node.isError || node.isMissing) {
      broken.push([node.startIndex, node.endIndex]);
      return;
    }
    if (cursor.gotoFirstChild()) {
      do visit();
      while (cursor.gotoNextSibling());
      cursor.gotoParent();
    }
  };
  visit();
  cursor.delete();
  return findings.filter((f) => !broken.some(([s, e]) => f.start < e && f.end > s) );
}

/** Why a Python file was not checked: no process of its project's deploys loads it. */
function notRunByDeployNote(project: ProjectInfo): string {
  const reach = deployReach(project);
  const beside = reach.judged ? [] : deployedBeside(project);
  if (beside.length > 0) {
    const shown = beside.slice(0, 3).map((r) => `${r}/`).join(', ') + (beside.length > 3 ? ', …' : '');
    return `not checked: no deploy runs it (its project has no dependency file and no deploy that runs its code; the deploys of ${shown} run their own code); checkOfflineCode = true checks it`;
  }
  if (!reach.judged && staleDjangoCopy(project)) {
    return 'not checked: no deploy runs it (a copy of the Django project the enclosing folder deploys, with no deploy of its own); checkOfflineCode = true checks it';
  }
  const from = reach.judged && reach.entries.length ? ` (processes: ${reach.entries.slice(0, 3).join('; ')}${reach.entries.length > 3 ? '; …' : ''})` : '';
  return `not checked: no process of this project's deploys loads it${from}; checkOfflineCode = true checks it`;
}

/**
 * A batch scan keeps every finding until its report, but not the file's text: a message or fix cut from the text is
 * a V8 sliced string that keeps the whole text alive (8 MB of stdlib module texts in a one-thread stdlib scan).
 */
function detachStrings(finding: Finding): void {
  finding.message = detached(finding.message);
  if (finding.messageArguments) finding.messageArguments = finding.messageArguments.map(detached);
  if (finding.detail !== undefined) finding.detail = detached(finding.detail);
  if (finding.table !== undefined) finding.table = detached(finding.table);
  for (const fix of finding.fixes) for (const edit of fix.edits) edit.newText = detached(edit.newText);
  for (const r of finding.related ?? []) r.message = detached(r.message);
}

/**
 * A rule's related places as locations: offsets in this file go through its line index, offsets in another file of
 * the project through that file's text (a place in a file the project cannot read is left out). Rules name files
 * relative to the project's root; findings name them relative to the workspace's, as the file's own path does.
 */
function relatedLocations(
  related: readonly RelatedSpec[],
  source: SourceInfo,
  scoped: { project: ProjectInfo; relPath: string },
  lines: LineIndex,
): RelatedLocation[] | undefined {
  const out: RelatedLocation[] = [];
  const projectRoot = source.path.slice(0, source.path.length - scoped.relPath.length);
  const projectRel = source.relPath.slice(0, source.relPath.length - scoped.relPath.length);
  for (const r of related) {
    if (r.relPath === undefined || r.relPath === scoped.relPath) {
      out.push({ path: source.path, relPath: source.relPath, range: lines.range(r.start, r.end), message: r.message });
      continue;
    }
    const text = scoped.project.readFile(r.relPath);
    if (text === undefined || r.end > text.length) continue;
    out.push({ path: projectRoot + r.relPath, relPath: projectRel + r.relPath, range: otherFileLines(projectRoot + r.relPath, text).range(r.start, r.end), message: r.message });
  }
  return out.length > 0 ? out : undefined;
}

/**
 * Line indexes of the other files related places point into, kept while their text is unchanged: on a keystroke the
 * findings of every unchanged view are made again, and each one pointing into a 3,500-line serializers.py cut that
 * file into lines again (6% of a keystroke's CPU on paperless's views.py).
 */
const relatedFileLines = new Map<string, LineIndex>();

function otherFileLines(path: string, text: string): LineIndex {
  const known = relatedFileLines.get(path);
  if (known?.indexes(text)) return known;
  const index = new LineIndex(text);
  relatedFileLines.delete(path);
  relatedFileLines.set(path, index);
  if (relatedFileLines.size > 8) relatedFileLines.delete(relatedFileLines.keys().next().value!);
  return index;
}

/** A flat copy of a string, sharing no memory with the one it was sliced from (shorter ones are copied anyway). */
export function detached(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

/** A trigger's answer for a text read once: its strict test when it has one. */
export function wholeTextPasses(trigger: TextTrigger, text: string): boolean {
  return trigger.strictTest ? trigger.strictTest(text) : trigger.test(text);
}
