/**
 * large-request-body-limit (TypeScript/JavaScript): body-size limits of Node servers set too high or left out:
 * Express/body-parser `json`/`urlencoded`/`raw`/`text` `limit`, multer memory storage without
 * `limits.fileSize`, Fastify `bodyLimit`, Nest `app.useBodyParser(...)`, and outbound axios
 * `maxBodyLength`/`maxContentLength` of `Infinity`/`-1`.
 */
import { ts } from 'ts-morph';
import { defineRule, type FixSpec, type OffsetEdit, type ReportSpec, type RuleContext } from '../api';
import { clip, formatBytes, parseByteSize } from '../shared/format';
import { requestBodyLimitDocs, requestBodyLimitMeta, thresholdBytes } from './meta';
import { asObjectLiteral, calleeName, declarationOf, hasSpread, hasSyntaxErrors, indexOf, methodCall, numberValue, objectProperty, objectPropertyValue, unwrap } from '../../analysis/typescript/ast';
import { insertIntoArguments, insertObjectProperty } from '../shared/typescript-edits';
import { importsModule, resolveImport } from '../../analysis/typescript/imports';
import { inAdminOnlyNestRoute } from '../../analysis/typescript/nest-admin-only';
import { takesUncappedRestUploads } from '../../analysis/typescript/upload-size-caps';

const BODY_PARSERS = /^(express|body-parser)\.(json|urlencoded|raw|text)$/;
const PARSER_NAMES = new Set(['json', 'urlencoded', 'raw', 'text']);
const NEST_MULTER = new Set(['FileInterceptor', 'FilesInterceptor', 'FileFieldsInterceptor', 'AnyFilesInterceptor', 'register', 'registerAsync']);
const AXIOS_LIMITS = new Set(['maxBodyLength', 'maxContentLength']);

export default defineRule({
  meta: {
    ...requestBodyLimitMeta,
    kinds: ['typescript', 'javascript'],
    // A limit word and what check() needs to see one: express/body-parser/multer by module name (resolveImport reads
    // the file's own imports), Nest's useBodyParser/@nestjs, or a named limit. Front-end files rarely pass both.
    trigger: {
      test: (text) =>
        /limit|Limit|multer|memoryStorage|maxBodyLength|maxContentLength|useBodyParser|File(s|Fields)?Interceptor|buildServices|loadServices/.test(text) &&
        /express|body-parser|multer|useBodyParser|@nestjs|bodyLimit|maxBodyLength|maxContentLength|typescript-rest/.test(text),
    },
    docs: {
      ...requestBodyLimitDocs,
      whatItDoes:
        'Finds, in Node servers, body-size limits above `thresholdMb` (default 10 MB) or switched off: the `limit` of ' +
        "Express and body-parser's `json`/`urlencoded`/`raw`/`text` parsers (`'50mb'`, a number of bytes, `Infinity`) " +
        'and of Nest `app.useBodyParser(type, { limit })`; Fastify `bodyLimit` (server, route, `FastifyAdapter`); multer ' +
        'with memory storage (`multer.memoryStorage()`, or no `storage`/`dest`, which is memory storage) and no or a ' +
        'large `limits.fileSize`, including Nest `FileInterceptor(..., { storage: memoryStorage() })` and Nest ' +
        'interceptors with no options at all (`FilesInterceptor(\'images\', 25)`, also from `@nest-lab/fastify-multer`), ' +
        'which use memory storage unless a `MulterModule.register(...)` in one of the app\'s modules sets it; typescript-rest\'s ' +
        '`Server.buildServices(app, ...)` when a service of the project takes `@FileParam`/`@FilesParam` uploads (multer memory ' +
        'storage) and no file calls `Server.setFileLimits(...)`; and outbound ' +
        'axios `maxBodyLength`/`maxContentLength` set to `Infinity` or `-1` (not the `maxContentLength` of an upload call, ' +
        '`axios.post(url, form, { maxContentLength, maxBodyLength })`: it bounds the reply to the upload, an API\'s ' +
        'acknowledgement, not a download). The libraries are recognised from imports ' +
        'and `require`s, however renamed.',
      notes:
        'Limits at or under the threshold and limits read from variables or the environment are not reported; multer ' +
        'disk storage (`dest`, `diskStorage()`) is not reported. The fix writes the threshold in the form of the ' +
        "original value (`'10mb'` for strings, `10 * 1024 * 1024` for byte counts) or adds `limits: { fileSize }`. " +
        'A Nest upload interceptor on a route only administrators can call is not reported: `@UseGuards(AdminGuard)` (a ' +
        'guard named for administrators or staff) on the method or its controller, or `@Roles(...)` naming only ' +
        'administrator roles beside a `@UseGuards(...)`. Guards run before interceptors, so no one else\'s upload reaches ' +
        'multer. Routes any signed-in user can call, and `@Roles` with no guard to enforce it, are still reported.',
      example: {
        fileName: 'server.ts',
        code: `import express from 'express';

const app = express();
app.use(express.json({ limit: '50mb' }));

app.post('/orders', (req, res) => {
  res.status(201).json({ received: Array.isArray(req.body.items) ? req.body.items.length : 0 });
});

app.listen(Number(process.env.PORT ?? 3000));
`,
      },
      useInstead: {
        fileName: 'server.ts',
        code: `import express from 'express';

const app = express();
app.use(express.json({ limit: '1mb' }));

app.post('/orders', (req, res) => {
  res.status(201).json({ received: Array.isArray(req.body.items) ? req.body.items.length : 0 });
});

app.listen(Number(process.env.PORT ?? 3000));
`,
      },
    },
  },
  check(ctx) {
    const sf = ctx.typescript();
    const max = thresholdBytes(ctx.options);
    for (const call of indexOf(sf).calls) {
      const name = calleeName(call);
      if (!name) continue;
      // Renamed imports (`const { json: parseJson } = require('body-parser')`) are called by their local name.
      const byName = ts.isIdentifier(unwrap(call.expression));
      const qualified = byName || PARSER_NAMES.has(name) ? resolveImport(call.expression) : undefined;
      if (qualified && BODY_PARSERS.test(qualified)) {
        checkLimitOption(ctx, call.arguments[0], `${qualified.replace('body-parser', 'bodyParser')}()`, max);
      } else if (name === 'useBodyParser' && importsModule(sf, /^@nestjs\//)) {
        checkLimitOption(ctx, call.arguments[1], `app.useBodyParser(${call.arguments[0]?.getText() ?? ''})`, max);
      } else if (qualified === 'multer') {
        checkMulter(ctx, call, max);
      } else if ((name === 'buildServices' || name === 'loadServices') && resolveImport(call.expression)?.startsWith('typescript-rest.')) {
        if (takesUncappedRestUploads(ctx.project, ctx.file)) reportRestUploads(ctx, call, max);
      } else if (NEST_MULTER.has(name) && importsModule(sf, /^(@nestjs\/(platform-express|common)|@nest-lab\/fastify-multer)$/)) {
        checkNestMulter(ctx, call, name, max);
      }
    }
    if (/bodyLimit|maxBodyLength|maxContentLength/.test(ctx.file.text)) checkNamedLimits(ctx, sf, max);
  },
});

/** `{ limit: '50mb' }` of a body parser. */
function checkLimitOption(ctx: RuleContext, arg: ts.Expression | undefined, what: string, max: number): void {
  const options = asObjectLiteral(arg);
  const value = options && objectPropertyValue(options, 'limit');
  if (!value) return;
  const bytes = byteValue(value);
  if (bytes === undefined || bytes <= max) return;
  report(ctx, {
    start: value.getStart(),
    end: value.getEnd(),
    messageId: 'body-parser',
    data: { what: clip(what), size: sizeLabel(bytes), max: formatBytes(max) },
    detail: `Each body is held in memory while it is parsed, in every request at once. Lower the limit to ${formatBytes(max)} and send large files as streamed uploads.`,
    fixes: [lowerFix(value, max)],
  });
}

/** `multer()` / `multer({ storage: multer.memoryStorage() })` without a (small) `limits.fileSize`. */
function checkMulter(ctx: RuleContext, call: ts.CallExpression, max: number): void {
  const arg = call.arguments[0];
  if (!arg) {
    reportMemoryUploads(ctx, call, 'multer() (memory storage by default)', max, insertIntoArguments(call, `{ limits: { fileSize: ${bytesCode(max)} } }`));
    return;
  }
  const options = asObjectLiteral(arg);
  if (!options || hasSpread(options)) return;
  const storage = objectPropertyValue(options, 'storage');
  if (storage ? !isMemoryStorage(storage) : objectProperty(options, 'dest')) return;
  checkUploadLimits(ctx, call, options, storage ? 'multer memory storage' : 'multer() without storage or dest (memory storage)', max);
}

/** Where each Nest interceptor takes its multer options: `FilesInterceptor(field, maxCount, options)`. */
const INTERCEPTOR_OPTIONS_AT: Readonly<Record<string, number>> = { FileInterceptor: 1, FilesInterceptor: 2, FileFieldsInterceptor: 1, AnyFilesInterceptor: 0 };

/**
 * `MulterModule.register(...)` / `FastifyMulterModule.register(...)` in a Nest module of the project: it sets the
 * storage and limits every interceptor without options uses (reported there when it is memory without a limit).
 */
function registersMulterModule(ctx: RuleContext): boolean {
  const registers = (text: string | undefined) => text !== undefined && /MulterModule\s*\.\s*register(Async)?\s*\(/.test(text);
  if (registers(ctx.file.text)) return true;
  return ctx.project.files().some((f) => /\.module\.[cm]?[jt]s$/.test(f) && registers(ctx.project.readFile(f)));
}

/** Nest `FileInterceptor('file', { storage: memoryStorage() })`, `MulterModule.register({ storage: memoryStorage() })`. */
function checkNestMulter(ctx: RuleContext, call: ts.CallExpression, name: string, max: number): void {
  if ((name === 'register' || name === 'registerAsync') && methodCall(call)?.object.getText() !== 'MulterModule') return;
  const optionsAt = INTERCEPTOR_OPTIONS_AT[name];
  // Guards run before interceptors: on a route only administrators can call, no one else's upload reaches multer.
  if (optionsAt !== undefined && inAdminOnlyNestRoute(call)) return;
  if (optionsAt !== undefined && call.arguments.length === optionsAt && !registersMulterModule(ctx)) {
    // No options and no module-wide MulterModule.register: Nest's multer (and fastify-multer) default to memory storage.
    reportMemoryUploads(ctx, call, `${name}() (memory storage by default)`, max, insertIntoArguments(call, `{ limits: { fileSize: ${bytesCode(max)} } }`));
    return;
  }
  for (const arg of call.arguments) {
    const options = asObjectLiteral(arg);
    if (!options || hasSpread(options)) continue;
    const storage = objectPropertyValue(options, 'storage');
    if (storage && isMemoryStorage(storage)) checkUploadLimits(ctx, call, options, `${name === 'register' ? 'MulterModule.register' : name}() with memory storage`, max);
  }
}

function checkUploadLimits(ctx: RuleContext, call: ts.CallExpression, options: ts.ObjectLiteralExpression, what: string, max: number): void {
  const limitsValue = objectPropertyValue(options, 'limits');
  if (!limitsValue) {
    reportMemoryUploads(ctx, call, what, max, insertObjectProperty(ctx.file.text, options, `limits: { fileSize: ${bytesCode(max)} }`));
    return;
  }
  const limits = asObjectLiteral(limitsValue);
  if (!limits || hasSpread(limits)) return;
  const fileSize = objectPropertyValue(limits, 'fileSize');
  if (!fileSize) {
    reportMemoryUploads(ctx, call, what, max, insertObjectProperty(ctx.file.text, limits, `fileSize: ${bytesCode(max)}`));
    return;
  }
  const bytes = byteValue(fileSize);
  if (bytes === undefined || bytes <= max) return;
  report(ctx, {
    start: fileSize.getStart(),
    end: fileSize.getEnd(),
    messageId: 'multer-file-size',
    data: { what: clip(what), size: sizeLabel(bytes), max: formatBytes(max) },
    detail: `Memory storage keeps each upload whole in file.buffer until the request ends. Lower limits.fileSize to ${formatBytes(max)}, or use disk storage / stream large files to object storage.`,
    fixes: [lowerFix(fileSize, max)],
  });
}

function reportMemoryUploads(ctx: RuleContext, call: ts.CallExpression, what: string, max: number, edit: OffsetEdit | undefined): void {
  report(ctx, {
    start: call.getStart(),
    end: call.getEnd(),
    messageId: 'multer-no-file-size',
    data: { what: clip(what.replace(/ (\(|with |without ).*$/, '')), max: formatBytes(max) },
    detail: `${what} keeps every upload whole in memory with no fileSize limit, so one large upload can exhaust the process. Set limits.fileSize to ${formatBytes(max)}, or use disk storage / stream large files to object storage.`,
    fixes: edit ? [{ title: `Add limits.fileSize = ${formatBytes(max)}`, edits: [edit] }] : [],
  });
}

/** `Server.buildServices(app, ...)` of a project whose typescript-rest services take `@FileParam` uploads with no file limits set. */
function reportRestUploads(ctx: RuleContext, call: ts.CallExpression, max: number): void {
  report(ctx, {
    start: call.getStart(),
    end: call.getEnd(),
    messageId: 'rest-file-limits',
    data: { what: clip(unwrap(call.expression).getText()) },
    detail: `typescript-rest hands @FileParam/@FilesParam uploads to multer with memory storage, and Server.setFileLimits() is never called, so each upload is held whole in memory whatever its size. Call Server.setFileLimits({ fileSize: ${max} }) before building the services.`,
  });
}

/** `multer.memoryStorage()`, `memoryStorage()` from multer, or a variable holding one. */
function isMemoryStorage(expr: ts.Expression): boolean {
  let e = unwrap(expr);
  if (ts.isIdentifier(e)) {
    const decl = declarationOf(e);
    if (!decl || !ts.isVariableDeclaration(decl) || !decl.initializer) return false;
    e = unwrap(decl.initializer);
  }
  return ts.isCallExpression(e) && /^(multer|@nestjs\/platform-express\.multer)\.memoryStorage$/.test(resolveImport(e.expression) ?? '');
}

/** Fastify `bodyLimit`, axios `maxBodyLength`/`maxContentLength` (properties and `defaults` assignments). */
function checkNamedLimits(ctx: RuleContext, sf: ts.SourceFile, max: number): void {
  const fastify = importsModule(sf, 'fastify') || importsModule(sf, /^@fastify\//) || importsModule(sf, '@nestjs/platform-fastify');
  const axios = importsModule(sf, 'axios');
  if (!fastify && !axios) return;
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAssignment(node)) {
      const name = node.name.getText();
      if (name === 'bodyLimit' && fastify) checkBodyLimit(ctx, node.initializer, max);
      else if (AXIOS_LIMITS.has(name) && axios && !(name === 'maxContentLength' && isUploadReplyLimit(node))) {
        checkAxiosLimit(ctx, name, node.initializer, max);
      }
    } else if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && axios) {
      const left = unwrap(node.left);
      // axios.defaults.maxContentLength = Infinity
      if (ts.isPropertyAccessExpression(left) && AXIOS_LIMITS.has(left.name.text) && /\.defaults$/.test(left.expression.getText())) {
        checkAxiosLimit(ctx, left.name.text, node.right, max);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}

const BODY_METHODS = /^axios\.(post|put|patch|postForm|putForm|patchForm)$/;

/**
 * `axios.post(url, form, { maxContentLength: Infinity, maxBodyLength: Infinity })`: the upload idiom (a call that sends
 * a body and lifts its body limit). Its `maxContentLength` bounds the reply to the upload, an API's acknowledgement,
 * not a download; `maxBodyLength`, the body kept for redirect replay, is still reported. Any `maxBodyLength` counts, so
 * the fix that bounds it does not bring this one back. A client (`axios.create`), defaults or a GET keep both.
 */
function isUploadReplyLimit(prop: ts.PropertyAssignment): boolean {
  const config = prop.parent;
  const call = config.parent;
  if (!ts.isObjectLiteralExpression(config) || !call || !ts.isCallExpression(call) || call.arguments[2] !== config) return false;
  if (!BODY_METHODS.test(resolveImport(call.expression) ?? '')) return false;
  return config.properties.some((p) => ts.isPropertyAssignment(p) && p.name.getText() === 'maxBodyLength');
}

function checkBodyLimit(ctx: RuleContext, value: ts.Expression, max: number): void {
  const bytes = numberValue(value);
  if (bytes === undefined || bytes <= max) return;
  report(ctx, {
    start: value.getStart(),
    end: value.getEnd(),
    messageId: 'fastify-body-limit',
    data: { size: sizeLabel(bytes), max: formatBytes(max) },
    detail: `Each body is held in memory while it is parsed. Lower it to ${formatBytes(max)} and stream large uploads with @fastify/multipart.`,
    fixes: [lowerFix(value, max)],
  });
}

function checkAxiosLimit(ctx: RuleContext, name: string, value: ts.Expression, max: number): void {
  const n = numberValue(value);
  if (n !== Infinity && n !== -1) return;
  report(ctx, {
    start: value.getStart(),
    end: value.getEnd(),
    messageId: name === 'maxContentLength' ? 'axios-max-content-length' : 'axios-max-body-length',
    data: { value: clip(value.getText(), 12), max: formatBytes(max) },
    detail: `Set a limit of ${formatBytes(max)}${name === 'maxContentLength' ? ", or use responseType: 'stream' for large downloads" : ', or stream large bodies'}.`,
    fixes: [{ title: `Limit ${name} to ${formatBytes(max)}`, edits: [{ start: value.getStart(), end: value.getEnd(), newText: bytesCode(max) }] }],
  });
}

/** Bytes of a limit: `'50mb'`, `52428800`, `50 * 1024 * 1024`, `Infinity`. */
function byteValue(value: ts.Expression): number | undefined {
  const e = unwrap(value);
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return parseByteSize(e.text);
  return numberValue(e);
}

function sizeLabel(bytes: number): string {
  return bytes === Infinity || bytes < 0 ? 'of any size' : `up to ${formatBytes(bytes)}`;
}

/** The threshold written like the value it replaces: `'10mb'` for strings, `10 * 1024 * 1024` for numbers. */
function lowerFix(value: ts.Expression, max: number): FixSpec {
  const e = unwrap(value);
  let newText: string;
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) {
    const quote = e.getText()[0];
    const upper = /[KMG]B/.test(e.text);
    newText = `${quote}${max / (1024 * 1024)}${upper ? 'MB' : 'mb'}${quote}`;
  } else newText = bytesCode(max);
  return { title: `Lower the limit to ${formatBytes(max)}`, edits: [{ start: value.getStart(), end: value.getEnd(), newText }] };
}

function bytesCode(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return Number.isInteger(mb) ? `${mb} * 1024 * 1024` : String(Math.round(bytes));
}

/** Reports a finding, offering its fixes only while the file parses. */
function report(ctx: RuleContext, spec: ReportSpec): void {
  ctx.report(hasSyntaxErrors(ctx.typescript()) ? { ...spec, fixes: [] } : spec);
}
