/**
 * unbounded-queryset, whole-table list views: a view that answers with every row of a growing table because no
 * paging applies to it. DRF generic list views and viewsets (ListAPIView, ListCreateAPIView, ModelViewSet,
 * ReadOnlyModelViewSet, ListModelMixin) with no `pagination_class` on the view or its bases and no default
 * pagination in `REST_FRAMEWORK`; Django ListViews without `paginate_by`; function views rendering a whole
 * queryset into a template; django-ninja routes returning a queryset without `@paginate`; graphene resolvers
 * returning one.
 *
 * Precision first: a queryset is reported only when nothing bounds it. Slices, pk lookups, related managers,
 * filters to one owner (`filter(user=request.user)`), grouped rows, and lookup tables (a model of a few label
 * columns, no relation, no timestamp: ModelIndex.isLookup in analysis/python/django-models.ts) are bounded; a model the project does not
 * define (other than Django's User) is not judged.
 */
import { moduleQuerysetStamp } from '../../analysis/python/module-queryset-stamp';
import { modelClassName } from '../shared/table-names';
import { listRoutingOf } from '../../analysis/python/drf-routes';
import type { Node, Tree } from 'web-tree-sitter';
import type { ReportSpec, RuleContext } from '../api';
import { clip } from '../shared/format';
import { captures, keywordArgument, positionalArguments, stringValue } from '../../analysis/python/ast';
import { importsOf } from '../../analysis/python/imports';
import { importedQuerysetOf, rootName, type ImportedQueryset } from '../../analysis/python/imported-querysets';
import { modelAppLabel } from '../../analysis/python/model-app-label';
import { assignmentsBefore, refinedBy, calleeName, emptyInfo, outsideReadsHold, soleValueOf, querysetOf, recordingOutsideReads, unparenthesize, type OutsideReads, type QuerysetInfo } from '../../analysis/python/django-querysets';
import { drfProject } from '../../analysis/python/drf';
import { drfPaginationSettings, type DrfPaginationSettings } from '../../analysis/python/drf-pagination-settings';
import type { ModelIndex } from '../../analysis/python/django-models';
import { boundedByOwner, filteredToParent, growthNote, ownerGrowth, projectModels, type OwnerGrowth } from './owner-growth';
import { StatementFindingsCache, topLevelStatements, type TopLevelStatement } from '../../analysis/python/statements';
import { StatementSlot } from '../../analysis/cache';
import { calleesStamp } from '../../analysis/python/call-graph';
import { projectClassTexts } from '../../analysis/python/project-classes';
import { templateReadsHold, templateReadsList, type TemplateReads } from './list-view-templates';
import { classTextsFor, isTextSearch, readCustomChain } from './custom-chain-rows';
import { childRowsUnbounded, growingChildren } from './related-children';
import { urlParentChildren } from '../../analysis/python/url-parent-children';
import { ownWritesKey, usersAddRows } from '../../analysis/python/model-writers';
import { type ClassTexts } from '../../analysis/python/custom-querysets';
import { isForeign, ownMember, withProjectBases, type ClassLookup } from '../../analysis/python/drf-view-bases';

/** DRF classes whose GET on the collection lists the queryset (through ListModelMixin.list). */
const DRF_LIST_BASES = new Set(['ListAPIView', 'ListCreateAPIView', 'ModelViewSet', 'ReadOnlyModelViewSet', 'ListModelMixin']);
/** Django's generic views that render a template with get_context_data's dict on GET. */
const DJANGO_TEMPLATE_VIEWS = new Set(['ListView', 'ArchiveIndexView', 'DetailView', 'TemplateView', 'UpdateView', 'CreateView', 'FormView', 'DeleteView', 'DateDetailView']);
/** Django's list views (a FilterView or SingleTableView pages through its own settings: not followed). */
const DJANGO_LIST_BASES = new Set(['ListView', 'ArchiveIndexView']);
/** Cheap test of the file before any tree work. */
const MAY_LIST = /class\s+\w+\s*\([^)]*(?:View|Viewset|Mixin)|\brender\s*\(|def resolve_\w+|ninja/;
const MAX_BASE_DEPTH = 5;
const VIEWISH_BASES = /View|Viewset|Mixin|ObjectType|Controller|Base|List/;

/** Names a model class can be read from in a view: `queryset = Post.objects.all()`, `model = Post`. */
function projectCurrent(ctx: RuleContext) {
  return { relPath: ctx.file.relPath, text: ctx.file.text };
}

/** A class as read for its list behaviour: its own members and its bases' (same file, or another project module). */
interface ClassChain {
  /** Base names seen along the chain (last dotted part). */
  bases: Set<string>;
  /**
   * Attribute / method texts by name, own first: `pagination_class = None`, `def get_queryset...`. `foreign` is the
   * rows member (`get_queryset`, `queryset`) of a base in another module, parsed apart (drf-view-bases.ts).
   */
  members: Map<string, { text: string; node?: Node; foreign?: Node }>;
  /** A base could not be found (another package's class): its members are unknown. */
  unknownBases: boolean;
}

export function checkListViews(ctx: RuleContext, tree: Tree): void {
  const text = ctx.file.text;
  if (!MAY_LIST.test(text)) return;
  let index: ModelIndex | undefined;
  const models = () => (index ??= projectModels(ctx, tree).models);
  let growthIndex: OwnerGrowth | undefined;
  const growth = () => (growthIndex ??= ownerGrowth(ctx, tree));
  let classText: ClassTexts | undefined;
  const read = (node: Node) => querysetOf(node) ?? readCustomChain(node, models(), (classText ??= classTextsFor(ctx)));
  const usersAdd = (model: string) => usersAddRows(ctx.project, projectCurrent(ctx), model, models().reverseAccessors(model));
  const judge: Judge = { models, growth, read, usersAdd };
  let settings: DrfPaginationSettings | undefined;
  const drfSettings = () => (settings ??= drfPaginationSettings(ctx.project, projectCurrent(ctx)));
  // The module's classes by name (the last of a name wins), from each statement's header kept per statement text:
  // their nodes are looked up only for the classes a view's chain names.
  const classStatements = new Map<string, TopLevelStatement>();
  const headers = topLevelStatements(tree).map((s) => {
    const header = HEADERS.answer(s, '', () => headerOf(s));
    if (header.kind === 'class') classStatements.set(header.name, s);
    return header;
  });
  const classes = { get: (name: string) => { const s = classStatements.get(name); return s ? definitionOf(s) ?? undefined : undefined; } };
  let projectClasses: ReadonlyMap<string, string | null> | undefined;
  let foreignClasses: ClassLookup | undefined;
  const imports = importsOf(tree);
  const ninja = imports.importsModule('ninja') || imports.importsModule('ninja_extra');
  const graphene = imports.importsModule('graphene') || imports.importsModule('graphene_django');
  const context = statementContext(ctx, tree);
  let modulesStamp: string | undefined | null = null;
  const otherModulesStamp = () => (modulesStamp === null ? (modulesStamp = calleesStamp(ctx.project, ctx.file.relPath, tree)) : modulesStamp);
  // A class whose parse is not a function of its text (a syntax error in it) gets NaN, which equals nothing: the
  // views derived from it are analysed afresh.
  const classIds = new Map<string, number>();
  for (const [name, s] of classStatements) classIds.set(name, s.cacheable ? s.textId : NaN);
  topLevelStatements(tree).forEach((statement, i) => {
    const header = headers[i];
    // Only classes whose bases read like views, viewsets, mixins, controllers or graphene types are followed.
    if (header.kind === 'class' ? !VIEWISH_BASES.test(header.bases) : header.kind !== 'function') return;
    const top = definitionOf(statement);
    if (!top) return;
    const analyse = (report: RuleContext['report']): Dependencies => {
      const local: RuleContext = Object.create(ctx, { report: { value: report } });
      const basesRead = new Map<string, number | undefined>();
      const templates: TemplateReads = [];
      const modules: OtherModulesRead = { read: false };
      const seenClasses = { get: (name: string) => (basesRead.set(name, classIds.get(name)), classes.get(name)) };
      const [, reads] = recordingOutsideReads(() => {
        if (top.type === 'class_definition') {
          const chain = classChain(local, top, seenClasses, (projectClasses ??= projectClassTexts(ctx.project, projectCurrent(ctx))), (foreignClasses ??= withProjectBases(NO_CLASSES, ctx.project, projectCurrent(ctx), tree)));
          if ([...chain.bases].some((b) => DRF_LIST_BASES.has(b))) checkDrfListView(local, top, chain, judge, drfSettings);
          else if ([...chain.bases].some((b) => DJANGO_LIST_BASES.has(b))) checkDjangoListView(local, top, chain, judge, templates);
          // A class-based view's handlers (`def get(self, request, pk)`) render templates as function views do.
          else if ([...chain.bases].some((b) => b === 'View')) for (const fn of methodsOf(top)) checkRenderView(local, fn, judge, templates, modules);
          // `context["comments"] = ...` in a template view's get_context_data: rendered as a list view's rows are.
          if ([...chain.bases].some((b) => DJANGO_TEMPLATE_VIEWS.has(b))) checkContextData(local, top, chain, judge, templates);
          if (graphene && [...chain.bases].some((b) => b === 'ObjectType')) checkResolvers(local, top, judge);
          if (ninja) for (const fn of methodsOf(top)) checkNinjaRoute(local, fn, judge);
        } else {
          checkRenderView(local, top, judge, templates, modules);
          if (ninja) checkNinjaRoute(local, top, judge);
        }
      });
      const stamp = modules.read ? otherModulesStamp() : undefined;
      // An answer that read other modules through a name it could not stamp is not kept (as any unnamed read).
      if (modules.read && stamp === undefined) reads.unknown = true;
      return { basesRead, reads, templates, modules: stamp };
    };
    // A view's findings are replayed while its text, the local classes it derives from, the module's other
    // statements (imports, settings) and the project's modules (the DRF model's version) are unchanged.
    if (context === undefined) analyse((spec) => ctx.report(spec));
    else listViewFindings.check(ctx, statement, context, (d) => [...d.basesRead].every(([name, id]) => classIds.get(name) === id) && outsideReadsHold(tree, d.reads) && templateReadsHold(ctx.project, projectCurrent(ctx), d.templates) && (d.modules === undefined || d.modules === otherModulesStamp()), analyse);
  });
}

/** What checkListViews needs of a top-level statement before analysing it: whether it defines a class or a function. */
interface StatementHeader {
  kind: 'class' | 'function' | 'other';
  /** The class's name and its superclasses' text. */
  name: string;
  bases: string;
}

/** Per statement text: its header (a keystroke looks up every statement's, and the tree walk cost milliseconds). */
const HEADERS = new StatementSlot<StatementHeader>('unbounded-queryset: list-view statement headers');

function definitionOf(s: TopLevelStatement): Node | null {
  return s.type === 'decorated_definition' ? s.node.childForFieldName('definition') : s.node;
}

function headerOf(s: TopLevelStatement): StatementHeader {
  const top = definitionOf(s);
  if (top?.type === 'class_definition') return { kind: 'class', name: top.childForFieldName('name')?.text ?? '', bases: top.childForFieldName('superclasses')?.text ?? '' };
  return { kind: top?.type === 'function_definition' ? 'function' : 'other', name: '', bases: '' };
}

interface Dependencies {
  /** Local classes the chain looked up, with the text id each had (undefined: there was none). */
  basesRead: Map<string, number | undefined>;
  /** Same-module functions the queryset analysis read. */
  reads: OutsideReads;
  /** Template files a ListView's answer read, with their texts. */
  templates: TemplateReads;
  /** calleesStamp() when a render context value called a name the module imports (serviceRows). */
  modules: string | undefined;
}

/** Whether an analysis followed a call of an imported name into the project's other modules (serviceRows). */
interface OtherModulesRead {
  read: boolean;
}

const listViewFindings = new StatementFindingsCache<Dependencies>('unbounded-queryset: list views per statement');

/**
 * What a view's findings read beyond its own text and the classes it names: the file's path, the module's
 * statements other than definitions (imports, REST_FRAMEWORK settings, module-level names), and the project's
 * modules through the DRF model's version; undefined when the parse of such a statement is not a function of its
 * text. A definition with a syntax error (what typing in a method makes) is no reason: it is analysed afresh (the
 * cache does not key it) and so are the views that derive from it (classIds).
 */
function statementContext(ctx: RuleContext, tree: Tree): string | undefined {
  const others: number[] = [];
  for (const s of topLevelStatements(tree)) {
    if (s.type === 'function_definition' || s.type === 'class_definition' || s.type === 'decorated_definition') continue;
    if (!s.cacheable) return undefined;
    others.push(s.textId);
  }
  const version = drfProject(ctx.project, { relPath: ctx.file.relPath, text: ctx.file.text, tree }).version;
  // Rows read through the project's own manager/QuerySet methods depend on those classes' texts.
  const custom = moduleQuerysetStamp(ctx, tree);
  // Which tables only curators fill also depends on what this module itself writes (model-writers.ts).
  const writes = ownWritesKey(ctx.project, ctx.file.relPath, ctx.file.text);
  return `${ctx.file.relPath}\u0000${version}\u0000${others.join(',')}\u0000${custom}\u0000${writes}`;
}

// --- Classes and their bases -------------------------------------------------------------------------------

function baseNames(cls: Node): string[] {
  return (cls.childForFieldName('superclasses')?.namedChildren ?? []).flatMap((b) => {
    if (!b || b.type === 'keyword_argument') return [];
    const base = b.type === 'subscript' ? b.childForFieldName('value') : b;
    const name = base?.type === 'attribute' ? base.childForFieldName('attribute')?.text : base?.text;
    return name ? [name] : [];
  });
}

/** The class's members and bases, following bases defined in this file or (by text) in another project module. */
const NO_CLASSES: ClassLookup = { get: () => undefined, has: () => false };
/** Members a list view's rows come from: read from a base of another module's parsed class too. */
const ROWS_MEMBERS = new Set(['get_queryset', 'queryset']);

function classChain(ctx: RuleContext, cls: Node, classes: { get(name: string): Node | undefined }, projectClasses: ReadonlyMap<string, string | null>, foreignClasses: ClassLookup): ClassChain {
  const chain: ClassChain = { bases: new Set(), members: new Map(), unknownBases: false };
  const visit = (node: Node, depth: number) => {
    for (const statement of node.childForFieldName('body')?.namedChildren ?? []) {
      const def = statement?.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
      if (def?.type === 'function_definition') {
        const name = def.childForFieldName('name')?.text ?? '';
        if (!chain.members.has(name)) chain.members.set(name, member(() => def.text, def));
      }
      const assignment = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
      const left = assignment?.type === 'assignment' ? assignment.childForFieldName('left') : undefined;
      if (left?.type === 'identifier' && !chain.members.has(left.text)) chain.members.set(left.text, member(() => assignment!.text, assignment!));
    }
    for (const base of baseNames(node)) {
      const local = classes.get(base);
      // A project class named like a framework one (`class ListView(TemplateView)`) is the project's.
      if (local && local.id !== node.id && depth < MAX_BASE_DEPTH) {
        visit(local, depth + 1);
        continue;
      }
      chain.bases.add(base);
      if (depth >= MAX_BASE_DEPTH || DRF_LIST_BASES.has(base) || DJANGO_LIST_BASES.has(base)) continue;
      if (!visitProjectClass(base, depth + 1)) chain.unknownBases ||= !/^(object|Generic\w*|\w*Mixin|APIView|GenericAPIView|GenericViewSet|ViewSet|View|ObjectType)$/.test(base);
    }
  };
  /** A base defined in another project module: its members by text (one class of that name in the project). */
  const visitProjectClass = (className: string, depth: number): boolean => {
    const found = projectClasses.get(className) ?? undefined;
    if (!found) return false;
    const header = new RegExp(`^class[ \\t]+${className}[ \\t]*\\(([^)]*)\\)`, 'm').exec(found)!;
    let parsed: Node | undefined | null = null;
    for (const m of found.matchAll(/^[ \t]{4}(?:def[ \t]+(\w+)|(\w+)[ \t]*=)[^\n]*/gm)) {
      const name = m[1] ?? m[2];
      if (chain.members.has(name)) continue;
      const foreign = ROWS_MEMBERS.has(name) ? ownMember((parsed = parsed === null ? foreignClasses.get(className) : parsed), name) : undefined;
      const at = m.index;
      chain.members.set(name, member(() => (m[1] ? methodText(found.slice(at)) : m[0].trim()), undefined, foreign));
    }
    for (const base of header[1].split(',').map((b) => b.trim().split('.').pop() ?? '').filter(Boolean)) {
      chain.bases.add(base);
      if (depth >= MAX_BASE_DEPTH || DRF_LIST_BASES.has(base) || DJANGO_LIST_BASES.has(base)) continue;
      if (!visitProjectClass(base, depth + 1)) chain.unknownBases ||= !/^(object|Generic\w*|\w*Mixin|APIView|GenericAPIView|GenericViewSet|ViewSet|View)$/.test(base);
    }
    return true;
  };
  visit(cls, 0);
  return chain;
}

/**
 * A chain member whose text is read when a check asks for it: most members of a long class (every method of a DRF
 * viewset) are only looked up by name, and reading each one's text cost 0.4 ms a keystroke on a big views module.
 */
function member(read: () => string, node?: Node, foreign?: Node): { text: string; node?: Node; foreign?: Node } {
  let text: string | undefined;
  return { node, foreign, get text() { return (text ??= read()); } };
}

/** A method's text from its `def` line to the next line indented no deeper than it. */
function methodText(from: string): string {
  const end = /\n(?=[ \t]{0,4}\S)/.exec(from.slice(1));
  return end ? from.slice(0, end.index + 1) : from;
}

function methodsOf(cls: Node): Node[] {
  return (cls.childForFieldName('body')?.namedChildren ?? []).flatMap((s) => {
    const def = s?.type === 'decorated_definition' ? s.childForFieldName('definition') : s;
    return def?.type === 'function_definition' ? [def] : [];
  });
}

// --- What bounds a queryset ----------------------------------------------------------------------------------

/** What judges a view's rows: the project's models and which of them grow with time per owner (both read lazily). */
interface Judge {
  models: () => ModelIndex;
  /** Request or event code any user reaches adds rows of the model (analysis/python/model-writers.ts). */
  usersAdd: (model: string) => boolean;
  growth: () => OwnerGrowth;
  /** A view's rows: a queryset, also one built through the project's own manager/QuerySet methods. */
  read: (node: Node) => QuerysetInfo | undefined;
}

/**
 * True when something bounds the rows: a slice, one row, a related manager, grouped rows, a lookup table, a model
 * the project does not define, or one owner's or one parent's rows of a model that does not grow with time per
 * owner (boundedByOwner, the test the rule's other checks use: a room's messages and a post's comments grow).
 */
function bounded(info: QuerysetInfo, judge: Judge, fallbackModel?: string): boolean {
  if (info.sliced || info.iterator !== 'none' || info.singleRow || info.compact || info.upcoming || info.recentWindow) return true;
  // One fetched parent's children are few, unless many users keep adding them (a product's comments).
  if (info.relatedManager) return info.timeWindow || growingChildren(info, judge.models()) === undefined;
  const names = modelNames(info, fallbackModel);
  if (names.length === 0) return true;
  const kinds = judge.models();
  if (ownerScoped(info, names, judge)) return boundedByOwner({ ...info, models: names, scoped: true }, judge.growth());
  // A model the project does not define is not judged, except Django's user table. A curated catalogue (only the
  // admin, staff-only views, commands or fixtures add its rows, none stamped) stays small.
  return !names.every((m) => growing(m, judge)) || judge.growth().catalogue(names, info);
}

/** `request.user`, `self.request.user`: the rows depend on who asks (usually one owner's rows). */
const PER_USER = /\brequest\.(user|auth)\b/;

/** The model classes of the rows, by their own names (`from .models import Exercise as exerciseModel`). */
function modelNames(info: QuerysetInfo, fallbackModel?: string): string[] {
  const imported = info.roots[0] ? importsOf(info.roots[0].node.tree).origins : undefined;
  // `self.model.objects` reads as a model named `model`: the view's `model = Post`.
  const written = info.models.map((m) => (m === 'model' && fallbackModel && info.roots.some((r) => /^self\.model\b/.test(r.node.text)) ? fallbackModel : m));
  return (written.length > 0 ? written : fallbackModel ? [fallbackModel] : []).map((m) => imported?.get(m)?.name ?? m);
}

/** Filtered to one owner's (`user=request.user`) or one parent's (`post=pk`) rows. */
function ownerScoped(info: QuerysetInfo, names: string[], judge: Judge): boolean {
  return info.scoped || filteredToParent(info, names, judge.models());
}

/** For the details of rows scoped to an owner or a parent: why they are still many (empty otherwise). */
function ownerNote(info: QuerysetInfo | undefined, judge: Judge, fallbackModel?: string): string {
  const names = info ? modelNames(info, fallbackModel) : [];
  if (!info || names.length === 0 || !ownerScoped(info, names, judge)) return '';
  return growthNote({ ...info, models: names }, judge.growth());
}

function rowsLabel(info: QuerysetInfo | undefined, model?: string): string {
  const name = writtenModel(info, model);
  const filtered = info?.methods.some((m) => m === 'filter' || m === 'exclude');
  return `${filtered ? 'matching ' : ''}${name ? `${clip(name, 28)} ` : ''}row`;
}

/** The model a view's rows are named for (its name where it is declared, not an import's alias). */
function writtenModel(info: QuerysetInfo | undefined, model?: string): string | undefined {
  const imported = info?.roots[0] ? importsOf(info.roots[0].node.tree).origins : undefined;
  const written = info?.models.length === 1 && !(info.models[0] === 'model' && model) ? info.models[0] : model;
  return written && (imported?.get(written)?.name ?? written);
}

/** The model whose rows a view lists, for the `smallTables` setting: not a stand-in (`self.model`). */
function rowsTable(info: QuerysetInfo | undefined, model?: string): string | undefined {
  return modelClassName(writtenModel(info, model));
}

// --- DRF ---------------------------------------------------------------------------------------------------

function checkDrfListView(ctx: RuleContext, cls: Node, chain: ClassChain, judge: Judge, drfSettings: () => DrfPaginationSettings): void {
  // A view that lists its own way, or pages by hand, is not followed.
  if (['paginator', 'paginate_queryset', 'get_paginated_response'].some((m) => chain.members.has(m))) return;
  const list = chain.members.get('list');
  if (list && !delegatesToDrfList(list.text)) return;
  const paginationMember = chain.members.get('pagination_class');
  const view = cls.childForFieldName('name')?.text ?? 'view';
  let why: string;
  let headline: string;
  const sizeless = paginationMember && sizelessDrfPaginator(paginationMember.node);
  if (sizeless) {
    // DRF's own class with no PAGE_SIZE to page by: paginate_queryset answers None and the list goes out whole.
    const settings = drfSettings();
    if (settings.state !== 'unpaged' || settings.pageSize) return;
    why = `pagination_class = ${sizeless}, and REST_FRAMEWORK${settings.file ? ` in ${settings.file}` : ''} sets no PAGE_SIZE for it to page by`;
    headline = `${clip(view, 32)}'s ${sizeless} has no PAGE_SIZE`;
  } else if (paginationMember) {
    if (!/=\s*None\s*$/.test(paginationMember.text)) return;
    why = 'pagination_class = None';
    headline = `${clip(view, 40)} sets pagination_class = None`;
  } else {
    if (chain.unknownBases) return;
    const settings = drfSettings();
    if (settings.state !== 'unpaged') return;
    why = `no pagination_class, and REST_FRAMEWORK${settings.file ? ` in ${settings.file}` : ''} sets no DEFAULT_PAGINATION_CLASS with a PAGE_SIZE`;
    headline = `no pagination on ${clip(view, 32)} or in settings`;
  }
  const modelName = modelAttribute(chain);
  const rows = viewRows(cls, chain, judge, modelName);
  if (!rows) return;
  if (rows.urlParent === undefined && bounded(rows.info, judge, modelName)) return;
  // Routed only as `as_view({"get": "retrieve"})`: no request lists the queryset.
  if (listRoutingOf(ctx.project, projectCurrent(ctx), view) === 'not-listed') return;
  report(ctx, rows.node, {
    messageId: 'unpaged-list-view',
    data: { rows: rowsLabel(rows.info, modelName), why: headline },
    table: rowsTable(rows.info, modelName),
    detail:
      `${view} answers GET on the collection with every row of its queryset, serialized into one response (${why}). ` +
      'The table grows with the app, and each row becomes a model instance and then a dict in memory at once. ' +
      'Set pagination_class (or REST_FRAMEWORK DEFAULT_PAGINATION_CLASS with PAGE_SIZE); clients must then follow pages.' +
      (rows.urlParent !== undefined ? urlParentNote(rows.urlParent) : ownerNote(rows.info, judge, modelName)),
  });
}

/**
 * `def list(self, request, *args, **kwargs): return super().list(request, *args, **kwargs)`, often only there to
 * carry `@extend_schema` or `@method_decorator(cache_page(...))`: it lists the DRF way, through the paginator.
 */
const SUPER_LIST = /^def\s+list\s*\([^)]*\)\s*(?:->[^:]+)?:\s*(?:(?:"{3}[\s\S]*?"{3}|'{3}[\s\S]*?'{3})\s*)?return\s+super\s*\([^)]*\)\s*\.\s*list\s*\([^)]*\)\s*$/;

function delegatesToDrfList(method: string): boolean {
  return SUPER_LIST.test(method.trim());
}

/** DRF's classes that page only by a page size: with none set they return every row. */
const SIZED_BY_SETTINGS = ['PageNumberPagination', 'LimitOffsetPagination', 'CursorPagination'];

/**
 * `pagination_class = PageNumberPagination` naming DRF's own class itself (imported from rest_framework.pagination,
 * not a project subclass that sets page_size): the class's name, or undefined.
 */
function sizelessDrfPaginator(assignment: Node | undefined): string | undefined {
  const value = assignment?.type === 'assignment' ? assignment.childForFieldName('right') : undefined;
  if (!value) return undefined;
  const imports = importsOf(value.tree);
  return SIZED_BY_SETTINGS.find((name) => imports.is(value, `rest_framework.pagination.${name}`));
}

/** `model = Post` of the view or a base (for `self.model.objects` and model-only views). */
function modelAttribute(chain: ClassChain): string | undefined {
  const text = chain.members.get('model')?.text;
  const m = text ? /=\s*([\w.]+)\s*$/.exec(text) : null;
  return m?.[1].split('.').pop();
}

/**
 * The rows a class view lists: what its own `get_queryset()` returns (one return besides `.none()`, readable as a
 * queryset), else its `queryset =` (also when a `get_queryset()` only refines it by optional filters). Rows that
 * depend on who asks are read only when the queryset is filtered to an owner or a parent (the followed authors'
 * posts): `bounded` then asks whether such rows grow. Undefined when they cannot be read.
 */
/** Rows a view lists; `urlParent` names the child model when the URL picks a shared parent's growing children. */
type ViewRows = { node: Node; info: QuerysetInfo; urlParent?: string };

/** For the details of a URL-picked parent's children: why one parent's rows are still many. */
function urlParentNote(child: string): string {
  return ` The URL picks one parent, but its ${child} rows are every user's additions to it over all time (stamped when created): they are not few.`;
}

function viewRows(cls: Node, chain: ClassChain, judge: Judge, fallbackModel?: string): ViewRows | undefined {
  const rows = declaredRows(cls, chain, judge, fallbackModel);
  // Rows read in a base of another module: reported on the view's name (the finding stays in this file).
  return rows && isForeign(rows.node, cls.tree) ? { ...rows, node: cls.childForFieldName('name') ?? cls } : rows;
}

function declaredRows(cls: Node, chain: ClassChain, judge: Judge, fallbackModel?: string): ViewRows | undefined {
  const getQueryset = chain.members.get('get_queryset');
  const attribute = chain.members.get('queryset');
  const attributeNode = attribute?.node ?? attribute?.foreign;
  const attributeValue = attributeNode?.type === 'assignment' ? attributeNode.childForFieldName('right') ?? undefined : undefined;
  if (getQueryset) {
    // Rows picked by the URL (`member_id=self.kwargs["user_pk"]`) are one record's notes or documents: not read,
    // unless they are a shared parent's all-time children (an episode's comments: url-parent-children.ts).
    if (/\bself\.kwargs\b/.test(getQueryset.text)) return urlPickedChildren(getQueryset.node, judge);
    const perRequest = PER_USER.test(getQueryset.text);
    const def = getQueryset.node ?? getQueryset.foreign;
    if (perRequest && !def) return undefined;
    const refines = /\bself\.queryset\b|\bsuper\([^)]*\)\.get_queryset\(\s*\)/.test(getQueryset.text);
    if (!def) return refines && attributeValue ? attributeRows(attributeValue, judge) : undefined;
    const returns = captures(def.tree, '(return_statement) @r', def)
      .map((c) => c.node)
      .filter((r) => enclosingFunction(r)?.id === def.id)
      .map((r) => r.namedChildren[0])
      .filter((r): r is Node => !!r)
      // `return Post.objects.none()` for who may not see the rows: no rows, not another list.
      .filter((r) => !NO_ROWS.test(unparenthesize(r).text))
      // `if cached: return cached`: the copy of the rows kept in a cache is the same list, not another answer.
      .filter((r) => !fromCache(r));
    // Every return hands back the class's own rows, at most annotated or ordered (`return qs.annotate(is_liked=...)`
    // for a signed-in user, `return qs` otherwise): the `queryset =` attribute is what the view lists.
    if (attributeValue && returns.length > 0 && returns.every(keepsInheritedRows)) return attributeRows(attributeValue, judge);
    if (returns.length > 1) return wholeTableBranch(returns, judge, fallbackModel);
    if (returns.length !== 1) return undefined;
    const unrefined = optionallyRefined(returns[0], judge, attributeValue, fallbackModel);
    if (unrefined && !bounded(unrefined.info, judge, fallbackModel)) return { node: inheritedRowsNode(unrefined, cls, attributeValue), info: unrefined.info };
    // A refinement of the `queryset =` attribute is judged by the attribute (below); of `model =` rows, as read. Kept
    // to who asks (`return super().get_queryset().filter(user=self.request.user)`), it is that owner's rows.
    const info = refines && attributeValue ? (perRequest ? inheritedRowsRefined(returns[0], attributeValue, judge) : undefined) : judge.read(returns[0]);
    if (perRequest) {
      if (!info || info.roots.length === 0 || throughOwnQueryset(returns[0].text)) return undefined;
      // `self.request.user.orders.all()`: the user's own records through their reverse relation (related-children.ts).
      if (info.relatedManager && !bounded(info, judge, fallbackModel)) return { node: reportedNode(returns[0]), info };
      const names = modelNames(info, fallbackModel);
      return names.length > 0 && ownerScoped(info, names, judge) ? { node: reportedNode(returns[0]), info } : undefined;
    }
    if (info && info.roots.length > 0 && !throughOwnQueryset(returns[0].text)) return { node: inheritedRowsNode({ node: reportedNode(returns[0]), info }, cls, attributeValue), info };
    return refines && attributeValue && !/\.filter\([^)]*\)\s*$/m.test(returns[0].text) ? attributeRows(attributeValue, judge) : undefined;
  }
  return attributeValue ? attributeRows(attributeValue, judge) : undefined;
}

/**
 * `return Comment.objects.filter(episode=self.kwargs["episode_id"])`: the one return of the view's own get_queryset,
 * when its rows are a shared parent's growing children (analysis/python/url-parent-children.ts). Marked `urlParent`
 * for the report's detail; bounded() still applies its slices and windows.
 */
function urlPickedChildren(def: Node | undefined, judge: Judge): { node: Node; info: QuerysetInfo; urlParent: string } | undefined {
  if (!def) return undefined;
  const returns = captures(def.tree, '(return_statement) @r', def)
    .filter((c) => enclosingFunction(c.node)?.id === def.id)
    .map((c) => c.node.namedChildren[0])
    .filter((r): r is Node => !!r && !NO_ROWS.test(unparenthesize(r).text));
  // Also kept to the signed-in user's rows (`members=user`, `author=self.request.user`): one person's few in one parent.
  if (returns.length !== 1 || PER_USER.test(def.text)) return undefined;
  const info = judge.read(returns[0]);
  const names = info ? modelNames(info) : [];
  if (!info || names.length !== 1 || !childRowsUnbounded(info)) return undefined;
  const child = urlParentChildren(info, names[0], judge.models());
  return child ? { node: reportedNode(returns[0]), info, urlParent: child } : undefined;
}

/**
 * `if user.is_staff: return Order.objects.all()` then `return Order.objects.filter(customer=...)`: of several
 * returns, the one branch that answers with the whole table (no filter, no owner) is the view's worst case. Only
 * when every return is a readable queryset and exactly one of them is unfiltered.
 */
function wholeTableBranch(returns: Node[], judge: Judge, fallbackModel?: string): { node: Node; info: QuerysetInfo } | undefined {
  const infos = returns.map((r) => ({ node: r, info: judge.read(r) }));
  if (infos.some(({ node, info }) => !info || info.roots.length === 0 || throughOwnQueryset(node.text))) return undefined;
  // A text search (`Product.objects.search(q)`) matches every row for an empty query: as whole as `.all()`.
  const unfiltered = infos.filter(({ info }) => (isTextSearch(info!) || !info!.methods.some((m) => m === 'filter' || m === 'exclude')) && !ownerScoped(info!, modelNames(info!, fallbackModel), judge));
  // `if user.role == "ADMIN": return qs` and `if user.role == "DOCTOR": return qs`: two roles handed the same rows.
  const whole = unfiltered.filter(({ node }, i) => unfiltered.findIndex((o) => reportedNode(o.node).id === reportedNode(node).id) === i);
  if (whole.length === 1) return { node: reportedNode(whole[0].node), info: whole[0].info! };
  if (whole.length > 0) return undefined;
  // `if hasattr(user, "doctor"): return Visit.objects.filter(doctor=user.doctor)` then `return Visit.objects.filter(
  // patient=user)`: every branch is one owner's rows; the first whose rows pile up per owner is the view's answer.
  const piling = infos.find(({ info }) => ownerScoped(info!, modelNames(info!, fallbackModel), judge) && !bounded(info!, judge, fallbackModel));
  return piling ? { node: reportedNode(piling.node), info: piling.info! } : undefined;
}

/** `return qs.none()`, `return Post.objects.none()`: for who may not see the rows, no rows, not another list. */
const NO_ROWS = /^[\w.]+\.none\(\s*\)$/;

/**
 * Rows read back through the view's own `self.queryset` / `self.get_queryset()` (not followed here). The base
 * class's `super().get_queryset()` is not: querysetOf reads it as the view's declared `queryset`/`model` rows.
 */
function throughOwnQueryset(text: string): boolean {
  return /\bself\.queryset\b|get_queryset/.test(text.replace(/\bsuper\([^)]*\)\s*\.\s*get_queryset\b/g, ''));
}

/**
 * `super().get_queryset()` or `self.queryset`, alone: the class's declared rows (DRF's GenericAPIView.get_queryset
 * answers `self.queryset.all()`).
 */
const INHERITED = /^(?:super\([^)]*\)\s*\.\s*get_queryset\(\s*\)|self\s*\.\s*queryset)$/;

/**
 * A returned expression that is the class's declared rows, only ordered, loaded or annotated: the inherited rows
 * themselves, or a variable bound once to them (`queryset = super().get_queryset()`) and never reassigned.
 */
function keepsInheritedRows(returned: Node): boolean {
  const kept = keptRowsOf(returned);
  if (INHERITED.test(kept.text)) return true;
  if (kept.type !== 'identifier') return false;
  const assignments = assignmentsBefore(kept);
  const right = assignments.length === 1 ? assignments[0].childForFieldName('right') : undefined;
  return !!right && INHERITED.test(keptRowsOf(right).text);
}

/**
 * `qs = super().get_queryset()` then `return qs.filter(user=self.request.user)` over a `queryset =` attribute: the
 * attribute's rows narrowed by the calls of the return, or undefined when the return is not such a chain.
 */
function inheritedRowsRefined(returned: Node, attributeValue: Node, judge: Judge): QuerysetInfo | undefined {
  const calls: Node[] = [];
  let node = unparenthesize(returned);
  while (node.type === 'call' && !INHERITED.test(node.text)) {
    const fn = node.childForFieldName('function');
    const object = fn?.type === 'attribute' ? fn.childForFieldName('object') : undefined;
    if (!object) return undefined;
    calls.unshift(node);
    node = unparenthesize(object);
  }
  if (calls.length === 0 || !(INHERITED.test(node.text) || keepsInheritedRows(node))) return undefined;
  const info = judge.read(attributeValue);
  return info && info.roots.length > 0 ? refinedBy(info, calls) : undefined;
}

/** Calls that order or load a queryset's rows without bounding them. */
const ROW_KEEPING = new Set(['order_by', 'select_related', 'prefetch_related', 'all', 'distinct', 'annotate', 'only', 'defer']);

/** What an expression orders or loads (`qs` of `qs.order_by("name").distinct()`): the rows it keeps. */
function keptRowsOf(expression: Node): Node {
  let node = unparenthesize(expression);
  while (node.type === 'call' && ROW_KEEPING.has(calleeName(node) ?? '')) {
    const fn = node.childForFieldName('function');
    const object = fn?.type === 'attribute' ? fn.childForFieldName('object') : undefined;
    if (!object) return node;
    node = unparenthesize(object);
  }
  return node;
}

/** The return statement holding an expression. */
function enclosingReturn(node: Node): Node | undefined {
  for (let p = node.parent; p; p = p.parent) if (p.type === 'return_statement') return p;
  return undefined;
}

/**
 * `qs = Chat.objects.all()` then `if name: qs = qs.filter(...)` (no else) and `return qs`: every refinement is
 * optional, so the request that passes none of them gets the first rows whole. Only when the first assignment
 * runs on every path to the return (same block) and each later one sits under an `if` with no `else` below it.
 */
function optionallyRefined(returned: Node, judge: Judge, attributeValue: Node | undefined, fallbackModel?: string): { node: Node; info: QuerysetInfo } | undefined {
  // `return qs.order_by("name")`: an ordering or loading call on the variable keeps its rows.
  const name = keptRowsOf(returned);
  if (name.type !== 'identifier') return undefined;
  const assignments = assignmentsBefore(name);
  const first = assignments[0];
  const right = first?.childForFieldName('right');
  const block = first?.parent?.parent;
  if (!right || !block || enclosingReturn(returned)?.parent?.id !== block.id || assignments.length < 2) return undefined;
  for (const later of assignments.slice(1)) {
    if (later.parent?.parent?.id === block.id) return undefined;
    // Optional when some enclosing `if` has no `else` (`if active is not None:` around an if/else of two filters).
    let conditional = false;
    for (let p = later.parent; p && p.id !== block.id; p = p.parent) {
      if (p.type === 'if_statement') {
        if (!p.namedChildren.some((c) => c?.type === 'else_clause')) conditional = true;
      } else if (!['block', 'expression_statement', 'elif_clause', 'else_clause', 'try_statement', 'except_clause'].includes(p.type)) return undefined;
    }
    if (!conditional) return undefined;
  }
  // `qs = super().get_queryset()` over a `queryset =` attribute: the attribute's rows, reported where declared.
  const declared = INHERITED.test(keptRowsOf(right).text) && attributeValue ? attributeValue : undefined;
  if (!declared && throughOwnQueryset(right.text)) return undefined;
  const info = judge.read(declared ?? right);
  if (!info || info.roots.length === 0) return undefined;
  // A table with no date or time of its own (a school's groups, a shop's categories) is a catalogue an admin
  // keeps: the unfiltered default is read only for rows that come with time.
  const names = modelNames(info, fallbackModel);
  if (names.length === 0 || !names.every((m) => judge.models().isStamped(m))) return undefined;
  return { node: declared ?? reportedNode(right), info };
}

/**
 * Rows read through `super().get_queryset()` are the class's: reported at its `queryset =` attribute, or at the
 * view's name when they are every row of its `model =`.
 */
function inheritedRowsNode(rows: { node: Node; info: QuerysetInfo }, cls: Node, attributeValue: Node | undefined): Node {
  if (!rows.info.roots.some((r) => /^super\s*\(/.test(r.node.text))) return rows.node;
  return attributeValue ?? cls.childForFieldName('name') ?? rows.node;
}

/** A variable assigned only from a cache read (`rows = cache.get(key)`): what an earlier request stored. */
function fromCache(node: Node): boolean {
  const n = unparenthesize(node);
  if (n.type !== 'identifier') return false;
  const assignments = assignmentsBefore(n);
  return assignments.length > 0 && assignments.every((a) => /^(\w+\.)*cache\.get\s*\(/.test(a.childForFieldName('right')?.text ?? ''));
}

function attributeRows(value: Node, judge: Judge): { node: Node; info: QuerysetInfo } | undefined {
  const info = judge.read(value);
  return info && info.roots.length > 0 ? { node: value, info } : undefined;
}

/**
 * The rows an expression holds: a queryset, or a variable first bound to one and then only refined by optional
 * filters from the request (`queryset = filters.filter(queryset) if filters else queryset`). A refinement that
 * bounds the rows (a slice, an owner, who asks) makes them bounded.
 */
function rowsOf(node: Node): QuerysetInfo | undefined {
  const direct = querysetOf(node);
  if (direct || unparenthesize(node).type !== 'identifier') return direct;
  const name = unparenthesize(node).text;
  const assignments = assignmentsBefore(unparenthesize(node));
  const first = assignments[0]?.childForFieldName('right');
  const info = first ? querysetOf(first) : undefined;
  if (!info) return undefined;
  for (const later of assignments.slice(1)) {
    const right = later.childForFieldName('right');
    if (!right || !new RegExp(`\\b${name}\\b`).test(right.text) || PER_USER.test(right.text) || /\[\s*\w*\s*:/.test(right.text)) return undefined;
    const refined = querysetOf(right);
    if (refined && (refined.scoped || refined.sliced || refined.singleRow)) return undefined;
  }
  return info;
}

/** A variable returned: the finding goes where its queryset is built. */
function reportedNode(node: Node): Node {
  const n = unparenthesize(node);
  if (n.type !== 'identifier') return n;
  const assigned = assignmentsBefore(n)[0]?.childForFieldName('right');
  return assigned ?? n;
}

function enclosingFunction(node: Node): Node | undefined {
  for (let p = node.parent; p; p = p.parent) if (p.type === 'function_definition') return p;
  return undefined;
}

// --- Django ListView -----------------------------------------------------------------------------------------

function checkDjangoListView(ctx: RuleContext, cls: Node, chain: ClassChain, judge: Judge, templates: TemplateReads): void {
  if (chain.unknownBases || ['get_paginate_by', 'paginator_class', 'get_paginator', 'paginate_queryset'].some((m) => chain.members.has(m))) return;
  const paginateBy = chain.members.get('paginate_by');
  if (paginateBy && !/=\s*None\s*$/.test(paginateBy.text)) return;
  if (pagedAtRunTime(chain)) return;
  const modelName = modelAttribute(chain);
  const rows = viewRows(cls, chain, judge, modelName);
  if (!rows && (chain.members.has('get_queryset') || chain.members.has('queryset'))) return;
  let info = rows?.info;
  if (!rows) {
    if (!modelName) return;
    info = undefined;
  }
  if (info ? rows?.urlParent === undefined && bounded(info, judge, modelName) : !growing(modelName!, judge) || judge.growth().catalogue([modelName!])) return;
  if (listNeverRead(ctx, chain, info, modelName, templates)) return;
  const view = cls.childForFieldName('name')!;
  report(ctx, rows?.node ?? view, {
    messageId: 'unpaged-template-view',
    data: { rows: rowsLabel(info, modelName), view: clip(view.text, 40), pager: 'paginate_by' },
    table: rowsTable(info, modelName),
    detail:
      `${view.text} renders every row of its queryset into one page: a ListView pages only with paginate_by. ` +
      'The table grows with the app and every row is a model instance in memory while the template renders. ' +
      'Set paginate_by (the template then reads page_obj).' +
      (rows?.urlParent !== undefined ? urlParentNote(rows.urlParent) : ownerNote(info, judge, modelName)),
  });
}

/**
 * A method of the view or a base sets the page size when the request comes (`self.paginate_by = per_page` in a
 * mixin's setup, `setattr(self, "paginate_by", n)`), or pages the list itself with a Paginator: the list is paged.
 * Only `self.paginate_by = None` leaves it whole.
 */
function pagedAtRunTime(chain: ClassChain): boolean {
  for (const member of chain.members.values()) {
    if (!/^\s*(?:async\s+)?def\b/.test(member.text)) continue;
    if (/\bPaginator\s*\(/.test(member.text)) return true;
    for (const m of member.text.matchAll(/\bself\.paginate_by\s*=(?!=)([^\n]*)|\bsetattr\(\s*self\s*,\s*["']paginate_by["']\s*,([^\n]*)/g)) {
      if (!/^\s*None\s*\)?\s*(?:#.*)?$/.test(m[1] ?? m[2])) return true;
    }
  }
  return false;
}

/**
 * The view's template (and all it extends or includes) never reads the list, and the view's own code does not
 * either: the lazy queryset is never evaluated (a ListView used as a page that shows its own sliced context).
 */
function listNeverRead(ctx: RuleContext, chain: ClassChain, info: QuerysetInfo | undefined, modelName: string | undefined, templates: TemplateReads): boolean {
  const template = stringValueOfMember(chain, 'template_name') ?? defaultTemplate(ctx, chain, info, modelName);
  if (!template) return false;
  for (const [name, member] of chain.members) {
    if (name === 'get_queryset' || name === 'queryset') continue;
    if (/object_list|get_queryset\s*\(|paginat/.test(member.text)) return false;
  }
  const models = [modelName, ...(info ? modelNames(info, modelName) : [])].filter((m): m is string => !!m);
  const listNames = ['object_list', ...models.map((m) => `${m.toLowerCase()}_list`)];
  const contextName = stringValueOfMember(chain, 'context_object_name');
  if (chain.members.has('context_object_name') && !contextName) return false;
  if (contextName) listNames.push(contextName);
  return templateReadsList(ctx.project, projectCurrent(ctx), template, listNames, templates) === false;
}

/**
 * The template Django picks for a ListView without `template_name`: `<app_label>/<model>_list.html`, from the app the
 * model is imported from. Undefined when the class names its templates some other way.
 */
function defaultTemplate(ctx: RuleContext, chain: ClassChain, info: QuerysetInfo | undefined, modelName: string | undefined): string | undefined {
  if (['template_name', 'get_template_names', 'template_name_suffix'].some((m) => chain.members.has(m))) return undefined;
  const model = modelName ?? (info?.models.length === 1 ? info.models[0] : undefined);
  const app = model && modelAppLabel(ctx.file.relPath, ctx.python(), model);
  return app ? `${app}/${model!.toLowerCase()}_list.html` : undefined;
}

/** `template_name = "blog/home.html"`: the string a class attribute is set to, if a plain literal. */
function stringValueOfMember(chain: ClassChain, name: string): string | undefined {
  const node = chain.members.get(name)?.node;
  const right = node?.type === 'assignment' ? node.childForFieldName('right') : undefined;
  return right ? stringValue(right) : undefined;
}

/** A project model whose rows grow (not a lookup table), Django's User, or a name several apps define, each stamped. */
function growing(model: string, judge: Judge): boolean {
  const kinds = judge.models();
  if ((kinds.declaresFields(model) && !kinds.isLookup(model)) || (model === 'User' && !kinds.has(model)) || kinds.stampedEverywhere(model)) return true;
  // Shaped like a lookup (no owner, no date) but a record of content that users keep adding: an exercise library, the
  // feeds parsed on request.
  return kinds.isRecord(model) && judge.usersAdd(model);
}

// --- Function views rendering a template ----------------------------------------------------------------------

const RENDER_CONTEXT: Record<string, number> = { render: 2, render_to_response: 1, TemplateResponse: 2, render_to_string: 1 };

function checkRenderView(ctx: RuleContext, fn: Node, judge: Judge, templates: TemplateReads, modules: OtherModulesRead): void {
  if (!/\brender|TemplateResponse/.test(fn.text) || /Paginator|paginate/i.test(fn.text)) return;
  const params = fn.childForFieldName('parameters')?.text ?? '';
  if (!/\brequest\b/.test(params)) return;
  for (const { node: call } of captures(fn.tree, '(call) @c', fn)) {
    const name = calleeName(call) ?? '';
    const index = RENDER_CONTEXT[name];
    if (index === undefined || enclosingFunction(call)?.id !== fn.id) continue;
    const context = keywordArgument(call, 'context') ?? positionalArguments(call)[index];
    for (const value of contextValues(context)) {
      const read = judge.read(value);
      const own = read && read.roots.length > 0 ? read : boundAllMethod(value) ?? read;
      const imported = own && own.roots.length > 0 ? undefined : serviceRows(ctx, value, modules);
      const info = imported?.info ?? own;
      if (!info || info.roots.length === 0 || info.materialized || info.values || bounded(info, judge)) continue;
      if (imported && (imported.fromTime || info.relatedManager || info.upcoming || info.recentWindow)) continue;
      if (contextKeyNeverRead(ctx, fn, call, index, value, templates)) continue;
      const fnName = fn.childForFieldName('name')?.text ?? 'view';
      const children = info.relatedManager ? growingChildren(info, judge.models()) : undefined;
      report(ctx, reportedNode(value), {
        messageId: 'unpaged-template-view',
        data: { rows: rowsLabel(info, children), view: clip(`${fnName}()`, 40), pager: 'Paginator' },
        table: rowsTable(info, children),
        detail:
          `${fnName}() renders every row of this queryset into one page, with no Paginator: the table grows with the ` +
          'app and every row is a model instance in memory while the template renders. Page it with ' +
          'django.core.paginator.Paginator (or a slice for a "latest" list).' +
          (imported ? ` The queryset is ${imported.where}'s.` : '') +
          ownerNote(info, judge),
      });
    }
  }
}

/**
 * The queryset a service or selector function of another module returns, put in the context directly or through a
 * variable (`clientes = cliente_service.listar_clientes()`). The answer reads other modules (and, for a name the
 * module itself binds, its own definitions: importedQuerysetOf records that as an unnamed read): `modules` tells the
 * view's per-statement cache to key it by them (calleesStamp).
 */
function serviceRows(ctx: RuleContext, value: Node, modules: OtherModulesRead): ImportedQueryset | undefined {
  let call = unparenthesize(value);
  if (call.type === 'identifier') call = unparenthesize(assignmentsBefore(call).pop()?.childForFieldName('right') ?? call);
  if (call.type !== 'call') return undefined;
  const imported = importedQuerysetOf(ctx.project, value.tree, ctx.file.relPath, value);
  if (imported || (ctx.project && importedName(value.tree, rootName(call.childForFieldName('function') ?? call) ?? ''))) modules.read = true;
  return imported;
}

function importedName(tree: Tree, name: string): boolean {
  const imports = importsOf(tree);
  return imports.names.has(name) || imports.origins.has(name);
}


/**
 * A class-based template view's own `get_context_data` (the last definition in its body, as Python keeps) that adds
 * a queryset to the context: `context["comments"] = self.object.comments.all()`, `context.update(visits=...)`,
 * `context.update({"visits": ...})` or a returned dict literal. Judged as a function view's render context.
 */
function checkContextData(ctx: RuleContext, cls: Node, chain: ClassChain, judge: Judge, templates: TemplateReads): void {
  const fn = methodsOf(cls).filter((m) => m.childForFieldName('name')?.text === 'get_context_data').pop();
  if (!fn || /Paginator|paginate/i.test(fn.text)) return;
  const template = stringValueOfMember(chain, 'template_name');
  const name = cls.childForFieldName('name')?.text ?? 'view';
  const view = `${name}.get_context_data()`;
  for (const { key, value } of contextEntries(fn)) {
    if (enclosingFunction(value)?.id !== fn.id) continue;
    const info = judge.read(value);
    if (!info || info.roots.length === 0 || info.materialized || info.values || bounded(info, judge)) continue;
    // Only rows known to pile up: one fetched parent's growing children, or one owner's rows of a table that grows
    // per owner. A whole table beside the page's object is as often a short catalogue (conferences, a family's
    // children) as a growing one.
    if (!info.relatedManager && !ownerScoped(info, modelNames(info), judge)) continue;
    // A key the template (with all it extends or includes) never reads: the lazy queryset is never evaluated.
    if (template && templateReadsList(ctx.project, projectCurrent(ctx), template, [key], templates) === false) continue;
    const children = info.relatedManager ? growingChildren(info, judge.models()) : undefined;
    report(ctx, reportedNode(value), {
      messageId: 'unpaged-template-view',
      data: { rows: rowsLabel(info, children), view: clip(name, 40), pager: 'Paginator' },
      table: rowsTable(info, children),
      detail:
        `${view} adds every row of this queryset to the page's context, with no Paginator: the template renders ` +
        'them all, and every row is a model instance in memory while it does. The table grows with the app. Page it ' +
        'with django.core.paginator.Paginator (or a slice for a "latest" list).' +
        ownerNote(info, judge),
    });
  }
}

/** The values get_context_data puts in the context, with their keys. */
function contextEntries(fn: Node): { key: string; value: Node }[] {
  const out: { key: string; value: Node }[] = [];
  for (const { node } of captures(fn.tree, '(assignment left: (subscript) right: (_)) @a', fn)) {
    const left = node.childForFieldName('left');
    const key = stringValue(left?.childForFieldName('subscript'));
    const value = node.childForFieldName('right');
    if (key && /^\w+$/.test(key) && value) out.push({ key, value });
  }
  for (const { node: call } of captures(fn.tree, '(call) @c', fn)) {
    if (calleeName(call) !== 'update' || call.childForFieldName('function')?.type !== 'attribute') continue;
    for (const arg of call.childForFieldName('arguments')?.namedChildren ?? []) {
      if (arg?.type === 'keyword_argument') {
        const value = arg.childForFieldName('value');
        if (value) out.push({ key: arg.childForFieldName('name')?.text ?? '', value });
      } else if (arg?.type === 'dictionary') out.push(...dictEntries(arg));
    }
  }
  for (const { node } of captures(fn.tree, '(return_statement (dictionary) @d)', fn)) out.push(...dictEntries(node));
  return out.filter((e) => /^\w+$/.test(e.key));
}

function dictEntries(dict: Node): { key: string; value: Node }[] {
  return dict.namedChildren.flatMap((pair) => {
    const key = pair?.type === 'pair' ? stringValue(pair.childForFieldName('key')) : undefined;
    const value = pair?.childForFieldName('value');
    return key && value ? [{ key, value }] : [];
  });
}

/**
 * A queryset put in a literal template's context under a key that neither the template (nor what it extends or
 * includes) nor the view's own code reads again: the lazy queryset is never evaluated.
 */
function contextKeyNeverRead(ctx: RuleContext, fn: Node, call: Node, contextIndex: number, value: Node, templates: TemplateReads): boolean {
  const pair = value.parent;
  const key = pair?.type === 'pair' && pair.childForFieldName('value')?.id === value.id ? stringValue(pair.childForFieldName('key')) : undefined;
  const template = stringValue(keywordArgument(call, 'template_name') ?? positionalArguments(call)[contextIndex - 1]);
  if (!key || !template || !/^\w+$/.test(key)) return false;
  // The key spelled once in the view: nothing else takes the queryset out of the context.
  if ((fn.text.match(new RegExp(`["']${key}["']`, 'g')) ?? []).length !== 1) return false;
  return templateReadsList(ctx.project, projectCurrent(ctx), template, [key], templates) === false;
}

/**
 * `Post.objects.all` passed uncalled: a template calls what it is given, so the page iterates every row as if the
 * view had called it. Read directly or through a name bound once (`posts = Post.objects.all`).
 */
function boundAllMethod(value: Node): QuerysetInfo | undefined {
  const node = soleValueOf(value);
  if (node?.type !== 'attribute' || node.childForFieldName('attribute')?.text !== 'all') return undefined;
  const manager = node.childForFieldName('object');
  const model = manager?.type === 'attribute' && manager.childForFieldName('attribute')?.text === 'objects' ? manager.childForFieldName('object') : undefined;
  if (!manager || model?.type !== 'identifier') return undefined;
  const info = emptyInfo({ kind: 'manager', node: manager, insertAt: undefined });
  info.models.push(model.text);
  info.methods.push('all');
  return info;
}

/** The values of a context dict literal (or a variable assigned one). */
function contextValues(node: Node | undefined): Node[] {
  if (!node) return [];
  let n = unparenthesize(node);
  if (n.type === 'identifier') {
    const value = assignmentsBefore(n).pop()?.childForFieldName('right');
    if (!value) return [];
    n = unparenthesize(value);
  }
  if (n.type !== 'dictionary') return [];
  return n.namedChildren.flatMap((pair) => (pair?.type === 'pair' && stringValue(pair.childForFieldName('key')) !== undefined ? [pair.childForFieldName('value')!] : []));
}

// --- django-ninja routes and graphene resolvers ---------------------------------------------------------------

const NINJA_GET = /^@\s*[\w.]*\b(get|api_operation)\s*\(/m;

function checkNinjaRoute(ctx: RuleContext, fn: Node, judge: Judge): void {
  const decorated = fn.parent?.type === 'decorated_definition' ? fn.parent : undefined;
  if (!decorated) return;
  const decorators = decorated.text.slice(0, fn.startIndex - decorated.startIndex);
  if (!NINJA_GET.test(decorators) || /@\s*[\w.]*paginat/i.test(decorators)) return;
  // A function taking `request` is request code for the rule's own list() check (python.ts).
  const params = fn.childForFieldName('parameters')?.text ?? '';
  for (const value of returnedRows(fn)) {
    if (/\brequest\b/.test(params) && value.wrapped) continue;
    const info = rowsOf(value.node);
    if (!info || info.roots.length === 0 || bounded(info, judge)) continue;
    const name = fn.childForFieldName('name')?.text ?? 'route';
    report(ctx, value.wrapped ?? reportedNode(value.node), {
      messageId: 'unpaged-route',
      data: { rows: rowsLabel(info), view: clip(`${name}()`, 40), pager: '@paginate' },
      table: rowsTable(info),
      detail:
        `${name}() returns every row of this queryset in one response, with no @paginate: the table grows with the app, ` +
        'and every row is a model instance and then a schema object in memory at once. Add @paginate (ninja.pagination).',
    });
  }
}

function checkResolvers(ctx: RuleContext, cls: Node, judge: Judge): void {
  for (const fn of methodsOf(cls)) {
    const name = fn.childForFieldName('name')?.text ?? '';
    if (!name.startsWith('resolve_')) continue;
    const params = fn.childForFieldName('parameters')?.text ?? '';
    // Arguments beyond (root, info) usually select (`id`, `profile_id`); paging arguments bound the rows.
    if (/\b(first|last|limit|offset|page|after|before)\b/.test(params)) continue;
    for (const value of returnedRows(fn)) {
      const info = rowsOf(value.node);
      if (!info || info.roots.length === 0 || bounded(info, judge)) continue;
      report(ctx, value.wrapped ?? reportedNode(value.node), {
        messageId: 'unpaged-route',
        data: { rows: rowsLabel(info), view: clip(`${name}()`, 40), pager: 'paging arguments' },
        table: rowsTable(info),
        detail:
          `${name}() resolves to every row of this queryset in one response, with no paging: the table grows with the app, ` +
          'and every row is a model instance and then a result object in memory at once. Use a Relay connection ' +
          '(DjangoFilterConnectionField / DjangoConnectionField pages with first/after) or slice with limit/offset arguments.',
      });
    }
  }
}

/** What a function returns: `return qs` / `return list(qs)` (the list() call kept as `wrapped`). */
function returnedRows(fn: Node): { node: Node; wrapped?: Node }[] {
  const out: { node: Node; wrapped?: Node }[] = [];
  for (const { node } of captures(fn.tree, '(return_statement) @r', fn)) {
    if (enclosingFunction(node)?.id !== fn.id) continue;
    const value = node.namedChildren[0];
    if (!value) continue;
    const v = unparenthesize(value);
    if (v.type === 'call' && ['list', 'tuple'].includes(calleeName(v) ?? '') && v.childForFieldName('function')?.type === 'identifier') {
      const inner = positionalArguments(v)[0];
      if (inner) out.push({ node: inner, wrapped: v });
    } else {
      out.push({ node: v });
    }
  }
  return out;
}

function report(ctx: RuleContext, node: Node, spec: Omit<ReportSpec, 'start' | 'end'>): void {
  ctx.report({ start: node.startIndex, end: node.endIndex, ...spec });
}

/** The message ids of these findings (python.ts spreads them into the rule's meta). */
export const LIST_VIEW_MESSAGES = {
  'unpaged-list-view': 'Serializes every {{rows}} at once: {{why}}',
  'unpaged-template-view': 'Renders every {{rows}} into one page: {{view}} has no {{pager}}',
  'unpaged-route': 'Returns every {{rows}} in one response: {{view}} has no {{pager}}',
};

/** The list-view parts of the rule's documentation (kept beside the code they describe). */
export const LIST_VIEWS_WHAT =
  'Whole-table list views, where no paging applies: DRF ListAPIView, ListCreateAPIView, ModelViewSet, ' +
  'ReadOnlyModelViewSet and ListModelMixin views (bases followed into other project modules, whose `get_queryset()` or ' +
  '`queryset =` with the view\'s `model =` gives the rows: the finding then sits on the view\'s name) with no ' +
  '`pagination_class` on the view or a base and no `DEFAULT_PAGINATION_CLASS` in the project\'s `REST_FRAMEWORK` ' +
  'setting (DRF\'s own PageNumberPagination, LimitOffsetPagination and CursorPagination page only with `PAGE_SIZE`), ' +
  'or `pagination_class = None`, or a `pagination_class` naming one of those DRF classes itself while no settings ' +
  'module sets `PAGE_SIZE` (commented-out settings lines do not count); Django ListViews without `paginate_by` (also one naming only `model = Post`; a misspelt `pagination = 10` pages ' +
  'nothing); function views and class-based View handlers (`def get(self, request)`) that render a whole queryset ' +
  'into a template with no Paginator, also one a service or selector function of another module returns; a template view\'s own ' +
  '`get_context_data` (ListView, DetailView, TemplateView and the edit views) adding to the context one object\'s growing ' +
  'children or one owner\'s growing rows that the template reads (`context["comments"] = self.object.comments.all()`, ' +
  '`context.update(visits=...)`, a returned dict); django-ninja GET routes returning a queryset or `list(queryset)` ' +
  'without `@paginate`; graphene `resolve_*` methods returning a queryset with no paging arguments. Querysets built through the ' +
  'project\'s own manager and QuerySet methods (`Invoice.objects.search(q).with_status(s)`) are read through those ' +
  'methods: an optional filter that returns `self.all()` without its parameter keeps every row, an `icontains` search ' +
  'matches every row for an empty query, a method taking `request` or filtering by a user key scopes to one owner. ' +
  'One fetched parent\'s children (`get_object_or_404(Product, pk=pk).comments`) are reported when many users keep ' +
  'adding them (stamped when created, written by a user). A model method that loads every django-simple-history ' +
  'record of the object (`[model_to_dict(h) for h in self.history.all()]`) is reported too, and so is a form\'s or ' +
  'serializer\'s `clean`/`clean_<field>`/`validate_<field>` that loops over a whole growing table to find one row ' +
  '(`for p in Patient.objects.all(): if p.reg_no == reg_no: raise ValidationError(...)`), which `.exists()` answers. The message says ' +
  'which view has no pagination; the detail says where the project\'s settings were read.';

export const LIST_VIEWS_FIX =
  'Unpaged list views get no fix: adding pagination changes the response shape (a page object with `results`, ' +
  '`next`, `count` instead of a plain list; `page_obj` in templates), which every client of the view must follow.';

export const LIST_VIEWS_NOTES =
  'A viewset whose every route is `as_view({...})` with no `"list"` action (`{"get": "retrieve"}`) never lists its ' +
  'queryset and is not reported; a router registration, a subclass or any other mention keeps it a list view. ' +
  'List views are reported only when nothing bounds their rows: not for slices, pk lookups, related managers, ' +
  'querysets filtered to one owner or to who asks (`request.user`), grouped rows, a filter on a relation the ' +
  'model declares (`filter(gym=self.gym)`: one parent\'s rows), unless that model\'s rows grow with time per owner ' +
  '(a post\'s comments, a chat room\'s messages, the posts of the authors a user follows: the same model facts as ' +
  'the rule\'s other checks), curated tables (a project model with no date or time ' +
  'field of its own whose relations lead only to other such models: languages, categories, dropdown options, ' +
  'venues and their rooms; a many-to-many or a nullable pointer with `related_name="+"` does not count, and a ' +
  'model whose `Meta.ordering` leads with an integer position such as `order` is curated whatever its time stamps; ' +
  'never a model named as a user table, `User`/`CustomUser`, nor goods for sale (a numeric `price` field: a shop\'s ' +
  'products, a store\'s books), nor one ordered by a related model\'s time, ' +
  '`ordering = ("-occurrence__starts",)`), curated catalogues (a project model whose rows only curated code adds: ' +
  'the Django admin, views only staff or administrators pass (`IsAdminUser`, `@staff_member_required`, a staff ' +
  '`test_func`, `PermissionRequiredMixin`), management commands, migrations, fixtures, seed scripts, tests; ' +
  'never when a public view, form, serializer, related manager, task or signal adds them, when rows are stamped ' +
  'content read by a date (a blog\'s posts by publish date) or rows with the time their event happens, nor for ' +
  'profiles, contacts with an email or phone, rows belonging to a user, goods for sale, rows several per parent, ' +
  'or tables a seed fills by the hundred), ' +
  'rows still to come (`filter(start__gte=timezone.now())`), ' +
  'models the project does not define (except Django\'s User; a name several apps define, `Post` in two apps, is ' +
  'judged when every one of them carries a date or time of its own and none is arranged by hand), ' +
  'ListViews whose template (with all it extends or includes, found in the project) never reads `object_list`, ' +
  '`<model>_list`, the `context_object_name` or `page_obj` (the lazy queryset is never evaluated), and context ' +
  'querysets the template only counts, tests or slices (`{{ qs.count }}`, `{% if qs.exists %}`, `qs.first`, ' +
  '`qs|slice:":6"`: COUNT, EXISTS and LIMIT queries; a loop, `|length` or `{% if qs %}` loads every row), ' +
  'ListViews paged when the request comes (`self.paginate_by = n` in a method of the view or a base, ' +
  '`setattr(self, "paginate_by", n)`, an overridden `paginate_queryset()`, a `Paginator` built in a method; ' +
  '`self.paginate_by = None` pages nothing), ' +
  'views with their own `list()` (one that only returns `super().list(...)`, there for `@extend_schema`, still lists the ' +
  'DRF way and is followed) or `paginate_queryset()`, bases from other packages that might page, and projects ' +
  'whose settings cannot be read (no settings module, `REST_FRAMEWORK` built by code, `PAGE_SIZE` alone, which ' +
  'paged by default before DRF 3.7). A view class named like Django\'s in the project itself is the project\'s. ' +
  'An `if`/`else` binding one name to an owner\'s rows in one branch and to `Model.objects.all()` in the other is ' +
  'reported on the whole-table branch. A text search (`title__icontains=q`) is not an owner scope. ' +
  'Of a `get_queryset()` with several returns, the one that is neither filtered nor scoped (a staff branch ' +
  'returning `Order.objects.all()`, also one variable returned whole to several roles, `return qs` for admins and ' +
  'for doctors; `return qs.none()` is no rows, not another answer) is judged when every return is a readable ' +
  'queryset, and when every return is ' +
  'one owner\'s rows (a doctor\'s visits, else the patient\'s), the first whose rows grow per owner; a variable refined ' +
  'on each branch of an `if`/`else` (`qs = qs.filter(doctor=...)` / `qs = qs.filter(patient=...)`) is one owner\'s ' +
  'rows on every path, an optional refinement (an `if` with no `else`) is not; a return of what a cache ' +
  'read gave (`cached = cache.get(key)`, `if cached: return cached`) is the same rows, not another answer. A filter ' +
  'on a group reached through who asks (`level=self.request.user.student.level`) picks a parent many users add to, ' +
  'not the asker\'s own rows. The declared `queryset =` kept to who asks (`qs = super().get_queryset()` then ' +
  '`return qs.filter(user=self.request.user)`) is that owner\'s rows, judged like `WeightLog.objects.filter(user=...)`.';
