/**
 * The line starts the keystroke path shares (analysis/line-starts.ts): those the language server's document hands
 * over after incremental edits are the text's own, with CRLF and lone CR breaks too.
 */
import * as assert from 'node:assert/strict';
import { computeLineStarts, lineStartsOf } from '../../analysis/line-starts';
import { TrackedDocument } from '../../server/src/lsp/documents';
import { lineChunks } from '../../server/src/engine/trigger-memo';

/** lineChunks as it was written before line starts were shared: cuts after `\n` before a non-blank character. */
function chunksByWalk(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let nl = text.indexOf('\n'); nl >= 0 && nl < text.length - 1; nl = text.indexOf('\n', nl + 1)) {
    const next = text.charCodeAt(nl + 1);
    if (next === 32 || next === 9 || next === 13 || next === 10) continue;
    out.push(text.slice(start, nl + 1));
    start = nl + 1;
  }
  out.push(text.slice(start));
  return out;
}

describe('shared line starts', () => {
  it('computes a break at \\n, \\r\\n and a lone \\r', () => {
    assert.deepEqual(computeLineStarts('a\nb\r\nc\rd'), [0, 2, 5, 7]);
    assert.deepEqual(computeLineStarts(''), [0]);
    assert.deepEqual(computeLineStarts('x\n'), [0, 2]);
  });

  it("takes the document's line offsets after each of 300 random edits, equal to the text's own", () => {
    const initial = 'import os\r\n\r\nclass A:\n    x = 1\r    y = 2\n\ndef f():\n    return 1\n';
    const doc = new TrackedDocument('file:///m.py', '/m.py', 'python', 1, initial, undefined);
    const pieces = ['\n', '\r\n', '\r', 'x', '  ', 'def g():\n    pass\n', '', '\n\n', 'a\r\nb'];
    let s = 7;
    const next = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 300; i++) {
      const text = doc.text;
      const at = Math.floor(next() * (text.length + 1));
      const end = Math.min(text.length, at + (next() < 0.4 ? Math.floor(next() * 6) : 0));
      const pos = (offset: number) => doc.doc.positionAt(offset);
      doc.update([{ range: { start: pos(at), end: pos(end) }, text: pieces[Math.floor(next() * pieces.length)] }], i + 2);
      doc.parsedFile();
      assert.deepEqual(lineStartsOf(doc.text), computeLineStarts(doc.text), `after edit ${i}: ${JSON.stringify(doc.text)}`);
      assert.deepEqual(lineChunks(doc.text), chunksByWalk(doc.text), `chunks after edit ${i}`);
    }
  });
});
