/**
 * Open documents: their text (incremental sync) and, for Python, the last tree-sitter tree, kept `edit()`ed
 * for every change so that the next parse reuses it (incremental reparse).
 */
import { TextDocument, type TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import { Edit, type Tree } from 'web-tree-sitter';
import type { FileKind } from '../../../rules/api';
import { ParsedFile } from '../engine/analyzer';
import { classify } from '../engine/classify';
import { uriToPath } from './uri';

/** Editor language ids for buffers that have no file name memlint recognises (untitled files). */
const LANGUAGE_KINDS: Record<string, FileKind> = {
  python: 'python',
  typescript: 'typescript',
  typescriptreact: 'typescript',
  javascript: 'javascript',
  javascriptreact: 'javascript',
  dockerfile: 'dockerfile',
  yaml: 'yaml',
  toml: 'toml',
  json: 'json',
  jsonc: 'json',
  dotenv: 'env',
  procfile: 'procfile',
  'pip-requirements': 'requirements',
};

export class OpenDocument {
  doc: TextDocument;
  /** Absolute path (forward slashes); for non-file URIs a stand-in path named after the URI. */
  readonly path: string;
  /** True for file: URIs (part of the workspace on disk). */
  readonly onDisk: boolean;
  readonly kind: FileKind | undefined;
  /** Kind passed to the engine when the file name does not say it (untitled buffers). */
  readonly kindOverride: FileKind | undefined;
  private tree: Tree | undefined;
  /** `version:generation` of the last analysis, to skip re-analysing the same text under the same configuration. */
  lintKey: string | undefined;

  constructor(uri: string, languageId: string, version: number, text: string) {
    this.doc = TextDocument.create(uri, languageId, version, text);
    const p = uriToPath(uri);
    this.onDisk = p !== undefined;
    this.path = p ?? '/' + uri.replace(/^[a-z-]+:\/*/i, '').replace(/[^\w./-]/g, '_');
    const byName = classify(this.path)?.kind;
    this.kindOverride = byName ? undefined : LANGUAGE_KINDS[languageId];
    this.kind = byName ?? this.kindOverride;
  }

  get uri(): string {
    return this.doc.uri;
  }
  get version(): number {
    return this.doc.version;
  }
  get text(): string {
    return this.doc.getText();
  }

  /** Applies the client's changes in order, editing the kept tree so it stays reusable. */
  update(changes: readonly TextDocumentContentChangeEvent[], version: number): void {
    for (const change of changes) {
      if ('range' in change && this.tree) {
        const start = this.doc.offsetAt(change.range.start);
        const oldEnd = this.doc.offsetAt(change.range.end);
        // Positions straight from offsets: the client's may point past a line end.
        const startPosition = this.doc.positionAt(start);
        const oldEndPosition = this.doc.positionAt(oldEnd);
        const newEndPosition = advance(startPosition, change.text);
        this.tree.edit(
          new Edit({
            startIndex: start,
            oldEndIndex: oldEnd,
            newEndIndex: start + change.text.length,
            startPosition: { row: startPosition.line, column: startPosition.character },
            oldEndPosition: { row: oldEndPosition.line, column: oldEndPosition.character },
            newEndPosition: { row: newEndPosition.line, column: newEndPosition.character },
          }),
        );
      } else if (!('range' in change)) {
        this.dropTree();
      }
      this.doc = TextDocument.update(this.doc, [change], version);
    }
  }

  /** Parsed forms for analysing the current text, reusing the kept tree. Pass the result to `adopt` afterwards. */
  parsedFile(): ParsedFile {
    return new ParsedFile(this.path, this.text, this.kind === 'python' ? this.tree : undefined);
  }

  /** Keeps the tree the analysis produced (if it parsed Python) as the base for the next reparse. */
  adopt(parsed: ParsedFile): void {
    if (!parsed.hasPythonTree()) return;
    const fresh = parsed.python();
    if (fresh !== this.tree) {
      this.tree?.delete();
      this.tree = fresh;
    }
  }

  /** Frees parse state after an analysis that failed half-way. */
  dropTree(): void {
    this.tree?.delete();
    this.tree = undefined;
  }

  dispose(): void {
    this.dropTree();
  }
}

function advance(start: { line: number; character: number }, text: string): { line: number; character: number } {
  let line = start.line;
  let lastBreak = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++;
      lastBreak = i;
    }
  }
  return lastBreak < 0 ? { line, character: start.character + text.length } : { line, character: text.length - lastBreak - 1 };
}

export class DocumentStore {
  private readonly docs = new Map<string, OpenDocument>();
  private readonly byPath = new Map<string, OpenDocument>();

  open(uri: string, languageId: string, version: number, text: string): OpenDocument {
    this.close(uri);
    const d = new OpenDocument(uri, languageId, version, text);
    this.docs.set(uri, d);
    this.byPath.set(d.path, d);
    return d;
  }

  get(uri: string): OpenDocument | undefined {
    return this.docs.get(uri);
  }

  getByPath(path: string): OpenDocument | undefined {
    return this.byPath.get(path);
  }

  close(uri: string): OpenDocument | undefined {
    const d = this.docs.get(uri);
    if (!d) return undefined;
    this.docs.delete(uri);
    if (this.byPath.get(d.path) === d) this.byPath.delete(d.path);
    d.dispose();
    return d;
  }

  all(): OpenDocument[] {
    return [...this.docs.values()];
  }
}
