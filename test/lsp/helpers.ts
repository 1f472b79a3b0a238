/** Temporary workspaces and a started server for the LSP tests. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LspClient, SERVER_SCRIPT, fileUri } from './lsp-client';

export { fileUri };

/** A DRF view with one large-page-size finding (line 4, `10000`); its fix sets 100. */
export const VIEWS_PY = [
  'from rest_framework.pagination import PageNumberPagination',
  '',
  '',
  'class ExportPagination(PageNumberPagination):',
  '    page_size = 10000',
  '',
].join('\n');

export const CLEAN_PY = ['from rest_framework.pagination import PageNumberPagination', '', '', 'class P(PageNumberPagination):', '    page_size = 50', ''].join('\n');

export function requireBuiltServer(): void {
  if (!fs.existsSync(SERVER_SCRIPT)) throw new Error(`${SERVER_SCRIPT} is missing: run \`npm run build\` first`);
  const worker = path.join(path.dirname(SERVER_SCRIPT), 'server-worker.js');
  if (!fs.existsSync(worker)) {
    throw new Error(`${worker} is missing: scripts/build.mjs must bundle server/src/lsp/worker-main.ts as server-worker (then npm run build)`);
  }
}

/** Creates a folder with the given files (relative path -> text); removed by `cleanup`. */
export function makeWorkspace(files: Record<string, string>): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-lsp-')));
  for (const [rel, text] of Object.entries(files)) writeFile(root, rel, text);
  return root;
}

export function writeFile(root: string, rel: string, text: string): string {
  const abs = path.join(root, rel);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, text);
  return abs;
}

export function cleanup(root: string | undefined): void {
  if (root) fs.rmSync(root, { recursive: true, force: true });
}

export interface Started {
  client: LspClient;
  root: string;
}

/** Starts the server on a workspace and initializes it. `settings` answer workspace/configuration. */
export async function startServer(
  root: string | undefined,
  settings: Record<string, unknown> = {},
  init: { capabilities?: unknown; initializationOptions?: unknown } = {},
): Promise<LspClient> {
  const client = new LspClient();
  client.settings = { enable: true, run: 'onType', scanWorkspaceOnStartup: false, configFile: '', ...settings };
  await client.initialize({ rootPath: root, capabilities: init.capabilities, initializationOptions: init.initializationOptions });
  return client;
}

export function sourceOf(uri: string, client: LspClient): string {
  const d = client.docs.get(uri);
  if (!d) throw new Error(`not open: ${uri}`);
  return d.text;
}
