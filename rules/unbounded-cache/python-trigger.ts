/**
 * unbounded-cache's pre-filter over the raw text, so that most modules are never parsed for it. Every
 * finding of the rule needs one of:
 *   - a memoising decorator: an import of functools / streamlit / cachetools / async_lru, and a cache spelled
 *     in a way that can be unbounded (`functools.cache`, `maxsize=None`, a Streamlit cache, cachetools.cached);
 *   - Streamlit's `session_state`;
 *   - a declared size limit (`MAX_CACHE_SIZE = 500`), reported when nothing reads it;
 *   - a module- or class-level container whose name the code grows in a function (module-state.ts keeps only
 *     containers whose name meets its growth patterns, which are reused here), declared here or imported.
 * A batch scan's test keeps, for a module that passes only through grown imported names, which modules those come
 * from; the rule then reads those modules' texts before parsing (importsMayDeclareGrown()).
 * Each test below is looser than the rule's own check (never a finding lost); the rule's tests and the
 * stdlib scan hold them to that.
 */
import type { RuleContext, TextTrigger } from '../api';
import { declaredContainer } from '../../analysis/python/imported-containers';
import { resolvedModuleText } from '../../analysis/python/web-context';
import { classBodyLineStarts, type LineStarts } from '../../analysis/python/class-body-lines';
import { MatchWitnesses, PiecesByPlace, statementCachesEnabled } from '../../analysis/cache';
import { moduleLevelLineStarts } from './module-level-lines';
import { lineStartsOf } from '../../analysis/line-starts';
import { isWordChar } from '../../analysis/char-codes';

const CACHE_WORD = /cache|memo/;
const DECORATOR_MODULE = /streamlit|cachetools/;
const FUNCTOOLS_LIKE = /functools|async_lru/;
/** Space, line continuations and comments between tokens (a comment ends at its newline: no backtracking blow-up). */
const GAP = String.raw`(?:[\s\\]|#[^\n]*\n)*`;
/**
 * An lru_cache-like cache that can be unbounded (`maxsize=None`, `lru_cache(None)`, or any call of an aliased
 * `lru_cache as memo`), or `functools.cache` (imported by name, or reached as `functools.cache` / `ft.cache`).
 */
const LRU_SPELLINGS = [String.raw`maxsize${GAP}=${GAP}None\b`, String.raw`_cache${GAP}\(${GAP}None\b`, String.raw`_cache\s+as\b`, String.raw`(?:\bimport|[,(])${GAP}cache\b`, String.raw`\.${GAP}cache\b`];
const UNBOUNDED_LRU = new RegExp(LRU_SPELLINGS.join('|'));

/** `MAX_CACHE_SIZE = ...`: an ALL_CAPS module constant (module-state.ts's sizeLimitDeclarations needs a limit and a store word). */
const CONSTANT_ASSIGNMENT = /(?:^|;)[ \t]*(_?[A-Z][A-Z0-9_]*)[ \t]*[:=]/gm;
const LIMIT_WORDS = new Set(['MAX', 'MAXSIZE', 'MAXLEN', 'SIZE', 'LIMIT', 'CAPACITY', 'LEN', 'LENGTH']);
const STORE_WORDS = new Set(['CACHE', 'CACHED', 'MEMO', 'LRU', 'HISTORY', 'ENTRIES', 'ITEMS', 'MESSAGES', 'BUFFER', 'RESULTS', 'SESSIONS', 'KEYS']);

/**
 * A name bound to what may be a container, at a statement start: `name = {`, `name = [`, `name = f(`
 * (any call: imports may alias dict/defaultdict/deque), or annotated (`name: dict[str, int] = ...`, the
 * annotation may span lines). Indented declarations may be class attributes; column-0 ones module globals.
 */
function declarationOf(names: Iterable<string>): RegExp {
  return new RegExp(String.raw`(^[ \t]*|[;:][ \t]*)(${[...names].join('|')})[ \t]*(?::|=[ \t\\\r\n]*(\{|\[|[A-Za-z_][\w. \t]*\())`, 'gm');
}
/** ALL_CAPS tables are never reported, unless the name reads as a cache (module-state.ts's grow()). */
const CONSTANT_NAME = /^_*[A-Z][A-Z0-9_]*$/;
const CACHE_WORDS = /CACHE|MEMO|SEEN|RESULT|HISTORY|BUFFER|QUEUE|PENDING|EVENT|LOG|REQUEST|SESSION|HITS|COUNTS|STATS|RECENT|VISITED/;

/**
 * module-state.ts's dropNeverGrown patterns start with `(\w+)`, which a regex engine tries at every word
 * character; these start at the growth syntax instead and read the name before it (the same name, or more).
 */
const SUBSCRIPT_WRITE_END = /\]\s*[-+|&]?=(?!=)/g; // `name[key] =`, `name[key] +=`
const GROWTH_CALL = /\.\s*(?:append|extend|insert|add|setdefault|update|appendleft|extendleft)\s*\(/g; // `name.append(`
const GROWTH_OPERATOR = /\|=|\+=/g; // `name |= `, `name += `
const SELF_REFERENCE = /=\s*(?:(\w+)\s*[+|]|\{\s*\*\*\s*(\w+)\b|\[\s*\*\s*(\w+)\b)/g; // `name = name + ...`, `{**name`, `[*name`
/** A key that names one fixed slot (`x["client"] = ...`, `x[0] = ...`, `x[KEY] = ...`) adds nothing per request. */
const FIXED_KEY = /^\[\s*(?:"[^"\\\n{}]*"|'[^'\\\n{}]*'|\d+|True|False|None|[A-Z][A-Z0-9_]*)\s*\]$/;

interface Declared {
  /** Declared at column 0 (or after `;`): may be a module global, grown through its bare name. */
  module: boolean;
  /** Declared indented (at these line starts) or after `;`/`:` (-1): may be a class attribute, grown through `self.name` / `Class.name`. */
  indented: number[];
  /** Not only list literals: `x[k] = v` may grow it (a list's item assignment does not). */
  keyed: boolean;
  /** Bound to a call: may be a defaultdict. */
  call: boolean;
}

/**
 * Calls whose value module-state.ts's describeContainer() may take for an unbounded container: the qualified name it
 * resolves ends with the callee's last word (`collections.defaultdict(`, `dict(`), or with another name when the
 * callee is bound by `import ... as` (then any alias is let through). Self-evicting caches are bounded: never reported.
 */
const CONTAINER_CONSTRUCTORS = new Set(['dict', 'OrderedDict', 'defaultdict', 'Counter', 'list', 'set', 'deque']);
/** Every word after `as`, across lines and comments inside an import's brackets (also after `with`/`except`, and a
 * word's tail after `as...`: looser, never stricter). */
const AS_NAME = new RegExp(String.raw`\bas${GAP}(\w+)`, 'g');

/**
 * True when `callee(` may construct a container: its last word is a container constructor or an alias. `aliases`
 * undefined: any one-word callee may be an alias (a piece of the text, whose imports may sit in another piece).
 */
function mayConstructContainer(callee: string, aliases: (() => ReadonlySet<string>) | undefined): boolean {
  const words = callee.split(/[.\s]+/).filter(Boolean);
  const last = words[words.length - 1] ?? '';
  return CONTAINER_CONSTRUCTORS.has(last) || (words.length === 1 && (!aliases || aliases().has(last)));
}

/**
 * What an annotated declaration `name: T ...` may bind, read on its line from after its colon (`from`): nothing
 * ('none': a bare `name: int`, a `key: value` line of a dict literal, which is no statement, or a value that
 * describeContainer() takes for no container, `= None`, `= field(...)`), a list ('['), a dict or set ('{'), or a
 * container call ('('). A quote, a `\`, a bracket left open at the line's end or a comparison: unclear, '('.
 */
function annotatedValue(text: string, from: number, aliases: (() => ReadonlySet<string>) | undefined): 'none' | '[' | '{' | '(' {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '\n' || c === '#') return depth === 0 ? 'none' : '(';
    if (c === '"' || c === "'" || c === '\\') return '(';
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === '=' && depth === 0) {
      if (text[i + 1] === '=' || '=!<>:'.includes(text[i - 1])) return '(';
      let v = i + 1;
      while (text[v] === ' ' || text[v] === '\t') v++;
      if (text[v] === '[' || text[v] === '{') return text[v] as '[' | '{';
      const call = /^([A-Za-z_][\w. \t]*)\(/.exec(text.slice(v, v + 200));
      if (call) return mayConstructContainer(call[1], aliases) ? '(' : 'none';
      // No bracket and no call: no container (`None`, a number, a name, `x or {}`), unless the value is on the next line.
      return v >= text.length || text[v] === '\\' || text[v] === '\n' || text[v] === '\r' || text[v] === '(' || text[v] === '#' ? '(' : 'none';
    }
  }
  return depth === 0 ? 'none' : '(';
}

/**
 * Which of the grown names are declared as (possible) containers, and where. `wholeText`: the text is the whole module,
 * whose `as` names are every alias a call may use; otherwise (a segment, or the test the segments must reproduce)
 * every one-word call may be an alias's.
 */
function declaredContainers(text: string, names: Iterable<string>, wholeText = false): Map<string, Declared> {
  const out = new Map<string, Declared>();
  let aliasSet: Set<string> | undefined;
  const aliases = wholeText ? () => (aliasSet ??= new Set([...text.matchAll(AS_NAME)].map((a) => a[1]))) : undefined;
  for (const m of text.matchAll(declarationOf(names))) {
    const name = m[2];
    if (CONSTANT_NAME.test(name) && !CACHE_WORDS.test(name)) continue;
    // A value that cannot be a container (`x = compute(...)`, a bare `x: int`, `x: int = 0`) declares none (describeContainer()).
    const value =
      m[3] === undefined ? annotatedValue(text, m.index! + m[0].length, aliases) : m[3].endsWith('(') && !mayConstructContainer(m[3].slice(0, -1), aliases) ? 'none' : m[3];
    if (value === 'none') continue;
    let d = out.get(name);
    if (!d) out.set(name, (d = { module: false, indented: [], keyed: false, call: false }));
    const prefix = m[1];
    if (prefix === '') d.module = true;
    else if (prefix.startsWith(';')) {
      d.module = true;
      d.indented.push(-1);
    } else if (prefix.startsWith(':')) d.indented.push(-1); // `class A: x = []`: only a class body follows a colon
    else d.indented.push(m.index!);
    if (value !== '[') d.keyed = true;
    if (value.endsWith('(')) d.call = true;
  }
  return out;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;
}

/** The identifier (ASCII word, as `\w+` reads it) that ends right before `index`, whitespace skipped, and its start. */
function nameBefore(text: string, index: number): { name: string; start: number } | undefined {
  let end = index;
  while (end > 0 && isSpace(text.charCodeAt(end - 1))) end--;
  let start = end;
  while (start > 0 && isWordChar(text.charCodeAt(start - 1))) start--;
  return start < end ? { name: text.slice(start, end), start } : undefined;
}

/** The `[` of a subscript that ends right before `index` on the same line (`name[key]` + `.add(`), if any. */
function subscriptOpenBefore(text: string, index: number): number | undefined {
  let i = index;
  while (i > 0 && isSpace(text.charCodeAt(i - 1))) i--;
  if (text[i - 1] !== ']') return undefined;
  let depth = 0;
  for (let j = i - 1; j >= 0 && text[j] !== '\n'; j--) {
    if (text[j] === ']') depth++;
    else if (text[j] === '[' && --depth === 0) return j;
  }
  return undefined;
}

/** True when the name at `start` is `x.name` (a class attribute), false for a bare `name` (a module global). */
function isAttribute(text: string, start: number): boolean {
  let i = start - 1;
  while (i >= 0 && (text[i] === ' ' || text[i] === '\t')) i--;
  return i >= 0 && text[i] === '.';
}

class Containers {
  private classBody?: LineStarts;

  constructor(
    private readonly text: string,
    readonly declared: Map<string, Declared>,
  ) {}

  /** True when the name (at its position in the text) may be a declared container that this growth reaches. */
  grows(name: { name: string; start: number } | undefined, need?: 'keyed' | 'call'): boolean {
    const d = name && this.declared.get(name.name);
    if (!d || (need && !d[need])) return false;
    if (!isAttribute(this.text, name.start)) return d.module;
    return d.indented.some((at) => at === -1 || (this.classBody ??= classBodyLineStarts(this.text)).has(at));
  }
}

interface GrowthSite {
  start: number;
  need?: 'keyed' | 'call';
}

/** Names the code grows (module-state.ts's growth patterns), with where: ALL_CAPS tables left out. */
function growthSites(text: string, subscriptReads = true): Map<string, GrowthSite[]> {
  const out = new Map<string, GrowthSite[]>();
  const add = (name: { name: string; start: number } | undefined, need?: 'keyed' | 'call') => {
    if (!name || (CONSTANT_NAME.test(name.name) && !CACHE_WORDS.test(name.name))) return;
    const sites = out.get(name.name);
    if (sites) sites.push({ start: name.start, need });
    else out.set(name.name, [{ start: name.start, need }]);
  };
  for (const m of text.matchAll(SUBSCRIPT_WRITE_END)) {
    // Every `[` back to the line start (or an earlier `]`) may open this subscript.
    const close = m.index!;
    for (let i = close - 1; i >= 0 && text[i] !== '\n' && text[i] !== ']'; i--) {
      if (text[i] === '[' && !FIXED_KEY.test(text.slice(i, close + 1))) add(nameBefore(text, i), 'keyed');
    }
  }
  for (const re of [GROWTH_CALL, GROWTH_OPERATOR]) {
    for (const m of text.matchAll(re)) {
      add(nameBefore(text, m.index!));
      // `seen[client].add(x)`: the subscript read makes the key of a defaultdict (declared here or imported).
      const open = subscriptOpenBefore(text, m.index!);
      if (open !== undefined) add(nameBefore(text, open), 'call');
    }
  }
  for (const m of text.matchAll(SELF_REFERENCE)) {
    const name = nameBefore(text, m.index!);
    if (name && name.name === (m[1] ?? m[2] ?? m[3])) add(name);
  }
  // A subscript read grows a defaultdict.
  if (subscriptReads && text.includes('defaultdict')) {
    for (let i = text.indexOf('['); i !== -1; i = text.indexOf('[', i + 1)) add(nameBefore(text, i), 'call');
  }
  return out;
}

function grownContainer(text: string): boolean {
  const sites = growthSites(text);
  if (sites.size === 0) return false;
  if (grownImport(text, sites)) return true;
  const declared = declaredContainers(text, sites.keys());
  if (declared.size === 0) return false;
  return someSiteGrows(text, declared, sites);
}

/** Whether a growth site grows one of the declared module containers. */
function someSiteGrows(text: string, declared: Map<string, Declared>, sites: ReturnType<typeof growthSites>): boolean {
  const containers = new Containers(text, declared);
  for (const [name, list] of sites) {
    if (!declared.has(name)) continue;
    for (const site of list) if (containers.grows({ name, start: site.start }, site.need)) return true;
  }
  return false;
}

const FROM_IMPORT = /^[ \t]*from[ \t]+[\w.]+[ \t]+import\b[ \t]*(\([^)]*\)|[^\n]*)/gm;
/** FROM_IMPORT with the module captured too. */
const FROM_IMPORT_MODULE = /^[ \t]*from[ \t]+([\w.]+)[ \t]+import\b[ \t]*(\([^)]*\)|[^\n]*)/gm;

/** A `from m import ...` statement binding grown names: the module and the names it imports that may be bound to them. */
interface GrownImport {
  module: string;
  names: string[];
}

/**
 * grownImport()'s statements, each with the imported names that may be bound to a grown name: `a` for a grown `a`,
 * `a` for `a as b` with `b` grown, every word of an item of another shape. Comments in the list are not names.
 */
function grownImports(text: string, sites: ReadonlyMap<string, unknown>): GrownImport[] {
  const out: GrownImport[] = [];
  if (!text.includes('from')) return out;
  for (const m of text.matchAll(FROM_IMPORT_MODULE)) {
    const names: string[] = [];
    for (const item of m[2].replace(/#[^\n]*/g, '').split(',')) {
      const alias = /^[\s()\\]*(\w+)\s+as\s+(\w+)[\s()\\]*$/.exec(item);
      if (alias) {
        if (sites.has(alias[2])) names.push(alias[1]);
        continue;
      }
      const words = item.match(/\w+/g) ?? [];
      if (words.some((w) => sites.has(w))) names.push(...words);
    }
    if (names.length > 0) out.push({ module: m[1], names });
  }
  return out;
}

/** A name imported with `from x import name` and grown here: a container another module may declare (imported-containers.ts). */
function grownImport(text: string, sites: ReadonlyMap<string, unknown>): boolean {
  if (!text.includes('from')) return false;
  for (const m of text.matchAll(FROM_IMPORT)) {
    for (const word of m[1].matchAll(/\w+/g)) if (sites.has(word[0])) return true;
  }
  return false;
}

/** Any store word at all: a quick no for most files before the constant scan. */
const STORE_WORD = new RegExp([...STORE_WORDS].join('|'));

function declaresSizeLimit(text: string): boolean {
  if (!STORE_WORD.test(text)) return false;
  for (const m of text.matchAll(CONSTANT_ASSIGNMENT)) {
    const words = m[1].split('_');
    if (words.some((w) => LIMIT_WORDS.has(w)) && words.some((w) => STORE_WORDS.has(w))) return true;
  }
  return false;
}

function cacheDecorator(text: string): boolean {
  return CACHE_WORD.test(text) && (DECORATOR_MODULE.test(text) || (FUNCTOOLS_LIKE.test(text) && UNBOUNDED_LRU.test(text)));
}

/** UNBOUNDED_LRU without its `.cache` spelling, which strictCacheDecorator() reads itself. */
const UNBOUNDED_LRU_BUT_ATTRIBUTE = new RegExp(LRU_SPELLINGS.slice(0, -1).join('|'));
const DOT_CACHE = new RegExp(String.raw`\.${GAP}cache\b`, 'g');

/**
 * cacheDecorator() for a text read once: `x.cache` counts only where `x` may be functools (`functools` or a name bound
 * with `as`): the rule's `functools.cache` resolves an attribute of a name imported as functools (self.cache, a
 * call's `.cache` or `(x).cache` never do). A line break between the name and the dot: counted.
 */
function strictCacheDecorator(text: string): boolean {
  if (!CACHE_WORD.test(text)) return false;
  if (DECORATOR_MODULE.test(text)) return true;
  if (!FUNCTOOLS_LIKE.test(text)) return false;
  if (UNBOUNDED_LRU_BUT_ATTRIBUTE.test(text)) return true;
  let aliases: Set<string> | undefined;
  for (const m of text.matchAll(DOT_CACHE)) {
    let i = m.index!;
    while (i > 0 && (text[i - 1] === ' ' || text[i - 1] === '\t' || text[i - 1] === '\\')) i--;
    if (text[i - 1] === '\n' || text[i - 1] === '\r') return true;
    const name = nameBefore(text, i);
    if (!name || name.start + name.name.length !== i) continue;
    if (name.name === 'functools' || (aliases ??= new Set([...text.matchAll(AS_NAME)].map((a) => a[1]))).has(name.name)) return true;
  }
  return false;
}

/** The answer the keystroke path's segments reproduce (segmentedTest()). */
export function wholeTextTest(text: string): boolean {
  return text.includes('session_state') || cacheDecorator(text) || declaresSizeLimit(text) || grownContainer(text);
}

/**
 * Batch scans: as wholeTextTest(), but a growth on a line that surely runs outside any function (module-level code,
 * module-level-lines.ts) is not counted: the rule counts only growths inside a `def`. When the only reason left is a
 * grown name imported from another module, the answer is those imports (the rule looks them up before parsing).
 */
function batchAnswer(text: string): boolean | GrownImport[] {
  if (text.includes('session_state') || strictCacheDecorator(text) || declaresSizeLimit(text)) return true;
  const sites = growthSites(text);
  if (sites.size === 0) return false;
  // Dropping sites can only turn a yes into a no: most modules are a no with all their sites, and that answer
  // costs less than finding the module-level lines (the trigger's main cost on the stdlib).
  let declared: Map<string, Declared> | undefined;
  if (!grownImport(text, sites) && ((declared = declaredContainers(text, sites.keys(), true)).size === 0 || !someSiteGrows(text, declared, sites))) return false;
  const lines = moduleLevelLineStarts(text);
  if (lines) dropSitesOn(text, sites, lines);
  if (sites.size === 0) return false;
  declared = declaredContainers(text, sites.keys(), true);
  if (declared.size > 0 && someSiteGrows(text, declared, sites)) return true;
  const imports = grownImports(text, sites);
  return imports.length > 0 ? imports : false;
}

/** The last text batchAnswer() was asked about, and its answer: the rule's check() runs right after on that text. */
let lastBatch: { text: string; answer: boolean | GrownImport[] } | undefined;

function batchTest(text: string): boolean {
  const answer = batchAnswer(text);
  lastBatch = { text, answer };
  return answer !== false;
}

/**
 * False when the batch test passed the file only for names imported from other modules and grown here, and none of
 * those modules declares such a name the way imported-containers.ts requires (one column-0 `name = {}`-like
 * declaration, in the module resolved as the rule resolves it): the rule would report nothing, so it need not parse.
 * True in every other case (a keystroke's test, a text the batch test did not see last).
 */
export function importsMayDeclareGrown(ctx: RuleContext): boolean {
  const memo = lastBatch;
  if (!memo || memo.text !== ctx.file.text || !Array.isArray(memo.answer)) return true;
  for (const { module, names } of memo.answer) {
    const declaring = resolvedModuleText(ctx, module);
    if (declaring && names.some((name) => declaredContainer(declaring.text, name) !== undefined)) return true;
  }
  return false;
}

/** Removes the growth sites that sit on one of the given line starts' lines. */
function dropSitesOn(text: string, sites: Map<string, GrowthSite[]>, lineStarts: ReadonlySet<number>): void {
  for (const [name, list] of sites) {
    const kept = list.filter((site) => !lineStarts.has(text.lastIndexOf('\n', site.start - 1) + 1));
    if (kept.length === 0) sites.delete(name);
    else sites.set(name, kept);
  }
}

// -- The same answer per segment of the text, for the language server's keystrokes ------------------------------
//
// The tests above over a 5,000-line module cost a keystroke milliseconds (the growth-site scan most). A segment runs
// from a line starting at column 0 with a letter, `_` or `@` to the next such line; a keystroke changes one segment,
// and every other segment's facts are kept by its text. No match of the patterns above can span two segments (the
// next one starts with a letter after a line break) except through these, checked on every version:
//   - a segment ending in `=` (then blanks or `\`): `x =` + `y + ...`, `x = \` + `dict(`;
//   - one ending in `.` before one starting with a growth method: `x.` + `append(`;
//   - a `from m import (` left open: + `a)`;
//   - a segment starting with `None`, `cache` or `as` after another (the unbounded-lru spellings, whose gaps may
//     hold comments): that pattern is then also tried on the whole text when no segment matched.
// Then the whole-text answer is computed instead. triggers.test.ts holds both answers equal over random edits.

interface SegmentFacts {
  sessionState: boolean;
  cacheWord: boolean;
  decoratorModule: boolean;
  functoolsLike: boolean;
  unboundedLru: boolean;
  sizeLimit: boolean;
  /** Growth sites (offsets relative to the segment), as growthSites() finds them without its defaultdict reads. */
  sites: [name: string, start: number, need: 'keyed' | undefined][];
  hasDefaultdict: boolean;
  /** Every `[` read's name, for the defaultdict case; made when a segment of the file says `defaultdict`. */
  subscriptReads?: [name: string, start: number][];
  /** Words inside `from x import ...` statements. */
  importWords: Set<string>;
  /** A pattern may continue into the next segment: it ends in `=` (blanks, `\` after) or leaves `from m import (` open. */
  openEnd: boolean;
  /** Ends in `.` (blanks after): `x.` + `append(` in the next segment would be a growth call. */
  dotEnd: boolean;
  /** Starts with a growth method's name. */
  growthWordStart: boolean;
  /** Starts with a word an unbounded-lru spelling may end with. */
  lruWordStart: boolean;
  /** declaredContainers() of the segment for the last set of grown names asked. */
  declared?: { names: string; value: Map<string, Declared> };
}

/**
 * The segments of the last few texts asked, found again by place (compared, not hashed: hashing every segment of a
 * 5,000-line module on every keystroke cost more than the facts it saved; see PiecesByPlace).
 */
const SEGMENTS = new PiecesByPlace<SegmentFacts>();
const LRU_WORD_START = /^(?:None|cache|as)/;
const GROWTH_WORD_START = /^(?:append|extend|insert|add|setdefault|update)/;

/** The segments' starts: 0 and every start of a line after a `\n` whose first character is a letter, `_` or `@`. */
function segmentStarts(text: string): number[] {
  const starts = [0];
  // The text's shared line starts (analysis/line-starts.ts): no walk over its characters.
  const lines = lineStartsOf(text);
  for (let i = 1; i < lines.length; i++) {
    const at = lines[i];
    if (at >= text.length || text.charCodeAt(at - 1) !== 10) continue;
    const c = text.charCodeAt(at);
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 64) starts.push(at);
  }
  return starts;
}

/** The last character that is not a blank or a `\`. */
function lastSignificant(segment: string): string {
  let i = segment.length - 1;
  while (i >= 0 && (isSpace(segment.charCodeAt(i)) || segment[i] === '\\')) i--;
  return i >= 0 ? segment[i] : '';
}

function openEnd(segment: string): boolean {
  if (lastSignificant(segment) === '=') return true;
  // `from m import (` with no `)` after it (a `(` in a comment or a string joins nothing).
  let paren = -1;
  if (segment.includes('import')) for (const m of segment.matchAll(FROM_IMPORT_PAREN)) paren = m.index! + m[0].length;
  return paren >= 0 && segment.indexOf(')', paren) === -1;
}

const FROM_IMPORT_PAREN = /^[ \t]*from[ \t]+[\w.]+[ \t]+import\b[ \t]*\(/gm;

function factsOf(segment: string, start: number): SegmentFacts {
  const cached = SEGMENTS.find(start, segment);
  if (cached) {
    SEGMENTS.record(start, segment, cached);
    return cached;
  }
  const sites: SegmentFacts['sites'] = [];
  for (const [name, list] of growthSites(segment, false)) for (const site of list) sites.push([name, site.start, site.need as 'keyed' | undefined]);
  const importWords = new Set<string>();
  if (segment.includes('from')) for (const m of segment.matchAll(FROM_IMPORT)) for (const word of m[1].matchAll(/\w+/g)) importWords.add(word[0]);
  const facts: SegmentFacts = {
    sessionState: segment.includes('session_state'),
    cacheWord: CACHE_WORD.test(segment),
    decoratorModule: DECORATOR_MODULE.test(segment),
    functoolsLike: FUNCTOOLS_LIKE.test(segment),
    unboundedLru: UNBOUNDED_LRU.test(segment),
    sizeLimit: declaresSizeLimit(segment),
    sites,
    hasDefaultdict: segment.includes('defaultdict'),
    importWords,
    openEnd: openEnd(segment),
    // (A comment ending a sentence ends a segment in `.`: only a growth method after it joins the two.)
    dotEnd: lastSignificant(segment) === '.',
    growthWordStart: GROWTH_WORD_START.test(segment),
    lruWordStart: LRU_WORD_START.test(segment),
  };
  SEGMENTS.record(start, segment, facts);
  return facts;
}

function subscriptReadsOf(segment: string, facts: SegmentFacts): [string, number][] {
  if (facts.subscriptReads) return facts.subscriptReads;
  const out: [string, number][] = [];
  for (let i = segment.indexOf('['); i !== -1; i = segment.indexOf('[', i + 1)) {
    const name = nameBefore(segment, i);
    if (name) out.push([name.name, name.start]);
  }
  return (facts.subscriptReads = out);
}

function declaredIn(segment: string, facts: SegmentFacts, names: string[], namesKey: string): Map<string, Declared> {
  if (facts.declared?.names !== namesKey) facts.declared = { names: namesKey, value: declaredContainers(segment, names) };
  return facts.declared.value;
}

/**
 * Whether the last text asked had an unbounded memoising decorator: a module that has one keeps it from keystroke
 * to keystroke, and the whole-text test that finds it stops at the match, cheaper than the segments' bookkeeping.
 */
let lastHadCacheDecorator = false;

/** Where cacheDecorator()'s patterns last matched: a module that has the decorator keeps it from keystroke to keystroke. */
const DECORATOR_MATCHES = new MatchWitnesses();

function witnessedCacheDecorator(text: string): boolean {
  const seen = (pattern: RegExp) => DECORATOR_MATCHES.confirms(pattern, text);
  return seen(CACHE_WORD) && (seen(DECORATOR_MODULE) || (seen(FUNCTOOLS_LIKE) && seen(UNBOUNDED_LRU)));
}

/** cacheDecorator(text), recording where its patterns match. */
function recordingCacheDecorator(text: string): boolean {
  const found = DECORATOR_MATCHES.recording(text);
  return found(CACHE_WORD) && (found(DECORATOR_MODULE) || (found(FUNCTOOLS_LIKE) && found(UNBOUNDED_LRU)));
}

function segmentedTest(text: string): boolean {
  if (lastHadCacheDecorator) {
    if (witnessedCacheDecorator(text) || recordingCacheDecorator(text)) return true;
    lastHadCacheDecorator = false;
  }
  const starts = segmentStarts(text);
  const segments = starts.map((start, i) => text.slice(start, starts[i + 1] ?? text.length));
  SEGMENTS.begin(text.length);
  const facts = segments.map((segment, i) => factsOf(segment, starts[i]));
  SEGMENTS.end();
  if (facts.some((f, i) => i < facts.length - 1 && (f.openEnd || (f.dotEnd && facts[i + 1].growthWordStart)))) return wholeTextTest(text);
  if (facts.some((f) => f.sessionState)) return true;
  if (facts.some((f) => f.cacheWord)) {
    const decorator =
      facts.some((f) => f.decoratorModule) ||
      (facts.some((f) => f.functoolsLike) && (facts.some((f) => f.unboundedLru) || (facts.some((f, i) => i > 0 && f.lruWordStart) && UNBOUNDED_LRU.test(text))));
    if (decorator) return (lastHadCacheDecorator = true);
  }
  if (facts.some((f) => f.sizeLimit)) return true;

  // grownContainer(), from the segments' growth sites, imports and declarations.
  const sites = new Map<string, GrowthSite[]>();
  const add = (name: string, start: number, need?: 'keyed' | 'call') => {
    const list = sites.get(name);
    if (list) list.push({ start, need });
    else sites.set(name, [{ start, need }]);
  };
  const defaultdict = facts.some((f) => f.hasDefaultdict);
  facts.forEach((f, i) => {
    for (const [name, start, need] of f.sites) add(name, starts[i] + start, need);
    if (defaultdict) for (const [name, start] of subscriptReadsOf(segments[i], f)) if (!CONSTANT_NAME.test(name) || CACHE_WORDS.test(name)) add(name, starts[i] + start, 'call');
  });
  if (sites.size === 0) return false;
  if (facts.some((f) => [...f.importWords].some((w) => sites.has(w)))) return true;
  const names = [...sites.keys()].sort();
  const namesKey = names.join(',');
  const declared = new Map<string, Declared>();
  facts.forEach((f, i) => {
    for (const [name, d] of declaredIn(segments[i], f, names, namesKey)) {
      const into = declared.get(name);
      const indented = d.indented.map((at) => (at === -1 ? -1 : starts[i] + at));
      if (!into) declared.set(name, { module: d.module, indented, keyed: d.keyed, call: d.call });
      else {
        into.module ||= d.module;
        into.indented.push(...indented);
        into.keyed ||= d.keyed;
        into.call ||= d.call;
      }
    }
  });
  if (declared.size === 0) return false;
  return someSiteGrows(text, declared, sites);
}

export const unboundedCacheTrigger: TextTrigger = {
  // Without statement caches (batch scans) the segments' bookkeeping would only hold memory.
  test: (text) => (statementCachesEnabled() ? segmentedTest(text) : wholeTextTest(text)),
  // A text read once: stricter on module-level growth (which the segments would have to follow across the text).
  strictTest: batchTest,
};
