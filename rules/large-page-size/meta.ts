/**
 * large-page-size's meta, owned once by its folder: the id, severity, options and message ids of its Python and
 * TypeScript implementations, which add their file kinds, fix safety, trigger and docs.
 */
import type { RuleMeta } from '../api';

export const largePageSizeMeta = {
  id: 'large-page-size',
  defaultSeverity: 'warning',
  options: {
    threshold: { type: 'number', default: 1000, description: 'Page sizes above this many rows are reported (DRF documents max_page_size = 1000 as its standard cap).' },
    suggestedPageSize: { type: 'number', default: 100, description: 'The page size the fix sets.' },
    suggestedMaxPageSize: { type: 'number', default: 500, description: 'The `max_page_size` / `max_limit` the Python fix sets, and the cap the messages suggest for a page size the client picks.' },
  },
  messages: {
    'client-chosen-drf': 'Serves any ?{{param}}= a client asks, so one request can load the whole table: add max_page_size',
    'client-chosen-limit': 'Serves any ?{{param}}= a client asks, so one request can load the whole table: add max_limit',
    'client-chosen-fastapi': 'Serves any ?{{param}}= a client asks, so one request can load the whole table: add le={{max}}',
    'client-chosen-flask': 'Serves any ?{{param}}= a client asks, so one request can load the whole table: add max_per_page',
    'client-chosen-page-size': 'Serves any ?{{param}}= a client asks, so one request can load the whole table: cap it at {{max}}',
    'page-size': 'Loads up to {{rows}} rows per request: use pages of {{suggested}}',
    'max-page-size': 'Lets one request load up to {{rows}} rows: cap the page size at {{suggested}}',
    'client-chosen-graphql': 'Serves any {{param}} a GraphQL client asks, so one request can load the whole table: cap it at {{max}}',
    'client-chosen-nest': 'Serves any ?{{param}}= a client asks, so one request can load the whole table: cap it at {{max}}',
    'client-chosen-request': 'Serves any {{param}} a client asks, so one request can load the whole table: cap it at {{max}}',
  },
} satisfies Pick<RuleMeta, 'id' | 'defaultSeverity' | 'options' | 'messages'>;
