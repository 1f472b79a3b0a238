/**
 * The module's top-level statements, and caches of per-statement answers that survive across keystrokes.
 *
 * A keystroke changes one top-level statement; the others keep their text. An answer computed from a statement's
 * text alone (plus whatever the cache key adds) is reused for any later tree with the same statement text, so a
 * rule recomputes only the statement that changed. Entries are keyed on text, never on nodes (nodes belong to one
 * tree), and only error-free statements starting at column 0 are cached: their parse depends on their text alone.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { ReportSpec, RuleContext } from '../../rules/api';
import { PiecesByPlace, StatementSlot, statementCachesEnabled, statementTextId, TreeSlot, type CacheableStatement } from '../cache';
import { callNamePattern, callsNamed, callsOfNames } from './ast';

export interface TopLevelStatement extends CacheableStatement {
  readonly node: Node;
  readonly type: string;
  readonly start: number;
  readonly end: number;
  readonly text: string;
  /** statementTextId(text): what per-statement caches are keyed by. */
  readonly textId: number;
  /** Error-free and at column 0: its subtree is a function of its text. */
  readonly cacheable: boolean;
}

const STATEMENTS = new TreeSlot<readonly TopLevelStatement[]>('python top-level statements');

/** The module's named top-level children (comments included), once per tree. */
export function topLevelStatements(tree: Tree): readonly TopLevelStatement[] {
  return STATEMENTS.get(tree, () => readStatements(tree));
}

function readStatements(tree: Tree): TopLevelStatement[] {
  const root = tree.rootNode;
  const treeHasError = root.hasError;
  const list: TopLevelStatement[] = [];
  // A statement the previous versions had at its place keeps its id without its text being hashed again.
  const byPlace = statementCachesEnabled() ? PREVIOUS_STATEMENTS : undefined;
  byPlace?.begin(root.endIndex);
  for (const node of root.namedChildren) {
    if (!node) continue;
    const cacheable = node.startPosition.column === 0 && !(treeHasError && node.hasError);
    const text = node.text;
    const start = node.startIndex;
    const textId = byPlace?.find(start, text) ?? statementTextId(text);
    byPlace?.record(start, text, textId);
    list.push({ node, type: node.type, start, end: node.endIndex, text, textId, cacheable });
  }
  byPlace?.end();
  return list;
}

/** Statement text ids of the last trees read, found again by place (see PiecesByPlace). */
const PREVIOUS_STATEMENTS = new PiecesByPlace<number>();

export { BoundedCache, statementCachesEnabled, withoutStatementCaches } from '../cache';

/** Findings of one statement with offsets relative to its start, plus what else they depended on. */
interface CachedFindings<D> {
  readonly reports: readonly ReportSpec[];
  readonly dependencies: D;
  /** The reports carry the fixes the rule offers when fixes are allowed (see StatementFindingsCache.check). */
  readonly withFixes: boolean;
}

/**
 * Per-statement findings of one rule, replayed at the statement's new offset when its text (and `context`) is
 * unchanged and `stillHolds(dependencies)` confirms what the statement's analysis read outside itself.
 * `analyse` reports through the given function and returns its dependencies, or undefined when the answer read
 * something it cannot name (then it is not cached).
 */
export class StatementFindingsCache<D> {
  private readonly cache: StatementSlot<CachedFindings<D>>;

  constructor(name: string, limit = 4000) {
    this.cache = new StatementSlot(name, limit);
  }

  /**
   * `canFix`: whether the rule offers fixes in this tree (none while the file has syntax errors), for rules whose
   * findings differ by that alone (the same findings, with `fixes: []`). Leave it out of `context`: findings
   * computed with fixes are then replayed without them while the file does not parse, so the first syntax error
   * typed does not re-check every statement of the file, nor does the keystroke that mends it.
   * Returns the dependencies of the findings reported (replayed or fresh; undefined when the analysis could not name them).
   */
  check(
    ctx: Pick<RuleContext, 'report'>,
    statement: TopLevelStatement,
    context: string,
    stillHolds: (dependencies: D) => boolean,
    analyse: (report: (spec: ReportSpec) => void) => D | undefined,
    canFix = true,
  ): D | undefined {
    const key = this.cache.key(statement, context);
    const cached = this.cache.get(key);
    if (cached && (cached.withFixes || !canFix) && stillHolds(cached.dependencies)) {
      for (const spec of cached.reports) ctx.report(shift(spec, statement.start, !canFix));
      return cached.dependencies;
    }
    const reports: ReportSpec[] = [];
    const dependencies = analyse((spec) => {
      reports.push(spec);
      ctx.report(spec);
    });
    if (key === undefined || dependencies === undefined) return dependencies;
    if (!reports.every((r) => within(r, statement))) return dependencies;
    this.cache.set(key, { reports: reports.map((r) => shift(r, -statement.start)), dependencies, withFixes: canFix });
    return dependencies;
  }
}

function within(spec: ReportSpec, statement: TopLevelStatement): boolean {
  const inside = (offset: number) => offset >= statement.start && offset <= statement.end;
  return (
    inside(spec.start) &&
    inside(spec.end) &&
    (spec.fixes ?? []).every((f) => f.edits.every((e) => inside(e.start) && inside(e.end))) &&
    // A place in another statement of this file moves with that statement, not this one; other files do not move.
    (spec.related ?? []).every((r) => r.relPath !== undefined || (inside(r.start) && inside(r.end)))
  );
}

/** A copy of the report with every offset moved by `delta` (copies also keep the cached entry unshared). */
function shift(spec: ReportSpec, delta: number, withoutFixes = false): ReportSpec {
  const out: ReportSpec = { ...spec, start: spec.start + delta, end: spec.end + delta };
  if (withoutFixes) {
    if (spec.fixes) out.fixes = [];
  } else if (spec.fixes) out.fixes = spec.fixes.map((f) => ({ ...f, edits: f.edits.map((e) => ({ ...e, start: e.start + delta, end: e.end + delta })) }));
  if (spec.related) out.related = spec.related.map((r) => (r.relPath === undefined ? { ...r, start: r.start + delta, end: r.end + delta } : r));
  return out;
}

/** Match offsets of one pattern per statement text, relative to the statement's start. */
const STATEMENT_MATCHES = new StatementSlot<readonly number[]>('python: text matches per statement');

/**
 * ast.ts's nodesAtText over the whole module, answered per top-level statement: a statement whose text is
 * unchanged keeps its match offsets (moved to where it is now), so a keystroke runs the pattern over the statement
 * it changed only. For patterns whose matches lie within one statement (names, keys, calls): text between
 * statements is only white space. `pattern` must have the `g` flag.
 */
export function nodesAtStatementText(tree: Tree, pattern: RegExp): Node[] {
  return topLevelStatements(tree).flatMap((statement) => nodesInStatementText(tree, statement, pattern));
}

/** nodesAtStatementText for one top-level statement of `tree`: the nodes where its text matches `pattern`. */
export function nodesInStatementText(tree: Tree, statement: TopLevelStatement, pattern: RegExp): Node[] {
  const offsets = STATEMENT_MATCHES.answer(statement, `${pattern.source}/${pattern.flags}`, () => {
    const found: number[] = [];
    for (const m of statement.text.matchAll(pattern)) found.push((m.index ?? 0) + (m[0].length - m[0].trimStart().length));
    return found;
  });
  const out: Node[] = [];
  const root = offsets.length ? tree.rootNode : undefined;
  for (const offset of offsets) {
    const at = statement.start + offset;
    const node = root?.descendantForIndex(at, at);
    if (node) out.push(node);
  }
  return out;
}

/**
 * ast.ts's callsNamed over the module `tree` was parsed from (`text`), its text search answered per top-level
 * statement (nodesAtStatementText): a keystroke searches the statement it changed only, where a search of a
 * 5,000-line module's text costs a millisecond per pattern. The same calls: a name whose `(` lies in the next
 * statement is no call's callee. Falls back to the whole text when the statements do not cover it.
 */
export function callsNamedInModule(tree: Tree, text: string, names: RegExp): Node[] {
  if (!statementCachesEnabled() || !statementsCoverText(tree, text)) return callsNamed(tree, text, names);
  return callsOfNames(nodesAtStatementText(tree, callNamePattern(names)));
}

/**
 * Per statement text: whether a pattern matches it (one slot for every pattern; the pattern is the context). Sized
 * for a dozen patterns over a few 600-statement modules: at the default 4,000 a keystroke in netbox's dcim/views.py
 * (6,700 statement-pattern pairs) evicted what the next one asked, and retested 4,000 pairs every keystroke.
 */
const STATEMENT_TESTS = new StatementSlot<boolean>('python: pattern tests per statement', 40000);
const patternKeys = new WeakMap<RegExp, string>();

function patternKey(pattern: RegExp): string {
  let key = patternKeys.get(pattern);
  if (key === undefined) patternKeys.set(pattern, (key = `test ${pattern.source}/${pattern.flags}`));
  return key;
}

/**
 * `pattern.test(statement.text)`, answered once per statement text: a keystroke runs the pattern over the statement
 * it changed only. `pattern` must not have the `g` or `y` flag (test() would depend on lastIndex).
 */
export function statementMatches(statement: TopLevelStatement, pattern: RegExp): boolean {
  return STATEMENT_TESTS.answer(statement, patternKey(pattern), () => pattern.test(statement.text));
}

/** The tree's text, read out of the parser once per tree (each `rootNode.text` copies the whole module). */
const ROOT_TEXT = new TreeSlot<string>('python: module text');

export function moduleText(tree: Tree): string {
  return ROOT_TEXT.get(tree, () => tree.rootNode.text);
}

/** The tree's statements cover its text but for white space between them (not so in some error-recovered trees). */
const COVERS_TEXT = new TreeSlot<boolean>('python: statements cover the text');

export function statementsCoverText(tree: Tree, text: string): boolean {
  return COVERS_TEXT.get(tree, () => {
    let at = 0;
    for (const s of topLevelStatements(tree)) {
      if (s.start < at || /\S/.test(text.slice(at, s.start))) return false;
      at = s.end;
    }
    return !/\S/.test(text.slice(at));
  });
}

/**
 * `pattern.test(text)` for the module `tree` was parsed from, answered per top-level statement (see
 * statementMatches): the same answer for patterns whose matches lie within one statement (names, calls, keywords;
 * not a match running from one statement across the blank between into the next). Falls back to the whole text
 * when the statements do not cover it.
 */
export function moduleMatches(tree: Tree, text: string, pattern: RegExp): boolean {
  if (!statementCachesEnabled() || !statementsCoverText(tree, text)) return pattern.test(text);
  const bit = moduleBit(pattern);
  if (bit === undefined) {
    for (const statement of topLevelStatements(tree)) if (statementMatches(statement, pattern)) return true;
    return false;
  }
  // Every module pattern at once: one lookup per statement per tree, whatever the number of patterns asked.
  const all = 2 ** MODULE_PATTERNS.length - 1;
  const module = MODULE_HITS.get(tree, () => ({ known: 0, hits: 0 }));
  if ((module.known & bit) === 0) {
    let hits = 0;
    for (const statement of topLevelStatements(tree)) hits |= statementHits(statement, all).hits;
    module.known = all;
    module.hits = hits;
  }
  return (module.hits & bit) !== 0;
}

/** Patterns asked of whole modules (moduleMatches), one bit each; past 30 they are answered one by one. */
const MODULE_PATTERNS: RegExp[] = [];
const moduleBits = new Map<RegExp, number>();

function moduleBit(pattern: RegExp): number | undefined {
  let bit = moduleBits.get(pattern);
  if (bit === undefined && MODULE_PATTERNS.length < 30) {
    bit = 2 ** MODULE_PATTERNS.length;
    MODULE_PATTERNS.push(pattern);
    moduleBits.set(pattern, bit);
  }
  return bit;
}

interface PatternHits {
  /** Bits of the patterns tested, and of those that matched. */
  known: number;
  hits: number;
}

const STATEMENT_HITS = new StatementSlot<PatternHits>('python: module patterns per statement');
const MODULE_HITS = new TreeSlot<PatternHits>('python: module patterns');

/** Which module patterns match a statement, tested once per statement text (a pattern added later is tested then). */
function statementHits(statement: TopLevelStatement, all: number): PatternHits {
  const key = STATEMENT_HITS.key(statement);
  let entry = STATEMENT_HITS.get(key);
  if (!entry) STATEMENT_HITS.set(key, (entry = { known: 0, hits: 0 }));
  if ((entry.known & all) !== all) {
    for (let i = 0; i < MODULE_PATTERNS.length; i++) {
      const bit = 2 ** i;
      if ((entry.known & bit) !== 0) continue;
      if (MODULE_PATTERNS[i].test(statement.text)) entry.hits |= bit;
      entry.known |= bit;
    }
  }
  return entry;
}

/**
 * `pattern.test(ctx.file.text)` for the analysed Python file: per statement (moduleMatches) in the language server,
 * where statement answers are kept across keystrokes and the tree exists; on the whole text in a batch scan, where
 * nothing is reused and the file need not be parsed for the answer.
 */
export function fileMatches(ctx: RuleContext, pattern: RegExp): boolean {
  if (!statementCachesEnabled()) return pattern.test(ctx.file.text);
  let tree: Tree;
  try {
    tree = ctx.python();
  } catch {
    // An unparseable file: answered from the text, and the rule meets the parse failure where it did before.
    return pattern.test(ctx.file.text);
  }
  return moduleMatches(tree, ctx.file.text, pattern);
}
