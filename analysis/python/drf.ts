/**
 * The DRF model of a project: its Django models (relations) and serializers, and, for a serializer used on many
 * rows, the relation paths it reads per row (`customer`, `items__product`) with the kind of load each needs
 * (`select_related` for a chain of foreign keys / one-to-ones, `prefetch_related` past a reverse or many-to-many
 * relation) and where the serializer reads it.
 *
 * Facts are extracted once per module version (per top-level class statement for the file being edited, so a
 * keystroke re-reads one class) and kept per project view; only the files that mention serializers or model
 * fields are parsed.
 */
import { Parser, type Tree } from 'web-tree-sitter';
import { isPlainMigration } from './django-migrations';
import type { ProjectInfo } from '../../rules/api';
import { topLevelStatements } from './statements';
import { projectChanges, ProjectSlot, StatementSlot } from '../cache';
import { mark } from '../timeline';
import { factsExchange } from '../shared-facts';
import { projectTexts, type ProjectTexts } from '../project-texts';
import { isSingle, ModelIndex, modelClassesIn, type ModelClass, type ModelRelation } from './django-models';
import { serializerClassesIn, type DeclaredField, type ObjectRead, type SerializerClass, type Span } from './drf-serializers';

export type { Span } from './drf-serializers';

/** DRF's own serializer bases: a chain of project classes must end at one of these. */
const DRF_SERIALIZERS = new Set(['Serializer', 'ModelSerializer', 'HyperlinkedModelSerializer', 'BaseSerializer', 'ListSerializer']);
/** Related fields and what they read of a single related row: `pk` reads only `<fk>_id`, the others load the row. */
const RELATED_FIELDS: Record<string, 'pk' | 'row'> = {
  PrimaryKeyRelatedField: 'pk',
  HyperlinkedRelatedField: 'pk',
  HyperlinkedIdentityField: 'pk',
  StringRelatedField: 'row',
  SlugRelatedField: 'row',
  RelatedField: 'row',
};
/** Manager methods and what one call per row costs. */
const LOADING_CALLS = new Set(['all']);
const COUNT_CALLS = new Set(['count']);
const EXISTS_CALLS = new Set(['exists']);
const QUERY_CALLS = new Set(['filter', 'exclude', 'order_by', 'first', 'last', 'latest', 'earliest', 'get', 'values', 'values_list', 'aggregate', 'annotate', 'distinct']);
const MAX_NESTING = 6;

export type NeedKind = 'load' | 'count' | 'exists' | 'query';

/** One relation path a serializer reads per row. */
export interface RelationNeed {
  /** Lookup path from the listed model: `customer__company`. */
  path: string;
  method: 'select_related' | 'prefetch_related';
  kind: NeedKind;
  /** The manager method called (`count`, `filter`) for count/exists/query needs. */
  call?: string;
  /** Serializer class that reads it, and how: `CustomerSerializer`, `obj.items.count()`, `Meta.fields "tags"`. */
  serializer: string;
  how: string;
  /** Where it is read: the serializer's module and the field, method read or Meta entry. */
  file: string;
  span: Span;
}

interface FileFacts {
  text: string;
  loading: string[];
  models: ModelClass[];
  modelsKey: string;
  serializersKey: string;
  serializers: SerializerClass[];
}

/**
 * Files worth parsing: they may declare serializers or model fields (a lookup table of plain fields too: which
 * models are curated option lists is read from them).
 */
const RELEVANT = /Serializer|ForeignKey|ManyToManyField|OneToOneField|TaggableManager|Manager|QuerySet|Field\(/;

/** Per class statement text: its facts with offsets relative to the statement (reused across keystrokes). */
const statementFacts = new StatementSlot<StatementFacts>('DRF: class facts');

interface StatementFacts {
  models: ModelClass[];
  serializers: SerializerClass[];
  loading?: string;
  /** Fingerprints of the content (offsets left out): what the project's version is built from. */
  modelsKey: string;
  serializersKey: string;
}

let parser: Parser | undefined;

const NO_FACTS: TreeFacts = { models: [], serializers: [], loading: [], modelsKey: '', serializersKey: '' };

interface TreeFacts {
  models: ModelClass[];
  serializers: SerializerClass[];
  /** Classes whose body calls select_related/prefetch_related (managers and querysets that load relations). */
  loading: string[];
  modelsKey: string;
  serializersKey: string;
}

/** The edited file's serializers at their last offsets, by statement text id: reused while a statement keeps its place. */
type ShiftMemo = Map<number, { start: number; serializers: SerializerClass[] }>;

function factsOfTree(tree: Tree, file: string, memo?: { last: ShiftMemo; next: ShiftMemo }): TreeFacts {
  const models: ModelClass[] = [];
  const serializers: SerializerClass[] = [];
  const loading: string[] = [];
  const modelKeys: string[] = [];
  const serializerKeys: string[] = [];
  for (const statement of topLevelStatements(tree)) {
    if (statement.type !== 'class_definition' && statement.type !== 'decorated_definition') continue;
    const facts = statementFacts.answer(statement, file, () => classFacts(statement.node, file, statement.start));
    models.push(...facts.models);
    if (facts.serializers.length > 0) {
      const last = memo?.last.get(statement.textId);
      const placed = last && last.start === statement.start ? last.serializers : facts.serializers.map((s) => shifted(s, statement.start));
      memo?.next.set(statement.textId, { start: statement.start, serializers: placed });
      serializers.push(...placed);
    }
    if (facts.loading) loading.push(facts.loading);
    if (facts.modelsKey) modelKeys.push(facts.modelsKey);
    if (facts.serializersKey) serializerKeys.push(facts.serializersKey);
  }
  return { models, serializers, loading, modelsKey: modelKeys.join(','), serializersKey: serializerKeys.join(',') };
}

/** One class statement's facts, offsets relative to its start. */
function classFacts(node: Tree['rootNode'], file: string, start: number): StatementFacts {
  const wrapper = { rootNode: { namedChildren: [node] } } as unknown as Tree;
  const models = modelClassesIn(wrapper);
  const serializers = serializerClassesIn(wrapper, file).map((s) => shifted(s, -start));
  const loading = /\b(select_related|prefetch_related)\b/.test(node.text) ? /^\s*(?:@[^\n]*\n\s*)*class\s+(\w+)/.exec(node.text)?.[1] : undefined;
  return {
    models,
    serializers,
    loading,
    modelsKey: models.length || loading ? digest(JSON.stringify([models, loading], withoutSpans)) : '',
    serializersKey: serializers.length ? digest(JSON.stringify(serializers, withoutSpans)) : '',
  };
}

function shifted(s: SerializerClass, delta: number): SerializerClass {
  const move = (sp: Span): Span => ({ start: sp.start + delta, end: sp.end + delta });
  const moveOpt = (sp: Span | undefined) => (sp ? move(sp) : undefined);
  return {
    ...s,
    span: move(s.span),
    fieldSpans: new Map([...s.fieldSpans].map(([k, v]) => [k, move(v)])),
    fieldsSpan: moveOpt(s.fieldsSpan),
    depthSpan: moveOpt(s.depthSpan),
    declared: s.declared.map((d) => ({ ...d, span: move(d.span) })),
    methods: new Map([...s.methods].map(([k, reads]) => [k, reads.map((r) => ({ ...r, span: move(r.span) }))])),
  };
}

/** The models and serializers of one project, kept up to date with the texts the project view serves. */
export class DrfProject {
  private readonly files = new Map<string, FileFacts>();
  private modelIndex?: ModelIndex;
  private modelsVersion = '';
  private serializersByName = new Map<string, SerializerClass[]>();
  private loadingClasses = new Set<string>();
  private otherChanges = 0;
  private currentKey = '';
  private currentFacts?: FileFacts;
  /** The edited file's placed serializers of the last update (see factsOfTree). */
  private placed: ShiftMemo = new Map();
  private placedFile = '';
  /** What the last update saw (projectTexts' stamp, the checked file and its text). */
  private lastStamp?: object;
  private lastFile = '';
  private lastText = '';
  /**
   * The project as of the last update (its file list, its whole change count, its listed .py files): when neither
   * changed, another file's update need only look at that file and at the last one (a batch scan checks each file
   * of an unchanged project in turn; the full loop read all of its modules' texts again for every file).
   */
  private lastProject?: { files: readonly string[]; changes: number; python: ReadonlySet<string> };

  /**
   * Changes whenever a fact a finding may depend on changes: another module's text, or the edited module's
   * serializers and models (their content, not their offsets, so typing elsewhere in the file keeps it).
   */
  get version(): string {
    return `${this.otherChanges}\u0000${this.currentKey}`;
  }

  /** Brings every relevant file's facts to its current text; the edited file comes from its tree. */
  update(project: ProjectInfo, current: { relPath: string; text: string; tree: Tree }): void {
    const texts = projectTexts(project, current);
    // No other file changed since the last update of this file: only its own facts can have changed (a keystroke),
    // and none when it has the same text either.
    const sameFile = texts.stamp !== undefined && texts.stamp === this.lastStamp && current.relPath === this.lastFile;
    if (sameFile && current.text === this.lastText) return;
    const unchanged = !sameFile && this.unchangedProjectFor(project, texts, current.relPath);
    const onlyCurrent = sameFile || unchanged;
    this.lastStamp = undefined;
    const lastProject = this.lastProject;
    this.lastProject = undefined;
    // (Every other file keeps its text, so the loop below would skip it: the project's 300 modules are not looked at.)
    const paths = onlyCurrent ? [current.relPath] : texts.files.filter((f) => f.endsWith('.py'));
    if (!paths.includes(current.relPath)) paths.push(current.relPath);
    /** The edited file's serializers before this update (when only they can have changed). */
    const replaced = onlyCurrent ? this.files.get(current.relPath)?.serializers : undefined;
    let serializersChanged = false;
    let modelsChanged = false;
    const seen = new Set<string>();
    const others = new OtherModules(current.tree);
    try {
      for (const rel of paths) {
        seen.add(rel);
        const text = texts.text(rel);
        const cached = this.files.get(rel);
        if (cached && cached.text === text) continue;
        if (text === undefined) {
          this.otherChanges++;
          if (cached) this.files.delete(rel);
          serializersChanged = modelsChanged = true;
          continue;
        }
        if (rel !== current.relPath) this.otherChanges++;
        let facts: TreeFacts;
        // (a migration's fields are the models as they were: its class declares none, so it is not parsed)
        if (!RELEVANT.test(text) || (rel !== current.relPath && isPlainMigration(text))) facts = NO_FACTS;
        else if (rel === current.relPath) {
          const next: ShiftMemo = new Map();
          facts = factsOfTree(current.tree, rel, { last: this.placedFile === rel ? this.placed : new Map(), next });
          this.placed = next;
          this.placedFile = rel;
        } else facts = others.facts(text, rel);
        const modelsKey = facts.modelsKey;
        if (!cached || cached.modelsKey !== modelsKey) modelsChanged = true;
        if (!cached || cached.serializersKey !== facts.serializersKey || cached.serializers.length > 0) serializersChanged = true;
        this.files.set(rel, { text, models: facts.models, modelsKey, serializersKey: facts.serializersKey, serializers: facts.serializers, loading: facts.loading });
      }
    } finally {
      others.publish();
    }
    if (!onlyCurrent) for (const rel of [...this.files.keys()]) {
      if (!seen.has(rel)) {
        this.otherChanges++;
        this.files.delete(rel);
        serializersChanged = modelsChanged = true;
      }
    }
    const currentFacts = this.files.get(current.relPath);
    if (currentFacts && (currentFacts !== this.currentFacts)) {
      this.currentFacts = currentFacts;
      this.currentKey = digest(`${current.relPath}\u0000${currentFacts.modelsKey}\u0000${currentFacts.serializersKey}`);
    }
    if (modelsChanged || !this.modelIndex) {
      const version = [...this.files.values()].map((f) => f.modelsKey).join('\n');
      if (version !== this.modelsVersion || !this.modelIndex) {
        this.modelsVersion = version;
        this.modelIndex = new ModelIndex([...this.files.values()].flatMap((f) => f.models));
        this.loadingClasses = new Set([...this.files.values()].flatMap((f) => f.loading));
      }
    }
    if (serializersChanged && replaced) {
      // Only the edited file's serializers moved (or changed): theirs are replaced, the project's others kept (the
      // order of a name's candidates does not matter: serializer() picks by file, or the only one).
      const fresh = this.files.get(current.relPath)?.serializers ?? [];
      const old = new Set(replaced);
      for (const name of new Set([...replaced, ...fresh].map((s) => s.name))) {
        const kept = (this.serializersByName.get(name) ?? []).filter((s) => !old.has(s));
        for (const s of fresh) if (s.name === name) kept.push(s);
        if (kept.length > 0) this.serializersByName.set(name, kept);
        else this.serializersByName.delete(name);
      }
    } else if (serializersChanged) {
      this.serializersByName = new Map();
      for (const f of this.files.values()) for (const s of f.serializers) this.serializersByName.set(s.name, [...(this.serializersByName.get(s.name) ?? []), s]);
    }
    this.lastStamp = texts.stamp;
    this.lastFile = current.relPath;
    this.lastText = current.text;
    const changes = projectChanges(project);
    if (texts.stamp !== undefined && changes !== undefined) {
      const python = lastProject?.files === texts.files ? lastProject.python : new Set(texts.files.filter((f) => f.endsWith('.py')));
      this.lastProject = { files: texts.files, changes, python };
    }
  }

  /**
   * True when nothing in the project changed since the last update (another file's): every module's facts are those
   * of its current text, except the last checked file's, whose own text may differ from the one the project reads
   * (then, or when that file is not one of the project's modules, the full update runs).
   */
  private unchangedProjectFor(project: ProjectInfo, texts: ProjectTexts, relPath: string): boolean {
    const last = this.lastProject;
    if (!last || texts.stamp === undefined || last.files !== texts.files || last.changes !== projectChanges(project)) return false;
    if (relPath === this.lastFile) return true;
    return last.python.has(this.lastFile) && this.files.get(this.lastFile)?.text === texts.text(this.lastFile);
  }

  get models(): ModelIndex {
    return this.modelIndex ?? new ModelIndex([]);
  }

  /**
   * True when `Model.<manager>` gives plain rows: Django's default manager, or a project manager/queryset class
   * that does not select or prefetch anything. False for a manager that may load relations, or one not found.
   */
  plainManager(model: string, manager: string): boolean {
    const cls = this.models.managerOf(model, manager);
    if (cls === null) return true;
    // A model from outside the project (or with two classes of its name): Django's `objects` is the usual case.
    if (cls === undefined) return manager === 'objects' && !this.models.has(model);
    return !this.loadingClasses.has(cls) && cls !== 'InheritanceManager' && cls !== 'PolymorphicManager';
  }

  /** The text a file's facts came from (for line numbers in messages). */
  textOf(file: string): string | undefined {
    return this.files.get(file)?.text;
  }

  /** The serializer class `name`: the one in `preferredFiles` first, else the only one of that name. */
  serializer(name: string, preferredFiles: readonly string[] = []): SerializerClass | undefined {
    const candidates = this.serializersByName.get(name) ?? [];
    for (const file of preferredFiles) {
      const inFile = candidates.filter((c) => c.file === file);
      if (inFile.length === 1) return inFile[0];
    }
    return candidates.length === 1 ? candidates[0] : undefined;
  }

  /** True when a project class chain leads to one of DRF's serializer classes. */
  isSerializer(s: SerializerClass, seen = new Set<string>()): boolean {
    seen.add(s.name);
    return s.bases.some((b) => DRF_SERIALIZERS.has(b) || (!seen.has(b) && !!this.serializer(b, [s.file]) && this.isSerializer(this.serializer(b, [s.file])!, seen)));
  }

  /**
   * The relation paths a serializer reads for each row of a queryset of `rowModel` (its Meta.model when it has
   * one). Empty when the serializer does things that cannot be followed (a to_representation override).
   */
  relationNeeds(s: SerializerClass, rowModel: string | undefined): RelationNeed[] {
    const out: RelationNeed[] = [];
    const eff = this.effective(s);
    if (!eff) return out;
    this.walk(eff, eff.model ?? rowModel, [], true, out, new Set([s.name]), 0);
    const model = eff.model ?? rowModel;
    return out.filter((need) => !this.endsAtOwner(model, need.path.split('__')));
  }

  /**
   * `images__exercise` from Exercise: the last step is the foreign key back to the row a reverse manager was read
   * from, which Django sets on every row that manager (or its prefetch) returns, so it is never a query of its own.
   */
  private endsAtOwner(model: string | undefined, steps: string[]): boolean {
    let current = model;
    for (let i = 0; i < steps.length; i++) {
      const rel = current ? this.models.relationsOf(current)?.get(steps[i]) : undefined;
      if (!rel || !rel.target) return false;
      if (i === steps.length - 2 && rel.kind === 'reverse-fk') {
        const back = this.models.relationsOf(rel.target)?.get(steps[i + 1]);
        return back?.kind === 'fk' && back.target === current;
      }
      current = rel.target;
    }
    return false;
  }

  /** The serializer with its project base classes merged in (fields and methods of bases, own ones win). */
  private effective(s: SerializerClass, seen = new Set<string>()): Effective | undefined {
    if (s.opaque) return undefined;
    seen.add(s.name);
    const eff: Effective = { name: s.name, file: s.file, span: s.span, declared: new Map(), methods: new Map(), exclude: [], depth: 0, fieldSpans: new Map(), own: s };
    for (const base of [...s.bases].reverse()) {
      const parent = seen.has(base) ? undefined : this.serializer(base, [s.file]);
      if (!parent) continue;
      const p = this.effective(parent, seen);
      if (!p) return undefined;
      for (const [k, v] of p.declared) eff.declared.set(k, v);
      for (const [k, v] of p.methods) eff.methods.set(k, v);
      if (p.model) {
        eff.model = p.model;
        eff.fields = p.fields;
        eff.exclude = p.exclude;
        eff.depth = p.depth;
        eff.depthSpan = p.depthSpan;
        eff.fieldsSpan = p.fieldsSpan;
        eff.fieldSpans = p.fieldSpans;
        eff.metaFile = p.metaFile;
      }
    }
    for (const d of s.declared) eff.declared.set(d.name, { field: d, file: s.file });
    for (const [k, reads] of s.methods) eff.methods.set(k, { reads, file: s.file });
    if (s.hasMeta) {
      // `class Meta(Base.Meta)` keeps what it does not set; a plain Meta replaces the parent's.
      if (s.model) eff.model = s.model;
      if (s.fields || s.model) {
        eff.fields = s.fields;
        eff.exclude = s.exclude;
        eff.fieldSpans = s.fieldSpans;
        eff.fieldsSpan = s.fieldsSpan;
      }
      if (s.depthSpan || s.model) {
        eff.depth = s.depth;
        eff.depthSpan = s.depthSpan;
      }
      eff.metaFile = s.file;
    }
    return eff;
  }

  private walk(eff: Effective, model: string | undefined, prefix: string[], single: boolean, out: RelationNeed[], chain: Set<string>, nesting: number): void {
    if (nesting > MAX_NESTING) return;
    const add = (steps: string[], allSingle: boolean, kind: NeedKind, how: string, file: string, span: Span, call?: string) => {
      if (steps.length === 0) return;
      const path = [...prefix, ...steps].join('__');
      out.push({ path, method: allSingle && kind === 'load' ? 'select_related' : 'prefetch_related', kind, call, serializer: eff.name, how, file, span });
    };
    for (const [, { field, file }] of eff.declared) {
      if (field.method) {
        for (const read of eff.methods.get(field.method)?.reads ?? []) this.methodRead(read, model, single, eff.methods.get(field.method)!.file, add);
        continue;
      }
      const steps = field.source === undefined ? [field.name] : field.source === '*' ? [] : field.source.split('.');
      const nested = this.nestedSerializer(field, file);
      if (nested) {
        const nestedEff = chain.has(nested.name) ? undefined : this.effective(nested);
        if (steps.length === 0) {
          if (nestedEff) this.walk(nestedEff, model, prefix, single, out, new Set([...chain, nested.name]), nesting + 1);
          continue;
        }
        const f = this.follow(model, steps);
        let target: string | undefined;
        let allSingle: boolean;
        if (!f.known) {
          // An unknown model: only the shape that cannot be anything else, `many=True` on one attribute.
          if (!(field.many && steps.length === 1)) continue;
          allSingle = false;
          target = nestedEff?.model;
        } else {
          if (f.relSteps < steps.length) continue;
          allSingle = single && f.single;
          target = f.target ?? nestedEff?.model;
        }
        add(steps, allSingle, 'load', `its field ${field.name} = ${nested.name}(${field.many ? 'many=True' : ''})`, file, field.span);
        if (nestedEff) this.walk(nestedEff, target, [...prefix, ...steps], allSingle, out, new Set([...chain, nested.name]), nesting + 1);
        continue;
      }
      // A project's own related field (`TagRelatedField(many=True)`): what it reads of one row is unknown, but with
      // many=True DRF iterates the manager's `.all()` for each row.
      const related = RELATED_FIELDS[field.callee] ?? (/RelatedField$/.test(field.callee) && field.many ? 'pk' : undefined);
      if (related) {
        if (steps.length === 0) continue;
        const f = this.follow(model, steps);
        if (!f.known) {
          if (field.many && steps.length === 1) add(steps, false, 'load', `its field ${field.name} = ${field.callee}(many=True)`, file, field.span);
          continue;
        }
        if (f.relSteps < steps.length) continue;
        if (!f.single || field.many) add(steps, false, 'load', `its field ${field.name} = ${field.callee}(${field.many ? 'many=True' : ''})`, file, field.span);
        else if (related === 'row') add(steps, single, 'load', `its field ${field.name} = ${field.callee}()`, file, field.span);
        // A primary key field reads `<fk>_id` of the last row: only the rows before it are loaded.
        else if (steps.length > 1) add(steps.slice(0, -1), single, 'load', `its field ${field.name} = ${field.callee}(source="${field.source}")`, file, field.span);
        continue;
      }
      // A model property or method (`ReadOnlyField()` over `member_count`, `source="manager.display_name"`).
      if (this.memberRead(model, steps, single, `its field ${field.name}`, file, field.span, add)) continue;
      // A plain field reading through relations: `CharField(source="customer.name")`.
      if (steps.length < 2) continue;
      const f = this.follow(model, steps);
      if (!f.known || f.relSteps === 0) continue;
      const rest = steps.slice(f.relSteps);
      if (f.single) {
        if (rest.length > 0) add(steps.slice(0, f.relSteps), single, 'load', `its field ${field.name} (source="${field.source}")`, file, field.span);
      } else if (rest.length === 1 && COUNT_CALLS.has(rest[0]) && f.lastToMany === f.relSteps - 1) {
        add(steps.slice(0, f.relSteps), false, 'count', `its field ${field.name} (source="${field.source}")`, file, field.span, 'count');
      }
    }
    // A to_representation that builds on super()'s output: every field above renders, and its own reads of the
    // instance run per row too.
    const representation = eff.methods.get('to_representation');
    for (const read of representation?.reads ?? []) this.methodRead(read, model, single, representation!.file, add);
    this.metaFields(eff, model, prefix, single, out, nesting);
  }

  /** Relations named in Meta.fields (or `__all__`) and not declared: many-to-many as keys, anything at depth > 0. */
  private metaFields(eff: Effective, model: string | undefined, prefix: string[], single: boolean, out: RelationNeed[], nesting: number): void {
    if (!eff.model || !model || (eff.fields === undefined && eff.exclude.length === 0)) return;
    const rels = this.models.relationsOf(model);
    if (!rels) return;
    const file = eff.metaFile ?? eff.file;
    const names = Array.isArray(eff.fields) ? eff.fields : [...rels].filter(([, r]) => !r.kind.startsWith('reverse')).map(([n]) => n);
    for (const name of names) {
      if (eff.declared.has(name) || eff.exclude.includes(name)) continue;
      const rel = rels.get(name);
      const span = eff.fieldSpans.get(name) ?? eff.depthSpan ?? eff.fieldsSpan ?? eff.span;
      // A property or method named in Meta.fields: DRF builds a ReadOnlyField that reads (or calls) it per row.
      if (!rel && Array.isArray(eff.fields)) {
        const add = (steps: string[], allSingle: boolean, kind: NeedKind, how: string, at: string, where: Span, call?: string) =>
          out.push({ path: [...prefix, ...steps].join('__'), method: allSingle && kind === 'load' ? 'select_related' : 'prefetch_related', kind, call, serializer: eff.name, how, file: at, span: where });
        this.memberRead(model, [name], single, `"${name}" of its Meta.fields`, file, span, add);
      }
      if (!rel || rel.kind === 'generic') continue;
      const how = `"${name}" of its Meta.fields${eff.depth > 0 ? ` (nested: depth = ${eff.depth})` : ' (a many-to-many or reverse relation: its primary keys)'}`;
      this.implicit(eff.name, name, rel, eff.depth, prefix, single, file, span, how, out, nesting);
    }
  }

  /** A relation a ModelSerializer builds a field for: nested at depth > 0, primary keys otherwise. */
  private implicit(serializer: string, name: string, rel: ModelRelation, depth: number, prefix: string[], single: boolean, file: string, span: Span, how: string, out: RelationNeed[], nesting: number): void {
    const path = [...prefix, name].join('__');
    const allSingle = single && isSingle(rel.kind);
    if (depth > 0) {
      out.push({ path, method: allSingle ? 'select_related' : 'prefetch_related', kind: 'load', serializer, how, file, span });
      if (!rel.target || nesting > MAX_NESTING) return;
      const rels = this.models.relationsOf(rel.target);
      if (!rels) return;
      // A nested serializer built for depth has fields = "__all__": forward relations, no reverse ones.
      for (const [child, childRel] of rels) {
        if (childRel.kind.startsWith('reverse') || childRel.kind === 'generic') continue;
        this.implicit(serializer, child, childRel, depth - 1, [...prefix, name], allSingle, file, span, how, out, nesting + 1);
      }
    } else if (rel.kind === 'm2m' || rel.kind === 'reverse-fk' || rel.kind === 'reverse-m2m') {
      out.push({ path, method: 'prefetch_related', kind: 'load', serializer, how, file, span });
    }
  }

  private methodRead(
    read: Pick<ObjectRead, 'path' | 'call' | 'span'>,
    model: string | undefined,
    single: boolean,
    file: string,
    add: AddNeed,
    depth = 0,
  ): void {
    const path = read.path;
    const text = `obj.${path.join('.')}${read.call ? `.${read.call}()` : ''} in a method field`;
    // `obj.member_count` / `obj.get_team()`: a model property or method, read for what it reads itself.
    if (this.memberRead(model, read.call ? [...path, read.call] : path, single, text, file, read.span, add, depth)) return;
    if (path.length === 0 || isNeverRelation(path[0])) return;
    const f = this.follow(model, path);
    if (!f.known) {
      // `obj.items.all()` is a manager read whatever the model: the one shape that needs no model.
      if (path.length === 1 && read.call && LOADING_CALLS.has(read.call)) add(path, false, 'load', text, file, read.span);
      return;
    }
    if (f.relSteps === 0) return;
    const relPath = path.slice(0, f.relSteps);
    if (f.relSteps === path.length && read.call && f.lastToMany === f.relSteps - 1) {
      // A call on a reverse or many-to-many manager.
      if (LOADING_CALLS.has(read.call)) add(relPath, false, 'load', text, file, read.span);
      else if (COUNT_CALLS.has(read.call)) add(relPath, false, 'count', text, file, read.span, read.call);
      else if (EXISTS_CALLS.has(read.call)) add(relPath, false, 'exists', text, file, read.span, read.call);
      else if (QUERY_CALLS.has(read.call)) add(relPath, false, 'query', text, file, read.span, read.call);
      return;
    }
    // Past a to-many manager without a call nothing is loaded; keep the rows before it.
    const loaded = f.lastToMany >= 0 ? relPath.slice(0, f.lastToMany) : relPath;
    if (loaded.length > 0 && f.lastToMany < 0) add(loaded, single, 'load', text, file, read.span);
  }

  /**
   * `steps` ends at a property or argument-less method of a project model reached through single relations
   * (`member_count`, `manager.display_name`, `get_team()`): its own `self.` reads are needs of the row, as a method
   * field's `obj.` reads are, under the relations before it. False when the steps end at no such member.
   */
  private memberRead(model: string | undefined, steps: string[], single: boolean, how: string, file: string, span: Span, add: AddNeed, depth = 0): boolean {
    if (steps.length === 0 || depth > MAX_MEMBER_DEPTH || steps.slice(0, -1).some(isNeverRelation)) return false;
    const before = steps.slice(0, -1);
    const f = before.length > 0 ? this.follow(model, before) : undefined;
    if (f && (!f.known || f.relSteps < before.length || !f.single)) return false;
    const owner = f ? f.target : model;
    const name = steps[steps.length - 1];
    const reads = owner ? this.models.memberReads(owner, name) : undefined;
    if (!reads) return false;
    const allSingle = single && (f?.single ?? true);
    const described = `${how} (${owner}.${name} reads self.${reads.map((r) => [...r.path, ...(r.call ? [`${r.call}()`] : [])].join('.')).join(', self.')})`;
    // The rows it is read through are loaded to reach it, whatever it reads itself.
    if (before.length > 0) add(before, allSingle, 'load', how, file, span);
    const under: AddNeed = (s, sSingle, kind, _how, at, where, call) => add([...before, ...s], sSingle && allSingle, kind, described, at, where, call);
    for (const read of reads) this.methodRead({ ...read, span }, owner, allSingle, file, under, depth + 1);
    return true;
  }

  /** Follows attribute names through the model's relations. */
  private follow(model: string | undefined, steps: string[]): { known: boolean; relSteps: number; single: boolean; target?: string; lastToMany: number } {
    let current = model;
    let single = true;
    let lastToMany = -1;
    for (let i = 0; i < steps.length; i++) {
      const rels = current ? this.models.relationsOf(current) : undefined;
      if (!rels) return { known: i > 0, relSteps: i, single, target: current, lastToMany };
      const rel = rels.get(steps[i]);
      if (!rel) return { known: true, relSteps: i, single, target: current, lastToMany };
      if (!isSingle(rel.kind)) {
        single = false;
        lastToMany = i;
      }
      current = rel.target;
      if (rel.kind === 'generic') return { known: true, relSteps: i + 1, single: false, target: undefined, lastToMany: i };
    }
    return { known: true, relSteps: steps.length, single, target: current, lastToMany };
  }

  private nestedSerializer(field: DeclaredField, file: string): SerializerClass | undefined {
    if (field.method || RELATED_FIELDS[field.callee] || !/Serializer$/.test(field.callee) || DRF_SERIALIZERS.has(field.callee)) return undefined;
    const s = this.serializer(field.callee, [file]);
    return s && this.isSerializer(s) ? s : undefined;
  }
}

/** Records one relation need found under the walk's prefix (steps relative to the row being read). */
type AddNeed = (steps: string[], allSingle: boolean, kind: NeedKind, how: string, file: string, span: Span, call?: string) => void;
/** Members calling members (`get_team()` reading `self.builds.all()`): followed this deep. */
const MAX_MEMBER_DEPTH = 3;

interface Effective {
  name: string;
  file: string;
  span: Span;
  own: SerializerClass;
  declared: Map<string, { field: DeclaredField; file: string }>;
  methods: Map<string, { reads: ObjectRead[]; file: string }>;
  model?: string;
  fields?: string[] | '__all__';
  exclude: string[];
  depth: number;
  depthSpan?: Span;
  fieldsSpan?: Span;
  fieldSpans: Map<string, Span>;
  metaFile?: string;
}

/** The primary key, `customer_id`, model internals: reading them loads no related row. */
function isNeverRelation(name: string): boolean {
  return name === 'pk' || name === 'id' || name.endsWith('_id') || name.startsWith('_');
}

/** A short fingerprint of a long text (two 32-bit FNV-1a hashes and the length), for cache keys. */
export function digest(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 13);
  }
  return `${(a >>> 0).toString(36)}.${(b >>> 0).toString(36)}.${text.length}`;
}

/** JSON.stringify replacer: Maps and Sets as arrays, offsets left out. */
function withoutSpans(key: string, value: unknown): unknown {
  if (key === 'span' || key === 'fieldsSpan' || key === 'depthSpan') return undefined;
  if (value instanceof Map) return [...value].map(([k, v]) => [k, k !== undefined && typeof v === 'object' && v && 'start' in v ? undefined : v]);
  if (value instanceof Set) return [...value];
  return value;
}

/** Parses another module with the edited file's language, keeps its facts, frees the tree. */
function parseFacts(like: Tree, text: string, file: string): TreeFacts {
  try {
    if (!parser) {
      parser = new Parser();
      parser.setLanguage(like.language);
    }
    const tree = parser.parse(text);
    if (!tree) return NO_FACTS;
    try {
      return factsOfTree(tree, file);
    } finally {
      tree.delete();
    }
  } catch {
    // A parser that failed may be broken: the next file gets a new one.
    parser = undefined;
    return NO_FACTS;
  }
}

/**
 * The facts of the project's other modules, parsed here or taken from another thread of a batch scan that parsed
 * the same texts (analysis/shared-facts.ts): asked for the first time only when a module needs parsing.
 */
class OtherModules {
  private exchange = factsExchange();
  private known?: ReadonlyMap<string, unknown>;
  private first = false;
  private readonly parsed: [string, TreeFacts][] = [];

  constructor(private readonly like: Tree) {}

  facts(text: string, file: string): TreeFacts {
    if (!this.exchange) return parseFacts(this.like, text, file);
    if (!this.known) {
      mark('drf take');
      ({ known: this.known, first: this.first } = this.exchange.take('drf'));
      mark(this.first ? 'drf first' : 'drf taken');
    }
    const key = `${file}\u0000${digest(text)}`;
    const here = parsedHere(this.exchange);
    const known = (this.known.get(key) ?? here.get(key)) as TreeFacts | undefined;
    if (known) return known;
    const facts = parseFacts(this.like, text, file);
    this.parsed.push([key, facts]);
    here.set(key, facts);
    return facts;
  }

  /** Hands what this thread parsed to the others (always after a first take: they may be waiting for it). */
  publish(): void {
    if (this.exchange && (this.first || this.parsed.length > 0)) {
      mark(`drf publish ${this.parsed.length}`);
      this.exchange.publish('drf', this.parsed);
    }
  }
}

/**
 * The facts this thread parsed in one batch scan, by file and text digest: the other threads' arrive through the
 * exchange, this thread's own do not, and a second project view of the scan (a budget's fixed texts) would parse
 * the same modules again.
 */
const PARSED_HERE = new WeakMap<object, Map<string, TreeFacts>>();

function parsedHere(exchange: object): Map<string, TreeFacts> {
  let map = PARSED_HERE.get(exchange);
  if (!map) PARSED_HERE.set(exchange, (map = new Map()));
  return map;
}

/** A path no project file has: the checked file of `shareDrfFacts`, which has no facts of its own. */
const NO_FILE = '\u0000shared-facts.py';

/**
 * Parses the modules the DRF models of `projects` read and hands their facts to the other threads of a batch scan,
 * before they ask (analysis/shared-facts.ts `offerSpareWork`). `empty`: any tree of the Python language. Does nothing
 * outside a batch scan or once another thread is at it.
 */
export function shareDrfFacts(projects: readonly ProjectInfo[], empty: Tree): void {
  const exchange = factsExchange();
  if (!exchange?.claimed || exchange.claimed('drf')) return;
  for (const project of projects) drfProject(project, { relPath: NO_FILE, text: '', tree: empty });
}

/** One DRF model per project view, kept by the engine's project slot and updated per changed file. */
const PROJECT_DRF = new ProjectSlot<DrfProject>('DRF project model', () => new DrfProject());

/** The DRF model of a project view, updated to the current texts (cheap when nothing changed). */
export function drfProject(project: ProjectInfo, current: { relPath: string; text: string; tree: Tree }): DrfProject {
  const p = PROJECT_DRF.get(project);
  p.update(project, current);
  return p;
}
