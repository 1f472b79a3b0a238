/**
 * How far back from now a moment lies when the server's clock alone fixes it (analysis/typescript/clock-windows.ts):
 * what unbounded-query reads to tell one parent's recent rows from a history.
 */
import * as assert from 'node:assert/strict';
import { ts } from 'ts-morph';
import { daysBeforeNow } from '../../analysis/typescript/clock-windows';

/** The days back of `expr`, evaluated after `setup` inside one function. */
function days(expr: string, setup = ''): number | undefined {
  const sf = ts.createSourceFile('t.ts', `function f(req, n) {\n${setup}\nconst probe = ${expr};\n}`, ts.ScriptTarget.Latest, true);
  let found: ts.Expression | undefined;
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && node.name.getText() === 'probe') found = node.initializer;
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return daysBeforeNow(found!);
}

describe('TS clock windows', () => {
  it('reads now and date-fns, dayjs and millisecond arithmetic from it', () => {
    assert.equal(days('new Date()'), 0);
    assert.equal(days('subDays(new Date(), 7)'), 7);
    assert.equal(days('subMonths(new Date(), 3)'), 93);
    assert.equal(days("dayjs().subtract(30, 'day').toDate()"), 30);
    assert.equal(days('new Date(Date.now() - 7 * 24 * 60 * 60 * 1000)'), 7);
    assert.equal(days('startOfWeek(new Date())'), 7);
  });

  it('follows a copy of now moved back in place', () => {
    assert.equal(days('d', 'const d = new Date();\nd.setMonth(d.getMonth() - 3);'), 93);
    assert.equal(days('d', 'const d = new Date();\nd.setDate(d.getDate() - 7);\nd.setHours(0, 0, 0, 0);'), 8);
  });

  it('knows nothing of a moment the client sends, an amount not fixed, or a reassigned name', () => {
    assert.equal(days('new Date(req.query.from)'), undefined);
    assert.equal(days('subDays(new Date(), n)'), undefined);
    assert.equal(days('d', 'const d = new Date();\nd.setDate(d.getDate() - n);'), undefined);
    assert.equal(days('d', 'let d = new Date();\nd = new Date(req.query.from);'), undefined);
  });
});
