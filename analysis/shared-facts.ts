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
}

let exchange: FactsExchange | undefined;

/** Installs (or with undefined removes) this thread's exchange. */
export function setFactsExchange(x: FactsExchange | undefined): void {
  exchange = x;
}

export function factsExchange(): FactsExchange | undefined {
  return exchange;
}
