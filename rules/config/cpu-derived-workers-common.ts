/** What every cpu-derived-workers implementation shares: options, the per-worker cost wording, estimates. */
import type { RuleOption } from '../api';

export const WORKER_OPTIONS: Record<string, RuleOption> = {
  maxWorkers: { type: 'number', default: 4, description: 'Literal worker counts above this are reported.' },
  suggestedWorkers: { type: 'number', default: 2, description: 'The worker count the fixes use (as the default of `WEB_CONCURRENCY`).' },
};

/** The CPU count the estimates assume: what a small plan's container typically reports (the host's CPUs). */
export const HOST_CPUS = 8;

/** Resident memory of one worker process, for the messages. */
const PER_WORKER_MB = { python: 125, node: 80 };

export function perWorkerCost(runtime: 'python' | 'node'): string {
  return runtime === 'python' ? '~100-150 MB for Django' : '~50-150 MB';
}

/** "about 1 GB for 8" */
export function totalCost(n: number, runtime: 'python' | 'node'): string {
  const mb = n * PER_WORKER_MB[runtime];
  return `about ${mb >= 1000 ? `${+(mb / 1000).toFixed(1)} GB` : `${mb} MB`} for ${n}`;
}

/** Shell text that asks for the CPU count: `$(nproc)`, `` `nproc` ``, getconf, /proc/cpuinfo, a Python one-liner. */
export const CPU_PROBE = /\bnproc\b|_NPROCESSORS_ONLN|cpu_count|\/proc\/cpuinfo|hw\.ncpu|os\.cpus\(\)/;

/** The count a CPU-probing shell value gives on a HOST_CPUS host: `$(( $(nproc) * 2 + 1 ))` -> 17. */
export function estimateShellCount(value: string): number | undefined {
  const replaced = value
    .replace(/\$\(\s*nproc[^)]*\)|`\s*nproc[^`]*`|\$\(\s*getconf\s+_NPROCESSORS_ONLN\s*\)/g, String(HOST_CPUS))
    .replace(/^\$\(\((.*)\)\)$/s, '$1')
    .trim();
  return evalArithmetic(replaced);
}

/** Integer arithmetic with + - * / and parentheses, or undefined. */
export function evalArithmetic(expr: string): number | undefined {
  const tokens = expr.match(/\d+|[-+*/()]|\S/g) ?? [];
  let i = 0;
  const primary = (): number | undefined => {
    const t = tokens[i++];
    if (t === '(') {
      const v = sum();
      return tokens[i++] === ')' ? v : undefined;
    }
    if (t === '-') {
      const v = primary();
      return v === undefined ? undefined : -v;
    }
    return t !== undefined && /^\d+$/.test(t) ? Number(t) : undefined;
  };
  const product = (): number | undefined => {
    let v = primary();
    while (v !== undefined && (tokens[i] === '*' || tokens[i] === '/')) {
      const op = tokens[i++];
      const r = primary();
      if (r === undefined || (op === '/' && r === 0)) return undefined;
      v = op === '*' ? v * r : Math.trunc(v / r);
    }
    return v;
  };
  const sum = (): number | undefined => {
    let v = product();
    while (v !== undefined && (tokens[i] === '+' || tokens[i] === '-')) {
      const op = tokens[i++];
      const r = product();
      if (r === undefined) return undefined;
      v = op === '+' ? v + r : v - r;
    }
    return v;
  };
  const result = sum();
  return i === tokens.length ? result : undefined;
}

/** " (e.g. 8 CPUs → 17 workers)" or "" when the count cannot be estimated. */
export function estimatePhrase(estimate: number | undefined, unit = 'workers'): string {
  return estimate === undefined ? '' : ` (e.g. ${HOST_CPUS} CPUs → ${estimate} ${unit})`;
}

/** pm2's per-CPU instance counts: `max`/`0` one per CPU, `-1` all CPUs but one. */
export function pm2PerCpuPhrase(value: string | number): string {
  const n = value === 'max' ? 0 : Number(value);
  return n === 0 ? 'one Node process per CPU' : `one Node process per CPU, minus ${-n}`;
}
