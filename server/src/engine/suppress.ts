/**
 * Suppression comments, one syntax in every language's comment form:
 *   <comment> memlint: ignore[rule-id, other-id]   (trailing the line, or alone on the line above; `{# ... #}` in templates)
 *   <comment> memlint: ignore                       (every rule on that line)
 *   <comment> memlint: ignore-file[rule-id]         (anywhere in the first 20 lines)
 */
import type { LineIndex } from './text';

const DIRECTIVE = /(?:\{#|#|\/\/|\/\*|<!--)\s*memlint:\s*(ignore-file|ignore)\b(?:\[([^\]]*)\])?/g;
const FILE_DIRECTIVE_LINES = 20;
/** Every directive holds this (on one line). */
export const DIRECTIVE_WORD = /memlint:/;

/** `true` = every rule. */
type RuleSet = Set<string> | true;

export class Suppressions {
  private readonly byLine = new Map<number, RuleSet>();
  private fileWide: RuleSet | undefined;

  /**
   * `mayHaveDirectives`: a cheaper answer to `text.includes('memlint:')` when the caller has one (the keystroke path
   * tests DIRECTIVE_WORD per chunk of lines: a substring search of a 5,000-line two-byte text costs half a ms).
   */
  constructor(text: string, lines: LineIndex, mayHaveDirectives?: boolean) {
    if (!(mayHaveDirectives ?? text.includes('memlint:'))) return;
    for (const match of text.matchAll(DIRECTIVE)) {
      const ids = parseIds(match[2]);
      const { line } = lines.positionAt(match.index ?? 0);
      if (match[1] === 'ignore-file') {
        if (line < FILE_DIRECTIVE_LINES) this.fileWide = merge(this.fileWide, ids);
        continue;
      }
      this.byLine.set(line, merge(this.byLine.get(line), ids));
      // A directive alone on its line covers the next line.
      const lineText = lines.lineText(line);
      const before = lineText.slice(0, (match.index ?? 0) - lines.lineStart(line));
      if (before.trim() === '') this.byLine.set(line + 1, merge(this.byLine.get(line + 1), ids));
    }
  }

  isSuppressed(ruleId: string, line: number): boolean {
    return covers(this.fileWide, ruleId) || covers(this.byLine.get(line), ruleId);
  }
}

function parseIds(list: string | undefined): RuleSet {
  if (list === undefined) return true;
  const ids = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return ids.length ? new Set(ids) : true;
}

function merge(a: RuleSet | undefined, b: RuleSet): RuleSet {
  if (a === true || b === true) return true;
  return new Set([...(a ?? []), ...b]);
}

function covers(set: RuleSet | undefined, ruleId: string): boolean {
  return set === true || (set !== undefined && set.has(ruleId));
}

/** The comment prefix a suppression quick fix inserts for a file kind, or undefined (JSON has none). */
export function commentPrefixFor(kind: string): string | undefined {
  switch (kind) {
    case 'typescript':
    case 'javascript':
      return '//';
    case 'json':
      return undefined;
    case 'django-template':
      return '{#';
    default:
      return '#';
  }
}
