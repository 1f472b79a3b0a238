/**
 * Node loggers that write to a log file with no size cap, in every form the common libraries take:
 * - winston: `new winston.transports.File({ filename })` (also `import { transports } from 'winston'`) without both
 *   `maxsize` and `maxFiles`, and winston-daily-rotate-file without `maxFiles`;
 * - pino: `pino.destination('./app.log')` / `pino.destination({ dest })`, a `{ target: 'pino/file', options: {
 *   destination: './app.log' } }` transport (pino's `transport`/`targets`, pino-http, nestjs-pino), and a write stream
 *   given to `pino(options, stream)` or `pino.multistream`;
 * - bunyan: a `{ path }` entry (or a write stream) in `bunyan.createLogger({ streams })`; `rotating-file` keeps `count` files;
 * - log4js: a `file`/`fileSync` appender without `maxLogSize` that a category uses (`dateFile` keeps `numBackups`);
 * - morgan: `morgan(format, { stream: fs.createWriteStream('access.log') })`.
 * Each sink says whether a console sink receives the same records (the same transports array, a stdout target beside
 * it, a log4js category listing both, an unredirected morgan) and which logger it belongs to, so a rule reports one per
 * logger. Sinks written under an environment check (`if (process.env.LOG_FILE)`) are left out: whether they run
 * depends on configuration the code does not show.
 */
import { ts } from 'ts-morph';
import { asObjectLiteral, hasSpread, identifiersNamed, indexOf, initializerOf, numberValue, objectPropertyValue, stringValue, unwrap } from './ast';
import { importsModule, resolveImport } from './imports';

export interface LogFileSink {
  /** Where to report: the transport, stream entry or appender. */
  node: ts.Node;
  library: 'winston' | 'pino' | 'bunyan' | 'log4js' | 'morgan';
  /** The file as written (`logs/combined.log`, `…/app.log` when part of it is computed). */
  file: string;
  /** No level filter: every record of the logger goes to the file. */
  everyRecord: boolean;
  /** A console sink of the same logger receives the same records. */
  besideConsole: boolean;
  /** The logger's configuration the sink belongs to: one report per logger. */
  logger: ts.Node;
}

/** Paths that are the process's own output streams. */
const STREAM_PATHS = /^(\/dev\/(stdout|stderr|null)|\/proc\/(self|1)\/fd\/[12])$/;
/** Conditions that make a sink depend on configuration (`process.env.X`, `config.logToFile`, `isProduction`). */
const CONFIGURED_CONDITION = /process\.env|NODE_ENV|\b(is)?(prod|production|dev|development|test)\b|log_?to_?file|logToFile|LOG_FILE|config\./i;

const cache = new WeakMap<ts.SourceFile, LogFileSink[]>();

/** The unbounded log-file sinks of a file (cached per parsed file). */
export function logFileSinks(sf: ts.SourceFile): LogFileSink[] {
  let sinks = cache.get(sf);
  if (!sinks) {
    sinks = [...winstonSinks(sf), ...pinoSinks(sf), ...bunyanSinks(sf), ...log4jsSinks(sf), ...morganSinks(sf)].filter(
      (s) => !underConfiguredBranch(s.node) && !chosenByConfiguration(sf, s.node),
    );
    cache.set(sf, sinks);
  }
  return sinks;
}

// ---------------------------------------------------------------------------------------------------------------- winston

const WINSTON_FILE = /^winston\.transports\.File$/;
const WINSTON_DAILY = /^(winston-daily-rotate-file|winston\.transports\.DailyRotateFile)$/;
const WINSTON_CONSOLE = /^winston\.transports\.Console$/;

function winstonSinks(sf: ts.SourceFile): LogFileSink[] {
  const out: LogFileSink[] = [];
  for (const created of indexOf(sf).news) {
    const cls = resolveImport(created.expression);
    if (!cls || !(WINSTON_FILE.test(cls) || WINSTON_DAILY.test(cls))) continue;
    const options = asObjectLiteral(created.arguments?.[0]);
    if (!options || hasSpread(options) || objectPropertyValue(options, 'stream')) continue;
    const filename = objectPropertyValue(options, 'filename');
    const dirname = objectPropertyValue(options, 'dirname');
    if (!filename && !dirname) continue;
    const file = joinLiteral(logPath(dirname), logPath(filename));
    // A name from configuration (`process.env.LOG_FILE`) may be a stream.
    if (file === undefined || STREAM_PATHS.test(file)) continue;
    const maxFiles = present(objectPropertyValue(options, 'maxFiles'));
    // A size-rotated File transport keeps maxFiles files of maxsize; a daily one keeps maxFiles days (or files).
    if (WINSTON_FILE.test(cls) ? maxFiles && present(objectPropertyValue(options, 'maxsize')) : maxFiles) continue;
    const list = containingArray(created);
    out.push({
      node: created,
      library: 'winston',
      file,
      everyRecord: objectPropertyValue(options, 'level') === undefined,
      besideConsole: list !== undefined && list.elements.some((e) => isNew(e, WINSTON_CONSOLE)),
      logger: list ?? created,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------- pino

function pinoSinks(sf: ts.SourceFile): LogFileSink[] {
  const out: LogFileSink[] = [];
  for (const call of indexOf(sf).calls) {
    const callee = resolveImport(call.expression);
    if (callee === 'pino.destination') {
      const arg = call.arguments[0];
      const dest = asObjectLiteral(arg) ? objectPropertyValue(asObjectLiteral(arg)!, 'dest') : arg;
      const file = logPath(dest);
      if (file === undefined || STREAM_PATHS.test(file)) continue;
      out.push({ node: call, library: 'pino', file, everyRecord: true, besideConsole: false, logger: call });
    }
  }
  // Transport targets: `{ target: 'pino/file', options: { destination: './app.log' } }`, alone or in `targets`.
  if (!importsModule(sf, /^(pino|pino-http|nestjs-pino)$/)) return out;
  sf.forEachChild(function visit(node): void {
    if (ts.isObjectLiteralExpression(node) && stringValue(objectPropertyValue(node, 'target')) === 'pino/file') {
      const options = asObjectLiteral(objectPropertyValue(node, 'options'));
      const file = logPath(options ? objectPropertyValue(options, 'destination') : undefined);
      if (file !== undefined && !STREAM_PATHS.test(file) && !/^[12]$/.test(file)) {
        const list = containingArray(node);
        out.push({
          node,
          library: 'pino',
          file,
          everyRecord: objectPropertyValue(node, 'level') === undefined,
          besideConsole: list !== undefined && list.elements.some((e) => e !== node && isConsoleTarget(e)),
          logger: list ?? node,
        });
      }
    }
    node.forEachChild(visit);
  });
  return out;
}

/** A pino target that writes to the terminal: pino-pretty, or pino/file to fd 1/2 or without a destination. */
function isConsoleTarget(e: ts.Expression): boolean {
  const target = asObjectLiteral(e);
  const name = target ? stringValue(objectPropertyValue(target, 'target')) : undefined;
  if (name === 'pino-pretty') return true;
  if (name !== 'pino/file') return false;
  const options = asObjectLiteral(objectPropertyValue(target!, 'options'));
  const dest = options ? objectPropertyValue(options, 'destination') : undefined;
  return dest === undefined || numberValue(dest) === 1 || numberValue(dest) === 2 || STREAM_PATHS.test(stringValue(dest) ?? '');
}

// ---------------------------------------------------------------------------------------------------------------- bunyan

function bunyanSinks(sf: ts.SourceFile): LogFileSink[] {
  const out: LogFileSink[] = [];
  for (const call of indexOf(sf).calls) {
    if (resolveImport(call.expression) !== 'bunyan.createLogger') continue;
    const options = asObjectLiteral(call.arguments[0]);
    const streams = options ? unwrap(objectPropertyValue(options, 'streams') ?? options) : undefined;
    if (!streams || !ts.isArrayLiteralExpression(streams)) continue;
    const entries = streams.elements.map((e) => asObjectLiteral(e));
    const console = entries.some((e) => e && isProcessStream(objectPropertyValue(e, 'stream')));
    for (const entry of entries) {
      if (!entry || hasSpread(entry)) continue;
      const type = stringValue(objectPropertyValue(entry, 'type'));
      if (type === 'rotating-file' || type === 'raw') continue; // rotating-file keeps `count` files (10 by default)
      const path = objectPropertyValue(entry, 'path');
      const stream = objectPropertyValue(entry, 'stream');
      const file = path ? logPath(path) : stream ? writeStreamPath(stream) : undefined;
      if (file === undefined || STREAM_PATHS.test(file)) continue;
      out.push({ node: entry, library: 'bunyan', file, everyRecord: objectPropertyValue(entry, 'level') === undefined, besideConsole: console, logger: streams });
    }
  }
  return out;
}

function isProcessStream(expr: ts.Expression | undefined): boolean {
  const e = expr ? unwrap(expr) : undefined;
  return e !== undefined && /^process\.(stdout|stderr)$/.test(e.getText());
}

// ---------------------------------------------------------------------------------------------------------------- log4js

const LOG4JS_CONSOLE = new Set(['stdout', 'stderr', 'console']);

function log4jsSinks(sf: ts.SourceFile): LogFileSink[] {
  const out: LogFileSink[] = [];
  for (const call of indexOf(sf).calls) {
    if (resolveImport(call.expression) !== 'log4js.configure') continue;
    const config = asObjectLiteral(call.arguments[0]);
    const appenders = config ? asObjectLiteral(objectPropertyValue(config, 'appenders')) : undefined;
    if (!config || !appenders) continue;
    const categories = asObjectLiteral(objectPropertyValue(config, 'categories'));
    // Appender names each category lists (undefined when the categories are not written out).
    const lists = categories?.properties.map((p) => {
      const category = ts.isPropertyAssignment(p) ? asObjectLiteral(p.initializer) : undefined;
      const names = category ? unwrap(objectPropertyValue(category, 'appenders') ?? category) : undefined;
      return names && ts.isArrayLiteralExpression(names) ? names.elements.map((n) => stringValue(n)) : [];
    });
    const typeOf = (name: string | undefined) => {
      const appender = name ? asObjectLiteral(objectPropertyValue(appenders, name)) : undefined;
      return appender ? stringValue(objectPropertyValue(appender, 'type')) : undefined;
    };
    for (const prop of appenders.properties) {
      if (!ts.isPropertyAssignment(prop)) continue;
      const appender = asObjectLiteral(prop.initializer);
      const type = appender ? stringValue(objectPropertyValue(appender, 'type')) : undefined;
      if (!appender || (type !== 'file' && type !== 'fileSync')) continue;
      // maxLogSize turns on rolling (keeping `backups` old files, 5 by default); 0 or missing never rolls.
      const maxLogSize = objectPropertyValue(appender, 'maxLogSize');
      if (maxLogSize && numberValue(maxLogSize) !== 0) continue;
      const file = logPath(objectPropertyValue(appender, 'filename'));
      if (file === undefined || STREAM_PATHS.test(file)) continue;
      const name = prop.name.getText().replace(/^['"`]|['"`]$/g, '');
      const using = lists?.filter((l) => l.includes(name));
      if (using && using.length === 0) continue; // no category writes to it
      out.push({
        node: prop,
        library: 'log4js',
        file,
        everyRecord: true,
        besideConsole: (using ?? []).some((l) => l.some((n) => n !== name && LOG4JS_CONSOLE.has(typeOf(n) ?? ''))),
        logger: appenders,
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------- morgan and write streams

function morganSinks(sf: ts.SourceFile): LogFileSink[] {
  const out: LogFileSink[] = [];
  const morganCalls = indexOf(sf).calls.filter((c) => resolveImport(c.expression) === 'morgan');
  const toConsole = morganCalls.some((c) => {
    const options = asObjectLiteral(c.arguments[1]);
    return !options || !objectPropertyValue(options, 'stream');
  });
  for (const call of morganCalls) {
    const options = asObjectLiteral(call.arguments[1]);
    const stream = options ? objectPropertyValue(options, 'stream') : undefined;
    const file = stream ? writeStreamPath(stream) : undefined;
    if (!stream || file === undefined || STREAM_PATHS.test(file)) continue;
    out.push({ node: call, library: 'morgan', file, everyRecord: objectPropertyValue(options!, 'skip') === undefined, besideConsole: toConsole, logger: call });
  }
  for (const call of indexOf(sf).calls) {
    const callee = resolveImport(call.expression);
    // `pino(options, fs.createWriteStream(...))`, `pino.multistream([{ stream: fs.createWriteStream(...) }, { stream: process.stdout }])`
    if (callee === 'pino' && call.arguments[1] && isWriteStream(call.arguments[1])) {
      const file = writeStreamPath(call.arguments[1]);
      if (file !== undefined && !STREAM_PATHS.test(file)) out.push({ node: call.arguments[1], library: 'pino', file, everyRecord: true, besideConsole: false, logger: call });
    }
    if (callee === 'pino.multistream' && call.arguments[0] && ts.isArrayLiteralExpression(unwrap(call.arguments[0]))) {
      const list = unwrap(call.arguments[0]) as ts.ArrayLiteralExpression;
      const entries = list.elements.map((e) => asObjectLiteral(e));
      const console = entries.some((e) => e && isProcessStream(objectPropertyValue(e, 'stream')));
      for (const entry of entries) {
        const stream = entry ? objectPropertyValue(entry, 'stream') : undefined;
        const file = stream ? writeStreamPath(stream) : undefined;
        if (!entry || file === undefined || STREAM_PATHS.test(file)) continue;
        out.push({ node: entry, library: 'pino', file, everyRecord: objectPropertyValue(entry, 'level') === undefined, besideConsole: console, logger: list });
      }
    }
  }
  return out;
}

/** `fs.createWriteStream(...)`, directly or through a `const stream = ...` of the same file. */
function writeStreamCall(expr: ts.Expression): ts.CallExpression | undefined {
  let e = unwrap(expr);
  if (ts.isIdentifier(e)) e = unwrap(initializerOf(e) ?? e);
  return ts.isCallExpression(e) && resolveImport(e.expression) === 'fs.createWriteStream' ? e : undefined;
}

function isWriteStream(expr: ts.Expression): boolean {
  return writeStreamCall(expr) !== undefined;
}

/** The file a write stream opens, as far as it is literal: `'access.log'`, `path.join(__dirname, 'logs', 'access.log')`. */
function writeStreamPath(expr: ts.Expression): string | undefined {
  const call = writeStreamCall(expr);
  return call?.arguments[0] ? logPath(call.arguments[0]) : undefined;
}

/**
 * A log file's path when the code writes at least part of it: a literal, a template (`${dir}/app.log`), `path.join`/
 * `path.resolve` with literal parts, or a constant of the file holding one. Undefined for a name from configuration
 * (`process.env.LOG_FILE`, a parameter): it may well be a stream.
 */
export function logPath(expr: ts.Expression | undefined, depth = 0): string | undefined {
  if (!expr || depth > 3) return undefined;
  const e = unwrap(expr);
  const literal = stringValue(e);
  if (literal !== undefined) return literal;
  if (ts.isTemplateExpression(e)) {
    const text = e.head.text + e.templateSpans.map((span) => `\u2026${span.literal.text}`).join('');
    return /[\w.]/.test(text) ? text : undefined;
  }
  if (ts.isCallExpression(e) && /^path\.(join|resolve)$/.test(resolveImport(e.expression) ?? '')) {
    const parts = e.arguments.map((a) => logPath(a, depth + 1));
    return parts.some((p) => p !== undefined) ? parts.filter((p): p is string => p !== undefined).join('/') : undefined;
  }
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const left = logPath(e.left, depth + 1);
    const right = logPath(e.right, depth + 1);
    const text = `${left ?? '\u2026'}${right ?? '\u2026'}`;
    return /[\w.]/.test(text) ? text : undefined;
  }
  if (ts.isIdentifier(e)) return logPath(initializerOf(e), depth + 1);
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------- helpers

function joinLiteral(dir: string | undefined, name: string | undefined): string | undefined {
  if (name === undefined) return dir === undefined ? undefined : `${dir.replace(/\/+$/, '')}/…`;
  return dir === undefined ? name : `${dir.replace(/\/+$/, '')}/${name}`;
}

/** An option given a value other than 0/null/undefined/false. */
function present(expr: ts.Expression | undefined): boolean {
  if (!expr) return false;
  const e = unwrap(expr);
  if (numberValue(e) === 0) return false;
  return ![ts.SyntaxKind.NullKeyword, ts.SyntaxKind.FalseKeyword, ts.SyntaxKind.UndefinedKeyword].includes(e.kind) && !(ts.isIdentifier(e) && e.text === 'undefined');
}

function isNew(e: ts.Expression, cls: RegExp): boolean {
  const n = unwrap(e);
  return ts.isNewExpression(n) && cls.test(resolveImport(n.expression) ?? '');
}

/** The array literal a node is an element of (through parentheses, `as` casts and chained calls: `new File(...).on('error', f)`). */
function containingArray(node: ts.Node): ts.ArrayLiteralExpression | undefined {
  let child = node;
  let n = node.parent;
  while (n && (ts.isParenthesizedExpression(n) || ts.isAsExpression(n) || (ts.isPropertyAccessExpression(n) && n.expression === child) || (ts.isCallExpression(n) && n.expression === child))) {
    child = n;
    n = n.parent;
  }
  return n && ts.isArrayLiteralExpression(n) ? n : undefined;
}

/**
 * A sink inside a top-level constant that is only used under a configuration check: `const prodLogger = { transports:
 * [new File(...)] }` read as `NODE_ENV === 'production' ? prodLogger : devLogger`.
 */
function chosenByConfiguration(sf: ts.SourceFile, node: ts.Node): boolean {
  let n: ts.Node = node;
  while (n.parent && !ts.isSourceFile(n.parent) && !(ts.isVariableDeclaration(n.parent) && ts.isVariableStatement(n.parent.parent.parent) && ts.isSourceFile(n.parent.parent.parent.parent))) n = n.parent;
  const declaration = n.parent;
  if (!declaration || !ts.isVariableDeclaration(declaration) || !ts.isIdentifier(declaration.name)) return false;
  const uses = identifiersNamed(sf, declaration.name.text).filter((id) => id !== declaration.name);
  // Each use picks the value itself (`cond ? prodLogger : devLogger`), not a member of it (`logger.add(...)` under a check).
  const picked = (id: ts.Identifier) => (ts.isConditionalExpression(id.parent) && id !== id.parent.condition) || (ts.isBinaryExpression(id.parent) && id === id.parent.right);
  return uses.length > 0 && uses.every((id) => picked(id) && underConfiguredBranch(id));
}

/** Inside an `if`, a `?:` or a `&&` whose condition reads configuration (up to the enclosing statement list). */
function underConfiguredBranch(node: ts.Node): boolean {
  for (let n: ts.Node = node; n.parent && !ts.isSourceFile(n.parent); n = n.parent) {
    const p = n.parent;
    const condition =
      ts.isIfStatement(p) && n !== p.expression ? p.expression
      : ts.isConditionalExpression(p) && n !== p.condition ? p.condition
      : ts.isBinaryExpression(p) && n === p.right && [ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken].includes(p.operatorToken.kind) ? p.left
      : undefined;
    if (condition && CONFIGURED_CONDITION.test(condition.getText())) return true;
  }
  return false;
}
