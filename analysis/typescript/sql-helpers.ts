/**
 * A project's own functions that run the SQL text they are handed: `executeQuery(pool, query, values)` whose body is
 * `pool.query(query, values)`, `runQuery(sql, params)` over mysql2's `execute`, a `db.all(sql)` wrapper over
 * better-sqlite3's `db.prepare(sql).all(...)`, a repository base class's `protected select(sql)`. A call of such a
 * helper with a SELECT is a raw read like the driver call itself, so the raw-SQL check follows its SQL argument.
 *
 * Read once per file version (only files that pass one of a function's parameters to `.query`/`.execute`/`.prepare`
 * are parsed), merged per project while it is unchanged (project-texts.ts). The answer maps a helper's name to the
 * position of its SQL parameter; a name two helpers declare with the SQL in different positions is left out.
 */
import { ts } from 'ts-morph';
import type { RuleContext } from '../../rules/api';
import { FileVersionSlot, ProjectSlot } from '../cache';
import { answersWhileUnchanged, projectTexts } from '../project-texts';
import { isFunctionNode, propertyName, unwrap, type FunctionNode } from './ast';

const SOURCE = /\.[cm]?[jt]sx?$/;
const SKIP = /(^|\/)(node_modules|dist|build|\.next|out|coverage|vendor)\/|\.d\.ts$|\.min\.js$/;
const MAX_FILES = 4000;
/** A driver call handed a bare name: what a helper that forwards its parameter looks like, before the parse. */
const FORWARDS_NAME = /\.(query|execute|prepare)\s*(<[^>]*>)?\s*\(\s*[A-Za-z_$][\w$]*\s*[,)]/;
/** Driver methods that run the SQL they are given (better-sqlite3's `prepare` only with `.all` of its statement). */
const RUNS_SQL = /^(query|execute|prepare)$/;
/** Names too common to key a project-wide map on: any object's method could be meant. */
const TOO_COMMON = /^(get|set|run|all|call|apply|bind|then|exec|handle|find|fetch|send|request|load)$/;

const digests = new FileVersionSlot<Map<string, number>>('ts-sql-helpers', 400);
const slot = new ProjectSlot<{ key?: unknown; answers: Map<string, Map<string, number>> }>('ts-sql-helpers', () => ({ answers: new Map() }));

/** The project's SQL-running helpers: name -> index of the SQL argument. */
export function sqlHelpers(ctx: RuleContext): ReadonlyMap<string, number> {
  const texts = projectTexts(ctx.project, { relPath: ctx.file.relPath, text: ctx.file.text });
  const answers = answersWhileUnchanged(slot, ctx.project, texts);
  let merged = answers.get('');
  if (merged) return merged;
  merged = new Map();
  const clashes = new Set<string>();
  const sources = texts.files.filter((f) => SOURCE.test(f) && !SKIP.test(f));
  if (sources.length <= MAX_FILES) {
    for (const f of sources) {
      const text = texts.text(f);
      if (text === undefined || !FORWARDS_NAME.test(text)) continue;
      for (const [name, index] of digests.get(f, text, () => helpersDeclared(f, text))) {
        const known = merged.get(name);
        if (known !== undefined && known !== index) clashes.add(name);
        merged.set(name, index);
      }
    }
  }
  for (const name of clashes) merged.delete(name);
  answers.set('', merged);
  return merged;
}

/** The helpers one module declares. */
export function helpersDeclared(relPath: string, text: string): Map<string, number> {
  const sf = ts.createSourceFile(relPath, text, ts.ScriptTarget.Latest, true, /\.[cm]?jsx?$/.test(relPath) ? ts.ScriptKind.JS : ts.ScriptKind.TS);
  const found = new Map<string, number>();
  const visit = (node: ts.Node): void => {
    if (isFunctionNode(node)) {
      const name = functionName(node);
      const index = name && !TOO_COMMON.test(name) ? forwardedSqlParameter(node) : undefined;
      if (name && index !== undefined) found.set(name, index);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** `function n()`, `const n = () =>`, `n() {}` in a class or object, `n: function () {}`, `exports.n = () =>`. */
function functionName(fn: FunctionNode): string | undefined {
  if ((ts.isFunctionDeclaration(fn) || ts.isMethodDeclaration(fn)) && fn.name) return propertyName(fn.name);
  const parent = fn.parent;
  if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return propertyName(parent.name);
  if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(parent.left)) return parent.left.name.text;
  return undefined;
}

/** The position of the parameter the function hands, as is, to a driver call that runs it; else undefined. */
function forwardedSqlParameter(fn: FunctionNode): number | undefined {
  const params = fn.parameters.map((p) => (ts.isIdentifier(p.name) ? p.name.text : undefined));
  if (!fn.body || params.every((p) => p === undefined)) return undefined;
  let index: number | undefined;
  const visit = (node: ts.Node): void => {
    if (index !== undefined || (node !== fn.body && isFunctionNode(node) && !ts.isArrowFunction(node))) return;
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && RUNS_SQL.test(node.expression.name.text)) {
      const arg = node.arguments[0] && unwrap(node.arguments[0]);
      const at = arg && ts.isIdentifier(arg) ? params.indexOf(arg.text) : -1;
      if (at >= 0 && (node.expression.name.text !== 'prepare' || readsAll(node))) index = at;
    }
    ts.forEachChild(node, visit);
  };
  visit(fn.body);
  return index;
}

/** better-sqlite3: `db.prepare(sql).all(...)`, or a statement variable whose `.all(` the function calls. */
export function readsAll(prepare: ts.CallExpression): boolean {
  const parent = prepare.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name.text === 'all') return true;
  const holder = ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name) ? parent.name.text : undefined;
  if (!holder) return false;
  let fn: ts.Node | undefined = parent;
  while (fn && !isFunctionNode(fn) && !ts.isSourceFile(fn)) fn = fn.parent;
  return !!fn && new RegExp(`\\b${holder.replace(/\$/g, '\\$')}\\s*\\.\\s*all\\s*\\(`).test(fn.getText());
}
