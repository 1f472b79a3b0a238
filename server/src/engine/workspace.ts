/**
 * A workspace: its root, configuration, rules and the file list; the entry point the CLI and the language
 * server share. Loading config can throw ConfigError; analysing never throws.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ProjectInfo, Rule } from '../../../rules/api';
import { allRules } from '../../../rules/index';
import { ProjectIndex, isProjectMarker, joinRoot, relativeToRoot } from '../../../analysis/projects';
import { projectChanges, trackProjectChanges } from '../../../analysis/cache';
import { Analyzer, detached, type AnalyzeOptions, type RuleFilter } from './analyzer';
import { loadConfig, type MemlintConfig } from './config';
import { classify } from './classify';
import { discoverFiles, type DiscoveredFile } from './discover';

/** Dependency lists no rule analyses but deploy estimates read. */
const DEPENDENCY_MANIFESTS = /(^|\/)(Pipfile|poetry\.lock|setup\.cfg|setup\.py)$/;
import { initParsers } from './parsers';
import { readSourceFile } from './read';
import { generatedReason } from './generated';
import { isInside, outsideMessage, readRegularFile } from './safe-read';
import { withoutLoneCr } from './text';
import type { FileResult, NoteKind } from './types';

export interface WorkspaceOptions {
  root: string;
  /** Explicit config file (CLI --config, editor setting); otherwise discovered at the root. */
  configFile?: string;
  filter?: RuleFilter;
  rules?: readonly Rule[];
  /** Reads a file's current text, e.g. from open editor buffers; defaults to disk. */
  readOverride?: (absPath: string) => string | undefined;
}

export interface ScanProgress {
  done: number;
  total: number;
  relPath: string;
}

export interface ScanResult {
  files: FileResult[];
  /** Number of files analysed (listed and read). */
  fileCount: number;
  durationMs: number;
}

export class Workspace {
  readonly root: string;
  readonly config: MemlintConfig;
  readonly analyzer: Analyzer;
  readonly rules: readonly Rule[];
  /** What rules see of the workspace beyond their own file. */
  readonly project: ProjectInfo;
  private fileList: DiscoveredFile[] = [];
  /** The last discovery covered only some files or folders under the root (`memlint app/settings.py`). */
  private narrowDiscovery = false;
  /** Every recognised file under the root, listed on first need after a narrow discovery. */
  private rootFileList?: DiscoveredFile[];
  private readonly textCache = new Map<string, string | undefined>();
  /** Changes to what `project` answers (file list, texts), and per file those that were its own (trackProjectChanges). */
  private changeCount = 0;
  private readonly fileChanges = new Map<string, number>();
  /** The relative paths of `projectFiles`, for `project.files()`. */
  private relPaths?: { of: readonly DiscoveredFile[]; relPaths: readonly string[] };
  /** The projects of the current file list, rebuilt when the list changes. */
  private projectIndex?: { files: readonly DiscoveredFile[]; index: ProjectIndex; views: Map<string, ProjectInfo> };

  private constructor(readonly options: WorkspaceOptions) {
    this.root = path.resolve(options.root);
    this.rules = options.rules ?? allRules;
    this.config = loadConfig(this.root, this.rules, options.configFile);
    this.project = this.projectInfo();
    trackProjectChanges(this.project, (except) => this.changeCount - (except === undefined ? 0 : this.fileChanges.get(except) ?? 0));
    this.analyzer = new Analyzer(this.rules, this.config, this.project, options.filter, (rel) => this.projectOf(rel));
  }

  static async open(options: WorkspaceOptions): Promise<Workspace> {
    await initParsers();
    return new Workspace(options);
  }

  relPath(absPath: string): string {
    const rel = path.relative(this.root, absPath).split(path.sep).join('/');
    return rel.startsWith('..') ? absPath.split(path.sep).join('/') : rel;
  }

  /**
   * Lists the files under `targets` (default: the root) that an enabled rule may analyse. Rules that read
   * other files (deploy configs, requirements) see every file memlint recognises through `project.files()`.
   */
  discover(targets: readonly string[] = ['.']): DiscoveredFile[] {
    const known = this.discoverUnder(targets);
    this.fileList = known;
    this.changeCount++;
    this.narrowDiscovery = !targets.some((t) => path.resolve(this.root, t) === this.root);
    this.rootFileList = undefined;
    return known.filter((f) => this.analyzer.wants(f.relPath));
  }

  /**
   * What rules that read other files see through `project.files()`: the last discovery, or, when it covered
   * only some files of a project (a pre-commit hook passing the changed files), every file of the project, so
   * a render.yaml checked alone still finds the gunicorn config and requirements it depends on. A root that
   * does not look like a project (no VCS, manifest or deploy file: a home directory) is not walked.
   */
  get projectFiles(): readonly DiscoveredFile[] {
    if (!this.narrowDiscovery || !looksLikeProject(this.root)) return this.fileList;
    this.rootFileList ??= this.discoverUnder(['.']);
    return this.rootFileList;
  }

  private discoverUnder(targets: readonly string[]): DiscoveredFile[] {
    return discoverFiles(targets, {
      root: this.root,
      include: this.config.include,
      exclude: this.config.exclude,
      wanted: (rel) => classify(rel) !== undefined || DEPENDENCY_MANIFESTS.test(rel),
    });
  }

  /** Uses another thread's discovery as this workspace's file list (a scan worker gets the main thread's). */
  adoptProjectFiles(files: readonly DiscoveredFile[]): void {
    this.fileList = [...files];
    this.changeCount++;
  }

  /** Reads and analyses one file from disk (or the override), with notes for anything skipped. */
  analyzeFile(absPath: string): FileResult {
    const relPath = this.relPath(absPath);
    const override = this.options.readOverride?.(absPath);
    if (override !== undefined) return this.analyzeText(absPath, override);
    const kind = classify(relPath)?.kind;
    // (a note may quote the text, e.g. a generated-file header: a copy, so the note keeps no text alive)
    const skip = (kind: NoteKind, message: string): FileResult => ({ path: absPath, relPath, findings: [], skipped: true, notes: [{ kind, path: absPath, relPath, message: detached(message) }] });
    const vendored = kind && generatedReason(relPath, kind);
    if (vendored) return skip('generated', `skipped: ${vendored}`);
    // A path under the root that a symlinked folder leads out of it is not the workspace's (a path named
    // outside the root on the command line is read: the user asked for it).
    const lexical = path.relative(this.root, absPath);
    const namedInside = !lexical.startsWith('..') && !path.isAbsolute(lexical);
    const read = namedInside && !isInside(this.root, absPath)
      ? { ok: false as const, reason: 'outside-workspace' as const, message: outsideMessage(this.root) }
      : readSourceFile(absPath, this.config.maxFileSizeMb * 1048576);
    if (!read.ok) return skip(read.reason, read.message);
    const generated = kind && generatedReason(relPath, kind, read.text);
    if (generated) return skip('generated', `skipped: ${generated}`);
    // (a file named outside the root is not one project.readFile reads: its own text is not offered as that)
    return { ...this.analyzeText(absPath, read.text, namedInside ? { readFromDisk: true } : undefined), contentHash: read.contentHash };
  }

  analyzeText(absPath: string, text: string, opts?: AnalyzeOptions): FileResult {
    return this.analyzer.analyzeText(absPath.split(path.sep).join('/'), this.relPath(absPath), text, opts);
  }

  /** Discovers and analyses every file under `targets`, sequentially. */
  scan(targets: readonly string[] = ['.'], onProgress?: (p: ScanProgress) => void, isCancelled?: () => boolean): ScanResult {
    const started = performance.now();
    const results = this.analyzeFiles(this.discover(targets), onProgress, isCancelled);
    return { files: results, fileCount: results.length, durationMs: performance.now() - started };
  }

  /** Analyses the given files in this thread, in order, until done or cancelled. */
  analyzeFiles(files: readonly DiscoveredFile[], onProgress?: (p: ScanProgress) => void, isCancelled?: () => boolean): FileResult[] {
    const results: FileResult[] = [];
    for (let i = 0; i < files.length; i++) {
      if (isCancelled?.()) break;
      results.push(this.analyzeFile(files[i].path));
      onProgress?.({ done: i + 1, total: files.length, relPath: files[i].relPath });
    }
    return results;
  }


  /** Drops cached texts of other files (call when files change on disk). */
  invalidate(absPath?: string): void {
    this.changeCount++;
    if (absPath) {
      const rel = this.relPath(absPath);
      this.fileChanges.set(rel, (this.fileChanges.get(rel) ?? 0) + 1);
      this.textCache.delete(rel);
      // A deploy file's `rootDir:` / build context decides which folders are projects of their own.
      if (isProjectMarker(rel)) this.projectIndex = undefined;
    } else {
      this.projectIndex = undefined;
      this.textCache.clear();
      this.rootFileList = undefined;
    }
  }

  /** The projects (analysis/projects.ts) of the files rules see. */
  projects(): ProjectIndex {
    const files = this.projectFiles;
    if (this.projectIndex?.files !== files) {
      this.projectIndex = { files, index: new ProjectIndex(files.map((f) => f.relPath), (rel) => this.project.readFile(rel)), views: new Map() };
    }
    return this.projectIndex.index;
  }

  /**
   * What a rule analysing `relPath` sees: its project's files and only those, with paths relative to the
   * project's root, so the findings in a project do not depend on the folder around it.
   */
  projectOf(relPath: string): { project: ProjectInfo; relPath: string; root: string } {
    if (path.isAbsolute(relPath)) return { project: this.project, relPath, root: '' };
    const root = this.projects().rootOf(relPath);
    return { project: this.projectAt(root), relPath: relativeToRoot(root, relPath), root };
  }

  /** The view of the project rooted at `root` (a root of `projects()`). */
  projectAt(root: string): ProjectInfo {
    const index = this.projects();
    const views = this.projectIndex!.views;
    let view = views.get(root);
    if (!view) views.set(root, (view = this.projectView(index, root)));
    return view;
  }

  /** One project's view of the workspace; the root project of a single-project workspace sees what `project` does. */
  private projectView(index: ProjectIndex, root: string): ProjectInfo {
    const whole = this.project;
    const files = index.projects().find((p) => p.root === root)?.files ?? [];
    const own = files.map((f) => relativeToRoot(root, f));
    if (root === '' && own.length === whole.files().length) return whole;
    const view: ProjectInfo = {
      memoryLimitMb: whole.memoryLimitMb,
      files: () => own,
      readFile: (rel) => {
        const normal = path.posix.normalize(rel);
        if (normal.startsWith('../') || normal === '..' || path.posix.isAbsolute(normal)) return undefined;
        const full = joinRoot(root, normal);
        return index.rootOf(full) === root ? whole.readFile(full) : undefined;
      },
      peekFile: (rel) => {
        const normal = path.posix.normalize(rel);
        if (normal.startsWith('../') || normal === '..' || path.posix.isAbsolute(normal)) return undefined;
        const full = joinRoot(root, normal);
        return index.rootOf(full) === root ? (whole.peekFile ?? whole.readFile)(full) : undefined;
      },
      fileSize: (rel) => {
        const normal = path.posix.normalize(rel);
        if (normal.startsWith('../') || normal === '..' || path.posix.isAbsolute(normal)) return undefined;
        return whole.fileSize?.(joinRoot(root, normal));
      },
      nestedProjects: () =>
        index
          .projects()
          .filter((p) => p.root !== root && (root === '' || p.root.startsWith(`${root}/`)))
          .map((p) => ({ root: relativeToRoot(root, p.root), project: this.projectAt(p.root) })),
      enclosingProject: () => {
        if (root === '') return undefined;
        const outer = index.rootOf(root);
        return { root: relativeToRoot(outer, root), project: this.projectAt(outer) };
      },
    };
    trackProjectChanges(view, (except) => projectChanges(whole, except === undefined ? undefined : joinRoot(root, except))!);
    return view;
  }

  private projectInfo(): ProjectInfo {
    return {
      memoryLimitMb: this.config.memoryLimitMb,
      fileSize: (rel) => {
        const abs = path.resolve(this.root, rel);
        if (!isInside(this.root, abs)) return undefined;
        try {
          const st = fs.statSync(abs);
          return st.isFile() ? st.size : undefined;
        } catch {
          return undefined;
        }
      },
      // One array per file list, not per call: reach and resolvers ask for it for every analysed file.
      files: () => {
        const list = this.projectFiles;
        if (this.relPaths?.of !== list) this.relPaths = { of: list, relPaths: list.map((f) => f.relPath) };
        return this.relPaths.relPaths;
      },
      readFile: (rel) => {
        if (this.textCache.has(rel)) return this.textCache.get(rel);
        const text = this.readText(rel);
        this.textCache.set(rel, text);
        return text;
      },
      peekFile: (rel) => (this.textCache.has(rel) ? this.textCache.get(rel) : this.readText(rel)),
    };
  }

  /** Another file's text as rules see it (project.readFile), read from disk. */
  private readText(rel: string): string | undefined {
    const abs = path.resolve(this.root, rel);
    // Rules read deploy files, configs and modules named in other files (`gunicorn -c conf/x.py`): only
    // regular files inside the workspace once symlinks are resolved, and no bigger than any analysed file.
    if (!isInside(this.root, abs)) return undefined;
    let text = this.options.readOverride?.(abs);
    if (text === undefined) {
      // Decoded as the file itself would be (UTF-16 with a BOM from PowerShell's `pip freeze >`, a coding cookie).
      const read = readSourceFile(abs, this.config.maxFileSizeMb * 1048576, false);
      text = read.ok ? withoutLoneCr(read.text) : undefined;
      // A requirements file saved by a Windows editor in its ANSI code page (a "café" comment) still lists packages.
      if (!read.ok && read.reason === 'undecodable' && LEGACY_TEXT.test(rel)) {
        const bytes = readRegularFile(abs, this.config.maxFileSizeMb * 1048576);
        if (bytes.ok) text = withoutLoneCr(new TextDecoder('windows-1252').decode(bytes.bytes));
      }
    }
    return text;
  }
}

/** Dependency files read as Windows-1252 when they are not UTF-8 (rules read them; nothing is written back). */
const LEGACY_TEXT = /(^|\/)(requirements[^/]*\.(txt|in)|constraints[^/]*\.txt)$/i;

/** Files whose presence at the root marks a project (and so a folder worth listing for cross-file rules). */
const PROJECT_MARKERS = [
  '.git', 'memlint.toml', 'pyproject.toml', 'package.json', 'requirements.txt', 'setup.py', 'manage.py', 'Pipfile',
  'render.yaml', 'Procfile', 'Dockerfile', 'docker-compose.yml', 'compose.yaml', 'fly.toml', 'app.json', 'railway.json',
];

function looksLikeProject(root: string): boolean {
  return PROJECT_MARKERS.some((name) => fs.existsSync(path.join(root, name)));
}
