/**
 * Checks the LSP base protocol's framing on stdio before vscode-jsonrpc reads it. vscode-jsonrpc reports a
 * header without a numeric Content-Length but then keeps reading from a stream it can no longer frame, takes a
 * negative length as-is, and waits forever for the 2 GB a `Content-Length: 2147483648` announces: a server
 * alive but deaf. Here any such header ends the connection with a logged error instead, so the client (which
 * restarts a server that exits) gets a working one back. Bytes of well-framed messages pass through unchanged.
 */
import { Transform, type TransformCallback } from 'node:stream';

/** Larger than any real message (a didOpen of a file at the 64 MB analysis cap, in JSON) yet far from 2 GB. */
export const MAX_MESSAGE_BYTES = 256 * 1048576;
const MAX_HEADER_BYTES = 16 * 1024;
const HEADER_END = Buffer.from('\r\n\r\n');

export class FramingGuard extends Transform {
  /** Bytes of the current message body still to pass through; -1 while reading a header. */
  private bodyLeft = -1;
  private header = Buffer.alloc(0);
  private broken = false;

  constructor(private readonly onBroken: (reason: string) => void, private readonly maxBytes = MAX_MESSAGE_BYTES) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.broken) return done();
    let data = chunk;
    while (data.length > 0) {
      if (this.bodyLeft > 0) {
        const n = Math.min(this.bodyLeft, data.length);
        this.push(data.subarray(0, n));
        this.bodyLeft -= n;
        data = data.subarray(n);
        if (this.bodyLeft === 0) this.bodyLeft = -1;
        continue;
      }
      this.header = Buffer.concat([this.header, data]);
      data = Buffer.alloc(0);
      const end = this.header.indexOf(HEADER_END);
      if (end < 0) {
        if (this.header.length > MAX_HEADER_BYTES) this.fail(`a message header longer than ${MAX_HEADER_BYTES} bytes without its blank line`);
        break;
      }
      const headerText = this.header.subarray(0, end).toString('ascii');
      const rest = this.header.subarray(end + HEADER_END.length);
      const length = this.contentLength(headerText);
      if (length === undefined) return done();
      this.push(this.header.subarray(0, end + HEADER_END.length));
      this.header = Buffer.alloc(0);
      this.bodyLeft = length === 0 ? -1 : length;
      data = rest;
    }
    done();
  }

  private contentLength(headerText: string): number | undefined {
    const lines = headerText.split('\r\n');
    const field = lines.map((l) => /^content-length:[ \t]*(.*?)[ \t]*$/i.exec(l)).find((m) => m);
    const shown = JSON.stringify(headerText.length > 200 ? headerText.slice(0, 200) + '...' : headerText);
    if (!field) return this.fail(`a message header without Content-Length: ${shown}`);
    if (!/^\d+$/.test(field[1])) return this.fail(`Content-Length is not a non-negative whole number: ${shown}`);
    const length = Number(field[1]);
    if (length > this.maxBytes) return this.fail(`Content-Length ${field[1]} is over the ${this.maxBytes / 1048576} MB a message may have`);
    return length;
  }

  private fail(reason: string): undefined {
    this.broken = true;
    this.onBroken(reason);
    return undefined;
  }
}
