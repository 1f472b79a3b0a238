/**
 * The to-many references of a Mongoose model: schema fields holding an array of ids of another model, which
 * `.populate()` turns into one document each. Read from the schema text of the module the model comes from (or the
 * file itself): `comments: [{ type: Schema.Types.ObjectId, ref: 'Comment' }]`, `followers: { type: [{ type: ObjectId,
 * ref: 'User' }] }`, an array of subdocuments each holding one (`followers: [{ user: { type: ObjectId, ref: 'User' } }]`), Nest's `@Prop({ type: [{ type: Types.ObjectId, ref: 'Comment' }] }) comments: Comment[]`.
 */
import path from 'node:path';
import { ts } from 'ts-morph';
import type { RuleContext } from '../../rules/api';
import { decoratorCall, thisMember, unwrap } from './ast';
import { importSource, isLocalSpecifier } from './imports';

const EXTENSIONS = ['', '.ts', '.js', '/index.ts', '/index.js', '.mjs', '.cjs'];
const REF = `\\bref\\s*:\\s*(?:['"\`](\\w+)['"\`]|(\\w+)\\.name\\b)`;
/** `field: [{ ..., ref: 'Comment' }]` and `field: { type: [{ ..., ref: 'Comment' }] }`. */
const ARRAY_FIELD = new RegExp(`\\b(\\w+)\\s*:\\s*(?:\\{\\s*type\\s*:\\s*)?\\[\\s*\\{[^\\[\\]{}]*?${REF}[^\\[\\]{}]*\\}\\s*\\]`, 'g');
/** `followers: [{ user: { type: ObjectId, ref: 'User' }, since: Date }]`: an array of subdocuments, each holding one reference. */
const SUBDOCUMENT_ARRAY = new RegExp(`\\b(\\w+)\\s*:\\s*(?:\\{\\s*type\\s*:\\s*)?\\[\\s*\\{\\s*(?:[^\\[\\]{}]*?,\\s*)?\\w+\\s*:\\s*\\{[^\\[\\]{}]*?${REF}[^\\[\\]{}]*\\}[^\\[\\]{}]*?\\}\\s*,?\\s*\\]`, 'g');
/** `@Prop({ type: [{ type: Types.ObjectId, ref: 'Comment' }] }) comments: Comment[]`. */
const NEST_PROP = new RegExp(`@Prop\\s*\\(\\s*\\{\\s*type\\s*:\\s*\\[\\s*\\{[^\\[\\]{}]*?${REF}[^\\[\\]{}]*\\}\\s*\\][^)]*\\)\\s*(?:readonly\\s+)?(\\w+)`, 'g');

const cache = new Map<string, Map<string, string>>();

/** Field name -> referenced model, for the model a Mongoose read's receiver names; undefined when not found. */
export function toManyRefs(ctx: RuleContext, receiver: ts.Expression): Map<string, string> | undefined {
  const id = modelIdentifier(receiver);
  if (!id) return undefined;
  const source = importSource(id);
  if (!source) return refsIn(id.getSourceFile().text);
  if (!isLocalSpecifier(source.specifier)) return undefined;
  const dir = path.posix.dirname(ctx.file.relPath);
  const base = path.posix.normalize(path.posix.join(dir, source.specifier)).replace(/\.(js|mjs|cjs)$/, '');
  for (const ext of EXTENSIONS) {
    const text = ctx.project.readFile(`${base}${ext}`);
    if (text !== undefined) return refsIn(text);
  }
  return undefined;
}

/** `Post` of `Post.findById()`, or the `Post` of `@InjectModel(Post.name) private postModel: Model<PostDocument>`. */
function modelIdentifier(receiver: ts.Expression): ts.Identifier | undefined {
  const e = unwrap(receiver);
  if (ts.isIdentifier(e)) return e;
  if (!ts.isPropertyAccessExpression(e)) return undefined;
  const member = thisMember(e);
  const inject = member && decoratorCall(member, 'InjectModel');
  const arg = inject?.arguments[0] && unwrap(inject.arguments[0]);
  if (arg && ts.isPropertyAccessExpression(arg) && ts.isIdentifier(arg.expression)) return arg.expression;
  return arg && ts.isIdentifier(arg) ? arg : undefined;
}

function refsIn(text: string): Map<string, string> {
  let refs = cache.get(text);
  if (refs) return refs;
  refs = new Map();
  if (/\bref\s*:/.test(text)) {
    for (const m of text.matchAll(ARRAY_FIELD)) if (m[1] !== 'type') refs.set(m[1], m[2] ?? m[3]);
    for (const m of text.matchAll(SUBDOCUMENT_ARRAY)) if (m[1] !== 'type' && !refs.has(m[1])) refs.set(m[1], m[2] ?? m[3]);
    for (const m of text.matchAll(NEST_PROP)) refs.set(m[3], m[1] ?? m[2]);
  }
  if (cache.size >= 64) cache.delete(cache.keys().next().value as string);
  cache.set(text, refs);
  return refs;
}
