/**
 * The SQLAlchemy model classes whose rows a project's request code creates: `db.session.add(Deposit(...))`, or
 * `user = User(...)` then `session.add(user)` / `add_all([...])` in the same function. A table users add rows to
 * while the app runs grows with use; a table only the admins, a setup page, a migration, a seed script or a CLI
 * command fills (CTFd's challenges, pages, notifications) stays as small as its curators keep it.
 *
 * SQLAlchemy's ways of adding rows are all read: `session.add`/`add_all`/`merge` of an object built in the function
 * (`Item(...)`, `Item.model_validate(data)` as SQLModel documents, or a project converter's return such as
 * `car.to_orm()` whose `def` returns `CarRow(...)`), Core inserts (`insert(Item)`, `Item.__table__.insert()`),
 * `bulk_insert_mappings(Item, ...)` and a model's own `Item.create(...)`.
 *
 * Read from module texts alone (no parse): each `.add(`/`.add_all(` is placed in its enclosing `def` by
 * indentation, and the function is request code unless it, its decorators, its class or its module say admin, setup,
 * seeding or a command line. A project-level fact: other modules' names are kept per text version and their union
 * per project state (analysis/project-texts.ts's stamp); the analysed file's own share is recomputed per text.
 */
import { indentWidth } from '../line-starts';
import type { LineOutline } from './line-outline';
import type { ProjectInfo } from '../../rules/api';
import { projectTexts } from '../project-texts';
import { fileDigest, mayHoldWord } from './file-digests';

/** Modules that are not served: tests, migrations, seeds, fixtures, scripts, installed packages. */
export const OFFLINE_PATH =
  /(^|\/)(node_modules|site-packages|\.?venv|env|tests?|migrations|alembic|seeds?|fixtures|scripts?|management|commands)\/|(^|\/)(test_[^/]*|tests?|tests_[^/]*|[^/]*_tests?|conftest|manage|seed[^/]*|populate[^/]*|init_db[^/]*|setup)\.py$/;
/** Functions, decorators and classes of curators and one-off setup. */
export const CURATED = /admin|\bdef\s+(import|load)_|csv|superuser|staff|\bsetup\b|^setup|install|seed|populate|bootstrap|fixture|init_?db|create_(db|tables|all)|\bcli\b|\.command\b|click\.|manager\.command/i;
/** A body that answers only admins: `if current_user.role != 'admin': return ... 403`, `if not user.is_admin`. */
const ADMIN_GATE = /\b(is_admin|is_superuser|is_staff|role\s*[!=]=\s*["']admin)/;
const ADD_CALL = /\b(?:\w*session|db|sess)\.(add|add_all|merge)\(\s*([^\n]*)/g;
const CONSTRUCTED = /\b([A-Z]\w*)\s*\(/g;
const MENTIONS_ADD = /(session|db|sess)\.(add|add_all|merge)\(|(?<![\w.])[A-Z]\w*\.create\(|\)\.(create|save|insert)\(|\binsert\(\s*[A-Z]|\.__table__\.insert\(|bulk_insert_mappings\(/;
/**
 * Core inserts of a model's table: `insert(Item).values(...)` (sqlalchemy or a dialect's insert),
 * `Item.__table__.insert()`, `session.bulk_insert_mappings(Item, rows)`.
 */
const CORE_INSERT = /(?<![\w.])insert\(\s*([A-Z]\w*)\s*\)|(?<![\w.])([A-Z]\w*)\.__table__\.insert\(|bulk_insert_mappings\(\s*([A-Z]\w*)\s*,/g;
/** A model's classmethod that builds an instance from data: SQLModel's `Hero.model_validate(h)`, pydantic v1's `from_orm`. */
const BUILT_BY_CLASSMETHOD = '(?:[\\w.]+\\.)?([A-Z]\\w*)\\.(?:model_validate|from_orm|parse_obj|from_dict|from_schema|model_construct|construct)\\(';
/** `row = something.to_orm()` / `row = build_row(data)`: a call whose function the project defines (resolved below). */
const BUILT_BY_CALL = '(?:[\\w.]+\\.)?([a-z_]\\w*)\\s*\\(';
/** `def to_orm(self) -> CarRow:` ... `return CarRow(...)`: a project function that builds and returns a model object. */
const CONVERTER_RETURN = /^\s*return\s+(?:[\w.]+\.)?([A-Z]\w*)\s*\(/;
/** `User.create(data)`: a model's own create classmethod (a `CreateMixin`, sqlalchemy-mixins' ActiveRecord) adds the row. */
const CREATE_CALL = /(?<![\w.])([A-Z]\w*)\.create\(/g;
/** `Book(**item.dict()).create()` / `.save()`: an active-record model built and saved by its own instance method. */
const SAVED_INSTANCE = /(?<![\w.])([A-Z]\w*)\((?:[^()\n]|\([^()\n]*\))*\)\.(?:create|save|insert)\(/g;
/** `Model = Product` at module level: a module naming its model generically (what it creates is the model's rows). */
const MODULE_ALIAS = /^([A-Z]\w*)[ \t]*=[ \t]*([A-Z]\w*)[ \t]*$/gm;
/** `from models.product import Product as ProductModel`: the rows added are Product's. */
const IMPORT_ALIAS = /\b([A-Z]\w*)[ \t]+as[ \t]+([A-Z]\w*)/g;

/** A model class a module's code adds rows of, and the function that adds them. */
interface Site {
  model: string;
  fn: string;
}

interface ModuleShare {
  text: string;
  sites: Site[];
  /** Adds of an object some call built (`car_orm = car.to_orm()`): the called function's name, resolved project-wide. */
  built: Array<{ call: string; fn: string }>;
  /** The functions of the module that return a model object they construct, by name. */
  converters: Array<{ name: string; model: string }>;
}

const perFile = new WeakMap<ProjectInfo, Map<string, ModuleShare>>();
const unions = new WeakMap<ProjectInfo, { stamp: object; current: string | undefined; shares: Pick<ModuleShare, 'sites' | 'built' | 'converters'> }>();
const callerAnswers = new WeakMap<ProjectInfo, { stamp: object; text: string; byName: Map<string, boolean> }>();

/**
 * True when some request code of the project creates rows of the model class `name`. A helper that adds them
 * (`util.gains_losses`) is request code unless every call of it is in a function of curators (an admin-gated route).
 */
export function createdByRequests(project: ProjectInfo, current: { relPath: string; text: string }, name: string): boolean {
  const own = ownShare(project, current.relPath, current.text);
  const others = othersUnion(project, current);
  const sites = [...own.sites, ...others.sites, ...convertedSites([...own.built, ...others.built], [...own.converters, ...others.converters])];
  return sites.filter((s) => s.model === name).some((s) => !onlyCuratorsCall(project, current, s.fn));
}

/** The adds of converter-built objects whose converter the project defines, as sites of the model it returns. */
function convertedSites(built: ModuleShare['built'], converters: ModuleShare['converters']): Site[] {
  if (built.length === 0) return [];
  const models = new Map<string, Set<string>>();
  for (const c of converters) {
    let set = models.get(c.name);
    if (!set) models.set(c.name, (set = new Set()));
    set.add(c.model);
  }
  return built.flatMap((b) => [...(models.get(b.call) ?? [])].map((model) => ({ model, fn: b.fn })));
}

type Shares = Pick<ModuleShare, 'sites' | 'built' | 'converters'>;

function othersUnion(project: ProjectInfo, current: { relPath: string; text: string }): Shares {
  const texts = projectTexts(project, current);
  const memo = unions.get(project);
  if (texts.stamp && memo && memo.stamp === texts.stamp && memo.current === current.relPath) return memo.shares;
  const shares: Shares = { sites: [], built: [], converters: [] };
  for (const rel of texts.files) {
    if (rel === current.relPath || !rel.endsWith('.py')) continue;
    const text = texts.text(rel);
    if (text === undefined) continue;
    const share = ownShare(project, rel, text);
    shares.sites.push(...share.sites);
    shares.built.push(...share.built);
    shares.converters.push(...share.converters);
  }
  if (texts.stamp) unions.set(project, { stamp: texts.stamp, current: current.relPath, shares });
  return shares;
}

function ownShare(project: ProjectInfo, rel: string, text: string): ModuleShare {
  let cache = perFile.get(project);
  if (!cache) perFile.set(project, (cache = new Map()));
  let share = cache.get(rel);
  if (!share || share.text !== text) {
    const served = !OFFLINE_PATH.test(rel);
    const adds = served && MENTIONS_ADD.test(text) ? createdSitesAndBuilt(text) : { sites: [], built: [] };
    cache.set(rel, (share = { text, ...adds, converters: served && /^\s*return\s+[\w.]*[A-Z]\w*\s*\(/m.test(text) ? convertersIn(text) : [] }));
  }
  return share;
}

/** The functions of a module that end by returning a model-like object they construct (`return CarRow(...)`). */
function convertersIn(text: string): ModuleShare['converters'] {
  const lines = text.split('\n');
  const out: ModuleShare['converters'] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = CONVERTER_RETURN.exec(lines[i]);
    const fn = m ? enclosingFunction(lines, i) : undefined;
    if (m && fn) out.push({ name: fn.name, model: m[1] });
  }
  return out;
}

/**
 * The function `fn` is called somewhere in the project, and every call is in a function of curators (an admin-gated
 * route, a setup page) or in a module that serves no requests (a test, a script). A call at module level, in a
 * function of any other kind, or no call found at all (a name the framework calls) leaves it request code.
 */
export function onlyCuratorsCall(project: ProjectInfo, current: { relPath: string; text: string }, fn: string): boolean {
  if (!/^\w+$/.test(fn)) return false;
  const texts = projectTexts(project, current);
  let memo = callerAnswers.get(project);
  if (texts.stamp && (!memo || memo.stamp !== texts.stamp || memo.text !== current.text)) callerAnswers.set(project, (memo = { stamp: texts.stamp, text: current.text, byName: new Map() }));
  const known = texts.stamp ? memo!.byName.get(fn) : undefined;
  if (known !== undefined) return known;
  const call = new RegExp(`(?<!\\bdef\\s+)\\b${fn}\\s*\\(`);
  let calls = 0;
  let answer = true;
  for (const rel of texts.files) {
    if (!rel.endsWith('.py') || (rel !== current.relPath && !mayHoldWord(fileDigest(project, rel).words, fn))) continue;
    const text = texts.text(rel);
    if (!text || !call.test(text)) continue;
    if (OFFLINE_PATH.test(rel)) continue;
    const lines = text.split('\n');
    for (let i = 0; i < lines.length && answer; i++) {
      if (!call.test(lines[i]) || /^\s*#/.test(lines[i])) continue;
      calls++;
      const caller = enclosingFunction(lines, i);
      if (caller && curated(lines, caller)) continue;
      // A layer of the same name (a service's `create_x` calling the repository's `create_x`) asks the same question.
      if (caller?.name === fn) calls--;
      else answer = false;
    }
    if (!answer) break;
  }
  answer &&= calls > 0;
  if (texts.stamp) memo!.byName.set(fn, answer);
  return answer;
}

/** The classes one module's request code constructs and adds to a session. */
export function createdIn(text: string): string[] {
  return [...new Set(createdSitesAndBuilt(text).sites.map((s) => s.model))];
}

/**
 * The classes one module's request code constructs and adds to a session (or inserts), with the function that adds
 * each; and the adds of objects another function built, by that function's name.
 */
function createdSitesAndBuilt(text: string): Pick<ModuleShare, 'sites' | 'built'> {
  const lines = text.split('\n');
  const found = new Map<string, Site>();
  const built: ModuleShare['built'] = [];
  const aliases = new Map([...text.matchAll(MODULE_ALIAS), ...text.matchAll(IMPORT_ALIAS)].map((m) => (m[0].includes('=') ? [m[1], m[2]] : [m[2], m[1]])));
  const add = (model: string, fn: string) => {
    const name = aliases.get(model) ?? model;
    found.set(`${name} ${fn}`, { model: name, fn });
  };
  for (let i = 0; i < lines.length; i++) {
    if (/^\s*#/.test(lines[i])) continue;
    for (const m of lines[i].matchAll(SAVED_INSTANCE)) {
      const fn = enclosingFunction(lines, i);
      if (fn && !curated(lines, fn)) add(m[1], fn.name);
    }
    for (const m of lines[i].matchAll(CREATE_CALL)) {
      const fn = enclosingFunction(lines, i);
      if (fn && !curated(lines, fn)) add(m[1], fn.name);
    }
    for (const m of lines[i].matchAll(CORE_INSERT)) {
      const fn = enclosingFunction(lines, i);
      if (fn && !curated(lines, fn)) add(m[1] ?? m[2] ?? m[3], fn.name);
    }
    ADD_CALL.lastIndex = 0;
    const call = ADD_CALL.exec(lines[i]);
    if (!call) continue;
    const fn = enclosingFunction(lines, i);
    if (!fn || curated(lines, fn)) continue;
    for (const m of call[2].matchAll(CONSTRUCTED)) add(m[1], fn.name);
    // `name = Model(...)` earlier in the same function, `session.add(name)` here.
    for (const arg of call[2].matchAll(/\b([a-z_]\w*)\b/g)) {
      // A classmethod builder first, then the last method of a chain (`VehicleIn(**data).to_row()` is what
      // to_row returns), then a constructor, then a plain call.
      const assigned = new RegExp(
        `^\\s*${arg[1]}\\s*=\\s*(?:await\\s+)?(?:${BUILT_BY_CLASSMETHOD}|[^\\n]*\\.([a-z_]\\w*)\\s*\\([^()\\n]*\\)\\s*$|(?:[\\w.]+\\.)?([A-Z]\\w*)\\s*\\(|${BUILT_BY_CALL})`,
      );
      for (let j = i - 1; j > fn.def; j--) {
        const m = assigned.exec(lines[j]);
        if (!m) continue;
        if (m[1] ?? m[3]) add((m[1] ?? m[3])!, fn.name);
        else built.push({ call: (m[2] ?? m[4])!, fn: fn.name });
        break;
      }
    }
  }
  return { sites: [...found.values()], built };
}

export interface FunctionSpan {
  /** Line of the `def`. */
  def: number;
  /** Its name. */
  name: string;
  /** Its decorators' and class header's lines, and the body's first lines. */
  header: string;
}

/**
 * The `def` a line is inside of (by indentation), with what says who calls it. `outline` (line-outline.ts) steps
 * from parent to parent instead of over every line in between: a scan placing many lines of one module passes it.
 */
export function enclosingFunction(lines: string[], at: number, outline?: LineOutline): FunctionSpan | undefined {
  let indent = outline ? outline.indent[at] : indentWidth(lines[at]);
  let def: number | undefined;
  const header: string[] = [];
  for (let i = outline ? outline.up[at] : at - 1; i >= 0 && indent > 0; i = outline ? outline.up[i] : i - 1) {
    if (!outline && (!lines[i].trim() || lines[i].trimStart().startsWith('#') || indentWidth(lines[i]) >= indent)) continue;
    indent = outline ? outline.indent[i] : indentWidth(lines[i]);
    // The `):` closing a signature split over lines: its `def` is the nearest one above at the same indent.
    if (SIGNATURE_END.test(lines[i])) i = signatureStart(lines, i, indent) ?? i;
    const line = lines[i];
    if (/^\s*(async\s+)?def\s/.test(line)) {
      // A signature over several lines is read whole, like one on the `def` line (`user = Depends(require_admin)`).
      if (def === undefined) header.push(...signatureLines(lines, i));
      def ??= i;
      header.push(line, ...decoratorsAbove(lines, i));
    } else if (/^\s*class\s/.test(line)) {
      header.push(line, ...decoratorsAbove(lines, i));
    }
  }
  if (def === undefined) return undefined;
  return { def, name: /def\s+(\w+)/.exec(lines[def])?.[1] ?? '', header: header.join('\n') };
}

/** The lines after a `def` line that continue its signature, up to the one ending in `:` (at most 20). */
function signatureLines(lines: string[], def: number): string[] {
  if (/:\s*(#.*)?$/.test(lines[def])) return [];
  const out: string[] = [];
  for (let j = def + 1; j < lines.length && j <= def + 20; j++) {
    out.push(lines[j]);
    if (/:\s*(#.*)?$/.test(lines[j])) break;
  }
  return out;
}

/** `):` or `) -> Result:` alone on a line: the end of a signature written over several lines. */
const SIGNATURE_END = /^\s*\)\s*(->[^:]*)?:\s*(#.*)?$/;

/** The `def` line (at `indent`) whose signature the line `end` closes, at most 40 lines up. */
function signatureStart(lines: string[], end: number, indent: number): number | undefined {
  for (let i = end - 1; i >= 0 && i >= end - 40; i--) {
    if (!lines[i].trim() || indentWidth(lines[i]) > indent) continue;
    if (indentWidth(lines[i]) < indent) return undefined;
    if (/^\s*(async\s+)?def\s/.test(lines[i])) return i;
    if (!/^\s*[)\]}]/.test(lines[i])) return undefined;
  }
  return undefined;
}

/** The decorator lines above a `def`/`class` at line `at`, multi-line ones (`@api.doc(\n  ...\n)`) included. */
function decoratorsAbove(lines: string[], at: number): string[] {
  const indent = indentWidth(lines[at]);
  const out: string[] = [];
  let pending: string[] = [];
  for (let d = at - 1; d >= 0; d--) {
    const line = lines[d];
    const trimmed = line.trimStart();
    if (!trimmed) break;
    if (indentWidth(line) === indent && trimmed.startsWith('@')) {
      out.push(line, ...pending);
      pending = [];
    } else if (indentWidth(line) > indent || (indentWidth(line) === indent && /^[)\]}]/.test(trimmed))) pending.push(line);
    else break;
  }
  return out;
}

/** A function the admins, setup or a command line run, or one whose body answers admins only. */
export function curated(lines: string[], fn: FunctionSpan): boolean {
  if (CURATED.test(fn.header)) return true;
  const body = lines.slice(fn.def + 1, fn.def + 12).join('\n');
  return ADMIN_GATE.test(body);
}
