/**
 * The project's Python call graph, asked backwards: who calls this function (across imported modules), and does any
 * chain of callers start in request code (a route, a view, a DRF viewset, a FastAPI dependency, a task)?
 *
 * Calls are resolved through the module graph (module-graph.ts) and each module's imports: `from services.ml import
 * predict; predict(x)`, `import utils.files as uf; uf.save(f)`, `from prediction import storage; storage.load()`,
 * methods of module-level instances (`model_service = ModelService()` then `model_service.predict(x)`), class methods
 * (`Cls.build()`), constructors (`Cls(...)` runs `Cls.__init__`), `self.m()` inside the class, a local made by a
 * constructor (`v = Visualizer(...); v.run()`), re-exports through `__init__.py`, and `Depends(dep)` of a route.
 * A call at module level (import time), in a cached function (`@functools.cache`), or in a module that serves no
 * requests (tests, scripts, management commands, migrations) starts no per-request chain.
 *
 * Incremental (issue 11): each module's call facts are computed once per text version (the analysed file's from
 * its own tree, the others parsed once and freed); an answer is kept while no other file of the project changed
 * and the analysed file's text is the same, so a keystroke costs at most one module's facts and a walk over cached
 * facts. Only asked for a candidate a rule found in a function that is not per request in its own module.
 */
import { Parser, type Node, type Tree } from 'web-tree-sitter';
import type { ProjectInfo } from '../../rules/api';
import { ancestor, captures, definitionsOf, parameterNames } from './ast';
import { importsOf, type ImportMap } from './imports';
import { pythonModules } from './module-graph';
import { inBatchScanThread, projectChanges, statementCachesEnabled, StatementSlot, TreeSlot } from '../cache';
import { moduleText, statementsCoverText, topLevelStatements } from './statements';
import { projectTexts } from '../project-texts';
import { fileDigest, mayHoldWord, WEB_IMPORT } from './file-digests';
import { isCached, requestFunctions, servesRequests, type RequestScope } from './per-request';

/** A function of the project: a module-level `def` (`predict`) or a method of a module-level class (`Model.run`). */
export interface FunctionRef {
  file: string;
  key: string;
}

/** Where a callee expression points: a path inside its own module, or an absolute dotted name. */
type Ref = { local: string[] } | { dotted: string };

interface DefFacts {
  line: number;
  params: string[];
  method: boolean;
  cached: boolean;
  entry?: RequestScope;
}

export interface CallSite {
  /** The caller's file and the function the call is in ('' at module or class-body level: import time). */
  file: string;
  from: string;
  line: number;
  /** Positional arguments' texts (a `*args` ends the list) and keyword arguments' texts. */
  args: string[];
  keywords: ReadonlyMap<string, string>;
}

interface CallFacts {
  from: string;
  /** The last name of the callee (`predict`, `run`, `Model` for a constructor): what candidates are matched on. */
  name: string;
  ref: Ref;
  line: number;
  args: string[];
  keywords: Map<string, string>;
}

interface ModuleFacts {
  defs: Map<string, DefFacts>;
  classes: Set<string>;
  /** Module-level `name = Cls(...)`: the class's ref. */
  instances: Map<string, Ref>;
  /** Class attributes holding an instance (`Cls.attr`): a model's `objects = PostManager()` or `PostQuerySet.as_manager()`. */
  classInstances: Map<string, Ref>;
  /** Names this module imports (`from x import y as z`): their absolute dotted names, for re-exports. */
  imported: Map<string, string>;
  calls: CallFacts[];
}

/** A request path a function is reached on: the scope of the entry and the call there that starts the chain. */
export interface ReachedScope extends RequestScope {
  /** The entry's call that leads to the function (the first link of the chain). */
  via: { file: string; line: number };
}

const MAX_DEPTH = 4;
const MAX_CALLERS_VISITED = 60;
/** Files that declare a project's Python dependencies (or install them). */
const DEPENDENCY_FILE = /(^|\/)(requirements[^/]*\.(txt|in)|pyproject\.toml|Pipfile|setup\.(cfg|py)|environment\.ya?ml|Dockerfile[^/]*)$/i;
const WEB_DEPENDENCY = /\b(django|djangorestframework|flask|fastapi|starlette|quart|litestar|sanic|celery|dramatiq|streamlit)\b/i;
/** Above this many modules, a project whose dependency files name no web framework is not read module by module. */
const MAX_MODULES_READ = 500;
const DOTTED = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$/;

let parser: Parser | undefined;

class CallGraph {
  private readonly facts = new Map<string, { text: string; facts: ModuleFacts }>();
  private readonly answers = new Map<string, { stamp: object | undefined; own: string; answer: ReachedScope | undefined | CallSite[] }>();
  private web?: { stamp: object | undefined; value: boolean };

  constructor(private readonly project: ProjectInfo) {}

  /** The request scope a function is reached in through callers in other modules (or in its own, through them). */
  reachedScope(tree: Tree, relPath: string, target: FunctionRef): ReachedScope | undefined {
    return this.memo(tree, relPath, `scope\u0000${target.file}\u0000${target.key}`, () => this.search(tree, relPath, target)) as ReachedScope | undefined;
  }

  /** Every call of a function in the project (its own module included), resolved through imports. */
  callSites(tree: Tree, relPath: string, target: FunctionRef): CallSite[] {
    return this.memo(tree, relPath, `sites\u0000${target.file}\u0000${target.key}`, () => (this.hasWebModules(tree, relPath) ? this.callers(tree, relPath, target) : [])) as CallSite[];
  }

  /** The function a dotted callee of the analysed file names (`list_user`, `selectors.list_user`, `UserService.list`). */
  definition(tree: Tree, relPath: string, parts: string[]): FunctionRef | undefined {
    // An imported name leads straight to its module: the analysed module's own facts (a walk of its whole tree,
    // redone on every keystroke) are needed only for names it defines.
    const viaImport = importedNames(importsOf(tree), relPath).get(parts[0]);
    if (viaImport && !bindsAtTopLevel(tree, parts[0])) {
      return this.resolve(tree, relPath, relPath, { dotted: [viaImport, ...parts.slice(1)].join('.') }, 0);
    }
    const facts = this.factsOf(tree, relPath, relPath);
    if (!facts) return undefined;
    const [head, ...rest] = parts;
    const origin = facts.imported.get(head);
    const ref: Ref | undefined = facts.defs.has(head) || facts.classes.has(head) || facts.instances.has(head) ? { local: parts } : origin ? { dotted: [origin, ...rest].join('.') } : undefined;
    return ref && this.resolve(tree, relPath, relPath, ref, 0);
  }

  parameters(tree: Tree, relPath: string, target: FunctionRef): { params: string[]; method: boolean } | undefined {
    const def = this.factsOf(tree, relPath, target.file)?.defs.get(target.key);
    return def && { params: def.params, method: def.method };
  }

  private memo(tree: Tree, relPath: string, key: string, compute: () => ReachedScope | undefined | CallSite[]): ReachedScope | undefined | CallSite[] {
    const own = tree.rootNode.text;
    const stamp = inBatchScanThread() ? undefined : projectTexts(this.project, { relPath, text: own }).stamp;
    const known = this.answers.get(key);
    if (known && (inBatchScanThread() || (stamp !== undefined && known.stamp === stamp && known.own === own))) return known.answer;
    const answer = compute();
    this.answers.set(key, { stamp, own, answer });
    return answer;
  }

  private search(tree: Tree, relPath: string, target: FunctionRef): ReachedScope | undefined {
    if (!this.hasWebModules(tree, relPath)) return undefined;
    const seen = new Set<string>([`${target.file}\u0000${target.key}`]);
    let level: { ref: FunctionRef; via?: { file: string; line: number } }[] = [{ ref: target }];
    for (let depth = 0; depth < MAX_DEPTH && level.length && seen.size < MAX_CALLERS_VISITED; depth++) {
      const next: typeof level = [];
      for (const { ref, via } of level) {
        for (const site of this.callers(tree, relPath, ref)) {
          if (site.from === '') continue; // import time: runs once per process
          const def = this.factsOf(tree, relPath, site.file)?.defs.get(site.from);
          if (!def || def.cached) continue;
          const here = via ?? { file: site.file, line: site.line };
          if (def.entry) {
            const root = def.entry.root ?? def.entry.label;
            return { label: `${target.key}(), called from ${root} (${site.file}:${site.line})`, kind: def.entry.kind, root, via: { file: site.file, line: site.line } };
          }
          const id = `${site.file}\u0000${site.from}`;
          if (seen.has(id)) continue;
          seen.add(id);
          next.push({ ref: { file: site.file, key: site.from }, via: here });
        }
      }
      level = next;
    }
    return undefined;
  }

  private callers(tree: Tree, relPath: string, target: FunctionRef): CallSite[] {
    const dot = target.key.indexOf('.');
    const method = target.key.slice(dot + 1);
    // A constructor is called by its class's name.
    const name = dot > 0 && method === '__init__' ? target.key.slice(0, dot) : target.key.slice(dot + 1);
    const out: CallSite[] = [];
    for (const file of this.candidates(tree, relPath, target.file, name)) {
      const facts = this.factsOf(tree, relPath, file);
      if (!facts) continue;
      for (const call of facts.calls) {
        if (call.name !== name) continue;
        const found = this.resolve(tree, relPath, file, call.ref, 0);
        if (found && found.file === target.file && found.key === target.key) {
          out.push({ file, from: call.from, line: call.line, args: call.args, keywords: call.keywords });
        }
      }
    }
    return out;
  }

  /** The target's own module and the project's request-serving modules that may mention the name. */
  private candidates(tree: Tree, relPath: string, own: string, name: string): string[] {
    const out = [own];
    const batch = inBatchScanThread();
    const texts = batch ? undefined : projectTexts(this.project, { relPath, text: tree.rootNode.text });
    const call = batch ? callPattern(name) : undefined;
    for (const file of texts?.files ?? this.project.files()) {
      if (file === own || !file.endsWith('.py') || !servesRequests(file)) continue;
      if (batch) {
        if (mayHoldWord(fileDigest(this.project, file).words, name) && this.mayCall(file, call!)) out.push(file);
      } else if (texts!.text(file)?.includes(name)) out.push(file);
    }
    return out;
  }

  /**
   * In a batch scan, whether a module not parsed yet may call a name (`call`: callPattern), or hands dependencies to
   * `Depends`: a module that only imports the name or passes it on would be parsed, and each of its calls read, for
   * nothing.
   */
  private mayCall(file: string, call: RegExp): boolean {
    if (this.facts.has(file)) return true;
    const text = (this.project.peekFile ?? this.project.readFile).call(this.project, file);
    return text !== undefined && (text.includes('Depends') || call.test(text));
  }

  /**
   * A project with no module importing a web or task framework has no request code to reach. Its dependency files
   * answer first (reading them is cheap); only a small project without one is read module by module (a scan of the
   * stdlib's 13,000 modules for a helper's callers cost a second per thread).
   */
  private hasWebModules(tree: Tree, relPath: string): boolean {
    const batch = inBatchScanThread();
    const texts = batch ? undefined : projectTexts(this.project, { relPath, text: tree.rootNode.text });
    if (this.web && (batch || (this.web.stamp !== undefined && this.web.stamp === texts!.stamp))) return this.web.value;
    const files = texts?.files ?? this.project.files();
    const read = (f: string) => (texts ? texts.text(f) : (this.project.peekFile ?? this.project.readFile).call(this.project, f));
    let value = files.some((f) => DEPENDENCY_FILE.test(f) && WEB_DEPENDENCY.test(read(f) ?? ''));
    if (!value) {
      const modules = files.filter((f) => f.endsWith('.py') && servesRequests(f));
      if (modules.length <= MAX_MODULES_READ) value = modules.some((f) => (batch ? fileDigest(this.project, f).web : WEB_IMPORT.test(read(f) ?? '')));
    }
    this.web = { stamp: texts?.stamp, value };
    return value;
  }

  /** The function a reference in `file` names, following instances, classes and re-exports. */
  private resolve(tree: Tree, relPath: string, file: string, ref: Ref, depth: number): FunctionRef | undefined {
    if (depth > 3) return undefined;
    if ('dotted' in ref) {
      const index = pythonModules(this.project).index(rootsFor(file));
      const found = index.longestPrefix(ref.dotted);
      if (!found) return undefined;
      const rest = ref.dotted.slice(found.module.length + 1);
      if (!rest) return undefined;
      const into = index.resolve(found.module)!.file;
      return this.resolve(tree, relPath, into, { local: rest.split('.') }, depth + 1);
    }
    const path = ref.local;
    const facts = this.factsOf(tree, relPath, file);
    if (!facts || path.length === 0) return undefined;
    const [head, second] = path;
    if (path.length === 1 && facts.defs.has(head) && !facts.defs.get(head)!.method) return { file, key: head };
    const member = path.length === 3 ? facts.classInstances.get(`${head}.${second}`) : undefined;
    if (member) return this.resolve(tree, relPath, file, extend(member, [path[2]]), depth + 1);
    if (facts.classes.has(head)) {
      const key = `${head}.${second ?? '__init__'}`;
      return path.length <= 2 && facts.defs.has(key) ? { file, key } : undefined;
    }
    const instance = facts.instances.get(head);
    if (instance && path.length === 2) return this.resolve(tree, relPath, file, extend(instance, [second]), depth + 1);
    const imported = facts.imported.get(head);
    if (imported) return this.resolve(tree, relPath, file, { dotted: [imported, ...path.slice(1)].join('.') }, depth + 1);
    return undefined;
  }

  private factsOf(tree: Tree, relPath: string, file: string): ModuleFacts | undefined {
    const batch = inBatchScanThread();
    const own = file === relPath;
    const cached = this.facts.get(file);
    if (batch && cached) return cached.facts;
    const text = own ? tree.rootNode.text : batch ? (this.project.peekFile ?? this.project.readFile).call(this.project, file) : projectTexts(this.project, { relPath, text: tree.rootNode.text }).text(file);
    if (text === undefined) return undefined;
    if (cached && cached.text === text) return cached.facts;
    const facts = own ? moduleCallFacts(tree, file) : parseFacts(tree, text, file);
    if (!facts) return undefined;
    this.facts.set(file, { text: batch ? '' : text, facts });
    return facts;
  }
}

/**
 * A call of `name` in a module's text: the name, then the spaces, comments and line continuations a call may have
 * before its parenthesis (moduleCallFacts reads calls whose callee is a dotted name ending in it).
 */
export function callPattern(name: string): RegExp {
  return new RegExp(`\\b${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:\\s|\\\\|#[^\\n]*\\n)*\\(`);
}

function extend(ref: Ref, more: string[]): Ref {
  return 'dotted' in ref ? { dotted: [ref.dotted, ...more].join('.') } : { local: [...ref.local, ...more] };
}

/** Import roots a module of `file` is resolved from: the project root and each folder above the file (a service's own root). */
function rootsFor(file: string): string[] {
  const parts = file.split('/').slice(0, -1);
  const out = [''];
  for (let i = 1; i <= parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}

function parseFacts(like: Tree, text: string, file: string): ModuleFacts | undefined {
  try {
    if (!parser) {
      parser = new Parser();
      parser.setLanguage(like.language);
    }
    const tree = parser.parse(text);
    if (!tree) return undefined;
    try {
      return moduleCallFacts(tree, file);
    } finally {
      tree.delete();
    }
  } catch {
    parser = undefined;
    return undefined;
  }
}

type KeyedDefinition = { fn: Node; key: string; cls?: string };

/** The definition a node is part of: a module-level def, or a method of a module-level class (nested defs belong to theirs). */
function keyedDefinition(node: Node): KeyedDefinition | undefined {
  let found: { fn: Node; key: string; cls?: string } | undefined;
  for (let p: Node | null = node; p; p = p.parent) {
    if (p.type !== 'function_definition') continue;
    const key = keyOf(p);
    if (key) found = key;
  }
  return found;
}

function keyOf(fn: Node): { fn: Node; key: string; cls?: string } | undefined {
  const name = fn.childForFieldName('name')?.text;
  if (!name) return undefined;
  const holder = fn.parent?.type === 'decorated_definition' ? fn.parent : fn;
  if (holder.parent?.type === 'module') return { fn, key: name };
  const cls = holder.parent?.type === 'block' ? holder.parent.parent : undefined;
  if (cls?.type !== 'class_definition') return undefined;
  const clsHolder = cls.parent?.type === 'decorated_definition' ? cls.parent : cls;
  if (clsHolder.parent?.type !== 'module') return undefined;
  const clsName = cls.childForFieldName('name')!.text;
  return { fn, key: `${clsName}.${name}`, cls: clsName };
}

/**
 * keyedDefinition for the nodes of one tree, answered from the spans of its keyed definitions: a keyed def has no
 * function above it, so the one a node is part of is the keyed def whose span holds the node. Climbing every call's
 * parents (one wasm call a level) cost a quarter of a module's call facts.
 */
function keyedDefinitionsOf(root: Node): (node: Node) => KeyedDefinition | undefined {
  const spans: { start: number; end: number; keyed: KeyedDefinition }[] = [];
  const add = (statement: Node | null) => {
    const def = statement?.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
    const keyed = def?.type === 'function_definition' ? keyOf(def) : undefined;
    if (keyed) spans.push({ start: def!.startIndex, end: def!.endIndex, keyed });
  };
  for (const statement of root.namedChildren) {
    add(statement);
    const cls = statement?.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
    if (cls?.type === 'class_definition') for (const member of cls.childForFieldName('body')?.namedChildren ?? []) add(member);
  }
  return (node) => {
    const start = node.startIndex;
    const end = node.endIndex;
    // (an empty node, one a parse error inserted, may sit on a span's edge outside it: climb)
    if (start === end) return keyedDefinition(node);
    let lo = 0;
    let hi = spans.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (spans[mid].start <= start) lo = mid + 1;
      else hi = mid - 1;
    }
    const span = hi >= 0 ? spans[hi] : undefined;
    return span && end <= span.end ? span.keyed : undefined;
  };
}

/** One module's definitions, classes, instances, imports and calls (each call's callee as a reference). */
/** Local name -> the dotted name it was imported as, relative imports resolved from `file`. */
function importedNames(imports: ImportMap, file: string): Map<string, string> {
  const imported = new Map<string, string>();
  for (const [local, origin] of imports.origins) {
    const module = origin.module.startsWith('.') ? relativeModule(file, origin.module) : origin.module;
    if (module !== undefined) imported.set(local, module ? `${module}.${origin.name}` : origin.name);
  }
  for (const [local, qualified] of imports.names) if (!imported.has(local)) imported.set(local, qualified);
  return imported;
}

/**
 * The module binds `name` itself at top level (a def, a class, an assignment), which would shadow an import. In the
 * language server from the names each statement binds at its line starts (kept per statement text), not from a
 * pattern built per name and run over the whole module (3 ms a keystroke on a 5,000-line views module).
 */
function bindsAtTopLevel(tree: Tree, name: string): boolean {
  if (/^\w+$/.test(name)) {
    const names = lineStartBindings(tree);
    if (names) return names.has(name);
  }
  return new RegExp(`^(?:async\\s+def|def|class)\\s+${name}\\b|^${name}\\s*(?::[^=\\n]*)?=(?!=)`, 'm').test(moduleText(tree));
}

const LINE_START_BINDINGS = new TreeSlot<ReadonlySet<string> | undefined>('python: names bound at line starts');

/** Every name the module's line starts bind (TOP_LEVEL_BINDINGS), per statement; undefined where that is not exact. */
function lineStartBindings(tree: Tree): ReadonlySet<string> | undefined {
  return LINE_START_BINDINGS.get(tree, () => {
    if (!statementCachesEnabled()) return undefined;
    const stamp = topLevelBindingsStamp(tree);
    return stamp === undefined ? undefined : new Set(stamp.split(' '));
  });
}

/** Every name bindsAtTopLevel could find in a text (the same line starts). */
const TOP_LEVEL_BINDINGS = /^(?:(?:async\s+def|def|class)\s+(\w+)|(\w+)\s*(?::[^=\n]*)?=(?!=))/gm;
const STATEMENT_BINDINGS = new StatementSlot<string>('python: names bound at line starts per statement');
const BINDINGS_STAMP = new TreeSlot<string | undefined>('python: names bound at line starts, stamp');

/**
 * What `definition()` reads of the analysed module beyond its imports: the names its lines bind at their start (which
 * shadow an import), per top-level statement text (kept for a statement whose parse is a function of its text, read
 * afresh for one with a syntax error: a text search needs only that it starts a line); undefined when the statements
 * do not cover the module's text or one starts mid-line (its lines' starts are not its text's). A per-statement cache
 * of callee resolutions keys on it.
 */
export function topLevelBindingsStamp(tree: Tree): string | undefined {
  return BINDINGS_STAMP.get(tree, () => {
    const names: string[] = [];
    for (const statement of topLevelStatements(tree)) {
      if (statement.node.startPosition.column !== 0) return undefined;
      const bound = STATEMENT_BINDINGS.answer(statement, '', () => [...statement.text.matchAll(TOP_LEVEL_BINDINGS)].map((m) => m[1] ?? m[2]).join(' '));
      if (bound) names.push(bound);
    }
    return statementsCoverText(tree, moduleText(tree)) ? names.join(' ') : undefined;
  });
}

/**
 * What resolving a module's callees (calleeDefinition) reads beyond one statement's text: the project's other files
 * (the callee's module), the module's imports and the names its line starts bind (which shadow an import). A
 * per-statement cache of answers that follow calls keys on it; undefined when one of them cannot be named, or in a
 * batch scan (nothing is kept there).
 */
export function calleesStamp(project: ProjectInfo | undefined, relPath: string, tree: Tree): string | undefined {
  if (!statementCachesEnabled()) return undefined;
  const changes = project && projectChanges(project, relPath);
  if (changes === undefined) return undefined;
  const bindings = topLevelBindingsStamp(tree);
  return bindings === undefined ? undefined : `${changes}\u0000${importsOf(tree).key}\u0000${bindings}`;
}

export function moduleCallFacts(tree: Tree, file: string): ModuleFacts {
  const imports = importsOf(tree);
  const defs = new Map<string, DefFacts>();
  const classes = new Set<string>();
  const instances = new Map<string, Ref>();
  const classInstances = new Map<string, Ref>();
  const imported = importedNames(imports, file);
  const calls: CallFacts[] = [];
  const scopes = servesRequests(file) ? requestFunctions(tree) : new Map<number, RequestScope>();
  const root = tree.rootNode;
  const keyedDefinitionOf = keyedDefinitionsOf(root);
  /** Some def nested in another is request code itself (a route inside an app factory): see nestedEntry. */
  let nestedScopes = false;

  for (const statement of root.namedChildren) {
    const def = statement?.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
    if (!def) continue;
    if (def.type === 'class_definition') {
      classes.add(def.childForFieldName('name')!.text);
      for (const [attr, parts] of classAttributeInstances(def)) classInstances.set(`${def.childForFieldName('name')!.text}.${attr}`, { local: parts });
    }
    if (def.type === 'expression_statement') {
      const assignment = def.namedChildren[0];
      const left = assignment?.type === 'assignment' ? assignment.childForFieldName('left') : undefined;
      const right = assignment?.childForFieldName('right');
      const callee = right?.type === 'call' ? right.childForFieldName('function') : undefined;
      if (left?.type === 'identifier' && callee && DOTTED.test(callee.text)) instances.set(left.text, { local: callee.text.split('.') });
    }
  }
  // DRF serializers validate and save per request: their methods are request code like a view's.
  const drf = servesRequests(file) && imports.importsModule('rest_framework');
  const serializers = new Set<string>();
  if (drf) {
    for (const statement of root.namedChildren) {
      const cls = statement?.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
      if (cls?.type === 'class_definition' && /Serializer\b/.test(cls.childForFieldName('superclasses')?.text ?? '')) serializers.add(cls.childForFieldName('name')!.text);
    }
  }
  for (const fn of definitionsOf(tree, 'def')) {
    const keyed = keyOf(fn);
    if (!keyed) {
      nestedScopes ||= scopes.has(fn.id);
      continue;
    }
    defs.set(keyed.key, {
      line: fn.startPosition.row + 1,
      params: parameterNames(fn),
      method: keyed.cls !== undefined,
      cached: isCached(fn, imports),
      entry: scopes.get(fn.id) ?? (keyed.cls && drf && serializers.has(keyed.cls) ? { label: `${keyed.key}() (a DRF serializer: runs for the requests it serves)`, kind: 'request' } : undefined),
    });
  }
  // Names a function binds to a constructor call: `v = Visualizer(...)` then `v.run()`.
  const constructed = new Map<string, string[]>();
  for (const { node: left } of captures(tree, '(assignment left: (identifier) @l right: (call function: [(identifier) (attribute)]))')) {
    const keyed = keyedDefinitionOf(left);
    const callee = left.parent?.childForFieldName('right')?.childForFieldName('function');
    if (keyed && callee && DOTTED.test(callee.text)) constructed.set(`${keyed.key}\u0000${left.text}`, callee.text.split('.'));
  }

  // A route defined inside an app factory (`def create_app(): ... @app.route(...) def index(): ...`) is an entry of its own.
  const nestedEntry = (call: Node, keyed: { fn: Node; key: string }): string | undefined => {
    if (!nestedScopes) return undefined;
    for (let p: Node | null = call.parent; p && !p.equals(keyed.fn); p = p.parent) {
      const scope = p.type === 'function_definition' ? scopes.get(p.id) : undefined;
      if (!scope) continue;
      const key = `${keyed.key}>${p.childForFieldName('name')?.text ?? ''}@${p.startPosition.row + 1}`;
      if (!defs.has(key)) defs.set(key, { line: p.startPosition.row + 1, params: parameterNames(p), method: false, cached: false, entry: scope });
      return key;
    }
    return undefined;
  };

  const refOf = (parts: string[], keyed: { key: string; cls?: string } | undefined, depth = 0): Ref | undefined => {
    const [head, ...rest] = parts;
    if ((head === 'self' || head === 'cls') && keyed?.cls && rest.length) return { local: [keyed.cls, ...rest] };
    const made = keyed && depth === 0 ? constructed.get(`${keyed.key}\u0000${head}`) : undefined;
    if (made && rest.length) {
      const base = refOf(made, keyed, depth + 1);
      return base && extend(base, rest);
    }
    if (defs.has(head) || classes.has(head) || instances.has(head)) return { local: parts };
    const origin = imported.get(head);
    if (origin) return { dotted: [origin, ...rest].join('.') };
    return undefined;
  };

  for (const { node: callee } of captures(tree, '(call function: [(identifier) (attribute)] @callee)')) {
    const call = callee.parent!;
    const keyed = keyedDefinitionOf(call);
    const from = keyed && !inClassBodyOnly(call, keyed.fn) ? nestedEntry(call, keyed) ?? keyed.key : '';
    // `Depends(get_db)`: FastAPI calls the dependency for every request the route serves.
    if (callee.text === 'Depends' || callee.text.endsWith('.Depends')) {
      const dep = call.childForFieldName('arguments')?.namedChildren[0];
      const owner = dep ? ancestor(call, 'function_definition') : undefined;
      const ownerKey = owner ? keyOf(owner) : undefined;
      if (dep && ownerKey && DOTTED.test(dep.text)) {
        const ref = refOf(dep.text.split('.'), ownerKey);
        if (ref) calls.push({ from: ownerKey.key, name: dep.text.split('.').pop()!, ref, line: call.startPosition.row + 1, args: [], keywords: new Map() });
      }
      continue;
    }
    if (!DOTTED.test(callee.text)) continue;
    const parts = callee.text.split('.');
    const ref = refOf(parts, keyed);
    if (!ref) continue;
    const args: string[] = [];
    const keywords = new Map<string, string>();
    let splat = false;
    for (const arg of call.childForFieldName('arguments')?.namedChildren ?? []) {
      if (!arg || arg.type === 'comment') continue;
      if (arg.type === 'keyword_argument') keywords.set(arg.childForFieldName('name')!.text, arg.childForFieldName('value')!.text);
      else if (arg.type === 'list_splat' || arg.type === 'dictionary_splat') splat = true;
      else if (!splat) args.push(arg.text);
    }
    calls.push({ from, name: parts[parts.length - 1], ref, line: call.startPosition.row + 1, args, keywords });
  }
  return { defs, classes, instances, classInstances, imported, calls };
}

/** `objects = PostManager()`, `objects = PostQuerySet.as_manager()` in a class body: the attribute and its class's dotted path. */
function classAttributeInstances(cls: Node): [string, string[]][] {
  const out: [string, string[]][] = [];
  for (const statement of cls.childForFieldName('body')?.namedChildren ?? []) {
    const assignment = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    const left = assignment?.type === 'assignment' ? assignment.childForFieldName('left') : undefined;
    const right = assignment?.childForFieldName('right');
    let callee = right?.type === 'call' ? right.childForFieldName('function') : undefined;
    if (callee?.type === 'attribute' && callee.childForFieldName('attribute')?.text === 'as_manager') callee = callee.childForFieldName('object');
    if (left?.type === 'identifier' && callee && DOTTED.test(callee.text)) out.push([left.text, callee.text.split('.')]);
  }
  return out;
}

/** A call in a decorator or default of a def runs when the def is defined (import time), not when it is called. */
function inClassBodyOnly(call: Node, fn: Node): boolean {
  const body = fn.childForFieldName('body');
  return !body || call.startIndex < body.startIndex || call.endIndex > body.endIndex;
}

/** `..services` imported from `app/api/views.py` -> `app.services` (from the project root). */
function relativeModule(file: string, relative: string): string | undefined {
  const packageParts = file.split('/').slice(0, -1);
  const dots = /^\.*/.exec(relative)![0].length;
  if (dots - 1 > packageParts.length) return undefined;
  const base = packageParts.slice(0, packageParts.length - (dots - 1));
  const rest = relative.slice(dots);
  return [...base, ...(rest ? rest.split('.') : [])].join('.');
}

const graphs = new WeakMap<ProjectInfo, { files: readonly string[]; graph: CallGraph }>();

function graphOf(project: ProjectInfo): CallGraph {
  const files = project.files();
  const known = graphs.get(project);
  if (known && (known.files === files || inBatchScanThread())) return known.graph;
  const graph = new CallGraph(project);
  graphs.set(project, { files, graph });
  return graph;
}

/** The module-level function or module-level class's method a node is in (nested functions belong to theirs). */
export function functionRefOf(node: Node, relPath: string): (FunctionRef & { fn: Node }) | undefined {
  const keyed = keyedDefinition(node);
  return keyed && { file: relPath, key: keyed.key, fn: keyed.fn };
}

/**
 * The request scope a function of the analysed file runs in because code in another module (or a chain of helpers)
 * calls it from a route, view or task; undefined when it is only called at import/start-up, from cached functions,
 * from code that serves no requests, or not found.
 */
export function reachedFromRequests(project: ProjectInfo | undefined, tree: Tree, relPath: string, target: FunctionRef): ReachedScope | undefined {
  if (!project) return undefined;
  return graphOf(project).reachedScope(tree, relPath, target);
}

/** The calls of a function of the analysed file found anywhere in the project (its own module included). */
export function callSitesOf(project: ProjectInfo | undefined, tree: Tree, relPath: string, target: FunctionRef): CallSite[] {
  if (!project) return [];
  return graphOf(project).callSites(tree, relPath, target);
}

/** The project function a callee expression of the analysed file resolves to, through its imports (undefined when unknown). */
export function calleeDefinition(project: ProjectInfo | undefined, tree: Tree, relPath: string, callee: Node): FunctionRef | undefined {
  if (!project || !DOTTED.test(callee.text)) return undefined;
  return graphOf(project).definition(tree, relPath, callee.text.split('.'));
}

/** A function's parameters (with `self`/`cls` for methods) as the graph sees them, from its module's facts. */
export function parametersOf(project: ProjectInfo | undefined, tree: Tree, relPath: string, target: FunctionRef): { params: string[]; method: boolean } | undefined {
  if (!project) return undefined;
  return graphOf(project).parameters(tree, relPath, target);
}

/** A module's text as the graph reads it (the analysed file's own, another's through the project). */
export function moduleTextOf(project: ProjectInfo, tree: Tree, relPath: string, file: string): string | undefined {
  if (file === relPath) return tree.rootNode.text;
  if (inBatchScanThread()) return (project.peekFile ?? project.readFile).call(project, file);
  return projectTexts(project, { relPath, text: tree.rootNode.text }).text(file);
}
