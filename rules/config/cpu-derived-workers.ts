/**
 * cpu-derived-workers: worker counts taken from the CPU count (which in a container is the host's, not the
 * plan's share) or set above `maxWorkers`, wherever workers are set. One implementation per file family.
 */
import type { Rule } from '../api';
import deploy from './cpu-derived-workers-deploy';
import node from './cpu-derived-workers-node';
import python from './cpu-derived-workers-python';

const cpuDerivedWorkers: readonly Rule[] = [python, deploy, node];
export default cpuDerivedWorkers;
