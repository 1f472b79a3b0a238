/**
 * missing-worker-recycling: gunicorn without max_requests and celery prefork workers without
 * --max-tasks-per-child, in config files and start commands. One implementation per file family.
 */
import type { Rule } from '../api';
import deploy from './deploy';
import ini from './ini';
import python from './python';

const missingWorkerRecycling: readonly Rule[] = [python, deploy, ini];
export default missingWorkerRecycling;
