/** What every cpu-derived-workers implementation shares: the per-worker cost wording, estimates. */
import { MEASURED, SUPERVISORS } from '../../analysis/deploy/baselines';
import { DEFAULT_HOST_CPUS, shellCount } from '../../analysis/deploy/counts';

/** What an expression evaluates to, as far as the rule can tell. */
export interface Derived {
  /** It depends on the machine's CPU count. */
  cpu: boolean;
  /** Its value on a HOST_CPUS host. */
  value?: number;
  /** An upper bound that does not depend on the CPU count (`min(cpu_count(), 2)` -> 2). */
  cap?: number;
  /** The project module it is computed in, when another than the one read (`app/settings.py`). */
  from?: string;
}

/** The CPU count the estimates assume: what a small plan's container typically reports (the host's CPUs). */
export const HOST_CPUS = DEFAULT_HOST_CPUS;

/** What a worker process is: a web worker (a copy of the app), a Celery prefork pool process, a Node process. */
export type Runtime = 'python' | 'celery' | 'node';

/**
 * Resident memory of one worker process, for the messages: the budget's measured figures for a small app (a Celery
 * pool process is forked from the main one and shares its imports, as the budget counts it).
 */
const PER_WORKER_MB: Record<Runtime, number> = { python: MEASURED['django-drf']!.mb, celery: SUPERVISORS['celery-child'].mb, node: MEASURED.express!.mb };

export function perWorkerCost(runtime: Runtime): string {
  if (runtime === 'python') return `~${Math.round(PER_WORKER_MB.python)} MB for a small Django app, hundreds with pandas or torch`;
  if (runtime === 'celery') return `~${Math.round(PER_WORKER_MB.celery)} MB per pool process of a small app, far more once its tasks load pandas or torch`;
  return `~${Math.round(PER_WORKER_MB.node)} MB for a small Express app`;
}

/** "about 1.1 GB for 17" */
export function totalCost(n: number, runtime: Runtime): string {
  const mb = Math.round(n * PER_WORKER_MB[runtime]);
  return `about ${mb >= 1000 ? `${+(mb / 1000).toFixed(1)} GB` : `${mb} MB`} for ${n}`;
}

/** "~379 MB of app copies" (headlines). */
export function copiesCost(n: number, runtime: Runtime): string {
  const mb = Math.round(n * PER_WORKER_MB[runtime]);
  return `~${mb >= 1000 ? `${+(mb / 1000).toFixed(1)} GB` : `${mb} MB`} of app copies`;
}

/** " (8 CPUs → 17, ~805 MB)" or "" (headlines). */
export function cpuEstimate(estimate: number | undefined, runtime: Runtime): string {
  return estimate === undefined ? '' : ` (${HOST_CPUS} CPUs → ${estimate}, ${copiesCost(estimate, runtime).replace(' of app copies', '')})`;
}

/** What the detail says about a count taken from the CPU count. */
export const CPU_COUNT_WHY = "In a container the CPU count is the host's, not the plan's share, and each worker is a full copy of the app";

/** Shell text that asks for the CPU count: `$(nproc)`, `` `nproc` ``, getconf, /proc/cpuinfo, a Python one-liner. */
export const CPU_PROBE = /\bnproc\b|_NPROCESSORS_ONLN|cpu_count|\/proc\/cpuinfo|hw\.ncpu|os\.cpus\(\)/;

/** The count a CPU-probing shell value gives on a HOST_CPUS host: `$(( $(nproc) * 2 + 1 ))` -> 17. */
export function estimateShellCount(value: string): number | undefined {
  return shellCount(value, { env: () => undefined, hostCpus: HOST_CPUS })?.n;
}

/** " (e.g. 8 CPUs → 17 workers)" or "" when the count cannot be estimated. */
export function estimatePhrase(estimate: number | undefined, unit = 'workers'): string {
  return estimate === undefined ? '' : ` (e.g. ${HOST_CPUS} CPUs → ${estimate} ${unit})`;
}

/** pm2's per-CPU instance counts: `max`/`0` one per CPU, `-1` all CPUs but one. */
export function pm2PerCpuPhrase(value: string | number): string {
  const n = value === 'max' ? 0 : Number(value);
  return n === 0 ? 'one Node process per host CPU' : `one Node process per host CPU, minus ${-n}`;
}
