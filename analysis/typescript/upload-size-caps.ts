/**
 * Whether a TS/JS project caps upload sizes anywhere: a multer `limits: { fileSize }` (also Nest's
 * `MulterModule.register`), typescript-rest's `Server.setFileLimits(...)`, busboy/formidable `maxFileSize`. A helper
 * module handed the multer file object cannot see the route's multer options; where the project sets none, its
 * `file.buffer` is as large as the client sent. Answered from the texts once per project state.
 */
import { textsFact } from '../project-texts';

const CAP = /\bfileSize\s*:|\bsetFileLimits\s*\(|\bmaxFileSize\b/;
const SOURCE = /\.[cm]?[jt]sx?$/;
const SKIP = /(^|\/)node_modules\//;
const FILE_PARAM = /@Files?Param\s*\(/;

export const projectCapsUploadSize = textsFact('ts: upload size caps', (texts) =>
  texts.files.some((f) => SOURCE.test(f) && !SKIP.test(f) && CAP.test(texts.text(f) ?? '')),
);

/**
 * typescript-rest services take uploads (`@FileParam('file')`, `@FilesParam`) through multer with memory storage and
 * no size limit unless the project calls `Server.setFileLimits(...)`: true when some service does and none sets them.
 */
export const takesUncappedRestUploads = textsFact('ts: typescript-rest file params', (texts) => {
  const sources = texts.files.filter((f) => SOURCE.test(f) && !SKIP.test(f));
  return sources.some((f) => FILE_PARAM.test(texts.text(f) ?? '')) && !sources.some((f) => /\bsetFileLimits\s*\(/.test(texts.text(f) ?? ''));
});
