/**
 * Django model relations read from a project's model classes: which attribute of a model is a foreign key, a
 * one-to-one, a many-to-many, or the reverse of one (`related_name`, or `<model>_set`), and which model it leads
 * to. Read from the syntax of each class body (no import of the app, no migrations): enough to tell
 * `select_related` paths from `prefetch_related` ones. A name that is not found stays unknown, and callers treat
 * unknown as "do not report".
 */
import type { Node, Tree } from 'web-tree-sitter';
import { peopleByName } from '../people-by-name';
import { keywordArgument, positionalArguments, stringValue } from './ast';
import { growthFactsOf, growthTimestamp, type GrowthFacts } from './model-growth';
import { modelMemberReads, type MemberRead } from './model-member-reads';

export type RelationKind = 'fk' | 'o2o' | 'm2m' | 'reverse-fk' | 'reverse-o2o' | 'reverse-m2m' | 'generic';

export interface ModelRelation {
  kind: RelationKind;
  /** The related model's class name; undefined for a generic foreign key. */
  target?: string;
}

/** One model class as written: its bases and its own fields. */
export interface ModelClass {
  name: string;
  bases: string[];
  /** Forward relations declared in the body. */
  relations: Map<string, { kind: 'fk' | 'o2o' | 'm2m' | 'generic'; target?: string; relatedName?: string; nullable?: boolean }>;
  /** Names of the other fields (plain columns, properties are not listed). */
  plain: Set<string>;
  /** Every field the body declares itself, relations too: attribute -> field class (`CharField`, `ForeignKey`). */
  fields: Map<string, string>;
  /** Managers declared in the body: attribute -> the manager or queryset class it is built from. */
  managers: Map<string, string>;
  /** How its rows accumulate (creation timestamps, ordering, indexes, unique constraints): see model-growth.ts. */
  growth: GrowthFacts;
  /** Properties and argument-less methods reading through `self` (model-member-reads.ts). */
  members: Map<string, MemberRead[]>;
}

const FIELD_KIND: Record<string, 'fk' | 'o2o' | 'm2m' | 'generic'> = {
  ForeignKey: 'fk',
  OneToOneField: 'o2o',
  ManyToManyField: 'm2m',
  TaggableManager: 'm2m',
  GenericForeignKey: 'generic',
  ParentalKey: 'fk',
  ParentalManyToManyField: 'm2m',
  TreeForeignKey: 'fk',
};

/** Django's own user model, when a project points at it (`settings.AUTH_USER_MODEL`) rather than defining one. */
const AUTH_USER = 'User';
/**
 * What a model field's class is read from: `models`, an alias of it (`m`), `fields`, `gis_models`; not the
 * namespaces of serializers, forms, schemas or other ORMs.
 */
const MODEL_FIELD_NAMESPACE = /^(?!(serializers|forms|filters|django_filters|graphene|ma|marshmallow|wtforms|strawberry|schemas?|pydantic|mongoengine|me|db|sa|sqlalchemy|peewee|pw|orm|ndb|scrapy)$)(\w+|\w+\.models)$/;
/** Bases a custom user model is built on. */
const USER_BASES = /^(AbstractUser|AbstractBaseUser|User)$/;
/** Integer fields that place a row by hand in a list (a trophy's `order`, a menu entry's `position`). */
const POSITION_NAME = /^(order|ordering|position|sort|sort_order|sort_key|sequence|seq|rank|display_order|menu_order)$/;
const INTEGER_FIELD = /^(IntegerField|PositiveIntegerField|PositiveSmallIntegerField|SmallIntegerField|BigIntegerField|OrderField|PositiveBigIntegerField)$/;

/** Columns a lookup list carries beside its label: names, codes, descriptions, pictures, colours, order, flags. */
const LABEL_COLUMN = /^(name|title|label|slug|code|key|value|description|desc|summary|text|note|notes|icon|color|colour|image|logo|picture|emoji|display_name|short_name|abbreviation|abbr|symbol|order|ordering|position|sort|sort_order|rank|priority|weight_order|(is|has|show)_\w+|active|enabled|visible|default|uuid)$/;
/** Own content columns from which a model reads as a record rather than a lookup list. */
const RECORD_COLUMNS = 4;

/** The model's own plain columns that are neither label columns nor flags. */
function contentColumns(model: ModelClass): number {
  let n = 0;
  for (const [field, kind] of model.fields) {
    if (model.relations.has(field) || LABEL_COLUMN.test(field) || /^(Null)?BooleanField$|AutoField$/.test(kind)) continue;
    n++;
  }
  return n;
}

/** The model's first `Meta.ordering` entry is an integer position of its own: rows arranged by hand. */
function arrangedByHand(model: ModelClass): boolean {
  const first = model.growth.orderedBy[0];
  return !!first && POSITION_NAME.test(first) && INTEGER_FIELD.test(model.fields.get(first) ?? '');
}

/** Project models named as a table of users (one row per sign-up), whatever fields they declare. */
const USER_TABLE_NAME = /^(\w*User|Users)$/;
/** A price on each row: the model is goods for sale. */
const PRICE_FIELD = /^(price|unit_price|sale_price|list_price)$/;
/** Fields that stamp a row with a date or time. */
const TIME_FIELD = /^(DateTimeField|DateField|TimeField|DurationField|CreationDateTimeField|ModificationDateTimeField|AutoCreatedField|AutoLastModifiedField)$/;

function lastName(node: Node | null | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'subscript') return lastName(node.childForFieldName('value'));
  if (node.type === 'identifier') return node.text;
  if (node.type === 'attribute') return node.childForFieldName('attribute')?.text;
  return undefined;
}

/** The class name a relation points at: `Customer`, `"Customer"`, `"shop.Customer"`, `settings.AUTH_USER_MODEL`. */
function targetName(node: Node | undefined, owner: string): string | undefined {
  if (!node) return undefined;
  const s = stringValue(node);
  if (s !== undefined) {
    if (s === 'self') return owner;
    return s.split('.').pop();
  }
  if (node.text === 'settings.AUTH_USER_MODEL' || node.text === 'get_user_model()') return AUTH_USER;
  return lastName(node);
}

/** Model-like classes of a module (any class whose body declares Django fields), by name. */
export function modelClassesIn(tree: Tree): ModelClass[] {
  const out: ModelClass[] = [];
  for (const child of tree.rootNode.namedChildren) {
    const cls = child?.type === 'decorated_definition' ? child.childForFieldName('definition') : child;
    if (cls?.type !== 'class_definition') continue;
    const model = modelClassOf(cls);
    if (model) out.push(model);
  }
  return out;
}

function modelClassOf(cls: Node): ModelClass | undefined {
  const name = cls.childForFieldName('name')?.text;
  const body = cls.childForFieldName('body');
  if (!name || !body) return undefined;
  const bases = (cls.childForFieldName('superclasses')?.namedChildren ?? []).map((b) => lastName(b)).filter((b): b is string => !!b);
  if (bases.some((b) => /Serializer$|Form$|FilterSet$|Schema$|Admin$|View$|ViewSet$/.test(b))) return undefined;
  const relations: ModelClass['relations'] = new Map();
  const plain = new Set<string>();
  const fields = new Map<string, string>();
  const managers = new Map<string, string>();
  let fieldLike = false;
  for (const statement of body.namedChildren) {
    const assignment = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    if (assignment?.type !== 'assignment') continue;
    const left = assignment.childForFieldName('left');
    const right = assignment.childForFieldName('right');
    if (left?.type !== 'identifier' || right?.type !== 'call') continue;
    const manager = managerClass(right);
    if (manager) {
      managers.set(left.text, manager);
      continue;
    }
    const fn = right.childForFieldName('function');
    const callee = lastName(fn);
    // `models.ForeignKey(...)`, `m.CharField(...)` (`from django.db import models as m`) or a bare imported name;
    // `serializers.CharField()` belongs to a serializer, `me.StringField()` to another ORM.
    if (!callee || (fn?.type === 'attribute' && !MODEL_FIELD_NAMESPACE.test(fn.childForFieldName('object')?.text ?? ''))) continue;
    const kind = FIELD_KIND[callee];
    if (kind) {
      fieldLike = true;
      const target = kind === 'generic' ? undefined : targetName(positionalArguments(right)[0] ?? keywordArgument(right, 'to'), name);
      const relatedName = stringValue(keywordArgument(right, 'related_name'));
      const nullable = keywordArgument(right, 'null')?.text === 'True';
      relations.set(left.text, { kind, target, relatedName, nullable });
      fields.set(left.text, callee);
    } else if (/Field$/.test(callee)) {
      fieldLike = true;
      plain.add(left.text);
      fields.set(left.text, callee);
    }
  }
  // A proxy model (`class Meta: proxy = True`) is a model whatever its base is named.
  const modelBase = bases.some((b) => b === 'Model' || /Model$|Mixin$|Base$/.test(b)) || /^[ \t]+proxy[ \t]*=[ \t]*True\b/m.test(body.text);
  return fieldLike || modelBase ? { name, bases, relations, plain, fields, managers, growth: growthFactsOf(body), members: modelMemberReads(body) } : undefined;
}

/** `OrderManager()`, `OrderQuerySet.as_manager()`, `Manager.from_queryset(OrderQuerySet)()`: the class that shapes the rows. */
function managerClass(call: Node): string | undefined {
  const fn = call.childForFieldName('function');
  if (!fn) return undefined;
  if (fn.type === 'identifier' && /Manager/.test(fn.text)) return fn.text;
  if (fn.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'as_manager') return lastName(fn.childForFieldName('object'));
  if (fn.type === 'call' && /\.from_queryset$/.test(fn.childForFieldName('function')?.text ?? '')) return lastName(positionalArguments(fn)[0]);
  if (fn.type === 'attribute' && /Manager$/.test(fn.childForFieldName('attribute')?.text ?? '') && fn.childForFieldName('object')?.text !== 'models') {
    return fn.childForFieldName('attribute')?.text;
  }
  return undefined;
}

/** The models of a project, with reverse relations and fields inherited from project base classes. */
export class ModelIndex {
  private readonly byName = new Map<string, ModelClass[]>();
  private readonly reverse = new Map<string, Map<string, ModelRelation>>();
  private readonly resolved = new Map<string, Map<string, ModelRelation> | null>();
  private readonly accessors = new Map<string, Set<string>>();

  constructor(classes: Iterable<ModelClass>) {
    for (const c of classes) this.byName.set(c.name, [...(this.byName.get(c.name) ?? []), c]);
    for (const c of this.byName.values()) {
      if (c.length !== 1) continue;
      const model = c[0];
      for (const [field, rel] of this.ownAndInherited(model)) {
        if (!rel.target || rel.kind === 'generic' || rel.relatedName === '+' || rel.relatedName?.endsWith('+')) continue;
        const lower = model.name.toLowerCase();
        const name = rel.relatedName?.replace('%(class)s', lower) ?? (rel.kind === 'o2o' ? lower : `${lower}_set`);
        if (name.includes('%(')) continue;
        const kind: RelationKind = rel.kind === 'fk' ? 'reverse-fk' : rel.kind === 'o2o' ? 'reverse-o2o' : 'reverse-m2m';
        const into = this.reverse.get(rel.target) ?? new Map<string, ModelRelation>();
        into.set(name, { kind, target: model.name });
        this.reverse.set(rel.target, into);
        void field;
      }
    }
  }

  /** True when the one project class of this name declares fields of its own (not only a Meta over its bases). */
  declaresFields(name: string): boolean {
    const classes = this.byName.get(name);
    return classes?.length === 1 && classes[0].fields.size > 0;
  }

  /**
   * True when `name` is a subclass of `base` that declares no fields of its own (a proxy model, `Meta: proxy = True`,
   * or a Meta-only subclass): its instances are `base`'s rows, with the same relations.
   */
  sharesRowsOf(name: string, base: string): boolean {
    const classes = this.byName.get(name);
    return classes?.length === 1 && classes[0].bases.includes(base) && classes[0].fields.size === 0 && classes[0].relations.size === 0;
  }

  /**
   * Several project classes share this name (two apps each defining `Post`) and every one is stamped with a date or
   * time of its own and not arranged by hand: whichever one a module imports, its rows pile up with use.
   */
  stampedEverywhere(name: string): boolean {
    const classes = this.byName.get(name);
    return !!classes && classes.length > 1 && classes.every((c) => !arrangedByHand(c) && [...c.fields.values()].some((f) => TIME_FIELD.test(f)));
  }

  /** What a property or argument-less method of the model (own or inherited) reads through `self`, when it reads anything. */
  memberReads(name: string, member: string): MemberRead[] | undefined {
    const classes = this.byName.get(name);
    return classes?.length === 1 ? this.withInherited(classes[0], (m) => m.members ?? new Map()).get(member) : undefined;
  }

  /** The names of the project's model classes. */
  names(): string[] {
    return [...this.byName.keys()];
  }

  /** True when exactly one project class has this name (two apps defining `Item` make it unknown). */
  has(name: string): boolean {
    return this.byName.get(name)?.length === 1;
  }

  /**
   * The relations of a model by attribute name, or undefined when the model is not a unique project class
   * (Django's own User counts as known, with its two many-to-many fields).
   */
  relationsOf(name: string): Map<string, ModelRelation> | undefined {
    const cached = this.resolved.get(name);
    if (cached !== undefined) return cached ?? undefined;
    let out: Map<string, ModelRelation> | undefined;
    const classes = this.byName.get(name);
    if (classes?.length === 1) {
      out = new Map();
      for (const [field, rel] of this.ownAndInherited(classes[0])) out.set(field, { kind: rel.kind, target: rel.target });
      for (const [field, rel] of this.reverse.get(name) ?? []) if (!out.has(field)) out.set(field, rel);
    } else if (!classes && name === AUTH_USER) {
      out = new Map([
        ['groups', { kind: 'm2m', target: 'Group' }],
        ['user_permissions', { kind: 'm2m', target: 'Permission' }],
        ...(this.reverse.get(name) ?? []),
      ]);
    }
    this.resolved.set(name, out ?? null);
    return out;
  }

  /**
   * The models `owner.<accessor>` leads to, over every project model that has a relation (forward or reverse) of that
   * name: `release.files` -> {ReleaseFile}. For a manager whose owner's model the code does not name.
   */
  accessorTargets(accessor: string): ReadonlySet<string> {
    let cached = this.accessors.get(accessor);
    if (cached) return cached;
    cached = new Set<string>();
    // Django's own user model is no project class; its reverse relations (`user.memberships`) are kept all the same.
    for (const name of new Set([...this.byName.keys(), ...this.reverse.keys()])) {
      const target = this.relationsOf(name)?.get(accessor)?.target;
      if (target) cached.add(target);
    }
    this.accessors.set(accessor, cached);
    return cached;
  }

  /**
   * The class behind `Model.<attr>` when the model declares a custom manager there (or inherits one), `null` when
   * it is Django's plain manager, undefined when the model or the attribute is unknown.
   */
  managerOf(model: string, attr: string, seen = new Set<string>()): string | null | undefined {
    const classes = this.byName.get(model);
    if (classes?.length !== 1) return undefined;
    seen.add(model);
    const own = classes[0].managers.get(attr);
    if (own) return own;
    for (const base of classes[0].bases) {
      if (seen.has(base)) continue;
      const inherited = this.managerOf(base, attr, seen);
      if (inherited !== undefined) return inherited;
    }
    return attr === 'objects' ? null : undefined;
  }

  /**
   * The creation timestamp by which the rows of a project model pile up for each owner (a ping log, page hits),
   * from the class's own fields and Meta; undefined when the model is unknown or shows no such growth.
   * `sharedParent`: the rows asked for belong to a parent many users add to (see model-growth.ts).
   */
  growthTimestamp(name: string, sharedParent = false, newestFirst: string[] = []): string | undefined {
    const classes = this.byName.get(name);
    if (classes?.length !== 1) return undefined;
    const relations = this.ownAndInherited(classes[0]);
    return growthTimestamp(name, classes[0].growth, new Set(relations.keys()), { byUser: this.userRelations(name).length > 0, sharedParent, newestFirst });
  }

  /**
   * A unique constraint over a relation caps the model's rows per owner: one role point per (story, role), one
   * membership per (team, user).
   */
  cappedPerOwner(name: string): boolean {
    const classes = this.byName.get(name);
    if (classes?.length !== 1) return false;
    const relations = this.ownAndInherited(classes[0]);
    return classes[0].growth.unique.some((fields) => fields.length > 1 && fields.some((f) => relations.has(f) || relations.has(f.replace(/_id$/, ''))));
  }

  /** The unique constraints of the one project class of this name over several fields, one of them a relation. */
  uniqueOverRelations(name: string): string[][] {
    const classes = this.byName.get(name);
    if (classes?.length !== 1) return [];
    const relations = this.ownAndInherited(classes[0]);
    return classes[0].growth.unique.filter((fields) => fields.length > 1 && fields.some((f) => relations.has(f) || relations.has(f.replace(/_id$/, ''))));
  }

  /**
   * The field is declared `unique=True` or `primary_key=True` on the one project class of this name or a project
   * base of it: `filter(field=value)` matches at most one row.
   */
  isUniqueColumn(name: string, field: string, seen = new Set<string>()): boolean {
    const classes = this.byName.get(name);
    if (classes?.length !== 1 || seen.has(name)) return false;
    seen.add(name);
    return classes[0].growth.uniqueColumns.includes(field) || classes[0].bases.some((b) => this.isUniqueColumn(b, field, seen));
  }

  /**
   * The one project class of this name (or a project base of it) declares the attribute as a field that is not a
   * relation (`CharField`, `PointField`, `JSONField`): reading it costs no query.
   */
  isPlainField(name: string, field: string, seen = new Set<string>()): boolean {
    const classes = this.byName.get(name);
    if (classes?.length !== 1 || seen.has(name)) return false;
    seen.add(name);
    return classes[0].plain.has(field) || classes[0].bases.some((b) => this.isPlainField(b, field, seen));
  }

  /** The foreign keys (own and inherited) of a project model that lead to a user. */
  userRelations(name: string): string[] {
    const classes = this.byName.get(name);
    if (classes?.length !== 1) return [];
    return [...this.ownAndInherited(classes[0])].filter(([, r]) => r.kind === 'fk' && !!r.target && this.isUserModel(r.target)).map(([field]) => field);
  }

  /** Django's user model, or a project class built on it (`class Parent(User)`, `class User(AbstractBaseUser)`). */
  isUserModel(name: string, seen = new Set<string>()): boolean {
    const classes = this.byName.get(name);
    if (!classes) return name === AUTH_USER || USER_BASES.test(name);
    if (classes.length !== 1 || seen.has(name)) return false;
    seen.add(name);
    return classes[0].bases.some((b) => USER_BASES.test(b) || (b !== name && this.byName.has(b) && this.isUserModel(b, seen)));
  }

  /**
   * A lookup or option table: rows an admin curates (a language, a certification, a dish category, a dropdown's
   * entries, a shop's collections), a handful however long the app runs. The one project class of this name declares
   * no date or time of its own (rows stamped with when they happened pile up), is not a table of users (a class named
   * `User`/`...User`: one row per sign-up), is not read in the order of a date kept on a related model (events ordered
   * by their occurrence's start), and each relation it declares leads to another such model (a room of a venue), never
   * to a user, to a model that grows, to itself or to one not found. Relations that do not make rows belong to
   * anything do not count: a many-to-many (a theme's tags, a place's voters: rows of the through table, not of this
   * one), and a nullable pointer the other side never follows back (`related_name="+"`, a collection's
   * featured product). A model whose `Meta.ordering` starts with an integer position (`order`, `position`,
   * `sort_order`) is arranged by hand, so its created/updated stamps do not make it grow. Time stamps inherited from project base classes (a `TimeStampedModel`'s created/modified) are not
   * counted; a price or a relation an abstract base declares is.
   */
  isLookup(name: string, seen = new Set<string>()): boolean {
    const classes = this.byName.get(name);
    if (classes?.length !== 1 || seen.has(name) || seen.size > 4) return false;
    const model = classes[0];
    const kinds = [...model.fields.values()];
    if (kinds.length === 0 || kinds.some((f) => f === 'GenericForeignKey' || f === 'TaggableManager')) return false;
    // Goods for sale (a price on each row: a shop's products, a store's books): the catalogue grows with the shop.
    // A price an abstract base declares (`class CarAdvert(AbstractAdvert)`) is on every row of the subclass too.
    if ([...this.fieldsWithInherited(model)].some(([field, kind]) => PRICE_FIELD.test(field) && /Decimal|Money|Float|Integer/.test(kind))) return false;
    // Rows an admin arranges by hand (`ordering = ["order", "name"]`) are curated, stamped with their edits or not.
    if (!arrangedByHand(model) && kinds.some((f) => TIME_FIELD.test(f))) return false;
    // A table of people (`Patient`, `Customer`): a row per person served, however few fields it declares.
    if (USER_TABLE_NAME.test(name) || peopleByName(name) || this.isUserModel(name) || this.orderedByRelatedTime(model)) return false;
    const path = new Set([...seen, name]);
    // Relations a project base declares (an abstract advert's seller) make the subclass's rows belong as well, except
    // an audit base's who-created/who-edited stamps, which it puts on every table, lookup lists included.
    return [...this.ownAndInherited(model)].every(([field, r]) => {
      if (!model.relations.has(field) && AUDIT_STAMP_FIELD.test(field)) return true;
      if (!r.target) return false;
      const toUsers = this.isUserModel(r.target) || USER_TABLE_NAME.test(r.target);
      if (r.kind === 'm2m') return true;
      if (r.kind === 'fk' && r.nullable && (r.relatedName === '+' || r.relatedName?.endsWith('+')) && !toUsers) return true;
      return this.isLookup(r.target, path);
    });
  }

  /**
   * Shaped as a record rather than a list of labels: several columns of its own content besides a lookup's name, code,
   * text, icon, colour, order and flags (a feed's url, email, narrator and copyright; an exercise's sets, reps,
   * weight and link). Such rows grow when users add them; a curated catalogue of records stays what its editors keep.
   */
  isRecord(name: string): boolean {
    const classes = this.byName.get(name);
    return classes?.length === 1 && contentColumns(classes[0]) >= RECORD_COLUMNS;
  }

  /**
   * A lookup table with no time stamp anywhere, inherited ones included, and no base from another package (which may
   * add one): what may be silenced even where a lookup inheriting a `TimeStampedModel` is still read as rows users add
   * (a search over user-created groups).
   */
  isStampless(name: string): boolean {
    return this.isLookup(name) && !this.isStamped(name);
  }

  /**
   * The model or a base of it has a date or time field (a creation stamp, a due date, a birthday): rows that come
   * with time rather than a fixed catalogue. A base from another package (django-extensions' TimeStampedModel) or
   * an ambiguous name may stamp its rows: counted as stamped.
   */
  isStamped(name: string, seen = new Set<string>()): boolean {
    if (seen.has(name) || name === 'Model') return false;
    const classes = this.byName.get(name);
    if (classes?.length !== 1) return true;
    seen.add(name);
    return [...classes[0].fields.values()].some((f) => TIME_FIELD.test(f)) || classes[0].bases.some((b) => this.isStamped(b, seen));
  }

  /**
   * The rows are read in the order of a date or time of their own (the first `Meta.ordering` field or `get_latest_by`
   * is a date/time field, own or inherited): a feed of posts by publish date, a history.
   */
  readInTimeOrder(name: string): boolean {
    const classes = this.byName.get(name);
    if (classes?.length !== 1) return false;
    return classes[0].growth.orderedBy.some((f) => this.isTimeField(name, f));
  }

  /** The field is a date/time field of the model or of a project base of it. */
  isTimeField(name: string, field: string, seen = new Set<string>()): boolean {
    const classes = this.byName.get(name);
    if (classes?.length !== 1 || seen.has(name)) return false;
    seen.add(name);
    return TIME_FIELD.test(classes[0].fields.get(field) ?? '') || classes[0].bases.some((b) => this.isTimeField(b, field, seen));
  }

  /**
   * The own and inherited fields of a class matching `kind` (`DateTimeField`, `FileField`), own first; empty for a
   * model that is not one project class or that deletes its own rows (model-growth.ts's `deletesItself`).
   */
  lastingFieldsOf(name: string, kind: RegExp, seen = new Set<string>()): string[] {
    const classes = this.byName.get(name);
    if (classes?.length !== 1 || seen.has(name) || classes[0].growth.deletesItself) return [];
    seen.add(name);
    const own = [...classes[0].fields].filter(([, k]) => kind.test(k)).map(([field]) => field);
    return [...own, ...classes[0].bases.flatMap((b) => this.lastingFieldsOf(b, kind, seen))];
  }

  /**
   * The DateTimeFields set when a row is made (`auto_now_add=True`, `default=timezone.now`, or named like it), own
   * then inherited: when the row's user did something, not a time the app schedules.
   */
  creationStampsOf(name: string, seen = new Set<string>()): string[] {
    const classes = this.byName.get(name);
    if (classes?.length !== 1 || seen.has(name)) return [];
    seen.add(name);
    return [...classes[0].growth.creationTimestamps, ...classes[0].bases.flatMap((b) => this.creationStampsOf(b, seen))];
  }

  /** The model declares a DateTimeField the app sets to when its event happens (an appointment's time: model-growth.ts). */
  hasEventTime(name: string): boolean {
    const classes = this.byName.get(name);
    return classes?.length === 1 && classes[0].growth.eventTimes.length > 0;
  }

  /**
   * Required foreign keys to other project models (not users) that do not make the row unique per parent: the rows
   * hang off parents, several each (a release's files, a conference's sponsors), so they multiply with the parents.
   */
  childOf(name: string): string[] {
    const classes = this.byName.get(name);
    if (classes?.length !== 1) return [];
    const model = classes[0];
    const unique = new Set([...model.growth.uniqueColumns, ...model.growth.unique.filter((f) => f.length === 1).flat()]);
    return [...this.ownAndInherited(model)]
      .filter(([field, r]) => r.kind === 'fk' && !r.nullable && !!r.target && r.target !== name && this.has(r.target) && !this.isUserModel(r.target) && !unique.has(field))
      .map(([field]) => field);
  }

  /** A field of the model or of a project base of it is of a class matching `kind` (`EmailField`), or named like `name`. */
  hasField(name: string, kind: RegExp, named?: RegExp, seen = new Set<string>()): boolean {
    const classes = this.byName.get(name);
    if (classes?.length !== 1 || seen.has(name)) return false;
    seen.add(name);
    return [...classes[0].fields].some(([field, k]) => kind.test(k) || !!named?.test(field)) || classes[0].bases.some((b) => this.hasField(b, kind, named, seen));
  }

  /**
   * The related-manager names other models' rows reach this model's rows by (`post.comment_set`, a foreign key's
   * `related_name="comments"`): `parent.comments.create(...)` adds rows of this model.
   */
  /**
   * The foreign key of `name` whose reverse accessor is `accessor` (`outward_links` -> `from_issue`): rows of
   * `owner.<accessor>` carry the owner there (Django sets it on every row without a query).
   */
  backReference(name: string, accessor: string): string | undefined {
    const classes = this.byName.get(name);
    if (classes?.length !== 1) return undefined;
    const lower = name.toLowerCase();
    const found = [...this.ownAndInherited(classes[0])].filter(([, rel]) => rel.kind === 'fk' && (rel.relatedName?.replace('%(class)s', lower) ?? `${lower}_set`) === accessor);
    return found.length === 1 ? found[0][0] : undefined;
  }

  reverseAccessors(name: string): string[] {
    const classes = this.byName.get(name);
    if (classes?.length !== 1) return [];
    const lower = name.toLowerCase();
    const out = new Set([`${lower}_set`]);
    for (const rel of this.ownAndInherited(classes[0]).values()) {
      if (rel.kind === 'fk' && rel.relatedName && /^\w+$/.test(rel.relatedName)) out.add(rel.relatedName);
      if (rel.kind === 'fk' && rel.relatedName?.includes('%(class)s')) out.add(rel.relatedName.replace('%(class)s', lower));
    }
    return [...out];
  }

  /** `ordering = ("-occurring_rule__dt_start",)`: the rows are read by a date or time kept on a related model. */
  private orderedByRelatedTime(model: ModelClass): boolean {
    for (const field of model.growth.orderedBy) {
      const steps = field.split('__');
      if (steps.length < 2) continue;
      let current: string | undefined = model.name;
      for (const step of steps.slice(0, -1)) current = current && this.relationsOf(current)?.get(step)?.target;
      const classes = current ? this.byName.get(current) : undefined;
      if (current && current !== model.name && classes?.length === 1 && TIME_FIELD.test(classes[0].fields.get(steps[steps.length - 1]) ?? '')) return true;
    }
    return false;
  }

  /** The field kinds of a class and of its project base classes (abstract models, mixins), a class's own last. */
  private fieldsWithInherited(model: ModelClass): Map<string, string> {
    return this.withInherited(model, (m) => m.fields);
  }

  /** The forward relations of a class and of its project base classes (abstract models, mixins). */
  private ownAndInherited(model: ModelClass): Map<string, ModelClass['relations'] extends Map<string, infer V> ? V : never> {
    return this.withInherited(model, (m) => m.relations);
  }

  /** `members` of a class merged over those of its project base classes (bases first, so the class's own win). */
  private withInherited<V>(model: ModelClass, members: (m: ModelClass) => ReadonlyMap<string, V>, seen = new Set<string>()): Map<string, V> {
    seen.add(model.name);
    const out = new Map<string, V>();
    for (const base of model.bases) {
      const parents = this.byName.get(base);
      if (parents?.length !== 1 || seen.has(base)) continue;
      for (const [k, v] of this.withInherited(parents[0], members, seen)) out.set(k, v);
    }
    for (const [k, v] of members(model)) out.set(k, v);
    return out;
  }
}

/** Who made or last edited a row (`created_by`, `modified_by`): an audit base's stamps, not an owner. */
const AUDIT_STAMP_FIELD = /^(?:(?:created|modified|updated|changed|edited|deleted|last_modified|last_updated)_?by(?:_user)?|creator|editor|modifier)$/;

/** True for relations whose rows come one per owner (loadable with select_related). */
export function isSingle(kind: RelationKind): boolean {
  return kind === 'fk' || kind === 'o2o' || kind === 'reverse-o2o';
}
