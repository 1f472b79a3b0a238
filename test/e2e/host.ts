/**
 * A real VS Code for end-to-end tests on machines where VS Code's own download cannot run:
 * the VS Code server from the `code-server` npm package (its server-main.js, not the
 * code-server CLI) plus Debian's chromium driven by playwright-core as the window.
 * See test/e2e/README.md; `scripts/install-e2e-deps.sh` installs everything.
 *
 * The mocha suite run through here is plain VS Code extension-test code (`run(): Promise<void>`
 * in a CommonJS index), so the same suite also runs under @vscode/test-electron.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import * as util from 'node:util';
// Types come from the playwright-core devDependency when the project has it; otherwise (runtime
// from .code-server/ only) they degrade to `any` instead of failing the project's typecheck.
// @ts-ignore -- unresolvable without the devDependency
import type { BrowserContext, Page } from 'playwright-core';
// @ts-ignore -- same as above
type Playwright = typeof import('playwright-core');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** Where install-e2e-deps.sh puts code-server and playwright-core. */
export const CODE_SERVER_DIR = path.resolve(process.env.E2E_CODE_SERVER_DIR ?? path.join(REPO_ROOT, '.code-server'));
const SERVER_MAIN = path.join(CODE_SERVER_DIR, 'node_modules/code-server/lib/vscode/out/server-main.js');
const CHROMIUM = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';
// Without the networking flags chromium floods the closed network with refused connections.
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
];
const HOST = '127.0.0.1';
/** Workbench chatter and errors that are expected on an offline machine; not passed to onLog. */
export const OFFLINE_NOISE: RegExp[] = [
  /ENOTFOUND open-vsx\.org/, /\[Service Worker\]/, /^(Resolving|Resolved) connection token/,
  /^Creating a socket/, /^Updating additional builtin extensions cache/, /^ChatSessionStore:/,
  /^\[warn\] Creation of workbench contribution/,
];
const isNoise = (line: string): boolean => OFFLINE_NOISE.some((re) => re.test(line));

type Payload = Array<[string, string]>;

export interface VSCodeServer {
  port: number;
  /** Workbench URL opening `folder` (absolute path on this machine) with a smoke-test payload. */
  url(folder: string, payload: Payload): string;
  /** `vscode-remote://` URI of an absolute path, as the extension host must see payload paths. */
  remoteUri(absPath: string): string;
  /** Last lines the server printed (for error messages). */
  output(): string;
  stop(): Promise<void>;
}

export interface ServerOptions {
  /** Extra env for the server; the extension host inherits it (pass test settings here). */
  env?: Record<string, string | undefined> | undefined;
  /** Throwaway folder: HOME, XDG_*, TMPDIR and all VS Code data dirs go inside it. */
  tmpRoot: string;
  /** .vsix files or extension ids to install (server-main.js --install-extension) before starting. */
  installExtensions?: string[] | undefined;
  startTimeoutMs?: number | undefined;
}

/** Environment with HOME, XDG_* and TMPDIR moved into tmpRoot, so nothing is left in ~ or /tmp. */
function isolatedEnv(tmpRoot: string, extra?: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const dirs = { HOME: 'home', XDG_CONFIG_HOME: 'home/.config', XDG_DATA_HOME: 'home/.local/share', XDG_CACHE_HOME: 'home/.cache', TMPDIR: 'tmp' };
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const [name, rel] of Object.entries(dirs)) {
    env[name] = path.join(tmpRoot, rel);
    fs.mkdirSync(env[name]!, { recursive: true });
  }
  return env;
}

function serverArgs(tmpRoot: string): string[] {
  return [
    '--accept-server-license-terms', '--telemetry-level', 'off',
    '--server-data-dir', path.join(tmpRoot, 'server-data'),
    '--user-data-dir', path.join(tmpRoot, 'user-data'),
    '--extensions-dir', path.join(tmpRoot, 'extensions'),
  ];
}

function getVersion(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: HOST, port, path: '/version', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    /* already gone */
  }
}

export async function startVSCodeServer(opts: ServerOptions): Promise<VSCodeServer> {
  if (!fs.existsSync(SERVER_MAIN)) {
    throw new Error(`VS Code server not found at ${SERVER_MAIN}: run scripts/install-e2e-deps.sh`);
  }
  const tmpRoot = path.resolve(opts.tmpRoot);
  const env = isolatedEnv(tmpRoot, opts.env);
  for (const ext of opts.installExtensions ?? []) {
    const r = spawnSync(process.execPath, [SERVER_MAIN, ...serverArgs(tmpRoot), '--install-extension', ext, '--force'], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`--install-extension ${ext} failed:\n${r.stdout}${r.stderr}`);
  }

  // --port 0: the OS picks a free port and the server prints it; no race with parallel runs.
  const child = spawn(process.execPath, [
    SERVER_MAIN, '--host', HOST, '--port', '0', '--without-connection-token',
    // The workbench only honours the test payload (extensionTestsPath, ...) with this flag.
    '--enable-smoke-test-driver', '--disable-workspace-trust', ...serverArgs(tmpRoot),
  ], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  // Make sure a crashing or interrupted test run does not leave the server behind.
  const onExit = (): void => killGroup(child, 'SIGKILL');
  process.once('exit', onExit);

  const lines: string[] = [];
  const logFile = fs.createWriteStream(path.join(tmpRoot, 'server.log'));
  let resolvePort: (port: number) => void = () => undefined;
  const portSeen = new Promise<number>((resolve) => (resolvePort = resolve));
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      logFile.write(chunk);
      for (const line of chunk.split('\n')) {
        if (!line.trim()) continue;
        lines.push(line);
        if (lines.length > 50) lines.shift();
        const m = /Extension host agent listening on (\d+)/.exec(line);
        if (m) resolvePort(Number(m[1]));
      }
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const output = (): string => lines.join('\n');

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    process.removeListener('exit', onExit);
    await new Promise<void>((resolve) => logFile.end(resolve));
  };

  const timeoutMs = opts.startTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  const failed = (why: string): Error => new Error(`VS Code server ${why}. Output:\n${output()}`);
  try {
    const port = await Promise.race([
      portSeen,
      exited.then((code) => Promise.reject(failed(`exited with code ${code} before listening`))),
      new Promise<never>((_, reject) => setTimeout(() => reject(failed(`did not listen within ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
    // The port is bound before the HTTP routes are ready: poll /version until it answers.
    while (!(await getVersion(port))) {
      if (child.exitCode !== null) throw failed(`exited with code ${child.exitCode}`);
      if (Date.now() > deadline) throw failed(`did not answer GET /version within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const remoteUri = (absPath: string): string => `vscode-remote://${HOST}:${port}${path.resolve(absPath)}`;
    return {
      port,
      remoteUri,
      output,
      stop,
      url: (folder, payload) =>
        `http://${HOST}:${port}/?folder=${encodeURIComponent(path.resolve(folder))}` +
        `&payload=${encodeURIComponent(JSON.stringify(payload))}`,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** playwright-core from the project's node_modules if present, else from .code-server/. */
function loadPlaywright(): Playwright {
  let resolved: string;
  try {
    resolved = require.resolve('playwright-core', { paths: [REPO_ROOT, CODE_SERVER_DIR] });
  } catch {
    throw new Error('playwright-core not found: run scripts/install-e2e-deps.sh');
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(resolved) as Playwright;
}

/** Chromium with a fresh profile inside tmpRoot. */
async function launchBrowser(tmpRoot: string, env: NodeJS.ProcessEnv): Promise<BrowserContext> {
  const { chromium } = loadPlaywright();
  return chromium.launchPersistentContext(path.join(tmpRoot, 'browser-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    env: env as Record<string, string>,
    viewport: { width: 1400, height: 900 },
  });
}

function makeTmpRoot(given?: string): { root: string; cleanup: () => void } {
  if (given) {
    fs.mkdirSync(given, { recursive: true });
    return { root: path.resolve(given), cleanup: () => undefined };
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vscode-e2e-'));
  if (process.env.E2E_KEEP_TMP === '1') return { root, cleanup: () => undefined };
  const cleanup = (): void => {
    process.removeListener('exit', cleanup);
    fs.rmSync(root, { recursive: true, force: true });
  };
  process.once('exit', cleanup); // also on Ctrl+C in run-e2e.ts, which exits via process.exit
  return { root, cleanup };
}

export interface ExtensionTestOptions {
  extensionDevelopmentPath: string;
  /** Compiled CommonJS test index exporting `run(): Promise<void>`. */
  extensionTestsPath: string;
  workspaceFolder: string;
  env?: Record<string, string | undefined> | undefined;
  /** Overall limit; on expiry the promise rejects with the last log lines. Default 120 s. */
  timeoutMs?: number | undefined;
  /** Called with each extension-host / workbench log line as it arrives, except OFFLINE_NOISE. */
  onLog?: ((line: string) => void) | undefined;
  /** If set: VS Code's own log files, and a screenshot on failure, are written here. */
  artifactsDir?: string | undefined;
  tmpRoot?: string | undefined;
}

export async function runExtensionTests(opts: ExtensionTestOptions): Promise<{ exitCode: number; log: string[] }> {
  for (const [what, file] of [['extension manifest', path.join(opts.extensionDevelopmentPath, 'package.json')],
    ['test index', opts.extensionTestsPath], ['workspace folder', opts.workspaceFolder]]) {
    if (!fs.existsSync(file!)) throw new Error(`${what} not found: ${path.resolve(file!)}`);
  }
  const { root, cleanup } = makeTmpRoot(opts.tmpRoot);
  const log: string[] = [];
  let server: VSCodeServer | undefined;
  let context: BrowserContext | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    server = await startVSCodeServer({ env: opts.env, tmpRoot: root });
    context = await launchBrowser(root, isolatedEnv(root));
    const page = context.pages()[0] ?? (await context.newPage());
    let settle!: { resolve: (code: number) => void; reject: (err: Error) => void };
    const done = new Promise<number>((resolve, reject) => (settle = { resolve, reject }));
    done.catch(() => undefined); // rejections are handled where `done` is awaited (or moot after goto failed)

    // The workbench calls these when started with --enable-smoke-test-driver.
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      // Console arguments arrive raw (mocha's reporter logs printf-style: '%s (%dms)', ...).
      const line = (type === 'info' ? '' : `[${type}] `) + util.format(...args);
      log.push(line);
      if (!isNoise(line)) opts.onLog?.(line);
    });
    await page.exposeFunction('codeAutomationExit', (code: number, logs?: Array<{ relativePath: string; contents: string }>) => {
      if (opts.artifactsDir) writeLogs(opts.artifactsDir, logs);
      settle.resolve(code);
    });
    page.on('crash', () => settle.reject(new Error('the workbench page crashed')));
    context.on('close', () => settle.reject(new Error('the browser closed before the tests finished')));

    const timeoutMs = opts.timeoutMs ?? 120_000;
    timer = setTimeout(() => settle.reject(new Error(
      `extension tests did not finish within ${timeoutMs} ms. Last log lines:\n${log.filter((l) => !isNoise(l)).slice(-20).join('\n')}` +
      `\nServer output:\n${server?.output()}`)), timeoutMs);

    await page.goto(server.url(opts.workspaceFolder, [
      ['extensionDevelopmentPath', server.remoteUri(opts.extensionDevelopmentPath)],
      ['extensionTestsPath', server.remoteUri(opts.extensionTestsPath)],
      ['skipWelcome', 'true'],
    ]));
    try {
      return { exitCode: await done, log };
    } catch (err) {
      if (opts.artifactsDir) {
        fs.mkdirSync(opts.artifactsDir, { recursive: true });
        await page.screenshot({ path: path.join(opts.artifactsDir, 'failure.png') }).catch(() => undefined);
      }
      throw err;
    }
  } finally {
    clearTimeout(timer);
    await context?.close().catch(() => undefined);
    await server?.stop();
    if (opts.artifactsDir) copyServerLogs(root, opts.artifactsDir);
    cleanup();
  }
}

/** The server's and the Node extension host's log files (the workbench's come via codeAutomationExit). */
function copyServerLogs(tmpRoot: string, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const logs = path.join(tmpRoot, 'user-data', 'logs');
  if (fs.existsSync(logs)) fs.cpSync(logs, path.join(dir, 'server-logs'), { recursive: true });
  const serverLog = path.join(tmpRoot, 'server.log');
  if (fs.existsSync(serverLog)) fs.copyFileSync(serverLog, path.join(dir, 'server.log'));
}

function writeLogs(dir: string, logs?: Array<{ relativePath: string; contents: string }>): void {
  for (const { relativePath, contents } of logs ?? []) {
    const file = path.join(dir, 'vscode-logs', relativePath);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, contents);
  }
}

export interface WorkbenchOptions {
  /** Extension loaded in development mode; omit when it is installed via installExtensions. */
  extensionDevelopmentPath?: string | undefined;
  installExtensions?: string[] | undefined;
  workspaceFolder: string;
  env?: Record<string, string | undefined> | undefined;
  tmpRoot?: string | undefined;
}

/**
 * Opens the workbench on `workspaceFolder` for UI checks and resolves once it has rendered.
 * The caller drives `page` (click Explorer items, wait for `.squiggly-warning`, screenshots)
 * and must call close().
 */
export async function openWorkbench(opts: WorkbenchOptions): Promise<{ page: Page; server: VSCodeServer; close(): Promise<void> }> {
  const { root, cleanup } = makeTmpRoot(opts.tmpRoot);
  let server: VSCodeServer | undefined;
  let context: BrowserContext | undefined;
  const close = async (): Promise<void> => {
    await context?.close().catch(() => undefined);
    await server?.stop();
    cleanup();
  };
  try {
    server = await startVSCodeServer({ env: opts.env, tmpRoot: root, installExtensions: opts.installExtensions });
    context = await launchBrowser(root, isolatedEnv(root));
    const page = context.pages()[0] ?? (await context.newPage());
    const payload: Payload = [['skipWelcome', 'true']];
    if (opts.extensionDevelopmentPath) {
      payload.unshift(['extensionDevelopmentPath', server.remoteUri(opts.extensionDevelopmentPath)]);
    }
    await page.goto(server.url(opts.workspaceFolder, payload));
    // Rendered and connected to the server: the Explorer shows the workspace's files.
    await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
    return { page, server, close };
  } catch (err) {
    await close();
    throw err;
  }
}
