/**
 * Open documents inside an analysis worker: their text (incremental sync) and their last parse, reused by the
 * next one (incremental reparse): for Python the tree-sitter tree, kept `edit()`ed for every change; for
 * TypeScript/JavaScript the SourceFile and its text (ts.updateSourceFile over the changed span).
 */
import { TextDocument, type TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import type { ts } from 'ts-morph';
import { Edit, type Tree } from 'web-tree-sitter';
import type { FileKind } from '../../../rules/api';
import { ParsedFile } from '../engine/analyzer';
import type { Finding } from '../engine/types';
import { classify } from '../engine/classify';
import { widenedTreeEdit } from './tree-edit';
import { rememberLineStarts } from '../../../analysis/line-starts';

export class TrackedDocument {
  doc: TextDocument;
  readonly kind: FileKind | undefined;
  private tree: Tree | undefined;
  private tsBase: { sourceFile: ts.SourceFile; text: string } | undefined;
  private lent: { sourceFile: ts.SourceFile; text: string } | undefined;
  /** The findings last sent to the server for this document, with the text's length and line count then (findings-delta.ts). */
  sentFindings: { id: string; findings: Finding[]; length: number; lines: number } | undefined;

  constructor(
    uri: string,
    readonly path: string,
    languageId: string,
    version: number,
    text: string,
    readonly kindOverride: FileKind | undefined,
  ) {
    this.doc = TextDocument.create(uri, languageId, version, text);
    this.kind = kindOverride ?? classify(path)?.kind;
  }

  get version(): number {
    return this.doc.version;
  }
  get text(): string {
    return this.doc.getText();
  }

  /** Applies the client's changes in order, editing the kept tree so it stays reusable (see tree-edit.ts). */
  update(changes: readonly TextDocumentContentChangeEvent[], version: number): void {
    for (const change of changes) {
      if ('range' in change && this.tree) {
        const start = this.doc.offsetAt(change.range.start);
        const end = this.doc.offsetAt(change.range.end);
        this.tree.edit(new Edit(widenedTreeEdit(this.doc, start, end, change.text)));
      } else if (!('range' in change)) {
        this.dropTree();
      }
      this.doc = TextDocument.update(this.doc, [change], version);
    }
  }

  /** Parsed forms for analysing the current text, reusing the kept tree. Pass the result to `adopt` afterwards. */
  parsedFile(): ParsedFile {
    const isTs = this.kind === 'typescript' || this.kind === 'javascript';
    const base = isTs ? this.tsBase : undefined;
    // A reparse invalidates the base: adopt() replaces it with the new SourceFile, or keeps it when unused.
    this.lent = base;
    this.tsBase = undefined;
    // The document keeps its line offsets per change: the analysis's line scanners take them instead of a walk.
    rememberLineStarts(this.text, this.lineStarts());
    return new ParsedFile(this.path, this.text, this.kind === 'python' ? this.tree : undefined, base);
  }

  /** The document's line starts (LSP counts `\n`, `\r\n` and a lone `\r` as one break each, as LineIndex does). */
  private lineStarts(): number[] {
    const count = this.doc.lineCount;
    const starts = new Array<number>(count);
    const at = { line: 0, character: 0 };
    for (let line = 0; line < count; line++) {
      at.line = line;
      starts[line] = this.doc.offsetAt(at);
    }
    return starts;
  }

  /** Keeps the tree the analysis produced (if it parsed Python) as the base for the next reparse. */
  adopt(parsed: ParsedFile): void {
    this.tsBase = parsed.hasTypeScriptTree() ? { sourceFile: parsed.typescript(), text: parsed.text } : this.lent;
    this.lent = undefined;
    if (!parsed.hasPythonTree()) return;
    const fresh = parsed.python();
    if (fresh !== this.tree) {
      this.tree?.delete();
      this.tree = fresh;
    }
  }

  dropTree(): void {
    this.tree?.delete();
    this.tree = undefined;
    this.tsBase = undefined;
    this.lent = undefined;
  }
}
