/**
 * Is the function around a node dead code that no deploy runs? Asked of a candidate a rule already judged request code
 * (a service or repository method, a controller function of a routes/ project, a server action) to learn whether
 * anything that runs reaches it:
 *
 * - a top-level function (`export function N`, `export const N =`, `exports.N =`, `module.exports = { N }`) that its
 *   own module never uses and no other module of the project (outside tests, scripts and seeds) names in code that
 *   itself runs: a controller function no router mounts, a helper nobody imports, a `'use server'` action no
 *   component imports (Next.js drops unused actions at build time: they never become endpoints);
 * - a method of a class that is not a framework entry (no decorator on it or a `@Controller`/`@Resolver` class), when
 *   the project holds the class only through handles (members and variables typed with it or its interfaces, Nest's
 *   constructor injection, `const repo = new X()`, the names other modules bind a `module.exports = new X()` instance
 *   to) and none of them, nor the class's `this`, calls the method in code that runs;
 * - either, in a module nothing imports while a module of the same folder is imported (a repository layer a project
 *   wrote and never wired), when the project loads no module by a computed path.
 *
 * "Code that runs" is transitive: a call inside another function or method counts only when that one is reached in
 * turn (a repository method only an uncalled service method calls is unreached too), up to a few hops; a use at
 * module level (a router registration, an object of handlers) counts.
 *
 * Either only when the project does wire the module: another export of it is named elsewhere, the class's handles
 * call some method (the odd one out among used siblings, not a module shown on its own). Unsure answers are
 * "called": a class something extends, a class the framework resolves by value (`moduleRef.get(X)`), members read by
 * a computed name, a default export, names the frameworks call by convention (`GET`, `handler`,
 * `getServerSideProps`), files the frameworks route by their path. Memoised per project version (project-texts.ts).
 */
import path from 'node:path';
import { ts } from 'ts-morph';
import type { ProjectInfo, RuleContext } from '../../rules/api';
import { FileVersionSlot, ProjectSlot } from '../cache';
import { answersWhileUnchanged, projectTexts, type ProjectTexts } from '../project-texts';
import { decoratorNames, isFunctionNode } from './ast';
import { isOfflineFile } from './handlers';
import { resolveModule, scriptKind } from './import-graph';
import { requiredModule } from './imports';

const SOURCE = /\.(tsx?|jsx?|mts|cts|mjs|cjs|vue|svelte|astro)$/;
const PARSED = /\.(tsx?|jsx?|mts|cts|mjs|cjs)$/;
const SKIP = /(^|\/)(node_modules|dist|build|\.next|out|coverage|vendor)\/|\.d\.ts$|\.min\.js$/;
const MAX_FILES = 3000;
/** How many callers deep a use is followed before it counts as reached. */
const MAX_HOPS = 4;
/** Exports frameworks call by their name: Next.js route handlers and data functions, Remix, serverless handlers. */
const FRAMEWORK_EXPORT = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|default|handler|main|middleware|config|loader|action|getServerSideProps|getStaticProps|getStaticPaths|getInitialProps|generateMetadata|generateStaticParams|load|setup|register|plugin|bootstrap)$/;
/** Files frameworks route by their path: Next.js app and pages routers, SvelteKit, Nuxt server routes. */
const ROUTED_FILE = /(^|\/)(pages|app|routes|api|server\/api)\/.*\b(page|route|layout|\+server|\+page\.server)\.[cm]?[jt]sx?$|(^|\/)pages\/api\//;
/** Modules a runtime starts from rather than imports: `server.js`, `src/main.ts`, `index.js`, `app.js`. */
const ENTRY_FILE = /(^|\/)(index|main|server|app|start|www|cli|worker|handler|lambda)\.[cm]?[jt]sx?$/;
/** Methods frameworks call by their name: Nest lifecycle hooks, guards, interceptors, pipes, Passport strategies, gateways. */
const FRAMEWORK_METHOD = /^(onModuleInit|onModuleDestroy|onApplicationBootstrap|onApplicationShutdown|beforeApplicationShutdown|afterInit|handleConnection|handleDisconnect|canActivate|intercept|use|transform|catch|validate|serializeUser|deserializeUser|resolve|process|handle|handleRequest|getRequest|execute|run|toJSON|then)$/;
/** Class decorators of a framework entry whose methods the framework calls. */
const ENTRY_CLASS = /^(Controller|Resolver|WebSocketGateway|Processor|Consumer|EventSubscriber|Command|Console)$/;
/** A module loaded by a path computed at run time (`require(path.join(dir, f))`, `import(\`./${x}\`)`): any module may be. */
const DYNAMIC_LOAD = /\b(require|import)\s*\(\s*(?!['"`][^'"`$]*['"`]\s*\))[^)\s]/;

interface Holder {
  key?: object;
  answers: Map<string, boolean>;
}
const slot = new ProjectSlot<Holder>('ts-uncalled', () => ({ answers: new Map() }));

/** The project as this model reads it, for one project version. */
interface Scope {
  project: ProjectInfo;
  texts: ProjectTexts;
  sources: readonly string[];
  answers: Map<string, boolean>;
  /** The analysed file and its tree (the rule's own). */
  own: { relPath: string; sf: ts.SourceFile };
}

/** Per project version: the modules some module imports, and whether any loads modules by computed paths. */
const wiring = new ProjectSlot<{ key?: object; imported?: Set<string>; dynamic?: boolean }>('ts-uncalled-wiring', () => ({}));
/** Per module text: its parsed tree (for modules a use was looked up in), and its import specifiers. */
const trees = new FileVersionSlot<ts.SourceFile | undefined>('ts-uncalled-trees', 400);
const moduleImports = new FileVersionSlot<{ specifiers: string[]; dynamic: boolean }>('ts-uncalled-imports', 2000);

/** True when nothing in the project that runs reaches the function that holds `node` (see above). */
export function neverCalled(ctx: RuleContext, node: ts.Node): boolean {
  const relPath = ctx.file.relPath;
  if (ROUTED_FILE.test(relPath) || !ctx.project) return false;
  const unit = outermostUnit(node);
  if (!unit) return false;
  const texts = projectTexts(ctx.project, { relPath, text: ctx.file.text });
  const answers = answersWhileUnchanged(slot, ctx.project, texts);
  const sources = texts.files.filter((f) => SOURCE.test(f) && !SKIP.test(f) && !isOfflineFile(f));
  if (sources.length > MAX_FILES) return false;
  const scope: Scope = { project: ctx.project, texts, sources, answers, own: { relPath, sf: node.getSourceFile() } };
  return unreached(scope, relPath, unit, 0, new Set());
}

function unreached(scope: Scope, relPath: string, unit: Unit, hops: number, visiting: Set<string>): boolean {
  const id = `${relPath}\u0000${unit.kind}\u0000${unit.owner ?? ''}\u0000${unit.name}`;
  const known = scope.answers.get(id);
  if (known !== undefined) return known;
  if (visiting.has(id) || hops > MAX_HOPS || ROUTED_FILE.test(relPath)) return false;
  visiting.add(id);
  const answer = unit.kind === 'function' ? functionUncalled(scope, relPath, unit, hops, visiting) : methodUncalled(scope, relPath, unit, hops, visiting);
  visiting.delete(id);
  scope.answers.set(id, answer);
  return answer;
}

interface Unit {
  kind: 'function' | 'method';
  name: string;
  /** The class of a method, and the interfaces it implements. */
  owner?: string;
  interfaces?: string[];
  /** The declaration's own name node, and the function's source file. */
  declared: ts.Node;
}

function outermostUnit(node: ts.Node): Unit | undefined {
  let fn: ts.Node | undefined;
  for (let n: ts.Node | undefined = node.parent; n && !ts.isSourceFile(n); n = n.parent) if (isFunctionNode(n)) fn = n;
  if (!fn) return undefined;
  const p = fn.parent;
  if (ts.isFunctionDeclaration(fn) && ts.isSourceFile(p) && fn.name) {
    if ((ts.getModifiers(fn) ?? []).some((m) => m.kind === ts.SyntaxKind.DefaultKeyword)) return undefined;
    return { kind: 'function', name: fn.name.text, declared: fn.name };
  }
  if (ts.isVariableDeclaration(p) && ts.isIdentifier(p.name) && p.initializer === fn && ts.isSourceFile(p.parent.parent.parent)) {
    return { kind: 'function', name: p.name.text, declared: p.name };
  }
  // `exports.N = (req, res) => {...}`, `module.exports.N = ...`
  if (ts.isBinaryExpression(p) && p.right === fn && p.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(p.left) && /^(module\.)?exports$/.test(p.left.expression.getText()) && ts.isExpressionStatement(p.parent) && ts.isSourceFile(p.parent.parent)) {
    return { kind: 'function', name: p.left.name.text, declared: p.left.name };
  }
  const member = ts.isMethodDeclaration(fn) ? fn : ts.isPropertyDeclaration(p) && p.initializer === fn ? p : undefined;
  const cls = member?.parent;
  if (member && cls && ts.isClassDeclaration(cls) && cls.name && ts.isSourceFile(cls.parent) && ts.isIdentifier(member.name)) {
    if (decoratorNames(member).length > 0 || decoratorNames(cls).some((d) => ENTRY_CLASS.test(d))) return undefined;
    if ((ts.getModifiers(member) ?? []).some((m) => m.kind === ts.SyntaxKind.StaticKeyword) || FRAMEWORK_METHOD.test(member.name.text)) return undefined;
    const interfaces = (cls.heritageClauses ?? []).filter((h) => h.token === ts.SyntaxKind.ImplementsKeyword).flatMap((h) => h.types.map((t) => t.expression.getText()));
    return { kind: 'method', name: member.name.text, owner: cls.name.text, interfaces, declared: member.name };
  }
  return undefined;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function functionUncalled(scope: Scope, relPath: string, unit: Unit, hops: number, visiting: Set<string>): boolean {
  if (FRAMEWORK_EXPORT.test(unit.name)) return false;
  const sf = unit.declared.getSourceFile();
  const word = new RegExp(`\\b${escape(unit.name)}\\b`, 'g');
  if (usedInRunningCode(scope, relPath, sf, word, unit, hops, visiting)) return false;
  const others = scope.sources.filter((f) => f !== relPath);
  if (others.some((f) => usedInRunningCode(scope, f, undefined, new RegExp(word.source, 'g'), unit, hops, visiting))) return false;
  if (exportedNames(sf).some((other) => other !== unit.name && !FRAMEWORK_EXPORT.test(other) && others.some((f) => namedInCode(scope.texts.text(f) ?? '', new RegExp(`\\b${escape(other)}\\b`, 'g'))))) return true;
  return unwiredModule(scope, relPath);
}

/** The word occurs outside comments (`// export async function getUserOrders` kept from an old version names nothing). */
function namedInCode(text: string, word: RegExp): boolean {
  return codeMatches(text, word).length > 0;
}

/** Where `word` occurs outside `//` comments, and outside block comments unless `parsed` (the tree tells those apart). */
function codeMatches(text: string, word: RegExp, parsed = false): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(word)) {
    const at = m.index ?? 0;
    const lineStart = text.lastIndexOf('\n', at) + 1;
    if (/(^|[^:])\/\//.test(text.slice(lineStart, at))) continue; // not `http://` in a string
    if (!parsed && text.lastIndexOf('/*', at) > text.lastIndexOf('*/', at)) continue;
    out.push(at);
  }
  return out;
}

/**
 * True when a match of `pattern` in `file` is a use in code that runs: at module level (a router registration, an
 * object of handlers), in a function nested in no unit, or in a unit that is itself reached. Imports, export
 * listings and the unit's own declaration and body name nothing that runs.
 */
function usedInRunningCode(scope: Scope, file: string, given: ts.SourceFile | undefined, pattern: RegExp, unit: Unit, hops: number, visiting: Set<string>): boolean {
  const text = given?.text ?? scope.texts.text(file) ?? '';
  if (!pattern.test(text)) return false;
  pattern.lastIndex = 0;
  const sf = given ?? treeOf(scope, file);
  if (!sf) return codeMatches(text, pattern).length > 0; // a .vue/.svelte file, or one that does not parse: its uses count
  const at = codeMatches(text, pattern, true);
  for (const pos of at) {
    const token = tokenAt(sf, pos);
    // a match no node starts at is in a comment or a string (`['name']` starts at its bracket)
    if (!token || (token.getStart(sf) !== pos && text[pos] !== '[') || token === unit.declared || notAUse(token)) continue;
    const caller = outermostUnit(token);
    if (!caller) return true;
    if (sf === unit.declared.getSourceFile() && caller.declared === unit.declared) continue; // its own body
    if (!unreached(scope, file, caller, hops + 1, visiting)) return true;
  }
  return false;
}

function treeOf(scope: Scope, file: string): ts.SourceFile | undefined {
  if (file === scope.own.relPath) return scope.own.sf;
  const text = PARSED.test(file) ? scope.texts.text(file) : undefined;
  if (text === undefined) return undefined;
  return trees.get(file, text, () => {
    try {
      return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, scriptKind(file));
    } catch {
      return undefined;
    }
  });
}

/** The innermost node that starts at `pos`. */
function tokenAt(sf: ts.SourceFile, pos: number): ts.Node | undefined {
  let found: ts.Node | undefined;
  const visit = (n: ts.Node): void => {
    if (n.getStart(sf) <= pos && pos < n.getEnd()) {
      found = n;
      ts.forEachChild(n, visit);
    }
  };
  visit(sf);
  return found;
}

/** An import, a `require` binding, an export listing or a type: a name, not a use. */
function notAUse(node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node; n && !ts.isSourceFile(n); n = n.parent) {
    if (ts.isImportDeclaration(n) || ts.isImportEqualsDeclaration(n) || ts.isTypeNode(n)) return true;
    if (ts.isVariableDeclaration(n) && n.initializer && requiredModule(n.initializer) !== undefined && n.name.pos <= node.pos && node.end <= n.name.end) return true;
    if (isFunctionNode(n) || ts.isStatement(n)) break;
  }
  return ts.isIdentifier(node) && exportListing(node);
}

/** The names a module exports: `export function N`, `export const N`, `exports.N =`, `module.exports = { N }`. */
function exportedNames(sf: ts.SourceFile): string[] {
  const names: string[] = [];
  for (const s of sf.statements) {
    const exported = (ts.getModifiers(s as ts.HasModifiers) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (exported && (ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) && s.name) names.push(s.name.text);
    if (exported && ts.isVariableStatement(s)) for (const d of s.declarationList.declarations) if (ts.isIdentifier(d.name)) names.push(d.name.text);
    if (!ts.isExpressionStatement(s) || !ts.isBinaryExpression(s.expression)) continue;
    const { left, right } = s.expression;
    if (ts.isPropertyAccessExpression(left) && /^(module\.)?exports$/.test(left.expression.getText())) names.push(left.name.text);
    if (/^module\.exports$/.test(left.getText()) && ts.isObjectLiteralExpression(right)) {
      for (const p of right.properties) if (p.name && ts.isIdentifier(p.name)) names.push(p.name.text);
    }
  }
  return names;
}

/** `module.exports = { N }`, `exports.N = N`, `export { N }`: an export, not a use. */
function exportListing(id: ts.Identifier): boolean {
  const p = id.parent;
  if (ts.isExportSpecifier(p)) return !p.parent.parent.moduleSpecifier; // `export { N } from './x'` re-exports: a barrel's importers may use it
  if (ts.isShorthandPropertyAssignment(p) || (ts.isPropertyAssignment(p) && (p.name === id || p.initializer === id))) {
    const obj = p.parent;
    const assign = obj.parent;
    return ts.isBinaryExpression(assign) && assign.right === obj && /^(module\.)?exports$/.test(assign.left.getText());
  }
  if (ts.isPropertyAccessExpression(p) && p.name === id && /^(module\.)?exports$/.test(p.expression.getText())) return true;
  if (ts.isBinaryExpression(p) && p.right === id && ts.isPropertyAccessExpression(p.left) && /^(module\.)?exports$/.test(p.left.expression.getText())) return true;
  return false;
}

/**
 * A module nothing of the project imports while another module of its folder is imported (a repository or service
 * layer written beside the one wired in), in a project that loads no module by a computed path, and not a module a
 * runtime starts from.
 */
function unwiredModule(scope: Scope, relPath: string): boolean {
  if (ENTRY_FILE.test(relPath) || !PARSED.test(relPath)) return false;
  const holder = wiring.get(scope.project);
  const key = scope.texts.stamp ?? (scope.texts.files as object);
  if (holder.key !== key) Object.assign(holder, { key, imported: undefined, dynamic: undefined });
  if (!holder.imported) {
    const imported = new Set<string>();
    let dynamic = false;
    for (const f of scope.texts.files) {
      if (!SOURCE.test(f) || SKIP.test(f)) continue;
      const text = scope.texts.text(f) ?? '';
      const facts = moduleImports.get(f, text, () => ({ specifiers: [...text.matchAll(SPECIFIER)].map((m) => m[1]), dynamic: DYNAMIC_LOAD.test(text) }));
      dynamic ||= facts.dynamic;
      for (const spec of facts.specifiers) {
        const target = resolveModule(scope.project, f, spec);
        if (target && target !== f) imported.add(target);
      }
    }
    Object.assign(holder, { imported, dynamic });
  }
  if (holder.dynamic || holder.imported!.has(relPath)) return false;
  const dir = path.posix.dirname(relPath);
  return [...holder.imported!].some((f) => f !== relPath && path.posix.dirname(f) === dir);
}

/** A module specifier a module imports, requires or re-exports (tests and scripts included). */
const SPECIFIER = /\b(?:from\s*|require\s*\(\s*|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g;

function methodUncalled(scope: Scope, relPath: string, unit: Unit, hops: number, visiting: Set<string>): boolean {
  const { texts, sources } = scope;
  const types = [unit.owner!, ...(unit.interfaces ?? [])].map(escape).join('|');
  const owner = escape(unit.owner!);
  // Held in ways the handles below cannot follow: extended, patched, resolved by value from a container.
  const opaque = new RegExp(`\\bextends\\s+${owner}\\b|\\b${owner}\\s*\\.\\s*prototype\\b|\\b(?:get|resolve|create|select|useExisting)\\s*(?:<[^>]*>)?\\s*[(:]\\s*${owner}\\b`);
  const instance = new RegExp(`(export\\s+default|module\\.exports\\s*=|export\\s+const\\s+\\w+\\s*=)\\s*new\\s+${owner}\\b`);
  const typed = new RegExp(`\\b(\\w+)\\s*[?!]?\\s*:\\s*(${types})\\b(?!\\s*[.<\\[])`, 'g');
  const constructed = new RegExp(`\\b(\\w+)\\s*=\\s*(?:await\\s+)?new\\s+${owner}\\b`, 'g');
  const ownText = unit.declared.getSourceFile().text;
  const exportsInstance = instance.test(ownText);
  const handlesIn = (files: readonly string[]): { handles: Set<string>; viaInterface: boolean; files: string[] } | undefined => {
    const handles = new Set<string>();
    const holding: string[] = [];
    let viaInterface = false;
    for (const f of files) {
      const text = f === relPath ? ownText : texts.text(f) ?? '';
      let holds = f === relPath;
      const hold = (h: string) => {
        handles.add(h);
        holds = true;
      };
      if (exportsInstance && f !== relPath) for (const h of bindingsOf(scope, f, text, relPath)) hold(h);
      if (text.includes(unit.owner!) || (unit.interfaces ?? []).some((i) => text.includes(i))) {
        if (opaque.test(text) || (f !== relPath && instance.test(text))) return undefined;
        for (const m of text.matchAll(typed)) {
          hold(m[1]);
          if (m[2] !== unit.owner) viaInterface = true;
        }
        for (const m of text.matchAll(constructed)) if (m[1] !== 'exports') hold(m[1]); // `module.exports = new X()` is no handle
      }
      if (holds) holding.push(f);
    }
    return { handles, viaInterface, files: holding };
  };
  const served = handlesIn(sources.includes(relPath) ? sources : [relPath, ...sources]);
  if (!served) return false;
  if (served.handles.size === 0) {
    // Held by nothing: a class of a module nothing imports (only then, not a class wired some way unseen here).
    return exportsInstance && unwiredModule(scope, relPath);
  }
  // `this` and `super` name the class only in its own module; elsewhere they are another class's.
  const receiversIn = (f: string) => [...(f === relPath ? ['this', 'super'] : []), ...served.handles].map(escape).join('|');
  const textOf = (f: string) => (f === relPath ? ownText : texts.text(f) ?? '');
  // A handle is used beyond the modules that declare it (`export const orders = new OrderRepository()` imported by name).
  served.files = [relPath, ...sources.filter((f) => f !== relPath && [...served.handles].some((h) => textOf(f).includes(h)))];
  // A member read by a computed name (`service[action](req)`) may be any method.
  if (served.files.some((f) => new RegExp(`\\b(?:${receiversIn(f)})\\s*(?:\\?\\.)?\\s*\\[\\s*(?!['"\`\\d])`).test(textOf(f)))) return false;
  const callOf = (name: string, f: string) => new RegExp(`\\b(?:${receiversIn(f)})\\s*(?:\\?\\.|!\\.|\\.)\\s*${escape(name)}\\b|\\[\\s*['"\`]${escape(name)}['"\`]\\s*\\]`, 'g');
  const sf = unit.declared.getSourceFile();
  if (served.files.some((f) => usedInRunningCode(scope, f, f === relPath ? sf : undefined, callOf(unit.name, f), unit, hops, visiting))) return false;
  // A class held through an interface it implements is also called through values the interface's users hold untyped
  // (`for (const provider of providers) provider.search(q)`): any member call of the name where the interface is named.
  if (unit.interfaces?.length) {
    const member = new RegExp(`(?<=(?:\\?\\.|!\\.|\\.)\\s*)${escape(unit.name)}\\b`, 'g');
    const holders = sources.filter((f) => f !== relPath && unit.interfaces!.some((i) => textOf(f).includes(i)));
    if (holders.some((f) => usedInRunningCode(scope, f, undefined, new RegExp(member.source, 'g'), unit, hops, visiting))) return false;
  }
  // The handles are put to use (some method called through them, the class's own or inherited): the project wires the
  // class, and this method is the odd one out.
  const anyCall = new RegExp(`\\b(?:${[...served.handles].map(escape).join('|')})\\s*(?:\\?\\.|!\\.|\\.)\\s*\\w+\\s*\\(`);
  return served.files.some((f) => f !== relPath && anyCall.test(textOf(f))) || siblingsCalled(served.files, textOf, relPath, unit, callOf);
}

function siblingsCalled(files: readonly string[], textOf: (f: string) => string, relPath: string, unit: Unit, callOf: (name: string, f: string) => RegExp): boolean {
  const cls = unit.declared.parent.parent as ts.ClassDeclaration;
  const siblings = cls.members.flatMap((m) => ((ts.isMethodDeclaration(m) || (ts.isPropertyDeclaration(m) && m.initializer !== undefined && isFunctionNode(m.initializer))) && m.name && ts.isIdentifier(m.name) && m.name.text !== unit.name ? [m.name.text] : []));
  return siblings.some((s) => files.some((f) => callOf(s, f).test(textOf(f))));
}

/** The names `file` binds the module `target` to: `const Repo = require('./repo')`, `import repo from './repo'`. */
function bindingsOf(scope: Scope, file: string, text: string, target: string): string[] {
  const out: string[] = [];
  const binding = /\b(?:(?:const|let|var)\s+(\w+)\s*=\s*(?:await\s+)?require\s*\(\s*|import\s+(\w+)\s+from\s*|import\s+\*\s+as\s+(\w+)\s+from\s*)['"]([^'"]+)['"]/g;
  for (const m of text.matchAll(binding)) {
    if (resolveModule(scope.project, file, m[4]) === target) out.push(m[1] ?? m[2] ?? m[3]);
  }
  return out;
}
