/** What the engine returns. Plain data: serialisable, no LSP or vscode types. */
import type { FixSafety, Severity } from '../../../rules/api';
import type { Range } from './text';

export interface TextEdit {
  range: Range;
  /** UTF-16 offsets into the analysed text. */
  start: number;
  end: number;
  newText: string;
}

export interface Fix {
  title: string;
  safety: FixSafety;
  preferred: boolean;
  edits: TextEdit[];
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  /** The one-line headline (what, what it costs, what to do). */
  message: string;
  /** The rule's id for this kind of finding (`meta.messages`), when the rule declares them. */
  messageId?: string;
  /** The values of the message template's placeholders, in order (SARIF `message.arguments`). */
  messageArguments?: string[];
  /** Why, the figures, the alternatives: for the hover, JSON and SARIF. */
  detail?: string;
  /** Absolute path, forward slashes. */
  path: string;
  /** Relative to the workspace root, forward slashes. */
  relPath: string;
  range: Range;
  start: number;
  end: number;
  docsUrl: string;
  fixes: Fix[];
  /** Other places the finding is about (present only when the rule names some). */
  related?: RelatedLocation[];
  /** The model or table whose rows the finding is about, when the rule knows it (rules/api.ts ReportSpec.table). */
  table?: string;
}

export interface RelatedLocation {
  /** Absolute path, forward slashes. */
  path: string;
  /** Relative to the workspace root, forward slashes. */
  relPath: string;
  range: Range;
  message: string;
}

export type NoteKind = 'binary' | 'too-large' | 'undecodable' | 'unreadable' | 'generated' | 'syntax-error' | 'rule-error'
  // a FIFO, device or directory where a file was expected; a symlink out of the workspace; a fix not written
  | 'not-regular' | 'outside-workspace' | 'not-fixed'
  // nesting too deep, over the per-file time limit, out of memory
  | 'not-analysed'
  // Python no process of the project's deploys loads (analysis/deploy/project-reach): not checked by default
  | 'not-run-by-deploy';

/** Something the user should know about a file that is not a finding. */
export interface Note {
  kind: NoteKind;
  path: string;
  relPath: string;
  message: string;
}

export interface FileResult {
  path: string;
  relPath: string;
  findings: Finding[];
  notes: Note[];
  /** True when the file was not analysed at all (binary, too large, unreadable). */
  skipped: boolean;
  /** SHA-1 of the bytes that were analysed (files read from disk), so --fix can tell a file changed since. */
  contentHash?: string;
}
