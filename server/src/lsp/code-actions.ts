/**
 * Code actions: each fix as a quickfix (the preferred one marked), "Treat `X` as a small table" on a finding about a
 * table's rows (small-table-action.ts), "Ignore <id> on this line", "Show
 * documentation for <id>", and `source.fixAll.memlint` (safe fixes only, for editor.codeActionsOnSave). Fixes always come from the server's own analysis of the document's
 * current version: `diagnostic.data` comes back from the client and is never trusted to hold the edits (a
 * client, or a stale diagnostic, could send anything). An unsafe fix says so in its title.
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
import { lineEndingsOf } from '../engine/encode';
import { commentPrefixFor } from '../engine/suppress';
import type { Finding } from '../engine/types';
import { fixToData, isMemlintDiagnostic, isRange, rangeEdits, type DataFix } from './diagnostics';
import type { OpenDocument } from './open-documents';
import { FixAllKind, ShowDocumentationCommand } from './protocol';
import { smallTableAction, type SettingsFile } from './small-table-action';
import type { FixAllReply } from './worker-protocol';

export interface CodeActionHost {
  /** Findings for the document's current text (a fresh analysis), or undefined when it cannot be analysed. */
  analyze(doc: OpenDocument): Promise<Finding[] | undefined>;
  /** The safe fixes of the whole document as edits, and how many problems they fix. */
  fixAll(doc: OpenDocument): Promise<FixAllReply | undefined>;
  supportsDocumentChanges: boolean;
  /** The file the document's folder takes its settings from, for the small-table quick fix; undefined: not offered. */
  settingsFile?(doc: OpenDocument): SettingsFile | undefined;
  supportsCreateFiles?: boolean;
}

/** Whether an action of kind `actual` answers a request for `requested` (kinds are dot-separated hierarchies). */
export function kindMatches(requested: string, actual: string): boolean {
  return actual === requested || actual.startsWith(requested + '.');
}

export async function codeActions(doc: OpenDocument, params: CodeActionParams, host: CodeActionHost): Promise<CodeAction[]> {
  const only = Array.isArray(params.context.only) ? params.context.only : undefined;
  const wants = (kind: string) => !only || only.some((k) => typeof k === 'string' && kindMatches(k, kind));
  const actions: CodeAction[] = [];
  const version = doc.version;
  let fresh: Promise<Finding[] | undefined> | undefined;
  const current = () => (fresh ??= host.analyze(doc).catch(() => undefined));

  if (wants(CodeActionKind.QuickFix)) {
    const seenLineRule = new Set<string>();
    const seenTables = new Set<string>();
    let settings: SettingsFile | undefined | null = null;
    let safeFixes = 0;
    const diagnostics = Array.isArray(params.context.diagnostics) ? params.context.diagnostics : [];
    for (const diagnostic of diagnostics) {
      if (!diagnostic || !isMemlintDiagnostic(diagnostic) || !isRange(diagnostic.range)) continue;
      const ruleId = String(diagnostic.code);
      const findings = (await current())?.filter((f) => f.ruleId === ruleId) ?? [];
      const match = findings.find((f) => sameRange(f.range, diagnostic.range)) ?? findings.find((f) => overlaps(f.range, diagnostic.range));
      const fixes: DataFix[] = match ? match.fixes.map(fixToData) : [];
      for (const fix of fixes) {
        actions.push({
          // Offered one at a time and never in fix-all: the title says it may change what the code does.
          title: fix.safety === 'unsafe' ? `${fix.title} (unsafe)` : fix.title,
          kind: CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          isPreferred: fix.preferred,
          edit: makeEdit(doc, version, fix.edits, host.supportsDocumentChanges),
        });
        if (fix.safety === 'safe') safeFixes++;
      }
      const table = match?.table;
      if (table && !seenTables.has(table)) {
        seenTables.add(table);
        if (settings === null) settings = host.settingsFile?.(doc);
        const action = settings && smallTableAction(table, settings, diagnostic, { documentChanges: host.supportsDocumentChanges, createFiles: !!host.supportsCreateFiles });
        if (action) actions.push(action);
      }
      const key = `${diagnostic.range.start.line}:${ruleId}`;
      if (seenLineRule.has(key)) continue;
      seenLineRule.add(key);
      // A stale diagnostic may name a line the document no longer has: no edit then (it would land past the end).
      const line = diagnostic.range.start.line;
      const ignore = Number.isInteger(line) && line >= 0 && line < doc.lineCount ? ignoreEdit(doc, line, ruleId) : undefined;
      if (ignore) {
        actions.push({
          title: `Ignore ${ruleId} on this line`,
          kind: CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          edit: makeEdit(doc, version, [ignore], host.supportsDocumentChanges),
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
    // Like ESLint's "Fix all auto-fixable problems": in the menu when the file has several safe fixes.
    if (safeFixes > 0) {
      const all = await host.fixAll(doc).catch(() => undefined);
      if (all && all.count > 1 && doc.version === version) {
        actions.push({
          title: `Fix all ${all.count} safe memlint problems in this file`,
          kind: CodeActionKind.QuickFix,
          edit: makeEdit(doc, version, rangeEdits(all.edits), host.supportsDocumentChanges),
        });
      }
    }
  }
  if (only && wants(FixAllKind)) {
    const all = await host.fixAll(doc).catch(() => undefined);
    if (all && all.count > 0 && doc.version === version) {
      actions.push({ title: 'Fix all safe memlint problems', kind: FixAllKind, edit: makeEdit(doc, version, rangeEdits(all.edits), host.supportsDocumentChanges) });
    }
  }
  return actions;
}

/** The suppression comment on its own line above `line`, matching indentation; merged into one already there. */
export function ignoreEdit(doc: OpenDocument, line: number, ruleId: string): TextEdit | undefined {
  const prefix = doc.kind ? commentPrefixFor(doc.kind) : undefined;
  if (!prefix) return undefined;
  // Django templates close their comment: `{# memlint: ignore[n-plus-one] #}`.
  const suffix = prefix === '{#' ? ' #}' : '';
  const lineText = doc.lineText(line);
  const indent = /^[ \t]*/.exec(lineText)?.[0] ?? '';
  if (line > 0) {
    const above = doc.lineText(line - 1);
    const m = /^([ \t]*(?:#|\/\/|\{#)\s*memlint:\s*ignore\[)([^\]]*)(\].*)$/.exec(above);
    if (m) {
      const ids = m[2].split(',').map((s) => s.trim()).filter(Boolean);
      if (ids.includes(ruleId)) return undefined;
      return {
        range: { start: { line: line - 1, character: 0 }, end: { line: line - 1, character: above.length } },
        newText: `${m[1]}${[...ids, ruleId].join(', ')}${m[3]}`,
      };
    }
    // A comment line would end a backslash continuation: trail the line instead.
    if (prefix === '#' && /\\$/.test(above) && !/\\$/.test(lineText)) {
      return {
        range: { start: { line, character: lineText.length }, end: { line, character: lineText.length } },
        newText: `  ${prefix} memlint: ignore[${ruleId}]`,
      };
    }
  }
  const eol = doc.text.includes('\r\n') ? '\r\n' : '\n';
  return { range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: `${indent}${prefix} memlint: ignore[${ruleId}]${suffix}${eol}` };
}

export function makeEdit(doc: OpenDocument, version: number, editsAsBuilt: TextEdit[], documentChanges: boolean): WorkspaceEdit {
  // Fixes insert lines ending with LF: a CRLF document gets CRLF, as `--fix` writes it.
  const crlf = lineEndingsOf(doc.text) === 'crlf';
  const edits = crlf ? editsAsBuilt.map((e) => ({ ...e, newText: e.newText.replace(/\r?\n/g, '\r\n') })) : editsAsBuilt;
  if (documentChanges) return { documentChanges: [{ textDocument: { uri: doc.uri, version }, edits }] };
  return { changes: { [doc.uri]: edits } };
}

function sameRange(a: Range, b: Range): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}

function overlaps(a: Range, b: Range): boolean {
  const before = (p: Range['start'], q: Range['start']) => p.line < q.line || (p.line === q.line && p.character < q.character);
  return !before(a.end, b.start) && !before(b.end, a.start);
}
