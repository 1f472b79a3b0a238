/**
 * n-plus-one, DRF shape: a list view (ListAPIView, ModelViewSet, a ListModelMixin view, or `Serializer(qs,
 * many=True)` in any view) whose serializer reads relations its queryset neither select_related nor
 * prefetch_related. The serializer side comes from analysis/python/drf.ts (project-wide, cached per module
 * version); this file finds the views of the analysed file, their querysets and serializers, and reports.
 *
 * Where the finding goes: on the serializer's field when the serializer is in the view's file, else on the view's
 * queryset. Fixes edit one file (the engine's FixSpec has no file), and the fix always edits the queryset, so
 * reporting in the view's file is what keeps the quick fix working when serializers live in serializers.py.
 */
import { moduleQuerysetStamp } from '../../analysis/python/module-queryset-stamp';
import { modelClassName } from '../shared/table-names';
import { listRoutingOf } from '../../analysis/python/drf-routes';
import type { Node, Tree } from 'web-tree-sitter';
import type { FixSpec, RelatedSpec, ReportSpec, RuleContext } from '../api';
import { clip, lineNumberAt } from '../shared/format';
import { headlineText, type NPlusOneMessageId } from './meta';
import { digest, drfProject, type DrfProject, type RelationNeed } from '../../analysis/python/drf';
import { ancestor, captures, keywordArgument, nodesAtText, positionalArguments } from '../../analysis/python/ast';
import {
  addRelationEdits,
  assignmentsBefore,
  fixesAllowed,
  loadsRelation,
  outsideReadsHold,
  querysetOf,
  readClassMember,
  recordingOutsideReads,
  unparenthesize,
  OutsideReads,
  outsideRecording,
  type QuerysetInfo,
} from '../../analysis/python/django-querysets';
import { curatorFlagged, flagWritesKey, projectFlagWrites } from '../../analysis/python/flagged-rows';
import { drainedOwnerRows } from '../../analysis/python/drained-owner-rows';
import { appLimitsKey, projectAppLimits, type AppLimits } from '../../analysis/python/owner-limits';
import { importsOf } from '../../analysis/python/imports';
import { importedNames, moduleText } from '../../analysis/python/web-context';
import { moduleMatches, StatementFindingsCache, statementCachesEnabled, statementMatches, topLevelStatements, type TopLevelStatement } from '../../analysis/python/statements';
import { StatementSlot, TreeSlot } from '../../analysis/cache';
import { customChainReader } from './drf-custom-chains';
import { classMethods, type ClassMethods } from '../../analysis/python/class-methods';
import { findingsByMethod } from '../../analysis/python/method-findings';
import { ClassMemberFindingsCache } from '../../analysis/python/class-member-findings';
import { isForeign, modelAttributeName, ownMember, selfAttributeValue, withProjectBases, type ClassLookup } from '../../analysis/python/drf-view-bases';
import { checkMethodFieldQueries, DRF_METHOD_QUERY_NOTES } from './drf-method-queries';
import { selfSerializerClass } from './drf-self-serializers';

/** The DRF parts of the rule's documentation (kept here, beside the code they describe). */
export const DRF_WHAT =
  'DRF: for each list view (ListAPIView, ListCreateAPIView, ModelViewSet, ReadOnlyModelViewSet, a ListModelMixin ' +
  'view, or `Serializer(qs, many=True)` in any view or method) it follows `queryset =` / `get_queryset()` and ' +
  '`serializer_class` / `get_serializer_class()` (also into other project modules) and reports each relation the ' +
  'serializer reads per row that the queryset does not load: nested serializers (recursively: `customer__company`, ' +
  '`items__product`), `source="customer.name"`, SerializerMethodField methods reading `obj.customer.name` or ' +
  '`obj.items.all()`/`.count()`/`.exists()`/`.filter()`, String/Slug related fields and any related field with ' +
  '`many=True`, many-to-many and reverse relations named in `Meta.fields`, every relation at `depth = N`, and what a model ' +
  "property or argument-less method read through a field (`ReadOnlyField()`, `source=`, a Meta.fields name, `obj.member_count` " +
  'in a method field) reads through `self` (`self.members.count()`, `str(self.manager)`). The list serializer may come ' +
  'from an action map (`serializer_action_classes = {"list": ...}`) a mixin reads. Base views and mixins of other ' +
  'project modules count as bases in the same file: their `get_serializer_class()` (also returning ' +
  '`self.read_serializer_class`, the class the view sets), `get_queryset()` over `self.model.objects` (the view\'s ' +
  '`model =`) and `queryset =`; rows read there are reported on the view\'s name, with no fix.';

export const DRF_FIX =
  'DRF: the fix adds `select_related` (a chain of foreign keys / one-to-ones) or `prefetch_related` (past a reverse ' +
  "or many-to-many relation) with the exact lookup path to the view's `queryset =`, to what `get_queryset()` " +
  'returns, or to the queryset given to `Serializer(qs, many=True)`, merged into an existing call (a `Prefetch` is ' +
  'kept). It is unsafe when `get_queryset()` has several returns (each gets the call) or uses `.only()`/`.defer()`. ' +
  "Fixes edit one file, so the finding sits on the serializer's field when the serializer is in the view's file, " +
  "and on the view's queryset when it is in another module; either way its related information points at the other end " +
  '(the serializer field, or the queryset).';

export const DRF_NOTES =
  "DRF serializers: relation kinds come from the project's model classes (ForeignKey, OneToOneField, " +
  'ManyToManyField, `related_name`, `<model>_set`); a path through a model that is not found is not reported, except ' +
  'the shapes that cannot be anything else (a `many=True` nested serializer or related field, `obj.items.all()`). ' +
  'Not reported: retrieve-only views (also a generic view whose first base with a `get()` is a Retrieve view) and `Serializer(obj)` without `many=True`, `_id` fields and primary-key fields ' +
  'of a foreign key (DRF reads `<fk>_id`), `values()` querysets, annotations read as fields, methods that use ' +
  '`getattr`/`hasattr` fallbacks, serializers with their own `to_representation` that does not start from `super().to_representation()` (one that does renders every field, and its own reads of the instance count too), relations the queryset filters to ' +
  'one value (`filter(user=request.user)`: the same row each time; with several returns only when every returned queryset ' +
  'filters it, so a `return X.objects.all()` branch for staff is reported; a filter on a many-to-many or reverse relation does not count: each row still has its own set), querysets from custom managers that may ' +
  'select or prefetch, and `get_queryset()` bodies that cannot be read as one queryset expression (beyond filtering ' +
  '`self.queryset` / `super().get_queryset()`). A `.count()` is not reported when the same relation is prefetched. ' +
  'A view method serialising rows through the view itself (`self.get_serializer(rows, many=True)`, ' +
  '`self.get_serializer_class()(rows, many=True)`, `self.serializer_class(self.queryset, many=True)`) uses the ' +
  "action's `@action(serializer_class=...)`, else the view's `serializer_class` (not followed when the view overrides " +
  '`get_serializer_class()` or maps actions to serializers). ' +
  "Rows of one object's related manager (`issue.outward_links.all()`) are not reported for the foreign key back to " +
  'that object (Django sets it on every row). ' +
  'Pagination bounds the rows per page but not the per-row queries, so paginated views are reported. A loop in a ' +
  "serializer method over the serialised object's related `.all()` (`for item in cart.items.all()`) is judged with " +
  "the views, not as a loop of its own: its rows come from the view's prefetch cache when the view prefetches them. " +
  DRF_METHOD_QUERY_NOTES;

/** Views whose GET on the collection serialises the whole queryset with many=True. */
const LIST_VIEWS = new Set(['ListAPIView', 'ListCreateAPIView', 'ModelViewSet', 'ReadOnlyModelViewSet', 'ListModelMixin']);
const MAY_BE_DRF = /rest_framework|Serializer/;

interface ListQueryset {
  /** The expression the fix edits and a cross-file finding points at. */
  expr: Node;
  info: QuerysetInfo;
  /** Built through the project's own QuerySet/Manager methods: no fix (a Manager's method may not chain after a loading call). */
  custom?: boolean;
  /** Read in a base class of another module (drf-view-bases.ts): no fix, and the finding sits on the view. */
  foreign?: boolean;
}

/** Reads a chain through project QuerySet/Manager methods the shared reader stops at (drf-custom-chains.ts). */
type CustomReader = (expression: Node) => ListQueryset | undefined;

interface ListView {
  label: string;
  /** A list view class (its label is the class name), not a `Serializer(rows, many=True)` call in a method. */
  classBased?: boolean;
  serializerRef: Node;
  querysets: ListQueryset[];
  /** get_queryset() has several returns: fixes are offered one at a time (unsafe). */
  branches: boolean;
  /** The get_queryset() that filters the class's `queryset` attribute. */
  refinedBy?: Node;
  /** The view's class name: where a finding goes when its queryset is read in a base of another module. */
  anchor?: Node;
  /** `model = Post` of the view or a base: the model `self.model.objects` lists. */
  model?: string;
}

/** Findings per view statement, kept across keystrokes while the statement and the project's DRF facts are unchanged. */
const findingsCache = new StatementFindingsCache<OutsideReads>('n-plus-one: DRF view findings');

/**
 * Reports the DRF serializer N+1 findings of the analysed file. Each top-level class or function that may be a
 * view is analysed on its own and its findings are reused while its text, the texts of its base classes in this
 * file and the project's serializer/model facts are unchanged (a keystroke re-analyses the statement it edits).
 */
export function checkDrfSerializers(ctx: RuleContext, tree: Tree): void {
  const text = ctx.file.text;
  if (!moduleMatches(tree, text, MAY_BE_DRF)) return;
  checkMethodFieldQueries(ctx, tree);
  const viewText = moduleMatches(tree, text, VIEW_TEXT);
  // A view may take its serializer and rows from a base or mixin of another module (drf-view-bases.ts).
  if (!viewText && !moduleMatches(tree, text, CLASS_WITH_BASES)) return;
  const classes = withProjectBases(classesOf(tree), ctx.project, { relPath: ctx.file.relPath, text }, tree);
  const statements = topLevelStatements(tree).filter((s) => /^(class_definition|function_definition|decorated_definition)$/.test(s.type) && mayHoldListView(s, classes));
  if (statements.length === 0) return;
  const drf = drfProject(ctx.project, { relPath: ctx.file.relPath, text, tree });
  const canFix = fixesAllowed(tree);
  // Serializers are found through the module's imports: they are part of every statement's key (whether fixes are
  // allowed is not: the cache drops the fixes of findings it replays while the file has syntax errors).
  // The project's QuerySet/Manager class texts: custom chains are read through them.
  const customStamp = moduleQuerysetStamp(ctx, tree);
  const shared = digest(`${ctx.file.relPath}\u0000${drf.version}\u0000${customStamp}\u0000${JSON.stringify([...importsOf(tree).origins])}\u0000${flagWritesKey(ctx.project, ctx.file.relPath, text)}\u0000${appLimitsKey(ctx.project, ctx.file.relPath, text)}`);
  const chains = customChainReader(ctx, drf);
  const readCustom: CustomReader = (expression) => {
    const rows = chains(expression);
    return rows && { ...rows, custom: true };
  };
  for (const statement of statements) {
    const cls = statement.type === 'decorated_definition' ? statement.node.childForFieldName('definition') : statement.node;
    const bases = cls?.type === 'class_definition' ? baseTexts(cls, classes, statementsOfClasses(tree)) : '';
    const context = bases ? `${shared}\u0000${bases}` : shared;
    const judge = (views: ListView[], report: (spec: ReportSpec) => void) => {
      for (const view of views) {
        // A viewset routed only as `as_view({"get": "retrieve"})` serializes one row per request, never the list.
        if (view.classBased && listRoutingOf(ctx.project, { relPath: ctx.file.relPath, text }, view.label) === 'not-listed') continue;
        checkView(ctx, drf, view, canFix, report);
      }
    };
    // A big ViewSet method by method: the class view (its queryset, serializer, get_queryset) kept by the class's
    // text outside its methods and the members it read, each method's `Serializer(rows, many=True)` calls kept by the
    // method's text and what the class view is.
    const judgeByMethod = (split: ClassMethods, report: (spec: ReportSpec) => void): OutsideReads | undefined => {
      let found: ClassViews | undefined;
      const classPart = classViewFindings.check(tree, statement, split, context, report, canFix, (reportTo) => {
        const [views, reads] = recordingOutsideReads(() => {
          // getAction reads the class's own `get()` (not through member()).
          readClassMember(split.cls, 'get');
          const views = classViewsIn(statement, classes, readCustom);
          judge(views.views, reportTo);
          return views;
        });
        found = views;
        return reads.unknown ? undefined : { reads, value: classViewKey(views) };
      });
      // Replayed: the class view itself is read again only for a method whose `many=True` calls are judged afresh.
      const classViews = () => (found ??= classViewsIn(statement, classes, readCustom));
      const viewKey = classPart?.value ?? classViewKey(classViews());
      const methodReads = findingsByMethod(tree, split, methodFindings, `${context}\u0000${viewKey}`, report, (unit) => (reportTo) => {
        const [, unitReads] = recordingOutsideReads(() => judge(manyViewsIn(tree, unit, classViews(), classes, readCustom), reportTo));
        return unitReads.unknown ? undefined : unitReads;
      }, canFix, (unit) => !MANY_TRUE.test(unit.text));
      if (!classPart || !methodReads) return undefined;
      const reads = new OutsideReads();
      reads.merge(classPart.reads);
      reads.merge(methodReads);
      return reads;
    };
    findingsCache.check(ctx, statement, context, (reads) => outsideReadsHold(tree, reads), (report) => {
      const split = statementCachesEnabled() ? classMethods(statement, MANY_KEYWORDS) : undefined;
      if (split) return judgeByMethod(split, report);
      const [, reads] = recordingOutsideReads(() => judge(listViewsIn(tree, statement, classes, readCustom), report));
      return reads.unknown ? undefined : reads;
    }, canFix);
  }
}

/**
 * Findings per method of a top-level view class, kept across keystrokes: an edit inside one method of a 1,000-line
 * ViewSet re-checks that method's `many=True` calls only. Keyed by the method's text, its column, the class's text
 * outside its methods and what the class view is (classViewKey); the sibling methods it looked up are checked on reuse.
 */
const methodFindings = new StatementFindingsCache<OutsideReads>('n-plus-one: DRF view findings per method', 8000);
/** The class view's findings per view class, kept while what they read of the class is unchanged (class-member-findings.ts). */
const classViewFindings = new ClassMemberFindingsCache<string>('n-plus-one: DRF class view findings');
const MANY_KEYWORDS = /\bmany\s*=\s*True\b/g;

const VIEW_TEXT = /serializer_class|many\s*=\s*True|["']list["']\s*:/;
const CLASS_WITH_BASES = /^class[ \t]+\w+[ \t]*\([ \t]*[\w.]/m;
/** A serializer called with the rows as its first argument (`OrderSerializer(qs, ...)`, `self.get_serializer(page, ...)`). */
const SERIALIZER_CALL = /[Ss]erializer(?:_class|_class\(\s*\))?\(\s*(?![A-Za-z_]\w*\s*=[^=])[^\s)]/;

/** Cheap test before any tree work: a list view class, or a serializer call on rows with many=True. */
function mayHoldListView(statement: TopLevelStatement, classes: ClassLookup): boolean {
  const top = statement.type === 'decorated_definition' ? statement.node.childForFieldName('definition') : statement.node;
  if (!statementMatches(statement, VIEW_TEXT)) {
    // No serializer of its own: a list view whose bases (here or in another module) name one.
    if (top?.type !== 'class_definition' || !statementMatches(statement, CLASS_WITH_BASES) || !isListView(top, classes)) return false;
    return !!(member(top, classes, 'get_serializer_class') ?? member(top, classes, 'serializer_class'));
  }
  if (top?.type === 'class_definition' && isListView(top, classes)) return true;
  return statementMatches(statement, MANY_TRUE) && statementMatches(statement, SERIALIZER_CALL);
}

const MANY_TRUE = /many\s*=\s*True/;

function checkView(ctx: RuleContext, drf: DrfProject, view: ListView, canFix: boolean, report: (spec: ReportSpec) => void): void {
  const serializer = resolveSerializer(ctx, drf, view.serializerRef);
  if (!serializer || !drf.isSerializer(serializer)) return;
  const infos = view.querysets.map((q) => q.info);
  if (infos.some((i) => i.values || i.unknownRelations || !plainRoots(drf, i, view.model))) return;
  // `self.model.objects` lists the view's `model =` (set here or in a base).
  const models = new Set(infos.flatMap((i) => [...i.models.map((m) => (m === 'model' && view.model ? view.model : m)), ...i.roots.filter(isModelManager).map((r) => r.owner!.text)]));
  if (models.has('model')) return;
  // Rows a curator flagged (`filter(top_agent=True)`: an agency's top agents) are the few chosen (flagged-rows.ts).
  const current = { relPath: ctx.file.relPath, text: ctx.file.text };
  const origins = importsOf(view.querysets[0]?.info.roots[0]?.node.tree ?? ctx.python()).origins;
  if (infos.length > 0 && infos.every((i) => curatorFlagged(i, i.models.map((m) => origins.get(m)?.name ?? m), drf.models, () => projectFlagWrites(ctx.project, current)))) return;
  // One user's rows a workflow drains (a cart cleared at checkout: drained-rows.ts) are the open few.
  let limits: AppLimits | undefined;
  const appLimits = () => (limits ??= projectAppLimits(ctx.project, current));
  if (infos.length > 0 && infos.every((i) => drainedOwnerRows(i, i.models.map((m) => origins.get(m)?.name ?? m), drf.models, appLimits))) return;
  const qsModel = models.size === 1 ? [...models][0] : undefined;
  // A serializer of a proxy model over its concrete model's rows (or the reverse) reads the same relations.
  if (serializer.model && qsModel && serializer.model !== qsModel && !drf.models.sharesRowsOf(serializer.model, qsModel) && !drf.models.sharesRowsOf(qsModel, serializer.model)) return;
  const shared = sharedRelations(view);
  // `filter(members=user)` keeps the rows one member is in: each row's many-to-many set is still its own.
  const toMany = (first: string) => {
    const kind = qsModel ? drf.models.relationsOf(qsModel)?.get(first)?.kind : undefined;
    return kind === 'm2m' || kind === 'reverse-fk' || kind === 'reverse-m2m';
  };
  // Rows of one object's related manager (`issue.outward_links`) carry that object on their foreign key back to it.
  const root = infos.length === 1 && infos[0].roots.length === 1 ? infos[0].roots[0] : undefined;
  const rowsModel = qsModel ?? serializer.model;
  const back = root?.kind === 'related' && root.relation && rowsModel ? drf.models.backReference(rowsModel, root.relation) : undefined;
  const needs = missingNeeds(drf.relationNeeds(serializer, qsModel), infos).filter((n) => (!shared.has(n.path.split('__')[0]) || toMany(n.path.split('__')[0])) && n.path.split('__')[0] !== back);
  // The N is the view's rows: its queryset's model.
  const table = modelClassName(qsModel);
  for (const need of needs) report({ ...finding(ctx, drf, view, need, canFix), table });
}

/**
 * The texts of a class's bases defined in this file (what a view inherits), for the cache key: as the text ids of
 * their top-level statements (the same id for the same text), so the key costs nothing to build or hash.
 */
function baseTexts(cls: Node, classes: ClassLookup, statements: ReadonlyMap<number, TopLevelStatement>, seen = new Set<number>()): string {
  seen.add(cls.id);
  let out = '';
  for (const b of basesOf(cls)) {
    const base = classes.get(b);
    if (base && !seen.has(base.id)) out += `${statements.get(base.id)?.textId ?? base.text},${baseTexts(base, classes, statements, seen)}`;
  }
  return out;
}

/** The top-level statement of each top-level class, by the class node's id. */
function statementsOfClasses(tree: Tree): ReadonlyMap<number, TopLevelStatement> {
  return classIndex(tree).statements;
}

/**
 * Relations the rows are filtered to one value of (`filter(user=request.user)`, `owner_id=...`): every row reads
 * the same related row, a handful of identical cheap queries rather than a growing N+1, so they are not reported.
 * With several returns (`if user.is_superuser: return X.objects.all()` / `return X.objects.filter(user=user)`) a
 * relation is shared only when every returned queryset is filtered to it: the unfiltered branch lists every row.
 */
function sharedRelations(view: ListView): Set<string> {
  const refined = view.refinedBy ? filteredRelations(view.refinedBy.text) : new Set<string>();
  const listed = listedQuerysets(view);
  let out: Set<string> | undefined;
  for (const q of listed) {
    // One queryset: any filter in its function counts (the rows may be built over several statements).
    const own = filteredRelations(listed.length > 1 && selfContained(q.expr) ? q.expr.text : (ancestor(q.expr, 'function_definition') ?? q.expr).text);
    out = out ? new Set([...out].filter((r) => own.has(r))) : own;
  }
  return new Set([...(out ?? []), ...refined]);
}

/** The querysets that give rows: `X.objects.none()` (returned for an anonymous user, a missing header) lists nothing. */
function listedQuerysets(view: ListView): ListQueryset[] {
  const some = view.querysets.filter((q) => !/\.none\(\s*\)$/.test(q.expr.text));
  return some.length > 0 ? some : view.querysets;
}

/** A queryset chain started on a model class's manager (`X.objects.filter(...)`): its own text holds all its filters. */
function selfContained(expr: Node): boolean {
  return /^[A-Z]\w*\.\w+\.\w+\(/.test(expr.text);
}

/** The lookup names of the `.filter(...)` calls in a text (`user` for `filter(user=u)`, `user_id=u.id`, `Q(user=u)`). */
function filteredRelations(text: string): Set<string> {
  const out = new Set<string>();
  for (const call of text.matchAll(/\.(?:filter|get_queryset\(\)\.filter)\(([^()]*(?:\([^()]*\)[^()]*)*)\)/g)) {
    for (const kw of call[1].matchAll(/(?:^|[,(\s])(\w+?)(?:_id)?\s*=(?!=)/g)) out.add(kw[1]);
  }
  return out;
}

/** `Order.with_translations.all()`: a custom manager of a model class (the queryset module sees a related manager). */
function isModelManager(root: QuerysetInfo['roots'][number]): boolean {
  return root.kind === 'related' && root.owner?.type === 'identifier' && /^[A-Z]/.test(root.owner.text);
}

/** `order.items.all()` of a row (not `Model.custom_manager.all()`): it reads the owner's prefetch cache when there is one. */
function readsOwnerCache(info: QuerysetInfo): boolean {
  return info.plainRelatedAll && !info.roots.some(isModelManager);
}

/** Every manager the queryset starts at gives plain rows (a custom manager may already select or prefetch). */
function plainRoots(drf: DrfProject, info: QuerysetInfo, viewModel?: string): boolean {
  return info.roots.every((root) => {
    if (root.kind === 'manager' && root.node.type === 'attribute') {
      const owner = root.node.childForFieldName('object');
      const written = owner?.type === 'attribute' ? owner.childForFieldName('attribute')?.text : owner?.text;
      const model = written === 'model' && owner?.text === 'self.model' ? viewModel : written;
      return !!model && drf.plainManager(model, root.node.childForFieldName('attribute')?.text ?? '');
    }
    if (isModelManager(root)) return drf.plainManager(root.owner!.text, root.relation ?? '');
    return true;
  });
}

/** The needs no queryset of the view loads, one per path; a path loaded by a longer one of the same kind is left out. */
function missingNeeds(needs: RelationNeed[], infos: QuerysetInfo[]): RelationNeed[] {
  const byPath = new Map<string, RelationNeed>();
  for (const n of needs) {
    const existing = byPath.get(n.path);
    if (!existing || (existing.kind !== 'load' && n.kind === 'load')) byPath.set(n.path, n);
  }
  const all = [...byPath.values()];
  return all.filter((n) => {
    if (n.kind === 'load' && all.some((o) => o !== n && o.kind === 'load' && o.method === n.method && o.path.startsWith(`${n.path}__`))) return false;
    return !infos.some((i) => loadsRelation(i, n.path, n.method === 'select_related'));
  });
}

function finding(ctx: RuleContext, drf: DrfProject, view: ListView, need: RelationNeed, canFix: boolean): ReportSpec {
  const here = need.file === ctx.file.relPath;
  // Rows read in a base of another module: the finding sits on the view's name.
  const foreign = view.querysets.some((q) => q.foreign) && view.anchor ? view.anchor : undefined;
  const queryset = foreign ?? view.querysets[0].expr;
  const at = here ? need.span : { start: queryset.startIndex, end: queryset.endIndex };
  const dotted = need.path.split('__').join('.');
  const where = `${need.serializer} (${need.file}:${lineNumberAt(drf.textOf(need.file) ?? (here ? ctx.file.text : ''), need.span.start)})`;
  const owner = clip(view.label, 32);
  let message: Pick<ReportSpec, 'messageId' | 'data'>;
  let advice: string;
  let fixes: FixSpec[] = [];
  const deferred = view.querysets.some((q) => q.info.methods.some((m) => m === 'only' || m === 'defer'));
  // `obj.items.all()` reads the owner's prefetch cache when there is one: a call added there would bypass it.
  const readsPrefetchCache = view.querysets.some((q) => readsOwnerCache(q.info));
  /** The view's queryset loading `path` with `method`: `.count()` and `.exists()` of a prefetched manager read its cache. */
  const loadFix = (method: 'select_related' | 'prefetch_related'): FixSpec[] => {
    if (!canFix || readsPrefetchCache || view.querysets.some((q) => q.custom || q.foreign)) return [];
    const edits = view.querysets.flatMap((q) => (loadsRelation(q.info, need.path, method === 'select_related') ? [] : addRelationEdits(q.info, method, need.path) ?? [undefined]));
    if (edits.length === 0 || !edits.every((e) => e !== undefined)) return [];
    // Returns built on one variable (`qs = Team.objects`, `return qs.filter(...)`) share the edit: made once.
    const unique = [...new Map((edits as NonNullable<(typeof edits)[number]>[]).map((e) => [JSON.stringify(e), e])).values()];
    return [{ title: `Add .${method}("${need.path}") to ${view.label}'s queryset`, safety: view.branches || deferred ? 'unsafe' : 'safe', edits: unique }];
  };
  if (need.kind === 'load') {
    const joined = need.method === 'select_related';
    message = headline(
      joined ? 'serializer-fk' : 'serializer-prefetch',
      (d, p) => ({ view: owner, read: d, path: p }),
      dotted,
      need.path,
      joined ? 'serializer-fk-short' : 'serializer-prefetch-short',
      (p) => ({ view: owner, path: p }),
    );
    const relation = view.querysets.find((q) => readsOwnerCache(q.info))?.info.roots[0]?.relation;
    advice = relation
      ? `These rows come from a related manager's .all(): prefetch "${relation}__${need.path}" on the queryset of the owning rows (a call added here would bypass that prefetch).`
      : `Add .${need.method}("${need.path}") to the view's queryset.`;
    fixes = loadFix(need.method);
  } else if (need.kind === 'count' || need.kind === 'exists') {
    const call = need.kind === 'count' ? 'count' : 'exists';
    message = headline(
      call === 'count' ? 'serializer-count' : 'serializer-exists',
      (d, p) => ({ view: owner, read: d, path: p }),
      dotted,
      need.path,
      'serializer-prefetch-short',
      (p) => ({ view: owner, path: p }),
    );
    advice =
      `prefetch_related("${need.path}") makes .${call}() read the prefetched rows (one query for all rows, the same answer), ` +
      `but holds every related row in memory; annotating the queryset with ${call === 'count' ? `Count("${need.path}")` : 'Exists(...)'} ` +
      'and reading the annotation in the serializer holds only the number.';
    fixes = loadFix('prefetch_related');
  } else {
    message = headline('serializer-call', (d) => ({ view: owner, read: d, call: need.call ?? '' }), dotted, '');
    advice = `Load the rows once with .prefetch_related(Prefetch("${need.path}", queryset=..., to_attr=...)) and read the attribute.`;
  }
  const detail =
    `N+1 queries: ${where} reads ${need.how} for every row the view lists, and the queryset does not load it, so each ` +
    `row costs one more query and keeps its related objects in memory until the response is built. Pagination bounds ` +
    `the rows per page, not the per-row queries. ${advice}` +
    (foreign ? ` The view's rows come from get_queryset()/queryset of a base class in another module: the call goes there.` : '');
  return { start: at.start, end: at.end, ...message, detail, fixes, related: [relatedPlace(view, need, here, foreign)] };
}

/** The other end of the N+1: the view's queryset for a finding on the serializer field, and the field for one on the queryset. */
function relatedPlace(view: ListView, need: RelationNeed, here: boolean, foreign?: Node): RelatedSpec {
  if (here) {
    const expr = foreign ?? view.querysets[0].expr;
    return { start: expr.startIndex, end: expr.endIndex, message: `${clip(view.label, 32)}'s queryset, which does not load "${need.path}"` };
  }
  return { relPath: need.file, start: need.span.start, end: need.span.end, message: `${need.serializer} reads ${need.path.split('__').join('.')} for each row here` };
}

type Data = Record<string, string>;

/** The headline, or its short form, or the headline with the names clipped: what fits the Problems panel's line. */
function headline(
  id: NPlusOneMessageId,
  data: (dotted: string, path: string) => Data,
  dotted: string,
  path: string,
  shortId?: NPlusOneMessageId,
  shortData?: (path: string) => Data,
): Pick<ReportSpec, 'messageId' | 'data'> {
  const max = 100;
  const length = (d: string, p: string) => headlineText(id, data(d, p)).length;
  if (length(dotted, path) <= max) return { messageId: id, data: data(dotted, path) };
  if (shortId && shortData && headlineText(shortId, shortData(path)).length <= max) return { messageId: shortId, data: shortData(path) };
  const room = max - length('', '');
  const pathRoom = path ? Math.max(12, Math.ceil(room / 2)) : 0;
  return { messageId: id, data: data(clip(dotted, Math.max(8, room - Math.min(path.length, pathRoom))), clip(path, pathRoom)) };
}

/** The serializer class a view names: defined in this file, imported from a project module, or unique by name. */
function resolveSerializer(ctx: RuleContext, drf: DrfProject, ref: Node) {
  const imports = importedNames(ref.tree);
  const name = ref.type === 'attribute' ? ref.childForFieldName('attribute')?.text : ref.type === 'identifier' ? ref.text : undefined;
  if (!name) return undefined;
  const preferred = [ctx.file.relPath];
  const head = ref.type === 'attribute' ? ref.childForFieldName('object')?.text : ref.text;
  const origin = head ? imports.get(head) : undefined;
  if (origin) {
    const module = ref.type === 'attribute' ? `${origin.module}${origin.module.endsWith('.') ? '' : '.'}${origin.name}` : origin.module;
    const path = moduleText(ctx, module)?.path;
    if (path) preferred.unshift(path);
  }
  return drf.serializer(name, preferred);
}

const CLASS_INDEX = new TreeSlot<{ byName: Map<string, Node>; statements: Map<number, TopLevelStatement> }>('n-plus-one: DRF module classes');
/** Per statement text: the name of the class it defines (null for none), so unchanged statements cost no tree calls. */
const CLASS_NAME = new StatementSlot<string | null>('n-plus-one: top-level class name');

function definitionOf(s: TopLevelStatement): Node | null {
  return s.type === 'decorated_definition' ? s.node.childForFieldName('definition') : s.node;
}

/** The module's top-level classes by name, and their statements by class node id, once per tree. */
function classIndex(tree: Tree): { byName: Map<string, Node>; statements: Map<number, TopLevelStatement> } {
  return CLASS_INDEX.get(tree, () => {
    const byName = new Map<string, Node>();
    const statements = new Map<number, TopLevelStatement>();
    for (const s of topLevelStatements(tree)) {
      if (s.type !== 'class_definition' && s.type !== 'decorated_definition') continue;
      const name = CLASS_NAME.answer(s, '', () => {
        const cls = definitionOf(s);
        return cls?.type === 'class_definition' ? cls.childForFieldName('name')?.text ?? '' : null;
      });
      if (name === null) continue;
      const cls = definitionOf(s)!;
      byName.set(name, cls);
      statements.set(cls.id, s);
    }
    return { byName, statements };
  });
}

/** The module's top-level classes by name, once per tree. */
function classesOf(tree: Tree): Map<string, Node> {
  return classIndex(tree).byName;
}

/** The list views of one top-level statement: a class view by its bases, and `Serializer(qs, many=True)` calls. */
function listViewsIn(tree: Tree, statement: TopLevelStatement, classes: ClassLookup, readCustom: CustomReader): ListView[] {
  const classViews = classViewsIn(statement, classes, readCustom);
  return [...classViews.views, ...manyViewsIn(tree, statement, classViews, classes, readCustom)];
}

/** The statement's class, and its class view when it is a list view (at most one). */
interface ClassViews {
  readonly top: Node | null | undefined;
  readonly classView: Node | undefined;
  readonly views: ListView[];
}

function classViewsIn(statement: TopLevelStatement, classes: ClassLookup, readCustom: CustomReader): ClassViews {
  const views: ListView[] = [];
  const top = statement.type === 'decorated_definition' ? statement.node.childForFieldName('definition') : statement.node;
  const classView_ = top?.type === 'class_definition' && isListView(top, classes) && getAction(top, classes) !== 'retrieve' ? top : undefined;
  if (classView_) {
    const view = classView(classView_.childForFieldName('name')?.text ?? '', classView_, classes, readCustom);
    if (view) views.push(view);
  }
  return { top, classView: classView_, views };
}

/**
 * What a method's `many=True` calls read of the class view (manyViewsIn): whether there is one, its serializer, and
 * its rows, each by the class member it is in and its place there (offsets move with the methods before it).
 */
function classViewKey({ classView: cls, views }: ClassViews): string {
  if (!cls) return '';
  const rows = views.flatMap((v) => v.querysets.map(({ expr }) => {
    if (expr.tree !== cls.tree) return `foreign ${expr.startIndex} ${expr.text}`;
    let owner: Node = expr;
    while (owner.parent && owner.parent.id !== cls.childForFieldName('body')?.id) owner = owner.parent;
    return `${expr.startIndex - owner.startIndex} ${owner.startPosition.column} ${owner.text}`;
  }));
  return digest(JSON.stringify([views.map((v) => v.serializerRef.text), rows]));
}

/** The `Serializer(rows, many=True)` calls of a statement (or of one method of its class) serializing a list. */
function manyViewsIn(tree: Tree, statement: TopLevelStatement, { top, classView: classView_, views: out }: ClassViews, classes: ClassLookup, readCustom: CustomReader): ListView[] {
  const found: ListView[] = [];
  // The class view's own rows through its own serializer (a `list()` serialising `self.get_queryset()`) are reported
  // once, by the class view.
  const classRows = new Set(out.flatMap((v) => v.querysets.map((q) => q.expr.id)));
  const sameSerializer = (ref: Node) => !!classView_ && (out.length === 0 || out.some((v) => v.serializerRef.text === ref.text));
  // `many=True` found by text (a whole-tree query per keystroke costs milliseconds on a big views module).
  for (const keyword of nodesAtText(tree, statement.text, /\bmany\s*=\s*True\b/g, statement.start)) {
    const call = keyword.parent?.type === 'keyword_argument' ? keyword.parent.parent?.parent : undefined;
    if (call?.type !== 'call' || keywordArgument(call, 'many')?.type !== 'true') continue;
    const fn = call.childForFieldName('function');
    if (!fn) continue;
    const cls = top?.type === 'class_definition' ? top : undefined;
    // `self.get_serializer(rows, many=True)` in a view method: the class the view (or its `@action`) sets.
    const serializerRef = /Serializer$/.test(fn.type === 'attribute' ? fn.childForFieldName('attribute')?.text ?? '' : fn.text)
      ? fn
      : cls && selfSerializerClass(fn, call, (name) => member(cls, classes, name), !!actionSerializers(cls, classes));
    if (!serializerRef) continue;
    const arg = positionalArguments(call)[0];
    const qs = arg && rowsArgument(arg, cls, classes, readCustom);
    if (!qs || (sameSerializer(serializerRef) && (classRows.has(qs.expr.id) || readsClassAttribute(qs.info) || qs.expr.parent?.parent?.parent?.id === classView_?.childForFieldName('body')?.id))) continue;
    const def = ancestor(call, 'function_definition');
    const fnName = `${def?.childForFieldName('name')?.text ?? 'view'}()`;
    const label = cls ? `${cls.childForFieldName('name')?.text}.${fnName}` : fnName;
    found.push({ label, serializerRef, querysets: [qs], branches: false });
  }
  return found;
}

const BASES = new StatementSlot<string[]>('n-plus-one: DRF class bases');

/**
 * Base class names, last dotted part, without type parameters (`viewsets.ModelViewSet[Tag]` -> ModelViewSet); per
 * statement text for a top-level class (asked of every view class of the module on every keystroke).
 */
function basesOf(cls: Node): string[] {
  const statement = statementsOfClasses(cls.tree).get(cls.id);
  return statement ? BASES.answer(statement, '', () => readBases(cls)) : readBases(cls);
}

function readBases(cls: Node): string[] {
  return (cls.childForFieldName('superclasses')?.namedChildren ?? []).map((b) => {
    const base = b?.type === 'subscript' ? b.childForFieldName('value') : b;
    return (base?.type === 'attribute' ? base.childForFieldName('attribute')?.text : base?.text) ?? '';
  });
}

/** DRF's generic views that define `get()`, and the action it runs. Mixins and viewsets define none. */
const GET_ACTIONS: Record<string, 'list' | 'retrieve'> = {
  ListAPIView: 'list',
  ListCreateAPIView: 'list',
  RetrieveAPIView: 'retrieve',
  RetrieveUpdateAPIView: 'retrieve',
  RetrieveDestroyAPIView: 'retrieve',
  RetrieveUpdateDestroyAPIView: 'retrieve',
};

/**
 * What a GET of a generic view runs: its own `get()` calling `self.list(`/`self.retrieve(`, else the `get()` of the
 * first base (in order, through bases in this file) that defines one. `class V(RetrieveAPIView, ListAPIView)`
 * serves one row per GET: ListAPIView's `get()` is never reached. Undefined when nothing tells.
 */
function getAction(cls: Node, classes: ClassLookup, seen = new Set<number>()): 'list' | 'retrieve' | undefined {
  seen.add(cls.id);
  for (const statement of cls.childForFieldName('body')?.namedChildren ?? []) {
    const def = statement?.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
    if (def?.type !== 'function_definition' || def.childForFieldName('name')?.text !== 'get') continue;
    const list = /self\.list\(/.test(def.text);
    const one = /self\.retrieve\(/.test(def.text);
    return list === one ? undefined : list ? 'list' : 'retrieve';
  }
  for (const b of basesOf(cls)) {
    if (GET_ACTIONS[b]) return GET_ACTIONS[b];
    const base = classes.get(b);
    const found = base && !seen.has(base.id) ? getAction(base, classes, seen) : undefined;
    if (found) return found;
  }
  return undefined;
}

function isListView(cls: Node, classes: ClassLookup, seen = new Set<number>()): boolean {
  seen.add(cls.id);
  return basesOf(cls).some((b) => LIST_VIEWS.has(b) || (classes.has(b) && !seen.has(classes.get(b)!.id) && isListView(classes.get(b)!, classes, seen)));
}

/** A class attribute or method of the class or of its bases in this file (own first). */
function member(cls: Node, classes: ClassLookup, name: string, seen?: Set<number>): Node | undefined {
  // The class asked about (not its bases, whose texts are in the caller's key): a per-method answer checks the member.
  if (!seen) readClassMember(cls, name);
  seen ??= new Set<number>();
  seen.add(cls.id);
  const own = ownMember(cls, name);
  if (own) return own;
  for (const b of basesOf(cls)) {
    const base = classes.get(b);
    if (base && !seen.has(base.id)) {
      const found = member(base, classes, name, seen);
      if (found) return found;
    }
  }
  return undefined;
}

function returnsOf(def: Node): Node[] {
  const body = def.childForFieldName('body');
  if (!body) return [];
  return captures(def.tree, '(return_statement) @r', body)
    .map((c) => c.node)
    .filter((r) => ancestor(r, 'function_definition')?.id === def.id && r.namedChildren[0])
    .map((r) => r.namedChildren[0]!);
}

function classView(name: string, cls: Node, classes: ClassLookup, readCustom: CustomReader): ListView | undefined {
  let serializerRef: Node | undefined;
  const byAction = actionSerializers(cls, classes);
  const getter = member(cls, classes, 'get_serializer_class');
  const serializerMember = getter ?? (byAction ? undefined : member(cls, classes, 'serializer_class'));
  if (serializerMember?.type === 'assignment') serializerRef = serializerMember.childForFieldName('right') ?? undefined;
  else if (serializerMember) {
    const returns = returnsOf(serializerMember);
    serializerRef = returns.length === 1 ? returns[0] : listSerializerReturn(serializerMember, returns);
    // `return self.serializer_classes.get(self.action, ...)`: the dict's "list" entry.
    if (byAction && serializerRef?.type !== 'identifier' && serializerRef?.type !== 'attribute' && serializerMember.text.includes(`self.${byAction.name}`)) serializerRef = byAction.list;
  } else if (byAction) serializerRef = byAction.list;
  // `return self.read_serializer_class` in a base: the class the view sets there.
  if (serializerRef) serializerRef = selfAttributeValue(serializerRef, (n) => member(cls, classes, n)) ?? serializerRef;
  if (!serializerRef || (serializerRef.type !== 'identifier' && serializerRef.type !== 'attribute')) return undefined;
  const view = classView_(name, cls, classes, serializerRef, readCustom);
  return view && { ...view, anchor: cls.childForFieldName('name') ?? undefined, model: modelAttributeName((n) => member(cls, classes, n)) };
}

function classView_(name: string, cls: Node, classes: ClassLookup, serializerRef: Node, readCustom: CustomReader): ListView | undefined {
  const getQueryset = member(cls, classes, 'get_queryset');
  const attribute = member(cls, classes, 'queryset');
  const attributeValue = attribute?.type === 'assignment' ? attribute.childForFieldName('right') ?? undefined : undefined;
  if (getQueryset?.type === 'function_definition') {
    const exprs = returnsOf(getQueryset);
    if (exprs.length === 0) return undefined;
    const querysets: ListQueryset[] = [];
    for (const expr of exprs) {
      const foreign = isForeign(expr, cls.tree) || undefined;
      const info = foreign ? outsideRecording(() => querysetOf(expr)) : querysetOf(expr);
      const custom = info ? undefined : foreign ? outsideRecording(() => readCustom(expr)) : readCustom(expr);
      if (custom) {
        querysets.push({ ...custom, foreign });
        continue;
      }
      // Rows read through `self.queryset`: the attribute's, and the fix goes there.
      if (!info || readsClassAttribute(info)) return refinesAttribute(getQueryset) && attributeValue ? attributeView(cls.tree, name, serializerRef, attributeValue, readCustom, getQueryset) : undefined;
      querysets.push({ expr, info, foreign });
    }
    return { label: name, classBased: true, serializerRef, querysets, branches: exprs.length > 1 };
  }
  return attributeValue ? attributeView(cls.tree, name, serializerRef, attributeValue, readCustom) : undefined;
}

/** A class attribute that maps actions to serializers: `serializer_classes = {"list": ..., "create": ...}`. */
const ACTION_DICT_NAME = /serializer/i;

/**
 * The serializer a view's action map gives the list (`serializer_action_classes = {"list": OrderListSerializer}`):
 * DRF has no such attribute, so a project mixin's `get_serializer_class()` (here or imported) picks by `self.action`.
 */
function actionSerializers(cls: Node, classes: ClassLookup, seen = new Set<number>()): { name: string; list: Node } | undefined {
  seen.add(cls.id);
  for (const statement of cls.childForFieldName('body')?.namedChildren ?? []) {
    const assignment = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    const name = assignment?.type === 'assignment' ? assignment.childForFieldName('left')?.text ?? '' : '';
    const value = name && ACTION_DICT_NAME.test(name) ? assignment!.childForFieldName('right') : undefined;
    if (value?.type !== 'dictionary') continue;
    for (const pair of value.namedChildren) {
      if (pair?.type !== 'pair' || !/^["']list["']$/.test(pair.childForFieldName('key')?.text ?? '')) continue;
      const list = pair.childForFieldName('value');
      if (list && (list.type === 'identifier' || list.type === 'attribute')) return { name, list };
    }
  }
  for (const b of basesOf(cls)) {
    const base = classes.get(b);
    const found = base && !seen.has(base.id) ? actionSerializers(base, classes, seen) : undefined;
    if (found) return found;
  }
  return undefined;
}

const GET_GUARD = /\brequest\.method\s*==\s*["']GET["']|\bself\.action\s*==\s*["']list["']/;
const WRITE_GUARD = /^\s*(?:self\.)?request\.method\s*==\s*["'](?:POST|PUT|PATCH|DELETE)["']\s*$|^\s*self\.action\s*==\s*["'](?:create|update|partial_update|destroy|retrieve)["']\s*$|^\s*(?:self\.)?request\.method\s+in\s+[([{](?:\s*["'](?:POST|PUT|PATCH|DELETE)["']\s*,?)+\s*[)\]}]\s*$/;

/**
 * The serializer `get_serializer_class()` returns for a GET of the list when it returns several: the one under a
 * `request.method == "GET"` / `self.action == "list"` test, else the one left when every other return is under a
 * test for a write method or another action (`if self.request.method == "POST": return CreateOrderSerializer`).
 */
function listSerializerReturn(def: Node, returns: Node[]): Node | undefined {
  const guarded = returns.map((r) => ({ r, guards: guardsOf(r, def) }));
  if (guarded.some((g) => g.guards === undefined)) return undefined;
  const forGet = guarded.filter((g) => g.guards!.some((c) => GET_GUARD.test(c)));
  if (forGet.length === 1) return forGet[0].r;
  if (forGet.length > 1) return undefined;
  const open = guarded.filter((g) => g.guards!.length === 0);
  const writes = guarded.filter((g) => g.guards!.length > 0 && g.guards!.every((c) => WRITE_GUARD.test(c)));
  return open.length === 1 && open.length + writes.length === guarded.length ? open[0].r : undefined;
}

/** The conditions of the `if`s a return sits in (undefined under an `else`, a loop or a `try`: not followed). */
function guardsOf(ret: Node, def: Node): string[] | undefined {
  const out: string[] = [];
  let child: Node = ret;
  for (let p = ret.parent; p && p.id !== def.id; child = p, p = p.parent) {
    if (p.type === 'if_statement' && child.type === 'elif_clause') continue;
    if (p.type === 'if_statement' || p.type === 'elif_clause') {
      const condition = p.childForFieldName('condition');
      if (p.childForFieldName('consequence')?.id !== child.id || !condition) return undefined;
      out.push(condition.text);
    } else if (p.type !== 'block' && p.type !== 'return_statement' && p.type !== 'parenthesized_expression') return undefined;
  }
  return out;
}

/** The rows come from the class's `queryset` attribute (`self.queryset`, an un-overridden `self.get_queryset()`). */
function readsClassAttribute(info: QuerysetInfo): boolean {
  return info.roots.some((r) => r.kind === 'helper' && /^self\.(queryset|get_queryset\(\s*\))$/.test(r.node.text));
}

function attributeView(home: Tree, label: string, serializerRef: Node, expr: Node, readCustom: CustomReader, refinedBy?: Node): ListView | undefined {
  // `queryset =` of a base in another module: read apart from this module's definitions, never edited.
  const foreign = isForeign(expr, home) || undefined;
  const read = () => {
    const info = querysetOf(expr);
    return info ? { expr, info } : readCustom(expr);
  };
  const rows = foreign ? outsideRecording(read) : read();
  return rows ? { label, classBased: true, serializerRef, querysets: [{ ...rows, foreign }], branches: false, refinedBy } : undefined;
}

/**
 * `get_queryset()` that only filters the class's `queryset` (`qs = self.queryset` / `super().get_queryset()`, then
 * `.filter(...)`): the rows and what they load are the attribute's, and the fix goes on the attribute. Anything
 * that may load relations or change the rows' shape there (another manager, select/prefetch, values, only) is
 * not followed.
 */
function refinesAttribute(def: Node): boolean {
  const body = def.childForFieldName('body')?.text ?? '';
  if (!/\bself\.queryset\b|\bsuper\(\s*(\w+\s*,\s*self\s*)?\)\.get_queryset\(\s*\)/.test(body)) return false;
  return !/\.objects\b|_default_manager|select_related|prefetch_related|Prefetch\(|\.values(_list)?\(|\.only\(|\.defer\(|\.annotate\(|\.none\(|\[\s*:/.test(body);
}

/** The queryset given to a serializer: through `page = self.paginate_queryset(qs)` and `self.filter_queryset(qs)`. */
function rowsArgument(arg: Node, cls: Node | undefined, classes: ClassLookup, readCustom: CustomReader, depth = 0): ListQueryset | undefined {
  if (depth > 4) return undefined;
  const node = unparenthesize(arg);
  if (node.type === 'identifier') {
    const value = assignmentsBefore(node).pop()?.childForFieldName('right');
    if (value && isPassThrough(value)) return rowsArgument(positionalArguments(value)[0] ?? value, cls, classes, readCustom, depth + 1);
  }
  if (isPassThrough(node)) {
    const inner = positionalArguments(node)[0];
    return inner ? rowsArgument(inner, cls, classes, readCustom, depth + 1) : undefined;
  }
  // `self.get_queryset()` of a view that only sets `queryset = ...`.
  // (A base of another module whose get_queryset() only filters `queryset` keeps the attribute's rows and loads.)
  if (cls && node.type === 'call' && node.childForFieldName('function')?.text === 'self.get_queryset' && attributeRowsOf(cls, classes)) {
    const attr = member(cls, classes, 'queryset');
    const expr = attr?.type === 'assignment' ? attr.childForFieldName('right') : undefined;
    // A `queryset =` of a base in another module: judged, never edited (its offsets are not this file's).
    const foreign = expr ? isForeign(expr, cls.tree) || undefined : undefined;
    const info = expr ? (foreign ? outsideRecording(() => querysetOf(expr)) : querysetOf(expr)) : undefined;
    return expr && info && !foreign ? { expr, info } : undefined;
  }
  // `self.queryset`: the class attribute's rows (in this module: a base's of another module is not edited).
  if (cls && node.type === 'attribute' && node.text === 'self.queryset') {
    const attr = member(cls, classes, 'queryset');
    const expr = attr?.type === 'assignment' ? attr.childForFieldName('right') : undefined;
    const info = expr && !isForeign(expr, cls.tree) ? querysetOf(expr) : undefined;
    return expr && info && !info.singleRow && !info.sliced ? { expr, info } : undefined;
  }
  const info = querysetOf(node);
  if (!info) return readCustom(node);
  if (info.singleRow || info.sliced) return undefined;
  // A variable: the finding points at the queryset it was assigned (`orders = Order.objects...`).
  const assigned = node.type === 'identifier' ? assignmentsBefore(node).pop()?.childForFieldName('right') : undefined;
  return { expr: assigned ?? node, info };
}

/** `self.get_queryset()` gives the `queryset =` rows: no get_queryset(), or one in another module's base that only filters them. */
function attributeRowsOf(cls: Node, classes: ClassLookup): boolean {
  const getQueryset = member(cls, classes, 'get_queryset');
  return !getQueryset || (isForeign(getQueryset, cls.tree) && refinesAttribute(getQueryset));
}

function isPassThrough(node: Node): boolean {
  if (node.type !== 'call') return false;
  const fn = node.childForFieldName('function')?.text;
  return fn === 'self.paginate_queryset' || fn === 'self.filter_queryset' || fn === 'paginator.paginate_queryset';
}
