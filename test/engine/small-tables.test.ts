/**
 * The `smallTables` setting: validated like every setting, names compared case-insensitively without `_`, findings
 * about a listed table dropped in one place (the analyzer) for scans alike; the edit its quick fix makes to each kind
 * of settings file; and every message kind of the three rules that carry a table pinned by a fixture.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { ConfigError } from '../../server/src/engine/config';
import { addSmallTableEdits } from '../../server/src/engine/small-tables-edit';
import { tableKey } from '../../server/src/engine/small-tables';
import { Workspace } from '../../server/src/engine/workspace';
import { listFixtures, readExpectations } from '../support/fixtures';
import { rulesWithId } from '../support/analyze';
import { removeTempWorkspaces, tempWorkspace } from '../support/tmp';

after(removeTempWorkspaces);

/** An export loop (unbounded-queryset) and a per-row read (n-plus-one), both over Order rows. */
const VIEWS_PY = `import csv

from django.http import HttpResponse, JsonResponse

from .models import Order


def export_orders(request):
    response = HttpResponse(content_type="text/csv")
    writer = csv.writer(response)
    for order in Order.objects.filter(status="paid"):
        writer.writerow([order.id, order.total])
    return response


def order_list(request):
    orders = Order.objects.filter(status="paid")
    rows = [{"id": o.id, "customer": o.customer.name} for o in orders]
    return JsonResponse({"orders": rows})
`;

async function scan(files: Record<string, string>): Promise<{ ruleId: string; table?: string }[]> {
  const ws = await Workspace.open({ root: tempWorkspace(files) });
  return ws.scan().files.flatMap((f) => f.findings);
}

async function configError(files: Record<string, string>): Promise<ConfigError> {
  try {
    await Workspace.open({ root: tempWorkspace(files) });
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
    return e;
  }
  assert.fail('expected a configuration error');
}

const apply = (text: string, edits: { start: number; end: number; newText: string }[]) =>
  [...edits].sort((a, b) => b.start - a.start).reduce((s, e) => s.slice(0, e.start) + e.newText + s.slice(e.end), text);

describe('smallTables setting', () => {
  it('findings carry their table, and a listed table drops them (any case, with or without _)', async () => {
    const all = await scan({ 'shop/views.py': VIEWS_PY });
    const about = all.filter((f) => f.ruleId === 'unbounded-queryset' || f.ruleId === 'n-plus-one');
    assert.ok(about.length >= 2 && about.every((f) => f.table === 'Order'), JSON.stringify(about));
    for (const settings of <Record<string, string>[]>[
      { 'memlint.toml': 'smallTables = ["ORDER"]\n' },
      { 'pyproject.toml': '[tool.memlint]\nsmallTables = ["_order_"]\n' },
      { 'package.json': '{ "name": "shop", "memlint": { "smallTables": ["order"] } }\n' },
    ]) {
      const left = await scan({ 'shop/views.py': VIEWS_PY, ...settings });
      assert.deepEqual(left.filter((f) => f.table), [], JSON.stringify(settings));
    }
    const others = await scan({ 'shop/views.py': VIEWS_PY, 'memlint.toml': 'smallTables = ["Banner", "OrderLine"]\n' });
    assert.equal(others.filter((f) => f.table === 'Order').length, about.length);
  });

  it('compares names case-insensitively and without _', () => {
    assert.equal(tableKey('menu_item'), tableKey('MenuItem'));
    assert.equal(tableKey('menuItem'), tableKey('MENU_ITEM'));
    assert.notEqual(tableKey('menu_items'), tableKey('MenuItem'));
  });

  it('names file, key and line for a setting that is not a list of names', async () => {
    const notList = await configError({ 'memlint.toml': 'memoryLimitMb = 512\nsmallTables = "Banner"\n' });
    assert.equal(notList.key, 'smallTables');
    assert.equal(notList.line, 2);
    assert.match(notList.message, /memlint\.toml:2: `smallTables`: must be a list of model or table names/);
    const badName = await configError({ 'pyproject.toml': '[tool.memlint]\nsmallTables = ["Banner", "menu items"]\n' });
    assert.equal(badName.key, 'tool.memlint.smallTables');
    assert.equal(badName.line, 2);
    const notString = await configError({ 'package.json': '{\n  "memlint": {\n    "smallTables": [1]\n  }\n}\n' });
    assert.equal(notString.key, 'memlint.smallTables');
    assert.equal(notString.line, 3);
  });
});

describe('smallTables quick fix edit', () => {
  const cases: [file: string, before: string | undefined, after: string | undefined][] = [
    ['memlint.toml', undefined, 'smallTables = ["Banner"]\n'],
    ['memlint.toml', 'memoryLimitMb = 512\n\n[rules]\nn-plus-one = "error"\n', 'memoryLimitMb = 512\nsmallTables = ["Banner"]\n\n[rules]\nn-plus-one = "error"\n'],
    ['memlint.toml', '# settings\n[rules]\nn-plus-one = "error"\n', '# settings\nsmallTables = ["Banner"]\n\n[rules]\nn-plus-one = "error"\n'],
    ['memlint.toml', 'smallTables = []\n', 'smallTables = ["Banner"]\n'],
    ['memlint.toml', 'smallTables = ["Menu"]\r\nmemoryLimitMb = 512\r\n', 'smallTables = ["Menu", "Banner"]\r\nmemoryLimitMb = 512\r\n'],
    ['memlint.toml', 'smallTables = [\n  "Menu",\n  "Dish",\n]\n', 'smallTables = [\n  "Menu",\n  "Dish",\n  "Banner",\n]\n'],
    ['memlint.toml', 'smallTables = ["banner"]\n', 'smallTables = ["banner"]\n'],
    ['pyproject.toml', '[project]\nname = "x"\n\n[tool.memlint]\nmemoryLimitMb = 512\n\n[tool.memlint.rules]\nx = "off"\n', '[project]\nname = "x"\n\n[tool.memlint]\nmemoryLimitMb = 512\nsmallTables = ["Banner"]\n\n[tool.memlint.rules]\nx = "off"\n'],
    ['pyproject.toml', '[project]\nname = "x"\n', '[project]\nname = "x"\n\n[tool.memlint]\nsmallTables = ["Banner"]\n'],
    ['pyproject.toml', '[tool.memlint]\n\n[tool.black]\nline-length = 100\n', '[tool.memlint]\nsmallTables = ["Banner"]\n\n[tool.black]\nline-length = 100\n'],
    ['pyproject.toml', '[tool]\nmemlint = { memoryLimitMb = 512 }\n', undefined],
    ['package.json', '{\n  "name": "x",\n  "memlint": {\n    "memoryLimitMb": 512\n  }\n}\n', '{\n  "name": "x",\n  "memlint": {\n    "memoryLimitMb": 512,\n    "smallTables": [\n      "Banner"\n    ]\n  }\n}\n'],
    ['package.json', '{\r\n\t"name": "x",\r\n\t"memlint": {}\r\n}\r\n', '{\r\n\t"name": "x",\r\n\t"memlint": {\r\n\t\t"smallTables": [\r\n\t\t\t"Banner"\r\n\t\t]\r\n\t}\r\n}\r\n'],
  ];
  for (const [file, before, after] of cases) {
    it(`${file}: ${JSON.stringify(before ?? '(new file)').slice(0, 60)}`, () => {
      const edits = addSmallTableEdits(`/w/${file}`, before, 'Banner');
      assert.equal(edits === undefined ? undefined : apply(before ?? '', edits), after);
    });
  }
});

describe('smallTables: the table of every message kind is pinned by a fixture', () => {
  for (const ruleId of ['unbounded-queryset', 'unbounded-query', 'n-plus-one']) {
    it(ruleId, () => {
      const pinned = new Set<string>();
      for (const f of listFixtures(ruleId)) {
        const e = readExpectations(f.abs, fs.readFileSync(f.abs, 'utf8'));
        for (const [line, ids] of e.messageIds) if (e.tables.has(line) && ids.has(ruleId)) pinned.add(ids.get(ruleId)!);
      }
      const kinds = new Set(rulesWithId(ruleId).flatMap((r) => Object.keys(r.meta.messages ?? {})));
      // Message kinds no fixture reports at all are the fixture suite's to cover, not this test's.
      const reported = new Set<string>();
      for (const f of listFixtures(ruleId)) for (const ids of readExpectations(f.abs, fs.readFileSync(f.abs, 'utf8')).messageIds.values()) if (ids.has(ruleId)) reported.add(ids.get(ruleId)!);
      assert.deepEqual([...kinds].filter((k) => reported.has(k) && !pinned.has(k)), []);
    });
  }
});
