/**
 * The TS/JS import graph's per-request reach in the editor: a server-only helper's whole read is reported while a
 * route of another module imports and calls it (through a tsconfig alias and an index file), and the answer follows
 * edits of that route (built per module version, never stale).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initParsers } from '../support/analyze';
import { openTempWorkspace } from '../support/scans';

const HELPER = "import { prisma } from '@/lib/prisma';\n\nexport async function listOrders(status: string) {\n  return prisma.order.findMany({ where: { status } });\n}\n";
const ROUTE_CALLING = "import { listOrders } from '@/lib/server';\n\nexport async function GET() {\n  return Response.json(await listOrders('paid'));\n}\n";
const ROUTE_NOT_CALLING = "import { listOrders } from '@/lib/server';\n\nexport const warm = listOrders('paid');\n\nexport async function GET() {\n  return Response.json([]);\n}\n";

describe('TS import graph: per-request reach across modules', () => {
  before(() => initParsers());

  it('reports a helper read while a route handler imports and calls it, and follows edits of that route', async () => {
    const ws = await openTempWorkspace({
      'package.json': '{ "dependencies": { "next": "14.0.0", "@prisma/client": "5.0.0" } }',
      'tsconfig.json': '{ "compilerOptions": { "baseUrl": ".", "paths": { "@/*": ["src/*"] } } }',
      'src/lib/prisma.ts': "import { PrismaClient } from '@prisma/client';\nexport const prisma = new PrismaClient();\n",
      'src/lib/server/orders.ts': HELPER,
      'src/lib/server/index.ts': "export * from './orders';\n",
      'src/app/api/orders/route.ts': ROUTE_CALLING,
    });
    const helper = path.join(ws.root, 'src/lib/server/orders.ts');
    const route = path.join(ws.root, 'src/app/api/orders/route.ts');
    const reads = (text = HELPER) => ws.analyzeText(helper, text).findings.filter((f) => f.ruleId === 'unbounded-query');

    const first = reads();
    assert.equal(first.length, 1);
    assert.match(first[0].detail ?? '', /Request code calls it: src\/app\/api\/orders\/route\.ts:4/);
    // A keystroke in the helper that changes no export keeps the finding.
    assert.equal(reads(HELPER.replace("{ status } }", "{ status }  }")).length, 1);
    // Renamed, the function is no longer what the route imports.
    assert.deepEqual(reads(HELPER.replace('listOrders', 'listAllOrders')), []);

    // The route calls it only at import (once per process): not a per-request read.
    fs.writeFileSync(route, ROUTE_NOT_CALLING);
    ws.invalidate(route);
    assert.deepEqual(reads(), []);

    fs.writeFileSync(route, ROUTE_CALLING);
    ws.invalidate(route);
    assert.equal(reads().length, 1);
  });
});
