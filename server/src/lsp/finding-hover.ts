/**
 * The detail of memlint's findings under the cursor: the diagnostic carries only the one-line headline (the
 * editor shows it above this hover), so the hover adds why it costs memory, the figures and the alternatives,
 * with a link to the rule's docs.
 */
import type { Position, Range } from 'vscode-languageserver/node';
import type { Finding } from '../engine/types';

export function findingDetailMarkdown(findings: readonly Finding[], position: Position): string | undefined {
  const here = findings.filter((f) => f.detail && contains(f.range, position));
  if (here.length === 0) return undefined;
  return here.map((f) => `**${f.ruleId}**: ${md(f.detail!)} ([rule docs](${f.docsUrl}))`).join('\n\n');
}

/** The detail is plain text with code in it (`cpu_count() * 2`, `__init__`): nothing in it is Markdown. */
function md(text: string): string {
  return text.replace(/[\\`*_{}[\]<>|#]/g, (c) => `\\${c}`);
}

function contains(r: Range, p: Position): boolean {
  const after = p.line > r.start.line || (p.line === r.start.line && p.character >= r.start.character);
  const before = p.line < r.end.line || (p.line === r.end.line && p.character <= r.end.character);
  return after && before;
}
