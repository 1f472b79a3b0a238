/**
 * n-plus-one (Django): generic exports that read each row's fields by name, `getattr(obj, name)`, over a model's
 * field list (`Model._meta.fields`, `get_fields()`, `qs.model._meta.concrete_fields`, or a list of names), where some
 * of those fields are foreign keys: `getattr(order, "customer")` loads the customer, one query per row and key.
 *
 *   for obj in Order.objects.filter(...):
 *       writer.writerow([getattr(obj, f.name) for f in Order._meta.fields])
 *
 * Reported on the getattr only when the model is a project class whose foreign keys are known and the rows are a
 * queryset built in the function (the fix adds select_related of the foreign keys the names include), or the rows a
 * Django admin action receives from an admin of this module registered for the model, which select related rows
 * only when `list_select_related` says so or `list_display` shows a relation (no fix: the queryset is a parameter).
 */
import { modelClassName } from '../shared/table-names';
import type { Node, Tree } from 'web-tree-sitter';
import { clip } from '../shared/format';
import type { FixSpec, OffsetEdit, ProjectInfo, ReportSpec, RuleContext } from '../api';
import { ancestor, positionalArguments, stringValue } from '../../analysis/python/ast';
import {
  assignmentsBefore,
  fixesAllowed,
  isDjangoFile,
  mayBeDjangoText,
  iterationsIn,
  loadsRelation,
  outsideReadsHold,
  querysetOf,
  readsLoopVariable,
  recordingOutsideReads,
  unparenthesize,
  type Iteration,
  type OutsideReads,
  type QuerysetInfo,
} from '../../analysis/python/django-querysets';
import type { ModelIndex } from '../../analysis/python/django-models';
import { drfProject } from '../../analysis/python/drf';
import { StatementFindingsCache, statementCachesEnabled, statementMatches, topLevelStatements } from '../../analysis/python/statements';
import { FileVersionSlot, StatementSlot } from '../../analysis/cache';

/** `X._meta.fields`, `X._meta.get_fields()`, `X._meta.concrete_fields`: the fields of model X. */
const META_FIELDS = /^(.+)\._meta\.(fields|concrete_fields|local_fields|local_concrete_fields|get_fields\(\s*\))$/;

/** The model whose fields a `getattr(row, name)` reads, and the field names when listed explicitly. */
interface FieldSource {
  /** `Order` in `Order._meta.fields`; undefined for `qs.model._meta` / `self.model._meta` (the queryset's model). */
  model?: string;
  /** Names listed in the code (`["id", "customer"]`); undefined when every field of the model is read. */
  names?: string[];
}

/** For the rule's docs. */
export const GETATTR_NOTES =
  'Generic exports reading fields by name (`getattr(obj, f.name) for f in Order._meta.fields`, `qs.model._meta`, ' +
  '`meta = self.model._meta`, or a list of names) are reported on the getattr when the names include foreign keys of a ' +
  'project model and the queryset does not select them: for a queryset built in the function (safe fix: ' +
  '`.select_related(...)` of those keys), and for a Django admin action of an admin registered in the module (or a mixin ' +
  'such admins use) whose changelist selects nothing (no `list_select_related`, no relation in `list_display`, no own ' +
  '`get_queryset`), without a fix. Actions of admins in other modules, and `field.value_from_object(obj)` / ' +
  '`field.attname` reads (the id only), are not reported. ';

/** Reports the getattr exports of a Django module (the project's models are read only when a candidate loop exists). */
export function checkGetattrExports(ctx: RuleContext): void {
  const text = ctx.file.text;
  if (!/\bgetattr\s*\(/.test(text) || !/\bfor\b/.test(text) || !mayBeDjangoText(text)) return;
  const tree = ctx.python();
  if (!isDjangoFile(tree, text)) return;
  const canFix = fixesAllowed(tree);
  const drf = () => drfProject(ctx.project, { relPath: ctx.file.relPath, text, tree });
  const models = () => drf().models;
  for (const statement of topLevelStatements(tree)) {
    if (!statementMatches(statement, GETATTR_CALL) || !statementMatches(statement, FOR_WORD)) continue;
    // Most statements that name getattr and loop have no loop reading by name: known per statement text.
    const iterations = () => iterationsIn(tree, statement.text, statement.start);
    if (!CANDIDATE_LOOPS.answer(statement, '', () => iterations().some(mayReadByName))) continue;
    // A statement's findings are replayed while its text, what it read of the module and the project's models
    // (the DRF model's version) are unchanged; an admin action's rows read other statements and modules: not kept.
    // (A batch scan keeps nothing: the project's DRF model is then built only when a loop needs the models.)
    const context = statementCachesEnabled() ? drf().version : '';
    getattrFindings.check(ctx, statement, context, (reads) => outsideReadsHold(tree, reads), (report) => {
      const project = { info: ctx.project, relPath: ctx.file.relPath, readsAdmins: false };
      const [, reads] = recordingOutsideReads(() => loopsReadingByName(iterations(), models, project, canFix, report));
      return reads.unknown || project.readsAdmins ? undefined : reads;
    }, canFix);
  }
}

const getattrFindings = new StatementFindingsCache<OutsideReads>('n-plus-one: getattr exports per statement');

const GETATTR_CALL = /\bgetattr\s*\(/;
const FOR_WORD = /\bfor\b/;

/** Per statement text: whether a loop of it may read fields by name (what loopsReadingByName looks at first). */
const CANDIDATE_LOOPS = new StatementSlot<boolean>('n-plus-one: getattr candidate loops');

function mayReadByName(iteration: Iteration): boolean {
  return iteration.target.type === 'identifier' && iteration.body.some((part) => part.text.includes('getattr'));
}

/** The project, to find the admins of a mixin declared in another module. */
interface ProjectView {
  info: ProjectInfo;
  relPath: string;
  /** Set when the admins registered in the module or the project were read (findings not kept per statement). */
  readsAdmins: boolean;
}

function loopsReadingByName(iterations: readonly Iteration[], models: () => ModelIndex, project: ProjectView, canFix: boolean, report: (spec: ReportSpec) => void): void {
  for (const iteration of iterations) {
    // Most loops read no field by name: say so from the text before describing the rows (the costly part).
    if (!mayReadByName(iteration)) continue;
    const iterable = unparenthesize(iteration.iterable);
    const info = querysetOf(iterable);
    const candidates: Rows[] = info ? (info.values || info.models.length !== 1 || info.roots.some((r) => r.kind !== 'manager') ? [] : [{ model: info.models[0], info }]) : adminActionRows(iterable, models, project);
    if (candidates.length === 0) continue;
    let reported = false;
    for (const part of iteration.body) {
      if (reported) break;
      const calls = part.type === 'call' ? [part, ...part.descendantsOfType('call')] : part.descendantsOfType('call');
      for (const call of calls) {
        if (call?.childForFieldName('function')?.text !== 'getattr') continue;
        let spec: ReportSpec | undefined;
        for (const rows of candidates) if ((spec = getattrFinding(call, iteration, rows, models, canFix))) break;
        if (spec) {
          report(spec);
          reported = true;
          break;
        }
      }
    }
  }
}

/** The rows a loop reads: a queryset built in the function, or an admin action's rows of a known model (no fix). */
interface Rows {
  model: string;
  info?: QuerysetInfo;
}

function getattrFinding(call: Node, iteration: Iteration, rows: Rows, models: () => ModelIndex, canFix: boolean): ReportSpec | undefined {
  const info = rows.info;
  const [row, name] = positionalArguments(call);
  if (row?.type !== 'identifier' || row.text !== iteration.target.text || !name || !readsLoopVariable(row, iteration)) return undefined;
  const source = fieldSource(name, call);
  if (!source) return undefined;
  const model = source.model ?? rows.model;
  if (model !== rows.model) return undefined; // `Other._meta.fields` read off these rows: not this model's fields
  const relations = models().relationsOf(model);
  if (!relations) return undefined;
  const keys = [...relations]
    .filter(([field, rel]) => (rel.kind === 'fk' || rel.kind === 'o2o') && (!source.names || source.names.includes(field)))
    .map(([field]) => field)
    .filter((field) => !info || !loadsRelation(info, field, true));
  if (keys.length === 0) return undefined;
  const list = keys.map((k) => `"${k}"`).join(', ');
  const deferred = !!info?.methods.some((m) => m === 'only' || m === 'defer');
  const edits = canFix && info ? selectRelatedEdits(info, keys) : undefined;
  const fixes: FixSpec[] = edits ? [{ title: `Add .select_related(${list}) to the queryset`, safety: deferred ? 'unsafe' : 'safe', edits }] : [];
  return {
    start: call.startIndex,
    end: call.endIndex,
    messageId: 'getattr-fk',
    table: modelClassName(rows.model),
    // The headline names the keys while they fit; the detail and the fix always carry all of them.
    data: { keys: keys.length === 1 ? clip(keys[0], 24) : `${keys.length} foreign keys`, paths: list.length <= 28 ? list : `"${clip(keys[0], 20)}", …` },
    detail:
      `getattr() by field name reads ${model}'s foreign key${keys.length > 1 ? 's' : ''} ${keys.join(', ')} on every row, and each one loads the ` +
      `related row with its own query. Add .select_related(${list}) to the queryset${info ? '' : ' (queryset = queryset.select_related(...) in the action, or list_select_related on the admin)'}, or read the ids (field.attname, ` +
      'field.value_from_object(obj)) when the export only needs them.',
    fixes,
  };
}

/**
 * Where `name` in `getattr(row, name)` comes from: `f.name` for `f` over `X._meta.fields`, or `f` over a list of
 * names (a literal, a variable bound to one, or `[f.name for f in X._meta.fields]`).
 */
function fieldSource(name: Node, at: Node): FieldSource | undefined {
  if (name.type === 'attribute' && name.childForFieldName('attribute')?.text === 'name') {
    const field = name.childForFieldName('object');
    if (field?.type !== 'identifier') return undefined;
    const iterable = loopIterableOf(field.text, at);
    return iterable ? metaFields(iterable) : undefined;
  }
  if (name.type !== 'identifier') return undefined;
  const iterable = loopIterableOf(name.text, at);
  return iterable ? nameList(iterable, 0) : undefined;
}

/** The iterable of the innermost loop or comprehension around `at` that binds `name` alone. */
function loopIterableOf(name: string, at: Node): Node | undefined {
  for (let p: Node | null = at.parent; p; p = p.parent) {
    if (p.type === 'function_definition' || p.type === 'lambda' || p.type === 'class_definition') return undefined;
    const clauses = p.type === 'for_statement' ? [p] : /comprehension|generator_expression/.test(p.type) ? p.namedChildren.filter((c): c is Node => c?.type === 'for_in_clause') : [];
    for (const clause of clauses) {
      const left = clause.childForFieldName('left');
      if (left?.type === 'identifier' && left.text === name) return clause.childForFieldName('right') ?? undefined;
    }
  }
  return undefined;
}

/** `Order._meta.fields` -> { model: "Order" }; `qs.model._meta.get_fields()` -> {} (the queryset's model). */
function metaFields(node: Node): FieldSource | undefined {
  const n = unparenthesize(node);
  let m = META_FIELDS.exec(n.text);
  // `meta = self.model._meta` ... `meta.fields`
  const viaVariable = /^(\w+)\.(fields|concrete_fields|local_fields|local_concrete_fields|get_fields\(\s*\))$/.exec(n.text);
  if (!m && viaVariable && n.type !== 'identifier') {
    const object = n.type === 'call' ? n.childForFieldName('function')?.childForFieldName('object') : n.childForFieldName('object');
    const bound = object?.type === 'identifier' ? assignmentsBefore(object) : [];
    const value = bound.length === 1 ? bound[0].childForFieldName('right')?.text ?? '' : '';
    if (/\._meta$/.test(value)) m = META_FIELDS.exec(`${value}.${viaVariable[2]}`);
  }
  if (!m) return undefined;
  const owner = m[1];
  if (/^\w+$/.test(owner) && /^[A-Z]/.test(owner)) return { model: owner };
  if (/(^|\.)model$/.test(owner)) return {};
  return undefined;
}

/** A list of field names: a literal of strings, a variable bound once to one, or `[f.name for f in X._meta.fields]`. */
function nameList(node: Node, depth: number): FieldSource | undefined {
  const n = unparenthesize(node);
  if (n.type === 'list' || n.type === 'tuple') {
    const names = n.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment').map((c) => stringValue(c));
    return names.length > 0 && names.every((s): s is string => s !== undefined) ? { names } : undefined;
  }
  if (n.type === 'list_comprehension' || n.type === 'generator_expression') {
    const body = n.childForFieldName('body');
    const clauses = n.namedChildren.filter((c): c is Node => c?.type === 'for_in_clause');
    const left = clauses[0]?.childForFieldName('left');
    if (clauses.length !== 1 || left?.type !== 'identifier' || body?.text !== `${left.text}.name`) return undefined;
    const right = clauses[0].childForFieldName('right');
    return right ? metaFields(right) : undefined;
  }
  if (n.type === 'identifier' && depth < 2) {
    const assignments = assignmentsBefore(n);
    if (assignments.length !== 1) return undefined;
    const value = assignments[0].childForFieldName('right');
    return value ? nameList(value, depth + 1) : undefined;
  }
  return undefined;
}

/**
 * `def export_csv(self, request, queryset)` in a ModelAdmin registered for a model (`@admin.register(Order)`,
 * `admin.site.register(Order, OrderAdmin)`, or a mixin of this module that registered admins use):
 * Django hands the action the changelist's rows, which select related rows only when the admin says so
 * (`list_select_related`, or a relation among `list_display`; an own `get_queryset` may do anything).
 */
function adminActionRows(iterable: Node, models: () => ModelIndex, project: ProjectView): Rows[] {
  if (iterable.type !== 'identifier') return [];
  const fn = ancestor(iterable, 'function_definition');
  const params = (fn?.childForFieldName('parameters')?.namedChildren ?? []).map((p) => p?.text);
  if (!fn || params.length !== 3 || params[0] !== 'self' || params[2] !== iterable.text || assignmentsBefore(iterable).length > 0) return [];
  const cls = ancestor(fn, 'class_definition');
  if (!cls) return [];
  project.readsAdmins = true;
  const local = registeredAdmins(cls);
  const name = cls.childForFieldName('name')?.text ?? '';
  const admins = local.length > 0 ? local : /Mixin$/.test(name) ? adminsElsewhere(name, project) : [];
  return admins.flatMap(({ body: adminBody, model }) => {
    const relations = models().relationsOf(model);
    if (!relations) return [];
    const body = `${adminBody}\n${cls.childForFieldName('body')?.text ?? ''}`;
    if (/\b(list_select_related|get_queryset)\b/.test(body)) return [];
    const display = /^\s*list_display\s*=\s*([\s\S]*?[\])])\s*$/m.exec(adminBody)?.[1] ?? '';
    const shown = [...display.matchAll(/["'](\w+)["']/g)].map((x) => x[1]);
    const selectsRelated = shown.some((f) => {
      const kind = relations.get(f)?.kind;
      return kind === 'fk' || kind === 'o2o';
    });
    return selectsRelated ? [] : [{ model }];
  });
}

/** The registered admin classes `cls` is (or, as a mixin, is a base of) in its module, with their models. */
function registeredAdmins(cls: Node): Admin[] {
  const name = cls.childForFieldName('name')?.text ?? '';
  const out: Admin[] = [];
  const root = cls.tree.rootNode;
  const registrations = new Map<string, string>();
  for (const m of root.text.matchAll(/\badmin\.site\.register\(\s*(\w+)\s*,\s*(\w+)\s*\)/g)) registrations.set(m[2], m[1]);
  for (const child of root.namedChildren) {
    const def = child?.type === 'decorated_definition' ? child.childForFieldName('definition') : child;
    if (def?.type !== 'class_definition') continue;
    const defName = def.childForFieldName('name')?.text ?? '';
    const bases = (def.childForFieldName('superclasses')?.namedChildren ?? []).map((b) => b?.text ?? '');
    if (defName !== name && !bases.includes(name)) continue;
    const decorated = child?.type === 'decorated_definition' ? /@admin\.register\(\s*(\w+)\s*\)/.exec(child.text.slice(0, def.startIndex - child.startIndex))?.[1] : undefined;
    const model = decorated ?? registrations.get(defName);
    if (model) out.push({ body: def.childForFieldName('body')?.text ?? '', model });
  }
  return out;
}

/** A registered admin class: its body's text and its model. */
interface Admin {
  body: string;
  model: string;
}

/** Per module text version: the registered admin classes and their bases (read with patterns, no parse). */
const MODULE_ADMINS = new FileVersionSlot<{ bases: string[]; admin: Admin }[]>('n-plus-one: admin classes of a module');

/**
 * Admins in other modules of the project that inherit the mixin `name` (`class OrderAdmin(ExportCsvMixin,
 * admin.ModelAdmin)`) and are registered there (`@admin.register(Order)`, `admin.site.register(Order, OrderAdmin)`).
 */
function adminsElsewhere(name: string, project: ProjectView): Admin[] {
  const out: Admin[] = [];
  for (const rel of project.info.files()) {
    if (!rel.endsWith('.py') || rel === project.relPath) continue;
    const text = project.info.readFile(rel);
    if (!text || !text.includes(name) || !/admin\.(register|site\.register)\b/.test(text)) continue;
    for (const c of MODULE_ADMINS.get(rel, text, () => adminClassesOf(text))) if (c.bases.includes(name)) out.push(c.admin);
  }
  return out;
}

function adminClassesOf(text: string): { bases: string[]; admin: Admin }[] {
  const registrations = new Map<string, string>();
  for (const m of text.matchAll(/\badmin\.site\.register\(\s*(\w+)\s*,\s*(\w+)\s*\)/g)) registrations.set(m[2], m[1]);
  const out: { bases: string[]; admin: Admin }[] = [];
  for (const m of text.matchAll(/^(?:@admin\.register\(\s*(\w+)\s*\)\s*\n)?class\s+(\w+)\(([^)]*)\):[^\n]*\n((?:[ \t]+[^\n]*\n|[ \t]*\n)*)/gm)) {
    const model = m[1] ?? registrations.get(m[2]);
    if (model) out.push({ bases: m[3].split(',').map((b) => b.trim()), admin: { body: m[4], model } });
  }
  return out;
}

/** `.select_related("a", "b")` after each root, or the names added to an existing select_related call. */
function selectRelatedEdits(info: QuerysetInfo, keys: string[]): OffsetEdit[] | undefined {
  const quoted = keys.map((k) => `"${k}"`).join(', ');
  if (info.selectCalls.length > 0) {
    return info.selectCalls.map((call) => {
      const args = positionalArguments(call);
      const last = args[args.length - 1];
      return { start: last.endIndex, end: last.endIndex, newText: `, ${quoted}` };
    });
  }
  if (info.roots.some((r) => r.insertAt === undefined)) return undefined;
  return [...new Set(info.roots.map((r) => r.insertAt!))].map((at) => ({ start: at, end: at, newText: `.select_related(${quoted})` }));
}
