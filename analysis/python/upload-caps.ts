/**
 * Body size caps a project configures for its framework, in bytes: Streamlit's `server.maxUploadSize` (MB, in
 * `.streamlit/config.toml`; 200 when unset) and Flask's `MAX_CONTENT_LENGTH` (`app.config["MAX_CONTENT_LENGTH"] =
 * 16 * 1024 * 1024`, a config class attribute) and Django's `DATA_UPLOAD_MAX_MEMORY_SIZE` (2.5 MB when unset). A whole read of a body under a small cap holds at most that much.
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

/** Django's DATA_UPLOAD_MAX_MEMORY_SIZE when no settings module sets it: 2.5 MB. */
const DJANGO_DEFAULT_BODY_CAP = 2621440;
const DJANGO_CAP = /^[ \t]*DATA_UPLOAD_MAX_MEMORY_SIZE[ \t]*=[ \t]*([^#\n]+?)[ \t]*(?:#|$)/gm;

/**
 * The most `request.body` can hold in a Django project: Django refuses (RequestDataTooBig) a body whose
 * Content-Length passes DATA_UPLOAD_MAX_MEMORY_SIZE before reading it, 2.5 MB unless settings change it. Undefined
 * when a settings module sets it to `None` (no check) or to something we cannot read (`env.int(...)`).
 */
export function djangoBodyCap(project: ProjectInfo): number | undefined {
  let cap = DJANGO_DEFAULT_BODY_CAP;
  for (const file of project.files()) {
    if (!file.endsWith('.py') || !mayHoldWord(fileDigest(project, file).words, 'DATA_UPLOAD_MAX_MEMORY_SIZE')) continue;
    for (const m of (project.readFile(file) ?? '').matchAll(DJANGO_CAP)) {
      const bytes = product(m[1]);
      if (bytes === undefined) return undefined;
      cap = Math.max(cap, bytes);
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
