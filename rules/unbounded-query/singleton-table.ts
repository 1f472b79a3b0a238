/**
 * A table the code keeps as one row: its only insert runs when a whole read of it comes back empty
 * (`const rows = await repo.find(); if (!rows[0]) repo.save(defaults)`: create the row on first use), and every other
 * write of it saves back rows read from it (`repo.save(favorite)` after `const favorite = await repo.find()`). A whole
 * read of such a table returns that one row, however the app is used. Judged within the module that holds the
 * repository (a class's `this.favoriteRepository`), which is where such a table's writes live.
 */
import { ts } from 'ts-morph';
import { enclosingFunction, indexOf, unwrap } from '../../analysis/typescript/ast';
import type { OrmCall } from '../../analysis/typescript/orm';

const WRITE = /^(save|insert|create|insertMany|insertOne|createMany|upsert)$/;
const WHOLE_READ = /^(find|findAll|findMany)$/;

export function keptAsOneRow(q: OrmCall): boolean {
  if (q.builder || q.call.arguments.length > 0) return false;
  const callee = unwrap(q.call.expression);
  if (!ts.isPropertyAccessExpression(callee)) return false;
  const receiver = callee.expression.getText();
  const sf = q.call.getSourceFile();
  let firstUse = false;
  for (const call of indexOf(sf).calls) {
    const c = unwrap(call.expression);
    if (!ts.isPropertyAccessExpression(c) || !WRITE.test(c.name.text) || c.expression.getText() !== receiver) continue;
    // TypeORM `repo.create(dto)` builds an entity in memory; it is the save that writes
    if (c.name.text === 'create' && q.orm === 'typeorm') continue;
    if (createdWhenEmpty(call, receiver)) firstUse = true;
    else if (!savesBackReadRows(call, receiver)) return false;
  }
  return firstUse;
}

/** `if (!rows[0]) repo.save(...)`, `if (rows.length === 0)`, `if (!rows.length)` of `rows = await repo.find()`. */
function createdWhenEmpty(write: ts.CallExpression, receiver: string): boolean {
  for (let n: ts.Node = write; n.parent && !ts.isFunctionLike(n); n = n.parent) {
    const p = n.parent;
    if (!ts.isIfStatement(p) || p.expression === n) continue;
    const m = /^!\s*(\w+)\s*(\[\s*0\s*\]|\.length)$|^(\w+)\.length\s*===?\s*0$/.exec(p.expression.getText().replace(/\s+/g, ' ').trim());
    const name = m?.[1] ?? m?.[3];
    return name !== undefined && p.thenStatement.getText().includes(write.getText()) && readWholeInto(p, name, receiver);
  }
  return false;
}

/** `repo.save(favorite)` / `repo.save(favorite[0])` where `favorite` holds a whole read of the same repository. */
function savesBackReadRows(write: ts.CallExpression, receiver: string): boolean {
  const arg = write.arguments[0] && unwrap(write.arguments[0]);
  if (!arg) return false;
  const root = ts.isElementAccessExpression(arg) ? unwrap(arg.expression) : arg;
  return ts.isIdentifier(root) && readWholeInto(write, root.text, receiver);
}

/** `name` is declared in the function around `at` from `await receiver.find()` (no arguments). */
function readWholeInto(at: ts.Node, name: string, receiver: string): boolean {
  const fn = enclosingFunction(at);
  if (!fn) return false;
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === name && n.initializer) {
      const init = unwrap(n.initializer);
      const call = ts.isAwaitExpression(init) ? unwrap(init.expression) : init;
      if (ts.isCallExpression(call) && call.arguments.length === 0) {
        const c = unwrap(call.expression);
        found = ts.isPropertyAccessExpression(c) && WHOLE_READ.test(c.name.text) && c.expression.getText() === receiver;
      }
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(fn);
  return found;
}

