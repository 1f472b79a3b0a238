/**
 * Which columns of a model name one row, as the project declares them: a where clause that compares such a column (or
 * every column of a unique compound) with one value can match one row only, whatever list method reads it.
 *
 * - Prisma: `@id`, `@unique`, `@@id([...])`, `@@unique([...])` (prisma-schema.ts).
 * - TypeORM: `@PrimaryColumn`, `@PrimaryGeneratedColumn`, `@ObjectIdColumn`, `@Column({ unique: true })`,
 *   `@Index({ unique: true })` on a property; `@Unique([...])`, `@Index([...], { unique: true })` on the class;
 *   `new EntitySchema({ name, columns: { email: { unique: true } }, uniques, indices })`.
 * - Nest Mongoose: `@Schema() class Product { @Prop({ unique: true }) sku }`.
 * - sequelize-typescript: `@PrimaryKey`, `@Unique`, `@Column({ unique: true })`; Sequelize `define('User', attrs, options)`
 *   and `User.init(attrs, options)`: `primaryKey: true`, `unique: true | 'name'`, options `indexes: [{ unique: true, fields }]`.
 * - Mongoose: `new Schema({ email: { type: String, unique: true } })` named by `model('User', schema)`,
 *   `schema.index({ a: 1, b: 1 }, { unique: true })`; `_id` always.
 *
 * Read once per file version (only files that declare models are parsed), merged per project while it is unchanged.
 */
import { ts } from 'ts-morph';
import type { RuleContext } from '../../rules/api';
import { FileVersionSlot, ProjectSlot } from '../cache';
import { projectTexts } from '../project-texts';
import { asObjectLiteral, decoratorNames, objectPropertyValue, propertyName, stringValue, unwrap } from './ast';
import { modelNamed, prismaSchemaFor } from './prisma-schema';

export interface ModelKeys {
  /** Columns that alone name one row. */
  unique: Set<string>;
  /** Column sets that together name one row. */
  compounds: string[][];
  /**
   * Rows carry a creation stamp the ORM or the app sets when they are made (TypeORM `@CreateDateColumn`, Sequelize's
   * default `timestamps`, Mongoose `{ timestamps: true }` or `default: Date.now`) or a date of their own: rows are
   * added over time.
   */
  stamped?: boolean;
  /** Fields that hold another model's row or key: Mongoose `ref`, TypeORM `@ManyToOne`/`@OneToOne`, sequelize-typescript `@ForeignKey`/`@BelongsTo`. */
  refs?: Set<string>;
  /** Every column the declaration names. */
  fields?: Set<string>;
  /** To-many relations and the model each holds: TypeORM `@OneToMany(() => Message, ...) messages` -> `messages: Message`. */
  toMany?: Map<string, string>;
}

const MAX_FILES = 4000;
const SOURCE = /\.[cm]?[jt]sx?$/;
const SKIP = /(^|\/)(node_modules|dist|build|\.next|out|coverage|vendor)\/|\.d\.ts$|\.min\.js$/;
const DECLARES_MODELS = /@Entity\b|@Table\b|@Schema\b|EntitySchema\b|\.define\s*\(|\.init\s*\(|Schema\s*(<[^>()]*>\s*)?\(/; // `new Schema<IEvent>(...)`: the TypeScript form
const PRIMARY_DECORATORS = /^(PrimaryColumn|PrimaryGeneratedColumn|ObjectIdColumn|PrimaryKey|Unique)$/;

const digests = new FileVersionSlot<Map<string, ModelKeys>>('ts-unique-keys', 400);
const slot = new ProjectSlot<{ key?: object; value?: Map<string, ModelKeys> }>('ts-unique-keys', () => ({}));

/**
 * The unique keys of the model a read names (`User`, `prisma.user`, `usersRepository`), or undefined when the project
 * does not declare it.
 */
export function uniqueKeysOf(ctx: RuleContext, orm: string, name: string): ModelKeys | undefined {
  if (orm === 'prisma') {
    const schema = prismaSchemaFor(ctx);
    const model = schema && modelNamed(schema, name);
    return model && { unique: model.unique, compounds: model.compounds };
  }
  const models = projectModels(ctx);
  const bare = name.replace(/(Repository|Repo|Model|Entity|Schema|Collection)$/, '').toLowerCase();
  return models.get(bare) ?? models.get(bare.replace(/s$/, ''));
}

function projectModels(ctx: RuleContext): Map<string, ModelKeys> {
  const texts = projectTexts(ctx.project, { relPath: ctx.file.relPath, text: ctx.file.text });
  const key = texts.stamp ?? texts.files;
  const holder = slot.get(ctx.project);
  if (holder.value && holder.key === key) return holder.value;
  const merged = new Map<string, ModelKeys>();
  const sources = texts.files.filter((f) => SOURCE.test(f) && !SKIP.test(f));
  if (sources.length <= MAX_FILES) {
    for (const f of sources) {
      const text = texts.text(f);
      if (text === undefined || !DECLARES_MODELS.test(text)) continue;
      for (const [name, keys] of digests.get(f, text, () => modelsDeclared(f, text))) {
        const known = merged.get(name);
        if (!known) merged.set(name, { unique: new Set(keys.unique), compounds: [...keys.compounds], stamped: keys.stamped, refs: new Set(keys.refs), fields: new Set(keys.fields), toMany: new Map(keys.toMany) });
        else {
          for (const c of keys.unique) known.unique.add(c);
          known.compounds.push(...keys.compounds);
          known.stamped = known.stamped || keys.stamped;
          for (const r of keys.refs ?? []) known.refs?.add(r);
          for (const f of keys.fields ?? []) known.fields?.add(f);
          for (const [r, m] of keys.toMany ?? []) known.toMany?.set(r, m);
        }
      }
    }
  }
  holder.key = key;
  holder.value = merged;
  return merged;
}

function modelsDeclared(relPath: string, text: string): Map<string, ModelKeys> {
  const sf = ts.createSourceFile(relPath, text, ts.ScriptTarget.Latest, true, /\.[cm]?js$/.test(relPath) ? ts.ScriptKind.JS : ts.ScriptKind.TS);
  const models = new Map<string, ModelKeys>();
  const keysOf = (name: string): ModelKeys => {
    const lower = name.toLowerCase();
    let keys = models.get(lower);
    if (!keys) models.set(lower, (keys = { unique: new Set(), compounds: [] }));
    return keys;
  };
  /** Mongoose schemas by variable, and the model names they are registered under. */
  const schemas = new Map<string, ModelKeys>();
  const registered: [string, string][] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isClassDeclaration(node) && node.name && decoratorNames(node).some((d) => d === 'Entity' || d === 'Table' || d === 'Schema')) entityClass(node, keysOf(node.name.text));
    if (ts.isCallExpression(node)) {
      const callee = unwrap(node.expression);
      const method = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : '';
      if (method === 'define' && node.arguments.length >= 2) {
        const name = stringValue(node.arguments[0]);
        if (name) sequelizeAttributes(node.arguments[1], node.arguments[2], keysOf(name));
      } else if (method === 'init' && ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && node.arguments.length >= 1 && asObjectLiteral(node.arguments[0])) {
        sequelizeAttributes(node.arguments[0], node.arguments[1], keysOf(callee.expression.text));
      } else if (method === 'model' && node.arguments.length >= 2 && ts.isIdentifier(unwrap(node.arguments[1]))) {
        const name = stringValue(node.arguments[0]);
        if (name) registered.push([name, (unwrap(node.arguments[1]) as ts.Identifier).text]);
      } else if (method === 'index' && ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression)) {
        const fields = asObjectLiteral(node.arguments[0]);
        const options = asObjectLiteral(node.arguments[1]);
        if (fields && options && objectPropertyValue(options, 'unique')?.kind === ts.SyntaxKind.TrueKeyword) {
          const keys = schemaKeys(schemas, callee.expression.text);
          addCompound(keys, fields.properties.map((p) => propertyName(p.name) ?? '').filter(Boolean));
        }
      }
    }
    if (ts.isNewExpression(node) && /(^|\.)EntitySchema$/.test(node.expression.getText())) entitySchema(asObjectLiteral(node.arguments?.[0]), keysOf);
    if (ts.isNewExpression(node) && /(^|\.)Schema$/.test(node.expression.getText()) && ts.isVariableDeclaration(node.parent) && ts.isIdentifier(node.parent.name)) {
      const fields = asObjectLiteral(node.arguments?.[0]);
      const keys = schemaKeys(schemas, node.parent.name.text);
      if (fields) mongooseFields(fields, keys);
      if (mongooseStamped(fields, asObjectLiteral(node.arguments?.[1]))) keys.stamped = true;
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  for (const [name, schema] of registered) {
    const keys = schemas.get(schema);
    if (!keys) continue;
    const target = keysOf(name);
    for (const c of keys.unique) target.unique.add(c);
    target.compounds.push(...keys.compounds);
    target.stamped = target.stamped || keys.stamped;
    for (const r of keys.refs ?? []) (target.refs ??= new Set()).add(r);
    for (const f of keys.fields ?? []) (target.fields ??= new Set()).add(f);
  }
  return models;
}

function schemaKeys(schemas: Map<string, ModelKeys>, name: string): ModelKeys {
  let keys = schemas.get(name);
  if (!keys) schemas.set(name, (keys = { unique: new Set(), compounds: [] }));
  return keys;
}

function addCompound(keys: ModelKeys, columns: string[]): void {
  if (columns.length === 1) keys.unique.add(columns[0]);
  else if (columns.length > 1) keys.compounds.push(columns);
}

/** `{ unique: true }`, `{ primaryKey: true }`, `{ unique: 'users_email' }` in a column's options. */
function declaresUnique(options: ts.ObjectLiteralExpression | undefined): boolean {
  if (!options) return false;
  for (const key of ['unique', 'primaryKey', 'primary']) {
    const value = objectPropertyValue(options, key);
    if (value && (value.kind === ts.SyntaxKind.TrueKeyword || ts.isStringLiteralLike(value))) return true;
  }
  return false;
}

function stringList(expr: ts.Expression | undefined): string[] {
  const e = expr && unwrap(expr);
  if (!e || !ts.isArrayLiteralExpression(e)) return [];
  return e.elements.map((x) => stringValue(x) ?? '').filter(Boolean);
}

function entityClass(cls: ts.ClassDeclaration, keys: ModelKeys): void {
  for (const d of ts.getDecorators(cls) ?? []) {
    const call = d.expression;
    if (!ts.isCallExpression(call)) continue;
    const name = call.expression.getText();
    const options = asObjectLiteral(call.arguments[0]);
    const timestamps = options && objectPropertyValue(options, 'timestamps');
    // Nest Mongoose `@Schema({ timestamps: true })`; sequelize-typescript `@Table` stamps rows unless `timestamps: false`.
    if (name === 'Schema' && timestamps !== undefined && timestamps.kind !== ts.SyntaxKind.FalseKeyword) keys.stamped = true;
    if (name === 'Table' && timestamps?.kind !== ts.SyntaxKind.FalseKeyword) keys.stamped = true;
    const list = call.arguments.map((a) => stringList(a)).find((l) => l.length > 0);
    if (!list) continue;
    if (name === 'Unique' || (name === 'Index' && call.arguments.some((a) => declaresUnique(asObjectLiteral(a))))) addCompound(keys, list);
  }
  for (const member of cls.members) {
    if (!ts.isPropertyDeclaration(member)) continue;
    const name = propertyName(member.name);
    if (!name) continue;
    (keys.fields ??= new Set()).add(name);
    for (const d of ts.getDecorators(member) ?? []) {
      const call = ts.isCallExpression(d.expression) ? d.expression : undefined;
      const decorator = (call ? call.expression : d.expression).getText();
      if (PRIMARY_DECORATORS.test(decorator) || (call && /^(Column|Index|Field|Prop)$/.test(decorator) && call.arguments.some((a) => declaresUnique(asObjectLiteral(a))))) keys.unique.add(name);
      if (STAMP_DECORATORS.test(decorator) || member.type?.getText() === 'Date' || (call && /^(Column|Prop)$/.test(decorator) && call.arguments.some((a) => DATE_TYPE.test(a.getText()))) || (call && /^(Column|Prop)$/.test(decorator) && call.arguments.some((a) => stampDefault(asObjectLiteral(a))))) keys.stamped = true;
      const target = call && /^(OneToMany|ManyToMany)$/.test(decorator) ? relationTarget(call) : undefined;
      if (target) (keys.toMany ??= new Map()).set(name, target);
      if (REF_DECORATORS.test(decorator) || (call && decorator === 'Prop' && call.arguments.some((a) => /\bref\s*:/.test(a.getText())))) (keys.refs ??= new Set()).add(name);
    }
  }
}

function sequelizeAttributes(attributes: ts.Expression, options: ts.Expression | undefined, keys: ModelKeys): void {
  const attrs = asObjectLiteral(attributes);
  if (!attrs) return;
  // Sequelize adds createdAt/updatedAt to every model unless its options say `timestamps: false`.
  const opts = asObjectLiteral(options);
  const timestamps = opts && objectPropertyValue(opts, 'timestamps');
  if (!opts || timestamps?.kind !== ts.SyntaxKind.FalseKeyword) keys.stamped = true;
  for (const p of attrs.properties) {
    if (!ts.isPropertyAssignment(p)) continue;
    const name = propertyName(p.name);
    if (name) (keys.fields ??= new Set()).add(name);
    if (name && declaresUnique(asObjectLiteral(p.initializer))) keys.unique.add(name);
    if (DATE_TYPE.test(p.initializer.getText())) keys.stamped = true;
  }
  const indexes = unwrap(objectPropertyValue(asObjectLiteral(options) ?? attrs, 'indexes') ?? attrs);
  if (!ts.isArrayLiteralExpression(indexes)) return;
  for (const index of indexes.elements) {
    const o = asObjectLiteral(index);
    if (o && objectPropertyValue(o, 'unique')?.kind === ts.SyntaxKind.TrueKeyword) addCompound(keys, stringList(objectPropertyValue(o, 'fields')));
  }
}

function mongooseFields(fields: ts.ObjectLiteralExpression, keys: ModelKeys): void {
  for (const p of fields.properties) {
    if (!ts.isPropertyAssignment(p)) continue;
    const name = propertyName(p.name);
    if (name) (keys.fields ??= new Set()).add(name);
    if (name && declaresUnique(asObjectLiteral(p.initializer))) keys.unique.add(name);
    if (name && /\bref\s*:/.test(p.initializer.getText())) (keys.refs ??= new Set()).add(name);
    if (DATE_TYPE.test(p.initializer.getText())) keys.stamped = true;
  }
}

/** A date column: Mongoose `Date` / `{ type: Date }`, Sequelize `DataTypes.DATE`, TypeORM `{ type: 'timestamp' }`. */
const DATE_TYPE = /^Date$|\btype\s*:\s*(Date\b|['"`](date|datetime|timestamp|timestamptz)['"`])|\b(DataTypes|Sequelize)\.DATE(ONLY)?\b/;

/** `@OneToMany(() => Message, (m) => m.conversation)`: `Message`. */
function relationTarget(call: ts.CallExpression): string | undefined {
  const first = call.arguments[0] && unwrap(call.arguments[0]);
  const body = first && ts.isArrowFunction(first) && ts.isExpression(first.body) ? unwrap(first.body) : undefined;
  return body && ts.isIdentifier(body) ? body.text : first && stringValue(first);
}

/** Decorators of a creation stamp (TypeORM, sequelize-typescript) and of a reference to another model's row. */
const STAMP_DECORATORS = /^(CreateDateColumn|CreatedAt)$/;
const REF_DECORATORS = /^(ManyToOne|OneToOne|ForeignKey|BelongsTo)$/;
/**
 * A default of the moment the row is made: `Date.now`, `() => new Date()`, `'CURRENT_TIMESTAMP'`, `DataTypes.NOW`, also
 * kept as text or a number (`() => new Date().toISOString()`, `() => Date.now()`).
 */
const NOW_DEFAULT = /^(Date\.now|\(\)\s*=>\s*(new Date\(\)(\.(toISOString|toJSON|getTime|valueOf)\(\))?|Date\.now\(\)|['"`](CURRENT_TIMESTAMP|now\(\))['"`])|new Date(\(\))?|['"`](CURRENT_TIMESTAMP|now\(\))['"`]|(DataTypes|Sequelize)\.NOW)$/i;

function stampDefault(options: ts.ObjectLiteralExpression | undefined): boolean {
  const value = options && objectPropertyValue(options, 'default');
  return value !== undefined && NOW_DEFAULT.test(value.getText().replace(/\s+/g, ' ').trim());
}

/** Mongoose `new Schema(fields, { timestamps: true })`, or a field `{ type: Date, default: Date.now }`. */
function mongooseStamped(fields: ts.ObjectLiteralExpression | undefined, options: ts.ObjectLiteralExpression | undefined): boolean {
  const timestamps = options && objectPropertyValue(options, 'timestamps');
  if (timestamps !== undefined && timestamps.kind !== ts.SyntaxKind.FalseKeyword) return true;
  return (fields?.properties ?? []).some((p) => ts.isPropertyAssignment(p) && stampDefault(asObjectLiteral(p.initializer)));
}

/** TypeORM `new EntitySchema({ name: 'User', columns: { id: { primary: true } }, uniques: [{ columns }], indices })`. */
function entitySchema(options: ts.ObjectLiteralExpression | undefined, keysOf: (name: string) => ModelKeys): void {
  const name = options && (stringValue(objectPropertyValue(options, 'name')) ?? stringValue(objectPropertyValue(options, 'target')));
  if (!options || !name) return;
  const keys = keysOf(name);
  const columns = asObjectLiteral(objectPropertyValue(options, 'columns'));
  for (const p of columns?.properties ?? []) {
    const column = ts.isPropertyAssignment(p) ? propertyName(p.name) : undefined;
    if (column) (keys.fields ??= new Set()).add(column);
    if (column && ts.isPropertyAssignment(p) && declaresUnique(asObjectLiteral(p.initializer))) keys.unique.add(column);
    if (column && ts.isPropertyAssignment(p) && /\bcreateDate\s*:\s*true/.test(p.initializer.getText())) keys.stamped = true;
  }
  for (const key of ['uniques', 'indices']) {
    const list = unwrap(objectPropertyValue(options, key) ?? options);
    if (!ts.isArrayLiteralExpression(list)) continue;
    for (const e of list.elements) {
      const o = asObjectLiteral(e);
      if (o && (key === 'uniques' || objectPropertyValue(o, 'unique')?.kind === ts.SyntaxKind.TrueKeyword)) addCompound(keys, stringList(objectPropertyValue(o, 'columns')));
    }
  }
}
