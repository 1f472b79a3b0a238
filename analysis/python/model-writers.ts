/**
 * Who adds rows to each Django (and SQLAlchemy) model of a project, and in what kind of code: the Python
 * counterpart of analysis/typescript/table-writers.ts. A table only curators fill (the Django admin, staff-gated
 * views, management commands, migrations, fixtures, seed scripts, tests) holds what they keep in it: a SaaS's
 * plans, a school's classes, a conference site's conferences. A table that request code any user reaches adds to,
 * or that tasks and signals add to per event, grows with use.
 *
 * Every Django way of adding rows counts: `Model.objects.create/get_or_create/update_or_create/bulk_create`,
 * `Model(...)` in a function that saves, a model's own `Model.create(...)`, SQLAlchemy `session.add(Model(...))`
 * (analysis/python/request-created-models.ts), related managers (`post.comments.create(...)`,
 * `post.comment_set.create(...)`), ModelForms and ModelSerializers (`Meta.model`) used by a view that creates
 * (a CreateView/FormView, a ModelViewSet, a view with `post`/`create`/`perform_create`, a function that saves),
 * a CreateView's `model = X`, `admin.site.register(X)` / `@admin.register(X)` and admin inlines, and fixture files
 * (`"model": "app.x"`). A write through a variable model (`model_class.objects.create(...)`) in request code makes
 * no table of the project curated (it could be any).
 *
 * Read from module texts alone (no parse), each site placed in its enclosing `def`/`class` by indentation. A
 * project-level fact: each module's share is kept per text, their union per project state (project-texts.ts's
 * stamp), so a keystroke recomputes only the analysed file's share.
 */
import { indentWidth } from '../line-starts';
import type { ProjectInfo } from '../../rules/api';
import { projectTexts } from '../project-texts';
import { PiecesByPlace, statementCachesEnabled } from '../cache';
import type { ModelIndex } from './django-models';
import { EVENT_MODEL_NAME } from './model-growth';
import { fewByName } from '../few-by-name';
import { CURATED, enclosingFunction, OFFLINE_PATH, onlyCuratorsCall, type FunctionSpan } from './request-created-models';
import { lineOutline, type LineOutline } from './line-outline';
import { isWordChar } from '../char-codes';

/** The kind of code a write is in. */
/** `volume`: a seed or command generating many rows (Faker, a counted loop, `batch_size`): the table is meant to be large. */
export type WriterKind = 'request' | 'event' | 'curated' | 'volume';

/** One place that adds rows: the model (a class name, or `~accessor` for a related manager's name), and its kind. */
export interface WriteSite {
  model: string;
  kind: WriterKind;
  /** The enclosing function's name ('' at module or class level). */
  fn: string;
}

interface ModuleShare {
  text: string;
  sites: WriteSite[];
  /** ModelForm / ModelSerializer classes defined here: class name -> its Meta.model. */
  formModels: Map<string, string>;
  /** Classes of this module referenced where rows may be created: class name -> kinds of those places. */
  formUses: { name: string; kind: WriterKind; fn: string }[];
  /** A request-code write through a variable model (`model.objects.create`). */
  opaque: boolean;
  /**
   * Each top-level block's share, found again by place in the next version (PiecesByPlace: compared, not hashed), and
   * the parts of class blocks by their text, with the module-wide inputs they were read with: an edit inside one
   * method rescans only that method (a keystroke must not rescan a 5,000-line views module).
   */
  blocks?: { context: string; byPlace: PiecesByPlace<{ context: string; part: BlockShare }>; classParts: Map<string, BlockShare> };
  /** What the module writes, as a string (its blocks' writes, joined once per text). */
  key?: string;
}

/** What one top-level block (a class, a function, a statement with its decorators) adds to its module's share. */
type BlockShare = Omit<ModuleShare, 'text' | 'blocks' | 'key'>;

/** What the project's code writes. */
export interface ProjectWriters {
  /** Kinds of writers by model class name (and `~accessor` for related managers, lower-cased fixture names `@name`). */
  byModel: Map<string, WriteSite[]>;
  /** Some request code writes rows of a model it does not name: no table is known curated. */
  opaque: boolean;
}

const perFile = new WeakMap<ProjectInfo, Map<string, ModuleShare>>();
const unions = new WeakMap<ProjectInfo, { stamp: object; current: string; text: string; writers: ProjectWriters }>();

/** Cheap test of a module before it is scanned. */
const MAY_WRITE = /\.(create|get_or_create|update_or_create|bulk_create|save|add|add_all)\(|(Form|Serializer|FormSet|Formset)\b|\bregister\(|class\s+Meta\b|^\s+model\s*=/m;
/** Installed packages and virtual environments: not the project's code. */
const VENDORED = /(^|\/)(node_modules|site-packages|\.?venv|env)\//;
/** Tests (their factories make rows of every table, large or small). */
const TEST_PATH = /(^|\/)(tests?)\/|(^|\/)(test_[^/]*|tests?|tests_[^/]*|[^/]*_tests?|conftest)\.py$/;
/**
 * A seed or command that generates rows by the hundred: batched bulk inserts (`batch_size=500`), a loop of a hundred
 * or more (`range(1000)`). A few sample rows (`range(NUM_CONFERENCES)` of four) are still curation.
 */
const GENERATED_ROWS = /batch_size\s*=|\brange\(\s*(\d+\s*,\s*)?\d{3,}\s*\)/;
/** The Django admin's modules. */
const ADMIN_PATH = /(^|\/)admin(\.py$|\/)/;
/** Fixture files `loaddata` reads. */
const FIXTURE_FILE = /(^|\/)fixtures\/[^/]+\.(json|ya?ml)$/;

/** Decorators and classes of periodic or event code: Celery/RQ/Huey/Dramatiq tasks, schedulers, signal receivers. */
const EVENT_HEADER = /@\s*([\w.]*\.)?(shared_task|task|periodic_task|db_task|db_periodic_task|job|actor|receiver|scheduled_job|cron|on_event)\b|\(\s*(Task|PeriodicTask|Consumer|AsyncConsumer|WebsocketConsumer|AsyncWebsocketConsumer|JsonWebsocketConsumer|AsyncJsonWebsocketConsumer)\s*\)/;
/** Modules of event code: signal receivers, task modules, consumers, scheduled jobs. */
const EVENT_PATH = /(^|\/)(signals|receivers|tasks|jobs|cron|consumers|scheduler)\.py$/;
/**
 * Access checks that let only administrators or staff through: DRF's `IsAdminUser`, Django's
 * `@staff_member_required`, `@user_passes_test(lambda u: u.is_staff)`, `@permission_required`,
 * `PermissionRequiredMixin`, a `test_func` testing staff, a body that checks `is_staff`/`is_superuser` first.
 */
const ADMIN_ONLY = /IsAdminUser|IsSuperUser|IsStaff|AdminRequired|StaffRequired|SuperuserRequired|staff_member_required|superuser_required|admin_required|staff_required|permission_required|PermissionRequiredMixin|is_staff|is_superuser|ModelAdmin|\w+Inline\b/;
/** The ways of adding rows through a model's manager or the model itself. */
const MANAGER_WRITE = /(?<![\w.])([A-Z]\w*)\.(?:objects|\w+_objects|all_objects)\.(create|get_or_create|update_or_create|bulk_create)\(/g;
const OWN_CREATE = /(?<![\w.])([A-Z]\w*)\.create\(/g;
/** `parent.comments.create(...)`: a related manager adding a row of the model it leads to. */
const RELATED_WRITE = /(?<!\bobjects)\.([a-z_]\w*)\.(create|get_or_create|update_or_create)\(/g;
/**
 * `model.objects.create(...)`, `self.model.objects.create(...)`: a write through a model held in a variable (`cls`, in
 * a classmethod, is the enclosing model; a manager's `self.model` is the manager's model).
 */
const OPAQUE_WRITE = /(?<![\w.])(self\.model|[a-z_]\w*)\.objects\.(create|get_or_create|update_or_create|bulk_create)\(/;
const SQLA_ADD = /\b(?:\w*session|db|sess)\.(add|add_all)\(\s*([^\n]*)/;
const CONSTRUCTED = /(?<![\w.])([A-Z]\w*)\s*\(/g;
/** View bases whose class creates rows with its form or serializer. */
const CREATING_BASES = /Create|ModelViewSet|FormView|\bViewSet\b|GenericViewSet|\bAPIView\b|\bView\b|Wizard/;
/** View bases that only read. */
const READ_ONLY_BASES = /^(ReadOnlyModelViewSet|ListAPIView|RetrieveAPIView|ListView|DetailView|TemplateView|ListModelMixin|RetrieveModelMixin|GenericAPIView|ArchiveIndexView|UpdateView|UpdateAPIView|DestroyAPIView|DeleteView|RetrieveUpdateAPIView|RetrieveDestroyAPIView|RetrieveUpdateDestroyAPIView|UpdateModelMixin|DestroyModelMixin|LoginRequiredMixin)$/;
/** Handlers that create: a form's `form_valid`, DRF's `create`/`perform_create`, a `post`. */
const CREATING_HANDLER = /^\s+(async\s+)?def\s+(post|create|perform_create|form_valid|done)\s*\(/m;

/**
 * The model classes of the project whose every writer is curated code (and at least one writer exists). A model
 * with no writer at all (rows come from outside the project) is not one; neither is any model when some request
 * code writes through a variable model.
 */
export function projectWriters(project: ProjectInfo, current: { relPath: string; text: string }): ProjectWriters {
  const texts = projectTexts(project, current);
  const memo = unions.get(project);
  if (texts.stamp && memo && memo.stamp === texts.stamp && memo.current === current.relPath && memo.text === current.text) return memo.writers;
  const shares: ModuleShare[] = [];
  for (const rel of texts.files) {
    const text = rel === current.relPath ? current.text : texts.text(rel);
    if (text === undefined) continue;
    if (rel.endsWith('.py')) shares.push(shareOf(project, rel, text, rel === current.relPath));
    else if (FIXTURE_FILE.test(rel) && !VENDORED.test(rel)) shares.push(fixtureShare(project, rel, text));
  }
  const writers = joined(shares);
  if (texts.stamp) unions.set(project, { stamp: texts.stamp, current: current.relPath, text: current.text, writers });
  return writers;
}

/** The writes of every module put together: each form's or serializer's uses become writes of its model. */
function joined(shares: ModuleShare[]): ProjectWriters {
  const byModel = new Map<string, WriteSite[]>();
  const add = (site: WriteSite) => byModel.set(site.model, [...(byModel.get(site.model) ?? []), site]);
  const forms = new Map<string, string>();
  for (const share of shares) for (const [name, model] of share.formModels) forms.set(name, model);
  for (const share of shares) {
    share.sites.forEach(add);
    for (const use of share.formUses) {
      const model = formModel(forms, use.name);
      if (model) add({ model, kind: use.kind, fn: use.fn });
    }
  }
  return { byModel, opaque: shares.some((s) => s.opaque) };
}

/**
 * The model a form or serializer class saves: its own Meta.model, or (`^Base`) the one of the project class it
 * extends without naming a model (`class DetailSerializer(ListSerializer)` with `class Meta(ListSerializer.Meta)`).
 */
function formModel(forms: Map<string, string>, name: string): string | undefined {
  let model = forms.get(name);
  for (let hops = 0; model?.startsWith('^') && hops < 5; hops++) model = forms.get(model.slice(1));
  return model?.startsWith('^') ? undefined : model;
}

/** Names the framework calls (views' handlers): never "a helper only curators call". */
const HANDLER_NAME = /^(get|post|put|patch|delete|create|perform_create|form_valid|save|__init__|list|update|dispatch)$/;

/**
 * True when every place that adds rows of `model` is curated code, some such place exists, no request code writes
 * through a variable model, and no related manager adds its rows (`accessors`: the names other models reach it by).
 * A helper of request code that adds rows (`services.create_plan`) is curated when every call of it is in curated
 * code (analysis/python/request-created-models.ts's caller test), asked only for the models a rule asks about.
 */
export function onlyCuratorsWrite(project: ProjectInfo, current: { relPath: string; text: string }, writers: ProjectWriters, model: string, accessors: readonly string[]): boolean {
  if (writers.opaque) return false;
  const sites = writeSites(writers, model, accessors);
  return sites.length > 0 && sites.every((s) => curatorsSite(project, current, writers, s));
}

/**
 * Request or event code adds rows of `model` where a signed-in user or an event reaches it (not only curators, see
 * curatorsSite). False when no such writer is known, or when some request code writes through a variable model.
 */
export function usersAddRows(project: ProjectInfo, current: { relPath: string; text: string }, model: string, accessors: readonly string[]): boolean {
  const writers = projectWriters(project, current);
  if (writers.opaque) return false;
  return writeSites(writers, model, accessors).some((s) => s.kind !== 'volume' && !curatorsSite(project, current, writers, s));
}

/** The places that add rows of `model`: by class name, in fixture files, and through related managers (`accessors`). */
function writeSites(writers: ProjectWriters, model: string, accessors: readonly string[]): WriteSite[] {
  return [...(writers.byModel.get(model) ?? []), ...(writers.byModel.get(`@${model.toLowerCase()}`) ?? []), ...accessors.flatMap((a) => writers.byModel.get(`~${a}`) ?? [])];
}

/** Curated code, or a helper of request code that only curated code calls. */
function curatorsSite(project: ProjectInfo, current: { relPath: string; text: string }, writers: ProjectWriters, s: WriteSite): boolean {
  return s.kind === 'curated' || (s.kind === 'request' && !!s.fn && !HANDLER_NAME.test(s.fn) && helperOfCurators(project, current, writers, s.fn));
}

const helperAnswers = new WeakMap<ProjectWriters, Map<string, boolean>>();

function helperOfCurators(project: ProjectInfo, current: { relPath: string; text: string }, writers: ProjectWriters, fn: string): boolean {
  let answers = helperAnswers.get(writers);
  if (!answers) helperAnswers.set(writers, (answers = new Map()));
  let answer = answers.get(fn);
  if (answer === undefined) answers.set(fn, (answer = onlyCuratorsCall(project, current, fn)));
  return answer;
}

/**
 * A curated catalogue: a project model (not a table of users) whose every writer is curated code (see
 * onlyCuratorsWrite) and whose rows are not stamped content that piles up with time: no growth timestamp
 * (model-growth.ts), not named as a record of events, not read in the order of a date or time of its own
 * (`Meta.ordering`, `get_latest_by`, or the query's own `order_by`, `orderedBy`). A blog's posts written through the
 * admin with a publish date still grow.
 */
export function curatedCatalogue(project: ProjectInfo, current: { relPath: string; text: string }, models: ModelIndex, name: string, orderedBy: readonly string[] = []): boolean {
  if (curatedByName(project, current, models, name)) return true;
  if (!models.has(name) || models.isUserModel(name) || PEOPLE_NAME.test(name) || EVENT_MODEL_NAME.test(name)) return false;
  // A party, not a catalogue: one row per user (a profile's one-to-one), or a contact (a customer's, a tenant's email).
  if ([...(models.relationsOf(name)?.values() ?? [])].some((r) => r.kind === 'o2o' && !!r.target && models.isUserModel(r.target))) return false;
  if (models.hasField(name, /^(EmailField|PhoneNumberField)$/, /e_?mail|phone|mobile/i)) return false;
  // Rows that belong to a user (a payment's subscriber, a customer's credit) grow with sign-ups; who created a row
  // (`created_by`, `author`) says nothing of that.
  if (models.userRelations(name).some((field) => !AUTHORSHIP.test(field))) return false;
  // Rows that hang off other rows, several per parent (a release's files), multiply with their parents.
  if (models.childOf(name).length > 0) return false;
  // Goods for sale (a price with a stock or a picture): a shop's catalogue grows with the shop, a plan list does not.
  if (models.hasField(name, /^$/, PRICE) && models.hasField(name, /^(ImageField|VersatileImageField|CloudinaryField|ThumbnailerImageField)$/, STOCK)) return false;
  if (models.growthTimestamp(name) || models.hasEventTime(name) || models.readInTimeOrder(name) || orderedBy.some((f) => models.isTimeField(name, f.replace(/^-/, '').split('__')[0]))) return false;
  return onlyCuratorsWrite(project, current, projectWriters(project, current), name, models.reverseAccessors(name));
}

/**
 * A project model whose name says it holds a site's or business's few curated things (analysis/few-by-name.ts: banners,
 * service categories, a clinic's doctors, session years), unless rows are added where any signed-in user can add
 * them (a request handler with no admin gate), by events (tasks, signals) or by the hundred (a generating seed): then
 * it grows with its users whatever its name. Not the user model.
 */
export function curatedByName(project: ProjectInfo, current: { relPath: string; text: string }, models: ModelIndex, name: string): boolean {
  if (!models.has(name) || models.isUserModel(name) || !fewByName(name)) return false;
  const writers = projectWriters(project, current);
  return writeSites(writers, name, models.reverseAccessors(name)).every((s) => curatorsSite(project, current, writers, s));
}

/**
 * The project's models curated by their name (curatedByName), sorted: a loop over their rows is a handful of queries.
 * `among` narrows the names asked about before their writers are (a module asks only about the models it names:
 * judging writers reads every module of the project).
 */
export function curatedNames(project: ProjectInfo, current: { relPath: string; text: string }, models: ModelIndex, among: (name: string) => boolean = () => true): string[] {
  return models.names().filter((name) => fewByName(name) && among(name) && curatedByName(project, current, models, name)).sort();
}

/**
 * What the analysed module itself writes, as a string: part of a finding's cache key (other modules' texts are keyed
 * already). Empty where no per-statement answer is kept (a batch scan): no key is made there, and scanning each
 * analysed module for one cost a scan thread more than the rules' own questions about writers.
 */
export function ownWritesKey(project: ProjectInfo, rel: string, text: string): string {
  if (!rel.endsWith('.py') || !statementCachesEnabled()) return '';
  const share = shareOf(project, rel, text, true);
  return (share.key ??= JSON.stringify([share.sites, [...share.formModels], share.formUses, share.opaque]));
}

/**
 * A module's share, from its last text's when the text is unchanged. The file being edited keeps its blocks (the next
 * keystroke rescans only the block it changes); a batch scan and the other modules do not need them.
 */
function shareOf(project: ProjectInfo, rel: string, text: string, edited = false): ModuleShare {
  let cache = perFile.get(project);
  if (!cache) perFile.set(project, (cache = new Map()));
  const known = cache.get(rel);
  if (known && known.text === text) return known;
  const byBlock = edited && statementCachesEnabled();
  const share = VENDORED.test(rel) || !MAY_WRITE.test(text) ? emptyShare(text) : scanModule(rel, text, byBlock ? known : undefined, byBlock);
  cache.set(rel, share);
  return share;
}

function emptyShare(text: string): ModuleShare {
  return { text, sites: [], formModels: new Map(), formUses: [], opaque: false };
}

/** `[{"model": "catalog.plan", ...}]`: rows `loaddata` adds, by lower-cased model name. */
function fixtureShare(project: ProjectInfo, rel: string, text: string): ModuleShare {
  let cache = perFile.get(project);
  if (!cache) perFile.set(project, (cache = new Map()));
  const known = cache.get(rel);
  if (known && known.text === text) return known;
  const share = emptyShare(text);
  const names = new Set([...text.matchAll(/["']?model["']?\s*:\s*["']?\w+\.(\w+)/g)].map((m) => m[1].toLowerCase()));
  for (const name of names) share.sites.push({ model: `@${name}`, kind: 'curated', fn: '' });
  cache.set(rel, share);
  return share;
}

/** Where a line is: the enclosing function's name and the kind of code it is. */
interface Place {
  fn: string;
  kind: WriterKind;
  /** The nearest enclosing class: its header line and body (for a view's bases and handlers). */
  cls?: { line: number; header: string; body: string };
}

export function scanModule(rel: string, text: string, previous?: ModuleShare, byBlock = true): ModuleShare {
  const offline = OFFLINE_PATH.test(rel) || ADMIN_PATH.test(rel);
  const volume = offline && !TEST_PATH.test(rel) && GENERATED_ROWS.test(text);
  // `from .models import Plan as P`: writes of `P` are writes of `Plan`.
  const aliases = new Map(modelAliases(text));
  // Every walk of the scan stays inside one top-level block, so the module read whole gives the same share.
  if (!byBlock) return { text, ...scanBlock(rel, text.split('\n'), offline, volume, aliases) };
  const share = emptyShare(text);
  const context = `${volume}\u0000${JSON.stringify([...aliases])}`;
  const byPlace = previous?.blocks?.byPlace ?? new PiecesByPlace<{ context: string; part: BlockShare }>(2);
  let classParts = previous?.blocks?.context === context ? previous.blocks.classParts : new Map<string, BlockShare>();
  // Parts of versions long gone: forgotten in one go (their keys are texts, so a stale one can never answer wrongly).
  if (classParts.size > MAX_CLASS_PARTS) classParts = new Map();
  const known = (key: string, scan: () => BlockShare): BlockShare => {
    let part = classParts.get(key);
    if (!part) classParts.set(key, (part = scan()));
    return part;
  };
  byPlace.begin(text.length);
  // (The blocks' texts are slices of the module's: a keystroke splits only the block it changed into lines.)
  for (const [start, block] of topLevelBlocks(text)) {
    let found = byPlace.find(start, block);
    if (found?.context !== context) {
      const lines = block.split('\n');
      found = { context, part: scanClassByParts(rel, lines, offline, volume, aliases, known) ?? scanBlock(rel, lines, offline, volume, aliases) };
    }
    byPlace.record(start, block, found);
    addShare(share, found.part);
  }
  byPlace.end();
  share.blocks = { context, byPlace, classParts };
  return share;
}

/** Class parts kept for the file being edited, beyond which they are forgotten. */
const MAX_CLASS_PARTS = 4000;

/**
 * `X as Y` pairs of the module (`from .models import Plan as P`), as `/\b([A-Z]\w*)\s+as\s+(\w+)/g` finds them: [Y, X]
 * in text order. Found from each `as` between white space rather than by that pattern tried at every word of a
 * 5,000-line module (a keystroke paid 0.3-0.9 ms for it).
 */
export function modelAliases(text: string): [string, string][] {
  const out: [string, string][] = [];
  let lastEnd = 0;
  for (let at = text.indexOf('as', 1); at >= 0; at = text.indexOf('as', at + 1)) {
    if (at + 2 >= text.length || !spaceAt(text, at - 1) || !spaceAt(text, at + 2)) continue;
    // The word before: a capitalised one, starting after the previous pair (pairs do not overlap).
    let wordEnd = at - 1;
    while (wordEnd >= 0 && spaceAt(text, wordEnd)) wordEnd--;
    let wordStart = wordEnd;
    while (wordStart >= 0 && isWordChar(text.charCodeAt(wordStart))) wordStart--;
    wordStart++;
    if (wordStart > wordEnd || wordStart < lastEnd) continue;
    const first = text.charCodeAt(wordStart);
    if (first < 65 || first > 90) continue;
    // The name after.
    let nameStart = at + 2;
    while (nameStart < text.length && spaceAt(text, nameStart)) nameStart++;
    let nameEnd = nameStart;
    while (nameEnd < text.length && isWordChar(text.charCodeAt(nameEnd))) nameEnd++;
    if (nameEnd === nameStart) continue;
    out.push([text.slice(nameStart, nameEnd), text.slice(wordStart, wordEnd + 1)]);
    lastEnd = nameEnd;
    at = nameEnd - 1;
  }
  return out;
}

const SPACE = /\s/;
function addShare(share: BlockShare, part: BlockShare): void {
  share.sites.push(...part.sites);
  for (const [form, model] of part.formModels) share.formModels.set(form, model);
  share.formUses.push(...part.formUses);
  share.opaque ||= part.opaque;
}

/**
 * A top-level class read part by part (its header, then each method or class-level statement of its body), each part
 * kept by its text with the class's own facts (header, whether its body creates or admits only administrators, its
 * forms' `Meta.model` lines): a keystroke inside one method of a view class of several hundred lines rescans that
 * method. Every walk of the scan from a part's line stays inside the part or reads the class header (the body's lines
 * in between are at the body's indentation or deeper); undefined (read the block whole) where that does not hold.
 */
function scanClassByParts(rel: string, block: string[], offline: boolean, volume: boolean, aliases: Map<string, string>, known: (key: string, scan: () => BlockShare) => BlockShare): BlockShare | undefined {
  const parts = classParts(block);
  if (!parts) return undefined;
  const { bodyStart, first, starts } = parts;
  const share: BlockShare = { sites: [], formModels: new Map(), formUses: [], opaque: false };
  const metaLines = formClasses(block, share);
  const classes: ClassMemo = new Map();
  const span = enclosingClass(block, first, classes);
  if (span) span.adminOnly = classAdminOnly(span.body);
  const header = block.slice(0, bodyStart);
  const classKey = `${header.join('\n')}\u0001${span ? `${span.line}${span.adminOnly}${CREATING_HANDLER.test(span.body)}` : '-'}`;
  const bounds = [0, bodyStart, ...starts, block.length];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const [from, to] = [bounds[k], bounds[k + 1]];
    if (from === to) continue;
    const own = k === 0 ? [] : block.slice(from, to);
    const offset = k === 0 ? 0 : bodyStart;
    const meta = [...metaLines].filter((i) => i >= from && i < to).map((i) => i - from + offset);
    const key = `\u0002${classKey}\u0001${meta.join(',')}\u0001${k === 0 ? '' : own.join('\n')}`;
    addShare(share, known(key, () => scanBlock(rel, [...header, ...own], offline, volume, aliases, { from: offset, classes: new Map(classes), metaLines: new Set(meta) })));
  }
  return share;
}

/**
 * A top-level class block's body cut at each statement of the body's indentation (a decorated method starts at its
 * first decorator; a comment, at any indentation, belongs to the part before it); undefined for a block that is no class, a class without an indented body, or a body with a line
 * less indented than its first statement (an upward walk from one part could then stop inside another).
 */
function classParts(block: string[]): { bodyStart: number; first: number; starts: number[] } | undefined {
  const at = block.findIndex((l) => /^class\s/.test(l));
  if (at < 0) return undefined;
  let end = at;
  while (end < block.length && end < at + 20 && !/:\s*(#.*)?$/.test(block[end])) end++;
  if (end >= block.length || !/:\s*(#.*)?$/.test(block[end])) return undefined;
  const bodyStart = end + 1;
  const first = block.findIndex((l, i) => i >= bodyStart && l.trim() !== '' && !l.trimStart().startsWith('#'));
  if (first < 0) return undefined;
  const indent = indentWidth(block[first]);
  if (indent === 0) return undefined;
  const starts: number[] = [];
  let decorated = false;
  for (let i = bodyStart; i < block.length; i++) {
    const line = block[i];
    // Comments: the upward walks step over them, the downward ones stop at them in either part.
    if (!line.trim() || line.trimStart().startsWith('#')) continue;
    if (indentWidth(line) < indent) return undefined;
    if (indentWidth(line) > indent || /^\s*[)\]}]/.test(line)) continue;
    if (i > first && !decorated && !/^\s*@/.test(block[i - 1])) starts.push(i);
    decorated = line.trimStart().startsWith('@');
  }
  // A `def` whose signature does not end on its line is read on to the line that ends it (enclosingFunction):
  // that line must be in the same part.
  let next = 0;
  for (let i = bodyStart; i < block.length; i++) {
    while (next < starts.length && starts[next] <= i) next++;
    if (!/^\s*(async\s+)?def\s/.test(block[i]) || /:\s*(#.*)?$/.test(block[i])) continue;
    const partEnd = starts[next] ?? block.length;
    for (let j = i + 1; j < block.length && j <= i + 20; j++) {
      if (j >= partEnd) return undefined;
      if (/:\s*(#.*)?$/.test(block[j])) break;
    }
  }
  return { bodyStart, first, starts };
}

/**
 * The module's text cut before each line where a statement starts at column 0, each piece with its offset (not a closing bracket, not a comment,
 * which the upward walks step over, not after a decorator, whose arguments may close on a line of their own): every
 * walk of the scan (the enclosing def or class, a function's body, a class's decorators) stays inside one block.
 */
function topLevelBlocks(text: string): [number, string][] {
  const blocks: [number, string][] = [];
  let blockStart = 0;
  let previousLine = -1;
  let decorated = false;
  for (let start = 0; start <= text.length; ) {
    const newline = text.indexOf('\n', start);
    const end = newline < 0 ? text.length : newline;
    if (start < end && startsStatement(text.charCodeAt(start))) {
      // (A class's decorators are the `@` lines right above it, at any indentation.)
      if (start > blockStart && !decorated && !DECORATOR_LINE.test(text.slice(previousLine, start - 1))) {
        blocks.push([blockStart, text.slice(blockStart, start - 1)]);
        blockStart = start;
      }
      decorated = text[start] === '@';
    }
    previousLine = start;
    if (newline < 0) break;
    start = newline + 1;
  }
  blocks.push([blockStart, text.slice(blockStart)]);
  return blocks;
}

/**
 * The first character of a line that starts a statement at column 0: not white space (`\s`), `)`, `]`, `}` or `#`
 * (compared by code, not by a pattern run on a one-character string per line of the module).
 */
function startsStatement(c: number): boolean {
  if (c === 0x29 || c === 0x5d || c === 0x7d || c === 0x23) return false;
  return c < 128 ? !isAsciiSpace(c) : !SPACE.test(String.fromCharCode(c));
}

/** `\s` among ASCII characters: tab, line feed, vertical tab, form feed, carriage return, space. */
function isAsciiSpace(c: number): boolean {
  return (c >= 9 && c <= 13) || c === 32;
}

/** `\s` at a place of the text. */
function spaceAt(text: string, at: number): boolean {
  const c = text.charCodeAt(at);
  return c < 128 ? isAsciiSpace(c) : SPACE.test(text[at]);
}
const DECORATOR_LINE = /^\s*@/;

/**
 * `part`: scan only the lines from `from` on, with the classes already read and the forms' `Meta.model` lines of the
 * whole class (the lines before `from` are the class header the walks may reach).
 */
function scanBlock(rel: string, lines: string[], offline: boolean, volume: boolean, aliases: Map<string, string>, part?: { from: number; classes: ClassMemo; metaLines: Set<number> }): BlockShare {
  const share: BlockShare = { sites: [], formModels: new Map(), formUses: [], opaque: false };
  const places = new Map<number, Place>();
  const classes: ClassMemo = part?.classes ?? new Map();
  const outline = lineOutline(lines);
  const functions = new Map<number, FunctionSpan | undefined>();
  const functionOf = (i: number) => {
    if (!functions.has(i)) functions.set(i, enclosingFunction(lines, i, outline));
    return functions.get(i);
  };
  const saving = new Map<number, boolean>();
  const saves = (fn: FunctionSpan) => {
    let answer = saving.get(fn.def);
    if (answer === undefined) saving.set(fn.def, (answer = functionSaves(lines, fn.def, outline)));
    return answer;
  };
  const placeOf = (i: number) => {
    let p = places.get(i);
    if (!p) places.set(i, (p = place(rel, lines, i, offline, classes, functionOf(i), outline)));
    return p;
  };
  const add = (model: string, p: Place) => share.sites.push({ model: aliases.get(model) ?? model, kind: volume ? 'volume' : p.kind, fn: p.fn });
  const from = part?.from ?? 0;
  const classRanges = part?.metaLines ?? formClasses(lines, share);
  for (let i = from; i < lines.length; i++) {
    const line = lines[i];
    // (Every write below is a call or a `model = X` line.)
    if ((!line.includes('(') && !line.includes('model')) || /^\s*(#|from\s|import\s)/.test(line)) continue;
    for (const m of line.matchAll(MANAGER_WRITE)) add(m[1], placeOf(i));
    for (const m of line.matchAll(OWN_CREATE)) add(m[1], placeOf(i));
    for (const m of line.matchAll(RELATED_WRITE)) if (m[1] !== 'objects') add(`~${m[1]}`, placeOf(i));
    const opaque = OPAQUE_WRITE.exec(line);
    if (opaque && (opaque[1] === 'cls' || opaque[1] === 'self')) {
      const owner = /class\s+(\w+)/.exec(placeOf(i).cls?.header ?? '')?.[1];
      if (owner) add(owner, placeOf(i));
    } else if (opaque && placeOf(i).kind === 'request' && !(opaque[1] === 'self.model' && /class\s+\w*(Manager|QuerySet)\b/.test(placeOf(i).cls?.header ?? ''))) {
      share.opaque = true;
    }
    const sqla = SQLA_ADD.exec(line);
    if (sqla) for (const m of sqla[2].matchAll(CONSTRUCTED)) add(m[1], placeOf(i));
    // `Plan(name=...)` in a function that saves (`plan.save()`, `session.add(plan)`, `bulk_create([...])`).
    if (/(?<![\w.])[A-Z]\w*\s*\(/.test(line) && !/^\s*(class|def|@|raise|return\s+\w+Response)/.test(line)) {
      const fn = functionOf(i);
      if (fn && saves(fn)) for (const m of line.matchAll(CONSTRUCTED)) add(m[1], placeOf(i));
    }
    // `admin.site.register(Plan, PlanAdmin)`, `@admin.register(Plan)`: the admin's add form writes the model.
    const registered = /\bregister\(\s*([^)]*)\)/.exec(line);
    if (registered && /admin|site/.test(line)) for (const m of registered[1].matchAll(/(?<![\w.])([A-Z]\w*)\b/g)) share.sites.push({ model: m[1], kind: 'curated', fn: '' });
    // A CreateView's `model = Plan`, an admin inline's `model = Plan`.
    const modelAttribute = /^\s+model\s*=\s*(?:[\w.]+\.)?([A-Z]\w*)\s*$/.exec(line);
    if (modelAttribute && !classRanges.has(i)) {
      const p = placeOf(i);
      if (p.cls && (offline || creatingClass(p.cls))) add(modelAttribute[1], p);
    }
  }
  formUses(lines, share, placeOf, functionOf, saves, classRanges, from);
  return share;
}

/** Lines inside a `def` (from `def` to its end) that call `.save(`, `.add(`, `.add_all(` or `bulk_create(`. */
function functionSaves(lines: string[], def: number, outline: LineOutline): boolean {
  const indent = outline.indent[def];
  for (let j = def + 1; j < lines.length; j++) {
    if (outline.indent[j] <= indent && lines[j].trim() && !/^\s*[)\]}]/.test(lines[j])) break;
    if (/\.(save|add|add_all|bulk_create)\(/.test(lines[j])) return true;
  }
  return false;
}

/**
 * ModelForm / ModelSerializer classes (any class with an inner `class Meta:` naming `model = X`), recorded in the
 * share; returns the lines of their Meta's `model = X` (not a view's model attribute).
 */
function formClasses(lines: string[], share: BlockShare): Set<number> {
  const metaLines = new Set<number>();
  for (let i = 0; i < lines.length; i++) {
    const cls = /^(\s*)class\s+(\w+)\s*\(([^)]*)\)?/.exec(lines[i]);
    if (!cls || !/Form|Serializer|Schema/.test(cls[3] ?? '')) continue;
    const indent = cls[1].length;
    let inMeta = -1;
    for (let j = i + 1; j < lines.length; j++) {
      if (lines[j].trim() && indentWidth(lines[j]) <= indent) break;
      if (/^\s*class\s+Meta\b/.test(lines[j])) inMeta = indentWidth(lines[j]);
      const model = inMeta >= 0 ? /^\s+model\s*=\s*(?:[\w.]+\.)?([A-Z]\w*)\s*$/.exec(lines[j]) : null;
      if (model && indentWidth(lines[j]) > inMeta) {
        share.formModels.set(cls[2], model[1]);
        metaLines.add(j);
      }
    }
    // A subclass of one project form or serializer that names no model of its own saves its base's (joined()).
    const base = /^\s*(?:[a-z_]\w*\.)?([A-Z]\w*(?:Form|Serializer))\s*$/.exec(cls[3] ?? '');
    if (!share.formModels.has(cls[2]) && base && !/^(Model)?(Form|Serializer)$|^(HyperlinkedModel|List)Serializer$/.test(base[1])) share.formModels.set(cls[2], `^${base[1]}`);
  }
  return metaLines;
}

/**
 * Uses of form or serializer classes (any capitalised name ending in Form/Serializer) where rows may be created:
 * in a view class that creates (its `form_class`/`serializer_class`, or a method of it), or in a function that saves
 * or passes `data=`/`request.POST`. A `many=True` output in a function that never saves is a read.
 */
function formUses(lines: string[], share: BlockShare, placeOf: (i: number) => Place, functionOf: (i: number) => FunctionSpan | undefined, saves: (fn: FunctionSpan) => boolean, metaLines: Set<number>, from: number): void {
  for (let i = from; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*(#|from\s|import\s|class\s)/.test(line) || metaLines.has(i)) continue;
    // `serializers.PostSerializer`: a class named through its module counts as the class.
    for (const m of line.matchAll(/(?<![\w.])(?:[a-z_]\w*\.)?([A-Z]\w*(?:Form|Serializer|FormSet|Formset))\b/g)) {
      const p = placeOf(i);
      const fn = functionOf(i);
      // In a method, only a use that takes input or saves writes (`S(rows, many=True).data` is output); the class's
      // `serializer_class`/`form_class` (or what `get_serializer_class` returns) writes when the view creates.
      const classLevel = !fn || /^(get_serializer_class|get_form_class)$/.test(fn.name);
      const takesInput = !!fn && (/\bdata\s*=|request\.(POST|data|FILES)/.test(line) || (saves(fn) && !/many\s*=\s*True/.test(line)));
      if ((classLevel && !!p.cls && creatingClass(p.cls)) || takesInput) share.formUses.push({ name: m[1], kind: p.kind, fn: p.fn });
    }
  }
}

/** A view class that creates rows: a creating base (not only read-only ones), or a handler that creates. */
function creatingClass(cls: { header: string; body: string }): boolean {
  const bases = (/\(([^)]*)\)/.exec(cls.header)?.[1] ?? '').split(',').map((b) => b.trim().split('.').pop() ?? '');
  if (bases.some((b) => !READ_ONLY_BASES.test(b) && /Create|ModelViewSet|FormView|Wizard|Admin|Inline/.test(b))) return true;
  if (bases.length > 0 && bases.every((b) => READ_ONLY_BASES.test(b))) return CREATING_HANDLER.test(cls.body);
  return CREATING_BASES.test(bases.join(',')) ? CREATING_HANDLER.test(cls.body) || /ViewSet|Mixin/.test(bases.join(',')) : CREATING_HANDLER.test(cls.body);
}

/** The kind of code line `at` is in. */
function place(rel: string, lines: string[], at: number, offline: boolean, classes: ClassMemo, fn: FunctionSpan | undefined, outline: LineOutline): Place {
  const cls = enclosingClass(lines, at, classes, outline);
  const name = fn?.name ?? '';
  if (offline) return { fn: name, kind: 'curated', cls };
  const header = `${fn?.header ?? ''}\n${cls?.header ?? ''}`;
  const classGate = cls ? (cls.adminOnly ??= classAdminOnly(cls.body)) : false;
  // The body turns away everyone but administrators before it writes (`if not request.user.is_staff: raise ...`).
  const bodyGate = !!fn && ADMIN_EXIT.test(lines.slice(fn.def + 1, at).join('\n'));
  if (classGate || bodyGate || ADMIN_ONLY.test(header) || ROLE_GATE.test(header) || CURATED.test(header)) return { fn: name, kind: 'curated', cls };
  if (EVENT_HEADER.test(header) || EVENT_PATH.test(rel)) return { fn: name, kind: 'event', cls };
  // Module level (a row made at import) or a class attribute outside any view: set up once, not per request.
  if (!fn && !cls) return { fn: '', kind: 'curated', cls };
  return { fn: name, kind: 'request', cls };
}

/** Tables of people, by a whole word of the class name: `StaffUser`, `UserProfile`, `Members` (not `MembershipPlan`). */
const PEOPLE_NAME = /(User|Account|Profile|Member)s?($|[A-Z_])/;
/** Relations to a user that name who made a row, not whose it is. */
const AUTHORSHIP = /^(created_by|creator|author|added_by|updated_by|modified_by|last_modified_by|edited_by|changed_by|published_by|posted_by)$/;
const PRICE = /(^|_)(price|cost)(_|$)|^amount$/i;
const STOCK = /^(stock|quantity|qty|inventory|sku|in_stock|available_quantity|image|images|photo|picture|thumbnail|cover)$/;

/** Roles of the people who run a site (not of its users): `role != "owner"` turns everyone else away. */
const PRIVILEGED_ROLE = String.raw`(?:admin|administrator|super_?admin|superuser|owner|staff|manager|hod|principal|director)`;
const ROLE_VALUE = String.raw`["']${PRIVILEGED_ROLE}["']`;
/** A user's role attribute: `request.user.role`, `current_user.user_type`, `self.request.user.account_type.lower()`. */
const USER_ROLE = String.raw`[\w.]*user[\w.]*\.(?:role|user_type|usertype|user_role|account_type|type)(?:\.(?:lower|upper|casefold)\(\))?`;
/**
 * `if not user.is_staff: return/raise`, `if request.user.role != "owner": return ...`, `if user.user_type not in
 * ("admin", "manager"): raise ...`, also with one statement before the exit (`messages.error(...)` then
 * `return redirect(...)`): a check that only lets the site's admins, owners or staff on.
 */
const ADMIN_EXIT = new RegExp(
  String.raw`\bif\s+(not\s+[\w.()]*\b(is_staff|is_superuser|is_admin)\b|${USER_ROLE}\s*!=\s*${ROLE_VALUE}|${USER_ROLE}\s+not\s+in\s*[\[({]\s*${ROLE_VALUE}(\s*,\s*${ROLE_VALUE})*\s*,?\s*[\])}])[^\n]*:\s*(#[^\n]*)?\n?([^\n]*\n)?\s*(return|raise)\b`,
  'i',
);

/**
 * Decorators and `test_func`s letting only the site's people in: `@owner_required`, `@admin_only`,
 * `@role_required("admin")`, `@user_passes_test(lambda u: u.role == "owner")`.
 */
const ROLE_GATE = new RegExp(
  String.raw`\b(?:owner|admin|staff|superuser|manager)_(?:required|only)\b|\brole_required\(\s*${ROLE_VALUE}|\.(?:role|user_type|usertype|user_role|account_type)(?:\.(?:lower|upper|casefold)\(\))?\s*(?:==\s*${ROLE_VALUE}|in\s*[\[({]\s*${ROLE_VALUE}(?:\s*,\s*${ROLE_VALUE})*\s*,?\s*[\])}])`,
  'i',
);

/** A view class body admitting only administrators: `permission_classes = [IsAdminUser]`, a staff `test_func` or `dispatch`. */
function classAdminOnly(body: string): boolean {
  if (/^\s+permission_classes\s*=.*\b(IsAdminUser|IsSuperUser|IsStaff\w*|\w*Admin\w*)\b/m.test(body)) return true;
  if (/^\s+permission_required\s*=/m.test(body)) return true;
  // `def dispatch(self, request, ...)` turning others away before any handler runs.
  const dispatch = /def\s+dispatch\s*\([^)]*\)\s*:([\s\S]{0,400})/.exec(body);
  if (dispatch && ADMIN_EXIT.test(dispatch[1].split(/\n\s*def\s/)[0])) return true;
  const test = /def\s+test_func\s*\([^)]*\)\s*:([\s\S]{0,300})/.exec(body);
  const checked = test?.[1].split(/\n\s*def\s/)[0] ?? '';
  return !!test && (/is_staff|is_superuser|admin/i.test(checked) || ROLE_GATE.test(checked));
}

/** Classes already read in one block, by the line of their `class` statement (a class holds many write sites). */
type ClassMemo = Map<number, ClassSpan>;
interface ClassSpan {
  line: number;
  header: string;
  body: string;
  adminOnly?: boolean;
}

/**
 * The nearest class a line is inside of (by indentation): its header (decorators and `class` line) and body.
 * `outline`: step from parent to parent (enclosingFunction's).
 */
function enclosingClass(lines: string[], at: number, classes: ClassMemo, outline?: LineOutline): ClassSpan | undefined {
  let indent = outline ? outline.indent[at] : indentWidth(lines[at]);
  for (let i = outline ? outline.up[at] : at - 1; i >= 0 && indent > 0; i = outline ? outline.up[i] : i - 1) {
    if (!outline && (!lines[i].trim() || lines[i].trimStart().startsWith('#') || indentWidth(lines[i]) >= indent)) continue;
    indent = outline ? outline.indent[i] : indentWidth(lines[i]);
    if (!/^\s*class\s/.test(lines[i])) continue;
    const known = classes.get(i);
    if (known) return known;
    const body: string[] = [];
    for (let j = i + 1; j < lines.length && (!lines[j].trim() || indentWidth(lines[j]) > indent); j++) body.push(lines[j]);
    const decorators: string[] = [];
    for (let d = i - 1; d >= 0 && /^\s*@/.test(lines[d]); d--) decorators.push(lines[d]);
    const span: ClassSpan = { line: i, header: [...decorators, lines[i]].join('\n'), body: body.join('\n') };
    classes.set(i, span);
    return span;
  }
  return undefined;
}
