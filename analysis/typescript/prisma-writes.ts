/**
 * Which Prisma models the project's own code can add rows to. A model whose rows only a seed script or an import
 * outside the app creates (a catalogue of game heroes, a list of plans) holds as many rows as were seeded: reading all
 * of them per request is bounded. Read from the text of every TS/JS file outside scripts, seeds, migrations and tests:
 * `<client>.<model>.create(` / `createMany` / `createManyAndReturn` / `upsert`. Conservative: a model another model
 * refers to (nested writes, `posts: { create: [...] }`) counts as written, and so does every model when the project
 * writes rows in ways the text does not name (raw SQL or Mongo commands, `prisma[model].create`), when it writes no
 * model at all through Prisma (a read-only API over a database something else fills), or when it has too many files to
 * read. Kept while no other file of the project changes (project-texts.ts); the analysed file is read from its current text.
 */
import { FileVersionSlot, ProjectSlot } from '../cache';
import { projectTexts } from '../project-texts';
import type { RuleContext } from '../../rules/api';
import { isOfflineFile } from './handlers';
import { modelNamed, prismaSchemaFor } from './prisma-schema';

interface FileWrites {
  /** Client accessors written (`userDashboard`). */
  accessors: Set<string>;
  /** A write the text does not name a model for. */
  opaque: boolean;
}

interface ProjectWrites {
  files: Map<string, FileWrites>;
  /** False when the project is too big to read whole. */
  complete: boolean;
}

const MAX_FILES = 4000;
const SOURCE = /\.[cm]?[jt]sx?$/;
const SKIP = /(^|\/)(node_modules|dist|build|\.next|out|coverage|vendor)\/|\.d\.ts$|\.min\.js$/;
const WRITE = /\.\s*(\w+)\s*\.\s*(?:create|createMany|createManyAndReturn|upsert)\s*\(/g;
const OPAQUE_WRITE = /\$(executeRaw|executeRawUnsafe|runCommandRaw)\b|\]\s*\.\s*(create|createMany|upsert)\s*\(|\.(insertOne|insertMany|bulkWrite)\s*\(|\bINSERT\s+INTO\b/i;
/** Models an auth library's Prisma adapter writes (NextAuth / Auth.js). */
const ADAPTER_MODELS = /^(user|account|session|verificationToken|authenticator)$/i;

/** Each file's writes, once per text version. */
const digests = new FileVersionSlot<FileWrites>('prisma-writes', 400);
/** The project's writes, kept while nothing else in the project changed (the analysed file is judged from its own text). */
const slot = new ProjectSlot<{ key?: object; value?: ProjectWrites }>('prisma-writes', () => ({}));

function writesOf(text: string): FileWrites {
  const accessors = new Set<string>();
  if (!/create|upsert|insert|\$execute|\$runCommand/i.test(text)) return { accessors, opaque: false };
  for (const m of text.matchAll(WRITE)) accessors.add(m[1]);
  return { accessors, opaque: OPAQUE_WRITE.test(text) };
}

function projectWrites(ctx: RuleContext): ProjectWrites {
  const texts = projectTexts(ctx.project, { relPath: ctx.file.relPath, text: ctx.file.text });
  // the engine's change stamp; for a project no engine tracks, its file list (the same array while unchanged)
  const key = texts.stamp ?? texts.files;
  const holder = slot.get(ctx.project);
  if (holder.value && holder.key === key) return holder.value;
  const files = new Map<string, FileWrites>();
  const sources = texts.files.filter((f) => SOURCE.test(f) && !SKIP.test(f) && !isOfflineFile(f));
  const complete = sources.length <= MAX_FILES;
  if (complete) {
    for (const f of sources) {
      const text = texts.text(f);
      if (text !== undefined) files.set(f, digests.get(f, text, () => writesOf(text)));
    }
  }
  holder.key = key;
  holder.value = { files, complete };
  return holder.value;
}

/**
 * True when the Prisma model a client accessor names (`heroes`) gets no rows from the project's request-side code: no
 * create/upsert of it anywhere outside scripts and seeds, no other model relates to it, and the project does write
 * other models through Prisma.
 */
export function prismaModelNeverWritten(ctx: RuleContext, accessor: string): boolean {
  if (ADAPTER_MODELS.test(accessor)) return false;
  const schema = prismaSchemaFor(ctx);
  const model = schema && modelNamed(schema, accessor);
  if (!schema || !model) return false;
  for (const other of schema.models.values()) {
    if (other === model) continue;
    for (const field of other.fields.values()) if (field.type === model.name) return false;
  }
  const project = projectWrites(ctx);
  if (!project.complete) return false;
  const own = isOfflineFile(ctx.file.relPath) ? undefined : writesOf(ctx.file.text);
  let writesSomething = false;
  const lower = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
  const names = new Set([accessor, lower(model.name), model.name]);
  const check = (w: FileWrites): boolean => {
    if (w.opaque) return false;
    for (const a of w.accessors) {
      if (names.has(a)) return false;
      if (modelNamed(schema, a)) writesSomething = true;
    }
    return true;
  };
  for (const [file, w] of project.files) if (file !== ctx.file.relPath && !check(w)) return false;
  if (own && !check(own)) return false;
  return writesSomething;
}
