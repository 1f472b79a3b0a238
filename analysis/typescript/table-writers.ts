/**
 * Which tables of a TS/JS project grow with use: who adds rows to each model, for every ORM the product reads.
 * A table whose rows only seeds, scripts, migrations, tests or administrators add (a restaurant's menu a super-user
 * edits, a church's branch addresses an admin route creates) holds as many rows as its curators keep: reading all of
 * it per request is bounded. A table any other request code adds to (sign-up, an order, a user's post) grows.
 *
 * Writers, read from each module's tree (one parse per text version):
 * - Prisma `<client>.<model>.create/createMany/createManyAndReturn/upsert(...)`;
 * - Mongoose `Model.create/insertMany/bulkWrite(...)`, `new Model(...)` (then `.save()`), an update with `upsert: true`;
 * - Sequelize `Model.create/bulkCreate/findOrCreate/upsert/build(...)`, and the models of a create's `include`;
 * - TypeORM `repository.save/insert(...)`, `manager.save(Entity, ...)`, `getRepository(Entity).save(...)`,
 *   `createQueryBuilder().insert().into(Entity)`, and the targets of `cascade` relations;
 * - raw `INSERT INTO table` and the native driver's `collection('x').insertOne/insertMany(...)`.
 * Each writer is keyed by its model's stem (`this.productModel`, `Product`, `prisma.products` -> `product`).
 *
 * A writer is curated when its module is offline (handlers.ts's scripts, seeds, migrations, tests) or when every
 * way a request reaches it is admin-only: a Nest method guarded for administrators (nest-admin-only.ts), a route
 * registered behind an admin middleware (`router.post('/', authenticate.admin, controller.add)`,
 * `validateRole([Role.ADMIN])`, `isAdmin`), an `adminProcedure` (tRPC), a body that refuses non-admins first; or a
 * function all of whose callers are such (repository <- service <- controller, followed through the modules that
 * import the callee's module, four levels at most). Conservative like prisma-writes.ts: a write whose model the text
 * does not name (`this.model.create`, `models[name].create`, `repo.save(entity)`, `INSERT INTO ${table}`, a stored
 * procedure called from raw SQL) makes every table count as written, and so does a project too big to read.
 */
import { ts } from 'ts-morph';
import { FileVersionSlot, ProjectSlot } from '../cache';
import { projectTexts, type ProjectTexts } from '../project-texts';
import type { RuleContext } from '../../rules/api';
import { isOfflineFile } from './handlers';
import { adminOnlyNestMethod, ADMIN_ROLE } from './nest-admin-only';
import { declarationOf, stringValue, unwrap } from './ast';

/** A function of a module that may be reached from a request: `Class.method`, `name`, or a route's inline handler. */
interface Unit {
  name: string;
  /** The class the function is a method of, with the names in its `extends`/`implements` clauses. */
  classNames?: string[];
  /** Only administrators reach it directly: a guarded Nest method, an admin-gated route's handler or body. */
  gated: boolean;
  /** An inline route handler: its registration decides, nothing else calls it. */
  route: boolean;
  /**
   * A route any signed-in user reaches: registered behind a sign-in gate and no other (no admin, role, permission or
   * owner check in its middleware or decorators). An app with no sign-in at all is its operators' tool: not open.
   * An inline handler, or a Nest controller method with a verb decorator and a sign-in guard.
   */
  open?: boolean;
}

/** A reference to a function by name: a call, or a handler handed to a route registration. */
interface Use {
  name: string;
  /** The unit the use is in; undefined at module level. */
  unit?: string;
  /** Handed to a route registration, gated for administrators or not. */
  routeGated?: boolean;
  /** Handed to a route registration with no gate beyond signing in (Unit.open). */
  routeOpen?: boolean;
  /** The class the receiver holds, when the calling class declares it (`this.service` typed `MedecinService`). */
  receiverClass?: string;
  /** The type and initializer of the local variable or parameter the receiver starts from (`kc` = `await this.getKeycloakClient()`). */
  receiverDeclaration?: string;
}

interface FileFacts {
  /** Stems of the models written, with the unit each write is in (undefined at module level). */
  writes: { stem: string; unit?: string }[];
  /** A write whose model the text does not name. */
  opaque: boolean;
  units: Map<string, Unit>;
  uses: Use[];
  /** Module specifiers imported or required. */
  specifiers: string[];
}

interface ProjectWriters {
  key: unknown;
  currentText: string;
  /** Writes by stem: the file and unit of each. */
  byStem: Map<string, { file: string; unit?: string }[]>;
  opaque: boolean;
  complete: boolean;
  online: string[];
  admin: Map<string, boolean>;
}

const MAX_FILES = 4000;
/**
 * Accounts and what an auth library writes beside them (NextAuth/Auth.js adapters, Passport strategies, an identity
 * provider's sync): rows are added by sign-ins the project's own writes do not show, so never a seeded catalogue.
 */
const ACCOUNT_TABLE = /^(user|account|session|verificationtoken|authenticator)$/;
const TEST_PATH = /(^|\/)(__tests__|tests?|spec|e2e|cypress|playwright|__mocks__|mocks?)\/|\.(test|spec|e2e-spec)\.[cm]?[jt]sx?$/i;
const SOURCE = /\.[cm]?[jt]sx?$/;
const SKIP = /(^|\/)(node_modules|dist|build|\.next|out|coverage|vendor)\/|\.d\.ts$|\.min\.js$/;
/** Text that may hold a writer; other modules are parsed only when a caller is looked for in them. */
const MAY_WRITE = /\.\s*(bulkInsert|create|createMany|createManyAndReturn|upsert|insertMany|insertOne|bulkWrite|bulkCreate|findOrCreate|insert|save|into|build)\s*\(|\bnew\s+[\w.]+\s*\(|insert\s+(ignore\s+)?into|upsert\s*:|cascade/i;

const CREATE_METHODS = new Set(['create', 'createMany', 'createManyAndReturn', 'upsert', 'insertMany', 'insertOne', 'bulkWrite', 'bulkCreate', 'findOrCreate', 'build', 'insert', 'save']);
/** Updates that add a row when none matches, with `upsert: true`. */
const UPSERT_UPDATES = new Set(['findOneAndUpdate', 'findByIdAndUpdate', 'updateOne', 'updateMany', 'replaceOne', 'findOneAndReplace', 'update']);
/** Receivers that name no model: a generic base repository's, a transaction's, an entity manager's. */
const GENERIC = /^(this|super|models?|repositor(y|ie)|repo|entit(y|ie)|collection|db|database|orm|manager|em|entitymanager|tx|trx|transaction|prisma|client|conn|connection|datasource|doc|document|record|item|data|base|queryrunner|target|[a-z])$/;
/** Classes whose construction is no row: `new Date()`, `new Schema({...})`. Only names that could be a model count. */
const NOT_MODEL_CLASS = /^(Date|Error|\w+Error|Map|Set|WeakMap|Promise|RegExp|URL|URLSearchParams|Array|Object|Buffer|Schema|Types|ObjectId|Router|Server|Client|Headers|Response|Request|FormData|Blob|File|Intl|Proxy|Worker|Event\w*|Stripe|Logger|Subject|BehaviorSubject|HttpException|\w+Exception|\w+(Service|Client|Strategy|Repository|Repo|Controller|Guard|Module|Gateway|Provider|Handler|Factory|Manager|Dao|Store|Builder|Adapter))$/;
const ROUTE_VERBS = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'all', 'route']);
/**
 * Words of an administrators-only gate: `authenticate.admin`, `isAdmin`, `adminOnly`, `requireSuperAdmin`. Not staff:
 * a shop's staff adding products is the shop's use, and its catalogue grows.
 */
const ADMIN_WORD = /admin|superuser/i;
/** A body that refuses everyone but administrators before anything else. */
const ADMIN_CHECK = /(\.role\s*!==?\s*['"`](super_?)?admin['"`]|!\s*[\w.?]*\.?is_?admin\b|\.isAdmin\s*(===?|!==?)\s*false)/i;

/** Each module's writers and references, once per text version. */
const facts = new FileVersionSlot<FileFacts>('table-writers', MAX_FILES);
const slot = new ProjectSlot<{ value?: ProjectWriters }>('table-writers', () => ({}));

/** `this.productModel`, `Products`, `userRepository` -> `product`, `product`, `user`; undefined when generic. */
export function modelStem(name: string): string | undefined {
  let n = name.replace(/^_+/, '');
  const stripped = n.replace(/(Model|Repository|Repo|Collection|Schema|Entity|Table|Dao|Document|Doc)$/i, '');
  if (stripped) n = stripped;
  n = n.toLowerCase();
  if (GENERIC.test(n)) return undefined;
  if (/ies$/.test(n)) n = `${n.slice(0, -3)}y`;
  else if (/(ss|x|z|ch|sh)es$/.test(n)) n = n.slice(0, -2);
  else if (/[^s]s$/.test(n)) n = n.slice(0, -1);
  return n || undefined;
}

function scriptKind(file: string): ts.ScriptKind {
  if (/\.tsx$/.test(file)) return ts.ScriptKind.TSX;
  if (/\.jsx$/.test(file)) return ts.ScriptKind.JSX;
  return /\.[cm]?js$/.test(file) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
}

/** The last name of an expression: `this.productModel` -> productModel, `db.Product` -> Product. */
function lastName(e: ts.Expression): string | undefined {
  const x = unwrap(e);
  if (ts.isIdentifier(x)) return x.text;
  if (ts.isPropertyAccessExpression(x)) return x.name.text;
  if (x.kind === ts.SyntaxKind.ThisKeyword) return 'this';
  return undefined;
}

/** The model a receiver names: `prisma.stock`, `this.productModel`, `getRepository(Product)`, `collection('users')`. */
function receiverStem(recv: ts.Expression): string | undefined {
  const r = unwrap(recv);
  if (ts.isCallExpression(r)) {
    const arg = r.arguments[0];
    const name = arg && (stringValue(arg) ?? lastName(arg));
    return name ? modelStem(name) : undefined;
  }
  const name = lastName(r);
  return name ? modelStem(name) : undefined;
}

function factsOf(file: string, text: string): FileFacts {
  return facts.get(file, text, () => readFacts(file, text));
}

function readFacts(file: string, text: string): FileFacts {
  const out: FileFacts = { writes: [], opaque: false, units: new Map(), uses: [], specifiers: [] };
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, scriptKind(file));
  const mayWrite = MAY_WRITE.test(text);
  let fileGated = false;
  let fileGuarded = false;
  let fileSignedIn = false;
  const write = (stem: string | undefined, unit: string | undefined) => {
    if (stem) out.writes.push({ stem, unit });
    else out.opaque = true;
  };

  const unitOf = (node: ts.Node): { key: string; unit: Unit } | undefined => {
    if (ts.isMethodDeclaration(node) || ts.isFunctionDeclaration(node)) {
      const name = node.name && ts.isIdentifier(node.name) ? node.name.text : undefined;
      if (!name || !node.body) return undefined;
      const cls = node.parent && ts.isClassLike(node.parent) ? node.parent.name?.text ?? '' : '';
      const gated = (ts.isMethodDeclaration(node) && ts.isClassLike(node.parent) && adminOnlyNestMethod(node, false)) || bodyRefusesNonAdmins(node.body);
      const open = !gated && ts.isMethodDeclaration(node) && openNestRoute(node);
      return { key: `${cls}.${name}`, unit: { name, gated, route: false, open, classNames: classNamesOf(node.parent) } };
    }
    if ((ts.isArrowFunction(node) || ts.isFunctionExpression(node)) && node.parent) {
      const p = node.parent;
      const named = (ts.isVariableDeclaration(p) || ts.isPropertyDeclaration(p) || ts.isPropertyAssignment(p)) && p.initializer === node && ts.isIdentifier(p.name) ? p.name.text : undefined;
      if (named) {
        const cls = ts.isPropertyDeclaration(p) && p.parent && ts.isClassLike(p.parent) ? p.parent.name?.text ?? '' : '';
        return { key: `${cls}.${named}`, unit: { name: named, gated: bodyRefusesNonAdmins(node.body), route: false, classNames: ts.isPropertyDeclaration(p) ? classNamesOf(p.parent) : undefined } };
      }
    }
    return undefined;
  };

  const visit = (node: ts.Node, unit: string | undefined): void => {
    const own = unitOf(node);
    if (own) {
      out.units.set(own.key, own.unit);
      unit = own.key;
    }
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) out.specifiers.push(node.moduleSpecifier.text);
    if (ts.isCallExpression(node)) {
      const callee = unwrap(node.expression);
      if (ts.isIdentifier(callee) && callee.text === 'require' && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) out.specifiers.push(node.arguments[0].text);
      const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
      if (name) {
        const recv = ts.isPropertyAccessExpression(callee) ? unwrap(callee.expression) : undefined;
        const receiverClass = recv && ts.isPropertyAccessExpression(recv) && recv.expression.kind === ts.SyntaxKind.ThisKeyword ? memberClass(recv) : undefined;
        out.uses.push({ name, unit, receiverClass, receiverDeclaration: recv && !receiverClass ? rootDeclaration(recv) : undefined });
      }
      if (mayWrite && ts.isPropertyAccessExpression(callee)) writesOfCall(node, callee, unit, write);
      if (ts.isPropertyAccessExpression(callee)) {
        const registration = routeRegistration(node, callee);
        if (registration) {
          const gated = fileGated || registration.gated;
          const open = !gated && !fileGuarded && registration.open && (fileSignedIn || registration.signIn);
          if (registration.use && !unit && registration.gate && node.arguments.length === 1) fileGated = true;
          if (registration.use && !unit && !registration.open) fileGuarded = true;
          if (registration.use && !unit && registration.signIn) fileSignedIn = true;
          for (const arg of node.arguments) {
            const fn = unwrap(arg);
            if (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) {
              const key = `@${fn.getStart(sf)}`;
              out.units.set(key, { name: '', gated, route: true, open });
              visit(fn, key);
              continue;
            }
            for (const ref of handlerRefs(fn)) out.uses.push({ name: ref, routeGated: gated, routeOpen: open });
            visit(arg, unit);
          }
          return;
        }
        const procedure = trpcProcedure(node, callee);
        if (procedure !== undefined) {
          for (const arg of node.arguments) {
            const fn = unwrap(arg);
            if (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) {
              const key = `@${fn.getStart(sf)}`;
              out.units.set(key, { name: '', gated: procedure, route: true });
              visit(fn, key);
            } else visit(arg, unit);
          }
          visit(node.expression, unit);
          return;
        }
      }
    }
    if (mayWrite && ts.isNewExpression(node)) {
      const ctor = unwrap(node.expression);
      const name = lastName(ctor);
      const generic = name !== undefined && modelStem(name) === undefined;
      if (ts.isPropertyAccessExpression(ctor) && ctor.expression.kind === ts.SyntaxKind.ThisKeyword) write(name ? modelStem(name) : undefined, unit);
      else if (name && /^[A-Z]/.test(name) && !generic && !NOT_MODEL_CLASS.test(name)) write(modelStem(name), unit);
    }
    if (mayWrite && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node))) rawWrites(node, unit, write);
    if (mayWrite && ts.isDecorator(node)) cascadeTarget(node, write);
    ts.forEachChild(node, (c) => visit(c, unit));
  };
  visit(sf, undefined);
  return out;
}

/** A Prisma/Mongoose/Sequelize/TypeORM call that adds rows, or an update with `upsert: true`. */
function writesOfCall(call: ts.CallExpression, callee: ts.PropertyAccessExpression, unit: string | undefined, write: (stem: string | undefined, unit: string | undefined) => void): void {
  const method = callee.name.text;
  const args = call.arguments;
  if (UPSERT_UPDATES.has(method)) {
    if (args.some((a) => /\bupsert\s*:\s*true/.test(a.getText()))) write(receiverStem(callee.expression), unit);
    return;
  }
  if (method === 'into') {
    // createQueryBuilder().insert().into(Entity) / .into('table')
    if (/\.insert\s*\(\s*\)/.test(callee.expression.getText())) write(args[0] ? modelStem(stringValue(args[0]) ?? lastName(args[0]) ?? '') : undefined, unit);
    return;
  }
  if (method === 'bulkInsert') {
    // Sequelize seeders and migrations: `queryInterface.bulkInsert('Plans', [...])`.
    write(args[0] ? modelStem(stringValue(args[0]) ?? '') : undefined, unit);
    return;
  }
  if (!CREATE_METHODS.has(method)) return;
  const first = args[0] && unwrap(args[0]);
  if (method === 'build') {
    // Sequelize `Model.build(...)`; a builder's `build()` (`new ParseFilePipeBuilder()...build()`) adds no row.
    const recv = unwrap(callee.expression);
    const stem = ts.isCallExpression(recv) || ts.isNewExpression(recv) ? undefined : receiverStem(recv);
    if (stem && !/builder$/.test(stem)) write(stem, unit);
    return;
  }
  // `save(cb)` / `save()`: an instance saved (its construction, `new Model(...)`, is the write). Sequelize `build` counts:
  // its instance is saved somewhere.
  if ((method === 'save' || method === 'insert') && (!first || ts.isArrowFunction(first) || ts.isFunctionExpression(first) || ts.isObjectLiteralExpression(first) && method === 'save' && args.length === 1 && /^(options|\{\s*(session|transaction|validateBeforeSave)\b)/.test(first.getText()))) return;
  // `manager.save(Entity, data)`, `manager.insert(Entity, rows)`, `em.create(Entity, data)`: the entity comes first.
  if (args.length >= 2 && first && ts.isIdentifier(first) && /^[A-Z]/.test(first.text) && /^(save|insert|create)$/.test(method)) {
    write(modelStem(first.text), unit);
    return;
  }
  const recv = unwrap(callee.expression);
  if (ts.isElementAccessExpression(recv)) {
    write(undefined, unit);
    return;
  }
  const member = ts.isPropertyAccessExpression(recv) && recv.expression.kind === ts.SyntaxKind.ThisKeyword ? memberModel(recv) : undefined;
  if (member === null) return; // a project class's own method (`this.repository.create` of a MedecinRepository): its body writes
  // TypeORM `repo.save(entity)` on a generic repository, a Mongoose `doc.save()`: unnamed.
  write(member ?? receiverStem(recv), unit);
  // Sequelize `Order.create(data, { include: [Item] })`: the included models' rows are created too.
  const options = args[1] && unwrap(args[1]);
  if (options && ts.isObjectLiteralExpression(options) && /\binclude\s*:/.test(options.getText())) {
    for (const m of options.getText().matchAll(/\b([A-Z]\w*)\b/g)) write(modelStem(m[1]), unit);
  }
}

/** A class's own name and the names its `extends`/`implements` clauses list. */
function classNamesOf(cls: ts.Node): string[] | undefined {
  if (!ts.isClassLike(cls) || !cls.name) return undefined;
  const heritage = (cls.heritageClauses ?? []).flatMap((h) => h.types.map((t) => t.expression.getText().replace(/^.*\./, '')));
  return [cls.name.text, ...heritage];
}

/** The class `this.<member>` holds as its declaration says: `private service: MedecinService`, `= new MedecinRepository()`. */
function memberClass(access: ts.PropertyAccessExpression): string | undefined {
  for (const h of memberHolders(access)) {
    const type = h.type?.getText().trim();
    if (type && /^[A-Z]\w*$/.test(type)) return type;
    const init = h.initializer && unwrap(h.initializer);
    if (init && ts.isNewExpression(init) && ts.isIdentifier(init.expression)) return init.expression.text;
  }
  return undefined;
}

/** What the variable or parameter a receiver chain starts from is declared as (`kc.users` -> `kc`'s initializer). */
function rootDeclaration(recv: ts.Expression): string | undefined {
  let root = recv;
  while (ts.isPropertyAccessExpression(root) || ts.isCallExpression(root) || ts.isNonNullExpression(root)) root = root.expression;
  if (!ts.isIdentifier(root)) return undefined;
  const d = declarationOf(root);
  if (d && ts.isVariableDeclaration(d) && (d.type || d.initializer)) return `${d.type?.getText() ?? ''} ${d.initializer?.getText() ?? ''}`;
  if (d && ts.isParameter(d) && d.type) return d.type.getText();
  return undefined;
}

/** The property declarations and constructor parameters of the enclosing class that declare `this.<member>`. */
function memberHolders(access: ts.PropertyAccessExpression): (ts.PropertyDeclaration | ts.ParameterDeclaration)[] {
  let cls: ts.Node | undefined = access.parent;
  while (cls && !ts.isClassLike(cls)) cls = cls.parent;
  if (!cls || !ts.isClassLike(cls)) return [];
  const name = access.name.text;
  const holders: (ts.PropertyDeclaration | ts.ParameterDeclaration)[] = [];
  for (const m of cls.members) {
    if (ts.isPropertyDeclaration(m) && m.name.getText() === name) holders.push(m);
    if (ts.isConstructorDeclaration(m)) for (const p of m.parameters) if (p.name.getText() === name) holders.push(p);
  }
  return holders;
}

/** ORM handles a class member may hold: `Repository<Product>`, `Model<ProductDocument>`, `ModelStatic<User>`. */
const ORM_HANDLE_TYPE = /^(Repository|MongoRepository|TreeRepository|EntityRepository|Model|ModelStatic|ModelCtor|ModelType|ReturnModelType|PaginateModel|SoftDeleteModel|AggregatePaginateModel)\s*<\s*(?:typeof\s+)?(\w+)/;

/**
 * The model `this.<member>` holds, from the class's declaration of it: `@InjectRepository(Product)`,
 * `@InjectModel(Product.name)`, a `Repository<Product>` / `Model<ProductDocument>` type; null when it holds one of the
 * project's own classes (`= new MedecinRepository()`, `: ProductsService`), whose methods are the writers; undefined
 * when the class does not say.
 */
function memberModel(access: ts.PropertyAccessExpression): string | null | undefined {
  for (const h of memberHolders(access)) {
    for (const d of ts.getDecorators(h) ?? []) {
      const call = d.expression;
      if (!ts.isCallExpression(call) || !/^Inject(Repository|Model)$/.test(lastName(call.expression) ?? '')) continue;
      const arg = call.arguments[0] && unwrap(call.arguments[0]);
      const model = arg && (stringValue(arg) ?? (ts.isPropertyAccessExpression(arg) ? lastName(arg.expression) : lastName(arg)));
      if (model) return modelStem(model) ?? undefined;
    }
    const type = h.type?.getText().trim();
    const handle = type && ORM_HANDLE_TYPE.exec(type);
    if (handle) return modelStem(handle[2]) ?? undefined;
    if (type && /^[A-Z]\w*$/.test(type)) return null;
    const init = h.initializer && unwrap(h.initializer);
    if (init && ts.isNewExpression(init) && ts.isIdentifier(init.expression)) return null;
  }
  return undefined;
}

/** Raw SQL: `INSERT INTO orders` names its table; `INSERT INTO ${table}` and stored procedures do not. */
function rawWrites(node: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral | ts.TemplateExpression, unit: string | undefined, write: (stem: string | undefined, unit: string | undefined) => void): void {
  const text = node.getText();
  for (const m of text.matchAll(/\binsert\s+(?:ignore\s+)?into\s+(\$\{|[`"'[]?(?:\w+\.)?(\w+))/gi)) {
    if (m[1] === '${') write(undefined, unit);
    else write(modelStem(m[2]), unit);
  }
  // A stored procedure (`SELECT update_stocks(${id})`) may write any table (its SQL is not among the files memlint reads).
  if (/^[`'"]\s*(CALL|SELECT)\s+\w+\s*\(/i.test(text) && /execute|raw|query/i.test(node.parent?.getText().slice(0, 80) ?? '')) write(undefined, unit);
}

/** TypeORM `@OneToMany(() => Item, (i) => i.order, { cascade: true })`: saving the parent inserts Items. */
function cascadeTarget(decorator: ts.Decorator, write: (stem: string | undefined, unit: string | undefined) => void): void {
  const call = decorator.expression;
  if (!ts.isCallExpression(call) || !/^(One|Many)To(One|Many)$/.test(lastName(call.expression) ?? '') || !/\bcascade\b/.test(call.getText())) return;
  const target = call.arguments[0] && unwrap(call.arguments[0]);
  const body = target && ts.isArrowFunction(target) ? target.body : undefined;
  write(body && ts.isExpression(body) ? modelStem(lastName(body) ?? '') : undefined, undefined);
}

/** `router.post('/x', gate, handler)`, `app.use(isAdmin)`: a route registration and whether an admin gate guards it. */
function routeRegistration(call: ts.CallExpression, callee: ts.PropertyAccessExpression): { gated: boolean; gate: boolean; use: boolean; open: boolean; signIn: boolean } | undefined {
  const verb = callee.name.text;
  const use = verb === 'use';
  if (!ROUTE_VERBS.has(verb) && !use) return undefined;
  const args = call.arguments;
  if (args.length === 0) return undefined;
  const path = stringValue(args[0]) !== undefined;
  if (!path && !use) return undefined;
  const middle = args.slice(path ? 1 : 0, Math.max(path ? 1 : 0, args.length - 1));
  const gate = middle.some(isAdminGate) || (use && !path && args.length === 1 && isAdminGate(args[0]));
  const gates = (use && !path ? args : middle).filter((m) => !ts.isArrowFunction(unwrap(m)) && !ts.isFunctionExpression(unwrap(m)));
  const signIn = gates.some((m) => SIGN_IN_GATE.test(m.getText()));
  const open = !gates.some((m) => ACCESS_GATE.test(m.getText()));
  return { gated: gate, gate, use, open, signIn };
}

/**
 * Words of a gate that lets only some users through: administrators, roles, permissions, owners, managers, staff,
 * policies (`authorize('teacher')`, `checkRole`, `@HasPermission(...)`, `RolesGuard`). Signing in alone (`auth`,
 * `protect`, `verifyToken`, `JwtAuthGuard`) is not one.
 */
const ACCESS_GATE = /admin|role|permi|staff|super|owner|manager|authori[sz]|restrict|access|\bcan[A-Z_]|grant|polic|scope|ability/i;
/** Words of a gate that lets in whoever signed in: `auth`, `protect`, `verifyToken`, `requireUser`, `JwtAuthGuard`. */
const SIGN_IN_GATE = /auth|protect|verify|token|jwt|login|logged|session|passport|ensure|require(User|Login|Session)|signed/i;
const NEST_VERB = /^(Post|Put|Patch|Get|Delete|All)$/;

/** A Nest controller method with a verb decorator and no access gate on it or its class (Unit.open). */
function openNestRoute(method: ts.MethodDeclaration): boolean {
  const decorators = (h: ts.Node) => (ts.canHaveDecorators(h) ? [...(ts.getDecorators(h) ?? [])] : []);
  const own = decorators(method);
  const verb = own.some((d) => ts.isCallExpression(d.expression) && ts.isIdentifier(d.expression.expression) && NEST_VERB.test(d.expression.expression.text));
  if (!verb) return false;
  const all = [...own, ...(method.parent ? decorators(method.parent) : [])].map((d) => d.expression.getText());
  return all.some((d) => /^UseGuards\b/.test(d) && SIGN_IN_GATE.test(d)) && !all.some((d) => ACCESS_GATE.test(d));
}

/**
 * A middleware for administrators only: `authenticate.admin`, `isAdmin`, `adminOnly`, `verifyAdmin()`,
 * `validateRole([Role.ADMIN])`, `authorize('admin')`; not one that also lets another role through (`Role.MEDECIN`).
 */
function isAdminGate(arg: ts.Expression): boolean {
  const text = arg.getText();
  if (!ADMIN_WORD.test(text) || ts.isArrowFunction(arg) || ts.isFunctionExpression(arg)) return false;
  const roles = [...text.matchAll(/\b\w*[Rr]oles?\w*\s*\.\s*(\w+)/g)].map((m) => m[1]).concat([...text.matchAll(/['"`](\w+)['"`]/g)].map((m) => m[1]));
  return roles.every((r) => (ADMIN_ROLE.test(r) && !/staff/i.test(r)) || /^admins?$/i.test(r));
}

/** The names a route handler argument refers to: `controller.add`, `asyncHandler(controller.add)`, `add`. */
function handlerRefs(arg: ts.Expression): string[] {
  const e = unwrap(arg);
  if (ts.isIdentifier(e)) return [e.text];
  if (ts.isPropertyAccessExpression(e)) return [e.name.text];
  if (ts.isCallExpression(e)) return e.arguments.flatMap((a) => handlerRefs(a));
  return [];
}

/** tRPC `adminProcedure.mutation(fn)`: true for a procedure named for administrators, false for another, undefined if none. */
function trpcProcedure(call: ts.CallExpression, callee: ts.PropertyAccessExpression): boolean | undefined {
  if (callee.name.text !== 'mutation' && callee.name.text !== 'query') return undefined;
  let root: ts.Expression = callee.expression;
  while (ts.isCallExpression(root) || ts.isPropertyAccessExpression(root)) root = ts.isCallExpression(root) ? root.expression : root.expression;
  if (!ts.isIdentifier(root) || !/Procedure$/.test(root.text)) return undefined;
  return /^(admin|superAdmin|staff)\w*Procedure$/i.test(root.text);
}

/** The handler's first statements refuse anyone but administrators: `if (req.user.role !== 'admin') return res.status(403)...`. */
function bodyRefusesNonAdmins(body: ts.Node | undefined): boolean {
  if (!body || !ts.isBlock(body)) return false;
  return body.statements.slice(0, 3).some((s) => ts.isIfStatement(s) && ADMIN_CHECK.test(s.expression.getText()) && /\b(return|throw)\b/.test(s.thenStatement.getText()));
}

function projectWriters(ctx: RuleContext): ProjectWriters {
  const texts = projectTexts(ctx.project, { relPath: ctx.file.relPath, text: ctx.file.text });
  const key = texts.stamp ?? texts.files;
  const holder = slot.get(ctx.project);
  if (holder.value && holder.value.key === key && holder.value.currentText === ctx.file.text) return holder.value;
  const sources = texts.files.filter((f) => SOURCE.test(f) && !SKIP.test(f));
  const value: ProjectWriters = { key, currentText: ctx.file.text, byStem: new Map(), opaque: false, complete: sources.length <= MAX_FILES, online: [], admin: new Map() };
  if (value.complete) {
    for (const f of sources) {
      // A test builds rows of its own (`new TagEntity()` in a spec): neither the app's writer nor its seed.
      if (TEST_PATH.test(f)) continue;
      const offline = isOfflineFile(f);
      if (!offline) value.online.push(f);
      const text = texts.text(f);
      if (text === undefined || !MAY_WRITE.test(text)) continue;
      const found = factsOf(f, text);
      if (found.opaque && !offline) value.opaque = true;
      for (const w of found.writes) {
        let list = value.byStem.get(w.stem);
        if (!list) value.byStem.set(w.stem, (list = []));
        list.push({ file: f, unit: offline ? '#offline' : w.unit });
      }
    }
  }
  holder.value = value;
  return value;

}

/** The module `from` imports the module `target` (by the specifier's last segment: `./stock.service`, `../controllers/location`). */
function imports(from: FileFacts, target: string): boolean {
  const base = target.replace(/^.*\//, '').replace(/\.[cm]?[jt]sx?$/, '');
  const dir = target.replace(/\/[^/]*$/, '').replace(/^.*\//, '');
  return from.specifiers.some((s) => {
    const last = s.replace(/\/$/, '').replace(/^.*\//, '').replace(/\.[cm]?[jt]sx?$/, '');
    return last === base || (base === 'index' && last === dir);
  });
}

/** Every request that reaches `unit` of `file` is an administrator's. */
function adminOnly(w: ProjectWriters, texts: ProjectTexts, file: string, unit: string | undefined, depth: number): boolean {
  if (unit === '#offline') return true;
  if (unit === undefined) return false;
  const memo = `${file}#${unit}`;
  const known = w.admin.get(memo);
  if (known !== undefined) return known;
  w.admin.set(memo, false); // a cycle answers "not admin-only"
  const own = texts.text(file);
  const u = own !== undefined ? factsOf(file, own).units.get(unit) : undefined;
  let answer = false;
  if (u?.gated) answer = true;
  else if (u && !u.route && u.name && depth < 4) {
    let uses = 0;
    answer = true;
    for (const { file: f, use } of usesOf(w, texts, file, unit, u)) {
      uses++;
      if (use.routeGated !== undefined ? !use.routeGated : !adminOnly(w, texts, f, use.unit, depth + 1)) {
        answer = false;
        break;
      }
    }
    answer &&= uses > 0;
  }
  w.admin.set(memo, answer);
  return answer;
}

/**
 * True when the model a read names (`this.productModel`, `Location`, `prisma.location`) is a curated table: the
 * project writes it somewhere (for Prisma, a model nothing writes is prisma-writes.ts's question), every writer is
 * offline or reached only by administrators, and no write of the project leaves its model unnamed.
 */
export function writtenOnlyByCurators(ctx: RuleContext, model: string, relatedFields: readonly string[] = [], prismaBody?: string): boolean {
  const stem = modelStem(model.replace(/^.*\./, ''));
  if (!stem || ACCOUNT_TABLE.test(stem)) return false;
  const w = projectWriters(ctx);
  if (!w.complete || w.opaque) return false;
  const sites = w.byStem.get(stem) ?? [];
  if (sites.length === 0) return false;
  const texts = projectTexts(ctx.project, { relPath: ctx.file.relPath, text: ctx.file.text });
  // A Prisma nested write through a relation field (`stock: { create: {...} }`) adds rows of this model too.
  if (relatedFields.length > 0) {
    const nested = new RegExp(`\\b(${relatedFields.join('|')})\\s*:\\s*\\{\\s*(create|createMany|connectOrCreate|upsert)\\b`);
    for (const f of w.online) {
      const text = texts.text(f);
      if (text !== undefined && nested.test(text)) return false;
    }
  }
  if (sites.every((s) => s.unit === '#offline')) return true; // seeds, scripts and migrations only: what was seeded
  if (!sites.every((s) => adminOnly(w, texts, s.file, s.unit, 0))) return false;
  // Administrators add rows too: a catalogue (a menu, branches, staff) unless the rows carry a date of their own
  // (gift codes valid until a day, events, announcements: issued over time) or are one per row of another table (a
  // student's profile beside each user account: as many as the accounts).
  const declaration = prismaBody ?? modelDeclaration(w, texts, stem);
  return declaration !== undefined && !datedRows(declaration, prismaBody !== undefined) && !oneToOneProfile(declaration, prismaBody !== undefined);
}

/**
 * Some code a deploy runs adds rows of the model outside an administrator's gate (a create route, public or behind
 * a sign-in; a task): the table grows with use. False when nothing of the project writes it, or only seeds, scripts
 * and administrators do. Broader than addedByAnyUser, which asks for a route it can see open to signed-in users.
 */
export function addedOutsideAdmins(ctx: RuleContext, model: string): boolean {
  const stem = modelStem(model.replace(/^.*\./, ''));
  if (!stem) return false;
  const w = projectWriters(ctx);
  const sites = (w.byStem.get(stem) ?? []).filter((s) => s.unit !== '#offline');
  if (sites.length === 0) return false;
  const texts = projectTexts(ctx.project, { relPath: ctx.file.relPath, text: ctx.file.text });
  return sites.some((s) => !adminOnly(w, texts, s.file, s.unit, 0));
}

/**
 * Some request code any signed-in user reaches adds rows of the model (a create route with no gate beyond signing in):
 * a table that grows with its users whatever its name says (analysis/few-by-name.ts). False when no such route is
 * seen: nothing of the project writes it, only seeds, scripts, administrators or gated roles do, or the route that
 * does cannot be found (then the name decides: quiet).
 */
export function addedByAnyUser(ctx: RuleContext, model: string): boolean {
  const stem = modelStem(model.replace(/^.*\./, ''));
  if (!stem) return false;
  const w = projectWriters(ctx);
  const sites = w.byStem.get(stem) ?? [];
  if (sites.length === 0) return false;
  const texts = projectTexts(ctx.project, { relPath: ctx.file.relPath, text: ctx.file.text });
  return sites.some((s) => openRoute(w, texts, s.file, s.unit, 0, new Set()));
}

/** Some route open to any signed-in user (Unit.open) reaches `unit` of `file`: the unit itself, or a caller of it. */
function openRoute(w: ProjectWriters, texts: ProjectTexts, file: string, unit: string | undefined, depth: number, seen: Set<string>): boolean {
  if (unit === undefined || unit === '#offline' || seen.has(`${file}#${unit}`)) return false;
  seen.add(`${file}#${unit}`);
  const own = texts.text(file);
  const u = own !== undefined ? factsOf(file, own).units.get(unit) : undefined;
  if (!u || u.gated) return false;
  if (u.route || u.open) return !!u.open;
  if (!u.name || depth >= 4) return false;
  for (const { file: f, use } of usesOf(w, texts, file, unit, u)) {
    if (use.routeGated !== undefined ? use.routeOpen : openRoute(w, texts, f, use.unit, depth + 1, seen)) return true;
  }
  return false;
}

/** The calls of `u` (a named unit of `file`) in the project's online files, each with the file it is in. */
function* usesOf(w: ProjectWriters, texts: ProjectTexts, file: string, unit: string, u: Unit): Generator<{ file: string; use: Use }> {
  for (const f of w.online) {
    const text = texts.text(f);
    if (text === undefined || !text.includes(u.name)) continue;
    const other = factsOf(f, text);
    // A caller imports the callee's module, or names its class or an interface it implements (Nest injects
    // `PrismaStockRepository` where the service asks for the abstract `StockRepository`).
    if (f !== file && !imports(other, file) && !(u.classNames ?? []).some((c) => c && new RegExp(`\\b${c}\\b`).test(text))) continue;
    for (const use of other.uses) {
      if (use.name !== u.name || (f === file && use.unit === unit)) continue;
      // `this.userRepository.create(...)` is not a call of MedecinRepository.create.
      if (use.receiverClass && u.classNames && !u.classNames.includes(use.receiverClass)) continue;
      // `kc.users.create(...)` where `kc` holds a Keycloak client: declared as something that names none of the class's names.
      if (use.receiverDeclaration !== undefined && u.classNames && !u.classNames.some((c) => use.receiverDeclaration!.includes(c)) && !/\bany\b/.test(use.receiverDeclaration)) continue;
      yield { file: f, use };
    }
  }
}

/** Creation, modification and deletion stamps: every row has them, they date nothing the row is about. */
const AUTO_STAMP = /^(created|updated|deleted|modified|last_?modified)(_?at|_?on|_?date|_?time)?$/i;
const TS_DATE_FIELDS = [
  // `validUntil: Date;` (a Nest @Prop / TypeORM @Column property), `startsAt?: Date`
  /(\w+)[?!]?\s*:\s*Date\b(?!\.)/g,
  // `validUntil: { type: Date, required: true }`, `DataTypes.DATE`, `type: 'timestamp'`
  /(\w+)\s*:\s*\{[^{}]*\btype\s*:\s*(?:Date\b|DataTypes\.DATE|Sequelize\.DATE|['"](?:date|datetime|timestamp|timestamptz)['"])/g,
  // `validUntil: Date,` in a Mongoose schema object, `startsAt: DataTypes.DATE`
  /(\w+)\s*:\s*(?:Date|DataTypes\.DATE(?:ONLY)?|Sequelize\.DATE(?:ONLY)?)\s*[,}\n]/g,
];

/** The model declares a date or time field of its own (not a creation or modification stamp). */
function datedRows(declaration: string, prisma: boolean): boolean {
  if (prisma) {
    return declaration.split('\n').some((line) => {
      const f = /^\s*(\w+)\s+DateTime\b(.*)$/.exec(line);
      return f !== null && !AUTO_STAMP.test(f[1]) && !/@updatedAt|@default\(\s*now\(\)\s*\)/.test(f[2]);
    });
  }
  return TS_DATE_FIELDS.some((re) => [...declaration.matchAll(re)].some((m) => !AUTO_STAMP.test(m[1]) && m[1] !== 'type'));
}

/** One row per row of another table: a unique relation key (Prisma `userId String @unique`), `@OneToOne`, a unique `ref`. */
function oneToOneProfile(declaration: string, prisma: boolean): boolean {
  if (prisma) {
    const keys = [...declaration.matchAll(/@relation\([^)]*fields\s*:\s*\[\s*(\w+)\s*\]/g)].map((m) => m[1]);
    return keys.some((k) => new RegExp(`^\\s*${k}\\s+\\w+\\??[^\\n]*@unique\\b`, 'm').test(declaration) || new RegExp(`@@unique\\(\\s*\\[\\s*${k}\\s*\\]`).test(declaration));
  }
  return /@OneToOne\b|\bhasOne\b|\bref\s*:\s*[^,}]+,[^}]*\bunique\s*:\s*true|\bunique\s*:\s*true\s*,[^}]*\bref\s*:/.test(declaration);
}

/** Decorators and calls that declare a model: Mongoose (`@Schema`, `model('X', ...)`), TypeORM `@Entity`, Sequelize. */
const MODEL_FILE = /@Schema\s*\(|@Entity\s*\(|@Table\s*\(|extends\s+(Model|BaseEntity)\b|\bmodel\s*(<[^>]*>)?\s*\(\s*['"`]|\.define\s*\(\s*['"`]|new\s+(mongoose\.)?Schema\s*[(<]/;

/**
 * The text that declares the model of `stem`: the class body of `@Schema() class Gift`, `@Entity() class Product`,
 * `class User extends Model`, or the whole module of `mongoose.model('Gift', schema)` / `sequelize.define('gift', ...)`.
 */
function modelDeclaration(w: ProjectWriters, texts: ProjectTexts, stem: string): string | undefined {
  for (const f of w.online) {
    const text = texts.text(f);
    if (text === undefined || !MODEL_FILE.test(text)) continue;
    for (const m of text.matchAll(/\bclass\s+(\w+)[^{]*\{/g)) {
      if (modelStem(m[1]) !== stem) continue;
      const end = text.indexOf('\n}', m.index);
      return text.slice(m.index, end < 0 ? undefined : end);
    }
    for (const m of text.matchAll(/\b(?:model\s*(?:<[^>]*>)?|\.define)\s*\(\s*['"`](\w+)['"`]/g)) if (modelStem(m[1]) === stem) return text;
  }
  return undefined;
}
