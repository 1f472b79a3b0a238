/**
 * A file read whole only to be sent back: `HttpResponse(f.read())` (or `data = f.read()` ... `HttpResponse(data)`)
 * holds the file's full size in the worker for the whole response, where the framework's file response streams it
 * in blocks (Django FileResponse, Flask send_file, Starlette FileResponse).
 */
import type { Node } from 'web-tree-sitter';
import { keywordArgument, positionalArguments } from './ast';
import type { ImportMap } from './imports';

/** Response classes whose body argument holds the whole content, and what streams a file instead. */
const RESPONSES: Record<string, string> = {
  'django.http.HttpResponse': 'FileResponse(open(path, "rb"))',
  'django.http.response.HttpResponse': 'FileResponse(open(path, "rb"))',
  'flask.Response': 'send_file(path)',
  'flask.make_response': 'send_file(path)',
  'werkzeug.wrappers.Response': 'send_file(path)',
  'fastapi.Response': 'FileResponse(path)',
  'fastapi.responses.Response': 'FileResponse(path)',
  'starlette.responses.Response': 'FileResponse(path)',
};

/**
 * What to use instead when the read's value is the body of a response: the read itself is the first argument (or
 * `content=`), or it is assigned to a name whose one later use in the function is.
 */
export function sentAsResponse(readExpr: Node, imports: ImportMap, usesOf: (name: Node) => Node[]): string | undefined {
  const direct = responseBody(readExpr, imports);
  if (direct) return direct;
  const assignment = readExpr.parent;
  const target = assignment?.type === 'assignment' && assignment.childForFieldName('right')?.equals(readExpr) ? assignment.childForFieldName('left') : undefined;
  if (target?.type !== 'identifier') return undefined;
  const uses = usesOf(target).filter((n) => n.startIndex > readExpr.endIndex);
  return uses.length === 1 ? responseBody(uses[0], imports) : undefined;
}

function responseBody(value: Node, imports: ImportMap): string | undefined {
  const holder = value.parent?.type === 'keyword_argument' ? value.parent : value;
  const args = holder.parent;
  const call = args?.type === 'argument_list' ? args.parent : undefined;
  if (call?.type !== 'call') return undefined;
  const instead = RESPONSES[imports.resolve(call.childForFieldName('function')) ?? ''];
  if (!instead) return undefined;
  const body = keywordArgument(call, 'content') ?? keywordArgument(call, 'response') ?? positionalArguments(call)[0];
  return body?.equals(value) ? instead : undefined;
}
