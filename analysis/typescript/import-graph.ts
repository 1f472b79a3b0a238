/**
 * The project's TS/JS import graph, asked backwards: which modules import a function of this one, and does a chain of
 * at most a few calls start in request code (an Express/Nest handler, a Next.js route handler, page or server action)?
 * A Prisma read in `lib/server/quips.ts` that `app/.../quips/page.tsx` imports and calls per request is request code.
 *
 * Specifiers resolve like the bundlers do: relative paths with or without extensions (`./db.js` -> `db.ts`), index
 * files, tsconfig/jsconfig `paths` and `baseUrl` (`@/lib/server/quips`, also through `extends`), `@/` and `~/` to the
 * project's `src/` or root when no config says, and re-exports through barrels (`export * from './quips'`).
 *
 * Incremental (like python/call-graph.ts): each module's facts (module-facts.ts) are computed once per text version,
 * the other modules parsed once and freed; an answer is kept while no other file of the project changed, so a
 * keystroke costs a walk over the analysed file's own calls and a memo lookup. Only asked for a candidate a rule found
 * in a function that is not request code in its own module. The analysed file is never a caller here (its own calls
 * are its own module's question).
 */
import path from 'node:path';
import { ts } from 'ts-morph';
import type { ProjectInfo } from '../../rules/api';
import { FileVersionSlot, inBatchScanThread, ProjectSlot } from '../cache';
import { projectTexts } from '../project-texts';
import { isOfflineFile } from './handlers';
import { moduleFacts, type ModuleFacts } from './module-facts';

export interface RequestCaller {
  /** The module and line of the request code's call that starts the chain. */
  file: string;
  line: number;
  /** How many modules the chain crosses (1: the request code calls the function itself). */
  hops: number;
}

const SOURCE = /\.(tsx?|jsx?|mts|cts|mjs|cjs)$/;
const EXTENSIONS = ['.ts', '.tsx', '.js', '.jsx', '.mts', '.mjs', '.cts', '.cjs'];
const IGNORED = /(^|\/)(node_modules|dist|build|\.next|out|coverage)\/|\.d\.ts$|\.min\.js$/;
const MAX_HOPS = 3;
const MAX_VISITED = 40;

const factsSlot = new FileVersionSlot<ModuleFacts | undefined>('ts-module-facts', 400);

interface Config {
  dir: string;
  baseUrl?: string;
  paths: [RegExp, string[]][];
}

class ImportGraph {
  private readonly answers = new Map<string, { stamp: object | undefined; answer: RequestCaller | undefined }>();
  private fileSet?: { files: readonly string[]; set: Set<string>; configs: Map<string, Config | undefined>; sources?: readonly string[] };

  constructor(private readonly project: ProjectInfo) {}

  /** A request caller of one of `paths` (export paths of `file`), memoised while the rest of the project is unchanged. */
  requestCaller(relPath: string, ownText: string, file: string, paths: readonly string[]): RequestCaller | undefined {
    const key = `${file}\u0000${[...paths].sort().join('\u0001')}`;
    const batch = inBatchScanThread();
    const stamp = batch ? undefined : projectTexts(this.project, { relPath, text: ownText }).stamp;
    const known = this.answers.get(key);
    if (known && (batch || (stamp !== undefined && known.stamp === stamp))) return known.answer;
    const answer = this.search(relPath, ownText, file, paths);
    if (this.answers.size > 500) this.answers.clear();
    this.answers.set(key, { stamp, answer });
    return answer;
  }

  private search(relPath: string, ownText: string, file: string, paths: readonly string[]): RequestCaller | undefined {
    const seen = new Set<string>();
    let level: { file: string; paths: readonly string[] }[] = [{ file, paths }];
    for (let hops = 1; hops <= MAX_HOPS && level.length; hops++) {
      const next: typeof level = [];
      for (const target of level) {
        for (const { caller, facts, from, request, line } of this.callers(relPath, ownText, target.file, target.paths)) {
          if (request) return { file: caller, line, hops };
          if (from === '') continue; // module level: runs once, at import
          const reached = localClosure(facts, from);
          const local = facts.localCalls.find((c) => c.request && reached.has(c.to));
          if (local) return { file: caller, line, hops };
          const exported = exportPaths(facts, reached);
          const id = `${caller}\u0000${exported.join('\u0001')}`;
          if (exported.length === 0 || seen.has(id) || seen.size >= MAX_VISITED) continue;
          seen.add(id);
          next.push({ file: caller, paths: exported });
        }
      }
      level = next;
    }
    return undefined;
  }

  /** The calls in other modules that name one of `paths` of `file` (directly or through re-exports). */
  private *callers(relPath: string, ownText: string, file: string, paths: readonly string[]) {
    const words = new Set(paths.map((p) => (p === 'default' ? moduleWord(file) : p.split('.').pop()!)));
    const batch = inBatchScanThread();
    const texts = batch ? undefined : projectTexts(this.project, { relPath, text: ownText });
    for (const candidate of this.sourceFiles()) {
      if (candidate === file || candidate === relPath || isOfflineFile(candidate)) continue;
      if (batch && !this.mayName(candidate, words)) continue;
      const text = texts ? texts.text(candidate) : (this.project.peekFile ?? this.project.readFile).call(this.project, candidate);
      if (text === undefined || ![...words].some((w) => text.includes(w))) continue;
      const facts = factsOf(candidate, text);
      if (!facts || facts.client) continue;
      for (const call of facts.calls) {
        if (this.names(candidate, call.specifier, call.paths, file, paths, relPath, ownText, 0)) yield { caller: candidate, facts, ...call };
      }
    }
  }

  /** True when `specifier` imported from `from` is `file`, or a barrel re-exporting one of `paths` of it. */
  private names(from: string, specifier: string, callPaths: readonly string[], file: string, paths: readonly string[], relPath: string, ownText: string, depth: number): boolean {
    const resolved = this.resolve(from, specifier);
    if (!resolved) return false;
    if (resolved === file) return callPaths.some((p) => paths.includes(p));
    if (depth >= 3 || resolved === relPath) return false;
    const text = inBatchScanThread() ? (this.project.peekFile ?? this.project.readFile).call(this.project, resolved) : projectTexts(this.project, { relPath, text: ownText }).text(resolved);
    const barrel = text !== undefined && /\bexport\b[^;]*\bfrom\b/.test(text) ? factsOf(resolved, text) : undefined;
    if (!barrel) return false;
    for (const re of barrel.reexports) {
      let through: string[];
      if (!re.names) through = callPaths.filter((p) => !p.startsWith('default') && !barrel.exports.has(p.split('.')[0]));
      else {
        through = [];
        for (const p of callPaths) {
          const [head, ...rest] = p.split('.');
          const imported = re.names.get(head);
          if (imported && imported !== '*') through.push([imported, ...rest].join('.'));
        }
      }
      if (through.length && this.names(resolved, re.specifier, through, file, paths, relPath, ownText, depth + 1)) return true;
    }
    return false;
  }

  /**
   * In a batch scan, each module's identifiers, read once: a scan asks about many helpers of many modules, and reading
   * every module's text again for each would cost more than the answers.
   */
  private readonly words = new Map<string, Set<string> | undefined>();

  private mayName(file: string, words: ReadonlySet<string>): boolean {
    if (!this.words.has(file)) {
      const text = (this.project.peekFile ?? this.project.readFile).call(this.project, file);
      this.words.set(file, text === undefined ? undefined : new Set(text.match(/[A-Za-z_$][\w$]{2,}/g) ?? []));
    }
    const known = this.words.get(file);
    return known !== undefined && [...words].some((w) => known.has(w) || w.length < 3 || /[^\w$]/.test(w));
  }

  private sourceFiles(): readonly string[] {
    const fs = this.files();
    return (fs.sources ??= fs.files.filter((f) => SOURCE.test(f) && !IGNORED.test(f)));
  }

  private files() {
    const files = this.project.files();
    if (!this.fileSet || (this.fileSet.files !== files && !inBatchScanThread())) this.fileSet = { files, set: new Set(files), configs: new Map() };
    return this.fileSet;
  }

  /** The project file a specifier names from `from`, or undefined (a package, or nothing found). */
  resolve(from: string, specifier: string): string | undefined {
    const { set } = this.files();
    const tryBase = (base: string): string | undefined => {
      const b = path.posix.normalize(base).replace(/^\.\//, '');
      if (b.startsWith('../')) return undefined;
      if (set.has(b) && SOURCE.test(b)) return b;
      const stripped = b.replace(/\.(js|jsx|mjs|cjs)$/, '');
      for (const ext of EXTENSIONS) if (set.has(`${stripped}${ext}`)) return `${stripped}${ext}`;
      for (const ext of EXTENSIONS) if (set.has(`${b}/index${ext}`)) return `${b}/index${ext}`;
      return undefined;
    };
    const dir = path.posix.dirname(from);
    if (specifier.startsWith('./') || specifier.startsWith('../') || specifier === '.' || specifier === '..') return tryBase(path.posix.join(dir, specifier));
    const config = this.configFor(dir);
    if (config) {
      for (const [pattern, targets] of config.paths) {
        const m = pattern.exec(specifier);
        if (!m) continue;
        for (const t of targets) {
          const found = tryBase(path.posix.join(config.baseUrl ?? config.dir, t.replace('*', m[1] ?? '')));
          if (found) return found;
        }
      }
      if (config.baseUrl !== undefined) {
        const found = tryBase(path.posix.join(config.baseUrl, specifier));
        if (found) return found;
      }
    }
    // `@/lib/db`, `~/server/db` with no config that says: the package's src/ or its root.
    const alias = /^[@~#]\/(.*)$/.exec(specifier);
    if (alias) {
      const root = config?.dir ?? packageRoot(set, dir);
      return tryBase(path.posix.join(root, 'src', alias[1])) ?? tryBase(path.posix.join(root, alias[1]));
    }
    return undefined;
  }

  /** The nearest tsconfig.json / jsconfig.json at or above `dir` (with what it extends), or undefined. */
  private configFor(dir: string): Config | undefined {
    const { set, configs } = this.files();
    if (configs.has(dir)) return configs.get(dir);
    let found: Config | undefined;
    for (const name of ['tsconfig.json', 'jsconfig.json']) {
      const file = dir === '.' || dir === '' ? name : `${dir}/${name}`;
      if (set.has(file)) {
        found = this.readConfig(file, 0);
        if (found) break;
      }
    }
    if (!found && dir !== '.' && dir !== '') found = this.configFor(path.posix.dirname(dir));
    configs.set(dir, found);
    return found;
  }

  private readConfig(file: string, depth: number): Config | undefined {
    const text = (this.project.peekFile ?? this.project.readFile).call(this.project, file);
    if (text === undefined) return undefined;
    const parsed = ts.parseConfigFileTextToJson(file, text).config as { extends?: unknown; compilerOptions?: { baseUrl?: unknown; paths?: unknown } } | undefined;
    if (!parsed || typeof parsed !== 'object') return undefined;
    const dir = path.posix.dirname(file) === '.' ? '' : path.posix.dirname(file);
    const options = parsed.compilerOptions ?? {};
    const inherited = depth < 3 && typeof parsed.extends === 'string' && parsed.extends.startsWith('.') ? this.readConfig(path.posix.normalize(path.posix.join(dir, parsed.extends)), depth + 1) : undefined;
    const config: Config = { dir, baseUrl: inherited?.baseUrl, paths: inherited?.paths ?? [] };
    if (typeof options.baseUrl === 'string') config.baseUrl = path.posix.normalize(path.posix.join(dir, options.baseUrl)).replace(/^\.$/, '');
    if (options.paths && typeof options.paths === 'object') {
      config.paths = [];
      for (const [pattern, targets] of Object.entries(options.paths as Record<string, unknown>)) {
        if (!Array.isArray(targets)) continue;
        const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace('*', '(.*)')}$`);
        // Targets are relative to baseUrl, or to the config's folder when it has none.
        config.paths.push([re, targets.filter((t): t is string => typeof t === 'string')]);
      }
    }
    if (config.baseUrl === undefined && config.paths.length) config.baseUrl = dir;
    return config;
  }
}

/** The nearest folder at or above `dir` with a package.json, or the project's root. */
function packageRoot(files: ReadonlySet<string>, dir: string): string {
  for (let d = dir === '.' ? '' : dir; d; d = path.posix.dirname(d) === '.' ? '' : path.posix.dirname(d)) if (files.has(`${d}/package.json`)) return d;
  return '';
}

function factsOf(file: string, text: string): ModuleFacts | undefined {
  return factsSlot.get(file, text, () => {
    try {
      const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, scriptKind(file));
      return moduleFacts(sf, file);
    } catch {
      return undefined;
    }
  });
}

/** The compiler's script kind for a file name (`.tsx`, `.jsx`, `.js`/`.cjs`/`.mjs`, else TypeScript). */
export function scriptKind(file: string): ts.ScriptKind {
  if (file.endsWith('.tsx')) return ts.ScriptKind.TSX;
  if (file.endsWith('.jsx')) return ts.ScriptKind.JSX;
  return /\.[cm]?js$/.test(file) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
}

/** The word a default import's call site is likely to hold: the module's name (its folder's for an index file). */
function moduleWord(file: string): string {
  const base = path.posix.basename(file).replace(SOURCE, '');
  return base === 'index' ? path.posix.basename(path.posix.dirname(file)) : base;
}

/** `unit` and the units of the same module that call it, transitively. */
export function localClosure(facts: ModuleFacts, unit: string): Set<string> {
  const reached = new Set([unit]);
  for (let changed = true; changed; ) {
    changed = false;
    for (const c of facts.localCalls) {
      if (c.from !== '' && reached.has(c.to) && !reached.has(c.from)) {
        reached.add(c.from);
        changed = true;
      }
    }
  }
  return reached;
}

/** The export paths other modules reach `units` by: `getQuips`, `default.fetchDocuments`, `userService.list`. */
export function exportPaths(facts: ModuleFacts, units: ReadonlySet<string>): string[] {
  const out = new Set<string>();
  for (const [exported, local] of facts.exports) {
    if (units.has(local)) out.add(exported);
    const owner = facts.instances.get(local) ?? local;
    for (const u of units) {
      const dot = u.lastIndexOf('.');
      if (dot > 0 && u.slice(0, dot) === owner) out.add(`${exported}.${u.slice(dot + 1)}`);
    }
  }
  // A class's instance made and exported elsewhere in the module (`export const users = new UserService()`).
  for (const [instance, cls] of facts.instances) {
    if (!facts.exports.has(instance) && !instance.startsWith('#')) continue;
    for (const u of units) if (u.startsWith(`${cls}.`)) for (const [exported, local] of facts.exports) if (local === instance) out.add(`${exported}.${u.slice(cls.length + 1)}`);
  }
  return [...out];
}

const graphs = new ProjectSlot<{ graph?: ImportGraph }>('ts-import-graph', () => ({}));

/** The import graph of a project (one per project view). */
function graphOf(project: ProjectInfo): ImportGraph {
  const holder = graphs.get(project);
  return (holder.graph ??= new ImportGraph(project));
}

/**
 * Request code in another module that calls one of `paths` (export paths of the analysed file `relPath`), directly or
 * through at most a few exported functions; undefined when none is found.
 */
export function requestCallerOf(project: ProjectInfo | undefined, relPath: string, ownText: string, paths: readonly string[]): RequestCaller | undefined {
  if (!project || paths.length === 0) return undefined;
  return graphOf(project).requestCaller(relPath, ownText, relPath, paths);
}

/** The project file a module specifier names from `from` (tsconfig paths, index files, extensions), or undefined. */
export function resolveModule(project: ProjectInfo, from: string, specifier: string): string | undefined {
  return graphOf(project).resolve(from, specifier);
}
