/**
 * The TS ORM rules skip files before parsing them when no call can be an ORM read (rules/typescript/orm.ts:
 * mayHaveOrmCalls). What a user checks: reads the rules recognise only through the project's dependencies are
 * still reported, and front-end array calls (`.find(`, `.count`) are not.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { Workspace } from '../../server/src/engine/workspace';
import { removeTempWorkspaces, tempWorkspace } from '../support/tmp';

const ROUTE = `import express from 'express';
import { db } from '../lib/db';

const router = express.Router();

router.get('/items', async (req, res) => {
  const items = await db.item.findMany({ where: { active: true } });
  for (const item of items) {
    item.owner = await db.user.findUnique({ where: { id: item.ownerId } });
  }
  res.json(items);
});

export default router;
`;

const COMPONENT = `import { Component } from '@angular/core';

@Component({ selector: 'app-list', template: '' })
export class ListComponent {
  rows: { id: number; tags: string[] }[] = [];
  find(id: number) {
    for (const row of this.rows) if (row.tags.find((t) => t === String(id))) return row;
    return this.rows.find((r) => r.id === id);
  }
}
`;

async function findings(files: Record<string, string>, file: string): Promise<string[]> {
  const root = tempWorkspace(files);
  const ws = await Workspace.open({ root });
  return ws.analyzeFile(path.join(root, file)).findings.map((f) => `${f.ruleId}:${f.range.start.line + 1}`);
}

describe('TS ORM rules: files without ORM evidence are skipped before the parse', () => {
  after(removeTempWorkspaces);

  it('a local `db` client is Prisma when the project depends on @prisma/client (no "prisma" in the file)', async () => {
    const manifest = JSON.stringify({ dependencies: { '@prisma/client': '^5.0.0', express: '^4.0.0' } });
    const found = await findings({ 'package.json': manifest, 'routes/items.ts': ROUTE, 'lib/db.ts': 'export const db = {} as any;\n' }, 'routes/items.ts');
    assert.ok(found.includes('n-plus-one:9'), found.join(', '));
    assert.ok(found.includes('unbounded-query:7'), found.join(', '));
  });

  it('the same file in a project without @prisma/client reports nothing', async () => {
    const manifest = JSON.stringify({ dependencies: { express: '^4.0.0' } });
    const found = await findings({ 'package.json': manifest, 'routes/items.ts': ROUTE, 'lib/db.ts': 'export const db = {} as any;\n' }, 'routes/items.ts');
    assert.deepEqual(found.filter((f) => /n-plus-one|unbounded-query/.test(f)), []);
  });

  it('array .find() in an Angular component is no ORM read', async () => {
    const manifest = JSON.stringify({ dependencies: { '@angular/core': '^17.0.0' } });
    assert.deepEqual(await findings({ 'package.json': manifest, 'src/app/list.component.ts': COMPONENT }, 'src/app/list.component.ts'), []);
  });
});
