/**
 * A small JSON-RPC client that drives the real language server process over stdio, for tests and the bench.
 * Waits are on events (a notification or response arriving), never on sleeps; each wait has a timeout that
 * fails with what was received instead.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** The bundled server the tests drive (`npm run build`); MEMLINT_SERVER overrides. */
export const SERVER_SCRIPT = process.env.MEMLINT_SERVER ?? path.join(REPO_ROOT, 'dist', 'server.js');

export interface Message {
  jsonrpc: '2.0';
  id?: number | string | null;
  method?: string;
  params?: any;
  result?: any;
  error?: { code: number; message: string; data?: unknown };
}

export interface Position {
  line: number;
  character: number;
}
export interface Range {
  start: Position;
  end: Position;
}
export interface TextEdit {
  range: Range;
  newText: string;
}
export interface Diagnostic {
  range: Range;
  severity?: number;
  code?: string | number;
  codeDescription?: { href: string };
  source?: string;
  message: string;
  data?: any;
}
export interface PublishDiagnosticsParams {
  uri: string;
  version?: number;
  diagnostics: Diagnostic[];
}

export class ResponseError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

type ServerRequestHandler = (params: any) => unknown;

export interface StartOptions {
  /** Extra args after `--stdio`. */
  args?: string[];
  /** The whole command line after `node`, instead of `<SERVER_SCRIPT> --stdio <args>` (e.g. `bin/memlint.js lsp`). */
  command?: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export function fileUri(p: string): string {
  return pathToFileURL(p).href;
}

export class LspClient {
  readonly proc: ChildProcessWithoutNullStreams;
  /** Every notification received, in order. */
  readonly notifications: Message[] = [];
  /** Every request the server sent us, in order. */
  readonly serverRequests: Message[] = [];
  stderr = '';
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: any): void; reject(e: Error): void; method: string }>();
  private readonly waiters = new Set<() => void>();
  private readonly handlers = new Map<string, ServerRequestHandler>();
  /** Text of the documents this client opened, kept in step with its changes and applied edits. */
  readonly docs = new Map<string, { text: string; version: number; languageId: string }>();
  exited: Promise<number | null>;

  /** The server's answer to `initialize`. */
  initializeResult: any;

  /** Settings returned for `workspace/configuration` requests. */
  settings: Record<string, unknown> = {};

  constructor(options: StartOptions = {}) {
    this.proc = spawn(process.execPath, options.command ?? [SERVER_SCRIPT, '--stdio', ...(options.args ?? [])], {
      cwd: options.cwd ?? REPO_ROOT,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.proc.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    this.proc.stderr.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code) => {
      for (const p of this.pending.values()) p.reject(new Error(`server exited (code ${code}) before answering ${p.method}\n${this.stderr}`));
      this.pending.clear();
      this.wake();
      resolve(code);
    }));
    this.handlers.set('workspace/configuration', (p: { items: { section?: string }[] }) =>
      p.items.map((i) => (i.section === 'memlint' ? this.settings : null)),
    );
    this.handlers.set('client/registerCapability', () => null);
    this.handlers.set('client/unregisterCapability', () => null);
    this.handlers.set('window/workDoneProgress/create', () => null);
    this.handlers.set('workspace/applyEdit', (p: { edit: WorkspaceEdit }) => {
      this.applyWorkspaceEdit(p.edit);
      return { applied: true };
    });
  }

  onServerRequest(method: string, handler: ServerRequestHandler): void {
    this.handlers.set(method, handler);
  }

  request<T = any>(method: string, params?: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.send({ jsonrpc: '2.0', id, method, params });
    });
  }

  /** Sends a request and returns its id (for `$/cancelRequest`) with the answer's promise. */
  requestWithId<T = any>(method: string, params?: unknown): { id: number; result: Promise<T> } {
    const id = this.nextId;
    return { id, result: this.request<T>(method, params) };
  }

  notify(method: string, params?: unknown): void {
    this.send({ jsonrpc: '2.0', method, params });
  }

  send(msg: Message): void {
    this.writeRaw(JSON.stringify(msg));
  }

  /** Writes a framed body as-is (for malformed-input tests). */
  writeRaw(body: string): void {
    const bytes = Buffer.from(body, 'utf8');
    this.proc.stdin.write(`Content-Length: ${bytes.length}\r\n\r\n`);
    this.proc.stdin.write(bytes);
  }

  async initialize(params: { rootPath?: string; capabilities?: any; initializationOptions?: unknown; folders?: string[] } = {}): Promise<any> {
    const folders = params.folders ?? (params.rootPath ? [params.rootPath] : []);
    const result = await this.request('initialize', {
      processId: process.pid,
      rootUri: folders[0] ? fileUri(folders[0]) : null,
      workspaceFolders: folders.length ? folders.map((f) => ({ uri: fileUri(f), name: path.basename(f) })) : null,
      capabilities: params.capabilities ?? fullCapabilities(),
      initializationOptions: params.initializationOptions,
    });
    this.initializeResult = result;
    this.notify('initialized', {});
    return result;
  }

  async shutdown(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    try {
      await this.request('shutdown');
      this.notify('exit');
    } catch {
      // already gone
    }
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
  }

  // --- documents -----------------------------------------------------------------------------------------------

  open(uri: string, languageId: string, text: string, version = 1): void {
    this.docs.set(uri, { text, version, languageId });
    this.notify('textDocument/didOpen', { textDocument: { uri, languageId, version, text } });
  }

  /** Sends incremental changes (applied in order) and returns the new version. */
  change(uri: string, edits: TextEdit[]): number {
    const doc = this.docs.get(uri);
    if (!doc) throw new Error(`not open: ${uri}`);
    for (const e of edits) doc.text = applyEdits(doc.text, [e]);
    doc.version++;
    this.notify('textDocument/didChange', {
      textDocument: { uri, version: doc.version },
      contentChanges: edits.map((e) => ({ range: e.range, text: e.newText })),
    });
    return doc.version;
  }

  close(uri: string): void {
    this.docs.delete(uri);
    this.notify('textDocument/didClose', { textDocument: { uri } });
  }

  save(uri: string): void {
    this.notify('textDocument/didSave', { textDocument: { uri } });
  }

  /** Applies a WorkspaceEdit to the open documents and sends the changes, as an editor would. */
  applyWorkspaceEdit(edit: WorkspaceEdit): void {
    const perUri = new Map<string, TextEdit[]>();
    for (const [uri, edits] of Object.entries(edit.changes ?? {})) perUri.set(uri, edits);
    for (const dc of edit.documentChanges ?? []) {
      const doc = this.docs.get(dc.textDocument.uri);
      if (doc && dc.textDocument.version !== null && dc.textDocument.version !== undefined && dc.textDocument.version !== doc.version) {
        throw new Error(`edit for version ${dc.textDocument.version} but the document is at ${doc.version}`);
      }
      perUri.set(dc.textDocument.uri, dc.edits);
    }
    for (const [uri, edits] of perUri) {
      const doc = this.docs.get(uri);
      if (!doc) throw new Error(`edit for a document that is not open: ${uri}`);
      // One didChange with the edits as full-document-relative changes, last first (positions stay valid).
      const sorted = [...edits].sort((a, b) => cmp(b.range.start, a.range.start));
      this.change(uri, sorted);
    }
  }

  // --- waiting -------------------------------------------------------------------------------------------------

  /** Resolves with the first notification (from index `from` on) that matches. */
  waitForNotification<T = any>(method: string, match: (params: T) => boolean = () => true, timeoutMs = 15000, from = 0): Promise<T> {
    return this.waitFor(() => {
      for (let i = from; i < this.notifications.length; i++) {
        const n = this.notifications[i];
        if (n.method === method && match(n.params)) return n.params as T;
      }
      return undefined;
    }, `${method} notification`, timeoutMs);
  }

  /** Diagnostics published for a URI: the first publish (from `from`) that matches. */
  waitForDiagnostics(uri: string, match: (p: PublishDiagnosticsParams) => boolean = () => true, timeoutMs = 15000, from = 0): Promise<PublishDiagnosticsParams> {
    return this.waitForNotification<PublishDiagnosticsParams>('textDocument/publishDiagnostics', (p) => p.uri === uri && match(p), timeoutMs, from);
  }

  /** The last diagnostics published for a URI so far. */
  lastDiagnostics(uri: string): PublishDiagnosticsParams | undefined {
    for (let i = this.notifications.length - 1; i >= 0; i--) {
      const n = this.notifications[i];
      if (n.method === 'textDocument/publishDiagnostics' && n.params.uri === uri) return n.params;
    }
    return undefined;
  }

  /** Waits until `probe` returns something other than undefined; re-checked after every message. */
  waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 15000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        let v: T | undefined;
        try {
          v = probe();
        } catch (e) {
          done();
          reject(e);
          return;
        }
        if (v !== undefined) {
          done();
          resolve(v);
        } else if (this.proc.exitCode !== null) {
          done();
          reject(new Error(`server exited while waiting for ${what}\n${this.stderr.slice(-2000)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        const recent = this.notifications.slice(-8).map((n) => `${n.method} ${JSON.stringify(n.params).slice(0, 300)}`);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last notifications:\n${recent.join('\n')}\nstderr: ${this.stderr.slice(-1000)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Log lines (window/logMessage) received so far. */
  logs(): string[] {
    return this.notifications.filter((n) => n.method === 'window/logMessage').map((n) => String(n.params.message));
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const header = this.buffer.subarray(0, headerEnd).toString('ascii');
      const m = /Content-Length: (\d+)/i.exec(header);
      if (!m) throw new Error(`bad header from server: ${header}`);
      const length = Number(m[1]);
      if (this.buffer.length < headerEnd + 4 + length) return;
      const body = this.buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString('utf8');
      this.buffer = this.buffer.subarray(headerEnd + 4 + length);
      this.dispatch(JSON.parse(body) as Message);
    }
  }

  private dispatch(msg: Message): void {
    if (msg.method !== undefined && msg.id !== undefined && msg.id !== null) {
      this.serverRequests.push(msg);
      const handler = this.handlers.get(msg.method);
      let result: unknown = null;
      let error: { code: number; message: string } | undefined;
      try {
        result = handler ? handler(msg.params) : null;
      } catch (e) {
        error = { code: -32603, message: String((e as Error).message) };
      }
      this.send(error ? { jsonrpc: '2.0', id: msg.id, error } : { jsonrpc: '2.0', id: msg.id, result: result ?? null });
    } else if (msg.method !== undefined) {
      this.notifications.push(msg);
    } else if (typeof msg.id === 'number') {
      const p = this.pending.get(msg.id);
      if (p) {
        this.pending.delete(msg.id);
        if (msg.error) p.reject(new ResponseError(msg.error.code, msg.error.message));
        else p.resolve(msg.result);
      }
    }
    this.wake();
  }
}

export interface WorkspaceEdit {
  changes?: Record<string, TextEdit[]>;
  documentChanges?: { textDocument: { uri: string; version: number | null }; edits: TextEdit[] }[];
}

export function fullCapabilities(): any {
  return {
    workspace: {
      configuration: true,
      workspaceFolders: true,
      applyEdit: true,
      workspaceEdit: { documentChanges: true },
      didChangeWatchedFiles: { dynamicRegistration: true },
      didChangeConfiguration: { dynamicRegistration: true },
    },
    window: { workDoneProgress: true },
    textDocument: {
      synchronization: { didSave: true, dynamicRegistration: false },
      publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true, dataSupport: true },
      codeAction: {
        codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source', 'source.fixAll'] } },
        isPreferredSupport: true,
        dataSupport: true,
      },
    },
  };
}

function cmp(a: Position, b: Position): number {
  return a.line - b.line || a.character - b.character;
}

/** Applies edits (non-overlapping, any order) to text, positions in UTF-16 units like LSP. */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const offset = (p: Position) => {
    if (p.line >= lineStarts.length) return text.length;
    const start = lineStarts[p.line];
    const next = p.line + 1 < lineStarts.length ? lineStarts[p.line + 1] - 1 : text.length;
    return Math.min(start + p.character, next);
  };
  const sorted = [...edits].sort((a, b) => cmp(b.range.start, a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}
