/**
 * large-request-body-limit (Python): Django and Flask request body limits set too high or switched off.
 */
import type { Node, Tree } from 'web-tree-sitter';
import { defineRule, type RuleContext } from '../api';
import { captures, capturesNamed, enclosingClass, enclosingFunction, intValue, keywordArgument, stringValue } from '../../analysis/python/ast';
import { importsOf } from '../../analysis/python/imports';
import { formatBytes } from '../shared/format';
import { configAssignments, isGunicornConfigFile } from '../../analysis/deploy/gunicorn-config';
import { requestBodyLimitDocs, requestBodyLimitMeta, thresholdBytes } from './meta';

type Setting = 'DATA_UPLOAD_MAX_MEMORY_SIZE' | 'FILE_UPLOAD_MAX_MEMORY_SIZE' | 'MAX_CONTENT_LENGTH';
const DJANGO_SETTINGS = new Set<string>(['DATA_UPLOAD_MAX_MEMORY_SIZE', 'FILE_UPLOAD_MAX_MEMORY_SIZE']);

export default defineRule({
  meta: {
    ...requestBodyLimitMeta,
    kinds: ['python'],
    trigger: /UPLOAD_MAX_MEMORY_SIZE|MAX_CONTENT_LENGTH|limit_request_(line|field_size)/,
    docs: {
      ...requestBodyLimitDocs,
      whatItDoes:
        'Finds Django `DATA_UPLOAD_MAX_MEMORY_SIZE` / `FILE_UPLOAD_MAX_MEMORY_SIZE` above `thresholdMb` (default 10 MB) ' +
        'at module level in settings, and `DATA_UPLOAD_MAX_MEMORY_SIZE = None` (no check at all); Flask ' +
        '`MAX_CONTENT_LENGTH` above the threshold or `None` in `app.config["MAX_CONTENT_LENGTH"] = ...`, ' +
        '`app.config.update(...)` / `from_mapping(...)`, config classes (`class ProductionConfig:`) and config modules; and ' +
        'in a gunicorn config file, `limit_request_line = 0` or `limit_request_field_size = 0`, which lift gunicorn\'s caps on the ' +
        'request line and on each header field (4094 and 8190 bytes by default).',
      notes:
        'Sizes are in bytes; the fix writes `10 * 1024 * 1024`. Limits at or under the threshold, values read from the ' +
        'environment, the same names inside functions, in unrelated dicts or in classes not named like a config, are not ' +
        'reported. FastAPI/Starlette have no body limit setting; `await request.body()` is not reported because a limit ' +
        'is usually enforced by a proxy or middleware this rule cannot see.',
      example: {
        fileName: 'settings.py',
        code: `INSTALLED_APPS = ["django.contrib.contenttypes"]

DATA_UPLOAD_MAX_MEMORY_SIZE = None
`,
      },
      useInstead: {
        fileName: 'settings.py',
        code: `INSTALLED_APPS = ["django.contrib.contenttypes"]

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
`,
      },
    },
  },
  check(ctx) {
    const tree = ctx.python();
    if (isGunicornConfigFile(ctx.file)) checkGunicornHeaderLimits(ctx, tree);
    const imports = importsOf(tree);
    const isDjango = ctx.file.roles.has('django-settings') || imports.importsModule('django');
    const isFlask = imports.importsModule('flask') || imports.importsModule('quart');
    const isConfigModule = /(^|\/)[^/]*(config|settings)[^/]*\.py$/i.test(ctx.file.relPath) && !(ctx.file.roles.has('django-settings') && !isFlask);

    // NAME = value: Django settings at module level; Flask MAX_CONTENT_LENGTH in config classes and config modules.
    for (const { node } of captures(tree, '(assignment left: (identifier) @name right: (_) @value)')) {
      if (node.type !== 'identifier') continue;
      const name = node.text;
      const assignment = node.parent!;
      if (!assignment.childForFieldName('left')?.equals(node)) continue;
      const value = assignment.childForFieldName('right')!;
      if (enclosingFunction(assignment)) continue;
      const cls = enclosingClass(assignment);
      if (DJANGO_SETTINGS.has(name)) {
        if (isDjango && !cls) checkLimit(ctx, value, name as Setting);
      } else if (name === 'MAX_CONTENT_LENGTH') {
        const inConfigClass = cls !== undefined && /Config/.test(`${cls.childForFieldName('name')?.text} ${cls.childForFieldName('superclasses')?.text ?? ''}`);
        if (inConfigClass || (!cls && (isFlask || isConfigModule))) checkLimit(ctx, value, name);
      }
    }

    // app.config["MAX_CONTENT_LENGTH"] = value
    for (const { node } of captures(tree, '(assignment left: (subscript) @target right: (_) @value)')) {
      if (node.type !== 'subscript') continue;
      if (stringValue(node.childForFieldName('subscript')) !== 'MAX_CONTENT_LENGTH' || !isFlaskConfig(node.childForFieldName('value'))) continue;
      checkLimit(ctx, node.parent!.childForFieldName('right')!, 'MAX_CONTENT_LENGTH');
    }

    // app.config.update(MAX_CONTENT_LENGTH=...) / .from_mapping(...) / .update({"MAX_CONTENT_LENGTH": ...})
    for (const node of capturesNamed(tree, '(call function: (attribute object: (_) @obj attribute: (identifier) @m)) @call', 'call')) {
      const fn = node.childForFieldName('function')!;
      if (!['update', 'from_mapping'].includes(fn.childForFieldName('attribute')!.text) || !isFlaskConfig(fn.childForFieldName('object'))) continue;
      const keyword = keywordArgument(node, 'MAX_CONTENT_LENGTH');
      if (keyword) checkLimit(ctx, keyword, 'MAX_CONTENT_LENGTH');
      for (const arg of node.childForFieldName('arguments')?.namedChildren ?? []) {
        if (arg?.type !== 'dictionary') continue;
        for (const pair of arg.namedChildren) {
          if (pair?.type === 'pair' && stringValue(pair.childForFieldName('key')) === 'MAX_CONTENT_LENGTH') checkLimit(ctx, pair.childForFieldName('value')!, 'MAX_CONTENT_LENGTH');
        }
      }
    }
  },
});

/** Gunicorn's defaults; 0 means no limit at all. */
const GUNICORN_HEADER_LIMITS: Record<string, number> = { limit_request_line: 4094, limit_request_field_size: 8190 };

/** gunicorn.conf.py: `limit_request_field_size = 0` lets one header (and so one request's headers) be of any size. */
function checkGunicornHeaderLimits(ctx: RuleContext, tree: Tree): void {
  for (const setting of configAssignments(tree)) {
    const fallback = GUNICORN_HEADER_LIMITS[setting.name];
    if (fallback === undefined || !setting.topLevel || intValue(setting.value) !== 0) continue;
    ctx.report({
      start: setting.value.startIndex,
      end: setting.value.endIndex,
      messageId: 'gunicorn-unlimited-header',
      data: { setting: setting.name, default: fallback },
      detail:
        `${setting.name} = 0: gunicorn reads ${setting.name === 'limit_request_line' ? 'request lines' : 'header fields'} of any size ` +
        `into the worker's memory before the app sees the request. Gunicorn's default is ${fallback} bytes.`,
      fixes: [
        {
          title: `Restore gunicorn's default ${setting.name} = ${fallback}`,
          safety: 'unsafe',
          edits: [{ start: setting.value.startIndex, end: setting.value.endIndex, newText: String(fallback) }],
        },
      ],
    });
  }
}

/** `app.config`, `current_app.config`, `self.app.config`: a Flask config mapping. */
function isFlaskConfig(node: Node | null): boolean {
  return node?.type === 'attribute' && node.childForFieldName('attribute')?.text === 'config';
}

function checkLimit(ctx: RuleContext, value: Node, setting: Setting): void {
  const threshold = thresholdBytes(ctx.options);
  const thresholdMb = ctx.options.thresholdMb as number;
  const unlimited = value.type === 'none' && setting !== 'FILE_UPLOAD_MAX_MEMORY_SIZE';
  const bytes = intValue(value);
  if (!unlimited && (bytes === undefined || bytes <= threshold)) return;
  const size = unlimited ? '' : formatBytes(bytes!);
  const lower = `Lower it to ${thresholdMb} MB and send larger files straight to object storage.`;
  const [messageId, detail] = {
    DATA_UPLOAD_MAX_MEMORY_SIZE: unlimited
      ? ['django-unlimited',
        `DATA_UPLOAD_MAX_MEMORY_SIZE = None: Django reads request bodies of any size into memory. Set it to ${thresholdMb} MB.`]
      : ['django-body',
        `DATA_UPLOAD_MAX_MEMORY_SIZE: each request's body is held in memory while it is read, in every worker at once. ${lower}`],
    FILE_UPLOAD_MAX_MEMORY_SIZE: [
      'django-file-upload',
      `FILE_UPLOAD_MAX_MEMORY_SIZE: uploads smaller than this stay in memory instead of streaming to a temporary file. ${lower}`,
    ],
    MAX_CONTENT_LENGTH: unlimited
      ? ['flask-unlimited',
        `MAX_CONTENT_LENGTH = None: request.get_data() and request.json read bodies of any size into memory. Set it to ${thresholdMb} MB.`]
      : ['flask-body',
        `MAX_CONTENT_LENGTH: request.get_data() and request.json read the whole body into memory. ${lower}`],
  }[setting];
  ctx.report({
    start: value.startIndex,
    end: value.endIndex,
    messageId,
    data: unlimited ? { threshold: thresholdMb } : { size, threshold: thresholdMb },
    detail,
    fixes: [{ title: `Lower ${setting} to ${thresholdMb} MB`, safety: 'unsafe', edits: [{ start: value.startIndex, end: value.endIndex, newText: `${thresholdMb} * 1024 * 1024` }] }],
  });
}
