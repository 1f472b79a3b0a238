/**
 * Project-wide facts that several scan threads would each compute from the same module texts (the DRF model parses
 * every module that declares models or serializers): one thread parses them and the others take its results.
 * The engine installs an exchange in the threads of a batch scan (server/src/engine/thread-facts.ts); without one
 * (the language server, a one-thread scan) each caller computes its own, as before.
 *
 * Facts are keyed by what they are computed from (the module's path and a digest of its text), so a fact taken
 * from another thread is the one this thread would have computed.
 */
export interface FactsExchange {
  /**
   * Called before computing facts this thread has not got: the facts other threads published so far under `topic`,
   * after waiting for a thread that is computing them now (worker threads only, bounded). `publish` is true when
   * this thread is the first to compute them: the others may wait for its `publish` call.
   */
  take(topic: string): { known: ReadonlyMap<string, unknown>; first: boolean };
  /** Hands the facts this thread computed to the others (always called after a `first` take, even with none). */
  publish(topic: string, entries: ReadonlyArray<[string, unknown]>): void;
  /** True once some thread has started computing (or has published) the facts of `topic`. */
  claimed?(topic: string): boolean;
}

let exchange: FactsExchange | undefined;

/** Installs (or with undefined removes) this thread's exchange. */
export function setFactsExchange(x: FactsExchange | undefined): void {
  exchange = x;
}

export function factsExchange(): FactsExchange | undefined {
  return exchange;
}

/**
 * Facts this thread may build for the others instead of waiting for another thread's (a scan worker that waits for
 * the template links builds the DRF model's facts meanwhile): on two cores, a waiting worker leaves a core idle.
 */
const spareWork = new Map<string, () => void>();
let inSpareWork = false;

/** Offers `build` (once per key) to run when this thread would otherwise wait; it must check what is claimed itself. */
export function offerSpareWork(key: string, build: () => void): void {
  if (!spareWork.has(key)) spareWork.set(key, build);
}

/** Runs one offered task, if any (not from inside another): true when one ran. */
export function runSpareWork(): boolean {
  if (inSpareWork) return false;
  const next = spareWork.entries().next();
  if (next.done) return false;
  const [key, build] = next.value;
  spareWork.delete(key);
  inSpareWork = true;
  try {
    build();
  } catch {
    // the thread that needs these facts builds them itself
  } finally {
    inSpareWork = false;
  }
  return true;
}

/** Drops what was offered (a thread leaving its scan). */
export function forgetSpareWork(): void {
  spareWork.clear();
}
