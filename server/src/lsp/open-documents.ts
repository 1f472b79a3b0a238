/** Open documents on the main thread: text and version only (the analysis workers keep their own copies). */
import { TextDocument, type TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import type { FileKind } from '../../../rules/api';
import { classify } from '../engine/classify';
import { uriToPath } from './uri';

/** Editor language ids for buffers whose file name memlint does not recognise (untitled files). */
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
  shellscript: 'shell',
  ini: 'ini',
};

export class OpenDocument {
  doc: TextDocument;
  /** Absolute path (forward slashes); for non-file URIs a stand-in path named after the URI. */
  readonly path: string;
  readonly onDisk: boolean;
  /** The file kind (undefined: memlint does not analyse this document). */
  readonly kind: FileKind | undefined;
  /** Kind passed to the engine when the file name does not say it (untitled buffers). */
  readonly kindOverride: FileKind | undefined;
  /** `version:generation` of the last analysis, to skip re-analysing the same text under the same configuration. */
  lintKey: string | undefined;

  constructor(uri: string, readonly languageId: string, version: number, text: string) {
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
  get lineCount(): number {
    return this.doc.lineCount;
  }

  update(changes: readonly TextDocumentContentChangeEvent[], version: number): void {
    this.doc = TextDocument.update(this.doc, [...changes], version);
  }

  /** Text of one line without its line break ('' outside the document). */
  lineText(line: number): string {
    if (line < 0 || line >= this.doc.lineCount) return '';
    return this.doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$|\r$/, '');
  }
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

  get(uri: string | undefined): OpenDocument | undefined {
    return uri === undefined ? undefined : this.docs.get(uri);
  }

  getByPath(path: string): OpenDocument | undefined {
    return this.byPath.get(path);
  }

  close(uri: string | undefined): OpenDocument | undefined {
    const d = this.get(uri);
    if (!d) return undefined;
    this.docs.delete(d.uri);
    if (this.byPath.get(d.path) === d) this.byPath.delete(d.path);
    return d;
  }

  all(): OpenDocument[] {
    return [...this.docs.values()];
  }
}
