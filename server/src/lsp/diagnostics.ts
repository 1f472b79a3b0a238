/**
 * The ONLY place engine results (Findings, Fixes, ConfigErrors) become LSP objects.
 * A diagnostic carries its fixes in `data`, so code actions need no server-side state.
 */
import {
  DiagnosticSeverity,
  type Diagnostic,
  type DiagnosticRelatedInformation,
  type Range,
  type TextEdit,
} from 'vscode-languageserver/node';
import type { Severity } from '../../../rules/api';
import type { Finding, Fix, RelatedLocation } from '../engine/types';
import { pathToUri } from './uri';

export const SOURCE = 'memlint';
/** `code` of a diagnostic about the configuration file itself. */
export const CONFIG_ERROR_CODE = 'config';

/** One fix as carried in `diagnostic.data`: LSP ranges of the analysed version. */
export interface DataFix {
  title: string;
  safety: 'safe' | 'unsafe';
  preferred: boolean;
  edits: TextEdit[];
}

export interface DiagnosticData {
  /** Document version the ranges belong to; null for a file analysed from disk. */
  version: number | null;
  fixes: DataFix[];
}

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function fixToTextEdits(fix: Fix): TextEdit[] {
  return rangeEdits(fix.edits);
}

/** Engine edits (ranges in the analysed text) as LSP TextEdits. */
export function rangeEdits(edits: readonly { range: Range; newText: string }[]): TextEdit[] {
  return edits.map((e) => ({ range: copyRange(e.range), newText: e.newText }));
}

export function fixToData(fix: Fix): DataFix {
  return { title: fix.title, safety: fix.safety, preferred: fix.preferred, edits: fixToTextEdits(fix) };
}

/**
 * Built afresh for every publish, on purpose: caching diagnostics per finding (a WeakMap, shared objects moved
 * along with their findings) measured slower, 6 ms against 3.3 ms per keystroke for 1,000 findings
 * (scripts/bench-findings-delta.ts): young objects are cheap to make, and JSON.stringify walks them faster than
 * long-lived ones spread over the old generation.
 */
export function findingToDiagnostic(finding: Finding, version: number | null): Diagnostic {
  const data: DiagnosticData = { version, fixes: finding.fixes.map(fixToData) };
  return {
    range: copyRange(finding.range),
    severity: SEVERITY[finding.severity],
    code: finding.ruleId,
    codeDescription: { href: finding.docsUrl },
    source: SOURCE,
    message: finding.message,
    ...(finding.related ? { relatedInformation: finding.related.map(relatedInformation) } : {}),
    data,
  };
}

function relatedInformation(r: RelatedLocation): DiagnosticRelatedInformation {
  return { location: { uri: pathToUri(r.path), range: copyRange(r.range) }, message: r.message };
}

export function findingsToDiagnostics(findings: readonly Finding[], version: number | null): Diagnostic[] {
  return findings.map((f) => findingToDiagnostic(f, version));
}

/** A configuration mistake, shown on the config file's offending line (or its first line). */
export function configErrorToDiagnostic(error: { key: string; line?: number; detail: string }, fileText?: string): Diagnostic {
  const line = Math.max(0, (error.line ?? 1) - 1);
  const lineLength = fileText?.split(/\r?\n|\r/)[line]?.length ?? 0;
  return {
    range: { start: { line, character: 0 }, end: { line, character: lineLength } },
    severity: DiagnosticSeverity.Error,
    code: CONFIG_ERROR_CODE,
    source: SOURCE,
    message: `memlint configuration: ${error.key ? `\`${error.key}\`: ` : ''}${error.detail}. memlint does not analyse this folder until it is fixed.`,
  };
}

/** Reads `data` back from a diagnostic the client returned (anything may arrive; never throws). */
export function dataOf(diagnostic: Diagnostic): DiagnosticData | undefined {
  const d = diagnostic.data as Partial<DiagnosticData> | undefined;
  if (!d || typeof d !== 'object' || !Array.isArray(d.fixes)) return undefined;
  const fixes = d.fixes.filter(
    (f): f is DataFix => !!f && typeof f.title === 'string' && Array.isArray(f.edits) && f.edits.every(isTextEdit),
  );
  return { version: typeof d.version === 'number' ? d.version : null, fixes };
}

export function isMemlintDiagnostic(diagnostic: Diagnostic): boolean {
  return diagnostic.source === SOURCE && typeof diagnostic.code === 'string' && diagnostic.code !== CONFIG_ERROR_CODE;
}

function isTextEdit(e: unknown): e is TextEdit {
  const t = e as TextEdit;
  return !!t && typeof t.newText === 'string' && isRange(t.range);
}

export function isRange(r: unknown): r is Range {
  const x = r as Range;
  return (
    !!x && !!x.start && !!x.end &&
    Number.isInteger(x.start.line) && Number.isInteger(x.start.character) &&
    Number.isInteger(x.end.line) && Number.isInteger(x.end.character)
  );
}

function copyRange(r: Range): Range {
  return { start: { line: r.start.line, character: r.start.character }, end: { line: r.end.line, character: r.end.character } };
}
