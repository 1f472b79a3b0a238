/**
 * How the TS import graph resolves a module specifier to a project file: what an editor's "go to definition" would
 * open for the same import.
 */
import * as assert from 'node:assert/strict';
import type { ProjectInfo } from '../../rules/api';
import { resolveModule } from '../../analysis/typescript/import-graph';

function project(files: Record<string, string>): ProjectInfo {
  return { files: () => Object.keys(files), readFile: (rel) => files[rel] };
}

describe('TS import graph: module resolution', () => {
  const p = project({
    'web/tsconfig.base.json': '{ "compilerOptions": { "baseUrl": "./src", "paths": { "~server/*": ["server/*"] } } }',
    // A comment and a trailing comma, as tsconfig files have.
    'web/tsconfig.json': '{\n  // the app\n  "extends": "./tsconfig.base.json",\n  "compilerOptions": { "strict": true, },\n}',
    'web/src/server/db.ts': '',
    'web/src/server/users/index.ts': '',
    'web/src/lib/format.ts': '',
    'web/src/app/page.tsx': '',
    'api/src/routes/items.js': '',
    'api/src/models/item.js': '',
    'api/src/services/mail.ts': '',
    'next/src/lib/prisma.ts': '',
    'next/package.json': '{}',
  });

  it('follows paths and baseUrl of the nearest tsconfig, through extends', () => {
    assert.equal(resolveModule(p, 'web/src/app/page.tsx', '~server/db'), 'web/src/server/db.ts');
    assert.equal(resolveModule(p, 'web/src/app/page.tsx', 'lib/format'), 'web/src/lib/format.ts');
  });

  it('resolves relative paths to index files and TS files named with .js', () => {
    assert.equal(resolveModule(p, 'web/src/app/page.tsx', '../server/users'), 'web/src/server/users/index.ts');
    assert.equal(resolveModule(p, 'api/src/routes/items.js', '../models/item'), 'api/src/models/item.js');
    assert.equal(resolveModule(p, 'api/src/routes/items.js', '../services/mail.js'), 'api/src/services/mail.ts');
  });

  it('reads `@/` as the package src/ folder when no config says, and leaves packages alone', () => {
    assert.equal(resolveModule(p, 'next/src/app/page.tsx', '@/lib/prisma'), 'next/src/lib/prisma.ts');
    assert.equal(resolveModule(p, 'api/src/routes/items.js', 'express'), undefined);
    assert.equal(resolveModule(p, 'api/src/routes/items.js', '../../../outside'), undefined);
  });
});
