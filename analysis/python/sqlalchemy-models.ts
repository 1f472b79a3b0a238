/**
 * SQLAlchemy models of a project, as the N+1 analysis needs them: for each mapped class, its relationships (target
 * class, collection or scalar, loader strategy) and its columns. Classes are read from the analysed file's tree and
 * from the project modules it imports (`from app.models import Order`, `import app.models as m`, re-exports through
 * a package's `__init__.py`), resolved with the project's module index. Other modules are parsed once per text
 * version and kept in a small cache.
 *
 * Declarative 1.4/2.0 classes (`Base` subclasses, `Mapped[...]` annotations, `mapped_column`), Flask-SQLAlchemy
 * `db.Model` classes and SQLModel `Relationship(...)` fields are read; `backref=` adds the relationship to the other
 * class. A class is a model when its body declares a table, a column or a relationship, or it extends a model.
 */
import { Parser, type Node, type Tree } from 'web-tree-sitter';
import type { RuleContext } from '../../rules/api';
import { keywordArgument, positionalArguments, stringValue } from './ast';
import { importsOf, type ImportedName } from './imports';
import { pythonModules } from './module-graph';
import { projectChanges, ProjectSlot } from '../cache';

/** `lazy=` values; `select` (the default) and `dynamic` run a query per parent row. */
export type Lazy = 'select' | 'dynamic' | 'write_only' | 'eager' | 'raise' | 'noload';

export interface Relationship {
  name: string;
  /** Class name of the related model (`Item` for `relationship("Item")`, `"app.models.Item"` -> `Item`). */
  target?: string;
  lazy: Lazy;
  /** True for a list, false for a single row; undefined when the declaration does not say. */
  collection?: boolean;
}

export interface Model {
  name: string;
  /** `__tablename__`, else Flask-SQLAlchemy's default (`BlogPost` -> `blog_post`). */
  table: string;
  relationships: Map<string, Relationship>;
  columns: Set<string>;
  /** Foreign key columns -> the table they reference (`user_id = Column(ForeignKey("user.id"))`). */
  foreignKeys: Map<string, string>;
  /**
   * The attributes each `def name(self)` method of the class reads on self (`to_dict` reading `self.comments`), in
   * the order read: a per-row DTO builder called in a loop loads each relationship it reads. Writes are left out.
   */
  selfReads?: Map<string, string[]>;
}

/** What one module declares: its models, backrefs it adds to other classes, its imports (for re-exports). */
interface ModuleModels {
  models: Map<string, Model>;
  backrefs: { owner: string; relationship: Relationship }[];
  origins: ReadonlyMap<string, ImportedName>;
  /** Modules it star-imports (`from .order import *` in a models package's `__init__.py`): re-exports too. */
  stars: string[];
}

const RELATIONSHIP_CALLS = new Set(['relationship', 'relation', 'Relationship']);
const COLUMN_CALLS = new Set(['Column', 'mapped_column', 'column_property', 'Field', 'synonym', 'deferred', 'composite']);
const MAX_DEPTH = 4;
const MAX_CACHED = 300;

const LAZY: Record<string, Lazy> = {
  select: 'select', True: 'select', dynamic: 'dynamic', write_only: 'write_only',
  joined: 'eager', selectin: 'eager', subquery: 'eager', immediate: 'eager', False: 'eager',
  raise: 'raise', raise_on_sql: 'raise', noload: 'noload', None: 'noload',
};

const byTree = new WeakMap<Tree, ModuleModels>();
const byFile = new Map<string, { text: string; models: ModuleModels }>();

/** True when the text may declare or use SQLAlchemy models (a cheap test before any tree work). */
export function mentionsSqlalchemy(text: string): boolean {
  return SQLALCHEMY_NAMES.test(text) || QUERY_PROPERTY.test(text);
}

/** Per project: the Python modules that mention SQLAlchemy, for a file list and a count of changes of other files. */
const projectMentions = new ProjectSlot<{ files?: readonly string[]; changes?: number; mentioning: string[] }>('sqlalchemy-mentions', () => ({ mentioning: [] }));

/**
 * True when some Python module of the project may declare or use SQLAlchemy models: without one, no call of the
 * project names a model (what project-wide model checks ask before reading every call). The other modules are read
 * once per change of the project (a batch scan reads them once); the analysed file is read anew.
 */
export function projectMentionsSqlalchemy(ctx: RuleContext): boolean {
  if (SQLALCHEMY_NAMES.test(ctx.file.text)) return true;
  const files = ctx.project.files();
  const changes = projectChanges(ctx.project, ctx.file.relPath);
  const memo = projectMentions.get(ctx.project);
  // The list may hold the analysed file as it was on disk: its own text was read above, so it is left out of the answer.
  if (memo.files !== files || memo.changes !== changes) {
    const read = ctx.project.peekFile ?? ctx.project.readFile;
    memo.files = files;
    memo.changes = changes;
    memo.mentioning = files.filter((f) => f.endsWith('.py') && SQLALCHEMY_NAMES.test(read.call(ctx.project, f) ?? ''));
  }
  return memo.mentioning.some((f) => f !== ctx.file.relPath);
}

/** mentionsSqlalchemy's two patterns (for answering it per statement, statements.ts's fileMatches). */
export const SQLALCHEMY_NAMES = /\b(sqlalchemy|flask_sqlalchemy|sqlmodel)\b/;
export const QUERY_PROPERTY = /\.query\b/;

/** The models a tree declares (cached per tree). */
function treeModels(tree: Tree): ModuleModels {
  let found = byTree.get(tree);
  if (!found) byTree.set(tree, (found = readModels(tree)));
  return found;
}

/** The model a name or dotted expression (`Order`, `models.Order`) is, in the analysed file; undefined if unknown. */
export function modelNamed(ctx: RuleContext, tree: Tree, expression: Node): Model | undefined {
  const here = treeModels(tree);
  if (expression.type === 'identifier') {
    const local = here.models.get(expression.text);
    if (local) return local;
    const origin = here.origins.get(expression.text);
    if (origin) return importedModel(ctx, ctx.file.relPath, origin.module, origin.name, 0);
    for (const star of here.stars) {
      const found = importedModel(ctx, ctx.file.relPath, star, expression.text, 0);
      if (found) return found;
    }
    return undefined;
  }
  if (expression.type === 'attribute') {
    const object = expression.childForFieldName('object');
    const name = expression.childForFieldName('attribute')?.text;
    if (object?.type !== 'identifier' || !name) return undefined;
    const origin = here.origins.get(object.text);
    if (origin) return importedModel(ctx, ctx.file.relPath, joinModule(origin.module, origin.name), name, 0);
    // `import app.models` then `app.models.Order`: not followed.
  }
  return undefined;
}

/**
 * A relationship of a model, declared on it or added by another model's `backref=`. When the declaration does not
 * say whether it is a list, the foreign keys do: a key on this model to the target's table makes it many-to-one,
 * a key on the target to this model's table one-to-many.
 */
export function relationshipOf(ctx: RuleContext, tree: Tree, model: Model, name: string): Relationship | undefined {
  const found = declaredRelationship(tree, model, name);
  if (!found || found.collection !== undefined) return found;
  const target = targetModel(ctx, tree, found);
  if (!target) return found;
  const references = (from: Model, to: Model) => [...from.foreignKeys.values()].includes(to.table);
  const toTarget = references(model, target);
  const fromTarget = references(target, model);
  return toTarget === fromTarget ? found : { ...found, collection: fromTarget };
}

function declaredRelationship(tree: Tree, model: Model, name: string): Relationship | undefined {
  const own = model.relationships.get(name);
  if (own) return own;
  if (model.columns.has(name)) return undefined;
  const modules = [treeModels(tree), ...[...byFile.values()].map((v) => v.models)];
  for (const m of modules) {
    for (const b of m.backrefs) if (b.owner === model.name && b.relationship.name === name) return b.relationship;
  }
  return undefined;
}

/** The model a relationship points to, looked up where its owner could see it: this file and the parsed modules. */
export function targetModel(ctx: RuleContext, tree: Tree, relationship: Relationship): Model | undefined {
  const name = relationship.target;
  if (!name) return undefined;
  const here = treeModels(tree);
  const local = here.models.get(name);
  if (local) return local;
  const origin = here.origins.get(name);
  if (origin) {
    const imported = importedModel(ctx, ctx.file.relPath, origin.module, origin.name, 0);
    if (imported) return imported;
  }
  for (const { models } of byFile.values()) {
    const m = models.models.get(name);
    if (m) return m;
  }
  return undefined;
}

function joinModule(module: string, name: string): string {
  return module.endsWith('.') ? `${module}${name}` : `${module}.${name}`;
}

/** Class `name` of `module` as imported from `fromFile`, following re-exports a few modules deep. */
function importedModel(ctx: RuleContext, fromFile: string, module: string, name: string, depth: number): Model | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const file = resolveModule(ctx, fromFile, module);
  if (!file) return undefined;
  const models = fileModels(ctx, file);
  if (!models) return undefined;
  const found = models.models.get(name);
  if (found) return found;
  const origin = models.origins.get(name);
  if (origin) return importedModel(ctx, file, origin.module, origin.name, depth + 1);
  // `from app.models import Order` where `app/models/__init__.py` does `from .order import *`.
  for (const star of models.stars) {
    const found = importedModel(ctx, file, star, name, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** The project file a module name refers to, from `fromFile`; undefined outside the project. */
export function resolveModule(ctx: RuleContext, fromFile: string, module: string): string | undefined {
  const index = pythonModules(ctx.project).index(['']);
  const absolute = module.startsWith('.') ? index.absoluteName(fromFile, module) : module;
  if (!absolute) return undefined;
  const found = index.resolve(absolute);
  if (found) return found.file;
  // An app below the project root (`backend/app/models.py` imported as `app.models`): the file nearest the importer.
  const stem = absolute.split('.').join('/');
  const candidates = ctx.project.files().filter((f) => f.endsWith(`/${stem}.py`) || f.endsWith(`/${stem}/__init__.py`));
  const dir = fromFile.split('/').slice(0, -1).join('/');
  if (candidates.length === 0) {
    // One file linted alone: its neighbours on disk, where Python would find them.
    const near = [`${stem}.py`, `${stem}/__init__.py`].flatMap((f) => (dir ? [`${dir}/${f}`, f] : [f]));
    return near.find((f) => ctx.project.readFile(f) !== undefined);
  }
  return candidates.sort((a, b) => commonPrefix(b, dir) - commonPrefix(a, dir))[0];
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** Another module's models, parsed once per text version. */
function fileModels(ctx: RuleContext, file: string): ModuleModels | undefined {
  if (file === ctx.file.relPath) return treeModels(ctx.python());
  const text = ctx.project.readFile(file);
  if (text === undefined) return undefined;
  const cached = byFile.get(file);
  if (cached && cached.text === text) return cached.models;
  let models: ModuleModels = { models: new Map(), backrefs: [], origins: new Map(), stars: [] };
  if (mentionsSqlalchemy(text) || /\b(relationship|Column|mapped_column)\b/.test(text) || /^\s*from\s/m.test(text)) {
    const parser = new Parser();
    try {
      parser.setLanguage(ctx.python().language);
      const tree = parser.parse(text);
      if (tree) {
        try {
          models = readModels(tree);
        } finally {
          tree.delete();
        }
      }
    } catch {
      // an unparsable module declares nothing we can use
    } finally {
      parser.delete();
    }
  }
  byFile.delete(file);
  byFile.set(file, { text, models });
  while (byFile.size > MAX_CACHED) byFile.delete(byFile.keys().next().value!);
  return models;
}

/** Reads the mapped classes of a module tree (the values copied out: the tree may be deleted afterwards). */
function readModels(tree: Tree): ModuleModels {
  const models = new Map<string, Model>();
  const backrefs: ModuleModels['backrefs'] = [];
  const origins = new Map(importsOf(tree).origins);
  for (const statement of tree.rootNode.namedChildren) {
    const cls = statement?.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
    if (cls?.type !== 'class_definition') continue;
    const name = cls.childForFieldName('name')?.text;
    const body = cls.childForFieldName('body');
    if (!name || !body) continue;
    const model: Model = { name, table: snakeCase(name), relationships: new Map(), columns: new Set(), foreignKeys: new Map(), selfReads: new Map() };
    let mapped = false;
    const bases = cls.childForFieldName('superclasses')?.namedChildren ?? [];
    for (const base of bases) {
      const parent = base && models.get(base.text);
      if (!parent) continue;
      mapped = true;
      for (const [k, v] of parent.relationships) model.relationships.set(k, v);
      for (const c of parent.columns) model.columns.add(c);
      for (const [k, v] of parent.foreignKeys) model.foreignKeys.set(k, v);
      for (const [k, v] of parent.selfReads ?? []) model.selfReads!.set(k, v);
    }
    for (const [method, reads] of selfReadsOf(body)) model.selfReads!.set(method, reads);
    for (const member of body.namedChildren) {
      const assignment = member?.type === 'expression_statement' ? member.namedChildren[0] : undefined;
      if (assignment?.type !== 'assignment') continue;
      const left = assignment.childForFieldName('left');
      if (left?.type !== 'identifier') continue;
      if (left.text === '__tablename__' || left.text === '__table__') mapped = true;
      if (left.text === '__tablename__') model.table = stringValue(assignment.childForFieldName('right')) ?? model.table;
      const right = assignment.childForFieldName('right');
      const annotation = assignment.childForFieldName('type')?.text;
      const call = right?.type === 'call' ? right : undefined;
      const callee = call ? lastName(call.childForFieldName('function')) : undefined;
      if (call && callee && RELATIONSHIP_CALLS.has(callee)) {
        mapped = true;
        const rel = relationshipFrom(name, left.text, call, annotation, body.text);
        model.relationships.set(rel.name, rel);
        const backref = backrefFrom(call, name, rel);
        if (backref && rel.target) backrefs.push({ owner: rel.target, relationship: backref });
      } else if (annotation && /\b(DynamicMapped|WriteOnlyMapped)\[/.test(annotation)) {
        mapped = true;
        model.relationships.set(left.text, { name: left.text, target: annotatedTarget(annotation), lazy: /Dynamic/.test(annotation) ? 'dynamic' : 'write_only', collection: true });
      } else {
        if (call && callee && COLUMN_CALLS.has(callee)) mapped = true;
        if (annotation && /\bMapped\[/.test(annotation)) mapped = true;
        model.columns.add(left.text);
        const fk = right ? /\b(?:ForeignKey\(\s*|foreign_key\s*=\s*)["']([\w.]+)\.\w+["']/.exec(right.text)?.[1] : undefined;
        if (fk) model.foreignKeys.set(left.text, fk.split('.').pop()!);
      }
    }
    if (mapped) models.set(name, model);
  }
  const stars: string[] = [];
  for (const statement of tree.rootNode.namedChildren) {
    if (statement?.type !== 'import_from_statement' || !statement.namedChildren.some((c) => c?.type === 'wildcard_import')) continue;
    const module = statement.childForFieldName('module_name')?.text;
    if (module) stars.push(module);
  }
  return { models, backrefs, origins, stars };
}

/** `self.items` read, not assigned (`self.items = [...]`, `self.items += ...`). */
const SELF_READ = /(?<![\w.])self\.(\w+)\b(?!\s*(?:[-+*/|&]?=(?!=)))/g;

/** `def name(self)` methods of a class body (not static or class methods) and the `self.<attr>` each reads. */
function selfReadsOf(body: Node): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const child of body.namedChildren) {
    const decorated = child?.type === 'decorated_definition';
    const def = decorated ? child.childForFieldName('definition') : child;
    if (def?.type !== 'function_definition') continue;
    if (decorated && /@(staticmethod|classmethod)\b/.test(child.text.slice(0, def.startIndex - child.startIndex))) continue;
    const params = def.childForFieldName('parameters')?.namedChildren ?? [];
    const name = def.childForFieldName('name')?.text;
    if (!name || params.length !== 1 || params[0]?.text !== 'self') continue;
    // Read from the body's text (no tree query: a models module is re-read on each of its keystrokes).
    const reads: string[] = [];
    for (const m of (def.childForFieldName('body')?.text ?? '').matchAll(SELF_READ)) if (!reads.includes(m[1])) reads.push(m[1]);
    out.set(name, reads);
  }
  return out;
}

function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

function lastName(node: Node | null | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'identifier') return node.text;
  if (node.type === 'attribute') return node.childForFieldName('attribute')?.text;
  return undefined;
}

function relationshipFrom(owner: string, name: string, call: Node, annotation: string | undefined, classBody: string): Relationship {
  const first = positionalArguments(call)[0];
  let target = targetName(first) ?? (annotation ? annotatedTarget(annotation) : undefined);
  const kwargs = keywordArgument(call, 'sa_relationship_kwargs');
  const lazyNode = keywordArgument(call, 'lazy');
  const lazyText = lazyNode ? stringValue(lazyNode) ?? lazyNode.text : kwargs ? /["']lazy["']\s*:\s*["'](\w+)["']/.exec(kwargs.text)?.[1] : undefined;
  const lazy: Lazy = lazyText === undefined ? 'select' : LAZY[lazyText] ?? 'eager';
  const uselist = keywordArgument(call, 'uselist')?.text;
  let collection: boolean | undefined;
  if (uselist === 'False') collection = false;
  else if (uselist === 'True' || keywordArgument(call, 'secondary') || lazy === 'dynamic' || lazy === 'write_only') collection = true;
  else if (annotation && /\bMapped\[/.test(annotation)) collection = /Mapped\[\s*(typing\.)?(list|List|set|Set|Sequence|Iterable|AbstractSet|MutableSet)\[/.test(annotation);
  else if (annotation && /^\s*(list|List|set|Set)\[/.test(annotation)) collection = true; // SQLModel: `items: list["Item"] = Relationship(...)`
  else if (new RegExp(`^\\s*${name}_id\\b[^\\n]*ForeignKey\\(`, 'm').test(classBody)) collection = false;
  if (!target && annotation) target = annotatedTarget(annotation);
  if (collection === undefined) {
    // `foreign_keys="Users.team_id"` / `foreign_keys=[team_id]`: a key on the owner makes it many-to-one.
    const fk = keywordArgument(call, 'foreign_keys')?.text ?? '';
    const m = /^\[?\s*["']?(?:(\w+)\.)?(\w+)/.exec(fk);
    if (m && (m[1] === undefined || m[1] === owner)) collection = false;
    else if (m && m[1] === target) collection = true;
  }
  return { name, target, lazy, collection };
}

/** `"Item"`, `Item`, `"app.models.Item"`, `lambda: Item` -> `Item`. */
function targetName(node: Node | undefined): string | undefined {
  if (!node) return undefined;
  const s = stringValue(node);
  if (s !== undefined) return /^[\w.]+$/.test(s) ? s.split('.').pop() : undefined;
  if (node.type === 'identifier') return node.text;
  if (node.type === 'attribute') return node.childForFieldName('attribute')?.text;
  if (node.type === 'lambda') return targetName(node.childForFieldName('body') ?? undefined);
  return undefined;
}

/** `Mapped[list["Item"]]`, `Mapped[Optional["Customer"]]`, `Mapped["Customer | None"]` -> the class name. */
function annotatedTarget(annotation: string): string | undefined {
  const inner = /Mapped\[(.*)\]\s*$/s.exec(annotation)?.[1] ?? annotation;
  const names = [...inner.matchAll(/[A-Za-z_][\w.]*/g)]
    .map((m) => m[0].split('.').pop()!)
    .filter((n) => !/^(list|List|set|Set|Optional|Union|None|Sequence|Iterable|typing|AbstractSet|MutableSet|Mapped)$/.test(n));
  return names.length === 1 ? names[0] : undefined;
}

/** `backref="order"` / `backref=backref("order", lazy="joined")`: the relationship it adds to the target class. */
function backrefFrom(call: Node, owner: string, rel: Relationship): Relationship | undefined {
  const arg = keywordArgument(call, 'backref');
  if (!arg) return undefined;
  let name = stringValue(arg);
  let lazy: Lazy = 'select';
  let collection = keywordArgument(call, 'secondary') ? true : rel.collection === undefined ? undefined : !rel.collection;
  if (name === undefined && arg.type === 'call' && lastName(arg.childForFieldName('function')) === 'backref') {
    name = stringValue(positionalArguments(arg)[0]);
    const lazyNode = keywordArgument(arg, 'lazy');
    if (lazyNode) lazy = LAZY[stringValue(lazyNode) ?? lazyNode.text] ?? 'eager';
    const uselist = keywordArgument(arg, 'uselist')?.text;
    if (uselist === 'False') collection = false;
    else if (uselist === 'True') collection = true;
  }
  if (!name || !/^\w+$/.test(name)) return undefined;
  if (lazy === 'dynamic') collection = true;
  return { name, target: owner, lazy, collection };
}
