/**
 * What a project's Drizzle schema says about its tables: which tables get rows over time (a creation stamp) and which
 * relations are to-many. Read from the text of every module that declares tables (`pgTable('payments', {...})`,
 * `mysqlTable`, `sqliteTable`, `schema.table`) or relations: v1 `relations(users, ({ many }) => ({ posts: many(posts)
 * }))` and v2 `defineRelations(schema, (r) => ({ users: { posts: r.many.posts() } }))`. A project fact, rebuilt only
 * when another file of the project changes (project-texts.ts); each file is read once per text version.
 */
import { FileVersionSlot, ProjectSlot } from '../cache';
import { projectTexts } from '../project-texts';
import type { RuleContext } from '../../rules/api';

export interface DrizzleTable {
  /** The variable the schema exports it as (`paymentSchema`), also the key of `db.query.<key>`. */
  name: string;
  /** Its SQL name (`payment`). */
  sqlName: string;
  /** A creation stamp: a timestamp/date column with `defaultNow()`, `default(sql\`now()\`)` or `$defaultFn(() => new Date())`. */
  stamped: boolean;
}

export interface DrizzleRelation {
  /** The table the relation starts from (its variable), or '*' for a v2 relation whose owner the text does not say. */
  from: string;
  key: string;
  /** The related table's variable. */
  to: string;
  many: boolean;
}

export interface DrizzleSchema {
  tables: Map<string, DrizzleTable>;
  relations: DrizzleRelation[];
}

const SOURCE = /\.[cm]?[jt]s$/;
const SKIP = /(^|\/)(node_modules|dist|build|\.next|out|coverage)\/|\.d\.ts$/;
const MAX_FILES = 4000;

const digests = new FileVersionSlot<DrizzleSchema>('drizzle-schema', 400);
const slot = new ProjectSlot<{ key?: object; value?: DrizzleSchema }>('drizzle-schema', () => ({}));

/** The project's Drizzle tables and relations; empty when the project declares none. */
export function drizzleSchemaFor(ctx: RuleContext): DrizzleSchema {
  const texts = projectTexts(ctx.project, { relPath: ctx.file.relPath, text: ctx.file.text });
  const key = texts.stamp ?? texts.files;
  const holder = slot.get(ctx.project);
  if (holder.value && holder.key === key) return holder.value;
  const schema: DrizzleSchema = { tables: new Map(), relations: [] };
  const sources = texts.files.filter((f) => SOURCE.test(f) && !SKIP.test(f));
  if (sources.length <= MAX_FILES) {
    for (const f of sources) {
      const text = texts.text(f);
      if (text === undefined || !text.includes('drizzle-orm')) continue;
      const own = digests.get(f, text, () => parseSchemaModule(text));
      for (const [name, t] of own.tables) schema.tables.set(name, t);
      schema.relations.push(...own.relations);
    }
  }
  holder.key = key;
  holder.value = schema;
  return schema;
}

/** A table by the name a query uses (`db.query.payments`, `from(payments)`): its variable, else its SQL name. */
export function drizzleTable(schema: DrizzleSchema, name: string): DrizzleTable | undefined {
  const direct = schema.tables.get(name);
  if (direct) return direct;
  for (const t of schema.tables.values()) if (t.sqlName === name) return t;
  return undefined;
}

/** The relation `key` of `table`, as the schema declares it. */
export function drizzleRelation(schema: DrizzleSchema, table: string, key: string): DrizzleRelation | undefined {
  return schema.relations.find((r) => r.key === key && r.from === table) ?? schema.relations.find((r) => r.key === key && r.from === '*');
}

const TABLE = /\b(?:export\s+)?(?:const|let|var)\s+(\w+)\s*=\s*(?:\w+\.)?(?:pgTable|mysqlTable|sqliteTable|singlestoreTable|table)\s*\(\s*['"`]([\w.-]+)['"`]\s*,/g;
const RELATIONS_V1 = /\brelations\s*\(\s*(\w+)\s*,/g;
const MANY_OR_ONE = /(\w+)\s*:\s*(many|one)\s*\(\s*(\w+)/g;
const V2_RELATION = /(\w+)\s*:\s*\w+\s*\.\s*(many|one)\s*\.\s*(\w+)\s*\(/g;
/** A column stamped at insert: the default is the current time. */
const STAMP = /\.defaultNow\s*\(|\.default\s*\(\s*sql\s*`\s*(now\(\)|CURRENT_TIMESTAMP|\(?unixepoch)|\$defaultFn\s*\(\s*\(\s*\)\s*=>\s*new\s+Date\s*\(|\.\.\.\s*\w*timestamps?\w*\b/i;

function parseSchemaModule(text: string): DrizzleSchema {
  const tables = new Map<string, DrizzleTable>();
  const relations: DrizzleRelation[] = [];
  for (const m of text.matchAll(TABLE)) {
    const body = restOfCall(text, m.index + m[0].length);
    tables.set(m[1], { name: m[1], sqlName: m[2], stamped: STAMP.test(body) });
  }
  for (const m of text.matchAll(RELATIONS_V1)) {
    const body = restOfCall(text, m.index + m[0].length);
    for (const r of body.matchAll(MANY_OR_ONE)) relations.push({ from: m[1], key: r[1], to: r[3], many: r[2] === 'many' });
  }
  if (/\bdefineRelations\s*\(/.test(text)) {
    for (const r of text.matchAll(V2_RELATION)) relations.push({ from: '*', key: r[1], to: r[3], many: r[2] === 'many' });
  }
  return { tables, relations };
}

/** The rest of the call whose arguments start at `start`: up to the bracket that closes it (or the end of the file). */
function restOfCall(text: string, start: number): string {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '{' || c === '[') depth++;
    else if ((c === ')' || c === '}' || c === ']') && --depth < 0) return text.slice(start, i);
  }
  return text.slice(start);
}
