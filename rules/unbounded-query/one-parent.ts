/**
 * List reads whose size the data model bounds, not the table's: the children of one parent record when the child rows
 * do not pile up with use, and the administrators among the accounts.
 *
 * One parent's children: the where names one parent row, by its foreign key (`{ classId }`, `{ film: id }` on a
 * Mongoose `ref`, Sequelize `{ filmId }`), by a relation filter matching one row (`{ class: { id } }`, Prisma
 * `{ symbolProfile: { dataSource, symbol } }` on a unique compound, `{ class: { is: { id } } }`), or by membership
 * (`{ students: { some: { id: userId } } }`: the classes one student is in). Such rows are few (child-rows.ts) when
 * the parent is one transaction (an order's vouchers and status steps, a booking's payments), or when the child is
 * not named for what piles up (messages, comments, likes, orders; the parent's words in its name do not count) and
 * either has no creation stamp (model-growth.ts: a class's timetable, an order's lines) or is stamped but shows no
 * stream: a parent that is no person and no space people post into, no participant key, no read in time order (one
 * product's images). One post's comments by their authors, one channel's videos, one user's stamped rows, one
 * bucket's uploads stay reported, and so does a where that drops the parent on one path
 * (`...(isTeacher ? { teacherId } : {})`).
 */
import { ts } from 'ts-morph';
import type { RuleContext } from '../api';
import { declarationOf, propertyName, unwrap } from '../../analysis/typescript/ast';
import { argumentsPassedTo } from '../../analysis/typescript/call-arguments';
import { modelShape, prismaParentOf, type ModelShape } from '../../analysis/typescript/model-growth';
import { accountModel, childOfTransaction, contentSpace, ownName, participantKeyed, personParent, readInTimeOrder } from '../../analysis/typescript/child-rows';
import { ADMIN_ROLE } from '../../analysis/typescript/nest-admin-only';
import type { PrismaModel } from '../../analysis/typescript/prisma-schema';
import type { OrmCall } from '../../analysis/typescript/orm';
import { addedByAnyUser } from '../../analysis/typescript/table-writers';
import { boundedByParentCapacity } from '../../analysis/typescript/parent-capacity';

type Defined = (id: ts.Identifier) => boolean;

/** Rows people add to a parent over time even without a stamp: likes, votes, views, follows, uploads. */
const PILES_UP = /like|vote|view|follow|bookmark|favou?rite|subscri|enrol|attend|submission|upload|download|reading|share|reaction/i;
/** Foreign key names: `classId`, `film_id`, `bookID`; not the row's own `id`. */
const FOREIGN_KEY = /^\w+(Id|_id|ID)$/;
const AND_KEY = /^(AND|\$and)$/;

/**
 * The where of `q` (an object literal) selects the children of one parent record, of a child model whose rows do not
 * pile up with use. `grows` names models that pile up (the rule's own list of appended rows).
 */
export function childrenOfOneParent(ctx: RuleContext, q: OrmCall, modelName: string, where: ts.ObjectLiteralExpression, defined: Defined, grows: (name: string) => boolean): boolean {
  const shape = modelShape(ctx, q.orm, modelName);
  if (!shape) return false;
  const branches = alternatives(where);
  return (
    branches.length > 0 &&
    branches.every((branch) => {
      const parent = parentNamed(shape, branch, defined, 0);
      if (parent === undefined) return false;
      // One order's vouchers, payments and status steps: what the workflow of one transaction makes.
      if (childOfTransaction(parent, shape.name)) return true;
      // One event's tickets, bookings and registrations: at most the places the event declares (`totalSeats`).
      if (boundedByParentCapacity(ctx, q.orm, shape.name, parent)) return true;
      // `OrderLine` of one order: the parent's name in the child's says nothing of the lines' growth.
      const own = ownName(shape.name, parent);
      if (grows(own) || PILES_UP.test(own)) return false;
      return !shape.stamped || fewStampedChildren(ctx, shape, parent, q);
    })
  );
}

/**
 * Stamped children of one parent that are still few (child-rows.ts): rows made with a creation stamp only (no date
 * of their own, such as a lesson's day), of a parent that is no person or account (a model with an email or a
 * password), that no participant key ties to whoever added them and that the query does not read in time order.
 * One product's images are; one user's rows, one room's messages by their senders, one post's comments read newest
 * first are not.
 */
function fewStampedChildren(ctx: RuleContext, shape: ModelShape, parent: string, q: OrmCall): boolean {
  if (personParent(parent) || contentSpace(parent) || participantKeyed(shape, parent) || readInTimeOrder(q.call)) return false;
  if (accountModel(modelShape(ctx, q.orm, parent))) return false;
  const model = shape.prisma?.model;
  return !model || ![...model.fields.entries()].some(([name, f]) => f.type === 'DateTime' && !CREATION_OR_EDIT.test(name));
}

/** Stamps the ORM or the app sets on every row: when it was made, changed or removed. */
const CREATION_OR_EDIT = /^(created|updated|modified|deleted|changed)_?(at|on|date|time)?$|^(createdAt|updatedAt|modifiedAt|deletedAt|dateCreated|dateUpdated)$/i;

/**
 * The where as the alternatives it may be at run time: itself, and for each spread of a conditional
 * (`...(type === 'teacher' ? { teacherId } : { classId })`) one alternative per branch; a spread of anything else
 * is opaque (no alternative can be judged).
 */
function alternatives(where: ts.ObjectLiteralExpression): ts.ObjectLiteralExpression[][] {
  let out: ts.ObjectLiteralExpression[][] = [[where]];
  for (const p of where.properties) {
    if (!ts.isSpreadAssignment(p)) continue;
    const e = unwrap(p.expression);
    if (!ts.isConditionalExpression(e)) return [];
    const branches = [e.whenTrue, e.whenFalse].map((b) => unwrap(b));
    if (!branches.every((b) => ts.isObjectLiteralExpression(b))) return [];
    out = out.flatMap((alt) => branches.map((b) => [...alt, b as ts.ObjectLiteralExpression]));
  }
  return out;
}

/** The name of the parent one alternative of the where names one row of (`classId` -> `class`), or undefined. */
function parentNamed(shape: ModelShape, parts: ts.ObjectLiteralExpression[], defined: Defined, depth: number): string | undefined {
  for (const o of parts) {
    for (const p of o.properties) {
      const key = p.name ? propertyName(p.name) ?? '' : '';
      const stem = key.replace(/(Id|_id|ID)$/, '');
      if (ts.isShorthandPropertyAssignment(p)) {
        if (defined(p.name) && parentKey(shape, key)) return stem;
        continue;
      }
      if (!ts.isPropertyAssignment(p)) continue;
      const value = unwrap(p.initializer);
      if (AND_KEY.test(key) && ts.isArrayLiteralExpression(value) && depth < 2) {
        for (const e of value.elements) {
          const b = unwrap(e);
          const found = ts.isObjectLiteralExpression(b) ? parentNamed(shape, [b], defined, depth + 1) : undefined;
          if (found) return found;
        }
        continue;
      }
      if (ts.isObjectLiteralExpression(value) ? relationToOneRow(shape, key, value, defined) : oneValue(value, defined) && (parentKey(shape, key) || shape.refs.has(key))) return stem;
    }
  }
  return undefined;
}

/** A column holding a parent's key: the Prisma scalar a relation fills, or (other ORMs) a `...Id` column. */
function parentKey(shape: ModelShape, key: string): boolean {
  // A Prisma scalar a relation fills, or a key column with no relation declared (`ratingId String`: a schema split
  // across services keeps the key without the relation).
  if (shape.prisma) return prismaParentOf(shape.prisma.schema, shape.prisma.model, key) !== undefined || (FOREIGN_KEY.test(key) && /^(String|Int|BigInt)$/.test(shape.prisma.model.fields.get(key)?.type ?? ''));
  return FOREIGN_KEY.test(key) || shape.refs.has(key);
}

/**
 * `class: { id }`, `class: { is: { id } }`, `symbolProfile: { dataSource, symbol }` (a unique compound of the
 * parent), `students: { some: { id: userId } }` (membership: the rows linked to one row of the other model).
 */
function relationToOneRow(shape: ModelShape, key: string, value: ts.ObjectLiteralExpression, defined: Defined): boolean {
  if (shape.prisma) {
    const field = shape.prisma.model.fields.get(key);
    const parent = field && shape.prisma.schema.models.get(field.type);
    if (!field || !parent) return false;
    const inner = field.list ? innerFilter(value, /^(some)$/) : innerFilter(value, /^(is)$/) ?? value;
    return inner !== undefined && identifiesPrismaRow(parent, inner, defined);
  }
  if (!shape.refs.has(key)) return false;
  return value.properties.some((p) => (ts.isShorthandPropertyAssignment(p) ? /^_?id$/.test(p.name.text) && defined(p.name) : ts.isPropertyAssignment(p) && /^_?id$/.test(propertyName(p.name) ?? '') && oneValue(unwrap(p.initializer), defined)));
}

function innerFilter(value: ts.ObjectLiteralExpression, key: RegExp): ts.ObjectLiteralExpression | undefined {
  if (value.properties.length !== 1) return undefined;
  const p = value.properties[0];
  if (!ts.isPropertyAssignment(p) || !key.test(propertyName(p.name) ?? '')) return undefined;
  const inner = unwrap(p.initializer);
  return ts.isObjectLiteralExpression(inner) ? inner : undefined;
}

/** The filter compares the model's id, a unique field, or every field of a unique compound with one value each. */
function identifiesPrismaRow(model: PrismaModel, filter: ts.ObjectLiteralExpression, defined: Defined): boolean {
  const equal = new Set<string>();
  for (const p of filter.properties) {
    if (ts.isShorthandPropertyAssignment(p) && defined(p.name)) equal.add(p.name.text);
    else if (ts.isPropertyAssignment(p) && oneValue(unwrap(p.initializer), defined)) equal.add(propertyName(p.name) ?? '');
  }
  return [...equal].some((k) => k === 'id' || model.unique.has(k)) || model.compounds.some((c) => c.every((k) => equal.has(k)));
}

/** One value the code holds: not null or undefined, not an operator object or a list, not a value that may be missing. */
function oneValue(v: ts.Expression, defined: Defined): boolean {
  if (v.kind === ts.SyntaxKind.NullKeyword || v.kind === ts.SyntaxKind.UndefinedKeyword || v.kind === ts.SyntaxKind.TrueKeyword || v.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (ts.isIdentifier(v)) return v.text !== 'undefined' && defined(v);
  if (ts.isObjectLiteralExpression(v) || ts.isArrayLiteralExpression(v) || ts.isArrowFunction(v) || ts.isFunctionExpression(v)) return false;
  if (ts.isConditionalExpression(v) || ts.isBinaryExpression(v)) return false;
  if (ts.isPropertyAccessExpression(v) && v.questionDotToken) return false;
  if (ts.isCallExpression(v)) return !/^(In|Not|Like|ILike|Any|Between|MoreThan\w*|LessThan\w*|Raw|IsNull)$/.test(v.expression.getText());
  return true;
}

/** A column that names an account's role, and a flag that marks an administrator. */
const ROLE_KEY = /^(role|roles|user_?type|account_?type|type|kind|level)$/i;
const ADMIN_FLAG = /^(is_?)?(admin|super_?admin|superuser|super_?user)$/i;

/**
 * `findMany({ where: { role: Role.ADMIN } })`, `{ role: 'admin' }`, `{ isAdmin: true }`, or `{ role }` of a parameter every
 * caller passes an administrators' role: the administrators, a handful of accounts an operator makes, however many
 * users sign up. Other roles (`Role.USER`, a staff of doctors) stay reported.
 */
export function selectsAdministrators(ctx: RuleContext, where: ts.ObjectLiteralExpression): boolean {
  return where.properties.some((p) => {
    const key = p.name ? propertyName(p.name) ?? '' : '';
    if (ts.isShorthandPropertyAssignment(p)) return ROLE_KEY.test(key) && alwaysPassedAdmin(ctx, p.name);
    if (!ts.isPropertyAssignment(p)) return false;
    const v = unwrap(p.initializer);
    if (ADMIN_FLAG.test(key)) return v.kind === ts.SyntaxKind.TrueKeyword;
    if (!ROLE_KEY.test(key)) return false;
    if (ts.isIdentifier(v)) return alwaysPassedAdmin(ctx, v);
    return adminRole(v.getText());
  });
}

/** `Role.ADMIN`, `'admin'`, `UserRole.SUPER_ADMIN`: an administrators' role, not staff. */
function adminRole(text: string): boolean {
  const m = /^(?:[A-Z]\w*\.)?(\w+)$/.exec(text) ?? /^['"`](\w+)['"`]$/.exec(text);
  return m !== null && ADMIN_ROLE.test(m[1]) && !/staff/i.test(m[1]);
}

/**
 * `findByRole(role: Role) { return findMany({ where: { role } }) }` where every call of `findByRole` in the project
 * passes an administrators' role (call-arguments.ts).
 */
function alwaysPassedAdmin(ctx: RuleContext, id: ts.Identifier): boolean {
  const declaration = declarationOf(id);
  if (!declaration || !ts.isParameter(declaration) || !ts.isIdentifier(declaration.name)) return false;
  const fn = declaration.parent;
  const name = (ts.isMethodDeclaration(fn) || ts.isFunctionDeclaration(fn)) && fn.name && ts.isIdentifier(fn.name) ? fn.name.text : ts.isArrowFunction(fn) && ts.isVariableDeclaration(fn.parent) && ts.isIdentifier(fn.parent.name) ? fn.parent.name.text : undefined;
  if (!name) return false;
  const passed = argumentsPassedTo(ctx, name, fn.parameters.indexOf(declaration));
  return passed !== undefined && passed.every(adminRole);
}

/** Models of people or accounts: as many rows as sign-ups. */
const PERSON = /^(users?|accounts?|profiles?|members?|students?|pupils?|teachers?|employees?|persons?|people|customers?|clients?|patients?|players?|participants?|attendees?|admins?|staff|doctors?|authors?)$/i;
/** A field naming who made a row: `ownerId`, `createdBy`, `author`, `userId`. */
const MADE_BY = /^(owner|creator|created_?by|author|user|account)(Id|_id|ID)?$/i;
/** A label a curator picks for each row: `name`, `title`, `description`, a settings `key`. */
const LABEL = /^(name|title|label|description|code|key|slug)$/i;

/**
 * A model that is a named catalogue: each row is one distinct label a curator picks (`name String @unique`, a Mongoose
 * `name: { type: String, unique: true }`, TypeORM `@Column({ unique: true }) title`, `key String @id`), with no time in
 * it at all (no creation stamp, no date field; Sequelize stamps rows unless told not to) and no person behind it (not
 * an account model, no email, no owner or creator field): a school's subjects and classes, the sign-in methods an admin configures, key/value
 * settings. Such a table holds as many rows as there are names someone chose to add, not one per use.
 */
export function namedCatalogue(ctx: RuleContext, q: OrmCall, modelName: string, grows: (name: string) => boolean): boolean {
  const shape = modelShape(ctx, q.orm, modelName);
  if (!shape || shape.stamped) return false;
  const name = shape.prisma?.model.name ?? modelName.replace(/(Repository|Repo|Model|Entity|Schema|Collection)$/, '');
  if (PERSON.test(name) || grows(name) || PILES_UP.test(name)) return false;
  // An email: people. An owner or creator: users make these rows (teams, projects, their own tags).
  // (A Prisma list of users, `User User[]`, is who uses a row, not who made it.)
  if ([...shape.fields].some((f) => /^e_?mail$/i.test(f) || (MADE_BY.test(f) && !shape.prisma?.model.fields.get(f)?.list))) return false;
  const stringField = (f: string): boolean => { const field = shape.prisma?.model.fields.get(f); return field === undefined ? !shape.prisma : field.type === 'String' && !field.list; };
  if (![...shape.unique].some((f) => LABEL.test(f) && stringField(f))) return false;
  // names anyone signed in may add (an open create route: a music library's albums) are not a curator's catalogue
  return !addedByAnyUser(ctx, name);
}
