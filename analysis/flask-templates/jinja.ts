/**
 * A small Jinja2 template reader: what the N+1 analysis of Flask views needs, with exact offsets. `{% for %}` scopes
 * (targets, the iterable's dotted name), `{% include %}` / `{% extends %}` names, and every dotted name read in
 * `{{ ... }}` and in tag expressions (`{{ t.category.name or "-" }}`, `{% if order.customer %}`), string literals
 * skipped. Jinja expressions are Python-like, so a read is any dotted name outside quotes; calls and filters around
 * it do not matter. Malformed templates never throw: an unclosed block ends at the end of the file.
 */

/** One segment of a dotted name: `customer` in `order.customer.name`. */
export interface JinjaPart {
  name: string;
  start: number;
  end: number;
}

export type JinjaNode =
  | { type: 'read'; parts: JinjaPart[] }
  | { type: 'for'; targets: string[]; iterable?: JinjaPart[]; body: JinjaNode[] }
  | { type: 'include'; name: string };

export interface JinjaTemplate {
  nodes: JinjaNode[];
  /** `{% extends "base.html" %}`: the child renders its blocks, which are read in place here. */
  extends?: string;
}

const TOKEN = /\{%-?\+?([\s\S]*?)[-+]?%\}|\{\{-?([\s\S]*?)-?\}\}|\{#[\s\S]*?#\}/g;
const STRING = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g;
/** A dotted name not preceded by a dot or a word character (`x.y` but not the `y` of `f().y`). */
const DOTTED = /(?<![\w.\])])[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*/g;
/** Names that are syntax or Jinja's globals, never a context variable. */
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'is', 'if', 'else', 'elif', 'for', 'recursive', 'true', 'false', 'none', 'True', 'False', 'None', 'loop', 'with', 'without', 'context', 'ignore', 'missing', 'as', 'import', 'from']);

/** Cheap test before reading: a file with no tag or expression has nothing to read. */
export function looksLikeJinja(text: string): boolean {
  return text.includes('{%') || text.includes('{{');
}

export function parseJinja(text: string): JinjaTemplate {
  const result: JinjaTemplate = { nodes: [] };
  const stack: JinjaNode[][] = [result.nodes];
  const top = () => stack[stack.length - 1];
  let raw = false;
  for (const m of text.matchAll(TOKEN)) {
    const start = m.index!;
    const tag = m[1];
    const expression = m[2];
    if (tag === undefined && expression === undefined) continue; // a comment
    if (expression !== undefined) {
      if (raw) continue;
      const offset = start + m[0].indexOf(expression);
      for (const parts of reads(expression, offset)) top().push({ type: 'read', parts });
      continue;
    }
    const offset = start + m[0].indexOf(tag!);
    const body = tag!.trim();
    const lead = tag!.length - tag!.trimStart().length;
    const word = /^\w+/.exec(body)?.[0] ?? '';
    if (word === 'endraw') raw = false;
    if (raw) continue;
    const argsAt = offset + lead + word.length;
    const args = body.slice(word.length);
    switch (word) {
      case 'raw':
        raw = true;
        break;
      case 'for': {
        const m2 = /^\s*([\w\s,()]+?)\s+in\s+([\s\S]*)$/.exec(args);
        const targets = m2 ? m2[1].replace(/[()]/g, '').split(',').map((t) => t.trim()).filter((t) => /^[A-Za-z_]\w*$/.test(t)) : [];
        let iterable: JinjaPart[] | undefined;
        if (m2) {
          const at = argsAt + args.indexOf(m2[2], m2[1].length);
          const lead2 = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*/.exec(m2[2]);
          // `orders`, `page.items`, `orders|sort(attribute="date")`; not a call (`o.items()`), which is another value.
          if (lead2 && m2[2][lead2[0].length] !== '(') iterable = split(lead2[0], at);
          // The `if` filter and arguments are read like any expression (in the enclosing scope).
          const rest = m2[2].slice(lead2?.[0].length ?? 0);
          for (const parts of reads(rest, at + (lead2?.[0].length ?? 0))) top().push({ type: 'read', parts });
        }
        const node: JinjaNode = { type: 'for', targets, iterable, body: [] };
        top().push(node);
        stack.push(node.body);
        break;
      }
      case 'endfor':
        if (stack.length > 1) stack.pop();
        break;
      case 'include':
      case 'extends': {
        const name = /^\s*["']([^"']+)["']/.exec(args)?.[1];
        if (name && word === 'include') top().push({ type: 'include', name });
        if (name && word === 'extends') result.extends ??= name;
        break;
      }
      case 'macro':
      case 'call':
      case 'filter':
      case 'set':
      case 'block':
      case 'endblock':
      case 'endmacro':
      case 'endcall':
      case 'endfilter':
      case 'endset':
      case 'import':
      case 'from':
        // Macro bodies read their parameters, not the view's context; blocks render in place.
        if (word === 'set') for (const parts of reads(args.slice(args.indexOf('=') + 1), argsAt + args.indexOf('=') + 1)) top().push({ type: 'read', parts });
        break;
      default:
        // `if`, `elif`, `with`, and any other tag: its expression is read.
        for (const parts of reads(args, argsAt)) top().push({ type: 'read', parts });
    }
  }
  return result;
}

/** The dotted names an expression reads, outside string literals. */
function reads(expression: string, offset: number): JinjaPart[][] {
  const blanked = expression.replace(STRING, (s) => ' '.repeat(s.length));
  const out: JinjaPart[][] = [];
  for (const m of blanked.matchAll(DOTTED)) {
    const parts = split(m[0], offset + m.index!);
    // A keyword, a keyword argument's name (`attribute=`), a filter (`|length`) or a test (`is defined`) is no read.
    if (KEYWORDS.has(parts[0].name)) continue;
    const before = blanked.slice(0, m.index!).trimEnd();
    if (before.endsWith('|') || /\bis(\s+not)?$/.test(before)) continue;
    if (/^\s*=(?!=)/.test(blanked.slice(m.index! + m[0].length))) continue;
    out.push(parts);
  }
  return out;
}

function split(dotted: string, at: number): JinjaPart[] {
  const parts: JinjaPart[] = [];
  for (const name of dotted.split('.')) {
    parts.push({ name, start: at, end: at + name.length });
    at += name.length + 1;
  }
  return parts;
}
