/**
 * Whether a TS/JS project caps upload sizes anywhere: a multer `limits: { fileSize }` (also Nest's
 * `MulterModule.register`), typescript-rest's `Server.setFileLimits(...)`, busboy/formidable `maxFileSize`. A helper
 * module handed the multer file object cannot see the route's multer options; where the project sets none, its
 * `file.buffer` is as large as the client sent. Answered from the texts once per project state.
 */
import type { ProjectInfo } from '../../rules/api';
import { ProjectSlot } from '../cache';
import { projectTexts } from '../project-texts';

const CAP = /\bfileSize\s*:|\bsetFileLimits\s*\(|\bmaxFileSize\b/;
const SOURCE = /\.[cm]?[jt]sx?$/;
const SKIP = /(^|\/)node_modules\//;

const slot = new ProjectSlot<{ key?: unknown; answer: boolean }>('ts: upload size caps', () => ({ answer: false }));
const restSlot = new ProjectSlot<{ key?: unknown; answer: boolean }>('ts: typescript-rest file params', () => ({ answer: false }));
const FILE_PARAM = /@Files?Param\s*\(/;

export function projectCapsUploadSize(project: ProjectInfo, current?: { relPath: string; text: string }): boolean {
  const texts = projectTexts(project, current);
  const key = texts.stamp ?? texts.files;
  const holder = slot.get(project);
  if (holder.key === key) return holder.answer;
  holder.key = key;
  holder.answer = texts.files.some((f) => SOURCE.test(f) && !SKIP.test(f) && CAP.test(texts.text(f) ?? ''));
  return holder.answer;
}

/**
 * typescript-rest services take uploads (`@FileParam('file')`, `@FilesParam`) through multer with memory storage and
 * no size limit unless the project calls `Server.setFileLimits(...)`: true when some service does and none sets them.
 */
export function takesUncappedRestUploads(project: ProjectInfo, current?: { relPath: string; text: string }): boolean {
  const texts = projectTexts(project, current);
  const key = texts.stamp ?? texts.files;
  const holder = restSlot.get(project);
  if (holder.key === key) return holder.answer;
  holder.key = key;
  const sources = texts.files.filter((f) => SOURCE.test(f) && !SKIP.test(f));
  holder.answer = sources.some((f) => FILE_PARAM.test(texts.text(f) ?? '')) && !sources.some((f) => /\bsetFileLimits\s*\(/.test(texts.text(f) ?? ''));
  return holder.answer;
}
