/**
 * Parsers for every file kind, each run at most once per file version (lazily, on first use by a rule).
 * Tree-sitter needs a one-time async load of its wasm; call `initParsers()` before analysing.
 */
import { Parser, Language, type Tree } from 'web-tree-sitter';
import { ts } from 'ts-morph';
import { parseAllDocuments, type Document } from 'yaml';
import { DockerfileParser, type Dockerfile } from 'dockerfile-ast';
import { parseTree, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import { parseTOML, type AST as TomlAST } from 'toml-eslint-parser';
import * as path from 'node:path';
import * as fs from 'node:fs';
import type { FileKind } from '../../../rules/api';

let pythonLanguage: Language | undefined;
let pythonParser: Parser | undefined;
let initPromise: Promise<void> | undefined;
/** Parsers that threw; see parsePython. */
const abandonedParsers: Parser[] = [];

/**
 * True once the Python parser has thrown in this thread. A new parser parses the next files, but the wasm
 * module's memory may be damaged: a worker that sees this finishes its file and is replaced.
 */
export function pythonParserFailed(): boolean {
  return abandonedParsers.length > 0;
}

/** Finds a wasm file next to the bundle (packaged extension) or in node_modules (development). */
function locateWasm(fileName: string, packagePath: string): string {
  const candidates = [path.join(__dirname, fileName), path.join(__dirname, 'wasm', fileName)];
  for (const c of candidates) if (fs.existsSync(c)) return c;
  return require.resolve(packagePath);
}

export function initParsers(): Promise<void> {
  initPromise ??= (async () => {
    const runtimeWasm = locateWasm('web-tree-sitter.wasm', 'web-tree-sitter/web-tree-sitter.wasm');
    await Parser.init({ locateFile: () => runtimeWasm });
    pythonLanguage = await Language.load(locateWasm('tree-sitter-python.wasm', 'tree-sitter-python/tree-sitter-python.wasm'));
    pythonParser = new Parser();
    pythonParser.setLanguage(pythonLanguage);
  })();
  return initPromise;
}

export function getPythonLanguage(): Language {
  if (!pythonLanguage) throw new Error('memlint: parsers used before initParsers() finished');
  return pythonLanguage;
}

/**
 * Parses Python. A parser that failed (tree-sitter's wasm throws `memory access out of bounds` on inputs it
 * cannot handle) returns empty trees from then on, so it is replaced before the error goes up: one file's
 * failure must not silence the files after it.
 */
export function parsePython(text: string, previous?: Tree): Tree {
  if (!pythonParser || !pythonLanguage) throw new Error('memlint: parsers used before initParsers() finished');
  let tree: Tree | null;
  try {
    tree = pythonParser.parse(text, previous ?? null);
  } catch (e) {
    // Kept referenced, never deleted: its wasm state is broken, and deleting it (or letting the finalizer do so)
    // throws again, outside any try.
    abandonedParsers.push(pythonParser);
    pythonParser = new Parser();
    pythonParser.setLanguage(pythonLanguage);
    throw e;
  }
  if (!tree) throw new Error('tree-sitter returned no tree');
  return tree;
}

function scriptKindFor(filePath: string): ts.ScriptKind {
  const lower = filePath.toLowerCase();
  if (lower.endsWith('.tsx')) return ts.ScriptKind.TSX;
  if (lower.endsWith('.jsx')) return ts.ScriptKind.JSX;
  if (/\.(m|c)?js$/.test(lower)) return ts.ScriptKind.JS;
  return ts.ScriptKind.TS;
}

/**
 * Parses TypeScript/JavaScript. With `previous` (the same file's last SourceFile and its text), reparses
 * incrementally (ts.updateSourceFile over the changed span); `previous.sourceFile` must not be used afterwards.
 */
export function parseTypeScript(filePath: string, text: string, previous?: { sourceFile: ts.SourceFile; text: string }): ts.SourceFile {
  if (previous && previous.sourceFile.fileName === filePath) {
    const old = previous.text;
    let start = 0;
    while (start < old.length && start < text.length && old.charCodeAt(start) === text.charCodeAt(start)) start++;
    let end = 0;
    while (end < old.length - start && end < text.length - start && old.charCodeAt(old.length - 1 - end) === text.charCodeAt(text.length - 1 - end)) end++;
    const change = ts.createTextChangeRange(ts.createTextSpan(start, old.length - start - end), text.length - start - end);
    return ts.updateSourceFile(previous.sourceFile, text, change);
  }
  return ts.createSourceFile(filePath, text, ts.ScriptTarget.Latest, true, scriptKindFor(filePath));
}

export function parseYaml(text: string): Document.Parsed[] {
  return parseAllDocuments(text, { keepSourceTokens: false, uniqueKeys: false, prettyErrors: false }) as Document.Parsed[];
}

export function parseDockerfile(text: string): Dockerfile {
  return DockerfileParser.parse(text);
}

export function parseJson(text: string): { root: JsonNode | undefined; errors: ParseError[] } {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  return { root, errors };
}

export function parseToml(text: string): TomlAST.TOMLProgram {
  return parseTOML(text);
}

/** Parse errors a user should see as a note, per kind; empty when the file parsed or has no strict syntax. */
export function syntaxErrorSummary(kind: FileKind, parsed: unknown): string | undefined {
  if (kind === 'python') {
    const tree = parsed as Tree;
    return tree.rootNode.hasError ? 'syntax errors; findings inside the broken region are skipped' : undefined;
  }
  return undefined;
}
