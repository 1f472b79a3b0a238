/**
 * Per-statement answers that read other modules (a selector's queryset, a fetched URL's callers) as the editor sees
 * them: an edit of the other module on disk, or a name bound at the module's top level that shadows the import,
 * changes the finding of a statement whose own text did not change. Every step is compared with an analysis
 * without the caches.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Workspace } from '../../server/src/engine/workspace';
import { TrackedDocument } from '../../server/src/lsp/documents';
import { withoutStatementCaches } from '../../analysis/python/statements';

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const APIS = [
  'from rest_framework.response import Response',
  'from rest_framework.views import APIView',
  '',
  'from accounts.selectors import list_members',
  'from accounts.serializers import MemberSerializer',
  '',
  '',
  'class MemberListApi(APIView):',
  '    def get(self, request):',
  '        members = list_members()',
  '        return Response(MemberSerializer(members, many=True).data)',
  '',
].join('\n');

const CALLER_URL = 'request.args["url"]';
const FETCH = [
  'import requests',
  'from flask import Flask, request',
  '',
  'app = Flask(__name__)',
  '',
  '',
  'def fetch_body(url):',
  '    return requests.get(url).content',
  '',
  '',
  '@app.route("/proxy")',
  'def proxy():',
  `    return fetch_body(${CALLER_URL})`,
  '',
].join('\n');

describe('Per-statement caches of answers read from other modules', function () {
  let dir: string;
  let ws: Workspace;
  const write = (rel: string, text: string) => {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return file.split(path.sep).join('/');
  };
  let selectors: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-cross-module-'));
    fs.cpSync(path.join(FIXTURES, 'unbounded-queryset', 'selector_lists'), path.join(dir, 'lists'), { recursive: true });
    write('web/requirements.txt', 'flask\nrequests\n');
    selectors = fs.readFileSync(path.join(dir, 'lists/accounts/selectors.py'), 'utf8');
    write('lists/accounts/list_apis.py', APIS);
    write('web/app.py', FETCH);
    ws = await Workspace.open({ root: dir });
    // As the language server does at start-up: the project's files are known (the selector's module among them).
    ws.discover();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** The rule's findings as the language server computes them, checked against a fresh analysis. */
  function findings(doc: TrackedDocument, rule: string): string[] {
    const parsed = doc.parsedFile();
    const result = ws.analyzeText(doc.path, doc.text, { parsed });
    doc.adopt(parsed);
    const fresh = withoutStatementCaches(() => ws.analyzeText(doc.path, doc.text));
    assert.deepEqual(result.findings, fresh.findings, `cached and fresh findings differ for:\n${doc.text}`);
    return result.findings.filter((f) => f.ruleId === rule).map((f) => `${f.range.start.line}:${f.messageId}`);
  }

  it('selector lists: follow an edit of the selector module and a top-level name shadowing the import', () => {
    const file = path.join(dir, 'lists/accounts/list_apis.py').split(path.sep).join('/');
    const doc = new TrackedDocument(`file://${file}`, file, 'python', 1, APIS, undefined);
    assert.deepEqual(findings(doc, 'unbounded-queryset'), ['10:many-serializer']);
    // A line typed above: the view's statement is replayed, one line down.
    doc.update([{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '# members\n' }], 2);
    assert.deepEqual(findings(doc, 'unbounded-queryset'), ['11:many-serializer']);
    // The selector now slices its rows (saved on disk): the view's text is unchanged, its finding goes.
    const sliced = selectors.replace('return Member.objects.select_related("country").all()', 'return Member.objects.select_related("country").all()[:50]');
    assert.notEqual(sliced, selectors);
    write('lists/accounts/selectors.py', sliced);
    ws.invalidate(path.join(dir, 'lists/accounts/selectors.py'));
    assert.deepEqual(findings(doc, 'unbounded-queryset'), []);
    write('lists/accounts/selectors.py', selectors);
    ws.invalidate(path.join(dir, 'lists/accounts/selectors.py'));
    assert.deepEqual(findings(doc, 'unbounded-queryset'), ['11:many-serializer']);
    // A module-level definition of the same name shadows the import: the call is this module's own helper.
    const end = doc.doc.positionAt(doc.text.length);
    doc.update([{ range: { start: end, end }, text: '\n\ndef list_members():\n    return []\n' }], 3);
    assert.deepEqual(findings(doc, 'unbounded-queryset'), []);
    doc.dropTree();
  });

  it('fetched bodies: a URL filled by a caller in another statement is judged again when that caller changes', () => {
    const file = path.join(dir, 'web/app.py').split(path.sep).join('/');
    const doc = new TrackedDocument(`file://${file}`, file, 'python', 1, FETCH, undefined);
    assert.deepEqual(findings(doc, 'whole-file-read'), ['7:fetched-body']);
    // Only the route's statement changes (the URL becomes the app's own): the fetching function's finding goes.
    const at = doc.text.indexOf(CALLER_URL);
    doc.update([{ range: { start: doc.doc.positionAt(at), end: doc.doc.positionAt(at + CALLER_URL.length) }, text: '"https://example.com/sun.png"' }], 2);
    assert.deepEqual(findings(doc, 'whole-file-read'), []);
    doc.update([{ text: FETCH }], 3);
    assert.deepEqual(findings(doc, 'whole-file-read'), ['7:fetched-body']);
    doc.dropTree();
  });
});
