// Minimal HTTP client for scripts/validate-budget.mjs: loopback only, bounded by a timeout, and it reports a
// response the server sends before the whole body was written (a 413 for a body over the limit) instead of failing.
import * as http from 'node:http';
import * as crypto from 'node:crypto';

/** -> { status, bytes, ms, error?, snippet } (status 0 when no response arrived). Never rejects. */
export function request(port, { method = 'GET', path, headers = {}, body, timeoutMs = 180000 }) {
  const started = Date.now();
  return new Promise((resolve) => {
    let done = false;
    let status = 0;
    let bytes = 0;
    let snippet = '';
    const finish = (error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ status, bytes, ms: Date.now() - started, error: error ? String(error.message ?? error) : undefined, snippet });
    };
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: { connection: 'close', ...headers }, agent: false });
    const timer = setTimeout(() => {
      req.destroy(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('response', (res) => {
      status = res.statusCode ?? 0;
      res.on('data', (chunk) => {
        bytes += chunk.length;
        if (snippet.length < 400) snippet += chunk.toString('utf8', 0, Math.min(chunk.length, 400 - snippet.length));
      });
      res.on('end', () => finish());
      res.on('error', (e) => finish(e));
      res.on('aborted', () => finish(new Error('response aborted')));
    });
    req.on('error', (e) => {
      // After a complete early response (e.g. 413 before the body was sent) a write error is expected.
      if (status !== 0) setTimeout(() => finish(), 200);
      else finish(e);
    });
    if (body !== undefined) {
      req.setHeader('content-length', Buffer.byteLength(body));
      req.end(body);
    } else req.end();
  });
}

/** A multipart/form-data body with one file field. */
export function multipartFile(field, filename, data) {
  const boundary = `----memlint${crypto.randomBytes(12).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { body: Buffer.concat([head, data, tail]), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Deterministic pseudo-random bytes (xorshift), so every run uploads the same file. */
export function pseudoRandomBytes(n, seed = 0x9e3779b9) {
  const buf = Buffer.allocUnsafe(n);
  let x = seed >>> 0;
  for (let i = 0; i + 4 <= n; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    buf.writeUInt32LE(x, i);
  }
  for (let i = n - (n % 4); i < n; i++) buf[i] = i & 0xff;
  return buf;
}

/** A JSON array of analytics events of about `targetBytes` bytes. */
export function eventsJson(targetBytes) {
  const parts = [];
  let size = 2;
  for (let i = 0; size < targetBytes && i < 10_000_000; i++) {
    const s = JSON.stringify({
      type: i % 3 === 0 ? 'page_view' : i % 3 === 1 ? 'add_to_cart' : 'checkout',
      userId: `u-${(i * 7919) % 100000}`,
      ts: 1700000000000 + i * 1000,
      path: `/products/${i % 5000}`,
      props: { ref: `campaign-${i % 17}`, ua: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)' },
    });
    parts.push(s);
    size += s.length + 1;
  }
  return `[${parts.join(',')}]`;
}
