/**
 * The view side of N+1 in Django templates: which views render which templates, and which context names hold
 * querysets (or one object) with what they already select/prefetch. Function views (`render`, `TemplateResponse`,
 * `render_to_string` with a dict literal or a dict built in the function) and class-based views (ListView,
 * DetailView and friends: `model`, `queryset`, `get_queryset`, `context_object_name`, `get_context_data`).
 *
 * The answers are plain data (offsets, strings): the tree they come from is not kept.
 */
import type { Node, Tree } from 'web-tree-sitter';
import { callsNamed, captures, keywordArgument, nodesAtText, positionalArguments, stringValue } from './ast';
import { assignmentsBefore, outsideReadsHold, querysetOf, readOutsideUnnamed, recordingOutsideReads, unparenthesize, type OutsideReads, type QuerysetInfo } from './django-querysets';
import { moduleText, statementMatches, topLevelStatements } from './statements';
import { importsOf } from './imports';
import { StatementSlot, TreeSlot } from '../cache';
import { childScope, type ChildScope } from './row-count';
import { trueFlags } from './flagged-rows';
import { neverRendersTemplate } from './unrendered-views';

/** A string argument of an existing select_related/prefetch_related call. */
interface CallArgument {
  value?: string;
  /** The string's content (for lengthening `"customer"` to `"customer__company"`). */
  contentStart?: number;
  contentEnd?: number;
  end: number;
  quote?: string;
}

/** What a context value's queryset loads, and where a relation can be added to it. */
export interface QuerysetFacts {
  models: string[];
  selected: string[];
  prefetched: string[];
  prefetchedSubtrees: string[];
  selectAll: boolean;
  unknownRelations: boolean;
  /** `.values()`/`.values_list()`: rows are dicts, without relations. */
  values: boolean;
  /** `.only()`/`.defer()`: select_related of a deferred key raises FieldError, so the fix is unsafe. */
  deferred: boolean;
  selectCalls: CallArgument[][];
  prefetchCalls: CallArgument[][];
  /** Where a new loading call can go (one per root), or undefined when some root cannot take one. */
  insertAts?: number[];
  /**
   * A class view with only `model = X`: a `queryset = X.objects...` line can be added after `model` here. Safe only
   * when every base is one of Django's (a project base class may set a filtered `queryset` the line would replace).
   */
  modelLine?: { at: number; indent: string; model: string; projectBases: boolean; importedBases?: ImportedBase[] };
  /** The expression the view-side finding is reported on. */
  start: number;
  end: number;
  /** A `get_queryset()` that branches (several returns): the fix is offered, but unsafe. */
  branches: boolean;
  /** What the code shows of the rows being one record's children (judged against the models in the rule). */
  children?: ChildScope;
  /** Flags the rows are filtered to `True` by (`filter(is_featured=True)`: flagged-rows.ts judges them in the rule). */
  trueFlags?: string[];
}

/** A base class a view imports from a project module (`from .mixins import OwnedMixin`), whose members may pick its rows. */
export interface ImportedBase {
  name: string;
  /** The module as imported: `lead.mixins`, `.mixins`. */
  module: string;
}

export interface ContextValue {
  name: string;
  /** Rows (a queryset) or one object (DetailView's `object`). */
  many: boolean;
  model?: string;
  /** For rows of a related manager (`project.channel_set.all()`): the relation, to find the model by. */
  relation?: string;
  queryset: QuerysetFacts;
  /**
   * A list view's own rows paged by a literal `paginate_by = N` (with any literal `paginate_orphans` added: the last
   * page's most rows), no `get_paginate_by` to change it: the most rows one render holds.
   */
  pageRows?: number;
}

export interface TemplateView {
  /** `order_list`, `OrderListView`. */
  name: string;
  file: string;
  /** Offsets of the view's name, for related information. */
  start: number;
  end: number;
  /** Template names as written; the class default (`<app>/<model>_list.html`) is added later from the model's app. */
  templates: string[];
  defaultTemplate?: { model: string; suffix: string };
  context: ContextValue[];
}

/** Cheap test: a module that may render templates. */
export const RENDERS_TEMPLATES = /\brender\s*\(|TemplateResponse|render_to_string|render_to_response|template_name|(?:List|Detail|Update|Delete|ArchiveIndex|Filter)View\b/;

const RENDER_CALLS: Record<string, { template: number; context: number }> = {
  render: { template: 1, context: 2 },
  render_to_response: { template: 0, context: 1 },
  TemplateResponse: { template: 1, context: 2 },
  SimpleTemplateResponse: { template: 0, context: 1 },
  render_to_string: { template: 0, context: 1 },
};

/** By the end of the name, so that a project's own subclass (`BabyBuddyFilterView`, `BaseListView`) counts too. */
const LIST_VIEWS = /(ListView|ArchiveIndexView|YearArchiveView|MonthArchiveView|DayArchiveView|FilterView|SingleTableView)$/;
const OBJECT_VIEWS = /(DetailView|UpdateView|DeleteView)$/;
/** Django's generic views and auth/messages mixins: bases that set no queryset of their own. */
const DJANGO_BASES = /^(?:(?:django\.views\.)?generic\.(?:\w+\.)?)?(?:ListView|DetailView|UpdateView|DeleteView|CreateView|TemplateView|View|ArchiveIndexView|YearArchiveView|MonthArchiveView|DayArchiveView|LoginRequiredMixin|PermissionRequiredMixin|UserPassesTestMixin|SuccessMessageMixin)$/;

/** A top-level statement that may hold a view. */
const VIEW_STATEMENT = /\brender|Response\b|template_name|View\b|get_context_data/;

/** Views per file and top-level statement text, kept across keystrokes (an edit elsewhere only shifts offsets). */
const statementViews = new StatementSlot<{ start: number; views: TemplateView[]; reads: OutsideReads }>('template views');

/**
 * The views of one module, per top-level statement: a statement whose text is unchanged (and whose outside reads
 * still hold) keeps its views, shifted to where it is now. Found by text (render calls, `class` lines), not by
 * queries over the whole tree.
 */
export function templateViewsIn(tree: Tree, text: string, file: string): TemplateView[] {
  const out: TemplateView[] = [];
  // A class view's imported bases are read from the module's `from X import` lines (importedModule), and names resolve
  // through the import map: both part of the key.
  const context = `${file}\u0000${importsOf(tree).key}\u0000${fromLines(tree).key}`;
  for (const statement of topLevelStatements(tree)) {
    if (!statementMatches(statement, VIEW_STATEMENT)) continue;
    const key = statementViews.key(statement, context);
    const cached = statementViews.get(key);
    let views: TemplateView[];
    if (cached && outsideReadsHold(tree, cached.reads)) {
      views = cached.start === statement.start ? cached.views : cached.views.map((v) => shiftView(v, statement.start - cached.start));
    } else {
      const [found, reads] = recordingOutsideReads(() => viewsInStatement(tree, statement.text, statement.start, file));
      views = found;
      if (!reads.unknown) statementViews.set(key, { start: statement.start, views, reads });
    }
    out.push(...views);
  }
  return out;
}

function viewsInStatement(tree: Tree, text: string, offset: number, file: string): TemplateView[] {
  const out: TemplateView[] = [];
  for (const call of callsNamed(tree, text, /\b(?:render|render_to_response|TemplateResponse|SimpleTemplateResponse|render_to_string)\b/, offset)) {
    const view = functionView(call, file);
    if (view) out.push(view);
  }
  for (const node of nodesAtText(tree, text, /^[ \t]*class\b/gm, offset)) {
    const cls = node.parent;
    if (cls?.type !== 'class_definition') continue;
    const view = classView(cls, file);
    if (view) out.push(view);
  }
  return out;
}

/** A view found in a statement that moved by `d` characters. */
function shiftView(v: TemplateView, d: number): TemplateView {
  const shiftArgs = (calls: CallArgument[][]) =>
    calls.map((args) => args.map((a) => ({ ...a, end: a.end + d, contentStart: a.contentStart === undefined ? undefined : a.contentStart + d, contentEnd: a.contentEnd === undefined ? undefined : a.contentEnd + d })));
  const shiftFacts = (q: QuerysetFacts): QuerysetFacts => ({
    ...q,
    start: q.start + d,
    end: q.end + d,
    selectCalls: shiftArgs(q.selectCalls),
    prefetchCalls: shiftArgs(q.prefetchCalls),
    insertAts: q.insertAts?.map((at) => at + d),
    modelLine: q.modelLine && { ...q.modelLine, at: q.modelLine.at + d },
  });
  const shifted = new Map<QuerysetFacts, QuerysetFacts>();
  return {
    ...v,
    start: v.start + d,
    end: v.end + d,
    context: v.context.map((c) => {
      // Context names of one class view share one queryset: keep them sharing.
      let q = shifted.get(c.queryset);
      if (!q) shifted.set(c.queryset, (q = shiftFacts(c.queryset)));
      return { ...c, queryset: q };
    }),
  };
}

function calleeText(call: Node): string {
  const fn = call.childForFieldName('function');
  return fn?.type === 'attribute' ? (fn.childForFieldName('attribute')?.text ?? '') : (fn?.text ?? '');
}

/** `render(request, "orders/list.html", {"orders": qs})` in a function. */
function functionView(call: Node, file: string): TemplateView | undefined {
  const spec = RENDER_CALLS[calleeText(call)];
  if (!spec) return undefined;
  const fn = enclosing(call, 'function_definition');
  if (!fn) return undefined;
  const args = positionalArguments(call);
  const templateArg = keywordArgument(call, 'template_name') ?? args[spec.template];
  const templates = templateNames(templateArg);
  if (templates.length === 0) return undefined;
  const contextArg = keywordArgument(call, 'context') ?? args[spec.context];
  const context: ContextValue[] = [];
  for (const [key, value] of contextEntries(contextArg, call)) {
    const info = querysetOf(value);
    if (!info) continue;
    const facts = querysetFacts(info, value);
    if (facts) context.push({ name: key, many: true, model: info.models[0], relation: relationOf(info), queryset: facts });
  }
  if (context.length === 0) return undefined;
  const nameNode = fn.childForFieldName('name')!;
  return { name: nameNode.text, file, start: nameNode.startIndex, end: nameNode.endIndex, templates, context };
}

function enclosing(node: Node, type: string): Node | undefined {
  for (let p = node.parent; p; p = p.parent) if (p.type === type) return p;
  return undefined;
}

function templateNames(node: Node | undefined): string[] {
  if (!node) return [];
  const single = stringValue(node);
  if (single !== undefined) return [single];
  if (node.type === 'list' || node.type === 'tuple') return node.namedChildren.map((c) => stringValue(c)).filter((s): s is string => !!s);
  if (node.type === 'identifier') {
    const value = assignmentsBefore(node).pop()?.childForFieldName('right');
    return value && value.type !== 'identifier' ? templateNames(value) : [];
  }
  return [];
}

/** Keys and value expressions of a context: a dict literal, `dict(k=v)`, or a variable filled in the function. */
function contextEntries(node: Node | undefined, use: Node): [string, Node][] {
  if (!node) return [];
  const n = unparenthesize(node);
  if (n.type === 'dictionary') return dictEntries(n);
  if (n.type === 'call' && n.childForFieldName('function')?.text === 'dict') {
    return (n.childForFieldName('arguments')?.namedChildren ?? [])
      .filter((a): a is Node => a?.type === 'keyword_argument')
      .map((a) => [a.childForFieldName('name')!.text, a.childForFieldName('value')!]);
  }
  if (n.type !== 'identifier') return [];
  const out: [string, Node][] = [];
  const assigned = assignmentsBefore(n).pop();
  const right = assigned?.childForFieldName('right');
  if (right) out.push(...contextEntries(right, use));
  // `context["orders"] = qs` and `context.update({...})` between the assignment and the render.
  const fn = enclosing(use, 'function_definition');
  if (!fn) return out;
  const from = assigned?.endIndex ?? fn.startIndex;
  for (const { name, node: found } of captures(fn.tree, '[(assignment left: (subscript) right: (_)) @set (call function: (attribute attribute: (identifier) @m)) @update]', fn)) {
    if (found.startIndex < from || found.endIndex > use.startIndex) continue;
    if (name === 'set') {
      const left = found.childForFieldName('left')!;
      const key = stringValue(left.childForFieldName('subscript'));
      if (left.childForFieldName('value')?.text === n.text && key) out.push([key, found.childForFieldName('right')!]);
    } else if (name === 'update') {
      const fnNode = found.childForFieldName('function')!;
      if (fnNode.childForFieldName('attribute')?.text !== 'update' || fnNode.childForFieldName('object')?.text !== n.text) continue;
      out.push(...contextEntries(positionalArguments(found)[0], use));
      for (const a of found.childForFieldName('arguments')?.namedChildren ?? []) {
        if (a?.type === 'keyword_argument') out.push([a.childForFieldName('name')!.text, a.childForFieldName('value')!]);
      }
    }
  }
  return out;
}

function dictEntries(dict: Node): [string, Node][] {
  const out: [string, Node][] = [];
  for (const pair of dict.namedChildren) {
    if (pair?.type !== 'pair') continue;
    const key = stringValue(pair.childForFieldName('key'));
    const value = pair.childForFieldName('value');
    if (key && value) out.push([key, value]);
  }
  return out;
}

/**
 * The most rows a page of a list view holds when written as literals: `paginate_by = 5` (plus `paginate_orphans`,
 * which folds that many leftover rows into the last page). Undefined when the size is computed, `get_paginate_by`
 * or `get_paginate_orphans` picks it per request, or the view does not page.
 */
function literalPageRows(attrs: ReadonlyMap<string, Node>, methods: ReadonlyMap<string, Node>): number | undefined {
  if (methods.has('get_paginate_by') || methods.has('get_paginate_orphans')) return undefined;
  const size = integerValue(attrs.get('paginate_by')?.childForFieldName('right'));
  if (size === undefined || size <= 0) return undefined;
  if (!attrs.has('paginate_orphans')) return size;
  const orphans = integerValue(attrs.get('paginate_orphans')?.childForFieldName('right'));
  return orphans === undefined ? undefined : size + orphans;
}

function integerValue(node: Node | null | undefined): number | undefined {
  return node?.type === 'integer' && /^\d+$/.test(node.text) ? Number(node.text) : undefined;
}

/** A class-based view: ListView/DetailView and subclasses, by its bases and attributes. */
function classView(cls: Node, file: string): TemplateView | undefined {
  const bases = (cls.childForFieldName('superclasses')?.namedChildren ?? []).map((b) => b?.text ?? '');
  const isList = bases.some((b) => LIST_VIEWS.test(b));
  const isObject = !isList && bases.some((b) => OBJECT_VIEWS.test(b));
  const isTemplateView = bases.some((b) => /(^|\.)(TemplateView|View|FormView|CreateView)$/.test(b) || /View$/.test(b));
  if (!isList && !isObject && !isTemplateView) return undefined;
  const members = membersOf(cls);
  // A view whose GET leaves before rendering (an unconditional redirect) never renders its template.
  if (!members || neverRendersTemplate(cls)) return undefined;
  const { attrs, methods } = members;
  // Inherited rows matter to a list or object view only (its queryset, model and default template): a template view's
  // context comes from its own get_context_data, so its answer does not read its base classes (and stays kept per
  // statement while they change).
  const importedBases = isList || isObject ? inheritQuerysetMembers(cls, attrs, methods) : [];
  const projectBases = bases.some((b) => !DJANGO_BASES.test(b));
  const templates = templateNames(attrs.get('template_name')?.childForFieldName('right') ?? undefined);
  const getTemplateNames = methods.get('get_template_names');
  if (getTemplateNames) for (const ret of returnValues(getTemplateNames)) templates.push(...templateNames(ret));
  const modelNode = attrs.get('model')?.childForFieldName('right');
  const model = modelNode && /^[\w.]+$/.test(modelNode.text) ? modelNode.text.split('.').pop() : undefined;
  const context: ContextValue[] = [];

  if (isList || isObject) {
    const main = isObject && methods.has('get_object') ? objectQueryset(methods.get('get_object')!, attrs, methods, model, projectBases, importedBases) : mainQueryset(attrs, methods, model, projectBases, importedBases);
    const rowModel = main?.model ?? model;
    if (main) {
      const names = new Set<string>();
      const objectName = stringValue(attrs.get('context_object_name')?.childForFieldName('right'));
      if (objectName) names.add(objectName);
      if (isList) {
        names.add('object_list');
        if (rowModel) names.add(`${rowModel.toLowerCase()}_list`);
        if (attrs.has('paginate_by') || methods.has('get_paginate_by')) names.add('page_obj');
      } else {
        names.add('object');
        if (rowModel) names.add(rowModel.toLowerCase());
      }
      const pageRows = isList ? literalPageRows(attrs, methods) : undefined;
      for (const name of names) context.push({ name, many: isList, model: rowModel, queryset: main.facts, ...(pageRows !== undefined && { pageRows }) });
    }
  }
  const getContext = methods.get('get_context_data');
  if (getContext) {
    for (const ret of returnValues(getContext)) {
      for (const [key, value] of contextEntries(ret, ret)) {
        const info = querysetOf(value);
        const facts = info && querysetFacts(info, value);
        if (info && facts) context.push({ name: key, many: true, model: info.models[0], relation: relationOf(info), queryset: facts });
      }
    }
  }
  if (context.length === 0) return undefined;
  const suffix = isList ? '_list' : bases.some((b) => /DetailView$/.test(b)) ? '_detail' : bases.some((b) => /UpdateView$/.test(b)) ? '_form' : bases.some((b) => /DeleteView$/.test(b)) ? '_confirm_delete' : undefined;
  const nameNode = cls.childForFieldName('name')!;
  return {
    name: nameNode.text,
    file,
    start: nameNode.startIndex,
    end: nameNode.endIndex,
    templates,
    defaultTemplate: model && suffix && templates.length === 0 ? { model, suffix } : undefined,
    context,
  };
}

/** A class's attributes (`name = ...`) and methods, by name; undefined without a body. */
function membersOf(cls: Node): { attrs: Map<string, Node>; methods: Map<string, Node> } | undefined {
  const body = cls.childForFieldName('body');
  if (!body) return undefined;
  const attrs = new Map<string, Node>();
  const methods = new Map<string, Node>();
  for (const stmt of body.namedChildren) {
    if (!stmt) continue;
    const inner = stmt.type === 'expression_statement' ? stmt.namedChildren[0] : stmt;
    if (inner?.type === 'assignment' && inner.childForFieldName('left')?.type === 'identifier') {
      attrs.set(inner.childForFieldName('left')!.text, inner);
    }
    const def = stmt.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
    if (def?.type === 'function_definition') methods.set(def.childForFieldName('name')!.text, def);
  }
  return { attrs, methods };
}

/** What picks a view's rows: Django's generic views take them from the first class in the MRO defining one. */
const QUERYSET_ATTRS = ['queryset', 'model'];
const QUERYSET_METHODS = ['get_queryset', 'get_object'];

/**
 * Fills in the queryset members (`queryset`, `model`, `get_queryset`, `get_object`) the view inherits from its
 * project mixins and base classes in this module, in method resolution order (bases left to right, depth first:
 * what Python's C3 order gives for the usual mixin stacks).
 */
function inheritQuerysetMembers(cls: Node, attrs: Map<string, Node>, methods: Map<string, Node>): ImportedBase[] {
  let local: Map<string, Node> | undefined;
  const imported: ImportedBase[] = [];
  const seen = new Set<string>();
  const visit = (node: Node, depth: number) => {
    for (const base of baseNamesOf(node)) {
      if (DJANGO_BASES.test(base)) continue;
      const name = base.split('.').pop()!;
      const found = depth < 6 && !base.includes('.') ? (local ??= moduleClasses(cls.tree)).get(name) : undefined;
      if (!found && !base.includes('.')) {
        const module = importedModule(cls.tree, name);
        if (module) imported.push({ name, module });
      }
      if (!found || found.id === cls.id || seen.has(name)) continue;
      seen.add(name);
      // The answer now depends on another statement of the module: a per-statement cache cannot tell when it changes.
      readOutsideUnnamed();
      const inherited = membersOf(found);
      for (const a of QUERYSET_ATTRS) if (!attrs.has(a) && inherited?.attrs.has(a)) attrs.set(a, inherited.attrs.get(a)!);
      for (const m of QUERYSET_METHODS) if (!methods.has(m) && inherited?.methods.has(m)) methods.set(m, inherited.methods.get(m)!);
      visit(found, depth + 1);
    }
  };
  visit(cls, 0);
  return imported;
}

/** The module `from X import Name` takes the name from, read from the module's import lines. */
function importedModule(tree: Tree, name: string): string | undefined {
  // (The import lines are part of templateViewsIn's cache key: no outside read to record.)
  const escaped = name.replace(/[^\w]/g, '');
  const { text, starts } = fromLines(tree);
  // Both patterns tried at each `from ... import` line start in turn: the first match of each over the whole text
  // (every match starts at such a line), without running a pattern built per name over a 5,000-line module.
  const at = (pattern: RegExp) => {
    for (const start of starts) {
      pattern.lastIndex = start;
      const m = pattern.exec(text);
      if (m) return m[1];
    }
    return undefined;
  };
  return at(new RegExp(`from[ \\t]+([\\w.]+)[ \\t]+import[ \\t]+\\(?[^()\\n]*?\\b${escaped}\\b(?![ \\t]+as\\b)`, 'y'))
    ?? at(new RegExp(`from[ \\t]+([\\w.]+)[ \\t]+import[ \\t]*\\([^)]*?\\b${escaped}\\b(?![ \\t]+as\\b)`, 'y'));
}

/**
 * The module's text and the offsets of its `from X import` line starts, once per tree; `key`: all that
 * importedModule's patterns can read from them (each line and the character after it, and up to the closing
 * parenthesis of a parenthesised list), in order, so templateViewsIn's key changes exactly when an answer may (not
 * with every import statement's text, which the tree gave at a search of the whole module per keystroke).
 */
const FROM_LINES = new TreeSlot<{ text: string; starts: number[]; key: string }>('python: from-import line starts');

function fromLines(tree: Tree): { text: string; starts: number[]; key: string } {
  return FROM_LINES.get(tree, () => {
    const text = moduleText(tree);
    const starts = fromImportLineStarts(text);
    const read = starts.map((start) => {
      const newline = text.indexOf('\n', start);
      let end = newline < 0 ? text.length : newline + 1;
      PARENTHESISED.lastIndex = start;
      if (PARENTHESISED.test(text)) {
        const close = text.indexOf(')', start);
        end = Math.max(end, close < 0 ? text.length : close + 1);
      }
      return text.slice(start, end);
    });
    return { text, starts, key: read.join('\u0000') };
  });
}

const PARENTHESISED = /from[ \t]+[\w.]+[ \t]+import[ \t]*\(/y;
const FROM_IMPORT = /from[ \t]+[\w.]+[ \t]+import/y;

/**
 * Where `/^from[ \t]+[\w.]+[ \t]+import/gm` matches: each `from` at a line start (after any line terminator, as `^`
 * with `m`) tried in place, not the pattern tried at every character of the module.
 */
function fromImportLineStarts(text: string): number[] {
  const starts: number[] = [];
  for (let at = text.indexOf('from'); at >= 0; at = text.indexOf('from', at + 4)) {
    const before = at === 0 ? 0x0a : text.charCodeAt(at - 1);
    if (before !== 0x0a && before !== 0x0d && before !== 0x2028 && before !== 0x2029) continue;
    FROM_IMPORT.lastIndex = at;
    if (FROM_IMPORT.test(text)) starts.push(at);
  }
  return starts;
}

function baseNamesOf(cls: Node): string[] {
  return (cls.childForFieldName('superclasses')?.namedChildren ?? []).flatMap((b) => (b && b.type !== 'keyword_argument' ? [b.text] : []));
}

/** The module's classes by name, once per tree (every class view of a keystroke asks for its bases). */
const MODULE_CLASSES = new TreeSlot<Map<string, Node>>('module classes by name');

function moduleClasses(tree: Tree): Map<string, Node> {
  return MODULE_CLASSES.get(tree, () => classesByName(tree));
}

/** The module's top-level classes by name (of two of one name the last wins, as at import). */
function classesByName(tree: Tree): Map<string, Node> {
  const out = new Map<string, Node>();
  for (const s of topLevelStatements(tree)) {
    const def = s.type === 'decorated_definition' ? s.node.childForFieldName('definition') : s.node;
    if (def?.type === 'class_definition') out.set(def.childForFieldName('name')?.text ?? '', def);
  }
  return out;
}

/**
 * A DetailView/UpdateView whose `get_object()` is overridden: its one object comes from that method, not from
 * get_queryset. Read when it returns `get_object_or_404(qs, ...)` or `qs.get(...)`; the model class itself there
 * loads nothing more than `model = X` does. Undefined (nothing judged) for anything else.
 */
function objectQueryset(getObject: Node, attrs: Map<string, Node>, methods: Map<string, Node>, model: string | undefined, projectBases: boolean, importedBases: ImportedBase[]): { facts: QuerysetFacts; model?: string } | undefined {
  const returns = returnValues(getObject);
  if (returns.length !== 1) return undefined;
  const call = unparenthesize(returns[0]);
  if (call.type !== 'call') return undefined;
  const fn = call.childForFieldName('function')!;
  const source = fn.text === 'get_object_or_404' ? positionalArguments(call)[0] : fn.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'get' ? fn.childForFieldName('object') : undefined;
  if (!source) return undefined;
  if (source.type === 'identifier' && source.text === model) {
    const withoutGetQueryset = new Map(methods);
    withoutGetQueryset.delete('get_queryset');
    const withoutQueryset = new Map(attrs);
    withoutQueryset.delete('queryset');
    return mainQueryset(withoutQueryset, withoutGetQueryset, model, projectBases, []);
  }
  const info = querysetOf(source);
  const facts = info && querysetFacts(info, source);
  return facts && { facts, model: info!.models[0] ?? model };
}

/** The view's own queryset: `get_queryset()`'s return, else `queryset = ...`, else `model = X` (all rows). */
function mainQueryset(attrs: Map<string, Node>, methods: Map<string, Node>, model: string | undefined, projectBases: boolean, importedBases: ImportedBase[]): { facts: QuerysetFacts; model?: string } | undefined {
  const getQueryset = methods.get('get_queryset');
  if (getQueryset) {
    const returns = returnValues(getQueryset);
    const described = returns.map((r) => ({ node: r, info: querysetOf(r) }));
    if (described.length > 1) return branchedQueryset(getQueryset, described, model);
    // The return must be a queryset we can read; `super().get_queryset()` is not followed.
    if (described.length !== 1 || !described[0].info) return undefined;
    const facts = querysetFacts(described[0].info, described[0].node);
    return facts && { facts, model: described[0].info.models[0] ?? model };
  }
  const queryset = attrs.get('queryset')?.childForFieldName('right');
  if (queryset) {
    const info = querysetOf(queryset);
    const facts = info && querysetFacts(info, queryset);
    return facts && { facts, model: info!.models[0] ?? model };
  }
  const modelAssignment = attrs.get('model');
  if (!model || !modelAssignment) return undefined;
  const statement = modelAssignment.parent?.type === 'expression_statement' ? modelAssignment.parent : modelAssignment;
  const lineStart = statement.tree.rootNode.text.lastIndexOf('\n', statement.startIndex - 1) + 1;
  const indent = /^[ \t]*/.exec(statement.tree.rootNode.text.slice(lineStart))![0];
  return {
    model,
    facts: {
      models: [model], selected: [], prefetched: [], prefetchedSubtrees: [], selectAll: false, unknownRelations: false, values: false, deferred: false,
      selectCalls: [], prefetchCalls: [], modelLine: { at: statement.endIndex, indent, model: modelAssignment.childForFieldName('right')!.text, projectBases, importedBases: importedBases.length ? importedBases : undefined },
      start: modelAssignment.startIndex, end: modelAssignment.endIndex, branches: false,
    },
  };
}

/**
 * A `get_queryset()` with several returns, as list views filter by a query parameter (`if tag: return
 * Car.objects.filter(tags__name=tag)` / `return super().get_queryset()`): every return a readable queryset over the
 * view's model or the default rows (`super().get_queryset()`, directly or through a name bound to it once). The first
 * readable queryset speaks for the rows (a read it lacks queries per row on that branch); its fix is unsafe.
 */
function branchedQueryset(fn: Node, returns: { node: Node; info: QuerysetInfo | undefined }[], model: string | undefined): { facts: QuerysetFacts; model?: string } | undefined {
  if (!model) return undefined;
  let first: { node: Node; info: QuerysetInfo } | undefined;
  for (const r of returns) {
    if (r.info) {
      if (r.info.models[0] !== model) return undefined;
      first ??= { node: r.node, info: r.info };
    } else if (!defaultRows(r.node, fn)) return undefined;
  }
  const facts = first && querysetFacts(first.info, first.node);
  return facts && { facts: { ...facts, branches: true }, model };
}

const SUPER_QUERYSET = /^super\(\s*(\w+\s*,\s*self\s*)?\)\.get_queryset\(\)$/;

/** `super().get_queryset()`, or a name this function binds to it once and never rebinds. */
function defaultRows(node: Node, fn: Node): boolean {
  if (SUPER_QUERYSET.test(node.text)) return true;
  if (node.type !== 'identifier') return false;
  const body = fn.childForFieldName('body')?.text ?? '';
  const bindings = body.match(new RegExp(`^[ \\t]*${node.text}\\s*(?:[-+|&]?=)(?!=)\\s*(.*)$`, 'gm')) ?? [];
  return bindings.length === 1 && SUPER_QUERYSET.test(bindings[0].replace(/^[^=]*=\s*/, '').trim());
}

function relationOf(info: QuerysetInfo): string | undefined {
  return info.roots.length === 1 && info.roots[0].kind === 'related' ? info.roots[0].relation : undefined;
}

function returnValues(fn: Node): Node[] {
  const out: Node[] = [];
  for (const { node } of captures(fn.tree, '(return_statement) @r', fn)) {
    if (enclosing(node, 'function_definition')?.id !== fn.id) continue;
    const value = node.namedChildren[0];
    if (value) out.push(value);
  }
  return out;
}

function callArguments(call: Node): CallArgument[] {
  return positionalArguments(call).map((a) => {
    const content = a.namedChildren.find((c) => c?.type === 'string_content') ?? undefined;
    return {
      value: stringValue(a),
      contentStart: content?.startIndex,
      contentEnd: content?.endIndex,
      end: a.endIndex,
      quote: /^[rbuRBU]*(['"])/.exec(a.text)?.[1],
    };
  });
}

/** `qs[:10]`: a handful of rows, a handful of queries (the same bound as for loops in Python code). */
const SMALL_SLICE = 20;
function fewRows(node: Node): boolean {
  const small = (text: string) => {
    const m = /\[\s*(?:0\s*)?:\s*(\d+)\s*\]\s*\)?\s*$/.exec(text);
    return !!m && Number(m[1]) <= SMALL_SLICE;
  };
  if (small(node.text)) return true;
  if (node.type !== 'identifier') return false;
  const value = assignmentsBefore(node).pop()?.childForFieldName('right');
  return !!value && small(value.text);
}

function querysetFacts(info: QuerysetInfo, node: Node): QuerysetFacts | undefined {
  if (info.values || info.compact || fewRows(node)) return undefined;
  return {
    models: info.models,
    selected: [...info.selected],
    prefetched: [...info.prefetched],
    prefetchedSubtrees: [...info.prefetchedSubtrees],
    selectAll: info.selectAll,
    unknownRelations: info.unknownRelations,
    values: info.values,
    deferred: info.methods.some((m) => m === 'only' || m === 'defer'),
    selectCalls: info.selectCalls.map(callArguments),
    prefetchCalls: info.prefetchCalls.map(callArguments),
    insertAts: info.roots.some((r) => r.insertAt === undefined || r.kind !== 'manager') ? undefined : [...new Set(info.roots.map((r) => r.insertAt!))],
    // Reported where the queryset is built (`Order.objects` in `orders = Order.objects.filter(...)`), not where a
    // variable holding it is passed on.
    start: info.roots[0]?.node.startIndex ?? node.startIndex,
    end: info.roots[0]?.node.endIndex ?? node.endIndex,
    branches: false,
    children: childScope(info),
    trueFlags: trueFlags(info),
  };
}
