/**
 * unbounded-cache's meta, owned once by its folder: the id, severity, options (the sizes the Python fixes give) and
 * message ids of its Python and TypeScript implementations, which add their file kinds, trigger, fix safety and docs.
 */
import type { RuleMeta } from '../api';

export const unboundedCacheMeta = {
  id: 'unbounded-cache',
  defaultSeverity: 'warning',
  options: {
    suggestedMaxsize: { type: 'number', default: 128, description: 'The maxsize the fix gives lru_cache / functools.cache.' },
    suggestedMaxEntries: { type: 'number', default: 100, description: 'The max_entries the fix gives st.cache_data / st.cache_resource.' },
  },
  messages: {
    // Python: memoising decorators, Streamlit caches and session state, module- and class-level containers.
    'functools-cache': '@{{decorator}} keeps every result until the worker restarts: use @lru_cache(maxsize={{maxsize}})',
    'maxsize-none': '{{decorator}}(maxsize=None) keeps every result until the worker restarts: set maxsize={{maxsize}}',
    'dict-cache': '{{decorator}}() with a plain dict cache keeps every result: use LRUCache(maxsize={{maxsize}})',
    'streamlit-resource': '@{{decorator}} keeps one resource per distinct argument, forever: add max_entries={{maxEntries}}',
    'streamlit-data': '@{{decorator}} keeps every distinct result, forever: add max_entries={{maxEntries}}',
    'session-keys': '{{name}} gains a key on every run, per session, none removed: cap it',
    'session-list': '{{name}} grows on every run, per session, never trimmed: keep the last entries',
    'list': '{{where}} {{type}} {{name}} grows on every call, never trimmed: use deque(maxlen=1000)',
    'set': '{{where}} set {{name}} grows on every call, never trimmed: bound or clear it',
    'dict': '{{where}} dict {{name}} grows with every new key, never evicted: use an LRUCache',
    'unenforced-limit': '{{limit}} declares a size limit nothing checks, so the container grows unbounded: enforce it',
    // TypeScript/JavaScript: module-level containers.
    'module-container': 'Module-level {{kind}} {{name}} grows in {{where}}, never capped: use a bounded LRUCache',
  },
} satisfies Pick<RuleMeta, 'id' | 'defaultSeverity' | 'options' | 'messages'>;
