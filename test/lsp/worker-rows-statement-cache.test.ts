/**
 * unbounded-queryset's worker rows answered per statement in the language server: which rows load a growing table
 * whole is kept per statement, which task reaches them (another statement, through the call graph) is asked on every
 * keystroke, and a helper of the module the answer read is read again when it changes. Every step is compared with an
 * analysis without the caches.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Workspace } from '../../server/src/engine/workspace';
import { TrackedDocument } from '../../server/src/lsp/documents';
import { withoutStatementCaches } from '../../analysis/python/statements';

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const HELPER = 'return Order.objects.all()';
const TASK = '@shared_task\ndef nightly():';
const JOBS = [
  'from celery import shared_task',
  '',
  'from shop.models import Order',
  '',
  '',
  'def open_orders():',
  `    ${HELPER}`,
  '',
  '',
  'def export():',
  '    return list(open_orders())',
  '',
  '',
  TASK,
  '    export()',
  '',
].join('\n');

describe('Worker rows kept per statement', function () {
  let dir: string;
  let ws: Workspace;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-worker-rows-'));
    fs.cpSync(path.join(FIXTURES, 'unbounded-queryset', 'worker_rows'), dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'shop', 'jobs.py'), JOBS);
    ws = await Workspace.open({ root: dir });
    ws.discover();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function findings(doc: TrackedDocument): string[] {
    const parsed = doc.parsedFile();
    const result = ws.analyzeText(doc.path, doc.text, { parsed });
    doc.adopt(parsed);
    const fresh = withoutStatementCaches(() => ws.analyzeText(doc.path, doc.text));
    assert.deepEqual(result.findings, fresh.findings, `cached and fresh findings differ for:\n${doc.text}`);
    return result.findings.filter((f) => f.ruleId === 'unbounded-queryset').map((f) => `${f.range.start.line}:${f.messageId}`);
  }

  const replace = (doc: TrackedDocument, from: string, to: string, version: number) => {
    const at = doc.text.indexOf(from);
    assert.ok(at >= 0, from);
    doc.update([{ range: { start: doc.doc.positionAt(at), end: doc.doc.positionAt(at + from.length) }, text: to }], version);
  };

  it('asks the call graph again when the task calling the statement changes, and reads the helper again when it changes', () => {
    const file = path.join(dir, 'shop', 'jobs.py').split(path.sep).join('/');
    const doc = new TrackedDocument(`file://${file}`, file, 'python', 1, JOBS, undefined);
    assert.deepEqual(findings(doc), ['10:list']);
    // The task becomes a plain function: export()'s text is unchanged, no task reaches it any more.
    replace(doc, TASK, 'def nightly():', 2);
    assert.deepEqual(findings(doc), []);
    replace(doc, 'def nightly():', TASK, 3);
    assert.deepEqual(findings(doc), ['10:list']);
    // The helper now returns the rows still to handle (a queue that drains): export()'s text is unchanged.
    replace(doc, HELPER, 'return Order.objects.filter(status="pending")', 4);
    assert.deepEqual(findings(doc), []);
    replace(doc, 'return Order.objects.filter(status="pending")', HELPER, 5);
    assert.deepEqual(findings(doc), ['10:list']);
    doc.dropTree();
  });
});
