/**
 * Whether a project's DRF settings page list views by default: `REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"]` (DRF's
 * default is None since 3.7: no paging) and, for DRF's own classes, `PAGE_SIZE` (PageNumberPagination,
 * LimitOffsetPagination and CursorPagination do not page without it). Read from the text of the project's settings
 * modules (every module that assigns `REST_FRAMEWORK` or looks like Django settings), cached per text.
 *
 * 'unknown' whenever the answer is not plain: no settings module in the project (a single file scanned alone),
 * a REST_FRAMEWORK built by code, `PAGE_SIZE` without a class (DRF before 3.7 paged with it), DRF 2's `PAGINATE_BY`.
 */
import { projectTexts } from '../project-texts';
import type { ProjectInfo } from '../../rules/api';

export type DrfPagination = 'paged' | 'unpaged' | 'unknown';

export interface DrfPaginationSettings {
  state: DrfPagination;
  /** The settings module the answer comes from (for messages), when there is one. */
  file?: string;
  /**
   * A settings module sets a `PAGE_SIZE` (other than None): DRF's own classes named on a view page by it. Only
   * answered with state 'unpaged'.
   */
  pageSize?: boolean;
}

/** DRF's own pagination classes: they page only with a PAGE_SIZE (a view's or the settings'). */
const DRF_CLASSES = /^(rest_framework\.pagination\.)?(PageNumberPagination|LimitOffsetPagination|CursorPagination)$/;
const SETTINGS_PATH = /(^|\/)(settings|[\w-]*_settings|settings\/[\w-]+|config\/[\w-]+|conf\/[\w-]+)\.py$/;
const DJANGO_SETTINGS = /^\s*(INSTALLED_APPS|MIDDLEWARE|DATABASES|ROOT_URLCONF)\s*=/m;

interface ModuleAnswer {
  text: string;
  /** The module sets REST_FRAMEWORK's PAGE_SIZE to something other than None. */
  pageSize: boolean;
  /** 'none': a Django settings module that does not configure DRF pagination; undefined: not a settings module. */
  answer?: DrfPagination | 'none';
}

const perProject = new WeakMap<ProjectInfo, Map<string, ModuleAnswer>>();

/** The project's default DRF pagination, from every settings module (any that pages, or is unclear, wins). */
export function drfPaginationSettings(project: ProjectInfo, current?: { relPath: string; text: string }): DrfPaginationSettings {
  let cache = perProject.get(project);
  if (!cache) perProject.set(project, (cache = new Map()));
  let sawSettings: string | undefined;
  let unpagedIn: string | undefined;
  let pageSize = false;
  const texts = projectTexts(project, current);
  for (const rel of texts.files) {
    if (!rel.endsWith('.py') || /(^|\/)(node_modules|site-packages|\.venv|venv|tests?)\//.test(rel)) continue;
    const text = texts.text(rel);
    if (text === undefined) continue;
    let entry = cache.get(rel);
    if (!entry || entry.text !== text) cache.set(rel, (entry = { text, answer: moduleAnswer(rel, text), pageSize: setsPageSize(text) }));
    const answer = entry.answer;
    if (answer === undefined) continue;
    if (answer === 'paged' || answer === 'unknown') return { state: answer, file: rel };
    sawSettings ??= rel;
    pageSize ||= entry.pageSize;
    if (answer === 'unpaged') unpagedIn = rel;
  }
  if (unpagedIn) return { state: 'unpaged', file: unpagedIn, pageSize };
  return sawSettings ? { state: 'unpaged', file: sawSettings, pageSize } : { state: 'unknown' };
}

/** One module's say: undefined when it is not a settings module at all. */
export function moduleAnswer(rel: string, written: string): DrfPagination | 'none' | undefined {
  // A commented-out `# 'DEFAULT_PAGINATION_CLASS': ...` / `# 'PAGE_SIZE': 20` configures nothing.
  const text = withoutCommentLines(written);
  const assigns = /^REST_FRAMEWORK\s*(?::[^=\n]+)?=/m.test(text) || /REST_FRAMEWORK\s*(\[|\.update\(|\.setdefault\()/.test(text);
  if (!assigns) return DJANGO_SETTINGS.test(text) || (SETTINGS_PATH.test(rel) && /^\s*SECRET_KEY\s*=/m.test(text)) ? 'none' : undefined;
  if (/\bPAGINATE_BY\b/.test(text)) return 'paged';
  const literal = /^REST_FRAMEWORK\s*(?::[^=\n]+)?=\s*(\{|dict\()/m.exec(text);
  // Built by code, or changed item by item: the keys this module sets are all that can be read.
  if (!literal && !/REST_FRAMEWORK\s*\[\s*["']DEFAULT_PAGINATION_CLASS["']\s*\]/.test(text)) {
    return /DEFAULT_PAGINATION_CLASS/.test(text) ? 'unknown' : /^REST_FRAMEWORK\s*=\s*\w/m.test(text) ? 'unknown' : 'none';
  }
  const pagination = settingValue(text, 'DEFAULT_PAGINATION_CLASS');
  const pageSize = settingValue(text, 'PAGE_SIZE');
  if (pagination === undefined) return pageSize === undefined || pageSize === 'None' ? 'none' : 'unknown';
  if (pagination === 'None') return 'unpaged';
  const cls = pagination.replace(/^["']|["']$/g, '');
  if (!/^["']/.test(pagination)) return 'unknown';
  if (DRF_CLASSES.test(cls)) return pageSize === undefined || pageSize === 'None' ? 'unpaged' : 'paged';
  // A project's own class sets its page_size itself.
  return 'paged';
}

/** A `PAGE_SIZE` other than None in a module that configures REST_FRAMEWORK. */
function setsPageSize(written: string): boolean {
  const text = withoutCommentLines(written);
  if (!/REST_FRAMEWORK/.test(text)) return false;
  const value = settingValue(text, 'PAGE_SIZE');
  return value !== undefined && value !== 'None';
}

/** The module's text with its whole-line `#` comments blanked (line numbers kept). */
function withoutCommentLines(text: string): string {
  return text.replace(/^[ \t]*#.*$/gm, '');
}

/** The value written for a REST_FRAMEWORK key (`"KEY": value` or `KEY=value` in dict()), as text. */
function settingValue(text: string, key: string): string | undefined {
  const m =
    new RegExp(`["']${key}["']\\s*[:\\]]\\s*=?\\s*([^,\\n}#]+)`).exec(text) ?? new RegExp(`\\b${key}\\s*=\\s*([^,\\n)#]+)`).exec(text);
  return m?.[1].trim();
}
