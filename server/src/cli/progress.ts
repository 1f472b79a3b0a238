/** A progress bar on stderr, shown only on a terminal and only once a scan has run for a while. */
const SHOW_AFTER_MS = 400;

export class ProgressBar {
  private readonly started = Date.now();
  private shown = false;
  private lastDraw = 0;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  update(done: number, total: number): void {
    if (!this.stream.isTTY || total === 0) return;
    const now = Date.now();
    if (now - this.started < SHOW_AFTER_MS || now - this.lastDraw < 50) return;
    this.lastDraw = now;
    this.shown = true;
    const width = 30;
    const filled = Math.round((done / total) * width);
    this.stream.write(`\r[${'='.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total} files`);
  }

  done(): void {
    if (this.shown) this.stream.write('\r\x1b[2K');
  }
}
