/**
 * large-request-body-limit (Streamlit): `.streamlit/config.toml` upload and websocket message limits above the threshold.
 */
import type { AST } from 'toml-eslint-parser';
import { defineRule, type RuleContext } from '../api';
import { requestBodyLimitDocs, requestBodyLimitMeta } from './meta';

/** Streamlit server options measured in MB: what each one holds in memory, and what to do instead. */
const LIMITS: Record<string, { why: string; instead: string }> = {
  maxUploadSize: {
    why: 'server.maxUploadSize: Streamlit keeps each uploaded file entirely in memory for the session.',
    instead: 'send larger files straight to object storage',
  },
  maxMessageSize: {
    why: 'server.maxMessageSize: each message to the browser is built whole in memory on the server.',
    instead: 'page or downsample large dataframes and charts',
  },
};

export default defineRule({
  meta: {
    ...requestBodyLimitMeta,
    kinds: ['toml'],
    roles: ['streamlit-config'],
    trigger: /maxUploadSize|maxMessageSize/,
    docs: {
      ...requestBodyLimitDocs,
      whatItDoes:
        'Finds `.streamlit/config.toml` `[server]` `maxUploadSize` and `maxMessageSize` (both in MB, also written as ' +
        '`server.maxUploadSize = ...`) above `thresholdMb` (default 10).',
      notes:
        'Streamlit keeps every uploaded file in memory as an `UploadedFile`, so `maxUploadSize` is how much memory one ' +
        'upload may take. A config that does not set it gets Streamlit\'s 200 MB default; that case is not reported yet.',
      example: {
        fileName: '.streamlit/config.toml',
        code: `[server]
maxUploadSize = 1000
`,
      },
      useInstead: {
        fileName: '.streamlit/config.toml',
        code: `[server]
maxUploadSize = 10
`,
      },
    },
  },
  check(ctx) {
    const program = ctx.toml();
    const top = program.body[0];
    if (!top) return;
    for (const item of top.body) {
      if (item.type === 'TOMLKeyValue') checkKeyValue(ctx, [], item);
      else for (const kv of item.body) checkKeyValue(ctx, item.resolvedKey.map(String), kv);
    }
  },
});

function checkKeyValue(ctx: RuleContext, tablePath: string[], kv: AST.TOMLKeyValue): void {
  const path = [...tablePath, ...kv.key.keys.map((k) => (k.type === 'TOMLBare' ? k.name : k.value))];
  if (path.length === 2 && path[0] === 'server' && LIMITS[path[1]]) {
    checkValue(ctx, path[1], kv.value);
  } else if (path.length === 1 && path[0] === 'server' && kv.value.type === 'TOMLInlineTable') {
    // server = { maxUploadSize = 500 }
    for (const inner of kv.value.body) checkKeyValue(ctx, ['server'], inner);
  }
}

function checkValue(ctx: RuleContext, option: string, value: AST.TOMLContentNode): void {
  if (value.type !== 'TOMLValue' || (value.kind !== 'integer' && value.kind !== 'float')) return;
  const thresholdMb = ctx.options.thresholdMb as number;
  const size = Number(value.value);
  if (!(size > thresholdMb)) return;
  const [start, end] = value.range;
  ctx.report({
    start,
    end,
    messageId: option === 'maxUploadSize' ? 'max-upload-size' : 'max-message-size',
    data: { size, threshold: thresholdMb },
    detail: `${LIMITS[option].why} Lower it to ${thresholdMb} (MB) and ${LIMITS[option].instead}.`,
    fixes: [{ title: `Lower server.${option} to ${thresholdMb} MB`, safety: 'unsafe', edits: [{ start, end, newText: String(thresholdMb) }] }],
  });
}
