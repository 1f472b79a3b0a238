/**
 * whole-file-read's meta, owned once by its folder: the id, severity, fix safety and message ids of its Python and
 * TypeScript implementations (the ids both report, such as `base64-field`, are one), which add their file kinds,
 * trigger and docs.
 */
import type { RuleMeta } from '../api';

export const wholeFileReadMeta = {
  id: 'whole-file-read',
  defaultSeverity: 'warning',
  fix: 'unsafe',
  messages: {
    'django-upload': 'Reads the whole upload into memory per request: iterate over .chunks()',
    'upload-size': 'Reads the whole upload into memory only to measure it: use {{upload}}.size',
    upload: 'Reads the whole upload into memory per request: read it in chunks',
    'streamlit-copy': 'Copies the whole upload on top of the copy Streamlit keeps: pass the file object',
    'streamlit-buffer': 'Hands out the whole upload as one buffer: pass the file object',
    'readlines-file': 'Loads every line of the file into one list: iterate over the file object instead',
    'readlines-upload': 'Loads every line of the upload into one list: iterate over the file object instead',
    file: 'Reads the whole file into memory at once: read it in chunks or iterate over lines',
    'file-async': 'Reads the whole file into memory at once: read it in chunks',
    's3-object': 'Reads the whole S3 object into memory per request: stream it with iter_chunks()',
    'raw-upload': 'Reads the whole upload into memory at once: read it in chunks',
    stream: 'Reads the whole stream into memory at once: read it in chunks',
    hash: 'Reads the whole stream into memory just to hash it: feed the hasher in chunks',
    'download-copy': 'Downloads the whole object into memory and copies it (2x its size): use a temp file',
    'base64-field': 'Decodes a whole base64 request field in memory (1.75x its size): accept a file upload',
    'copy-into-content-file': 'Copies {{file}} whole into memory to store it again: pass File({{file}})',
    'copy-into-zip': 'Copies {{file}} whole into memory to add it to a zip: stream it into ZipFile.open()',
    'file-response': 'Reads the whole file into memory only to send it: return {{instead}}',
    'request-body-file': 'Stores the whole raw request body as a file: accept a multipart upload (request.FILES)',
    'fetched-body': 'Downloads the whole response of a caller-chosen URL into memory: stream it with a size cap',
    'relayed-body': 'Buffers the whole upstream response to the client\'s query before relaying it: stream it',
    'read-file': '{{fn}}() holds {{which}} file whole in memory per request: stream it',
    'base64-length': 'Decodes a whole base64 request field only to read its length: use Buffer.byteLength()',
    'buffered-body': 'Buffers {{what}} in memory with no size limit: stream it with pipeline()',
    'buffered-stream': 'Buffers the whole request stream in memory with no size limit: pipe it with pipeline()',
    'collected-body': 'Collects the whole request body in memory with no size limit: pipe it with pipeline()',
    'multer-memory': 'Holds the whole upload in memory (multer memory storage, no size limit): use diskStorage()',
    'json-file-store': 'Reads all of {{file}} per request, a JSON file requests keep growing: use a database',
  },
} satisfies Pick<RuleMeta, 'id' | 'defaultSeverity' | 'fix' | 'messages'>;
