/**
 * The analysis's statement-text cache (analysis/cache.ts) as a user sees it in the editor: lines typed above a
 * statement leave its answer cached and its diagnostics (and their quick fixes) move down with it; an edit inside
 * the statement recomputes it; going back to a text seen before reuses the answer again. Every step is also
 * compared with an analysis without the caches.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Workspace } from '../../server/src/engine/workspace';
import { TrackedDocument } from '../../server/src/lsp/documents';
import { withoutStatementCaches } from '../../analysis/python/statements';
import { statementSlotStats } from '../../analysis/cache';
import type { Finding } from '../../server/src/engine/types';

const SOURCE = [
  'import functools',
  '',
  'from django.db import models',
  'from rest_framework.pagination import PageNumberPagination',
  '',
  '',
  'class ExportPagination(PageNumberPagination):',
  '    page_size = 5000',
  '',
  '',
  '@functools.lru_cache(maxsize=None)',
  'def rate(code):',
  '    return code * 2',
  '',
  '',
  'def export(request):',
  '    for o in Order.objects.filter(paid=True):',
  '        print(o.customer.email)',
  '',
].join('\n');

/** What the Problems panel shows: rule, start and end (line, character), and the quick fixes' edit ranges. */
function shown(findings: readonly Finding[]): string[] {
  const at = (r: Finding['range']) => `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;
  return findings.map((f) => `${f.ruleId} ${at(f.range)} fixes[${f.fixes.map((x) => x.edits.map((e) => at(e.range)).join(',')).join(' | ')}]`);
}

function moved(lines: string[], by: number): string[] {
  return lines.map((l) => l.replace(/(\d+):(\d+)/g, (_, line: string, ch: string) => `${Number(line) + by}:${ch}`));
}

const LOOP_FINDINGS = 'n-plus-one: loop findings';

describe('Statement-text cache: diagnostics after edits', function () {
  let dir: string;
  let ws: Workspace;
  let file: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-statement-reuse-'));
    file = path.join(dir, 'views.py').split(path.sep).join('/');
    ws = await Workspace.open({ root: dir });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Analyses the document as the language server does (reused incremental parse) and checks it against a fresh analysis. */
  function analyse(doc: TrackedDocument): string[] {
    const parsed = doc.parsedFile();
    const result = ws.analyzeText(doc.path, doc.text, { parsed });
    doc.adopt(parsed);
    const fresh = withoutStatementCaches(() => ws.analyzeText(doc.path, doc.text));
    assert.deepEqual(result.findings, fresh.findings, `cached and fresh findings differ for:\n${doc.text}`);
    return shown(result.findings);
  }

  it('reuses a statement below an edit and moves its diagnostics and fixes; recomputes the statement edited', () => {
    const doc = new TrackedDocument(`file://${file}`, file, 'python', 1, SOURCE, undefined);
    const original = analyse(doc);
    const rules = original.map((l) => l.split(' ')[0]);
    assert.deepEqual(rules, ['large-page-size', 'unbounded-cache', 'n-plus-one'], original.join('\n'));
    // The N+1 finding sits on `o.customer` (line 17) and its fix adds select_related to the queryset (line 16).
    assert.match(original[2], /^n-plus-one 17:14-17:24 fixes\[16:\d+-16:\d+\]$/);

    // Three lines typed above everything: every statement below keeps its text, its answer and its diagnostics,
    // three lines further down.
    let stats = statementSlotStats()[LOOP_FINDINGS];
    doc.update([{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '# a\n# b\n# c\n' }], 2);
    assert.deepEqual(analyse(doc), moved(original, 3));
    let now = statementSlotStats()[LOOP_FINDINGS];
    assert.equal(now.misses, stats.misses, 'the loop statement was recomputed after an edit above it');
    assert.ok(now.hits > stats.hits, 'the loop statement was not answered from the cache');

    // A line inserted inside the function, above the loop: the statement changed, so it is recomputed; the
    // finding moves one line down, the diagnostics above it stay where they were.
    stats = now;
    doc.update([{ range: { start: { line: 19, character: 0 }, end: { line: 19, character: 0 } }, text: '    checked = True\n' }], 3);
    const inside = analyse(doc);
    now = statementSlotStats()[LOOP_FINDINGS];
    assert.ok(now.misses > stats.misses, 'the edited statement was answered from the cache');
    assert.deepEqual(inside.slice(0, 2), moved(original, 3).slice(0, 2));
    assert.deepEqual(inside[2], moved(original, 4)[2]);

    // An edit inside the loop that removes the relation read: the diagnostic goes away.
    const text = doc.text;
    const at = text.indexOf('o.customer.email');
    doc.update([{ range: { start: doc.doc.positionAt(at), end: doc.doc.positionAt(at + 'o.customer.email'.length) }, text: 'o.customer_id' }], 4);
    assert.deepEqual(analyse(doc).map((l) => l.split(' ')[0]), ['large-page-size', 'unbounded-cache']);

    // Undo both edits: the original statement text is answered from the cache again, at its place.
    stats = statementSlotStats()[LOOP_FINDINGS];
    doc.update([{ text: `# a\n# b\n# c\n${SOURCE}` }], 5);
    assert.deepEqual(analyse(doc), moved(original, 3));
    now = statementSlotStats()[LOOP_FINDINGS];
    assert.equal(now.misses, stats.misses);

    // Lines deleted above: everything moves back up.
    doc.update([{ range: { start: { line: 0, character: 0 }, end: { line: 3, character: 0 } }, text: '' }], 6);
    assert.deepEqual(analyse(doc), original);
    doc.dropTree();
  });
});
