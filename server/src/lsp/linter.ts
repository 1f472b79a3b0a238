/**
 * Lint-on-type scheduling without a fixed debounce: a changed document is analysed as soon as the messages
 * already received have been processed, so a burst of changes costs one analysis of the newest version and
 * no older version is ever analysed or published after a newer one arrived. Most recently changed first.
 */
export class LintScheduler {
  private readonly pending = new Set<string>();
  private scheduled = false;
  private running = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly lint: (uri: string) => Promise<void>,
    private readonly onError: (uri: string, error: unknown) => void,
  ) {}

  request(uri: string): void {
    this.pending.delete(uri);
    this.pending.add(uri);
    this.kick();
  }

  /** Resolves when nothing is queued or running (e.g. the documents open at startup have their diagnostics). */
  idle(): Promise<void> {
    if (!this.scheduled && !this.running && this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  isPending(uri: string): boolean {
    return this.pending.has(uri);
  }

  cancel(uri: string): void {
    this.pending.delete(uri);
  }

  private kick(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    // Two turns: vscode-jsonrpc handles each queued message in its own setImmediate; by the second turn the
    // messages that were already read (newer versions of this document) have been applied.
    setImmediate(() => setImmediate(() => void this.drain()));
  }

  private async drain(): Promise<void> {
    this.scheduled = false;
    this.running = true;
    try {
      while (this.pending.size > 0) {
        const uri = [...this.pending].pop()!;
        this.pending.delete(uri);
        try {
          await this.lint(uri);
        } catch (e) {
          this.onError(uri, e);
        }
        if (this.pending.size > 0) await new Promise<void>((r) => setImmediate(() => setImmediate(r)));
      }
    } finally {
      this.running = false;
      if (this.pending.size === 0) for (const w of this.idleWaiters.splice(0)) w();
    }
  }
}
