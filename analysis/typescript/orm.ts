/**
 * ORM call recognition for TS/JS: which calls are database reads of Prisma, TypeORM, Sequelize or Mongoose.
 * Receivers are recognised from imports and bindings, never from a variable's name alone:
 * - Prisma: `X.<model>.findMany()` where X is `new PrismaClient()` (imported or required from
 *   `@prisma/client`), a client imported from the project's prisma module, `this.prisma` typed
 *   `PrismaService`/`PrismaClient`, a `$transaction` callback's client.
 * - TypeORM: repositories (`getRepository(E)`, `dataSource.getRepository(E)`, `@InjectRepository`,
 *   `Repository<E>`), entity managers (`dataSource.manager`, `EntityManager`), query builders ending in
 *   `getMany()`, ActiveRecord entities.
 * - Sequelize: classes extending `Model`, `sequelize.define`, `@InjectModel` with @nestjs/sequelize, models
 *   imported from the project's models module.
 * - Mongoose: `mongoose.model(...)`, `@InjectModel` with @nestjs/mongoose, `Model<T>` parameters, `this` in a
 *   schema static (`schema.statics.paginate = function`), models
 *   imported from the project's models module.
 */
import { ts } from 'ts-morph';
import type { RuleContext } from '../../rules/api';
import {
  bindingRoot,
  chainCalls,
  chainRoot,
  constructorAssigned,
  declarationOf,
  decoratorCall,
  decoratorNames,
  enclosingFunction,
  indexOf,
  isFunctionNode,
  methodCall,
  outermostChain,
  stringValue,
  thisMember,
  typeName,
  unwrap,
  unwrapAwait,
  asObjectLiteral,
  objectProperty,
  objectPropertyValue,
  propertyName,
} from './ast';
import { importSource, importsModule, isLocalSpecifier, resolveImport } from './imports';
import { importedRepositoryEntity } from './custom-repositories';
import { definesModel } from './model-modules';

export type Orm = 'prisma' | 'typeorm' | 'sequelize' | 'mongoose';

export interface OrmCall {
  orm: Orm;
  call: ts.CallExpression;
  method: string;
  /** The receiver as written, for messages: `prisma.user`, `this.usersRepository`, `User`. */
  target: string;
  /** The entity/model name when known (`User`), for messages. */
  model?: string;
  /** Index of the options argument (TypeORM EntityManager calls take the entity first). */
  optionsIndex: number;
  /** A TypeORM query-builder terminal (`getMany()`): bounds live in the builder chain. */
  builder: boolean;
  /** True for calls that return many rows (`findMany`, `find`, `findAll`, `getMany`). */
  list: boolean;
}

const PRISMA_READS = new Set(['findMany', 'findUnique', 'findUniqueOrThrow', 'findFirst', 'findFirstOrThrow', 'count', 'aggregate', 'groupBy']);
const TYPEORM_READS = new Set(['find', 'findBy', 'findOne', 'findOneBy', 'findOneOrFail', 'findOneByOrFail', 'findAndCount', 'findAndCountBy', 'findByIds', 'count', 'countBy']);
const TYPEORM_BUILDER_READS = new Set(['getMany', 'getRawMany', 'getManyAndCount', 'getOne', 'getRawOne', 'getOneOrFail', 'getCount']);
const SEQUELIZE_READS = new Set(['findAll', 'findByPk', 'findOne', 'findAndCountAll', 'count']);
const MONGOOSE_READS = new Set(['find', 'findById', 'findOne', 'countDocuments', 'aggregate', 'distinct', 'exists']);

/**
 * Every read method name recognise() accepts, as a word: a file without one has no ORM read, so rules built on
 * ormCalls() can skip it before parsing (the parse is most of their cost on a repository's TS/JS files).
 */
export const ORM_READ_WORD = new RegExp(`\\b(${[...new Set([...PRISMA_READS, ...TYPEORM_READS, ...TYPEORM_BUILDER_READS, ...SEQUELIZE_READS, ...MONGOOSE_READS])].join('|')})\\b`);

const LIST_METHODS: Record<Orm, ReadonlySet<string>> = {
  prisma: new Set(['findMany']),
  typeorm: new Set(['find', 'findBy', 'findAndCount', 'findAndCountBy', 'getMany', 'getRawMany', 'getManyAndCount']),
  sequelize: new Set(['findAll', 'findAndCountAll']),
  mongoose: new Set(['find']),
};

const SEQUELIZE_ONLY = new Set(['findAll', 'findByPk', 'findAndCountAll']);
const MONGOOSE_ONLY = new Set(['find', 'findById', 'countDocuments', 'aggregate', 'distinct', 'exists']);
/**
 * Where projects keep their models: `../models`, `./models/user`, `../entity/User`, `./user.model`, a folder named for
 * the ORM (`./sequelize/CheckInModel`, `../mongoose/user`), a module named for its model (`./UserModel`).
 */
const MODEL_SPECIFIER = /(^|\/)(models?|entities|entity|schemas?|sequelize|mongoose)(\/|$)|\.(model|schema|entity)$|\/[A-Z]\w*Model$/i;
/** What a binding of a model module names: the module itself (`require('./cars.scheme')`), its default, a model class name. */
const MODEL_BINDING = /^(\*|default|[A-Z]\w*)$/;
const REPOSITORY_FACTORIES = new Set(['getRepository', 'getCustomRepository', 'getTreeRepository', 'getMongoRepository', 'withRepository']);
const REPOSITORY_TYPES = /^(Repository|TreeRepository|MongoRepository)$/;
/**
 * Types of a Prisma client: the generated client, Nest's PrismaService, a transaction's client, and the aliases
 * projects give their union (`type PrismaTransaction = PrismaClient | Prisma.TransactionClient`, `PrismaTx`, `PrismaDb`).
 */
const PRISMA_CLIENT_TYPES = /^(PrismaClient|PrismaService|TransactionClient|ExtendedPrismaClient|PrismaClientExtended|Prisma(Transaction(Client)?|Tx|TxClient|Db|Database))$/;

interface FileOrms {
  calls: OrmCall[];
  byCall: Map<ts.CallExpression, OrmCall>;
}

const cache = new WeakMap<ts.SourceFile, FileOrms>();

/**
 * Words one of which recognise() needs in the file before it can accept any call: an ORM's module or client
 * (`prisma`, `typeorm`, `sequelize`, `mongoose`, `PrismaClient`, `TransactionClient`), a TypeORM repository,
 * entity manager or query builder, Nest's `@InjectModel`, a models registry (`.models`), or an import from the
 * project's models module (MODEL_SPECIFIER inside a string). The one exception, a local `db`/`database`/`client`
 * read in a project depending on @prisma/client, is checked against the project's package.json.
 */
const ORM_EVIDENCE = /prisma|typeorm|sequelize|mongoose|\.statics\b|TransactionClient|repository|createQueryBuilder|manager|InjectModel|\.models\b|['"`/](models?|entities|entity|schemas?)['"`/]|\.(model|schema|entity)['"`]/i;
const PRISMA_LOCAL_CLIENT = /\b(db|database|client)\b/i;
/** A relative import and a model-style read (`Car.find(`) in one file: the evidence model-modules.ts then checks. */
const MODEL_READ_FROM_LOCAL_MODULE = [/(require\s*\(|\bfrom)\s*['"`]\.\.?\//, /\b[A-Z]\w*\.(find|findOne|findById|findAll|aggregate|countDocuments)\s*\(/];

/**
 * False when no call of the file can be an ORM read (see ORM_EVIDENCE): the rules built on ormCalls() then
 * skip the TypeScript parse, most of their cost on a repository's TS/JS files (Angular/React code calls
 * `.find(` and `.count` on arrays everywhere, which the rules' triggers let through).
 */
export function mayHaveOrmCalls(ctx: RuleContext): boolean {
  const text = ctx.file.text;
  if (ORM_EVIDENCE.test(text)) return true;
  if (PRISMA_LOCAL_CLIENT.test(text) && projectDependencies(ctx).has('@prisma/client')) return true;
  // a model read from a local module named otherwise (`require('./cars.scheme')`), in a Mongoose or Sequelize project
  if (!MODEL_READ_FROM_LOCAL_MODULE.every((r) => r.test(text))) return false;
  const deps = projectDependencies(ctx);
  return deps.has('mongoose') || deps.has('sequelize') || deps.has('sequelize-typescript');
}

/** Every recognised ORM read in the file (computed once per parsed file, shared by the rules). */
export function ormCalls(ctx: RuleContext): readonly OrmCall[] {
  if (!mayHaveOrmCalls(ctx)) return [];
  return fileOrms(ctx).calls;
}

/**
 * The ORMs of the file's recognised reads, without ormCalls' text prefilter: every OrmCall that ormCallOf and
 * queryResultSource give is one of these, so a rule can skip a search for one ORM's loops when it is absent.
 */
export function ormsRead(ctx: RuleContext): ReadonlySet<OrmCall['orm']> {
  return new Set(fileOrms(ctx).calls.map((c) => c.orm));
}

/** The ORM read a call is, if any. */
export function ormCallOf(ctx: RuleContext, call: ts.CallExpression): OrmCall | undefined {
  return fileOrms(ctx).byCall.get(call);
}

function fileOrms(ctx: RuleContext): FileOrms {
  const sf = ctx.typescript();
  let fo = cache.get(sf);
  if (!fo) {
    const evidence = new Evidence(ctx, sf);
    const calls: OrmCall[] = [];
    for (const call of indexOf(sf).calls) {
      const found = recognise(call, evidence);
      if (found) calls.push(found);
    }
    fo = { calls, byCall: new Map(calls.map((c) => [c.call, c])) };
    cache.set(sf, fo);
  }
  return fo;
}

/** What the file and its project say about the ORMs in use. */
class Evidence {
  private deps?: Set<string>;
  readonly prismaImport: boolean;
  readonly typeorm: boolean;
  readonly sequelize: boolean;
  readonly mongoose: boolean;

  constructor(
    private readonly ctx: RuleContext,
    readonly sf: ts.SourceFile,
  ) {
    this.prismaImport = importsModule(sf, /prisma/i);
    this.typeorm = importsModule(sf, 'typeorm') || importsModule(sf, '@nestjs/typeorm');
    this.sequelize = importsModule(sf, 'sequelize') || importsModule(sf, 'sequelize-typescript') || importsModule(sf, '@nestjs/sequelize');
    this.mongoose = importsModule(sf, 'mongoose') || importsModule(sf, '@nestjs/mongoose');
  }

  /** Dependencies of the nearest package.json of the project (root first), read once. */
  projectDeps(): Set<string> {
    return (this.deps ??= projectDependencies(this.ctx));
  }

  /** The entity of a TypeORM custom repository `id` is imported as (see custom-repositories.ts). */
  importedRepository(id: ts.Identifier): string | undefined {
    return importedRepositoryEntity(this.ctx, id);
  }

  /** `@entities/users.entity`: a tsconfig `paths` alias, not a scoped package the project depends on. */
  isPathAlias(specifier: string): boolean {
    const scope = /^@[\w-]+\//.exec(specifier)?.[0];
    return scope !== undefined && ![...this.projectDeps()].some((d) => d.startsWith(scope));
  }

  /** The local module defines a Mongoose or Sequelize model (model-modules.ts). */
  definesModel(specifier: string): boolean {
    return definesModel(this.ctx, specifier);
  }

  usesPrisma(): boolean {
    return this.prismaImport || this.projectDeps().has('@prisma/client');
  }
}

/** Dependencies in the project's package.json (root first). */
function projectDependencies(ctx: RuleContext): Set<string> {
  const deps = new Set<string>();
  const text = ctx.project.readFile('package.json');
  if (text) {
    try {
      const pkg = JSON.parse(text) as Record<string, Record<string, string> | undefined>;
      for (const key of ['dependencies', 'devDependencies']) for (const name of Object.keys(pkg[key] ?? {})) deps.add(name);
    } catch {
      // a broken package.json says nothing
    }
  }
  return deps;
}

function recognise(call: ts.CallExpression, ev: Evidence): OrmCall | undefined {
  const m = methodCall(call);
  if (!m) return undefined;
  const { object, name } = m;
  const receiver = unwrap(object);

  if (PRISMA_READS.has(name) && ts.isPropertyAccessExpression(receiver) && !receiver.name.text.startsWith('$') && isPrismaClient(receiver.expression, ev, 0)) {
    return make('prisma', call, name, receiver.getText(), receiver.name.text, 0, false);
  }
  if (PRISMA_READS.has(name)) {
    const delegate = prismaDelegate(receiver, ev);
    if (delegate) return make('prisma', call, name, receiver.getText(), delegate, 0, false);
  }

  if (TYPEORM_BUILDER_READS.has(name) && isQueryBuilder(receiver, 0)) {
    return make('typeorm', call, name, builderTarget(receiver), undefined, 0, true);
  }

  if (TYPEORM_READS.has(name)) {
    const repo = repositoryEntity(receiver, ev, 0);
    if (repo !== undefined) return make('typeorm', call, name, receiver.getText(), repo || undefined, 0, false);
    const first = call.arguments[0] && unwrap(call.arguments[0]);
    if (first && ts.isIdentifier(first) && /^[A-Z]/.test(first.text) && isEntityManager(receiver, ev, 0)) {
      return make('typeorm', call, name, receiver.getText(), first.text, 1, false);
    }
  }

  if (SEQUELIZE_READS.has(name) || MONGOOSE_READS.has(name) || TYPEORM_READS.has(name)) {
    // `list.find((x) => ...)` is an array's; Mongoose's callback API (`Model.find(filter, (err, docs) => ...)`) puts it last
    const callback = mongooseCallback(call);
    if (!callback && call.arguments.some((a) => isFunctionNode(unwrap(a)))) return undefined;
    const orm = modelOrm(receiver, name, call, ev);
    if (callback && orm !== 'mongoose') return undefined;
    if (orm && readsOf(orm).has(name)) return make(orm, call, name, receiver.getText(), modelName(receiver), 0, false);
  }
  return undefined;
}

/** `Model.find(filter, (err, docs) => ...)`: Mongoose's callback API, the callback after a filter, no other function. */
export function mongooseCallback(call: ts.CallExpression): boolean {
  const args = call.arguments.map((a) => unwrap(a));
  return args.length >= 2 && isFunctionNode(args[args.length - 1]) && !args.slice(0, -1).some((a) => isFunctionNode(a));
}

function make(orm: Orm, call: ts.CallExpression, method: string, target: string, model: string | undefined, optionsIndex: number, builder: boolean): OrmCall {
  return { orm, call, method, target, model, optionsIndex, builder, list: LIST_METHODS[orm].has(method) };
}

function readsOf(orm: Orm): ReadonlySet<string> {
  return orm === 'sequelize' ? SEQUELIZE_READS : orm === 'mongoose' ? MONGOOSE_READS : orm === 'typeorm' ? TYPEORM_READS : PRISMA_READS;
}

// ---------------------------------------------------------------------------------------------------
// Prisma

function isPrismaClient(expr: ts.Expression, ev: Evidence, depth: number): boolean {
  if (depth > 5) return false;
  const e = unwrapAwait(expr);
  if (ts.isIdentifier(e)) {
    const decl = declarationOf(e);
    if (!decl) return false;
    if (ts.isVariableDeclaration(decl) && decl.initializer !== undefined && createsPrismaClient(decl.initializer, ev, depth)) return true;
    if (ts.isParameter(decl)) return isPrismaParameter(decl, ev, depth);
    // an import, or CommonJS `const prisma = require('../lib/prisma')` (importSource reads both)
    const source = importSource(e);
    // The npm package `prisma` is the CLI, with no client to import: `from 'prisma'` is a tsconfig alias of the project's own.
    if (!source || !(isLocalSpecifier(source.specifier) || ev.isPathAlias(source.specifier) || source.specifier === 'prisma')) return false;
    if (/prisma/i.test(source.specifier) || source.imported === 'prisma' || e.text === 'prisma') return true;
    return /^(db|database|client)$/i.test(e.text) && ev.usesPrisma();
  }
  if (ts.isPropertyAccessExpression(e)) {
    const member = thisMember(e);
    if (member) {
      if (isPrismaClientType(member.type)) return true;
      // `db = new PrismaClient()` as a property, or `constructor(private readonly db = prisma)` as a parameter property
      return member.initializer !== undefined && createsPrismaClient(member.initializer, ev, depth);
    }
    // `ctx.prisma` / `context.prisma` in resolvers and tRPC procedures of a Prisma project, and the create-t3-app
    // `ctx.db` (its tRPC context's Prisma client) unless the project also uses Drizzle, whose t3 variant names it so
    if (e.name.text === 'prisma') return ev.usesPrisma();
    return /^(db|database)$/.test(e.name.text) && isContextObject(e.expression) && ev.usesPrisma() && !ev.projectDeps().has('drizzle-orm');
  }
  return false;
}

/** `ctx`, `context`, `opts.ctx`: the context object a tRPC procedure or GraphQL resolver receives. */
function isContextObject(expr: ts.Expression): boolean {
  const e = unwrap(expr);
  if (ts.isIdentifier(e)) return /^(ctx|context)$/.test(e.text);
  return ts.isPropertyAccessExpression(e) && /^(ctx|context)$/.test(e.name.text);
}

/**
 * The model of a Prisma model delegate held apart from its client: a class property `users = new PrismaClient().user`
 * or `private posts = prisma.post` read as `this.users.findMany()`, or a `const users = prisma.user` read as
 * `users.findMany()` (the typescript-express-starter services' shape). Undefined for anything else.
 */
function prismaDelegate(receiver: ts.Expression, ev: Evidence): string | undefined {
  let init: ts.Expression | undefined;
  if (ts.isPropertyAccessExpression(receiver) && receiver.expression.kind === ts.SyntaxKind.ThisKeyword) {
    const member = thisMember(receiver);
    init = member && ts.isPropertyDeclaration(member) ? member.initializer : undefined;
  } else if (ts.isIdentifier(receiver)) {
    const decl = declarationOf(receiver);
    init = decl && ts.isVariableDeclaration(decl) && ts.isIdentifier(decl.name) ? decl.initializer : undefined;
  }
  const access = init && unwrap(init);
  if (!access || !ts.isPropertyAccessExpression(access) || access.name.text.startsWith('$')) return undefined;
  return createsPrismaClient(access.expression, ev, 1) ? access.name.text : undefined;
}

/** `PrismaService`, `Prisma.TransactionClient`, also in a union (`PrismaClient | Prisma.TransactionClient`). */
function isPrismaClientType(type: ts.TypeNode | undefined): boolean {
  if (!type) return false;
  if (ts.isUnionTypeNode(type)) return type.types.some((t) => isPrismaClientType(t));
  return PRISMA_CLIENT_TYPES.test(typeName(type) ?? '');
}

function createsPrismaClient(init: ts.Expression, ev: Evidence, depth: number): boolean {
  const e = unwrapAwait(init);
  if (ts.isNewExpression(e)) {
    const q = resolveImport(e.expression);
    return (q !== undefined && /prisma.*\.PrismaClient$/i.test(q)) || (q === undefined && ts.isIdentifier(e.expression) && e.expression.text === 'PrismaClient' && ev.prismaImport);
  }
  if (ts.isBinaryExpression(e)) return createsPrismaClient(e.left, ev, depth) || createsPrismaClient(e.right, ev, depth);
  if (ts.isConditionalExpression(e)) return createsPrismaClient(e.whenTrue, ev, depth) || createsPrismaClient(e.whenFalse, ev, depth);
  if (ts.isCallExpression(e)) {
    const m = methodCall(e);
    return m !== undefined && m.name === '$extends' && isPrismaClient(m.object, ev, depth + 1);
  }
  if (ts.isIdentifier(e) || ts.isPropertyAccessExpression(e)) return isPrismaClient(e, ev, depth + 1);
  return false;
}

function isPrismaParameter(p: ts.ParameterDeclaration, ev: Evidence, depth: number): boolean {
  if (isPrismaClientType(p.type)) return true;
  // `findAll(tx = this.db)`: a client passed in (a transaction's) or, by default, the class's own
  if (p.initializer && createsPrismaClient(p.initializer, ev, depth + 1)) return true;
  // prisma.$transaction(async (tx) => ...)
  const fn = p.parent;
  const call = fn.parent;
  if (isFunctionNode(fn) && fn.parameters[0] === p && ts.isCallExpression(call)) {
    const m = methodCall(call);
    return m !== undefined && m.name === '$transaction' && isPrismaClient(m.object, ev, depth + 1);
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------
// TypeORM

/**
 * The entity name of a TypeORM repository expression ('' when the repository's entity is unknown), or
 * undefined when the expression is not a repository.
 */
function repositoryEntity(expr: ts.Expression, ev: Evidence, depth: number): string | undefined {
  if (depth > 5) return undefined;
  const e = unwrapAwait(expr);
  if (ts.isCallExpression(e)) {
    const callee = unwrap(e.expression);
    const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
    if (name && !REPOSITORY_FACTORIES.has(name) && ts.isIdentifier(callee) && e.arguments.length === 0) return repositoryGetter(callee, ev, depth);
    if (!name || !REPOSITORY_FACTORIES.has(name)) return undefined;
    if (ts.isIdentifier(callee) && !(resolveImport(callee)?.startsWith('typeorm.') || ev.typeorm)) return undefined;
    const arg = e.arguments[0] && unwrap(e.arguments[0]);
    return arg && ts.isIdentifier(arg) ? arg.text : '';
  }
  if (ts.isIdentifier(e)) {
    const decl = declarationOf(e);
    if (!decl) return undefined;
    if (ts.isVariableDeclaration(decl)) return decl.initializer ? repositoryEntity(decl.initializer, ev, depth + 1) : undefined;
    // `findAll(repo = this.repo)`: a typed parameter, or one whose default is a repository
    if (ts.isParameter(decl)) return repositoryMember(decl, ev) ?? (decl.initializer ? repositoryEntity(decl.initializer, ev, depth + 1) : undefined);
    return undefined;
  }
  // `super.findAndCount(query)` in a `class X extends Repository<E>` reads the same repository as `this.find`
  if (e.kind === ts.SyntaxKind.ThisKeyword || e.kind === ts.SyntaxKind.SuperKeyword) return thisRepositoryEntity(e, ev, depth);
  if (ts.isPropertyAccessExpression(e)) {
    const member = thisMember(e);
    if (!member) return undefined;
    const declared = repositoryMember(member, ev);
    if (declared !== undefined) return declared;
    // `repo = dataSource.getRepository(User)` as a property or as a constructor parameter property's default
    return member.initializer ? repositoryEntity(member.initializer, ev, depth + 1) : undefined;
  }
  return undefined;
}

/**
 * `this` inside a custom repository: a method of `class UserRepository extends Repository<User>` (TypeORM's own
 * Repository), or of the object given to `dataSource.getRepository(User).extend({ ... })`.
 */
function thisRepositoryEntity(self: ts.Expression, ev: Evidence, depth: number): string | undefined {
  let fn: ts.Node | undefined = self.parent;
  while (fn && !(ts.isMethodDeclaration(fn) || ts.isFunctionExpression(fn) || ts.isFunctionDeclaration(fn) || ts.isClassLike(fn))) fn = fn.parent;
  if (!fn || !ts.isMethodDeclaration(fn)) return undefined;
  const owner = fn.parent;
  if (ts.isClassLike(owner)) {
    for (const clause of owner.heritageClauses ?? []) {
      if (clause.token !== ts.SyntaxKind.ExtendsKeyword) continue;
      const base = clause.types[0];
      if (!base || !ts.isIdentifier(base.expression) || !REPOSITORY_TYPES.test(base.expression.text)) continue;
      if (!(ev.typeorm || resolveImport(base.expression)?.startsWith('typeorm.'))) continue;
      const arg = base.typeArguments?.[0];
      return arg && ts.isTypeReferenceNode(arg) && ts.isIdentifier(arg.typeName) ? arg.typeName.text : '';
    }
    return undefined;
  }
  // `getRepository(User).extend({ findRecent() { return this.find(...) } })`
  const call = ts.isObjectLiteralExpression(owner) ? owner.parent : undefined;
  if (!call || !ts.isCallExpression(call) || !call.arguments.includes(owner as ts.ObjectLiteralExpression)) return undefined;
  const callee = unwrap(call.expression);
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== 'extend') return undefined;
  return repositoryEntity(callee.expression, ev, depth + 1);
}

/**
 * `userRepository()` where the module declares `const userRepository = (): Repository<User> =>
 * appDataSource().getRepository(User)` (or a function returning one): a getter of a repository, called per use.
 */
function repositoryGetter(callee: ts.Identifier, ev: Evidence, depth: number): string | undefined {
  const decl = declarationOf(callee);
  const fn = decl && ts.isVariableDeclaration(decl) && decl.initializer ? unwrap(decl.initializer) : decl;
  if (!fn || !(ts.isArrowFunction(fn) || ts.isFunctionExpression(fn) || ts.isFunctionDeclaration(fn)) || fn.parameters.length > 0) return undefined;
  const typed = fn.type && ts.isTypeReferenceNode(fn.type) && REPOSITORY_TYPES.test(typeName(fn.type) ?? '') && ev.typeorm ? fn.type.typeArguments?.[0] : undefined;
  if (typed) return ts.isTypeReferenceNode(typed) && ts.isIdentifier(typed.typeName) ? typed.typeName.text : '';
  const returned = fn.body && !ts.isBlock(fn.body) ? fn.body : fn.body?.statements.length === 1 && ts.isReturnStatement(fn.body.statements[0]) ? fn.body.statements[0].expression : undefined;
  return returned ? repositoryEntity(returned, ev, depth + 1) : undefined;
}

/** `@InjectRepository(User) private repo: Repository<User>` and typed parameters/properties. */
function repositoryMember(member: ts.PropertyDeclaration | ts.ParameterDeclaration, ev: Evidence): string | undefined {
  // A repository class another package exports (a commerce platform SDK's `CustomObjectsRepository`) calls that
  // service's API, which pages for itself: no table of the app's database, whatever decorator injects it.
  if (typeFromOtherPackage(member.type)) return undefined;
  const inject = decoratorCall(member, 'InjectRepository');
  if (inject) {
    const arg = inject.arguments[0] && unwrap(inject.arguments[0]);
    return arg && ts.isIdentifier(arg) ? arg.text : '';
  }
  const t = member.type;
  const name = typeName(t);
  if (!name) return undefined;
  if (REPOSITORY_TYPES.test(name) || (name.endsWith('Repository') && ev.typeorm && name !== 'Repository')) {
    const arg = t && ts.isTypeReferenceNode(t) ? t.typeArguments?.[0] : undefined;
    return arg && ts.isTypeReferenceNode(arg) && ts.isIdentifier(arg.typeName) ? arg.typeName.text : '';
  }
  // `private repo: typeof UserRepository` in a file without typeorm: the module it comes from must declare it.
  const id = t && ts.isTypeQueryNode(t) ? t.exprName : t && ts.isTypeReferenceNode(t) ? t.typeName : undefined;
  if (name.endsWith('Repository') && id && ts.isIdentifier(id)) return ev.importedRepository(id);
  return undefined;
}

/** Packages whose repositories read the app's own database. */
const ORM_PACKAGE = /^(typeorm|@nestjs\/(typeorm|sequelize|mongoose)|@mikro-orm\/|sequelize(-typescript)?$|mongoose$|@prisma\/|drizzle-orm|@typegoose\/)/;

/** The declared type is a class imported from a package that is not an ORM: `private repo: CustomObjectsRepository`. */
function typeFromOtherPackage(t: ts.TypeNode | undefined): boolean {
  const id = t && ts.isTypeReferenceNode(t) && ts.isIdentifier(t.typeName) ? t.typeName : undefined;
  const source = id && importSource(id);
  return !!source && !isLocalSpecifier(source.specifier) && !ORM_PACKAGE.test(source.specifier);
}

function isEntityManager(expr: ts.Expression, ev: Evidence, depth: number): boolean {
  if (depth > 5) return false;
  const e = unwrapAwait(expr);
  if (ts.isPropertyAccessExpression(e)) {
    const member = thisMember(e);
    if (member) {
      if (decoratorNames(member).includes('InjectEntityManager') || typeName(member.type) === 'EntityManager') return true;
      return member.initializer !== undefined && isEntityManager(member.initializer, ev, depth + 1);
    }
    // dataSource.manager, AppDataSource.manager, queryRunner.manager
    return e.name.text === 'manager' && (ev.typeorm || /data-?source|connection|queryrunner/i.test(e.expression.getText()));
  }
  if (ts.isCallExpression(e)) return resolveImport(e.expression) === 'typeorm.getManager';
  if (ts.isIdentifier(e)) {
    const decl = declarationOf(e);
    if (!decl) return false;
    if (ts.isVariableDeclaration(decl)) return decl.initializer !== undefined && isEntityManager(decl.initializer, ev, depth + 1);
    if (ts.isParameter(decl)) {
      if (typeName(decl.type) === 'EntityManager' || decoratorNames(decl).includes('InjectEntityManager')) return true;
      if (decl.initializer && isEntityManager(decl.initializer, ev, depth + 1)) return true; // `manager = this.dataSource.manager`
      // dataSource.transaction(async (manager) => ...)
      const fn = decl.parent;
      const call = fn.parent;
      if (isFunctionNode(fn) && ts.isCallExpression(call)) {
        const m = methodCall(call);
        return m !== undefined && m.name === 'transaction' && ev.typeorm && fn.parameters[0] === decl;
      }
    }
  }
  return false;
}

/** True when an expression is a TypeORM query builder: a chain through `createQueryBuilder`, or a variable holding one. */
function isQueryBuilder(expr: ts.Expression, depth: number): boolean {
  if (depth > 5) return false;
  const root = builderChainRoot(expr);
  if (root === 'builder') return true;
  if (root && ts.isIdentifier(root)) {
    const decl = declarationOf(root);
    if (decl && ts.isVariableDeclaration(decl) && decl.initializer) return isQueryBuilder(decl.initializer, depth + 1);
  }
  return false;
}

/** 'builder' when the chain calls `createQueryBuilder`, else the chain's root expression. */
function builderChainRoot(expr: ts.Expression): ts.Expression | 'builder' {
  let e = unwrapAwait(expr);
  for (;;) {
    if (ts.isCallExpression(e)) {
      const m = methodCall(e);
      if (m?.name === 'createQueryBuilder') return 'builder';
      e = unwrap(e.expression);
    } else if (ts.isPropertyAccessExpression(e)) e = unwrap(e.expression);
    else return e;
  }
}

function builderTarget(receiver: ts.Expression): string {
  for (const c of chainCalls(receiver)) {
    const m = methodCall(c);
    if (m?.name === 'createQueryBuilder') return `${m.object.getText()}.createQueryBuilder()`;
  }
  return receiver.getText().split('\n')[0];
}

// ---------------------------------------------------------------------------------------------------
// Sequelize and Mongoose models

type ModelKind = Orm | 'local';

function modelOrm(receiver: ts.Expression, method: string, call: ts.CallExpression, ev: Evidence): Orm | undefined {
  const kind = modelKind(receiver, ev, 0);
  if (kind === undefined) return undefined;
  if (kind !== 'local') return kind;
  // A model imported from the project's models module: the file's imports decide, then the project's
  // dependencies, then the method itself (`findAll`/`findByPk` are Sequelize's, `find`/`findById` Mongoose's).
  if (ev.mongoose && !ev.sequelize) return 'mongoose';
  if (ev.sequelize && !ev.mongoose) return 'sequelize';
  if (ev.typeorm) return 'typeorm';
  const deps = ev.projectDeps();
  const depMongoose = deps.has('mongoose');
  const depSequelize = deps.has('sequelize') || deps.has('sequelize-typescript');
  if (depMongoose && !depSequelize) return 'mongoose';
  if (depSequelize && !depMongoose) return 'sequelize';
  if (SEQUELIZE_ONLY.has(method)) return 'sequelize';
  if (MONGOOSE_ONLY.has(method)) return 'mongoose';
  if (method === 'findOne' || method === 'count') {
    const opts = asObjectLiteral(call.arguments[0]);
    return opts && objectProperty(opts, 'where') ? 'sequelize' : 'mongoose';
  }
  return undefined;
}

function modelKind(expr: ts.Expression, ev: Evidence, depth: number): ModelKind | undefined {
  if (depth > 5) return undefined;
  const e = unwrap(expr);
  if (e.kind === ts.SyntaxKind.ThisKeyword) return inSchemaStatic(e) ? 'mongoose' : undefined;
  if (ts.isIdentifier(e)) {
    // import User from '../models/User', const { User, Post } = require('../models')
    const source = importSource(e);
    if (source) {
      if (!isLocalSpecifier(source.specifier) && !ev.isPathAlias(source.specifier)) return undefined;
      // a models module by its path, or one named otherwise whose text defines the model (`require('./cars.scheme')`)
      const model = MODEL_SPECIFIER.test(source.specifier) || (MODEL_BINDING.test(source.imported) && ev.definesModel(source.specifier));
      return model ? 'local' : undefined;
    }
    const decl = declarationOf(e);
    if (!decl) return undefined;
    if (ts.isClassDeclaration(decl)) return classModelKind(decl);
    if (ts.isVariableDeclaration(decl)) return decl.initializer ? createdModelKind(decl.initializer, ev, depth) : undefined;
    if (ts.isParameter(decl)) return parameterModelKind(decl, ev) ?? (decl.initializer ? modelKind(decl.initializer, ev, depth + 1) : undefined);
    if (ts.isBindingElement(decl)) {
      // const { User } = db / = sequelize.models
      const root = bindingRoot(decl);
      const init = root && ts.isVariableDeclaration(root) && root.initializer ? unwrapAwait(root.initializer) : undefined;
      if (init && (ts.isIdentifier(init) || ts.isPropertyAccessExpression(init))) return modelRegistryKind(init, ev, depth + 1);
    }
    return undefined;
  }
  if (ts.isPropertyAccessExpression(e)) {
    const member = thisMember(e);
    // `@InjectModel(User.name) private model: Model<User>`, or `constructor(private readonly model = UserModel)`
    if (member) return injectedModelKind(member, ev) ?? (member.initializer ? modelKind(member.initializer, ev, depth + 1) : undefined);
    // `constructor () { this.model = DB.Users }` in a JavaScript repository class
    const assigned = constructorAssigned(e);
    if (assigned) return modelKind(assigned, ev, depth + 1);
    // db.User / models.User / sequelize.models.User
    if (/^[A-Z]/.test(e.name.text)) return modelRegistryKind(e.expression, ev, depth + 1);
  }
  return undefined;
}

/**
 * `this` of a Mongoose static, the model itself: `schema.statics.paginate = function () { this.find() }`,
 * `schema.static('findRecent', function () { ... })`. `statics` and `static(name, fn)` are Mongoose's schema API.
 */
function inSchemaStatic(self: ts.Node): boolean {
  let fn: ts.Node | undefined = self.parent;
  while (fn && !ts.isFunctionExpression(fn) && !ts.isFunctionDeclaration(fn) && !ts.isMethodDeclaration(fn) && !ts.isClassLike(fn)) fn = fn.parent;
  if (!fn || !ts.isFunctionExpression(fn)) return false;
  const parent = fn.parent;
  if (ts.isBinaryExpression(parent) && parent.right === fn && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(parent.left)) {
    const owner = parent.left.expression;
    return ts.isPropertyAccessExpression(owner) && owner.name.text === 'statics';
  }
  return ts.isCallExpression(parent) && ts.isPropertyAccessExpression(parent.expression) && parent.expression.name.text === 'static' && parent.arguments[1] === fn;
}

/** `db` / `models` imported from the project's models module, or `sequelize.models`. */
function modelRegistryKind(expr: ts.Expression, ev: Evidence, depth: number): ModelKind | undefined {
  const e = unwrap(expr);
  if (ts.isPropertyAccessExpression(e) && e.name.text === 'models') return ev.sequelize ? 'sequelize' : 'local';
  if (ts.isIdentifier(e)) {
    const source = importSource(e);
    if (source) return isLocalSpecifier(source.specifier) && MODEL_SPECIFIER.test(source.specifier) ? 'local' : undefined;
    const decl = declarationOf(e);
    if (decl && ts.isVariableDeclaration(decl) && decl.initializer && depth < 5) return modelRegistryKind(decl.initializer, ev, depth + 1);
  }
  return undefined;
}

function classModelKind(cls: ts.ClassDeclaration): ModelKind | undefined {
  for (const clause of cls.heritageClauses ?? []) {
    if (clause.token !== ts.SyntaxKind.ExtendsKeyword) continue;
    for (const t of clause.types) {
      const q = resolveImport(t.expression);
      if (q === 'sequelize.Model' || q === 'sequelize-typescript.Model') return 'sequelize';
      if (q === 'typeorm.BaseEntity') return 'typeorm';
    }
  }
  return undefined;
}

function createdModelKind(init: ts.Expression, ev: Evidence, depth: number): ModelKind | undefined {
  const e = unwrapAwait(init);
  if (ts.isBinaryExpression(e)) return createdModelKind(e.left, ev, depth) ?? createdModelKind(e.right, ev, depth);
  if (ts.isCallExpression(e)) {
    // `require('../models/video')(sequelize, DataTypes)`: sequelize-cli's model modules export a factory of the model
    const factory = unwrap(e.expression);
    if (ts.isCallExpression(factory) && ts.isIdentifier(factory.expression) && factory.expression.text === 'require') {
      const specifier = stringValue(factory.arguments[0]);
      return specifier !== undefined && isLocalSpecifier(specifier) && MODEL_SPECIFIER.test(specifier) && ev.sequelize ? 'sequelize' : undefined;
    }
    const q = resolveImport(e.expression);
    if (q === 'mongoose.model') return 'mongoose';
    const m = methodCall(e);
    if (m?.name === 'define' && stringValue(e.arguments[0]) !== undefined && ev.sequelize) return 'sequelize';
    if (m?.name === 'model' && stringValue(e.arguments[0]) !== undefined && ev.mongoose) return 'mongoose';
    return undefined;
  }
  if (ts.isPropertyAccessExpression(e) || ts.isIdentifier(e)) return modelKind(e, ev, depth + 1);
  return undefined;
}

function parameterModelKind(p: ts.ParameterDeclaration, ev: Evidence): ModelKind | undefined {
  const injected = injectedModelKind(p, ev);
  if (injected) return injected;
  const t = typeName(p.type);
  if (t === 'Model' && ev.mongoose) return 'mongoose';
  if ((t === 'ModelStatic' || t === 'ModelCtor') && ev.sequelize) return 'sequelize';
  return undefined;
}

/** Nest `@InjectModel(...)`: @nestjs/mongoose or @nestjs/sequelize decides which. */
function injectedModelKind(member: ts.PropertyDeclaration | ts.ParameterDeclaration, ev: Evidence): ModelKind | undefined {
  if (!decoratorNames(member).includes('InjectModel')) {
    const t = typeName(member.type);
    if (t === 'Model' && ev.mongoose) return 'mongoose';
    return undefined;
  }
  if (importsModule(ev.sf, '@nestjs/mongoose')) return 'mongoose';
  if (importsModule(ev.sf, '@nestjs/sequelize')) return 'sequelize';
  return ev.mongoose ? 'mongoose' : ev.sequelize ? 'sequelize' : undefined;
}

function modelName(receiver: ts.Expression): string | undefined {
  const e = unwrap(receiver);
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) {
    // `this.model` a JavaScript constructor set to `DB.Users`: the model is Users
    const assigned = !thisMember(e) ? constructorAssigned(e) : undefined;
    return (assigned && modelName(assigned)) ?? e.name.text;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Query chains and results

/**
 * Method names called on the query an ORM call belongs to: the rest of its chain, the chain of a variable
 * the chain starts from (`const qb = repo.createQueryBuilder('u')`), and later calls on a variable holding
 * it (`const query = User.find(); query.limit(20)`).
 */
export function chainMethods(ctx: RuleContext, call: ts.CallExpression): Set<string> {
  const names = new Set<string>();
  const addChain = (expr: ts.Expression) => {
    for (const c of chainCalls(expr)) {
      const n = c === call ? undefined : methodCall(c)?.name;
      if (n) names.add(n);
    }
  };
  const outer = outermostChain(call);
  addChain(outer);
  const holders: ts.VariableDeclaration[] = [];
  const holder = variableHolding(outer);
  if (holder) holders.push(holder);
  const root = chainRoot(outer);
  if (ts.isIdentifier(root)) {
    const decl = declarationOf(root);
    // Only a variable holding a query (`const qb = repo.createQueryBuilder('u')`), not a client or model.
    if (decl && ts.isVariableDeclaration(decl) && ts.isIdentifier(decl.name) && decl.initializer && holdsQuery(decl.initializer)) {
      addChain(decl.initializer);
      holders.push(decl);
    }
  }
  for (const h of holders) {
    const scope = enclosingFunction(h) ?? h.getSourceFile();
    for (const c of indexOf(ctx.typescript()).calls) {
      if (c.pos < scope.pos || c.end > scope.end) continue;
      const m = methodCall(c);
      const base = m && unwrap(m.object);
      if (base && ts.isIdentifier(base) && base.text === h.name.getText() && declarationOf(base) === h) names.add(m.name);
    }
  }
  return names;
}

function holdsQuery(init: ts.Expression): boolean {
  return chainCalls(init).some((c) => {
    const name = methodCall(c)?.name;
    return name !== undefined && (name === 'createQueryBuilder' || /^find/.test(name));
  });
}

/** The variable an expression initialises (`const q = <expr>`), if any. */
function variableHolding(expr: ts.Expression): ts.VariableDeclaration | undefined {
  let e: ts.Node = expr;
  while (e.parent && ts.isParenthesizedExpression(e.parent)) e = e.parent; // an awaited result is rows, not a query
  const p = e.parent;
  return p && ts.isVariableDeclaration(p) && p.initializer === e && ts.isIdentifier(p.name) ? p : undefined;
}

/** Calls on rows (or on a query) whose result is no longer rows. */
const NOT_ROWS = new Set(['some', 'every', 'includes', 'indexOf', 'join', 'toString', 'count', 'countDocuments', 'getCount', 'size', 'has', 'exists']);
const STREAMING_METHODS = new Set(['cursor', 'stream', 'eachAsync', 'iterate']);

/**
 * The ORM query whose rows an expression holds (`posts`, `page.items`, `users.filter(...)`, a loop
 * variable over such rows), or undefined. Streams and cursors are not row sets.
 */
export function queryResultSource(ctx: RuleContext, expr: ts.Expression, depth = 0): OrmCall | undefined {
  if (depth > 8) return undefined;
  const e = unwrapAwait(expr);
  if (ts.isCallExpression(e)) {
    const direct = ormCallOf(ctx, e);
    if (direct) return direct;
    const callee = unwrap(e.expression);
    // Object.values(x), Array.from(x), Promise.all([q1, q2])
    if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && /^(Object|Array|Promise)$/.test(callee.expression.text)) {
      for (const a of e.arguments) {
        const found = queryResultSource(ctx, a, depth + 1);
        if (found) return found;
      }
      return undefined;
    }
    const m = methodCall(e);
    if (!m || STREAMING_METHODS.has(m.name) || NOT_ROWS.has(m.name)) return undefined;
    // rows.filter(...), rows.map((r) => r.id), Model.find().limit(20).lean()
    return queryResultSource(ctx, m.object, depth + 1);
  }
  if (ts.isArrayLiteralExpression(e)) {
    for (const el of e.elements) {
      const found = queryResultSource(ctx, ts.isSpreadElement(el) ? el.expression : el, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) return queryResultSource(ctx, e.expression, depth + 1);
  if (ts.isIdentifier(e)) {
    const decl = declarationOf(e);
    if (!decl) return undefined;
    if (ts.isVariableDeclaration(decl)) {
      const list = decl.parent;
      if (ts.isVariableDeclarationList(list) && (ts.isForOfStatement(list.parent) || ts.isForInStatement(list.parent))) {
        if (ts.isForOfStatement(list.parent) && list.parent.awaitModifier) return undefined; // `for await` over a cursor
        return queryResultSource(ctx, list.parent.expression, depth + 1);
      }
      return decl.initializer ? queryResultSource(ctx, decl.initializer, depth + 1) : undefined;
    }
    if (ts.isBindingElement(decl)) {
      const root = bindingRoot(decl);
      if (!root) return undefined;
      if (ts.isVariableDeclaration(root)) return root.initializer ? queryResultSource(ctx, root.initializer, depth + 1) : undefined;
      return callbackParameterSource(ctx, root, depth);
    }
    if (ts.isParameter(decl)) return callbackParameterSource(ctx, decl, depth);
  }
  return undefined;
}

/** `rows.map((row) => ...)`: the callback's first parameter holds an element of `rows`. */
function callbackParameterSource(ctx: RuleContext, p: ts.ParameterDeclaration, depth: number): OrmCall | undefined {
  const fn = p.parent;
  if (!isFunctionNode(fn) || fn.parameters[0] !== p) return undefined;
  const call = fn.parent;
  if (!ts.isCallExpression(call)) return undefined;
  const m = methodCall(call);
  if (!m || !/^(map|forEach|flatMap|filter|reduce|some|every|find)$/.test(m.name)) return undefined;
  return queryResultSource(ctx, m.object, depth + 1);
}

const COUNT_METHODS = new Set(['count', 'countBy', 'countDocuments', 'getCount']);

/** The batched form of a per-row query, for messages: one query over every key with `in`. */
export function batchedForm(q: OrmCall): string {
  const key = batchKey(q);
  const counts = COUNT_METHODS.has(q.method);
  switch (q.orm) {
    case 'prisma':
      if (counts) return `${q.target}.groupBy({ by: ['${key}'], where: { ${key}: { in: ids } }, _count: true })`;
      return `${q.target}.findMany({ where: { ${key}: { in: ids } } }) or an include on the first query`;
    case 'typeorm':
      if (q.builder || counts) return `one query builder with .where('${key} IN (:...ids)', { ids })${counts ? `.groupBy('${key}')` : ' or leftJoinAndSelect on the first query'}`;
      return q.optionsIndex === 1
        ? `${q.target}.findBy(${q.model ?? 'Entity'}, { ${key}: In(ids) }) or relations on the first query`
        : `${q.target}.findBy({ ${key}: In(ids) }) or relations on the first query`;
    case 'sequelize':
      if (counts) return `${q.target}.count({ where: { ${key}: { [Op.in]: ids } }, group: ['${key}'] })`;
      return `${q.target}.findAll({ where: { ${key}: { [Op.in]: ids } } }) or an include on the first query`;
    case 'mongoose':
      if (counts) return `${q.target}.aggregate([{ $match: { ${key}: { $in: ids } } }, { $group: { _id: '$${key}', count: { $sum: 1 } } }])`;
      return `${q.target}.find({ ${key}: { $in: ids } }) or .populate() on the first query`;
  }
}

/** The field a per-row query filters on (`authorId` in `where: { authorId: post.authorId }`), else the primary key. */
function batchKey(q: OrmCall): string {
  const pk = q.orm === 'mongoose' ? '_id' : 'id';
  if (q.builder || /ByPk|ById$/.test(q.method)) return pk;
  const arg = asObjectLiteral(q.call.arguments[q.optionsIndex]);
  if (!arg) return pk;
  const whereIsArgument = q.orm === 'mongoose' || /By(OrFail)?$/.test(q.method);
  const where = whereIsArgument ? arg : asObjectLiteral(objectPropertyValue(arg, 'where'));
  if (!where) return pk;
  for (const p of where.properties) {
    if (ts.isShorthandPropertyAssignment(p)) return p.name.text;
    if (ts.isPropertyAssignment(p) && !isLiteral(p.initializer)) return propertyName(p.name) ?? pk;
  }
  return pk;
}

function isLiteral(e: ts.Expression): boolean {
  const u = unwrap(e);
  return ts.isLiteralExpression(u) || u.kind === ts.SyntaxKind.TrueKeyword || u.kind === ts.SyntaxKind.FalseKeyword || u.kind === ts.SyntaxKind.NullKeyword || ts.isObjectLiteralExpression(u);
}

export const ORM_LABEL: Record<Orm, string> = { prisma: 'Prisma', typeorm: 'TypeORM', sequelize: 'Sequelize', mongoose: 'Mongoose' };
