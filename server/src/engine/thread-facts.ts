/**
 * The threads of one batch scan (the CLI's workers and its main thread) share project-wide facts
 * (analysis/shared-facts.ts) through a BroadcastChannel, and a shared state per topic that lets a worker wait while
 * another thread computes them instead of computing them a second time: on an 800-file Django REST project each
 * worker parsed the same ~150 modules for the DRF model (~0.3 s of CPU each).
 */
import { BroadcastChannel, MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { forgetSpareWork, runSpareWork, setFactsExchange, type FactsExchange } from '../../../analysis/shared-facts';
import { DEPLOYS_TOPIC } from '../../../analysis/deploy/deploys';
import { TEMPLATE_LINKS_TOPIC } from '../../../rules/n-plus-one/template-links-share';

/** What the threads of one scan share: passed to the workers in their init message. */
export interface FactsShare {
  channel: string;
  /** One Int32 per topic: 0 nobody computed, 1 a thread is computing, 2 published. */
  state: SharedArrayBuffer;
  /**
   * A worker's port from the main thread (factsForWorker): what the main thread publishes reaches the worker even
   * when it was published before the worker joined the channel (the deploy model, built while the workers start).
   */
  fromMain?: MessagePort;
}

/** The topics that have a wait state; others are only broadcast. */
const TOPICS = ['drf', DEPLOYS_TOPIC, TEMPLATE_LINKS_TOPIC];
/** A worker waits at most this long for another thread's facts, then computes them itself (a lost worker never publishes). */
const WAIT_MS = 5000;
const NONE = 0;
const COMPUTING = 1;
const PUBLISHED = 2;

let scans = 0;

export function newFactsShare(): FactsShare {
  return { channel: `memlint-facts-${process.pid}-${++scans}`, state: new SharedArrayBuffer(4 * TOPICS.length) };
}

/**
 * Installs the exchange in this thread. `wait`: a worker waits for a thread computing the facts it needs; the main
 * thread never blocks (it takes what was published and computes the rest). `onWait` is told before each wait (the
 * per-file time limit must not count it). The main thread stays in it after the
 * scan: the report's budgets re-analyse fixed files with the facts the workers published.
 */
export function joinFactsShare(share: FactsShare, options: { wait: boolean; onWait?: (ms: number) => void }): void {
  leave?.();
  const channel = new BroadcastChannel(share.channel);
  // Read only with receiveMessageOnPort, when facts are needed: the channel must not keep the thread alive.
  (channel as unknown as { unref?: () => void }).unref?.();
  const state = new Int32Array(share.state);
  const known = new Map<string, Map<string, unknown>>();
  // (receiveMessageOnPort reads a BroadcastChannel too; the typings name MessagePort only)
  const port = channel as unknown as MessagePort;
  const store = (message: unknown) => {
    const { topic, entries } = message as { topic: string; entries: [string, unknown][] };
    let map = known.get(topic);
    if (!map) known.set(topic, (map = new Map()));
    for (const [k, v] of entries) if (!map.has(k)) map.set(k, v);
  };
  // Messages arrive either when the thread's event loop runs (it delivers them to this listener, or drops them
  // without one) or, while the thread is busy analysing, through receiveMessageOnPort when facts are needed.
  channel.onmessage = (event: unknown) => store((event as { data: unknown }).data);
  const fromMain = share.fromMain;
  const drain = () => {
    for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) store(m.message);
    if (fromMain) for (let m = receiveMessageOnPort(fromMain); m; m = receiveMessageOnPort(fromMain)) store(m.message);
  };
  /** Main thread: what it published, and the ports of its workers (each gets every message, also earlier ones). */
  const published: unknown[] = [];
  const workerPorts: MessagePort[] = [];
  const exchange: FactsExchange = {
    take(topic) {
      const slot = TOPICS.indexOf(topic);
      let first = false;
      if (slot >= 0) {
        const before = Atomics.compareExchange(state, slot, NONE, COMPUTING);
        first = before === NONE;
        if (before === COMPUTING && options.wait) {
          // Facts the others will need, built here meanwhile (each at most one wait's time more for the file's limit).
          while (Atomics.load(state, slot) === COMPUTING) {
            options.onWait?.(WAIT_MS);
            if (!runSpareWork()) break;
          }
          Atomics.wait(state, slot, COMPUTING, WAIT_MS);
        }
      }
      drain();
      return { known: known.get(topic) ?? new Map(), first };
    },
    publish(topic, entries) {
      if (entries.length && options.wait) channel.postMessage({ topic, entries });
      else if (entries.length) {
        // The main thread posts to each worker's port: a message there waits for a worker that has not joined yet.
        published.push({ topic, entries });
        for (const p of workerPorts) p.postMessage({ topic, entries });
      }
      const slot = TOPICS.indexOf(topic);
      if (slot >= 0) {
        Atomics.store(state, slot, PUBLISHED);
        Atomics.notify(state, slot);
      }
    },
  };
  exchange.claimed = (topic) => {
    const slot = TOPICS.indexOf(topic);
    return slot >= 0 && Atomics.load(state, slot) !== NONE;
  };
  setFactsExchange(exchange);
  addWorker = () => {
    const { port1, port2 } = new MessageChannel();
    for (const m of published) port1.postMessage(m);
    workerPorts.push(port1);
    return port2;
  };
  leave = () => {
    setFactsExchange(undefined);
    forgetSpareWork();
    channel.close();
    for (const p of workerPorts) p.close();
    fromMain?.close();
    leave = addWorker = undefined;
  };
}

let addWorker: (() => MessagePort) | undefined;

/**
 * The share for a new worker of this (main) thread's scan, with its own port from the main thread; pass
 * `transferList` with the worker's workerData.
 */
export function factsForWorker(share: FactsShare): { facts: FactsShare; transferList: MessagePort[] } {
  const port = addWorker?.();
  return port ? { facts: { ...share, fromMain: port }, transferList: [port] } : { facts: share, transferList: [] };
}

/** The exchange this thread joined last: a thread is in one scan's share at a time (the CLI's --watch scans again). */
let leave: (() => void) | undefined;
