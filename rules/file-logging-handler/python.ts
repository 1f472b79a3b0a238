/**
 * file-logging-handler: web apps in containers that log to files (LOGGING dicts, basicConfig(filename=...),
 * FileHandler objects) instead of stdout, or send the same records to a console and a file.
 */
import type { Node, Tree } from 'web-tree-sitter';
import { defineRule, type FixSpec, type OffsetEdit, type ReportSpec, type RuleContext } from '../api';
import { ancestor, captures, hasSplat, intValue, keywordArgument, positionalArguments, stringValue } from '../../analysis/python/ast';
import { addImport, addImports, removeListItem, removeStatementLines, removeUnusedImport } from '../shared/python-edits';
import { importsOf, type ImportMap } from '../../analysis/python/imports';
import { clip, formatBytes } from '../shared/format';
import { configAssignments, isGunicornConfigFile } from '../../analysis/deploy/gunicorn-config';
import { inManagementCommandClass, isManagementCommandFile, isWebAppCode, underMainGuard } from '../../analysis/python/web-context';
import { deployReach } from '../../analysis/deploy/project-reach';
import { fileDigest, mayHoldWord } from '../../analysis/python/file-digests';
import { duplicatedLoguruFileSinks } from './loguru';
import { fileLoggingHandlerMeta } from './meta';

const FILE_HANDLER_CLASS = /(^|\.)\w*FileHandler$/;
const CONSOLE_HANDLER_CLASS = /(^|\.)(StreamHandler|RichHandler)$/;
const FILE_HANDLER_CALLS = new Set([
  'logging.FileHandler',
  'logging.handlers.RotatingFileHandler',
  'logging.handlers.TimedRotatingFileHandler',
  'logging.handlers.WatchedFileHandler',
  'concurrent_log_handler.ConcurrentRotatingFileHandler',
]);
/** Keys a StreamHandler does not accept: dictConfig would pass them on and fail. */
const FILE_ONLY_KEYS = new Set(['maxBytes', 'backupCount', 'when', 'interval', 'utc', 'atTime', 'encoding', 'delay', 'mode', 'errors']);
/** "Files" that are really the process's output streams. */
const STREAM_FILES = /^(\/dev\/(stdout|stderr)|\/proc\/(self|1)\/fd\/[12])$/;
/** A LOGGING dict that configures a web framework's or server's loggers. */
const WEB_LOGGERS = /["'](django|gunicorn|uvicorn|flask|werkzeug|fastapi|starlette)[."']/;

export default defineRule({
  meta: {
    ...fileLoggingHandlerMeta,
    kinds: ['python'],
    trigger: /FileHandler|basicConfig|accesslog|errorlog|loguru/,
    docs: {
      summary: 'A containerised web app that logs to files instead of stdout.',
      whatItDoes:
        'Finds `logging.FileHandler`, `RotatingFileHandler`, `TimedRotatingFileHandler` and `WatchedFileHandler` in Django `LOGGING` ' +
        'dicts (`"class": "logging.handlers.RotatingFileHandler"`) and in logging setup code (`logging.basicConfig(filename=...)`, ' +
        '`logger.addHandler(FileHandler(...))`, loguru\'s `logger.add("app.log", ...)` beside `logger.add(sys.stdout)` in one block) of web apps: files that import or configure Django, Flask, FastAPI, Starlette, gunicorn ' +
        'or uvicorn, Django settings files, and logging modules a deploy\'s processes load (a `core/logging.py` the app imports). When a logger sends its records to a console handler and a file handler (also handlers listed together in ' +
        '`QueueListener(queue, console, file)` or `basicConfig(handlers=[console, file])`), the file handler is reported as a duplicate. A bounded rotating handler (`RotatingFileHandler` with `maxBytes` and `backupCount` ' +
        'both above 0, `TimedRotatingFileHandler` with `backupCount` above 0) is reported only when it duplicates a console handler: ' +
        'on its own it keeps a fixed amount or a fixed number of periods. Not reported: ' +
        '`StreamHandler`, `NullHandler`, files named `/dev/stdout`, `/dev/stderr` or ' +
        '`os.devnull`, CLI scripts without a web framework, Django management commands, and code under `if __name__ == "__main__":`. ' +
        'In a gunicorn config file (`gunicorn.conf.py`, or a file a start command loads with `-c`), `accesslog` and `errorlog` set to ' +
        'a file path are reported too: gunicorn appends to them and never rotates them. Not reported there: `"-"` (stdout/stderr), ' +
        '`/dev/stdout`, `/dev/stderr`, `None`, and values read from the environment.',
      whyIsThisBad:
        'A container\'s filesystem is its writable layer: on many platforms it is held in memory (Cloud Run, tmpfs mounts) or is a small ' +
        'ephemeral disk, and it is thrown away on every deploy. Log files there grow until rotation (a RotatingFileHandler with ' +
        '`maxBytes=10 MB, backupCount=5` keeps up to 60 MB, per process when each worker rotates its own file) or without limit, nobody ' +
        'reads them, and the platform\'s log viewer only sees stdout/stderr. Sending the same records to a console and a file doubles ' +
        'the work and the space. Handlers added in exclusive branches (`if LOG_TO_STDOUT: ... else: ...`) are not duplicates.',
      example: {
        fileName: 'settings.py',
        code: `LOGGING = {
    "version": 1,
    "handlers": {
        "file": {
            "class": "logging.FileHandler",
            "filename": "/app/logs/django.log",
        },
    },
    "root": {"handlers": ["file"], "level": "INFO"},
}
`,
      },
      useInstead: {
        fileName: 'settings.py',
        code: `LOGGING = {
    "version": 1,
    "handlers": {
        "file": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
        },
    },
    "root": {"handlers": ["file"], "level": "INFO"},
}
`,
      },
      fixSafety:
        'Unsafe: logs no longer land in the file, so anything that reads it (a sidecar, `tail -f`) must read the process output instead. ' +
        'In a LOGGING dict the fix sets `"class": "logging.StreamHandler"`, replaces `"filename": ...` with `"stream": "ext://sys.stdout"` ' +
        'and removes the keys a StreamHandler does not accept (`maxBytes`, `backupCount`, `when`, `encoding`, ...); a file handler that ' +
        'only duplicates a console handler is removed with its references; a bounded rotating handler that some loggers also use ' +
        'alone keeps its rotation for them and is only taken off the loggers that also log to the console. In code it replaces the handler with ' +
        '`logging.StreamHandler(sys.stdout)` (adding `import sys`), replaces `basicConfig(filename=...)` with `stream=sys.stdout`, and ' +
        'removes a duplicate handler\'s statements when they are only its creation, configuration and `addHandler`.',
      notes:
        'Logging config files (YAML/JSON/INI) are read when a deployed server (`--log-config`) or a module the deploy runs ' +
        '(`dictConfig(yaml.safe_load(...))`, `fileConfig(...)`) loads them by a literal path. A handler ' +
        'of a LOGGING dict that no logger lists (and that the file names nowhere else) writes nothing and is not reported.',
    },
  },
  check(ctx) {
    if (isManagementCommandFile(ctx.file.relPath)) return;
    const tree = ctx.python();
    const imports = importsOf(tree);
    const webFile = isWebAppCode(ctx, imports);
    checkDictConfigs(ctx, tree, webFile);
    if (isGunicornConfigFile(ctx.file)) checkGunicornLogSettings(ctx, tree);
    if (imports.importsModule('loguru')) checkLoguruSinks(ctx, tree, imports, webFile);
    // A logging module imports no web framework itself: it counts when a deploy's processes load it (built once per project).
    if (!webFile && !loadedByDeploy(ctx)) return;
    checkHandlerCalls(ctx, tree, imports);
    checkBasicConfig(ctx, tree, imports);
  },
});

/**
 * loguru's `logger.add(sys.stdout)` beside a file sink in one block: every record stored twice. A logging module
 * imports no web framework itself, so besides web-app code it counts when a deploy's processes load it (the
 * project's deploy reach, built once per project).
 */
function checkLoguruSinks(ctx: RuleContext, tree: Tree, imports: ImportMap, webFile: boolean): void {
  const sinks = duplicatedLoguruFileSinks(tree, imports, excluded);
  if (sinks.length === 0) return;
  if (!webFile) {
    const reach = deployReach(ctx.project);
    if (!reach.judged || !reach.reached.has(ctx.file.relPath)) return;
  }
  for (const { call, sink, statement } of sinks) {
    const file = describeFile(sink);
    const removal = statement ? removeStatementLines(ctx.file.text, statement) : undefined;
    ctx.report({
      start: call.startIndex,
      end: call.endIndex,
      messageId: 'duplicated-handler',
      data: { file: clip(file, 28) },
      detail: `loguru sends every record to ${file} as well as to the console sink added beside it, so every line is stored twice, the copy on ${FILESYSTEM}. The platform already keeps what goes to stdout.`,
      fixes: removal ? [{ title: 'Remove the file sink', edits: [removal] }] : [],
    });
  }
}

/**
 * The project's deploy reach (its start commands followed through imports) loads this module; where the reach cannot
 * be judged, a module of the web app (one importing a web framework) imports it by its dotted name.
 */
function loadedByDeploy(ctx: RuleContext): boolean {
  if (!/FileHandler|basicConfig\s*\([^)]*filename/.test(ctx.file.text)) return false;
  const reach = deployReach(ctx.project);
  return reach.judged ? reach.reached.has(ctx.file.relPath) : importedByWebCode(ctx);
}

function importedByWebCode(ctx: RuleContext): boolean {
  const parts = ctx.file.relPath.replace(/\.py$/, '').split('/');
  if (parts[parts.length - 1] === '__init__') parts.pop();
  const name = parts[parts.length - 1];
  if (!name || parts.length < 2) return false;
  // `from app.core.logging import logger`, `import core.logging`, `from app.core import logging as log_setup`: the
  // module's dotted name from any folder the project may run from (two components at least: never a bare `logging`).
  const suffixes = parts.slice(0, -1).map((_, i) => parts.slice(i).join('\\.'));
  const parent = (i: number) => parts.slice(i, -1).join('\\.');
  const pattern = new RegExp(
    `^[ \\t]*(?:from[ \\t]+(?:${suffixes.join('|')})[ \\t]+import\\b|import[ \\t]+(?:${suffixes.join('|')})\\b|from[ \\t]+(?:${parts.slice(0, -1).map((_, i) => parent(i)).join('|')})[ \\t]+import[^\\n]*\\b${name}\\b)`,
    'm',
  );
  return ctx.project.files().some((file) => {
    if (file === ctx.file.relPath || !file.endsWith('.py')) return false;
    const digest = fileDigest(ctx.project, file);
    return digest.web && mayHoldWord(digest.words, name) && pattern.test(ctx.project.readFile(file) ?? '');
  });
}

function excluded(node: Node): boolean {
  return underMainGuard(node) || inManagementCommandClass(node) || debugOnly(node);
}

/** Inside `if settings.debug:` / `if DEBUG:` (the consequence, not an else): a handler a production run never adds. */
function debugOnly(node: Node): boolean {
  for (let child = node, parent = node.parent; parent; child = parent, parent = parent.parent) {
    if (parent.type !== 'if_statement' || !parent.childForFieldName('consequence')?.equals(child)) continue;
    const condition = parent.childForFieldName('condition');
    if (condition && /^(?:[\w.]+\.)?debug$/i.test(condition.text.trim())) return true;
  }
  return false;
}

function pairKey(pair: Node | null | undefined): string | undefined {
  return pair?.type === 'pair' ? stringValue(pair.childForFieldName('key')) : undefined;
}

function pairOf(dict: Node, key: string): Node | undefined {
  return dict.namedChildren.find((c): c is Node => c !== null && pairKey(c) === key);
}

function isStreamFile(value: Node | undefined, imports?: ImportMap): boolean {
  if (!value) return false;
  const s = stringValue(value);
  if (s !== undefined) return STREAM_FILES.test(s);
  return value.text === 'os.devnull' || (imports?.is(value, 'os.devnull') ?? false);
}

function describeFile(value: Node | undefined): string {
  const s = stringValue(value);
  if (s !== undefined) return s;
  const text = value?.text.replace(/\s+/g, ' ') ?? 'a file';
  return text.length > 50 ? `${text.slice(0, 47)}...` : text;
}

/** How much the handler keeps: "rotation keeps up to 60 MB" or "the file grows without limit". */
function retention(handlerClass: string, maxBytes: number | undefined, backupCount: number | undefined): { short: string; long: string } {
  if (/RotatingFileHandler$/.test(handlerClass) && !/Timed/.test(handlerClass) && maxBytes && backupCount !== undefined) {
    const size = formatBytes(maxBytes * (backupCount + 1));
    return { short: `up to ${size} per process`, long: `rotation keeps up to ${size} per process` };
  }
  if (/TimedRotatingFileHandler$/.test(handlerClass) && backupCount) return { short: `${backupCount + 1} files per process`, long: `rotation keeps ${backupCount + 1} files per process` };
  return { short: 'grows without limit', long: 'the file grows without limit' };
}

/**
 * A rotating handler that keeps a fixed amount: Python rolls over by size only when both settings are above 0, and a
 * TimedRotatingFileHandler deletes old files only with a backupCount above 0 (a retention of that many periods).
 * A setting given by a name (`LOGROTATE_MAX_SIZE`) counts as set: the code chose a bound we cannot read.
 */
function retentionBounded(handlerClass: string, maxBytes: Node | undefined, backupCount: Node | undefined): boolean {
  const positive = (node: Node | undefined) => {
    if (!node) return false;
    const n = intValue(node);
    return n === undefined ? node.type === 'identifier' || node.type === 'attribute' || node.type === 'call' : n > 0;
  };
  if (/TimedRotatingFileHandler$/.test(handlerClass)) return positive(backupCount);
  return /RotatingFileHandler$/.test(handlerClass) && positive(maxBytes) && positive(backupCount);
}

const FILESYSTEM = 'a filesystem that is RAM-backed or a small ephemeral disk on many platforms';

// ---------------------------------------------------------------------------------------------
// LOGGING = {"handlers": {"file": {"class": "logging.FileHandler", ...}}}

interface DictHandler {
  name: string | undefined;
  /** `"file": {...}` in the handlers dict. */
  pair: Node | undefined;
  dict: Node;
  classValue: Node;
}

function checkDictConfigs(ctx: RuleContext, tree: Tree, webFile: boolean): void {
  for (const { node: key } of captures(tree, '(pair key: (string) @key value: (string))')) {
    if (stringValue(key) !== 'class') continue;
    const classValue = key.parent!.childForFieldName('value')!;
    const cls = stringValue(classValue);
    if (!cls || !FILE_HANDLER_CLASS.test(cls)) continue;
    const dict = key.parent!.parent!;
    if (dict.type !== 'dictionary' || excluded(dict)) continue;
    const filename = pairOf(dict, 'filename')?.childForFieldName('value') ?? undefined;
    if (isStreamFile(filename)) continue;
    const pair = dict.parent?.type === 'pair' ? dict.parent : undefined;
    const config = pair?.parent?.parent?.type === 'pair' && pairKey(pair.parent.parent) === 'handlers' ? pair.parent.parent.parent ?? undefined : undefined;
    if (!webFile && !WEB_LOGGERS.test(config?.text ?? '')) continue;
    const handler: DictHandler = { name: pair ? pairKey(pair) : undefined, pair, dict, classValue };
    reportDictHandler(ctx, handler, config, cls, filename);
  }
}

interface HandlerRef {
  element: Node;
  /** The other handlers of that list include a console handler. */
  duplicated: boolean;
  owner: string;
}

/** Where the handler is used: `"handlers": ["console", "file"]` lists of loggers and root. */
function referencesOf(config: Node | undefined, name: string | undefined): HandlerRef[] {
  if (!config || !name) return [];
  const consoleNames = new Set<string>();
  const handlersDict = pairOf(config, 'handlers')?.childForFieldName('value');
  for (const def of handlersDict?.namedChildren ?? []) {
    const value = def?.type === 'pair' ? def.childForFieldName('value') : undefined;
    const cls = value?.type === 'dictionary' ? stringValue(pairOf(value, 'class')?.childForFieldName('value')) : undefined;
    if (cls && CONSOLE_HANDLER_CLASS.test(cls)) consoleNames.add(pairKey(def)!);
  }
  const refs: HandlerRef[] = [];
  for (const { node: list } of captures(config.tree, '(pair key: (string) value: [(list) (tuple)] @v)', config)) {
    if (pairKey(list.parent) !== 'handlers') continue;
    const items = list.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
    const names = items.map((i) => stringValue(i));
    const owner = pairKey(list.parent!.parent?.parent) ?? 'root';
    for (const item of items) {
      if (stringValue(item) === name) refs.push({ element: item, duplicated: names.some((n) => n !== undefined && consoleNames.has(n)), owner });
    }
  }
  return refs;
}

function reportDictHandler(ctx: RuleContext, handler: DictHandler, config: Node | undefined, cls: string, filename: Node | undefined): void {
  const refs = referencesOf(config, handler.name);
  // Defined in a config that routes its loggers here, listed by none of them: nothing ever writes to it.
  const routes = config && (pairOf(config, 'loggers') || pairOf(config, 'root'));
  if (routes && refs.length === 0 && handler.name !== undefined && namedOnce(ctx.file.text, handler.name)) return;
  const duplicated = refs.filter((r) => r.duplicated);
  const maxBytesNode = pairOf(handler.dict, 'maxBytes')?.childForFieldName('value') ?? undefined;
  const backupCountNode = pairOf(handler.dict, 'backupCount')?.childForFieldName('value') ?? undefined;
  if (!duplicated.length && retentionBounded(cls, maxBytesNode, backupCountNode)) return;
  const maxBytes = intValue(maxBytesNode);
  const backupCount = intValue(backupCountNode);
  const file = describeFile(filename);
  const keeps = retention(cls, maxBytes, backupCount);
  const headline: Pick<ReportSpec, 'messageId' | 'data'> = duplicated.length
    ? { messageId: 'duplicated-config', data: { file: clip(file, 28), handler: clip(handler.name ?? '', 20) } }
    : { messageId: 'file-in-container', data: { file: clip(file), keeps: keeps.short } };
  const detail = duplicated.length
    ? `${quoteList(duplicated.map((r) => r.owner))} write to ${file} as well as to the console, so every line is stored twice, the copy on ${FILESYSTEM}. The platform already keeps what goes to stdout.`
    : `The platform's log viewer never sees the file, and ${keeps.long} on ${FILESYSTEM}. Log to stdout with logging.StreamHandler.`;
  const bounded = retentionBounded(cls, maxBytesNode, backupCountNode);
  ctx.report({ start: handler.classValue.startIndex, end: handler.classValue.endIndex, ...headline, detail, fixes: dictFix(ctx, handler, refs, duplicated, bounded) });
}

/** The handler's name appears once in the file (its definition): no logger lists it, no code adds it later. */
function namedOnce(text: string, name: string): boolean {
  const quoted = new RegExp(`["']${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']`, 'g');
  return (text.match(quoted) ?? []).length === 1;
}

function quoteList(names: readonly string[]): string {
  const unique = [...new Set(names)].map((n) => (n === 'root' ? 'the root logger' : `"${n}"`));
  return unique.length === 1 ? unique[0] : `${unique.slice(0, -1).join(', ')} and ${unique[unique.length - 1]}`;
}

function dictFix(ctx: RuleContext, handler: DictHandler, refs: readonly HandlerRef[], duplicated: readonly HandlerRef[], bounded: boolean): FixSpec[] {
  const text = ctx.file.text;
  const removeRefs = duplicated.map((r) => removeListItem(text, r.element));
  if (duplicated.length && duplicated.length === refs.length && handler.pair) {
    return [{ title: `Remove the duplicate "${handler.name}" file handler`, edits: [removeListItem(text, handler.pair), ...removeRefs] }];
  }
  // A bounded rotating file that other loggers write to alone is not the problem, the second copy is: keep the
  // rotation for them and drop it only from the loggers that also log to the console.
  if (duplicated.length && bounded) {
    return [{ title: `Stop sending the console loggers' records to "${handler.name}" too`, edits: removeRefs }];
  }
  const quote = handler.classValue.text.startsWith("'") ? "'" : '"';
  const edits: OffsetEdit[] = [{ start: handler.classValue.startIndex, end: handler.classValue.endIndex, newText: `${quote}logging.StreamHandler${quote}` }];
  for (const pair of handler.dict.namedChildren) {
    const key = pairKey(pair);
    if (!pair || !key) continue;
    if (key === 'filename') {
      const keyQuote = pair.childForFieldName('key')!.text.startsWith("'") ? "'" : '"';
      edits.push({ start: pair.startIndex, end: pair.endIndex, newText: `${keyQuote}stream${keyQuote}: ${keyQuote}ext://sys.stdout${keyQuote}` });
    } else if (FILE_ONLY_KEYS.has(key)) {
      edits.push(removeListItem(text, pair));
    }
  }
  return [{ title: 'Log to stdout with logging.StreamHandler', edits: [...edits, ...removeRefs] }];
}

// ---------------------------------------------------------------------------------------------
// logger.addHandler(RotatingFileHandler(...)), handler = logging.FileHandler(...)

function isConsoleHandlerCall(node: Node | null | undefined, imports: ImportMap): boolean {
  if (node?.type !== 'call') return false;
  const q = imports.resolve(node.childForFieldName('function'));
  return q === 'logging.StreamHandler' || q === 'rich.logging.RichHandler';
}

/** Names assigned a console handler anywhere in the file. */
function consoleHandlerNames(tree: Tree, imports: ImportMap): Set<string> {
  const names = new Set<string>();
  for (const { node } of captures(tree, '(assignment left: [(identifier) (attribute)] @left right: (call))')) {
    if (isConsoleHandlerCall(node.parent!.childForFieldName('right'), imports)) names.add(node.text);
  }
  return names;
}

interface CodeHandler {
  call: Node;
  /** `handler` in `handler = FileHandler(...)`. */
  variable?: string;
  /** The statement binding or adding it. */
  statement?: Node;
}

function checkHandlerCalls(ctx: RuleContext, tree: Tree, imports: ImportMap): void {
  let consoles: Set<string> | undefined;
  for (const { node: call } of captures(tree, '(call function: [(identifier) (attribute)] @f) @call')) {
    if (call.type !== 'call') continue;
    const q = imports.resolve(call.childForFieldName('function'));
    if (!q || !FILE_HANDLER_CALLS.has(q) || excluded(call)) continue;
    const filename = keywordArgument(call, 'filename') ?? positionalArguments(call)[0];
    if (isStreamFile(filename, imports)) continue;
    consoles ??= consoleHandlerNames(tree, imports);
    const handler = codeHandler(call);
    const duplicate = duplicatedBy(tree, imports, handler, consoles);
    const cls = q.slice(q.lastIndexOf('.') + 1);
    const maxBytesNode = keywordArgument(call, 'maxBytes') ?? undefined;
    const backupCountNode = keywordArgument(call, 'backupCount') ?? undefined;
    // `RotatingFileHandler(**conf["HANDLER"])`: the bounds come from configuration we cannot read; assume they are set.
    if (!duplicate && (retentionBounded(cls, maxBytesNode, backupCountNode) || (/RotatingFileHandler$/.test(cls) && hasSplat(call)))) continue;
    const file = describeFile(filename);
    const keeps = retention(cls, intValue(maxBytesNode), intValue(backupCountNode));
    const headline: Pick<ReportSpec, 'messageId' | 'data'> = duplicate
      ? { messageId: 'duplicated-handler', data: { file: clip(file, 28) } }
      : { messageId: 'file-in-container', data: { file: clip(file), keeps: keeps.short } };
    const detail = duplicate
      ? `The records of ${duplicate} go to ${file} as well as to a console handler, so every line is stored twice, the copy on ${FILESYSTEM}. The platform already keeps what goes to stdout.`
      : `The platform's log viewer never sees the file, and ${keeps.long} on ${FILESYSTEM}. Log to stdout with logging.StreamHandler(sys.stdout).`;
    ctx.report({ start: call.startIndex, end: call.endIndex, ...headline, detail, fixes: duplicate ? removeHandlerFix(ctx, tree, handler) : streamHandlerFix(ctx, tree, call) });
  }
}

function codeHandler(call: Node): CodeHandler {
  const parent = call.parent;
  if (parent?.type === 'assignment' && parent.childForFieldName('right')?.id === call.id) {
    const left = parent.childForFieldName('left')!;
    if (left.type === 'identifier' || left.type === 'attribute') return { call, variable: left.text, statement: parent.parent ?? undefined };
  }
  return { call };
}

/** The logger whose records also go to a console handler, described for the message, or undefined. */
function duplicatedBy(tree: Tree, imports: ImportMap, handler: CodeHandler, consoles: ReadonlySet<string>): string | undefined {
  const isConsole = (arg: Node | undefined) => !!arg && (isConsoleHandlerCall(arg, imports) || consoles.has(arg.text));
  // basicConfig(handlers=[logging.StreamHandler(), logging.FileHandler("app.log")])
  const list = handler.call.parent;
  if (list?.type === 'list' || list?.type === 'tuple') {
    return list.namedChildren.some((c) => c !== null && c.id !== handler.call.id && isConsole(c)) ? 'the root logger' : undefined;
  }
  const together = listedWithConsole(tree, imports, handler, isConsole);
  if (together) return together;
  const fileAdds = new Map<string, Node[]>();
  for (const { node: add } of captures(tree, '(call function: (attribute attribute: (identifier) @m)) @call')) {
    if (add.type !== 'call' || add.childForFieldName('function')!.childForFieldName('attribute')!.text !== 'addHandler') continue;
    const arg = positionalArguments(add)[0];
    if (!arg || (arg.id !== handler.call.id && arg.text !== handler.variable)) continue;
    const logger = add.childForFieldName('function')!.childForFieldName('object')!.text;
    fileAdds.set(logger, [...(fileAdds.get(logger) ?? []), add]);
  }
  for (const { node: add } of captures(tree, '(call function: (attribute attribute: (identifier) @m)) @call')) {
    if (add.type !== 'call' || add.childForFieldName('function')!.childForFieldName('attribute')!.text !== 'addHandler') continue;
    const logger = add.childForFieldName('function')!.childForFieldName('object')!.text;
    const sameLogger = fileAdds.get(logger) ?? [];
    if (isConsole(positionalArguments(add)[0]) && sameLogger.some((fileAdd) => !exclusiveBranches(fileAdd, add))) return logger;
  }
  return undefined;
}

/**
 * A handler variable listed beside a console handler, so both receive the same records: `QueueListener(queue,
 * console, file)` (the listener hands every queued record to each), `basicConfig(handlers=[console, file])`,
 * `logger.handlers = [console, file]`.
 */
function listedWithConsole(tree: Tree, imports: ImportMap, handler: CodeHandler, isConsole: (arg: Node | undefined) => boolean): string | undefined {
  if (!handler.variable) return undefined;
  for (const { node: container } of captures(tree, '[(list) (tuple) (argument_list)] @c')) {
    const items = container.namedChildren.filter((c): c is Node => c !== null);
    if (!items.some((c) => c.text === handler.variable)) continue;
    const listener = container.type === 'argument_list' && imports.resolve(container.parent?.childForFieldName('function')) === 'logging.handlers.QueueListener';
    if (container.type === 'argument_list' && !listener) continue;
    if (items.some((c) => c.text !== handler.variable && isConsole(c))) return listener ? 'the queue listener' : 'the logger';
  }
  return undefined;
}

/** True when `a` and `b` sit in different branches of one if/elif/else, so at most one of them runs. */
function exclusiveBranches(a: Node, b: Node): boolean {
  const branchesOf = (node: Node) => {
    const found = new Map<number, number>();
    for (let child = node, parent = node.parent; parent; child = parent, parent = parent.parent) {
      if (parent.type === 'if_statement') found.set(parent.id, child.id);
    }
    return found;
  };
  const ofA = branchesOf(a);
  for (const [ifId, branch] of branchesOf(b)) {
    const other = ofA.get(ifId);
    if (other !== undefined && other !== branch) return true;
  }
  return false;
}

function streamHandlerFix(ctx: RuleContext, tree: Tree, call: Node): FixSpec[] {
  const edits: OffsetEdit[] = [
    { start: call.startIndex, end: call.endIndex, newText: 'logging.StreamHandler(sys.stdout)' },
    ...addImports(tree, ctx.file.text, ['logging', 'sys']),
  ];
  const unused = unusedHandlerImport(ctx, tree, call);
  if (unused) edits.push(unused);
  return [{ title: 'Log to stdout with logging.StreamHandler(sys.stdout)', edits }];
}

/** `from logging.handlers import RotatingFileHandler` once this call was its only use. */
function unusedHandlerImport(ctx: RuleContext, tree: Tree, call: Node): OffsetEdit | undefined {
  const fn = call.childForFieldName('function');
  return fn?.type === 'identifier' ? removeUnusedImport(tree, ctx.file.text, fn.text, fn) : undefined;
}

/** Removes a duplicate handler: its addHandler call, or its variable's creation, configuration and addHandler statements. */
function removeHandlerFix(ctx: RuleContext, tree: Tree, handler: CodeHandler): FixSpec[] {
  const text = ctx.file.text;
  const list = handler.call.parent;
  if (list?.type === 'list' || list?.type === 'tuple') return [{ title: 'Remove the duplicate file handler', edits: [removeListItem(text, handler.call)] }];
  const statements: Node[] = [];
  if (!handler.variable) {
    const statement = ancestor(handler.call, 'expression_statement');
    if (!statement || !/\.addHandler\s*\($/.test(text.slice(statement.startIndex, handler.call.startIndex).trimEnd())) return [];
    statements.push(statement);
  } else {
    const scope = ancestor(handler.call, 'function_definition') ?? tree.rootNode;
    const pattern = new RegExp(`(?<![\\w.])${handler.variable.replace(/[.]/g, '\\.')}(?!\\w)`);
    for (const { node: statement } of captures(tree, '(expression_statement) @s', scope)) {
      if (!pattern.test(statement.text)) continue;
      const ownStatement = statement.id === handler.statement?.id;
      const configures = new RegExp(`^${handler.variable.replace(/[.]/g, '\\.')}\\.\\w+\\(`).test(statement.text);
      const adds = /^[\w.]+\.addHandler\(/.test(statement.text);
      if (!ownStatement && !configures && !adds) return [];
      statements.push(statement);
    }
  }
  const edits: OffsetEdit[] = [];
  for (const statement of statements) {
    const siblings = statement.parent?.namedChildren.filter((c) => c && c.type !== 'comment') ?? [];
    if (siblings.every((s) => statements.some((t) => t.id === s!.id))) return []; // would leave an empty block
    const edit = removeStatementLines(text, statement);
    if (!edit) return [];
    edits.push(edit);
  }
  const unused = unusedHandlerImport(ctx, tree, handler.call);
  if (unused) edits.push(unused);
  return [{ title: 'Remove the duplicate file handler', edits }];
}

// ---------------------------------------------------------------------------------------------
// logging.basicConfig(filename="app.log")

function checkBasicConfig(ctx: RuleContext, tree: Tree, imports: ImportMap): void {
  for (const { node: call } of captures(tree, '(call function: [(identifier) (attribute)] @f) @call')) {
    if (call.type !== 'call' || !imports.is(call.childForFieldName('function'), 'logging.basicConfig') || excluded(call)) continue;
    const filename = keywordArgument(call, 'filename');
    if (!filename || isStreamFile(filename, imports)) continue;
    const argument = filename.parent!;
    const edits: OffsetEdit[] = [{ start: argument.startIndex, end: argument.endIndex, newText: 'stream=sys.stdout' }];
    const filemode = keywordArgument(call, 'filemode');
    if (filemode) edits.push(removeListItem(ctx.file.text, filemode.parent!));
    const importSys = addImport(tree, ctx.file.text, 'sys');
    if (importSys) edits.push(importSys);
    ctx.report({
      start: argument.startIndex,
      end: argument.endIndex,
      messageId: 'file-in-container',
      data: { file: clip(describeFile(filename)), keeps: 'grows without limit' },
      detail: `The platform's log viewer never sees the file, and it grows without limit on ${FILESYSTEM}. Log to stdout with basicConfig(stream=sys.stdout).`,
      fixes: [{ title: 'Log to stdout with basicConfig(stream=sys.stdout)', edits }],
    });
  }
}

// ---------------------------------------------------------------------------------------------
// gunicorn.conf.py: accesslog = "/var/log/gunicorn/access.log"

const GUNICORN_LOGS: Record<string, { log: string; stream: string }> = {
  accesslog: { log: 'access', stream: 'stdout' },
  errorlog: { log: 'error', stream: 'stderr' },
};
/** With one of these, gunicorn's dictConfig/fileConfig replaces the handlers accesslog/errorlog set up. */
const LOG_CONFIG_SETTINGS = new Set(['logconfig', 'logconfig_dict', 'logconfig_json']);

/** Gunicorn appends its access/error log to the file these settings name and never rotates it. */
function checkGunicornLogSettings(ctx: RuleContext, tree: Tree): void {
  const settings = configAssignments(tree);
  if (settings.some((s) => LOG_CONFIG_SETTINGS.has(s.name))) return;
  for (const setting of settings) {
    // A log file set in one branch of a module-level `if` may be the development choice.
    const kind = setting.topLevel ? GUNICORN_LOGS[setting.name] : undefined;
    const file = kind && stringValue(setting.value);
    if (!kind || file === undefined || file === '' || file === '-' || STREAM_FILES.test(file)) continue;
    ctx.report({
      start: setting.value.startIndex,
      end: setting.value.endIndex,
      messageId: 'gunicorn-log-file',
      data: { log: kind.log, file: clip(file), setting: setting.name },
      detail:
        `Gunicorn appends every ${kind.log} log line to ${file} and never rotates it: it grows without limit on ${FILESYSTEM}, and the ` +
        `platform's log viewer never sees it. ${setting.name} = "-" sends it to ${kind.stream}.`,
      fixes: [
        {
          title: `Send the ${kind.log} log to ${kind.stream} with ${setting.name} = "-"`,
          edits: [{ start: setting.value.startIndex, end: setting.value.endIndex, newText: '"-"' }],
        },
      ],
    });
  }
}
