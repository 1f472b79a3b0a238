/**
 * A finding's related places (LSP related information, SARIF relatedLocations, JSON `related`): an N+1 through a
 * DRF serializer points from the serializer field to the view's queryset, and from the queryset to the field in
 * the serializers module; the places follow edits between them.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Finding } from '../../server/src/engine/types';
import { findingToDiagnostic } from '../../server/src/lsp/diagnostics';
import { pathToUri } from '../../server/src/lsp/uri';
import { analyzeWith, analyzerFor, initParsers } from '../support/analyze';

const ROOT = path.resolve(__dirname, '..', 'fixtures', 'n-plus-one', 'drf_shop');
const VIEWS = path.join(ROOT, 'shop', 'views.py');
const INLINE = path.join(ROOT, 'shop', 'drf_inline.py');
const BIN = path.resolve(__dirname, '..', '..', 'bin', 'memlint.js');

before(() => initParsers());

function findingsOf(abs: string, text = fs.readFileSync(abs, 'utf8')): Finding[] {
  return analyzeWith(analyzerFor('n-plus-one', ROOT), ROOT, abs, text).findings;
}

function textAt(abs: string, r: Finding['range']): string {
  const lines = fs.readFileSync(abs, 'utf8').split('\n');
  return lines[r.start.line].slice(r.start.character, r.start.line === r.end.line ? r.end.character : undefined);
}

function findingOnLine(findings: Finding[], line: number): Finding {
  const f = findings.find((x) => x.range.start.line + 1 === line);
  assert.ok(f, `a finding on line ${line}: ${findings.map((x) => x.range.start.line + 1).join(', ')}`);
  return f;
}

describe('related locations of findings', () => {
  it("a finding on the view's queryset points at the serializer field that reads the relation, in its own module", () => {
    const f = findingOnLine(findingsOf(VIEWS), 13);
    assert.equal(f.related?.length, 1);
    const [r] = f.related!;
    assert.equal(r.relPath, 'shop/serializers.py');
    assert.equal(r.path, path.join(ROOT, 'shop', 'serializers.py').split(path.sep).join('/'));
    assert.match(r.message, /Serializer reads \w+(\.\w+)* for each row here/);
    // The range is on the field itself, in the serializers module's text.
    const field = textAt(path.join(ROOT, 'shop', 'serializers.py'), r.range);
    assert.ok(field.trim().length > 0, `a field at ${JSON.stringify(r.range)}`);
    const dotted = /reads (\S+) for each row/.exec(r.message)![1].split('.')[0];
    assert.ok(field.includes(dotted), `the field "${field}" reads ${dotted}`);
  });

  it("a finding on a serializer field of the view's module points at the view's queryset", () => {
    const f = findingOnLine(findingsOf(INLINE), 17);
    const [r] = f.related ?? [];
    assert.ok(r, 'a related place');
    assert.equal(r.relPath, 'shop/drf_inline.py');
    assert.equal(textAt(INLINE, r.range), 'Order.objects.all()');
    assert.match(r.message, /^OrderList's queryset, which does not load "customer__company"$/);
  });

  it('the related place moves with its own statement when lines are added between them', () => {
    const text = fs.readFileSync(INLINE, 'utf8');
    const before = findingOnLine(findingsOf(INLINE, text), 17).related![0].range.start.line;
    // Three lines inserted after the serializer, before the view: the queryset moves, the field does not.
    const at = text.indexOf('class OrderItemSerializer');
    const edited = text.slice(0, at) + '# one\n# two\n# three\n' + text.slice(at);
    const f = findingOnLine(findingsOf(INLINE, edited), 17);
    assert.equal(f.related![0].range.start.line, before + 3);
  });

  it('becomes LSP related information with the file URI', () => {
    const f = findingOnLine(findingsOf(VIEWS), 13);
    const d = findingToDiagnostic(f, 1);
    assert.equal(d.relatedInformation?.length, 1);
    assert.equal(d.relatedInformation![0].location.uri, pathToUri(f.related![0].path));
    assert.deepEqual(d.relatedInformation![0].location.range, f.related![0].range);
    assert.equal(d.relatedInformation![0].message, f.related![0].message);
    // A finding without related places has none.
    assert.equal(findingToDiagnostic({ ...f, related: undefined }, 1).relatedInformation, undefined);
  });

  it('is in the CLI JSON as `related` and in SARIF as relatedLocations', () => {
    const json = JSON.parse(spawnSync(process.execPath, [BIN, '--format', 'json', '--select', 'n-plus-one', '.'], { cwd: ROOT, encoding: 'utf8' }).stdout);
    const onView = json.findings.find((f: { file: string; range: { start: { line: number } } }) => f.file === 'shop/views.py' && f.range.start.line === 13);
    assert.equal(onView.related[0].file, 'shop/serializers.py');
    assert.ok(onView.related[0].range.start.line >= 1 && typeof onView.related[0].message === 'string');
    const sarif = JSON.parse(spawnSync(process.execPath, [BIN, '--format', 'sarif', '--select', 'n-plus-one', '.'], { cwd: ROOT, encoding: 'utf8' }).stdout);
    const results = sarif.runs[0].results as { locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[]; relatedLocations?: { id: number; physicalLocation: { artifactLocation: { uri: string } }; message: { text: string } }[] }[];
    const result = results.find((r) => r.locations[0].physicalLocation.artifactLocation.uri.endsWith('shop/views.py') && r.locations[0].physicalLocation.region.startLine === 13);
    assert.ok(result?.relatedLocations, 'relatedLocations on the view finding');
    assert.ok(result.relatedLocations[0].physicalLocation.artifactLocation.uri.endsWith('shop/serializers.py'));
    assert.equal(result.relatedLocations[0].id, 0);
  });
});
