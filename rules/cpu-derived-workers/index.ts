/**
 * cpu-derived-workers: worker counts taken from the CPU count (which in a container is the host's, not the
 * plan's share) or set above `maxWorkers`, wherever workers are set. One implementation per file family.
 */
import type { Rule } from '../api';
import deploy from './deploy';
import node from './node';
import python from './python';

const cpuDerivedWorkers: readonly Rule[] = [python, deploy, node];
export default cpuDerivedWorkers;
