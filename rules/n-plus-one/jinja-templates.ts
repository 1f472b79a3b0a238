/**
 * n-plus-one in Flask's Jinja templates: a view renders SQLAlchemy rows (`render_template("orders.html",
 * orders=Order.query.all())`) and the template's `{% for order in orders %}` reads a lazy relationship of each row
 * (`{{ order.customer.name }}`, `{{ t.category.name or "-" }}`, `{% for i in o.items %}`): one SELECT per row while
 * the page renders. Reported in the template, where the read is. Quiet when the relationship is eager
 * (`lazy="joined"`/`"selectin"`...), the query has a loader option for it (`joinedload`, `selectinload`), the rows are
 * few (`.limit(n)` with n <= 20) or one parent's children (a foreign key pinned to a value that is not a person's).
 *
 * The view -> template links are a project fact: built on the first template checked and kept until a view, a
 * model module or a template it read changes (the texts are compared, as the Django template links are).
 */
import { modelClassName } from '../shared/table-names';
import { Parser, type Language, type Tree } from 'web-tree-sitter';
import type { ProjectInfo, ReportSpec, RuleContext } from '../api';
import { clip } from '../shared/format';
import { ProjectSlot, sameList } from '../../analysis/cache';
import { projectTexts } from '../../analysis/project-texts';
import { offlineByLayout } from '../../analysis/reach';
import { TEMPLATE_FILE, TemplateFolders } from '../../analysis/django-templates/folders';
import { looksLikeJinja, parseJinja, type JinjaNode, type JinjaPart, type JinjaTemplate } from '../../analysis/flask-templates/jinja';
import { RENDERS_JINJA, renderedTemplates } from '../../analysis/python/flask-renders';
import { calleeName } from '../../analysis/python/django-querysets';
import { keepsTimeWindow } from '../../analysis/python/time-windows';
import { relationshipOf, targetModel, type Model, type Relationship } from '../../analysis/python/sqlalchemy-models';
import { optionsSettle, pinned, rowsOf, TENANT_RELATIONSHIPS, type Rows } from './python-sqlalchemy';

export interface JinjaFinding {
  template: string;
  start: number;
  end: number;
  read: string;
  option: string;
  view: string;
  viewFile: string;
  viewLine: number;
  name: string;
  /** The model of the rows the loop iterates (the N), when the read is on those rows themselves. */
  table?: string;
}

interface Cache {
  files: readonly string[];
  /** Files whose text the findings depend on. */
  inputs: Map<string, string | undefined>;
  templates: Map<string, { text: string; parsed: JinjaTemplate }>;
  findings: JinjaFinding[];
  /** The projectTexts stamp under which `findings` were last built or found to hold. */
  checkedUnder?: object;
  /** Python files found not to render a template, with the text that was tested (newView tests each text once). */
  quiet: Map<string, string>;
}

const LINKS = new ProjectSlot<{ cache?: Cache }>('n-plus-one: Jinja template links', () => ({}));
/** Model modules: their relationships decide what is lazy. */
const DECLARES_RELATIONSHIPS = /\b(relationship|Relationship|backref)\s*\(/;
const MAX_DEPTH = 8;

/** Template-side findings of the template being checked. */
export function checkJinjaTemplate(ctx: RuleContext): void {
  if (!looksLikeJinja(ctx.file.text)) return;
  const language = ctx.pythonLanguage?.();
  if (!language) return;
  for (const f of projectFindings(ctx, language)) {
    if (f.template !== ctx.file.relPath) continue;
    ctx.report(report(f));
  }
}

function projectFindings(ctx: RuleContext, language: Language): JinjaFinding[] {
  const texts = projectTexts(ctx.project, { relPath: ctx.file.relPath, text: ctx.file.text });
  const files = texts.files.includes(ctx.file.relPath) ? texts.files : [...texts.files, ctx.file.relPath];
  const read = (f: string) => texts.text(f);
  const slot = LINKS.get(ctx.project);
  const cached = slot.cache;
  if (cached && sameList(cached.files, files)) {
    // Checked last under the same stamp: nothing but the checked file changed since.
    const own = texts.stamp !== undefined && cached.checkedUnder === texts.stamp;
    const hold = own
      ? !cached.inputs.has(ctx.file.relPath) || read(ctx.file.relPath) === cached.inputs.get(ctx.file.relPath)
      : [...cached.inputs].every(([f, t]) => read(f) === t) && !newView(cached, files, read);
    if (hold) {
      cached.checkedUnder = texts.stamp;
      return cached.findings;
    }
  }
  const cache: Cache = { files, inputs: new Map(), templates: cached?.templates ?? new Map(), findings: [], quiet: new Map() };
  slot.cache = cache;
  cache.findings = build(cache, ctx.project, read, language);
  cache.checkedUnder = texts.stamp;
  return cache.findings;
}

/** A Python file that did not render a template at the last build and does now. */
function newView(cache: Cache, files: readonly string[], read: (f: string) => string | undefined): boolean {
  for (const f of files) {
    if (!f.endsWith('.py') || cache.inputs.has(f)) continue;
    const text = read(f) ?? '';
    if (cache.quiet.get(f) === text) continue;
    if (RENDERS_JINJA.test(text)) return true;
    cache.quiet.set(f, text);
  }
  return false;
}

function build(cache: Cache, project: ProjectInfo, read: (f: string) => string | undefined, language: Language): JinjaFinding[] {
  const templates = cache.files.filter((f) => TEMPLATE_FILE.test(f));
  if (templates.length === 0) return [];
  const views: string[] = [];
  for (const f of cache.files) {
    if (!f.endsWith('.py')) continue;
    const text = read(f);
    if (text === undefined) continue;
    if (RENDERS_JINJA.test(text)) {
      cache.inputs.set(f, text);
      if (offlineByLayout(f) === undefined) views.push(f);
    } else if (DECLARES_RELATIONSHIPS.test(text)) cache.inputs.set(f, text);
  }
  if (views.length === 0) return [];
  const folders = new TemplateFolders(templates, read);
  const findings: JinjaFinding[] = [];
  const parser = new Parser();
  try {
    parser.setLanguage(language);
    for (const file of views) {
      const text = cache.inputs.get(file)!;
      const tree = parser.parse(text);
      if (!tree) continue;
      try {
        new ViewWalker(cache, read, folders, project, file, tree, findings).run();
      } finally {
        tree.delete();
      }
    }
  } catch {
    // an unparsable module links nothing
  } finally {
    parser.delete();
  }
  return findings;
}

/** A context name: the rows of a query, or one row of them inside a loop. */
interface Binding {
  rows: Rows;
  model: Model;
  /** Relationships followed from the rows' model. */
  path: string[];
  relationships: Relationship[];
  many: boolean;
  page: boolean;
  perRow: boolean;
  name: string;
  view: string;
  viewLine: number;
}

class ViewWalker {
  private readonly ctx: RuleContext;

  constructor(
    private readonly cache: Cache,
    private readonly read: (f: string) => string | undefined,
    private readonly folders: TemplateFolders,
    project: ProjectInfo,
    private readonly file: string,
    private readonly tree: Tree,
    private readonly out: JinjaFinding[],
  ) {
    // The view module as the model reader sees it: its imports resolve the models.
    const text = tree.rootNode.text;
    this.ctx = {
      file: { path: file, relPath: file, kind: 'python', roles: new Set(), text },
      options: {},
      project,
      python: () => tree,
      pythonLanguage: () => tree.language,
      report: () => undefined,
    } as unknown as RuleContext;
  }

  run(): void {
    for (const render of renderedTemplates(this.tree)) {
      const file = this.folders.resolve(render.template);
      if (!file) continue;
      const env = new Map<string, Binding>();
      for (const b of render.bindings) {
        const query = b.page ? b.rows.childForFieldName('function')?.childForFieldName('object') : b.rows;
        const rows = query && rowsOf(this.ctx, this.tree, query, 0);
        if (!rows || oneParentsChildren(rows)) continue;
        const viewLine = b.rows.startPosition.row + 1;
        env.set(b.name, { rows, model: rows.model, path: [], relationships: [], many: true, page: b.page, perRow: false, name: b.name, view: render.view, viewLine });
      }
      if (env.size) this.template(file, env, []);
    }
  }

  private template(file: string, env: Map<string, Binding>, chain: string[]): void {
    if (chain.length >= MAX_DEPTH || chain.includes(file)) return;
    const parsed = this.parsed(file);
    if (parsed) this.nodes(file, parsed.nodes, env, [...chain, file]);
  }

  private parsed(file: string): JinjaTemplate | undefined {
    const text = this.read(file);
    this.cache.inputs.set(file, text);
    if (text === undefined) return undefined;
    const known = this.cache.templates.get(file);
    if (known?.text === text) return known.parsed;
    const parsed = parseJinja(text);
    this.cache.templates.set(file, { text, parsed });
    return parsed;
  }

  private nodes(file: string, nodes: readonly JinjaNode[], env: Map<string, Binding>, chain: string[]): void {
    for (const node of nodes) {
      if (node.type === 'read') this.evaluate(file, node.parts, env);
      else if (node.type === 'for') {
        const rows = node.iterable && this.evaluate(file, node.iterable, env);
        const inner = new Map(env);
        for (const t of node.targets) inner.delete(t);
        if (rows?.many && !rows.page && node.targets.length === 1) inner.set(node.targets[0], { ...rows, many: false, perRow: true });
        this.nodes(file, node.body, inner, chain);
      } else {
        const target = this.folders.resolve(node.name);
        if (target) this.template(target, env, chain);
      }
    }
  }

  /** What a dotted read evaluates to, reporting each lazy relationship it follows from a row. */
  private evaluate(file: string, parts: readonly JinjaPart[], env: Map<string, Binding>): Binding | undefined {
    let b = env.get(parts[0].name);
    if (!b) return undefined;
    let i = 1;
    if (b.page && parts[1]?.name === 'items') {
      b = { ...b, page: false };
      i = 2;
    }
    if (b.many || b.page) return i === parts.length ? b : undefined;
    for (; i < parts.length; i++) {
      const rel = relationshipOf(this.ctx, this.tree, b.model, parts[i].name);
      if (!rel) return undefined;
      const path: string[] = [...b.path, rel.name];
      const relationships: Relationship[] = [...b.relationships, rel];
      if (b.perRow && loadsPerRow(this.ctx, this.tree, b.rows, path, relationships)) this.report(file, parts, i, b, path, relationships);
      const target = targetModel(this.ctx, this.tree, rel);
      if (!target) return undefined;
      b = { ...b, model: target, path, relationships, many: rel.collection === true };
      if (b.many) return i === parts.length - 1 ? b : undefined;
    }
    return b;
  }

  private report(file: string, parts: readonly JinjaPart[], last: number, b: Binding, path: string[], relationships: Relationship[]): void {
    const key = path.join('.');
    if (this.out.some((f) => f.template === file && f.viewFile === this.file && f.view === b.view && f.name === b.name && f.read.split('.').slice(1).join('.') === key)) return;
    const entity = b.rows.entity.text;
    let owner = entity;
    const steps: string[] = [];
    for (const [n, rel] of relationships.entries()) {
      steps.push(`${rel.collection ? 'selectinload' : 'joinedload'}(${owner}.${path[n]})`);
      owner = rel.target ?? owner;
    }
    this.out.push({
      template: file,
      start: parts[0].start,
      end: parts[last].end,
      read: parts.slice(0, last + 1).map((p) => p.name).join('.'),
      option: steps.join('.'),
      view: b.view,
      viewFile: this.file,
      viewLine: b.viewLine,
      name: b.name,
      table: b.path.length === 0 && b.rows.prefix.length === 0 ? modelClassName(b.rows.model.name) : undefined,
    });
  }
}

/** Every relationship on the path loads lazily and no loader option of the query settles the last one. */
function loadsPerRow(ctx: RuleContext, tree: Tree, rows: Rows, path: string[], relationships: Relationship[]): boolean {
  if (relationships.some((r) => r.lazy !== 'select')) return false;
  if (optionsSettle(rows, path)) return false;
  const single = relationships.length === 1 && relationships[0].collection !== true;
  // The tenant nearly every row shares, or a parent the filter pins: the identity map answers after one load.
  if (single && TENANT_RELATIONSHIPS.has(path[0])) return false;
  if (single && pinned(ctx, tree, rows, relationships[0])) return false;
  return true;
}

/** A person's key: one user's rows may be a long history; any other pinned key picks one parent's few children. */
const PERSON_KEY = /(user|owner|author|creator|customer|member|account|client|patient|student|employee|profile|sender|recipient|buyer|seller)(_id)?\s*(==|=(?!=))/i;

/**
 * The rows are one parent's few children: a filter pins a foreign key of the rows' model to one value that is not a
 * person's, or pins a person and keeps a window of time (one user's entries of one day).
 */
function oneParentsChildren(rows: Rows): boolean {
  const keys = [...rows.model.foreignKeys.keys()];
  if (keys.length === 0) return false;
  const pattern = new RegExp(`\\b(${keys.join('|')})\\s*(==|=(?!=))`);
  const texts = rows.filters.map((f) => f.childForFieldName('arguments')?.text ?? '');
  if (rows.filters.some((f) => calleeName(f) === 'with_parent')) return true;
  const pins = texts.map((t) => pattern.exec(t)?.[0]).filter((m): m is string => !!m);
  if (pins.some((m) => !PERSON_KEY.test(m))) return true;
  return pins.length > 0 && texts.some(keepsTimeWindow);
}

function report(f: JinjaFinding): ReportSpec {
  return {
    start: f.start,
    end: f.end,
    messageId: 'lazy-load',
    table: f.table,
    data: { read: clip(f.read, 40), option: clip(f.option, 50) },
    detail:
      `N+1 queries: each row's ${f.read} is a lazy relationship, loaded with its own SELECT while the loop renders, and every loaded ` +
      `object stays in the session until the response is built. The view ${f.view}() (${f.viewFile}:${f.viewLine}) passes \`${f.name}\` ` +
      `to this template without loading it: add .options(${f.option}) to that query.`,
  };
}

/** The rule docs' section on Flask's Jinja templates (appended to n-plus-one's notes). */
export const JINJA_NOTES =
  '**Flask and Jinja templates.** A Flask view that renders SQLAlchemy rows (`render_template("orders.html", orders=Order.query.all())`, ' +
  'a variable bound to such a query, a context dict passed as `**context`, or a page of them, `Order.query.paginate(...)` read as ' +
  '`orders.items`) is linked to the template in the project\'s `templates/` folders, following `{% include %}` and the blocks of a ' +
  'child template. Inside `{% for order in orders %}`, a read of a lazy relationship of each row is reported in the template: ' +
  '`{{ order.customer.name }}`, `{{ t.category.name or "-" }}`, `{% for line in order.lines %}`. Not reported: relationships ' +
  'declared eager (`lazy="joined"`, `"selectin"`, ...), relationships the query loads (`.options(joinedload(Order.customer))`), ' +
  'queries limited to at most 20 rows, one parent\'s children (a foreign key of the rows pinned to one value that is not a ' +
  'person\'s, or one person\'s rows within a window of time), columns and properties.\n\n';
