/**
 * loguru sinks of file-logging-handler: `logger.add(sys.stdout, ...)` and `logger.add("app.log", rotation=...)` added
 * in one block send every record to the console and to a file. Sinks in different blocks (`if LOG_FILE: ...`) or
 * whose kind we cannot tell (a variable, a callable) are left alone.
 */
import type { Node, Tree } from 'web-tree-sitter';
import { captures, keywordArgument, positionalArguments, stringValue } from '../../analysis/python/ast';
import type { ImportMap } from '../../analysis/python/imports';

/** Options loguru accepts only for file sinks. */
const FILE_ONLY_OPTIONS = ['rotation', 'retention', 'compression'];
const STREAM_PATHS = /^(\/dev\/(stdout|stderr)|\/proc\/(self|1)\/fd\/[12])$/;

export interface LoguruFileSink {
  call: Node;
  /** The path argument. */
  sink: Node;
  /** The expression statement holding the call, when it is one. */
  statement?: Node;
}

/** File sinks added in the same block as a console sink (sys.stdout / sys.stderr). */
export function duplicatedLoguruFileSinks(tree: Tree, imports: ImportMap, excluded: (node: Node) => boolean): LoguruFileSink[] {
  const consoleBlocks = new Set<number>();
  const files: LoguruFileSink[] = [];
  for (const { node: call } of captures(tree, '(call function: (attribute) @f) @call')) {
    if (call.type !== 'call' || imports.resolve(call.childForFieldName('function')) !== 'loguru.logger.add' || excluded(call)) continue;
    const sink = positionalArguments(call)[0] ?? keywordArgument(call, 'sink') ?? undefined;
    const statement = call.parent?.type === 'expression_statement' ? call.parent : undefined;
    if (!sink || !statement?.parent) continue;
    if (imports.is(sink, 'sys.stdout', 'sys.stderr') || /^sys\.std(out|err)$/.test(sink.text)) consoleBlocks.add(statement.parent.id);
    else if (isFileSink(call, sink)) files.push({ call, sink, statement });
  }
  return files.filter((f) => consoleBlocks.has(f.statement!.parent!.id));
}

/** A path (a string, `str(path)`, `Path(...)`, `dir / "app.log"`) or a sink given file-only options. */
function isFileSink(call: Node, sink: Node): boolean {
  const text = stringValue(sink);
  if (text !== undefined) return !STREAM_PATHS.test(text);
  if (FILE_ONLY_OPTIONS.some((o) => keywordArgument(call, o))) return true;
  if (sink.type === 'string' || sink.type === 'concatenated_string') return true; // f-strings
  if (sink.type === 'binary_operator' && sink.childForFieldName('operator')?.text === '/') return true;
  const fn = sink.type === 'call' ? sink.childForFieldName('function')?.text : undefined;
  return fn === 'str' || fn === 'Path' || fn === 'pathlib.Path';
}
