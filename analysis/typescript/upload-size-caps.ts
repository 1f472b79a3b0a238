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

export function projectCapsUploadSize(project: ProjectInfo, current?: { relPath: string; text: string }): boolean {
  const texts = projectTexts(project, current);
  const key = texts.stamp ?? texts.files;
  const holder = slot.get(project);
  if (holder.key === key) return holder.answer;
  holder.key = key;
  holder.answer = texts.files.some((f) => SOURCE.test(f) && !SKIP.test(f) && CAP.test(texts.text(f) ?? ''));
  return holder.answer;
}
