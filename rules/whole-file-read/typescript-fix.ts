/**
 * The whole-file-read fix for TS/JS: a request-chosen file read whose bytes are only sent or hashed becomes a
 * `fs.createReadStream(...)`:
 *   Express  `res.send(data)`                         -> `await pipeline(data, res)`
 *   Fastify  `reply.send(data)`                       -> unchanged (Fastify sends streams)
 *   Nest     `new StreamableFile(data)`               -> unchanged (it takes a stream)
 *   hash     `createHash(alg).update(data).digest()`  -> `for await (const chunk of stream) hasher.update(chunk)`
 * Any other use of the bytes gets no fix.
 */
import { ts } from 'ts-morph';
import type { FixSpec, OffsetEdit, RuleContext } from '../api';
import { declarationOf, enclosingFunction, enclosingStatement, eol, identifiersNamed, indentAt, isAsync, methodCall, unwrap } from '../../analysis/typescript/ast';
import { ensureNamedImport } from '../shared/typescript-edits';
import { responseKind } from '../../analysis/typescript/handlers';
import { importStatements, resolveImport } from '../../analysis/typescript/imports';

type Sink =
  | { kind: 'send'; framework: 'express' | 'fastify'; call: ts.CallExpression; response: ts.Expression }
  | { kind: 'streamable' }
  | { kind: 'hash'; update: ts.CallExpression; createHash: ts.Expression };

export function streamReadFix(ctx: RuleContext, read: ts.CallExpression, qualified: string): FixSpec | undefined {
  if (read.arguments.length !== 1) return undefined; // an encoding makes the value a string: leave it to a person
  const sync = qualified === 'fs.readFileSync';
  if (!sync && qualified !== 'fs.promises.readFile') return undefined;
  let value: ts.Expression = read;
  while (ts.isParenthesizedExpression(value.parent)) value = value.parent;
  if (!sync) {
    if (!ts.isAwaitExpression(value.parent)) return undefined;
    value = value.parent;
  }

  // `const data = <read>;` used once, or the read used in place.
  let holder: ts.VariableDeclaration | undefined;
  let use: ts.Expression = value;
  if (ts.isVariableDeclaration(value.parent) && value.parent.initializer === value) {
    holder = value.parent;
    const list = holder.parent;
    const statement = list.parent;
    if (!ts.isIdentifier(holder.name) || !ts.isVariableDeclarationList(list) || list.declarations.length !== 1 || !ts.isVariableStatement(statement) || !ts.isBlock(statement.parent)) return undefined;
    const uses = identifiersNamed(statement.parent, holder.name.text).filter((id) => id !== holder!.name && declarationOf(id) === holder);
    if (uses.length !== 1) return undefined;
    use = uses[0];
  }
  const sink = sinkOf(use);
  if (!sink) return undefined;

  const sf = ctx.typescript();
  const text = ctx.file.text;
  const edits: OffsetEdit[] = [];
  const stream = createReadStreamRef(sf, text, read, edits);
  if (!stream) return undefined;
  const streamExpr = `${stream}(${read.arguments[0].getText()})`;
  if (sink.kind === 'streamable' || (sink.kind === 'send' && sink.framework === 'fastify')) {
    edits.push({ start: value.getStart(), end: value.getEnd(), newText: streamExpr });
    return { title: 'Send a stream (fs.createReadStream) instead of the whole file', edits };
  }
  const fn = enclosingFunction(sink.kind === 'send' ? sink.call : sink.update);
  if (!fn || !isAsync(fn)) return undefined;

  if (sink.kind === 'send') {
    const pipeline = pipelineRef(sf, text, edits);
    if (!pipeline) return undefined;
    const source = holder ? use.getText() : streamExpr;
    if (holder) edits.push({ start: value.getStart(), end: value.getEnd(), newText: streamExpr });
    edits.push({ start: sink.call.getStart(), end: sink.call.getEnd(), newText: `await ${pipeline}(${source}, ${sink.response.getText()})` });
    return { title: 'Stream the file with fs.createReadStream and pipeline', edits };
  }

  // Hash chunk by chunk.
  const hasher = uniqueName(fn.getText(), 'hasher');
  const nl = eol(text);
  const statement = holder ? holder.parent.parent : enclosingStatement(sink.update);
  if (!statement || !(ts.isBlock(statement.parent) || ts.isSourceFile(statement.parent))) return undefined;
  const indent = indentAt(text, statement.getStart());
  const semi = holder ? (statement.getText().trimEnd().endsWith(';') ? ';' : '') : ';';
  const loop = `const ${hasher} = ${sink.createHash.getText()}${semi}${nl}${indent}for await (const chunk of ${streamExpr}) ${hasher}.update(chunk)${semi}`;
  if (holder) edits.push({ start: statement.getStart(), end: statement.getEnd(), newText: loop });
  else edits.push({ start: statement.getStart(), end: statement.getStart(), newText: `${loop}${nl}${indent}` });
  edits.push({ start: sink.update.getStart(), end: sink.update.getEnd(), newText: hasher });
  return { title: 'Hash the file chunk by chunk from fs.createReadStream', edits };
}

/** What the bytes are used for, when it is only sending them or hashing them. */
function sinkOf(use: ts.Expression): Sink | undefined {
  let x: ts.Node = use;
  while (ts.isParenthesizedExpression(x.parent)) x = x.parent;
  const call = x.parent;
  // Nest: `new StreamableFile(data)` accepts a stream as well
  if (ts.isNewExpression(call) && call.arguments?.length === 1 && call.arguments[0] === x && resolveImport(call.expression) === '@nestjs/common.StreamableFile') return { kind: 'streamable' };
  if (!ts.isCallExpression(call) || call.arguments.length !== 1 || call.arguments[0] !== x) return undefined;
  const m = methodCall(call);
  if (!m) return undefined;
  if (m.name === 'send' || m.name === 'end') {
    const framework = responseKind(m.object);
    return framework ? { kind: 'send', framework, call, response: m.object } : undefined;
  }
  if (m.name === 'update') {
    const hash = unwrap(m.object);
    const digest = call.parent;
    const isDigest = ts.isPropertyAccessExpression(digest) && digest.name.text === 'digest' && ts.isCallExpression(digest.parent);
    if (ts.isCallExpression(hash) && /^crypto\.create(Hash|Hmac)$/.test(resolveImport(hash.expression) ?? '') && isDigest) {
      return { kind: 'hash', update: call, createHash: hash };
    }
  }
  return undefined;
}

/** The expression that names `fs.createReadStream` here, adding an import when the file has no `fs` module binding. */
function createReadStreamRef(sf: ts.SourceFile, text: string, read: ts.CallExpression, edits: OffsetEdit[]): string | undefined {
  const callee = unwrap(read.expression);
  if (ts.isPropertyAccessExpression(callee)) {
    const owner = unwrap(callee.expression);
    if (resolveImport(owner) === 'fs') return `${owner.getText()}.createReadStream`;
    if (ts.isPropertyAccessExpression(owner) && owner.name.text === 'promises' && resolveImport(owner.expression) === 'fs') return `${owner.expression.getText()}.createReadStream`;
  }
  const existing = fileBinding(sf, 'createReadStream');
  if (existing === 'fs.createReadStream') return 'createReadStream';
  if (existing !== undefined) return undefined;
  const edit = ensureNamedImport(sf, text, nodePrefix(sf) + 'fs', 'createReadStream');
  if (edit) edits.push(edit);
  return 'createReadStream';
}

/** `pipeline` from `stream/promises`, imported if needed; undefined when the name is taken by something else. */
function pipelineRef(sf: ts.SourceFile, text: string, edits: OffsetEdit[]): string | undefined {
  const existing = fileBinding(sf, 'pipeline');
  if (existing === 'stream.promises.pipeline') return 'pipeline';
  if (existing !== undefined) return undefined;
  const edit = ensureNamedImport(sf, text, nodePrefix(sf) + 'stream/promises', 'pipeline');
  if (edit) edits.push(edit);
  return 'pipeline';
}

/** The qualified name a top-level import binds to `name`, '' for other top-level bindings, undefined when free. */
function fileBinding(sf: ts.SourceFile, name: string): string | undefined {
  for (const st of importStatements(sf)) {
    for (const id of identifiersNamed(st, name)) {
      if (declarationOf(id) === undefined) continue;
      const q = resolveImport(id);
      if (q !== undefined) return q;
    }
  }
  return new RegExp(`\\b(const|let|var|function|class)\\s+${name}\\b`).test(sf.text) ? '' : undefined;
}

/** 'node:' when the file already writes builtin imports that way. */
function nodePrefix(sf: ts.SourceFile): string {
  return /['"]node:/.test(sf.text) ? 'node:' : '';
}

function uniqueName(scopeText: string, base: string): string {
  if (!new RegExp(`\\b${base}\\b`).test(scopeText)) return base;
  for (let i = 2; ; i++) if (!new RegExp(`\\b${base}${i}\\b`).test(scopeText)) return `${base}${i}`;
}

