/**
 * The table a finding's rows come from (`ReportSpec.table`), for the `smallTables` setting: only a name the code
 * shows, never guessed. unbounded-queryset, unbounded-query and n-plus-one share these.
 */
import type { QuerysetInfo } from '../../analysis/python/django-querysets';
import { ts } from 'ts-morph';
import type { OrmCall } from '../../analysis/typescript/orm';
import { declarationOf, thisMember, unwrap, unwrapAwait } from '../../analysis/typescript/ast';

/**
 * The model whose rows a Django queryset reads: only when it is one model named as a class is (`Banner.objects`),
 * not a stand-in (`self.model.objects`, `cls.objects`, `get_user_model().objects`).
 */
export function tableOf(info: Pick<QuerysetInfo, 'models'>): string | undefined {
  return info.models.length === 1 ? modelClassName(info.models[0]) : undefined;
}

/** A model's class name as written (`Banner`), or undefined for a stand-in of one. */
export function modelClassName(name: string | undefined): string | undefined {
  return name !== undefined && /^[A-Z][A-Za-z0-9_]*$/.test(name) ? name : undefined;
}

/**
 * The model a TS/JS ORM read's rows come from. Prisma's delegate (`prisma.menuItem`) always names its model; another
 * ORM's receiver names one when it is class-like (`User.findAll()`, `db.Banner.find()`, `getRepository(Banner)`), not
 * a holder's property (`this.userModel`, `this.repo`), unless Nest injects it by name (`@InjectModel(Gift.name)
 * private giftModel`, `@InjectModel(User) private users`).
 */
export function tableOfOrmCall(q: Pick<OrmCall, 'orm' | 'model' | 'call'>): string | undefined {
  if (q.model && (q.orm === 'prisma' || /^[A-Z]/.test(q.model))) return q.model;
  return q.orm === 'mongoose' || q.orm === 'sequelize' ? injectedModel(q.call) : undefined;
}

/** The model Nest's `@InjectModel(...)` names for the `this.x` a read is called on: `Gift.name`, `'Gift'`, `User`. */
function injectedModel(call: ts.CallExpression): string | undefined {
  const callee = unwrap(call.expression);
  const receiver = ts.isPropertyAccessExpression(callee) ? unwrap(callee.expression) : undefined;
  const member = receiver && ts.isPropertyAccessExpression(receiver) ? thisMember(receiver) : undefined;
  for (const d of (member && ts.canHaveDecorators(member) ? ts.getDecorators(member) : undefined) ?? []) {
    const e = d.expression;
    if (!ts.isCallExpression(e) || !ts.isIdentifier(e.expression) || e.expression.text !== 'InjectModel') continue;
    const arg = e.arguments[0] && unwrap(e.arguments[0]);
    if (!arg) return undefined;
    if (ts.isStringLiteral(arg)) return arg.text;
    if (ts.isPropertyAccessExpression(arg) && arg.name.text === 'name' && ts.isIdentifier(arg.expression)) return arg.expression.text;
    if (ts.isIdentifier(arg) && /^[A-Z]/.test(arg.text)) return arg.text;
    return undefined;
  }
  return undefined;
}

/**
 * The model of the rows a TS/JS loop iterates (n-plus-one's N): the query's, when the loop goes over its result itself
 * (`for (const o of await prisma.order.findMany())`, `orders.map(...)` of `const orders = await Order.find().lean()`),
 * not over a row's relation (`post.comments`) or rows merged from several queries.
 */
export function tableOfLoopRows(iterable: ts.Expression, rows: OrmCall): string | undefined {
  let e = unwrapAwait(iterable);
  if (ts.isIdentifier(e)) {
    const decl = declarationOf(e);
    if (!decl || !ts.isVariableDeclaration(decl) || !decl.initializer) return undefined;
    e = unwrapAwait(decl.initializer);
  }
  // The query itself, or methods chained on it (`.lean()`, `.exec()`, `.sort(...)`).
  while (e !== rows.call) {
    if (!ts.isCallExpression(e)) return undefined;
    const callee = e.expression;
    if (!ts.isPropertyAccessExpression(callee)) return undefined;
    e = unwrapAwait(callee.expression);
  }
  return tableOfOrmCall(rows);
}

/** The rule docs' note on the `smallTables` setting (unbounded-queryset, unbounded-query, n-plus-one). */
export const SMALL_TABLES_NOTE =
  'Tables your team knows stay small (a clinic\'s banners, a café\'s menu), which the code cannot show, are listed once in the ' +
  '`smallTables` setting (`smallTables = ["Banner", "menu_item"]`; names compared ignoring case and `_`): findings about their rows are not ' +
  'reported (for n-plus-one, the rows the loop iterates). Each finding names its table (`table` in `--format json`) when the check can; ' +
  'the editor\'s quick fix "Treat `Banner` as a small table" adds it to the settings file. ';
