/**
 * missing-worker-recycling: gunicorn without max_requests and celery prefork workers without
 * --max-tasks-per-child, in config files and start commands. One implementation per file family.
 */
import type { Rule } from '../api';
import deploy from './missing-worker-recycling-deploy';
import ini from './missing-worker-recycling-ini';
import python from './missing-worker-recycling-python';

const missingWorkerRecycling: readonly Rule[] = [python, deploy, ini];
export default missingWorkerRecycling;
