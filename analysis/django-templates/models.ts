/**
 * Django models read from the project's model modules (text only, no parse): each model's relations
 * (ForeignKey, OneToOneField, ManyToManyField and their reverse accessors: `related_name`, `<model>_set`)
 * and its plain fields. Enough to tell `o.customer` (a row) from `o.items` (a manager) from `o.total` (a value).
 */

export type RelationKind = 'foreign-key' | 'one-to-one' | 'many-to-many' | 'reverse-foreign-key' | 'reverse-one-to-one' | 'generic-foreign-key';

export interface Relation {
  kind: RelationKind;
  /** The related model's class name (`Customer`), undefined when it is not a model of the project (`settings.AUTH_USER_MODEL`). */
  target?: string;
  /** Of a reverse relation: the foreign key on the target model it is the reverse of (`order` for `order.items`). */
  field?: string;
}

export interface ModelInfo {
  name: string;
  /** Workspace-relative file the class is declared in. */
  file: string;
  /** The app label Django gives it: its app folder's name (`shop` for `shop/models.py`, `shop/models/order.py`). */
  app: string;
  relations: Map<string, Relation>;
  /** Plain fields and other class attributes, methods and properties: members that are not relations. */
  members: Set<string>;
  /** Base classes as written, for inherited fields (abstract models). */
  bases: string[];
  /**
   * Methods and properties a template can read (no argument but self) that run a query on a manager of the row
   * (`self.items.all()`, `self.orderitem_set.filter(...)`): name -> the manager and the call (`items`, `all`).
   */
  queryingMethods?: Map<string, QueryingMethod>;
  /** Attributes of self the model's `__str__` reads (`self.doctor` in `f"{self.doctor} {self.date}"`). */
  strReads?: string[];
}

export interface QueryingMethod {
  /** The manager the method reads (`orderitem_set`). */
  manager: string;
  /** The first queryset method it calls on it (`all`, `filter`, `aggregate`). */
  call: string;
  /** Every manager call it makes is `.all()`/`.count()`/`.exists()` on managers: a prefetch answers them. */
  prefetchable: boolean;
}

const RELATION_FIELD = /^(ForeignKey|OneToOneField|ManyToManyField|TreeForeignKey|TreeOneToOneField|TreeManyToManyField|ParentalKey|ParentalManyToManyField|GenericForeignKey)$/;
const CLASS = /^class[ \t]+(\w+)[ \t]*\(([^)]*)\)[ \t]*:/gm;
/** A zero-argument method or property: `def total(self):` (templates call methods without arguments). */
const NO_ARGUMENT_METHOD = /^[ \t]*(?:async[ \t]+)?def[ \t]+\w+[ \t]*\([ \t]*self[ \t]*,?[ \t]*\)/;
/** A queryset call on a manager of self: `self.items.all(`, `self.orderitem_set.filter(`. */
const SELF_MANAGER_CALL = /\bself\.(\w+)\.(all|filter|exclude|count|exists|aggregate|annotate|first|last|get|order_by|values|values_list|select_related|prefetch_related)[ \t]*\(/g;
const MEMBER = /^([ \t]+)(?:(\w+)[ \t]*(?::[^=\n]*)?=[ \t]*(?:[\w.]+\.)?(\w+)[ \t]*\(|(?:async[ \t]+)?def[ \t]+(\w+)|(\w+)[ \t]*(?::[^=\n]*)?=)/gm;

/** True for a module where models are usually declared. */
export function isModelsFile(relPath: string): boolean {
  return /(^|\/)models\.py$/.test(relPath) || /(^|\/)models\/[^/]+\.py$/.test(relPath);
}

function appOf(relPath: string): string {
  const parts = relPath.split('/');
  const i = parts.lastIndexOf('models.py') !== -1 ? parts.lastIndexOf('models.py') : parts.lastIndexOf('models');
  return i > 0 ? parts[i - 1] : '';
}

/** The classes of one module that look like models, with their direct members. */
export function modelsIn(relPath: string, text: string): ModelInfo[] {
  const out: ModelInfo[] = [];
  const classes = [...text.matchAll(CLASS)];
  for (let c = 0; c < classes.length; c++) {
    const m = classes[c];
    const bases = m[2].split(',').map((b) => b.trim()).filter(Boolean);
    const bodyStart = m.index! + m[0].length;
    const bodyEnd = c + 1 < classes.length ? classes[c + 1].index! : text.length;
    const body = text.slice(bodyStart, bodyEnd);
    const info: ModelInfo = { name: m[1], file: relPath, app: appOf(relPath), relations: new Map(), members: new Set(), bases };
    // The body's indentation, from its first statement (which may be a nested class: `class Status(TextChoices)`).
    const indent = /\n([ \t]+)[^\s#]/.exec(body)?.[1];
    for (const member of body.matchAll(MEMBER)) {
      if (member[1] !== indent) continue; // members of nested classes (Meta, choices) and method bodies
      const name = member[2] ?? member[4] ?? member[5];
      if (!name) continue;
      const field = member[3];
      if (member[2] && field && RELATION_FIELD.test(field)) {
        const kind: RelationKind = /GenericForeignKey/.test(field) ? 'generic-foreign-key' : /ManyToMany/.test(field) ? 'many-to-many' : /OneToOne/.test(field) ? 'one-to-one' : 'foreign-key';
        const call = callText(body, member.index! + member[0].length);
        info.relations.set(name, { kind, target: kind === 'generic-foreign-key' ? undefined : targetOf(call, m[1]) });
        (info as ModelWithCalls).calls ??= new Map();
        (info as ModelWithCalls).calls!.set(name, call);
      } else info.members.add(name);
      if (member[4]) {
        const querying = queryingMethod(body, member.index!, indent);
        if (querying) (info.queryingMethods ??= new Map()).set(name, querying);
        if (name === '__str__') info.strReads = [...new Set([...methodText(body, member.index!, indent).matchAll(/\bself\.(\w+)/g)].map((r) => r[1]))];
      }
    }
    out.push(info);
  }
  return out;
}

/** The body of the method at `start` of a class body: up to the next statement of the class body (or its end). */
function methodText(body: string, start: number, indent: string): string {
  const rest = body.slice(start);
  const firstLine = rest.slice(0, rest.indexOf('\n') === -1 ? rest.length : rest.indexOf('\n'));
  const end = new RegExp(`\\n${indent}[^\\s#]`).exec(rest.slice(firstLine.length));
  return rest.slice(firstLine.length, end ? firstLine.length + end.index : rest.length);
}

/** The query a zero-argument method at `start` of a class body runs on a manager of self, if any. */
function queryingMethod(body: string, start: number, indent: string): QueryingMethod | undefined {
  const rest = body.slice(start);
  const firstLine = rest.slice(0, rest.indexOf('\n') === -1 ? rest.length : rest.indexOf('\n'));
  if (!NO_ARGUMENT_METHOD.test(firstLine)) return undefined;
  const method = methodText(body, start, indent);
  const calls = [...method.matchAll(SELF_MANAGER_CALL)].filter((c) => c[1] !== 'objects' && c[1] !== '__class__');
  if (calls.length === 0) return undefined;
  const prefetchable = calls.every((c) => c[2] === 'all' || c[2] === 'count' || c[2] === 'exists');
  return { manager: calls[0][1], call: calls[0][2], prefetchable };
}

interface ModelWithCalls extends ModelInfo {
  calls?: Map<string, string>;
}

/** The argument text of a call starting after its `(`, up to the matching `)`. */
function callText(text: string, from: number): string {
  let depth = 1;
  for (let i = from; i < text.length && i < from + 2000; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return text.slice(from, i);
  }
  return text.slice(from, from + 2000);
}

function targetOf(call: string, self: string): string | undefined {
  const m = /^\s*(?:to\s*=\s*)?(?:(["'])([\w.]+)\1|([A-Za-z_][\w.]*))/.exec(call);
  const raw = m?.[2] ?? m?.[3];
  if (!raw || raw.includes('AUTH_USER_MODEL') || raw === 'get_user_model') return undefined;
  if (raw === 'self') return self;
  return raw.split('.').pop();
}

/** The project's models by class name, with reverse relations added to their targets. */
export class ModelIndex {
  private readonly byName = new Map<string, ModelInfo>();

  constructor(models: readonly ModelInfo[]) {
    for (const model of models) if (!this.byName.has(model.name)) this.byName.set(model.name, model);
    for (const model of this.byName.values()) {
      const calls = (model as ModelWithCalls).calls ?? new Map<string, string>();
      for (const [field, relation] of model.relations) {
        if (relation.kind === 'generic-foreign-key' || relation.kind.startsWith('reverse')) continue;
        const target = relation.target && this.byName.get(relation.target);
        if (!target) continue;
        const related = /related_name\s*=\s*(["'])([\w+]+)\1/.exec(calls.get(field) ?? '')?.[2];
        if (related?.endsWith('+')) continue;
        const lower = model.name.toLowerCase();
        const accessor = related ?? (relation.kind === 'one-to-one' ? lower : `${lower}_set`);
        if (!target.relations.has(accessor)) {
          target.relations.set(accessor, { kind: relation.kind === 'one-to-one' ? 'reverse-one-to-one' : relation.kind === 'many-to-many' ? 'many-to-many' : 'reverse-foreign-key', target: model.name, field });
        }
      }
    }
  }

  get(name: string | undefined): ModelInfo | undefined {
    return name === undefined ? undefined : this.byName.get(name);
  }

  /** The model a relation accessor (`channel_set`, `items`) leads to, when the project's models agree on one. */
  targetOfAccessor(accessor: string): string | undefined {
    const targets = new Set<string>();
    for (const model of this.byName.values()) {
      const target = model.relations.get(accessor)?.target;
      if (target) targets.add(target);
    }
    return targets.size === 1 ? [...targets][0] : undefined;
  }

  /** A member of a model or of the models it inherits from (project models only). */
  member(modelName: string | undefined, name: string, depth = 0): { relation?: Relation; known: boolean } {
    const model = this.get(modelName);
    if (!model || depth > 5) return { known: false };
    const relation = model.relations.get(name);
    if (relation) return { relation, known: true };
    if (model.members.has(name)) return { known: true };
    for (const base of model.bases) {
      const found = this.member(base.split('.').pop(), name, depth + 1);
      if (found.known) return found;
    }
    return { known: false };
  }

  /** The query a method or property of the model (or a project base) runs on one of its managers. */
  queryingMethod(modelName: string | undefined, name: string, depth = 0): QueryingMethod | undefined {
    const model = this.get(modelName);
    if (!model || depth > 5) return undefined;
    if (model.members.has(name) || model.relations.has(name)) {
      const found = model.queryingMethods?.get(name);
      // Only a manager the models know as a collection relation of this model (not a field named like one).
      const relation = found && this.member(modelName, found.manager).relation;
      return relation && !['foreign-key', 'one-to-one', 'reverse-one-to-one', 'generic-foreign-key'].includes(relation.kind) ? found : undefined;
    }
    for (const base of model.bases) {
      const found = this.queryingMethod(base.split('.').pop(), name, depth + 1);
      if (found) return found;
    }
    return undefined;
  }

  /** True when every base of the model is known (a project model or Django's Model), so an unknown member is not a field. */
  fullyKnown(modelName: string | undefined, depth = 0): boolean {
    const model = this.get(modelName);
    if (!model || depth > 5) return false;
    return model.bases.every((b) => /^(models\.)?Model$/.test(b) || this.fullyKnown(b.split('.').pop(), depth + 1));
  }
}
