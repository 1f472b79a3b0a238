/**
 * n-plus-one in Django templates: a view passes a queryset to a template whose `{% for %}` reads a relation of
 * each row (`{{ o.customer.name }}`, `{% for i in o.items.all %}`, `{{ o.items.count }}`) that the queryset does not
 * select_related/prefetch_related. Reported in the template (where the read is) and on the view's queryset (where
 * the fix goes: the engine's fixes edit the reported file only).
 *
 * The view -> template links are project facts: built once per project and rebuilt only when a view, model,
 * settings or template file it used changes (per-file facts are kept per text version).
 */
import { modelClassName } from '../shared/table-names';
import { Parser, type Language, type Tree } from 'web-tree-sitter';
import type { FixSpec, OffsetEdit, ProjectInfo, ReportSpec, RuleContext } from '../api';
import { clip, lineNumberAt } from '../shared/format';
import { headlineText, smallPageSize, type NPlusOneMessageId } from './meta';
import { offlineByLayout } from '../../analysis/reach';
import { parseTemplate, looksLikeTemplate, type ParsedTemplate, type TemplateNode, type VariableRead } from '../../analysis/django-templates/parse';
import { isModelsFile, ModelIndex, modelsIn, type ModelInfo, type QueryingMethod } from '../../analysis/django-templates/models';
import { TEMPLATE_FILE, TemplateFolders } from '../../analysis/django-templates/folders';
import { ProjectSlot, sameList } from '../../analysis/cache';
import { moduleMatches } from '../../analysis/python/statements';
import { takeSharedLinks, TEMPLATE_LINKS_TOPIC } from './template-links-share';
import { factsExchange } from '../../analysis/shared-facts';
import { projectTexts } from '../../analysis/project-texts';
import { importedBasePicksRows } from './imported-view-bases';
import { ModelIndex as GrowthIndex, modelClassesIn, type ModelClass } from '../../analysis/python/django-models';
import { fewChildren } from '../../analysis/python/row-count';
import { purchaseModel } from '../../analysis/python/purchase-lines';
import { projectAppLimits, type AppLimits } from '../../analysis/python/owner-limits';
import { flaggedByCurators, projectFlagWrites, type FlagWrites } from '../../analysis/python/flagged-rows';
import { curatedNames } from '../../analysis/python/model-writers';
import { staffRosterNames } from '../../analysis/python/staff-rosters';
import { RENDERS_TEMPLATES, templateViewsIn, type ContextValue, type QuerysetFacts, type TemplateView } from '../../analysis/python/django-template-views';

/** Depth of `{% extends %}`/`{% include %}` chains followed (also stops cycles). */
const MAX_TEMPLATE_DEPTH = 12;

/** A name bound in a template: rows of a view's queryset, one row, or one object, with its relation path. */
interface Binding {
  value: ContextValue;
  view: TemplateView;
  /** Relation path from the queryset's model (`items`, `items__product`). */
  path: string[];
  model?: string;
  many: boolean;
  /** One of many rows: following a relation from it costs a query per row. */
  perRow: boolean;
  /** Some relation on the path is a collection: only prefetch_related can load what follows. */
  throughMany: boolean;
}

/** `model-method`: a method or property of the row's model that queries one of its managers (`o.get_total`). */
type Method = 'select_related' | 'prefetch_related' | 'count' | 'exists' | 'model-method';

export interface TemplateFinding {
  template: string;
  start: number;
  end: number;
  /** What the template reads: `o.customer`, `o.items.all`. */
  read: string;
  path: string;
  method: Method;
  view: TemplateView;
  value: ContextValue;
  /** For `model-method`: the model, and the manager query its method runs. */
  via?: { model: string; member: string } & QueryingMethod;
}

interface FileEntry {
  text: string | undefined;
  models?: ModelInfo[];
  /** The same classes as the Python model reader sees them (growth facts: which children stay few). */
  modelClasses?: ModelClass[];
  views?: TemplateView[];
  settings?: boolean;
  template?: ParsedTemplate;
}

interface ProjectCache {
  files: readonly string[];
  entries: Map<string, FileEntry>;
  /** Files whose text the last result depends on. */
  inputs: Map<string, string | undefined>;
  findings?: TemplateFinding[];
  folders?: { key: string; folders: TemplateFolders };
  /** The projectTexts stamp under which `findings` were last built or found to hold. */
  checkedUnder?: object;
}

/** The project's view -> template links and findings, kept by the engine's project slot (issue 13). */
const PROJECT_LINKS = new ProjectSlot<{ cache?: ProjectCache }>('n-plus-one: template links', () => ({}));
let parser: Parser | undefined;

/** Template-side findings (in the template being checked). */
export function checkTemplate(ctx: RuleContext): void {
  if (!looksLikeTemplate(ctx.file.text)) return;
  const language = ctx.pythonLanguage?.();
  if (!language) return;
  const small = smallPageSize(ctx.options);
  const findings = projectFindings(ctx, language).filter((f) => f.template === ctx.file.relPath && !smallPage(f, small));
  const seen = new Set<string>();
  for (const f of findings) {
    const key = `${f.start}:${f.path}:${f.method}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const others = [...new Set(findings.filter((g) => g.start === f.start && g.path === f.path && g.view !== f.view).map((g) => g.view.name))];
    ctx.report({ ...templateReport(f, others), table: rowsTable(f) });
  }
}

/** View-side findings (on the queryset of a view in the file being checked), with the fix. */
export function checkTemplateViews(ctx: RuleContext, tree: Tree, canFix: boolean): void {
  if (!moduleMatches(tree, ctx.file.text, RENDERS_TEMPLATES)) return;
  const small = smallPageSize(ctx.options);
  const findings = projectFindings(ctx, tree.language, tree).filter((f) => f.view.file === ctx.file.relPath && !smallPage(f, small));
  const seen = new Set<string>();
  for (const f of findings) {
    // A model method's queries are fixed in the model or the view by hand: reported in the template only.
    if (f.method === 'model-method' || suppressedInTemplate(f, ctx.project)) continue;
    const key = `${f.value.queryset.start}:${f.path}:${f.method}`;
    if (seen.has(key)) continue;
    seen.add(key);
    ctx.report({ ...viewReport(f, canFix, ctx.project), table: rowsTable(f) });
  }
}

/** Rows of a list view paged a handful at a time (`paginate_by = 5`): a few queries a page, not a memory cause. */
function smallPage(f: TemplateFinding, small: number): boolean {
  return f.value.pageRows !== undefined && f.value.pageRows <= small;
}

/**
 * Builds the view -> template links of each project with a template and hands them to the other threads of a batch
 * scan before they ask (analysis/shared-facts.ts `offerSpareWork`). Does nothing outside a batch scan or once another
 * thread is at it.
 */
export function shareTemplateLinks(projects: readonly ProjectInfo[], language: Language): void {
  const exchange = factsExchange();
  if (!exchange?.claimed || exchange.claimed(TEMPLATE_LINKS_TOPIC)) return;
  for (const project of projects) {
    // The links of the whole project, as the rule builds them on the first template it checks (checkTemplate).
    for (const relPath of project.files()) {
      if (!TEMPLATE_FILE.test(relPath)) continue;
      const text = project.readFile(relPath);
      if (text === undefined || !looksLikeTemplate(text)) continue;
      projectFindings({ project, file: { relPath, text } }, language);
      break;
    }
  }
}

/** `ownTree`: the checked file's tree (the editor's, parsed incrementally), used instead of parsing it again. */
function projectFindings(ctx: { project: ProjectInfo; file: { relPath: string; text: string } }, language: Language, ownTree?: Tree): TemplateFinding[] {
  const project = ctx.project;
  const texts = projectTexts(project, { relPath: ctx.file.relPath, text: ctx.file.text });
  const listed = texts.files;
  // The checked file may be new (not on disk, or not listed yet): its views and templates count too.
  const files = listed.includes(ctx.file.relPath) ? listed : [...listed, ctx.file.relPath];
  const read = (rel: string) => texts.text(rel);
  const links = PROJECT_LINKS.get(project);
  let cache = links.cache;
  if (!cache || !sameList(cache.files, files)) {
    cache = { files, entries: new Map(), inputs: new Map() };
    links.cache = cache;
  }
  const own = ownTree && { file: ctx.file.relPath, tree: ownTree };
  // Checked last under the same stamp: no other file changed since, so only the checked file's text can matter.
  const onlyOwn = texts.stamp !== undefined && cache.checkedUnder === texts.stamp ? ctx.file.relPath : undefined;
  const inputsHold = onlyOwn === undefined ? [...cache.inputs].every(([file, text]) => read(file) === text) : !cache.inputs.has(onlyOwn) || read(onlyOwn) === cache.inputs.get(onlyOwn);
  cache.checkedUnder = undefined;
  if (cache.findings && inputsHold && !newViewFile(cache, read, own, onlyOwn)) {
    cache.checkedUnder = texts.stamp;
    return cache.findings;
  }
  cache.inputs = new Map();
  const shared = takeSharedLinks(files, read, cache.inputs);
  if (shared.findings) {
    cache.checkedUnder = texts.stamp;
    return (cache.findings = shared.findings);
  }
  let built: TemplateFinding[] | undefined;
  try {
    // Tables named for a site's few curated things (a clinic's doctors) and staff rosters the admins enter: their rows
    // are a handful (model-writers.ts, staff-rosters.ts).
    const current = { relPath: ctx.file.relPath, text: ctx.file.text };
    // One user's rows a workflow drains (a cart cleared at checkout) or caps are few (owner-limits.ts).
    let limits: AppLimits | undefined;
    const appLimits = () => (limits ??= projectAppLimits(project, current));
    let flags: FlagWrites | undefined;
    const flagWrites = () => (flags ??= projectFlagWrites(project, current));
    built = cache.findings = buildFindings(cache, read, language, own, (growth) => new Set([...curatedNames(project, current, growth), ...staffRosterNames(project, current, growth)]), appLimits, flagWrites);
  } finally {
    shared.publish?.(built, cache.inputs);
  }
  cache.checkedUnder = texts.stamp;
  return built;
}

/** A Python file (`only` that one, when given) that did not render templates at the last build and does now. */
function newViewFile(cache: ProjectCache, read: (rel: string) => string | undefined, own?: OwnTree, only?: string): boolean {
  for (const file of only === undefined ? cache.files : [only]) {
    if (!file.endsWith('.py') || cache.inputs.has(file)) continue;
    const text = read(file);
    const entry = cache.entries.get(file);
    if (entry && entry.text === text) continue;
    if (text === undefined) continue;
    const matches = textTest(file, text, own);
    if (matches(RENDERS_TEMPLATES) || isModelsFile(file) || matches(SETTINGS_DIRS)) return true;
  }
  return false;
}

const SETTINGS_DIRS = /\bDIRS\b/;
const DECLARES_MODELS = /models\.Model\b|\(\s*Model\s*\)/;

/**
 * Tests of a file's text: per top-level statement for the checked file (its tree is there, and a keystroke then
 * runs each pattern over the statement it changed only), on the whole text for the others (read once per version).
 */
function textTest(file: string, text: string, own?: OwnTree): (pattern: RegExp) => boolean {
  return own?.file === file ? (pattern) => moduleMatches(own.tree, text, pattern) : (pattern) => pattern.test(text);
}

function entryOf(cache: ProjectCache, file: string, read: (rel: string) => string | undefined, language: Language, own?: OwnTree): FileEntry {
  const text = read(file);
  const cached = cache.entries.get(file);
  if (cached && cached.text === text) return cached;
  const entry: FileEntry = { text };
  if (text !== undefined && file.endsWith('.py')) {
    const matches = textTest(file, text, own);
    if (isModelsFile(file) || matches(DECLARES_MODELS)) {
      entry.models = modelsIn(file, text);
      entry.modelClasses = own?.file === file ? modelClassesIn(own.tree) : (withTree(text, language, modelClassesIn) ?? []);
    }
    if (matches(RENDERS_TEMPLATES) && offlineByLayout(file) === undefined) {
      entry.views = own?.file === file ? templateViewsIn(own.tree, text, file) : viewsOf(file, text, language);
    }
    entry.settings = matches(SETTINGS_DIRS);
  }
  cache.entries.set(file, entry);
  return entry;
}

function viewsOf(file: string, text: string, language: Language): TemplateView[] {
  return withTree(text, language, (tree) => templateViewsIn(tree, text, file)) ?? [];
}

/** `read` over a parse of `text` (deleted after), or undefined when it cannot be parsed. */
function withTree<T>(text: string, language: Language, read: (tree: Tree) => T): T | undefined {
  parser ??= new Parser();
  parser.setLanguage(language);
  let tree;
  try {
    tree = parser.parse(text);
  } catch {
    parser = undefined; // a parser that threw may be broken: use a fresh one next time
    return undefined;
  }
  if (!tree) return undefined;
  try {
    return read(tree);
  } finally {
    tree.delete();
  }
}

function templateOf(cache: ProjectCache, file: string, read: (rel: string) => string | undefined): ParsedTemplate | undefined {
  const text = read(file);
  cache.inputs.set(file, text);
  const cached = cache.entries.get(file);
  if (cached && cached.text === text && cached.template) return cached.template;
  if (text === undefined) return undefined;
  const template = parseTemplate(text);
  cache.entries.set(file, { text, template });
  return template;
}

interface OwnTree {
  file: string;
  tree: Tree;
}

function buildFindings(cache: ProjectCache, read: (rel: string) => string | undefined, language: Language, own: OwnTree | undefined, curatedTables: (models: GrowthIndex) => ReadonlySet<string>, limits: () => AppLimits, flagWrites: () => FlagWrites): TemplateFinding[] {
  const allModels: ModelInfo[] = [];
  const modelClasses: ModelClass[] = [];
  const views: TemplateView[] = [];
  const settingsFiles: string[] = [];
  for (const file of cache.files) {
    if (!file.endsWith('.py')) continue;
    const entry = entryOf(cache, file, read, language, own);
    if (!entry.models?.length && !entry.views?.length && !entry.settings) continue;
    cache.inputs.set(file, entry.text);
    if (entry.models) allModels.push(...entry.models);
    if (entry.modelClasses) modelClasses.push(...entry.modelClasses);
    if (entry.views) views.push(...entry.views);
    if (entry.settings) settingsFiles.push(file);
  }
  if (views.length === 0) return [];
  const models = new ModelIndex(allModels);
  // The folders depend on the file list (fixed for this cache) and the settings' texts only.
  const settingsKey = settingsFiles.map((f) => `${f}\u0000${read(f)}`).join('\u0001');
  if (cache.folders?.key !== settingsKey) {
    cache.folders = { key: settingsKey, folders: new TemplateFolders(cache.files.filter((f) => TEMPLATE_FILE.test(f) || settingsFiles.includes(f)), read) };
  }
  const folders = cache.folders.folders;
  const findings: TemplateFinding[] = [];
  const growth = new GrowthIndex(modelClasses);
  const curated = curatedTables(growth);
  const walker = new TemplateWalker(cache, read, folders, models, findings);
  for (const view of views) {
    const names = [...view.templates];
    if (view.defaultTemplate) {
      const app = models.get(view.defaultTemplate.model)?.app;
      if (app) names.push(`${app}/${view.defaultTemplate.model.toLowerCase()}${view.defaultTemplate.suffix}.html`);
    }
    const file = names.map((n) => folders.resolve(n)).find((f) => f !== undefined);
    if (!file) continue;
    const env = new Map<string, Binding>();
    const readInput = (rel: string) => {
      const text = read(rel);
      cache.inputs.set(rel, text);
      return text;
    };
    for (const value of view.context) {
      const imported = value.queryset.modelLine?.importedBases;
      if (imported && importedBasePicksRows(imported, view.file, cache.files, readInput)) continue;
      // One record's few children (the signed-in user's reservations, memberships): a few queries.
      if (value.many && value.queryset.children && fewChildren(value.queryset.children, value.queryset.models, growth, limits)) continue;
      if (value.many && value.queryset.models.length > 0 && value.queryset.models.every((m) => curated.has(m))) continue;
      // Rows a curator flagged (`filter(hit_sales=True)`: a shop's bestsellers) are the few chosen (flagged-rows.ts).
      if (value.many && flaggedByCurators(value.queryset.trueFlags ?? [], value.queryset.models, growth, flagWrites)) continue;
      const model = value.model ?? (value.relation ? models.targetOfAccessor(value.relation) : undefined);
      env.set(value.name, { value, view, path: [], model, many: value.many, perRow: false, throughMany: false });
    }
    walker.template(file, env, new Set(), []);
  }
  return dropCoveredPaths(findings);
}

/** `customer` is not reported where `customer__company` (which loads it too) is, for the same view and template. */
function dropCoveredPaths(findings: TemplateFinding[]): TemplateFinding[] {
  const loads = (f: TemplateFinding) => f.method === 'select_related' || f.method === 'prefetch_related';
  return findings.filter(
    (f) => !findings.some((g) => g !== f && loads(g) && g.view === f.view && g.value === f.value && g.template === f.template && loads(f) && g.path.startsWith(`${f.path}__`)),
  );
}

class TemplateWalker {
  constructor(
    private readonly cache: ProjectCache,
    private readonly read: (rel: string) => string | undefined,
    private readonly folders: TemplateFolders,
    private readonly models: ModelIndex,
    private readonly out: TemplateFinding[],
  ) {}

  /** Renders `file` with `env`; `overridden` are blocks a child template replaces; `chain` guards cycles. */
  template(file: string, env: Map<string, Binding>, overridden: ReadonlySet<string>, chain: string[]): void {
    if (chain.length >= MAX_TEMPLATE_DEPTH || chain.includes(file)) return;
    const parsed = templateOf(this.cache, file, this.read);
    if (!parsed) return;
    const next = [...chain, file];
    if (parsed.extends) {
      // A child renders only its blocks, inside its parent.
      const blocks: TemplateNode[] = [];
      collectBlocks(parsed.nodes, blocks);
      for (const block of blocks) if (block.type === 'block' && !overridden.has(block.name)) this.nodes(file, block.body, env, overridden, next);
      const parent = this.folders.resolve(parsed.extends.name);
      const names = new Set([...overridden, ...blocks.map((b) => (b.type === 'block' ? b.name : ''))]);
      if (parent) this.template(parent, env, names, next);
      return;
    }
    this.nodes(file, parsed.nodes, env, overridden, next);
  }

  private nodes(file: string, nodes: readonly TemplateNode[], env: Map<string, Binding>, overridden: ReadonlySet<string>, chain: string[]): void {
    for (const node of nodes) {
      switch (node.type) {
        case 'read':
          this.evaluate(file, node.read, env);
          break;
        case 'for': {
          const rows = node.iterable && this.evaluate(file, node.iterable, env);
          const inner = new Map(env);
          for (const t of node.targets) inner.delete(t);
          if (rows?.many && node.targets.length === 1) {
            inner.set(node.targets[0], { ...rows, many: false, perRow: true });
          }
          this.nodes(file, node.body, inner, overridden, chain);
          this.nodes(file, node.empty, env, overridden, chain);
          break;
        }
        case 'with': {
          const inner = new Map(env);
          for (const b of node.bindings) {
            const value = this.evaluate(file, b.value, env);
            if (value) inner.set(b.name, value);
            else inner.delete(b.name);
          }
          this.nodes(file, node.body, inner, overridden, chain);
          break;
        }
        case 'block':
          if (!overridden.has(node.name)) this.nodes(file, node.body, env, overridden, chain);
          break;
        case 'include': {
          const target = node.name !== undefined ? this.folders.resolve(node.name) : undefined;
          if (!target) break;
          const inner = node.only ? new Map<string, Binding>() : new Map(env);
          for (const b of node.bindings) {
            const value = this.evaluate(file, b.value, env, false);
            if (value) inner.set(b.name, value);
            else inner.delete(b.name);
          }
          this.template(target, inner, new Set(), chain);
          break;
        }
      }
    }
  }

  /** What a read evaluates to, reporting the relations it follows per row; undefined when it is no known binding. */
  private evaluate(file: string, read: VariableRead, env: Map<string, Binding>, report = true): Binding | undefined {
    const parts = read.parts;
    let b = env.get(parts[0].name);
    for (let i = 1; b && i < parts.length; i++) {
      const seg = parts[i].name;
      if (b.many) {
        if (seg === 'all' || seg === 'object_list') continue;
        return undefined;
      }
      if (seg === 'pk' || seg === 'id' || seg.startsWith('_')) return undefined;
      const member = this.models.member(b.model, seg);
      // `o.customer_id` is the raw column, unless the model names the foreign key itself `customer_id`
      // (`customer_id = ForeignKey(...)`): then the attribute is the related row.
      if (seg.endsWith('_id') && !member.relation) return undefined;
      if (member.known && !member.relation) {
        // `{{ o.get_total }}`: a method or property of the row that queries one of its managers, once per row.
        const querying = b.perRow && report ? this.models.queryingMethod(b.model, seg) : undefined;
        if (querying && !(querying.prefetchable && loads(b.value.queryset, [...b.path, querying.manager].join('__'), false))) {
          this.report(file, read, i, b, [...b.path, seg], 'model-method', { model: b.model!, member: seg, ...querying });
        }
        if (querying) return undefined;
      }
      // A member the models do not declare on a model we fully know: an annotation, a `to_attr` list, a property.
      if (!member.known && this.models.fullyKnown(b.model)) return undefined;
      const next = parts[i + 1]?.name;
      const relation = member.relation;
      const single = relation && (relation.kind === 'foreign-key' || relation.kind === 'one-to-one' || relation.kind === 'reverse-one-to-one' || relation.kind === 'generic-foreign-key');
      const collection = relation ? !single : !member.known && (next === 'all' || next === 'count' || next === 'exists' || (seg.endsWith('_set') && next !== undefined));
      const path = [...b.path, seg];
      if (single && b.path.length === 0 && this.backReference(b, seg)) {
        // `order.items.all` rows reading `item.order`: Django hands each row the parent it came from, no query.
        b = { ...b, path, model: relation.target, perRow: false };
        continue;
      }
      if (single) {
        const method: Method = b.throughMany || relation.kind === 'generic-foreign-key' ? 'prefetch_related' : 'select_related';
        if (b.perRow && report) this.report(file, read, i, b, path, method);
        b = { ...b, path, model: relation.target, throughMany: b.throughMany || relation.kind === 'generic-foreign-key' };
        continue;
      }
      if (!collection) return undefined;
      const afterAll = parts[i + 2]?.name;
      if (next === 'all' && (afterAll === 'count' || afterAll === 'exists') && parts.length === i + 3) {
        // `o.items.all.count`: a COUNT per row; prefetching every row only to count them trades queries for memory.
        if (b.perRow && report) this.report(file, read, i + 2, b, path, afterAll);
        return undefined;
      }
      // `order.items.all` of a detail view's one order or cart: the lines one shopper picked (purchase-lines.ts).
      if (next === 'all' && !b.perRow && b.path.length === 0 && b.model && purchaseModel(b.model)) return undefined;
      if (next === 'all') {
        if (b.perRow && report) this.report(file, read, i + 1, b, path, 'prefetch_related');
        b = { ...b, path, model: relation?.target, many: true, throughMany: true };
        i++;
        continue;
      }
      if ((next === 'count' || next === 'exists') && b.perRow && report && parts.length === i + 2) this.report(file, read, i + 1, b, path, next);
      return undefined;
    }
    if (b && read.rendered && report && b.perRow && !b.many) this.renderedRow(file, read, b);
    return b;
  }

  /** `{{ o }}` renders `str(o)`: a foreign key the row model's `__str__` reads (`self.doctor`) is fetched per row. */
  private renderedRow(file: string, read: VariableRead, b: Binding): void {
    for (const name of this.models.get(b.model)?.strReads ?? []) {
      const relation = this.models.member(b.model, name).relation;
      if (relation?.kind !== 'foreign-key' && relation?.kind !== 'one-to-one' && relation?.kind !== 'reverse-one-to-one') continue;
      if (b.path.length === 0 && this.backReference(b, name)) continue;
      const shown = `${read.parts.map((p) => p.name).join('.')}'s __str__ (self.${name})`;
      this.report(file, read, read.parts.length - 1, b, [...b.path, name], b.throughMany ? 'prefetch_related' : 'select_related', undefined, shown);
    }
  }

  /** `field` is the foreign key back to the one object whose related manager (`parent.<accessor>.all()`) gave every row. */
  private backReference(b: Binding, field: string): boolean {
    const related = b.value.queryset.children?.related;
    if (!related?.length) return false;
    const fields = [...(this.models.get(b.model)?.relations ?? [])].filter(([, rel]) => rel.kind === 'foreign-key' || rel.kind === 'one-to-one');
    // The owner's model when the view fetched it (`Patient.objects.get(...)`); else only an accessor exactly one
    // foreign key of the row's model has (`prescription_set` of both `patient` and `doctor` is either) says which.
    return related.every((r) => {
      const owner = r.ownerClass ?? r.ownerModel;
      if (owner) {
        const relation = this.models.member(b.model, field).relation;
        const reverse = this.models.member(owner, r.relation).relation;
        return relation?.target === owner && reverse?.field === field && reverse.target === b.model;
      }
      const back = fields.filter(([name, rel]) => {
        const reverse = this.models.member(rel.target, r.relation).relation;
        return reverse?.field === name && reverse.target === b.model;
      });
      return back.length === 1 && back[0][0] === field;
    });
  }

  private report(file: string, read: VariableRead, lastPart: number, b: Binding, path: string[], method: Method, via?: TemplateFinding['via'], shown?: string): void {
    const joined = path.join('__');
    if (method !== 'model-method' && loads(b.value.queryset, joined, method === 'select_related')) return;
    const end = read.parts[lastPart].end;
    const text = shown ?? read.parts.slice(0, lastPart + 1).map((p) => p.name).join('.');
    // One finding per template, view and relation (the first read), as for loops in Python code.
    if (this.out.some((f) => f.template === file && f.view === b.view && f.value === b.value && f.path === joined && f.method === method)) return;
    this.out.push({ template: file, start: read.start, end, read: text, path: joined, method, view: b.view, value: b.value, via });
  }
}

function collectBlocks(nodes: readonly TemplateNode[], out: TemplateNode[]): void {
  for (const n of nodes) {
    if (n.type === 'block') out.push(n);
    if (n.type === 'block' || n.type === 'with') collectBlocks(n.body, out);
    if (n.type === 'for') {
      collectBlocks(n.body, out);
      collectBlocks(n.empty, out);
    }
  }
}

/** Whether the queryset already loads a relation path (the same test as for loops in Python code). */
function loads(q: QuerysetFacts, path: string, foreignKeysOnly: boolean): boolean {
  if (q.unknownRelations) return true;
  if (q.selectAll && foreignKeysOnly) return true;
  const covers = (loaded: string) => loaded === path || loaded.startsWith(`${path}__`);
  if (q.selected.some(covers) || q.prefetched.some(covers)) return true;
  return q.prefetchedSubtrees.some((sub) => path === sub || path.startsWith(`${sub}__`));
}

/** Edits that add the relation to the view's queryset: merged into an existing call, else a new call, else a `queryset =` line. */
export function addRelationToQueryset(q: QuerysetFacts, method: 'select_related' | 'prefetch_related', path: string): OffsetEdit[] | undefined {
  const existing = method === 'select_related' ? q.selectCalls : q.prefetchCalls;
  if (existing.length > 0) {
    const edits: OffsetEdit[] = [];
    for (const args of existing) {
      const shorter = args.find((a) => a.value !== undefined && a.contentStart !== undefined && path.startsWith(`${a.value}__`));
      if (shorter) {
        edits.push({ start: shorter.contentStart!, end: shorter.contentEnd!, newText: path });
        continue;
      }
      const last = args[args.length - 1];
      if (!last) return undefined;
      const quote = args.map((a) => a.quote).find((x) => x) ?? '"';
      edits.push({ start: last.end, end: last.end, newText: `, ${quote}${path}${quote}` });
    }
    return edits;
  }
  if (q.insertAts) return q.insertAts.map((at) => ({ start: at, end: at, newText: `.${method}("${path}")` }));
  if (q.modelLine) return [{ start: q.modelLine.at, end: q.modelLine.at, newText: `\n${q.modelLine.indent}queryset = ${q.modelLine.model}.objects.${method}("${path}")` }];
  return undefined;
}

/** A read the template suppresses (`{# memlint: ignore[n-plus-one] #}`) is not reported on the view either. */
function suppressedInTemplate(f: TemplateFinding, project: ProjectInfo): boolean {
  const text = project.readFile(f.template);
  if (!text || !text.includes('memlint:')) return false;
  const covers = (s: string | undefined, fileWide: boolean) => {
    const m = s && new RegExp(`memlint:\\s*${fileWide ? 'ignore-file' : 'ignore'}\\b(?!-)(?:\\[([^\\]]*)\\])?`).exec(s);
    return !!m && (m[1] === undefined || m[1].split(',').some((id) => id.trim() === 'n-plus-one'));
  };
  const lines = text.split('\n');
  if (lines.slice(0, 20).some((l) => covers(l, true))) return true;
  const line = lineOf(text, f.start) - 1;
  const above = lines[line - 1];
  return covers(lines[line], false) || (above !== undefined && /^\s*(\{#|<!--)\s*memlint:/.test(above) && covers(above, false));
}

function lineOf(text: string | undefined, offset: number): number {
  return text ? lineNumberAt(text, offset) : 0;
}

function advice(f: TemplateFinding): string {
  const split = f.path.lastIndexOf('__');
  // Counting a relation of prefetched rows (`book.bookinstance_set.count` under `author.book_set.all`): the
  // annotation goes on the prefetched rows' queryset, not on the view's.
  if ((f.method === 'count' || f.method === 'exists') && split !== -1) return `an annotated Prefetch("${f.path.slice(0, split)}")`;
  // `.count()`/`.exists()` of a prefetched manager read the prefetched rows: the same answer, no query per row.
  if (f.method === 'count' || f.method === 'exists') return `.prefetch_related("${f.path}")`;
  return `.${f.method}("${f.path}")`;
}

/**
 * A headline of at most 100 characters: the read, the fix and the view clipped only as much as needed (the
 * narrowest clips fit both templates within 100 whatever the names).
 */
function headline(messageId: NPlusOneMessageId, data: (read: string, fix: string, view: string) => Record<string, string>, f: TemplateFinding): Pick<ReportSpec, 'messageId' | 'data'> {
  const widths = [[80, 80, 40], [24, 44, 20], [20, 36, 16], [16, 28, 12]];
  for (const [i, [read, fix, view]] of widths.entries()) {
    const values = data(clip(f.read, read), clip(advice(f), fix), clip(f.view.name, view));
    if (i === widths.length - 1 || headlineText(messageId, values).length <= 100) return { messageId, data: values };
  }
  throw new Error('unreachable');
}

function countAdvice(f: TemplateFinding): string {
  const split = f.path.lastIndexOf('__');
  if (split === -1) {
    return (
      `Add .prefetch_related("${f.path}") to the queryset: .${f.method}() then reads the prefetched rows (the same answer, one query ` +
      `for all rows) but holds them in memory; annotating with Count("${f.path}") (or Exists) and reading the annotation in ` +
      'the template holds only the number.'
    );
  }
  const outer = f.path.slice(0, split);
  const inner = f.path.slice(split + 2);
  return `Prefetch the rows with their count: .prefetch_related(Prefetch("${outer}", queryset=<their model>.objects.annotate(n=Count("${inner}")))) and read \`n\` in the template.`;
}

/**
 * The model of the rows the template loops over (the N): the view's queryset's, when the read is on those rows
 * themselves (`o.customer`); a read through a relation (`items__product`) may be an inner loop's rows, not named here.
 */
function rowsTable(f: TemplateFinding): string | undefined {
  if (f.path.includes('__') || f.value.relation) return undefined;
  const models = f.value.queryset.models;
  return modelClassName(f.value.model ?? (models.length === 1 ? models[0] : undefined));
}

function templateReport(f: TemplateFinding, otherViews: string[]): ReportSpec {
  const views = otherViews.length ? ` and ${otherViews.join(', ')}` : '';
  if (f.via) return modelMethodReport(f, f.via, views);
  const message = headline('in-template', (read, fix, view) => ({ read, fix, view }), f);
  const fixWhere =
    f.method === 'count' || f.method === 'exists'
      ? countAdvice(f)
      : `Add ${advice(f)} to that queryset: the view's finding carries the fix, since the template itself does not change.`;
  const detail =
    `N+1 queries: each row's ${f.read} is fetched on its own while the loop renders, and every fetched object stays in memory ` +
    `until the response is built. The view ${f.view.name}${views} (${f.view.file}) passes \`${f.value.name}\` to this template without loading it. ${fixWhere}`;
  return { start: f.start, end: f.end, ...message, detail };
}

function modelMethodReport(f: TemplateFinding, via: NonNullable<TemplateFinding['via']>, views: string): ReportSpec {
  const manager = f.path.includes('__') ? `${f.path.slice(0, f.path.lastIndexOf('__'))}__${via.manager}` : via.manager;
  const fix = via.prefetchable
    ? `Add .prefetch_related("${manager}") to that queryset (${via.model}.${via.member} then reads the prefetched rows), or annotate the value on the queryset and read the annotation.`
    : `Annotate the value on that queryset (Sum/Count over "${manager}") and read the annotation: .${via.call}() queries whatever is prefetched.`;
  return {
    start: f.start,
    end: f.end,
    messageId: 'template-model-query',
    data: { read: clip(f.read, 30), manager: clip(via.manager, 20), call: via.call },
    detail:
      `N+1 queries: ${via.model}.${via.member} runs self.${via.manager}.${via.call}() and the template reads ${f.read} for each row, ` +
      `one query per row while the loop renders. The view ${f.view.name}${views} (${f.view.file}) passes \`${f.value.name}\` to this template. ${fix}`,
  };
}

function viewReport(f: TemplateFinding, canFix: boolean, project: ProjectInfo): ReportSpec {
  const line = lineOf(project.readFile(f.template), f.start);
  const where = `${f.template}:${line}`;
  const base = f.template.slice(f.template.lastIndexOf('/') + 1);
  const message = headline('view-template', (read, fix) => ({ template: clip(base, 24), read, fix }), f);
  const detail =
    `N+1 queries: ${where} reads ${f.read} for each row of \`${f.value.name}\`, one query per row, and every fetched object stays ` +
    `in memory until the response is built. ` +
    (f.method === 'count' || f.method === 'exists'
      ? countAdvice(f)
      : `Add ${advice(f)} to this queryset.`);
  let fixes: FixSpec[] = [];
  const countedHere = (f.method === 'count' || f.method === 'exists') && !f.path.includes('__');
  const method = countedHere ? 'prefetch_related' : f.method;
  if (canFix && (method === 'select_related' || method === 'prefetch_related')) {
    const edits = addRelationToQueryset(f.value.queryset, method, f.path);
    // Unsafe: select_related of a field deferred by only()/defer() raises FieldError; a new `queryset =` line under a
    // project base class may replace a filtered queryset that base sets; a get_queryset that branches gets it on one
    // branch only.
    const q = f.value.queryset;
    const unsafe = q.deferred || q.branches || (q.modelLine?.projectBases && !q.insertAts && q.selectCalls.length + q.prefetchCalls.length === 0);
    if (edits) fixes = [{ title: `Add .${method}("${f.path}") to the queryset`, safety: unsafe ? 'unsafe' : 'safe', edits }];
  }
  return { start: f.value.queryset.start, end: f.value.queryset.end, ...message, detail, fixes };
}

/** The rule docs' section on templates (appended to n-plus-one's notes). */
export const TEMPLATE_NOTES =
  '\n\n**Django templates.** Views that render a queryset into a template (`render(request, "x.html", {"orders": qs})` with a ' +
  'dict literal or a dict filled in the function, `TemplateResponse`, `render_to_string`; ListView/DetailView with `model`, ' +
  '`queryset`, `get_queryset()`, `context_object_name`, `object_list`/`<model>_list`/`page_obj`, `get_context_data()`) are ' +
  'linked to their templates through the TEMPLATES `DIRS` of the settings and every `templates/` folder (`template_name`, ' +
  'else the default `<app>/<model>_list.html`), following `{% extends %}` and `{% include %}` (with its `with` arguments ' +
  'and `only`). Inside `{% for o in orders %}`, a read that follows a relation of each row is reported in the template: ' +
  '`{{ o.customer.name }}` and `{% if o.customer %}` (a foreign key or one-to-one, from the project\'s models.py), ' +
  '`{% for i in o.items.all %}` and `o.tags.all|join:", "` (a reverse or many-to-many manager), `{{ o.items.count }}`; ' +
  '`{% with c=o.customer %}` aliases are followed. Not reported: `o.customer_id` (the column; a foreign key the model itself names `customer_id` is ' +
  'followed), `o.pk`, rows of a related manager reading its owner back (`customer.order_set.all` rows reading ' +
  '`o.customer`: Django sets it without a query), members the models do not ' +
  'declare as relations (annotations such as `annotate(n=Count("items"))` read as `o.n`, `Prefetch(to_attr=...)` lists, ' +
  'properties, JSON fields), `.values()`/`.values_list()` querysets, querysets sliced to at most 20 rows (`qs[:10]`; ' +
  'paginated views are reported: every page costs a query per row, unless a literal `paginate_by` (with ' +
  '`paginate_orphans`) and no `get_paginate_by` keep a page at most `smallPageSize` rows, 5 by default), loops over anything that is not a view\'s queryset, ' +
  'and relations the queryset already selects or prefetches (also through `Prefetch` objects). Without a models.py that ' +
  'declares the relation, only unambiguous manager reads (`o.x.all`, `o.x.count`) are reported. ' +
  'The fix edits the view, not the template, and memlint\'s fixes edit the file they are reported in: so each template ' +
  'finding has a twin on the view\'s queryset (`queryset = ...`, the expression `get_queryset()` returns, the context ' +
  'value, or the `model = X` line of a class view, which gets a `queryset = X.objects.select_related(...)` line) that ' +
  'names the template line and carries the fix (merged into an existing `select_related`/`prefetch_related` call). ' +
  'The fix is safe as for loops in Python code, except: unsafe with `.only()`/`.defer()`, and a new `queryset =` line is ' +
  'unsafe when the view inherits from a project class (it may set a filtered `queryset` that the line would replace). ' +
  'A read silenced in the template (`{# memlint: ignore[n-plus-one] #}` on the line or alone above it) is not reported ' +
  'on the view either. Counts get no fix: annotate the queryset (or, for rows of a prefetched relation, its `Prefetch` queryset) and read ' +
  'the annotation. A method or property of the row\'s model that takes no argument and queries one of its managers ' +
  '(`{{ order.total }}` where `def total(self): return self.items.aggregate(...)`, or `sum(i.price for i in self.items.all())`) ' +
  'is reported in the template (no twin, no fix: the method decides the query), unless every call it makes is ' +
  '`.all()`/`.count()`/`.exists()` and the queryset prefetches that manager. `{{ o }}` (alone or with text filters ' +
  'such as `default`) renders `str(o)`: a foreign key or one-to-one the model\'s own `__str__` reads (`self.doctor`) is ' +
  'reported as a read of it, with the same view-side fix. Views whose `get_queryset()` has several returns or starts at `super().get_queryset()` are not followed.\n\n';
