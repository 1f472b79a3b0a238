/** browser-per-request's message ids, shared by its Python and TypeScript implementations. */
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
