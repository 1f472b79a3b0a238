/**
 * A list read capped by a count checked first: earlier in the same function the code counts the rows of the same
 * model (`const n = await db.transaction.count({ where })`, Mongoose `countDocuments`, TypeORM `count`/`countBy`,
 * Sequelize `count`) and refuses the request when the count is over a bound (`if (n > LIMIT) return res.status(422)`,
 * `throw`). The read that follows loads at most that many rows: a cap, not a whole table.
 */
import { ts } from 'ts-morph';
import { declarationOf, enclosingFunction, unwrap, unwrapAwait } from '../../analysis/typescript/ast';
import type { OrmCall } from '../../analysis/typescript/orm';

const COUNT_METHOD = /^(count|countBy|countDocuments|estimatedDocumentCount|getCount)$/;

export function cappedByCount(q: OrmCall): boolean {
  const callee = unwrap(q.call.expression);
  if (!ts.isPropertyAccessExpression(callee)) return false;
  const receiver = unwrap(callee.expression).getText();
  const fn = enclosingFunction(q.call);
  const readAt = q.call.getStart();
  // the blocks around the read, up to the function's body (a `try` block holds most handlers' reads)
  for (let n: ts.Node = q.call; n.parent && n !== fn; n = n.parent) {
    if (!ts.isBlock(n.parent)) continue;
    if (n.parent.statements.some((s) => s.getEnd() < readAt && ts.isIfStatement(s) && refusesOverCount(s, receiver))) return true;
  }
  return false;
}

/** `if (count > LIMIT) { ...; return ... }` where `count` holds a count of the rows `receiver` reads. */
function refusesOverCount(s: ts.IfStatement, receiver: string): boolean {
  const cond = unwrap(s.expression);
  if (!ts.isBinaryExpression(cond)) return false;
  const op = cond.operatorToken.kind;
  const counted =
    op === ts.SyntaxKind.GreaterThanToken || op === ts.SyntaxKind.GreaterThanEqualsToken
      ? cond.left
      : op === ts.SyntaxKind.LessThanToken || op === ts.SyntaxKind.LessThanEqualsToken
        ? cond.right
        : undefined;
  const bound = counted === cond.left ? cond.right : cond.left;
  if (!counted || !ts.isIdentifier(unwrap(counted)) || !isBound(unwrap(bound))) return false;
  if (!countOf(unwrap(counted) as ts.Identifier, receiver)) return false;
  return exits(s.thenStatement);
}

/** A number or a constant name (`DUPLICATE_LIMIT`, `config.maxRows`), not another count. */
function isBound(e: ts.Expression): boolean {
  return ts.isNumericLiteral(e) || ts.isIdentifier(e) || ts.isPropertyAccessExpression(e);
}

function countOf(id: ts.Identifier, receiver: string): boolean {
  const decl = declarationOf(id);
  if (!decl || !ts.isVariableDeclaration(decl) || !decl.initializer) return false;
  const init = unwrapAwait(decl.initializer);
  if (!init || !ts.isCallExpression(init)) return false;
  const callee = unwrap(init.expression);
  return ts.isPropertyAccessExpression(callee) && COUNT_METHOD.test(callee.name.text) && unwrap(callee.expression).getText() === receiver;
}

/** The branch leaves the function: its last statement returns or throws. */
function exits(branch: ts.Statement): boolean {
  const last = ts.isBlock(branch) ? branch.statements[branch.statements.length - 1] : branch;
  return last !== undefined && (ts.isReturnStatement(last) || ts.isThrowStatement(last));
}
