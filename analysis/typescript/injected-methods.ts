/**
 * The method a call on an injected service runs: `this.recipesService.findAll(skip, take)` inside a Nest resolver or
 * controller, where the constructor says `private recipesService: RecipesService` and RecipesService is imported
 * from a module of the project. For rules that follow a request value into the service that uses it.
 */
import path from 'node:path';
import { ts } from 'ts-morph';
import type { RuleContext } from '../../rules/api';
import { declarationOf, thisMember, typeName } from './ast';
import { importSource, isLocalSpecifier } from './imports';

const EXTENSIONS = ['.ts', '/index.ts', '.js', '/index.js', '.mts', '.mjs', '.cts', '.cjs'];

/** The last parse of each module read, by its project path: a keystroke in the caller reuses it while its text holds. */
const MAX_PARSED = 64;
const parsed = new Map<string, { text: string; sf: ts.SourceFile }>();

/**
 * The declaration of `this.member.method` in the service class `member` is typed with, or undefined. `fromFile` is the
 * project path of the module the call is written in (a service read by an earlier call, not the file checked).
 */
export function injectedMethod(ctx: RuleContext, callee: ts.PropertyAccessExpression, fromFile = ctx.file.relPath): ts.MethodDeclaration | undefined {
  const receiver = callee.expression;
  if (!ts.isPropertyAccessExpression(receiver) || receiver.expression.kind !== ts.SyntaxKind.ThisKeyword) return undefined;
  const member = thisMember(receiver);
  const type = member?.type;
  const className = typeName(type);
  if (!type || !className || !ts.isTypeReferenceNode(type) || !ts.isIdentifier(type.typeName)) return undefined;
  const sf = localClassModule(ctx, type.typeName, fromFile);
  const cls = sf && findClass(sf, className);
  return cls?.members.find((m): m is ts.MethodDeclaration => ts.isMethodDeclaration(m) && m.name.getText(sf) === callee.name.text && m.body !== undefined);
}

/** The parsed module a class name is imported from (in `fromFile`, by default the file checked), when it is a relative import of the project. */
function localClassModule(ctx: RuleContext, id: ts.Identifier, fromFile = ctx.file.relPath): ts.SourceFile | undefined {
  const source = importSource(id);
  if (!source || !isLocalSpecifier(source.specifier)) return undefined;
  const dir = path.posix.dirname(fromFile);
  const base = path.posix.normalize(path.posix.join(dir, source.specifier)).replace(/\.(js|mjs|cjs)$/, '');
  for (const ext of EXTENSIONS) {
    const rel = `${base}${ext}`;
    const text = ctx.project.readFile(rel);
    if (text === undefined) continue;
    const last = parsed.get(rel);
    if (last && last.text === text) return last.sf;
    const sf = ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, true, /\.[cm]?js$/.test(rel) ? ts.ScriptKind.JS : ts.ScriptKind.TS);
    if (parsed.size >= MAX_PARSED) parsed.delete(parsed.keys().next().value as string);
    parsed.set(rel, { text, sf });
    return sf;
  }
  return undefined;
}

function findClass(sf: ts.SourceFile, name: string): ts.ClassDeclaration | undefined {
  for (const s of sf.statements) if (ts.isClassDeclaration(s) && s.name?.text === name) return s;
  return undefined;
}

/**
 * The declaration of `model.method` where `const model = new Model()` and Model is a class of a relative import (or of
 * the class it extends, two levels up): `new ProfileModel().find({}, count)` runs BaseModel's `find`.
 */
export function constructedMethod(ctx: RuleContext, callee: ts.PropertyAccessExpression): ts.MethodDeclaration | undefined {
  const receiver = callee.expression;
  if (!ts.isIdentifier(receiver)) return undefined;
  const decl = declarationOf(receiver);
  const init = decl && ts.isVariableDeclaration(decl) && decl.initializer ? decl.initializer : undefined;
  if (!init || !ts.isNewExpression(init) || !ts.isIdentifier(init.expression)) return undefined;
  let id: ts.Identifier = init.expression;
  let fromFile = ctx.file.relPath;
  for (let depth = 0; depth < 3; depth++) {
    const sf = localClassModule(ctx, id, fromFile);
    const cls = sf ? findClass(sf, id.text) ?? defaultClass(sf) : undefined;
    if (!sf || !cls) return undefined;
    const method = cls.members.find((m): m is ts.MethodDeclaration => ts.isMethodDeclaration(m) && m.name.getText(sf) === callee.name.text && m.body !== undefined);
    if (method) return method;
    const base = cls.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0]?.expression;
    if (!base || !ts.isIdentifier(base)) return undefined;
    id = base;
    fromFile = sf.fileName;
  }
  return undefined;
}

/** `export default class ProfileModel extends BaseModel`, imported under any name. */
function defaultClass(sf: ts.SourceFile): ts.ClassDeclaration | undefined {
  for (const s of sf.statements) {
    if (ts.isClassDeclaration(s) && (ts.getModifiers(s) ?? []).some((m) => m.kind === ts.SyntaxKind.DefaultKeyword)) return s;
  }
  return undefined;
}
