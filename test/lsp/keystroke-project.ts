/**
 * A throw-away project on disk with one document open the language server's way: edits go through the tracked
 * document (incremental re-parse), other modules can be served as open editors hold them, and every analysis is
 * checked against a fresh one (keystroke-analysis.ts).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Workspace } from '../../server/src/engine/workspace';
import { TrackedDocument } from '../../server/src/lsp/documents';
import { analyseKeystroke } from './keystroke-analysis';
import type { Finding } from '../../server/src/engine/types';

/** Writes `files` (relative path -> text) under `dir`, creating folders. */
export function writeTree(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
}

/** What a user sees of one rule's findings: `line:character message`, in order. */
export const findingsOf = (ruleId: string) => (findings: readonly Finding[]): string[] =>
  findings.filter((f) => f.ruleId === ruleId).map((f) => `${f.range.start.line}:${f.range.start.character} ${f.message}`);

const posix = (p: string) => p.split(path.sep).join('/');

export class KeystrokeProject {
  private version = 1;

  private constructor(
    readonly dir: string,
    readonly ws: Workspace,
    readonly doc: TrackedDocument,
    /** Texts served for other files, as the language server serves open documents (posix absolute path -> text). */
    private readonly openTexts: Map<string, string>,
  ) {}

  /** Writes the project under a new temporary folder and opens `openPath` (one of `files`) as a document. */
  static async open(prefix: string, files: Record<string, string>, openPath: string, languageId = 'python'): Promise<KeystrokeProject> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `memlint-${prefix}-`));
    writeTree(dir, files);
    const openTexts = new Map<string, string>();
    const ws = await Workspace.open({ root: dir, readOverride: (abs) => openTexts.get(posix(abs)) });
    ws.discover();
    const file = posix(path.join(dir, openPath));
    const doc = new TrackedDocument(`file://${file}`, file, languageId, 1, files[openPath], undefined);
    return new KeystrokeProject(dir, ws, doc, openTexts);
  }

  /** Analyses the document as a keystroke does; `view` of its findings, asserted equal to a fresh analysis's. */
  analyse<T>(view: (findings: readonly Finding[]) => T): T {
    return view(this.findings(view));
  }

  /** The keystroke's findings themselves, `view` of them asserted equal to a fresh analysis's. */
  findings(view: (findings: readonly Finding[]) => unknown): Finding[] {
    return analyseKeystroke(this.ws, this.doc, view, `after edit ${this.version}:\n${this.doc.text}`);
  }

  /** Types `text` at the end of the document. */
  append(text: string): void {
    const end = this.doc.doc.positionAt(this.doc.text.length);
    this.doc.update([{ range: { start: end, end }, text }], ++this.version);
  }

  /** Replaces the first occurrence of `from` in the document with `to`. */
  replace(from: string, to: string): void {
    const at = this.doc.text.indexOf(from);
    assert.ok(at >= 0, `"${from}" not in the file`);
    this.doc.update([{ range: { start: this.doc.doc.positionAt(at), end: this.doc.doc.positionAt(at + from.length) }, text: to }], ++this.version);
  }

  /** Another file as an open editor holds it (`undefined`: back to its text on disk); the workspace is told. */
  setOpenText(rel: string, text: string | undefined): void {
    const file = posix(path.join(this.dir, rel));
    if (text === undefined) this.openTexts.delete(file);
    else this.openTexts.set(file, text);
    this.ws.invalidate(file);
  }

  close(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
