/** What both missing-worker-recycling implementations share: options and the flags the fixes add. */
import type { RuleOption } from '../api';

export const RECYCLING_OPTIONS: Record<string, RuleOption> = {
  maxRequests: { type: 'number', default: 1000, description: 'The `max_requests` the fix sets for gunicorn.' },
  maxRequestsJitter: { type: 'number', default: 100, description: 'The `max_requests_jitter` the fix sets for gunicorn.' },
  maxTasksPerChild: { type: 'number', default: 100, description: 'The `--max-tasks-per-child` the fix sets for celery workers.' },
};
