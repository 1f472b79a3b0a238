/**
 * The request field a Django/DRF view's value is read from, in every way views write the read: the query string or
 * body mapping itself (`request.GET.get("limit")`, `req.POST["per_page"]`, `request.data.get("size")`,
 * `self.request.query_params["limit"]`), a name holding the parsed JSON body (`body = json.loads(request.body)` then
 * `body.get("limit")`), and a project's getter handed the mapping and the key (`require(req.GET, "num_per_page", "int")`,
 * `get_param(body, "limit")`): the getter returns the field the client sent, checked or cast, whatever it is named.
 */

/** The request's own mappings of client fields, under the names Django views give the request. */
const REQUEST_MAPPING = String.raw`(?:self\.)?(?:request|req)\.(?:GET|POST|query_params|data)`;
/** `body = json.loads(request.body)`, `data = request.data`, `params = request.GET`: a name holding a request mapping. */
const MAPPING_ALIAS = new RegExp(String.raw`^[ \t]*(\w+)[ \t]*=[ \t]*(?:json\.loads\s*\(\s*(?:self\.)?(?:request|req)\.body\b|${REQUEST_MAPPING}(?:\.(?:dict|copy)\s*\(\s*\))?[ \t]*$)`, 'gm');
/** Text that reads a client field somewhere in a function: the cheap test before looking closer. */
export const REQUEST_READ_TEXT = /\b(?:request|req)\.(?:GET|POST|query_params|data|body)\b/g;

/** The names (and request expressions) that hold a request mapping in the function's text. */
export function requestMappings(fnText: string): string[] {
  const aliases = [...fnText.matchAll(MAPPING_ALIAS)].map((m) => m[1] ?? '').filter(Boolean);
  return [REQUEST_MAPPING, ...aliases.map((a) => `\\b${a}`)];
}

/**
 * The field a value reads (`int(request.GET.get("limit", 10))`, `require(body, "num_per_page", "int")`), given the
 * function's request mappings; undefined when the text reads none.
 */
export function requestFieldRead(text: string, mappings: string[]): string | undefined {
  const mapping = `(?:${mappings.join('|')})`;
  const read = new RegExp(String.raw`${mapping}\s*(?:\.get\s*\(\s*|\[\s*)["']([^"']+)["']|\b\w+\s*\(\s*${mapping}\s*,\s*(?:key\s*=\s*)?["']([^"']+)["']`);
  const m = read.exec(text);
  return m ? (m[1] ?? m[2]) : undefined;
}
