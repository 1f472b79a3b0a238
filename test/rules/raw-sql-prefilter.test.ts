/**
 * unbounded-query's raw-SQL check parses a TS/JS file only when some call in it could run the SELECT it spells
 * (rules/unbounded-query/raw-sql.ts `mayRunRawSelect`). What a user checks: a React component whose placeholder reads
 * `SELECT ... FROM` is not parsed (in a scan with no other use for it, the parse loads the TypeScript compiler: ~70 MB
 * in that thread), while SQL handed to a driver method or to one of the project's SQL helpers still is.
 */
import * as assert from 'node:assert/strict';
import type { RuleContext } from '../../rules/api';
import { mayRunRawSelect } from '../../rules/unbounded-query/raw-sql';

const HELPER = `import { Pool } from 'pg';
export const executeQuery = async (pool: Pool, query: string) => pool.query(query);
`;

/** What mayRunRawSelect reads of a rule context: the file's text and the project's texts. */
function contextOf(relPath: string, text: string, others: Record<string, string>): RuleContext {
  const files = { ...others, [relPath]: text };
  const project = { memoryLimitMb: 512, files: () => Object.keys(files), readFile: (rel: string) => files[rel as keyof typeof files] };
  return { file: { relPath, text }, project } as unknown as RuleContext;
}

describe('unbounded-query raw-SQL pre-filter', () => {
  it('lets through SQL spelt beside a driver method', () => {
    const text = "const sql = 'SELECT * FROM events';\nexport const all = () => db\n  .query(sql);\n";
    assert.equal(mayRunRawSelect(contextOf('src/events.ts', text, {})), true);
  });

  it('lets through SQL handed to a project helper, with no driver method in the file', () => {
    const text = "import { executeQuery } from './db';\nexport const all = (pool) => executeQuery(pool, 'SELECT * FROM events');\n";
    assert.equal(mayRunRawSelect(contextOf('src/events.ts', text, { 'src/db.ts': HELPER })), true);
  });

  it('lets through a SELECT call on its own', () => {
    assert.equal(mayRunRawSelect(contextOf('src/a.js', "pool.execute(`select id from users`);\n", {})), true);
  });

  it('skips a component whose text only spells a SELECT', () => {
    const text = 'export const Help = () => <input placeholder="SELECT name FROM users WHERE id = {{ id }}" />;\n';
    assert.equal(mayRunRawSelect(contextOf('src/Help.jsx', text, { 'src/db.ts': HELPER })), false);
  });

  it("skips a file that names a helper only inside a longer name", () => {
    const text = "const hint = 'select id from users';\nexport const executeQueryLater = () => hint;\nconst $executeQuery = 1;\n";
    assert.equal(mayRunRawSelect(contextOf('src/hint.ts', text, { 'src/db.ts': HELPER })), false);
  });
});
