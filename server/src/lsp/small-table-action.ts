/**
 * The "Treat `Banner` as a small table (memlint.toml)" quick fix: on a finding that names the table its rows come
 * from (`Finding.table`), a WorkspaceEdit that adds the name to `smallTables` in the file the folder's settings come
 * from, or creates memlint.toml at the folder's root. Never preferred and never part of a fix-all: it changes what
 * memlint reports for the whole workspace, which is the team's call. Saving the file re-checks, as any config edit does.
 */
import * as path from 'node:path';
import { CodeActionKind, type CodeAction, type Diagnostic, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver/node';
import { addSmallTableEdits } from '../engine/small-tables-edit';
import { LineIndex } from '../engine/text';

/** Where the folder's settings live, and that file's current text (an open editor's, else the disk's). */
export interface SettingsFile {
  /** Absolute path, forward slashes. */
  path: string;
  uri: string;
  /** Undefined when the file does not exist yet. */
  text: string | undefined;
  /** The open document's version, when the file is open in the editor. */
  version?: number;
}

export interface SmallTableCapabilities {
  documentChanges: boolean;
  /** The client can create files in a WorkspaceEdit (`resourceOperations` includes `create`). */
  createFiles: boolean;
}

export function smallTableAction(table: string, file: SettingsFile, diagnostic: Diagnostic, caps: SmallTableCapabilities): CodeAction | undefined {
  const edits = addSmallTableEdits(file.path, file.text, table);
  if (!edits || edits.length === 0) return undefined;
  const lines = new LineIndex(file.text ?? '');
  const textEdits: TextEdit[] = edits.map((e) => ({ range: lines.range(e.start, e.end), newText: e.newText }));
  let edit: WorkspaceEdit;
  if (file.text === undefined) {
    if (!caps.documentChanges || !caps.createFiles) return undefined;
    edit = { documentChanges: [{ kind: 'create', uri: file.uri, options: { ignoreIfExists: true } }, { textDocument: { uri: file.uri, version: null }, edits: textEdits }] };
  } else if (caps.documentChanges) {
    edit = { documentChanges: [{ textDocument: { uri: file.uri, version: file.version ?? null }, edits: textEdits }] };
  } else {
    edit = { changes: { [file.uri]: textEdits } };
  }
  return {
    title: `Treat \`${table}\` as a small table (${path.posix.basename(file.path)})`,
    kind: CodeActionKind.QuickFix,
    diagnostics: [diagnostic],
    isPreferred: false,
    edit,
  };
}
