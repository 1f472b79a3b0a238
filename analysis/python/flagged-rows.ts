/**
 * Rows a curator picks by ticking a flag: a shop's bestsellers (`filter(hit_sales=True)`), an agency's top agents
 * (`top_agent=True`), the featured cars of a home carousel (`is_featured=True`), the site's staff accounts
 * (`User.objects.filter(is_staff=True)`). The flagged rows are the handful someone chose, not the table.
 *
 * The code must show both halves:
 * - the queryset keeps only rows whose flag is `True` (a keyword of a `filter(...)` chained on the manager, on every
 *   path to the rows), the flag a field of the model whose name says it marks a chosen few (FEW_FLAG: featured,
 *   bestseller, top, highlighted, pinned, a template) or Django's staff flags of a user model;
 * - no code of the project that serves users sets the flag: no `row.flag = ...`, no `flag=` keyword in a create or
 *   update, no form or serializer field (declared, listed in `fields`, or every field with `"__all__"`/`exclude`).
 *   The Django admin, migrations, fixtures, tests, seeds and management commands are curators: their writes do not
 *   count. A moderation flag a staff view flips (`review.approved = True`) is written, and its rows are not judged.
 *
 * Flags that mark the normal state of a row (published, approved, active, verified, visible, available) are not
 * FEW_FLAG words: most rows carry them in time.
 *
 * Read from the text of every module (a project fact built once per project state, each module's share kept while
 * its text is unchanged), like owner-caps.ts.
 */
import type { ProjectInfo } from '../../rules/api';
import { projectTexts } from '../project-texts';
import { calleeName, type QuerysetInfo } from './django-querysets';
import type { ModelIndex } from './django-models';
import { rootChainCalls } from './owner-rows';
import { OFFLINE_PATH } from './request-created-models';
import { assignedWords, lineAnchoredMatches } from '../needle-matches';

/** Flag fields whose `True` marks a few rows someone picked. */
export const FEW_FLAG = /^(is_|has_)?(featured|feature|hit|hit_sales|hits|bestseller|best_seller|best_selling|top|top_\w+|\w+_top|mvp|highlight|highlighted|pinned|promoted|spotlight|showcase|showcased|editors?_(pick|choice)|staff_pick|recommended|special|template)$/;
/** Django's own flags of a site's administrators, on a user model. */
const STAFF_FLAG = /^(is_staff|is_superuser)$/;
/** The Django admin's modules: curators. */
const ADMIN_PATH = /(^|\/)admin(\.py$|\/)/;
/** Callees whose keywords read a flag rather than set it. */
const READING_CALL = /^(filter|exclude|get|Q|get_object_or_404|get_list_or_404|filter_by|count|exists|first|annotate|aggregate|order_by|values|values_list|assertEqual|assertTrue)$/;

/** What the project's serving code writes of flag fields. */
export interface FlagWrites {
  /** Flag names set somewhere (an assignment, a keyword of a write, a form or serializer field). */
  flags: string[];
  /** Models a form or serializer exposes whole (`fields = "__all__"`, `exclude = [...]`). */
  wholeModels: string[];
}

const NO_WRITES: FlagWrites = { flags: [], wholeModels: [] };
const perFile = new WeakMap<ProjectInfo, Map<string, { text: string; writes: FlagWrites }>>();

/** The flags and whole models the project's serving code writes (the edited module's from its current text). */
export function projectFlagWrites(project: ProjectInfo, current: { relPath: string; text: string }): FlagWrites {
  const texts = projectTexts(project, current);
  const flags = new Set<string>();
  const wholeModels = new Set<string>();
  for (const rel of texts.files) {
    if (!rel.endsWith('.py')) continue;
    const text = rel === current.relPath ? current.text : texts.text(rel);
    if (text === undefined) continue;
    const share = flagWritesOfModule(project, rel, text);
    share.flags.forEach((f) => flags.add(f));
    share.wholeModels.forEach((m) => wholeModels.add(m));
  }
  return { flags: [...flags], wholeModels: [...wholeModels] };
}

/** One module's share, from its last text's when unchanged (also a findings cache's key for the analysed module). */
export function flagWritesOfModule(project: ProjectInfo, rel: string, text: string): FlagWrites {
  let cache = perFile.get(project);
  if (!cache) perFile.set(project, (cache = new Map()));
  const known = cache.get(rel);
  if (known && known.text === text) return known.writes;
  const writes = OFFLINE_PATH.test(rel) || ADMIN_PATH.test(rel) ? NO_WRITES : flagWritesOf(text);
  cache.set(rel, { text, writes });
  return writes;
}

/** A form's or serializer's `fields = [...]` (sticky: lineAnchoredMatches tries it where a line starts `fields`). */
const FIELDS_LIST = /^\s*fields\s*=\s*[[(]([^\])]*)[\])]/my;
/** A `class Meta:` and the lines indented under it (blank lines before it are skipped, not taken for its indent). */
const META_CLASS = /^(?:[ \t]*\r?\n)*([ \t]*)class\s+Meta\b[^\n]*\n((?:\1[ \t]+[^\n]*\n|[ \t]*\r?\n)*)/my;

/** What one module's text writes of flag fields (see FlagWrites). */
export function flagWritesOf(text: string): FlagWrites {
  const flags = new Set<string>();
  // Each keystroke rescans the edited module: the scans start from the `=` signs and the lines' first words.
  for (const m of assignedWords(text)) {
    const name = m.word;
    if (!FEW_FLAG.test(name) && !STAFF_FLAG.test(name)) continue;
    if (insideString(text, m.index) || inSuperuserSetup(text, m.index)) continue;
    if (writesAt(text, m.index, m.length)) flags.add(name);
  }
  // Listed in a form's or serializer's `fields` (`fields = ["name", "is_featured"]`).
  for (const m of lineAnchoredMatches(text, FIELDS_LIST, 'fields')) {
    for (const q of m[1].matchAll(/["'](\w+)["']/g)) if ((FEW_FLAG.test(q[1]) || STAFF_FLAG.test(q[1])) && !readOnly(text, q[1])) flags.add(q[1]);
  }
  const wholeModels = new Set<string>();
  for (const m of lineAnchoredMatches(text, META_CLASS, 'class')) {
    const body = m[2];
    const model = /^\s*model\s*=\s*(?:\w+\.)*([A-Z]\w*)\s*$/m.exec(body)?.[1];
    if (model && (/^\s*fields\s*=\s*["']__all__["']/m.test(body) || /^\s*exclude\s*=/m.test(body))) wholeModels.add(model);
  }
  return { flags: [...flags], wholeModels: [...wholeModels] };
}

/** The line before `at` leaves a string open (`"Superuser must have is_staff=True."`). */
function insideString(text: string, at: number): boolean {
  const before = text.slice(text.lastIndexOf('\n', at) + 1, at);
  return (before.match(/"/g)?.length ?? 0) % 2 === 1 || (before.match(/'/g)?.length ?? 0) % 2 === 1;
}

/** Inside a manager's `create_superuser` (the setup of the site's first administrator): a curator's write. */
function inSuperuserSetup(text: string, at: number): boolean {
  // The nearest def line above, walked up to line by line (a search of the whole text before each flag cost a
  // millisecond a keystroke in a views module that reads is_staff often).
  for (let end = at; ; ) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    const def = LINE_DEF.exec(text.slice(start, end));
    if (def) return /superuser/i.test(def[1]);
    if (start === 0) return false;
    end = start - 1;
  }
}

const LINE_DEF = /^\s*(?:async\s+)?def\s+(\w+)/;

/** A serializer marks the listed field read-only (`read_only_fields`, `extra_kwargs = {"f": {"read_only": True}}`). */
function readOnly(text: string, field: string): boolean {
  if (new RegExp(`["']${field}["']\\s*:\\s*\\{[^}]*["']read_only["']\\s*:\\s*True`).test(text)) return true;
  return [...text.matchAll(/read_only_fields\s*=\s*[[(]([^\])]*)[\])]/g)].some((m) => new RegExp(`["']${field}["']`).test(m[1]));
}

/**
 * Whether `name=` at `at` sets the flag: a statement-level assignment to an attribute (`car.is_featured = True`), a
 * form or serializer field that is not read-only, or a keyword of a call that is not a read (`create(...)`,
 * `update(...)`, `Car(...)`). A model field's declaration and a keyword of `filter(...)` are not.
 */
function writesAt(text: string, at: number, length: number): boolean {
  const lineStart = text.lastIndexOf('\n', at) + 1;
  const before = text.slice(lineStart, at);
  const open = openCallBefore(text, at);
  if (open === undefined) {
    if (/\.\s*$/.test(before)) return true;
    if (!/^\s*$/.test(before)) return false;
    // `flag = models.BooleanField(...)` declares the model's field; `flag = forms.BooleanField()` lets a form set it.
    const value = text.slice(at + length, text.indexOf('\n', at) === -1 ? undefined : text.indexOf('\n', at));
    if (/^\s*(models|db)\.\w+\(/.test(value) || /read_only\s*=\s*True/.test(value)) return false;
    return /^\s*(forms|serializers)\.\w+\(/.test(value);
  }
  return !READING_CALL.test(open);
}

/** The callee of the innermost call still open at `at` (within a few lines), if any. */
function openCallBefore(text: string, at: number): string | undefined {
  let depth = 0;
  for (let i = at - 1; i >= 0 && i >= at - 800; i--) {
    const c = text[i];
    if (c === ')' || c === ']' || c === '}') depth++;
    else if (c === '[' || c === '{') {
      if (depth === 0) return '[';
      depth--;
    } else if (c === '(') {
      if (depth === 0) return /(\w+)\s*$/.exec(text.slice(Math.max(0, i - 80), i))?.[1] ?? '(';
      depth--;
    } else if (c === '\n' && depth === 0 && i + 1 < at && /\S/.test(text[i + 1])) {
      // A statement starting at the margin: no call of it is still open (it would have been met first).
      return undefined;
    }
  }
  return undefined;
}

/**
 * The flags set to `True` by `filter(...)` calls chained on every root of a queryset (`filter(is_featured=True)`).
 */
export function trueFlags(info: QuerysetInfo): string[] {
  const out = new Set<string>();
  for (const call of rootChainCalls(info)) {
    if (calleeName(call) !== 'filter') continue;
    for (const arg of call.childForFieldName('arguments')?.namedChildren ?? []) {
      if (arg?.type !== 'keyword_argument' || arg.childForFieldName('value')?.text !== 'True') continue;
      out.add(arg.childForFieldName('name')?.text ?? '');
    }
  }
  return [...out];
}

/**
 * Every model of the queryset is kept to rows a curator flagged: a FEW_FLAG field of the model (or a staff flag of a
 * user model) filtered to `True`, which no serving code of the project sets. `names` are the queryset's models as
 * the project defines them.
 */
export function curatorFlagged(info: QuerysetInfo, names: readonly string[], models: ModelIndex, writes: () => FlagWrites): boolean {
  return flaggedByCurators(trueFlags(info), names, models, writes);
}

/** curatorFlagged over flags already read from the code (trueFlags). */
export function flaggedByCurators(flags: readonly string[], names: readonly string[], models: ModelIndex, writes: () => FlagWrites): boolean {
  if (names.length === 0 || flags.length === 0) return false;
  return names.every((model) =>
    flags.some((flag) => {
      const kind = STAFF_FLAG.test(flag) ? models.isUserModel(model) : FEW_FLAG.test(flag) && models.has(model) && hasFlagField(models, model, flag);
      if (!kind) return false;
      const w = writes();
      return !w.flags.includes(flag) && !w.wholeModels.includes(model);
    }),
  );
}

function hasFlagField(models: ModelIndex, model: string, flag: string): boolean {
  return models.hasField(model, /(?!)/, new RegExp(`^${flag}$`));
}

/** The analysed module's own share of the fact (for a findings cache's key: other modules' texts key it already). */
export function flagWritesKey(project: ProjectInfo, rel: string, text: string): string {
  return rel.endsWith('.py') ? JSON.stringify(flagWritesOfModule(project, rel, text)) : '';
}
