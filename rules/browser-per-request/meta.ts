/**
 * browser-per-request's meta, owned once by its folder: the id, severity, fix safety and message ids of its Python
 * and TypeScript implementations, which add their file kinds, trigger and docs.
 */
import type { RuleMeta } from '../api';

export type Closing = 'always' | 'not-on-errors' | 'never';

export const BROWSER_MESSAGES = {
  'launched-per-request': 'Launches a browser (100-300 MB) per {{per}}: share one, open a page per {{per}}',
  'never-closed': 'Launches a browser (100-300 MB) per {{per}}, never closed: share one, open a page per {{per}}',
  'leaked-on-error': 'Launches a browser (100-300 MB) per {{per}}, leaked on errors: share one, open a page per {{per}}',
};

export const BROWSER_MESSAGE_IDS: Record<Closing, keyof typeof BROWSER_MESSAGES> = {
  always: 'launched-per-request',
  never: 'never-closed',
  'not-on-errors': 'leaked-on-error',
};

export const browserPerRequestMeta = {
  id: 'browser-per-request',
  defaultSeverity: 'warning',
  fix: 'unsafe',
  messages: BROWSER_MESSAGES,
} satisfies Pick<RuleMeta, 'id' | 'defaultSeverity' | 'fix' | 'messages'>;
