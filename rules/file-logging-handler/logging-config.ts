/**
 * file-logging-handler in logging config files a deployed process loads (analysis/deploy/logging-configs.ts):
 * dictConfig YAML/JSON (`handlers: {file: {class: logging.FileHandler, filename: error.log}}`) and fileConfig INI
 * (`[handler_file] class=FileHandler args=('app.log', 'a')`). A file handler some logger uses, with no rotation,
 * appends to the file for as long as the container lives. Bounded handlers are left alone: RotatingFileHandler
 * with maxBytes and backupCount, TimedRotatingFileHandler with backupCount, WatchedFileHandler (logrotate's).
 */
import { isScalar, type YAMLMap } from 'yaml';
import { defineRule, type FixSpec, type RuleContext } from '../api';
import { readersOf, type YamlReader } from '../../analysis/deploy/yaml-read';
import { readIni, type IniSection } from '../../analysis/deploy/ini-read';
import { loadedLoggingConfigs } from '../../analysis/deploy/logging-configs';
import { clip } from '../shared/format';
import python from './python';
import { fileLoggingHandlerMeta } from './meta';
import { runsInContainers } from './containers';

/** `logging.FileHandler`, `FileHandler`, `logging.handlers.RotatingFileHandler`, `handlers.TimedRotatingFileHandler`. */
const HANDLER_CLASS = /^(?:logging\.)?(?:handlers\.)?(FileHandler|RotatingFileHandler|TimedRotatingFileHandler)$/;
/** Paths that are the process's own output streams. */
const STREAM_FILES = /^(\/dev\/(stdout|stderr|null)|\/proc\/(self|1)\/fd\/[12])$/;
/** What the fix keeps: 10 MB per file, five old files. */
const MAX_BYTES = 10 * 1024 * 1024;
const BACKUPS = 5;


/** The deploy that loads the docs example's config file. */
const LOADING_DOCKERFILE = 'FROM python:3.12-slim\nCOPY . /app\nWORKDIR /app\nCMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--log-config", "log.yaml"]\n';
export default defineRule({
  meta: {
    ...fileLoggingHandlerMeta,
    kinds: ['yaml', 'json', 'ini'],
    trigger: /FileHandler/,
    docs: {
      ...python.meta.docs!,
      summary: 'A logging config file a deployed server loads sends a logger to a file that is never rotated.',
      whatItDoes:
        'Reads the logging config files a deploy loads: `uvicorn --log-config log.yaml`, gunicorn `--log-config`/`--log-config-json`, ' +
        'hypercorn `--log-config`, and YAML/JSON/INI files a module the deploy runs passes to `logging.config.dictConfig` or ' +
        '`fileConfig` by a literal path. A `FileHandler` some logger lists (or a `RotatingFileHandler` with no `maxBytes`/`backupCount`, ' +
        'a `TimedRotatingFileHandler` with no `backupCount`) is reported on its `class`. Not reported: bounded rotating handlers, ' +
        '`WatchedFileHandler`, stream handlers, `/dev/stdout`, handlers no logger lists, config files nothing loads, development ' +
        'deploys, and projects with no Dockerfile or compose file.',
      example: {
        fileName: 'log.yaml',
        code: 'version: 1\nhandlers:\n  file:\n    class: logging.FileHandler\n    filename: error.log\nroot:\n  handlers: [file]\n',
        alongside: { Dockerfile: LOADING_DOCKERFILE },
      },
      useInstead: {
        alongside: { Dockerfile: LOADING_DOCKERFILE },
        fileName: 'log.yaml',
        code: 'version: 1\nhandlers:\n  file:\n    class: logging.handlers.RotatingFileHandler\n    maxBytes: 10485760\n    backupCount: 5\n    filename: error.log\nroot:\n  handlers: [file]\n',
      },
      fixSafety: 'Unsafe: the fix keeps the file but rotates it at 10 MB with five old files; anything that expects one file sees rotation.',
    },
  },
  check(ctx) {
    if (!runsInContainers(ctx)) return;
    const via = loadedLoggingConfigs(ctx.project).get(ctx.file.relPath);
    if (!via) return;
    if (ctx.file.kind === 'ini') checkIni(ctx, via);
    else checkDictConfig(ctx, via);
  },
});

function report(ctx: RuleContext, start: number, end: number, file: string, via: string, fixes: FixSpec[]): void {
  ctx.report({
    start,
    end,
    messageId: 'config-file-handler',
    data: { file: clip(file) },
    detail:
      `This logging config is loaded by ${via}; the handler appends every record to ${file} and never rotates it, so the file ` +
      'grows without limit in the container\'s writable layer (RAM-backed or a small ephemeral disk on many platforms). ' +
      `Rotate it (RotatingFileHandler, maxBytes ${MAX_BYTES}, backupCount ${BACKUPS}) or log to stdout.`,
    fixes,
  });
}

// ---------------------------------------------------------------------------------------------
// dictConfig YAML / JSON

function checkDictConfig(ctx: RuleContext, via: string): void {
  for (const { reader, root } of readersOf(ctx.yaml())) {
    const used = usedHandlers(reader, root);
    for (const [name, value] of reader.entries(reader.map(reader.get(root, 'handlers')))) {
      const handler = reader.map(value);
      if (!handler || !used.has(name)) continue;
      const classNode = reader.get(handler, 'class');
      const cls = HANDLER_CLASS.exec(reader.text(classNode) ?? '')?.[1];
      const file = reader.text(reader.get(handler, 'filename'));
      const range = reader.range(classNode);
      if (!cls || !range || !file || STREAM_FILES.test(file) || file.startsWith('ext://')) continue;
      const maxBytes = reader.get(handler, 'maxBytes');
      const backupCount = reader.get(handler, 'backupCount');
      if (bounded(cls, reader.text(maxBytes), reader.text(backupCount))) continue;
      const fixes = cls === 'FileHandler' || (cls === 'RotatingFileHandler' && !maxBytes && !backupCount) ? dictFix(ctx, handler, range) : [];
      report(ctx, range[0], range[1], file, via, fixes);
    }
  }
}

/** Handler names listed by a logger or the root logger. */
function usedHandlers(reader: YamlReader, root: YAMLMap): Set<string> {
  const used = new Set<string>();
  const add = (logger: unknown) => {
    const handlers = reader.get(reader.map(logger), 'handlers');
    for (const item of reader.items(handlers)) {
      const name = reader.text(item);
      if (name !== undefined) used.add(name);
    }
  };
  add(reader.get(root, 'root'));
  for (const [, logger] of reader.entries(reader.map(reader.get(root, 'loggers')))) add(logger);
  return used;
}

/** Rotation by size needs both settings above 0; a timed handler deletes old files only with a backupCount. */
function bounded(cls: string, maxBytes: string | undefined, backupCount: string | undefined): boolean {
  const positive = (v: string | undefined) => v !== undefined && (!/^\d+$/.test(v.trim()) || Number(v) > 0);
  if (cls === 'TimedRotatingFileHandler') return positive(backupCount);
  if (cls === 'RotatingFileHandler') return positive(maxBytes) && positive(backupCount);
  return false;
}

/** `class: logging.handlers.RotatingFileHandler` with maxBytes and backupCount beside it, written in the map's style. */
function dictFix(ctx: RuleContext, handler: YAMLMap, range: [number, number]): FixSpec[] {
  const text = ctx.file.text;
  const written = text.slice(range[0], range[1]);
  const quote = /^["']/.test(written) ? written[0] : '';
  const edits = [{ start: range[0], end: range[1], newText: `${quote}logging.handlers.RotatingFileHandler${quote}` }];
  const json = ctx.file.kind === 'json';
  if (handler.flow || json) {
    const key = (k: string) => (json ? `"${k}"` : k);
    edits.push({ start: range[1], end: range[1], newText: `, ${key('maxBytes')}: ${MAX_BYTES}, ${key('backupCount')}: ${BACKUPS}` });
  } else {
    const lineStart = text.lastIndexOf('\n', range[0] - 1) + 1;
    const indent = /^[ \t]*/.exec(text.slice(lineStart))![0];
    const keyStart = lineStart + indent.length;
    // The class must be a `class: ...` line of its own in a block map, else the inserted lines would land elsewhere.
    if (!/^["']?class["']?\s*:/.test(text.slice(keyStart, range[0])) || !isScalar(handler.items[0]?.key)) return [];
    const lineEnd = text.indexOf('\n', range[1]);
    if (lineEnd === -1 || /\S/.test(text.slice(range[1], lineEnd).replace(/\s+#.*$/, ''))) return [];
    edits.push({ start: lineEnd, end: lineEnd, newText: `\n${indent}maxBytes: ${MAX_BYTES}\n${indent}backupCount: ${BACKUPS}` });
  }
  return [{ title: 'Rotate the file with logging.handlers.RotatingFileHandler (10 MB, 5 backups)', edits }];
}

// ---------------------------------------------------------------------------------------------
// fileConfig INI: [handlers] keys=..., [handler_NAME] class=... args=(...), [logger_NAME] handlers=...

function checkIni(ctx: RuleContext, via: string): void {
  const sections = readIni(ctx.file.text);
  const value = (section: IniSection | undefined, key: string) => section?.entries.find((e) => e.key === key);
  const used = new Set<string>();
  for (const section of sections) {
    if (!section.name.startsWith('logger_')) continue;
    for (const name of (value(section, 'handlers')?.value ?? '').split(',')) if (name.trim()) used.add(name.trim());
  }
  const declared = new Set((value(sections.find((s) => s.name === 'handlers'), 'keys')?.value ?? '').split(',').map((k) => k.trim()));
  for (const section of sections) {
    const name = section.name.slice('handler_'.length);
    if (!section.name.startsWith('handler_') || !declared.has(name) || !used.has(name)) continue;
    const classEntry = value(section, 'class');
    const cls = HANDLER_CLASS.exec(classEntry?.value ?? '')?.[1];
    const argsEntry = value(section, 'args');
    if (!cls || !classEntry || !argsEntry || value(section, 'kwargs')) continue;
    const args = tupleItems(argsEntry.value);
    const file = args && /^(['"])(.*)\1$/.exec(args[0] ?? '')?.[2];
    if (!args || !file || STREAM_FILES.test(file)) continue;
    // RotatingFileHandler(filename, mode, maxBytes, backupCount); TimedRotatingFileHandler(filename, when, interval, backupCount).
    if (bounded(cls, args[2], args[3])) continue;
    const start = classEntry.keyStart;
    const valueStart = ctx.file.text.indexOf(classEntry.value, start);
    const fixes: FixSpec[] = [];
    if (cls === 'FileHandler' && args.length <= 2 && valueStart !== -1) {
      const argsStart = ctx.file.text.indexOf(argsEntry.value, argsEntry.keyStart);
      const mode = args[1] ?? "'a'";
      const handlerClass = classEntry.value.startsWith('logging.') ? 'logging.handlers.RotatingFileHandler' : 'handlers.RotatingFileHandler';
      fixes.push({
        title: 'Rotate the file with RotatingFileHandler (10 MB, 5 backups)',
        edits: [
          { start: valueStart, end: valueStart + classEntry.value.length, newText: handlerClass },
          { start: argsStart, end: argsStart + argsEntry.value.length, newText: `(${args[0]}, ${mode}, ${MAX_BYTES}, ${BACKUPS})` },
        ],
      });
    }
    report(ctx, start, classEntry.lineEnd, file, via, fixes);
  }
}

/** `('app.log', 'a')` -> [`'app.log'`, `'a'`]: a tuple of simple literals, else undefined. */
function tupleItems(text: string): string[] | undefined {
  const m = /^\(\s*(.*?)\s*,?\s*\)$/.exec(text.trim());
  if (!m || /[()[\]{}]/.test(m[1])) return undefined;
  const items = m[1].match(/'[^']*'|"[^"]*"|[^,\s][^,]*/g)?.map((i) => i.trim());
  return items && items.length ? items : undefined;
}

