/**
 * Body size caps a project configures for its framework, in bytes: Streamlit's `server.maxUploadSize` (MB, in
 * `.streamlit/config.toml`; 200 when unset) and Flask's `MAX_CONTENT_LENGTH` (`app.config["MAX_CONTENT_LENGTH"] =
 * 16 * 1024 * 1024`, a config class attribute). A whole read of a body under a small cap holds at most that much.
 */
import type { ProjectInfo } from '../../rules/api';
import { fileDigest, mayHoldWord } from './file-digests';

/** Caps at or under this are small: the threshold large-request-body-limit reports above (10 MB). */
export const SMALL_BODY_CAP = 10 * 1024 * 1024;

const STREAMLIT_CONFIG = /(^|\/)\.streamlit\/config\.toml$/;
const MAX_UPLOAD = /^[ \t]*(?:server\.)?maxUploadSize[ \t]*=[ \t]*(\d+)/m;
const FLASK_CAP = /\bMAX_CONTENT_LENGTH\b["']?\s*\]?\s*=\s*([\d_\s*+()]+?)\s*(?:#|$)/gm;

/** The upload cap of the project's Streamlit config(s): the largest one set, or undefined when none sets it. */
export function streamlitUploadCap(project: ProjectInfo): number | undefined {
  let cap: number | undefined;
  for (const file of project.files()) {
    if (!STREAMLIT_CONFIG.test(file)) continue;
    const mb = MAX_UPLOAD.exec(project.readFile(file) ?? '')?.[1];
    if (mb === undefined) return undefined; // a config without it: Streamlit's 200 MB default
    cap = Math.max(cap ?? 0, Number(mb) * 1024 * 1024);
  }
  return cap;
}

/** Flask's MAX_CONTENT_LENGTH where the project sets it to a number (the largest, when set in several places). */
export function flaskContentCap(project: ProjectInfo): number | undefined {
  let cap: number | undefined;
  for (const file of project.files()) {
    if (!file.endsWith('.py') || !mayHoldWord(fileDigest(project, file).words, 'MAX_CONTENT_LENGTH')) continue;
    for (const m of (project.readFile(file) ?? '').matchAll(FLASK_CAP)) {
      const bytes = product(m[1]);
      if (bytes === undefined) return undefined; // set from something we cannot read: not known to be small
      cap = Math.max(cap ?? 0, bytes);
    }
  }
  return cap;
}

/** `16 * 1024 * 1024`, `(10 * 1024) * 1024`, `5_000_000`: a product of integer literals. */
function product(text: string): number | undefined {
  const factors = text.replace(/[()\s_]/g, '').split('*');
  if (factors.some((f) => !/^\d+$/.test(f))) return undefined;
  return factors.reduce((n, f) => n * Number(f), 1);
}
