/**
 * Documentation and options shared by every rule file with the id `large-request-body-limit`
 * (Python settings, Streamlit config, TypeScript servers). Each rule file adds its own example.
 */
import type { RuleDocs, RuleOption } from '../api';

export const REQUEST_BODY_LIMIT_ID = 'large-request-body-limit';

export const requestBodyLimitOptions: Record<string, RuleOption> = {
  thresholdMb: {
    type: 'number',
    default: 10,
    description: 'Request body and upload limits above this many megabytes (MiB) are reported; the fix lowers them to it.',
  },
};

/** Threshold in bytes from the resolved options. */
export function thresholdBytes(options: Readonly<Record<string, unknown>>): number {
  return (options.thresholdMb as number) * 1024 * 1024;
}

/**
 * The parts every implementation shares. `whatItDoes` is an overview of the whole rule: implementations override it
 * with what they find, and add their own `example`, `useInstead` and `notes`.
 */
export const requestBodyLimitDocs: Omit<RuleDocs, 'example' | 'useInstead'> = {
  summary: 'Request body and upload limits so large (or absent) that one request can fill a worker\'s memory.',
  whatItDoes:
    'Finds body-size limits above `thresholdMb` (default 10 MB), or limits switched off: Django ' +
    '`DATA_UPLOAD_MAX_MEMORY_SIZE` / `FILE_UPLOAD_MAX_MEMORY_SIZE` in settings (and `DATA_UPLOAD_MAX_MEMORY_SIZE = None`); ' +
    'Flask `MAX_CONTENT_LENGTH` (`app.config[...]`, `app.config.update(...)`, config classes and config modules); ' +
    '`.streamlit/config.toml` `[server] maxUploadSize` / `maxMessageSize` (in MB); Express/body-parser ' +
    '`json`/`urlencoded`/`raw`/`text` `limit`, multer `memoryStorage()` without `limits.fileSize`, fastify `bodyLimit`, ' +
    'and outbound axios `maxBodyLength`/`maxContentLength` of `Infinity` or `-1`.',
  whyIsThisBad:
    'These limits decide how many bytes a single request may make the server hold: parsed JSON and form bodies, ' +
    'in-memory uploads (Django below FILE_UPLOAD_MAX_MEMORY_SIZE, multer memoryStorage, every Streamlit upload) and ' +
    'websocket messages are built in memory, often with a second copy while parsing. With a 500 MB limit, two ' +
    'concurrent uploads are enough to restart a 512 MB instance; without a limit, one is.',
  fixSafety:
    'Unsafe: lowering the limit rejects requests that were accepted before (HTTP 413 / a Streamlit upload error). ' +
    'Large files should go straight to object storage (pre-signed uploads) or be streamed to disk in chunks instead.',
};
