/**
 * large-request-body-limit's meta, owned once by its folder: the id, severity, options, message ids and docs
 * shared by every implementation (Python settings, Streamlit config and setup scripts, TypeScript servers).
 * Each rule file adds its file kinds, trigger and its own part of the docs.
 */
import type { RuleDocs, RuleMeta, RuleOption } from '../api';

/** The default of Streamlit's server.maxUploadSize, in MB. */
export const STREAMLIT_DEFAULT_MB = 200;

export const requestBodyLimitOptions: Record<string, RuleOption> = {
  thresholdMb: {
    type: 'number',
    default: 10,
    description: 'Request body and upload limits above this many megabytes (MiB) are reported; the fix lowers them to it.',
  },
};

/** What every implementation's meta shares. */
export const requestBodyLimitMeta = {
  id: 'large-request-body-limit',
  defaultSeverity: 'warning',
  fix: 'unsafe',
  options: requestBodyLimitOptions,
  messages: {
    // Python: Django and Flask settings.
    'django-unlimited': "Turns off Django's request body limit, so one request can fill the worker's memory: set {{threshold}} MB",
    'django-body': 'Lets Django read request bodies of up to {{size}} into memory per request: lower it to {{threshold}} MB',
    'django-file-upload': 'Keeps uploaded files of up to {{size}} in memory instead of a temp file: lower it to {{threshold}} MB',
    'flask-unlimited': "Removes Flask's request body limit, so one request can fill the worker's memory: set {{threshold}} MB",
    'flask-body': 'Lets Flask accept request bodies of up to {{size}}, read into memory: lower it to {{threshold}} MB',
    'gunicorn-unlimited-header': "{{setting}} = 0 lifts gunicorn's header size cap (headers sit in memory): use {{default}}",
    // Streamlit: config.toml, and the setup scripts that write it.
    'max-upload-size': 'Lets users upload files of up to {{size}} MB, kept whole in memory by Streamlit: lower it to {{threshold}} MB',
    'max-message-size': 'Allows websocket messages of up to {{size}} MB, each built in memory: lower it to {{threshold}} MB',
    'setup-script-default': `Writes a Streamlit config without maxUploadSize, so uploads of up to ${STREAMLIT_DEFAULT_MB} MB are kept in memory`,
    // TypeScript/JavaScript: body parsers, multer, fastify, axios.
    'body-parser': '{{what}} accepts bodies {{size}}, held in memory: lower the limit to {{max}}',
    'multer-file-size': '{{what}} holds uploads {{size}} whole in memory: lower limits.fileSize to {{max}}',
    'multer-no-file-size': '{{what}} keeps uploads of any size in memory: set limits.fileSize to {{max}}',
    'rest-file-limits': '{{what}} keeps @FileParam uploads of any size in memory: call Server.setFileLimits',
    'fastify-body-limit': 'Fastify bodyLimit accepts bodies {{size}}, held in memory: lower it to {{max}}',
    'axios-max-content-length': 'maxContentLength: {{value}} lets axios buffer any response in memory: set a limit of {{max}}',
    'axios-max-body-length': 'maxBodyLength: {{value}} lets axios buffer request bodies of any size: set a limit of {{max}}',
  },
} satisfies Pick<RuleMeta, 'id' | 'defaultSeverity' | 'fix' | 'options' | 'messages'>;

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
    'gunicorn `limit_request_line = 0` / `limit_request_field_size = 0` (no header size limit) in a gunicorn config; ' +
    '`.streamlit/config.toml` `[server] maxUploadSize` / `maxMessageSize` (in MB); Express/body-parser ' +
    '`json`/`urlencoded`/`raw`/`text` `limit`, multer `memoryStorage()` without `limits.fileSize`, fastify `bodyLimit`, ' +
    'and outbound axios `maxBodyLength`/`maxContentLength` of `Infinity` or `-1` (not the `maxContentLength` of an upload ' +
    'call, `axios.post(url, form, { maxContentLength, maxBodyLength })`: it bounds the reply to the upload, not a download).',
  whyIsThisBad:
    'These limits decide how many bytes a single request may make the server hold: parsed JSON and form bodies, ' +
    'in-memory uploads (Django below FILE_UPLOAD_MAX_MEMORY_SIZE, multer memoryStorage, every Streamlit upload) and ' +
    'websocket messages are built in memory, often with a second copy while parsing. With a 500 MB limit, two ' +
    'concurrent uploads are enough to restart a 512 MB instance; without a limit, one is.',
  fixSafety:
    'Unsafe: lowering the limit rejects requests that were accepted before (HTTP 413 / a Streamlit upload error). ' +
    'Large files should go straight to object storage (pre-signed uploads) or be streamed to disk in chunks instead.',
};
