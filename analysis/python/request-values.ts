/**
 * Values a client chooses: a request's query, form or JSON fields (`request.args["url"]`, `request.GET.get("u")`,
 * `request.get_json()["q"]`, Flask-RESTful `parser.parse_args()["image"]`), a FastAPI route's query/path parameter
 * (`def proxy(url: str)`) or body model field (`item.image_url`, `item.dict().get("image_url")`), and a function
 * parameter that the function's callers (in its module or, through the call graph, in others) fill with one of
 * those. Used by rules that ask "is this URL / this field the caller's?".
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { ProjectInfo } from '../../rules/api';
import { enclosingFunction, keywordArgument, parameterNames, positionalArguments } from './ast';
import { callSitesOf, functionRefOf, moduleTextOf } from './call-graph';
import { isRequest, namesSmallField, type FileSources } from './uploads';
import { escapeRegExp } from './web-context';
import { callAt } from './upload-parameters';

/** Mappings of request values (query string, form, JSON): `request.args`, `request.GET`, `request.query_params`... */
const REQUEST_MAPPINGS = new Set(['args', 'GET', 'POST', 'data', 'json', 'form', 'values', 'query_params', 'path_params', 'query', 'params']);
const BODY_MAPPINGS = new Set(['POST', 'data', 'json', 'form', 'values']);
/** An argument text (in another module) that is a request value, or a name assigned one there. */
const REQUEST_TEXT = /^(?:self\.)?(?:request|req)\.(?:(?:args|GET|POST|data|json|form|values|query_params|path_params)\b|get_json\s*\()/;
/** A key naming a short value (the same words as uploads.ts's small fields). */
const SMALL_KEY = /["'](?:\w*_)?(?:token|signature|sig|nonce|salt|iv|key|secret|hash|hmac|mac|id|code|otp|cursor|state|jwt)s?["']/i;
const QUERY_TEXT = /^(?:self\.)?(?:request|req)\.(?:args|GET|query_params|path_params)\b/;
const PARSED_ARGS = /^\s*(?:await\s+)?(?:[\w.]+\.parse_args\s*\(\s*(?:strict\s*=\s*\w+)?\s*\)|(?:self\.)?(?:request|req)\.(?:args|GET|POST|data|json|form|values|query_params)\b|(?:self\.)?(?:request|req)\.get_json\s*\()/;
/** Route decorators of FastAPI/Flask-style apps: their functions' plain parameters are the request's. */
const ROUTE_DECORATOR = /\.(get|post|put|patch|delete|api_route|route)\s*\(/;
/** Parameter annotations of a query/path value (not a body model, a request object or a dependency). */
const SCALAR_ANNOTATION = /^(str|HttpUrl|AnyHttpUrl|AnyUrl|Optional\[str\]|str\s*\|\s*None|Annotated\[str\b.*)$/;
const MAX_DEPTH = 4;

export class RequestValues {
  private readonly memo = new Map<string, boolean>();
  /** Parameters whose answer asked the function's callers (memo keys). */
  private readonly askedCallers = new Set<string>();

  constructor(
    private readonly tree: Tree,
    private readonly sources: FileSources,
    private readonly project?: ProjectInfo,
    private readonly relPath?: string,
    /** Only body values (JSON, form, parsed arguments): what can be large. Query strings and route parameters are URL-sized. */
    private readonly bodyOnly = false,
    /** Called whenever an answer rests on a function's callers (other statements, other modules): per-statement caches keep no such answer. */
    private readonly lookedOutside: () => void = () => undefined,
  ) {}

  /** True when the client chooses the whole value. */
  chosen(node: Node | null | undefined, depth = 0): boolean {
    if (!node || depth > MAX_DEPTH || namesSmallField(node)) return false;
    if (this.sources.requestField(node)) return true;
    switch (node.type) {
      case 'parenthesized_expression':
        return this.chosen(node.namedChildren[0], depth + 1);
      case 'await':
        return this.chosen(node.namedChildren[0], depth + 1);
      case 'subscript':
        return this.requestMapping(node.childForFieldName('value'), depth + 1);
      case 'call': {
        const fn = node.childForFieldName('function');
        if (fn?.type !== 'attribute') return false;
        const method = fn.childForFieldName('attribute')?.text ?? '';
        if (method === 'get') return this.requestMapping(fn.childForFieldName('object'), depth + 1);
        if (/^(strip|rstrip|lstrip|replace|format)$/.test(method)) return this.chosen(fn.childForFieldName('object'), depth + 1);
        return false;
      }
      case 'identifier': {
        const b = this.sources.lookup(node);
        if (b?.kind === 'assign' || b?.kind === 'walrus') return this.chosen(b.value, depth + 1);
        if (b?.kind === 'param') return this.chosenParameter(b.name, b.value, depth + 1);
        return false;
      }
      default:
        return false;
    }
  }

  /** A whole mapping of request values (`request.args`, `request.get_json()`, `parser.parse_args()`, a name bound to one). */
  requestMapping(node: Node | null | undefined, depth = 0): boolean {
    if (!node || depth > MAX_DEPTH) return false;
    switch (node.type) {
      case 'attribute': {
        const attr = node.childForFieldName('attribute')?.text ?? '';
        return (this.bodyOnly ? BODY_MAPPINGS : REQUEST_MAPPINGS).has(attr) && isRequest(node.childForFieldName('object'));
      }
      case 'await':
        return this.requestMapping(node.namedChildren[0], depth + 1);
      case 'call': {
        const fn = node.childForFieldName('function');
        if (fn?.type !== 'attribute') return false;
        const method = fn.childForFieldName('attribute')?.text ?? '';
        if (method === 'get_json' || method === 'json' || method === 'form' || method === 'get_data') return isRequest(fn.childForFieldName('object'));
        // Flask-RESTful / argparse-style `parser.parse_args()` inside a request handler: the request's fields.
        if (method === 'parse_args') return enclosingFunction(node) !== undefined && /\breqparse\b|RequestParser/.test(this.tree.rootNode.text);
        // `item.dict()`, `item.model_dump()` of a route's body model
        if (method === 'dict' || method === 'model_dump') return this.sources.requestField(fn);
        return false;
      }
      case 'identifier': {
        const b = this.sources.lookup(node);
        return b?.kind === 'assign' || b?.kind === 'walrus' ? this.requestMapping(b.value, depth + 1) : false;
      }
      default:
        return false;
    }
  }

  /** A route's own query/path parameter, or a parameter some caller fills with a request value. */
  private chosenParameter(name: Node, annotation: Node | undefined, depth: number): boolean {
    const fn = enclosingFunction(name);
    if (fn?.type !== 'function_definition') return false;
    const key = `${fn.id}:${name.text}`;
    const known = this.memo.get(key);
    if (known !== undefined) {
      if (this.askedCallers.has(key)) this.lookedOutside();
      return known;
    }
    this.memo.set(key, false); // a recursive function finds nothing new through itself
    if (!this.bodyOnly && this.routeParameter(fn, name, annotation)) {
      this.memo.set(key, true);
      return true;
    }
    this.askedCallers.add(key);
    this.lookedOutside();
    const found = this.fromCallers(fn, name, depth);
    this.memo.set(key, found);
    return found;
  }

  private routeParameter(fn: Node, name: Node, annotation: Node | undefined): boolean {
    const decorated = fn.parent?.type === 'decorated_definition' ? fn.parent : undefined;
    if (!decorated || !decorated.namedChildren.some((d) => d?.type === 'decorator' && ROUTE_DECORATOR.test(d.text))) return false;
    if (/^(request|req|self|cls|db|session)$/.test(name.text)) return false;
    const defaultValue = name.parent?.childForFieldName('value');
    if (defaultValue && /^(Depends|Header|Cookie|Body|File|Form)\s*\(/.test(defaultValue.text)) return false;
    // Flask passes path converters (`/<path:url>`) as plain parameters; FastAPI query/path values are scalars.
    return annotation === undefined ? /<(?:path|string)?:?\w+>/.test(decorated.text.split('\n')[0]) : SCALAR_ANNOTATION.test(annotation.text.trim());
  }

  /** Some call of the function passes a request value in this parameter's place. */
  private fromCallers(fn: Node, name: Node, depth: number): boolean {
    const params = parameterNames(fn);
    const holder = fn.parent?.type === 'decorated_definition' ? fn.parent : fn;
    const method = holder.parent?.type === 'block' && holder.parent.parent?.type === 'class_definition';
    const index = params.indexOf(name.text) - (method ? 1 : 0);
    if (index < 0) return false;
    const fnName = fn.childForFieldName('name')?.text;
    if (!fnName) return false;
    // Calls in this module, judged on the tree (the caller's own names and parameters are followed).
    const text = this.tree.rootNode.text;
    const pattern = new RegExp(`${method ? '(?:self|cls)\\.' : '(?<![\\w.])'}${escapeRegExp(fnName)}\\s*\\(`, 'g');
    let count = 0;
    for (let m = pattern.exec(text); m && count < 50; m = pattern.exec(text), count++) {
      const call = callAt(this.tree, m.index + m[0].indexOf(fnName));
      if (!call || (call.startIndex >= fn.startIndex && call.endIndex <= fn.endIndex)) continue;
      const arg = keywordArgument(call, name.text) ?? positionalArguments(call)[index];
      if (arg && this.chosen(arg, depth + 1)) return true;
    }
    // Calls in other modules, judged on their text.
    if (!this.project || !this.relPath) return false;
    const ref = functionRefOf(fn, this.relPath);
    if (!ref || !ref.fn.equals(fn)) return false;
    for (const site of callSitesOf(this.project, this.tree, this.relPath, ref)) {
      if (site.file === this.relPath) continue;
      const arg = site.keywords.get(name.text) ?? site.args[index];
      const callerText = arg ? moduleTextOf(this.project, this.tree, this.relPath, site.file) : undefined;
      if (arg && callerText && requestArgumentText(arg.trim(), callerText, this.bodyOnly, site.line)) return true;
    }
    return false;
  }
}

/**
 * `request.args["url"]`, `args["image"]` with `args = parser.parse_args()` (or a request mapping) in the caller's
 * module, or a name the calling function assigned one of those (or a route body model's field) before `line`.
 */
export function requestArgumentText(arg: string, moduleText: string, bodyOnly = false, line?: number): boolean {
  if (SMALL_KEY.test(arg)) return false;
  if (REQUEST_TEXT.test(arg)) return !bodyOnly || !QUERY_TEXT.test(arg);
  const root = /^([A-Za-z_]\w*)(?:\s*\[|\.get\s*\(|$)/.exec(arg)?.[1];
  if (!root) return false;
  if (arg === root && line !== undefined) {
    const value = assignedBefore(moduleText, line, root);
    if (value !== undefined && (bodyModelField(value, moduleText) || ((REQUEST_TEXT.test(value) || /\.parse_args\s*\(/.test(value)) && /[[(]\s*["']/.test(value)))) {
      return !bodyOnly || !QUERY_TEXT.test(value);
    }
  }
  const assigned = new RegExp(`^[ \\t]*${escapeRegExp(root)}\\s*=(.+)$`, 'gm');
  for (const m of moduleText.matchAll(assigned)) {
    if (!PARSED_ARGS.test(m[1]) || (bodyOnly && QUERY_TEXT.test(m[1].trim()))) continue;
    // A name bound to the whole mapping needs a key taken from it; a name bound to one field is the value itself.
    if (arg !== root || /[[(]\s*["']/.test(m[1]) || /\.get\s*\(/.test(m[1])) return true;
  }
  return false;
}

/** The value last assigned to `name` above line `line` (1-based) in the same function, or undefined. */
function assignedBefore(text: string, line: number, name: string): string | undefined {
  const lines = text.split('\n');
  const at = lines[line - 1];
  if (at === undefined) return undefined;
  const indent = /^[ \t]*/.exec(at)![0].length;
  const assignment = new RegExp(`^[ \\t]*${escapeRegExp(name)}\\s*=(?!=)\\s*(.+)$`);
  for (let i = line - 2; i >= 0; i--) {
    const l = lines[i];
    const m = assignment.exec(l);
    if (m) return m[1].trim();
    if (/^[ \t]*(async\s+)?def\s/.test(l) && /^[ \t]*/.exec(l)![0].length < indent) return undefined;
  }
  return undefined;
}

/** `item.image_url`, `item.dict().get("image_url")` of a route's body model parameter `item: ImageIn` (on text). */
function bodyModelField(value: string, moduleText: string): boolean {
  const root = /^([A-Za-z_]\w*)\.(?:(?:dict|model_dump)\(\)\s*(?:\[|\.get\s*\()|[A-Za-z_]\w*$)/.exec(value)?.[1];
  if (!root || /^(request|req|self|settings|os)$/.test(root)) return false;
  return (
    new RegExp(`\\bdef\\s+\\w+\\s*\\([^)]*\\b${escapeRegExp(root)}\\s*:\\s*[A-Z]\\w*\\s*[,)=]`).test(moduleText) &&
    /@\w+\.(get|post|put|patch|delete|api_route)\s*\(/.test(moduleText)
  );
}
