/**
 * The analysis's caches, in one place (issue 13: caching belongs to the engine and the model, not to module-level
 * maps inside rule files). Rules and analysis modules declare a slot and ask it; the storage, its bounds and the
 * switch that bypasses it for a fresh analysis live here.
 *
 * Two lifetimes:
 * - per parsed tree (one version of one file): `TreeSlot`, dropped with the tree;
 * - per top-level statement TEXT: `StatementSlot`, kept across versions. A keystroke changes one statement; the
 *   others keep their text, so their answers are reused however far the edit moved them. Texts are interned to
 *   small ids once per tree (`statementTextId`), so each slot's key is short whatever the statement's length.
 *   Answers holding offsets store them relative to the statement's start and are moved on reuse by the caller.
 */

/**
 * A map that forgets its least recently used entries beyond `limit`. A hit only stamps the entry (a keystroke looks
 * up every statement of the file in several slots: moving each to the end of the map cost more than the answers
 * saved); going over the limit drops the least recently stamped tenth at once.
 */
export class BoundedCache<V> {
  private readonly entries = new Map<string, { value: V; used: number }>();
  private clock = 0;

  constructor(private readonly limit: number) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    entry.used = ++this.clock;
    return entry.value;
  }

  set(key: string, value: V): void {
    const entry = this.entries.get(key);
    if (entry) {
      entry.value = value;
      entry.used = ++this.clock;
      return;
    }
    this.entries.set(key, { value, used: ++this.clock });
    if (this.entries.size > this.limit) this.evict();
  }

  private evict(): void {
    const keep = Math.max(0, Math.floor(this.limit * 0.9));
    const byAge = [...this.entries].sort((a, b) => a[1].used - b[1].used);
    for (let i = 0; i < byAge.length - keep; i++) this.entries.delete(byAge[i][0]);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

let statementCaching = true;

/** Runs `fn` with every per-statement cache bypassed (neither read nor written): a fresh analysis, for checks. */
export function withoutStatementCaches<T>(fn: () => T): T {
  const before = statementCaching;
  statementCaching = false;
  try {
    return fn();
  } finally {
    statementCaching = before;
  }
}

/**
 * Turns the per-statement caches off for good in this thread: a batch scan (the CLI, a scan worker) analyses each
 * file once, so statement answers would only hold memory (70 MB on the 13,000 files of the stdlib), never be reused.
 */
export function disableStatementCachesInThisThread(): void {
  statementCaching = false;
  batchScan = true;
  clearStatementSlots();
}

let batchScan = false;

/**
 * True in a batch scan's thread (the CLI, a scan worker): the files do not change while it runs, so facts about other
 * files may be kept for the scan without a check that their texts are still the same.
 */
export function inBatchScanThread(): boolean {
  return batchScan;
}

/** True unless inside withoutStatementCaches() or in a batch scan's thread. */
export function statementCachesEnabled(): boolean {
  return statementCaching;
}

/**
 * Statement texts -> ids. An id is never reused, so an entry keyed by a forgotten text's id can only go stale, never
 * answer for another text. Emptied when it holds more than a few files' worth of statements (no LRU bookkeeping:
 * this runs for every statement of every version).
 */
const textIds = new Map<string, number>();
const MAX_TEXTS = 50000;
let nextTextId = 1;

/** A small id that stands for this exact text (the same id for the same text, while it is remembered). */
export function statementTextId(text: string): number {
  // A batch scan reads no statement slot, so an id only keys answers nobody asks for again: a fresh one per call
  // keeps no text alive (interned, the statements of the last 50,000 held ~50 MB per thread on the stdlib).
  if (batchScan) return nextTextId++;
  let id = textIds.get(text);
  if (id === undefined) {
    if (textIds.size >= MAX_TEXTS) textIds.clear();
    textIds.set(text, (id = nextTextId++));
  }
  return id;
}

/**
 * Pieces of the last few versions of texts (statements of a module, chunks of lines), found again in a new version
 * by place instead of by hash: a keystroke leaves the pieces before the edit where they were and moves those after it
 * by the edit's length change, so each new piece is compared with the old piece at its start or at its start minus
 * that change (string equality stops at the first difference; interning every piece's text through a Map hashed the
 * whole 5,000-line text on every keystroke, a millisecond). Several texts are edited in turn (files of a project):
 * the last `generations` versions are looked at, newest first.
 */
export class PiecesByPlace<V> {
  private readonly versions: { length: number; byStart: Map<number, { text: string; value: V }> }[] = [];
  private building: { length: number; byStart: Map<number, { text: string; value: V }> } | undefined;

  constructor(private readonly generations = 4) {}

  /** Starts a new version of `length` characters; its pieces are then looked up and recorded in text order. */
  begin(length: number): void {
    this.building = { length, byStart: new Map() };
  }

  /** The value of the equal piece an earlier version had at this place (or moved by the length change), if any. */
  find(start: number, text: string): V | undefined {
    const length = this.building?.length ?? 0;
    for (let i = this.versions.length - 1; i >= 0; i--) {
      const v = this.versions[i];
      const same = v.byStart.get(start);
      if (same !== undefined && same.text === text) return same.value;
      const delta = length - v.length;
      if (delta === 0) continue;
      const moved = v.byStart.get(start - delta);
      if (moved !== undefined && moved.text === text) return moved.value;
    }
    return undefined;
  }

  /** Records a piece of the version begun last. */
  record(start: number, text: string, value: V): void {
    this.building?.byStart.set(start, { text, value });
  }

  /** Ends the version begun last: later versions look it up. */
  end(): void {
    if (!this.building) return;
    this.versions.push(this.building);
    if (this.versions.length > this.generations) this.versions.shift();
    this.building = undefined;
  }

  clear(): void {
    this.versions.length = 0;
    this.building = undefined;
  }
}

/**
 * Where some patterns matched in the last text tested, each match kept with one character of context on either side,
 * and that text's length. The same characters found again at that place (or moved by the length change) match again,
 * for patterns that assert nothing but `\b` (which reads only the characters beside the match): no anchors, no
 * lookarounds. So a keystroke elsewhere confirms a match without searching the whole text again.
 */
export class MatchWitnesses {
  private readonly witnesses = new Map<RegExp, { at: number; around: string }>();
  private length = 0;

  /** Forgets the last text's matches and returns a test that searches `text` and records each match it finds. */
  recording(text: string): (pattern: RegExp) => boolean {
    this.witnesses.clear();
    this.length = text.length;
    return (pattern) => {
      const m = pattern.exec(text);
      if (!m) return false;
      const from = m.index - 1;
      const to = m.index + m[0].length + 1;
      // Only a match with a character on each side is a witness (the start and end of the text read as no
      // character). A flat copy: a slice would keep the whole text alive.
      if (from >= 0 && to <= text.length) this.witnesses.set(pattern, { at: from, around: (' ' + text.slice(from, to)).slice(1) });
      return true;
    };
  }

  /** Whether `pattern`'s recorded match is still in `text`, at its place or moved by the length change. */
  confirms(pattern: RegExp, text: string): boolean {
    const w = this.witnesses.get(pattern);
    if (!w) return false;
    const delta = text.length - this.length;
    return text.startsWith(w.around, w.at) || (delta !== 0 && text.startsWith(w.around, w.at + delta));
  }

  clear(): void {
    this.witnesses.clear();
    this.length = 0;
  }
}

/** What a statement slot needs of a statement (analysis/python/statements.ts's TopLevelStatement has it). */
export interface CacheableStatement {
  readonly type: string;
  /** statementTextId(text). */
  readonly textId: number;
  /** Its answers are a function of its text (no parse error around it, at column 0). */
  readonly cacheable: boolean;
}

const slots: { name: string; clear(): void; readonly size: number; hits: number; misses: number }[] = [];

/**
 * A statement slot's key: the interned context and statement type (`lane`) and the statement text's id. Numbers,
 * not a string built per lookup: a keystroke asks every slot about every statement, and hashing a fresh string key
 * per question cost more than the answers saved.
 */
export interface StatementKey {
  readonly lane: number;
  readonly id: number;
}

const typeIds = new Map<string, number>();
function typeId(type: string): number {
  let id = typeIds.get(type);
  if (id === undefined) typeIds.set(type, (id = typeIds.size));
  return id;
}

/** Answers per top-level statement text (plus a caller's context string), bounded. */
export class StatementSlot<V> {
  /** lane -> text id -> answer and when it was last used. */
  private readonly lanes = new Map<number, Map<number, { value: V; used: number }>>();
  private count = 0;
  private clock = 0;
  /** Lookups answered from the slot, and lookups of cacheable statements it did not hold (for tests and tuning). */
  hits = 0;
  misses = 0;
  private lastContext = '';
  private lastContextId = 0;

  constructor(readonly name: string, private readonly limit = 4000) {
    slots.push(this);
  }

  /**
   * The key for a statement, or undefined when it must not be cached (not cacheable, or caching bypassed). The
   * context is interned too: callers pass the same (possibly long) context string for every statement of a file.
   */
  key(statement: CacheableStatement, context = ''): StatementKey | undefined {
    if (!statement.cacheable || !statementCaching) return undefined;
    return { lane: this.laneOf(statement, context), id: statement.textId };
  }

  /** The key's lane: the interned context and the statement's type. */
  private laneOf(statement: CacheableStatement, context: string): number {
    // Callers ask about every statement with the same context string: interned once, not hashed and compared again
    // per statement (a context holding a module's imports is kilobytes long).
    if (context !== this.lastContext) this.lastContextId = context === '' ? 0 : statementTextId(context);
    // The caller's object from now on: an equal context built anew (each keystroke) is then compared by identity for
    // the file's other statements, not character by character.
    this.lastContext = context;
    return this.lastContextId * 256 + typeId(statement.type);
  }

  /** The remembered answer for this key. */
  get(key: StatementKey | undefined): V | undefined {
    if (key === undefined) return undefined;
    const entry = this.lanes.get(key.lane)?.get(key.id);
    if (entry === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    entry.used = ++this.clock;
    return entry.value;
  }

  set(key: StatementKey | undefined, value: V): void {
    if (key === undefined) return;
    let lane = this.lanes.get(key.lane);
    if (!lane) this.lanes.set(key.lane, (lane = new Map()));
    const entry = lane.get(key.id);
    if (entry) {
      entry.value = value;
      entry.used = ++this.clock;
      return;
    }
    lane.set(key.id, { value, used: ++this.clock });
    if (++this.count > this.limit) this.evict();
  }

  /** Forgets the least recently used quarter (in one pass, so a lookup never pays for the bookkeeping). */
  private evict(): void {
    const uses: number[] = [];
    for (const lane of this.lanes.values()) for (const e of lane.values()) uses.push(e.used);
    uses.sort((a, b) => a - b);
    const keepFrom = uses[Math.min(uses.length - 1, Math.floor(this.limit / 4))];
    for (const [laneId, lane] of this.lanes) {
      for (const [id, e] of lane) {
        if (e.used < keepFrom) {
          lane.delete(id);
          this.count--;
        }
      }
      if (lane.size === 0) this.lanes.delete(laneId);
    }
  }

  /**
   * The answer for the statement, computed once per (context, statement text). As key() + get() + set(), without a
   * key object per question: a keystroke asks thousands (every statement of the file, in every slot).
   */
  answer(statement: CacheableStatement, context: string, compute: () => V): V {
    if (!statement.cacheable || !statementCaching) return compute();
    const lane = this.laneOf(statement, context);
    const entry = this.lanes.get(lane)?.get(statement.textId);
    if (entry === undefined) this.misses++;
    else {
      this.hits++;
      entry.used = ++this.clock;
      if (entry.value !== undefined) return entry.value;
    }
    const value = compute();
    this.set({ lane, id: statement.textId }, value);
    return value;
  }

  clear(): void {
    this.lanes.clear();
    this.count = 0;
    this.lastContext = '';
    this.lastContextId = 0;
  }

  get size(): number {
    return this.count;
  }
}

const perTree = new WeakMap<object, Map<TreeSlot<unknown>, unknown>>();

/** One answer per parsed tree (a file version): computed on first use, dropped with the tree. */
export class TreeSlot<V> {
  constructor(readonly name: string) {}

  get(tree: object, compute: () => V): V {
    let answers = perTree.get(tree);
    if (!answers) perTree.set(tree, (answers = new Map()));
    if (answers.has(this)) return answers.get(this) as V;
    const value = compute();
    answers.set(this, value);
    return value;
  }
}

/**
 * One answer per version of a project file read by path (a module another file imports): kept while the file's text
 * is unchanged, recomputed when it changes, the least recently used files forgotten beyond `limit`.
 */
export class FileVersionSlot<V> {
  private readonly cache: BoundedCache<{ text: string; value: V }>;

  constructor(readonly name: string, limit = 200) {
    this.cache = new BoundedCache(limit);
  }

  get(file: string, text: string, compute: () => V): V {
    const cached = this.cache.get(file);
    if (cached && cached.text === text) return cached.value;
    const value = compute();
    this.cache.set(file, { text, value });
    return value;
  }
}

const perProject = new WeakMap<object, Map<ProjectSlot<unknown>, unknown>>();

/**
 * One value per project view (the object the engine hands rules as `ctx.project`), created on first use and dropped
 * with the project: where project-wide facts (view -> serializer -> model links, template links) live and are
 * updated per changed file, instead of in module-level maps of rule files.
 */
export class ProjectSlot<V> {
  constructor(readonly name: string, private readonly create: () => V) {}

  get(project: object): V {
    let values = perProject.get(project);
    if (!values) perProject.set(project, (values = new Map()));
    if (values.has(this)) return values.get(this) as V;
    const value = this.create();
    values.set(this, value);
    return value;
  }

  /** Replaces the project's value (a rebuild after the project's file list changed). */
  set(project: object, value: V): void {
    let values = perProject.get(project);
    if (!values) perProject.set(project, (values = new Map()));
    values.set(this, value);
  }
}

/** Entries, hits and misses of each statement slot, by name (for diagnostics and tests). */
export function statementSlotStats(): Record<string, { size: number; hits: number; misses: number }> {
  return Object.fromEntries(slots.map((s) => [s.name, { size: s.size, hits: s.hits, misses: s.misses }]));
}

/** Forgets every per-statement answer (and the interned texts): what a new project or a settings change needs. */
export function clearStatementSlots(): void {
  for (const s of slots) s.clear();
  textIds.clear();
}

/** Change counters of the project views the engine hands rules (trackProjectChanges). */
const projectChangeCounters = new WeakMap<object, (except?: string) => number>();

/**
 * The engine registers, for each project view it hands rules, a counter that grows whenever what the view's
 * `files()` or `readFile()` answer may have changed, leaving out changes to the file `except` (project-relative):
 * the file being analysed, whose text rules have. Only that object is tracked: a copy of it with another readFile
 * (`{ ...project, readFile }`) is not, and gets no memoised answers.
 */
export function trackProjectChanges(project: object, changes: (except?: string) => number): void {
  projectChangeCounters.set(project, changes);
}

/** The project view's change counter (see trackProjectChanges), or undefined when no engine tracks it. */
export function projectChanges(project: object, except?: string): number | undefined {
  return projectChangeCounters.get(project)?.(except);
}

/** Two lists with the same strings in the same order (file lists a cached answer was computed from). */
export function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a === b || (a.length === b.length && a.every((x, i) => x === b[i]));
}

/** The project's file list, or undefined when it cannot be read (a workspace whose root is gone): callers then judge nothing. */
export function listedFiles(project: { files(): readonly string[] }): readonly string[] | undefined {
  try {
    return project.files();
  } catch {
    return undefined;
  }
}
