/**
 * A small Django template parser: the structure the N+1 analysis needs, with exact offsets. `{% for %}` /
 * `{% with %}` / `{% block %}` scopes, `{% extends %}` / `{% include %}` (with `with` arguments and `only`), and
 * every variable read in `{{ ... }}` and in tag arguments (`{{ o.customer.name|upper }}`, `{% if o.items.count %}`).
 *
 * Like Django's own lexer, a tag never spans a line break. Malformed templates never throw: an unclosed block
 * ends at the end of the file, a stray end tag is ignored, an unreadable expression is skipped.
 */

/** One segment of a dotted lookup: `customer` in `o.customer.name`. */
export interface Lookup {
  name: string;
  start: number;
  end: number;
}

/** A variable and its lookups (`o.customer.name`), without filters; start..end covers the dotted name. */
export interface VariableRead {
  parts: Lookup[];
  start: number;
  end: number;
  /** Filter names applied to it (`join`, `length`). */
  filters: string[];
  /** `{{ o }}` / `{{ o|default:"-" }}`: the value itself is rendered, as `str(o)` (its model's `__str__`). */
  rendered?: boolean;
}

export type TemplateNode =
  | { type: 'read'; read: VariableRead }
  | {
      type: 'for';
      targets: string[];
      /** What the loop iterates; undefined when the tag cannot be read. */
      iterable?: VariableRead;
      start: number;
      end: number;
      body: TemplateNode[];
      /** The `{% empty %}` part, rendered when there are no rows (outside the loop's scope). */
      empty: TemplateNode[];
    }
  | { type: 'with'; bindings: { name: string; value: VariableRead }[]; body: TemplateNode[] }
  | { type: 'block'; name: string; body: TemplateNode[] }
  | {
      type: 'include';
      /** The template name when it is a string literal. */
      name?: string;
      bindings: { name: string; value: VariableRead }[];
      only: boolean;
      start: number;
      end: number;
    };

export interface ParsedTemplate {
  nodes: TemplateNode[];
  /** `{% extends "base.html" %}` when its argument is a string literal. */
  extends?: { name: string; start: number; end: number };
}

/** Filters that render their value as text (what `str()` of a model instance gives): the value's `__str__` runs. */
const TEXT_FILTERS = new Set(['default', 'default_if_none', 'safe', 'escape', 'force_escape', 'upper', 'lower', 'title', 'capfirst', 'truncatechars', 'truncatewords', 'linebreaks', 'linebreaksbr', 'striptags', 'urlize']);

interface Token {
  kind: 'text' | 'var' | 'tag' | 'comment';
  /** The inside of the delimiters, and where it starts. */
  content: string;
  contentStart: number;
  start: number;
  end: number;
}

const TOKEN = /\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}/g;

/** Cheap test before tokenizing: a file with no tag or variable has nothing to parse. */
export function looksLikeTemplate(text: string): boolean {
  return text.includes('{%') || text.includes('{{');
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const raw = m[0];
    const start = m.index!;
    const kind = raw[1] === '%' ? 'tag' : raw[1] === '{' ? 'var' : 'comment';
    tokens.push({ kind, content: raw.slice(2, -2), contentStart: start + 2, start, end: start + raw.length });
  }
  return tokens;
}

/** Splits tag arguments on whitespace outside quotes, keeping offsets (Django's smart_split). */
export function splitBits(content: string, offset: number): { text: string; start: number }[] {
  const bits: { text: string; start: number }[] = [];
  const re = /(?:[^\s'"]*(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')[^\s'"]*)+|\S+/g;
  for (const m of content.matchAll(re)) bits.push({ text: m[0], start: offset + m.index! });
  return bits;
}

const LITERAL = /^(?:["'].*["']|_\(.*\)|-?\d[\d.]*|True|False|None)$/s;
const NAME = /^[A-Za-z_][\w]*$/;

/**
 * Reads a filter expression (`o.items.all|join:", "`): the variable and its filter names. Filter arguments
 * that are variables are read too. Undefined for literals and anything malformed.
 */
export function readExpression(text: string, offset: number, out?: VariableRead[]): VariableRead | undefined {
  // Split on `|` outside quotes.
  const pieces: { text: string; start: number }[] = [];
  let quote = '';
  let pieceStart = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    if (i === text.length || (c === '|' && !quote)) {
      pieces.push({ text: text.slice(pieceStart, i), start: offset + pieceStart });
      pieceStart = i + 1;
    } else if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
  }
  const head = pieces[0];
  const filters: string[] = [];
  for (const piece of pieces.slice(1)) {
    const colon = piece.text.indexOf(':');
    filters.push((colon === -1 ? piece.text : piece.text.slice(0, colon)).trim());
    if (colon !== -1 && out) {
      const arg = readVariable(piece.text.slice(colon + 1), piece.start + colon + 1, []);
      if (arg) out.push(arg);
    }
  }
  return readVariable(head.text, head.start, filters);
}

function readVariable(raw: string, offset: number, filters: string[]): VariableRead | undefined {
  const lead = raw.length - raw.trimStart().length;
  const text = raw.trim();
  if (!text || LITERAL.test(text)) return undefined;
  const start = offset + lead;
  const names = text.split('.');
  if (!names.every((n) => NAME.test(n) || /^\d+$/.test(n)) || !NAME.test(names[0])) return undefined;
  const parts: Lookup[] = [];
  let at = start;
  for (const name of names) {
    parts.push({ name, start: at, end: at + name.length });
    at += name.length + 1;
  }
  return { parts, start, end: start + text.length, filters };
}

/** Words in tag arguments that are syntax, not variables. */
const TAG_KEYWORDS = new Set(['and', 'or', 'not', 'in', 'is', 'as', 'with', 'only', 'silent', 'reversed', 'on', 'off', 'by', 'from', 'for', 'noop', 'context']);
/** Tags whose arguments are names or literals, not variables. */
const OPAQUE_TAGS = new Set(['load', 'csrf_token', 'comment', 'endcomment', 'verbatim', 'endverbatim', 'spaceless', 'endspaceless', 'autoescape', 'endautoescape', 'templatetag', 'debug', 'static', 'get_static_prefix', 'get_media_prefix', 'trans', 'translate', 'blocktrans', 'blocktranslate', 'endblocktrans', 'endblocktranslate', 'plural', 'now', 'lorem', 'block', 'endblock', 'extends', 'cycle', 'resetcycle', 'language', 'endlanguage', 'get_current_language', 'get_available_languages']);

/** `a=b c=d` or legacy `b as a`: names bound by with/include. */
function readBindings(bits: { text: string; start: number }[]): { name: string; value: VariableRead }[] {
  const out: { name: string; value: VariableRead }[] = [];
  if (bits.length === 3 && bits[1].text === 'as' && NAME.test(bits[2].text)) {
    const value = readExpression(bits[0].text, bits[0].start);
    if (value) out.push({ name: bits[2].text, value });
    return out;
  }
  for (const bit of bits) {
    const eq = bit.text.indexOf('=');
    if (eq <= 0 || !NAME.test(bit.text.slice(0, eq))) continue;
    const value = readExpression(bit.text.slice(eq + 1), bit.start + eq + 1);
    if (value) out.push({ name: bit.text.slice(0, eq), value });
  }
  return out;
}

function stringLiteral(bit: string | undefined): string | undefined {
  const m = bit && /^(["'])(.*)\1$/s.exec(bit);
  return m ? m[2] : undefined;
}

/** Open scopes while parsing: the list nodes are added to, and the tag that closes it. */
interface Frame {
  closes: string[];
  list: TemplateNode[];
  node?: TemplateNode;
}

export function parseTemplate(text: string): ParsedTemplate {
  const result: ParsedTemplate = { nodes: [] };
  if (!looksLikeTemplate(text)) return result;
  const stack: Frame[] = [{ closes: [], list: result.nodes }];
  const top = () => stack[stack.length - 1];
  /** Set while inside {% comment %} or {% verbatim %}: the tag that ends it. */
  let skipUntil: string | undefined;

  for (const token of tokenize(text)) {
    if (token.kind === 'comment') continue;
    const bits = splitBits(token.content, token.contentStart);
    if (skipUntil) {
      if (token.kind === 'tag' && bits[0]?.text === skipUntil) skipUntil = undefined;
      continue;
    }
    if (token.kind === 'var') {
      const reads: VariableRead[] = [];
      const read = readExpression(token.content, token.contentStart, reads);
      if (read) reads.unshift({ ...read, rendered: read.filters.every((f) => TEXT_FILTERS.has(f)) || undefined });
      for (const r of reads) top().list.push({ type: 'read', read: r });
      continue;
    }
    const tag = bits[0]?.text;
    if (!tag) continue;
    const args = bits.slice(1);
    if (tag === 'comment' || tag === 'verbatim') {
      skipUntil = `end${tag}`;
      continue;
    }
    // Closing and middle tags close the innermost open block they belong to.
    let closing = -1;
    for (let i = stack.length - 1; i > 0 && closing === -1; i--) if (stack[i].closes.includes(tag)) closing = i;
    if (closing > 0) {
      const frame = stack[closing];
      if (tag === 'empty' && frame.node?.type === 'for') {
        stack.length = closing;
        stack.push({ closes: ['endfor'], list: frame.node.empty, node: frame.node });
        continue;
      }
      if (frame.node?.type === 'for') frame.node.end = token.end;
      stack.length = closing;
      continue;
    }
    if (/^end\w+$/.test(tag) || tag === 'empty') continue; // stray or of a tag we do not model
    switch (tag) {
      case 'for': {
        const inAt = args.findIndex((b) => b.text === 'in');
        const targets = inAt > 0 ? args.slice(0, inAt).map((b) => b.text).join(' ').split(/\s*,\s*/).filter((n) => NAME.test(n)) : [];
        const iterBits = inAt > 0 ? args.slice(inAt + 1).filter((b) => b.text !== 'reversed') : [];
        const node: TemplateNode = {
          type: 'for',
          targets,
          iterable: iterBits.length === 1 ? readExpression(iterBits[0].text, iterBits[0].start) : undefined,
          start: token.start,
          end: text.length,
          body: [],
          empty: [],
        };
        top().list.push(node);
        stack.push({ closes: ['endfor', 'empty'], list: node.body, node });
        break;
      }
      case 'with': {
        const node: TemplateNode = { type: 'with', bindings: readBindings(args), body: [] };
        top().list.push(node);
        stack.push({ closes: ['endwith'], list: node.body, node });
        break;
      }
      case 'block': {
        const node: TemplateNode = { type: 'block', name: args[0]?.text ?? '', body: [] };
        top().list.push(node);
        stack.push({ closes: ['endblock'], list: node.body, node });
        break;
      }
      case 'extends': {
        const name = stringLiteral(args[0]?.text);
        if (name !== undefined && !result.extends) result.extends = { name, start: token.start, end: token.end };
        break;
      }
      case 'include': {
        const withAt = args.findIndex((b) => b.text === 'with');
        const name = stringLiteral(args[0]?.text);
        const only = args.some((b) => b.text === 'only');
        const bindings = withAt === -1 ? [] : readBindings(args.slice(withAt + 1).filter((b) => b.text !== 'only'));
        top().list.push({ type: 'include', name, bindings, only, start: token.start, end: token.end });
        for (const b of bindings) top().list.push({ type: 'read', read: b.value });
        break;
      }
      default: {
        if (OPAQUE_TAGS.has(tag)) break;
        // Any other tag (if, elif, url, firstof, custom tags): its variable arguments are reads.
        for (let i = 0; i < args.length; i++) {
          const bit = args[i];
          if (TAG_KEYWORDS.has(bit.text)) {
            if (bit.text === 'as') i++; // `... as name` binds a name
            continue;
          }
          const eq = bit.text.indexOf('=');
          const isKeyword = eq > 0 && bit.text[eq + 1] !== '=' && NAME.test(bit.text.slice(0, eq));
          const value = isKeyword ? readExpression(bit.text.slice(eq + 1), bit.start + eq + 1) : readExpression(bit.text, bit.start);
          if (value) top().list.push({ type: 'read', read: value });
        }
      }
    }
  }
  return result;
}
