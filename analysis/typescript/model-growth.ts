/**
 * Whether the rows of a model pile up with use, as far as its declaration says: a creation stamp set when a row is
 * made (Prisma `@default(now())`, TypeORM `@CreateDateColumn`, Sequelize's default `timestamps`, Mongoose
 * `{ timestamps: true }` / `default: Date.now`) or a date of the row's own (a consultation's `date`) marks rows added
 * over time; a model with no time in it is a structure
 * (one class's lessons, one order's lines, a film's episodes) whose rows the app makes as part of its parent. Also
 * which fields of the model point at a parent row (Prisma `@relation(fields: [classId])`, Mongoose `ref`, TypeORM
 * `@ManyToOne`). Read from the facts prisma-schema.ts and unique-keys.ts already build once per project state.
 */
import type { RuleContext } from '../../rules/api';
import { modelNamed, prismaSchemaFor, type PrismaModel, type PrismaSchema } from './prisma-schema';
import { uniqueKeysOf } from './unique-keys';

export interface ModelShape {
  name: string;
  /** Rows carry a creation stamp: they are added over time. */
  stamped: boolean;
  /** The Prisma schema and model, when the project declares the model there. */
  prisma?: { schema: PrismaSchema; model: PrismaModel };
  /** Fields that hold a parent row or its key (non-Prisma ORMs: Mongoose `ref`, TypeORM `@ManyToOne`). */
  refs: ReadonlySet<string>;
  /** Every field the declaration names, and those that alone name one row. */
  fields: ReadonlySet<string>;
  unique: ReadonlySet<string>;
  /** To-many relations and the model each holds (TypeORM `@OneToMany`/`@ManyToMany`; Prisma's list fields are in `prisma`). */
  toMany: ReadonlyMap<string, string>;
}

/** The declared shape of the model a read names, or undefined when the project does not declare it. */
export function modelShape(ctx: RuleContext, orm: string, name: string): ModelShape | undefined {
  if (!name) return undefined;
  if (orm === 'prisma') {
    const schema = prismaSchemaFor(ctx);
    const model = schema && modelNamed(schema, name);
    // A DateTime of the row's own (a consultation's date, a session's day) dates rows issued over time, as a stamp does.
    const dated = model !== undefined && [...model.fields.values()].some((f) => f.type === 'DateTime');
    return model && { name: model.name, stamped: model.timestamped || dated, prisma: { schema, model }, refs: new Set(), fields: new Set(model.fields.keys()), unique: model.unique, toMany: new Map() };
  }
  const keys = uniqueKeysOf(ctx, orm, name);
  return keys && { name, stamped: keys.stamped === true, refs: keys.refs ?? new Set(), fields: keys.fields ?? new Set(), unique: keys.unique, toMany: keys.toMany ?? new Map() };
}

/** The Prisma relation a scalar key fills (`classId` -> the `class Class @relation(fields: [classId])` field's model). */
export function prismaParentOf(schema: PrismaSchema, model: PrismaModel, key: string): PrismaModel | undefined {
  for (const line of model.body.split('\n')) {
    const f = /^\s*(\w+)\s+(\w+)\??\s.*@relation\([^)]*\bfields\s*:\s*\[\s*(\w+)\s*\]/.exec(line);
    if (f && f[3] === key) return schema.models.get(f[2]);
  }
  return undefined;
}
