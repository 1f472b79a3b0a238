/**
 * Code actions, built from `diagnostic.data` (no server state): each fix as a quickfix, "Ignore <id> on this
 * line", "Show documentation for <id>", and `source.fixAll.memlint` (safe fixes only, for codeActionsOnSave).
 * When the document changed since the diagnostic was computed, its fixes are recomputed from the current text.
 */
import {
  CodeActionKind,
  type CodeAction,
  type CodeActionParams,
  type Diagnostic,
  type Range,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver/node';
import { chooseFix, fixUntilStable } from '../engine/fixes';
import { commentPrefixFor } from '../engine/suppress';
import type { Finding } from '../engine/types';
import { dataOf, fixToData, fixToTextEdits, isMemlintDiagnostic, isRange, type DataFix } from './diagnostics';
import type { OpenDocument } from './documents';
import { FixAllKind, ShowDocumentationCommand } from './protocol';

export interface CodeActionHost {
  /** Findings for the document's current text (a fresh analysis), or undefined when it cannot be analysed. */
  analyze(doc: OpenDocument, text?: string): Finding[] | undefined;
  supportsDocumentChanges: boolean;
}

/** Whether an action of kind `actual` answers a request for `requested` (kinds are dot-separated hierarchies). */
export function kindMatches(requested: string, actual: string): boolean {
  return actual === requested || actual.startsWith(requested + '.');
}

export function codeActions(doc: OpenDocument, params: CodeActionParams, host: CodeActionHost): CodeAction[] {
  const only = params.context.only;
  const wants = (kind: string) => !only || only.some((k) => kindMatches(k, kind));
  const actions: CodeAction[] = [];
  let fresh: Finding[] | undefined | null = null; // null = not computed yet
  const current = () => (fresh === null ? (fresh = host.analyze(doc)) : fresh);

  if (wants(CodeActionKind.QuickFix)) {
    const seenLineRule = new Set<string>();
    const fixAllCandidates: Diagnostic[] = [];
    for (const diagnostic of params.context.diagnostics ?? []) {
      if (!isMemlintDiagnostic(diagnostic) || !isRange(diagnostic.range)) continue;
      const ruleId = String(diagnostic.code);
      const data = dataOf(diagnostic);
      let fixes: DataFix[] = [];
      if (data && data.version === doc.version) fixes = data.fixes;
      else {
        const match = current()?.find((f) => f.ruleId === ruleId && overlaps(f.range, diagnostic.range));
        fixes = match ? match.fixes.map(fixToData) : [];
      }
      for (const fix of fixes) {
        actions.push({
          title: fix.title,
          kind: CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          isPreferred: fix.preferred,
          edit: makeEdit(doc, fix.edits, host.supportsDocumentChanges),
        });
        if (fix.safety === 'safe') fixAllCandidates.push(diagnostic);
      }
      const key = `${diagnostic.range.start.line}:${ruleId}`;
      if (seenLineRule.has(key)) continue;
      seenLineRule.add(key);
      const ignore = ignoreEdit(doc, diagnostic.range.start.line, ruleId);
      if (ignore) {
        actions.push({
          title: `Ignore ${ruleId} on this line`,
          kind: CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          edit: makeEdit(doc, [ignore], host.supportsDocumentChanges),
        });
      }
      const href = diagnostic.codeDescription?.href;
      actions.push({
        title: `Show documentation for ${ruleId}`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        command: { title: `Show documentation for ${ruleId}`, command: ShowDocumentationCommand, arguments: [ruleId, href] },
      });
    }
    // Like ESLint's "Fix all auto-fixable problems": offered in the menu when the file has several safe fixes.
    if (fixAllCandidates.length > 0) {
      const all = fixAllAction(doc, host, CodeActionKind.QuickFix, 'Fix all safe memlint problems in this file');
      if (all && all.count > 1) actions.push(all.action);
    }
  }
  if (only && wants(FixAllKind)) {
    const all = fixAllAction(doc, host, FixAllKind, 'Fix all safe memlint problems');
    if (all) actions.push(all.action);
  }
  return actions;
}

/**
 * Applies every safe fix. One pass gives separate edits (the cursor and unchanged text stay put); when fixes
 * enable further fixes, passes repeat until stable and the change is one edit from first to last difference.
 */
export function fixAllAction(
  doc: OpenDocument,
  host: CodeActionHost,
  kind: string,
  title: string,
): { action: CodeAction; count: number } | undefined {
  const text = doc.text;
  const findings = host.analyze(doc, text);
  if (!findings) return undefined;
  const selection = { unsafe: false };
  const edits: TextEdit[] = [];
  const taken: [number, number][] = [];
  let count = 0;
  for (const finding of findings) {
    const fix = chooseFix(finding, selection);
    if (!fix || fix.edits.length === 0) continue;
    if (fix.edits.some((e) => taken.some(([s, t]) => (e.start < t && e.end > s) || (e.start === e.end && e.start === s && s === t)))) continue;
    for (const e of fix.edits) taken.push([e.start, e.end]);
    edits.push(...fixToTextEdits(fix));
    count++;
  }
  if (count === 0) return undefined;
  const final = fixUntilStable(text, (t) => host.analyze(doc, t) ?? [], selection);
  let finalEdits = edits;
  if (final.applied.length > count) {
    const whole = minimalEdit(doc, text, final.text);
    if (whole) finalEdits = [whole];
    count = final.applied.length;
  }
  return { action: { title, kind, edit: makeEdit(doc, finalEdits, host.supportsDocumentChanges) }, count };
}

/** The suppression comment on its own line above `line`, matching indentation; merged into one already there. */
export function ignoreEdit(doc: OpenDocument, line: number, ruleId: string): TextEdit | undefined {
  const prefix = doc.kind ? commentPrefixFor(doc.kind) : undefined;
  if (!prefix) return undefined;
  const lineText = lineAt(doc, line);
  const indent = /^[ \t]*/.exec(lineText)?.[0] ?? '';
  if (line > 0) {
    const above = lineAt(doc, line - 1);
    const m = /^([ \t]*(?:#|\/\/)\s*memlint:\s*ignore\[)([^\]]*)(\].*)$/.exec(above);
    if (m) {
      const ids = m[2].split(',').map((s) => s.trim()).filter(Boolean);
      if (ids.includes(ruleId)) return undefined;
      return {
        range: { start: { line: line - 1, character: 0 }, end: { line: line - 1, character: above.length } },
        newText: `${m[1]}${[...ids, ruleId].join(', ')}${m[3]}`,
      };
    }
    // A comment line would break a backslash continuation: trail the line instead.
    if (prefix === '#' && /\\$/.test(above) && !/\\$/.test(lineText)) {
      return {
        range: { start: { line, character: lineText.length }, end: { line, character: lineText.length } },
        newText: `  ${prefix} memlint: ignore[${ruleId}]`,
      };
    }
  }
  const eol = doc.text.includes('\r\n') ? '\r\n' : '\n';
  return { range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: `${indent}${prefix} memlint: ignore[${ruleId}]${eol}` };
}

export function makeEdit(doc: OpenDocument, edits: TextEdit[], documentChanges: boolean): WorkspaceEdit {
  if (documentChanges) return { documentChanges: [{ textDocument: { uri: doc.uri, version: doc.version }, edits }] };
  return { changes: { [doc.uri]: edits } };
}

function minimalEdit(doc: OpenDocument, before: string, after: string): TextEdit | undefined {
  if (before === after) return undefined;
  let s = 0;
  while (s < before.length && s < after.length && before.charCodeAt(s) === after.charCodeAt(s)) s++;
  let e = 0;
  while (e < before.length - s && e < after.length - s && before.charCodeAt(before.length - 1 - e) === after.charCodeAt(after.length - 1 - e)) e++;
  return { range: { start: doc.doc.positionAt(s), end: doc.doc.positionAt(before.length - e) }, newText: after.slice(s, after.length - e) };
}

function lineAt(doc: OpenDocument, line: number): string {
  if (line < 0 || line >= doc.doc.lineCount) return '';
  const t = doc.doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } });
  return t.replace(/\r?\n$|\r$/, '');
}

function overlaps(a: Range, b: Range): boolean {
  const before = (p: Range['start'], q: Range['start']) => p.line < q.line || (p.line === q.line && p.character < q.character);
  return !before(a.end, b.start) && !before(b.end, a.start);
}
