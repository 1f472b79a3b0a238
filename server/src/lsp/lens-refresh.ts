/**
 * Asks the client to re-request code lenses (workspace/codeLens/refresh) after anything that can change a
 * deploy's estimate in another file: an edit, an open or close, files changed on disk, new settings. The
 * client re-requests a changed document's own lenses by itself; this covers the other visible editors.
 * Debounced (typing sends one refresh after a pause), and only once the client has asked for lenses.
 */
import { CodeLensRefreshRequest, type Connection } from 'vscode-languageserver/node';

const DELAY_MS = 400;

export class LensRefresher {
  private timer: NodeJS.Timeout | undefined;
  private served = false;

  constructor(
    private readonly connection: Connection,
    private readonly supported: () => boolean,
  ) {}

  /** Lenses were handed out: later changes should refresh them. */
  markServed(): void {
    this.served = true;
  }

  soon(): void {
    if (!this.served || !this.supported() || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
    }, DELAY_MS);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
