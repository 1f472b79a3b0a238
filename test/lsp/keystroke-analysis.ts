/** One keystroke's analysis in the language server's way, checked against a fresh analysis of the same text. */
import * as assert from 'node:assert/strict';
import type { Workspace } from '../../server/src/engine/workspace';
import type { TrackedDocument } from '../../server/src/lsp/documents';
import { withoutStatementCaches } from '../../analysis/python/statements';
import type { Finding } from '../../server/src/engine/types';

/**
 * Analyses the document as a keystroke does (its incrementally re-parsed tree, statement caches on) and asserts that
 * `view` of the findings equals that of an analysis without caches; returns the keystroke's findings.
 */
export function analyseKeystroke<T>(ws: Workspace, doc: TrackedDocument, view: (findings: readonly Finding[]) => T, message: string): Finding[] {
  const parsed = doc.parsedFile();
  const cached = ws.analyzeText(doc.path, doc.text, { parsed });
  doc.adopt(parsed);
  const fresh = withoutStatementCaches(() => ws.analyzeText(doc.path, doc.text));
  assert.deepEqual(view(cached.findings), view(fresh.findings), message);
  return cached.findings;
}
