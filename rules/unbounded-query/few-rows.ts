/**
 * List reads that can match one row, or a few, by construction: the where clause compares a column the model declares
 * unique (or its primary key, or every column of a unique compound) with one value (unique-keys.ts); a sign-in lookup
 * (a login key and a password compared with what the user typed); a TypeORM query builder whose `where` string
 * compares such a column with one parameter; and a list read used as a one-row read (`users[0]`, `users.length > 0`,
 * `const [user] = await ...`) of a lookup by a key. And one parent's children a unique compound bounds by a group's size
 * (one answer per student per quiz, the quiz given to one class).
 */
import { ts } from 'ts-morph';
import type { RuleContext } from '../api';
import { asObjectLiteral, declarationOf, enclosingFunction, identifiersNamed, unwrap, unwrapAwait } from '../../analysis/typescript/ast';
import { uniqueKeysOf, type ModelKeys } from '../../analysis/typescript/unique-keys';
import { modelNamed, prismaSchemaFor, type PrismaModel, type PrismaSchema } from '../../analysis/typescript/prisma-schema';
import type { OrmCall } from '../../analysis/typescript/orm';

/** Primary keys every ORM gives a row by default. */
const PRIMARY_KEY = /^(_?id)$/;
/** A stored password, compared in a sign-in lookup (`password`, `senha`, `passwordHash`, `pwd`). */
const PASSWORD_KEY = /^(password|passwd|pwd|senha|contrase(n|ñ)a|mot_?de_?passe|kennwort|password_?hash|hashed_?password)$/i;
const OR_KEY = /^(OR|\$or|\[Op\.or\])$/;
const AND_KEY = /^(AND|\$and|\[Op\.and\])$/;

type Defined = (id: ts.Identifier) => boolean;

/** The name of the model a read is on, as the project declares it. */
function modelName(q: OrmCall): string {
  if (q.model) return q.model;
  const receiver = q.target.replace(/\.createQueryBuilder\(\)$/, '').split('.').pop() ?? '';
  return q.builder && (receiver === 'this' || receiver === '') ? builderAlias(q) ?? '' : receiver;
}

/** `createQueryBuilder('user')`: the alias, most often the entity's name. */
function builderAlias(q: OrmCall): string | undefined {
  // `createQueryBuilder('car')`, or a manager's `createQueryBuilder(Car, 'car')` / `('Car', 'car')`: the alias is the last name
  const m = /createQueryBuilder\(\s*(?:(?:['"`]\w+['"`]|[\w.]+)\s*,\s*)?['"`](\w+)['"`]/.exec(q.call.getText());
  return m?.[1];
}

function keysOf(ctx: RuleContext, q: OrmCall): ModelKeys {
  return uniqueKeysOf(ctx, q.orm, modelName(q)) ?? { unique: new Set(), compounds: [] };
}

/** A value naming one thing: not an object of operators (`{ in: ids }`, `{ contains }`), not a value that may be undefined. */
function oneValue(value: ts.Expression, defined: Defined): boolean {
  const v = unwrap(value);
  if (v.kind === ts.SyntaxKind.NullKeyword || v.kind === ts.SyntaxKind.UndefinedKeyword) return false;
  if (ts.isIdentifier(v)) return v.text !== 'undefined' && defined(v);
  if (ts.isObjectLiteralExpression(v)) {
    // `{ equals: x }`, `{ $eq: x }`
    return v.properties.length === 1 && ts.isPropertyAssignment(v.properties[0]) && /^(equals|\$eq|'\$eq'|"\$eq"|\[Op\.eq\])$/.test(v.properties[0].name.getText()) && oneValue(v.properties[0].initializer, defined);
  }
  if (ts.isArrayLiteralExpression(v) || ts.isArrowFunction(v) || ts.isFunctionExpression(v)) return false;
  if (ts.isCallExpression(v)) return !/^(In|Not|Like|ILike|Any|Between|MoreThan\w*|LessThan\w*|Raw|IsNull)$/.test(v.expression.getText());
  return true;
}

/** The key of a where property as written, without quotes. */
function keyOf(p: ts.ObjectLiteralElementLike): string {
  return p.name ? p.name.getText().replace(/^['"]|['"]$/g, '') : '';
}

/**
 * The where clause matches at most one row: a unique column (or the primary key) equal to one value, every column of
 * a unique compound so, a sign-in's password with another key; in every branch of an OR, in one branch of an AND.
 */
export function matchesOneRow(ctx: RuleContext, q: OrmCall, where: ts.ObjectLiteralExpression, defined: Defined): boolean {
  const keys = keysOf(ctx, q);
  const visit = (o: ts.ObjectLiteralExpression, depth: number): boolean => {
    const equal = new Set<string>();
    let password = false;
    let others = 0;
    for (const p of o.properties) {
      const key = keyOf(p);
      if (ts.isShorthandPropertyAssignment(p)) {
        if (defined(p.name)) equal.add(key);
        continue;
      }
      if (!ts.isPropertyAssignment(p)) continue;
      const value = unwrap(p.initializer);
      if (ts.isArrayLiteralExpression(value) && depth < 3) {
        const branches = value.elements.map((e) => asObjectLiteral(e));
        if (OR_KEY.test(key) && branches.length > 0 && branches.every((b) => b !== undefined && visit(b, depth + 1))) return true;
        if (AND_KEY.test(key) && branches.some((b) => b !== undefined && visit(b, depth + 1))) return true;
        if (OR_KEY.test(key) && branches.length > 0 && branches.every((b) => b !== undefined && b.properties.length > 0)) others++;
        continue;
      }
      if (PASSWORD_KEY.test(key) && !ts.isObjectLiteralExpression(value) && oneValue(value, defined)) password = true;
      else if (oneValue(value, defined)) equal.add(key);
    }
    for (const key of equal) if (PRIMARY_KEY.test(key) || keys.unique.has(key)) return true;
    if (keys.compounds.some((c) => c.every((col) => equal.has(col)))) return true;
    // a sign-in: the account whose login (any key, or any branch of an OR of keys) and password match
    return password && equal.size + others > 0;
  };
  return visit(where, 0);
}

/**
 * A TypeORM query builder whose `.where('user.email = :email')` / `.andWhere(...)` compares a unique column (or the
 * primary key, or a login key) with one parameter, or matches the keys of a list the code holds
 * (`.where('ticket.id IN (:...ids)', { ids })`, `.whereInIds(ids)`): a batch load bounded by that list.
 */
export function builderMatchesOneRow(ctx: RuleContext, q: OrmCall, loginKey: RegExp): boolean {
  const keys = keysOf(ctx, q);
  const alias = builderAlias(q);
  let e: ts.Expression = unwrap(q.call.expression);
  for (let depth = 0; depth < 30 && ts.isPropertyAccessExpression(e); depth++) {
    const receiver = unwrap(e.expression);
    if (!ts.isCallExpression(receiver)) break;
    const callee = unwrap(receiver.expression);
    if (ts.isPropertyAccessExpression(callee) && /^(where|andWhere)InIds$/.test(callee.name.text)) return true;
    if (ts.isPropertyAccessExpression(callee) && /^(where|andWhere)$/.test(callee.name.text)) {
      const condition = receiver.arguments[0];
      const text = condition && (ts.isStringLiteralLike(condition) ? condition.text : undefined);
      if (text && !/\bOR\b/i.test(text)) {
        for (const m of text.matchAll(/(?:^|[\s(])(?:["`]?(\w+)["`]?\.)?["`]?(\w+)["`]?\s+IN\s*\(\s*:\.\.\.\w+\s*\)/gi)) {
          if (m[1] && alias && m[1] !== alias) continue;
          if (PRIMARY_KEY.test(m[2]) || keys.unique.has(m[2])) return true;
        }
        for (const m of text.matchAll(/(?:^|[\s(])(?:["`]?(\w+)["`]?\.)?["`]?(\w+)["`]?\s*=\s*:(\w+)/g)) {
          // `user.id = :id` on `createQueryBuilder('car')`: a joined row's key, so one user's cars, not one car
          if (m[1] && alias && m[1] !== alias) continue;
          if (PRIMARY_KEY.test(m[2]) || keys.unique.has(m[2]) || loginKey.test(m[2])) return true;
        }
      }
    }
    e = unwrap(callee);
  }
  return false;
}

/**
 * A list read used as a one-row read: `const [user] = await X.findAll(...)`, or a variable every use of which is
 * its first row or its length (`users.length > 0 ? users[0] : null`). The caller asks it only of a lookup by a key.
 */
export function readAsOneRow(q: OrmCall): boolean {
  let node: ts.Node = q.call;
  while (node.parent && (ts.isAwaitExpression(node.parent) || ts.isParenthesizedExpression(node.parent) || ts.isAsExpression(node.parent))) node = node.parent;
  const parent = node.parent;
  if (!parent || !ts.isVariableDeclaration(parent) || unwrapAwait(parent.initializer as ts.Expression) === undefined) return false;
  if (ts.isArrayBindingPattern(parent.name)) return parent.name.elements.length === 1 && !ts.isOmittedExpression(parent.name.elements[0]) && !parent.name.elements[0].dotDotDotToken;
  if (!ts.isIdentifier(parent.name)) return false;
  const fn = enclosingFunction(parent);
  if (!fn) return false;
  // not the member name of `prisma.users` in `const users = await prisma.users.findMany()`
  const uses = identifiersNamed(fn, parent.name.text).filter((id) => id !== parent.name && !(ts.isPropertyAccessExpression(id.parent) && id.parent.name === id) && declarationOf(id) === parent);
  return (
    uses.length > 0 &&
    uses.every((id) => {
      const up = id.parent;
      if (ts.isElementAccessExpression(up) && up.expression === id) return ts.isNumericLiteral(up.argumentExpression) && up.argumentExpression.text === '0';
      if (ts.isPropertyAccessExpression(up) && up.expression === id) return /^(length|shift)$/.test(up.name.text);
      return false;
    })
  );
}

/**
 * A parent's key or an owner (`userId`, `post_id`, `author`): its rows are a list (one user's transactions), and a
 * list read of them used as one row still loads them all.
 */
const FOREIGN_KEY = /.(Id|_id|ID)$|^(user|owner|author|creator|account|customer|member|tenant|parent|post|project|team|group)$/;

/**
 * The where compares columns of the row itself (not a parent's key, not an owner) with values the code holds: a lookup
 * of one row by what names it (`{ phone }`, `{ code, city }`), not one parent's children.
 */
export function looksUpByKey(where: ts.ObjectLiteralExpression, defined: Defined): boolean {
  let compared = 0;
  for (const p of where.properties) {
    const key = keyOf(p);
    if (ts.isShorthandPropertyAssignment(p)) {
      if (FOREIGN_KEY.test(key) || !defined(p.name)) return false;
      compared++;
      continue;
    }
    if (!ts.isPropertyAssignment(p)) return false;
    const value = unwrap(p.initializer);
    if (ts.isArrayLiteralExpression(value) && OR_KEY.test(key)) {
      if (value.elements.length === 0 || !value.elements.every((e) => { const b = asObjectLiteral(e); return b !== undefined && looksUpByKey(b, defined); })) return false;
      compared++;
      continue;
    }
    if (FOREIGN_KEY.test(key)) return false;
    if (!ts.isLiteralExpression(value) && oneValue(value, defined)) compared++;
  }
  return compared > 0;
}

/** Models whose rows are people: the second column of a one-per-person compound. */
const PERSON_MODEL = /^(User|Users|Student|Pupil|Learner|Member|Player|Participant|Employee|Person|People|Profile|Account|Attendee)$/i;
/** Models or relations that name a group of people of bounded size. */
const GROUP = /class(room)?|course|cohort|section|team|group|squad|household|league|crew|band/i;

/**
 * `findMany({ where: { quizId } })` on a model with `@@unique([quizId, studentId])`, `studentId` a person and the quiz
 * one class's (a relation of Quiz to a class, course, team or group): one row per member of that group, bounded by
 * the group's size, not by use. A post's likes (`@@unique([postId, userId])`, a post of no group) stay reported.
 */
export function onePerGroupMember(ctx: RuleContext, q: OrmCall, where: ts.ObjectLiteralExpression, defined: Defined): boolean {
  if (q.orm !== 'prisma') return false;
  const schema = prismaSchemaFor(ctx);
  const model = schema && modelNamed(schema, modelName(q));
  if (!schema || !model) return false;
  const keys = where.properties.flatMap((p) => (ts.isShorthandPropertyAssignment(p) ? (defined(p.name) ? [keyOf(p)] : []) : ts.isPropertyAssignment(p) && oneValue(p.initializer, defined) ? [keyOf(p)] : []));
  return keys.some((key) =>
    model.compounds.some((c) => {
      if (c.length !== 2 || !c.includes(key)) return false;
      const other = c[0] === key ? c[1] : c[0];
      const person = relatedModel(schema, model, other);
      const parent = relatedModel(schema, model, key);
      return person !== undefined && PERSON_MODEL.test(person.name) && parent !== undefined && belongsToGroup(schema, parent);
    }),
  );
}

/** The model a foreign key column points to: `studentId` -> the `student` relation's model. */
function relatedModel(schema: PrismaSchema, model: PrismaModel, column: string): PrismaModel | undefined {
  const relation = column.replace(/(Id|_id|ID)$/, '');
  if (relation === column) return undefined;
  const field = model.fields.get(relation);
  return field && !field.list ? schema.models.get(field.type) : undefined;
}

function belongsToGroup(schema: PrismaSchema, model: PrismaModel): boolean {
  for (const [name, field] of model.fields) {
    if (field.list || !schema.models.has(field.type)) continue;
    if (GROUP.test(field.type) || GROUP.test(name)) return true;
  }
  return false;
}
