/**
 * Platform memory limits: the tables of plan and instance sizes, and the readers that turn what deploy files
 * say (render.yaml `plan`, app.json `formation.<type>.size`, fly.toml `[[vm]]`, compose `mem_limit` /
 * `deploy.resources.limits.memory`, Kubernetes `resources.limits.memory`) into megabytes with the place it
 * is written. Railway's files carry no memory limit; configuration (`memoryLimitMb`) covers them.
 */
import type { AST as TomlAST } from 'toml-eslint-parser';
import type { SourceLocation } from './deploy-files';
import type { YamlNode, YamlReader, YAMLMap } from './yaml-read';

export interface MemoryLimit {
  mb: number;
  /** "Render starter", "Heroku standard-1x", "Fly VM", "mem_limit", "configuration". */
  label: string;
  /** Where it is written, when a file says it (a default plan points at the service). */
  at?: SourceLocation;
}

/** Render instance types. Source: render.com/pricing and the Blueprint spec (`plan`, default `starter`). */
const RENDER_PLANS: Record<string, number> = {
  free: 512,
  starter: 512,
  'starter plus': 1024, // legacy instance type, still accepted by the Blueprint schema (starter_plus)
  standard: 2048,
  'standard plus': 3072, // legacy (standard_plus)
  pro: 4096,
  'pro plus': 8192,
  'pro max': 16384,
  'pro ultra': 32768,
};

/** The Blueprint spec's default when `plan` is omitted. */
export const RENDER_DEFAULT_PLAN = 'starter';

export function renderPlanMb(plan: string): number | undefined {
  return RENDER_PLANS[plan.trim().toLowerCase().replace(/[_-]+/g, ' ').replace(/\s+/g, ' ')];
}

interface Dyno {
  mb: number;
  /** CPU cores the dyno reports, for Heroku's Python buildpack default WEB_CONCURRENCY. */
  cores: number;
}

/**
 * Heroku dyno sizes. Sources: help.heroku.com/Q386NUGG (cgroup limits: standard-1x 536870912, standard-2x
 * 1073741824, performance-m 2684354560, performance-l 15032385536 bytes) and devcenter.heroku.com/articles/dyno-types.
 */
const HEROKU_DYNOS: Record<string, Dyno> = {
  free: { mb: 512, cores: 8 },
  hobby: { mb: 512, cores: 8 },
  eco: { mb: 512, cores: 8 },
  basic: { mb: 512, cores: 8 },
  'standard-1x': { mb: 512, cores: 8 },
  'standard-2x': { mb: 1024, cores: 8 },
  'performance-m': { mb: 2560, cores: 2 },
  'performance-l': { mb: 14336, cores: 8 },
  'performance-l-ram': { mb: 30720, cores: 4 },
  'performance-xl': { mb: 63488, cores: 8 },
  'performance-2xl': { mb: 129024, cores: 16 },
  'private-s': { mb: 1024, cores: 2 },
  'private-m': { mb: 2560, cores: 2 },
  'private-l': { mb: 14336, cores: 8 },
  'shield-s': { mb: 1024, cores: 2 },
  'shield-m': { mb: 2560, cores: 2 },
  'shield-l': { mb: 14336, cores: 8 },
};

export function herokuDyno(size: string): (Dyno & { name: string }) | undefined {
  let name = size.trim().toLowerCase();
  if (name === '1x') name = 'standard-1x';
  if (name === '2x') name = 'standard-2x';
  const dyno = HEROKU_DYNOS[name];
  return dyno ? { ...dyno, name } : undefined;
}

/**
 * WEB_CONCURRENCY that Heroku's Python buildpack sets at dyno boot when the app does not:
 * min(cores * 2 + 1, memory / 256 MB) (heroku-buildpack-python vendor/WEB_CONCURRENCY.sh).
 */
export function herokuPythonWebConcurrency(dyno: Dyno): number {
  return Math.max(1, Math.min(dyno.cores * 2 + 1, Math.floor(dyno.mb / 256)));
}

/** Fly Machine presets: memory of each size. Source: fly.io/docs/about/pricing (presets) and machine sizing guide. */
const FLY_PRESETS: Record<string, number> = {
  'shared-cpu-1x': 256,
  'shared-cpu-2x': 512,
  'shared-cpu-4x': 1024,
  'shared-cpu-8x': 2048,
  'performance-1x': 2048,
  'performance-2x': 4096,
  'performance-4x': 8192,
  'performance-8x': 16384,
  'performance-16x': 32768,
};

// ---------------------------------------------------------------------------------------------------------------
// Quantities

const MB = 1024 * 1024;

/** Kubernetes quantities: `512Mi`, `1Gi`, `1G`, `500M`, `1e9`, `536870912` (bytes). */
export function kubernetesQuantityMb(value: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)(?:[eE](\d+))?\s*(Ki|Mi|Gi|Ti|k|K|M|G|T)?\s*$/.exec(value);
  if (!m) return undefined;
  let bytes = Number(m[1]) * (m[2] ? 10 ** Number(m[2]) : 1);
  const unit = m[3];
  const factors: Record<string, number> = { Ki: 1024, Mi: MB, Gi: 1024 * MB, Ti: 1024 ** 4, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  if (unit) bytes *= factors[unit];
  return positiveMb(bytes / MB);
}

/** Docker/compose sizes: `512m`, `1g`, `1.5gb`, `2048k`, or a number of bytes. */
export function dockerSizeMb(value: string | number): number | undefined {
  if (typeof value === 'number') return positiveMb(value / MB);
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|k|kb|m|mb|g|gb|t|tb)?\s*$/i.exec(value);
  if (!m) return undefined;
  const unit = (m[2] ?? 'b').toLowerCase()[0];
  const factor = { b: 1, k: 1024, m: MB, g: 1024 * MB, t: 1024 ** 4 }[unit as 'b' | 'k' | 'm' | 'g' | 't'];
  return positiveMb((Number(m[1]) * factor) / MB);
}

/** fly.toml `memory`: `"512mb"`, `"1gb"`, or a number of megabytes. */
export function flyMemoryMb(value: string | number): number | undefined {
  if (typeof value === 'number') return positiveMb(value);
  const m = /^\s*(\d+(?:\.\d+)?)\s*(m|mb|mib|g|gb|gib)?\s*$/i.exec(value);
  if (!m) return undefined;
  const giga = (m[2] ?? 'm').toLowerCase().startsWith('g');
  return positiveMb(Number(m[1]) * (giga ? 1024 : 1));
}

function positiveMb(mb: number): number | undefined {
  return Number.isFinite(mb) && mb > 0 ? Math.round(mb) : undefined;
}

/** "512 MB", "2 GB", "2.5 GB". */
export function formatMb(mb: number): string {
  if (mb >= 1024) return `${+(mb / 1024).toFixed(1)} GB`;
  return `${Math.round(mb)} MB`;
}

// ---------------------------------------------------------------------------------------------------------------
// Readers

function location(file: string, range: [number, number] | undefined): SourceLocation | undefined {
  return range ? { file, start: range[0], end: range[1] } : undefined;
}

/** A render.yaml service's limit: its `plan`, or the default plan (pointing at the service's `name`). */
export function renderServiceLimit(file: string, reader: YamlReader, service: YAMLMap): MemoryLimit | undefined {
  const planNode = reader.get(service, 'plan');
  const plan = reader.text(planNode);
  if (plan === undefined) {
    const at = location(file, reader.range(reader.get(service, 'name')) ?? reader.range(service));
    return { mb: RENDER_PLANS[RENDER_DEFAULT_PLAN], label: `Render ${RENDER_DEFAULT_PLAN}, the default plan`, at };
  }
  const mb = renderPlanMb(plan);
  return mb === undefined ? undefined : { mb, label: `Render ${plan}`, at: location(file, reader.range(planNode)) };
}

/** A compose service's `deploy.resources.limits.memory` or `mem_limit`. */
export function composeServiceLimit(file: string, reader: YamlReader, service: YAMLMap): MemoryLimit | undefined {
  const deployLimit = reader.path(service, 'deploy', 'resources', 'limits', 'memory');
  const memLimit = reader.get(service, 'mem_limit');
  for (const [node, label] of [[deployLimit, 'deploy.resources.limits.memory'], [memLimit, 'mem_limit']] as [YamlNode | undefined, string][]) {
    const value = scalarValue(reader, node);
    const mb = value === undefined ? undefined : dockerSizeMb(value);
    if (mb !== undefined) return { mb, label: `${label} ${reader.text(node)}`, at: location(file, reader.range(node)) };
  }
  return undefined;
}

/** A Kubernetes container's `resources.limits.memory`. */
export function kubernetesContainerLimit(file: string, reader: YamlReader, container: YAMLMap): MemoryLimit | undefined {
  const node = reader.path(container, 'resources', 'limits', 'memory');
  const value = reader.text(node);
  const mb = value === undefined ? undefined : kubernetesQuantityMb(value);
  return mb === undefined ? undefined : { mb, label: `limits.memory ${value}`, at: location(file, reader.range(node)) };
}

function scalarValue(reader: YamlReader, node: YamlNode | undefined): string | number | undefined {
  const resolved = reader.resolve(node) as { value?: unknown } | undefined;
  const v = resolved?.value;
  return typeof v === 'number' || typeof v === 'string' ? v : undefined;
}

/** A `[[vm]]` section of fly.toml: its memory and the process groups it applies to (all when absent). */
export interface FlyVm {
  processes?: string[];
  limit?: MemoryLimit;
  /** vCPUs of the Machine (a Firecracker VM: cpu_count() reports these), from `cpus` or the `size` preset. */
  cpus?: number;
}

/** CPUs a deploy's processes see, and where that comes from. */
export interface DeployCpus {
  n: number;
  label: string;
  source: string;
}

/** A Fly Machine's vCPUs: `cpus`, else the preset's (`shared-cpu-2x`: 2), else the default size shared-cpu-1x: 1. */
export function flyCpus(vm: FlyVm | undefined): DeployCpus {
  const source = 'fly.io/docs/apps/scale-machine (without a [[vm]] size the default Machine is shared-cpu-1x) and fly.io/docs/machines/guides-examples/machine-sizing (presets: N CPUs for the -Nx sizes); a Machine is a VM, so cpu_count() reports its vCPUs';
  if (vm?.cpus) return { n: vm.cpus, label: `Fly Machine with ${vm.cpus} vCPU${vm.cpus === 1 ? '' : 's'}`, source };
  return { n: 1, label: 'Fly Machine shared-cpu-1x (the default size)', source };
}

/** What a Heroku dyno reports (its cores), from the dyno table above. */
export function herokuCpus(dyno: { cores: number; name?: string }): DeployCpus {
  return {
    n: dyno.cores,
    label: `Heroku ${dyno.name ?? 'dyno'} reporting ${dyno.cores} CPUs`,
    source: 'help.heroku.com/Q386NUGG and devcenter.heroku.com/articles/dyno-types (the CPUs a dyno reports); the Python buildpack derives WEB_CONCURRENCY from them (devcenter.heroku.com/changelog-items/2846)',
  };
}

export function flyVms(file: string, program: TomlAST.TOMLProgram): FlyVm[] {
  const out: FlyVm[] = [];
  for (const top of program.body) {
    for (const table of top.body) {
      if (table.type !== 'TOMLTable') continue;
      const key = table.resolvedKey.map(String);
      if (key[0] !== 'vm' || key.length !== (table.kind === 'array' ? 2 : 1)) continue;
      const vm = flyVmOf(file, table.body);
      if (vm) out.push(vm);
    }
    // `vm = [{ memory = "1gb" }]` or `[[vm]]` written as an inline array at the top level
    for (const item of top.body) {
      if (item.type !== 'TOMLKeyValue' || keyPath(item.key).join('.') !== 'vm' || item.value.type !== 'TOMLArray') continue;
      for (const element of item.value.elements) {
        if (element.type !== 'TOMLInlineTable') continue;
        const vm = flyVmOf(file, element.body);
        if (vm) out.push(vm);
      }
    }
  }
  return out;
}

function keyPath(key: TomlAST.TOMLKey): string[] {
  return key.keys.map((k) => (k.type === 'TOMLBare' ? k.name : String(k.value)));
}

function flyVmOf(file: string, body: readonly TomlAST.TOMLKeyValue[]): FlyVm | undefined {
  const values = new Map<string, TomlAST.TOMLKeyValue>();
  for (const kv of body) values.set(keyPath(kv.key).join('.'), kv);
  const valueOf = (name: string): { value: unknown; range: [number, number] } | undefined => {
    const kv = values.get(name);
    if (!kv || kv.value.type !== 'TOMLValue') return kv?.value.type === 'TOMLArray' ? { value: kv.value.elements.map((e) => (e.type === 'TOMLValue' ? e.value : undefined)), range: kv.value.range } : undefined;
    const v = kv.value.value;
    return { value: typeof v === 'bigint' ? Number(v) : v, range: kv.value.range };
  };
  const processesValue = valueOf('processes')?.value;
  const processes = Array.isArray(processesValue) ? processesValue.filter((p): p is string => typeof p === 'string') : undefined;
  const vm = flyVmMemory(valueOf, processes, file);
  const cpusValue = valueOf('cpus')?.value;
  const sizeValue = valueOf('size')?.value;
  const preset = typeof sizeValue === 'string' ? /-(\d+)x$/.exec(sizeValue) : null;
  const cpus = typeof cpusValue === 'number' && cpusValue > 0 ? Math.floor(cpusValue) : preset ? Number(preset[1]) : undefined;
  if (!vm && cpus === undefined) return undefined;
  return { processes, limit: vm?.limit, cpus };
}

function flyVmMemory(
  valueOf: (name: string) => { value: unknown; range: [number, number] } | undefined,
  processes: string[] | undefined,
  file: string,
): { processes?: string[]; limit: MemoryLimit } | undefined {

  for (const name of ['memory', 'memory_mb']) {
    const v = valueOf(name);
    if (!v || (typeof v.value !== 'string' && typeof v.value !== 'number')) continue;
    const mb = name === 'memory' ? flyMemoryMb(v.value) : typeof v.value === 'number' ? positiveMb(v.value) : flyMemoryMb(v.value);
    if (mb !== undefined) return { processes, limit: { mb, label: `Fly VM ${name} = ${JSON.stringify(v.value)}`, at: location(file, v.range) } };
  }
  const size = valueOf('size');
  if (size && typeof size.value === 'string' && FLY_PRESETS[size.value] !== undefined) {
    return { processes, limit: { mb: FLY_PRESETS[size.value], label: `Fly ${size.value}`, at: location(file, size.range) } };
  }
  const cpus = valueOf('cpus');
  const kind = valueOf('cpu_kind');
  if (cpus && typeof cpus.value === 'number' && cpus.value > 0) {
    // Without a memory setting a Machine gets the minimum for its CPUs: 256 MB per shared CPU, 2 GB per performance CPU.
    const performance = kind?.value === 'performance';
    const mb = cpus.value * (performance ? 2048 : 256);
    return { processes, limit: { mb, label: `Fly ${performance ? 'performance' : 'shared'}-cpu-${cpus.value}x`, at: location(file, cpus.range) } };
  }
  return undefined;
}

/** The configured limit (`memoryLimitMb`), used where no deploy file states one. */
export function configuredLimit(memoryLimitMb: number | undefined): MemoryLimit | undefined {
  return memoryLimitMb && memoryLimitMb > 0 ? { mb: memoryLimitMb, label: `memoryLimitMb = ${memoryLimitMb} in configuration` } : undefined;
}
