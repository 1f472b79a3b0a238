/**
 * The deploy targets of a workspace: each thing that runs in one memory limit (a render.yaml service, a
 * Heroku dyno type, a fly.toml process group, a compose service, a Kubernetes container, a Railway service,
 * and Dockerfiles / Procfiles / package.json start scripts / root start.sh-like scripts that no platform file
 * claims), with the processes
 * it starts (commands followed through `npm start`, `npm run x`, shell scripts and Dockerfile CMDs), the
 * environment it sets and its memory limit (the platform's, else configuration's `memoryLimitMb`).
 */
import { mark } from '../timeline';
import { factsExchange } from '../shared-facts';
import { projectChanges } from '../cache';
import { MappedText } from './commands-text';
import { DeployBuilder } from './deploy-builder';
import type { Workspace } from './deploy-files';
import type { Deploy } from './deploy-model';
import {
  readCompose, readFly, readHeroku, readKubernetes, readRailway, readRender, readStandaloneDockerfile, readStandaloneEcosystem, readStandalonePackage, readStandaloneProcfile,
} from './deploy-readers';
import { configuredLimit } from './platform-limits';
import { readStandaloneStartScripts, startScriptCandidates } from './start-scripts';

export type { Deploy, DeployEnv, DeployProcess, Platform } from './deploy-model';
export { finalStageChain, finalStageCommands } from './dockerfile-stages';
export { renderServices } from './deploy-readers';

interface CacheEntry {
  /** Every file the search read, with a hash of its text (-1: missing). */
  inputs: Map<string, number>;
  deploys: Deploy[];
}

const MAX_CACHED_WORKSPACES = 20;
const cache = new Map<string, CacheEntry>();

/** Every deploy of the workspace with a process memlint follows; the result is reused until a file it was built from changes. */
export function findDeploys(ws: Workspace): Deploy[] {
  return allDeploys(ws).filter((d) => d.processes.length > 0);
}

/** Deploys whose start command led nowhere memlint can follow (a missing script, an npm script not defined). */
export function deploysNotFollowed(ws: Workspace): Deploy[] {
  return allDeploys(ws).filter((d) => d.processes.length === 0 && d.unfollowed);
}

/** Deploys that start no process memlint follows (a compose service of a public image, a Dockerfile without CMD). */
export function deploysWithoutProcesses(ws: Workspace): Deploy[] {
  return allDeploys(ws).filter((d) => d.processes.length === 0);
}

function allDeploys(ws: Workspace): Deploy[] {
  const memo = lastSearch.get(ws.project);
  if (memo && memoHolds(ws, memo)) return memo.deploys;
  const changes = projectChanges(ws.project);
  const { value: deploys, reads } = ws.recordReads(() => searchOrTake(ws));
  if (changes !== undefined && changes === projectChanges(ws.project)) {
    lastSearch.set(ws.project, { generation, changes, files: ws.project.files(), memoryLimitMb: ws.memoryLimitMb, overlay: ws.overlayFile, reads, deploys });
  }
  return deploys;
}

/**
 * The last answer per project view, while none of its files changed (the engine's change counter, analysis/cache.ts):
 * rules ask for the deploys many times per analysed file, and each search listed and classified the deploy files and
 * hashed every text the model was built from (50-200 ms per scan thread).
 */
interface LastSearch {
  generation: number;
  changes: number;
  files: readonly string[];
  memoryLimitMb: number | undefined;
  /** The analysed file's text the answer was found with (it stands in for the disk's). */
  overlay?: { relPath: string; text: string };
  /** Every file the answer depends on. */
  reads: ReadonlySet<string>;
  deploys: Deploy[];
}

const lastSearch = new WeakMap<object, LastSearch>();
/** forgetDeploys() drops the remembered answers too. */
let generation = 0;

/** Same project state, and the two analysed files (that answer's and this one's) read the same either way. */
function memoHolds(ws: Workspace, memo: LastSearch): boolean {
  if (memo.generation !== generation || memo.changes !== projectChanges(ws.project) || memo.memoryLimitMb !== ws.memoryLimitMb) return false;
  if (memo.files !== ws.project.files()) return false;
  const overlay = ws.overlayFile;
  // An analysed file outside the list is added to it (single-file mode): not remembered.
  if (overlay && !memo.files.includes(overlay.relPath)) return false;
  if (overlay?.relPath === memo.overlay?.relPath) return overlay?.text === memo.overlay?.text;
  if (memo.overlay && memo.reads.has(memo.overlay.relPath) && ws.read(memo.overlay.relPath) !== memo.overlay.text) return false;
  if (overlay && memo.reads.has(overlay.relPath) && ws.project.readFile(overlay.relPath) !== overlay.text) return false;
  return true;
}

function searchOrTake(ws: Workspace): Deploy[] {
  const exchange = factsExchange();
  // A thread's first search in a scan claims the shared model before listing the deploy files (50-150 ms on a large
  // repository): the CLI's main thread, which starts it while the workers start, is then the one that builds it.
  let taken = exchange && claimedIn !== exchange ? exchange.take(DEPLOYS_TOPIC) : undefined;
  if (taken) mark(taken.first ? 'deploys first' : 'deploys taken');
  if (exchange) claimedIn = exchange;
  let key = '';
  let entry: CacheEntry | undefined;
  try {
    const files = ws.deployFiles();
    key = `${files.map((f) => f.relPath).join('\u0000')}|${startScriptCandidates(ws.files()).join('\u0000')}|${ws.memoryLimitMb}`;
    const hit = cache.get(key);
    if (hit && unchanged(ws, hit.inputs)) return (entry = hit).deploys;
    // The threads of a batch scan share the model: the CLI's main thread builds it while the workers start.
    taken ??= exchange?.take(DEPLOYS_TOPIC);
    const posted = taken?.known.get(key) as PostedDeploys | undefined;
    if (posted && unchanged(ws, new Map(posted.inputs))) {
      remember(key, (entry = { inputs: new Map(posted.inputs), deploys: revivePostedDeploys(posted.deploys) }));
      return entry.deploys;
    }
    const { value: deploys, reads } = ws.recordReads(() => search(ws, files));
    remember(key, (entry = { inputs: new Map([...reads].map((file) => [file, textHash(ws.read(file))])), deploys }));
    return deploys;
  } finally {
    // (always after a first take: the other threads wait for it)
    if (taken?.first) exchange!.publish(DEPLOYS_TOPIC, entry ? [[key, { inputs: [...entry.inputs], deploys: entry.deploys } satisfies PostedDeploys]] : []);
  }
}

/** The exchange this thread took the shared model from last (a thread is in one scan's exchange at a time). */
let claimedIn: ReturnType<typeof factsExchange>;

/** Drops the built models (tests: a model taken from another thread must give the same findings as one built here). */
export function forgetDeploys(): void {
  cache.clear();
  generation++;
}

/** Topic of the deploy model in analysis/shared-facts.ts. */
export const DEPLOYS_TOPIC = 'deploys';

/** The deploy model as posted between threads, under its cache key: plain data (a structured clone). */
interface PostedDeploys {
  inputs: [string, number][];
  deploys: Deploy[];
}

function unchanged(ws: Workspace, inputs: ReadonlyMap<string, number>): boolean {
  for (const [file, h] of inputs) if (textHash(ws.read(file)) !== h) return false;
  return true;
}

function remember(key: string, entry: CacheEntry): void {
  cache.delete(key);
  cache.set(key, entry);
  if (cache.size > MAX_CACHED_WORKSPACES) cache.delete(cache.keys().next().value!);
}

/**
 * A deploy model that came through a structured clone (posted by another thread): its MappedTexts get their class
 * back; everything else in it is plain data (deploy-model.ts, test/analysis/posted-deploys.test.ts).
 */
export function revivePostedDeploys(deploys: Deploy[]): Deploy[] {
  const seen = new Set<object>();
  const visit = (value: unknown): void => {
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    if (!Array.isArray(value) && 'starts' in value && 'ends' in value && 'anchor' in value && typeof (value as { value?: unknown }).value === 'string') {
      Object.setPrototypeOf(value, MappedText.prototype);
      return;
    }
    for (const v of Array.isArray(value) ? value : Object.values(value)) visit(v);
  };
  visit(deploys);
  return deploys;
}

function search(ws: Workspace, files: { relPath: string; type: string }[]): Deploy[] {
  const b = new DeployBuilder(ws, files);
  const of = (type: string) => files.filter((f) => f.type === type).map((f) => f.relPath);
  for (const f of of('render')) readRender(b, f);
  for (const f of of('app-json')) readHeroku(b, f);
  for (const f of of('fly')) readFly(b, f);
  for (const f of of('docker-compose')) readCompose(b, f);
  for (const f of of('kubernetes')) readKubernetes(b, f);
  for (const f of of('railway')) readRailway(b, f);
  for (const f of of('dockerfile')) if (!b.claimed.has(f)) readStandaloneDockerfile(b, f);
  for (const f of of('procfile')) if (!b.claimed.has(f)) readStandaloneProcfile(b, f);
  for (const f of of('package-json')) if (!b.claimed.has(f)) readStandalonePackage(b, f);
  for (const f of of('pm2')) if (!b.claimed.has(f)) readStandaloneEcosystem(b, f);
  readStandaloneStartScripts(b);
  const fallback = configuredLimit(ws.memoryLimitMb);
  for (const d of b.deploys) d.limit ??= fallback;
  return b.deploys;
}

function textHash(text: string | undefined): number {
  if (text === undefined) return -1;
  let h = text.length;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return h >>> 0;
}
