/**
 * whole-file-read (Python): HTTP response bodies held whole when the client decides how large they are: the body
 * of a caller-chosen URL (`requests.get(request.args["url"]).content`, httpx, aiohttp, urllib's `urlopen(url).read()`),
 * or an upstream response relayed whole by a proxy route that forwards the client's query (`return r.text`).
 * Streamed reads (`stream=True` with `iter_content()`, `StreamingResponse(r.iter_bytes())`) never touch these attributes.
 */
import type { Node, Tree } from 'web-tree-sitter';
import { captures, enclosingFunction, keywordArgument, nodesAtText, positionalArguments } from '../../analysis/python/ast';
import type { ImportMap } from '../../analysis/python/imports';
import type { FileSources } from '../../analysis/python/uploads';
import type { RequestValues } from '../../analysis/python/request-values';

/** Module-level HTTP calls: the qualified name -> the index of the URL argument. */
const CLIENT_CALLS: Record<string, number> = {};
for (const lib of ['requests', 'httpx']) {
  for (const m of ['get', 'post', 'put', 'patch', 'delete', 'head', 'options']) CLIENT_CALLS[`${lib}.${m}`] = 0;
  CLIENT_CALLS[`${lib}.request`] = 1;
}
CLIENT_CALLS['urllib.request.urlopen'] = 0;
CLIENT_CALLS['urllib2.urlopen'] = 0;
/** Client objects whose methods send requests. */
const CLIENTS = new Set(['requests.Session', 'requests.session', 'requests.sessions.Session', 'httpx.Client', 'httpx.AsyncClient', 'aiohttp.ClientSession']);
const CLIENT_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'request']);
/** Response attributes / methods that hold the whole body. */
const BODY_ATTRIBUTES = new Set(['content', 'text']);
const BODY_METHODS = new Set(['read', 'text', 'aread']);
/** The names above where they follow a dot. */
const BODY_NAME = /\.(?:content|text|read|aread)\b/g;
/** Responses a route returns its body in. */
const RESPONSE_CLASSES = /(^|\.)(Response|HttpResponse|make_response|PlainTextResponse|HTMLResponse)$/;

export interface FetchedBody {
  node: Node;
  /** `chosen`: the client picks the URL; `relayed`: a proxy forwards the client's query and returns the whole answer. */
  why: 'chosen' | 'relayed';
  url: string;
}

/** The module imports an HTTP client (the bodies below need one). */
export function importsHttpClient(imports: ImportMap): boolean {
  return imports.importsModule('requests') || imports.importsModule('httpx') || imports.importsModule('aiohttp') || imports.importsModule('urllib') || imports.importsModule('urllib2');
}

/** The response bodies in a slice of the module (`text` at `offset`: a top-level statement's) that a client's request sizes. */
export function wholeFetchedBodies(tree: Tree, imports: ImportMap, sources: FileSources, values: RequestValues, text: string, offset: number): FetchedBody[] {
  if (!importsHttpClient(imports)) return [];
  const out: FetchedBody[] = [];
  const seen = new Set<number>();
  for (const dot of nodesAtText(tree, text, BODY_NAME, offset)) {
    // Found from the text (`.content`, `.text`, `.read`, `.aread`): a query over every attribute of the module cost
    // a keystroke ten milliseconds.
    const node = dot.parent;
    if (node?.type !== 'attribute') continue;
    const attr = node.childForFieldName('attribute')?.text ?? '';
    const receiver = node.childForFieldName('object');
    let body: Node;
    if (BODY_ATTRIBUTES.has(attr) && node.parent?.type !== 'call') body = node;
    else if (BODY_METHODS.has(attr) && node.parent?.type === 'call' && node.parent.childForFieldName('function')?.equals(node) && hasNoArguments(node.parent)) {
      body = node.parent.parent?.type === 'await' ? node.parent.parent : node.parent;
    } else continue;
    if (attr === 'text' && body === node && assignedTo(node)) continue; // `r.text = ...`
    const call = httpCall(receiver, imports, sources);
    if (!call || seen.has(body.id)) continue;
    // `.text` / `.read()` as methods belong to aiohttp and urllib; requests/httpx spell the body as attributes.
    const why = judge(call, body, values);
    if (!why) continue;
    seen.add(body.id);
    out.push({ node: body, why, url: call.url?.text ?? 'the URL' });
  }
  return out;
}

interface HttpCall {
  call: Node;
  url: Node | undefined;
}

/** The function checks the announced size before reading (`int(r.headers["Content-Length"]) > MAX`): capped. */
const SIZE_CHECK = /content[-_]length/i;

function judge(http: HttpCall, body: Node, values: RequestValues): 'chosen' | 'relayed' | undefined {
  if (SIZE_CHECK.test(enclosingFunction(body)?.text ?? '')) return undefined;
  if (values.chosen(http.url)) return 'chosen';
  if (!returnedAsResponse(body)) return undefined;
  // A proxy: the client's whole query or body forwarded upstream, the whole answer sent back.
  for (const key of ['json', 'data', 'params', 'content']) {
    const value = keywordArgument(http.call, key);
    if (value && (values.requestMapping(value) || values.chosen(value))) return 'relayed';
  }
  return undefined;
}

/** The HTTP call a response expression comes from (`requests.get(u)`, `r` bound to one, `async with s.get(u) as r`). */
function httpCall(node: Node | null, imports: ImportMap, sources: FileSources, depth = 0): HttpCall | undefined {
  if (!node || depth > 3) return undefined;
  if (node.type === 'await' || node.type === 'parenthesized_expression') return httpCall(node.namedChildren[0], imports, sources, depth + 1);
  if (node.type === 'identifier') {
    const b = sources.lookup(node);
    return b && (b.kind === 'assign' || b.kind === 'with' || b.kind === 'walrus') ? httpCall(b.value ?? null, imports, sources, depth + 1) : undefined;
  }
  if (node.type !== 'call') return undefined;
  const fn = node.childForFieldName('function');
  const qualified = imports.resolve(fn);
  const index = qualified !== undefined ? CLIENT_CALLS[qualified] : undefined;
  if (index !== undefined) return { call: node, url: urlArgument(node, index, imports, sources) };
  if (fn?.type !== 'attribute') return undefined;
  const method = fn.childForFieldName('attribute')?.text ?? '';
  if (!CLIENT_METHODS.has(method) || !isClient(fn.childForFieldName('object'), imports, sources)) return undefined;
  return { call: node, url: keywordArgument(node, 'url') ?? positionalArguments(node)[method === 'request' ? 1 : 0] };
}

function urlArgument(call: Node, index: number, imports: ImportMap, sources: FileSources): Node | undefined {
  const url = keywordArgument(call, 'url') ?? positionalArguments(call)[index];
  // urlopen(Request(url, headers=...))
  const value = url?.type === 'identifier' ? sources.lookup(url)?.value : url;
  if (value?.type === 'call' && /(^|\.)Request$/.test(imports.resolve(value.childForFieldName('function')) ?? '')) return keywordArgument(value, 'url') ?? positionalArguments(value)[0];
  return url;
}

function isClient(node: Node | null, imports: ImportMap, sources: FileSources): boolean {
  if (!node) return false;
  if (node.type === 'call') return CLIENTS.has(imports.resolve(node.childForFieldName('function')) ?? '');
  if (node.type !== 'identifier') return false;
  const b = sources.lookup(node);
  return (b?.kind === 'assign' || b?.kind === 'with') && b.value?.type === 'call' ? CLIENTS.has(imports.resolve(b.value.childForFieldName('function')) ?? '') : false;
}

/** The body is what a route function returns: `return r.text`, `return r.content, 200`, `return Response(r.content)`. */
function returnedAsResponse(body: Node): boolean {
  const fn = enclosingFunction(body);
  if (!fn) return false;
  let value = body;
  // data = r.content ... return data
  const assignment = body.parent;
  if (assignment?.type === 'assignment' && assignment.childForFieldName('right')?.equals(body)) {
    const target = assignment.childForFieldName('left');
    if (target?.type !== 'identifier') return false;
    return captures(fn.tree, '(return_statement) @r', fn).some((r) => returnsValue(r.node, (n) => n.type === 'identifier' && n.text === target.text));
  }
  value = body;
  for (let p = value.parent; p && !p.equals(fn); p = p.parent) {
    if (p.type === 'return_statement') return true;
    if (p.type === 'expression_list' || p.type === 'argument_list' || p.type === 'keyword_argument' || p.type === 'tuple') continue;
    if (p.type === 'call' && RESPONSE_CLASSES.test(p.childForFieldName('function')?.text ?? '')) continue;
    return false;
  }
  return false;
}

function returnsValue(ret: Node, matches: (n: Node) => boolean): boolean {
  const value = ret.namedChildren[0];
  if (!value) return false;
  if (matches(value)) return true;
  const parts = value.type === 'expression_list' || value.type === 'tuple' ? value.namedChildren : [value];
  for (const part of parts) {
    if (!part) continue;
    if (matches(part)) return true;
    if (part.type === 'call' && RESPONSE_CLASSES.test(part.childForFieldName('function')?.text ?? '')) {
      if ((part.childForFieldName('arguments')?.namedChildren ?? []).some((a) => a && (matches(a) || (a.type === 'keyword_argument' && matches(a.childForFieldName('value')!))))) return true;
    }
  }
  return false;
}

function assignedTo(node: Node): boolean {
  return node.parent?.type === 'assignment' && node.parent.childForFieldName('left')?.equals(node) === true;
}

function hasNoArguments(call: Node): boolean {
  return (call.childForFieldName('arguments')?.namedChildren.filter((a) => a?.type !== 'comment').length ?? 1) === 0;
}
