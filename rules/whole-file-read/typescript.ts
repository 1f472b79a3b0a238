/**
 * whole-file-read (TypeScript/JavaScript): request-chosen files, uploads and request bodies read into memory
 * in one piece: `fs.readFileSync`/`fs.promises.readFile` of request-supplied paths, multer `req.file.buffer`,
 * `await req.arrayBuffer()`/`blob()`, `Buffer.concat` of a whole request stream, `Buffer.from(req.body.x, 'base64')`.
 */
import { clip } from '../shared/format';
import { ts } from 'ts-morph';
import { defineRule, type FixSpec, type RuleContext } from '../api';
import { asObjectLiteral, calleeName, declarationOf, enclosingFunction, hasSyntaxErrors, identifiersNamed, indexOf, isFunctionNode, methodCall, objectPropertyValue, stringValue, unwrap, unwrapAwait } from '../../analysis/typescript/ast';
import { isRequestObject, isUploadSource, requestSource } from '../../analysis/typescript/handlers';
import { resolveImport } from '../../analysis/typescript/imports';
import { streamReadFix } from './typescript-fix';
import { jsonStoreReads } from './json-file-store';
import { chosenAxiosBuffer, chosenFetchBody, FETCH_BODY_METHODS } from './typescript-fetch';
import { wholeFileReadMeta } from './meta';
import { sizeCheckedBefore } from '../../analysis/typescript/upload-size-guards';
import { adminOnlyCode } from '../../analysis/typescript/admin-only-code';
import { projectCapsUploadSize } from '../../analysis/typescript/upload-size-caps';

const FILE_READERS = new Set(['fs.readFileSync', 'fs.promises.readFile', 'fs.readFile', 'fs-extra.readFileSync', 'fs-extra.readFile']);
const STREAM_CONSUMERS = new Set(['stream.consumers.buffer', 'stream.consumers.arrayBuffer', 'stream.consumers.blob', 'raw-body', 'get-stream.buffer']);
const BODY_BUFFERS = new Set(['arrayBuffer', 'blob']);

export default defineRule({
  meta: {
    ...wholeFileReadMeta,
    kinds: ['typescript', 'javascript'],
    // Every finding reads a request (handlers.ts: isRequestObject/requestSource: `req`/`request`, a *Request type,
    // IncomingMessage, Nest's @Req/@Param/@Query/@Body/@UploadedFile): a file naming none is not parsed.
    trigger: {
      test: (text) =>
        // (`.text()` and `responseType` matter only beside a fetch or axios: alone they parsed every Angular service.)
        (/readFile|\.buffer\b|arrayBuffer|blob\(|Buffer\.(concat|from)|consumers|raw-body|get-stream/.test(text) ||
          (/\.text\(\)|responseType/.test(text) && /\bfetch\b|\baxios\b/.test(text))) &&
        /\b(req|request)\b|Request\b|\bRequest[A-Z]|IncomingMessage|@\s*(Req|Param|Query|Body|UploadedFiles?)\b|\.(originalname|mimetype)\b/i.test(text),
    },
    docs: {
      summary: 'Request-chosen files, uploads and request bodies read into memory in one piece (TypeScript/JavaScript).',
      whatItDoes:
        'Finds, in Express/Fastify/Nest/Next.js code: `fs.readFileSync`, `fs.promises.readFile` and `readFile` ' +
        '(however imported) of a path that comes from the request (`req.params`, `req.query`, `req.body`, Nest ' +
        '`@Param()`/`@Query()`/`@Body()`) or of an upload on disk (`req.file.path`, `req.files[i].path`, or `file.path` in ' +
        'a helper the multer file object is passed to, whose `.mimetype`/`.originalname` it also reads); ' +
        '`req.file.buffer` / `file.buffer` of multer uploads (the buffer exists only with memory storage) unless the ' +
        "file's multer config caps `limits.fileSize`, also `file.buffer` in a helper the multer file object is passed to (it reads " +
        "the file's `.originalname`/`.mimetype` too) when no file of the project caps upload sizes (`limits: { fileSize }`, " +
        "typescript-rest's `Server.setFileLimits`); `await req.arrayBuffer()` / `blob()` of a request; " +
        '`Buffer.concat(chunks)` of chunks collected from `req.on("data")` or `for await (const chunk of req)` ' +
        'without a size check, and `stream/consumers` `buffer(req)`; and `Buffer.from(req.body.x, "base64")` of a ' +
        'whole request field; the body of a caller-chosen URL held whole: `fetch(url)` (global, node-fetch, undici) then ' +
        '`.arrayBuffer()` / `.text()` / `.blob()` / `.buffer()`, or axios with `responseType: "arraybuffer"`, where `url` is ' +
        '`req.query.url`, `new URL(req.url).searchParams.get("url")` or `req.nextUrl.searchParams.get(...)` (a URL the app ' +
        'builds around a request value, `https://api.example.com/${name}`, is not the client\'s). Also a JSON file used as the app\'s store: a read of `messages.json` in a request handler ' +
        'when a request handler of the same module writes it back as `JSON.stringify(list)` after adding to the list ' +
        '(`list.push(x)`, `unshift`, `concat`, `[...list, x]`, also through a helper of the module such as `save(list)`).',
      whyIsThisBad:
        'A whole read allocates as many bytes as the file or body has, in one Buffer, in the process serving every ' +
        'other request: a 300 MB download or upload is 300 MB of heap-external memory, and a few concurrent ones ' +
        'restart a 512 MB instance. Base64 fields are worse: the JSON body and its decoded copy are both held. ' +
        'Streams keep memory flat (64 KB chunks) whatever the size.',
      example: {
        fileName: 'routes/files.ts',
        code: `import express from 'express';
import fs from 'node:fs';
import path from 'node:path';

const router = express.Router();
const STORAGE = '/var/data/files';

router.get('/files/:name', async (req, res) => {
  const data = fs.readFileSync(path.join(STORAGE, path.basename(req.params.name)));
  res.type('application/octet-stream').send(data);
});

export default router;
`,
      },
      useInstead: {
        fileName: 'routes/files.ts',
        code: `import express from 'express';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

const router = express.Router();
const STORAGE = '/var/data/files';

router.get('/files/:name', async (req, res) => {
  const data = fs.createReadStream(path.join(STORAGE, path.basename(req.params.name)));
  await pipeline(data, res.type('application/octet-stream'));
});

export default router;
`,
      },
      fixSafety:
        'Unsafe, and offered only where the bytes are just sent or hashed: the read becomes `fs.createReadStream(...)`; ' +
        'an Express `res.send(data)` becomes `await pipeline(data, res)` (imported from `node:stream/promises`); a ' +
        'Fastify `reply.send(data)` keeps sending, now a stream; `createHash(alg).update(data)` becomes a ' +
        '`for await` loop feeding the hash chunk by chunk. Errors now surface while streaming (after headers may have ' +
        'been sent) rather than before; `res.send` no longer sets Content-Length or an ETag. A base64 field decoded ' +
        'only to read `.length` becomes `Buffer.byteLength(field, "base64")` (unsafe: it counts from the text\'s length ' +
        'and padding, so a field with line breaks or invalid characters gives a different number). Other uses get no fix.',
      notes:
        'Uploads the handler refuses above a small constant size first (`if (file.size > 5 * 1024 * 1024) return ...`, at most ' +
        '10 MB) and uploads only administrators or staff can send (a Nest admin guard, `restrictTo("admin")`/`isAdmin` before ' +
        'the handler, `router.use(isAdmin)`, `if (user.role !== "admin") return ...` first) are not reported. ' +
        'Reads of literal or `__dirname`-relative paths (templates, config), lookups of a request value in a fixed ' +
        'table, `fs.createReadStream`, and uploads on multer disk storage streamed from `req.file.path` are not ' +
        'reported. Uploads larger than a few MB belong in object storage (pre-signed uploads) or on disk ' +
        '(`multer.diskStorage()`), streamed onward.',
    },
  },
  check(ctx) {
    const index = indexOf(ctx.typescript());
    for (const call of index.calls) {
      const name = calleeName(call);
      if (!name) continue;
      if (name === 'readFileSync' || name === 'readFile') checkFileRead(ctx, call);
      else if (name === 'concat') checkConcat(ctx, call);
      else if (name === 'from') checkBase64(ctx, call);
      else if (BODY_BUFFERS.has(name)) checkBodyBuffer(ctx, call);
      if (call.arguments.length > 0 && isRequestObject(call.arguments[0])) checkStreamConsumer(ctx, call);
      if (FETCH_BODY_METHODS.has(name) || name === 'axios' || name === 'get' || name === 'post' || name === 'request') checkFetchedBody(ctx, call);
    }
    checkUploadBuffers(ctx);
    for (const read of jsonStoreReads(ctx, index.calls)) {
      ctx.report({
        start: read.call.getStart(),
        end: read.call.getEnd(),
        messageId: 'json-file-store',
        data: { file: clip(read.file, 28) },
        detail:
          `${read.file} is the app's store: a request handler of this module adds to the list it holds and writes it back ` +
          'whole, and this read loads and parses all of it on each request. It grows with every write and is never trimmed, ' +
          'so each request costs memory in proportion to everything ever stored. Keep the rows in a database (SQLite is ' +
          'enough) and read one page.',
      });
    }
  },
});

/** `await (await fetch(req.query.url)).arrayBuffer()`, axios `responseType: 'arraybuffer'` of a caller-chosen URL. */
function checkFetchedBody(ctx: RuleContext, call: ts.CallExpression): void {
  const url = chosenFetchBody(call) ?? chosenAxiosBuffer(call);
  if (!url) return;
  ctx.report({
    start: call.getStart(),
    end: call.getEnd(),
    messageId: 'fetched-body',
    detail: `${clip(url.getText(), 40)} comes from the request, so the client decides how large this body is, and all of it is held at once. Pipe the response body on (pipeline(Readable.fromWeb(res.body), out)) and stop past a size cap.`,
  });
}

/** `fs.readFileSync(path.join(DIR, req.params.name))`, `await readFile(req.file.path)`. */
function checkFileRead(ctx: RuleContext, call: ts.CallExpression): void {
  const qualified = resolveImport(call.expression);
  if (!qualified || !FILE_READERS.has(qualified)) return;
  const pathArg = call.arguments[0];
  if (!pathArg) return;
  const fn = qualified.endsWith('Sync') ? 'readFileSync' : 'readFile';
  const source = requestSource(pathArg);
  if (!source) {
    // A helper handed the multer file object (`postVideo(req.file)` in a route of another module): no fix, as the
    // stream rewrite is only checked inside handlers.
    const file = multerFileParameter(pathArg);
    if (!file) return;
    ctx.report({
      start: call.getStart(),
      end: call.getEnd(),
      messageId: 'read-file',
      data: { fn, which: 'an uploaded' },
      detail:
        `${fn} holds every byte of the uploaded file ${file}.path at once (a multer file: the parameter's .mimetype/.originalname say so), ` +
        'as large as multer lets it be. Stream it with fs.createReadStream().',
    });
    return;
  }
  if (isUploadSource(source) && (uploadSizeChecked(call, pathArg) || adminOnlyCode(call))) return;
  const shown = pathArg.getText().length <= 60 ? pathArg.getText() : source.getText();
  const what = isUploadSource(source) ? `the uploaded file ${shown}` : `the request-chosen file ${shown}`;
  const fix: FixSpec | undefined = hasSyntaxErrors(ctx.typescript()) ? undefined : streamReadFix(ctx, call, qualified);
  ctx.report({
    start: call.getStart(),
    end: call.getEnd(),
    messageId: 'read-file',
    data: { fn, which: isUploadSource(source) ? 'an uploaded' : 'a request-chosen' },
    detail: `${fn} holds every byte of ${what} at once, in every request. Stream it with fs.createReadStream() and pipeline().`,
    fixes: fix ? [fix] : [],
  });
}

/** `readFile(req.file.path)` after `if (req.file.size > MAX) return ...`: the file on disk is at most that size. */
function uploadSizeChecked(call: ts.CallExpression, pathArg: ts.Expression): boolean {
  const e = unwrap(pathArg);
  return ts.isPropertyAccessExpression(e) && e.name.text === 'path' && sizeCheckedBefore(call, e.expression);
}

/** Fields only a multer (or formidable-style) file object has beside `.path`. */
const UPLOAD_FIELDS = new Set(['mimetype', 'originalname']);

/**
 * `file.path` (or `file.buffer`) where `file` is a parameter of the enclosing function that the function also reads
 * `.mimetype` or `.originalname` of: the multer file object passed on from a route. Returns the parameter's name.
 */
function multerFileParameter(pathArg: ts.Expression, field = 'path'): string | undefined {
  const e = unwrap(pathArg);
  if (!ts.isPropertyAccessExpression(e) || e.name.text !== field || !ts.isIdentifier(e.expression)) return undefined;
  const decl = declarationOf(e.expression);
  if (!decl || !ts.isParameter(decl) || !ts.isIdentifier(decl.name)) return undefined;
  const fn = decl.parent;
  const name = decl.name.text;
  let upload = false;
  const visit = (node: ts.Node): void => {
    if (upload) return;
    if (ts.isPropertyAccessExpression(node) && UPLOAD_FIELDS.has(node.name.text) && ts.isIdentifier(node.expression) && node.expression.text === name && declarationOf(node.expression) === decl) {
      upload = true;
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(fn);
  return upload ? name : undefined;
}

/** `Buffer.from(req.body.image, 'base64')`. */
function checkBase64(ctx: RuleContext, call: ts.CallExpression): void {
  if (unwrap(call.expression).getText() !== 'Buffer.from') return;
  const encoding = stringValue(call.arguments[1]);
  if (encoding !== 'base64' && encoding !== 'base64url') return;
  const value = call.arguments[0];
  if (!value || !requestSource(value)) return;
  if (sizeCheckedBefore(call, value) || adminOnlyCode(call)) return;
  const lengthReads = onlyLengthReads(call);
  if (lengthReads) {
    const encodingText = call.arguments[1].getText();
    ctx.report({
      start: call.getStart(),
      end: call.getEnd(),
      messageId: 'base64-length',
      detail: `${value.getText()}: the decoded copy is about 3/4 the body's size. Buffer.byteLength(${value.getText()}, ${encodingText}) decodes nothing.`,
      fixes: [
        {
          title: `Count the bytes with Buffer.byteLength(${value.getText()}, ${encodingText})`,
          edits: [
            { start: call.getStart(), end: call.getEnd(), newText: `Buffer.byteLength(${value.getText()}, ${encodingText})` },
            ...lengthReads.map((read) => ({ start: read.getStart(), end: read.getEnd(), newText: read.expression.getText() })),
          ],
        },
      ],
    });
    return;
  }
  ctx.report({
    start: call.getStart(),
    end: call.getEnd(),
    messageId: 'base64-field',
    detail: `${value.getText()} holds the JSON body and a decoded copy of about 3/4 its size. Accept the file as a multipart upload streamed to disk or object storage.`,
  });
}

/**
 * `const bytes = Buffer.from(x, 'base64')` whose every use is `bytes.length` / `bytes.byteLength`: those reads, or
 * undefined when the buffer is used for anything else (or is not a const in a function).
 */
function onlyLengthReads(call: ts.CallExpression): ts.PropertyAccessExpression[] | undefined {
  const decl = call.parent;
  if (!ts.isVariableDeclaration(decl) || decl.initializer !== call || !ts.isIdentifier(decl.name)) return undefined;
  const list = decl.parent;
  if (!ts.isVariableDeclarationList(list) || !(list.flags & ts.NodeFlags.Const)) return undefined;
  const fn = enclosingFunction(call);
  if (!fn) return undefined;
  const reads: ts.PropertyAccessExpression[] = [];
  for (const id of identifiersNamed(fn, decl.name.text)) {
    if (id === decl.name) continue;
    if (declarationOf(id) !== decl) continue;
    const parent = id.parent;
    if (!ts.isPropertyAccessExpression(parent) || parent.expression !== id || !['length', 'byteLength'].includes(parent.name.text)) return undefined;
    reads.push(parent);
  }
  return reads.length ? reads : undefined;
}

/** `await req.arrayBuffer()`, `await request.blob()`, and `await file.arrayBuffer()` of a `formData()` file. */
function checkBodyBuffer(ctx: RuleContext, call: ts.CallExpression): void {
  const m = methodCall(call);
  if (!m || call.arguments.length > 0) return;
  const target = unwrap(m.object);
  let what: string;
  if (isRequestObject(target)) what = 'the whole request body';
  else if (isFormDataFile(target)) what = 'the whole uploaded file';
  else return;
  if (what === 'the whole uploaded file' && sizeCheckedBefore(call, target)) return;
  // Only administrators or staff can send it: the site's own people (admin-only-code.ts).
  if (adminOnlyCode(call)) return;
  ctx.report({
    start: call.getStart(),
    end: call.getEnd(),
    messageId: 'buffered-body',
    data: { what: clip(what, 30) },
    detail: `${call.getText()} holds the whole body at once. Stream it to its destination with pipeline(Readable.fromWeb(request.body), ...) and cap the size.`,
  });
}

/** `const form = await request.formData(); const file = form.get('file') as File` -> `file`. */
function isFormDataFile(expr: ts.Expression): boolean {
  let e = unwrap(expr);
  if (ts.isIdentifier(e)) {
    const init = initializerOfIdentifier(e);
    if (!init) return false;
    e = unwrapAwait(init);
  }
  if (!ts.isCallExpression(e)) return false;
  const m = methodCall(e);
  if (!m || m.name !== 'get') return false;
  let form = unwrap(m.object);
  if (ts.isIdentifier(form)) {
    const init = initializerOfIdentifier(form);
    if (!init) return false;
    form = unwrapAwait(init);
  } else form = unwrapAwait(form);
  if (!ts.isCallExpression(form)) return false;
  const fm = methodCall(form);
  return fm !== undefined && fm.name === 'formData' && isRequestObject(fm.object);
}

function initializerOfIdentifier(id: ts.Identifier): ts.Expression | undefined {
  return declarationOfVariable(id)?.initializer;
}

/** The `const`/`let` declaration a name refers to, if it is one. */
function declarationOfVariable(id: ts.Identifier): ts.VariableDeclaration | undefined {
  const decl = declarationOf(id);
  return decl && ts.isVariableDeclaration(decl) ? decl : undefined;
}

/** `buffer(req)` from `node:stream/consumers`, `getRawBody(req)` without a `limit`. */
function checkStreamConsumer(ctx: RuleContext, call: ts.CallExpression): void {
  const qualified = resolveImport(call.expression);
  if (!qualified || !STREAM_CONSUMERS.has(qualified)) return;
  if (qualified === 'raw-body') {
    const opts = call.arguments[1];
    if (opts && (stringValue(opts) !== undefined || !asObjectLiteral(opts) || objectPropertyValue(asObjectLiteral(opts)!, 'limit'))) return;
  }
  ctx.report({
    start: call.getStart(),
    end: call.getEnd(),
    messageId: 'buffered-stream',
    detail: `${call.getText()} holds the whole body at once. Pipe the request to its destination with pipeline() and cap the size.`,
  });
}

/** `Buffer.concat(chunks)` where `chunks` collects a request's `data` events or `for await` chunks with no size check. */
function checkConcat(ctx: RuleContext, call: ts.CallExpression): void {
  if (unwrap(call.expression).getText() !== 'Buffer.concat') return;
  const arg = call.arguments[0] && unwrap(call.arguments[0]);
  if (!arg || !ts.isIdentifier(arg)) return;
  const decl = declarationOfVariable(arg);
  if (!decl) return;
  const scope = enclosingFunction(decl) ?? decl.getSourceFile();
  let fromRequest = false;
  for (const push of indexOf(ctx.typescript()).calls) {
    if (push.pos < scope.pos || push.end > scope.end) continue;
    const m = methodCall(push);
    if (!m || m.name !== 'push' || !ts.isIdentifier(unwrap(m.object)) || declarationOfVariable(unwrap(m.object) as ts.Identifier) !== decl) continue;
    const collector = requestChunkCollector(push);
    if (!collector) continue;
    if (hasSizeCheck(collector)) return;
    fromRequest = true;
  }
  if (!fromRequest) return;
  ctx.report({
    start: call.getStart(),
    end: call.getEnd(),
    messageId: 'collected-body',
    detail: `${call.getText()} holds the whole body at once. Pipe the request to its destination with pipeline(), or stop reading past a maximum size.`,
  });
}

/** The callback or loop body that receives a request's chunks, around a `chunks.push(chunk)`. */
function requestChunkCollector(push: ts.CallExpression): ts.Node | undefined {
  for (let n: ts.Node | undefined = push.parent; n; n = n.parent) {
    if (ts.isForOfStatement(n) && n.awaitModifier && isRequestObject(n.expression)) return n.statement;
    if (isFunctionNode(n)) {
      const on = n.parent;
      if (!on || !ts.isCallExpression(on)) return undefined;
      const m = methodCall(on);
      if (m && /^(on|once|addListener)$/.test(m.name) && stringValue(on.arguments[0]) === 'data' && isRequestObject(m.object)) return n;
      return undefined;
    }
  }
  return undefined;
}

/** A comparison (`received > MAX`) in the collecting code: the body is capped. */
function hasSizeCheck(node: ts.Node): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isBinaryExpression(n)) {
      const k = n.operatorToken.kind;
      if (k === ts.SyntaxKind.GreaterThanToken || k === ts.SyntaxKind.GreaterThanEqualsToken || k === ts.SyntaxKind.LessThanToken || k === ts.SyntaxKind.LessThanEqualsToken) found = true;
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
}

/** `req.file.buffer`, `req.files[0].buffer`, Nest `@UploadedFile() file` -> `file.buffer`: multer memory storage. */
function checkUploadBuffers(ctx: RuleContext): void {
  const accesses = indexOf(ctx.typescript()).accesses.get('buffer');
  if (!accesses) return;
  if (multerCapsFileSize(ctx)) return;
  const reported = new Set<ts.Node>();
  for (const access of accesses) {
    const source = requestSource(access.expression);
    // A helper handed the multer file (`saveDocument(name, file.buffer)` in a logic class of another module): a
    // memory upload whose size only the project's multer options could cap.
    const handed = !source && multerFileParameter(access, 'buffer') !== undefined && !projectCapsUploadSize(ctx.project, ctx.file);
    if (!handed && (!source || !isUploadSource(source))) continue;
    if (adminOnlyCode(access)) continue;
    const fn = enclosingFunction(access) ?? access.getSourceFile();
    if (reported.has(fn)) continue; // one finding per handler, however often the buffer is used
    reported.add(fn);
    ctx.report({
      start: access.getStart(),
      end: access.getEnd(),
      messageId: 'multer-memory',
      detail: `${access.getText()}: multer memory storage with no fileSize limit keeps each upload whole in memory. Store uploads with multer.diskStorage() or stream them to object storage, and set limits.fileSize.`,
    });
  }
}

/** True when a `multer({ limits: { fileSize } })` in this file caps uploads. */
function multerCapsFileSize(ctx: RuleContext): boolean {
  for (const call of indexOf(ctx.typescript()).calls) {
    if (resolveImport(call.expression) !== 'multer') continue;
    const opts = asObjectLiteral(call.arguments[0]);
    const limits = opts && asObjectLiteral(objectPropertyValue(opts, 'limits'));
    if (limits && objectPropertyValue(limits, 'fileSize')) return true;
  }
  return false;
}

