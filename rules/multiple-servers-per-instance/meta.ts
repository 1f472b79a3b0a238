/**
 * multiple-servers-per-instance's meta, owned once by its folder: the id, severity and message ids of its three
 * implementations (deploy.ts: several app processes in one start command; reloader.ts: a server's code reloader in a
 * deploy; python.ts: the debug reloader of the script a deploy runs), which add their file kinds, fix safety, trigger
 * and docs.
 */
import type { RuleMeta } from '../api';

export const multipleServersMeta = {
  id: 'multiple-servers-per-instance',
  defaultSeverity: 'warning',
  messages: {
    estimated: 'Runs {{count}} app processes in one instance (~{{total}}), so a spike in one kills all: run each as a service',
    'not-estimated': 'Runs {{count}} app processes in one instance, so a spike in one kills all: run each as a service',
    reloader: 'Runs the code reloader in production: a second process beside the server in every instance',
    'debug-reloader': 'Runs the debug reloader in production: a second process with another copy of the app',
  },
} satisfies Pick<RuleMeta, 'id' | 'defaultSeverity' | 'messages'>;
