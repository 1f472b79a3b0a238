/**
 * What a project's Prisma schema says about its models: which relation fields are lists (to-many) and which models
 * get rows over time (a creation timestamp). Read from the `schema.prisma` nearest the analysed file (its folder or a
 * `prisma/` folder beside it, walking up), or from a `prisma/schema/` folder of several `.prisma` files.
 */
import type { RuleContext } from '../../rules/api';

export interface PrismaModel {
  name: string;
  /** Relation and scalar fields by name: the type they hold and whether it is a list (`posts Post[]`). */
  fields: Map<string, { type: string; list: boolean }>;
  /** A creation stamp (`createdAt DateTime @default(now())`): rows are added over time. */
  timestamped: boolean;
  /** Fields that name one row: `@id`, `@unique`. */
  unique: Set<string>;
  /** Field sets that together name one row: `@@id([a, b])`, `@@unique([a, b])`. */
  compounds: string[][];
  /** The model block's text, comments removed (for its attributes: `@unique`, `@relation(fields: [...])`). */
  body: string;
}

export interface PrismaSchema {
  /** Models by name, also by their client accessor (`userStocks` for `UserStocks`). */
  models: Map<string, PrismaModel>;
}

const parsed = new Map<string, PrismaSchema>();

/** The schema of the project the file belongs to, or undefined when none is found. */
export function prismaSchemaFor(ctx: RuleContext): PrismaSchema | undefined {
  const text = schemaText(ctx);
  if (text === undefined) return undefined;
  let schema = parsed.get(text);
  if (!schema) {
    schema = parseSchema(text);
    if (parsed.size > 16) parsed.clear();
    parsed.set(text, schema);
  }
  return schema;
}

/** A model by the name a client uses for it (`prisma.userStocks` -> `UserStocks`) or by its own name. */
export function modelNamed(schema: PrismaSchema, name: string): PrismaModel | undefined {
  return schema.models.get(name) ?? schema.models.get(name.charAt(0).toUpperCase() + name.slice(1));
}

function schemaText(ctx: RuleContext): string | undefined {
  const parts = ctx.file.relPath.split('/').slice(0, -1);
  for (let i = parts.length; i >= 0; i--) {
    const dir = parts.slice(0, i).join('/');
    const at = (rel: string) => (dir ? `${dir}/${rel}` : rel);
    const text = ctx.project.readFile(at('prisma/schema.prisma')) ?? ctx.project.readFile(at('schema.prisma'));
    if (text !== undefined) return text;
  }
  // Prisma's multi-file schemas: prisma/schema/*.prisma
  const files = ctx.project.files().filter((f) => /(^|\/)prisma\/schema\/[^/]+\.prisma$/.test(f));
  if (files.length === 0) return undefined;
  return files.map((f) => ctx.project.readFile(f) ?? '').join('\n');
}

const MODEL = /^\s*model\s+(\w+)\s*\{([^}]*)\}/gm;
const COMPOUND = /^\s*@@(?:id|unique)\s*\(\s*(?:fields\s*:\s*)?\[([^\]]*)\]/;
const FIELD = /^\s*(\w+)\s+(\w+)(\[\])?(\?)?(.*)$/;

function parseSchema(text: string): PrismaSchema {
  const models = new Map<string, PrismaModel>();
  for (const m of text.replace(/\/\/.*$/gm, '').matchAll(MODEL)) {
    const model: PrismaModel = { name: m[1], fields: new Map(), timestamped: false, unique: new Set(), compounds: [], body: m[2] };
    for (const line of m[2].split('\n')) {
      const compound = COMPOUND.exec(line);
      if (compound) model.compounds.push(compound[1].split(',').map((c) => c.trim().replace(/\(.*$/, '')).filter(Boolean));
      const f = FIELD.exec(line);
      if (!f || f[1].startsWith('@')) continue;
      model.fields.set(f[1], { type: f[2], list: f[3] !== undefined });
      if (/@(id|unique)\b/.test(f[5])) model.unique.add(f[1]);
      if (f[2] === 'DateTime' && /@default\(\s*now\(\)\s*\)/.test(f[5])) model.timestamped = true;
    }
    models.set(model.name, model);
  }
  return { models };
}

/** A field that names a calendar day: `date`, `day`, `logDate`, `entry_day` (a DateTime or a 'YYYY-MM-DD' string). */
const DAY_FIELD = /^(date|day)$|(Date|Day|_date|_day)$/;

/**
 * Rows keyed by a parent and a day (`@@unique([habitId, date])`): a daily record (a habit's check-ins, a sensor's
 * readings per day) that gains a row per parent every day it is used, with or without a creation stamp.
 */
export function oneRowPerDay(model: PrismaModel): boolean {
  return model.compounds.some(
    (c) => c.length === 2 && c.some((f) => DAY_FIELD.test(f) && /^(DateTime|String)$/.test(model.fields.get(f)?.type ?? '')) && c.some((f) => /(Id|_id)$/.test(f)),
  );
}
