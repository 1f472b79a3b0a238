/**
 * Is the function around a node dead code that no deploy runs? Asked of a candidate a rule already judged request code
 * (a service or repository method, a controller function of a routes/ project) to learn whether anything calls it:
 *
 * - a top-level function (`export function N`, `export const N =`, `exports.N =`, `module.exports = { N }`) that its
 *   own module never uses and no other module of the project (outside tests, scripts and seeds) names: a controller
 *   function no router mounts, a helper nobody imports;
 * - a method of a class that is not a framework entry (no decorator on it or a `@Controller`/`@Resolver` class), when
 *   the project holds the class only in variables and members typed with it or its interfaces (`private readonly
 *   repo: IExceptionRepository`, `const repo = new ExceptionRepository()`) and none of them, nor the class's `this`,
 *   calls the method; or, for a class held by its own name, when the project's tests call the method and nothing
 *   else does (a method kept for a spec, not a deploy).
 *
 * Either only when the project does wire the module: another export of it is named elsewhere, another method of the
 * class is called through those handles (the odd one out among used siblings, not a module shown on its own).
 * Unsure answers are "called": a class something extends or exports as an instance, a default export, names the
 * frameworks call by convention (`GET`, `handler`, `getServerSideProps`), files the frameworks route by their path.
 * Memoised per project version (project-texts.ts).
 */
import { ts } from 'ts-morph';
import type { RuleContext } from '../../rules/api';
import { ProjectSlot } from '../cache';
import { answersWhileUnchanged, projectTexts, type ProjectTexts } from '../project-texts';
import { decoratorNames, identifiersNamed, isFunctionNode } from './ast';
import { isOfflineFile } from './handlers';
import { TEST_PATH } from './call-arguments';

const SOURCE = /\.(tsx?|jsx?|mts|cts|mjs|cjs|vue|svelte|astro)$/;
const SKIP = /(^|\/)(node_modules|dist|build|\.next|out|coverage|vendor)\/|\.d\.ts$|\.min\.js$/;
const MAX_FILES = 3000;
/** Exports frameworks call by their name: Next.js route handlers and data functions, Remix, serverless handlers. */
const FRAMEWORK_EXPORT = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|default|handler|main|middleware|config|loader|action|getServerSideProps|getStaticProps|getStaticPaths|getInitialProps|generateMetadata|generateStaticParams|load|setup|register|plugin|bootstrap)$/;
/** Files frameworks route by their path: Next.js app and pages routers, SvelteKit, Nuxt server routes. */
const ROUTED_FILE = /(^|\/)(pages|app|routes|api|server\/api)\/.*\b(page|route|layout|\+server|\+page\.server)\.[cm]?[jt]sx?$|(^|\/)pages\/api\//;
/** Class decorators of a framework entry whose methods the framework calls. */
const ENTRY_CLASS = /^(Controller|Resolver|WebSocketGateway|Processor|Consumer|EventSubscriber|Command|Console)$/;

const slot = new ProjectSlot<{ key?: object; answers: Map<string, boolean> }>('ts-uncalled', () => ({ answers: new Map() }));

/** True when nothing in the project calls the function that holds `node` (see above). */
export function neverCalled(ctx: RuleContext, node: ts.Node): boolean {
  const relPath = ctx.file.relPath;
  if (ROUTED_FILE.test(relPath)) return false;
  const unit = outermostUnit(node);
  if (!unit) return false;
  const texts = projectTexts(ctx.project, { relPath, text: ctx.file.text });
  const answers = answersWhileUnchanged(slot, ctx.project, texts);
  const id = `${relPath}\u0000${unit.kind}\u0000${unit.owner ?? ''}\u0000${unit.name}`;
  let answer = answers.get(id);
  if (answer === undefined) {
    const sources = texts.files.filter((f) => SOURCE.test(f) && !SKIP.test(f) && !isOfflineFile(f));
    const tests = texts.files.filter((f) => SOURCE.test(f) && !SKIP.test(f) && TEST_PATH.test(f));
    answer = sources.length <= MAX_FILES && (unit.kind === 'function' ? functionUncalled(texts, sources, relPath, unit) : methodUncalled(texts, sources, tests, relPath, unit));
    answers.set(id, answer);
  }
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
    if ((ts.getModifiers(member) ?? []).some((m) => m.kind === ts.SyntaxKind.StaticKeyword)) return undefined;
    const interfaces = (cls.heritageClauses ?? []).filter((h) => h.token === ts.SyntaxKind.ImplementsKeyword).flatMap((h) => h.types.map((t) => t.expression.getText()));
    return { kind: 'method', name: member.name.text, owner: cls.name.text, interfaces, declared: member.name };
  }
  return undefined;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function functionUncalled(texts: ProjectTexts, sources: readonly string[], relPath: string, unit: Unit): boolean {
  if (FRAMEWORK_EXPORT.test(unit.name)) return false;
  const sf = unit.declared.getSourceFile();
  for (const id of identifiersNamed(sf, unit.name)) {
    if (id === unit.declared || exportListing(id)) continue;
    return false; // its own module uses it (a router mounts it, another function calls it)
  }
  const named = (name: string) => {
    const word = new RegExp(`\\b${escape(name)}\\b`, 'g');
    return sources.some((f) => f !== relPath && namedInCode(texts.text(f) ?? '', word));
  };
  if (named(unit.name)) return false;
  return exportedNames(sf).some((other) => other !== unit.name && !FRAMEWORK_EXPORT.test(other) && named(other));
}

/** The word occurs outside comments (`// export async function getUserOrders` kept from an old version names nothing). */
function namedInCode(text: string, word: RegExp): boolean {
  for (const m of text.matchAll(word)) {
    const at = m.index ?? 0;
    const lineStart = text.lastIndexOf('\n', at) + 1;
    if (/(^|[^:])\/\//.test(text.slice(lineStart, at))) continue; // not `http://` in a string
    if (text.lastIndexOf('/*', at) > text.lastIndexOf('*/', at)) continue;
    return true;
  }
  return false;
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
  if (ts.isExportSpecifier(p)) return true;
  if (ts.isShorthandPropertyAssignment(p) || (ts.isPropertyAssignment(p) && (p.name === id || p.initializer === id))) {
    const obj = p.parent;
    const assign = obj.parent;
    return ts.isBinaryExpression(assign) && assign.right === obj && /^(module\.)?exports$/.test(assign.left.getText());
  }
  if (ts.isPropertyAccessExpression(p) && p.name === id && /^(module\.)?exports$/.test(p.expression.getText())) return true;
  if (ts.isBinaryExpression(p) && p.right === id && ts.isPropertyAccessExpression(p.left) && /^(module\.)?exports$/.test(p.left.expression.getText())) return true;
  return false;
}

function methodUncalled(texts: ProjectTexts, sources: readonly string[], tests: readonly string[], relPath: string, unit: Unit): boolean {
  const types = [unit.owner!, ...(unit.interfaces ?? [])].map(escape).join('|');
  const owner = escape(unit.owner!);
  const extendsOrInstance = new RegExp(`\\bextends\\s+${owner}\\b|(export\\s+default|module\\.exports\\s*=)\\s*new\\s+${owner}\\b|\\b${owner}\\s*\\.\\s*prototype\\b`);
  const typed = new RegExp(`\\b(\\w+)\\s*[?!]?\\s*:\\s*(${types})\\b(?!\\s*[.<\\[])`, 'g');
  const constructed = new RegExp(`\\b(\\w+)\\s*=\\s*(?:await\\s+)?new\\s+${owner}\\b`, 'g');
  const handlesIn = (files: readonly string[]): { handles: Set<string>; viaInterface: boolean } | undefined => {
    const handles = new Set<string>();
    let viaInterface = false;
    for (const f of files) {
      const text = texts.text(f) ?? '';
      if (!text.includes(unit.owner!) && !(unit.interfaces ?? []).some((i) => text.includes(i))) continue;
      if (extendsOrInstance.test(text)) return undefined;
      for (const m of text.matchAll(typed)) {
        handles.add(m[1]);
        if (m[2] !== unit.owner) viaInterface = true;
      }
      for (const m of text.matchAll(constructed)) handles.add(m[1]);
    }
    return { handles, viaInterface };
  };
  const served = handlesIn(sources);
  if (!served || served.handles.size === 0) return false;
  const calledIn = (files: readonly string[], handles: Set<string>) => (name: string) => {
    const receivers = ['this', 'super', ...handles].map(escape).join('|');
    const call = new RegExp(`\\b(?:${receivers})\\s*(?:\\?\\.|!\\.|\\.)\\s*${escape(name)}\\b|\\[\\s*['"\`]${escape(name)}['"\`]\\s*\\]`);
    return files.some((f) => call.test(f === relPath ? unit.declared.getSourceFile().text : texts.text(f) ?? ''));
  };
  const called = calledIn(sources, served.handles);
  if (called(unit.name)) return false;
  const cls = unit.declared.parent.parent as ts.ClassDeclaration;
  const siblings = cls.members.flatMap((m) => ((ts.isMethodDeclaration(m) || (ts.isPropertyDeclaration(m) && m.initializer !== undefined && isFunctionNode(m.initializer))) && m.name && ts.isIdentifier(m.name) && m.name.text !== unit.name ? [m.name.text] : []));
  if (!siblings.some(called)) return false;
  // A class the project holds through an interface it implements (`useClass: ExceptionRepository` behind
  // `IExceptionRepository`): its callers are the interface's, all of them typed.
  if (served.viaInterface) return true;
  // A class held by its own name is judged by its file (main's labels count a Nest service's uncalled findAll as
  // request code), unless its only callers are the project's tests: a method kept for a spec, not for a deploy.
  const tested = handlesIn(tests);
  return tested !== undefined && tested.handles.size > 0 && calledIn(tests, tested.handles)(unit.name);
}
