/**
 * n-plus-one (TS/JS), relation reads that query per row: TypeORM lazy relations (`Promise<Customer>` properties)
 * awaited in a loop over `find` results that did not load them with `relations`, and Sequelize association getters
 * (`await order.getCustomer()`) in a loop over `findAll` results. Entities are read from the file that declares them
 * (imported from the project), parsed once per text version.
 */
import { tableOfLoopRows } from '../shared/table-names';
import * as path from 'node:path';
import { ts } from 'ts-morph';
import type { FixSpec, OffsetEdit, RuleContext } from '../api';
import { FileVersionSlot, TreeSlot } from '../../analysis/cache';
import { clip } from '../shared/format';
import { asObjectLiteral, chainRoot, declarationOf, decoratorNames, hasSyntaxErrors, indexOf, objectProperty, objectPropertyValue, propertyName, stringValue, unwrap } from '../../analysis/typescript/ast';
import { insertIntoArguments, insertObjectProperty } from '../shared/typescript-edits';
import { importSource, isLocalSpecifier } from '../../analysis/typescript/imports';
import { mayHaveOrmCalls, ORM_LABEL, ormsRead, type OrmCall } from '../../analysis/typescript/orm';
import { enclosingQueryLoop, firstLine, type QueryLoop } from '../../analysis/typescript/query-loops';

const RELATION_DECORATORS = new Set(['ManyToOne', 'OneToMany', 'OneToOne', 'ManyToMany']);
const SEQUELIZE_ASSOCIATIONS = /\b(hasMany|belongsTo|hasOne|belongsToMany)/;
/** Sequelize instance methods named like getters that are not associations. */
const NOT_ASSOCIATION_GETTERS = new Set(['getDataValue', 'getTableName', 'getAttributes', 'getChangedFields']);
const ENTITY_EXTENSIONS = ['.ts', '.tsx', '.js', '.mjs', '.cjs', '/index.ts', '/index.js'];

interface EntityRelation {
  name: string;
  /** `Promise<Customer>` typed (or `lazy: true`): reading it runs a query when it was not loaded. */
  lazy: boolean;
  /** `eager: true`: loaded by every find. */
  eager: boolean;
}

/** The entity classes of an imported project file, per version of its text. */
const IMPORTED_ENTITIES = new FileVersionSlot<Map<string, Map<string, EntityRelation>>>('n-plus-one: TypeORM entities of imported files');
/** The entity classes of a parsed file. */
const ENTITY_CLASSES = new TreeSlot<Map<string, Map<string, EntityRelation>>>('n-plus-one: TypeORM entity classes');

export function checkRelationLoops(ctx: RuleContext): void {
  const text = ctx.file.text;
  const typeorm = /\bawait\b/.test(text) && /typeorm/.test(text);
  const sequelize = /\.(get|count)[A-Z]\w*\(/.test(text);
  // Both report only inside a loop over an ORM query's rows, which no file without ORM evidence has (Angular and
  // React code calls `.getX()` everywhere).
  if ((!typeorm && !sequelize) || !mayHaveOrmCalls(ctx)) return;
  const sf = ctx.typescript();
  const canFix = !hasSyntaxErrors(sf);
  // A loop's rows are always one of the file's recognised ORM calls (queryResultSource ends in ormCallOf): with
  // none of that ORM, no loop can qualify, and the per-call loop search is skipped.
  const orms = ormsRead(ctx);
  if (typeorm && orms.has('typeorm')) checkLazyRelations(ctx, sf, canFix);
  if (sequelize && orms.has('sequelize')) checkAssociationGetters(ctx, sf);
}

// ---------------------------------------------------------------------------------------------------
// TypeORM lazy relations

function checkLazyRelations(ctx: RuleContext, sf: ts.SourceFile, canFix: boolean): void {
  const reported = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isAwaitExpression(node)) {
      const read = unwrap(node.expression);
      if (ts.isPropertyAccessExpression(read) && ts.isIdentifier(read.expression)) checkLazyRead(ctx, sf, read, canFix, reported);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}

function checkLazyRead(ctx: RuleContext, sf: ts.SourceFile, read: ts.PropertyAccessExpression, canFix: boolean, reported: Set<string>): void {
  const row = read.expression as ts.Identifier;
  const loop = enclosingQueryLoop(ctx, read);
  if (!loop || loop.rows.orm !== 'typeorm' || !loop.rows.model || !isLoopRow(row, loop)) return;
  const relations = entityRelations(ctx, sf, loop.rows.model);
  const relation = relations?.get(read.name.text);
  if (!relation?.lazy || relation.eager) return;
  const loaded = loadedRelations(loop.rows);
  if (loaded === 'unknown' || loaded.has(relation.name)) return;
  const key = `${loop.node.pos}:${relation.name}`;
  if (reported.has(key)) return;
  reported.add(key);
  const q = loop.rows;
  const shown = `${row.text}.${relation.name}`;
  const fixes: FixSpec[] = [];
  const edits = canFix ? addRelationEdits(ctx.file.text, q, relation.name) : undefined;
  if (edits) fixes.push({ title: `Add ${relation.name} to the relations of ${clip(`${q.target}.${q.method}`, 40)}()`, safety: 'unsafe', edits });
  ctx.report({
    start: read.getStart(),
    end: read.getEnd(),
    messageId: 'lazy-relation',
    table: tableOfLoopRows(loop.iterable, loop.rows),
    data: { read: clip(shown, 30) },
    detail:
      `N+1 queries: ${loop.rows.model}.${relation.name} is a lazy relation (typed Promise<...>), so awaiting it queries ` +
      `once for every row of ${firstLine(loop.iterable.getText())} (from ${q.target}.${q.method}())${loop.concurrent ? ', all in flight at once' : ''}. ` +
      `Add it to the find's relations (\`relations: { ${relation.name}: true }\`): the loaded value is then returned without a query. ` +
      `The fix is unsafe: a lazy relation loaded this way is serialised by JSON.stringify as __${relation.name}__.`,
    fixes,
  });
}

/** The identifier is the row the loop binds (`for (const o of rows)`, `rows.map((o) => ...)`), not another value. */
function isLoopRow(id: ts.Identifier, loop: QueryLoop): boolean {
  const decl = declarationOf(id);
  if (!decl) return false;
  if (ts.isParameter(decl)) return decl.parent === loop.node && (loop.node as ts.FunctionLikeDeclaration).parameters?.[0] === decl;
  if (ts.isVariableDeclaration(decl) && ts.isVariableDeclarationList(decl.parent)) {
    const stmt = decl.parent.parent;
    return stmt === loop.node && ts.isForOfStatement(stmt);
  }
  return false;
}

/** Relation names a find loads (`relations: ['customer']`, `relations: { customer: true }`, `'customer.company'`). */
function loadedRelations(q: OrmCall): Set<string> | 'unknown' {
  if (q.builder) return 'unknown';
  const arg = q.call.arguments[q.optionsIndex];
  const out = new Set<string>();
  if (!arg) return /By(OrFail)?$/.test(q.method) ? 'unknown' : out;
  const options = asObjectLiteral(arg);
  if (!options || /By(OrFail)?$/.test(q.method)) return 'unknown';
  if (objectProperty(options, 'join') || options.properties.some((p) => ts.isSpreadAssignment(p))) return 'unknown';
  const relations = objectPropertyValue(options, 'relations');
  if (!relations) return out;
  const value = unwrap(relations);
  if (ts.isArrayLiteralExpression(value)) {
    for (const el of value.elements) {
      const s = stringValue(el);
      if (s === undefined) return 'unknown';
      out.add(s.split('.')[0]);
    }
    return out;
  }
  if (ts.isObjectLiteralExpression(value)) {
    for (const p of value.properties) {
      const name = ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p) ? propertyName(p.name) : undefined;
      if (name === undefined) return 'unknown';
      out.add(name);
    }
    return out;
  }
  return 'unknown';
}

/** Adds the relation to the find's options: into `relations` (array or object), else a new `relations` property. */
function addRelationEdits(text: string, q: OrmCall, relation: string): OffsetEdit[] | undefined {
  if (q.builder || /By(OrFail)?$/.test(q.method)) return undefined;
  const arg = q.call.arguments[q.optionsIndex];
  if (!arg) return q.call.arguments.length === q.optionsIndex ? [insertIntoArguments(q.call, `{ relations: { ${relation}: true } }`)] : undefined;
  const options = asObjectLiteral(arg);
  if (!options) return undefined;
  const relations = objectPropertyValue(options, 'relations');
  if (!relations) {
    const edit = insertObjectProperty(text, options, `relations: { ${relation}: true }`);
    return edit ? [edit] : undefined;
  }
  const value = unwrap(relations);
  if (ts.isObjectLiteralExpression(value)) {
    const edit = insertObjectProperty(text, value, `${relation}: true`);
    return edit ? [edit] : undefined;
  }
  if (ts.isArrayLiteralExpression(value)) {
    const quote = value.elements.map((e) => e.getText()[0]).find((c) => c === '"' || c === "'") ?? "'";
    const last = value.elements[value.elements.length - 1];
    if (!last) return [{ start: value.getStart() + 1, end: value.getEnd() - 1, newText: `${quote}${relation}${quote}` }];
    return [{ start: last.getEnd(), end: last.getEnd(), newText: `, ${quote}${relation}${quote}` }];
  }
  return undefined;
}

/** The relations of a TypeORM entity class, from the file that declares it (this one or an imported project file). */
function entityRelations(ctx: RuleContext, sf: ts.SourceFile, model: string): Map<string, EntityRelation> | undefined {
  const local = entityClasses(sf).get(model);
  if (local) return local;
  const id = importedIdentifier(sf, model);
  const source = id && importSource(id);
  if (!source || !isLocalSpecifier(source.specifier)) return undefined;
  const dir = path.posix.dirname(ctx.file.relPath);
  const base = path.posix.normalize(path.posix.join(dir, source.specifier)).replace(/\.(js|mjs|cjs)$/, '');
  for (const ext of ENTITY_EXTENSIONS) {
    const file = `${base}${ext}`;
    const text = ctx.project.readFile(file);
    if (text === undefined) continue;
    const classes = IMPORTED_ENTITIES.get(file, text, () =>
      entityClasses(ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS)),
    );
    return classes.get(source.imported === 'default' ? [...classes.keys()][0] ?? model : source.imported);
  }
  return undefined;
}

function importedIdentifier(sf: ts.SourceFile, name: string): ts.Identifier | undefined {
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st) || !st.importClause) continue;
    const clause = st.importClause;
    if (clause.name?.text === name) return clause.name;
    const bindings = clause.namedBindings;
    if (bindings && ts.isNamedImports(bindings)) for (const el of bindings.elements) if (el.name.text === name) return el.name;
  }
  return undefined;
}

/** Classes of a file with their relation properties. */
function entityClasses(sf: ts.SourceFile): Map<string, Map<string, EntityRelation>> {
  return ENTITY_CLASSES.get(sf, () => readEntityClasses(sf));
}

function readEntityClasses(sf: ts.SourceFile): Map<string, Map<string, EntityRelation>> {
  const out = new Map<string, Map<string, EntityRelation>>();
  for (const st of sf.statements) {
    if (!ts.isClassDeclaration(st) || !st.name) continue;
    const relations = new Map<string, EntityRelation>();
    for (const member of st.members) {
      if (!ts.isPropertyDeclaration(member)) continue;
      const name = propertyName(member.name);
      const decorator = decoratorNames(member).find((d) => RELATION_DECORATORS.has(d));
      if (!name || !decorator) continue;
      const options = relationOptions(member, decorator);
      const promiseTyped = !!member.type && ts.isTypeReferenceNode(member.type) && member.type.typeName.getText(sf) === 'Promise';
      relations.set(name, { name, lazy: promiseTyped || /\blazy\s*:\s*true\b/.test(options), eager: /\beager\s*:\s*true\b/.test(options) });
    }
    out.set(st.name.text, relations);
  }
  return out;
}

function relationOptions(member: ts.PropertyDeclaration, decorator: string): string {
  for (const d of ts.getDecorators(member) ?? []) {
    if (ts.isCallExpression(d.expression) && d.expression.expression.getText() === decorator) {
      return d.expression.arguments.map((a) => (ts.isObjectLiteralExpression(a) ? a.getText() : '')).join(' ');
    }
  }
  return '';
}

// ---------------------------------------------------------------------------------------------------
// Sequelize association getters

function checkAssociationGetters(ctx: RuleContext, sf: ts.SourceFile): void {
  const reported = new Set<string>();
  for (const call of indexOf(sf).calls) {
    const callee = unwrap(call.expression);
    if (!ts.isPropertyAccessExpression(callee) || !ts.isIdentifier(callee.expression)) continue;
    const method = callee.name.text;
    const m = /^(get|count)([A-Z]\w*)$/.exec(method);
    if (!m || NOT_ASSOCIATION_GETTERS.has(method)) continue;
    const loop = enclosingQueryLoop(ctx, call);
    if (!loop || loop.rows.orm !== 'sequelize' || !isLoopRow(callee.expression, loop)) continue;
    if (!declaresAssociation(ctx, sf, loop.rows, m[2])) continue;
    const key = `${loop.node.pos}:${method}`;
    if (reported.has(key)) continue;
    reported.add(key);
    const shown = `${callee.expression.text}.${method}()`;
    const counting = m[1] === 'count';
    ctx.report({
      start: call.getStart(),
      end: call.getEnd(),
      messageId: counting ? 'association-count' : 'association-getter',
      table: tableOfLoopRows(loop.iterable, loop.rows),
      data: { call: clip(shown, 36) },
      detail:
        `N+1 queries: a ${ORM_LABEL.sequelize} association ${counting ? 'counter' : 'getter'} always queries, once for every row of ` +
        `${firstLine(loop.iterable.getText())} (from ${loop.rows.target}.${loop.rows.method}())${loop.concurrent ? ', all in flight at once' : ''}. ` +
        (counting
          ? `Count them for all rows at once (\`findAll({ attributes: [..., [fn('COUNT', ...), 'n']], include, group })\`).`
          : `Load it with the rows (\`include: [{ association: '...' }]\`) and read the included property instead of calling the getter.`),
      fixes: [],
    });
  }
}

/** The project declares an association named like the getter (`Order.belongsTo(Customer)`, `as: 'customer'`, `@BelongsTo(() => Customer)`). */
function declaresAssociation(ctx: RuleContext, sf: ts.SourceFile, rows: OrmCall, suffix: string): boolean {
  const names = [suffix, singular(suffix)].flatMap((n) => [n, n[0].toLowerCase() + n.slice(1)]);
  const alternatives = [...new Set(names)].join('|');
  // Within the association call's arguments: `Order.belongsTo(Customer)`, `Order.hasMany(Item, { as: 'lines' })`.
  const evidence = new RegExp(`${SEQUELIZE_ASSOCIATIONS.source}\\s*\\([^;)]{0,200}?(\\b(${alternatives})\\b|as\\s*:\\s*['"](${alternatives})['"])`);
  const texts = [sf.text];
  // The model's import: `Order` itself, or the registry it is read from (`db.Order` with `db` from '../models').
  const callee = unwrap(rows.call.expression);
  const receiver = ts.isPropertyAccessExpression(callee) ? chainRoot(callee.expression) : undefined;
  const id = receiver && ts.isIdentifier(receiver) ? receiver : rows.model ? importedIdentifier(sf, rows.model) : undefined;
  const source = id && importSource(id);
  if (source && isLocalSpecifier(source.specifier)) {
    const dir = path.posix.dirname(ctx.file.relPath);
    const base = path.posix.normalize(path.posix.join(dir, source.specifier)).replace(/\.(js|mjs|cjs)$/, '');
    for (const ext of ENTITY_EXTENSIONS) {
      const text = ctx.project.readFile(`${base}${ext}`);
      if (text !== undefined) texts.push(text);
    }
    // Associations are often declared together in the models folder's index (`db.Order.belongsTo(db.Customer)`).
    const folder = /\/index$/.test(base) ? base : path.posix.dirname(base);
    for (const ext of ['/index.js', '/index.ts', '/associations.js', '/associations.ts']) {
      const text = ctx.project.readFile(`${folder}${ext}`);
      if (text !== undefined) texts.push(text);
    }
  }
  return texts.some((t) => evidence.test(t));
}

function singular(name: string): string {
  if (/ies$/.test(name)) return `${name.slice(0, -3)}y`;
  if (/(ss|us)$/.test(name)) return name;
  return name.replace(/s$/, '');
}
